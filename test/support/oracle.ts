import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs one of the Python oracles beside this file on the cases (JSON on its stdin): its JSON answer. */
export function askOracle<T>(script: string, cases: unknown): T {
  const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, script)], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}
