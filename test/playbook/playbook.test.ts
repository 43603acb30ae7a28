import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { ACTIONS } from '../../src/actions/registry.js';
import { identifiers, loadPlaybook } from '../../src/playbook/playbook.js';
import { DEFAULTS } from '../../src/playbook/types.js';

const EXAMPLES = new URL('../fixtures/examples/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'runbook-playbook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string): string {
  const sub = join(dir, `p${++counter}`);
  mkdirSync(sub);
  const file = join(sub, 'site.yml');
  writeFileSync(file, text);
  return file;
}

/** Diagnostics with the file as `site.yml`, to keep expectations short. */
function problems(text: string): string[] {
  const file = write(text);
  const { playbook, diagnostics } = loadPlaybook(file, ACTIONS);
  if (diagnostics.length > 0) expect(playbook).toBeNull();
  return diagnostics.map((d) => formatDiagnostic({ ...d, file: 'site.yml' }));
}

function load(text: string) {
  const { playbook, diagnostics } = loadPlaybook(write(text), ACTIONS);
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  return playbook!;
}

describe('actions beyond the first three', () => {
  it('reads fail with its message, or with the message Ansible gives when there is none', () => {
    const play = load('- hosts: all\n  tasks:\n    - fail: {msg: "no {{ x }}"}\n    - fail: {}\n').plays[0]!;
    expect(play.tasks.map((t) => [t.name, t.action])).toEqual([
      ['fail no {{ x }}', { kind: 'fail', msg: 'no {{ x }}' }],
      ['fail Failed as requested from task', { kind: 'fail', msg: 'Failed as requested from task' }],
    ]);
  });
});

describe('the reference playbook', () => {
  it('loads with no diagnostics and every key typed', () => {
    const { playbook, diagnostics } = loadPlaybook(new URL('site.yml', EXAMPLES).pathname, ACTIONS);
    expect(diagnostics).toEqual([]);
    const play = playbook!.plays[0]!;
    expect(play).toMatchObject({
      name: 'Roll out NTP to the edge routers',
      hosts: 'edge:!quarantine',
      inventory: new URL('inventory.yml', EXAMPLES).pathname,
      vars: { ntp_servers: ['192.0.2.10', '192.0.2.11'] },
      forks: 10,
      connectRate: 20,
      connectTimeoutMs: 10_000,
      serial: [
        { kind: 'count', value: 1 },
        { kind: 'percent', value: 10 },
        { kind: 'percent', value: 50 },
      ],
      maxFailPercentage: 20,
      maxFailures: 5,
      breaker: { scope: 'site', failureThreshold: 3, successThreshold: 2, cooldownMs: 30_000, onOpen: 'skip' },
      dir: new URL('.', EXAMPLES).pathname.replace(/\/$/, ''),
    });
    expect(play.tasks.map((t) => [t.name, t.action.kind, t.register])).toEqual([
      ['Read version', 'command', 'version'],
      ['Push NTP config', 'template', 'ntp_file'],
      ['Restart NTP when the file changed', 'command', undefined],
      ['Check it synchronised', 'command', 'peers'],
    ]);
    expect(play.tasks[0]).toMatchObject({ timeoutMs: 10_000, checkMode: 'run' });
    expect(play.tasks[1]).toMatchObject({
      retries: 2,
      retryDelayMs: 2_000,
      action: { src: 'ntp.conf.njk', dest: '/etc/ntp.conf' },
    });
    expect(play.tasks[2]!.when).toEqual(['ntp_file.changed']);
    expect(play.tasks[3]!.failedWhen).toEqual(["'*' not in peers.stdout"]);
    expect(play.rescue.map((t) => t.name)).toEqual(['Put the old file back']);
  });

  it('records where each value is, for later stages to point at', () => {
    const play = loadPlaybook(new URL('site.yml', EXAMPLES).pathname, ACTIONS).playbook!.plays[0]!;
    expect(play.locs.hosts).toMatchObject({ line: 5, col: 10 });
    expect(play.locs['vars.ntp_servers']).toMatchObject({ line: 8, col: 18 });
    expect(play.tasks[1]!.locs['template.src']).toMatchObject({ line: 29, col: 14 });
    expect(play.tasks[2]!.locs.when).toMatchObject({ line: 36, col: 13 });
    expect(play.tasks[0]!.loc).toMatchObject({ line: 22, col: 7 });
  });
});

describe('loadPlaybook', () => {
  it('applies defaults', () => {
    const play = load('- hosts: all\n  tasks:\n    - command: uptime\n').plays[0]!;
    expect(play).toMatchObject({
      name: 'all',
      forks: DEFAULTS.forks,
      connectRate: null,
      connectTimeoutMs: DEFAULTS.connectTimeoutMs,
      serial: null,
      maxFailPercentage: null,
      maxFailures: null,
      breaker: null,
      rescue: [],
      vars: {},
    });
    expect(play.inventory).toBeUndefined();
    expect(play.tasks[0]).toMatchObject({
      name: 'uptime',
      retries: 0,
      retryDelayMs: DEFAULTS.retryDelayMs,
      ignoreErrors: false,
      checkMode: 'skip',
    });
    expect(play.tasks[0]!.timeoutMs).toBeUndefined();
  });

  it('fills breaker defaults', () => {
    const play = load('- hosts: all\n  breaker: {failure_threshold: 5}\n  tasks: []\n').plays[0]!;
    expect(play.breaker).toEqual({
      scope: 'play',
      failureThreshold: 5,
      successThreshold: 1,
      cooldownMs: 30_000,
      onOpen: 'skip',
    });
  });

  it('accepts a single play written as a mapping', () => {
    expect(load('hosts: web\ntasks:\n  - command: uptime\n').plays.map((p) => p.hosts)).toEqual(['web']);
  });

  it('takes a list of host patterns as their union, one pattern string joined with ":"', () => {
    const play = load('- hosts: [edge, core]\n  tasks: []\n').plays[0]!;
    expect(play.hosts).toBe('edge:core');
    expect(play.name).toBe('edge:core');
    expect(play.locs.hosts).toMatchObject({ line: 1, col: 10 });
    const block = load('- hosts:\n    - "edge:!quarantine"\n    - "r*"\n    - core\n  tasks: []\n').plays[0]!;
    expect(block.hosts).toBe('edge:!quarantine:r*:core');
  });

  it('refuses an empty host list, an empty item and a non-string item, located', () => {
    expect(problems('- hosts: []\n  tasks: []\n')).toEqual(['site.yml:1:10: hosts: must not be empty']);
    expect(problems('- hosts: [edge, ""]\n  tasks: []\n')).toEqual([
      'site.yml:1:17: hosts[1]: expected a non-empty host pattern',
    ]);
    expect(problems('- hosts: [edge, {core: 1}]\n  tasks: []\n')).toEqual([
      'site.yml:1:17: hosts[1]: expected a non-empty host pattern',
    ]);
    expect(problems('- hosts: 7\n  tasks: []\n')).toEqual([
      'site.yml:1:10: hosts: expected a host pattern such as "edge:!quarantine", or a list of patterns',
    ]);
  });

  it('takes a path relative to the working directory and names the file by it', () => {
    const file = write('- hosts: all\n  serail: 1\n  tasks: []\n');
    const rel = relative(process.cwd(), file);
    const { diagnostics } = loadPlaybook(rel, ACTIONS);
    expect(diagnostics[0]!.file).toBe(rel.startsWith('..') ? file : rel);
  });

  it('normalises when, failed_when and changed_when to lists of expressions', () => {
    const task = load(
      '- hosts: all\n  tasks:\n    - command: x\n      when: true\n      failed_when: [a, b]\n      changed_when: ' +
        'false\n',
    ).plays[0]!.tasks[0]!;
    expect(task.when).toEqual(['true']);
    expect(task.failedWhen).toEqual(['a', 'b']);
    expect(task.changedWhen).toEqual(['false']);
  });

  it('accepts assert.that as a string or a list', () => {
    const tasks = load(
      '- hosts: all\n  tasks:\n    - assert: {that: "x > 1"}\n    - assert: {that: [a, b], msg: nope}\n',
    ).plays[0]!.tasks;
    expect(tasks.map((t) => t.action)).toEqual([
      { kind: 'assert', that: ['x > 1'] },
      { kind: 'assert', that: ['a', 'b'], msg: 'nope' },
    ]);
  });

  it.each([
    ['"0644"', '0644'],
    ['"755"', '0755'],
    ['0644', '0644'],
    // The decimal number 644 is the bits 01204, which Ansible's modules set (ansible-lint's risky-octal).
    ['644', '1204'],
    ['420', '0644'],
    ['0o640', '0640'],
    ['04755', '4755'],
    ['"4755"', '4755'],
  ])('reads mode %s as %s, as Ansible applies it', (written, mode) => {
    const task = load(`- hosts: all\n  tasks:\n    - template: {src: a.njk, dest: /a, mode: ${written}}\n`).plays[0]!
      .tasks[0]!;
    expect(task.action).toEqual({ kind: 'template', src: 'a.njk', dest: '/a', mode });
  });

  // 0699 is the string "0699" (not octal, so no number); 4096 and "17777" hold more than permission bits.
  it.each(['0699', '"u+rw,g-w"', '4096', '"17777"', '-1'])('refuses mode %s, naming what it accepts', (written) => {
    const text = `- hosts: all\n  tasks:\n    - template: {src: a.njk, dest: /a, mode: ${written}}\n`;
    expect(problems(text)).toEqual([
      'site.yml:3:46: mode: expected octal permissions like "0644" (symbolic modes such as "u+rw" are not supported)',
    ]);
  });

  it('resolves the inventory against the playbook directory', () => {
    const file = write('- hosts: all\n  inventory: ../hosts.yml\n  tasks: []\n');
    const play = loadPlaybook(file, ACTIONS).playbook!.plays[0]!;
    expect(play.inventory).toBe(join(file, '..', '..', 'hosts.yml'));
    expect(play.dir).toBe(join(file, '..'));
  });

  it('reports a missing file', () => {
    const { playbook, diagnostics } = loadPlaybook(join(dir, 'nope.yml'), ACTIONS);
    expect(playbook).toBeNull();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 1, col: 1, message: expect.stringMatching(/^no such file: /) });
  });

  it('reports an empty file', () => {
    expect(problems('# nothing yet\n')).toEqual(['site.yml:1:1: the playbook is empty: expected a list of plays']);
  });
});

describe('one action per task', () => {
  const MODULES =
    'command, template, assert, fail, shell, debug, set_fact, copy, file, lineinfile, stat, raw, blockinfile, ' +
    'wait_for, pause, slurp, script, wait_for_connection, fetch, uri, apt, dnf, package, service, systemd, ' +
    'systemd_service, setup';

  it('refuses a task without an action', () => {
    expect(problems('- hosts: all\n  tasks:\n    - name: idle\n')).toEqual([
      'site.yml:3:7: task has no action: ' +
        `expected one of ${MODULES} or a network module (cli_command, cli_config, ios_config, …)`,
    ]);
  });

  it('refuses two actions, at the second', () => {
    expect(problems('- hosts: all\n  tasks:\n    - command: x\n      assert: {that: y}\n')).toEqual([
      'site.yml:4:7: task has 2 actions (command, assert): ' +
        `a task takes exactly one of ${MODULES} or a network module (cli_command, cli_config, ios_config, …)`,
    ]);
  });

  it('leaves a misspelt action to the unknown-key message', () => {
    expect(problems('- hosts: all\n  tasks:\n    - comand: x\n')).toEqual([
      'site.yml:3:7: unknown module or key "comand" (did you mean "command"? ' +
        `runbook's modules: ${MODULES} or a network module (cli_command, cli_config, ios_config, …))`,
    ]);
  });

  it('checks rescue tasks too', () => {
    expect(problems('- hosts: all\n  tasks: []\n  rescue:\n    - name: idle\n')).toEqual([
      'site.yml:4:7: task has no action: ' +
        `expected one of ${MODULES} or a network module (cli_command, cli_config, ios_config, …)`,
    ]);
  });
});

describe('registered results', () => {
  it('lets a task use the results of earlier tasks, and failed_when its own', () => {
    load(
      '- hosts: all\n  tasks:\n    - command: a\n      register: first\n    - command: "echo {{ first.stdout }}"\n   ' +
        '   register: second\n      when: first.rc == 0\n      failed_when: "\'x\' in second.stdout"\n',
    );
  });

  it('refuses a when that reads a result registered later', () => {
    expect(
      problems(
        '- hosts: all\n  tasks:\n    - command: a\n      when: later.changed\n    - command: b\n      register: ' +
          'later\n',
      ),
    ).toEqual(['site.yml:4:13: when: "later" is used before it is registered (by the task at line 6)']);
  });

  it("refuses a when that reads its own task's result", () => {
    expect(problems('- hosts: all\n  tasks:\n    - command: a\n      register: me\n      when: me.rc == 0\n')).toEqual([
      'site.yml:5:13: when: "me" is this task\'s own result, which does not exist yet when when is evaluated',
    ]);
  });

  it('refuses a command that renders a result registered later', () => {
    expect(
      problems('- hosts: all\n  tasks:\n    - command: "echo {{ v.stdout }}"\n    - command: b\n      register: v\n'),
    ).toEqual(['site.yml:3:16: command: "v" is used before it is registered (by the task at line 5)']);
  });

  it('does not let rescue results reach the tasks', () => {
    expect(
      problems(
        '- hosts: all\n  tasks:\n    - command: a\n      when: [ok, undo.failed]\n  rescue:\n    - command: b\n      ' +
          'register: undo\n',
      ),
    ).toEqual(['site.yml:4:18: when: "undo" is used before it is registered (by the task at line 7)']);
  });

  it('leaves names nobody registers to the template engine', () => {
    load('- hosts: all\n  tasks:\n    - command: "echo {{ site }}"\n      when: site == "ams"\n');
  });

  it('ignores names inside strings, attributes and filters', () => {
    expect([...identifiers('a.b == "c d" and e | f(g)', true)].sort()).toEqual(['a', 'and', 'e', 'g']);
    expect([...identifiers('echo {{ x.y }} z {% if w %}', false)].sort()).toEqual(['if', 'w', 'x']);
  });
});

describe('any input', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 200 }),
    fc.constantFrom('10s', '10%', '0%', 'all', 'x', '{{ r.stdout }}', 'r.rc == 0', '0644', ''),
    fc.array(fc.constantFrom(1, '10%', 'x', 'r'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom('src', 'dest', 'mode', 'that', 'msg', 'scope', 'cooldown', 'zz'),
      fc.constantFrom('a', 1, '5s', true),
    ),
  );
  const task = fc.dictionary(
    fc.constantFrom(
      'name',
      'command',
      'template',
      'assert',
      'when',
      'register',
      'timeout',
      'retries',
      'failed_when',
      'check_mode',
      'comand',
    ),
    value,
  );
  const play = fc.record(
    {
      hosts: value,
      serial: value,
      forks: value,
      breaker: value,
      vars: value,
      tasks: fc.oneof(fc.array(fc.oneof(task, value), { maxLength: 4 }), value),
      rescue: fc.array(task, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  );

  it('yields a playbook or located one-line diagnostics, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(play, { maxLength: 3 }), play, value), (doc) => {
        const file = write(`${YAML.stringify(doc)}`);
        const { playbook, diagnostics } = loadPlaybook(file, ACTIONS);
        expect(playbook === null).toBe(diagnostics.length > 0);
        for (const d of diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.col).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toMatch(/\n|undefined|\[object/);
        }
      }),
      { numRuns: 150 },
    );
  });
});
