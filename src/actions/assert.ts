import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { done, failed, message, type Outcome } from './outcome.js';

export type AssertArgs = { kind: 'assert'; that: string[]; msg?: string };
type AssertPreview = Record<string, never>;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `assert: {that, msg}`: fails the host unless every expression holds; touches nothing on the host. */
export const assert = defineAction<AssertArgs, AssertPreview>({
  schema: {
    title: 'Assert',
    description: 'Fail the host unless every expression holds.',
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: {
      that: {
        title: 'Expressions',
        description: 'An expression or a list of expressions that must all hold.',
        'x-expected': 'an expression or a list of expressions',
        oneOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      msg: { title: 'Message', description: 'Shown when the assertion fails.', type: 'string' },
    },
  },

  texts(value: unknown, at: YamlPath) {
    if (!isMap(value)) return [];
    const out = [];
    const that = typeof value.that === 'string' ? [value.that] : Array.isArray(value.that) ? value.that : [];
    const listed = Array.isArray(value.that);
    that.forEach((text: unknown, i) => {
      const path = listed ? [...at, 'that', i] : [...at, 'that'];
      if (typeof text === 'string') out.push({ field: 'assert.that', text, path, expression: true, afterRun: false });
    });
    if (typeof value.msg === 'string')
      out.push({ field: 'assert.msg', text: value.msg, path: [...at, 'msg'], expression: false, afterRun: false });
    return out;
  },
  parse(value: unknown): AssertArgs {
    const a = isMap(value) ? value : {};
    const action: AssertArgs = { kind: 'assert', that: Array.isArray(a.that) ? a.that.map(String) : [String(a.that)] };
    if (typeof a.msg === 'string') action.msg = a.msg;
    return action;
  },
  defaultName: (a) => `assert ${a.that.join(' and ')}`,

  expressions: (a) => [{ key: 'assert.that', exprs: a.that }],
  preview: () => ({}),
  describe: (a) => [`assert: ${a.that.join(' and ')}`],
  // What the text plan shows, so a tool reading the JSON sees the same checks.
  json: (a) => ({ assert: a.msg === undefined ? { that: a.that } : { that: a.that, msg: a.msg } }),

  // Reads only variables, so it runs under --check too.
  async run(a, _task, host): Promise<Outcome> {
    for (const expr of a.that) {
      let holds: boolean;
      try {
        holds = host.renderer.test(expr, host.vars);
      } catch (err) {
        return failed('expression', `${expr}: ${message(err)}`);
      }
      if (!holds) return failed('assert', a.msg ?? `assertion failed: ${expr}`);
    }
    return done('ok');
  },
});
