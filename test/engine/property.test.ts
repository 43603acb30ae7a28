import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Breaker, type Permit } from '../../src/engine/breaker.js';
import { FakeClock } from '../../src/engine/clock.js';
import { ConsecutiveFailures } from '../../src/engine/consecutive.js';
import { EventBus } from '../../src/engine/events.js';
import type { BreakerState } from '../../src/engine/results.js';
import { runPlan } from '../../src/engine/run.js';
import { FakeTransport, planOf, play, type Device } from './fake-fleet.js';

const outcome = fc.record({
  kind: fc.constantFrom('ok', 'ok', 'refused', 'hang', 'fail'),
  ms: fc.integer({ min: 1, max: 5_000 }),
});

const scenario = fc.record({
  sites: fc.integer({ min: 1, max: 3 }),
  outcomes: fc.array(outcome, { minLength: 1, maxLength: 24 }),
  forks: fc.integer({ min: 1, max: 5 }),
  failureThreshold: fc.integer({ min: 1, max: 3 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  cooldownMs: fc.integer({ min: 100, max: 20_000 }),
  onOpen: fc.constantFrom('skip' as const, 'wait' as const),
  scope: fc.constantFrom('site', 'play'),
  maxFailures: fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
  batchSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
});

describe('scheduler properties', () => {
  it('every host ends exactly once, none runs twice, half-open never has more probes than success_threshold, and an unproven scope never has more hosts at stake than failure_threshold', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const names = s.outcomes.map((_, i) => `h${i}`);
        const hosts = names.map((name, i) => ({ name, vars: { site: `s${i % s.sites}` } }));
        const batches = s.batchSize === null ? [names] : chunk(names, s.batchSize);
        const p = play({
          hosts,
          batches,
          forks: s.forks,
          connectTimeoutMs: 3_000,
          maxFailures: s.maxFailures,
          breaker: { scope: s.scope, failureThreshold: s.failureThreshold, successThreshold: s.successThreshold, cooldownMs: s.cooldownMs, onOpen: s.onOpen },
        });
        const clock = new FakeClock();
        const device = (h: string): Device => {
          const o = s.outcomes[Number(h.slice(1))]!;
          if (o.kind === 'hang') return { connect: 'hang' };
          if (o.kind === 'refused') return { connect: 'refused', connectMs: o.ms };
          if (o.kind === 'fail') return { connectMs: o.ms, exec: () => ({ rc: 1, stdout: '', stderr: '' }) };
          return { connectMs: o.ms };
        };
        const transport = new FakeTransport(clock, device);
        const bus = new EventBus();
        const state = new Map<string, BreakerState>();
        const probes = new Map<string, Set<string>>();
        const scopeOf = (h: string) => (s.scope === 'play' ? 'play' : `site=s${Number(h.slice(1)) % s.sites}`);
        let maxProbes = 0;
        let inFlight = 0;
        let maxInFlight = 0;
        // Slow start, as seen from the events: a scope's period changes with each breaker transition; only an
        // outcome of a host started while closed in the current period counts. `stake` is counted failures
        // plus hosts in flight, which must stay within failure_threshold while the scope is unproven.
        const slow = new Map<string, { period: number; proven: boolean; failures: number; running: number }>();
        const slowOf = (scope: string) => {
          let v = slow.get(scope);
          if (!v) slow.set(scope, (v = { period: 0, proven: false, failures: 0, running: 0 }));
          return v;
        };
        const startedIn = new Map<string, { period: number; closed: boolean }>();
        let maxUnprovenStake = 0;
        bus.subscribe((e) => {
          if (e.type === 'breaker') {
            state.set(e.scope, e.to);
            // Probes belong to one half-open period; leaving it ends their standing as probes.
            probes.set(e.scope, new Set());
            const v = slowOf(e.scope);
            v.period += 1;
            v.proven = false;
            v.failures = 0;
          }
          if (e.type === 'host_start') {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const scope = scopeOf(e.host);
            const v = slowOf(scope);
            v.running += 1;
            startedIn.set(e.host, { period: v.period, closed: (state.get(scope) ?? 'closed') === 'closed' });
            if (!v.proven) maxUnprovenStake = Math.max(maxUnprovenStake, v.failures + v.running);
            if (state.get(scope) === 'half-open') {
              const set = probes.get(scope) ?? new Set();
              set.add(e.host);
              probes.set(scope, set);
              maxProbes = Math.max(maxProbes, set.size);
            }
          }
          if (e.type === 'host_end' && e.result.started !== null) {
            inFlight -= 1;
            probes.get(scopeOf(e.result.name))?.delete(e.result.name);
            const v = slowOf(scopeOf(e.result.name));
            v.running -= 1;
            const at = startedIn.get(e.result.name)!;
            if (at.closed && at.period === v.period) {
              const failed = e.result.status === 'failed' || e.result.status === 'unreachable';
              v.failures = failed ? v.failures + 1 : 0;
              v.proven = !failed;
            }
          }
        });
        const report = await clock.drive(runPlan(planOf(p), { transport, bus, runId: 'p', clock, env: {} }));

        expect(report.hosts.map((h) => h.name).sort()).toEqual([...names].sort());
        expect(new Set(transport.connects).size).toBe(transport.connects.length);
        expect(maxProbes).toBeLessThanOrEqual(s.successThreshold);
        expect(maxUnprovenStake).toBeLessThanOrEqual(s.failureThreshold);
        expect(maxInFlight).toBeLessThanOrEqual(s.forks);
        const sum = report.summary;
        expect(sum.ok + sum.changed + sum.failed + sum.unreachable + sum.skipped).toBe(names.length);
        for (const h of report.hosts) {
          if (h.status === 'skipped') expect(transport.connects).not.toContain(h.name);
          else expect(transport.connects).toContain(h.name);
        }
        // Hosts that wait on a breaker are never dropped: only the failure budget may skip them.
        if (s.onOpen === 'wait') expect(report.hosts.filter((h) => h.reason === 'breaker_open')).toEqual([]);
        if (!report.halted) expect(report.hosts.filter((h) => h.reason === 'halted')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('breaker properties', () => {
  it('over any sequence of acquisitions, outcomes and waits, probes in flight never exceed success_threshold', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('acquire' as const) }),
      fc.record({ op: fc.constantFrom('success' as const, 'failure' as const, 'release' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 5_000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 200 }), (failureThreshold, successThreshold, steps) => {
        const clock = new FakeClock();
        const seen: BreakerState[] = [];
        const b = new Breaker({ rule: new ConsecutiveFailures(failureThreshold), successThreshold, cooldownMs: 1_000, clock, onTransition: (_f, to) => seen.push(to) });
        const held: Permit[] = [];
        for (const s of steps) {
          if (s.op === 'acquire') {
            const a = b.tryAcquire();
            if (a.admitted) held.push(a.permit);
          } else if (s.op === 'wait') clock.advance(s.ms);
          else if (held.length > 0) {
            const [p] = held.splice(s.pick % held.length, 1);
            b[s.op](p!);
          }
          expect(b.probesInFlight).toBeLessThanOrEqual(successThreshold);
          expect(b.probesInFlight).toBeGreaterThanOrEqual(0);
        }
        // Only legal moves: closed→open, open→half-open, half-open→closed|open.
        let from: BreakerState = 'closed';
        for (const to of seen) {
          expect(`${from}>${to}`).toMatch(/^(closed>open|open>half-open|half-open>closed|half-open>open)$/);
          from = to;
        }
      }),
      { numRuns: 300 },
    );
  });
});

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
