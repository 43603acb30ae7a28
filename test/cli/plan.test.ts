import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../support/io.js';
import { main } from '../../src/cli/main.js';
import { ROOT } from '../support/cli.js';

const VALID = 'test/fixtures/valid/fleet/site.yml';

async function run(...argv: string[]) {
  const io = memoryIo({ cwd: ROOT, env: { ROUTER_PW: 'hunter2-router' } });
  const code = await main(['plan', ...argv], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

interface JsonPlan {
  plays: {
    name: string;
    batches: string[][];
    hosts: Record<
      string,
      {
        vars: Record<string, unknown>;
        tasks: {
          name: string;
          action: string;
          command?: string;
          template?: { src: string; dest: string; content: string };
        }[];
      }
    >;
  }[];
}

describe('runbook plan', () => {
  it("prints each play with its batches in order and each host's rendered tasks", async () => {
    const r = await run(VALID);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('PLAY Configure the fleet  (4 hosts, 3 batches)');
    expect(out).toContain('  batch 1/3 (1): r1\n  batch 2/3 (2): r2, r3\n  batch 3/3 (1): r4\n');
    expect(out).toContain('  3 hosts: r1, r2, r3 (rendered for r1; the others differ only in their name)\n');
    expect(out).toContain('$ show version r1');
    expect(out).toContain('  host: r4\n    1. Read version  (as above)\n');
    expect(out).toContain('template banner.njk -> /etc/fra/banner');
    expect(out).toContain('| managed by runbook on r4 at fra');
    expect(out.indexOf('PLAY Configure')).toBeLessThan(out.indexOf('PLAY Core check'));
  });

  it('shows hosts with identical rendered tasks once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-plan-cli-'));
    try {
      const hosts = Array.from({ length: 30 }, (_, i) => `        sw${i}: { site: ${i < 20 ? 'ams' : 'fra'} }`).join(
        '\n',
      );
      writeFileSync(join(dir, 'inventory.yml'), `all:\n  children:\n    switches:\n      hosts:\n${hosts}\n`);
      writeFileSync(
        join(dir, 'site.yml'),
        '- name: NTP\n  hosts: switches\n  inventory: inventory.yml\n  tasks:\n    - command: "ntp server ntp.{{ ' +
          'site }}.example"\n',
      );
      const r = await run(join(dir, 'site.yml'));
      expect(r.code).toBe(0);
      expect(r.stdout.match(/^ {2}\d+ hosts: /gm)).toEqual(['  20 hosts: ', '  10 hosts: ']);
      expect(r.stdout.match(/\$ ntp server/g)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('targets the union of a list of host patterns, hosts written as ranges included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-plan-cli-'));
    try {
      writeFileSync(
        join(dir, 'inventory.yml'),
        'all:\n  children:\n    edge:\n      hosts:\n        edge-[01:03]: { site: ams }\n    core:\n      hosts:\n  ' +
          '      core-[a:b]: { site: fra }\n    access:\n      hosts:\n        sw[1:9:4]:\n    quarantine:\n      ' +
          'hosts:\n        edge-02:\n',
      );
      writeFileSync(
        join(dir, 'site.yml'),
        '- name: Check\n  hosts: [edge, "core:!quarantine"]\n  inventory: inventory.yml\n  tasks:\n    - command: ' +
          '"show ntp {{ site }}"\n',
      );
      const r = await run(join(dir, 'site.yml'), '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const plan = JSON.parse(r.stdout) as JsonPlan;
      expect(plan.plays[0]!.batches).toEqual([['edge-01', 'edge-03', 'core-a', 'core-b']]);
      expect(plan.plays[0]!.hosts['core-b']!.tasks).toMatchObject([
        { name: 'show ntp {{ site }}', action: 'command', command: 'show ntp fra' },
      ]);

      writeFileSync(
        join(dir, 'site.yml'),
        '- hosts: [edge, nosuch]\n  inventory: inventory.yml\n  tasks:\n    - command: uptime\n',
      );
      const bad = await run(join(dir, 'site.yml'));
      expect(bad.code).toBe(4);
      expect(bad.stderr).toMatch(/site\.yml:1:10: host pattern "edge:nosuch": "nosuch" matches no host or group/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the plan as JSON per the contract, with secrets redacted', async () => {
    const r = await run(VALID, '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as JsonPlan;
    expect(plan.plays.map((p) => p.name)).toEqual(['Configure the fleet', 'Core check']);
    expect(plan.plays[0]!.batches).toEqual([['r1'], ['r2', 'r3'], ['r4']]);
    const r4 = plan.plays[0]!.hosts.r4!;
    expect(r4.vars).toMatchObject({ site: 'fra', inventory_hostname: 'r4', api_token: '[redacted]' });
    const runs = { timeout_ms: 300_000, retries: 0, retry_delay_ms: 1000, ignore_errors: false, check_mode: 'skip' };
    expect(r4.tasks).toEqual([
      { name: 'Read version', action: 'command', command: 'show version r4', register: 'version', ...runs },
      {
        name: 'Push banner',
        action: 'template',
        when: ['version.stdout is defined'],
        ...runs,
        template: { src: 'banner.njk', dest: '/etc/fra/banner', content: 'managed by runbook on r4 at fra\n' },
      },
      { name: 'Confirm', action: 'assert', assert: { that: ['version.rc == 0'] }, ...runs },
    ]);
    expect(r.stdout).not.toContain('s3cr3t-token-value');
  });

  it('narrows with --limit and refuses a limit that matches nothing', async () => {
    const json = JSON.parse((await run(VALID, '--json', '--limit', 'r2:c1')).stdout) as JsonPlan;
    expect(json.plays.map((p) => p.batches)).toEqual([[['r2']], [['c1']]]);
    const r = await run(VALID, '--limit', 'nosuch');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('site.yml:2:10: --limit "nosuch": "nosuch" matches no host or group');
    expect(r.stdout).toBe('');
  });

  it('exits 4 with located diagnostics for an invalid playbook', async () => {
    const r = await run('test/fixtures/invalid/template-src-escapes/site.yml');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^test\/fixtures\/invalid\/template-src-escapes\/site\.yml:6:24: /);
    expect(r.stderr).toContain('template "../../etc/passwd" leaves the template path');
  });

  it('answers bad usage with exit 5', async () => {
    expect((await run()).code).toBe(5);
    expect((await run(VALID, VALID)).code).toBe(5);
    expect((await run(VALID, '--limit')).code).toBe(5);
    expect((await run('--help')).code).toBe(0);
  });
});
