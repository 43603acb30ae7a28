import { resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import { displayPath } from '../playbook/load.js';
import { parseAnsibleYaml, readSourceText, settleValue, type ReadContext } from './files.js';
import { SIMPLE_ESCAPES } from '../playbook/python-literal.js';

/**
 * `-e`/`--extra-vars`, each as Ansible's load_extra_vars reads it, merged in order: `@FILE` is a YAML or JSON
 * file, text starting with `{` or `[` is YAML/JSON, anything else is `key=value` words whose values stay text.
 * Returns the variables or one message per unusable argument.
 */
export function parseExtraVars(
  args: readonly string[],
  ctx: ReadContext,
  cwd = process.cwd(),
): { vars: Record<string, unknown>; problems: string[] } {
  const vars: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const arg of args) {
    if (arg === '') continue;
    let data: unknown;
    if (arg.startsWith('@')) {
      const path = resolve(cwd, arg.slice(1));
      const read = readSourceText(path, ctx);
      if ('diagnostic' in read) {
        problems.push(`-e ${arg}: ${read.diagnostic.message}`);
        continue;
      }
      const loaded = parseAnsibleYaml(read.text, displayPath(path));
      const diagnostics: Diagnostic[] = [...loaded.diagnostics];
      if (diagnostics.length === 0) data = settleValue(loaded, read.vaulted, ctx, diagnostics);
      if (diagnostics.length > 0) {
        problems.push(...diagnostics.map((d) => `-e ${arg}: ${formatDiagnostic(d)}`));
        continue;
      }
    } else if (arg[0] === '/' || arg[0] === '.') {
      problems.push(`-e ${arg}: to read variables from a file, write -e @${arg}`);
      continue;
    } else if (arg[0] === '[' || arg[0] === '{') {
      const loaded = parseAnsibleYaml(arg, '-e');
      if (loaded.diagnostics.length > 0) {
        problems.push(`-e ${arg}: ${loaded.diagnostics[0]!.message}`);
        continue;
      }
      data = loaded.value;
    } else {
      const kv = parseKeyValues(arg);
      if ('problem' in kv) {
        problems.push(`-e ${arg}: ${kv.problem}`);
        continue;
      }
      data = kv.vars;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      problems.push(`-e ${arg}: extra variables must be a mapping of names to values`);
      continue;
    }
    Object.assign(vars, data);
  }
  return { vars, problems };
}

/**
 * Ansible's parse_kv: words split on blanks (quotes and `{{ }}`/`{% %}`/`{# #}` blocks keep a word whole),
 * escapes decoded, each `key=value` split at its first unescaped `=` after the first character, one pair of
 * surrounding quotes removed from the value. Words without `=` are joined into `_raw_params`, as Ansible does.
 */
export function parseKeyValues(text: string): { vars: Record<string, string> } | { problem: string } {
  const words = splitArgs(text);
  if ('problem' in words) return words;
  const vars: Record<string, string> = {};
  const raw: string[] = [];
  for (const orig of words.words) {
    const word = decodeEscapes(orig);
    let pos = -1;
    for (let i = 1; i < word.length; i++) {
      if (word[i] === '=' && word[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) {
      raw.push(word.includes('=') ? word.replace(/\\=/g, '=') : orig);
      continue;
    }
    vars[word.slice(0, pos).trim()] = unquote(word.slice(pos + 1).trim());
  }
  if (raw.length > 0) vars._raw_params = raw.join(' ');
  return { vars };
}

function unquote(s: string): string {
  const quoted = s.length > 1 && s[0] === s.at(-1) && (s[0] === '"' || s[0] === "'") && s.at(-2) !== '\\';
  return quoted ? s.slice(1, -1) : s;
}

const ESCAPE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[\\'"abfnrtv]/g;
function decodeEscapes(s: string): string {
  return s.replace(ESCAPE, (m) =>
    m.length === 2 ? SIMPLE_ESCAPES[m[1]!]! : String.fromCodePoint(parseInt(m.slice(2), 16)),
  );
}

function quoteState(token: string, quote: string | null): string | null {
  let q = quote;
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    if ((c === '"' || c === "'") && (i === 0 || token[i - 1] !== '\\')) {
      if (q) {
        if (c === q) q = null;
      } else {
        q = c;
      }
    }
  }
  return q;
}

function blockDepth(token: string, depth: number, open: string, close: string): number {
  const opens = token.split(open).length - 1;
  const closes = token.split(close).length - 1;
  return opens === closes ? depth : Math.max(0, depth + opens - closes);
}

/** Ansible's split_args (parsing/splitter.py), which parse_kv runs first. */
function splitArgs(args: string): { words: string[] } | { problem: string } {
  const params: string[] = [];
  const items = args.split('\n');
  let quote: string | null = null;
  let inside = false;
  let print = 0;
  let block = 0;
  let comment = 0;
  items.forEach((item, itemIdx) => {
    const tokens = item.split(' ');
    let continuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        if (params.length > 0) params[params.length - 1] += ' ';
        return;
      }
      if (token === '\\' && !inside) {
        continuation = true;
        return;
      }
      const wasInside = inside;
      quote = quoteState(token, quote);
      inside = quote !== null;
      let appended = false;
      const inBlock = print > 0 || block > 0 || comment > 0;
      if (inside && !wasInside && !inBlock) {
        params.push(token);
        appended = true;
      } else if (inBlock || inside || wasInside) {
        const last = params.length - 1;
        if (idx === 0 && wasInside) params[last] = `${params[last]}${token}`;
        else if (tokens.length > 1) params[last] = `${params[last]}${idx > 0 ? ' ' : ''}${token}`;
        else params[last] = `${params[last]}\n${token}`;
        appended = true;
      }
      for (const [open, close, get, set] of [
        ['{{', '}}', () => print, (n: number) => (print = n)],
        ['{%', '%}', () => block, (n: number) => (block = n)],
        ['{#', '#}', () => comment, (n: number) => (comment = n)],
      ] as const) {
        const before = get();
        set(blockDepth(token, before, open, close));
        if (get() !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (print === 0 && block === 0 && comment === 0 && !inside && !appended && token !== '') params.push(token);
    });
    const more = items.length > 1 && itemIdx !== items.length - 1;
    if (more && !continuation && params.length > 0) params[params.length - 1] += '\n';
  });
  if (print || block || comment || inside) return { problem: 'unbalanced quotes or {{ }} block' };
  return { words: params };
}
