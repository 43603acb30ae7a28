import { parseAllDocuments, parseDocument, type Tags } from 'yaml';
import { ansibleTags, keepIntegralFloats } from '../yaml-scalars.js';
import { PyError, PyFloat } from './python.js';

/**
 * `from_json` and `from_yaml` as Python reads them: `1.0` stays a float (JavaScript's parsers make it `1`),
 * and YAML scalars are PyYAML's (yaml-scalars.ts).
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

// Ansible's from_yaml is PyYAML's safe_load: the same scalars as every file Ansible reads.
const PY_YAML = { version: '1.1', customTags: (tags: Tags) => ansibleTags(tags) } as const;

export function parsePyYaml(text: string): unknown {
  const doc = parseDocument(text, PY_YAML);
  if (doc.errors.length) throw new PyError('Error', `from_yaml: ${doc.errors[0]!.message}`);
  keepIntegralFloats(doc);
  return doc.toJS();
}

export function parsePyYamlAll(text: string): unknown[] {
  return parseAllDocuments(text, PY_YAML).map((d) => {
    if ('errors' in d && d.errors.length) throw new PyError('Error', `from_yaml_all: ${d.errors[0]!.message}`);
    keepIntegralFloats(d as ReturnType<typeof parseDocument>);
    return (d as ReturnType<typeof parseDocument>).toJS();
  });
}
