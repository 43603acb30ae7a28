import type { TextUse } from '../playbook/action-syntax.js';
import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';

/** Helpers the file-and-shell actions share for reading their YAML arguments. */

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The templated string fields of a mapping action, for the loader's offline checks. */
export function stringTexts(kind: string, value: unknown, at: YamlPath, fields: string[]): TextUse[] {
  if (!isMap(value)) return [];
  return fields
    .filter((f) => typeof value[f] === 'string')
    .map((f) => ({
      field: `${kind}.${f}`,
      text: value[f] as string,
      path: [...at, f],
      expression: false,
      afterRun: false,
    }));
}

/** The templated texts of a command-like action: its command line, or the string fields of its mapping form. */
export function commandTexts(kind: string, value: unknown, at: YamlPath, fields: string[]): TextUse[] {
  return typeof value === 'string'
    ? [{ field: kind, text: value, path: at, expression: false, afterRun: false }]
    : stringTexts(kind, value, at, fields);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** `path`, or Ansible's aliases `dest` and `name` (the schema and `oneOf` admit exactly one). */
export function pathArg(v: Record<string, unknown>): string {
  return str(v.path) ?? str(v.dest) ?? str(v.name) ?? '';
}

export function bool(v: unknown, dflt = false): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return /^(yes|true|on|1)$/i.test(v);
  return dflt;
}

/** Exactly one of `keys` must be given (a rule the schema states badly): a located diagnostic otherwise. */
export function oneOf(kind: string, keys: string[], value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  if (!isMap(value)) return [];
  const given = keys.filter((k) => value[k] !== undefined);
  if (given.length === 1) return [];
  const names = keys.map((k) => `"${k}"`).join(' or ');
  return given.length === 0
    ? [diagnostic(loaded.locate(at), `${kind}: needs ${names}`)]
    : [diagnostic(loaded.locate([...at, given[1]!], 'key'), `${kind}: give only one of ${names}`)];
}
