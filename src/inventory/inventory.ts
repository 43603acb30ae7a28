import { resolve } from 'node:path';
import type { Diagnostic, Loc } from '../playbook/diagnostic.js';
import { loadInventorySources, type Warning } from './sources.js';
import type { Inventory } from './types.js';

export { expandHostRange, MAX_RANGE_HOSTS } from './host-pattern.js';

/**
 * One inventory file or folder (INI or YAML, with its group_vars/ and host_vars/) → the Inventory structure,
 * or located diagnostics. Variable precedence and host patterns are resolved later, from this structure.
 *
 * `namedAt` is where the inventory was named (a play's `inventory:` value): a missing file is reported there,
 * since that is the line the user has to fix.
 */
export function loadInventory(
  path: string,
  namedAt?: Loc,
): { inventory: Inventory | null; diagnostics: Diagnostic[]; warnings: Warning[] } {
  const ctx = { secrets: [], onSecret: () => undefined };
  const r = loadInventorySources([resolve(process.cwd(), path)], ctx, namedAt ? { namedAt } : {});
  return r;
}
