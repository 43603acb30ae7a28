import type { TaskSpec } from '../playbook/types.js';
import type { ExecResult } from '../transport/transport.js';
import type { ActionHost } from './action.js';
import {
  aborted,
  DNF_ENV,
  dnfCommand,
  parseRpmQuery,
  planDnf,
  rpmQueryScript,
  transactionResults,
  unmatched,
  type DnfOptions,
} from './dnf-plan.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';
import { nameList } from './package-args.js';

/** The dnf task's arguments after parsing (strings still templated). */
export interface DnfAction {
  kind: 'dnf';
  names?: unknown;
  state: 'present' | 'absent' | 'latest';
  update_cache: boolean;
  update_only: boolean;
  autoremove: boolean;
  disable_gpg_check: boolean;
  allowerasing: boolean;
  nobest: boolean;
  cacheonly: boolean;
  security: boolean;
  bugfix: boolean;
  install_weak_deps?: boolean;
  conf_file?: string;
  installroot?: string;
  releasever?: string;
  enablerepo: string[];
  disablerepo: string[];
  exclude: string[];
  [arg: string]: unknown;
}

/**
 * Runs a dnf task on one host as Ansible's dnf module does, with the dnf command line and rpm over the session
 * instead of dnf's Python API. `field` names the task key for template errors (`dnf`, or `package`).
 */
export async function runDnf(a: DnfAction, task: TaskSpec, host: ActionHost, field = 'dnf'): Promise<Outcome> {
  let names: string[];
  const options: DnfOptions = {
    check: host.check,
    disableGpgCheck: a.disable_gpg_check,
    allowerasing: a.allowerasing,
    nobest: a.nobest,
    cacheonly: a.cacheonly,
    security: a.security,
    bugfix: a.bugfix,
    enablerepo: a.enablerepo,
    disablerepo: a.disablerepo,
    exclude: a.exclude,
  };
  try {
    const r = (key: string, s: string): string => host.renderer.text(task, [`${field}.${key}`, field], s, host.vars);
    names = nameList(host.renderer.value(a.names, host.vars));
    if (a.conf_file !== undefined) options.confFile = r('conf_file', a.conf_file);
    if (a.installroot !== undefined) options.installroot = r('installroot', a.installroot);
    if (a.releasever !== undefined) options.releasever = r('releasever', a.releasever);
  } catch (err) {
    return failed('template', message(err));
  }
  if (a.install_weak_deps !== undefined) options.installWeakDeps = a.install_weak_deps;
  const exec = (line: string): Promise<ExecResult> =>
    host.bounded((signal) => host.session.exec(line, { timeoutMs: host.timeoutMs, signal }));
  try {
    return await ensure(a, names, options, host, exec);
  } catch (err) {
    return linkFailure(err, host.stopped, () => failed('command', message(err)));
  }
}

async function ensure(
  a: DnfAction,
  names: string[],
  options: DnfOptions,
  host: ActionHost,
  exec: (line: string) => Promise<ExecResult>,
): Promise<Outcome> {
  const outcome = (changed: boolean, msg: string, results: string[], res?: ExecResult): Outcome =>
    done(changed ? 'changed' : 'ok', {
      ...(res ? { rc: res.rc, stdout: res.stdout, stderr: res.stderr } : { rc: 0 }),
      data: { msg, results },
    });
  // Ansible refreshes the metadata under --check too: it changes no package, and --check then sees what a
  // real run would.
  if (a.update_cache) {
    const res = await exec(`${DNF_ENV} dnf -y makecache --refresh`);
    if (res.rc !== 0) return failed('command', `Failed to update the cache: ${res.stderr.trim()}`, resultOf(res));
  }
  if (names.length === 0) {
    if (a.autoremove && a.state !== 'latest') return transaction(exec, 'autoremove', [], options);
    if (a.update_cache) return outcome(false, 'Cache updated', []);
    return failed('command', 'dnf: name is required unless update_cache or autoremove is given');
  }
  if (a.state === 'latest' && names.includes('*')) return transaction(exec, 'upgrade', [], options);

  const installed = parseRpmQuery((await exec(rpmQueryScript(names))).stdout);
  const plan = planDnf(names, installed, a.state, a.update_only);
  if (plan.remove.length > 0) return transaction(exec, 'remove', plan.remove, { ...options, autoremove: a.autoremove });
  if (plan.install.length === 0 && plan.upgrade.length === 0) return outcome(false, 'Nothing to do', []);
  let results: string[] = [];
  let last: ExecResult | undefined;
  for (const [operation, specs] of [
    ['install', plan.install],
    ['upgrade', plan.upgrade],
  ] as const) {
    if (specs.length === 0) continue;
    const step = await transaction(exec, operation, specs, options);
    if (step.status === 'failed') return step;
    results = [...results, ...((step.data?.results as string[] | undefined) ?? [])];
    last = {
      rc: step.rc,
      stdout: `${last?.stdout ?? ''}${step.stdout}`,
      stderr: `${last?.stderr ?? ''}${step.stderr}`,
    };
  }
  const changed = results.length > 0;
  const msg = !changed
    ? 'Nothing to do'
    : host.check
      ? 'Check mode: No changes made, but would have if not in check mode'
      : '';
  return outcome(changed, msg, results, last);
}

function resultOf(res: ExecResult): Partial<Outcome> {
  return { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
}

/** One dnf transaction; `changed` when dnf did (or under --check would do) anything. */
async function transaction(
  exec: (line: string) => Promise<ExecResult>,
  operation: string,
  specs: string[],
  options: DnfOptions,
): Promise<Outcome> {
  const res = await exec(dnfCommand(operation, specs, options));
  const out = `${res.stdout}\n${res.stderr}`;
  const missing = unmatched(out);
  if (missing.length > 0 && operation !== 'remove')
    return failed('command', 'Failed to install some of the specified packages', {
      ...resultOf(res),
      data: { failures: missing.map((m) => `No package ${m} available.`), results: [] },
    });
  // Under --check dnf answers "no" to its own question, which it reports as a failure.
  if (res.rc !== 0 && !(options.check && aborted(out)))
    return failed('command', res.stderr.trim() || `dnf ${operation} failed: exit status ${res.rc}`, resultOf(res));
  const results = transactionResults(res.stdout);
  const msg =
    results.length === 0
      ? 'Nothing to do'
      : options.check
        ? 'Check mode: No changes made, but would have if not in check mode'
        : '';
  return done(results.length > 0 ? 'changed' : 'ok', { ...resultOf(res), rc: 0, data: { msg, results } });
}
