import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { loadPlaybook } from '../../src/playbook/playbook.js';
import { ACTIONS } from '../../src/actions/registry.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();

function load(tasks: string) {
  const dir = tempDir();
  const file = join(dir, 'site.yml');
  writeFileSync(file, `- hosts: all\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n`);
  const r = loadPlaybook(file, ACTIONS);
  return { ...r, messages: r.diagnostics.map((d) => formatDiagnostic({ ...d, file: 'site.yml' })) };
}

describe('network modules in playbooks', () => {
  it('loads Ansible network tasks by short and fully qualified names', () => {
    const { playbook, diagnostics } = load(`- cisco.ios.ios_config:
    lines: [ntp server 192.0.2.1]
    parents: []
- ansible.netcommon.cli_command: {command: show version}
- junos_command: {commands: [show version], wait_for: "result[0] contains Junos"}
- cli_confirm:`);
    expect(diagnostics).toEqual([]);
    expect(playbook!.plays[0]!.tasks.map((t) => [t.action.kind, t.action.moduleKind])).toEqual([
      ['cisco.ios.ios_config', 'config'],
      ['ansible.netcommon.cli_command', 'cli_command'],
      ['junos_command', 'command'],
      ['cli_confirm', 'confirm'],
    ]);
  });

  it('refuses a config task with nothing to push, and arguments runbook would ignore', () => {
    expect(load('- ios_config:\n    parents: interface gi0/1').messages).toEqual([
      'site.yml:3:7: ios_config needs lines (under parents) or src',
    ]);
    expect(load('- cli_config:\n    config: x\n    rollback: 1').messages).toEqual([
      'site.yml:5:9: cli_config takes config or rollback, not both',
    ]);
    expect(load('- cli_config:\n    config: x\n    replace: flash:new.cfg').messages).toEqual([
      'site.yml:5:9: cli_config replace from a file on the device is not supported: ' +
        'give the whole configuration in config with replace: true',
    ]);
    expect(load('- cli_config:\n    replace: true').messages).toEqual([
      'site.yml:4:9: cli_config replace needs the whole configuration in config',
    ]);
    expect(load('- cli_config:\n    config: x\n    replace: yes').messages).toEqual([]);
    expect(
      load('- ios_config:\n    lines: [a]\n    confirm_after:\n      - ios_config: {lines: [b]}').messages,
    ).toEqual([
      'site.yml:6:13: confirm_after: ios_config cannot verify a change; use cli_command or a *_command module',
    ]);
    expect(
      load('- ios_config:\n    lines: [a]\n    confirm_after:\n      - ios_command: {wait_for: x}').messages,
    ).toEqual(['site.yml:6:13: confirm_after: ios_command needs commands']);
    expect(
      load('- ios_config:\n    lines: [a]\n    confirm_after:\n      - cli_command: {command: show clock}').messages,
    ).toEqual([]);
    expect(load('- cli_config:\n    rollback: 1').messages).toEqual([]);
    expect(load('- eos_config:\n    lines: [a]\n    src: b.j2').messages).toEqual([
      'site.yml:5:9: eos_config takes lines or src, not both',
    ]);
  });

  it('reports a misspelt argument with the right name', () => {
    const { messages } = load('- ios_config:\n    line: [a]');
    expect(messages.some((m) => /^site\.yml:4:9: unknown key "line" \(did you mean "lines"\?\)/.test(m))).toBe(true);
  });

  it('counts a network module as the task action', () => {
    expect(load('- ios_config: {lines: [a]}\n  command: show version').messages[0]).toMatch(/task has 2 actions/);
  });
});
