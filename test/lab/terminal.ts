import type { Client, ClientChannel } from 'ssh2';

/**
 * A person at a terminal, for lab tests: opens an interactive shell with a PTY, types lines and waits for
 * text. Deliberately naive and separate from runbook's network_cli channel, so the lab is tested on its own.
 */
export class Terminal {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly stream: ClientChannel) {
    stream.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8');
      this.waiters.splice(0).forEach((w) => w());
    });
    stream.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static open(client: Client): Promise<Terminal> {
    return new Promise((resolve, reject) => {
      client.shell({ term: 'vt100', cols: 200, rows: 24 }, (err, stream) =>
        err ? reject(err) : resolve(new Terminal(stream)),
      );
    });
  }

  /** Waits until the output since the last call matches `re`, and returns that output. */
  async expect(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.buffer.replace(/\r\n/g, '\n');
      if (re.test(text)) {
        this.buffer = '';
        return text;
      }
      if (this.closed) throw new Error(`session closed before ${re}; got:\n${text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${re} within ${timeoutMs} ms; got:\n${text}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  send(line: string): void {
    this.stream.write(`${line}\r`);
  }

  key(ch: string): void {
    this.stream.write(ch);
  }

  /** Sends a line and returns the output up to the prompt `re`. */
  async run(line: string, prompt: RegExp): Promise<string> {
    this.send(line);
    return this.expect(prompt);
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return this.expect(/(?!)/, timeoutMs).then(
      () => undefined,
      (e: Error) => {
        if (!this.closed) throw e;
      },
    );
  }
}
