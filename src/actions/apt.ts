import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { defineAction, type HostPreview } from './action.js';
import { isMap, str, stringTexts } from './args.js';
import { runApt, type AptAction } from './apt-run.js';
import {
  COUNT,
  count,
  FLAG,
  flag,
  NAME_KEYS,
  NAMES_SCHEMA,
  nameTexts,
  namesAsWritten,
  packageState,
} from './package-args.js';

type AptPreview = { state: string; names: string[]; deb?: string; update_cache: boolean };

const STATES = ['present', 'absent', 'latest', 'build-dep', 'fixed', 'installed', 'removed'];
const UPGRADES = ['no', 'yes', 'safe', 'full', 'dist'];

/** apt's arguments with their Ansible aliases, for the package module to recognise them. */
export const APT_PROPERTIES: Record<string, Record<string, unknown>> = {
  name: NAMES_SCHEMA,
  pkg: { ...NAMES_SCHEMA, title: 'Packages', description: 'Same as name.' },
  package: { ...NAMES_SCHEMA, title: 'Packages', description: 'Same as name.' },
  state: {
    title: 'State',
    description: 'present (default), absent, latest, build-dep or fixed; installed/removed also read.',
    enum: STATES,
  },
  update_cache: { ...FLAG, title: 'Update cache', description: 'Run apt-get update first (never under --check).' },
  'update-cache': { ...FLAG, title: 'Update cache', description: 'Same as update_cache.' },
  cache_valid_time: {
    ...COUNT,
    title: 'Cache valid time',
    description: 'Update the cache only when older than this many seconds (implies update_cache).',
  },
  update_cache_retries: { ...COUNT, title: 'Update retries', description: 'Tries of apt-get update (default 5).' },
  update_cache_retry_max_delay: {
    ...COUNT,
    title: 'Update retry delay',
    description: 'Longest wait in seconds between update tries (default 12).',
  },
  purge: { ...FLAG, title: 'Purge', description: 'With state absent: remove configuration files too.' },
  autoremove: { ...FLAG, title: 'Autoremove', description: 'Remove packages nothing needs any more.' },
  autoclean: { ...FLAG, title: 'Autoclean', description: 'Drop downloaded packages that can no longer be fetched.' },
  clean: { ...FLAG, title: 'Clean', description: 'Empty the downloaded package cache (apt-get clean).' },
  fail_on_autoremove: {
    ...FLAG,
    title: 'Fail on autoremove',
    description: 'Fail rather than remove packages to install others (--no-remove).',
  },
  install_recommends: {
    ...FLAG,
    title: 'Install recommends',
    description: "Install recommended packages too (default: the host's apt setting).",
  },
  'install-recommends': { ...FLAG, title: 'Install recommends', description: 'Same as install_recommends.' },
  deb: { title: 'Deb file', description: 'Path of a .deb file on the host to install.', type: 'string', minLength: 1 },
  force: { ...FLAG, title: 'Force', description: 'Install unauthenticated or downgraded packages (--force-yes).' },
  default_release: { title: 'Default release', description: 'Prefer this release (-t).', type: 'string' },
  'default-release': { title: 'Default release', description: 'Same as default_release.', type: 'string' },
  dpkg_options: {
    title: 'Dpkg options',
    description: 'Comma-separated dpkg options (default force-confdef,force-confold).',
    type: 'string',
  },
  only_upgrade: { ...FLAG, title: 'Only upgrade', description: 'Upgrade installed packages only; install none.' },
  allow_unauthenticated: {
    ...FLAG,
    title: 'Allow unauthenticated',
    description: 'Install packages from unsigned repositories.',
  },
  allow_downgrade: { ...FLAG, title: 'Allow downgrade', description: 'Let a pinned version replace a newer one.' },
  allow_change_held_packages: {
    ...FLAG,
    title: 'Allow held changes',
    description: 'Change packages that are held.',
  },
  lock_timeout: {
    ...COUNT,
    title: 'Lock timeout',
    description: 'Seconds to wait for another apt to release its lock (default 60).',
  },
  upgrade: {
    title: 'Upgrade',
    description: 'no (default), yes/safe (upgrade), full/dist (dist-upgrade).',
    enum: [...UPGRADES, true, false],
  },
  policy_rc_d: {
    title: 'policy-rc.d',
    description: 'Accepted for compatibility; services start as usual.',
    type: 'integer',
  },
  force_apt_get: {
    ...FLAG,
    title: 'Force apt-get',
    description: 'Accepted for compatibility; apt-get is always used.',
  },
};

/** The loader's rules Ansible states as mutually_exclusive and required_one_of (ansible-core 2.14). */
export function aptChecks(kind: string, value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  if (!isMap(value)) return [];
  const names = NAME_KEYS.filter((k) => value[k] !== undefined);
  const given = [...names, ...(['deb', 'upgrade'] as const).filter((k) => value[k] !== undefined)];
  if (given.length > 1)
    return [diagnostic(loaded.locate([...at, given[1]!], 'key'), `${kind}: give only one of name, deb or upgrade`)];
  if (given.length === 0 && !['autoremove', 'update_cache', 'update-cache'].some((k) => value[k] !== undefined))
    return [diagnostic(loaded.locate(at), `${kind}: needs one of name, deb, upgrade, update_cache or autoremove`)];
  const state = packageState(value.state);
  if (value.deb !== undefined && state !== 'present')
    return [diagnostic(loaded.locate([...at, 'state']), `${kind}: deb only supports state=present`)];
  return [];
}

/** The typed action from apt's arguments as written. */
export function parseApt(v: Record<string, unknown>): AptAction {
  const upgrade = v.upgrade === true ? 'yes' : v.upgrade === false ? 'no' : (str(v.upgrade) ?? 'no');
  const out: AptAction = {
    kind: 'apt',
    names: namesAsWritten(v),
    state: packageState(v.state) as AptAction['state'],
    update_cache: flag(v.update_cache ?? v['update-cache']) ?? false,
    cache_valid_time: count(v.cache_valid_time, 0),
    update_cache_retries: Math.max(1, count(v.update_cache_retries, 5)),
    update_cache_retry_max_delay: count(v.update_cache_retry_max_delay, 12),
    purge: flag(v.purge) ?? false,
    autoremove: flag(v.autoremove) ?? false,
    autoclean: flag(v.autoclean) ?? false,
    clean: flag(v.clean) ?? false,
    fail_on_autoremove: flag(v.fail_on_autoremove) ?? false,
    force: flag(v.force) ?? false,
    dpkg_options: str(v.dpkg_options) ?? 'force-confdef,force-confold',
    only_upgrade: flag(v.only_upgrade) ?? false,
    allow_unauthenticated: flag(v.allow_unauthenticated) ?? false,
    allow_downgrade: flag(v.allow_downgrade) ?? false,
    allow_change_held_packages: flag(v.allow_change_held_packages) ?? false,
    lock_timeout: count(v.lock_timeout, 60),
    upgrade: (UPGRADES.includes(upgrade) ? upgrade : 'no') as AptAction['upgrade'],
  };
  const recommends = flag(v.install_recommends ?? v['install-recommends']);
  if (recommends !== undefined) out.install_recommends = recommends;
  const deb = str(v.deb);
  if (deb !== undefined) out.deb = deb;
  const release = str(v.default_release ?? v['default-release']);
  if (release !== undefined) out.default_release = release;
  return out;
}

/** The names as they will be for one host, for the plan. */
export function previewNames(kind: string, names: unknown, host: HostPreview): string[] {
  if (typeof names === 'string')
    return host
      .text([`${kind}.name`, kind], names)
      .split(',')
      .map((s) => s.trim());
  if (Array.isArray(names))
    return names.map((n) => (typeof n === 'string' ? host.text([`${kind}.name`, kind], n) : String(n)));
  return [];
}

/**
 * `apt`: Debian packages present, absent or at their latest version, as Ansible's apt module decides it;
 * `changed` only when apt-get had work, --check asks apt-get what it would do (--simulate) and changes nothing.
 */
export const apt = defineAction<AptAction, AptPreview>({
  schema: {
    title: 'Apt',
    description: "Install, upgrade or remove Debian packages with apt-get, as Ansible's apt module.",
    type: 'object',
    additionalProperties: false,
    properties: APT_PROPERTIES,
  },
  texts: (value: unknown, at: YamlPath) => [
    ...nameTexts('apt', value, at),
    ...stringTexts('apt', value, at, ['deb', 'default_release']),
  ],
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => aptChecks('apt', value, at, loaded),
  parse: (value: unknown) => parseApt(isMap(value) ? value : {}),
  defaultName: (a) => `apt ${describeNames(a.names) || a.deb || (a.update_cache ? 'update_cache' : a.state)}`,
  registers: () => ({ cache_updated: false, cache_update_time: 0 }),
  preview: (a, host) => {
    const p: AptPreview = { state: a.state, names: previewNames('apt', a.names, host), update_cache: a.update_cache };
    if (a.deb !== undefined) p.deb = host.text(['apt.deb', 'apt'], a.deb);
    return p;
  },
  describe: (_a, p) => [
    `apt: ${p.deb !== undefined ? `deb ${p.deb}` : `${p.state} ${p.names.join(', ')}`}` +
      (p.update_cache ? ' (update cache)' : ''),
  ],
  json: (_a, p) => ({ apt: p }),
  run: (a, task, host) => runApt(a, task, host),
});

/** The names as written, for a default task name. */
export function describeNames(names: unknown): string {
  if (typeof names === 'string') return names;
  if (Array.isArray(names)) return names.map(String).join(', ');
  return '';
}
