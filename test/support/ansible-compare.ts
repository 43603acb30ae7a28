import { expect } from 'vitest';
import { linesOf, type ToolRun } from './ansible.js';

/**
 * How the differential tests compare ansible-playbook with runbook on the same fleet of two OpenSSH hosts:
 * each host (and the controller) must have run the same commands, in the same order, with the same recap.
 */

/** What each host (and the controller) ran, in order. */
export function perHost(run: ToolRun): Record<string, string[]> {
  return Object.fromEntries(['h1', 'h2', 'controller'].map((h) => [h, linesOf(run, h)]));
}

export function expectSame(r: { ansible: ToolRun; runbook: ToolRun }): void {
  expect(r.ansible.recap, r.ansible.stdout + r.ansible.stderr).not.toEqual({});
  expect(perHost(r.runbook), r.runbook.stderr).toEqual(perHost(r.ansible));
  expect(r.runbook.recap).toEqual(r.ansible.recap);
  expect(r.runbook.code).toBe(r.ansible.code);
}

/** A one-play playbook over every host, without fact gathering, with `body` as its tasks. */
export const play = (body: string, head = ''): Record<string, string> => ({
  'site.yml': `- hosts: all\n  gather_facts: no\n${head}  tasks:\n${body}`,
});
