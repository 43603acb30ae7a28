import type { ActionHost } from './action.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';
import { parseProbe, probeCommand, type ServiceProbe } from './service-probe.js';
import { ModuleFailure, sessionShell, stateDiff, type HostShell, type ModuleResult } from './service-shell.js';

/** A boolean argument as Ansible reads one (yes/no, true/false, on/off, 1/0), or why it is not one. */
export function ansibleBool(field: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['yes', 'on', '1', 'true', 'y', 't', '1.0'].includes(s)) return true;
  if (['no', 'off', '0', 'false', 'n', 'f', '0.0'].includes(s)) return false;
  throw new ModuleFailure(`argument '${field}' is of type ${typeof v} and we were unable to convert to bool`);
}

/** A choice argument, with Ansible's message when the value is not one of them. */
export function ansibleChoice<T extends string>(field: string, v: unknown, choices: readonly T[]): T | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if ((choices as readonly string[]).includes(s)) return s as T;
  throw new ModuleFailure(`value of ${field} must be one of: ${choices.join(', ')}, got: ${s}`);
}

/**
 * Runs one service module on the host: probes the host, lets `decide` read and change the service, and turns
 * what it found into the task's outcome: its result fields registered, a diff of the state under --check or
 * --diff, and Ansible's message when it failed.
 */
export async function runServiceModule(
  host: ActionHost,
  name: string,
  what: string,
  decide: (probe: ServiceProbe, sh: HostShell) => Promise<ModuleResult>,
): Promise<Outcome> {
  const sh = sessionShell(host);
  let result: ModuleResult;
  try {
    const probe = await sh.run(probeCommand(name));
    result = await decide(parseProbe(probe.stdout), sh);
  } catch (err) {
    if (err instanceof ModuleFailure)
      return failed('command', err.message, { data: { ...err.fields, msg: err.message } });
    return linkFailure(err, host.stopped, () => failed('command', message(err)));
  }
  const data: Record<string, unknown> = { ...result.fields };
  if (result.warnings.length > 0) data.warnings = result.warnings;
  const outcome = done(result.changed ? 'changed' : 'ok', { data });
  if (result.changed && (host.check || host.diff)) {
    const diff = stateDiff(what, result.before, result.after);
    if (diff) outcome.diff = diff;
  }
  return outcome;
}
