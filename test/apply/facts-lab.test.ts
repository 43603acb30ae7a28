import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/engine/events.js';
import { loadPlan } from '../../src/engine/load-plan.js';
import { runPlan } from '../../src/engine/run.js';
import { LAB_ENABLE_ENV, type Lab } from '../../src/lab/lab.js';
import { loadPlatforms } from '../../src/network/platform.js';
import { TransportRouter } from '../../src/transport/registry.js';
import { useLabs } from '../support/fixtures.js';

/** gather_facts against lab devices: network_cli hosts give their version facts; a device that is no shell fails. */

const { lab } = useLabs({ seed: 5 });
const ENV = { [LAB_ENABLE_ENV]: 'lab-enable' };

async function apply(l: Lab, play: string, check = false) {
  const path = join(l.dir, 'site.yml');
  writeFileSync(path, `- name: Facts\n  hosts: all\n  inventory: inventory.yml\n${play.replace(/^/gm, '  ')}\n`);
  const { plan, diagnostics } = loadPlan({ playbook: path });
  expect(diagnostics).toEqual([]);
  const transport = new TransportRouter({ env: ENV, platforms: () => plan!.platforms ?? loadPlatforms().catalog });
  return runPlan(plan!, { transport, bus: new EventBus(), runId: 'facts', env: ENV, check });
}

const SHOW = `tasks:
  - name: Show
    debug:
      msg: >-
        {{ ansible_network_os }}|{{ ansible_net_system }}|{{ ansible_net_hostname }}|{{ ansible_net_version }}|
        {{ ansible_facts.net_model | default('-') }}|{{ ansible_facts.net_serialnum | default('-') }}`;

describe('network facts', () => {
  it("reads each platform's version facts from show version, as the first step of the play", async () => {
    const l = await lab({ hosts: 3, platform: 'mixed' });
    const report = await apply(l, `gather_facts: true\n${SHOW}`);
    expect(report.hosts.map((h) => h.status)).toEqual(['ok', 'ok', 'ok']);
    for (const h of report.hosts) expect(h.tasks.map((t) => t.name)).toEqual(['Gathering Facts', 'Show']);
    const shown = Object.fromEntries(report.hosts.map((h) => [h.name, h.tasks[1]!.stdout.replace(/\s*\|\s*/g, '|')]));
    expect(shown.r001).toMatch(/^ios\|ios\|r001\|17\.09\.04a\|C8000V\|[0-9A-F]{11}$/);
    expect(shown.r002).toMatch(/^eos\|eos\|r002\|4\.30\.1F\|vEOS-lab\|[0-9A-F]{11}$/);
    expect(shown.r003).toMatch(/^junos\|junos\|r003\|21\.4R3\.15\|vmx\|-$/);
  });

  it('gathers under --check too, and without the key only when the play reads a fact', async () => {
    const l = await lab({ hosts: 2, platform: 'ios' });
    const checked = await apply(l, SHOW, true);
    expect(checked.hosts.map((h) => h.tasks.map((t) => `${t.name}:${t.status}`))).toEqual([
      ['Gathering Facts:ok', 'Show:ok'],
      ['Gathering Facts:ok', 'Show:ok'],
    ]);
    const plain = await apply(l, 'tasks:\n  - debug: {msg: hello}');
    expect(plain.hosts.map((h) => h.tasks.length)).toEqual([1, 1]);
  });

  it('puts play vars above facts and set_fact beside them, as Ansible orders them', async () => {
    const l = await lab({ hosts: 1, platform: 'ios' });
    const report = await apply(
      l,
      [
        'gather_facts: true',
        'vars: {ansible_net_hostname: from-play}',
        'tasks:',
        '  - set_fact: {ansible_net_model: from-set-fact}',
        '  - debug:',
        '      msg: >-',
        '        {{ ansible_net_hostname }} {{ ansible_facts.net_hostname }} {{ ansible_net_model }}',
        "        {{ ansible_facts.net_model }} {{ hostvars['r001'].ansible_facts.net_system }}",
      ].join('\n'),
    );
    expect(report.hosts[0]!.tasks[2]!.stdout.trim()).toBe('from-play r001 from-set-fact C8000V ios');
  });

  it('fails a host that is no POSIX shell at Gathering Facts, and the breaker counts it', async () => {
    const l = await lab({ hosts: 4 });
    const report = await apply(l, 'gather_facts: true\nbreaker: {failure_threshold: 2}\ntasks:\n  - command: "true"');
    const failed = report.hosts.filter((h) => h.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    for (const h of failed) {
      expect(h.tasks.map((t) => t.name)).toEqual(['Gathering Facts']);
      expect(h.error).toMatch(/Gathering Facts: the host did not answer as a POSIX shell/);
    }
    expect(report.hosts.filter((h) => h.reason === 'breaker_open').length).toBeGreaterThan(0);
  });
});
