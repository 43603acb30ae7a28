/** Where a command writes. Commands never touch process.stdout directly, so tests can capture them. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: live redraws and colour are allowed (colour also needs NO_COLOR unset). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * A reader that stops early (`runbook plan --json | head -1`) closes the pipe: that is normal use, so the
 * write error is swallowed and later output dropped, and the command ends with its own exit code.
 */
function quietWhenClosed(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    closed = true;
  });
  return (text) => {
    if (!closed && !stream.destroyed) stream.write(text);
  };
}

let stdout: ((text: string) => void) | undefined;
let stderr: ((text: string) => void) | undefined;

export function processIo(): Io {
  stdout ??= quietWhenClosed(process.stdout);
  stderr ??= quietWhenClosed(process.stderr);
  return {
    out: stdout,
    err: stderr,
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

export function useColor(io: Io): boolean {
  return io.isTTY && io.env.NO_COLOR === undefined;
}
