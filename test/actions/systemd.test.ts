import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { ansibleTasks, runbookSummary } from '../support/ansible-tasks.js';
import { applyTasks, boxInventory } from '../support/box.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { startSystemdHost, type SystemdHost } from '../support/systemd-host.js';

/**
 * The systemd and service modules against a real systemd (PID 1 of its own namespaces, see
 * test/support/systemd-host.ts) over a root SSH login: a unit runs a real `sleep`, runbook starts, reloads,
 * restarts, stops, enables, masks it and reloads systemd's configuration, and the test asks systemd what
 * it did. ansible-playbook runs the same tasks on the same host and must agree task by task. On a host
 * where systemd is not PID 1 (this machine, through an unprivileged login) both fail the same way.
 */

const UNIT = 'runbook-demo';
const RELOADS = `/run/${UNIT}.reloads`;
/** Where the unit is installed, as a package installs it: /etc/systemd/system stays free for mask links. */
const UNITS = '/usr/lib/systemd/system';

const unitFile = (seconds: number): string =>
  [
    '[Unit]',
    'Description=runbook test daemon',
    '[Service]',
    `ExecStart=/bin/sleep ${seconds}`,
    `ExecReload=/bin/sh -c 'echo reload >> ${RELOADS}'`,
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

let host: SystemdHost;
let plain: Sshd;
let dir: string;

const inventory = (name: string, server: Sshd): void => writeFileSync(join(dir, `${name}.yml`), boxInventory(server));

beforeAll(async () => {
  [host, plain] = await Promise.all([startSystemdHost(), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), 'runbook-systemd-'));
  inventory('systemd', host);
  inventory('plain', plain);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await plain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inHost(script: string): Promise<string> {
  const r = await host.exec(['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
}

/** Installs the unit, stopped, disabled and unmasked, and makes systemd read it. */
async function install(seconds = 100000): Promise<void> {
  writeFileSync(join(dir, 'unit'), unitFile(seconds));
  await inHost(
    `for a in stop unmask disable; do systemctl $a ${UNIT} 2>/dev/null; done; ` +
      `cp ${join(dir, 'unit')} ${UNITS}/${UNIT}.service && systemctl daemon-reload && rm -f ${RELOADS}`,
  );
}

/** What systemd says of the unit: active state, boot state, and the command line of its main process. */
async function unit(): Promise<{ active: string; enabled: string; main: string }> {
  const show = await inHost(`systemctl show ${UNIT} -p ActiveState -p MainPID; systemctl is-enabled ${UNIT} || true`);
  const active = /ActiveState=(\S+)/.exec(show)?.[1] ?? '';
  const pid = /MainPID=(\d+)/.exec(show)?.[1] ?? '0';
  const enabled = show.trim().split('\n').pop() ?? '';
  const main = pid === '0' ? '' : (await inHost(`tr '\\0' ' ' < /proc/${pid}/cmdline`)).trim();
  return { active, enabled, main: main ? `${pid} ${main}` : '' };
}

const apply = (inv: string, tasks: string[], ...flags: string[]): Promise<TaskResult[]> =>
  applyTasks({ dir, inventory: join(dir, `${inv}.yml`) }, tasks, flags);

/** One task, registered, and a debug line of the result fields Ansible's modules return. */
async function one(module: string, args: string, ...flags: string[]): Promise<TaskResult & { fields: string }> {
  const tasks = await apply(
    'systemd',
    [
      `- ${module}: { name: ${UNIT}, ${args} }`,
      '  register: out',
      "- debug: { msg: \"{{ out.name }} {{ out.state | default('-') }} {{ out.enabled | default('-') }} " +
        "{{ out.status.ActiveState | default('-') }}\" }",
    ],
    ...flags,
  );
  return { ...tasks[0]!, fields: tasks[1]?.stdout ?? '' };
}

describe('systemd on a real systemd', () => {
  it('starts, reloads, restarts, stops, enables and masks a unit only when systemd says it differs', async () => {
    await install();
    const check = await one('systemd', 'state: started, enabled: true', '--check');
    expect(check.error).toBeNull();
    expect(check.status).toBe('changed');
    expect(check.diff).toContain('+enabled: yes');
    expect(await unit()).toEqual({ active: 'inactive', enabled: 'disabled', main: '' });

    const started = await one('systemd', 'state: started, enabled: true');
    expect(started.status).toBe('changed');
    // Ansible reports the state asked for, the boot state reached and the unit's state before the task.
    expect(started.fields).toBe(`${UNIT} started True inactive`);
    const first = await unit();
    expect(first).toMatchObject({ active: 'active', enabled: 'enabled' });
    expect(first.main).toMatch(/^\d+ \/bin\/sleep 100000$/);

    const again = await one('ansible.builtin.systemd', 'state: started, enabled: true');
    expect(again.status).toBe('ok');
    expect(again.fields).toBe(`${UNIT} started True active`);
    expect(await unit()).toEqual(first);

    expect((await one('systemd', 'state: reloaded')).status).toBe('changed');
    expect(await inHost(`cat ${RELOADS}`)).toBe('reload\n');
    expect(await unit()).toEqual(first);

    expect((await one('ansible.builtin.systemd_service', 'state: restarted')).status).toBe('changed');
    const second = await unit();
    expect(second.active).toBe('active');
    expect(second.main).not.toBe(first.main);

    expect((await one('systemd', 'state: stopped, enabled: false', '--check')).status).toBe('changed');
    expect(await unit()).toEqual(second);

    expect((await one('systemd', 'state: stopped, enabled: false')).status).toBe('changed');
    expect(await unit()).toEqual({ active: 'inactive', enabled: 'disabled', main: '' });
    expect((await one('systemd', 'state: stopped, enabled: false')).status).toBe('ok');

    expect((await one('systemd', 'masked: true')).status).toBe('changed');
    expect((await unit()).enabled).toBe('masked');
    expect((await one('systemd', 'masked: true')).status).toBe('ok');
    expect((await one('systemd', 'masked: false')).status).toBe('changed');
    expect((await unit()).enabled).toBe('disabled');
  }, 180_000);

  it('runs daemon-reload before the state, so a restart runs the edited unit', async () => {
    await install();
    expect((await one('systemd', 'state: started')).status).toBe('changed');
    writeFileSync(join(dir, 'unit'), unitFile(200000));
    await inHost(`cp ${join(dir, 'unit')} ${UNITS}/${UNIT}.service`);
    expect(await inHost(`systemctl show ${UNIT} -p NeedDaemonReload`)).toBe('NeedDaemonReload=yes\n');

    // Under --check not even daemon-reload runs.
    await one('systemd', 'state: restarted, daemon_reload: true', '--check');
    expect(await inHost(`systemctl show ${UNIT} -p NeedDaemonReload`)).toBe('NeedDaemonReload=yes\n');

    expect((await one('systemd', 'state: restarted, daemon_reload: true')).status).toBe('changed');
    expect(await inHost(`systemctl show ${UNIT} -p NeedDaemonReload`)).toBe('NeedDaemonReload=no\n');
    expect((await unit()).main).toMatch(/^\d+ \/bin\/sleep 200000$/);
  }, 120_000);

  it('service detects systemd on the host and runs the systemd module', async () => {
    await install();
    const started = await one('ansible.builtin.service', 'state: started, enabled: true');
    expect(started.status).toBe('changed');
    // `status` is the systemd module's field: the generic module has none.
    expect(started.fields).toBe(`${UNIT} started True inactive`);
    expect(await unit()).toMatchObject({ active: 'active', enabled: 'enabled' });
    expect((await one('service', 'state: started, enabled: true')).status).toBe('ok');
    // use: service forces the generic module, which drives systemctl where systemd runs.
    const generic = await one('service', 'state: stopped, use: service');
    expect(generic.status).toBe('changed');
    expect(generic.fields).toBe(`${UNIT} stopped - -`);
    expect((await unit()).active).toBe('inactive');
  }, 120_000);

  it('agrees with ansible-playbook task by task on the same systemd, in --check and for real', async () => {
    const steps = [
      'state: started, enabled: true',
      'state: started',
      'state: reloaded',
      'state: restarted',
      'enabled: false',
      'masked: true',
      'masked: false',
      'state: stopped',
      'state: stopped',
    ].map((args, i) => [`- name: step ${i}`, `  systemd: { name: ${UNIT}, ${args} }`]);
    const tasks = [
      ...steps.flat(),
      '- name: generic',
      `  service: { name: ${UNIT}, state: started, use: service }`,
      '- name: missing',
      '  systemd: { name: runbook-no-such-unit, state: started }',
      '  ignore_errors: true',
    ];
    for (const flags of [['--check'], []]) {
      await install();
      const ansible = await ansibleTasks(dir, host, tasks, flags);
      const ansibleEnd = await unit();
      await install();
      const runbook = runbookSummary(await apply('systemd', tasks, ...flags));
      const runbookEnd = await unit();
      expect(runbook).toEqual(ansible);
      expect({ ...runbookEnd, main: runbookEnd.main !== '' }).toEqual({ ...ansibleEnd, main: ansibleEnd.main !== '' });
    }
  }, 300_000);
});

describe('systemd where systemd is not PID 1', () => {
  it('fails as ansible-playbook fails, with the same message', async () => {
    const tasks = [
      '- name: state',
      '  systemd: { name: ssh, state: started }',
      '  ignore_errors: true',
      '- name: missing',
      '  systemd: { name: runbook-no-such-unit, state: started }',
      '  ignore_errors: true',
    ];
    const ansible = await ansibleTasks(dir, plain, tasks, []);
    const runbook = runbookSummary(await apply('plain', tasks));
    expect(runbook).toEqual(ansible);
    expect(runbook[0]).toEqual({ changed: false, failed: true, msg: 'Service is in unknown state' });
  }, 120_000);
});
