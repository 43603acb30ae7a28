import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT_HOST_PACKAGE_DIR, type RootHost } from './root-host.js';

const run = promisify(execFile);

/**
 * Tiny RPM packages built for a test (rpmbuild, noarch, files under /srv only) and a yum repository of them
 * (createrepo_c), which a root host's dnf reads through a `file://` baseurl without GPG checks.
 */

export interface RpmSpec {
  name: string;
  version: string;
  /** Files by path relative to the package dir under /srv: their content (one line, no quotes). */
  files: Record<string, string>;
}

export interface RpmRepo {
  dir: string;
  /** Builds a package into the repository (not indexed until publish()); returns the .rpm path. */
  build(spec: RpmSpec): Promise<string>;
  publish(): Promise<void>;
  /** Points the host's dnf at this repository only (its private /etc/dnf). */
  attach(host: RootHost): Promise<void>;
  remove(): Promise<void>;
}

export async function createRpmRepo(): Promise<RpmRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'runbook-rpm-repo-'));
  await chmod(dir, 0o755);
  const repo = join(dir, 'repo');
  await mkdir(repo, { mode: 0o755 });
  const top = join(dir, 'build');
  return {
    dir: repo,
    async build(spec) {
      const base = join(ROOT_HOST_PACKAGE_DIR, spec.name);
      const install = Object.entries(spec.files).map(
        ([path, content]) =>
          `mkdir -p "$(dirname %{buildroot}${join(base, path)})"\necho '${content}' > %{buildroot}${join(base, path)}`,
      );
      const specFile = join(dir, `${spec.name}-${spec.version}.spec`);
      await writeFile(
        specFile,
        [
          `Name: ${spec.name}`,
          `Version: ${spec.version}`,
          'Release: 1',
          `Summary: runbook test package ${spec.name}`,
          'License: MIT',
          'BuildArch: noarch',
          '%description',
          'A package built by the runbook tests.',
          '%install',
          ...install,
          '%files',
          ...Object.keys(spec.files).map((path) => join(base, path)),
          '',
        ].join('\n'),
      );
      await run('rpmbuild', [
        '--define',
        `_topdir ${top}`,
        '--define',
        `_rpmdir ${repo}`,
        '--define',
        '_build_id_links none',
        '-bb',
        specFile,
      ]);
      const path = join(repo, 'noarch', `${spec.name}-${spec.version}-1.noarch.rpm`);
      await chmod(path, 0o644);
      return path;
    },
    async publish() {
      await run('createrepo_c', ['--update', repo]);
      await run('chmod', ['-R', 'a+rX', repo]);
    },
    async attach(host) {
      const conf = '[main]\ngpgcheck=False\nreposdir=/etc/dnf/repos.d\nskip_if_unavailable=False\n';
      const def = `[runbook-test]\nname=runbook test packages\nbaseurl=file://${repo}\ngpgcheck=0\n`;
      const res = await host.exec([
        'sh',
        '-c',
        'printf "%s" "$1" > /etc/dnf/dnf.conf && mkdir -p /etc/dnf/repos.d && ' +
          'printf "%s" "$2" > /etc/dnf/repos.d/runbook.repo',
        'sh',
        conf,
        def,
      ]);
      if (res.code !== 0) throw new Error(`cannot add the repository: ${res.stderr}`);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What rpm says of a package on the host: its name-version-release, or `absent`. */
export async function rpmState(host: RootHost, name: string): Promise<string> {
  const res = await host.exec(['rpm', '-q', name]);
  return res.code === 0 ? res.stdout.trim() : 'absent';
}
