import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { ROOT, runCli } from '../support/cli.js';

/** `runbook apply` as a user runs it: the real CLI in a child process against a lab. */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
let lab: Lab;
let out: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 3, latencyMs: 5, faults: ['r003:refuse'] });
  await lab.settled();
  out = mkdtempSync(join(tmpdir(), 'runbook-apply-'));
});

afterAll(async () => {
  await lab.stop();
  rmSync(out, { recursive: true, force: true });
});

describe('runbook apply', () => {
  it('--check connects and shows what would change, but uploads nothing', async () => {
    const r = await runCli(['apply', SITE, '-i', lab.inventoryPath, '--check', '--json', '--run-dir', out]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.check).toBe(true);
    const r1 = report.hosts.find((h) => h.name === 'r001')!;
    expect(r1.status).toBe('changed');
    expect(r1.tasks[1]!.diff).toContain('+Managed by runbook: r001 in site1');
    expect(lab.readFile('r001', '/etc/motd')?.toString() ?? '').not.toContain('Managed by runbook');
  });

  it('prints a line per host, then tables; writes a valid report file; exits 2 for an unreachable host', async () => {
    const file = join(out, 'report.json');
    const r = await runCli(['apply', SITE, '-i', lab.inventoryPath, '--report-file', file, '--run-dir', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\[\d\/3\] r001  changed {6}\(\d+(ms|\.\ds)\)$/m);
    expect(r.stdout).toMatch(/^\[\d\/3\] r003  unreachable  refused: /m);
    expect(r.stdout).toMatch(/^│ r003 │ +1 │ unreachable │ refused: .*│ +│ +[\d.]+m?s │$/m);
    expect(r.stdout).toMatch(/^│ r001 │ +1 │ changed +│ +│ Push banner +│/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        /^3 hosts: 0 ok, 2 changed, 0 failed, 1 unreachable,/.source +
          / 0 skipped in \d+(ms|\.\ds)/.source +
          / — exit 2: some hosts failed or were unreachable$/.source,
      ),
    );
    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.run_id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(report.playbook).toBe(SITE);
    expect(lab.readFile('r002', '/etc/motd')?.toString()).toBe('Managed by runbook: r002 in site1\n');
  });

  it('a second run finds the templates in place: ok, nothing uploaded', async () => {
    const r = await runCli([
      'apply',
      SITE,
      '-i',
      lab.inventoryPath,
      '--limit',
      'r001:r002',
      '--json',
      '--run-dir',
      out,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual([
      ['r001', 'ok'],
      ['r002', 'ok'],
    ]);
  });

  it('an invalid playbook prints located diagnostics and exits 4 without connecting', async () => {
    const before = lab.fleetCounters().connections;
    const r = await runCli(['apply', join(ROOT, 'test/fixtures/apply/invalid.yml'), '-i', lab.inventoryPath]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/invalid\.yml:3:\d+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lab.fleetCounters().connections).toBe(before);
  });

  it('bad usage exits 5', async () => {
    const r = await runCli(['apply', SITE, '--forks', '0']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('--forks takes a positive whole number');
    const none = await runCli(['apply']);
    expect(none.code).toBe(5);
    const badId = await runCli(['apply', SITE, '--resume', 'yesterday', '--run-dir', out]);
    expect(badId.code).toBe(5);
    expect(badId.stderr).toContain('--resume takes a run id such as 20261126-184812-3f9a: got ');
  });

  it('a report file it cannot write is refused in words before the first host, exit 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-apply-unwritable-'));
    try {
      const before = lab.counters('r001').connections;
      const cases: [string[], RegExp][] = [
        [
          ['--report-file', '/nonexistent/dir/report.json'],
          /^runbook apply: --report-file \/nonexistent\/dir\/report\.json: directory \/nonexistent\/dir does not exist/,
        ],
        [
          ['--report-file', join(SITE, 'report.json')],
          /^runbook apply: --report-file .*site\.yml\/report\.json: .*site\.yml is a file, not a directory$/m,
        ],
        [['--junit', dir], /^runbook apply: --junit .*: .* is a directory$/m],
      ];
      for (const [flags, message] of cases) {
        const r = await runCli(['apply', SITE, '-i', lab.inventoryPath, '--limit', 'r001', '--run-dir', dir, ...flags]);
        expect(r.code).toBe(5);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at |EEXIST|ENOENT|ENOTDIR/);
      }
      expect(existsSync('/nonexistent')).toBe(false);
      expect(existsSync(join(dir, '.runbook'))).toBe(false);
      expect(lab.counters('r001').connections).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
