import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Tags } from 'yaml';
import { diagnostic, type Diagnostic, type Loc } from './diagnostic.js';

/** Aliases a document may expand before it is refused: enough for real files, far too few for a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

export type YamlPath = ReadonlyArray<string | number>;

/** A YAML file parsed with its source positions kept, so any value can be traced back to `file:line:col`. */
export interface LoadedYaml {
  file: string;
  /** The plain JavaScript value, or undefined when the file could not be parsed. */
  value: unknown;
  doc: Document.Parsed | undefined;
  diagnostics: Diagnostic[];
  /** Where the value (or, with `'key'`, the key) at `path` starts; the nearest existing ancestor otherwise. */
  locate(path: YamlPath, which?: 'key' | 'value'): Loc;
}

/** Display name for a file: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && rel.length < file.length ? rel : file;
}

/** What inventory and vars files need beyond playbooks: Ansible reads them as YAML 1.1, with `!vault` values. */
export interface YamlOptions {
  version?: '1.1' | '1.2';
  customTags?: Tags | ((tags: Tags) => Tags);
}

export function loadYamlFile(file: string, display = displayPath(file), options: YamlOptions = {}): LoadedYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? 'error'})`;
    return failed(display, [diagnostic({ file: display, line: 1, col: 1 }, `${why}: ${display}`)]);
  }
  return loadYamlText(text, display, options);
}

export function loadYamlText(text: string, file: string, options: YamlOptions = {}): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, ...options });
  const at = (offset: number): Loc => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    if (e.code === 'DUPLICATE_KEY') {
      const dup = duplicateKey(doc, e.pos[0]);
      diagnostics.push(dup ? diagnostic(at(dup.start), `duplicate key "${dup.key}"`) : diagnostic(at(e.pos[0]), 'duplicate key'));
      continue;
    }
    const message = e.code === 'MULTIPLE_DOCS' ? 'a second YAML document starts here: the file must hold exactly one' : firstLine(e.message);
    diagnostics.push(diagnostic(at(e.pos[0]), message));
  }
  const locate = (path: YamlPath, which: 'key' | 'value' = 'value'): Loc => locateIn(doc, path, which, at);
  if (diagnostics.length > 0) return { file, value: undefined, doc, diagnostics, locate };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const msg = (err as Error).message;
    const firstAlias = findFirstAlias(doc);
    const loc = firstAlias === undefined ? { file, line: 1, col: 1 } : at(firstAlias);
    const message = /alias/i.test(msg)
      ? `refusing to expand YAML aliases: more than ${MAX_ALIAS_COUNT} alias expansions (a possible alias bomb)`
      : firstLine(msg);
    return { file, value: undefined, doc, diagnostics: [diagnostic(loc, message)], locate };
  }
  return { file, value, doc, diagnostics, locate };
}

function failed(file: string, diagnostics: Diagnostic[]): LoadedYaml {
  return { file, value: undefined, doc: undefined, diagnostics, locate: () => ({ file, line: 1, col: 1 }) };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/**
 * yaml reports a duplicate at the start of the whitespace before it when the previous value is empty, so the
 * duplicate is the first key starting at or after the reported offset.
 */
function duplicateKey(doc: Document.Parsed, offset: number): { key: string; start: number } | undefined {
  let found: { key: string; start: number } | undefined;
  const walk = (n: unknown): void => {
    if (!isNode(n)) return;
    if (isMap(n)) {
      for (const p of n.items) {
        const start = isScalar(p.key) ? p.key.range?.[0] : undefined;
        if (start !== undefined && start >= offset && (found === undefined || start < found.start)) {
          found = { key: String((p.key as { value: unknown }).value), start };
        }
        walk(p.value);
      }
    } else if (isSeq(n)) for (const i of n.items) walk(i);
  };
  walk(doc.contents);
  return found;
}

function findFirstAlias(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  const walk = (n: unknown): void => {
    if (found !== undefined || !isNode(n)) return;
    if (n.range && (n as Node).constructor.name === 'Alias') {
      found = n.range[0];
      return;
    }
    if (isMap(n)) for (const p of n.items) (walk(p.key), walk(p.value));
    else if (isSeq(n)) for (const i of n.items) walk(i);
  };
  walk(doc.contents);
  return found;
}

function locateIn(doc: Document.Parsed, path: YamlPath, which: 'key' | 'value', at: (o: number) => Loc): Loc {
  let node: unknown = doc.contents;
  let best: number = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyStart = (pair.key as Node).range?.[0];
      if (last && which === 'key' && keyStart !== undefined) return at(keyStart);
      const v = pair.value as Node | null;
      const start = v?.range?.[0] ?? keyStart;
      if (start !== undefined) best = start;
      node = v;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      if (item.range) best = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return at(best);
}
