import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/engine/load-plan.js';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';

/** What validate and plan make of facts, without any host: known names, and whether a play gathers. */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function planOf(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-plan-facts-'));
  dirs.push(dir);
  const all = {
    'inventory.yml': 'all:\n  hosts:\n    web1: {ansible_host: 192.0.2.10}\n    web2: {ansible_host: 192.0.2.11}\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const r = loadPlan({ playbook: join(dir, 'site.yml'), inventory: join(dir, 'inventory.yml') });
  return {
    problems: r.diagnostics.map((d) => formatDiagnostic(d).replace(`${dir}/`, '')),
    steps: (play = 0) => [...(r.plan?.plays[play]?.hosts.get('web1')?.tasks ?? [])].map((t) => t.spec.name),
  };
}

const head = (extra = '') => `- hosts: all\n${extra}  tasks:\n`;

describe('facts before the run', () => {
  it('gathers first when gather_facts is true, and never when false', () => {
    expect(planOf({ 'site.yml': `${head('  gather_facts: yes\n')}    - command: uptime\n` }).steps()).toEqual([
      'Gathering Facts',
      'uptime',
    ]);
    expect(planOf({ 'site.yml': `${head('  gather_facts: no\n')}    - command: uptime\n` }).steps()).toEqual([
      'uptime',
    ]);
  });

  it('gathers without the key only when a task, a template, play vars or host vars read a fact', () => {
    const cmd = (text: string) => `    - command: "${text}"\n`;
    expect(planOf({ 'site.yml': head() + cmd('uptime') }).steps()).toEqual(['uptime']);
    expect(planOf({ 'site.yml': head() + cmd('echo {{ ansible_hostname }}') }).steps()[0]).toBe('Gathering Facts');
    expect(planOf({ 'site.yml': `${head()}    - debug: {msg: "{{ ansible_facts['os_family'] }}"}\n` }).steps()[0]).toBe(
      'Gathering Facts',
    );
    const viaTemplate = planOf({
      'site.yml': `${head()}    - template: {src: motd.j2, dest: /etc/motd}\n`,
      'templates/motd.j2': '{% include "part.j2" %}\n',
      'templates/part.j2': 'Welcome to {{ ansible_distribution }}\n',
    });
    expect(viaTemplate.problems).toEqual([]);
    expect(viaTemplate.steps()[0]).toBe('Gathering Facts');
    const viaPlayVars = planOf({
      'site.yml': `${head('  vars: {me: "{{ ansible_fqdn }}"}\n')}${cmd('echo {{ me }}')}`,
    });
    expect(viaPlayVars.steps()[0]).toBe('Gathering Facts');
  });

  it('takes facts as known names at validate, but only where something gathers them', () => {
    const reads =
      `    - command: "ping -c1 {{ ansible_default_ipv4.gateway }}"\n` + `      when: ansible_os_family == 'Debian'\n`;
    expect(planOf({ 'site.yml': head() + reads }).problems).toEqual([]);
    expect(
      planOf({
        'site.yml':
          `${head('  gather_facts: no\n')}    - setup: {filter: ansible_default_ipv4}\n${reads}` +
          '- hosts: all\n  gather_facts: no\n  tasks:\n' +
          `    - debug: {msg: "{{ hostvars['web2'].ansible_facts.hostname }}"}\n`,
      }).problems,
    ).toEqual([]);
    expect(planOf({ 'site.yml': head('  gather_facts: no\n') + reads }).problems).toEqual([
      'site.yml:4:16: undefined variable "ansible_default_ipv4" for host web1 (and 1 other host)',
      'site.yml:5:13: undefined variable "ansible_os_family" in when for host web1 (and 1 other host) ' +
        '(facts are gathered where gather_facts is not false)',
    ]);
  });

  it('refuses a gather_subset name Ansible does not know, at the value', () => {
    const { problems } = planOf({ 'site.yml': `${head('  gather_subset: [min, "!hardwar"]\n')}    - command: x\n` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^site\.yml:2:18: gather_subset: "!hardwar" is not a subset \(gather_subset takes: /);
  });
});
