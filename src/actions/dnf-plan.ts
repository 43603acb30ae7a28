import { shellQuote } from '../playbook/template/ansible-filters.js';

/**
 * The dnf module's decisions and command lines, as Ansible's dnf module makes them (ansible-core 2.14), from
 * what rpm says is installed and what the dnf command line prints. Pure, so they are tested apart from a host.
 */

/** Messages in the C locale, which the parsers below read. */
export const DNF_ENV = 'LANG=C LC_ALL=C';

/** The NEVRA form rpm and dnf print a package in: name-version-release.arch. */
const QF = '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n';

/**
 * Prints `spec<TAB>installed NEVRA` for each spec (empty when nothing installed matches). A spec that is a
 * local .rpm file is looked up by the package it holds.
 */
export function rpmQueryScript(specs: string[]): string {
  const list = specs.map(shellQuote).join(' ');
  return (
    `export ${DNF_ENV}; for s in ${list}; do q="$s"; ` +
    `case "$s" in *.rpm) q=$(rpm -qp --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}' -- "$s" 2>/dev/null ` +
    `|| echo "$s");; esac; ` +
    `if out=$(rpm -q --qf '${QF}' -- "$q" 2>/dev/null); then printf '%s\\t%s\\n' "$s" "$(echo "$out" | head -n 1)"; ` +
    `else printf '%s\\t\\n' "$s"; fi; done`
  );
}

/** rpmQueryScript's output: the installed NEVRA by spec, or null. */
export function parseRpmQuery(out: string): Map<string, string | null> {
  const found = new Map<string, string | null>();
  for (const line of out.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const nevra = line.slice(tab + 1).trim();
    found.set(line.slice(0, tab), nevra === '' ? null : nevra);
  }
  return found;
}

export interface DnfPlan {
  install: string[];
  upgrade: string[];
  remove: string[];
}

/** Ansible's ensure(): which specs need dnf, by what they are on the host. */
export function planDnf(
  specs: string[],
  installed: Map<string, string | null>,
  state: 'present' | 'absent' | 'latest',
  updateOnly: boolean,
): DnfPlan {
  const plan: DnfPlan = { install: [], upgrade: [], remove: [] };
  for (const spec of specs) {
    const current = installed.get(spec) ?? null;
    if (state === 'absent') {
      if (current !== null) plan.remove.push(spec);
    } else if (current === null) {
      if (!(state === 'latest' && updateOnly)) plan.install.push(spec);
    } else if (state === 'latest') plan.upgrade.push(spec);
  }
  return plan;
}

export interface DnfOptions {
  check: boolean;
  confFile?: string;
  disableGpgCheck?: boolean;
  enablerepo?: string[];
  disablerepo?: string[];
  exclude?: string[];
  installroot?: string;
  releasever?: string;
  installWeakDeps?: boolean;
  allowerasing?: boolean;
  nobest?: boolean;
  cacheonly?: boolean;
  autoremove?: boolean;
  security?: boolean;
  bugfix?: boolean;
}

/**
 * One dnf command line. `-y` for real; under --check `--assumeno`: dnf resolves the transaction, prints it and
 * stops before anything is downloaded or installed.
 */
export function dnfCommand(operation: string, args: string[], o: DnfOptions): string {
  const argv = ['dnf', o.check ? '--assumeno' : '-y'];
  if (o.confFile !== undefined) argv.push('-c', o.confFile);
  if (o.disableGpgCheck) argv.push('--nogpgcheck');
  for (const r of o.disablerepo ?? []) argv.push(`--disablerepo=${r}`);
  for (const r of o.enablerepo ?? []) argv.push(`--enablerepo=${r}`);
  for (const e of o.exclude ?? []) argv.push(`--exclude=${e}`);
  if (o.installroot !== undefined) argv.push(`--installroot=${o.installroot}`);
  if (o.releasever !== undefined) argv.push(`--releasever=${o.releasever}`);
  if (o.installWeakDeps !== undefined) argv.push(`--setopt=install_weak_deps=${o.installWeakDeps ? 'True' : 'False'}`);
  if (o.allowerasing) argv.push('--allowerasing');
  if (o.nobest) argv.push('--nobest');
  if (o.cacheonly) argv.push('--cacheonly');
  if (o.autoremove !== undefined) argv.push(`--setopt=clean_requirements_on_remove=${o.autoremove ? 'True' : 'False'}`);
  if (o.security) argv.push('--security');
  if (o.bugfix) argv.push('--bugfix');
  const words = [...argv, operation, ...(args.length > 0 ? ['--', ...args] : [])];
  return `${DNF_ENV} ${words.map((w) => (/^[A-Za-z0-9_./:=+,@-]+$/.test(w) ? w : shellQuote(w))).join(' ')}`;
}

/** dnf stopped at --assumeno's question: the transaction was resolved, nothing was done. */
export function aborted(out: string): boolean {
  return /^Operation aborted\.?$/m.test(out);
}

/** A spec dnf found nothing for: `No match for argument: X`. */
export function unmatched(out: string): string[] {
  return [...out.matchAll(/^No match for argument: (.+)$/gm)].map((m) => m[1]!.trim());
}

const DONE_SECTIONS: Record<string, 'Installed' | 'Removed'> = {
  Installed: 'Installed',
  Upgraded: 'Installed',
  Downgraded: 'Installed',
  Reinstalled: 'Installed',
  Removed: 'Removed',
};

const PLANNED_SECTIONS: Record<string, 'Installed' | 'Removed'> = {
  Installing: 'Installed',
  'Installing dependencies': 'Installed',
  'Installing weak dependencies': 'Installed',
  Upgrading: 'Installed',
  Downgrading: 'Installed',
  Reinstalling: 'Installed',
  Removing: 'Removed',
  'Removing dependent packages': 'Removed',
  'Removing unused dependencies': 'Removed',
};

/**
 * Ansible's `results` (`Installed: name-1.0-1.noarch`, `Removed: …`) from dnf's output: the summary it prints
 * after a transaction, or, under --assumeno, the table of the transaction it would run.
 */
export function transactionResults(out: string): string[] {
  const results: string[] = [];
  const lines = out.split(/\r?\n/);
  let section: 'Installed' | 'Removed' | null = null;
  let table = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const head = /^([A-Z][A-Za-z ]*):$/.exec(line);
    if (head) {
      const name = head[1]!;
      table = name in PLANNED_SECTIONS;
      section = DONE_SECTIONS[name] ?? PLANNED_SECTIONS[name] ?? null;
      continue;
    }
    if (section === null) continue;
    if (!/^\s/.test(line) || line.trim() === '') {
      section = null;
      continue;
    }
    if (!table) {
      for (const nevra of line.trim().split(/\s+/)) results.push(`${section}: ${nevra}`);
      continue;
    }
    // The table: name, arch, version, repository, size; a long name sits alone on its line.
    let fields = line.trim().split(/\s+/);
    if (fields.length === 1 && i + 1 < lines.length) fields = [...fields, ...lines[++i]!.trim().split(/\s+/)];
    const [name, arch, version] = fields;
    if (name && arch && version) results.push(`${section}: ${name}-${version.replace(/^0:/, '')}.${arch}`);
  }
  return results;
}
