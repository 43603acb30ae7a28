import { describe, expect, it } from 'vitest';
import { exitOf } from '../../src/cli/exit.js';
import { renderRecap, renderReport, formatDuration, LARGE_FLEET } from '../../src/report/table.js';
import type { HostResult, RunReport } from '../../src/engine/results.js';
import { fixtureReport } from '../fixtures/report/events.js';

const ESC = '\x1b[';

function fleet(n: number, failing: number[]): RunReport {
  const base = fixtureReport();
  const hosts: HostResult[] = Array.from({ length: n }, (_, i) => ({
    name: `r${String(i + 1).padStart(3, '0')}`,
    play: 'p',
    batch: 1 + Math.floor(i / 10),
    status: failing.includes(i) ? 'failed' : 'ok',
    reason: failing.includes(i) ? 'command' : null,
    started: base.started,
    duration_ms: 100,
    tasks: [],
  }));
  return {
    ...base,
    hosts,
    halted: null,
    breakers: [],
    summary: { ok: n - failing.length, changed: 0, failed: failing.length, unreachable: 0, skipped: 0 },
  };
}

describe('renderReport', () => {
  it('renders the 12-host fixture run exactly as the stored snapshot', async () => {
    await expect(renderReport(fixtureReport(), { exit: exitOf })).toMatchFileSnapshot(
      '../fixtures/report/run-12-hosts.table.txt',
    );
  });

  it('lists failures first: failed, unreachable, skipped, then changed, then ok', () => {
    const text = renderReport(fixtureReport());
    const order = [...text.matchAll(/│ ([a-z]{3}-r\d) /g)].map((m) => m[1]);
    expect(order).toEqual([
      'ams-r3',
      'fra-r1',
      'fra-r2',
      'fra-r3',
      'ams-r4',
      'par-r4',
      'ams-r1',
      'par-r2',
      'par-r1',
      'ams-r2',
      'fra-r4',
      'par-r3',
    ]);
  });

  it('ends with the one-line recap, naming the halt', () => {
    const lines = renderReport(fixtureReport(), { exit: exitOf }).trimEnd().split('\n');
    expect(lines.at(-1)).toBe(
      '12 hosts: 4 ok, 2 changed, 1 failed, 2 unreachable, 3 skipped in 5.2s' +
        ' — halted: max_failures in batch 2 — exit 3: some hosts were never attempted',
    );
  });

  it('shows one summary row per batch with its counts', () => {
    const text = renderReport(fixtureReport());
    expect(text).toMatch(/Roll out NTP to the edge routers │ +1 │ +5 │ +1 │ +1 │ +0 │ +2 │ +1 │/);
    expect(text).toMatch(/Roll out NTP to the edge routers │ +2 │ +5 │ +3 │ +1 │ +1 │ +0 │ +0 │/);
    expect(text).toMatch(/Roll out NTP to the edge routers │ +3 │ +2 │ +0 │ +0 │ +0 │ +0 │ +2 │/);
  });

  it('gives each breaker transition its time from the run start, and leaves out breakers that never moved', () => {
    const text = renderReport(fixtureReport());
    expect(text).toContain('+1.1s closed→open');
    expect(text).toContain('+3.1s open→half-open');
    expect(text).toContain('+3.6s half-open→closed');
    expect(text).not.toContain('site=ams');
  });

  it('uses no ANSI escapes unless colour is asked for', () => {
    expect(renderReport(fixtureReport())).not.toContain(ESC);
    const coloured = renderReport(fixtureReport(), { color: true });
    expect(coloured).toContain(`${ESC}31mfailed${ESC}0m`);
  });

  it('on a fleet larger than 20 hosts shows only the hosts that did not end ok, and says how many it hid', () => {
    const text = renderReport(fleet(LARGE_FLEET + 5, [3, 17]));
    expect(text).toContain('r004');
    expect(text).toContain('r018');
    expect(text).not.toContain('r001');
    expect(text).toContain('23 hosts that ended ok or changed not shown (--verbose shows every host)');
  });

  it('shows every host of a large fleet with verbose', () => {
    const text = renderReport(fleet(LARGE_FLEET + 5, [3]), { verbose: true });
    for (let i = 1; i <= 25; i++) expect(text).toContain(`r${String(i).padStart(3, '0')}`);
    expect(text).not.toContain('not shown');
  });

  it('shows every host of a fleet of exactly 20', () => {
    expect(renderReport(fleet(LARGE_FLEET, [])).match(/│ r\d{3} /g)).toHaveLength(20);
  });

  it('cuts long reasons in the table to fit a narrow terminal, and says each whole once below it', () => {
    const text = renderReport(fixtureReport(), { width: 80 });
    expect(text).toMatch(/│ fra-r1 │ .*…/);
    expect(text.match(/timed out after 1\.0s/g)).toHaveLength(1);
    expect(text).toContain(
      'why hosts failed:\n  2 hosts: fra-r1, fra-r2\n    timeout: connect to 127.0.0.1:40112 timed out after 1.0s\n',
    );
    expect(text).toContain('    stderr (last line):\n      | % ntp: service is locked by another session\n');
  });

  it('says when a run was a check or a resume', () => {
    const r = { ...fixtureReport(), check: true, resumed_from: '20261126-170000-aaaa' };
    const text = renderReport(r);
    expect(text).toContain('resumed from run 20261126-170000-aaaa');
    expect(renderRecap(r)).toContain('check mode: nothing was changed');
  });
});

describe('renderReport of a --check run', () => {
  function checkRun(): RunReport {
    const r = { ...fixtureReport(), check: true };
    const host = r.hosts.find((h) => h.name === 'ams-r1')!;
    host.tasks.push({
      name: 'Reload ntpd',
      status: 'skipped',
      changed: false,
      rc: null,
      stdout: '',
      stderr: '',
      attempts: 0,
      duration_ms: 0,
      error: null,
      would_run: true,
    });
    return r;
  }

  it('calls a changed host "would change", listing the tasks that would change and commands that would run', () => {
    const text = renderReport(checkRun());
    expect(text).toMatch(/│ host +│ batch │ status +│ reason +│ would change +│ would run +│ duration │/);
    expect(text).toMatch(/│ ams-r1 │ +1 │ would change │ +│ Write ntp\.conf +│ Reload ntpd │/);
    expect(text).not.toMatch(/│ changed /);
    expect(text).toMatch(/│ play +│ batch │ hosts │ ok │ would change │ failed │/);
    expect(renderRecap(checkRun(), { exit: exitOf })).toMatch(
      /^12 hosts: 4 ok, 2 would change, 1 failed, .*\(check mode: nothing was changed\) — exit \d+: .*$/,
    );
  });

  it('keeps the words of a real run when it is not a check', () => {
    const text = renderReport(fixtureReport());
    expect(text).not.toContain('would');
    expect(text).toContain('changed tasks');
  });
});

describe('formatDuration', () => {
  it('uses ms below a second, tenths of seconds below a minute, then minutes', () => {
    expect([formatDuration(412), formatDuration(5230), formatDuration(187_000)]).toEqual(['412ms', '5.2s', '3m07s']);
  });
});
