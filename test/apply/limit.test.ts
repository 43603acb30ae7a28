import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** An empty `--limit` (a CI variable that expanded to nothing) must never mean "the whole fleet". */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const fixtures = useLabs({ seed: 3 });

describe('--limit with an empty or blank pattern', () => {
  it.each([[''], ['   ']])('is a usage error for apply and plan, and nothing connects (%j)', async (limit) => {
    const l = await fixtures.lab({ hosts: 3 });
    const dir = fixtures.tempDir('runbook-limit-');
    for (const args of [
      ['apply', SITE, '-i', l.inventoryPath, '--run-dir', dir, '--limit', limit],
      ['apply', SITE, '-i', l.inventoryPath, '--run-dir', dir, `--limit=${limit}`],
      ['plan', SITE, '-i', l.inventoryPath, '--limit', limit],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(5);
      expect(r.stderr.split('\n')[0]).toMatch(/--limit needs a host pattern, not an empty string$/);
      expect(r.stdout).toBe('');
    }
    expect(l.fleetCounters().connections).toBe(0);
  });
});
