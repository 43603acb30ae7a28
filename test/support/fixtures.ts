import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startLab, type Lab, type LabOptions } from '../../src/lab/lab.js';

/**
 * Labs and temporary directories that a test file starts, each stopped or removed after every test, so no
 * listener or file outlives the test that made it. Call at the top level of a test file.
 */
export function useLabs(defaults: Partial<LabOptions> = {}): {
  lab(opts: LabOptions): Promise<Lab>;
  tempDir(prefix?: string): string;
} {
  const labs: Lab[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(labs.splice(0).map((l) => l.stop()));
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  return {
    async lab(opts) {
      const l = await startLab({ latencyMs: 5, ...defaults, ...opts });
      labs.push(l);
      return l;
    },
    tempDir(prefix = 'runbook-test-') {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}
