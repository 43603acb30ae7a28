import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../support/io.js';
import { EventBus, type RunEvent } from '../../src/engine/events.js';
import { loadPlan } from '../../src/engine/load-plan.js';
import type { HostResult, RunReport } from '../../src/engine/results.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { runPlan } from '../../src/engine/run.js';
import type { Lab } from '../../src/lab/lab.js';
import { createProgress } from '../../src/report/progress.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { useLabs } from '../support/fixtures.js';

/** The engine against simulated devices over real SSH (ssh2 on both sides), one small lab per test. */

const { lab } = useLabs({ seed: 7 });

interface Applied {
  report: RunReport;
  code: number;
  events: RunEvent[];
  host: (name: string) => HostResult;
}

/** Writes `play` (YAML of one play, without its leading dash) beside the lab's inventory and runs it. */
async function apply(
  l: Lab,
  play: string,
  onEvent?: (e: RunEvent) => void,
  mode: { check?: boolean; diff?: boolean } = {},
): Promise<Applied> {
  const path = join(l.dir, 'site.yml');
  writeFileSync(path, `- name: Test\n  hosts: all\n  inventory: inventory.yml\n${play.replace(/^/gm, '  ')}\n`);
  const { plan, diagnostics } = loadPlan({ playbook: path });
  expect(diagnostics).toEqual([]);
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.subscribe((e) => (events.push(e), onEvent?.(e)));
  const report = await runPlan(plan!, {
    transport: new SshTransport({ env: {} }),
    bus,
    runId: 'lab',
    env: {},
    ...mode,
  });
  return { report, code: exitCodeFor(report), events, host: (n) => report.hosts.find((h) => h.name === n)! };
}

const showVersion = `tasks:\n  - name: Read version\n    command: show version\n    changed_when: false`;

describe('apply against the lab', () => {
  it('dead site: breaker opens in failure_threshold tries, the rest end ok, exit 3; or each holds a slot', async () => {
    // 100 hosts in 5 sites, interleaved (rK is in site ((K-1) mod 5) + 1), one site hanging.
    const l = await lab({ hosts: 100, sites: 5, faults: ['site3:hang'] });
    const common = `forks: 10\nconnect_timeout: 2s\n${showVersion}`;
    const guarded = await apply(l, `breaker:\n  scope: site\n  failure_threshold: 3\n  on_open: skip\n${common}`);
    const dead = (r: RunReport) => r.hosts.filter((h) => l.hosts.find((x) => x.name === h.name)!.site === 'site3');
    const alive = (r: RunReport) => r.hosts.filter((h) => l.hosts.find((x) => x.name === h.name)!.site !== 'site3');

    // Until a host of site3 succeeds, site3 may stake only as many hosts as it takes failures to open its
    // breaker; none ever succeeds, so exactly three are tried, however fast the healthy hosts free their slots.
    const tried = dead(guarded.report).filter((h) => h.status === 'unreachable');
    expect(tried.map((h) => h.reason)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(
      dead(guarded.report)
        .filter((h) => h.status === 'skipped')
        .map((h) => h.reason),
    ).toEqual(Array(17).fill('breaker_open'));
    expect(alive(guarded.report).map((h) => h.status)).toEqual(Array(80).fill('ok'));
    expect(guarded.report.breakers.map((b) => [b.scope, b.state])).toEqual([['site=site3', 'open']]);
    expect(guarded.code).toBe(3);

    const unguarded = await apply(l, common);
    expect(dead(unguarded.report).map((h) => [h.status, h.reason])).toEqual(Array(20).fill(['unreachable', 'timeout']));
    expect(alive(unguarded.report).map((h) => h.status)).toEqual(Array(80).fill('ok'));
    expect(unguarded.code).toBe(2);
    // What the breaker saves is fork-slot time on dead hosts: each attempt holds a slot for a whole connect
    // timeout, so 20 attempts against 3 is a ratio near 20/3, whatever the machine's load does to timers.
    const slotTime = (r: RunReport) => dead(r).reduce((sum, h) => sum + h.duration_ms, 0);
    expect(slotTime(unguarded.report)).toBeGreaterThanOrEqual(20 * 2_000 * 0.9);
    expect(slotTime(unguarded.report)).toBeGreaterThan(4 * slotTime(guarded.report));
  });

  it('two plays: a host that failed in the first is not run by the second, and is reported once, failed', async () => {
    const l = await lab({ hosts: 3, faults: ['r002:fail'] });
    const path = join(l.dir, 'site.yml');
    const playText = (name: string) =>
      `- name: ${name}\n  hosts: all\n  inventory: inventory.yml\n${showVersion.replace(/^/gm, '  ')}\n`;
    writeFileSync(path, playText('First') + playText('Second'));
    const { plan, diagnostics } = loadPlan({ playbook: path });
    expect(diagnostics).toEqual([]);
    const bus = new EventBus();
    const io = memoryIo({ isTTY: false });
    bus.subscribe(createProgress(io).listener);
    const report = await runPlan(plan!, { transport: new SshTransport({ env: {} }), bus, runId: 'lab', env: {} });
    // The progress counter counts the dropped host out of the second play, so it ends at its total.
    const hostLines = io
      .stdout()
      .trimEnd()
      .split('\n')
      .filter((line) => line.startsWith('['));
    expect(hostLines.map((line) => line.split(' ', 1)[0])).toEqual(['[1/6]', '[2/6]', '[3/6]', '[4/5]', '[5/5]']);
    // The failed host's line is followed by the end of its command's stderr.
    expect(io.stdout()).toMatch(/\] r002 +failed +command: Read version: exit status 1 \(\S+\)\n {4}stderr \| \S/);
    expect(report.hosts.map((h) => [h.play, h.name, h.status])).toEqual([
      ['First', 'r001', 'ok'],
      ['First', 'r002', 'failed'],
      ['First', 'r003', 'ok'],
      ['Second', 'r001', 'ok'],
      ['Second', 'r003', 'ok'],
    ]);
    expect([l.counters('r001').connections, l.counters('r002').connections, l.counters('r003').connections]).toEqual([
      2, 1, 2,
    ]);
    expect(exitCodeFor(report)).toBe(2);
  });

  it('classifies refused, auth, fail, drop and a stalled task', async () => {
    const l = await lab({ hosts: 6, faults: ['r001:refuse', 'r002:auth', 'r003:fail', 'r004:drop', 'r005:stall'] });
    await l.settled();
    const { host, code } = await apply(
      l,
      `connect_timeout: 2s\ntasks:\n  - name: Read version\n    command: show version\n    timeout: 1s\nrescue:\n  - ` +
        `name: Note it\n    command: echo rescued\n    timeout: 1s`,
    );
    expect([host('r001').status, host('r001').reason]).toEqual(['unreachable', 'refused']);
    expect([host('r002').status, host('r002').reason]).toEqual(['unreachable', 'auth']);
    expect([host('r003').status, host('r003').reason]).toEqual(['failed', 'command']);
    expect(host('r003').tasks.map((t) => [t.name, t.rc, t.rescue ?? false])).toEqual([
      ['Read version', 1, false],
      ['Note it', 1, true],
    ]);
    expect([host('r004').status, host('r004').reason]).toEqual(['unreachable', 'dropped']);
    expect([host('r005').status, host('r005').reason]).toEqual(['failed', 'timeout']);
    // The stalled device stalls the rescue too; its own timeout ends it.
    expect(host('r005').tasks.map((t) => t.reason)).toEqual(['timeout', 'timeout']);
    expect(host('r006').status).toBe('changed');
    expect(code).toBe(2);
  });

  it('retries heal a flaky device', async () => {
    const l = await lab({ hosts: 6, faults: ['*:flaky:0.5'], seed: 42 });
    const { report, code } = await apply(
      l,
      `forks: 1\ntasks:\n  - name: Read version\n    command: show version\n    retries: 12\n    retry_delay: 10ms`,
    );
    expect(report.hosts.map((h) => h.status)).toEqual(Array(6).fill('changed'));
    expect(report.hosts.some((h) => h.tasks[0]!.attempts > 1)).toBe(true);
    expect(code).toBe(0);
  });

  it('a failing canary batch of one halts before batch 2', async () => {
    const l = await lab({ hosts: 5, faults: ['r001:fail'] });
    const { report, code } = await apply(l, `serial: [1, 2]\nmax_fail_percentage: 0\n${showVersion}`);
    expect(report.halted).toEqual({ reason: 'max_fail_percentage', batch: 1 });
    expect(report.hosts.map((h) => [h.name, h.batch, h.status, h.reason])).toEqual([
      ['r001', 1, 'failed', 'command'],
      ['r002', 2, 'skipped', 'halted'],
      ['r003', 2, 'skipped', 'halted'],
      ['r004', 3, 'skipped', 'halted'],
      ['r005', 3, 'skipped', 'halted'],
    ]);
    expect(l.fleetCounters().connections).toBe(1);
    expect(code).toBe(3);
  });

  it('max_fail_percentage halts when a batch exceeds it, not when it reaches it', async () => {
    const l = await lab({ hosts: 8, faults: ['r001:fail'] });
    const reaches = await apply(l, `serial: 4\nmax_fail_percentage: 25\n${showVersion}`);
    expect(reaches.report.halted).toBeNull();
    expect(reaches.report.summary).toMatchObject({ ok: 7, failed: 1, skipped: 0 });
    expect(reaches.code).toBe(2);
    const exceeds = await apply(l, `serial: 4\nmax_fail_percentage: 24\n${showVersion}`);
    expect(exceeds.report.halted).toEqual({ reason: 'max_fail_percentage', batch: 1 });
    expect(exceeds.report.summary).toMatchObject({ ok: 3, failed: 1, skipped: 4 });
    expect(exceeds.code).toBe(3);
  });

  it('max_failures halts once that many hosts have failed', async () => {
    const l = await lab({ hosts: 6, faults: ['r001:fail', 'r002:refuse'] });
    await l.settled();
    const { report, code } = await apply(l, `forks: 1\nmax_failures: 2\n${showVersion}`);
    expect(report.halted).toEqual({ reason: 'max_failures', batch: 1 });
    expect(report.hosts.map((h) => h.status)).toEqual([
      'failed',
      'unreachable',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(report.hosts.slice(2).every((h) => h.reason === 'halted')).toBe(true);
    expect(code).toBe(3);
  });

  it('on_open wait: hosts wait for the probes, which close the breaker once the fault is cleared', async () => {
    const l = await lab({ hosts: 5, faults: ['site1:auth'] });
    const { report, code } = await apply(
      l,
      `forks: 1\nbreaker:\n  scope: site\n  failure_threshold: 2\n  success_threshold: 1\n  cooldown: 500ms\n  ` +
        `on_open: wait\n${showVersion}`,
      (e) => {
        if (e.type === 'breaker' && e.to === 'open') l.clearFault('site1');
      },
    );
    expect(report.hosts.map((h) => h.status)).toEqual(['unreachable', 'unreachable', 'ok', 'ok', 'ok']);
    expect(report.breakers[0]!.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    expect(code).toBe(2);
  });

  it('never has more sessions open than forks', async () => {
    const l = await lab({ hosts: 12, faults: ['*:slow:150ms'] });
    const { report } = await apply(l, `forks: 3\n${showVersion}`);
    expect(report.summary.ok).toBe(12);
    const peak = l.fleetCounters().maxConcurrentSessions;
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
  });

  it('template mode fixes permissions of a right file by chmod, not upload; then ok; --check reports it', async () => {
    const l = await lab({ hosts: 2 });
    mkdirSync(join(l.dir, 'templates'));
    writeFileSync(join(l.dir, 'templates/ntp.conf.njk'), 'server 192.0.2.10 iburst\n');
    const body = 'server 192.0.2.10 iburst\n';
    l.writeFile('r001', '/etc/ntp.conf', body, 0o600);
    l.writeFile('r002', '/etc/ntp.conf', body, 0o644);
    const play =
      `tasks:\n  - name: NTP\n    template:\n      src: ntp.conf.njk\n      dest: /etc/ntp.conf\n      ` +
      `mode: "0644"`;
    const written = () => l.counters('r001').bytesWritten;

    const checked = await apply(l, play, undefined, { check: true });
    expect(checked.host('r001').tasks[0]).toMatchObject({ status: 'changed', changed: true });
    expect(checked.host('r001').tasks[0]!.diff).toContain('mode 0600 → 0644');
    expect(checked.host('r002').tasks[0]).toMatchObject({ status: 'ok', changed: false });
    expect(l.fileMode('r001', '/etc/ntp.conf')).toBe(0o600);

    const fixed = await apply(l, play, undefined, { diff: true });
    expect(fixed.host('r001')).toMatchObject({ status: 'changed' });
    expect(fixed.host('r001').tasks[0]!.diff).toContain('mode 0600 → 0644');
    expect(fixed.host('r002')).toMatchObject({ status: 'ok' });
    expect(l.fileMode('r001', '/etc/ntp.conf')).toBe(0o644);
    expect(l.readFile('r001', '/etc/ntp.conf')?.toString()).toBe(body);
    expect(written()).toBe(0);

    const again = await apply(l, play);
    expect(again.report.hosts.map((h) => [h.name, h.status])).toEqual([
      ['r001', 'ok'],
      ['r002', 'ok'],
    ]);
    expect(l.fileMode('r001', '/etc/ntp.conf')).toBe(0o644);
    expect(written()).toBe(0);
  });
});
