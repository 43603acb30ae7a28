import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from './support/io.js';
import { runDemo } from '../src/demo.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('the demo', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  // 20 devices in 4 sites: the inventory lists site by site, so the canary batches (1, 2, 10, 7) put three of
  // site3's five hosts in batch 3 and its last two in batch 4, after its breaker has had a chance to open.
  it('cuts off a hanging site with its breaker, rolls the rest out, and exits 3', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'runbook-demo-test-'));
    dirs.push(cwd);
    const io = memoryIo({ cwd });
    const { code, report, devices } = await runDemo({ hosts: 20, sites: 4, faults: ['site3:hang'], seed: 1, io });

    expect(report).not.toBeNull();
    const siteOf = new Map(devices.map((d) => [d.name, d.site]));
    const hanging = report!.hosts.filter((h) => siteOf.get(h.name) === 'site3');
    const healthy = report!.hosts.filter((h) => siteOf.get(h.name) !== 'site3');

    const breaker = report!.breakers.find((b) => b.scope === 'site=site3');
    expect(breaker?.transitions.map((t) => t.to)).toContain('open');
    expect(report!.breakers.filter((b) => b.transitions.some((t) => t.to === 'open')).map((b) => b.scope)).toEqual([
      'site=site3',
    ]);

    expect(healthy).toHaveLength(15);
    for (const h of healthy) expect(['ok', 'changed'], `${h.name}: ${h.status} ${h.reason}`).toContain(h.status);
    // Every healthy host got the new file, so NTP was restarted there, and the read-only steps changed nothing.
    for (const h of healthy) {
      const status = Object.fromEntries(h.tasks.map((t) => [t.name, t.status]));
      expect(status, h.name).toEqual({
        'Read version': 'ok',
        'Keep the current NTP config': 'ok',
        'Push NTP config': 'changed',
        'Restart NTP when the file changed': 'changed',
        'Check it synchronised': 'ok',
      });
    }

    expect(hanging.map((h) => `${h.name}:${h.status}:${h.reason}`)).toEqual([
      'r003:unreachable:timeout',
      'r007:unreachable:timeout',
      'r011:unreachable:timeout',
      'r015:skipped:breaker_open',
      'r019:skipped:breaker_open',
    ]);
    expect(code).toBe(3);

    // Live progress and the tables went to the Io the demo was given.
    expect(io.stdout()).toContain('r015');
    expect(io.stdout()).toContain('site=site3');

    const stillListening = (await Promise.all(devices.map((d) => refused(d.port)))).filter((r) => !r);
    expect(stillListening).toHaveLength(0);
  }, 60_000);
});

describe('the demo with a jump host per site', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a hanging jump host: its site fails as one jump fact, the others go through one login each', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'runbook-demo-jump-test-'));
    dirs.push(cwd);
    const io = memoryIo({ cwd });
    const { code, report, devices } = await runDemo({
      hosts: 20,
      sites: 4,
      faults: ['jump-site3:hang'],
      seed: 1,
      jumpPerSite: true,
      io,
    });
    const siteOf = new Map(devices.map((d) => [d.name, d.site]));
    const site3 = report!.hosts.filter((h) => siteOf.get(h.name) === 'site3');
    expect(site3.map((h) => `${h.name}:${h.status}:${h.reason}`)).toEqual([
      'r003:unreachable:jump',
      'r007:unreachable:jump',
      'r011:unreachable:jump',
      'r015:skipped:breaker_open',
      'r019:skipped:breaker_open',
    ]);
    const healthy = report!.hosts.filter((h) => siteOf.get(h.name) !== 'site3');
    for (const h of healthy) expect(['ok', 'changed'], `${h.name}: ${h.status} ${h.reason}`).toContain(h.status);
    // Each working site's jump host: one login for its five devices; the hanging one: one failed attempt.
    expect(report!.jumps!.map((j) => [j.devices, j.logins, j.failures]).sort()).toEqual([
      [3, 0, 1],
      [5, 1, 0],
      [5, 1, 0],
      [5, 1, 0],
    ]);
    expect(io.stdout()).toMatch(/jump host/);
    expect(code).toBe(3);
  }, 60_000);
});
