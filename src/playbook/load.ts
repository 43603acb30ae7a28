import { relative } from 'node:path';
import {
  LineCounter,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type ScalarTag,
  type Tags,
  type YAMLMap,
} from 'yaml';
import { diagnostic, type Diagnostic, type Loc } from './diagnostic.js';
import { InputFileError, readInputText } from './input-file.js';
import { unsafeText } from './template/unsafe.js';
import { ansibleTags, keepIntegralFloats, plainScalarType } from './yaml-scalars.js';

/** Aliases a document may expand before it is refused: enough for real files, far too few for a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

export type YamlPath = ReadonlyArray<string | number>;

/**
 * Deepest nesting of lists and mappings a file may have. Far beyond any real playbook or inventory, and
 * low enough that nothing downstream (schema checks, variables, templates, reports) can run out of stack.
 */
export const MAX_NESTING = 100;
const TOO_DEEP = `nested too deeply: more than ${MAX_NESTING} levels of lists and mappings`;

/**
 * The path to the first value nested more than `max` levels deep (aliases expanded), or null. Iterative, so
 * it cannot itself run out of stack; a structure that refers to itself is as deep as it goes, so it is found.
 */
function deeperThan(root: unknown, max: number): YamlPath | null {
  interface Step {
    value: unknown;
    depth: number;
    key: string | number | null;
    parent: Step | null;
  }
  const stack: Step[] = [{ value: root, depth: 0, key: null, parent: null }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const v = step.value;
    if (v === null || typeof v !== 'object') continue;
    if (step.depth >= max) {
      const path: (string | number)[] = [];
      for (let s: Step | null = step; s && s.key !== null; s = s.parent) path.unshift(s.key);
      return path;
    }
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ value: x, depth: step.depth + 1, key: i, parent: step }));
    else for (const [k, x] of Object.entries(v)) stack.push({ value: x, depth: step.depth + 1, key: k, parent: step });
  }
  return null;
}

/** A YAML file parsed with its source positions kept, so any value can be traced back to `file:line:col`. */
export interface LoadedYaml {
  file: string;
  /** The plain JavaScript value, or undefined when the file could not be parsed. */
  value: unknown;
  doc: Document.Parsed | undefined;
  diagnostics: Diagnostic[];
  /** Where the value (or, with `'key'`, the key) at `path` starts; the nearest existing ancestor otherwise. */
  locate(path: YamlPath, which?: 'key' | 'value'): Loc;
  /** Where each key of the mapping at `path` starts, in one pass (a group's hosts, however many). */
  locateKeys(path: YamlPath): Map<string, Loc>;
}

/** Display name for a file: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && rel.length < file.length ? rel : file;
}

/** `!unsafe`: Ansible's mark for text that is never rendered (a password holding `{{`), in every file it reads. */
const UNSAFE: ScalarTag = { tag: '!unsafe', resolve: (text) => unsafeText(text) };

/** What some files need beyond the rest: inventory and vars files hold `!vault` values, and floats. */
export interface YamlOptions {
  /** Tags beyond `!unsafe` (`!vault`). */
  customTags?: Tags;
  /**
   * Integral floats (`x: 1.0`) kept as floats, which templates print as Python does (`1.0`, not `1`): in the
   * whole file (`all`: vars and inventory files) or only in variables (`vars`: what sits under a `vars` key).
   */
  floats?: 'all' | 'vars';
}

/** Inside a `vars` key: where a playbook's integral floats stay floats (runbook's own keys want numbers). */
const underVars = (path: readonly unknown[]): boolean =>
  path.some((p) => isPair(p) && isScalar(p.key) && p.key.value === 'vars');

export function loadYamlFile(file: string, display = displayPath(file), options: YamlOptions = {}): LoadedYaml {
  let text: string;
  try {
    text = readInputText(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      err instanceof InputFileError
        ? err.message
        : code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot read (${code ?? 'error'})`;
    const at = err instanceof InputFileError && err.at ? err.at : { line: 1, col: 1 };
    return failed(display, [diagnostic({ file: display, ...at }, `${why}: ${display}`)]);
  }
  return loadYamlText(text, display, options);
}

export function loadYamlText(text: string, file: string, options: YamlOptions = {}): LoadedYaml {
  const lineCounter = new LineCounter();
  // yaml's own unique-key check compares each key with every earlier one (quadratic in a 100,000-host
  // group); duplicateKeys() does the same check with a set per mapping.
  // merge: YAML 1.1 merge keys (`<<: *defaults`), which Ansible's loader applies; without it a host got a
  // variable named "<<".
  const settings = { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false, strict: true } as const;
  // YAML 1.1 as PyYAML reads it, for every file: numbers, booleans and nulls as Ansible sees them.
  const doc = parseDocument(text, {
    ...settings,
    version: '1.1',
    customTags: (tags: Tags) => ansibleTags(tags, [UNSAFE, ...(options.customTags ?? [])]),
  });
  const at = (offset: number): Loc => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    if (/call stack/i.test(e.message)) {
      diagnostics.push(diagnostic(at(e.pos[0]), TOO_DEEP));
      break;
    }
    const message =
      e.code === 'MULTIPLE_DOCS'
        ? 'a second YAML document starts here: the file must hold exactly one'
        : firstLine(e.message);
    diagnostics.push(diagnostic(at(e.pos[0]), message));
  }
  keysAsWritten(doc);
  for (const dup of duplicateKeys(doc)) diagnostics.push(diagnostic(at(dup.start), `duplicate key "${dup.key}"`));
  const index = new WeakMap<object, Map<string, Pair>>();
  const locate = (path: YamlPath, which: 'key' | 'value' = 'value'): Loc => locateIn(doc, path, which, at, index);
  const locateKeys = (path: YamlPath): Map<string, Loc> => {
    const out = new Map<string, Loc>();
    const node = nodeAt(doc, path, index);
    if (isMap(node)) {
      for (const [key, pair] of pairsOf(node, index)) {
        const start = (pair.key as Node).range?.[0];
        if (start !== undefined) out.set(key, at(start));
      }
    }
    return out;
  };
  if (diagnostics.length > 0) return { file, value: undefined, doc, diagnostics, locate, locateKeys };

  if (options.floats) keepIntegralFloats(doc, options.floats === 'vars' ? underVars : undefined);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const msg = (err as Error).message;
    const firstAlias = findFirstAlias(doc);
    const loc = firstAlias === undefined ? { file, line: 1, col: 1 } : at(firstAlias);
    const message = /alias/i.test(msg)
      ? `refusing to expand YAML aliases: more than ${MAX_ALIAS_COUNT} alias expansions (a possible alias bomb)`
      : err instanceof RangeError
        ? TOO_DEEP
        : firstLine(msg);
    return { file, value: undefined, doc, diagnostics: [diagnostic(loc, message)], locate, locateKeys };
  }
  const deep = deeperThan(value, MAX_NESTING);
  if (deep) {
    return { file, value: undefined, doc, diagnostics: [diagnostic(locate(deep), TOO_DEEP)], locate, locateKeys };
  }
  return { file, value, doc, diagnostics, locate, locateKeys };
}

function failed(file: string, diagnostics: Diagnostic[]): LoadedYaml {
  return {
    file,
    value: undefined,
    doc: undefined,
    diagnostics,
    locate: () => ({ file, line: 1, col: 1 }),
    locateKeys: () => new Map(),
  };
}

function firstLine(s: string): string {
  return s
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

/**
 * A mapping key is a name (a host, a group, a variable): it keeps the text it was written with. PyYAML reads
 * `010` as 8 and `null` as None there too, and Ansible then refuses a host so named; renaming one silently
 * would be worse than Ansible's refusal, so the text is kept.
 */
function keysAsWritten(doc: Document.Parsed): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isMap(n)) {
      for (const p of n.items) {
        const key = p.key;
        if (isScalar(key) && typeof key.value !== 'string' && key.type === 'PLAIN' && typeof key.source === 'string') {
          key.value = key.source;
        }
        stack.push(p.value);
      }
    } else if (isSeq(n)) for (const i of n.items) stack.push(i);
  }
}

/**
 * What PyYAML makes of the key at `path` (kept here as the text written): `010:` is an int, `null:` None,
 * `'010':` text. Names Ansible requires to be text (hosts, groups) are checked with it.
 */
export function keyType(loaded: LoadedYaml, path: YamlPath): ReturnType<typeof plainScalarType> {
  const map = loaded.doc?.getIn(path.slice(0, -1), true);
  const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1)) : undefined;
  const key = pair?.key;
  return isScalar(key) && key.type === 'PLAIN' && typeof key.source === 'string' ? plainScalarType(key.source) : 'str';
}

/** Every key that repeats an earlier key of its mapping, in document order. */
function duplicateKeys(doc: Document.Parsed): { key: string; start: number }[] {
  const found: { key: string; start: number }[] = [];
  // Iterative: a document too deep for the stack still gets its duplicates checked without crashing.
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    if (!isNode(n)) continue;
    if (isMap(n)) {
      // Keyed by the scalar's value itself: 1 and "1" are different keys, as in YAML.
      const seen = new Set<unknown>();
      for (const p of n.items) {
        // `<<` may repeat: each merges another mapping in.
        if (isScalar(p.key) && p.key.value !== '<<') {
          const value: unknown = p.key.value;
          if (seen.has(value)) found.push({ key: String(value), start: p.key.range?.[0] ?? 0 });
          seen.add(value);
        }
        stack.push(p.value);
      }
    } else if (isSeq(n)) for (const i of n.items) stack.push(i);
  }
  return found.sort((a, b) => a.start - b.start);
}

function findFirstAlias(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  const walk = (n: unknown): void => {
    if (found !== undefined || !isNode(n)) return;
    if (n.range && (n as Node).constructor.name === 'Alias') {
      found = n.range[0];
      return;
    }
    if (isMap(n)) for (const p of n.items) walk(p.key), walk(p.value);
    else if (isSeq(n)) for (const i of n.items) walk(i);
  };
  walk(doc.contents);
  return found;
}

/** A mapping's pairs by key text, built on first use: locating every host of a big group stays linear. */
function pairsOf(map: YAMLMap, index: WeakMap<object, Map<string, Pair>>): Map<string, Pair> {
  let pairs = index.get(map);
  if (!pairs) {
    pairs = new Map();
    for (const p of map.items) {
      if (isPair(p) && isScalar(p.key) && !pairs.has(String(p.key.value))) pairs.set(String(p.key.value), p);
    }
    index.set(map, pairs);
  }
  return pairs;
}

/** The node at `path`, or undefined where the path leaves the document. */
function nodeAt(doc: Document.Parsed, path: YamlPath, index: WeakMap<object, Map<string, Pair>>): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) node = pairsOf(node, index).get(String(seg))?.value;
    else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

function locateIn(
  doc: Document.Parsed,
  path: YamlPath,
  which: 'key' | 'value',
  at: (o: number) => Loc,
  index: WeakMap<object, Map<string, Pair>>,
): Loc {
  let node: unknown = doc.contents;
  let best: number = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairsOf(node, index).get(String(seg));
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
