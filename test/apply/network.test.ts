import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/engine/events.js';
import { loadPlan } from '../../src/engine/load-plan.js';
import type { HostResult, RunReport } from '../../src/engine/results.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { runPlan } from '../../src/engine/run.js';
import { LAB_ENABLE_ENV, type Lab } from '../../src/lab/lab.js';
import { loadPlatforms } from '../../src/network/platform.js';
import { TransportRouter } from '../../src/transport/registry.js';
import { useLabs } from '../support/fixtures.js';
import { manualLabClock } from '../support/lab-clock.js';

/** Network playbooks through the engine, against lab devices playing IOS, EOS and Junos. */

const { lab } = useLabs({ seed: 3 });
const ENV = { [LAB_ENABLE_ENV]: 'lab-enable' };

async function apply(l: Lab, play: string, mode: { check?: boolean; diff?: boolean } = {}) {
  const path = join(l.dir, 'site.yml');
  writeFileSync(path, `- name: Network\n  hosts: all\n  inventory: inventory.yml\n${play.replace(/^/gm, '  ')}\n`);
  const { plan, diagnostics } = loadPlan({ playbook: path });
  expect(diagnostics).toEqual([]);
  // Through the registry, as `runbook apply` reaches hosts: network_cli by the inventory's ansible_connection.
  const transport = new TransportRouter({ env: ENV, platforms: () => plan!.platforms ?? loadPlatforms().catalog });
  const report = await runPlan(plan!, { transport, bus: new EventBus(), runId: 'net', env: ENV, ...mode });
  return {
    report,
    code: exitCodeFor(report),
    host: (n: string): HostResult => report.hosts.find((h) => h.name === n)!,
  };
}

const statuses = (r: RunReport) => r.hosts.map((h) => h.status);

const IOS_NTP = `tasks:
  - name: NTP servers
    cisco.ios.ios_config:
      lines:
        - ntp server 192.0.2.41
        - ntp server 192.0.2.42
  - name: Uplink description
    ios_config:
      parents: interface gi0/0
      lines: [description core uplink, no shutdown]
  - name: Read back
    ansible.netcommon.cli_command:
      command: show running-config
    register: run
  - name: Check
    assert:
      that: ["'ntp server 192.0.2.42' in run.stdout", "run.stdout_lines | length > 5"]`;

describe('network playbooks', () => {
  it('pushes IOS config once, and a second run is all ok', async () => {
    const l = await lab({ hosts: 3, platform: 'ios' });
    const first = await apply(l, IOS_NTP);
    expect(statuses(first.report)).toEqual(['changed', 'changed', 'changed']);
    const push = first.host('r001').tasks[1]!;
    expect(push.network).toEqual({
      lines: ['interface gi0/0', 'description core uplink'],
      confirm: 'confirmed',
      warnings: [],
    });
    expect(l.network('r002')!.running()).toContain('interface GigabitEthernet0/0\n description core uplink');
    const second = await apply(l, IOS_NTP);
    expect(statuses(second.report)).toEqual(['ok', 'ok', 'ok']);
    expect(second.host('r003').tasks.map((t) => t.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(second.code).toBe(0);
  });

  it('runs the same kind of play on a mixed fleet with cli_config', async () => {
    const l = await lab({ hosts: 3, platform: 'mixed' });
    const play =
      `tasks:
  - name: Syslog
    cli_config:
      config: "{{ 'set system syslog host 192.0.2.50 any any' if ansible_network_os == 'junos' ` +
      `else 'logging host 192.0.2.50' }}"`;
    const first = await apply(l, play);
    expect(statuses(first.report)).toEqual(['changed', 'changed', 'changed']);
    expect(l.network('r003')!.running()).toContain('set system syslog host 192.0.2.50 any any');
    expect(statuses((await apply(l, play)).report)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a rejected line fails the host with the device text and leaves its config as it was', async () => {
    const l = await lab({ hosts: 2, platform: 'ios' });
    const before = l.network('r001')!.running();
    const r = await apply(l, `tasks:\n  - ios_config:\n      lines: [ntp server 192.0.2.61, ntp srever 192.0.2.62]`);
    expect(r.host('r001').status).toBe('failed');
    const t = r.host('r001').tasks[0]!;
    expect(t.error).toContain(`"ntp srever 192.0.2.62" was rejected: % Invalid input detected at '^' marker.`);
    expect(t.network?.confirm).toBe('rolled_back');
    expect(l.network('r001')!.running()).toBe(before);
    expect(r.code).toBe(2);
  });

  it('leaves a change pending until cli_confirm, and the confirm state is in the report', async () => {
    const l = await lab({ hosts: 1, platform: 'junos' });
    const r = await apply(
      l,
      `tasks:
  - junos_config:
      lines: [set snmp location lab-rack-4]
      confirm: 10
  - name: Still reachable
    junos_command:
      commands: [show version]
      wait_for: result[0] contains r001
  - cli_confirm:`,
    );
    expect(r.host('r001').tasks.map((t) => [t.status, t.network?.confirm])).toEqual([
      ['changed', 'pending'],
      ['ok', undefined],
      ['changed', 'confirmed'],
    ]);
    expect(l.network('r001')!.pending()).toBe(false);
  });

  it('a Junos commit confirmed stays pending when verification fails, and the device rolls it back', async () => {
    const clock = manualLabClock();
    const l = await lab({ hosts: 1, platform: 'junos', clock });
    const r = await apply(
      l,
      `tasks:\n  - junos_config:\n      lines: [set system host-name edge-a, set system host-name edge-b]\n` +
        `      confirm: 1\n  - cli_confirm:`,
    );
    const t = r.host('r001').tasks;
    expect(t.length).toBe(1);
    expect(t[0]!.network?.confirm).toBe('pending');
    expect(l.network('r001')!.pending()).toBe(true);
    clock.elapse(1);
    expect(l.network('r001')!.log()).toContain('rolled back: commit confirmed expired');
    expect(l.network('r001')!.running()).toContain('set system host-name r001');
  });

  it('--check --diff shows the lines per host without entering config mode', async () => {
    const l = await lab({ hosts: 2, platform: 'eos', faults: ['*:deny:^configure'] });
    const before = l.network('r001')!.running();
    const r = await apply(l, `tasks:\n  - eos_config:\n      lines: [ip domain-name example.net]`, {
      check: true,
      diff: true,
    });
    expect(statuses(r.report)).toEqual(['changed', 'changed']);
    expect(r.host('r002').tasks[0]!.diff).toBe('+ ip domain-name example.net');
    expect(r.host('r002').tasks[0]!.network?.lines).toEqual(['ip domain-name example.net']);
    expect(l.network('r001')!.running()).toBe(before);
  });

  it('opens the breaker of a site whose devices reject logins', async () => {
    const l = await lab({ hosts: 12, sites: 3, platform: 'ios', faults: ['site2:auth'] });
    const r = await apply(l, `forks: 2\nbreaker:\n  scope: site\n  failure_threshold: 2\n  on_open: skip\n${IOS_NTP}`);
    const site2 = r.report.hosts.filter((h) => l.hosts.find((x) => x.name === h.name)!.site === 'site2');
    expect(site2.filter((h) => h.status === 'unreachable').map((h) => h.reason)).toEqual(['auth', 'auth']);
    expect(site2.filter((h) => h.status === 'skipped').map((h) => h.reason)).toEqual(['breaker_open', 'breaker_open']);
    expect(r.report.breakers.map((b) => [b.scope, b.state])).toEqual([['site=site2', 'open']]);
    expect(r.report.hosts.filter((h) => h.status === 'changed')).toHaveLength(8);
  });

  it('confirm_after in a playbook: confirmed on a passing host, pending on a failing one', async () => {
    const l = await lab({ hosts: 2, platform: 'junos' });
    const play = `tasks:
  - name: NTP, verified
    junos_config:
      lines: [set system ntp server 192.0.2.61]
      confirm: 30
      confirm_after:
        - junos_command:
            commands: [show version]
            wait_for: "result[0] contains {{ 'Hostname: r001' if inventory_hostname == 'r001' else 'nowhere' }}"
            retries: 0`;
    const { report, host } = await apply(l, play);
    expect(statuses(report)).toEqual(['changed', 'failed']);
    expect(host('r001').tasks[0]!.network?.confirm).toBe('confirmed');
    expect(host('r002').tasks[0]!.network?.confirm).toBe('pending');
    expect(l.network('r001')!.pending()).toBe(false);
    expect(l.network('r002')!.pending()).toBe(true);
  });
});
