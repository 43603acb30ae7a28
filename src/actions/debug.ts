import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap, oneOf, str } from './args.js';
import { done, failed, message, type Outcome } from './outcome.js';

export type DebugAction = { kind: 'debug'; msg?: string; var?: string; verbosity: number };
type DebugPreview = { debug: string };

/**
 * `debug: {msg}` prints a rendered message; `debug: {var: name}` the variable's value as JSON, as Ansible
 * shows it. Touches nothing on the host, so it runs under --check too. `verbosity` is accepted; runbook shows
 * every debug task.
 */
export const debug = defineAction<DebugAction, DebugPreview>({
  schema: {
    title: 'Debug',
    description: 'Print a rendered message (msg) or a variable (var) in the task result.',
    type: 'object',
    additionalProperties: false,
    properties: {
      msg: { title: 'Message', description: 'Rendered for the host (default "Hello world!").', type: 'string' },
      var: {
        title: 'Variable',
        description: 'An expression whose value is shown as JSON.',
        type: 'string',
        minLength: 1,
      },
      verbosity: { title: 'Verbosity', description: 'Accepted for compatibility.', type: 'integer', minimum: 0 },
    },
  },
  texts: (value: unknown, at: YamlPath) => {
    if (!isMap(value)) return [];
    if (typeof value.msg === 'string')
      return [{ field: 'debug.msg', text: value.msg, path: [...at, 'msg'], expression: false, afterRun: false }];
    if (typeof value.var === 'string')
      return [{ field: 'debug.var', text: value.var, path: [...at, 'var'], expression: true, afterRun: false }];
    return [];
  },
  check(value: unknown, at: YamlPath, loaded: LoadedYaml) {
    return isMap(value) && value.msg !== undefined && value.var !== undefined
      ? oneOf('debug', ['msg', 'var'], value, at, loaded)
      : [];
  },
  parse(value: unknown): DebugAction {
    const v = isMap(value) ? value : {};
    const out: DebugAction = { kind: 'debug', verbosity: typeof v.verbosity === 'number' ? v.verbosity : 0 };
    const msg = str(v.msg);
    const variable = str(v.var);
    if (variable !== undefined) out.var = variable;
    else out.msg = msg ?? 'Hello world!';
    return out;
  },
  defaultName: (a) => (a.var !== undefined ? `debug ${a.var}` : 'debug'),
  preview: (a, host) => ({ debug: a.var !== undefined ? a.var : host.text(['debug.msg', 'debug'], a.msg ?? '') }),
  describe: (a, p, redact) => [a.var !== undefined ? `debug var ${p.debug}` : `debug: ${redact(p.debug)}`],
  json: (_a, p, redact) => ({ debug: redact(p.debug) }),
  async run(a, task, host): Promise<Outcome> {
    try {
      if (a.var === undefined)
        return done('ok', { stdout: host.renderer.text(task, ['debug.msg', 'debug'], a.msg ?? '', host.vars) });
      // The variable's value as Ansible shows it: `{"name": value}`, indented.
      const shown = `{{ {${JSON.stringify(a.var)}: (${a.var})} | to_nice_json(sort_keys=false) }}`;
      return done('ok', { stdout: host.renderer.text(task, ['debug.var', 'debug'], shown, host.vars) });
    } catch (err) {
      return failed('template', message(err));
    }
  },
});
