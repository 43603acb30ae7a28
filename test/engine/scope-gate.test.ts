import { describe, expect, it } from 'vitest';
import type { TripRule } from '../../src/engine/consecutive.js';
import type { BreakerState } from '../../src/engine/results.js';
import { ScopeGate, type Ticket, type Verdict } from '../../src/engine/scope-gate.js';
import type { BreakerSpec } from '../../src/playbook/types.js';
import { FakeClock } from '../support/clock.js';

const SPEC: BreakerSpec = {
  scope: 'site',
  failureThreshold: 3,
  successThreshold: 1,
  cooldownMs: 1_000,
  onOpen: 'skip',
};

function gateOf(spec: Partial<BreakerSpec> = {}, rule?: TripRule) {
  const clock = new FakeClock();
  const transitions: string[] = [];
  const gate = new ScopeGate({
    spec: { ...SPEC, ...spec },
    clock,
    onTransition: (from: BreakerState, to: BreakerState) => transitions.push(`${from}->${to}`),
    ...(rule ? { rule } : {}),
  });
  return { gate, clock, transitions };
}

const ticket = (v: Verdict): Ticket => {
  if (!v.go) throw new Error('not admitted');
  return v.ticket;
};
const none = () => undefined;

describe('ScopeGate', () => {
  it('lets an unproven scope stake only as many hosts as it takes failures to open the breaker', () => {
    const { gate } = gateOf();
    const verdicts = Array.from({ length: 4 }, () => gate.admit(none));
    expect(verdicts.map((v) => v.go)).toEqual([true, true, true, false]);
    expect(verdicts[3]).toEqual({ go: false, skip: false });
  });

  it('lifts the cap once a host of the scope succeeds', () => {
    const { gate } = gateOf();
    const first = ticket(gate.admit(none));
    gate.settle(first, 'success');
    expect(Array.from({ length: 5 }, () => gate.admit(none).go)).toEqual([true, true, true, true, true]);
  });

  it('counts failures already made against the cap', () => {
    const { gate } = gateOf();
    gate.settle(ticket(gate.admit(none)), 'failure');
    gate.settle(ticket(gate.admit(none)), 'failure');
    expect([gate.admit(none).go, gate.admit(none).go]).toEqual([true, false]);
  });

  it('takes the cap from the trip rule, whatever rule it is', () => {
    // A rule that opens on the first failure allows one unproven host at a time.
    let failed = false;
    const rule: TripRule = {
      success: () => undefined,
      failure: () => (failed = true),
      reset: () => (failed = false),
      remaining: () => (failed ? 0 : 1),
    };
    const { gate } = gateOf({ failureThreshold: 5 }, rule);
    expect([gate.admit(none).go, gate.admit(none).go]).toEqual([true, false]);
  });

  it('skips hosts while open when on_open is skip', () => {
    const { gate, transitions } = gateOf({ failureThreshold: 1 });
    gate.settle(ticket(gate.admit(none)), 'failure');
    expect(transitions).toEqual(['closed->open']);
    expect(gate.admit(none)).toEqual({ go: false, skip: true });
  });

  it('wakes a waiting host at the end of the cooldown when on_open is wait, and admits it as a probe', async () => {
    const { gate, clock, transitions } = gateOf({ failureThreshold: 1, onOpen: 'wait' });
    gate.settle(ticket(gate.admit(none)), 'failure');
    let woken = 0;
    expect(gate.admit(() => (woken += 1))).toEqual({ go: false, skip: false });
    gate.admit(() => (woken += 1));
    clock.advance(1_000);
    await Promise.resolve();
    expect(woken).toBe(1);
    expect(ticket(gate.admit(none)).permit.kind).toBe('probe');
    expect(transitions).toEqual(['closed->open', 'open->half-open']);
  });

  it('an interrupted host says nothing about its scope', () => {
    const { gate, transitions } = gateOf({ failureThreshold: 1 });
    gate.settle(ticket(gate.admit(none)), 'interrupted');
    expect(transitions).toEqual([]);
    expect(gate.admit(none).go).toBe(true);
  });

  it('stops a pending wake-up when nobody waits any more', async () => {
    const { gate, clock } = gateOf({ failureThreshold: 1, onOpen: 'wait' });
    gate.settle(ticket(gate.admit(none)), 'failure');
    let woken = 0;
    gate.admit(() => (woken += 1));
    gate.stopWaking();
    clock.advance(5_000);
    await Promise.resolve();
    expect([woken, clock.pending()]).toEqual([0, 0]);
  });
});
