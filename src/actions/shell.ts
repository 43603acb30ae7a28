import type { YamlPath } from '../playbook/load.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { TaskSpec } from '../playbook/types.js';
import type { ExecResult } from '../transport/transport.js';
import { defineAction, type ActionHost } from './action.js';
import { commandTexts, isMap, str } from './args.js';
import { commandForms } from './schema-fragments.js';
import { judgeExec, skippedByPath } from './exec-result.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

type ShellAction = {
  kind: 'shell';
  cmd: string;
  chdir?: string;
  executable?: string;
  creates?: string;
  removes?: string;
};
type ShellPreview = { shell: string };

const OPTIONS = ['chdir', 'executable', 'creates', 'removes'] as const;

/**
 * The remote command line: the script through `/bin/sh -c` (or `executable -c`), in `chdir` when given. The
 * login shell execs it, so a script ended by a signal is reported as such (rc -N), as Ansible reports it.
 */
function shellCommandLine(a: { cmd: string; chdir?: string; executable?: string }): string {
  const run = `exec ${a.executable ? shellQuote(a.executable) : '/bin/sh'} -c ${shellQuote(a.cmd)}`;
  return a.chdir ? `cd ${shellQuote(a.chdir)} && ${run}` : run;
}

/**
 * `shell: "cmd | pipe > file"`, or `shell: {cmd, chdir, executable, creates, removes}`: a script through a
 * shell, as Ansible's shell module. `creates`/`removes` skip it when the path already exists / is gone.
 */
export const shell = defineAction<ShellAction, ShellPreview>({
  schema: {
    title: 'Shell',
    description: 'Run a script through /bin/sh (pipes, redirections); creates/removes make it idempotent.',
    oneOf: commandForms(
      { title: 'Script', description: 'The shell script to run.', type: 'string', minLength: 1 },
      {
        executable: { title: 'Shell', description: 'The shell to run it with (default /bin/sh).', type: 'string' },
      },
    ),
  },
  texts: (value: unknown, at: YamlPath) => commandTexts('shell', value, at, ['cmd', ...OPTIONS]),
  parse(value: unknown): ShellAction {
    if (typeof value === 'string') return { kind: 'shell', cmd: value };
    const v = isMap(value) ? value : {};
    const out: ShellAction = { kind: 'shell', cmd: str(v.cmd) ?? '' };
    for (const f of OPTIONS) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    return out;
  },
  defaultName: (a) => a.cmd,
  preview: (a, host) => ({ shell: host.text(['shell.cmd', 'shell'], a.cmd) }),
  describe: (_a, p, redact) => [`$ ${redact(p.shell)}`],
  json: (_a, p, redact) => ({ shell: redact(p.shell) }),
  async run(a, task, host): Promise<Outcome> {
    let args: ShellAction;
    try {
      args = render(a, task, host);
    } catch (err) {
      return failed('template', message(err));
    }
    const { session, timeoutMs } = host;
    try {
      const exec = (line: string) => host.bounded((signal) => session.exec(line, { timeoutMs, signal }));
      const skipped = await skippedByPath(exec, args);
      if (skipped) return skipped;
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    if (host.check && task.checkMode !== 'run') return done('skipped', { would_run: true });
    let res: ExecResult;
    try {
      res = await host.bounded((signal) => session.exec(shellCommandLine(args), { timeoutMs, signal }));
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    return judgeExec(res, task, host);
  },
});

function render(a: ShellAction, task: TaskSpec, host: ActionHost): ShellAction {
  const r = (field: string, s: string): string => host.renderer.text(task, [`shell.${field}`, 'shell'], s, host.vars);
  const out: ShellAction = { kind: 'shell', cmd: r('cmd', a.cmd) };
  for (const f of OPTIONS) {
    const s = a[f];
    if (s !== undefined) out[f] = r(f, s);
  }
  return out;
}
