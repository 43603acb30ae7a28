import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { collect, startCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/** The first Ctrl-C starts no new connection, not even for hosts already queued behind connect_rate. */

const fixtures = useLabs({ seed: 12 });

describe('a graceful stop under connect_rate', () => {
  it('leaves the hosts still waiting for their turn unconnected, reported skipped as interrupted', async () => {
    const l = await fixtures.lab({ hosts: 6 });
    const dir = fixtures.tempDir('runbook-graceful-');
    const playbook = join(dir, 'rate.yml');
    // One connection every 4 seconds, every host ready at once: five hosts queue behind the first.
    writeFileSync(playbook, '- hosts: all\n  forks: 6\n  connect_rate: 0.25\n  tasks:\n    - command: echo hi\n');
    const child = startCli(['apply', playbook, '-i', l.inventoryPath, '--json', '--run-dir', dir]);
    const done = collect(child, 60_000);
    await until(() => l.fleetCounters().connections >= 1, 'the first connection');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    const report = JSON.parse(r.stdout) as RunReport;
    const skipped = report.hosts.filter((h) => h.status === 'skipped' && h.reason === 'interrupted');
    expect(l.fleetCounters().connections + skipped.length).toBe(6);
    expect(skipped.length).toBeGreaterThanOrEqual(4);
  });
});
