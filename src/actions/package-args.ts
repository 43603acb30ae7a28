import type { YamlPath } from '../playbook/load.js';
import type { TextUse } from '../playbook/action-syntax.js';
import { isMap } from './args.js';

/** What the package modules (apt, dnf, package) share: how names are written and how states are spelled. */

export type PackageState = 'present' | 'absent' | 'latest';

/** `installed` and `removed` are the older spellings Ansible's dnf and package modules still accept. */
export function packageState(v: unknown, dflt: string = 'present'): string {
  const s = typeof v === 'string' ? v : dflt;
  return s === 'installed' ? 'present' : s === 'removed' ? 'absent' : s;
}

/** The name list's schema: one name, a comma-separated list, or a list (Ansible's `list` of `str`). */
export const NAMES_SCHEMA = {
  title: 'Packages',
  description: 'A name, a comma-separated list or a list of names; `name=version` pins a version.',
  'x-expected': 'a package name or a list of names',
  oneOf: [{ type: 'string' }, { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }] } }],
} as const;

/** The keys a package name list may be written under, the first being the usual one. */
export const NAME_KEYS = ['name', 'pkg', 'package'] as const;

/** The name list as written (still templated): whichever of `keys` is given. */
export function namesAsWritten(v: Record<string, unknown>, keys: readonly string[] = NAME_KEYS): unknown {
  for (const k of keys) if (v[k] !== undefined) return v[k];
  return undefined;
}

/**
 * A rendered name value as the list Ansible's `list` type makes of it: a string is split on commas,
 * list items are taken as strings, blanks are dropped.
 */
export function nameList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v.map((x) => String(x)) : String(v).split(',');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** The templated texts among the names (a string, or strings in a list), for the loader's checks. */
export function nameTexts(kind: string, value: unknown, at: YamlPath, keys: readonly string[] = NAME_KEYS): TextUse[] {
  if (!isMap(value)) return [];
  const out: TextUse[] = [];
  for (const k of keys) {
    const v = value[k];
    if (typeof v === 'string')
      out.push({ field: `${kind}.${k}`, text: v, path: [...at, k], expression: false, afterRun: false });
    if (Array.isArray(v))
      v.forEach((item, i) => {
        if (typeof item === 'string')
          out.push({ field: `${kind}.${k}`, text: item, path: [...at, k, i], expression: false, afterRun: false });
      });
  }
  return out;
}

/** A yes/no option: a boolean, or the words Ansible reads as one (`update_cache=yes` in a `k=v` string). */
export const FLAG = {
  'x-expected': 'true/false (or yes/no)',
  oneOf: [{ type: 'boolean' }, { type: 'string', pattern: '^([Yy](es)?|[Nn]o?|[Tt]rue|[Ff]alse|[Oo]n|[Oo]ff|1|0)$' }],
} as const;

/** A count of seconds or tries: an integer, or its digits (`cache_valid_time=3600` in a `k=v` string). */
export const COUNT = {
  'x-expected': 'a whole number',
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^[0-9]+$' },
  ],
} as const;

/** A FLAG's value; undefined when not given. */
export function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return /^(y|yes|true|on|1)$/i.test(v);
  return undefined;
}

/** A COUNT's value, or `dflt` when not given. */
export function count(v: unknown, dflt: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return dflt;
}
