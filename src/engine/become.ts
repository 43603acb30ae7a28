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
    // su reads its password from the terminal only: runbook supports it for password-less transitions (root).
    return { command: `su ${shellQuote(become.user)} -s /bin/sh -c ${shellQuote(command)}` };
  }
  if (password === undefined) return { command: `sudo -H -n -u ${shellQuote(become.user)} ${inner}` };
  const prompt = `[runbook-become-${randomBytes(6).toString('hex')}]`;
  return { command: `sudo -H -S -p ${shellQuote(prompt)} -u ${shellQuote(become.user)} ${inner}`, stdin: `${password}\n`, prompt };
}

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
  if (prompt !== undefined && stderr.split(prompt).length > 2) return true;
  return stderr.split('\n').some((line) => /^(sudo|su)\b/.test(line) && REFUSALS.some((r) => r.test(line)));
}

/** The command's own stderr: sudo's prompt markers taken out. */
export function withoutPrompt(stderr: string, prompt: string | undefined): string {
  return prompt === undefined ? stderr : stderr.split(prompt).join('');
}
