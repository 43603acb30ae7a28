import nunjucks from 'nunjucks';
import type { Clock } from '../../src/engine/clock.js';
import type { Renderer } from '../../src/actions/action.js';
import type { Plan, PlannedHost, PlannedPlay } from '../../src/engine/plan-model.js';
import type { BreakerSpec, PlaySpec, TaskAction, TaskSpec } from '../../src/playbook/types.js';
import {
  TransportError,
  type ConnectOptions,
  type ExecResult,
  type Session,
  type Transport,
  type TransportFailure,
} from '../../src/transport/transport.js';
import type { Connection } from '../../src/inventory/connection.js';

/** Hand-made plans and an in-memory transport for engine tests: no sockets, time from a FakeClock. */

const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false });

export const renderer: Renderer = {
  text: (_task, _keys, text, vars) => env.renderString(text, vars),
  // Tests name the template body inline: `src` is the template text itself.
  file: (_task, _keys, src, vars) => env.renderString(src, vars),
  test: (expr, vars) => env.renderString(`{% if ${expr} %}1{% endif %}`, vars) === '1',
  value: (v, vars) => (typeof v === 'string' ? env.renderString(v, vars) : v),
};

const loc = { file: 'test.yml', line: 1, col: 1 };

export function task(name: string, action: TaskAction | string, extra: Partial<TaskSpec> = {}): TaskSpec {
  const a: TaskAction = typeof action === 'string' ? { kind: 'command', command: action } : action;
  return {
    name,
    action: a,
    retries: 0,
    retryDelayMs: 0,
    ignoreErrors: false,
    checkMode: 'skip',
    loc,
    locs: {},
    ...extra,
  };
}

export interface PlayInput {
  name?: string;
  hosts: (string | { name: string; vars?: Record<string, unknown> })[];
  tasks?: TaskSpec[];
  rescue?: TaskSpec[];
  batches?: string[][];
  forks?: number;
  connectTimeoutMs?: number;
  connectRate?: number | null;
  maxFailures?: number | null;
  maxFailPercentage?: number | null;
  breaker?: Partial<BreakerSpec> | null;
  index?: number;
}

export function play(input: PlayInput): PlannedPlay {
  const hosts = input.hosts.map((h) =>
    typeof h === 'string' ? { name: h, vars: {} } : { name: h.name, vars: h.vars ?? {} },
  );
  const tasks = input.tasks ?? [task('Read version', 'show version')];
  const rescue = input.rescue ?? [];
  const breaker: BreakerSpec | null = input.breaker
    ? { scope: 'play', failureThreshold: 3, successThreshold: 1, cooldownMs: 30_000, onOpen: 'skip', ...input.breaker }
    : null;
  const spec: PlaySpec = {
    name: input.name ?? 'Test play',
    hosts: 'all',
    vars: {},
    forks: input.forks ?? 5,
    connectRate: input.connectRate ?? null,
    connectTimeoutMs: input.connectTimeoutMs ?? 2_000,
    serial: null,
    maxFailPercentage: input.maxFailPercentage ?? null,
    maxFailures: input.maxFailures ?? null,
    breaker,
    tasks,
    rescue,
    dir: '/tmp',
    loc,
    locs: {},
  };
  const planned = new Map<string, PlannedHost>();
  for (const h of hosts) {
    const connection: Connection = {
      transport: 'ssh',
      host: h.name,
      port: 22,
      user: 'netops',
      knownHosts: '/dev/null',
      hostKeyChecking: 'off',
    };
    planned.set(h.name, {
      name: h.name,
      vars: { inventory_hostname: h.name, ...h.vars },
      connection,
      tasks: tasks.map((spec, index) => ({ index, spec, preview: {} })),
      rescue: rescue.map((spec, index) => ({ index, spec, preview: {} })),
    });
  }
  return {
    index: input.index ?? 0,
    name: spec.name,
    spec,
    batches: input.batches ?? [hosts.map((h) => h.name)],
    hosts: planned,
    renderer,
  };
}

export function planOf(...plays: PlannedPlay[]): Plan {
  return { playbook: '/tmp/site.yml', plays: plays.map((p, index) => ({ ...p, index })) };
}

/** What a fake device does. Anything left out behaves like a healthy router. */
export interface Device {
  /** How connecting ends: a TransportError reason, `hang` (until the connect timeout), or ok. */
  connect?: TransportFailure | 'hang' | 'ok';
  connectMs?: number;
  /** Answers each command; `hang` never answers (until the task timeout), `drop` loses the link. */
  exec?: (command: string, n: number) => ExecResult | 'hang' | 'drop';
  execMs?: number;
  files?: Map<string, Buffer>;
  /** Permission bits by path; a file without an entry has 0644, as a fresh upload under umask 022 would. */
  modes?: Map<string, number>;
}

export class FakeTransport implements Transport {
  readonly connects: string[] = [];
  readonly execs: { host: string; command: string }[] = [];
  readonly writes: { host: string; path: string; mode?: string }[] = [];
  readonly chmods: { host: string; path: string; mode: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly files = new Map<string, Map<string, Buffer>>();
  private readonly modes = new Map<string, Map<string, number>>();

  constructor(
    private readonly clock: Clock,
    private readonly device: (host: string) => Device = () => ({}),
  ) {}

  filesOf(host: string): Map<string, Buffer> {
    let f = this.files.get(host);
    if (!f) {
      f = this.device(host).files ?? new Map();
      this.files.set(host, f);
    }
    return f;
  }

  modesOf(host: string): Map<string, number> {
    let m = this.modes.get(host);
    if (!m) {
      m = this.device(host).modes ?? new Map();
      this.modes.set(host, m);
    }
    return m;
  }

  async connect(target: Connection, opts: ConnectOptions): Promise<Session> {
    const host = target.host;
    const d = this.device(host);
    // The connect rate's turn comes right before the wire, as in the SSH transport.
    await opts.connectSlot?.();
    this.connects.push(host);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let open = true;
    const done = () => {
      if (open) this.inFlight -= 1;
      open = false;
    };
    try {
      if (d.connect === 'hang') {
        await this.clock.sleep(opts.timeoutMs, opts.signal);
        throw new TransportError('timeout', `connect to ${host} timed out after ${opts.timeoutMs} ms`);
      }
      await this.clock.sleep(d.connectMs ?? 10, opts.signal);
      if (d.connect && d.connect !== 'ok') throw new TransportError(d.connect, `${d.connect} connecting to ${host}`);
    } catch (err) {
      done();
      throw err;
    }
    let n = 0;
    let dropped = false;
    const session: Session = {
      exec: async (command, o) => {
        if (dropped) throw new TransportError('dropped', 'connection lost');
        this.execs.push({ host, command });
        const answer = d.exec ? d.exec(command, n++) : { rc: 0, stdout: `${host}: ${command}`, stderr: '' };
        if (answer === 'hang') {
          await this.clock.sleep(o?.timeoutMs ?? 1e9, o?.signal);
          throw new TransportError('timeout', `no answer within ${o?.timeoutMs} ms`);
        }
        await this.clock.sleep(d.execMs ?? 5, o?.signal);
        if (answer === 'drop') {
          dropped = true;
          throw new TransportError('dropped', 'connection lost');
        }
        return answer;
      },
      readFile: async (path) => this.filesOf(host).get(path) ?? null,
      writeFile: async (path, data, o) => {
        this.writes.push({ host, path, ...(o?.mode ? { mode: o.mode } : {}) });
        this.filesOf(host).set(path, Buffer.from(data));
        if (o?.mode) this.modesOf(host).set(path, parseInt(o.mode, 8));
      },
      stat: async (path) => {
        const data = this.filesOf(host).get(path);
        return data === undefined ? null : { mode: this.modesOf(host).get(path) ?? 0o644, size: data.length };
      },
      chmod: async (path, mode) => {
        if (!this.filesOf(host).has(path)) throw new Error(`cannot chmod ${path}: no such file or directory`);
        this.chmods.push({ host, path, mode });
        this.modesOf(host).set(path, parseInt(mode, 8));
      },
      close: async () => done(),
    };
    return session;
  }
}
