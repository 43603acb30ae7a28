import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT_HOST_PACKAGE_DIR, type RootHost } from './root-host.js';

const run = promisify(execFile);

/**
 * Tiny Debian packages built for a test (dpkg-deb) and a flat apt repository of them (dpkg-scanpackages),
 * served to a root host through a `file:` source, trusted, so no key and no network are involved.
 */

export interface DebSpec {
  name: string;
  version: string;
  /** Files by path relative to the package dir under /srv (ROOT_HOST_PACKAGE_DIR): their content. */
  files: Record<string, string>;
  /** Of those, the ones dpkg keeps as configuration (left behind by a remove, gone with a purge). */
  conffiles?: string[];
}

export interface AptRepo {
  /** World-readable, as apt reads `file:` sources as its unprivileged `_apt` user. */
  dir: string;
  /** Builds a package into the repository's pool (not published until publish()); returns its path. */
  build(spec: DebSpec): Promise<string>;
  /** Rewrites the index from what the pool holds (every version of every package). */
  publish(): Promise<void>;
  /** Points the host's apt at this repository, and only at it. */
  attach(host: RootHost): Promise<void>;
  remove(): Promise<void>;
}

export async function createAptRepo(): Promise<AptRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'runbook-apt-repo-'));
  await chmod(dir, 0o755);
  const pool = join(dir, 'pool');
  await mkdir(pool, { mode: 0o755 });
  const builds = join(dir, 'build');
  await mkdir(builds);
  return {
    dir,
    async build(spec) {
      const root = join(builds, `${spec.name}_${spec.version}`);
      await mkdir(join(root, 'DEBIAN'), { recursive: true });
      await writeFile(
        join(root, 'DEBIAN', 'control'),
        [
          `Package: ${spec.name}`,
          `Version: ${spec.version}`,
          'Architecture: all',
          'Maintainer: runbook tests <tests@runbook.invalid>',
          'Section: misc',
          'Priority: optional',
          `Description: runbook test package ${spec.name}`,
          '',
        ].join('\n'),
      );
      const base = join(ROOT_HOST_PACKAGE_DIR, spec.name);
      for (const [path, content] of Object.entries(spec.files)) {
        const target = join(root, base, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      if (spec.conffiles)
        await writeFile(join(root, 'DEBIAN', 'conffiles'), spec.conffiles.map((c) => `${join(base, c)}\n`).join(''));
      const deb = join(builds, `${spec.name}_${spec.version}_all.deb`);
      await run('dpkg-deb', ['--root-owner-group', '--build', root, deb]);
      const published = join(pool, `${spec.name}_${spec.version}_all.deb`);
      await copyFile(deb, published);
      await chmod(published, 0o644);
      return published;
    },
    async publish() {
      // -m: keep every version of a package in the index, so `latest` and `name=version` have a choice.
      const { stdout } = await run('dpkg-scanpackages', ['-m', 'pool', '/dev/null'], { cwd: dir });
      await writeFile(join(dir, 'Packages'), stdout, { mode: 0o644 });
    },
    async attach(host) {
      const line = `deb [trusted=yes] file:${dir} ./\n`;
      const res = await host.exec([
        'sh',
        '-c',
        `printf '%s' "$1" > /etc/apt/sources.list.d/runbook-test.list`,
        'sh',
        line,
      ]);
      if (res.code !== 0) throw new Error(`cannot add the source: ${res.stderr}`);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What dpkg says of a package on the host: `install ok installed 1.0`, or `absent`. */
export async function dpkgState(host: RootHost, name: string): Promise<string> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
  const res = await host.exec(['dpkg-query', '-W', '-f=${Status} ${Version}', name]);
  return res.code === 0 ? res.stdout : 'absent';
}
