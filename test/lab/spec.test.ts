import { describe, expect, it } from 'vitest';
import { abortableDelay, runCommandLine, splitCommandLine, type ShellState } from '../../src/lab/commands.js';
import { FaultTable, parseFaultSpec, seededRandom, deviceSeed, targetMatches } from '../../src/lab/faults.js';
import { MemoryFs } from '../../src/lab/filesystem.js';
import { hostName, siteOf } from '../../src/lab/lab.js';

describe('fault specs', () => {
  it('parses every kind as written on the command line', () => {
    expect(parseFaultSpec('site2:hang')).toEqual({ target: 'site2', kind: 'hang' });
    expect(parseFaultSpec('r047:fail')).toEqual({ target: 'r047', kind: 'fail' });
    expect(parseFaultSpec('r0*:slow:2s')).toEqual({ target: 'r0*', kind: 'slow', delayMs: 2000 });
    expect(parseFaultSpec('r001:slow:500ms')).toEqual({ target: 'r001', kind: 'slow', delayMs: 500 });
    expect(parseFaultSpec('*:flaky:0.1')).toEqual({ target: '*', kind: 'flaky', probability: 0.1 });
    for (const kind of ['refuse', 'auth', 'drop', 'stall']) expect(parseFaultSpec(`r001:${kind}`).kind).toBe(kind);
  });

  it.each([
    ['r001', /expected TARGET:KIND/],
    [':hang', /target must be/],
    ['r001:boom', /unknown kind "boom"/],
    ['r001:slow', /slow needs a duration/],
    ['r001:slow:quick', /"quick" is not a duration/],
    ['r001:flaky', /flaky needs a probability/],
    ['r001:flaky:1.5', /not a probability/],
    ['r001:flaky:', /not a probability/],
    ['r001:hang:5s', /hang takes no argument/],
    ['r 001:hang', /target must be/],
  ])('rejects %s with a one-line message', (spec, why) => {
    expect(() => parseFaultSpec(spec)).toThrow(why);
    try {
      parseFaultSpec(spec);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toContain(`bad fault "${spec}"`);
    }
  });

  it('matches a target by host, by site or by glob over either', () => {
    expect(targetMatches('r047', 'r047', 'site2')).toBe(true);
    expect(targetMatches('site2', 'r047', 'site2')).toBe(true);
    expect(targetMatches('site2', 'r047', 'site20')).toBe(false);
    expect(targetMatches('r0*', 'r047', 'site1')).toBe(true);
    expect(targetMatches('r0*', 'r147', 'site1')).toBe(false);
    expect(targetMatches('site?', 'r147', 'site3')).toBe(true);
    expect(targetMatches('r04.', 'r047', 'site1')).toBe(false);
    expect(targetMatches('*', 'r999', 'site9')).toBe(true);
  });

  it('resolves every matching spec, replaces a re-set one and clears by target or by target and kind', () => {
    const t = new FaultTable();
    t.set(parseFaultSpec('site1:slow:1s'));
    t.set(parseFaultSpec('r00*:slow:500ms'));
    t.set(parseFaultSpec('r001:flaky:0.2'));
    t.set(parseFaultSpec('r001:flaky:0.4'));
    t.set(parseFaultSpec('r001:fail'));
    expect(t.resolve('r001', 'site1')).toMatchObject({ slowMs: 1500, flaky: 0.4, fail: true, hang: false });
    expect(t.resolve('r002', 'site2')).toMatchObject({ slowMs: 500, flaky: 0, fail: false });
    t.clear('r001:fail');
    expect(t.resolve('r001', 'site1')).toMatchObject({ fail: false, flaky: 0.4 });
    t.clear('r001');
    expect(t.resolve('r001', 'site1')).toMatchObject({ flaky: 0, slowMs: 1500 });
    t.clear();
    expect(t.list()).toEqual([]);
  });

  it('draws the same numbers from the same seed, and different ones per device', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(deviceSeed(42, 1))).toEqual(draw(deviceSeed(42, 1)));
    expect(draw(deviceSeed(42, 1))).not.toEqual(draw(deviceSeed(42, 2)));
    expect(draw(deviceSeed(42, 1)).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('names', () => {
  it('numbers hosts from r001 and spreads them round-robin over sites', () => {
    expect(hostName(7, 10)).toBe('r007');
    expect(hostName(42, 5000)).toBe('r0042');
    expect([1, 2, 3, 4, 5].map((k) => siteOf(k, 3))).toEqual(['site1', 'site2', 'site3', 'site1', 'site2']);
  });
});

describe('device commands', () => {
  const state = (): ShellState => {
    const fs = new MemoryFs();
    fs.put('/etc/ntp.conf', Buffer.from('server 192.0.2.10 iburst\n'));
    fs.mkdirp('/home/netops');
    return {
      identity: { host: 'r001', site: 'site1', index: 1, bootedAt: Date.now() },
      fs,
      user: 'netops',
      cwd: '/home/netops',
      custom: {},
      signal: new AbortController().signal,
    };
  };

  it('splits on quotes and the &&, || and ; separators', () => {
    expect(splitCommandLine(`echo "a b" 'c;d' && true || false; x\\ y`)).toEqual([
      { argv: ['echo', 'a b', 'c;d'], text: `echo "a b" 'c;d'`, op: ';' },
      { argv: ['true'], text: 'true', op: '&&' },
      { argv: ['false'], text: 'false', op: '||' },
      { argv: ['x y'], text: 'x\\ y', op: ';' },
    ]);
    expect(splitCommandLine('echo "open')).toMatch(/unexpected EOF/);
    expect(splitCommandLine('&& true')).toMatch(/syntax error/);
  });

  it('runs the shell-ish commands over the file system', async () => {
    const s = state();
    expect(await runCommandLine('cp /etc/ntp.conf /tmp2', s)).toMatchObject({ rc: 0 });
    expect(s.fs.readFile('/tmp2')?.toString()).toBe('server 192.0.2.10 iburst\n');
    expect(await runCommandLine('cat /etc/ntp.conf', s)).toEqual({
      stdout: 'server 192.0.2.10 iburst\n',
      stderr: '',
      rc: 0,
    });
    expect(await runCommandLine('echo hi > /etc/x', s)).toMatchObject({ stdout: 'hi > /etc/x\n' });
    expect(await runCommandLine('false && echo no', s)).toEqual({ stdout: '', stderr: '', rc: 1 });
    expect(await runCommandLine('exit 3; echo after', s)).toEqual({ stdout: '', stderr: '', rc: 3 });
    expect(await runCommandLine('mv /tmp2 /nowhere/x', s)).toMatchObject({
      rc: 1,
      stderr: 'mv: /nowhere/x: No such file or directory\n',
    });
    expect(await runCommandLine('frobnicate', s)).toEqual({
      stdout: '',
      stderr: 'sh: frobnicate: command not found\n',
      rc: 127,
    });
    expect((await runCommandLine('show running-config', s)).stdout).toContain('ntp server 192.0.2.10\n');
    expect((await runCommandLine('show bogus', s)).rc).toBe(1);
  });

  it('prints an ntpq peer marked * only when a server is configured', async () => {
    const s = state();
    expect((await runCommandLine('ntpq -p', s)).stdout).toMatch(/^\*192\.0\.2\.10/m);
    s.fs.writeFile('/etc/ntp.conf', Buffer.from('# nothing\n'));
    expect((await runCommandLine('ntpq -p', s)).stdout).not.toContain('*');
  });

  it('lets sleep end early when the session goes away', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = runCommandLine('sleep 30', { ...state(), signal: ac.signal });
    ac.abort();
    expect((await pending).rc).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await abortableDelay(1, ac.signal);
  });
});

describe('in-memory file system', () => {
  it('renames over an existing file, keeps modes and refuses a missing parent', () => {
    const fs = new MemoryFs();
    fs.put('/etc/a', Buffer.from('new'), 0o600);
    fs.put('/etc/b', Buffer.from('old'));
    fs.rename('/etc/a', '/etc/b');
    expect(fs.readFile('/etc/b')?.toString()).toBe('new');
    expect(fs.stat('/etc/b')).toMatchObject({ kind: 'file', mode: 0o600, size: 3 });
    expect(fs.readFile('/etc/a')).toBeNull();
    expect(() => fs.writeFile('/missing/dir/f', Buffer.from('x'))).toThrow(/ENOENT/);
    expect(fs.list('/')).toEqual(['etc']);
    expect(MemoryFs.resolve('../x/./y/', '/home/netops')).toBe('/home/x/y');
  });
});
