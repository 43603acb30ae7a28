import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** A default run prints what runbook says and nothing Node complains about. */

const fixtures = useLabs({ seed: 8 });

describe('a run with more forks than ten', () => {
  it('prints no MaxListenersExceededWarning about the stop signals', async () => {
    const l = await fixtures.lab({ hosts: 24 });
    const dir = fixtures.tempDir('runbook-warnings-');
    const site = join(ROOT, 'test/fixtures/apply/site.yml');
    const r = await runCli(['apply', site, '-i', l.inventoryPath, '--forks', '24', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
    expect(r.stderr).not.toContain('Warning');
  });
});
