import { isScalar } from 'yaml';
import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { ComposedYaml } from '../playbook/composed.js';

/**
 * A `mode` as Ansible's file, copy and template modules apply it: an integer is the permission bits
 * themselves (YAML reads `0644` as 420, rw-r--r--, and `644` as 644, which is mode 01204), a string is octal
 * digits ("644", "0644", "0o644"). Four octal digits, or null when it is neither.
 */
export function permissions(mode: unknown): string | null {
  if (typeof mode === 'number') {
    return Number.isInteger(mode) && mode >= 0 && mode <= 0o7777 ? mode.toString(8).padStart(4, '0') : null;
  }
  if (typeof mode !== 'string') return null;
  const m = /^(?:0[oO])?0*([0-7]{1,4})$/.exec(mode);
  return m ? m[1]!.padStart(4, '0') : null;
}

/**
 * ansible-lint's risky-octal: an unquoted mode without a leading zero is a decimal number, which Ansible
 * applies as bits all the same (`644` is mode 01204). Said, never refused: the playbook means what Ansible
 * makes of it.
 */
export function riskyOctal(value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  if (typeof value !== 'number' || !Number.isInteger(value)) return [];
  const origin = loaded instanceof ComposedYaml ? loaded.resolve(at) : { loaded, path: at };
  const node = origin?.loaded.doc?.getIn(origin.path, true);
  const source = isScalar(node) && node.type === 'PLAIN' ? node.source : undefined;
  if (typeof source !== 'string' || !/^\+?[1-9][0-9_]*$/.test(source)) return [];
  const bits = permissions(value);
  const meant = /^[0-7]{1,4}$/.test(source) ? source.padStart(4, '0') : bits;
  const applied = bits === null ? 'beyond any file mode' : `mode 0${value.toString(8)}`;
  const name = String(at.at(-1));
  // A decimal number that is a plain mode (420 is 0644) may be meant as written: offer that reading too.
  const asSet = bits !== null && value <= 0o777 ? ` for those octal digits, or '0${value.toString(8)}' to keep it` : '';
  return [
    diagnostic(
      loaded.locate(at),
      `${name} ${source} is the decimal number ${value} (${applied}), as Ansible reads it; write '${meant ?? source}'` +
        asSet,
    ),
  ];
}
