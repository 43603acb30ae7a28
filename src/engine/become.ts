import { randomBytes } from 'node:crypto';
import type { BecomeSpec } from '../playbook/types.js';

/**
 * Privilege escalation as a wrapped command line. The password travels on the command's standard input,
 * never on its command line (where `ps` and the remote journal would show it), and the prompt is a marker
 * of our own so it can be told apart from the command's output and taken out of it.
 */
export interface BecomeCommand {
  command: string;
  /** Written to the command's standard input, then closed. */
  stdin?: string;
  /** The marker sudo prints when it asks for the password. */
  prompt?: string;
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command run as `become.user`. Without a password sudo runs with -n: where one is needed it fails at
 * once instead of waiting for a reply that never comes.
 */
export function becomeCommand(command: string, become: BecomeSpec, password: string | undefined): BecomeCommand {
  const inner = `/bin/sh -c ${shellQuote(command)}`;
  if (become.method === 'su') {
    // Without a terminal su asks on stderr and reads standard input; an empty input fails at once, not hangs.
    return {
      command: `su ${shellQuote(become.user)} -s /bin/sh -c ${shellQuote(command)}`,
      stdin: password === undefined ? '' : `${password}\n`,
      prompt: SU_PROMPT,
    };
  }
  if (password === undefined) return { command: `sudo -H -n -u ${shellQuote(become.user)} ${inner}` };
  const prompt = `[runbook-become-${randomBytes(6).toString('hex')}]`;
  return {
    command: `sudo -H -S -p ${shellQuote(prompt)} -u ${shellQuote(become.user)} ${inner}`,
    stdin: `${password}\n`,
    prompt,
  };
}

/** What su prints when it asks (C locale). */
const SU_PROMPT = 'Password: ';

const REFUSALS = [
  /incorrect password attempt/i,
  /Sorry, try again/i,
  /a password is required/i,
  /no password was provided/i,
  /Authentication failure/i,
  /is not in the sudoers file/i,
  /not allowed to execute/i,
  /must be run from a terminal/i,
];

/**
 * Whether a failed wrapped command failed because escalation was refused, not because the command did:
 * sudo asked twice, or sudo/su said why on a line of its own.
 */
export function becomeRefused(rc: number | null, stderr: string, prompt: string | undefined): boolean {
  if (rc === 0) return false;
  if (prompt !== undefined && prompt !== SU_PROMPT && stderr.split(prompt).length > 2) return true;
  return withoutPrompt(stderr, prompt)
    .split('\n')
    .some((line) => /^(sudo|su)\b/.test(line) && REFUSALS.some((r) => r.test(line)));
}

/** The command's own stderr: the prompt taken out (sudo's marker anywhere, su's once at the start). */
export function withoutPrompt(stderr: string, prompt: string | undefined): string {
  if (prompt === undefined) return stderr;
  if (prompt === SU_PROMPT) return stderr.startsWith(prompt) ? stderr.slice(prompt.length) : stderr;
  return stderr.split(prompt).join('');
}
