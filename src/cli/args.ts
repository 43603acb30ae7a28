import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT = {
  ok: 0,
  internal: 1,
  hostsFailed: 2,
  halted: 3,
  invalid: 4,
  usage: 5,
  interrupted: 130,
} as const;

/** Bad command-line usage: printed as one line plus the command's usage, exit 5. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into UsageError one-liners. */
export function parseFlags<O extends Options>(argv: string[], options: O, opts: { allowPositionals?: boolean } = {}) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: opts.allowPositionals ?? true, strict: true });
  } catch (err) {
    const raw = (err as Error).message.split('\n')[0] ?? 'bad arguments';
    throw new UsageError(
      raw.replace(/\. To specify a positional argument.*$/, '').replace(/^Unknown option/, 'unknown option'),
    );
  }
}

/** `--limit`: an empty or blank pattern is a mistake (a variable that expanded to nothing), never "no limit". */
export function limitPattern(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '') throw new UsageError('--limit needs a host pattern, not an empty string');
  return raw;
}

export function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${flag} takes a positive whole number, not "${raw}"`);
  return Number(raw);
}

/** A file named by a flag must exist: a typo would otherwise fall back to other settings without a word. */
export function existingFile(flag: string, raw: string | undefined, cwd: string): string | undefined {
  if (raw === undefined) return undefined;
  const path = resolve(cwd, raw);
  if (!existsSync(path)) throw new UsageError(`${flag}: no such file ${raw}`);
  return path;
}
