import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { RunEvent } from '../../src/engine/events.js';
import type { RunReport } from '../../src/engine/results.js';
import type { Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { ROOT, collect, startCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/** SIGINT and SIGTERM during `runbook apply`, sent to the real CLI while the lab's devices are at work. */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const HOSTS = ['r001', 'r002', 'r003', 'r004', 'r005'];
const fixtures = useLabs({ seed: 9 });

async function setup(slow: string): Promise<{ lab: Lab; dir: string }> {
  const lab = await fixtures.lab({ hosts: HOSTS.length, faults: [`*:slow:${slow}`] });
  const dir = fixtures.tempDir('runbook-interrupt-');
  return { lab, dir };
}

/** Hosts whose device has received a command: they are in flight until their slow command returns. */
const atWork = (lab: Lab) => HOSTS.filter((h) => lab.counters(h).commands > 0);

function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return () => text;
}

function stored(dir: string): { report: RunReport; events: RunEvent[] } {
  const runs = join(dir, '.runbook/runs');
  const [id] = readdirSync(runs);
  const report = JSON.parse(readFileSync(join(runs, id!, 'report.json'), 'utf8')) as RunReport;
  const events = readFileSync(join(runs, id!, 'events.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
  return { report, events };
}

describe('interrupting runbook apply', () => {
  it('SIGINT: no new host starts, in-flight hosts finish, the report and journal are complete, exit 130', async () => {
    const { lab, dir } = await setup('2s');
    const file = join(dir, 'report.json');
    const child = startCli([
      'apply',
      SITE,
      '-i',
      lab.inventoryPath,
      '--forks',
      '2',
      '--run-dir',
      dir,
      '--report-file',
      file,
    ]);
    const stderr = stderrOf(child);
    const done = collect(child, 60_000);
    await until(() => atWork(lab).length === 2, 'two hosts at work');
    const inFlight = atWork(lab);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(stderr()).toContain('interrupted: starting no new host; in-flight hosts are finishing');

    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.halted).toEqual({ reason: 'interrupted', batch: 1 });
    expect(report.hosts.map((h) => h.name).sort()).toEqual(HOSTS);
    for (const h of report.hosts) {
      if (inFlight.includes(h.name)) expect([h.name, h.status, h.tasks.length]).toEqual([h.name, 'changed', 2]);
      else expect([h.name, h.status, h.reason]).toEqual([h.name, 'skipped', 'interrupted']);
    }
    // No host beyond the two in flight was even connected to.
    expect(HOSTS.filter((h) => lab.counters(h).connections > 0)).toEqual(inFlight);
    for (const h of inFlight) expect(lab.readFile(h, '/etc/motd')?.toString()).toContain(`Managed by runbook: ${h}`);

    const journal = stored(dir);
    expect(journal.report).toEqual(report);
    expect(journal.events.filter((e) => e.type === 'host_end')).toHaveLength(HOSTS.length);
    expect(journal.events.at(-1)).toMatchObject({ type: 'run_end', halted: { reason: 'interrupted', batch: 1 } });
    expect(r.stdout).toContain('halted: interrupted in batch 1');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        /^5 hosts: 0 ok, 2 changed, 0 failed, 0 unreachable, 3 skipped/.source +
          / in .* — halted: interrupted in batch 1/.source +
          / — exit 130: interrupted$/.source,
      ),
    );
  });

  it('a second SIGTERM ends the in-flight hosts, recorded as interrupted, and still writes the report', async () => {
    // Commands far slower than the test: only the second signal can end them.
    const { lab, dir } = await setup('120s');
    const child = startCli(['apply', SITE, '-i', lab.inventoryPath, '--forks', '2', '--run-dir', dir, '--json']);
    const stderr = stderrOf(child);
    const done = collect(child, 60_000);
    await until(() => atWork(lab).length === 2, 'two hosts at work');
    const inFlight = atWork(lab);
    child.kill('SIGTERM');
    await until(() => stderr().includes('in-flight hosts are finishing'), 'the first signal to be taken');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(130);

    const report = JSON.parse(r.stdout) as RunReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.halted?.reason).toBe('interrupted');
    expect(report.hosts.map((h) => h.name).sort()).toEqual(HOSTS);
    for (const h of report.hosts) {
      if (inFlight.includes(h.name)) expect([h.name, h.status, h.reason]).toEqual([h.name, 'failed', 'interrupted']);
      else expect([h.name, h.status, h.reason]).toEqual([h.name, 'skipped', 'interrupted']);
    }
    expect(stored(dir).report).toEqual(report);
    // Interrupted hosts did not finish: a resume would run every one of them.
    expect(report.hosts.some((h) => h.status === 'ok' || h.status === 'changed')).toBe(false);
  });
});
