import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/clock.js';
import { EventBus, type RunEvent } from '../../src/engine/events.js';
import type { PlannedPlay } from '../../src/engine/plan-model.js';
import type { HostResult } from '../../src/engine/results.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { runPlan, type RunOptions } from '../../src/engine/run.js';
import { FakeTransport, planOf, play, task, type Device } from './fake-fleet.js';

function hosts(site: string, n: number): { name: string; vars: Record<string, unknown> }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${site}-r${i + 1}`, vars: { site } }));
}

/** Runs the plays on fake devices; `onEvent` sees each event as it is emitted, after it is recorded. */
async function runFleet(
  plays: PlannedPlay[],
  device: (host: string) => Device = () => ({}),
  extra: Partial<RunOptions> = {},
  onEvent: (e: RunEvent) => void = () => {},
) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock, device);
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.subscribe((e) => {
    events.push(e);
    onEvent(e);
  });
  const report = await clock.drive(
    runPlan(planOf(...plays), { transport, bus, runId: '20260101-000000-abcd', clock, env: {}, ...extra }),
  );
  const byName = (name: string): HostResult => report.hosts.find((h) => h.name === name)!;
  return { report, events, transport, clock, byName, code: exitCodeFor(report) };
}

const dead =
  (site: string): ((h: string) => Device) =>
  (h) =>
    h.startsWith(`${site}-`) ? { connect: 'hang' } : {};

describe('scheduler', () => {
  it('never has more hosts in flight than forks', async () => {
    const { transport, report, code } = await runFleet([play({ hosts: hosts('ams', 23), forks: 4 })], () => ({
      connectMs: 100,
    }));
    expect(transport.maxInFlight).toBe(4);
    expect(report.summary.changed).toBe(23);
    expect(code).toBe(0);
  });

  it('--forks overrides the play', async () => {
    const { transport } = await runFleet([play({ hosts: hosts('ams', 10), forks: 2 })], () => ({ connectMs: 100 }), {
      forks: 7,
    });
    expect(transport.maxInFlight).toBe(7);
  });

  it('runs batches in order: no host of batch 2 starts before batch 1 ended', async () => {
    const p = play({ hosts: hosts('ams', 5), batches: [['ams-r1'], ['ams-r2', 'ams-r3'], ['ams-r4', 'ams-r5']] });
    const { events } = await runFleet([p]);
    const seq = events
      .filter((e) => e.type === 'host_start' || e.type === 'batch_end')
      .map((e) => (e.type === 'host_start' ? e.host : `end${e.batch}`));
    expect(seq).toEqual(['ams-r1', 'end1', 'ams-r2', 'ams-r3', 'end2', 'ams-r4', 'ams-r5', 'end3']);
  });

  it('a dead site opens its breaker and the rest of that site is skipped; other sites are untouched', async () => {
    const fleet = ['ams', 'fra', 'par', 'lon'].flatMap((s) => hosts(s, 10));
    const p = play({ hosts: fleet, forks: 4, breaker: { scope: 'site', failureThreshold: 3, onOpen: 'skip' } });
    const { report, transport, code } = await runFleet([p], dead('fra'));
    const fra = report.hosts.filter((h) => h.name.startsWith('fra-'));
    const attempted = fra.filter((h) => h.status === 'unreachable');
    // Slow start: an unproven scope never has more hosts at stake than it takes failures to open its breaker.
    expect(attempted).toHaveLength(3);
    expect(fra.filter((h) => h.status === 'skipped').every((h) => h.reason === 'breaker_open')).toBe(true);
    expect(attempted.length + fra.filter((h) => h.status === 'skipped').length).toBe(10);
    expect(report.hosts.filter((h) => !h.name.startsWith('fra-')).every((h) => h.status === 'changed')).toBe(true);
    expect(transport.connects.filter((h) => h.startsWith('fra-'))).toHaveLength(attempted.length);
    expect(report.breakers).toEqual([
      { scope: 'site=fra', state: 'open', transitions: [expect.objectContaining({ from: 'closed', to: 'open' })] },
    ]);
    expect(report.halted).toBeNull();
    expect(code).toBe(3);
  });

  it('without a breaker every dead host is attempted, and the run takes longer', async () => {
    const fleet = ['ams', 'fra'].flatMap((s) => hosts(s, 12));
    const withBreaker = await runFleet(
      [play({ hosts: fleet, forks: 3, breaker: { scope: 'site', failureThreshold: 2 } })],
      dead('fra'),
    );
    const without = await runFleet([play({ hosts: fleet, forks: 3 })], dead('fra'));
    expect(without.report.hosts.filter((h) => h.status === 'unreachable')).toHaveLength(12);
    expect(without.code).toBe(2);
    expect(without.report.duration_ms).toBeGreaterThan(withBreaker.report.duration_ms);
  });

  it('a host asks its breaker when it gets a fork slot, not when it was queued', async () => {
    // With one fork, hosts queued behind the failures see the open breaker; nothing ran past the threshold.
    const p = play({ hosts: hosts('fra', 6), forks: 1, breaker: { failureThreshold: 2 } });
    const { report, transport } = await runFleet([p], dead('fra'));
    expect(transport.connects).toEqual(['fra-r1', 'fra-r2']);
    expect(report.hosts.map((h) => h.status)).toEqual([
      'unreachable',
      'unreachable',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
  });

  it('on_open wait: waiting hosts hold no fork slot, other scopes keep moving; probes close the breaker', async () => {
    let healed = false;
    const fleet = [...hosts('fra', 6), ...hosts('ams', 6)];
    const p = play({
      hosts: fleet,
      forks: 2,
      breaker: { scope: 'site', failureThreshold: 2, successThreshold: 2, cooldownMs: 60_000, onOpen: 'wait' },
    });
    const device = (h: string): Device =>
      h.startsWith('fra-') && !healed ? { connect: 'refused' } : { connectMs: 1_000 };
    const { report, events } = await runFleet([p], device, { runId: 'x' }, (e) => {
      if (e.type === 'breaker' && e.to === 'open') healed = true;
    });
    const ams = report.hosts.filter((h) => h.name.startsWith('ams-'));
    expect(ams.every((h) => h.status === 'changed')).toBe(true);
    // Every ams host ended before the cooldown was over: nobody sat on a slot waiting for fra's breaker.
    const opened = events.find((e) => e.type === 'breaker' && e.to === 'open')!.at;
    const lastAms = Math.max(...ams.map((h) => Date.parse(h.started!) + h.duration_ms));
    expect(lastAms - Date.parse(opened)).toBeLessThan(60_000);
    const fra = report.hosts.filter((h) => h.name.startsWith('fra-'));
    expect(fra.filter((h) => h.status === 'unreachable')).toHaveLength(2);
    expect(fra.filter((h) => h.status === 'changed')).toHaveLength(4);
    expect(report.breakers[0]!.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    expect(exitCodeFor(report)).toBe(2);
  });

  it('on_open wait: a failed probe opens it again and the wait goes on until the probes decide', async () => {
    let failuresLeft = 3;
    const p = play({
      hosts: hosts('fra', 5),
      forks: 1,
      breaker: { failureThreshold: 1, successThreshold: 1, cooldownMs: 10_000, onOpen: 'wait' },
    });
    const { report } = await runFleet([p], () =>
      failuresLeft-- > 0 ? { connect: 'refused', connectMs: 10 } : { connectMs: 10 },
    );
    const states = report.breakers[0]!.transitions.map((t) => t.to);
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'open', 'half-open', 'closed']);
    expect(report.hosts.map((h) => h.status)).toEqual([
      'unreachable',
      'unreachable',
      'unreachable',
      'changed',
      'changed',
    ]);
  });

  it('max_failures halts the run; in-flight hosts finish; the rest are skipped with reason halted', async () => {
    const p = play({ hosts: hosts('ams', 20), forks: 2, maxFailures: 3 });
    const { report, code } = await runFleet([p], (h) =>
      ['ams-r2', 'ams-r3', 'ams-r5'].includes(h) ? { connect: 'refused' } : {},
    );
    expect(report.halted).toEqual({ reason: 'max_failures', batch: 1 });
    const attempted = report.hosts.filter((h) => h.status !== 'skipped');
    expect(report.hosts.filter((h) => h.status === 'skipped').every((h) => h.reason === 'halted')).toBe(true);
    expect(attempted.length).toBeLessThanOrEqual(6);
    expect(report.hosts).toHaveLength(20);
    expect(code).toBe(3);
  });

  it('a failing canary batch of one halts before batch 2', async () => {
    const p = play({
      hosts: hosts('ams', 5),
      batches: [['ams-r1'], ['ams-r2', 'ams-r3'], ['ams-r4', 'ams-r5']],
      maxFailPercentage: 0,
    });
    const { report, transport, code } = await runFleet([p], (h) =>
      h === 'ams-r1' ? { exec: () => ({ rc: 1, stdout: '', stderr: '' }) } : {},
    );
    expect(transport.connects).toEqual(['ams-r1']);
    expect(report.halted).toEqual({ reason: 'max_fail_percentage', batch: 1 });
    expect(report.hosts.map((h) => [h.batch, h.status, h.reason])).toEqual([
      [1, 'failed', 'command'],
      [2, 'skipped', 'halted'],
      [2, 'skipped', 'halted'],
      [3, 'skipped', 'halted'],
      [3, 'skipped', 'halted'],
    ]);
    expect(code).toBe(3);
  });

  it('max_fail_percentage: a batch at exactly the limit goes on, one above halts', async () => {
    const batches = [hosts('ams', 4).map((h) => h.name), hosts('fra', 4).map((h) => h.name)];
    const all = [...hosts('ams', 4), ...hosts('fra', 4)];
    const failOne = (h: string): Device => (h === 'ams-r1' ? { connect: 'refused' } : {});
    const at = await runFleet([play({ hosts: all, batches, maxFailPercentage: 25 })], failOne);
    expect(at.report.halted).toBeNull();
    expect(at.code).toBe(2);
    const above = await runFleet([play({ hosts: all, batches, maxFailPercentage: 24 })], failOne);
    expect(above.report.halted).toEqual({ reason: 'max_fail_percentage', batch: 1 });
    expect(above.report.hosts.filter((h) => h.reason === 'halted')).toHaveLength(4);
  });

  it('a halt in one play skips every host of later plays, except those whose failure is reported', async () => {
    const p1 = play({ name: 'one', hosts: ['a', 'b'], maxFailures: 1 });
    const p2 = play({ name: 'two', hosts: ['a', 'b'] });
    const { report } = await runFleet([p1, p2], (h) => (h === 'a' ? { connect: 'auth' } : {}));
    expect(report.hosts.filter((h) => h.play === 'two').map((h) => [h.name, h.reason])).toEqual([['b', 'halted']]);
    expect(report.hosts.filter((h) => h.name === 'a').map((h) => [h.play, h.status])).toEqual([['one', 'unreachable']]);
  });

  it('a host that failed or was unreachable is not run by later plays, and is reported once, failed', async () => {
    const p1 = play({
      name: 'one',
      hosts: ['a', 'b', 'c', 'd'],
      batches: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    });
    const p2 = play({
      name: 'two',
      hosts: ['a', 'b', 'c', 'd'],
      batches: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    });
    const failing = (h: string): Device =>
      h === 'b' ? { connect: 'refused' } : h === 'c' ? { exec: () => ({ rc: 1, stdout: '', stderr: 'bad' }) } : {};
    const { report, events, transport, code } = await runFleet([p1, p2], failing);
    expect(report.hosts.map((h) => [h.play, h.name, h.batch, h.status])).toEqual([
      ['one', 'a', 1, 'changed'],
      ['one', 'b', 1, 'unreachable'],
      ['one', 'c', 2, 'failed'],
      ['one', 'd', 2, 'changed'],
      ['two', 'a', 1, 'changed'],
      ['two', 'd', 2, 'changed'],
    ]);
    expect(transport.connects.filter((h) => h === 'b' || h === 'c')).toEqual(['b', 'c']);
    const second = events.find((e) => e.type === 'play_start' && e.play === 'two');
    expect(second?.type === 'play_start' && second.batches).toEqual([['a'], ['d']]);
    expect(
      events
        .filter((e) => e.type === 'batch_end' && e.play === 'two')
        .map((e) => e.type === 'batch_end' && [e.batch, e.failed, e.total]),
    ).toEqual([
      [1, 0, 1],
      [2, 0, 1],
    ]);
    expect(report.summary).toEqual({ ok: 0, changed: 4, failed: 1, unreachable: 1, skipped: 0 });
    expect(code).toBe(2);
  });

  it('a batch left empty by earlier failures is passed over, and the batches after it keep their numbers', async () => {
    const p1 = play({ name: 'one', hosts: ['a', 'b'] });
    const p2 = play({ name: 'two', hosts: ['a', 'b'], batches: [['a'], ['b']] });
    const { report, events } = await runFleet([p1, p2], (h) => (h === 'a' ? { connect: 'refused' } : {}));
    expect(report.hosts.filter((h) => h.play === 'two').map((h) => [h.name, h.batch])).toEqual([['b', 2]]);
    expect(
      events
        .filter((e) => e.type === 'batch_start' && e.play === 'two')
        .map((e) => e.type === 'batch_start' && e.batch),
    ).toEqual([2]);
  });

  it('a host skipped by an open breaker in one play is still run by the next play', async () => {
    const p1 = play({ name: 'one', hosts: hosts('fra', 4), forks: 1, breaker: { failureThreshold: 1 } });
    const p2 = play({ name: 'two', hosts: hosts('fra', 4), forks: 1 });
    let refuse = true;
    const { report } = await runFleet([p1, p2], () => (refuse ? ((refuse = false), { connect: 'refused' }) : {}));
    expect(report.hosts.map((h) => [h.play, h.name, h.status])).toEqual([
      ['one', 'fra-r1', 'unreachable'],
      ['one', 'fra-r2', 'skipped'],
      ['one', 'fra-r3', 'skipped'],
      ['one', 'fra-r4', 'skipped'],
      ['two', 'fra-r2', 'changed'],
      ['two', 'fra-r3', 'changed'],
      ['two', 'fra-r4', 'changed'],
    ]);
  });

  it('a graceful stop starts no new host, lets in-flight hosts finish, and exits 130', async () => {
    const ctl = new AbortController();
    const p = play({ hosts: hosts('ams', 10), forks: 2 });
    let started = 0;
    const { report, code } = await runFleet(
      [p],
      () => {
        if (++started === 2) ctl.abort();
        return { connectMs: 100 };
      },
      { signal: ctl.signal },
    );
    expect(report.halted).toEqual({ reason: 'interrupted', batch: 1 });
    expect(report.hosts.filter((h) => h.status === 'changed')).toHaveLength(2);
    expect(report.hosts.filter((h) => h.status === 'skipped').every((h) => h.reason === 'interrupted')).toBe(true);
    expect(code).toBe(130);
  });

  it('a hard stop ends in-flight hosts now, recorded failed with reason interrupted', async () => {
    const ctl = new AbortController();
    const p = play({ hosts: hosts('ams', 4), forks: 2, tasks: [task('slow', 'slow', { timeoutMs: 600_000 })] });
    let started = 0;
    const { report, code } = await runFleet(
      [p],
      () => {
        if (++started === 2) setImmediate(() => ctl.abort());
        return { exec: () => 'hang' };
      },
      { abortSignal: ctl.signal },
    );
    expect(report.hosts.filter((h) => h.status === 'failed').map((h) => h.reason)).toEqual([
      'interrupted',
      'interrupted',
    ]);
    expect(report.hosts.filter((h) => h.status === 'skipped')).toHaveLength(2);
    expect(code).toBe(130);
  });

  it('emits events in order for a run, and every targeted host ends exactly once', async () => {
    const p = play({ hosts: hosts('ams', 3), batches: [['ams-r1'], ['ams-r2', 'ams-r3']] });
    const { events } = await runFleet([p]);
    const kinds = events.map((e) => e.type);
    expect(kinds[0]).toBe('run_start');
    expect(kinds[1]).toBe('play_start');
    expect(kinds.at(-2)).toBe('play_end');
    expect(kinds.at(-1)).toBe('run_end');
    const ends = events.flatMap((e) => (e.type === 'host_end' ? [e.result.name] : []));
    expect(ends.sort()).toEqual(['ams-r1', 'ams-r2', 'ams-r3']);
    const runStart = events[0]!;
    expect(runStart.type === 'run_start' && runStart.targets).toEqual(['ams-r1', 'ams-r2', 'ams-r3']);
  });

  it('slow start: a dead site costs exactly failure_threshold attempts, made at once', async () => {
    // 100 hosts in 5 sites, interleaved as an inventory sorted by name would be; one site hangs.
    const fleet = Array.from({ length: 100 }, (_, i) => ({
      name: `r${String(i + 1).padStart(3, '0')}`,
      vars: { site: `site${(i % 5) + 1}` },
    }));
    const deadSite = (h: string): Device =>
      (Number(h.slice(1)) - 1) % 5 === 2 ? { connect: 'hang' } : { connectMs: 50 };
    const p = play({
      hosts: fleet,
      forks: 10,
      connectTimeoutMs: 2_000,
      breaker: { scope: 'site', failureThreshold: 3, onOpen: 'skip' },
    });
    const { report, events, code } = await runFleet([p], deadSite);
    const dead = report.hosts.filter((h) => deadSite(h.name).connect === 'hang');
    expect(dead.filter((h) => h.status === 'unreachable')).toHaveLength(3);
    expect(dead.filter((h) => h.status === 'skipped' && h.reason === 'breaker_open')).toHaveLength(17);
    expect(report.hosts.filter((h) => deadSite(h.name).connect !== 'hang').every((h) => h.status === 'changed')).toBe(
      true,
    );
    // The three attempts overlap: the breaker opens one connect timeout after the first of them started.
    const starts = events.flatMap((e) =>
      e.type === 'host_start' && deadSite(e.host).connect === 'hang' ? [Date.parse(e.at)] : [],
    );
    const opened = events.find((e) => e.type === 'breaker' && e.to === 'open')!;
    expect(Date.parse(opened.at) - Math.min(...starts)).toBeLessThan(2 * 2_000);
    expect(code).toBe(3);
  });

  it('slow start: hosts of an unproven scope over the cap wait with no fork slot; other scopes go first', async () => {
    const fleet = [...hosts('fra', 6), ...hosts('ams', 6)];
    const p = play({ hosts: fleet, forks: 4, breaker: { scope: 'site', failureThreshold: 2, onOpen: 'skip' } });
    const { events, report } = await runFleet([p], (h) =>
      h.startsWith('fra-') ? { connect: 'hang' } : { connectMs: 100 },
    );
    const started = events.flatMap((e) => (e.type === 'host_start' ? [e.host] : []));
    // fra-r1 and fra-r2 are all fra may stake; the two free slots go to ams at once, not after fra's timeouts.
    expect(started.slice(0, 4)).toEqual(['fra-r1', 'fra-r2', 'ams-r1', 'ams-r2']);
    expect(started.filter((h) => h.startsWith('fra-'))).toEqual(['fra-r1', 'fra-r2']);
    expect(report.hosts.filter((h) => h.name.startsWith('ams-')).every((h) => h.status === 'changed')).toBe(true);
  });

  it('slow start: the first success lifts the cap, so a healthy scope soon uses every fork', async () => {
    const p = play({ hosts: hosts('ams', 30), forks: 8, breaker: { failureThreshold: 2 } });
    const { transport, report, events } = await runFleet([p], () => ({ connectMs: 100 }));
    expect(transport.maxInFlight).toBe(8);
    expect(report.summary.changed).toBe(30);
    // Order is kept: hosts start in inventory order.
    expect(events.flatMap((e) => (e.type === 'host_start' ? [e.host] : []))).toEqual(
      hosts('ams', 30).map((h) => h.name),
    );
  });

  it('slow start: a failure makes a proven scope unproven again until a host of it succeeds', async () => {
    // r1 proves the scope; r2 fails early while r3..r6 are in flight: nothing new starts until one of them succeeds.
    const device = (h: string): Device =>
      h === 'ams-r1'
        ? { connectMs: 10 }
        : h === 'ams-r2'
          ? { connect: 'refused', connectMs: 50 }
          : { connectMs: 1_000 };
    const p = play({ hosts: hosts('ams', 10), forks: 5, breaker: { failureThreshold: 3 } });
    const { events, report } = await runFleet([p], device);
    const at = (type: 'host_start' | 'host_end', host: string) =>
      Date.parse(
        events.find(
          (e) =>
            (e.type === 'host_start' && type === 'host_start' && e.host === host) ||
            (e.type === 'host_end' && type === 'host_end' && e.result.name === host),
        )!.at,
      );
    expect(at('host_start', 'ams-r7')).toBeGreaterThanOrEqual(at('host_end', 'ams-r3'));
    expect(at('host_start', 'ams-r7')).toBeGreaterThan(at('host_end', 'ams-r2'));
    expect(report.hosts.filter((h) => h.status === 'changed')).toHaveLength(9);
  });

  it('slow start begins again when the breaker closes after probes', async () => {
    let healed = false;
    const p = play({
      hosts: hosts('fra', 12),
      forks: 6,
      breaker: { failureThreshold: 2, successThreshold: 1, cooldownMs: 5_000, onOpen: 'wait' },
    });
    const device = (): Device => (healed ? { connectMs: 1_000 } : { connect: 'refused', connectMs: 10 });
    const { report, events, transport } = await runFleet([p], device, { runId: 'x' }, (e) => {
      if (e.type === 'breaker' && e.to === 'open') healed = true;
    });
    expect(report.breakers[0]!.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    const closed = events.findIndex((e) => e.type === 'breaker' && e.to === 'closed');
    // Up to the first outcome of a host started after the close, only failure_threshold hosts have started.
    const after = events.slice(closed);
    const startedAfter = new Set(after.flatMap((e) => (e.type === 'host_start' ? [e.host] : [])));
    const firstEnd = after.findIndex((e) => e.type === 'host_end' && startedAfter.has(e.result.name));
    expect(after.slice(0, firstEnd).filter((e) => e.type === 'host_start')).toHaveLength(2);
    expect(transport.maxInFlight).toBe(6);
    expect(report.hosts.filter((h) => h.status === 'unreachable')).toHaveLength(2);
    expect(report.hosts.filter((h) => h.status === 'changed')).toHaveLength(10);
  });

  it('without a breaker there is no slow start: a dead site fills the forks', async () => {
    const p = play({ hosts: hosts('fra', 12), forks: 6 });
    const { transport } = await runFleet([p], () => ({ connect: 'hang' }));
    expect(transport.maxInFlight).toBe(6);
    expect(transport.connects).toHaveLength(12);
  });

  it('the connect rate caps new connections per second', async () => {
    // Real timers here: the cap is p-queue's sliding window. 6 connections at 4/s need more than one second.
    const transport = new FakeTransport({
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 1))),
    });
    const bus = new EventBus();
    const starts: number[] = [];
    const p = play({ hosts: hosts('ams', 6), forks: 6, connectRate: 4 });
    const orig = transport.connect.bind(transport);
    // A connection starts when its turn comes, right before the wire.
    transport.connect = (t, o) =>
      orig(t, {
        ...o,
        connectSlot: async () => {
          await o.connectSlot?.();
          starts.push(Date.now());
        },
      });
    const report = await runPlan(planOf(p), { transport, bus, runId: 'x', env: {} });
    expect(report.summary.changed).toBe(6);
    starts.sort((a, b) => a - b);
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(900);
  });
});
