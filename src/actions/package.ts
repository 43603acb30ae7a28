import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap, str, stringTexts } from './args.js';
import { APT_PROPERTIES, describeNames, parseApt, previewNames } from './apt.js';
import { runApt } from './apt-run.js';
import { DNF_PROPERTIES, parseDnf } from './dnf.js';
import { runDnf } from './dnf-run.js';
import { failed, linkFailure, message, type Outcome } from './outcome.js';
import { nameTexts, packageState } from './package-args.js';

export type PackageAction = { kind: 'package'; use: string; args: Record<string, unknown> };
type PackagePreview = { use: string; state: string; names: string[] };

/** The managers runbook drives, with the arguments each takes. */
const MANAGERS: Record<string, Record<string, unknown>> = { apt: APT_PROPERTIES, dnf: DNF_PROPERTIES };

/**
 * The host's package manager as Ansible's pkg_mgr fact names it: of the managers whose program exists, the last
 * in Ansible's list wins, and a Red Hat family host uses yum before release 8 (Fedora before 23), dnf after.
 */
const DETECT = `m=unknown
[ -e /usr/bin/yum ] && m=yum
[ -e /usr/bin/dnf ] && m=dnf
[ -e /usr/bin/apt-get ] && m=apt
[ -e /usr/bin/zypper ] && m=zypper
[ -e /usr/bin/pacman ] && m=pacman
[ -e /sbin/apk ] && m=apk
if [ -r /etc/os-release ]; then . /etc/os-release; fi
case " \${ID:-} \${ID_LIKE:-} " in *" rhel "*|*" fedora "*|*" centos "*)
  major=\${VERSION_ID%%.*}
  if [ "\${ID:-}" = fedora ]; then [ "\${major:-99}" -lt 23 ] && m=yum || m=dnf
  else [ "\${major:-99}" -lt 8 ] && m=yum || m=dnf; fi;;
esac
echo "$m"`;

/** The manager the facts name, when facts were gathered. */
function fromFacts(vars: Record<string, unknown>): string | undefined {
  const facts = vars.ansible_facts;
  if (isMap(facts) && typeof facts.pkg_mgr === 'string') return facts.pkg_mgr;
  return typeof vars.ansible_pkg_mgr === 'string' ? vars.ansible_pkg_mgr : undefined;
}

/**
 * `package`: the host's own package manager (`use:`, else the gathered `ansible_pkg_mgr`, else detected on the
 * host as Ansible's fact is), then exactly what `apt` or `dnf` does with the other arguments.
 */
export const packageAction = defineAction<PackageAction, PackagePreview>({
  schema: {
    title: 'Package',
    description: "Packages through the host's own manager (apt or dnf), as Ansible's package module.",
    type: 'object',
    additionalProperties: false,
    properties: {
      ...DNF_PROPERTIES,
      ...APT_PROPERTIES,
      use: {
        title: 'Manager',
        description: 'auto (default: the facts, else detected on the host), apt or dnf.',
        type: 'string',
      },
    },
  },
  texts: (value: unknown, at: YamlPath) => [
    ...nameTexts('package', value, at),
    ...stringTexts('package', value, at, ['use', 'deb', 'default_release', 'conf_file', 'installroot', 'releasever']),
  ],
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] => {
    if (!isMap(value)) return [];
    const wants = ['name', 'pkg', 'package', 'deb', 'upgrade', 'update_cache', 'update-cache', 'autoremove'];
    if (wants.some((k) => value[k] !== undefined)) return [];
    return [diagnostic(loaded.locate(at), 'package: needs name (or update_cache or autoremove)')];
  },
  parse: (value: unknown) => {
    const v = isMap(value) ? value : {};
    const { use, ...args } = v;
    return { kind: 'package', use: str(use) ?? 'auto', args };
  },
  defaultName: (a) => `package ${describeNames(a.args.name ?? a.args.pkg ?? a.args.package) || 'update_cache'}`,
  registers: () => ({ cache_updated: false, cache_update_time: 0, msg: '', results: [] }),
  preview: (a, host) => ({
    use: host.text(['package.use', 'package'], a.use),
    state: packageState(a.args.state),
    names: previewNames('package', a.args.name ?? a.args.pkg ?? a.args.package, host),
  }),
  describe: (_a, p) => [`package (${p.use}): ${p.state} ${p.names.join(', ')}`],
  json: (_a, p) => ({ package: p }),
  async run(a, task, host): Promise<Outcome> {
    let manager: string;
    try {
      manager = host.renderer.text(task, ['package.use', 'package'], a.use, host.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    if (manager === 'auto') manager = fromFacts(host.vars) ?? 'auto';
    if (manager === 'auto') {
      try {
        const res = await host.bounded((signal) => host.session.exec(DETECT, { timeoutMs: host.timeoutMs, signal }));
        manager = res.stdout.trim() || 'unknown';
      } catch (err) {
        return linkFailure(err, host.stopped, () => failed('command', message(err)));
      }
    }
    const known = MANAGERS[manager];
    if (!Object.hasOwn(MANAGERS, manager) || known === undefined)
      return failed('command', `Could not find a module for ${manager} (runbook drives apt and dnf).`);
    const unsupported = Object.keys(a.args).filter((k) => !Object.hasOwn(known, k));
    if (unsupported.length > 0)
      return failed('command', `Unsupported parameters for (${manager}) module: ${unsupported.sort().join(', ')}`);
    return manager === 'apt'
      ? runApt(parseApt(a.args), task, host, 'package')
      : runDnf(parseDnf(a.args), task, host, 'package');
  },
});
