import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus, type RunEvent } from '../../src/engine/events.js';
import { loadPlan } from '../../src/engine/load-plan.js';
import type { RunReport } from '../../src/engine/results.js';
import { runPlan } from '../../src/engine/run.js';
import type { Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { withJumps } from '../../src/report/jumps.js';
import { renderReport } from '../../src/report/table.js';
import { SshTransport, type SshTransportOptions } from '../../src/transport/ssh.js';
import { useLabs } from '../support/fixtures.js';

/** Devices behind the lab's jump hosts (one per site), through the real transport and engine. */

const { lab } = useLabs({ seed: 11 });

async function apply(
  l: Lab,
  play: string,
  opts: { transport?: SshTransportOptions; onEvent?: (e: RunEvent, transport: SshTransport) => void } = {},
): Promise<RunReport> {
  const path = join(l.dir, 'site.yml');
  writeFileSync(path, `- name: Test\n  hosts: all\n  inventory: inventory.yml\n${play.replace(/^/gm, '  ')}\n`);
  const { plan, diagnostics } = loadPlan({ playbook: path });
  expect(diagnostics).toEqual([]);
  const transport = new SshTransport({ env: {}, ...opts.transport });
  const bus = new EventBus();
  if (opts.onEvent) bus.subscribe((e) => opts.onEvent!(e, transport));
  try {
    const report = await runPlan(plan!, { transport, bus, runId: 'jump', env: {} });
    return withJumps(report, plan!, transport.jumpStats());
  } finally {
    await transport.close();
  }
}

const showVersion = `tasks:\n  - name: Read version\n    command: show version\n    changed_when: false`;
const siteOf = (l: Lab, host: string) => l.hosts.find((h) => h.name === host)!.site;

describe('jump hosts in the lab', () => {
  it('a site behind its jump host costs one jump login, whatever its size', async () => {
    const l = await lab({ hosts: 30, sites: 2, jumpPerSite: true });
    const report = await apply(l, `forks: 10\n${showVersion}`);
    expect(report.hosts.map((h) => h.status)).toEqual(Array(30).fill('ok'));
    for (const site of ['site1', 'site2']) {
      const jump = l.jumps.find((j) => j.site === site)!;
      expect(l.jumpCounters(jump.name)).toMatchObject({ logins: 1, channels: 15, failedChannels: 0 });
      const name = `${l.user}@127.0.0.1:${jump.port}`;
      expect(report.hosts.filter((h) => siteOf(l, h.name) === site).map((h) => h.jump)).toEqual(Array(15).fill(name));
      expect(report.jumps?.find((j) => j.host === name)).toMatchObject({
        devices: 15,
        logins: 1,
        failures: 0,
        state: 'closed',
      });
    }
    // Every device was reached once, by a channel of its site's jump host.
    expect(Object.values(l.counters()).map((c) => c.connections)).toEqual(Array(30).fill(1));
    expect(renderReport(report, { verbose: true })).toMatch(/jump host .* devices .* logins/);
  });

  it('a refusing jump host is one failed login: its devices unreachable (jump), other sites untouched', async () => {
    const l = await lab({ hosts: 20, sites: 2, jumpPerSite: true, faults: ['jump-site2:refuse'] });
    const report = await apply(l, `forks: 10\nconnect_timeout: 5s\n${showVersion}`);
    const site2 = report.hosts.filter((h) => siteOf(l, h.name) === 'site2');
    expect(site2.map((h) => [h.status, h.reason])).toEqual(Array(10).fill(['unreachable', 'jump']));
    for (const h of site2) expect(h.error).toMatch(/^jump: \S+@127\.0\.0\.1:\d+: refused: /);
    expect(report.hosts.filter((h) => siteOf(l, h.name) === 'site1').map((h) => h.status)).toEqual(
      Array(10).fill('ok'),
    );
    expect(validateReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
    const dead = report.jumps!.find((j) => j.host.endsWith(`:${l.jumps[1]!.port}`))!;
    expect(dead).toMatchObject({ devices: 10, logins: 0, failures: 1, state: 'open' });
    expect(dead.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open']);
    // No device of site2 was ever connected to.
    expect(site2.map((h) => l.counters(h.name).connections)).toEqual(Array(10).fill(0));
  });

  it('breaker scope jump: one breaker per jump host; a dead bastion skips its devices, spares the others', async () => {
    const l = await lab({ hosts: 20, sites: 2, jumpPerSite: true, faults: ['jump-site2:refuse'] });
    const report = await apply(
      l,
      `forks: 10\nbreaker:\n  scope: jump\n  failure_threshold: 2\n  on_open: skip\n${showVersion}`,
    );
    const dead = `jump=${l.user}@127.0.0.1:${l.jumps[1]!.port}`;
    // Only breakers that moved are listed: site1's jump host never failed.
    expect(report.breakers.map((b) => [b.scope, b.state])).toEqual([[dead, 'open']]);
    const site2 = report.hosts.filter((h) => siteOf(l, h.name) === 'site2');
    expect(site2.filter((h) => h.status === 'unreachable').map((h) => h.reason)).toEqual(['jump', 'jump']);
    expect(site2.filter((h) => h.status === 'skipped').map((h) => h.reason)).toEqual(Array(8).fill('breaker_open'));
    expect(report.hosts.filter((h) => siteOf(l, h.name) === 'site1').map((h) => h.status)).toEqual(
      Array(10).fill('ok'),
    );
  });

  it('a jump host that fails authentication is tried once, not once per device', async () => {
    const l = await lab({ hosts: 12, sites: 1, jumpPerSite: true, faults: ['jump-site1:auth'] });
    const report = await apply(l, `forks: 6\n${showVersion}`);
    expect(report.hosts.map((h) => h.reason)).toEqual(Array(12).fill('jump'));
    expect(report.hosts[0]!.error).toMatch(/jump: .*: auth: /);
    expect(report.jumps?.[0]).toMatchObject({ failures: 1, logins: 0 });
    expect(l.counters('jump-site1').authFailures).toBeGreaterThan(0);
    expect(l.counters('jump-site1').connections).toBe(1);
  });

  it('a hanging jump host fails its devices within one connect timeout, after a single attempt', async () => {
    const l = await lab({ hosts: 8, sites: 1, jumpPerSite: true, faults: ['jump-site1:hang'] });
    const report = await apply(l, `forks: 8\nconnect_timeout: 1s\n${showVersion}`);
    expect(report.hosts.map((h) => [h.status, h.reason])).toEqual(Array(8).fill(['unreachable', 'jump']));
    expect(l.counters('jump-site1').connections).toBe(1);
    expect(report.jumps?.[0]).toMatchObject({ failures: 1 });
  });

  it('a jump connection dying mid-run fails only its in-flight devices; the rest log in again', async () => {
    const l = await lab({ hosts: 16, sites: 1, jumpPerSite: true, latencyMs: 100 });
    let secondTasks = 0;
    const report = await apply(
      l,
      `forks: 4\n${showVersion}\n  - name: Again\n    command: show version\n    changed_when: false`,
      {
        onEvent: (e) => {
          // Mid-command on the fifth host to reach its second task: it and the hosts beside it are in flight.
          if (e.type === 'task_start' && e.index === 1 && ++secondTasks === 5) l.dropConnections('jump-site1');
        },
      },
    );
    const lost = report.hosts.filter((h) => h.status !== 'ok');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost.length).toBeLessThanOrEqual(4);
    for (const h of lost) expect(h.reason).toBe('dropped');
    expect(report.hosts.filter((h) => h.status === 'ok').length).toBe(16 - lost.length);
    expect(l.jumpCounters('jump-site1').logins).toBe(2);
    expect(report.jumps?.[0]).toMatchObject({ logins: 2, drops: 1, failures: 0, state: 'closed' });
  });

  it('more devices at once than a jump connection may carry open more jump connections', async () => {
    const l = await lab({ hosts: 10, sites: 1, jumpPerSite: true, latencyMs: 50 });
    const report = await apply(l, `forks: 10\n${showVersion}`, { transport: { maxChannelsPerJump: 3 } });
    expect(report.hosts.map((h) => h.status)).toEqual(Array(10).fill('ok'));
    const c = l.jumpCounters('jump-site1');
    expect(c.maxChannelsPerConnection).toBeLessThanOrEqual(3);
    expect(c.logins).toBeGreaterThanOrEqual(2);
    expect(c.logins).toBeLessThanOrEqual(4);
    expect(report.jumps?.[0]?.logins).toBe(c.logins);
  });
});
