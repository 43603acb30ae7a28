import { dirname, resolve } from 'node:path';
import { loadPlatforms } from '../network/platform.js';
import { diagnostic, formatDiagnostic, sortDiagnostics, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { loadInventorySources } from '../inventory/sources.js';
import { readVarsTree } from '../inventory/vars-tree.js';
import type { VaultSecret } from '../inventory/vault.js';
import { ACTIONS } from '../actions/registry.js';
import { loadPlaybook } from '../playbook/playbook.js';
import type { Inventory, VarsTree } from '../inventory/types.js';
import type { TagFilter } from '../playbook/tags.js';
import type { PlaybookSpec } from '../playbook/types.js';
import { buildPlan, type ResumePoint } from './plan.js';
import type { Plan } from './plan-model.js';

export interface LoadPlanOptions {
  playbook: string;
  /** `-i` (repeatable, merged in order): wins over every play's `inventory:`. */
  inventory?: string | readonly string[];
  /** `-e`: above every other variable. */
  extraVars?: Record<string, unknown>;
  /** Passwords for ansible-vault encrypted files and values. */
  vaultSecrets?: readonly VaultSecret[];
  /** `--check`: templates see `ansible_check_mode: true`. */
  check?: boolean;
  limit?: string;
  /** `--resume`: each host from the first play it did not finish in the resumed run. */
  resume?: ResumePoint;
  /** `-F FILE`: read instead of ~/.ssh/config and the system file; relative to `cwd`. */
  sshConfigFile?: string;
  cwd?: string;
  /** `--tags`/`--skip-tags`. */
  tags?: TagFilter;
  /** ANSIBLE_ROLES_PATH, as a list of directories. */
  rolesPath?: readonly string[];
  /** RUNBOOK_PLATFORMS: more folders of platform profiles. */
  platformsPath?: string;
}

export interface LoadedPlan {
  plan: Plan | null;
  /** The typed playbook, when it loaded (validate reports counts from it even when the plan is invalid). */
  playbook: PlaybookSpec | null;
  diagnostics: Diagnostic[];
  /** Things that work but deserve a word (skipped keys, unused ansible_* variables, a plaintext password). */
  warnings: string[];
  /** Plaintexts that came out of a vault: secrets to redact wherever they show up. */
  decrypted: string[];
}

function controllerOnly(file: string): Inventory {
  const loc = { file, line: 1, col: 1 };
  return {
    path: file,
    file,
    hosts: new Map(),
    groups: new Map([['all', { name: 'all', vars: {}, hosts: [], children: [], loc }]]),
  };
}

/** Files → Plan: the playbook, each play's inventory (loaded once per file), then the pure plan. */
export function loadPlan(opts: LoadPlanOptions): LoadedPlan {
  const cwd = opts.cwd ?? process.cwd();
  const loadedPlaybook = loadPlaybook(resolve(cwd, opts.playbook), ACTIONS, {
    ...(opts.tags ? { tags: opts.tags } : {}),
    ...(opts.rolesPath ? { rolesPath: opts.rolesPath.map((p) => resolve(cwd, p)) } : {}),
  });
  const { diagnostics } = loadedPlaybook;
  // A playbook with problems is still checked as far as it goes: its sound plays are planned, every play's
  // inventory is loaded, so one run reports every problem (nothing is planned for running).
  const playbook = loadedPlaybook.playbook ?? loadedPlaybook.salvaged?.playbook;
  if (!playbook) {
    return { plan: null, playbook: null, diagnostics: sortDiagnostics(diagnostics), warnings: [], decrypted: [] };
  }
  const all: Diagnostic[] = [...diagnostics];
  const warnings: string[] = loadedPlaybook.warnings.map(formatDiagnostic);
  const decrypted = new Set<string>();
  const ctx = { secrets: opts.vaultSecrets ?? [], onSecret: (s: string) => void decrypted.add(s) };

  const cache = new Map<string, Inventory | null>();
  const load = (sources: readonly string[], namedAt?: Loc): Inventory | null => {
    const key = JSON.stringify(sources);
    if (cache.has(key)) return cache.get(key)!;
    const r = loadInventorySources(sources, ctx, { cwd, ...(namedAt ? { namedAt } : {}) });
    all.push(...r.diagnostics);
    for (const w of r.warnings) warnings.push(formatDiagnostic({ ...w.loc, message: w.message }));
    cache.set(key, r.inventory);
    return r.inventory;
  };
  const cliSources = typeof opts.inventory === 'string' ? [opts.inventory] : opts.inventory;
  const inventories = playbook.plays.map((play) => {
    if (cliSources && cliSources.length > 0) return load(cliSources);
    if (play.inventory) return load([play.inventory], play.locs.inventory ?? play.loc);
    // A play of the controller alone needs no inventory, as ansible-playbook runs it with none.
    if (play.hosts === 'localhost' || play.hosts === '127.0.0.1') return controllerOnly(playbook.file);
    all.push(
      diagnostic(
        play.loc,
        `play "${play.name}" names no inventory`,
        'pass -i INVENTORY or set "inventory:" on the play',
      ),
    );
    return null;
  });
  // Plays too broken to plan still have their inventory checked.
  if (cliSources && cliSources.length > 0) {
    if (loadedPlaybook.salvaged) load(cliSources);
  } else {
    for (const path of loadedPlaybook.salvaged?.inventories ?? []) load([path]);
  }

  // group_vars/ and host_vars/ beside the playbook, read once per inventory for the names it holds.
  const playbookTrees = new Map<Inventory, VarsTree>();
  for (const inv of new Set(inventories)) {
    if (!inv) continue;
    const r = readVarsTree(dirname(playbook.path), inv.groups.keys(), inv.hosts.keys(), ctx);
    all.push(...r.diagnostics);
    playbookTrees.set(inv, r.tree);
  }

  // Platform profiles are read only when a play names a folder of its own or the environment adds some;
  // otherwise the shipped ones are loaded on first use, so plans without network hosts pay nothing.
  const withPlatforms = playbook.plays.find((p) => p.platforms !== undefined);
  let platforms: ReturnType<typeof loadPlatforms> | undefined;
  const catalog = () =>
    (platforms ??= loadPlatforms({
      playbookDir: dirname(playbook.path),
      ...(withPlatforms
        ? {
            playbookPlatforms: withPlatforms.platforms!,
            playbookLoc: withPlatforms.locs.platforms ?? withPlatforms.loc,
          }
        : {}),
      ...(opts.platformsPath ? { envPath: opts.platformsPath } : {}),
    })).catalog;
  // Profiles the user names are checked whether or not a host uses them.
  if (withPlatforms || opts.platformsPath) catalog();
  const built = buildPlan(playbook, inventories, {
    platforms: catalog,
    // Over a playbook's sound plays only, a limit could match nothing for want of the broken ones.
    ...(opts.limit === undefined || !loadedPlaybook.playbook ? {} : { limit: opts.limit }),
    ...(opts.resume === undefined ? {} : { resume: opts.resume }),
    varsOptions: (inv) => ({ playbookTrees: [playbookTrees.get(inv)!], extraVars: opts.extraVars ?? {} }),
    check: opts.check ?? false,
    vaultPlaintexts: [...decrypted],
    ...(opts.sshConfigFile === undefined ? {} : { sshConfigFile: resolve(cwd, opts.sshConfigFile) }),
  });
  all.push(...built.diagnostics, ...(platforms?.diagnostics ?? []));
  warnings.push(...built.warnings);
  const sorted = sortDiagnostics(all);
  const plan = sorted.length === 0 ? built.plan : null;
  return { plan, playbook: loadedPlaybook.playbook, diagnostics: sorted, warnings, decrypted: [...decrypted] };
}
