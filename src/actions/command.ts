import type { YamlPath } from '../playbook/load.js';
import type { ExecResult } from '../transport/transport.js';
import { defineAction } from './action.js';
import { done, failed, linkFailure, message, registered, type Outcome } from './outcome.js';

export type CommandArgs = { kind: 'command'; command: string };
type CommandPreview = { command: string };

/** `command: show version`: one command over the session; a non-zero exit status fails the task. */
export const command = defineAction<CommandArgs, CommandPreview>({
  schema: {
    title: 'Command',
    description: 'Run over SSH exec; the task fails on a non-zero exit status. Nunjucks is rendered first.',
    type: 'string',
    minLength: 1,
  },

  texts(value: unknown, at: YamlPath) {
    return typeof value === 'string'
      ? [{ field: 'command', text: value, path: at, expression: false, afterRun: false }]
      : [];
  },
  parse: (value) => ({ kind: 'command', command: String(value) }),
  defaultName: (a) => a.command,

  preview: (a, host) => ({ command: host.text(['command'], a.command) }),
  describe: (_a, p, redact) => [`$ ${redact(p.command)}`],
  json: (_a, p, redact) => ({ command: redact(p.command) }),

  async run(a, task, host): Promise<Outcome> {
    let rendered: string;
    try {
      rendered = host.renderer.text(task, ['command'], a.command, host.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    // A command may change anything, so under --check it runs only when the task says it is read-only.
    if (host.check && task.checkMode !== 'run') return done('skipped', { would_run: true });
    const timeoutMs = host.timeoutMs;
    let res: ExecResult;
    try {
      res = await host.bounded((signal) => host.session.exec(rendered, { timeoutMs, signal }));
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    const seen = done('changed', { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    const vars = { ...host.vars, ...registered(seen), ...(task.register ? { [task.register]: registered(seen) } : {}) };
    const holds = (exprs: string[]) => exprs.every((e) => host.renderer.test(e, vars));
    let isFailed: boolean;
    let changed: boolean;
    try {
      isFailed = task.failedWhen ? holds(task.failedWhen) : res.rc !== 0;
      changed = task.changedWhen ? holds(task.changedWhen) : true;
    } catch (err) {
      return failed('expression', message(err), { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    if (isFailed) {
      const why = task.failedWhen
        ? 'failed_when matched'
        : res.rc === null
          ? `ended by signal ${res.signal ?? 'unknown'}`
          : `exit status ${res.rc}`;
      return failed('command', why, { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    return { ...seen, status: changed ? 'changed' : 'ok', changed };
  },
});
