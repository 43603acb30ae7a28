import type { Io } from '../../src/report/io.js';

/** A captured Io: what a command printed, for assertions. */
export function memoryIo(
  opts: Partial<Pick<Io, 'isTTY' | 'env' | 'cwd'>> = {},
): Io & { stdout: () => string; stderr: () => string } {
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
