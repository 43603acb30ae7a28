import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap, str, stringTexts } from './args.js';
import { describeNames, previewNames } from './apt.js';
import type { DnfAction } from './dnf-run.js';
import { runDnf } from './dnf-run.js';
import { FLAG, flag, NAMES_SCHEMA, nameList, nameTexts, namesAsWritten, packageState } from './package-args.js';

type DnfPreview = { state: string; names: string[]; update_cache: boolean };

const REPOS = {
  'x-expected': 'a name or a list of names',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
} as const;

/** dnf's arguments with their Ansible aliases, for the package module to recognise them. */
export const DNF_PROPERTIES: Record<string, Record<string, unknown>> = {
  name: NAMES_SCHEMA,
  pkg: { ...NAMES_SCHEMA, title: 'Packages', description: 'Same as name.' },
  state: {
    title: 'State',
    description: 'present (default), absent or latest; installed/removed also read.',
    enum: ['present', 'absent', 'latest', 'installed', 'removed'],
  },
  update_cache: {
    ...FLAG,
    title: 'Update cache',
    description: 'Refresh repository metadata first (under --check too).',
  },
  expire_cache: { ...FLAG, title: 'Update cache', description: 'Same as update_cache.' },
  update_only: { ...FLAG, title: 'Update only', description: 'With latest: upgrade installed packages, install none.' },
  autoremove: { ...FLAG, title: 'Autoremove', description: 'Remove dependencies nothing needs any more.' },
  disable_gpg_check: { ...FLAG, title: 'No GPG check', description: 'Install unsigned packages (--nogpgcheck).' },
  allowerasing: { ...FLAG, title: 'Allow erasing', description: 'Remove conflicting packages to resolve.' },
  nobest: { ...FLAG, title: 'No best', description: 'Accept a lower version when the best cannot be installed.' },
  cacheonly: { ...FLAG, title: 'Cache only', description: 'Use only the metadata already downloaded.' },
  security: { ...FLAG, title: 'Security', description: 'With latest: only security updates.' },
  bugfix: { ...FLAG, title: 'Bug fixes', description: 'With latest: only bug-fix updates.' },
  install_weak_deps: { ...FLAG, title: 'Weak dependencies', description: 'Install weak dependencies (default yes).' },
  conf_file: { title: 'Configuration', description: 'dnf.conf to use instead of the default.', type: 'string' },
  installroot: { title: 'Install root', description: 'Install into this root directory.', type: 'string' },
  releasever: { title: 'Release version', description: 'The $releasever dnf uses.', type: 'string' },
  enablerepo: { ...REPOS, title: 'Enable repos', description: 'Repositories (globs) to enable for this task.' },
  disablerepo: { ...REPOS, title: 'Disable repos', description: 'Repositories (globs) to disable for this task.' },
  exclude: { ...REPOS, title: 'Exclude', description: 'Packages (globs) to leave out.' },
  lock_timeout: {
    title: 'Lock timeout',
    description: 'Accepted for compatibility; dnf waits for its lock.',
    type: 'integer',
  },
};

/** dnf needs names unless it only refreshes the cache or removes what nothing needs. */
export function dnfChecks(kind: string, value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  if (!isMap(value)) return [];
  if (value.name !== undefined || value.pkg !== undefined) return [];
  if (['update_cache', 'expire_cache', 'autoremove'].some((k) => value[k] !== undefined)) return [];
  return [diagnostic(loaded.locate(at), `${kind}: needs name (or update_cache or autoremove)`)];
}

export function parseDnf(v: Record<string, unknown>): DnfAction {
  const out: DnfAction = {
    kind: 'dnf',
    names: namesAsWritten(v, ['name', 'pkg']),
    state: packageState(v.state) as DnfAction['state'],
    update_cache: flag(v.update_cache ?? v.expire_cache) ?? false,
    update_only: flag(v.update_only) ?? false,
    autoremove: flag(v.autoremove) ?? false,
    disable_gpg_check: flag(v.disable_gpg_check) ?? false,
    allowerasing: flag(v.allowerasing) ?? false,
    nobest: flag(v.nobest) ?? false,
    cacheonly: flag(v.cacheonly) ?? false,
    security: flag(v.security) ?? false,
    bugfix: flag(v.bugfix) ?? false,
    enablerepo: nameList(v.enablerepo),
    disablerepo: nameList(v.disablerepo),
    exclude: nameList(v.exclude),
  };
  const weak = flag(v.install_weak_deps);
  if (weak !== undefined) out.install_weak_deps = weak;
  for (const k of ['conf_file', 'installroot', 'releasever'] as const) {
    const s = str(v[k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/**
 * `dnf`: RPM packages present, absent or latest, as Ansible's dnf module decides it from what rpm has
 * installed; --check lets dnf resolve the transaction and stop (`--assumeno`), so nothing changes.
 */
export const dnf = defineAction<DnfAction, DnfPreview>({
  schema: {
    title: 'Dnf',
    description: "Install, upgrade or remove RPM packages with dnf, as Ansible's dnf module.",
    type: 'object',
    additionalProperties: false,
    properties: DNF_PROPERTIES,
  },
  texts: (value: unknown, at: YamlPath) => [
    ...nameTexts('dnf', value, at, ['name', 'pkg']),
    ...stringTexts('dnf', value, at, ['conf_file', 'installroot', 'releasever']),
  ],
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => dnfChecks('dnf', value, at, loaded),
  parse: (value: unknown) => parseDnf(isMap(value) ? value : {}),
  defaultName: (a) => `dnf ${describeNames(a.names) || (a.update_cache ? 'update_cache' : a.state)}`,
  registers: () => ({ msg: '', results: [] }),
  preview: (a, host) => ({ state: a.state, names: previewNames('dnf', a.names, host), update_cache: a.update_cache }),
  describe: (_a, p) => [`dnf: ${p.state} ${p.names.join(', ')}${p.update_cache ? ' (update cache)' : ''}`],
  json: (_a, p) => ({ dnf: p }),
  run: (a, task, host) => runDnf(a, task, host),
});
