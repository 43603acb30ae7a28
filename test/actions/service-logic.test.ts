import { describe, expect, it } from 'vitest';
import { serviceAction, serviceTools, sysvRunning, runLinuxService } from '../../src/actions/service-linux.js';
import { parseProbe, probeCommand, serviceMgrFact, type ServiceProbe } from '../../src/actions/service-probe.js';
import { ModuleFailure, type CommandResult, type HostShell } from '../../src/actions/service-shell.js';
import { parseSystemctlShow, requestWasIgnored } from '../../src/actions/systemctl-show.js';
import { runSystemd, systemctlCommand, type SystemdArgs } from '../../src/actions/systemd-unit.js';
import { sysvinitStarted } from '../../src/actions/sysvinit-script.js';

/**
 * The service modules' decisions as pure logic: the service_mgr fact, the tools chosen, the status words
 * of init scripts, `systemctl show` parsing, and which commands run (a scripted shell records them).
 * Real hosts are in service-sysv.test.ts and systemd.test.ts.
 */

const probe = (over: Partial<ServiceProbe> = {}): ServiceProbe => ({ ...parseProbe(''), ...over });

/** A shell that answers commands by their first matching pattern and records what ran. */
function scripted(answers: [RegExp, Partial<CommandResult>][]): HostShell & { ran: string[] } {
  const ran: string[] = [];
  const answer = async (command: string): Promise<CommandResult> => {
    ran.push(command);
    const hit = answers.find(([re]) => re.test(command));
    return { rc: 0, stdout: '', stderr: '', ...(hit?.[1] ?? {}) };
  };
  return { ran, run: answer, detached: answer };
}

describe('service_mgr fact', () => {
  it('names PID 1, except init and shells, which say nothing', () => {
    expect(serviceMgrFact(probe({ proc1: 'systemd' }))).toBe('systemd');
    expect(serviceMgrFact(probe({ proc1: 'procd' }))).toBe('openwrt_init');
    // A container's own PID 1 is taken as its manager: Ansible then falls back to the generic module.
    expect(serviceMgrFact(probe({ proc1: 'process_api', bins: { systemctl: '/bin/systemctl' } }))).toBe('process_api');
    expect(serviceMgrFact(probe({ proc1: 'bash', initDir: true }))).toBe('sysvinit');
    expect(serviceMgrFact(probe({ proc1: 'init', initDir: true }))).toBe('sysvinit');
  });

  it('looks at systemd markers, then upstart, OpenRC, /sbin/init and /etc/init.d, in that order', () => {
    const systemctl = { systemctl: '/bin/systemctl' };
    expect(serviceMgrFact(probe({ proc1: 'sh', bins: systemctl, systemdCanary: true, initDir: true }))).toBe('systemd');
    expect(serviceMgrFact(probe({ proc1: 'sh', bins: { initctl: '/sbin/initctl' }, etcInitDir: true }))).toBe(
      'upstart',
    );
    expect(serviceMgrFact(probe({ proc1: 'sh', openrc: true }))).toBe('openrc');
    expect(
      serviceMgrFact(probe({ proc1: 'sh', bins: systemctl, sbinInit: '/lib/systemd/systemd', initDir: true })),
    ).toBe('systemd');
    expect(serviceMgrFact(probe({ proc1: 'sh', sbinInit: '/lib/systemd/systemd', initDir: true }))).toBe('sysvinit');
    expect(serviceMgrFact(probe({ proc1: 'sh' }))).toBe('service');
  });

  it('reads the probe the host answers', () => {
    const p = parseProbe(
      [
        'path=/usr/bin:/bin',
        'proc1=systemd',
        'bin=systemctl=/bin/systemctl',
        'bin=chkconfig=',
        'canary=1',
        'init_script=1',
        'init_script_x=1',
        'start_link=/etc/rc2.d/S01ssh',
        'kill_link=/etc/rc0.d/K01ssh',
      ].join('\n'),
    );
    expect(p).toMatchObject({ path: '/usr/bin:/bin', proc1: 'systemd', bins: { systemctl: '/bin/systemctl' } });
    expect(p).toMatchObject({ systemdCanary: true, initScript: true, startLinks: ['/etc/rc2.d/S01ssh'] });
    expect(p.bins.chkconfig).toBeUndefined();
    // The service name is quoted: it is text from the playbook.
    expect(probeCommand("a'b")).toContain(`/etc/init.d/'a'"'"'b'`);
  });
});

describe('generic service module', () => {
  const sysv = probe({
    bins: { service: '/usr/sbin/service', 'update-rc.d': '/usr/sbin/update-rc.d' },
    initScript: true,
  });

  it('chooses systemctl where systemd runs, else the init script with update-rc.d', () => {
    expect(serviceTools('x', probe({ bins: { systemctl: '/bin/systemctl' }, proc1: 'systemd' })).kind).toBe('systemd');
    expect(serviceTools('x', sysv)).toEqual({ kind: 'sysv', service: '/usr/sbin/service', script: '/etc/init.d/x' });
    expect(() => serviceTools('x', probe({ bins: { 'update-rc.d': '/u' } }))).toThrow(
      'Could not find the requested service x: host',
    );
    expect(() => serviceTools('x', probe({ bins: { chkconfig: '/c' }, initScript: true }))).toThrow(/chkconfig/);
  });

  it('reads an init script status as Ansible does', () => {
    expect(sysvRunning('foo', 3, 'foo is not running\n')).toBe(false);
    expect(sysvRunning('foo', 0, 'foo is running\n')).toBe(true);
    expect(sysvRunning('foo', 0, 'foo is not running\n')).toBe(false);
    expect(sysvRunning('foo', 0, 'foo stopped\n')).toBe(false);
    // The service's own name never counts: "runner" would otherwise read as running.
    expect(sysvRunning('runner', 5, 'runner\n')).toBeNull();
    expect(sysvRunning('foo', 0, 'line one\nline two\nline three\n')).toBe(true);
    expect(sysvRunning('foo', 5, '')).toBeNull();
  });

  it('acts only when the state differs; restarted and reloaded always act; reloaded starts a stopped one', () => {
    expect(serviceAction('started', true)).toBeNull();
    expect(serviceAction('started', false)).toBe('start');
    expect(serviceAction('stopped', false)).toBeNull();
    expect(serviceAction('stopped', true)).toBe('stop');
    expect(serviceAction('restarted', false)).toBe('restart');
    expect(serviceAction('reloaded', true)).toBe('reload');
    expect(serviceAction('reloaded', false)).toBe('start');
  });

  it('restarts as stop then start, enables with update-rc.d defaults first, no change under --check', async () => {
    const sh = scripted([[/ status$/, { rc: 0, stdout: 'x is running\n' }]]);
    const args = { name: 'x', state: 'restarted' as const, enabled: true, arguments: '' };
    const real = await runLinuxService(args, sysv, sh, false);
    expect(real.changed).toBe(true);
    expect(real.fields).toEqual({ name: 'x', enabled: true, state: 'started' });
    expect(sh.ran).toEqual([
      '/usr/sbin/update-rc.d x defaults',
      '/usr/sbin/update-rc.d x enable',
      '/usr/sbin/service x status',
      '/usr/sbin/service x stop',
      '/usr/sbin/service x start',
    ]);

    const dry = scripted([[/ status$/, { rc: 3, stdout: 'x is not running\n' }]]);
    const check = await runLinuxService({ ...args, state: 'started' }, sysv, dry, true);
    expect(check).toMatchObject({ changed: true, fields: { msg: 'service state changed' } });
    expect(check.after).toEqual({ enabled: 'yes', state: 'started' });
    expect(dry.ran).toEqual(['/usr/sbin/service x status']);
  });

  it('fails with the init script output when an action fails, and when the state cannot be told', async () => {
    const sh = scripted([
      [/ status$/, { rc: 3 }],
      [/ start$/, { rc: 1, stderr: 'cannot bind\n' }],
    ]);
    await expect(runLinuxService({ name: 'x', state: 'started', arguments: '' }, sysv, sh, false)).rejects.toThrow(
      'cannot bind',
    );
    const unknown = scripted([[/ status$/, { rc: 5, stdout: 'garbage\n' }]]);
    await expect(runLinuxService({ name: 'x', state: 'started', arguments: '' }, sysv, unknown, false)).rejects.toThrow(
      'failed determining service state, possible typo of service name?',
    );
  });
});

describe('systemctl show', () => {
  it('parses KEY=VALUE lines and runs on only over Exec values in braces', () => {
    const out = [
      'Id=demo.service',
      'Description={ not a command',
      'ExecStart={ path=/bin/sleep ; argv[]=/bin/sleep 1',
      '  more ; status=0/0 }',
      'ActiveState=active ',
      'Empty=',
      'junk line',
    ].join('\n');
    expect(parseSystemctlShow(out)).toEqual({
      Id: 'demo.service',
      Description: '{ not a command',
      ExecStart: '{ path=/bin/sleep ; argv[]=/bin/sleep 1\n  more ; status=0/0 }',
      ActiveState: 'active',
      Empty: '',
    });
    expect(requestWasIgnored('Running in chroot, ignoring request.')).toBe(true);
    expect(requestWasIgnored('A=b ignoring request')).toBe(false);
  });
});

describe('systemd module', () => {
  const host = probe({ bins: { systemctl: '/bin/systemctl' }, proc1: 'systemd', systemdCanary: true, path: '/bin' });
  const base: SystemdArgs = { daemon_reload: false, daemon_reexec: false, scope: 'system', no_block: false };
  const xdg = `XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"`;
  const prefix = `${xdg} /bin/systemctl`;

  it('builds the systemctl command from scope, no_block and force', () => {
    expect(systemctlCommand('/bin/systemctl', { ...base, scope: 'user', no_block: true, force: true })).toBe(
      `${xdg} /bin/systemctl --user --no-block --force`,
    );
  });

  it('daemon-reloads first, then enables and starts only what differs', async () => {
    const sh = scripted([
      [/ show /, { stdout: 'LoadState=loaded\nActiveState=inactive\n' }],
      [/ is-enabled .* -l$/, { rc: 1, stdout: 'disabled\n' }],
    ]);
    const r = await runSystemd(
      { ...base, name: 'demo', state: 'started', enabled: true, daemon_reload: true },
      host,
      '',
      sh,
      false,
    );
    expect(r.changed).toBe(true);
    expect(r.fields).toMatchObject({
      name: 'demo',
      enabled: true,
      state: 'started',
      status: { ActiveState: 'inactive' },
    });
    expect(sh.ran).toEqual([
      `${prefix} daemon-reload`,
      `${prefix} show demo`,
      `${prefix} is-enabled demo -l`,
      `${prefix} enable demo`,
      `${prefix} start demo`,
    ]);
  });

  it('under --check runs only queries, and reports the boot state it would reach', async () => {
    const sh = scripted([
      [/ show /, { stdout: 'LoadState=loaded\nActiveState=active\n' }],
      [/ is-enabled .* -l$/, { rc: 0, stdout: 'enabled\n' }],
    ]);
    const r = await runSystemd(
      { ...base, name: 'demo', state: 'stopped', enabled: false, daemon_reload: true },
      host,
      '',
      sh,
      true,
    );
    expect(r).toMatchObject({ changed: true, fields: { enabled: false, state: 'stopped' } });
    expect(sh.ran).toEqual([`${prefix} show demo`, `${prefix} is-enabled demo -l`]);
  });

  it("fails as Ansible's module does: globs, no systemctl, unknown state, load errors, missing units", async () => {
    const ok = scripted([]);
    await expect(runSystemd({ ...base, name: 'a*', state: 'started' }, host, '', ok, false)).rejects.toThrow(
      "This module does not currently support using glob patterns, found '*' in service name: a*",
    );
    await expect(
      runSystemd({ ...base, name: 'a', state: 'started' }, probe({ path: '/x' }), '/x', ok, false),
    ).rejects.toThrow('Failed to find required executable "systemctl" in paths: /x');
    const offline = scripted([
      [/ show /, { rc: 1, stderr: 'System has not been booted with systemd' }],
      [/ is-enabled /, { rc: 0, stdout: 'enabled\n' }],
    ]);
    await expect(runSystemd({ ...base, name: 'ssh', state: 'started' }, host, '', offline, false)).rejects.toThrow(
      /^Service is in unknown state$/,
    );
    const broken = scripted([[/ show /, { stdout: 'LoadState=loaded\nLoadError=bad unit\nActiveState=inactive\n' }]]);
    await expect(runSystemd({ ...base, name: 'b', state: 'started' }, host, '', broken, false)).rejects.toThrow(
      "Error loading unit file 'b': bad unit",
    );
    const missing = scripted([[/ show /, { stdout: 'LoadState=not-found\nActiveState=inactive\n' }]]);
    const failure = await runSystemd({ ...base, name: 'm', state: 'started' }, host, '', missing, false).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ModuleFailure);
    expect((failure as ModuleFailure).message).toBe('Could not find the requested service m: host');
  });
});

describe('sysvinit module', () => {
  it('reads status words before the exit status, and cannot tell an unknown answer', () => {
    expect(sysvinitStarted('foo', 0, 'foo is running\n')).toEqual({ started: true, worked: true });
    expect(sysvinitStarted('foo', 3, 'foo is not running\n')).toEqual({ started: false, worked: true });
    // "inactive" counts as stopped before "active" could count as started.
    expect(sysvinitStarted('foo', 0, 'inactive\n')).toEqual({ started: false, worked: true });
    expect(sysvinitStarted('foo', 0, 'a\nb\nc\n')).toEqual({ started: true, worked: true });
    expect(sysvinitStarted('foo', 5, 'huh\n')).toEqual({ started: false, worked: false });
  });
});
