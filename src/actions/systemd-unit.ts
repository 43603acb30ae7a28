import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ServiceState } from './service-linux.js';
import type { ServiceProbe } from './service-probe.js';
import { ModuleFailure, newResult, type HostShell, type ModuleResult } from './service-shell.js';
import { parseSystemctlShow, requestWasIgnored } from './systemctl-show.js';

/**
 * Ansible's `systemd` module (modules/systemd.py): daemon-reload/-reexec first, then mask, enable and state,
 * each read from systemctl before it is changed; the same commands in the same order, the same messages.
 */

export type SystemdArgs = {
  name?: string;
  state?: ServiceState;
  enabled?: boolean;
  masked?: boolean;
  force?: boolean;
  daemon_reload: boolean;
  daemon_reexec: boolean;
  scope: 'system' | 'user' | 'global';
  no_block: boolean;
};

/** `is-enabled` answers that mean systemd knows the unit (systemctl(1), systemd 244). */
const ENABLED_STATES = new Set([
  'enabled',
  'enabled-runtime',
  'linked',
  'linked-runtime',
  'masked',
  'masked-runtime',
  'static',
  'indirect',
  'disabled',
  'generated',
  'transient',
]);

/** The systemctl command line for the arguments (scope, --no-block, --force), as Ansible builds it. */
export function systemctlCommand(systemctl: string, a: SystemdArgs): string {
  let cmd = systemctl;
  if (a.scope !== 'system') cmd += ` --${a.scope}`;
  if (a.no_block) cmd += ' --no-block';
  if (a.force) cmd += ' --force';
  // A user manager is found through XDG_RUNTIME_DIR, which Ansible sets when the login did not.
  return `XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}" ${cmd}`;
}

export async function runSystemd(
  a: SystemdArgs,
  p: ServiceProbe,
  path: string,
  sh: HostShell,
  check: boolean,
): Promise<ModuleResult> {
  const unit = a.name;
  if (unit !== undefined)
    for (const glob of ['*', '?', '['])
      if (unit.includes(glob))
        throw new ModuleFailure(
          `This module does not currently support using glob patterns, found '${glob}' in service name: ${unit}`,
        );
  if (!p.bins.systemctl) throw new ModuleFailure(`Failed to find required executable "systemctl" in paths: ${path}`);
  const systemctl = systemctlCommand(p.bins.systemctl, a);
  const result = newResult({ name: unit ?? null, status: {} });
  const fail = (msg: string): never => {
    throw new ModuleFailure(msg, result.fields);
  };

  for (const [wanted, word] of [
    [a.daemon_reload, 'daemon-reload'],
    [a.daemon_reexec, 'daemon-reexec'],
  ] as const) {
    if (!wanted || check) continue;
    const res = await sh.run(`${systemctl} ${word}`);
    if (res.rc !== 0) fail(`failure ${res.rc} during ${word}: ${res.stderr}`);
  }
  if (unit === undefined) return result;

  const q = shellQuote(unit);
  const isInitd = p.initScriptExecutable;
  let isSystemd = false;
  let status: Record<string, string> = {};
  let res = await sh.run(`${systemctl} show ${q}`);
  if (res.rc === 0 && !(requestWasIgnored(res.stdout) || requestWasIgnored(res.stderr))) {
    if (res.stdout) {
      status = parseSystemctlShow(res.stdout);
      result.fields.status = status;
      isSystemd = status.LoadState !== undefined && status.LoadState !== 'not-found';
      const masked = status.LoadState === 'masked';
      if (isSystemd && !masked && status.LoadError !== undefined)
        fail(`Error loading unit file '${unit}': ${status.LoadError}`);
    }
  } else if (res.stderr && res.rc === 1 && res.stderr.includes('Failed to parse bus message')) {
    status = parseSystemctlShow(res.stdout);
    result.fields.status = status;
    const at = unit.indexOf('@');
    const search = at < 0 ? unit : unit.slice(0, at + 1);
    res = await sh.run(`${systemctl} list-unit-files ${shellQuote(`${search}*`)}`);
    isSystemd = res.stdout.includes(search);
    res = await sh.run(`${systemctl} is-active ${q}`);
    status.ActiveState = res.stdout.replace(/\n+$/, '');
  } else {
    res = await sh.run(`${systemctl} is-enabled ${q}`);
    if (ENABLED_STATES.has(res.stdout.trim())) isSystemd = true;
    else {
      // list-unit-files works where show does not (a chroot), but misses init.d services.
      res = await sh.run(`${systemctl} list-unit-files ${q}`);
      if (res.rc === 0) isSystemd = true;
      else {
        // Ansible's last resort: systemctl itself must run (run_command's check_rc message is stderr, trimmed).
        res = await sh.run(systemctl);
        if (res.rc !== 0) fail(res.stderr.trimEnd());
      }
    }
  }
  const found = isSystemd || isInitd;
  if (isInitd && !isSystemd)
    result.warnings.push(`The service (${unit}) is actually an init script but the system is managed by systemd`);
  const missing = (): void => {
    if (!found) fail(`Could not find the requested service ${unit}: host`);
  };

  if (a.masked !== undefined) {
    res = await sh.run(`${systemctl} is-enabled ${q}`);
    const masked = res.stdout.trim() === 'masked';
    result.before.masked = masked ? 'yes' : 'no';
    result.after.masked = a.masked ? 'yes' : 'no';
    if (masked !== a.masked) {
      result.changed = true;
      if (!check) {
        res = await sh.run(`${systemctl} ${a.masked ? 'mask' : 'unmask'} ${q}`);
        // Some systemd versions mask units that do not exist: only a failure for a missing unit fails.
        if (res.rc !== 0) missing();
      }
    }
  }

  if (a.enabled !== undefined) {
    const action = a.enabled ? 'enable' : 'disable';
    missing();
    let enabled = false;
    res = await sh.run(`${systemctl} is-enabled ${q} -l`);
    const lines = res.stdout.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
    if (res.rc === 0) enabled = !(lines.length === 1 && (lines[0] === 'indirect' || lines[0] === 'alias'));
    else if (res.rc === 1 && a.scope === 'system' && isInitd && !res.stdout.trim().endsWith('disabled'))
      enabled = p.startLinks.length > 0;
    result.fields.enabled = enabled;
    result.before.enabled = enabled ? 'yes' : 'no';
    result.after.enabled = a.enabled ? 'yes' : 'no';
    if (enabled !== a.enabled) {
      result.changed = true;
      if (!check) {
        res = await sh.run(`${systemctl} ${action} ${q}`);
        if (res.rc !== 0) fail(`Unable to ${action} service ${unit}: ${res.stdout}${res.stderr}`);
      }
      result.fields.enabled = !enabled;
    }
  }

  if (a.state !== undefined) {
    missing();
    result.fields.state = a.state;
    if (status.ActiveState !== undefined) {
      const running = status.ActiveState === 'active' || status.ActiveState === 'activating';
      let action: string | null = null;
      if (a.state === 'started') action = running ? null : 'start';
      else if (a.state === 'stopped') action = running || status.ActiveState === 'deactivating' ? 'stop' : null;
      else {
        action = running ? a.state.slice(0, -2) : 'start';
        result.fields.state = 'started';
      }
      result.before.state = status.ActiveState;
      result.after.state = action === null ? status.ActiveState : a.state;
      if (action !== null) {
        result.changed = true;
        if (!check) {
          res = await sh.run(`${systemctl} ${action} ${q}`);
          if (res.rc !== 0) fail(`Unable to ${action} service ${unit}: ${res.stderr}`);
        }
      }
    } else if (p.chroot) {
      result.warnings.push(
        'Target is a chroot or systemd is offline. This can lead to false positives or prevent the init system ' +
          'tools from working.',
      );
    } else {
      throw new ModuleFailure('Service is in unknown state', { ...result.fields, status });
    }
  }
  return result;
}
