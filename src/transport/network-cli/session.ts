import type { PlatformProfile } from '../../network/platform.js';
import { rejection } from '../../network/prompt.js';
import { TransportError, type ExecResult, type Session } from '../transport.js';
import { type CliChannel, CliError, type Reply, type SendOptions } from './channel.js';

/**
 * A network device's session: one SSH connection with one CLI shell, moved between modes as the profile
 * says. Commands run in the working mode (privileged exec once `enable` succeeded); `exec` makes `command:`
 * tasks work on routers too, with a rejected line as a non-zero status. There is no file transfer.
 */

export interface Become {
  /** Whether to escalate (Ansible's `become`); without it the session stays in the mode it logged in to. */
  enabled: boolean;
  /** The enable secret, looked up by the caller from the environment or the inventory. */
  password?: string;
}

/** The result of one CLI line: what the device printed and the rejection it contained, if any. */
export interface CliResult extends Reply {
  rejected?: string;
}

export class NetworkCliSession implements Session {
  /** The mode commands run in once the session is open. */
  workingMode = '';

  constructor(
    private readonly ssh: Session,
    readonly channel: CliChannel,
    readonly where: string,
  ) {}

  get profile(): PlatformProfile {
    return this.channel.profile;
  }

  /** Reaches the working mode (escalating when asked) and runs the profile's on-open commands. */
  async start(become: Become, timeoutMs: number): Promise<void> {
    const first = await this.channel.open(timeoutMs);
    const p = this.profile;
    this.workingMode = first.mode;
    if (first.mode !== p.defaultMode && become.enabled) {
      await this.enter(p.defaultMode, become);
      this.workingMode = p.defaultMode;
    }
    for (const line of p.onOpen) {
      const r = await this.run(line);
      if (r.rejected)
        throw new CliError('mode', `${this.where}: on-open command "${line}" was rejected: ${r.rejected}`);
    }
  }

  /** Sends one line in whatever mode the device is in, and checks its output against the profile's errors. */
  async run(line: string, opts: SendOptions = {}): Promise<CliResult> {
    const reply = await this.channel.send(line, opts);
    const rejected = rejection(this.profile, reply.output);
    return rejected === undefined ? reply : { ...reply, rejected };
  }

  /** Moves to `mode` through the profile's mode changes: up through `exit` lines, down through `enter` lines. */
  async enter(mode: string, become: Become = { enabled: false }): Promise<void> {
    const p = this.profile;
    const chain = (m: string): string[] => {
      const out = [m];
      for (let cur = p.modes[m]; cur && !out.includes(cur.from); cur = p.modes[cur.from]) out.unshift(cur.from);
      return out;
    };
    for (let guard = 0; this.channel.mode !== mode; guard++) {
      if (guard > 8) throw new CliError('mode', `${this.where}: cannot reach ${mode} mode from ${this.channel.mode}`);
      const target = chain(mode);
      const here = this.channel.mode;
      if (target.includes(here)) {
        const next = target[target.indexOf(here) + 1]!;
        const change = p.modes[next]!;
        const answers =
          change.passwordPrompt && become.password !== undefined
            ? [{ prompt: change.passwordPrompt, answer: become.password, secret: true }]
            : [];
        if (change.passwordPrompt && become.password === undefined && next === p.defaultMode) {
          throw new CliError(
            'become',
            `${this.where}: ${next} mode needs a password (set become_password_env or ansible_become_password)`,
          );
        }
        const r = await this.run(change.enter, { answers });
        if (this.channel.mode === here) {
          const why = r.rejected ?? (r.output.trim() || `still at "${r.prompt}"`);
          throw new CliError('become', `${this.where}: could not enter ${next} mode: ${why}`);
        }
      } else {
        const change = p.modes[here];
        if (!change) throw new CliError('mode', `${this.where}: cannot leave ${here} mode towards ${mode}`);
        await this.run(change.exit);
      }
    }
  }

  async exec(command: string, opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (this.channel.mode !== this.workingMode) await this.enter(this.workingMode);
    const r = await this.run(command, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
    return { rc: r.rejected ? 1 : 0, stdout: r.output, stderr: r.rejected ?? '' };
  }

  private noFiles(): never {
    throw new Error(
      `${this.where}: a network_cli connection has no file transfer; use cli_config to change the configuration`,
    );
  }

  readFile(): Promise<Buffer | null> {
    this.noFiles();
  }

  writeFile(): Promise<void> {
    this.noFiles();
  }

  stat(): Promise<{ mode: number; size: number } | null> {
    this.noFiles();
  }

  chmod(): Promise<void> {
    this.noFiles();
  }

  async close(): Promise<void> {
    if (!this.channel.isClosed) {
      try {
        if (this.channel.mode !== this.workingMode) await this.enter(this.workingMode);
        for (const line of this.profile.onClose) await this.sendAndForget(line);
      } catch (err) {
        // Leaving politely is a courtesy; the connection is closed below either way.
        if (!(err instanceof TransportError) && !(err instanceof CliError)) throw err;
      }
    }
    this.channel.close();
    await this.ssh.close();
  }

  /** Sends a line that may end the session (`exit`) without waiting for a prompt. */
  private async sendAndForget(line: string): Promise<void> {
    await this.channel.send(line, { timeoutMs: 500 }).catch(() => undefined);
  }
}
