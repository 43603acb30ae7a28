import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { failed, message, type Outcome } from './outcome.js';

export type FailArgs = { kind: 'fail'; msg: string };
type FailPreview = { msg: string };

const DEFAULT_MSG = 'Failed as requested from task';

/** `fail: {msg}`: fails the host with a message, as Ansible's `fail` does; usually under a `when`. */
export const fail = defineAction<FailArgs, FailPreview>({
  schema: {
    title: 'Fail',
    description: 'Fail the host with a message (usually with a when).',
    type: 'object',
    additionalProperties: false,
    properties: {
      msg: { title: 'Message', description: `Why, rendered for the host (default "${DEFAULT_MSG}").`, type: 'string' },
    },
  },

  texts: (value: unknown, at: YamlPath) =>
    isMap(value) && typeof value.msg === 'string'
      ? [{ field: 'fail.msg', text: value.msg, path: [...at, 'msg'], expression: false, afterRun: false }]
      : [],
  parse: (value) => ({ kind: 'fail', msg: isMap(value) && typeof value.msg === 'string' ? value.msg : DEFAULT_MSG }),
  defaultName: (a) => `fail ${a.msg}`,

  preview: (a, host) => ({ msg: host.text(['fail.msg', 'fail'], a.msg) }),
  describe: (_a, p, redact) => [`fail: ${redact(p.msg)}`],
  json: (_a, p, redact) => ({ msg: redact(p.msg) }),

  // Touches nothing on the host, so it runs under --check too.
  async run(a, task, host): Promise<Outcome> {
    try {
      return failed('fail', host.renderer.text(task, ['fail.msg', 'fail'], a.msg, host.vars));
    } catch (err) {
      return failed('template', message(err));
    }
  },
});

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
