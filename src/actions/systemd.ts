import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { diagnostic } from '../playbook/diagnostic.js';
import { defineAction } from './action.js';
import { bool, isMap, str, stringTexts } from './args.js';
import { failed, message, type Outcome } from './outcome.js';
import type { ServiceState } from './service-linux.js';
import { runServiceModule } from './service-run.js';
import { SERVICE_STATES } from './service.js';
import { runSystemd, type SystemdArgs } from './systemd-unit.js';

export type SystemdAction = { kind: 'systemd' } & SystemdArgs;
type SystemdPreview = { name?: string; state?: string; enabled?: boolean; daemon_reload?: boolean };

const NAME_KEYS = ['name', 'service', 'unit'] as const;
const ACT_KEYS = ['state', 'enabled', 'masked', 'daemon_reload', 'daemon-reload', 'daemon_reexec', 'daemon-reexec'];

const flag = (title: string, description: string) => ({ title, description, type: 'boolean' }) as const;

/**
 * `systemd` (also `systemd_service`): Ansible's systemd module, run over the session: daemon-reload, mask,
 * enable and state of one unit through systemctl, each changed only when systemctl says it differs.
 */
export const systemd = defineAction<SystemdAction, SystemdPreview>({
  schema: {
    title: 'systemd unit',
    description:
      "Start, stop, restart, reload, enable, mask a systemd unit and daemon-reload, as Ansible's systemd module; " +
      'registers `status` (systemctl show). Changes only what differs; --check says what would change.',
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { title: 'Unit', description: 'The unit (".service" is implied).', type: 'string', minLength: 1 },
      service: { title: 'Unit', description: 'Same as name.', type: 'string', minLength: 1 },
      unit: { title: 'Unit', description: 'Same as name.', type: 'string', minLength: 1 },
      state: {
        title: 'State',
        description: 'started/stopped change only what differs; restarted and reloaded always act.',
        enum: [...SERVICE_STATES],
      },
      enabled: flag('Enabled', 'Whether the unit starts at boot.'),
      masked: flag('Masked', 'Whether the unit is masked (cannot be started).'),
      force: flag('Force', 'Pass --force (enable over conflicting links).'),
      daemon_reload: flag('Daemon reload', 'Run daemon-reload first (not under --check).'),
      'daemon-reload': flag('Daemon reload', 'Same as daemon_reload.'),
      daemon_reexec: flag('Daemon re-exec', 'Run daemon-reexec first (not under --check).'),
      'daemon-reexec': flag('Daemon re-exec', 'Same as daemon_reexec.'),
      scope: {
        title: 'Scope',
        description: 'system (default), user (the login user manager) or global.',
        enum: ['system', 'user', 'global'],
      },
      no_block: flag('No block', 'Pass --no-block: queue the job and do not wait for it.'),
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('systemd', value, at, [...NAME_KEYS]),
  check(value: unknown, at: YamlPath, loaded: LoadedYaml) {
    if (!isMap(value)) return [];
    if (!ACT_KEYS.some((k) => value[k] !== undefined))
      return [
        diagnostic(
          loaded.locate(at),
          'systemd: one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec',
        ),
      ];
    const names = NAME_KEYS.filter((k) => value[k] !== undefined);
    if (names.length > 1)
      return [diagnostic(loaded.locate([...at, names[1]!], 'key'), 'systemd: give only one of name, service, unit')];
    const needing = ['state', 'enabled', 'masked'].filter((k) => value[k] !== undefined);
    if (names.length === 0 && needing.length > 0)
      return [
        diagnostic(
          loaded.locate([...at, needing[0]!], 'key'),
          `systemd: missing parameter(s) required by '${needing[0]}': name`,
        ),
      ];
    return [];
  },
  parse(value: unknown): SystemdAction {
    const v = isMap(value) ? value : {};
    const name = str(v.name) ?? str(v.service) ?? str(v.unit);
    const out: SystemdAction = {
      kind: 'systemd',
      daemon_reload: bool(v.daemon_reload ?? v['daemon-reload']),
      daemon_reexec: bool(v.daemon_reexec ?? v['daemon-reexec']),
      scope: v.scope === 'user' || v.scope === 'global' ? v.scope : 'system',
      no_block: bool(v.no_block),
    };
    if (name !== undefined) out.name = name;
    if (typeof v.state === 'string') out.state = v.state as ServiceState;
    for (const f of ['enabled', 'masked', 'force'] as const) if (v[f] !== undefined) out[f] = bool(v[f]);
    return out;
  },
  defaultName: (a) => (a.name !== undefined ? `systemd ${a.name}` : 'systemd daemon-reload'),
  preview: (a, host) => ({
    ...(a.name !== undefined ? { name: host.text(['systemd.name', 'systemd'], a.name) } : {}),
    ...(a.state ? { state: a.state } : {}),
    ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
    ...(a.daemon_reload ? { daemon_reload: true } : {}),
  }),
  describe: (_a, p) => [
    `systemd${p.daemon_reload ? ' daemon-reload;' : ''}${p.name ? ` ${p.name}:` : ''}${p.state ? ` ${p.state}` : ''}` +
      `${p.enabled !== undefined ? ` enabled=${p.enabled}` : ''}`,
  ],
  json: (_a, p) => ({ systemd: p }),
  async run(a, task, host): Promise<Outcome> {
    let args: SystemdArgs = a;
    try {
      if (a.name !== undefined)
        args = { ...a, name: host.renderer.text(task, ['systemd.name', 'systemd'], a.name, host.vars) };
    } catch (err) {
      return failed('template', message(err));
    }
    const unit = args.name ?? '';
    return runServiceModule(host, unit, `systemd ${unit}`, (probe, sh) =>
      runSystemd(args, probe, probe.path, sh, host.check),
    );
  },
});
