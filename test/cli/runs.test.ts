import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const { lab, tempDir } = useLabs();

describe('runbook runs', () => {
  it('lists recorded runs newest first with playbook, hosts, outcome and check', async () => {
    const fleet = await lab({ hosts: 3, faults: ['r002:fail'] });
    const dir = tempDir();
    const apply = async (...extra: string[]) => {
      const r = await runCli(['apply', SITE, '-i', fleet.inventoryPath, '--json', '--run-dir', dir, ...extra]);
      return { code: r.code, id: (JSON.parse(r.stdout) as RunReport).run_id, stderr: r.stderr };
    };
    const full = await apply();
    expect(full.code).toBe(2);
    const check = await apply('--check', '--limit', 'r003');
    const one = await apply('--limit', 'r001');
    expect(one.code).toBe(0);

    const r = await runCli(['runs', '--run-dir', dir]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /\d{8}-\d{6}-[0-9a-f]{4}/.test(l));
    expect(rows.map((l) => /\d{8}-\d{6}-[0-9a-f]{4}/.exec(l)![0])).toEqual([one.id, check.id, full.id]);
    const cells = (row: string) =>
      row
        .split('│')
        .map((c) => c.trim())
        .filter(Boolean);
    expect(r.stdout).toMatch(/run +│ playbook +│ started \(UTC\) +│ hosts │ outcome +│ check │ resumed from/);
    expect(cells(rows[0]!).slice(1)).toEqual([
      SITE,
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      '1',
      'exit 0: every host ended ok or changed',
    ]);
    expect(cells(rows[1]!).slice(3)).toEqual(['1', 'exit 0: every host ended ok or changed', 'check']);
    expect(cells(rows[2]!).slice(3)).toEqual(['3', 'exit 2: 1 failed']);

    const last = await runCli(['runs', '--run-dir', dir, '--last', '1']);
    expect(last.stdout).toContain(one.id);
    expect(last.stdout).not.toContain(full.id);
    expect(last.stdout).toContain('\n2 older runs not shown (--last N shows more)\n');
  });

  it('says so when nothing was recorded', async () => {
    const dir = tempDir();
    const r = await runCli(['runs', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`no runs recorded under ${dir}/.runbook/runs (runbook apply records each run there)\n`);
  });
});

describe('runbook apply --resume without a run id', () => {
  it('says which run it picked and why, and points at runbook runs', async () => {
    const fleet = await lab({ hosts: 3, faults: ['r002:fail'] });
    const dir = tempDir();
    const first = await runCli(['apply', SITE, '-i', fleet.inventoryPath, '--json', '--run-dir', dir]);
    const firstId = (JSON.parse(first.stdout) as RunReport).run_id;
    fleet.clearFault('r002');
    const r = await runCli(['apply', SITE, '-i', fleet.inventoryPath, '--run-dir', dir, '--resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^resuming run ${firstId} \\(the latest recorded run of ${SITE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, ` +
          'started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\): ' +
          '1 of its 3 hosts unfinished; runbook runs lists every run, --resume RUN_ID picks another$',
        'm',
      ),
    );
  });
});
