import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ActionHost } from './action.js';

/** A command's exit status and output, as Ansible's run_command returns them. */
export interface CommandResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** How the service modules run commands on the host; a fake in unit tests of their decisions. */
export interface HostShell {
  /** A command that ends by itself (a query, `systemctl enable`). */
  run(command: string): Promise<CommandResult>;
  /**
   * A command that may leave a daemon behind (an init script's `start`): run in its own session with its
   * output in files, so the daemon never holds the SSH channel open, as Ansible's service module daemonizes.
   */
  detached(command: string): Promise<CommandResult>;
}

/** What a service module decided and did: Ansible's result fields, and the failure message if it failed. */
export interface ModuleResult {
  changed: boolean;
  /** Ansible's `msg` when the module failed. */
  failure?: string;
  /** The result's fields besides `changed`/`failed` (`name`, `state`, `enabled`, `status`, `msg`). */
  fields: Record<string, unknown>;
  warnings: string[];
  /** What changes (or would under --check): the state before and after, for the diff. */
  before: Record<string, string>;
  after: Record<string, string>;
}

export function newResult(fields: Record<string, unknown> = {}): ModuleResult {
  return { changed: false, fields, warnings: [], before: {}, after: {} };
}

/** Ends the module with Ansible's fail_json message (the fields gathered so far are kept, as Ansible does). */
export class ModuleFailure extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Python's repr of a string, as Ansible's messages print a unit name with %r. */
export function pyRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s.replace(/\\/g, '\\\\')}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The C locale, because status output is screen-scraped (as Ansible forces for chkconfig and friends). */
const C_LOCALE = 'export LANG=C LC_ALL=C LC_MESSAGES=C;';

/** The session's commands under the task's deadline. */
export function sessionShell(host: ActionHost): HostShell {
  const exec = async (line: string): Promise<CommandResult> => {
    const res = await host.bounded((signal) => host.session.exec(line, { timeoutMs: host.timeoutMs, signal }));
    return { rc: res.rc ?? -1, stdout: res.stdout, stderr: res.stderr };
  };
  return {
    run: (command) => exec(`${C_LOCALE} ${command}`),
    detached: (command) =>
      exec(
        [
          'o=$(mktemp) && e=$(mktemp) || exit 97',
          // setsid -w: a new session (the daemon outlives this command), and still wait for the status.
          'if command -v setsid >/dev/null 2>&1; then s="setsid -w"; else s=; fi',
          `(cd / && ${C_LOCALE} exec $s /bin/sh -c ${shellQuote(command)} </dev/null >"$o" 2>"$e"); rc=$?`,
          'cat "$o"; cat "$e" >&2; rm -f "$o" "$e"; exit $rc',
        ].join('\n'),
      ),
  };
}

/** The state before and after as a diff, the way the file module shows what it changes. */
export function stateDiff(what: string, before: Record<string, string>, after: Record<string, string>): string {
  const keys = Object.keys(after).filter((k) => before[k] !== after[k]);
  if (keys.length === 0) return '';
  return [
    `--- ${what}`,
    `+++ ${what}`,
    ...keys.map((k) => `-${k}: ${before[k] ?? ''}`),
    ...keys.map((k) => `+${k}: ${after[k]}`),
    '',
  ].join('\n');
}
