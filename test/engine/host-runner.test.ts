import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/clock.js';
import { EventBus, type RunEvent } from '../../src/engine/events.js';
import { runContext } from '../../src/engine/context.js';
import { runHost } from '../../src/engine/host-runner.js';
import type { HostResult } from '../../src/engine/results.js';
import { FakeTransport, play, task, type Device, type PlayInput } from './fake-fleet.js';

async function run(
  input: Partial<PlayInput>,
  device: Device = {},
  opts: { check?: boolean; diff?: boolean; env?: NodeJS.ProcessEnv; vars?: Record<string, unknown> } = {},
) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock, () => device);
  const p = play({ hosts: [{ name: 'r1', vars: opts.vars ?? {} }], ...input });
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const result: HostResult = await clock.drive(
    runHost(
      runContext({ transport, bus, clock, check: opts.check ?? false, diff: opts.diff ?? false, env: opts.env ?? {} }),
      { play: p, host: p.hosts.get('r1')!, batch: 1 },
    ),
  );
  return { result, transport, events, clock };
}

const ok = (stdout = '') => ({ rc: 0, stdout, stderr: '' });

describe('host runner', () => {
  it('runs tasks in order over one session; a command is changed by default', async () => {
    const { result, transport } = await run({ tasks: [task('a', 'echo a'), task('b', 'echo b')] });
    expect(transport.connects).toEqual(['r1']);
    expect(transport.execs.map((e) => e.command)).toEqual(['echo a', 'echo b']);
    expect(result.status).toBe('changed');
    expect(result.tasks.map((t) => [t.name, t.status, t.attempts])).toEqual([
      ['a', 'changed', 1],
      ['b', 'changed', 1],
    ]);
  });

  it('changed_when false makes a read-only command ok', async () => {
    const { result } = await run({ tasks: [task('v', 'show version', { changedWhen: ['false'] })] });
    expect(result.status).toBe('ok');
    expect(result.tasks[0]).toMatchObject({ status: 'ok', changed: false, rc: 0 });
  });

  it('a non-zero exit fails the host with reason command and stops its tasks', async () => {
    const device: Device = { exec: (c) => (c === 'bad' ? { rc: 3, stdout: '', stderr: 'nope' } : ok()) };
    const { result, transport } = await run({ tasks: [task('a', 'bad'), task('b', 'never')] }, device);
    expect(result).toMatchObject({ status: 'failed', reason: 'command' });
    expect(result.tasks[0]).toMatchObject({ rc: 3, stderr: 'nope', error: 'exit status 3', reason: 'command' });
    expect(transport.execs.map((e) => e.command)).toEqual(['bad']);
  });

  it('when skips a task and register records it for later tasks', async () => {
    const device: Device = { exec: (c) => (c === 'show version' ? ok('v17') : ok()) };
    const { result, transport } = await run(
      {
        tasks: [
          task('ver', 'show version', { register: 'ver', changedWhen: ['false'] }),
          task('upgrade', 'upgrade', { when: ["ver.stdout == 'v16'"] }),
          task('echo', 'echo {{ ver.stdout }} {{ ver.rc }}', { when: ["ver.stdout == 'v17'", 'not ver.failed'] }),
        ],
      },
      device,
    );
    expect(result.tasks.map((t) => t.status)).toEqual(['ok', 'skipped', 'changed']);
    expect(transport.execs.map((e) => e.command)).toEqual(['show version', 'echo v17 0']);
  });

  it('failed_when overrides the exit status, reading the registered result', async () => {
    const device: Device = { exec: () => ok('peers: none') };
    const { result } = await run(
      { tasks: [task('sync', 'ntpq -p', { register: 'peers', failedWhen: ["'*' not in peers.stdout"] })] },
      device,
    );
    expect(result).toMatchObject({ status: 'failed', reason: 'command' });
    expect(result.tasks[0]!.error).toBe('failed_when matched');
  });

  it('failed_when false accepts a non-zero exit', async () => {
    const device: Device = { exec: () => ({ rc: 1, stdout: '', stderr: '' }) };
    const { result } = await run({ tasks: [task('grep', 'grep x', { failedWhen: ['false'] })] }, device);
    expect(result.status).toBe('changed');
  });

  it('retries a failed attempt up to retries more times, waiting retry_delay between', async () => {
    const device: Device = { exec: (_c, n) => (n < 2 ? { rc: 1, stdout: '', stderr: 'busy' } : ok()) };
    const { result, clock } = await run({ tasks: [task('t', 'commit', { retries: 3, retryDelayMs: 2_000 })] }, device);
    const start = Date.parse(result.started!);
    expect(result.tasks[0]).toMatchObject({ status: 'changed', attempts: 3 });
    expect(clock.now() - start).toBeGreaterThanOrEqual(4_000);
  });

  it('gives up after the last retry, counting every attempt', async () => {
    const device: Device = { exec: () => ({ rc: 1, stdout: '', stderr: '' }) };
    const { result, transport } = await run({ tasks: [task('t', 'commit', { retries: 2 })] }, device);
    expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(transport.execs).toHaveLength(3);
  });

  it('a task that never answers fails with reason timeout at its timeout', async () => {
    const device: Device = { exec: () => 'hang' };
    const { result, clock } = await run({ tasks: [task('t', 'show tech', { timeoutMs: 3_000 })] }, device);
    expect(result).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(clock.now() - Date.parse(result.started!)).toBeLessThan(10_000);
  });

  it('a task without timeout still ends at the default of five minutes', async () => {
    const device: Device = { exec: () => 'hang' };
    const { result, clock } = await run({ tasks: [task('t', 'show tech')] }, device);
    expect(result).toMatchObject({ status: 'failed', reason: 'timeout' });
    const took = clock.now() - Date.parse(result.started!);
    expect(took).toBeGreaterThanOrEqual(300_000);
    expect(took).toBeLessThan(310_000);
  });

  it('ignore_errors records the failure and carries on', async () => {
    const device: Device = { exec: (c) => (c === 'bad' ? { rc: 1, stdout: '', stderr: '' } : ok()) };
    const { result } = await run({ tasks: [task('a', 'bad', { ignoreErrors: true }), task('b', 'good')] }, device);
    expect(result.status).toBe('changed');
    expect(result.tasks[0]).toMatchObject({ status: 'failed', ignored: true });
  });

  it('assert passes when every expression holds, else fails with its msg', async () => {
    const good = await run(
      { tasks: [task('a', { kind: 'assert', that: ['x > 1', 'x < 5'] })] },
      {},
      { vars: { x: 3 } },
    );
    expect(good.result.status).toBe('ok');
    const bad = await run(
      { tasks: [task('a', { kind: 'assert', that: ['x > 1', 'x > 5'], msg: 'x too small' })] },
      {},
      { vars: { x: 3 } },
    );
    expect(bad.result).toMatchObject({ status: 'failed', reason: 'assert' });
    expect(bad.result.tasks[0]!.error).toBe('x too small');
  });

  it('an expression that cannot be evaluated fails the task with reason expression', async () => {
    const { result } = await run({ tasks: [task('a', 'echo', { when: ['nosuch()'] })] });
    expect(result).toMatchObject({ status: 'failed', reason: 'expression' });
  });

  it('rescue runs on the same session after a failure; the host still fails', async () => {
    const device: Device = { exec: (c) => (c === 'push' ? { rc: 1, stdout: '', stderr: '' } : ok()) };
    const { result, transport } = await run(
      { tasks: [task('push', 'push'), task('after', 'after')], rescue: [task('restore', 'restore')] },
      device,
    );
    expect(result).toMatchObject({ status: 'failed', reason: 'command' });
    expect(transport.connects).toHaveLength(1);
    expect(transport.execs.map((e) => e.command)).toEqual(['push', 'restore']);
    expect(result.tasks.map((t) => [t.name, t.rescue ?? false])).toEqual([
      ['push', false],
      ['restore', true],
    ]);
  });

  it('a template is uploaded only when the remote content differs, honouring mode', async () => {
    const files = new Map([['/etc/ntp.conf', Buffer.from('server a\n')]]);
    const t = task('ntp', { kind: 'template', src: 'server {{ ntp }}\n', dest: '/etc/ntp.conf', mode: '0644' });
    const same = await run({ tasks: [t] }, { files: new Map(files) }, { vars: { ntp: 'a' } });
    expect(same.result.status).toBe('ok');
    expect(same.transport.writes).toEqual([]);
    const diff = await run({ tasks: [t] }, { files: new Map(files) }, { vars: { ntp: 'b' }, diff: true });
    expect(diff.result.status).toBe('changed');
    expect(diff.transport.writes).toEqual([{ host: 'r1', path: '/etc/ntp.conf', mode: '0644' }]);
    expect(diff.transport.filesOf('r1').get('/etc/ntp.conf')!.toString()).toBe('server b\n');
    expect(diff.result.tasks[0]!.diff).toContain('-server a\n+server b');
  });

  it('a template whose content is right but mode is not gets a chmod, not an upload, and is changed', async () => {
    const device = () => ({
      files: new Map([['/etc/ntp.conf', Buffer.from('server a\n')]]),
      modes: new Map([['/etc/ntp.conf', 0o600]]),
    });
    const t = task('ntp', { kind: 'template', src: 'server a\n', dest: '/etc/ntp.conf', mode: '0644' });

    const fixed = await run({ tasks: [t] }, device(), { diff: true });
    expect(fixed.result.status).toBe('changed');
    expect(fixed.result.tasks[0]).toMatchObject({ status: 'changed', changed: true });
    expect(fixed.transport.writes).toEqual([]);
    expect(fixed.transport.chmods).toEqual([{ host: 'r1', path: '/etc/ntp.conf', mode: '0644' }]);
    expect(fixed.transport.modesOf('r1').get('/etc/ntp.conf')).toBe(0o644);
    const diff = fixed.result.tasks[0]!.diff!;
    expect(diff).toContain('mode 0600 → 0644\n--- /etc/ntp.conf');
    expect(diff.split('\n').filter((l) => /^[-+ @]/.test(l) && !/^(---|\+\+\+) /.test(l))).toEqual([]);

    const checked = await run({ tasks: [t] }, device(), { check: true });
    expect(checked.result.tasks[0]).toMatchObject({ status: 'changed', changed: true });
    expect(checked.result.tasks[0]!.diff).toContain('mode 0600 → 0644');
    expect(checked.transport.chmods).toEqual([]);
    expect(checked.transport.modesOf('r1').get('/etc/ntp.conf')).toBe(0o600);

    const right = await run(
      { tasks: [t] },
      { files: new Map([['/etc/ntp.conf', Buffer.from('server a\n')]]), modes: new Map([['/etc/ntp.conf', 0o644]]) },
    );
    expect(right.result.status).toBe('ok');
    expect(right.transport.chmods).toEqual([]);
    // Without a mode the file's permissions are none of the task's business.
    const unmoded = await run(
      { tasks: [task('ntp', { kind: 'template', src: 'server a\n', dest: '/etc/ntp.conf' })] },
      device(),
    );
    expect(unmoded.result.status).toBe('ok');
    expect(unmoded.transport.chmods).toEqual([]);
  });

  it('check mode connects but changes nothing: commands would run, templates show their diff', async () => {
    const files = new Map([['/etc/ntp.conf', Buffer.from('server a\n')]]);
    const tasks = [
      task('ver', 'show version', { checkMode: 'run', changedWhen: ['false'] }),
      task('ntp', { kind: 'template', src: 'server b\n', dest: '/etc/ntp.conf' }),
      task('restart', 'service ntp restart'),
    ];
    const { result, transport } = await run({ tasks }, { files }, { check: true });
    expect(transport.connects).toEqual(['r1']);
    expect(transport.execs.map((e) => e.command)).toEqual(['show version']);
    expect(transport.writes).toEqual([]);
    expect(result.tasks.map((t) => t.status)).toEqual(['ok', 'changed', 'skipped']);
    expect(result.tasks[2]!.would_run).toBe(true);
    expect(result.tasks[1]!.diff).toContain('+server b');
    expect(result.status).toBe('changed');
  });

  it('an unreachable device is a result with the transport reason, never a throw', async () => {
    for (const reason of ['refused', 'auth', 'host_key', 'dns'] as const) {
      const { result } = await run({}, { connect: reason });
      expect(result).toMatchObject({ status: 'unreachable', reason, tasks: [] });
    }
    const hung = await run({ connectTimeoutMs: 2_000 }, { connect: 'hang' });
    expect(hung.result).toMatchObject({ status: 'unreachable', reason: 'timeout' });
  });

  it('a link dropped before any task completed is unreachable; after one, failed', async () => {
    const early = await run({ tasks: [task('a', 'a'), task('b', 'b')] }, { exec: () => 'drop' });
    expect(early.result).toMatchObject({ status: 'unreachable', reason: 'dropped' });
    const late = await run(
      { tasks: [task('a', 'a'), task('b', 'b')], rescue: [task('r', 'r')] },
      { exec: (_c, n) => (n === 0 ? ok() : 'drop') },
    );
    expect(late.result).toMatchObject({ status: 'failed', reason: 'dropped' });
    expect(late.result.tasks.some((t) => t.rescue)).toBe(false);
  });

  it('fail fails the host with its message rendered, under --check too, and opens no channel', async () => {
    const { result, transport } = await run(
      { tasks: [task('stop', { kind: 'fail', msg: 'not on {{ inventory_hostname }}' })] },
      {},
      { check: true },
    );
    expect(result).toMatchObject({ status: 'failed', reason: 'fail', error: 'stop: not on r1' });
    expect(transport.execs).toEqual([]);
  });

  it('redacts secrets from recorded output and errors', async () => {
    const device: Device = { exec: () => ({ rc: 1, stdout: 'key=hunter2-secret', stderr: 'pw s3cr3t-pass' }) };
    const { result } = await run({ tasks: [task('a', 'login')] }, device, {
      vars: { api_token: 'hunter2-secret', password_env: 'DEVICE_PW' },
      env: { DEVICE_PW: 's3cr3t-pass' },
    });
    expect(result.tasks[0]!.stdout).toBe('key=[redacted]');
    expect(result.tasks[0]!.stderr).toBe('pw [redacted]');
  });

  it('emits task_start and task_end for every task, rescue included', async () => {
    const device: Device = { exec: (c) => (c === 'push' ? { rc: 1, stdout: '', stderr: '' } : ok()) };
    const { events } = await run({ tasks: [task('push', 'push')], rescue: [task('restore', 'restore')] }, device);
    expect(
      events.map((e) =>
        e.type === 'task_start'
          ? `start ${e.task}${e.rescue ? ' (rescue)' : ''}`
          : e.type === 'task_end'
            ? `end ${e.result.name}`
            : e.type,
      ),
    ).toEqual(['start push', 'end push', 'start restore (rescue)', 'end restore']);
  });

  it('a hard stop ends the host now with reason interrupted', async () => {
    const clock = new FakeClock();
    const transport = new FakeTransport(clock, () => ({ exec: () => 'hang' }));
    const p = play({ hosts: ['r1'], tasks: [task('t', 'show tech', { timeoutMs: 60_000 })] });
    const ctl = new AbortController();
    const pending = runHost(runContext({ transport, bus: new EventBus(), clock, env: {}, abortSignal: ctl.signal }), {
      play: p,
      host: p.hosts.get('r1')!,
      batch: 1,
    });
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    ctl.abort();
    const result = await pending;
    expect(result).toMatchObject({ status: 'failed', reason: 'interrupted' });
    expect(transport.inFlight).toBe(0);
  });
});
