import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import type { Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { ROOT, collect, runCli, startCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** `runbook apply --resume` through the real CLI: which hosts it touches is read from the lab's counters. */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const fixtures = useLabs({ seed: 5 });
const lab = (hosts: number, faults: string[] = []): Promise<Lab> => fixtures.lab({ hosts, faults });
const runDir = (): string => fixtures.tempDir('runbook-resume-');

const connections = (l: Lab) => Object.fromEntries(Object.entries(l.counters()).map(([h, c]) => [h, c.connections]));

/** The hosts whose device saw a new connection between two counter snapshots. */
function touched(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after)
    .filter((h) => after[h]! > (before[h] ?? 0))
    .sort();
}

/** `runbook apply` of the fixture site on the lab, runs kept under `dir`: the CLI's text output. */
const applyText = (l: Lab, dir: string, ...extra: string[]) =>
  runCli(['apply', SITE, '-i', l.inventoryPath, '--run-dir', dir, ...extra]);

async function applyJson(
  l: Lab,
  dir: string,
  extra: string[] = [],
): Promise<{ code: number | null; report: RunReport; stderr: string }> {
  const r = await runCli(['apply', SITE, '-i', l.inventoryPath, '--json', '--run-dir', dir, ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
}

describe('runbook apply --resume', () => {
  it('after failures runs only hosts that did not end ok/changed; its report names the run it resumed', async () => {
    const l = await lab(5, ['r002:fail', 'r004:fail']);
    const dir = runDir();
    const first = await applyJson(l, dir);
    expect(first.code).toBe(2);
    expect(
      first.report.hosts
        .filter((h) => h.status === 'failed')
        .map((h) => h.name)
        .sort(),
    ).toEqual(['r002', 'r004']);

    l.clearFault('r002');
    l.clearFault('r004');
    const before = connections(l);
    const resumed = await applyJson(l, dir, ['--resume']);
    expect(resumed.code).toBe(0);
    expect(validateReport(resumed.report)).toEqual([]);
    expect(resumed.report.resumed_from).toBe(first.report.run_id);
    expect(resumed.report.hosts.map((h) => [h.name, h.status]).sort()).toEqual([
      ['r002', 'changed'],
      ['r004', 'changed'],
    ]);
    // The hosts that had ended well were not even connected to.
    expect(touched(before, connections(l))).toEqual(['r002', 'r004']);
    const journaled = JSON.parse(
      readFileSync(join(dir, '.runbook/runs', resumed.report.run_id, 'meta.json'), 'utf8'),
    ) as { resumed_from: string };
    expect(journaled.resumed_from).toBe(first.report.run_id);

    // The latest run of this playbook is now the resume, which left nothing unfinished.
    const quiet = connections(l);
    const nothing = await runCli(['apply', '--resume', SITE, '-i', l.inventoryPath, '--run-dir', dir]);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe(`nothing to resume: every host of run ${resumed.report.run_id} ended ok or changed\n`);
    const nothingJson = await runCli(['apply', '--resume', SITE, '-i', l.inventoryPath, '--run-dir', dir, '--json']);
    expect(nothingJson.code).toBe(0);
    expect(JSON.parse(nothingJson.stdout)).toEqual({
      resumed_from: resumed.report.run_id,
      nothing_to_resume: true,
      message: `every host of run ${resumed.report.run_id} ended ok or changed`,
    });
    expect(touched(quiet, connections(l))).toEqual([]);

    // A RUN_ID after --resume picks that run: the first one still lists r002 and r004 as unfinished.
    const again = await applyJson(l, dir, ['--resume', first.report.run_id]);
    expect(again.report.resumed_from).toBe(first.report.run_id);
    expect(again.report.hosts.map((h) => [h.name, h.status]).sort()).toEqual([
      ['r002', 'ok'],
      ['r004', 'ok'],
    ]);
  });

  it('after a run killed with SIGKILL also runs the hosts it never reached', async () => {
    // forks 1 and a slow r003: the kill lands with r001 and r002 done, r003 at work and r004, r005 not started.
    const l = await lab(5, ['r003:slow:20s']);
    const dir = runDir();
    const child = startCli(['apply', SITE, '-i', l.inventoryPath, '--forks', '1', '--run-dir', dir]);
    const done = collect(child, 60_000);
    const journal = () => {
      const runs = join(dir, '.runbook/runs');
      const id = existsSync(runs) ? readdirSync(runs)[0] : undefined;
      return id
        ? {
            id,
            text: existsSync(join(runs, id, 'events.jsonl'))
              ? readFileSync(join(runs, id, 'events.jsonl'), 'utf8')
              : '',
          }
        : null;
    };
    const deadline = Date.now() + 30_000;
    while ((journal()?.text.match(/"type":"host_end"/g) ?? []).length < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for two host lines');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const killed = journal()!.id;

    l.clearFault('r003');
    const before = connections(l);
    const resumed = await applyJson(l, dir, [`--resume=${killed}`]);
    expect(resumed.code).toBe(0);
    expect(resumed.report.resumed_from).toBe(killed);
    expect(resumed.report.hosts.map((h) => [h.name, h.status]).sort()).toEqual([
      ['r003', 'changed'],
      ['r004', 'changed'],
      ['r005', 'changed'],
    ]);
    expect(touched(before, connections(l))).toEqual(['r003', 'r004', 'r005']);
  });

  it('with no run, an unknown RUN_ID or a run of another playbook: one line, exit 5, no connection', async () => {
    const l = await lab(1);
    const dir = runDir();
    const none = await applyText(l, dir, '--resume');
    expect(none.code).toBe(5);
    expect(none.stderr.split('\n')[0]).toMatch(/^runbook apply: --resume: no runs recorded under .*\.runbook\/runs$/);

    expect((await applyText(l, dir)).code).toBe(0);
    const unknown = await applyText(l, dir, '--resume', '20200101-000000-abcd');
    expect(unknown.code).toBe(5);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^runbook apply: --resume: no run "20200101-000000-abcd" under /);
    const [runId] = readdirSync(join(dir, '.runbook/runs'));
    const other = join(dir, 'other.yml');
    writeFileSync(
      other,
      `- name: Other\n  hosts: all\n  tasks:\n    - name: Read version\n      command: show version\n`,
    );
    const wrongPlaybook = await runCli(['apply', other, '-i', l.inventoryPath, '--run-dir', dir, '--resume', runId!]);
    expect(wrongPlaybook.code).toBe(5);
    expect(wrongPlaybook.stderr.split('\n')[0]).toBe(
      `runbook apply: --resume: run ${runId} was of ${SITE}, not ${other}`,
    );
    expect(l.fleetCounters().connections).toBe(1);
    expect(none.stderr + unknown.stderr + wrongPlaybook.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('runbook apply --resume over several plays', () => {
  const twoPlays = (hold: boolean) =>
    [
      '- name: Read',
      '  hosts: all',
      '  forks: 5',
      '  tasks:',
      '    - name: Read version',
      '      command: show version',
      '- name: Push',
      '  hosts: all',
      '  forks: 1',
      '  tasks:',
      '    - name: Work',
      // r003 holds the one fork in the first run, so the kill lands inside the second play.
      `      command: "${hold ? "{{ 'sleep 30' if inventory_hostname == 'r003' else 'true' }}" : 'true'}"`,
      '',
    ].join('\n');

  it('after a SIGKILL in the second play, runs that play for the hosts that had only finished the first', async () => {
    const l = await lab(5);
    const dir = runDir();
    const playbook = join(dir, 'two.yml');
    writeFileSync(playbook, twoPlays(true));
    const child = startCli(['apply', playbook, '-i', l.inventoryPath, '--run-dir', dir]);
    const done = collect(child, 60_000);
    const runs = join(dir, '.runbook/runs');
    const ended = () => {
      const id = existsSync(runs) ? readdirSync(runs)[0] : undefined;
      const path = id ? join(runs, id, 'events.jsonl') : '';
      return id && existsSync(path)
        ? { id, count: (readFileSync(path, 'utf8').match(/"type":"host_end"/g) ?? []).length }
        : null;
    };
    const deadline = Date.now() + 30_000;
    // Five hosts end the first play, then r001 and r002 the second; r003 is asleep.
    while ((ended()?.count ?? 0) < 7) {
      if (Date.now() > deadline) throw new Error('timed out waiting for seven host lines');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const killed = ended()!.id;

    writeFileSync(playbook, twoPlays(false));
    const before = connections(l);
    const r = await runCli(['apply', playbook, '-i', l.inventoryPath, '--json', '--run-dir', dir, '--resume']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.resumed_from).toBe(killed);
    // Nobody repeats the first play; the three hosts the kill kept from the second play run it now.
    expect(report.hosts.map((h) => [h.name, h.play, h.status]).sort()).toEqual([
      ['r003', 'Push', 'changed'],
      ['r004', 'Push', 'changed'],
      ['r005', 'Push', 'changed'],
    ]);
    expect(touched(before, connections(l))).toEqual(['r003', 'r004', 'r005']);
  });

  it('runs a host from the first play it did not finish, then every later play', async () => {
    const l = await lab(3, ['r002:fail']);
    const dir = runDir();
    const playbook = join(dir, 'two.yml');
    writeFileSync(playbook, twoPlays(false));
    const first = await runCli(['apply', playbook, '-i', l.inventoryPath, '--json', '--run-dir', dir]);
    expect(first.code).toBe(2);
    l.clearFault('r002');
    const r = await runCli(['apply', playbook, '-i', l.inventoryPath, '--json', '--run-dir', dir, '--resume']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    // r002 failed the first play and was dropped from the second: it runs both now, and nobody else runs.
    expect(report.hosts.map((h) => [h.name, h.play, h.status])).toEqual([
      ['r002', 'Read', 'changed'],
      ['r002', 'Push', 'changed'],
    ]);
  });
});

describe('runbook apply --resume picks its run', () => {
  it('never from a --check run, and says so when a check run is named', async () => {
    const l = await lab(3, ['r002:fail']);
    const dir = runDir();
    const first = await applyJson(l, dir);
    expect(first.code).toBe(2);
    l.clearFault('r002');
    const check = await applyJson(l, dir, ['--check']);
    expect(check.code).toBe(0);

    const before = connections(l);
    const resumed = await applyJson(l, dir, ['--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.report.resumed_from).toBe(first.report.run_id);
    expect(resumed.report.hosts.map((h) => [h.name, h.status])).toEqual([['r002', 'changed']]);
    expect(touched(before, connections(l))).toEqual(['r002']);

    const named = await applyText(l, dir, '--resume', check.report.run_id);
    expect(named.code).toBe(5);
    expect(named.stderr.split('\n')[0]).toBe(
      `runbook apply: --resume: run ` +
        `${check.report.run_id} was a --check run: it changed nothing, so there is nothing to resume`,
    );
  });

  it('by the playbook file, not its name as typed: A/site.yml and B/site.yml are different playbooks', async () => {
    const l = await lab(3, ['r002:fail']);
    const runs = runDir();
    const root = runDir();
    for (const side of ['A', 'B']) {
      mkdirSync(join(root, side, 'templates'), { recursive: true });
      copyFileSync(SITE, join(root, side, 'site.yml'));
      copyFileSync(join(ROOT, 'test/fixtures/apply/templates/motd.njk'), join(root, side, 'templates/motd.njk'));
    }
    const inA = { cwd: join(root, 'A') };
    const inB = { cwd: join(root, 'B') };
    const a = await runCli(['apply', 'site.yml', '-i', l.inventoryPath, '--json', '--run-dir', runs], inA);
    expect(a.code).toBe(2);
    l.clearFault('r002');
    const b = await runCli(['apply', 'site.yml', '-i', l.inventoryPath, '--json', '--run-dir', runs], inB);
    expect(b.code).toBe(0);

    const resumed = await runCli(
      ['apply', 'site.yml', '-i', l.inventoryPath, '--json', '--run-dir', runs, '--resume'],
      inA,
    );
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as RunReport;
    expect(report.resumed_from).toBe((JSON.parse(a.stdout) as RunReport).run_id);
    expect(report.hosts.map((h) => h.name)).toEqual(['r002']);
  });
});
