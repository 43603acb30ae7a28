import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { TaskSpec } from '../playbook/types.js';
import type { ExecResult } from '../transport/transport.js';
import type { ActionHost } from './action.js';
import {
  APT_ENV,
  APT_GET_ZERO,
  aptGet,
  fnmatch,
  packageSplit,
  parseReverseProvides,
  parseStatus,
  planInstall,
  planRemove,
  preparedDiff,
  statusScript,
  type AptGetOptions,
  type PackageFacts,
} from './apt-plan.js';
import { compareDebVersions } from './deb-version.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';
import { nameList } from './package-args.js';

/** The apt task's arguments after parsing (strings still templated). */
export interface AptAction {
  kind: 'apt';
  /** The name list as written: a string, a list, or a template giving one. */
  names?: unknown;
  state: 'present' | 'absent' | 'latest' | 'build-dep' | 'fixed';
  update_cache: boolean;
  cache_valid_time: number;
  update_cache_retries: number;
  update_cache_retry_max_delay: number;
  purge: boolean;
  autoremove: boolean;
  autoclean: boolean;
  fail_on_autoremove: boolean;
  clean: boolean;
  install_recommends?: boolean;
  deb?: string;
  force: boolean;
  default_release?: string;
  dpkg_options: string;
  only_upgrade: boolean;
  allow_unauthenticated: boolean;
  allow_downgrade: boolean;
  allow_change_held_packages: boolean;
  lock_timeout: number;
  upgrade: 'no' | 'yes' | 'safe' | 'full' | 'dist';
  [arg: string]: unknown;
}

/**
 * Where apt records its last successful update (update-notifier's hook), else the lists' own mtime, to the
 * nanosecond where stat can say it: an update within the same second as the previous change is still seen.
 */
const CACHE_MTIME =
  'p=/var/lib/apt/periodic/update-success-stamp; [ -e "$p" ] || p=/var/lib/apt/lists; ' +
  'if [ -e "$p" ]; then stat -c %.9Y "$p" 2>/dev/null || stat -c %Y "$p"; else echo 0; fi';

/** Seconds since the epoch as `stat -c %.9Y` or `date +%s.%N` print them; whole seconds where `%N` is not known. */
export function stampSeconds(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : Number.parseInt(text, 10) || 0;
}

/**
 * Ansible's test (`mtimestamp + cache_valid_time >= now`, in datetimes): fractions of a second count, so a cache
 * changed earlier in the same second is older than now and is updated when `update_cache` asks.
 */
export function cacheIsFresh(mtime: number, validFor: number, now: number): boolean {
  return mtime + validFor >= now;
}

/** Anything that stops the run part-way: the outcome to report. */
class Stop extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.error ?? 'stopped');
  }
}

/**
 * Runs an apt task on one host as Ansible's apt module does (ansible-core 2.14), with apt-get, dpkg-query and
 * apt-cache over the session instead of python-apt. `field` names the task key for template errors (`apt`, or
 * `package` when that module delegates here).
 */
export async function runApt(a: AptAction, task: TaskSpec, host: ActionHost, field = 'apt'): Promise<Outcome> {
  let names: string[];
  let deb: string | undefined;
  let defaultRelease: string | undefined;
  try {
    const r = (key: string, s: string): string => host.renderer.text(task, [`${field}.${key}`, field], s, host.vars);
    names = nameList(host.renderer.value(a.names, host.vars));
    deb = a.deb === undefined ? undefined : r('deb', a.deb);
    defaultRelease = a.default_release === undefined ? undefined : r('default_release', a.default_release);
  } catch (err) {
    return failed('template', message(err));
  }
  const exec = (line: string): Promise<ExecResult> =>
    host.bounded((signal) => host.session.exec(line, { timeoutMs: host.timeoutMs, signal }));
  const run = new AptRun(a, host, exec, names, deb, defaultRelease);
  try {
    return await run.run();
  } catch (err) {
    if (err instanceof Stop) return err.outcome;
    return linkFailure(err, host.stopped, () => failed('command', message(err)));
  }
}

class AptRun {
  private readonly options: AptGetOptions;

  constructor(
    private readonly a: AptAction,
    private readonly host: ActionHost,
    private readonly exec: (line: string) => Promise<ExecResult>,
    private readonly names: string[],
    private readonly deb: string | undefined,
    private readonly defaultRelease: string | undefined,
  ) {
    this.options = {
      check: host.check,
      dpkgOptions: a.dpkg_options,
      lockTimeout: a.lock_timeout,
      force: a.force,
      allowUnauthenticated: a.allow_unauthenticated,
      allowDowngrade: a.allow_downgrade,
      allowChangeHeld: a.allow_change_held_packages,
      failOnAutoremove: a.fail_on_autoremove,
    };
    if (defaultRelease !== undefined) this.options.defaultRelease = defaultRelease;
    if (a.install_recommends !== undefined) this.options.installRecommends = a.install_recommends;
  }

  async run(): Promise<Outcome> {
    const a = this.a;
    if (a.clean) {
      const res = await this.exec(`${APT_ENV} apt-get clean`);
      if (res.rc !== 0 || res.stderr !== '')
        return failed('command', `apt-get clean failed${res.stderr ? `: ${res.stderr}` : ''}`, this.result(res));
      if (this.names.length === 0 && a.upgrade === 'no' && this.deb === undefined)
        return done('changed', { stdout: res.stdout, stderr: res.stderr });
    }
    const cache = await this.cache();
    const cacheData = { cache_updated: cache.updated, cache_update_time: cache.time };
    if ((a.update_cache || a.cache_valid_time > 0) && this.names.length === 0 && a.upgrade === 'no' && !this.deb)
      return done(cache.updated ? 'changed' : 'ok', { data: cacheData });
    if (a.upgrade !== 'no') return this.upgrade(a.upgrade);
    if (this.deb !== undefined) return this.installDebs(this.deb);

    const latest = a.state === 'latest';
    const packages = this.names.filter((n) => n !== '*');
    if (latest && this.names.includes('*')) {
      if (packages.length > 0)
        return failed('command', 'unable to install additional packages when upgrading all installed packages');
      return this.upgrade('yes');
    }
    const invalid = packages.find((p) => p.split('=').length > 2);
    if (invalid !== undefined) return failed('command', `invalid package spec: ${invalid}`);
    if (packages.length === 0) {
      if (a.autoclean) return this.cleanup('autoclean');
      if (a.autoremove) return this.cleanup('autoremove');
    }
    const specs = (await this.expandPatterns(packages)).map(packageSplit);
    const facts = await this.facts(specs.map((s) => s.name));
    if (a.state === 'absent') {
      const remove = planRemove(specs, facts, a.purge, compareDebVersions);
      if (remove.length === 0) return done('ok');
      const res = await this.exec(
        aptGet('remove', remove, { ...this.options, purge: a.purge, autoremove: a.autoremove }),
      );
      if (res.rc !== 0)
        return failed('command', `'apt-get remove ${remove.join(' ')}' failed: ${res.stderr}`, this.result(res));
      return done('changed', { ...this.result(res), ...this.diff(res.stdout) });
    }

    const buildDep = a.state === 'build-dep';
    const plan = planInstall(
      specs,
      facts,
      { upgrade: latest, onlyUpgrade: a.only_upgrade, buildDep },
      compareDebVersions,
    );
    if (plan.failure !== undefined) return failed('command', plan.failure, { data: cacheData });
    let outcome = done('ok', { data: cacheData });
    if (plan.install.length > 0) {
      const line = aptGet(buildDep ? 'build-dep' : 'install', plan.install, {
        ...this.options,
        autoremove: a.autoremove,
        onlyUpgrade: a.only_upgrade,
        fixed: a.state === 'fixed',
      });
      const res = await this.exec(line);
      if (res.rc !== 0)
        return failed('command', `'${line}' failed: ${res.stderr}`, { ...this.result(res), data: cacheData });
      const changed = buildDep ? !res.stdout.includes(APT_GET_ZERO) : true;
      outcome = done(changed ? 'changed' : 'ok', { ...this.result(res), ...this.diff(res.stdout), data: cacheData });
    }
    // Ansible marks every named package manually installed, so a later autoremove keeps it.
    if (!buildDep && !this.host.check && plan.names.length > 0) {
      const mark = await this.exec(`${APT_ENV} apt-mark manual ${plan.names.map(shellQuote).join(' ')}`);
      if (mark.rc !== 0) return failed('command', `'apt-mark manual' failed: ${mark.stderr}`, this.result(mark));
    }
    return outcome;
  }

  private result(res: ExecResult): Partial<Outcome> {
    return { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
  }

  private diff(stdout: string): Partial<Outcome> {
    return this.host.diff ? { diff: preparedDiff(stdout) } : {};
  }

  /** Ansible's cache step: update when asked and older than cache_valid_time; never under --check. */
  private async cache(): Promise<{ updated: boolean; time: number }> {
    const a = this.a;
    const stamp = async (): Promise<{ exact: string; mtime: number; now: number }> => {
      const res = await this.exec(`{ ${CACHE_MTIME}; }; date +%s.%N`);
      const [exact = '0', now = '0'] = res.stdout.trim().split('\n');
      return { exact, mtime: stampSeconds(exact), now: stampSeconds(now) };
    };
    const before = await stamp();
    if (!(a.update_cache || a.cache_valid_time > 0) || cacheIsFresh(before.mtime, a.cache_valid_time, before.now))
      return { updated: false, time: Math.floor(before.mtime) };
    if (!this.host.check) {
      let error = '';
      for (let attempt = 0; ; attempt++) {
        const res = await this.exec(`${APT_ENV} apt-get -q -o DPkg::Lock::Timeout=${a.lock_timeout} update`);
        if (res.rc === 0) break;
        error = res.stderr.trim() || res.stdout.trim();
        if (attempt + 1 >= a.update_cache_retries)
          throw new Stop(
            failed('command', `Failed to update apt cache: ${error || 'unknown reason'}`, this.result(res)),
          );
        // Ansible's back-off: 1, 2, 4 … seconds, at most the max delay (plus up to a second of jitter).
        const delay = Math.min(2 ** attempt, a.update_cache_retry_max_delay) + Math.random();
        await this.host.bounded((signal) => sleep(delay * 1000, signal));
      }
    }
    const after = await stamp();
    return { updated: this.host.check || after.exact !== before.exact, time: Math.floor(after.mtime) };
  }

  /** Globs in names (`nginx-*`) expanded over the packages apt knows, as Ansible does. */
  private async expandPatterns(packages: string[]): Promise<string[]> {
    if (!packages.some((p) => /[*?[\]!]/.test(packageSplit(p).name))) return packages;
    const res = await this.exec(`${APT_ENV} apt-cache pkgnames`);
    const all = res.stdout.split('\n').filter((n) => n !== '');
    const out: string[] = [];
    for (const p of packages) {
      const name = packageSplit(p).name;
      if (!/[*?[\]!]/.test(name)) {
        out.push(p);
        continue;
      }
      const matches = all.filter((n) => (name.includes(':') || !n.includes(':')) && fnmatch(n, name));
      if (matches.length === 0) throw new Stop(failed('command', `No package(s) matching '${name}' available`));
      out.push(...matches);
    }
    return out;
  }

  private async facts(names: string[]): Promise<Map<string, PackageFacts>> {
    const unique = [...new Set(names)];
    if (unique.length === 0) return new Map();
    const res = await this.exec(statusScript(unique, this.defaultRelease));
    const facts = parseStatus(res.stdout);
    // A name apt has no version of may still be provided by another package (a virtual package).
    for (const name of unique) {
      const f = facts.get(name) ?? {};
      if ((f.policy?.versions.length ?? 0) > 0 || f.dpkg !== undefined) continue;
      const show = await this.exec(`${APT_ENV} apt-cache showpkg -- ${shellQuote(name)}`);
      facts.set(name, { ...f, providers: parseReverseProvides(show.stdout) });
    }
    return facts;
  }

  private async upgrade(mode: string): Promise<Outcome> {
    const operation = mode === 'dist' || mode === 'full' ? 'dist-upgrade' : 'upgrade --with-new-pkgs';
    const res = await this.exec(aptGet(operation, [], { ...this.options, autoremove: this.a.autoremove }));
    if (res.rc !== 0) return failed('command', `'apt-get ${operation}' failed: ${res.stderr}`, this.result(res));
    if (res.stdout.includes(APT_GET_ZERO)) return done('ok', this.result(res));
    return done('changed', { ...this.result(res), ...this.diff(res.stdout) });
  }

  private async cleanup(operation: 'autoremove' | 'autoclean'): Promise<Outcome> {
    const res = await this.exec(aptGet(operation, [], { ...this.options, purge: this.a.purge }));
    if (res.rc !== 0) return failed('command', `'apt-get ${operation}' failed: ${res.stderr}`, this.result(res));
    const sign = operation === 'autoremove' ? 'The following packages will be REMOVED' : 'Del ';
    const changed = res.stdout.includes(sign);
    return done(changed ? 'changed' : 'ok', { ...this.result(res), ...this.diff(res.stdout) });
  }

  /**
   * `deb:` files on the host, installed unless that very version already is. apt-get installs them with the
   * dependencies they lack (as Ansible's install of missing dependencies, then dpkg -i).
   */
  private async installDebs(debs: string): Promise<Outcome> {
    if (this.a.state !== 'present') return failed('command', 'deb only supports state=present');
    const wanted: string[] = [];
    for (const raw of debs.split(',')) {
      const path = raw.includes('/') ? raw : `./${raw}`;
      const q = shellQuote(path);
      const fields = await this.exec(
        `${APT_ENV} dpkg --field ${q} Package Version && { dpkg-query -W ` +
          `-f='\${db:Status-Abbrev}|\${Version}' -- "$(dpkg --field ${q} Package)" 2>/dev/null || true; }`,
      );
      if (fields.rc !== 0) return failed('command', `dpkg --field ${path} failed`, this.result(fields));
      const [pkg = '', version = '', installed = ''] = fields.stdout.split('\n');
      const [abbrev = '', current = ''] = installed.split('|');
      const versionOf = (line: string): string => line.replace(/^[^:]*:\s*/, '');
      if (pkg && abbrev[1] === 'i' && compareDebVersions(versionOf(version), current) === 0) continue;
      wanted.push(path);
    }
    if (wanted.length === 0) return done('ok');
    const line = aptGet('install', wanted, {
      ...this.options,
      allowDowngrade: this.a.allow_downgrade || this.a.force,
    });
    const res = await this.exec(line);
    if (res.rc !== 0) return failed('command', `'${line}' failed: ${res.stderr}`, this.result(res));
    return done('changed', { ...this.result(res), ...this.diff(res.stdout) });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}
