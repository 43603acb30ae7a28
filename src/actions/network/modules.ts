import { diagnostic, type Diagnostic } from '../../playbook/diagnostic.js';
import type { LoadedYaml, YamlPath } from '../../playbook/load.js';
import type { TextUse } from '../../playbook/action-syntax.js';
import { NETWORK_MODULES, type NetworkModuleKind } from '../../playbook/network-modules.js';
import { defineAction, type Action } from '../action.js';
import { done, failed, linkFailure, message, type Outcome } from '../outcome.js';
import { NETWORK_SCHEMAS } from './schemas.js';
import { runNetworkTask } from './task.js';

/**
 * Ansible's network modules as runbook actions, one per name a playbook may use (short and FQCN), all
 * sharing this definition: arguments as Ansible names them, every string rendered for the host (`src` as a
 * template file), and the run handed to runNetworkTask on the host's network_cli session.
 */

export type NetworkArgs = { kind: string; moduleKind: NetworkModuleKind; args: Record<string, unknown> };
type NetworkPreview = { network: { module: string; args: Record<string, unknown> } };

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys whose value is not host text: `src` names a template file, `wait_for` reads results not yet there. */
const NOT_TEXT = new Set(['src', 'wait_for']);

/** Every string inside `value`, each with the keys that say where it was written. */
function strings(value: unknown, keys: string[], out: Array<{ keys: string[]; text: string }>): void {
  if (typeof value === 'string') out.push({ keys, text: value });
  else if (Array.isArray(value)) value.forEach((v) => strings(v, keys, out));
  else if (isMap(value)) for (const v of Object.values(value)) strings(v, keys, out);
}

/** `args` with every string rendered by `text` (and `src` by `file`); `wait_for` as written. */
function renderArgs(
  name: string,
  args: Record<string, unknown>,
  text: (keys: string[], s: string) => string,
  file: (keys: string[], src: string) => string,
): Record<string, unknown> {
  const render = (keys: string[], v: unknown): unknown => {
    if (typeof v === 'string') return text(keys, v);
    if (Array.isArray(v)) return v.map((x) => render(keys, x));
    if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(keys, x)]));
    return v;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const keys = [`${name}.${key}`, name];
    if (key === 'wait_for') out[key] = value;
    else if (key === 'src' && typeof value === 'string') out[key] = file(keys, text(keys, value));
    else out[key] = render(keys, value);
  }
  return out;
}

/** Ansible's cli_config takes replace: yes (the config text is the whole configuration) or a path on the device. */
function replacing(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(yes|true)$/i.test(v.trim()));
}

/** confirm_after entries: each one network command module with what that module needs. */
function verify(list: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  if (!Array.isArray(list)) return [];
  for (const [i, entry] of list.entries()) {
    if (!isMap(entry)) continue;
    const [module, value] = Object.entries(entry)[0] ?? [];
    if (module === undefined) continue;
    const kind = NETWORK_MODULES[module];
    const where = loaded.locate([...at, i, module], 'key');
    if (kind !== 'command' && kind !== 'cli_command')
      return [
        diagnostic(where, `confirm_after: ${module} cannot verify a change; use cli_command or a *_command module`),
      ];
    const need = kind === 'command' ? 'commands' : 'command';
    if (!isMap(value) || value[need] === undefined)
      return [diagnostic(where, `confirm_after: ${module} needs ${need}`)];
  }
  return [];
}

/** What a network module needs beyond its schema: something to push, and nothing runbook would ignore. */
function check(name: string, kind: NetworkModuleKind, value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  const args = isMap(value) ? value : {};
  const where = (key?: string) => loaded.locate(key === undefined ? at : [...at, key], 'key');
  const has = (k: string) => args[k] !== undefined;
  const verifications = verify(args.confirm_after, [...at, 'confirm_after'], loaded);
  if (verifications.length > 0) return verifications;
  if (kind === 'config') {
    if (!has('lines') && !has('commands') && !has('src'))
      return [diagnostic(where(), `${name} needs lines (under parents) or src`)];
    if (has('src') && (has('lines') || has('commands')))
      return [diagnostic(where('src'), `${name} takes lines or src, not both`)];
    if (has('lines') && has('commands')) {
      return [diagnostic(where('commands'), `${name}: commands is another name for lines; give one of them`)];
    }
  }
  if (kind === 'cli_config') {
    if (has('replace') && !replacing(args.replace))
      return [
        diagnostic(
          where('replace'),
          'cli_config replace from a file on the device is not supported: ' +
            'give the whole configuration in config with replace: true',
        ),
      ];
    if (has('replace') && !has('config'))
      return [diagnostic(where('replace'), 'cli_config replace needs the whole configuration in config')];
    if (has('rollback') && has('config'))
      return [diagnostic(where('rollback'), 'cli_config takes config or rollback, not both')];
    if (!has('config') && !has('rollback')) return [diagnostic(where(), 'cli_config needs config or rollback')];
  }
  return [];
}

function networkAction(name: string, kind: NetworkModuleKind): Action<NetworkArgs, NetworkPreview> {
  return defineAction<NetworkArgs, NetworkPreview>({
    schema: NETWORK_SCHEMAS[kind](name),

    texts(value: unknown, at: YamlPath): TextUse[] {
      if (!isMap(value)) return [];
      const found: Array<{ keys: string[]; text: string }> = [];
      for (const [key, v] of Object.entries(value)) if (!NOT_TEXT.has(key)) strings(v, [key], found);
      return found.map(({ keys, text }) => ({
        field: `${name}.${keys[0]}`,
        text,
        path: [...at, keys[0]!],
        expression: false,
        afterRun: false,
      }));
    },
    check: (value, at, loaded) => check(name, kind, value, at, loaded),
    parse: (value) => ({ kind: name, moduleKind: kind, args: isMap(value) ? { ...value } : {} }),
    defaultName: () => name,
    family: 'a network module (cli_command, cli_config, ios_config, …)',

    prepare(a, checks) {
      const src = a.args.src;
      return typeof src === 'string' && !/\{[{%]/.test(src) ? checks.template([`${name}.src`, name], src) : true;
    },
    preview(a, host, usable) {
      const args = renderArgs(
        name,
        a.args,
        (keys, s) => host.text(keys, s),
        (keys, src) => (usable ? (host.file(keys, src) ?? '') : ''),
      );
      return { network: { module: name, args } };
    },
    describe(_a, p, redact) {
      return [
        name,
        ...Object.entries(p.network.args).flatMap(([k, v]) =>
          String(typeof v === 'string' ? v : JSON.stringify(v))
            .replace(/\n$/, '')
            .split('\n')
            .map((l, i) => `${i === 0 ? `${k}: ` : '  '}${redact(l)}`),
        ),
      ];
    },
    json(_a, p, redact) {
      // Secrets are scrubbed in the serialised arguments, where every string value is reached at once.
      const args = JSON.parse(redact(JSON.stringify(p.network.args))) as Record<string, unknown>;
      return { network: { module: name, args } };
    },

    async run(a, task, host): Promise<Outcome> {
      let args: Record<string, unknown>;
      try {
        args = renderArgs(
          name,
          a.args,
          (keys, s) => host.renderer.text(task, keys, s, host.vars),
          (keys, src) => host.renderer.file(task, keys, src, host.vars),
        );
      } catch (err) {
        return failed('template', message(err));
      }
      try {
        const r = await host.bounded(() =>
          runNetworkTask(host.session, { module: name, moduleKind: kind }, args, {
            check: host.check,
            diff: host.diff,
          }),
        );
        const outcome: Outcome =
          r.status === 'failed'
            ? failed('command', r.error ?? 'failed', { stdout: r.stdout, stderr: r.stderr })
            : done(r.status, { stdout: r.stdout, stderr: r.stderr });
        outcome.data = r.registered;
        if (r.wouldRun) outcome.would_run = true;
        if (r.diff !== undefined) outcome.diff = r.diff;
        if (r.network) outcome.network = r.network;
        return outcome;
      } catch (err) {
        return linkFailure(err, host.stopped, () => failed('command', message(err)));
      }
    },
  });
}

/** Every network module by each of its names, for the action registry. */
export const NETWORK_ACTIONS: Readonly<Record<string, Action<NetworkArgs, NetworkPreview>>> = Object.fromEntries(
  Object.entries(NETWORK_MODULES).map(([name, kind]) => [name, networkAction(name, kind)]),
);
