import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const DEMO = join(ROOT, 'playbooks/site.yml');
const { tempDir } = useLabs();

/** The demo's fleet: 100 routers in 5 sites, as `runbook lab --hosts 100 --sites 5` describes them. */
function fleetOf100(): string {
  const dir = tempDir();
  const hosts = Array.from(
    { length: 100 },
    (_, i) =>
      `    r${String(i + 1).padStart(3, '0')}: { host: 127.0.0.1, port: ${20001 + i}, site: site${(i % 5) + 1} }`,
  );
  writeFileSync(join(dir, 'inventory.yml'), `all:\n  vars:\n    user: netops\n  hosts:\n${hosts.join('\n')}\n`);
  return join(dir, 'inventory.yml');
}

interface JsonTask {
  name: string;
  when?: string[];
  retries: number;
  retry_delay_ms: number;
  timeout_ms: number;
}

describe('runbook plan for a reviewer', () => {
  it("shows the play's guard rails and groups 100 hosts that differ only by name into one block per site", async () => {
    const r = await runCli(['plan', DEMO, '-i', fleetOf100()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(1, 4)).toEqual([
      '  forks 10, connect_timeout 3s, connect_rate no cap, serial [1, 10%, 50%]',
      '  max_fail_percentage 50, max_failures none',
      expect.stringMatching(
        new RegExp(
          /^ {2}breaker per site: opens after 3 failed hosts in a row,/.source +
            / half-open after \S+, closes after 1 successful probe,/.source +
            / on_open skip$/.source,
        ),
      ),
    ]);
    expect(r.stdout.match(/^ {2}20 hosts: /gm)).toHaveLength(5);
    expect(r.stdout).toContain('(rendered for r001; the others differ only in their name)');
    expect(r.stdout).toMatch(/^ {4}1\. Read version {2}\[retries 2 every 200ms\] {2}\[timeout 10s\]/m);
    expect(r.stdout).toMatch(/\[when: ntp_file\.changed\]/);
    expect(r.stdout).toContain('    rescue:\n      1. Put the old file back\n');
    // Each later site shows only its template in full: the tasks rendered as above are one line each.
    expect(r.stdout.match(/\(as above\)$/gm)).toHaveLength(4 * 5);
    expect(lines.length).toBeLessThan(100);
  });

  it('--json carries the same: settings, conditions, retries, timeouts and rescue', async () => {
    const r = await runCli(['plan', DEMO, '-i', fleetOf100(), '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      plays: { settings: Record<string, unknown>; hosts: Record<string, { tasks: JsonTask[]; rescue: JsonTask[] }> }[];
    };
    const play = plan.plays[0]!;
    expect(play.settings).toEqual({
      forks: 10,
      connect_rate: null,
      connect_timeout_ms: 3000,
      serial: [1, '10%', '50%'],
      max_fail_percentage: 50,
      max_failures: null,
      breaker: {
        scope: 'site',
        failure_threshold: 3,
        success_threshold: 1,
        cooldown_ms: expect.any(Number),
        on_open: 'skip',
      },
    });
    const r001 = play.hosts.r001!;
    expect(r001.tasks[0]).toMatchObject({ name: 'Read version', retries: 2, retry_delay_ms: 200, timeout_ms: 10_000 });
    expect(r001.tasks.find((t) => t.when)).toMatchObject({
      name: 'Restart NTP when the file changed',
      when: ['ntp_file.changed'],
    });
    expect(r001.rescue).toMatchObject([
      { name: 'Put the old file back', command: 'cp /etc/ntp.conf.bak /etc/ntp.conf' },
    ]);
  });
});
