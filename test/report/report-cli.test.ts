import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../support/io.js';
import { main } from '../../src/cli/main.js';
import { report } from '../../src/cli/report.js';
import { openJournal } from '../../src/report/journal.js';
import { exitOf } from '../../src/cli/exit.js';
import { renderReport } from '../../src/report/table.js';
import type { RunEvent } from '../../src/engine/events.js';
import { fixtureEvents, fixtureReport } from '../fixtures/report/events.js';
import { runCli } from '../support/cli.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function runDirWith(runs: { id: string; events: RunEvent[]; finish: boolean }[]): string {
  const runDir = mkdtempSync(join(tmpdir(), 'runbook-report-'));
  dirs.push(runDir);
  for (const r of runs) {
    const j = openJournal(runDir, r.id, {
      playbook: 'playbooks/ntp.yml',
      check: false,
      resumed_from: null,
      cwd: runDir,
    });
    r.events.forEach(j.listener);
    if (r.finish) j.writeReport({ ...fixtureReport(), run_id: r.id });
    j.close();
  }
  return runDir;
}

const FULL = fixtureReport().run_id;

describe('runbook report', () => {
  it('shows the latest stored run as apply does', async () => {
    const runDir = runDirWith([
      { id: '20261126-000000-aaaa', events: fixtureEvents(), finish: true },
      { id: FULL, events: fixtureEvents(), finish: true },
    ]);
    const io = memoryIo({ cwd: runDir });
    expect(await report([], io)).toBe(0);
    expect(io.stdout()).toBe(renderReport(fixtureReport(), { exit: exitOf }));
    expect(io.stderr()).toBe('');
  });

  it('shows a run by id, with --run-dir, every host with --verbose', async () => {
    const runDir = runDirWith([
      { id: '20261126-000000-aaaa', events: fixtureEvents(), finish: true },
      { id: FULL, events: fixtureEvents(), finish: true },
    ]);
    const io = memoryIo();
    expect(await report(['20261126-000000-aaaa', '--run-dir', runDir, '--verbose'], io)).toBe(0);
    expect(io.stdout()).toContain('run 20261126-000000-aaaa of playbooks/ntp.yml');
  });

  it('prints report.json with --json', async () => {
    const runDir = runDirWith([{ id: FULL, events: fixtureEvents(), finish: true }]);
    const io = memoryIo({ cwd: runDir });
    expect(await report(['--json'], io)).toBe(0);
    expect(io.stdout()).toBe(readFileSync(join(runDir, '.runbook', 'runs', FULL, 'report.json'), 'utf8'));
    expect(JSON.parse(io.stdout())).toEqual(fixtureReport());
  });

  it('answers an unknown run id with one line and exit 5', async () => {
    const runDir = runDirWith([{ id: FULL, events: fixtureEvents(), finish: true }]);
    const io = memoryIo({ cwd: runDir });
    expect(await report(['20990101-000000-dead'], io)).toBe(5);
    expect(io.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(io.stderr()).toContain(
      `no run "20990101-000000-dead" under ${join(runDir, '.runbook', 'runs')} (latest: ${FULL})`,
    );
    expect(io.stdout()).toBe('');
  });

  it('says so clearly when no run was ever recorded', async () => {
    const runDir = runDirWith([]);
    const io = memoryIo({ cwd: runDir });
    expect(await report([], io)).toBe(5);
    expect(io.stderr()).toMatch(/^runbook report: no runs recorded under .*\.runbook\/runs /);
    expect(io.stderr().endsWith(' (runbook apply records each run there; --run-dir picks another directory)\n')).toBe(
      true,
    );
  });

  it('shows a killed run from its journal, marked incomplete', async () => {
    const events = fixtureEvents();
    const cut = events.findIndex((e) => e.type === 'host_end' && e.result.name === 'fra-r2');
    const runDir = runDirWith([{ id: 'killed', events: events.slice(0, cut + 1), finish: false }]);
    const io = memoryIo({ cwd: runDir });
    expect(await report([], io)).toBe(0);
    const out = io.stdout();
    const head =
      'incomplete run: it stopped before it finished (killed?); showing the 4 host outcomes its journal holds; ' +
      'no outcome for 8 targeted hosts: fra-r3, ';
    expect(out.startsWith(head)).toBe(true);
    expect(out).toContain('4 hosts: 1 ok, 1 changed, 0 failed, 2 unreachable, 0 skipped');

    const json = memoryIo({ cwd: runDir });
    expect(await report(['--json'], json)).toBe(0);
    expect((JSON.parse(json.stdout()) as { hosts: unknown[] }).hosts).toHaveLength(4);
    expect(json.stderr()).toContain('incomplete run');
  });

  it('rejects two run ids and unknown flags as usage errors', async () => {
    expect(await main(['report', 'a', 'b'], memoryIo())).toBe(5);
    const io = memoryIo();
    expect(await main(['report', '--colour'], io)).toBe(5);
    expect(io.stderr()).toContain("unknown option '--colour'");
  });

  it('works as a real process', async () => {
    const runDir = runDirWith([{ id: FULL, events: fixtureEvents(), finish: true }]);
    const r = await runCli(['report', '--run-dir', runDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('12 hosts: 4 ok, 2 changed, 1 failed, 2 unreachable, 3 skipped');
    const missing = await runCli(['report', 'nope', '--run-dir', runDir]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).not.toContain('    at ');
  });
});
