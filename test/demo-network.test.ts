import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from './support/io.js';
import { runDemo } from '../src/demo.js';

describe('the network demo', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('configures IOS, EOS and Junos, reverts the router refusing a line, cuts off a site refusing logins', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'runbook-demo-net-'));
    dirs.push(cwd);
    const io = memoryIo({ cwd });
    const { code, report, devices } = await runDemo({
      hosts: 12,
      sites: 3,
      faults: ['site3:auth', 'r005:deny:^logging'],
      seed: 1,
      io,
      network: true,
    });
    expect(report).not.toBeNull();
    const site = new Map(devices.map((d) => [d.name, d.site]));
    const status = (n: string) => report!.hosts.find((h) => h.name === n)!.status;
    expect(status('r005')).toBe('failed');
    for (const h of report!.hosts.filter((x) => site.get(x.name) !== 'site3' && x.name !== 'r005')) {
      expect(h.status, h.name).toBe('changed');
      const push = h.tasks.find((t) => t.network && t.network.lines.length > 0)!;
      expect(push.network!.confirm).toBe('pending');
      expect(h.tasks[h.tasks.length - 1]!.network?.confirm).toBe('confirmed');
    }
    expect(report!.hosts.filter((h) => site.get(h.name) === 'site3').map((h) => h.reason)).toEqual([
      'auth',
      'auth',
      'auth',
      'breaker_open',
    ]);
    expect(code).toBe(3);
  });
});
