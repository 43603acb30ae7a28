import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Breaker, type Permit } from '../../src/engine/breaker.js';
import { FakeClock } from '../support/clock.js';
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
  it('hosts end once per play, run once, drop after failing; probes and unproven stakes stay bounded', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 1, max: 2 }), async (s, playCount) => {
        const names = s.outcomes.map((_, i) => `h${i}`);
        const hosts = names.map((name, i) => ({ name, vars: { site: `s${i % s.sites}` } }));
        const batches = s.batchSize === null ? [names] : chunk(names, s.batchSize);
        const plays = Array.from({ length: playCount }, (_, i) =>
          play({
            name: `p${i + 1}`,
            hosts,
            batches,
            forks: s.forks,
            connectTimeoutMs: 3_000,
            maxFailures: s.maxFailures,
            breaker: {
              scope: s.scope,
              failureThreshold: s.failureThreshold,
              successThreshold: s.successThreshold,
              cooldownMs: s.cooldownMs,
              onOpen: s.onOpen,
            },
          }),
        );
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
        // Each play has its own breakers: scopes are keyed by play.
        const state = new Map<string, BreakerState>();
        const probes = new Map<string, Set<string>>();
        const scopeOf = (playName: string, h: string) =>
          `${playName}/${s.scope === 'play' ? 'play' : `site=s${Number(h.slice(1)) % s.sites}`}`;
        let maxProbes = 0;
        let inFlight = 0;
        let maxInFlight = 0;
        // Slow start, as seen from the events: a scope's period changes with each breaker transition; only an
        // outcome of a host started while closed in the current period counts. While closed and unproven,
        // counted failures plus such hosts in flight must stay within failure_threshold.
        const slow = new Map<string, { period: number; proven: boolean; failures: number; running: number }>();
        const slowOf = (scope: string) => {
          let v = slow.get(scope);
          if (!v) slow.set(scope, (v = { period: 0, proven: false, failures: 0, running: 0 }));
          return v;
        };
        const startedIn = new Map<string, { period: number; closed: boolean }>();
        const starts: string[] = [];
        let maxUnprovenStake = 0;
        bus.subscribe((e) => {
          if (e.type === 'breaker') {
            const scope = `${e.play}/${e.scope}`;
            state.set(scope, e.to);
            // Probes belong to one half-open period; leaving it ends their standing as probes.
            probes.set(scope, new Set());
            const v = slowOf(scope);
            v.period += 1;
            v.running = 0;
            v.proven = false;
            v.failures = 0;
          }
          if (e.type === 'host_start') {
            starts.push(`${e.play}/${e.host}`);
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const scope = scopeOf(e.play, e.host);
            const v = slowOf(scope);
            const closed = (state.get(scope) ?? 'closed') === 'closed';
            startedIn.set(`${e.play}/${e.host}`, { period: v.period, closed });
            if (closed) {
              v.running += 1;
              if (!v.proven) maxUnprovenStake = Math.max(maxUnprovenStake, v.failures + v.running);
            }
            if (state.get(scope) === 'half-open') {
              const set = probes.get(scope) ?? new Set();
              set.add(e.host);
              probes.set(scope, set);
              maxProbes = Math.max(maxProbes, set.size);
            }
          }
          if (e.type === 'host_end' && e.result.started !== null) {
            inFlight -= 1;
            const scope = scopeOf(e.result.play, e.result.name);
            probes.get(scope)?.delete(e.result.name);
            const v = slowOf(scope);
            const at = startedIn.get(`${e.result.play}/${e.result.name}`)!;
            if (at.closed && at.period === v.period) {
              v.running -= 1;
              const failed = e.result.status === 'failed' || e.result.status === 'unreachable';
              v.failures = failed ? v.failures + 1 : 0;
              v.proven = !failed;
            }
          }
        });
        const report = await clock.drive(runPlan(planOf(...plays), { transport, bus, runId: 'p', clock, env: {} }));

        // Every host of the first play ends once; a later play reports every host except those that failed
        // or were unreachable before it, which it neither runs nor reports.
        const failedBefore = new Set<string>();
        for (const pl of plays) {
          const mine = report.hosts.filter((h) => h.play === pl.name).map((h) => h.name);
          expect(mine).toEqual(names.filter((n) => !failedBefore.has(n)));
          for (const h of report.hosts)
            if (h.play === pl.name && (h.status === 'failed' || h.status === 'unreachable')) failedBefore.add(h.name);
        }
        expect(new Set(starts).size).toBe(starts.length);
        expect(transport.connects).toHaveLength(starts.length);
        expect(maxProbes).toBeLessThanOrEqual(s.successThreshold);
        expect(maxUnprovenStake).toBeLessThanOrEqual(s.failureThreshold);
        expect(maxInFlight).toBeLessThanOrEqual(s.forks);
        const sum = report.summary;
        expect(sum.ok + sum.changed + sum.failed + sum.unreachable + sum.skipped).toBe(report.hosts.length);
        for (const h of report.hosts) expect(starts.includes(`${h.play}/${h.name}`)).toBe(h.status !== 'skipped');
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
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 200 }),
        (failureThreshold, successThreshold, steps) => {
          const clock = new FakeClock();
          const seen: BreakerState[] = [];
          const b = new Breaker({
            rule: new ConsecutiveFailures(failureThreshold),
            successThreshold,
            cooldownMs: 1_000,
            clock,
            onTransition: (_f, to) => seen.push(to),
          });
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
        },
      ),
      { numRuns: 300 },
    );
  });
});

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
