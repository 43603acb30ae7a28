/** Where a command writes. Commands never touch process.stdout directly, so tests can capture them. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: live redraws and colour are allowed (colour also needs NO_COLOR unset). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

export function useColor(io: Io): boolean {
  return io.isTTY && io.env.NO_COLOR === undefined;
}

/** A captured Io for tests and for composing commands. */
export function memoryIo(opts: Partial<Pick<Io, 'isTTY' | 'env' | 'cwd'>> = {}): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    stdout: () => out,
    stderr: () => err,
  };
}
