import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { useLabs } from './support/fixtures.js';

const { tempDir } = useLabs();

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * A lockfile for a project that depends on the packed tarball, with runbook's own locked runtime
 * dependencies: `npm ci --offline` then installs from the npm cache alone (tests stay off the network), the
 * same packages a user gets from the registry.
 */
function consumerLock(tarball: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const self = lock.packages['']!;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { runbook: `file:${tarball}` } },
    'node_modules/runbook': {
      version: self.version,
      resolved: `file:${tarball}`,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  return JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2);
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('installing the packed package outside the repository', () => {
  it('npm pack builds it, it installs into another folder, and runbook validate runs there', () => {
    const out = tempDir('runbook-pack-');
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', out], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed!.files.map((f) => f.path);
    expect(files).toContain('bin/runbook.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('schemas/report.schema.json');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const project = tempDir('runbook-consumer-');
    cpSync(join(out, packed!.filename), join(project, packed!.filename));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, dependencies: { runbook: `file:${packed!.filename}` } }),
    );
    writeFileSync(join(project, 'package-lock.json'), consumerLock(packed!.filename));
    // None of runbook's dependencies needs an install script (see "allowScripts" in package.json).
    npm(['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
    cpSync(join(ROOT, 'test/fixtures/examples'), join(project, 'example'), { recursive: true });

    const runbook = join(project, 'node_modules/.bin/runbook');
    const result = spawnSync(runbook, ['validate', 'example/site.yml'], { cwd: project, encoding: 'utf8' });
    expect(result.status).toBe(0);
    // Warnings may precede it: the example names ~/.ssh files this machine need not have.
    expect(result.stderr.endsWith('example/site.yml: valid (3 hosts, 5 tasks)\n')).toBe(true);
    const version = execFileSync(runbook, ['--version'], { cwd: project, encoding: 'utf8' });
    expect(version).toBe(
      `runbook ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
  }, 180_000);

  it('every dependency install script is decided, so npm ci prints no install-script warning', () => {
    expect(npm(['install-scripts', 'ls'], ROOT)).toBe('No packages with unreviewed install scripts.\n');
  });
});
