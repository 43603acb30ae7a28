import { shellQuote } from '../playbook/template/ansible-filters.js';
import { systemdManaged, type ServiceProbe } from './service-probe.js';
import { ModuleFailure, newResult, pyRepr, type HostShell, type ModuleResult } from './service-shell.js';
import { parseSystemctlShow } from './systemctl-show.js';

/**
 * Ansible's generic `service` module on Linux (modules/service.py, LinuxService): systemctl where systemd
 * runs, else the init script through `service` with update-rc.d for boot links. Same decisions, same
 * commands, same messages; upstart, OpenRC, insserv and chkconfig hosts are refused by name.
 */

export type ServiceState = 'started' | 'stopped' | 'restarted' | 'reloaded';

export interface ServiceArgs {
  name: string;
  state?: ServiceState;
  enabled?: boolean;
  /** Seconds between stop and start on restart. */
  sleep?: number;
  /** A `ps auxww` substring standing in for the status command. */
  pattern?: string;
  /** Extra words after the action (Ansible's `arguments`/`args`). */
  arguments: string;
}

type Tools = { kind: 'systemd'; systemctl: string } | { kind: 'sysv'; service: string | null; script: string | null };

/** get_service_tools: which tools manage this service, or Ansible's failure. */
export function serviceTools(name: string, p: ServiceProbe): Tools {
  const script = p.initScript ? `/etc/init.d/${name}` : null;
  if (systemdManaged(p)) return { kind: 'systemd', systemctl: p.bins.systemctl! };
  if (p.bins.initctl && p.upstartJob)
    throw new ModuleFailure(`${name} is an upstart job; runbook does not run upstart`);
  if (p.bins['rc-service']) throw new ModuleFailure(`${name}: runbook does not run OpenRC (rc-service)`);
  if (script !== null && !p.bins['update-rc.d']) {
    const other = p.bins.insserv ? 'insserv' : p.bins.chkconfig ? 'chkconfig' : null;
    if (other) throw new ModuleFailure(`${name}: runbook enables init scripts with update-rc.d only (found ${other})`);
  }
  if (script === null || !p.bins['update-rc.d'])
    throw new ModuleFailure(`Could not find the requested service ${name}: host`);
  return { kind: 'sysv', service: p.bins.service ?? null, script };
}

/**
 * Whether a status command says the service runs (LinuxService.get_service_status without upstart or
 * OpenRC): LSB's "not running" codes first, then the words of a one-line answer, then a zero status.
 */
export function sysvRunning(name: string, rc: number, stdout: string): boolean | null {
  if ([1, 2, 3, 4, 69].includes(rc)) return false;
  if ((stdout.match(/\n/g) ?? []).length <= 1) {
    const clean = stdout.toLowerCase().split(name.toLowerCase()).join('');
    if (clean.includes('stop')) return false;
    if (clean.includes('run')) return !clean.includes('not ');
    if (clean.includes('start') && !clean.includes('not ')) return true;
    for (const dead of [
      'could not access pid file',
      'is dead and pid file exists',
      'dead but subsys locked',
      'dead but pid file exists',
    ])
      if (clean.includes(dead)) return false;
  }
  if (rc === 0) return true;
  if (name === 'iptables' && stdout.includes('ACCEPT')) return true;
  return null;
}

/** What a state asks for given whether the service runs: the command word, or null when nothing changes. */
export function serviceAction(state: ServiceState, running: boolean): 'start' | 'stop' | 'reload' | 'restart' | null {
  if (state === 'restarted') return 'restart';
  if (state === 'started') return running ? null : 'start';
  if (state === 'stopped') return running ? 'stop' : null;
  // reloaded: a stopped service is started instead.
  return running ? 'reload' : 'start';
}

export async function runLinuxService(
  a: ServiceArgs,
  p: ServiceProbe,
  sh: HostShell,
  check: boolean,
): Promise<ModuleResult> {
  const result = newResult({ name: a.name });
  const tools = serviceTools(a.name, p);
  const q = shellQuote(a.name);
  const args = a.arguments ? ` ${a.arguments}` : '';
  const control = (word: string): Promise<{ rc: number; stdout: string; stderr: string }> =>
    sh.detached(
      tools.kind === 'systemd'
        ? `${tools.systemctl} ${word} ${q}${args}`
        : tools.service !== null
          ? `${tools.service} ${q} ${word}${args}`
          : `${shellQuote(tools.script!)} ${word}${args}`,
    );

  if (a.enabled !== undefined) {
    const was = await bootEnabled(a.name, tools, p, sh);
    result.before.enabled = was ? 'yes' : 'no';
    result.after.enabled = a.enabled ? 'yes' : 'no';
    if (was !== a.enabled) {
      result.changed = true;
      if (tools.kind === 'systemd' && check) return { ...result, fields: {} };
      if (!check) await setBootEnabled(a.name, a.enabled, tools, p, sh);
    }
    result.fields.enabled = a.enabled;
  }
  if (a.state === undefined) return result;
  result.fields.state = a.state;

  let running: boolean | null;
  if (a.pattern !== undefined) {
    const ps = await sh.run('ps auxww');
    running = ps.rc === 0 ? ps.stdout.split('\n').some((l) => l.includes(a.pattern!) && !l.includes('pattern=')) : null;
  } else if (tools.kind === 'systemd') {
    running = await systemdRunning(a.name, tools.systemctl, sh);
  } else {
    const status = await control('status');
    running = sysvRunning(a.name, status.rc, status.stdout);
  }
  if (running === null) throw new ModuleFailure('failed determining service state, possible typo of service name?');
  const action = serviceAction(a.state, running);
  result.before.state = running ? 'started' : 'stopped';
  result.after.state = a.state;
  if (action !== null) {
    result.changed = true;
    // Under --check Ansible's module ends here with only this message.
    if (check) return { ...result, fields: { msg: 'service state changed' } };
    const res = action === 'restart' ? await restart(control, a.sleep) : await control(action);
    if (res.rc !== 0 && !res.stderr.includes('Job is already running'))
      throw new ModuleFailure(res.stderr || res.stdout, result.fields);
  }
  result.fields.state = a.state === 'stopped' ? 'stopped' : 'started';
  return result;
}

/** Not every init script has `restart`, so Ansible stops then starts, and keeps the start's answer if it worked. */
async function restart(
  control: (word: string) => Promise<{ rc: number; stdout: string; stderr: string }>,
  sleep: number | undefined,
): Promise<{ rc: number; stdout: string; stderr: string }> {
  const stop = await control('stop');
  if (sleep) await new Promise((resolve) => setTimeout(resolve, sleep * 1000));
  const start = await control('start');
  if (stop.rc !== 0 && start.rc === 0) return start;
  return { rc: stop.rc + start.rc, stdout: stop.stdout + start.stdout, stderr: stop.stderr + start.stderr };
}

async function systemdRunning(name: string, systemctl: string, sh: HostShell): Promise<boolean> {
  const show = await sh.run(`${systemctl} show ${shellQuote(name)}`);
  if (show.rc !== 0)
    throw new ModuleFailure(`failure ${show.rc} running systemctl show for ${pyRepr(name)}: ${show.stderr}`);
  if (show.stdout.includes('LoadState=not-found'))
    throw new ModuleFailure(`systemd could not find the requested service "${pyRepr(name)}": ${show.stderr}`);
  const active = parseSystemctlShow(show.stdout).ActiveState;
  if (active === undefined)
    throw new ModuleFailure(`No ActiveState value in systemctl show output for ${pyRepr(name)}`);
  return active === 'active';
}

async function bootEnabled(name: string, tools: Tools, p: ServiceProbe, sh: HostShell): Promise<boolean> {
  if (tools.kind === 'sysv') return p.startLinks.length > 0;
  const res = await sh.run(`${tools.systemctl} is-enabled ${shellQuote(name)}`);
  if (res.rc === 0) return true;
  if (res.stdout.startsWith('disabled')) return false;
  return p.initScriptExecutable && p.startLinks.length > 0;
}

async function setBootEnabled(name: string, on: boolean, tools: Tools, p: ServiceProbe, sh: HostShell): Promise<void> {
  const action = on ? 'enable' : 'disable';
  const q = shellQuote(name);
  if (tools.kind === 'systemd') {
    const res = await sh.run(`${tools.systemctl} ${action} ${q}`);
    if (res.rc !== 0)
      throw new ModuleFailure(
        res.stderr
          ? `Error when trying to ${action} ${name}: rc=${res.rc} ${res.stderr}`
          : `Failure for ${action} ${name}: rc=${res.rc} ${res.stdout}`,
      );
    return;
  }
  const updateRcd = p.bins['update-rc.d']!;
  // update-rc.d cannot enable a script that has no links at all: `defaults` makes them first.
  const steps = on && p.killLinks.length === 0 ? ['defaults', action] : [action];
  for (const step of steps) {
    const res = await sh.run(`${updateRcd} ${q} ${step}`);
    if (res.rc !== 0) throw new ModuleFailure(res.stderr || res.stdout);
  }
}
