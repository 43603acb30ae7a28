import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { command } from './command.js';

export type RawAction = { kind: 'raw'; raw: string };
type RawPreview = { raw: string };

/**
 * `raw: cmd`: the command line sent as it is over SSH exec, as Ansible's raw (which needs nothing on the
 * host). runbook's `command` already runs that way, so raw runs through it: same checks, same --check rule.
 */
export const raw = defineAction<RawAction, RawPreview>({
  schema: {
    title: 'Raw',
    description: 'Send the command line as it is over SSH exec (as command does); for hosts with nothing installed.',
    type: 'string',
    minLength: 1,
  },
  texts: (value: unknown, at: YamlPath) =>
    typeof value === 'string' ? [{ field: 'raw', text: value, path: at, expression: false, afterRun: false }] : [],
  parse: (value) => ({ kind: 'raw', raw: String(value) }),
  defaultName: (a) => a.raw,
  preview: (a, host) => ({ raw: host.text(['raw'], a.raw) }),
  describe: (_a, p, redact) => [`$ ${redact(p.raw)}`],
  json: (_a, p, redact) => ({ raw: redact(p.raw) }),
  run: (a, task, host) => command.run({ kind: 'command', command: a.raw }, task, host),
});
