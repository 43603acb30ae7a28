import { compilePattern } from '../../network/platform.js';
import { NETWORK_MODULES, type NetworkModuleKind } from '../../playbook/network-modules.js';
import { NetworkCliSession } from '../../transport/network-cli/session.js';
import type { Session } from '../../transport/transport.js';
import { confirmPending, pushConfig, rollbackTo, type ConfirmState, type PushRequest } from './push.js';

/**
 * Runs one Ansible network module on a network_cli session, with Ansible's argument names and results:
 * `*_command` and `cli_command` register `stdout` and `stdout_lines` (per command for `*_command`);
 * `*_config` and `cli_config` push through the safe push sequence and register `commands`/`updates`.
 */

export interface NetworkTaskResult {
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  stdout: string;
  stderr: string;
  error: string | null;
  /** What `register` keeps, besides changed/failed. */
  registered: Record<string, unknown>;
  /** For config tasks: the lines pushed (or that would be), and where the change stands. */
  network?: { lines: string[]; confirm: ConfirmState; warnings: string[] };
  diff?: string;
  wouldRun?: boolean;
}

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function failed(error: string, partial: Partial<NetworkTaskResult> = {}): NetworkTaskResult {
  return { status: 'failed', stdout: '', stderr: '', error, registered: {}, ...partial };
}

/** `ios_config` on a Junos box is a mistake worth stopping for; the `cli_*` modules fit any platform. */
function platformMismatch(module: string, session: NetworkCliSession): string | undefined {
  const m = /(?:^|\.)(ios|iosxr|nxos|eos|junos)_(?:command|config)$/.exec(module);
  if (!m || m[1] === session.profile.name) return undefined;
  return (
    `${module} is for ${m[1]} devices, but this host's network_os is ${session.profile.name} ` +
    '(use cli_command or cli_config for any platform)'
  );
}

export async function runNetworkTask(
  session: Session,
  action: { module: string; moduleKind: NetworkModuleKind },
  args: Record<string, unknown>,
  opts: { check: boolean; diff: boolean },
): Promise<NetworkTaskResult> {
  if (!(session instanceof NetworkCliSession)) {
    return failed(
      `${action.module} needs a network device: set ansible_connection: network_cli and ansible_network_os on the host`,
    );
  }
  const mismatch = platformMismatch(action.module, session);
  if (mismatch) return failed(mismatch);
  switch (action.moduleKind) {
    case 'cli_command':
      return cliCommand(session, args, opts);
    case 'command':
      return commands(session, args, opts);
    case 'cli_config':
    case 'config':
      return config(session, action.moduleKind, args, opts);
    case 'confirm': {
      if (opts.check) return { status: 'skipped', stdout: '', stderr: '', error: null, registered: {}, wouldRun: true };
      const state = await confirmPending(session);
      return {
        status: state === 'confirmed' ? 'changed' : 'ok',
        stdout: '',
        stderr: '',
        error: null,
        registered: { confirm: state },
        network: { lines: [], confirm: state, warnings: [] },
      };
    }
  }
}

/** Commands that only read: under --check they still run, as Ansible's *_command runs `show` commands. */
function readOnly(command: string): boolean {
  return /^\s*(show|display|ping|traceroute|dir|more)\b/i.test(command);
}

async function cliCommand(
  session: NetworkCliSession,
  args: Record<string, unknown>,
  opts: { check: boolean },
): Promise<NetworkTaskResult> {
  const command = String(args.command);
  if (opts.check && !readOnly(command))
    return { status: 'skipped', stdout: '', stderr: '', error: null, registered: {}, wouldRun: true };
  const prompts = list(args.prompt);
  const answers = list(args.answer);
  const r = await session.run(command, {
    answers: prompts.map((p, i) => ({
      prompt: compilePattern(p),
      answer: answers[i] ?? answers[answers.length - 1] ?? '',
    })),
  });
  if (session.channel.mode !== session.workingMode && session.channel.mode !== session.profile.config.mode)
    await session.enter(session.workingMode);
  const registered = { stdout: r.output, stdout_lines: r.output.split('\n') };
  if (r.rejected)
    return failed(`"${command}" was rejected: ${r.rejected}`, { stdout: r.output, stderr: r.rejected, registered });
  return { status: readOnly(command) ? 'ok' : 'changed', stdout: r.output, stderr: '', error: null, registered };
}

interface Condition {
  index: number;
  op: string;
  value: string;
  text: string;
}

/** Ansible's wait_for conditionals: `result[N] contains X`, `result[N] == X`, and !=, <, >, <=, >=. */
function parseCondition(text: string): Condition | string {
  const m = /^\s*result\[(\d+)\]\s*(contains|==|!=|<=|>=|<|>|eq|neq|gt|lt|ge|le)\s*(.+?)\s*$/.exec(text);
  if (!m) return `wait_for "${text}": expected result[N] followed by contains, ==, !=, <, >, <= or >= and a value`;
  return { index: Number(m[1]), op: m[2]!, value: m[3]!.replace(/^(['"])(.*)\1$/, '$2'), text };
}

function holds(c: Condition, results: string[]): boolean {
  const got = results[c.index] ?? '';
  const num = (s: string) => Number(s.trim());
  switch (c.op) {
    case 'contains':
      return got.includes(c.value);
    case '==':
    case 'eq':
      return got.trim() === c.value;
    case '!=':
    case 'neq':
      return got.trim() !== c.value;
    case '<':
    case 'lt':
      return num(got) < num(c.value);
    case '>':
    case 'gt':
      return num(got) > num(c.value);
    case '<=':
    case 'le':
      return num(got) <= num(c.value);
    default:
      return num(got) >= num(c.value);
  }
}

async function commands(
  session: NetworkCliSession,
  args: Record<string, unknown>,
  opts: { check: boolean },
): Promise<NetworkTaskResult> {
  const raw = Array.isArray(args.commands) ? args.commands : [args.commands];
  const entries = raw.map((c) =>
    typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : { command: String(c) },
  );
  const conditions = list(args.wait_for).map(parseCondition);
  const bad = conditions.find((c): c is string => typeof c === 'string');
  if (bad) return failed(bad);
  const conds = conditions as Condition[];
  const retries = typeof args.retries === 'number' ? args.retries : 10;
  const intervalMs = (typeof args.interval === 'number' ? args.interval : 1) * 1000;
  const any = args.match === 'any';
  const runnable = opts.check ? entries.filter((e) => readOnly(String(e.command))) : entries;
  if (runnable.length === 0)
    return { status: 'skipped', stdout: '', stderr: '', error: null, registered: {}, wouldRun: true };
  for (let attempt = 0; ; attempt++) {
    const outputs: string[] = [];
    for (const e of runnable) {
      const prompts = list(e.prompt);
      const answers = list(e.answer);
      const r = await session.run(String(e.command), {
        answers: prompts.map((p, i) => ({ prompt: compilePattern(p), answer: answers[i] ?? '' })),
      });
      outputs.push(r.output);
      if (r.rejected) {
        const registered = { stdout: outputs, stdout_lines: outputs.map((o) => o.split('\n')) };
        return failed(`"${String(e.command)}" was rejected: ${r.rejected}`, {
          stdout: outputs.join('\n'),
          stderr: r.rejected,
          registered,
        });
      }
    }
    const registered = { stdout: outputs, stdout_lines: outputs.map((o) => o.split('\n')) };
    const results = conds.map((c) => holds(c, outputs));
    const satisfied = conds.length === 0 || (any ? results.some(Boolean) : results.every(Boolean));
    if (satisfied) return { status: 'ok', stdout: outputs.join('\n'), stderr: '', error: null, registered };
    if (attempt >= retries) {
      const failing = conds.filter((_, i) => !results[i]).map((c) => c.text);
      return failed(`wait_for did not hold after ${attempt + 1} attempts: ${failing.join('; ')}`, {
        stdout: outputs.join('\n'),
        registered,
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function config(
  session: NetworkCliSession,
  kind: 'cli_config' | 'config',
  args: Record<string, unknown>,
  opts: { check: boolean; diff: boolean },
): Promise<NetworkTaskResult> {
  const req: PushRequest = {};
  if (kind === 'cli_config') {
    if (args.replace !== undefined && args.replace !== false && args.replace !== 'no') req.replaceConfig = true;
    if (typeof args.rollback === 'number') return rollback(session, args.rollback, opts);
    if (typeof args.config === 'string') req.text = args.config;
    if (args.diff_match !== undefined) req.match = args.diff_match as PushRequest['match'] & string;
    if (args.diff_replace !== undefined) req.replace = args.diff_replace as PushRequest['replace'] & string;
    if (args.commit === false) req.commit = false;
  } else {
    const lines = list(args.lines ?? args.commands);
    if (typeof args.src === 'string') req.text = args.src;
    else req.lines = lines;
    const parents = list(args.parents);
    if (parents.length > 0) req.parents = parents;
    if (args.before !== undefined) req.before = list(args.before);
    if (args.after !== undefined) req.after = list(args.after);
    if (args.match !== undefined) req.match = args.match as PushRequest['match'] & string;
    if (args.replace !== undefined) req.replace = args.replace as PushRequest['replace'] & string;
    if (args.save_when !== undefined) req.saveWhen = args.save_when as PushRequest['saveWhen'] & string;
  }
  if (Array.isArray(args.diff_ignore_lines)) {
    try {
      req.diffIgnoreLines = args.diff_ignore_lines.map((s) => compilePattern(String(s)));
    } catch (err) {
      return failed(`diff_ignore_lines: ${(err as Error).message}`);
    }
  }
  if (typeof args.confirm === 'number') req.confirm = args.confirm;
  const verifications = Array.isArray(args.confirm_after) ? args.confirm_after : [];
  // Verifying needs the change held unconfirmed meanwhile, so confirm_after arms the net even without confirm.
  if (verifications.length > 0 && req.confirm === undefined) req.confirm = DEFAULT_CONFIRM_MINUTES;
  if (args.backup === true) req.backup = true;
  const r = await pushConfig(session, req, { check: opts.check });
  if (verifications.length > 0 && r.status === 'changed' && r.confirm === 'pending' && !opts.check) {
    const outcome = await verifyThenConfirm(session, verifications, req.confirm ?? DEFAULT_CONFIRM_MINUTES);
    r.confirm = outcome.confirm;
    if (outcome.error !== undefined) {
      r.status = 'failed';
      r.error = outcome.error;
    }
  }
  const network = { lines: r.lines, confirm: r.confirm, warnings: r.warnings };
  const registered: Record<string, unknown> = {
    commands: r.lines,
    updates: r.lines,
    confirm: r.confirm,
    warnings: r.warnings,
  };
  if (r.backup !== undefined) registered.backup = r.backup;
  const stdout = r.lines.join('\n');
  const result: NetworkTaskResult = {
    status: r.status,
    stdout,
    stderr: r.warnings.join('\n'),
    error: r.error ?? null,
    registered,
    network,
  };
  if ((opts.diff || opts.check) && r.lines.length > 0)
    result.diff = r.deviceDiff ?? r.lines.map((l) => `+ ${l}`).join('\n');
  return result;
}

async function rollback(session: NetworkCliSession, n: number, opts: { check: boolean }): Promise<NetworkTaskResult> {
  // What a rollback changes is known only to the device, so --check reports that it would run.
  if (opts.check) return { status: 'skipped', stdout: '', stderr: '', error: null, registered: {}, wouldRun: true };
  const r = await rollbackTo(session, n);
  const registered = { commands: r.lines, rollback: n };
  if (r.status === 'failed') return failed(r.error ?? 'rollback failed', { registered });
  return { status: r.status, stdout: r.lines.join('\n'), stderr: '', error: null, registered };
}

/** Minutes a change verified by confirm_after stays revertible when the task gives no confirm. */
const DEFAULT_CONFIRM_MINUTES = 5;

/**
 * confirm_after: each verification is one network command module run on the same session; only when every one
 * passes is the change confirmed. Otherwise it is left pending, so the device's own timer rolls it back.
 */
async function verifyThenConfirm(
  session: NetworkCliSession,
  verifications: unknown[],
  minutes: number,
): Promise<{ confirm: ConfirmState; error?: string }> {
  for (const [i, v] of verifications.entries()) {
    const [module, value] = Object.entries(v as Record<string, unknown>)[0] ?? [];
    const moduleKind = module === undefined ? undefined : NETWORK_MODULES[module];
    const args = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const r =
      moduleKind === 'command' || moduleKind === 'cli_command'
        ? await runNetworkTask(session, { module: module!, moduleKind }, args, { check: false, diff: false })
        : failed(`${String(module)} cannot verify a change (use cli_command or a *_command module)`);
    if (r.status === 'failed') {
      return {
        confirm: 'pending',
        error:
          `confirm_after[${i}] (${String(module)}) failed: ${r.error}; ` +
          `the change is left unconfirmed and the device rolls it back in ${minutes} minutes`,
      };
    }
  }
  return { confirm: await confirmPending(session) };
}
