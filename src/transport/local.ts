import { spawn } from 'node:child_process';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CappedOutput, MAX_OUTPUT_BYTES } from './output.js';
import { TransportError, type ConnectOptions, type ExecResult, type Session, type Transport } from './transport.js';

/**
 * The controller itself, for `connection: local`, `hosts: localhost`, `delegate_to: localhost` and
 * `local_action`, as Ansible runs them: commands go to /bin/sh as the user running runbook, files are the
 * controller's own. Only a playbook that asks for it reaches here.
 */
export class LocalTransport implements Transport {
  async connect(_target: unknown, opts?: ConnectOptions): Promise<Session> {
    // The play's connect rate counts the controller too, and a graceful stop while waiting starts nothing.
    await opts?.connectSlot?.();
    return new LocalSession();
  }
}

class LocalSession implements Session {
  exec(command: string, opts: { timeoutMs?: number; signal?: AbortSignal; stdin?: string } = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      // Its own process group, so a timeout ends the command and everything it started.
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const stdout = new CappedOutput(MAX_OUTPUT_BYTES);
      const stderr = new CappedOutput(MAX_OUTPUT_BYTES);
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
      let ended: TransportError | null = null;
      const kill = (why: TransportError): void => {
        ended = why;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => kill(new TransportError('timeout', `local command did not finish within ${opts.timeoutMs} ms`)),
              opts.timeoutMs,
            );
      const onAbort = (): void => kill(new TransportError('dropped', 'local command interrupted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => reject(new TransportError('refused', `cannot run /bin/sh: ${err.message}`)));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (ended) return reject(ended);
        resolve({ rc: code, stdout: stdout.text(), stderr: stderr.text(), ...(signal ? { signal } : {}) });
      });
    });
  }

  async readFile(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async writeFile(path: string, data: Buffer | string, opts: { mode?: string } = {}): Promise<void> {
    const temp = join(dirname(path), `.${basename(path)}.runbook-${randomBytes(4).toString('hex')}`);
    await writeFile(temp, data);
    if (opts.mode !== undefined) await chmod(temp, parseInt(opts.mode, 8));
    await rename(temp, path);
  }

  async stat(path: string): Promise<{ mode: number; size: number } | null> {
    try {
      const s = await stat(path);
      return { mode: s.mode & 0o7777, size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async chmod(path: string, mode: string): Promise<void> {
    await chmod(path, parseInt(mode, 8));
  }

  async close(): Promise<void> {}
}
