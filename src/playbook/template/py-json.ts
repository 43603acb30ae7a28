import { parseAllDocuments, parseDocument, visit } from 'yaml';
import { PyError, PyFloat } from './python.js';

/**
 * `from_json` and `from_yaml` as Python reads them: `1.0` stays a float (JavaScript's parsers make it `1`),
 * and YAML booleans are PyYAML's (`yes`/`no`/`on`/`off`, but not `y`/`n`).
 */

export function parsePyJson(text: string): unknown {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new PyError('ValueError', `${what} at char ${i}`);
  };
  const value = (): unknown => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str();
        ws();
        if (text[i++] !== ':') fail("Expecting ':' delimiter");
        out[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] === '}') return out;
        fail("Expecting ',' delimiter");
      }
    }
    if (ch === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] === ']') return out;
        fail("Expecting ',' delimiter");
      }
    }
    if (ch === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    const n = Number(m[0]);
    return (m[1] || m[2]) && Number.isInteger(n) ? new PyFloat(n) : n;
  };
  const str = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(text.slice(i));
    if (!m) return fail('Invalid string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const out = value();
  ws();
  if (i < text.length) fail('Extra data');
  return out;
}

function pyYamlize(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Scalar(_key, node) {
      const source = (node as { source?: string }).source;
      if (typeof source !== 'string') return;
      if (typeof node.value === 'boolean' && /^[yYnN]$/.test(source)) node.value = source;
      else if (
        typeof node.value === 'number' &&
        Number.isInteger(node.value) &&
        /^[-+]?(\d[\d_]*)?\.[\d_]*([eE][-+]?\d+)?$/.test(source)
      ) {
        node.value = new PyFloat(node.value);
      }
    },
  });
}

export function parsePyYaml(text: string): unknown {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length) throw new PyError('Error', `from_yaml: ${doc.errors[0]!.message}`);
  pyYamlize(doc);
  return doc.toJS();
}

export function parsePyYamlAll(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    if ('errors' in d && d.errors.length) throw new PyError('Error', `from_yaml_all: ${d.errors[0]!.message}`);
    pyYamlize(d as ReturnType<typeof parseDocument>);
    return (d as ReturnType<typeof parseDocument>).toJS();
  });
}
