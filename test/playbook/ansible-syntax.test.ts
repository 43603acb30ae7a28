import { SUBSET_HINT } from '../../src/playbook/gather-subset.js';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { ACTIONS } from '../../src/actions/registry.js';
import { actionWords } from '../../src/playbook/action-syntax.js';
import { loadPlaybook } from '../../src/playbook/playbook.js';
import { selects } from '../../src/playbook/tags.js';
import { structureOf, type TaskSpec } from '../../src/playbook/types.js';

const root = mkdtempSync(join(tmpdir(), 'runbook-ansible-syntax-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Writes a tree of files and returns the path of its site.yml. */
function tree(files: Record<string, string>): string {
  const dir = join(root, `t${++counter}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, 'site.yml');
}

function problems(files: Record<string, string>): string[] {
  const file = tree(files);
  const { diagnostics } = loadPlaybook(file, ACTIONS);
  return diagnostics.map((d) => formatDiagnostic({ ...d, file: d.file.slice(dirname(file).length + 1) }));
}

function tasks(files: Record<string, string>, tags?: { only: string[]; skip: string[] }): TaskSpec[] {
  const file = tree(files);
  const { playbook, diagnostics } = loadPlaybook(file, ACTIONS, tags ? { tags } : {});
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  return playbook!.plays.flatMap((p) => p.tasks);
}

/** Leaf tasks in the order they are written, blocks opened. */
function leaves(list: TaskSpec[]): TaskSpec[] {
  return list.flatMap((t) => {
    const a = structureOf(t.action);
    if (a?.kind === 'block') return leaves([...a.block, ...a.rescue, ...a.always]);
    return [t];
  });
}

describe('Ansible task syntax', () => {
  it('maps ansible.builtin and ansible.legacy names onto runbook actions, keeping each location', () => {
    const list = tasks({
      'site.yml':
        '- hosts: all\n  tasks:\n    - ansible.builtin.command: uptime\n    - ansible.legacy.assert: {that: x}\n',
    });
    expect(list.map((t) => [t.action.kind, t.loc.line, t.loc.col])).toEqual([
      ['command', 3, 7],
      ['assert', 4, 7],
    ]);
  });

  it('reads free-form arguments, cmd:, argv: and args: as Ansible does', () => {
    const list = tasks({
      'site.yml': [
        '- hosts: all',
        '  tasks:',
        '    - command: ls -l chdir=/tmp creates=/etc/x',
        '    - command: {cmd: "echo hi", removes: /etc/y}',
        '    - command:',
        '        argv: [echo, "a b"]',
        '    - command: date',
        '      args:',
        '        chdir: /var',
        '    - template: src=a.j2 dest=/etc/a mode=0644',
        '',
      ].join('\n'),
      'templates/a.j2': 'a\n',
    });
    expect(list.map((t) => t.action)).toEqual([
      { kind: 'command', command: 'ls -l', chdir: '/tmp', creates: '/etc/x' },
      { kind: 'command', command: 'echo hi', removes: '/etc/y' },
      { kind: 'command', command: "echo 'a b'" },
      { kind: 'command', command: 'date', chdir: '/var' },
      { kind: 'template', src: 'a.j2', dest: '/etc/a', mode: '0644' },
    ]);
  });

  it("takes YAML 1.1 booleans and Ansible's boolean strings wherever a boolean is expected", () => {
    const list = tasks({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: a',
        '      ignore_errors: yes',
        '      run_once: "True"',
        '      no_log: on',
        '      check_mode: no',
        '    - command: b',
        '      check_mode: yes',
        '      become: Yes',
        '',
      ].join('\n'),
    });
    expect(list.map((t) => [t.ignoreErrors, t.runOnce, t.noLog, t.checkMode, t.become])).toEqual([
      [true, true, true, 'run', undefined],
      [false, false, false, 'always', { user: 'root', method: 'sudo' }],
    ]);
  });

  it("gives until Ansible's defaults (3 retries, 5 s apart) and reads delay", () => {
    const [a, b] = tasks({
      'site.yml':
        '- hosts: all\n  tasks:\n    - command: a\n      until: r.rc == 0\n      register: r\n' +
        '    - command: b\n      until: true\n      retries: 7\n      delay: 2\n',
    });
    expect([a!.retries, a!.retryDelayMs, a!.until]).toEqual([3, 5000, ['r.rc == 0']]);
    expect([b!.retries, b!.retryDelayMs]).toEqual([7, 2000]);
  });

  it('reads assert fail_msg and success_msg', () => {
    const [t] = tasks({
      'site.yml': '- hosts: all\n  tasks:\n    - assert: {that: x, fail_msg: bad, success_msg: good}\n',
    });
    expect(t!.action).toEqual({ kind: 'assert', that: ['x'], msg: 'bad', successMsg: 'good' });
  });

  it('refuses what it does not run, at the key, saying what to use instead', () => {
    const modules = Object.keys(ACTIONS);
    // The schema's message names the network modules as one family.
    const words = actionWords(ACTIONS);
    expect(
      problems({
        'site.yml': [
          '- hosts: all',
          '  gather_facts: true',
          '  gather_subset: [network, "!hardwares"]',
          '  tasks:',
          '    - ansible.builtin.user: name=nginx',
          '    - command: ls',
          '      async: 10',
          '    - command: ls',
          '      with_nested: [[1]]',
          '    - comand: ls',
          '    - command: ls',
          '      notify: nobody',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      `site.yml:3:18: gather_subset: "!hardwares" is not a subset (${SUBSET_HINT})`,
      `site.yml:5:7: module "ansible.builtin.user" is not supported by runbook ` +
        `(runbook's modules: ${modules.join(', ')}; a command: task can do what the module did)`,
      'site.yml:7:7: task keyword "async" is not supported ' +
        '(runbook bounds a task with "timeout"; start long jobs in the background with a command)',
      'site.yml:9:7: task keyword "with_nested" is not supported ' +
        '(use loop with the product filter written out as a list, or nested include_tasks)',
      `site.yml:10:7: unknown module or key "comand" (did you mean "command"? ` +
        `runbook's modules: ${words.slice(0, -1).join(', ')} or ${words.at(-1)!})`,
      'site.yml:12:15: notify: no handler is named or listens to "nobody"',
    ]);
  });
});

describe('static reuse', () => {
  const files = {
    'site.yml': [
      '- import_playbook: first.yml',
      '- hosts: all',
      '  vars_files: [vars/main.yml]',
      '  pre_tasks:',
      '    - command: echo pre',
      '  roles:',
      '    - role: web',
      '      tags: [web]',
      '  tasks:',
      '    - import_tasks: tasks/extra.yml',
      '      when: flag',
      '      tags: extra',
      '  post_tasks:',
      '    - command: echo post',
      '',
    ].join('\n'),
    'first.yml': '- hosts: all\n  tasks:\n    - command: echo first\n',
    'vars/main.yml': 'flag: yes\n',
    'tasks/extra.yml': '- command: echo extra\n',
    'roles/web/tasks/main.yml': '- template: {src: page.j2, dest: /tmp/page}\n  notify: reload\n',
    'roles/web/handlers/main.yml': '- name: reload\n  command: echo reload\n',
    'roles/web/defaults/main.yml': 'port: 80\n',
    'roles/web/vars/main.yml': 'site: web\n',
    'roles/web/meta/main.yml': 'dependencies: [base]\n',
    'roles/web/templates/page.j2': '{{ port }}\n',
    'roles/base/tasks/main.yml': '- command: echo base\n',
  };

  it("expands imports and roles in Ansible's order, each task at its own file and line", () => {
    const file = tree(files);
    const { playbook, diagnostics } = loadPlaybook(file, ACTIONS);
    expect(diagnostics).toEqual([]);
    const [first, second] = playbook!.plays;
    const at = (t: TaskSpec): string => `${t.loc.file.slice(dirname(file).length + 1)}:${t.loc.line}`;
    expect(first!.tasks.map(at)).toEqual(['first.yml:3']);
    const all = leaves(second!.tasks);
    expect(all.map((t) => [t.name, at(t), t.section])).toEqual([
      ['echo pre', 'site.yml:5', 'pre_tasks'],
      ['echo base', 'roles/base/tasks/main.yml:1', 'tasks'],
      ['template /tmp/page', 'roles/web/tasks/main.yml:1', 'tasks'],
      ['echo extra', 'tasks/extra.yml:1', 'tasks'],
      ['echo post', 'site.yml:14', 'post_tasks'],
    ]);
    const web = all[2]!;
    expect([web.role, web.tags, web.defaults, web.vars, web.dir?.endsWith('roles/web')]).toEqual([
      'web',
      ['web'],
      { port: 80 },
      { site: 'web' },
      true,
    ]);
    expect([all[3]!.when, all[3]!.tags]).toEqual([['flag'], ['extra']]);
    expect(second!.vars).toEqual({ flag: true });
    expect(second!.handlers!.map((h) => [h.name, at(h)])).toEqual([['reload', 'roles/web/handlers/main.yml:1']]);
  });

  it("never reads outside the playbook's directory, through .., an absolute path or a symlink", () => {
    const file = tree({
      'site.yml':
        '- hosts: all\n  tasks:\n    - import_tasks: ../../x.yml\n    - import_tasks: /etc/hostname\n' +
        '    - import_tasks: link.yml\n',
    });
    symlinkSync('/etc/hostname', join(dirname(file), 'link.yml'));
    const out = loadPlaybook(file, ACTIONS).diagnostics.map((d) => `${d.line}: ${d.message}`);
    expect(out).toEqual([
      "3: import_tasks: ../../x.yml is outside the playbook's directory",
      '4: import_tasks: absolute paths are refused',
      "5: import_tasks: link.yml is outside the playbook's directory",
    ]);
  });

  it('reports an import of itself instead of looping', () => {
    const out = problems({
      'site.yml': '- hosts: all\n  tasks:\n    - import_tasks: a.yml\n',
      'a.yml': '- import_tasks: a.yml\n',
    });
    expect(out).toEqual([
      expect.stringMatching(/^a\.yml:1:17: import_tasks: a\.yml imports itself \(.*site\.yml → .*a\.yml → .*a\.yml\)$/),
    ]);
  });

  it('loads a plain include_tasks name up front', () => {
    const list = tasks({
      'site.yml': '- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n',
      'inc.yml': '- command: echo inc\n',
    });
    const inc = structureOf(list[0]!.action);
    expect(inc?.kind === 'include_tasks' && inc.tasks.map((t) => t.name)).toEqual(['echo inc']);
  });

  it('loads every file a templated include name can match, and checks each', () => {
    const list = tasks({
      'site.yml': [
        '- hosts: all',
        '  tasks:',
        '    - include_tasks: "setup-{{ os }}.yml"',
        '    - include_tasks: "{{ item }}.yml"',
        '      loop: [a]',
        '    - include_vars: "{{ os }}.yml"',
        '',
      ].join('\n'),
      'setup-Debian.yml': '- command: echo debian\n',
      'setup-RedHat.yml': '- command: echo redhat\n',
      'a.yml': '- command: echo a\n',
      'b.yml': '- command: echo b\n',
      'Debian.yml': 'pkg: apt\n',
    });
    const choices = list.map((t) => {
      const a = structureOf(t.action);
      return a?.kind === 'include_tasks' || a?.kind === 'include_vars' ? Object.keys(a.choices ?? {}) : [];
    });
    // A loop written out names exactly its items' files; "{{ os }}.yml" takes only files whose content fits.
    expect(choices).toEqual([['setup-Debian.yml', 'setup-RedHat.yml'], ['a.yml'], ['Debian.yml']]);
    expect(
      problems({
        'site.yml': [
          '- hosts: all',
          '  tasks:',
          '    - include_tasks: "setup-{{ os }}.yml"',
          '    - include_tasks: "../{{ os }}.yml"',
          '    - include_role: {name: "web-{{ os }}"}',
          '',
        ].join('\n'),
        'setup-Debian.yml': '- comand: echo debian\n',
      }),
    ).toEqual([
      expect.stringMatching(/^setup-Debian\.yml:1:3: unknown module or key "comand" \(did you mean "command"\?/),
      "site.yml:4:22: include_tasks: ../{{ os }}.yml is outside the playbook's directory",
      'site.yml:5:28: include_role: no role matches web-*',
    ]);
  });
});

describe('tags', () => {
  const play = [
    '- hosts: all',
    '  tasks:',
    '    - {command: a, tags: [one]}',
    '    - {command: b, tags: [two, always]}',
    '    - {command: c, tags: never}',
    '    - {command: d, tags: "never,debug"}',
    '    - command: e',
    '',
  ].join('\n');
  const names = (only: string[], skip: string[] = []): string[] =>
    tasks({ 'site.yml': play }, { only, skip }).map((t) => t.name);

  it('selects as ansible-playbook --tags/--skip-tags does, with always and never', () => {
    expect(names([])).toEqual(['a', 'b', 'e']);
    expect(names(['one'])).toEqual(['a', 'b']);
    expect(names(['debug'])).toEqual(['b', 'd']);
    expect(names(['tagged'])).toEqual(['a', 'b']);
    expect(names(['untagged'])).toEqual(['b', 'e']);
    expect(names([], ['always'])).toEqual(['a', 'e']);
    expect(names(['all'], ['one'])).toEqual(['b', 'e']);
    expect(names([], ['all'])).toEqual(['b']);
  });

  it('treats a task without tags as untagged', () => {
    expect(selects({ only: ['untagged'], skip: [] }, [])).toBe(true);
    expect(selects({ only: ['x'], skip: [] }, [])).toBe(false);
  });
});
