import type { Transport } from '../transport/transport.js';
import { systemClock, type Clock } from './clock.js';
import type { EventBus } from './events.js';
import { HostFacts } from './host-facts.js';

/**
 * A task without `timeout` still gets one: a device that accepts a command and then never answers must not
 * hold a fork slot (and its batch) forever.
 */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;

/** How a run is asked for. Everything but the transport and the bus has a default. */
export interface RunContextOptions {
  transport: Transport;
  bus: EventBus;
  check?: boolean;
  diff?: boolean;
  /** Overrides every play's forks (--forks). */
  forks?: number;
  /** Graceful stop: start no new host, in-flight hosts finish; halted = {reason: 'interrupted'}. */
  signal?: AbortSignal;
  /** Hard stop: end in-flight hosts now (recorded failed, reason 'interrupted'). */
  abortSignal?: AbortSignal;
  clock?: Clock;
  /** Where `*_env` connection variables and secrets are looked up; default the process environment. */
  env?: NodeJS.ProcessEnv;
  /** A task without `timeout` gets this one (default 5 minutes). */
  defaultTaskTimeoutMs?: number;
  /** `--force-handlers`: a failed host still runs the handlers it was notified for. */
  forceHandlers?: boolean;
}

/**
 * What every part of a run shares: how to reach hosts, where to report, the time, the run's mode and its
 * stops. Built once per run with the defaults applied, then handed down as it is.
 */
export interface RunContext {
  readonly transport: Transport;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly check: boolean;
  readonly diff: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly forks: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly abortSignal: AbortSignal | undefined;
  readonly defaultTaskTimeoutMs: number;
  readonly forceHandlers: boolean;
  /** Facts gathered so far, by host: they outlive the play that gathered them, as Ansible's fact cache does. */
  readonly hostFacts?: HostFacts;
}

export function runContext(opts: RunContextOptions): RunContext {
  return {
    transport: opts.transport,
    bus: opts.bus,
    clock: opts.clock ?? systemClock,
    check: opts.check ?? false,
    diff: opts.diff ?? false,
    env: opts.env ?? process.env,
    forks: opts.forks,
    signal: opts.signal,
    abortSignal: opts.abortSignal,
    // Zero means "not given", as it always has: a task must never time out at once.
    defaultTaskTimeoutMs: opts.defaultTaskTimeoutMs || DEFAULT_TASK_TIMEOUT_MS,
    forceHandlers: opts.forceHandlers ?? false,
    hostFacts: new HostFacts(),
  };
}
