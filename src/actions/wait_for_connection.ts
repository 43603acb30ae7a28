import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type WaitForConnectionAction = { kind: 'wait_for_connection'; timeoutMs: number };
type WaitForConnectionPreview = Record<string, never>;

/**
 * `wait_for_connection`: the host answers a command over its connection. runbook connects before a host's
 * first task (with the play's connect retries), so this checks the session still answers, within `timeout`.
 */
export const wait_for_connection = defineAction<WaitForConnectionAction, WaitForConnectionPreview>({
  schema: {
    title: 'Wait for connection',
    description: 'Check the host answers over its connection (runbook connects before the first task).',
    oneOf: [
      { type: 'null' },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          timeout: {
            title: 'Timeout',
            description: 'Seconds to wait for an answer (default 600).',
            type: 'number',
            minimum: 0,
          },
          delay: { title: 'Delay', description: 'Accepted for compatibility.', type: 'number', minimum: 0 },
          sleep: { title: 'Sleep', description: 'Accepted for compatibility.', type: 'number', minimum: 0 },
        },
      },
    ],
  },
  texts: (_value: unknown, _at: YamlPath) => [],
  parse: (value) => ({
    kind: 'wait_for_connection',
    timeoutMs: isMap(value) && typeof value.timeout === 'number' ? value.timeout * 1000 : 600_000,
  }),
  defaultName: () => 'wait_for_connection',
  preview: () => ({}),
  describe: () => ['wait for the connection'],
  json: () => ({}),
  async run(a, _task, host): Promise<Outcome> {
    try {
      const res = await host.bounded((signal) =>
        host.session.exec('true', { timeoutMs: Math.min(a.timeoutMs, host.timeoutMs), signal }),
      );
      return res.rc === 0 ? done('ok') : failed('command', `the host answered with exit status ${res.rc}`);
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
  },
});
