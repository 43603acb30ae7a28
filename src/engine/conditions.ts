import { failed, message, type Outcome } from '../actions/outcome.js';
import type { TaskSpec } from '../playbook/types.js';
import { TRANSPORT_FAILURES } from '../transport/transport.js';

/** Outcomes no condition judges: nothing ran, the host was never reached, or the run stopped. */
const UNJUDGED = new Set<string>([...TRANSPORT_FAILURES, 'interrupted']);

/**
 * `changed_when` then `failed_when`, read against the registered result, for every action, as Ansible's task
 * executor applies them after any module: `changed_when` sets `changed`; `failed_when` alone decides `failed`
 * (`failed_when: false` clears a module's own failure). Skipped tasks, unreachable hosts and expressions that
 * could not be read are left as they are.
 */
export function judgeConditions(
  outcome: Outcome,
  spec: TaskSpec,
  registered: (o: Outcome) => Record<string, unknown>,
  holds: (exprs: string[], vars: Record<string, unknown>) => boolean,
  vars: Record<string, unknown>,
): Outcome {
  if (!spec.changedWhen && !spec.failedWhen) return outcome;
  if (outcome.status === 'skipped' || outcome.reason === 'expression') return outcome;
  if (outcome.reason !== null && UNJUDGED.has(outcome.reason)) return outcome;
  // The registered result is built only for a task that has a condition: every other task skips the work.
  const result = registered(outcome);
  const seen = { ...vars, ...result, ...(spec.register ? { [spec.register]: result } : {}) };
  let changed = outcome.changed;
  let isFailed = outcome.status === 'failed';
  try {
    if (spec.changedWhen) changed = holds(spec.changedWhen, seen);
    if (spec.failedWhen) isFailed = holds(spec.failedWhen, seen);
  } catch (err) {
    const { rc, stdout, stderr } = outcome;
    return failed('expression', message(err), { rc, stdout, stderr });
  }
  const data = spec.failedWhen ? { ...outcome.data, failed_when_result: isFailed } : outcome.data;
  const judged: Outcome = { ...outcome, changed, ...(data ? { data } : {}) };
  if (isFailed) {
    if (outcome.status === 'failed' && !spec.failedWhen) return judged;
    return { ...judged, status: 'failed', error: 'failed_when matched', reason: outcome.reason ?? 'command' };
  }
  return { ...judged, status: changed ? 'changed' : 'ok', error: null, reason: null };
}
