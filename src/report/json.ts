import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { RunReport } from '../engine/results.js';

/** Works from src/report (tsx) and dist/report (build) alike: both sit two levels below the package root. */
const SCHEMA_URL = new URL('../../schemas/report.schema.json', import.meta.url);

/** The report as `--json` prints it and `--report-file` writes it. */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes next to the target and renames over it, so a reader (or a run killed mid-write) never sees half
 * a report: the file is either the previous one or the whole new one. The directory must exist.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    // Reports hold device output and diffs: private to the user. `wx` never follows a link planted at the
    // temporary name; a leftover from a crashed run with the same pid is removed first.
    rmSync(temp, { force: true });
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export function writeReportFile(path: string, report: RunReport): void {
  writeFileAtomic(path, renderJson(report));
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    // ajv-formats is not a dependency; an ISO time is all the report uses.
    ajv.addFormat('date-time', {
      type: 'string',
      validate: (s: string) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  }
  return validator;
}

/** Problems with `value` as a report (`/hosts/3/status: must be equal to one of the allowed values`), or none. */
export function validateReport(value: unknown): string[] {
  const validate = compiled();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
