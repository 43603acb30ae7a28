import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { YamlPath } from '../playbook/load.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import { findTemplate, templateSearchPath } from '../playbook/template/jail.js';
import { fileSearchPath } from '../playbook/template/lookups.js';
import { shlexSplit } from '../inventory/shlex.js';
import type { TaskSpec } from '../playbook/types.js';
import { defineAction } from './action.js';
import { commandTexts, isMap, str } from './args.js';
import { commandForms } from './schema-fragments.js';
import { judgeExec, skippedByPath } from './exec-result.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type ScriptAction = { kind: 'script'; cmd: string; creates?: string; removes?: string; chdir?: string };
type ScriptPreview = { script: string };

/** The local script: `files/` beside the playbook, then the playbook's directory (the lookup jail). */
function localScript(task: TaskSpec, name: string): Buffer {
  const found = findTemplate(fileSearchPath(templateSearchPath(dirname(resolve(task.loc.file)))), name);
  if (!found.ok) throw new Error(found.message.replace(/^template /, 'script '));
  if (!statSync(found.path).isFile()) throw new Error(`script ${name} is not a file`);
  return readFileSync(found.path);
}

/**
 * `script: "setup.sh arg1 arg2"` (or `{cmd, creates, removes, chdir}`): a local script from `files/` copied to
 * the host, run with its arguments, and removed, as Ansible's script module. Like `command`, it may change
 * anything, so under --check it is reported as would-run.
 */
export const script = defineAction<ScriptAction, ScriptPreview>({
  schema: {
    title: 'Script',
    description: 'Copy a local script from files/ to the host, run it with its arguments, remove it.',
    oneOf: commandForms({
      title: 'Script and arguments',
      description: 'The script name in files/, then its arguments.',
      type: 'string',
    }),
  },
  texts: (value: unknown, at: YamlPath) => commandTexts('script', value, at, ['cmd', 'creates', 'removes', 'chdir']),
  parse(value: unknown): ScriptAction {
    if (typeof value === 'string') return { kind: 'script', cmd: value };
    const v = isMap(value) ? value : {};
    const out: ScriptAction = { kind: 'script', cmd: str(v.cmd) ?? '' };
    for (const f of ['creates', 'removes', 'chdir'] as const) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    return out;
  },
  defaultName: (a) => `script ${a.cmd}`,
  preview: (a, host) => ({ script: host.text(['script.cmd', 'script'], a.cmd) }),
  describe: (_a, p, redact) => [`script ${redact(p.script)}`],
  json: (_a, p, redact) => ({ script: redact(p.script) }),
  async run(a, task, host): Promise<Outcome> {
    const r = (field: string, s: string): string =>
      host.renderer.text(task, [`script.${field}`, 'script'], s, host.vars);
    let words: string[];
    let body: Buffer;
    const guard: { creates?: string; removes?: string; chdir?: string } = {};
    try {
      // The script and its arguments split as a shell would (Python's shlex, as Ansible splits them).
      const split = shlexSplit(r('cmd', a.cmd));
      if ('problem' in split) return failed('command', `script: ${split.problem}`);
      words = split.words;
      if (words.length === 0) return failed('command', 'script: no script named');
      body = localScript(task, words[0]!);
      for (const f of ['creates', 'removes', 'chdir'] as const) if (a[f] !== undefined) guard[f] = r(f, a[f]!);
    } catch (err) {
      return failed('template', message(err));
    }
    const { session, timeoutMs } = host;
    const exec = (command: string) => host.bounded((signal) => session.exec(command, { timeoutMs, signal }));
    try {
      const skipped = await skippedByPath(exec, guard);
      if (skipped) return skipped;
      if (host.check && task.checkMode !== 'run') return done('skipped', { would_run: true });
      const made = await exec('mktemp -d');
      if (made.rc !== 0) return failed('command', `cannot make a temporary directory: ${made.stderr.trim()}`);
      const dir = made.stdout.trim();
      const remote = `${dir}/${words[0]!.split('/').pop()}`;
      try {
        await host.bounded(() => session.writeFile(remote, body, { timeoutMs, mode: '0700' }));
        const args = words.slice(1).map(shellQuote).join(' ');
        const run = `${shellQuote(remote)}${args ? ` ${args}` : ''}`;
        const res = await exec(guard.chdir ? `cd ${shellQuote(guard.chdir)} && ${run}` : run);
        return judgeExec(res, task, host);
      } finally {
        await exec(`rm -rf -- ${shellQuote(dir)}`).catch(() => undefined);
      }
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
  },
});
