import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import type { RunReport } from '../../src/engine/results.js';
import type { Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { ROOT, collect, runCli, startCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/** The run journal as `runbook apply` writes it, through the real CLI against a lab. */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const fixtures = useLabs({ seed: 3 });
const lab = (hosts: number, faults: string[] = []): Promise<Lab> => fixtures.lab({ hosts, faults });
const runDir = (): string => fixtures.tempDir('runbook-journal-');

const runsOf = (dir: string) =>
  existsSync(join(dir, '.runbook/runs')) ? readdirSync(join(dir, '.runbook/runs')).sort() : [];

function journalLines(dir: string, runId: string): string[] {
  const path = join(dir, '.runbook/runs', runId, 'events.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
}

describe('the journal of runbook apply', () => {
  it('holds a line per host outcome and a report.json equal to the --json report, fitting the schema', async () => {
    const l = await lab(3, ['r002:fail']);
    const dir = runDir();
    const r = await runCli(['apply', SITE, '-i', l.inventoryPath, '--json', '--run-dir', dir]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.hosts.map((h) => h.name).sort()).toEqual(['r001', 'r002', 'r003']);

    expect(runsOf(dir)).toEqual([report.run_id]);
    const stored = JSON.parse(
      readFileSync(join(dir, '.runbook/runs', report.run_id, 'report.json'), 'utf8'),
    ) as unknown;
    expect(stored).toEqual(report);
    const lines = journalLines(dir, report.run_id);
    expect(lines.at(-1)).toBe('');
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as RunEvent);
    expect(events.map((e) => e.type)).toEqual(['run_start', 'host_end', 'host_end', 'host_end', 'run_end']);
    const ended = events.flatMap((e) => (e.type === 'host_end' ? [[e.result.name, e.result.status]] : []));
    expect(ended.sort()).toEqual([
      ['r001', 'changed'],
      ['r002', 'failed'],
      ['r003', 'changed'],
    ]);
  });

  it('of a SIGKILLed run holds each ended host as whole lines; `runbook report` shows it incomplete', async () => {
    // Three quick hosts, then three slow ones: the kill lands while the slow ones are at work.
    const l = await lab(6, ['r004:slow:20s', 'r005:slow:20s', 'r006:slow:20s']);
    const dir = runDir();
    const child = startCli(['apply', SITE, '-i', l.inventoryPath, '--forks', '2', '--run-dir', dir]);
    const done = collect(child, 60_000);
    let runId = '';
    const hostLines = () => journalLines(dir, runId).filter((line) => line.includes('"type":"host_end"'));
    await until(() => runsOf(dir).length === 1, 'the journal directory');
    runId = runsOf(dir)[0]!;
    await until(() => hostLines().length >= 3, 'three host lines');
    child.kill('SIGKILL');
    const r = await done;
    expect(r.signal).toBe('SIGKILL');

    expect(existsSync(join(dir, '.runbook/runs', runId, 'report.json'))).toBe(false);
    const lines = journalLines(dir, runId);
    // One writeSync per line: nothing is left half-written, and every line is an event.
    expect(lines.at(-1)).toBe('');
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as RunEvent);
    const ended = events.flatMap((e) => (e.type === 'host_end' ? [e.result] : []));
    expect(ended.map((h) => h.name)).toEqual(expect.arrayContaining(['r001', 'r002', 'r003']));
    expect(ended.every((h) => h.status === 'changed' && h.tasks.length === 2)).toBe(true);
    expect(events.some((e) => e.type === 'run_end')).toBe(false);

    const shown = await runCli(['report', runId, '--run-dir', dir]);
    expect(shown.code).toBe(0);
    const missing = ['r001', 'r002', 'r003', 'r004', 'r005', 'r006'].filter((h) => !ended.some((e) => e.name === h));
    expect(shown.stdout).toContain(
      `incomplete run: it stopped before it finished (killed?); showing the ` +
        `${ended.length} host outcomes its journal holds`,
    );
    expect(shown.stdout).toContain(`no outcome for ${missing.length} targeted hosts: ${missing.join(', ')}`);
    for (const h of ended) expect(shown.stdout).toMatch(new RegExp(`│ ${h.name} │ +1 │ changed `));
  });

  it('goes under --run-dir, a directory per run; a run dir that cannot be written is one line and exit 5', async () => {
    const l = await lab(1);
    const dir = runDir();
    const first = await runCli(['apply', SITE, '-i', l.inventoryPath, '--run-dir', dir]);
    const second = await runCli(['apply', SITE, '-i', l.inventoryPath, '--run-dir', dir]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(runsOf(dir)).toHaveLength(2);
    for (const id of runsOf(dir)) expect(id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);

    const before = l.fleetCounters().connections;
    const bad = await runCli(['apply', SITE, '-i', l.inventoryPath, '--run-dir', join(SITE, 'not-a-dir')]);
    expect(bad.code).toBe(5);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^runbook apply: cannot record the run under .*not-a-dir: /);
    expect(l.fleetCounters().connections).toBe(before);
  });
});
