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
