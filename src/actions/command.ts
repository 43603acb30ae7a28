import type { YamlPath } from '../playbook/load.js';
import type { ExecResult } from '../transport/transport.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import { defineAction } from './action.js';
import { commandTexts, isMap } from './args.js';
import { commandForms } from './schema-fragments.js';
import { judgeExec, skippedByPath } from './exec-result.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type CommandArgs = { kind: 'command'; command: string; chdir?: string; creates?: string; removes?: string };

const OPTIONS = ['chdir', 'creates', 'removes'] as const;

type CommandPreview = { command: string };

/** `command: show version`: one command over the session; a non-zero exit status fails the task. */
export const command = defineAction<CommandArgs, CommandPreview>({
  schema: {
    title: 'Command',
    description:
      'Run over SSH exec; the task fails on a non-zero exit status. Nunjucks is rendered first. ' +
      "Ansible's forms are accepted: free-form `ls chdir=/tmp`, `cmd:`/`argv:` and `args:`.",
    'x-expected': 'a command line, or a mapping with cmd',
    oneOf: commandForms(
      { title: 'Command line', description: 'The command to run.', type: 'string', minLength: 1 },
      {
        warn: {
          title: 'Warn',
          description: 'Accepted for compatibility with Ansible; has no effect.',
          type: 'boolean',
        },
        strip_empty_ends: {
          title: 'Strip empty ends',
          description: 'Accepted for compatibility; output is kept as sent.',
          type: 'boolean',
        },
      },
    ),
  },

  texts: (value: unknown, at: YamlPath) => commandTexts('command', value, at, ['cmd', ...OPTIONS]),
  parse: (value) => {
    if (!isMap(value)) return { kind: 'command', command: String(value) };
    const action: CommandArgs = { kind: 'command', command: String(value.cmd) };
    for (const k of OPTIONS) if (typeof value[k] === 'string') action[k] = value[k] as string;
    return action;
  },
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
    const timeoutMs = host.timeoutMs;
    const exec = (line: string): Promise<ExecResult> =>
      host.bounded((signal) => host.session.exec(line, { timeoutMs, signal }));
    let line = rendered;
    try {
      const option = (k: (typeof OPTIONS)[number]): string | undefined => {
        const v = a[k];
        return v === undefined ? undefined : host.renderer.text(task, [`command.${k}`, 'command'], v, host.vars);
      };
      const chdir = option('chdir');
      if (chdir !== undefined) line = `cd ${shellQuote(chdir)} && ${line}`;
      // creates/removes decide whether the command is needed at all, as Ansible's command module does.
      const skipped = await skippedByPath(exec, { creates: option('creates'), removes: option('removes') });
      if (skipped) return skipped;
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('template', message(err)));
    }
    // A command may change anything, so under --check it runs only when the task says it is read-only.
    if (host.check && task.checkMode !== 'run') return done('skipped', { would_run: true });
    let res: ExecResult;
    try {
      res = await exec(line);
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    return judgeExec(res, task, host);
  },
});
