import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadInventory } from '../src/inventory/inventory.js';
import { resolvePattern } from '../src/inventory/patterns.js';
import { InventoryVars } from '../src/inventory/vars.js';

/**
 * Loads a generated inventory of `hosts` hosts in one group, resolves `all` and every host's variables:
 * what validate, plan and apply do before anything else, and what must stay linear in the fleet's size.
 * Not a timed test: it prints figures for a person (goal: 100,000 hosts under 5 s and 1 GB).
 */
export function benchInventory(hosts = 100_000): {
  hosts: number;
  loadMs: number;
  varsMs: number;
  wallMs: number;
  cpuMs: number;
} {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-inventory-'));
  try {
    const lines = [
      'all:',
      '  vars:',
      '    user: netops',
      '  children:',
      '    edge:',
      '      vars: { site: ams }',
      '      hosts:',
    ];
    for (let i = 0; i < hosts; i++)
      lines.push(`        r${i}: { host: 198.51.100.${i % 250}, port: ${2000 + (i % 1000)} }`);
    const path = join(dir, 'inventory.yml');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { inventory, diagnostics } = loadInventory(path);
    if (!inventory) throw new Error(`inventory is invalid: ${diagnostics[0]?.message}`);
    const loaded = performance.now();
    const selected = resolvePattern(inventory, 'edge');
    const vars = new InventoryVars(inventory);
    for (const h of selected.hosts) vars.hostVars(h);
    const done = performance.now();
    if (selected.hosts.length !== hosts) throw new Error(`edge has ${selected.hosts.length} hosts, not ${hosts}`);
    const used = process.cpuUsage(cpu);
    // CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
    return {
      hosts,
      loadMs: loaded - started,
      varsMs: done - loaded,
      wallMs: done - started,
      cpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(benchInventory(Number(process.argv[2] ?? 100_000)))}\n`);
}
