import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { memoryIo } from '../support/io.js';
import { createProgress } from '../../src/report/progress.js';
import type { RunEvent } from '../../src/engine/events.js';
import type { HostResult } from '../../src/engine/results.js';
import { fixtureEvents } from '../fixtures/report/events.js';
import { ROOT } from '../support/cli.js';

afterEach(() => {
  vi.useRealTimers();
});

const CLEAR_LINE_ABOVE = '\x1b[1A\x1b[2K';

describe('progress off a TTY', () => {
  it('prints one plain line per host outcome, breaker transition and halt, in event order', () => {
    const io = memoryIo({ isTTY: false });
    const p = createProgress(io);
    fixtureEvents().forEach(p.listener);
    p.stop();
    const lines = io.stdout().trimEnd().split('\n');
    // One extra line: the end of the failed command's stderr, under its host.
    expect(lines).toHaveLength(12 + 3 + 1 + 1);
    expect(lines).toContain(
      '[ 3/12] fra-r1  unreachable  timeout: connect to 127.0.0.1:40112 timed out after 1.0s (1.0s)',
    );
    expect(lines).toContain('[ 4/12] fra-r2  unreachable  timeout (as fra-r1) (1.0s)');
    expect(lines[lines.findIndex((l) => l.includes('ams-r3')) + 1]).toBe(
      '    stderr | % ntp: service is locked by another session',
    );
    expect(lines).toContain('[ 5/12] fra-r3  skipped      breaker_open');
    expect(lines).toContain('[12/12] par-r4  skipped      halted');
    expect(lines.filter((l) => l.startsWith('breaker '))).toEqual([
      'breaker site=fra: closed → open',
      'breaker site=fra: open → half-open',
      'breaker site=fra: half-open → closed',
    ]);
    expect(lines.indexOf('breaker site=fra: closed → open')).toBe(lines.findIndex((l) => l.includes('fra-r2')) + 1);
    expect(lines).toContain('halted: max_failures in batch 2');
    expect(io.stdout()).not.toContain('\x1b[');
  });

  it('says "would change" for a changed host of a --check run, and keeps the columns aligned', () => {
    const io = memoryIo({ isTTY: false });
    const p = createProgress(io);
    const ends = fixtureEvents().filter((e) => e.type === 'host_end');
    const changed = ends.find((e) => e.result.status === 'changed')!;
    const failed = ends.find((e) => e.result.status === 'failed')!;
    p.listener({
      type: 'run_start',
      at: '2026-11-26T18:48:12.000Z',
      run_id: 'r',
      playbook: 'p',
      check: true,
      resumed_from: null,
      hosts: 2,
      targets: [changed.result.name, failed.result.name],
    });
    p.listener(changed);
    p.listener(failed);
    const [first, second] = io.stdout().trimEnd().split('\n');
    expect(first).toMatch(new RegExp(`^\\[1/2\\] ${changed.result.name}  would change  \\(`));
    expect(second).toMatch(new RegExp(`^\\[2/2\\] ${failed.result.name}  failed {8}command`));
  });

  it('ends at its total when a later play drops a host that failed in an earlier one', () => {
    const io = memoryIo({ isTTY: false });
    const p = createProgress(io);
    const at = '2026-11-26T18:48:12.000Z';
    const end = (play: string, name: string, status: HostResult['status']): RunEvent => ({
      type: 'host_end',
      at,
      result: {
        name,
        play,
        batch: 1,
        started: at,
        status,
        reason: status === 'failed' ? 'command' : null,
        duration_ms: 100,
        tasks: [],
        error: status === 'failed' ? 'exit status 1' : null,
      },
    });
    const hosts = ['r1', 'r2', 'r3'];
    p.listener({
      type: 'run_start',
      at,
      run_id: 'r',
      playbook: 'p',
      check: false,
      resumed_from: null,
      hosts: 6,
      targets: [...hosts, ...hosts],
      play_targets: [3, 3],
    });
    p.listener({ type: 'play_start', at, play: 'First', index: 0, hosts, batches: [hosts] });
    p.listener(end('First', 'r1', 'ok'));
    p.listener(end('First', 'r2', 'failed'));
    p.listener(end('First', 'r3', 'ok'));
    p.listener({ type: 'play_start', at, play: 'Second', index: 1, hosts: ['r1', 'r3'], batches: [['r1', 'r3']] });
    p.listener(end('Second', 'r1', 'ok'));
    p.listener(end('Second', 'r3', 'ok'));
    const counters = io
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => l.split(' ', 1)[0]);
    expect(counters).toEqual(['[1/6]', '[2/6]', '[3/6]', '[4/5]', '[5/5]']);
  });

  it('pads the counter to the width of the total', () => {
    const io = memoryIo();
    const p = createProgress(io);
    const result = fixtureEvents().filter((e) => e.type === 'host_end')[1]!;
    p.listener({
      type: 'run_start',
      at: '2026-11-26T18:48:12.000Z',
      run_id: 'r',
      playbook: 'p',
      check: false,
      resumed_from: null,
      hosts: 100,
    });
    for (let i = 0; i < 12; i++) p.listener(result);
    expect(io.stdout().trimEnd().split('\n').at(-1)).toMatch(/^\[ 12\/100\] ams-r1  changed +\(412ms\)$/);
  });
});

describe('progress on a TTY', () => {
  function run(env: NodeJS.ProcessEnv = {}) {
    vi.useFakeTimers({ now: new Date('2026-11-26T18:48:12.000Z') });
    const io = memoryIo({ isTTY: true, env });
    const p = createProgress(io, { intervalMs: 100 });
    return { io, p };
  }

  it('redraws one status area with batch, hosts, failures, skips, open breakers and elapsed time', () => {
    const { io, p } = run();
    const events = fixtureEvents();
    const upToOpen = events.findIndex((e) => e.type === 'breaker') + 1;
    events.slice(0, upToOpen).forEach(p.listener);
    vi.advanceTimersByTime(1100);
    const out = io.stdout();
    const lastArea = out.slice(out.lastIndexOf(CLEAR_LINE_ABOVE) + CLEAR_LINE_ABOVE.length);
    const bottom =
      'batch 1/3  hosts 4/12  failed 0  \x1b[35munreachable 2\x1b[0m  skipped 0  1s\n' +
      '\x1b[31mopen breakers: site=fra\x1b[0m\n';
    expect(lastArea.endsWith(bottom)).toBe(true);
    p.stop();
  });

  it('prints failures and breaker transitions above the area, and never prints ok hosts line by line', () => {
    const { io, p } = run({});
    fixtureEvents().forEach(p.listener);
    p.stop();
    const out = io.stdout();
    expect(out).toContain('breaker site=fra: closed → open');
    expect(out).toContain('fra-r1');
    expect(out).not.toMatch(/\] par-r1 /);
  });

  it('redraws at most once per interval however many events arrive', () => {
    const { io, p } = run();
    const events = fixtureEvents().filter(
      (e) =>
        e.type !== 'breaker' &&
        e.type !== 'halt' &&
        !(e.type === 'host_end' && !['ok', 'changed'].includes(e.result.status)),
    );
    events.forEach(p.listener);
    const before = io.stdout().split('hosts ').length - 1;
    expect(before).toBe(0);
    vi.advanceTimersByTime(1000);
    const redraws = io.stdout().split('hosts ').length - 1 - before;
    expect(redraws).toBeGreaterThanOrEqual(1);
    // Ten ticks in a second, but only a tick with something new redraws: the counts once, the elapsed second once.
    expect(redraws).toBeLessThanOrEqual(2);
    p.stop();
  });

  it('redraws about ten times a second while hosts end every 10ms', () => {
    const { io, p } = run();
    const events = fixtureEvents();
    p.listener(events[0]!);
    const ok = events.find((e) => e.type === 'host_end' && e.result.status === 'ok')!;
    for (let i = 0; i < 100; i++) {
      p.listener(ok);
      vi.advanceTimersByTime(10);
    }
    const redraws = io.stdout().split('hosts ').length - 1;
    expect(redraws).toBeGreaterThanOrEqual(5);
    expect(redraws).toBeLessThanOrEqual(11);
    expect(io.stdout()).toContain('hosts 100/12');
    p.stop();
  });

  it('clears the status area on stop and redraws nothing after', () => {
    const { io, p } = run();
    vi.advanceTimersByTime(500);
    expect(io.stdout()).toBe('');
    const start: RunEvent = fixtureEvents()[0]!;
    p.listener(start);
    vi.advanceTimersByTime(150);
    expect(io.stdout()).toContain('hosts 0/12');
    p.stop();
    expect(io.stdout().endsWith(CLEAR_LINE_ABOVE)).toBe(true);
    const length = io.stdout().length;
    vi.advanceTimersByTime(1000);
    expect(io.stdout().length).toBe(length);
  });

  it('honours NO_COLOR', () => {
    const { io, p } = run({ NO_COLOR: '1' });
    fixtureEvents().forEach(p.listener);
    vi.advanceTimersByTime(200);
    p.stop();
    expect(io.stdout().replaceAll(CLEAR_LINE_ABOVE, '')).not.toContain('\x1b[');
    expect(io.stdout()).toContain('open breakers: site=fra');
  });

  it('does not keep a process alive once the run is over', () => {
    // A process that forgets stop() must still exit: the redraw timer is unref'd.
    const script = `
      import { createProgress } from './src/report/progress.ts';
      import { memoryIo } from './test/support/io.ts';
      createProgress(memoryIo({ isTTY: true }), { intervalMs: 50 });
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});
