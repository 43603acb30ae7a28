import { TransportError, type ExecResult, type Session } from '../transport/transport.js';
import type { BecomeSpec } from '../playbook/types.js';
import { becomeCommand, becomeRefused, shellQuote, withoutPrompt } from './become.js';

/**
 * The session a task's action sees: the host's (or delegate's) own, with the task's `environment` exported
 * and its `become` applied to every command. Escalated files go through the escalated shell (SFTP runs as
 * the login user). A refused escalation is an `auth` failure of the link, never a hang.
 */
export interface TaskSessionOptions {
  environment: Record<string, string>;
  become?: BecomeSpec;
  password?: string;
}

export function taskSession(session: Session, opts: TaskSessionOptions): Session {
  const { become } = opts;
  if (!become && Object.keys(opts.environment).length === 0) return session;
  const exports = Object.entries(opts.environment)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}; `)
    .join('');
  const run = async (
    line: string,
    o: { timeoutMs?: number; signal?: AbortSignal; stdin?: string } = {},
  ): Promise<ExecResult> => {
    if (!become) return session.exec(`${exports}${line}`, o);
    const wrapped = becomeCommand(`${exports}${line}`, become, opts.password);
    const res = await session.exec(wrapped.command, { ...o, stdin: `${wrapped.stdin ?? ''}${o.stdin ?? ''}` });
    if (becomeRefused(res.rc, res.stderr, wrapped.prompt)) {
      const none =
        opts.password === undefined
          ? ' (no become password given: set ansible_become_password or become_password_env)'
          : '';
      throw new TransportError('auth', `become: ${become.method} to ${become.user} was refused${none}`);
    }
    return { ...res, stderr: withoutPrompt(res.stderr, wrapped.prompt) };
  };
  if (!become) {
    return {
      exec: run,
      readFile: (p, o) => session.readFile(p, o),
      writeFile: (p, d, o) => session.writeFile(p, d, o),
      stat: (p, o) => session.stat(p, o),
      chmod: (p, m, o) => session.chmod(p, m, o),
      close: () => session.close(),
    };
  }
  const fail = (what: string, path: string, res: ExecResult): Error =>
    new Error(`${what} ${path}: ${res.stderr.trim() || `exit status ${res.rc ?? 'unknown'}`}`);
  return {
    exec: run,
    async readFile(path, o) {
      const q = shellQuote(path);
      const res = await run(`if [ -e ${q} ]; then cat -- ${q}; else exit 3; fi`, o);
      if (res.rc === 3) return null;
      if (res.rc !== 0) throw fail('cannot read', path, res);
      return Buffer.from(res.stdout, 'utf8');
    },
    async writeFile(path, data, o = {}) {
      const q = shellQuote(path);
      const temp = shellQuote(`${path}.runbook-tmp`);
      const chmod = o.mode ? ` && chmod ${o.mode} -- ${temp}` : '';
      const res = await run(`cat > ${temp}${chmod} && mv -f -- ${temp} ${q}`, { ...o, stdin: data.toString() });
      if (res.rc !== 0) throw fail('cannot write', path, res);
    },
    async stat(path, o) {
      const q = shellQuote(path);
      const res = await run(`if [ -e ${q} ]; then stat -c '%a %s' -- ${q}; else exit 3; fi`, o);
      if (res.rc === 3) return null;
      if (res.rc !== 0) throw fail('cannot stat', path, res);
      const [mode, size] = res.stdout.trim().split(' ');
      return { mode: parseInt(mode ?? '0', 8), size: Number(size) };
    },
    async chmod(path, mode, o) {
      const res = await run(`chmod ${mode} -- ${shellQuote(path)}`, o);
      if (res.rc !== 0) throw fail('cannot chmod', path, res);
    },
    close: () => session.close(),
  };
}
