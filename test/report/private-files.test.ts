import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** Journals and reports hold device output and diffs: nobody but the user may read them. */

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const fixtures = useLabs({ seed: 2 });
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('run files', () => {
  it('are made 0700 (folders) and 0600 (files), and a world-readable journal folder is tightened', async () => {
    const l = await fixtures.lab({ hosts: 2 });
    const dir = fixtures.tempDir('runbook-private-');
    mkdirSync(join(dir, '.runbook', 'runs'), { recursive: true, mode: 0o755 });
    // A report file's folder is the user's to make: runbook refuses a missing one rather than create it.
    mkdirSync(join(dir, 'out'));
    const r = await runCli([
      'apply',
      SITE,
      '-i',
      l.inventoryPath,
      '--run-dir',
      dir,
      '--report-file',
      join(dir, 'out', 'report.json'),
      '--junit',
      join(dir, 'junit.xml'),
    ]);
    expect(r.code).toBe(0);
    const runs = join(dir, '.runbook', 'runs');
    const [id] = readdirSync(runs);
    expect([mode(join(dir, '.runbook')), mode(runs), mode(join(runs, id!))]).toEqual(['700', '700', '700']);
    for (const f of ['events.jsonl', 'meta.json', 'report.json']) expect(mode(join(runs, id!, f)), f).toBe('600');
    expect(mode(join(dir, 'out', 'report.json'))).toBe('600');
    expect(mode(join(dir, 'junit.xml'))).toBe('600');
  });
});
