import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ServiceState } from './service-linux.js';
import type { ServiceProbe } from './service-probe.js';
import { ModuleFailure, newResult, type CommandResult, type HostShell, type ModuleResult } from './service-shell.js';

/**
 * Ansible's `sysvinit` module (modules/sysvinit.py), which its service action runs where the `service_mgr`
 * fact is sysvinit (a container whose PID 1 is a shell, with /etc/init.d): status words read its own way,
 * boot links by update-rc.d `defaults`/`disable`, and its quirks kept (reloaded always runs `reload`, even on
 * a stopped service; `defaults` does not bring back links `disable` turned into K links, yet says changed).
 */

export interface SysvinitArgs {
  name: string;
  state?: ServiceState;
  enabled?: boolean;
  /** Seconds after each of stop and start on restart (default 1). */
  sleep: number;
  pattern?: string;
  arguments?: string;
  runlevels?: string[];
}

type Step = { changed: boolean; rc: number | null; stdout: string | null; stderr: string | null };

/** The status command's answer, read as the module reads it: running, and whether it could tell at all. */
export function sysvinitStarted(name: string, rc: number, stdout: string): { started: boolean; worked: boolean } {
  if (name === 'iptables' && stdout.includes('ACCEPT')) return { started: true, worked: true };
  if ((stdout.match(/\n/g) ?? []).length <= 1) {
    const clean = stdout.toLowerCase().split(name.toLowerCase()).join('');
    for (const stopped of ['stop', 'is dead ', 'dead but ', 'could not access pid file', 'inactive'])
      if (clean.includes(stopped)) return { started: false, worked: true };
    for (const started of ['run', 'start', 'active'])
      if (clean.includes(started) && !clean.includes('not ')) return { started: true, worked: true };
  }
  if ([1, 2, 3, 4, 69].includes(rc)) return { started: false, worked: true };
  return { started: rc === 0, worked: rc === 0 };
}

export async function runSysvinit(
  a: SysvinitArgs,
  p: ServiceProbe,
  sh: HostShell,
  check: boolean,
): Promise<ModuleResult> {
  const status: Record<string, Step> = {};
  const result = newResult({ name: a.name, status });
  const script = a.name.startsWith('/') ? a.name : `/etc/init.d/${a.name}`;
  if (!a.name.startsWith('/') && !p.initScript && !p.initScriptExecutable)
    throw new ModuleFailure(`Could not find the requested service ${a.name}: `);
  const q = shellQuote(a.name);
  const updateRcd = p.bins['update-rc.d'];
  const chkconfig = p.bins.chkconfig;

  let started = false;
  let worked = false;
  if (a.pattern !== undefined) {
    worked = started = await psHas(sh, a.pattern);
  } else {
    const cmd = p.bins.service ? `${p.bins.service} ${q} status` : `${shellQuote(script)} status`;
    const res = await sh.run(cmd);
    ({ started, worked } = sysvinitStarted(a.name, res.rc, res.stdout));
    if (!worked && (await psHas(sh, a.name))) {
      started = worked = true;
      result.warnings.push('Used ps output to match service name and determine it is up, this is very unreliable');
    }
  }
  if (!worked) result.warnings.push('Unable to determine if service is up, assuming it is down');

  const enabledStep: Step = { changed: false, rc: null, stdout: null, stderr: null };
  status.enabled = enabledStep;
  const linked = (runlevel?: string): boolean =>
    p.startLinks.some((l) => runlevel === undefined || l.includes(`/rc${runlevel}.d/`));
  let enableCmd: string | null = null;
  if (a.runlevels && a.runlevels.length > 0) {
    if (a.runlevels.some((rl) => a.enabled !== linked(rl))) enabledStep.changed = result.changed = true;
    const word = a.enabled ? 'enable' : 'disable';
    if (updateRcd) enableCmd = `${updateRcd} ${q} ${word} ${a.runlevels.join(' ')}`;
    else if (chkconfig) enableCmd = `${chkconfig} --level ${a.runlevels.join('')} ${q} ${a.enabled ? 'on' : 'off'}`;
  } else if (a.enabled !== undefined) {
    if (a.enabled !== linked()) enabledStep.changed = result.changed = true;
    if (updateRcd) enableCmd = `${updateRcd} ${q} ${a.enabled ? 'defaults' : 'disable'}`;
    else if (chkconfig) enableCmd = `${chkconfig} ${q} ${a.enabled ? 'on' : 'off'}`;
  }
  if (a.enabled !== undefined) {
    result.before.enabled = linked() ? 'yes' : 'no';
    result.after.enabled = a.enabled ? 'yes' : 'no';
  }
  let last: CommandResult = { rc: 0, stdout: '', stderr: '' };
  if (!check && result.changed && enableCmd !== null) last = await sh.run(enableCmd);
  if (!check && enabledStep.changed) {
    Object.assign(enabledStep, { rc: last.rc, stdout: last.stdout, stderr: last.stderr });
    if (last.stderr.includes('illegal runlevel specified'))
      throw new ModuleFailure(`Illegal runlevel specified for enable operation on service ${a.name}`, result.fields);
  }

  const stateStep: Step = { changed: false, rc: null, stdout: null, stderr: null };
  status[a.state ?? 'null'] = stateStep;
  if (a.state !== undefined) {
    const action = a.state.replace(/p?ed$/, '');
    const runme = async (word: string): Promise<CommandResult> => {
      const res = await sh.detached(`${shellQuote(script)} ${word}${a.arguments ? ` ${a.arguments}` : ''}`);
      if (res.rc !== 0) throw new ModuleFailure(`Failed to ${action} service: ${a.name}`, { ...result.fields, ...res });
      return res;
    };
    result.before.state = started ? 'started' : 'stopped';
    result.after.state = a.state;
    // The module's own test: reloaded is neither start nor stop, so it always runs.
    const acts = action === 'restart' || started !== (action === 'start') || started === (action === 'stop');
    if (acts) {
      stateStep.changed = result.changed = true;
      if (!check) {
        if (action === 'restart')
          for (const word of ['stop', 'start']) {
            last = await runme(word);
            if (a.sleep) await new Promise((resolve) => setTimeout(resolve, a.sleep * 1000));
          }
        else last = await runme(action);
        Object.assign(stateStep, { rc: last.rc, stdout: last.stdout, stderr: last.stderr });
      }
    }
  }
  return result;
}

async function psHas(sh: HostShell, pattern: string): Promise<boolean> {
  const ps = await sh.run('ps auxww');
  return ps.rc === 0 && ps.stdout.split('\n').some((l) => l.includes(pattern));
}
