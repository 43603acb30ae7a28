import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { diagnostic } from '../playbook/diagnostic.js';
import { defineAction } from './action.js';
import { bool, isMap, str, stringTexts } from './args.js';
import { failed, message, type Outcome } from './outcome.js';
import { runLinuxService, type ServiceArgs, type ServiceState } from './service-linux.js';
import { serviceMgrFact } from './service-probe.js';
import { runServiceModule } from './service-run.js';
import { runSystemd } from './systemd-unit.js';
import { runSysvinit } from './sysvinit-script.js';

export const SERVICE_STATES = ['started', 'stopped', 'restarted', 'reloaded'] as const;
const TEXT_FIELDS = ['name', 'pattern', 'arguments', 'args', 'runlevel'] as const;

export type ServiceAction = { kind: 'service' } & Omit<ServiceArgs, 'arguments'> & {
    arguments?: string;
    runlevel?: string;
    use: 'auto' | 'service' | 'systemd' | 'sysvinit';
  };
type ServicePreview = { name: string; state?: string; enabled?: boolean; use: string };

/** Parameters the systemd module does not take; the service action drops them with Ansible's warning. */
const NOT_FOR_SYSTEMD = ['pattern', 'runlevel', 'sleep', 'arguments'] as const;

/**
 * `service`: Ansible's service action. The host's service manager (the `use` argument, else the
 * `service_mgr` fact, else a look at the host exactly as that fact looks) picks the systemd module, the sysvinit
 * one, or the generic one (init scripts through `service` and update-rc.d, or systemctl where systemd runs).
 */
export const service = defineAction<ServiceAction, ServicePreview>({
  schema: {
    title: 'Service',
    description:
      "Start, stop, restart or reload a service and enable it at boot, as Ansible's service module: systemd " +
      'or init scripts, detected on the host. Changes only what differs; --check says what would change.',
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { title: 'Name', description: 'The service (init script or systemd unit).', type: 'string', minLength: 1 },
      state: {
        title: 'State',
        description: 'started/stopped change only what differs; restarted and reloaded always act.',
        enum: [...SERVICE_STATES],
      },
      enabled: { title: 'Enabled', description: 'Whether the service starts at boot.', type: 'boolean' },
      sleep: { title: 'Sleep', description: 'Seconds between stop and start on restart.', type: 'integer', minimum: 0 },
      pattern: {
        title: 'Pattern',
        description: 'A `ps auxww` substring that means the service runs, for scripts without status.',
        type: 'string',
      },
      arguments: { title: 'Arguments', description: 'Words added after the init script action.', type: 'string' },
      args: { title: 'Arguments', description: 'Same as arguments.', type: 'string' },
      runlevel: { title: 'Runlevel', description: 'For OpenRC only: accepted and unused.', type: 'string' },
      use: {
        title: 'Service manager',
        description: 'auto (default: detected), systemd, sysvinit (init scripts, as that module) or service (generic).',
        enum: ['auto', 'service', 'systemd', 'sysvinit'],
      },
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('service', value, at, [...TEXT_FIELDS]),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    isMap(value) && value.state === undefined && value.enabled === undefined
      ? [diagnostic(loaded.locate(at), 'service: one of the following is required: state, enabled')]
      : [],
  parse(value: unknown): ServiceAction {
    const v = isMap(value) ? value : {};
    const out: ServiceAction = { kind: 'service', name: str(v.name) ?? '', use: 'auto' };
    if (typeof v.state === 'string') out.state = v.state as ServiceState;
    if (v.enabled !== undefined) out.enabled = bool(v.enabled);
    if (typeof v.sleep === 'number') out.sleep = v.sleep;
    const args = str(v.arguments) ?? str(v.args);
    if (args !== undefined) out.arguments = args;
    for (const f of ['pattern', 'runlevel'] as const) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    if (typeof v.use === 'string') out.use = v.use as ServiceAction['use'];
    return out;
  },
  defaultName: (a) => `service ${a.name}`,
  preview: (a, host) => ({
    name: host.text(['service.name', 'service'], a.name),
    ...(a.state ? { state: a.state } : {}),
    ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
    use: a.use,
  }),
  describe: (_a, p) => [
    `service ${p.name}:${p.state ? ` ${p.state}` : ''}${p.enabled !== undefined ? ` enabled=${p.enabled}` : ''}`,
  ],
  json: (_a, p) => ({ service: p }),
  async run(a, task, host): Promise<Outcome> {
    const render = (field: string, s: string): string =>
      host.renderer.text(task, [`service.${field}`, 'service'], s, host.vars);
    let args: ServiceArgs;
    try {
      args = { name: render('name', a.name), arguments: a.arguments ? render('arguments', a.arguments) : '' };
      if (a.state !== undefined) args.state = a.state;
      if (a.enabled !== undefined) args.enabled = a.enabled;
      if (a.sleep !== undefined) args.sleep = a.sleep;
      if (a.pattern !== undefined) args.pattern = render('pattern', a.pattern);
    } catch (err) {
      return failed('template', message(err));
    }
    return runServiceModule(host, args.name, `service ${args.name}`, async (probe, sh) => {
      const manager = a.use !== 'auto' ? a.use : (factServiceMgr(host.vars) ?? serviceMgrFact(probe));
      if (manager === 'sysvinit') {
        const { arguments: words, sleep, ...rest } = args;
        return runSysvinit(
          { ...rest, sleep: sleep ?? 1, ...(words ? { arguments: words } : {}) },
          probe,
          sh,
          host.check,
        );
      }
      if (manager !== 'systemd') return runLinuxService(args, probe, sh, host.check);
      const ignored = NOT_FOR_SYSTEMD.filter((f) => (f === 'arguments' ? args.arguments !== '' : a[f] !== undefined));
      const result = await runSystemd(
        {
          name: args.name,
          ...(args.state !== undefined ? { state: args.state } : {}),
          ...(args.enabled !== undefined ? { enabled: args.enabled } : {}),
          daemon_reload: false,
          daemon_reexec: false,
          scope: 'system',
          no_block: false,
        },
        probe,
        probe.path,
        sh,
        host.check,
      );
      result.warnings.unshift(...ignored.map((f) => `Ignoring "${f}" as it is not used in "systemd"`));
      return result;
    });
  },
});

/** `ansible_facts.service_mgr` when facts were gathered: Ansible's service action prefers it to looking. */
function factServiceMgr(vars: Record<string, unknown>): string | undefined {
  const facts = vars.ansible_facts;
  if (isMap(facts) && typeof facts.service_mgr === 'string') return facts.service_mgr.toLowerCase();
  return typeof vars.ansible_service_mgr === 'string' ? vars.ansible_service_mgr.toLowerCase() : undefined;
}
