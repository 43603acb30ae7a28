import type { PlatformProfile } from '../../network/platform.js';
import { lastLine, modeOfPrompt } from '../../network/prompt.js';
import { TransportError, type ShellStream } from '../transport.js';

/**
 * Drives one interactive CLI: sends a line, reads until the device is back at a prompt, and hands back what
 * it printed in between. A command is done only when the *last* line of output matches one of the profile's
 * prompts and nothing more arrives for the settle time, as Ansible's network_cli waits; a prompt-like line
 * earlier in the output (a banner, an echoed line, a config dump) never ends a command. The device's echo
 * of the line is checked, ANSI escapes are stripped, and a pager prompt fails the command loudly: silently
 * pressing space would hide that the profile's on-open commands did not turn paging off.
 */

/** Why a CLI exchange failed without the link failing: the engine reports these as command failures. */
export class CliError extends Error {
  constructor(
    readonly kind: 'paging' | 'echo' | 'mode' | 'become',
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Answer {
  prompt: RegExp;
  answer: string;
  /** Never shown in errors or transcripts. */
  secret?: boolean;
}

export interface SendOptions {
  timeoutMs?: number;
  /** Questions this command may ask, besides the profile's own interactive prompts. */
  answers?: Answer[];
  /** The line is a secret (a password): its echo is not checked and it is never shown. */
  secret?: boolean;
}

export interface Reply {
  /** What the device printed between the echoed line and the prompt. */
  output: string;
  /** The prompt the device came back with. */
  prompt: string;
  /** The mode that prompt belongs to. */
  mode: string;
}

// CSI sequences (colours, cursor moves), OSC titles, and the two-byte escapes some devices send on login.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78MDEc]/g;

/** Terminal output as plain lines: ANSI escapes removed, backspaces applied, CR-LF and lone CR made LF. */
export function cleanTerminalText(raw: string): string {
  let text = raw.replace(ANSI, '').replace(/\x07/g, '');
  while (/[^\n\x08]\x08/.test(text)) text = text.replace(/[^\n\x08]\x08/g, '');
  text = text.replace(/\x08/g, '');
  // A lone CR returns the cursor to the start of the line: what follows overwrites what was there, which is
  // how devices erase a pager prompt. Keeping the text after the last CR of a line reproduces the screen.
  return text
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .map((line) => (line.includes('\r') ? line.slice(line.lastIndexOf('\r') + 1) : line))
    .join('\n');
}

export function timeoutFor(profile: PlatformProfile, command: string): number {
  return profile.timeouts.overrides.find((o) => o.match.test(command))?.ms ?? profile.timeouts.commandMs;
}

export class CliChannel {
  private raw = '';
  private waiter: (() => void) | undefined;
  private closed: TransportError | undefined | null = null;
  /** The mode the last prompt put the device in. */
  mode = '';
  prompt = '';

  constructor(
    private readonly stream: ShellStream,
    readonly profile: PlatformProfile,
    private readonly where: string,
  ) {
    stream.onData((text) => {
      this.raw += text;
      this.waiter?.();
    });
    stream.onClose((lost) => {
      this.closed = lost;
      this.waiter?.();
    });
  }

  /** Whether the shell has ended. */
  get isClosed(): boolean {
    return this.closed !== null;
  }

  private gone(): TransportError {
    return this.closed ?? new TransportError('dropped', `${this.where}: the device closed the CLI session`);
  }

  /**
   * Waits for the device's first prompt. Whatever arrives first (a banner, a message of the day, a line that
   * merely looks like a prompt) is let settle and then discarded; a newline is sent and the prompt that
   * answers it is the one that counts.
   */
  async open(timeoutMs: number): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    await this.quiet(deadline);
    this.raw = '';
    this.stream.write('\r');
    return this.read('', deadline, [], false);
  }

  /** Sends one line and returns what the device printed before its next prompt. */
  async send(line: string, opts: SendOptions = {}): Promise<Reply> {
    if (this.closed !== null) throw this.gone();
    const timeoutMs = opts.timeoutMs ?? timeoutFor(this.profile, line);
    this.raw = '';
    this.stream.write(`${line}\r`);
    return this.read(opts.secret ? '' : line, Date.now() + timeoutMs, opts.answers ?? [], !opts.secret);
  }

  close(): void {
    this.stream.close();
  }

  /** Resolves once nothing has arrived for the settle time (at least once), or at the deadline. */
  private async quiet(deadline: number): Promise<void> {
    const settle = Math.max(this.profile.timeouts.settleMs, 100);
    let seen = -1;
    while (Date.now() < deadline && this.closed === null) {
      if (this.raw.length === seen && seen > 0) return;
      seen = this.raw.length;
      await this.wait(Math.min(settle, deadline - Date.now()));
    }
    if (this.closed !== null) throw this.gone();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(
        () => {
          this.waiter = undefined;
          resolve();
        },
        Math.max(0, ms),
      );
      this.waiter = () => {
        clearTimeout(t);
        this.waiter = undefined;
        resolve();
      };
    });
  }

  private async read(echo: string, deadline: number, answers: Answer[], checkEcho: boolean): Promise<Reply> {
    const questions = [...answers, ...this.profile.interactive];
    let answeredAt = -1;
    for (;;) {
      const text = cleanTerminalText(this.raw);
      const tail = lastLine(text);
      if (this.profile.paging?.test(tail)) {
        // Leave the pager so the session stays usable for whatever the caller does next.
        this.stream.write('q');
        throw new CliError(
          'paging',
          `${this.where}: the device is paging its output ("${tail.trim()}"); ` +
            "the platform's on_open must turn paging off",
        );
      }
      const question = text.length > answeredAt ? questions.find((q) => q.prompt.test(tail)) : undefined;
      if (question) {
        answeredAt = text.length;
        this.stream.write(`${question.answer}\r`);
      } else {
        const mode = modeOfPrompt(this.profile, tail);
        if (mode !== undefined) {
          const length = this.raw.length;
          await this.wait(this.profile.timeouts.settleMs);
          // Anything more means that was not the prompt after all (or the device is still talking).
          if (this.raw.length === length) return this.finish(text, tail, mode, echo, checkEcho);
          continue;
        }
      }
      if (this.closed !== null) throw this.gone();
      const left = deadline - Date.now();
      if (left <= 0) {
        const shown = echo === '' ? 'the device' : `"${echo}"`;
        throw new TransportError(
          'timeout',
          `${this.where}: no prompt after ${shown} within the command timeout; last line: "${tail.trim()}"`,
        );
      }
      await this.wait(left);
    }
  }

  private finish(text: string, tail: string, mode: string, echo: string, checkEcho: boolean): Reply {
    let lines = text.split('\n');
    lines.pop();
    if (checkEcho && echo !== '') {
      const first = (lines.shift() ?? '').replace(/\s+/g, ' ').trim();
      const sent = echo.replace(/\s+/g, ' ').trim();
      if (!first.endsWith(sent)) {
        throw new CliError('echo', `${this.where}: sent "${sent}" but the device echoed "${first}"`);
      }
    }
    // Junos prints the edit path on its own line above the configuration prompt; it is part of the prompt.
    while (lines.length > 0 && /^(\[edit.*\]|\s*)$/.test(lines[lines.length - 1]!)) lines.pop();
    lines = lines.map((l) => l.replace(/\s+$/, ''));
    this.mode = mode;
    this.prompt = tail.trim();
    return { output: lines.join('\n'), prompt: this.prompt, mode };
  }
}
