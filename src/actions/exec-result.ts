import { constants } from 'node:os';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { TaskSpec } from '../playbook/types.js';
import type { ExecResult } from '../transport/transport.js';
import type { ActionHost } from './action.js';
import { done, failed, type Outcome, registered } from './outcome.js';

/**
 * How `command`, `shell`, `raw` and `script` judge what ran, as Ansible's command-like modules do: a non-zero
 * exit fails the task (`msg: non-zero return code`), a command that ran changed something whether or not it
 * failed, and `failed_when`/`changed_when` read the registered result to decide otherwise.
 */

/** Ansible's `msg` for a command that exited non-zero or was ended by a signal. */
export const NON_ZERO = 'non-zero return code';

/** The exit status Ansible registers: a command ended by a signal has the signal's number, negated. */
function registeredRc(res: ExecResult): number | null {
  if (res.rc !== null) return res.rc;
  const name = res.signal === undefined ? undefined : res.signal.startsWith('SIG') ? res.signal : `SIG${res.signal}`;
  const number = name === undefined ? undefined : (constants.signals as Record<string, number | undefined>)[name];
  return number === undefined ? null : -number;
}

export function judgeExec(res: ExecResult, task: TaskSpec, host: ActionHost): Outcome {
  const output = { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
  const rc = registeredRc(res);
  const nonZero = rc !== 0;
  // Registered as Ansible registers it (the signal's negated number, the message) before the expressions read it.
  const data = { rc, msg: nonZero ? NON_ZERO : '' };
  const seen = done('changed', { ...output, data });
  const result = registered(seen);
  const vars = { ...host.vars, ...result, ...(task.register ? { [task.register]: result } : {}) };
  const holds = (exprs: string[]) => exprs.every((e) => host.renderer.test(e, vars));
  let isFailed: boolean;
  let changed: boolean;
  try {
    isFailed = task.failedWhen ? holds(task.failedWhen) : nonZero;
    changed = task.changedWhen ? holds(task.changedWhen) : true;
  } catch (err) {
    return failed('expression', err instanceof Error ? err.message : String(err), output);
  }
  if (!isFailed) return { ...seen, status: changed ? 'changed' : 'ok', changed };
  const why = task.failedWhen
    ? 'failed_when matched'
    : res.rc === null
      ? `ended by signal ${res.signal ?? 'unknown'}`
      : `exit status ${res.rc}`;
  // A command that ran changed something, failed or not, as Ansible's command module reports it.
  return failed('command', why, { ...output, changed, data });
}

/**
 * `creates`/`removes`: whether the command is needed at all. The outcome when it is not (the path already
 * exists / is already gone), as Ansible's command module reports it; null when it must run.
 */
export async function skippedByPath(
  exec: (line: string) => Promise<ExecResult>,
  paths: { creates?: string | undefined; removes?: string | undefined },
): Promise<Outcome | null> {
  for (const [path, runsWhenFound, why] of [
    [paths.creates, false, 'exists'],
    [paths.removes, true, 'does not exist'],
  ] as const) {
    if (path === undefined) continue;
    const found = (await exec(`test -e ${shellQuote(path)}`)).rc === 0;
    if (found !== runsWhenFound) return done('ok', { rc: 0, stdout: `skipped, since ${path} ${why}` });
  }
  return null;
}
