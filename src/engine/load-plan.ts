import { resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { loadInventory } from '../inventory/inventory.js';
import { ACTIONS } from '../actions/registry.js';
import { loadPlaybook } from '../playbook/playbook.js';
import type { Inventory } from '../inventory/types.js';
import type { PlaybookSpec } from '../playbook/types.js';
import { buildPlan, type ResumePoint } from './plan.js';
import type { Plan } from './plan-model.js';

export interface LoadPlanOptions {
  playbook: string;
  /** `-i`: wins over every play's `inventory:`. */
  inventory?: string;
  limit?: string;
  /** `--resume`: each host from the first play it did not finish in the resumed run. */
  resume?: ResumePoint;
  cwd?: string;
}

export interface LoadedPlan {
  plan: Plan | null;
  /** The typed playbook, when it loaded (validate reports counts from it even when the plan is invalid). */
  playbook: PlaybookSpec | null;
  diagnostics: Diagnostic[];
  /** Problems of this machine rather than of the input (a key file named but not here): shown, never fatal. */
  warnings: Diagnostic[];
}

/** Files → Plan: the playbook, each play's inventory (loaded once per file), then the pure plan. */
export function loadPlan(opts: LoadPlanOptions): LoadedPlan {
  const cwd = opts.cwd ?? process.cwd();
  const loadedPlaybook = loadPlaybook(resolve(cwd, opts.playbook), ACTIONS);
  const { diagnostics } = loadedPlaybook;
  // A playbook with problems is still checked as far as it goes: its sound plays are planned, every play's
  // inventory is loaded, so one run reports every problem (nothing is planned for running).
  const playbook = loadedPlaybook.playbook ?? loadedPlaybook.salvaged?.playbook;
  if (!playbook) return { plan: null, playbook: null, diagnostics: sortDiagnostics(diagnostics), warnings: [] };
  const all: Diagnostic[] = [...diagnostics];

  const cache = new Map<string, Inventory | null>();
  const load = (path: string, namedAt?: Loc): Inventory | null => {
    if (cache.has(path)) return cache.get(path)!;
    const r = loadInventory(path, namedAt);
    all.push(...r.diagnostics);
    cache.set(path, r.inventory);
    return r.inventory;
  };
  const cliInventory = opts.inventory === undefined ? undefined : resolve(cwd, opts.inventory);
  const inventories = playbook.plays.map((play) => {
    if (cliInventory) return load(cliInventory);
    if (play.inventory) return load(play.inventory, play.locs.inventory ?? play.loc);
    all.push(diagnostic(play.loc, `play "${play.name}" names no inventory`, 'pass -i INVENTORY or set "inventory:" on the play'));
    return null;
  });
  // Plays too broken to plan still have their inventory checked.
  for (const path of loadedPlaybook.salvaged?.inventories ?? []) load(cliInventory ?? path);
  if (cliInventory && loadedPlaybook.salvaged) load(cliInventory);

  const built = buildPlan(playbook, inventories, {
    // Over a playbook's sound plays only, a limit could match nothing for want of the broken ones.
    ...(opts.limit === undefined || !loadedPlaybook.playbook ? {} : { limit: opts.limit }),
    ...(opts.resume === undefined ? {} : { resume: opts.resume }),
  });
  all.push(...built.diagnostics);
  const sorted = sortDiagnostics(all);
  return { plan: sorted.length === 0 ? built.plan : null, playbook: loadedPlaybook.playbook, diagnostics: sorted, warnings: built.warnings };
}
