import { Scalar, visit, type Document, type ScalarTag, type Tags } from 'yaml';
import { PyFloat } from './template/python.js';

/**
 * Plain scalars resolved as PyYAML's SafeLoader resolves them (YAML 1.1), which is how Ansible reads
 * playbooks, task and vars files, inventories, extra variables and `from_yaml`: `010` is 8, `0x1F` 31,
 * `0b101` 5, `1_000` 1000, `190:20:30` 685230, `1.5e+3` a float but `1e3` and `0o17` strings, `09` a
 * string, yes/no/on/off booleans but `y`/`n` strings. The patterns are PyYAML's own (resolver.py), and the
 * conversions follow its constructor.py: the yaml library's 1.1 schema differs in places (`y` is true there,
 * `1e3` a number, `0o17` 15), and a silent difference from Ansible is the worst kind.
 */

/** One pattern from PyYAML's alternatives, written one per line. */
const anyOf = (...alternatives: string[]): RegExp => new RegExp(`^(?:${alternatives.join('|')})$`);

const PY_INT = anyOf(
  '[-+]?0b[0-1_]+',
  '[-+]?0[0-7_]+',
  '[-+]?(?:0|[1-9][0-9_]*)',
  '[-+]?0x[0-9a-fA-F_]+',
  '[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+',
);

export const PY_FLOAT = anyOf(
  '[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?',
  '\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?',
  '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*',
  '[-+]?\\.(?:inf|Inf|INF)',
  '\\.(?:nan|NaN|NAN)',
);

const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

const PY_NULL = /^(?:~|null|Null|NULL|)$/;

/** `12:30:45` as base-60 digits, the most significant first. */
function sexagesimal(parts: number[]): number {
  return parts.reduce((sum, digit) => sum * 60 + digit, 0);
}

/** PyYAML's construct_yaml_int; `0b_` and `0x_` have no digits, which Python's int() refuses too. */
function pyInt(source: string, onError: (message: string) => void = () => {}): number {
  let text = source.replace(/_/g, '');
  const sign = text[0] === '-' ? -1 : 1;
  if (text[0] === '-' || text[0] === '+') text = text.slice(1);
  if (text === '0') return 0;
  const digits = (s: string, base: number): number => {
    if (s === '') {
      onError(`invalid integer "${source}": no digits after the base prefix`);
      return 0;
    }
    return sign * parseInt(s, base);
  };
  if (text.startsWith('0b')) return digits(text.slice(2), 2);
  if (text.startsWith('0x')) return digits(text.slice(2), 16);
  if (text[0] === '0') return digits(text, 8);
  if (text.includes(':')) return sign * sexagesimal(text.split(':').map(Number));
  return sign * Number(text);
}

/** PyYAML's construct_yaml_float. */
function pyFloat(source: string): number {
  let text = source.replace(/_/g, '').toLowerCase();
  const sign = text[0] === '-' ? -1 : 1;
  if (text[0] === '-' || text[0] === '+') text = text.slice(1);
  if (text === '.inf') return sign * Infinity;
  if (text === '.nan') return NaN;
  if (text.includes(':')) return sign * sexagesimal(text.split(':').map(Number));
  return sign * Number(text);
}

const INT: ScalarTag = {
  identify: (v) => typeof v === 'number' && Number.isInteger(v),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: PY_INT,
  resolve: (text, onError) => pyInt(text, onError),
};

const FLOAT: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: PY_FLOAT,
  resolve: (text) => pyFloat(text),
};

const BOOL: ScalarTag = {
  identify: (v) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: PY_BOOL,
  resolve: (text) => new Scalar(/^(?:yes|true|on)$/i.test(text)),
};

const NULL: ScalarTag = {
  identify: (v) => v === null || v === undefined,
  default: true,
  tag: 'tag:yaml.org,2002:null',
  test: PY_NULL,
  resolve: () => new Scalar(null),
};

/** The tags replaced: a date stays the text it was written as, which is how Ansible prints and templates it. */
const REPLACED = new Set([INT, FLOAT, BOOL, NULL].map((t) => t.tag).concat('tag:yaml.org,2002:timestamp'));

/**
 * A schema's tags (the yaml library's 1.1 schema: maps, sequences, strings, merge keys, !!binary, !!set…) with
 * its scalar resolution replaced by PyYAML's, then `extra` (`!unsafe`, `!vault`).
 */
export function ansibleTags(tags: Tags, extra: Tags = []): Tags {
  return [INT, FLOAT, BOOL, NULL, ...extra, ...tags.filter((t) => typeof t === 'string' || !REPLACED.has(t.tag))];
}

/** What PyYAML makes of a plain scalar, by the name of its Python type. */
export function plainScalarType(source: string): 'int' | 'float' | 'bool' | 'NoneType' | 'str' {
  if (PY_BOOL.test(source)) return 'bool';
  if (PY_INT.test(source)) return 'int';
  if (PY_FLOAT.test(source)) return 'float';
  return PY_NULL.test(source) ? 'NoneType' : 'str';
}

/**
 * Integral floats (`x: 1.0`, `!!float "1"`) kept as floats, as PyYAML keeps them, so templates print them as
 * Python does (`1.0`, not `1`): everywhere, or where `within` accepts the scalar's path.
 */
export function keepIntegralFloats(doc: Document, within?: (path: readonly unknown[]) => boolean): void {
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'number' || !Number.isInteger(node.value)) return;
      if (!PY_FLOAT.test(node.source ?? '') || (within && !within(path))) return;
      node.value = new PyFloat(node.value);
    },
  });
}
