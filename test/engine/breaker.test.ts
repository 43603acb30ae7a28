import { describe, expect, it } from 'vitest';
import { Breaker, type Permit } from '../../src/engine/breaker.js';
import { FakeClock } from '../support/clock.js';
import { ConsecutiveFailures } from '../../src/engine/consecutive.js';
import type { BreakerState } from '../../src/engine/results.js';

function setup(opts: { failureThreshold?: number; successThreshold?: number; cooldownMs?: number } = {}) {
  const clock = new FakeClock();
  const transitions: { from: BreakerState; to: BreakerState; at: number }[] = [];
  const breaker = new Breaker({
    rule: new ConsecutiveFailures(opts.failureThreshold ?? 3),
    successThreshold: opts.successThreshold ?? 2,
    cooldownMs: opts.cooldownMs ?? 30_000,
    clock,
    onTransition: (from, to, at) => transitions.push({ from, to, at }),
  });
  const permit = (): Permit => {
    const a = breaker.tryAcquire();
    if (!a.admitted) throw new Error(`refused while ${a.state}`);
    return a.permit;
  };
  const trip = () => {
    for (let i = 0; i < (opts.failureThreshold ?? 3); i++) breaker.failure(permit());
  };
  return { clock, breaker, transitions, permit, trip };
}

describe('Breaker', () => {
  it('starts closed and admits every call', () => {
    const { breaker } = setup();
    expect(breaker.state).toBe('closed');
    for (let i = 0; i < 20; i++) expect(breaker.tryAcquire().admitted).toBe(true);
  });

  it('opens after three consecutive failures, not after interleaved ones', () => {
    const { breaker, permit, transitions } = setup({ failureThreshold: 3 });
    breaker.failure(permit());
    breaker.failure(permit());
    breaker.success(permit());
    breaker.failure(permit());
    breaker.failure(permit());
    expect(breaker.state).toBe('closed');
    breaker.failure(permit());
    expect(breaker.state).toBe('open');
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open']);
  });

  it('refuses while open and says when to ask again', () => {
    const { breaker, trip, clock } = setup({ cooldownMs: 10_000 });
    trip();
    const a = breaker.tryAcquire();
    expect(a).toEqual({ admitted: false, state: 'open', retryAt: clock.now() + 10_000 });
  });

  it('goes half-open once the cooldown has passed, stamped at the end of the cooldown', () => {
    const { breaker, trip, clock, transitions } = setup({ cooldownMs: 10_000 });
    trip();
    const openedAt = clock.now();
    clock.advance(9_999);
    expect(breaker.state).toBe('open');
    clock.advance(5_000);
    expect(breaker.state).toBe('half-open');
    expect(transitions.at(-1)).toEqual({ from: 'open', to: 'half-open', at: openedAt + 10_000 });
  });

  it('half-open admits at most success_threshold probes at once', () => {
    const { breaker, trip, clock } = setup({ successThreshold: 2, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const a = breaker.tryAcquire();
    const b = breaker.tryAcquire();
    expect(a.admitted && a.permit.kind).toBe('probe');
    expect(b.admitted && b.permit.kind).toBe('probe');
    expect(breaker.probesInFlight).toBe(2);
    expect(breaker.tryAcquire()).toEqual({ admitted: false, state: 'half-open', retryAt: null });
  });

  it('closes after success_threshold probe successes', () => {
    const { breaker, trip, clock, permit, transitions } = setup({ successThreshold: 2, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const p1 = permit();
    const p2 = permit();
    breaker.success(p1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.probesInFlight).toBe(1);
    breaker.success(p2);
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a successful probe frees its slot for the next probe', () => {
    const { breaker, trip, clock, permit } = setup({ successThreshold: 2, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const p1 = permit();
    permit();
    breaker.success(p1);
    expect(breaker.tryAcquire().admitted).toBe(true);
    expect(breaker.probesInFlight).toBe(2);
  });

  it('one probe failure opens it again and restarts the cooldown', () => {
    const { breaker, trip, clock, permit, transitions } = setup({ successThreshold: 2, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const p1 = permit();
    breaker.failure(p1);
    expect(breaker.state).toBe('open');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'open']);
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('after closing again it needs a fresh run of failures to open', () => {
    const { breaker, trip, clock, permit } = setup({ failureThreshold: 2, successThreshold: 1, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    breaker.success(permit());
    expect(breaker.state).toBe('closed');
    breaker.failure(permit());
    expect(breaker.state).toBe('closed');
  });

  it('ignores outcomes of calls admitted before it opened', () => {
    const { breaker, permit, clock } = setup({ failureThreshold: 2, successThreshold: 1, cooldownMs: 1_000 });
    const slow = [permit(), permit(), permit()];
    breaker.failure(slow[0]!);
    breaker.failure(slow[1]!);
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    // A late success from a call admitted while closed is not a probe: it must not close the breaker.
    expect(breaker.success(slow[2]!)).toBe(false);
    expect(breaker.state).toBe('half-open');
  });

  it('says which outcomes counted, so the scheduler can tell a scope proven', () => {
    const { breaker, permit } = setup({ failureThreshold: 2 });
    const late = permit();
    expect(breaker.success(permit())).toBe(true);
    expect(breaker.failure(permit())).toBe(true);
    expect(breaker.failure(permit())).toBe(true);
    expect(breaker.state).toBe('open');
    expect(breaker.failure(late)).toBe(false);
  });

  it('ignores a late probe of an earlier half-open period', () => {
    const { breaker, trip, clock, permit } = setup({ successThreshold: 2, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const early = permit();
    const failing = permit();
    breaker.failure(failing);
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    breaker.success(early);
    expect(breaker.probesInFlight).toBe(0);
    expect(breaker.state).toBe('half-open');
  });

  it('a released probe frees its slot without deciding anything', () => {
    const { breaker, trip, clock, permit } = setup({ successThreshold: 1, cooldownMs: 1_000 });
    trip();
    clock.advance(1_000);
    const p = permit();
    expect(breaker.tryAcquire().admitted).toBe(false);
    breaker.release(p);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire().admitted).toBe(true);
  });
});
