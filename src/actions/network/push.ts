import { randomBytes } from 'node:crypto';
import {
  identity,
  linesToPush,
  parseConfig,
  stillMissing,
  type ConfigSyntax,
  type Intent,
} from '../../network/config-diff.js';
import type { PlatformProfile } from '../../network/platform.js';
import type { NetworkCliSession } from '../../transport/network-cli/session.js';

/**
 * Pushing configuration to a network device, safely:
 *
 * 1. read the running config and compute the lines it lacks; none means `ok`, and `--check` stops here;
 * 2. arm the platform's safety net before the first line (IOS revert timer, Junos/IOS-XR commit confirmed,
 *    EOS session commit timer, NX-OS checkpoint); a task that asks for `confirm` fails before touching a
 *    device that cannot arm it, one that does not pushes with a warning;
 * 3. enter the private or exclusive context the platform has and push line by line, checking each line's
 *    output against the profile's errors; the first rejected line aborts and reverts, so the device is left
 *    as it was, and the task fails with the device's own words;
 * 4. commit (confirmed) where the platform stages changes, read the running config again and fail if a line
 *    is still missing: the change then stays unconfirmed and the device rolls it back itself;
 * 5. confirm at once when the task did not ask to confirm later (`confirm:`); otherwise the change stays
 *    pending until a `cli_confirm` task.
 */

export type ConfirmState = 'none' | 'pending' | 'confirmed' | 'rolled_back';

export interface PushRequest extends Intent {
  /**
   * Minutes the change may stay unconfirmed before the device rolls it back; when set, confirming is left to a
   * later task.
   */
  confirm?: number;
  saveWhen?: 'always' | 'never' | 'modified' | 'changed';
  backup?: boolean;
  /** cli_config: false stages lines on a candidate platform without committing them (Ansible's `commit: false`). */
  commit?: boolean;
  /** cli_config `replace`: the intent's text becomes the whole configuration, not lines merged into it. */
  replaceConfig?: boolean;
}

export interface PushResult {
  status: 'ok' | 'changed' | 'failed';
  /** The lines sent in config mode (or, under check, that would be). */
  lines: string[];
  confirm: ConfirmState;
  warnings: string[];
  error?: string;
  /** The device's running config before the push, when `backup` asked for it. */
  backup?: string;
  /** What the device said the change was (Junos `show | compare`, EOS session diffs), when it says. */
  deviceDiff?: string;
}

/** Minutes a safety net armed only to make a rejected line revertible stays armed: long enough to verify. */
const INTERNAL_NET_MINUTES = 5;

export function syntaxOf(profile: PlatformProfile): ConfigSyntax {
  return { syntax: profile.config.syntax, comments: profile.config.comments, ignoreLines: profile.config.ignoreLines };
}

/** Fills `{minutes}`, `{seconds}`, `{hms}` and `{session}` in a profile's command. */
export function fill(line: string, v: { minutes: number; session: string }): string {
  const seconds = Math.round(v.minutes * 60);
  const hms = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return line
    .replace(/\{minutes\}/g, String(Math.max(1, Math.ceil(v.minutes))))
    .replace(/\{seconds\}/g, String(seconds))
    .replace(/\{hms\}/g, hms)
    .replace(/\{session\}/g, v.session);
}

/** What a host remembers between a push and its confirmation. */
export interface PendingChange {
  session: string;
  minutes: number;
}

const pendingChanges = new WeakMap<NetworkCliSession, PendingChange>();

export async function runningConfig(session: NetworkCliSession): Promise<string> {
  const r = await session.exec(session.profile.config.running);
  if (r.rc !== 0) throw new Error(`${session.profile.config.running}: ${r.stderr}`);
  return r.stdout;
}

export async function pushConfig(
  session: NetworkCliSession,
  req: PushRequest,
  opts: { check: boolean },
): Promise<PushResult> {
  const profile = session.profile;
  const cfg = profile.config;
  const syntax = syntaxOf(profile);
  const warnings: string[] = [];
  const before = await runningConfig(session);
  if (req.replaceConfig && cfg.replace.length === 0) {
    return {
      status: 'failed',
      confirm: 'none',
      lines: [],
      warnings,
      error:
        `${profile.name} cannot replace its whole configuration from the CLI: ` +
        'push the lines it must hold with config (merged), and remove others with explicit no/delete lines',
    };
  }
  const lines = req.replaceConfig ? replacingLines(req, before, syntax) : linesToPush(req, before, syntax);
  const base = { lines, warnings, ...(req.backup ? { backup: before } : {}) };
  /** A failed push; `pushed` is what already reached the device. */
  const failed = (pushed: string[], error: string): PushResult => ({
    status: 'failed',
    confirm: 'none',
    ...base,
    lines: pushed,
    error,
  });
  if (lines.length === 0) return { status: 'ok', confirm: 'none', ...base };
  if (opts.check) return { status: 'changed', confirm: 'none', ...base };

  const name = `runbook-${randomBytes(3).toString('hex')}`;
  let armed = cfg.safetyNet !== 'none';
  if (armed && cfg.safetyNetCheck) {
    const probe = await session.exec(cfg.safetyNetCheck.command);
    if (cfg.safetyNetCheck.missing.test(`${probe.stdout}\n${probe.stderr}`)) armed = false;
  }
  if (!armed) {
    const why =
      cfg.safetyNet === 'none' ? 'the platform has none' : `"${cfg.safetyNetCheck?.command}" says it is not set up`;
    if (req.confirm !== undefined) {
      return failed(
        [],
        `${profile.name}: no rollback timer is available on this device (${why}), ` +
          'so confirm cannot be honoured; nothing was changed',
      );
    }
    warnings.push(`pushed without a safety net (${why}): a rejected line cannot be reverted`);
  }
  const minutes = req.confirm ?? INTERNAL_NET_MINUTES;
  const v = { minutes, session: name };
  const staged = cfg.model !== 'immediate';

  const enter = armed && cfg.enterConfirmed.length > 0 ? cfg.enterConfirmed : cfg.enter;
  for (const line of enter) {
    const r = await session.run(fill(line, v));
    if (r.rejected) return failed([], `entering config mode: "${fill(line, v)}" was rejected: ${r.rejected}`);
  }
  if (session.channel.mode !== cfg.mode) {
    return failed([], `entering config mode left the device at "${session.channel.prompt}"`);
  }

  if (req.replaceConfig) {
    for (const line of cfg.replace) {
      const r = await session.run(line);
      if (r.rejected) {
        await abort(session, { armed, staged, v });
        return failed([], `"${line}" was rejected: ${r.rejected}`);
      }
    }
  }
  const pushed: string[] = [];
  for (const line of lines) {
    const r = await session.run(line);
    if (r.rejected) {
      const reverted = await abort(session, { armed, staged, v });
      const left = reverted
        ? 'the device was reverted to how it was'
        : `lines already applied stay: ${pushed.join(' | ') || 'none'}`;
      return {
        status: 'failed',
        confirm: reverted && armed && !staged ? 'rolled_back' : 'none',
        ...base,
        lines: pushed,
        error: `"${line}" was rejected: ${r.rejected} (${left})`,
      };
    }
    pushed.push(line);
  }

  let deviceDiff: string | undefined;
  if (staged && cfg.compare) deviceDiff = (await session.run(cfg.compare)).output;
  if (staged && req.commit === false) {
    await leaveConfig(session);
    return {
      status: 'changed',
      confirm: 'none',
      ...base,
      lines: pushed,
      ...(deviceDiff !== undefined ? { deviceDiff } : {}),
      warnings: [...warnings, 'staged without committing (commit: false)'],
    };
  }
  if (staged) {
    const commit = armed ? cfg.commitConfirmed : cfg.commit;
    for (const line of commit) {
      const r = await session.run(fill(line, v));
      if (r.rejected) {
        await abort(session, { armed, staged, v });
        return failed(pushed, `commit refused: ${r.rejected}; nothing was committed`);
      }
    }
  }
  await leaveConfig(session);
  if (armed) pendingChanges.set(session, { session: name, minutes });

  const after = await runningConfig(session);
  const missing = stillMissing(req, after, syntax);
  const done = { ...base, lines: pushed, ...(deviceDiff !== undefined ? { deviceDiff } : {}) };
  if (missing.length > 0) {
    return {
      status: 'failed',
      confirm: armed ? 'pending' : 'none',
      ...done,
      error:
        `lines still missing after the push: ${missing.join(' | ')}` +
        (armed ? ` (left unconfirmed: the device rolls back in ${minutes} minutes)` : ''),
    };
  }
  let confirm: ConfirmState = armed ? 'pending' : 'none';
  if (armed && req.confirm === undefined) confirm = await confirmPending(session);
  await save(session, req, warnings);
  return { status: 'changed', confirm, ...done };
}

async function save(session: NetworkCliSession, req: PushRequest, warnings: string[]): Promise<void> {
  const when = req.saveWhen ?? 'never';
  if (when === 'never' || session.profile.config.save.length === 0) return;
  for (const line of session.profile.config.save) {
    const r = await session.exec(line);
    if (r.rc !== 0) warnings.push(`saving the config failed: ${r.stderr}`);
  }
}

async function leaveConfig(session: NetworkCliSession): Promise<void> {
  const cfg = session.profile.config;
  if (session.channel.mode === session.workingMode) return;
  for (const line of cfg.exit) {
    if (session.channel.mode === session.workingMode) break;
    await session.run(line);
  }
  if (session.channel.mode !== session.workingMode) await session.enter(session.workingMode);
}

/** Throws away what a failed push did; true when the device is back to how it was before the push. */
async function abort(
  session: NetworkCliSession,
  o: { armed: boolean; staged: boolean; v: { minutes: number; session: string } },
): Promise<boolean> {
  const cfg = session.profile.config;
  if (!o.staged && !o.armed) {
    await leaveConfig(session);
    return false;
  }
  for (const line of cfg.abort) await session.run(fill(line, o.v));
  if (session.channel.mode !== session.workingMode) await session.enter(session.workingMode);
  return true;
}

/** Confirms the change pending on this session's device so it stays; `none` when nothing was pending. */
export async function confirmPending(session: NetworkCliSession): Promise<ConfirmState> {
  const pending = pendingChanges.get(session);
  if (!pending) return 'none';
  for (const line of session.profile.config.confirm) {
    const r = await session.run(fill(line, { minutes: pending.minutes, session: pending.session }));
    if (r.rejected) throw new Error(`confirming failed: "${fill(line, pending)}" was rejected: ${r.rejected}`);
  }
  if (session.channel.mode !== session.workingMode) await session.enter(session.workingMode);
  pendingChanges.delete(session);
  return 'confirmed';
}

/** What a platform without numbered rollback offers instead, for the message that refuses it. */
const INSTEAD: Record<string, string> = {
  eos: 'push the intended config with config (EOS keeps no numbered commits; configure replace restores a file)',
  ios: 'push the intended config with config (IOS keeps no numbered commits; archive and configure replace do)',
  nxos: 'push the intended config with config (NX-OS rolls back only to a named checkpoint)',
};

/**
 * cli_config `rollback: N`: loads and commits the configuration the device saved N commits ago, by the profile's
 * `rollback` commands; a platform that keeps no such history is refused before anything is sent.
 */
export async function rollbackTo(session: NetworkCliSession, n: number): Promise<PushResult> {
  const profile = session.profile;
  const base = { lines: [] as string[], warnings: [] as string[], confirm: 'none' as ConfirmState };
  if (profile.config.rollback.length === 0) {
    const instead = INSTEAD[profile.name] ?? 'push the intended config with config';
    return { status: 'failed', ...base, error: `${profile.name} has no rollback to a saved configuration: ${instead}` };
  }
  const before = await runningConfig(session);
  const sent: string[] = [];
  for (const template of profile.config.rollback) {
    const line = template.replace(/\{n\}/g, String(n));
    const r = await session.run(line);
    sent.push(line);
    if (r.rejected || /\berror\b/i.test(r.output)) {
      const why = r.rejected ?? r.output.trim();
      if (session.channel.mode !== session.workingMode) {
        for (const a of profile.config.abort) await session.run(a);
        if (session.channel.mode !== session.workingMode) await session.enter(session.workingMode);
      }
      return { status: 'failed', ...base, lines: sent, error: `"${line}" was refused: ${why}; nothing was changed` };
    }
  }
  if (session.channel.mode !== session.workingMode) await session.enter(session.workingMode);
  const after = await runningConfig(session);
  return { status: after === before ? 'ok' : 'changed', ...base, lines: sent };
}

/** Every line of the replacing config, or none when the device already holds exactly that config. */
function replacingLines(req: PushRequest, running: string, syntax: ConfigSyntax): string[] {
  const ids = (text: string) => new Set(parseConfig(text, syntax).map(identity));
  const want = ids(req.text ?? '');
  const have = ids(running);
  if (want.size === have.size && [...want].every((id) => have.has(id))) return [];
  return linesToPush({ ...req, match: 'line', replace: 'line' }, '', syntax);
}
