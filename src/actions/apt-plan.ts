import { shellQuote } from '../playbook/template/ansible-filters.js';

/**
 * The apt module's decisions, as Ansible's apt module makes them (ansible-core 2.14), from what dpkg-query and
 * `apt-cache policy` say on the host: which packages need apt-get at all, with which version, and the
 * apt-get command line. Pure, so the rules are tested apart from a host.
 */

export interface PackageSpec {
  /** As written: `nginx`, `nginx=1.22*`, `nginx>=1.22`. */
  spec: string;
  name: string;
  cmp?: '=' | '>=';
  version?: string;
}

/** Ansible's `re.split(r'(>?=)', spec, 1)`. */
export function packageSplit(spec: string): PackageSpec {
  const m = /^(.*?)(>?=)(.*)$/s.exec(spec);
  if (!m) return { spec, name: spec };
  return { spec, name: m[1]!, cmp: m[2] as '=' | '>=', version: m[3]! };
}

/** What dpkg says of a package: `ii`, `rc`, … and its version. */
export interface DpkgEntry {
  abbrev: string;
  version: string;
}

/** Lines `name|abbrev|version` from `dpkg-query -W -f='${Package}|${db:Status-Abbrev}|${Version}\n'`. */
export function parseDpkgQuery(out: string): Map<string, DpkgEntry> {
  const found = new Map<string, DpkgEntry>();
  for (const line of out.split('\n')) {
    const [name, abbrev, version] = line.split('|');
    if (!name || abbrev === undefined || version === undefined) continue;
    const entry = { abbrev: abbrev.trim(), version: version.trim() };
    // Several architectures of one name: the installed one tells.
    const seen = found.get(name);
    if (!seen || !installedState(seen.abbrev)) found.set(name, entry);
  }
  return found;
}

/** dpkg's current state is "installed" (second letter of the abbreviation), as python-apt's CURSTATE_INSTALLED. */
export function installedState(abbrev: string): boolean {
  return abbrev[1] === 'i';
}

export interface PolicyEntry {
  installed: string | null;
  candidate: string | null;
  /** Every version apt knows, highest first (apt sorts its version table so). */
  versions: string[];
}

/** `apt-cache policy a b …` (LC_ALL=C), by package name. A name apt does not know is absent. */
export function parsePolicy(out: string): Map<string, PolicyEntry> {
  const found = new Map<string, PolicyEntry>();
  let current: PolicyEntry | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S.*):$/.exec(line);
    if (head) {
      current = { installed: null, candidate: null, versions: [] };
      found.set(head[1]!, current);
      continue;
    }
    if (!current) continue;
    const field = /^ {2}(Installed|Candidate): (.*)$/.exec(line);
    if (field) {
      const value = field[2]!.trim() === '(none)' ? null : field[2]!.trim();
      if (field[1] === 'Installed') current.installed = value;
      else current.candidate = value;
      continue;
    }
    const version = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (version) current.versions.push(version[1]!);
  }
  return found;
}

/** The providers apt-cache showpkg lists under "Reverse Provides:". */
export function parseReverseProvides(out: string): string[] {
  const at = out.indexOf('Reverse Provides:');
  if (at < 0) return [];
  return out
    .slice(at)
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** Python's fnmatch.fnmatch on POSIX (case-sensitive): `*`, `?`, `[seq]`, `[!seq]`. */
export function fnmatch(text: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', pattern[i + 1] === '!' ? i + 3 : i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      else if (body.startsWith('^')) body = `\\${body}`;
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's').test(text);
}

/** What apt and dpkg know of one package name. */
export interface PackageFacts {
  dpkg?: DpkgEntry;
  policy?: PolicyEntry;
  /** For a name apt has no version of: the packages that provide it. */
  providers?: string[];
}

export interface PackageStatus {
  /** Whether any version is installed. */
  installed: boolean;
  /** Whether the installed version meets the spec. */
  versionInstalled: boolean;
  /** The version apt-get should install, `true` when only apt can tell (a virtual package), or null. */
  installable: string | true | null;
  /** Whether dpkg keeps files of it (installed, or removed with its configuration left): purge has work. */
  hasFiles: boolean;
}

/** Python-apt's candidate under a version pin: the highest version matching the pattern, as apt pins it. */
function bestMatch(spec: PackageSpec, policy: PolicyEntry): string | null {
  if (spec.cmp === '=') return policy.versions.find((v) => fnmatch(v, spec.version ?? '')) ?? null;
  return policy.candidate;
}

/**
 * Ansible's package_status. `null` for a name apt does not know at all (not installed, no versions, no
 * provider), which the caller reports as "No package matching … is available" when installing.
 */
export function packageStatus(
  spec: PackageSpec,
  facts: PackageFacts,
  compare: (a: string, b: string) => number,
): PackageStatus | null {
  const installed = facts.dpkg !== undefined && installedState(facts.dpkg.abbrev);
  const hasFiles = facts.dpkg !== undefined && (installed || facts.dpkg.abbrev[1] === 'c');
  const policy = facts.policy;
  // dpkg's own record (a package removed with its configuration left) makes a name known, as in python-apt.
  const known = facts.dpkg !== undefined || (policy !== undefined && policy.versions.length > 0);
  if (!known) {
    if ((facts.providers ?? []).length > 0)
      return { installed: false, versionInstalled: false, installable: true, hasFiles };
    return null;
  }
  const best = policy ? bestMatch(spec, policy) : null;
  if (!installed) return { installed: false, versionInstalled: false, installable: best, hasFiles };
  const current = facts.dpkg!.version;
  let versionInstalled = true;
  let installable: string | null = null;
  if (spec.cmp === '=') {
    versionInstalled = fnmatch(current, spec.version ?? '');
    if (best !== null && best !== current && fnmatch(best, spec.version ?? '')) installable = best;
  } else if (spec.cmp === '>=') {
    versionInstalled = compare(current, spec.version ?? '') >= 0;
    if (best !== null && best !== current && compare(best, spec.version ?? '') >= 0) installable = best;
  } else if (best !== null && best !== current) installable = best;
  return { installed: true, versionInstalled, installable, hasFiles };
}

export interface InstallPlan {
  /** Arguments for `apt-get install` (`name=version` where a version was chosen); empty: nothing to do. */
  install: string[];
  /** The names, for `apt-mark manual` afterwards. */
  names: string[];
  /** Why the task fails before apt-get runs. */
  failure?: string;
}

/** Ansible's install(): which specs need apt-get. `upgrade` is state latest. */
export function planInstall(
  specs: PackageSpec[],
  facts: Map<string, PackageFacts>,
  opts: { upgrade: boolean; onlyUpgrade: boolean; buildDep: boolean },
  compare: (a: string, b: string) => number,
): InstallPlan {
  const install: string[] = [];
  const names: string[] = [];
  for (const spec of specs) {
    if (opts.buildDep) {
      install.push(spec.spec);
      continue;
    }
    names.push(spec.name);
    const status = packageStatus(spec, facts.get(spec.name) ?? {}, compare);
    if (status === null) return { install, names, failure: `No package matching '${spec.name}' is available` };
    if (!status.installed && opts.onlyUpgrade) continue;
    if (!status.versionInstalled && status.installable === null)
      return { install, names, failure: `no available installation candidate for ${spec.spec}` };
    if (
      status.installable !== null &&
      ((!status.installed && !opts.onlyUpgrade) || opts.upgrade || !status.versionInstalled)
    ) {
      if (status.installable !== true) install.push(`${spec.name}=${status.installable}`);
      else if (spec.version !== undefined) install.push(`${spec.name}=${spec.version}`);
      else install.push(spec.name);
    } else if (status.versionInstalled && status.installable !== null && spec.cmp === '=') {
      install.push(`${spec.name}=${spec.version ?? ''}`);
    }
  }
  return { install, names };
}

/** Ansible's remove(): the specs apt-get must remove (installed in the version asked, or files left to purge). */
export function planRemove(
  specs: PackageSpec[],
  facts: Map<string, PackageFacts>,
  purge: boolean,
  compare: (a: string, b: string) => number,
): string[] {
  return specs
    .filter((spec) => {
      const status = packageStatus(spec, facts.get(spec.name) ?? {}, compare);
      return status !== null && ((status.installed && status.versionInstalled) || (status.hasFiles && purge));
    })
    .map((spec) => spec.spec);
}

/** Dpkg options as Ansible expands `dpkg_options` (`force-confdef,force-confold`) for apt-get. */
export function dpkgOptions(compressed: string): string[] {
  return compressed
    .split(',')
    .filter((o) => o !== '')
    .flatMap((o) => ['-o', `Dpkg::Options::=--${o}`]);
}

export interface AptGetOptions {
  check: boolean;
  dpkgOptions: string;
  lockTimeout: number;
  force?: boolean;
  autoremove?: boolean;
  failOnAutoremove?: boolean;
  purge?: boolean;
  onlyUpgrade?: boolean;
  fixed?: boolean;
  defaultRelease?: string;
  installRecommends?: boolean;
  allowUnauthenticated?: boolean;
  allowDowngrade?: boolean;
  allowChangeHeld?: boolean;
}

/** The environment every apt command runs in: never a prompt, messages in the C locale we parse. */
export const APT_ENV =
  'DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LANG=C LC_ALL=C LC_MESSAGES=C LC_CTYPE=C';

/**
 * One apt-get command line with Ansible's flags, waiting up to lock_timeout seconds for a dpkg lock another
 * apt holds rather than failing at once. `--simulate` under --check: apt says what it would do.
 */
export function aptGet(operation: string, args: string[], o: AptGetOptions): string {
  const argv = ['apt-get', '-q', '-y', '-o', `DPkg::Lock::Timeout=${o.lockTimeout}`, ...dpkgOptions(o.dpkgOptions)];
  if (o.onlyUpgrade) argv.push('--only-upgrade');
  if (o.fixed) argv.push('--fix-broken');
  if (o.force) argv.push('--force-yes');
  if (o.purge) argv.push('--purge');
  if (o.autoremove) argv.push('--auto-remove');
  if (o.failOnAutoremove) argv.push('--no-remove');
  if (o.check) argv.push('--simulate');
  if (o.defaultRelease !== undefined) argv.push('-t', o.defaultRelease);
  if (o.installRecommends !== undefined)
    argv.push('-o', `APT::Install-Recommends=${o.installRecommends ? 'yes' : 'no'}`);
  if (o.allowUnauthenticated) argv.push('--allow-unauthenticated');
  if (o.allowDowngrade) argv.push('--allow-downgrades');
  if (o.allowChangeHeld) argv.push('--allow-change-held-packages');
  return `${APT_ENV} ${[...argv, ...operation.split(' '), ...args].map(shellWord).join(' ')}`;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : shellQuote(s);
}

/** Nothing installed or upgraded, as apt-get prints it. */
export const APT_GET_ZERO = '\n0 upgraded, 0 newly installed';

/** What Ansible's --diff shows of an apt-get run: its plan, from the state line to the summary line. */
export function preparedDiff(out: string): string {
  const lines = out.split(/\r?\n/);
  let start = lines.indexOf('Resolving dependencies...');
  if (start < 0) start = lines.indexOf('Reading state information...');
  let end = lines.findIndex((l) => /^[0-9]+ (packages )?upgraded/.test(l));
  if (end < 0) end = lines.length;
  return lines.slice(start + 1, end + 1).join('\n');
}

/** The shell that prints what dpkg and apt know of `names` (dpkg-query lines, a separator, apt-cache policy). */
export function statusScript(names: string[], defaultRelease?: string): string {
  const q = names.map(shellQuote).join(' ');
  const release = defaultRelease === undefined ? '' : ` -o APT::Default-Release=${shellQuote(defaultRelease)}`;
  return (
    `export ${APT_ENV}; dpkg-query -W -f='\${Package}|\${db:Status-Abbrev}|\${Version}\\n' -- ${q} 2>/dev/null; ` +
    `echo '${STATUS_SEPARATOR}'; apt-cache${release} policy -- ${q}`
  );
}

export const STATUS_SEPARATOR = '--- apt-cache policy ---';

/** statusScript's output, by package name. */
export function parseStatus(out: string): Map<string, PackageFacts> {
  const at = out.indexOf(STATUS_SEPARATOR);
  const dpkg = parseDpkgQuery(at < 0 ? out : out.slice(0, at));
  const policy = parsePolicy(at < 0 ? '' : out.slice(at + STATUS_SEPARATOR.length));
  const facts = new Map<string, PackageFacts>();
  for (const name of new Set([...dpkg.keys(), ...policy.keys()])) {
    const f: PackageFacts = {};
    const d = dpkg.get(name);
    const p = policy.get(name);
    if (d) f.dpkg = d;
    if (p) f.policy = p;
    facts.set(name, f);
  }
  return facts;
}
