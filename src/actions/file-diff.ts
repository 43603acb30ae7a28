import { createHash } from 'node:crypto';

/**
 * The diff of a file runbook is about to replace (`--diff`, `--check`). A diff is a report, not the job: its
 * work is bounded so a huge or wholly rewritten file cannot hold the event loop that every other host's
 * timeouts and keepalives run on. Past the limits the diff says what it can cheaply:
 * `file differs: N → M bytes, sha256 … → …`.
 */

/** Either side larger than this is not diffed line by line. */
export const DIFF_MAX_BYTES = 1024 * 1024;
/** Most changed lines (added plus removed) a diff will look for before giving up. */
export const DIFF_MAX_EDITS = 2000;
/** Wall-clock backstop for one diff; the search yields to the event loop between steps meanwhile. */
const DIFF_MAX_MS = 5000;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The fallback: sizes and digests, under the same `---`/`+++` header a diff has. */
export function summaryDiff(dest: string, before: Buffer, after: Buffer, why: string): string {
  return [
    `--- ${dest}`,
    `+++ ${dest}`,
    `file differs: ${before.length} → ${after.length} bytes, sha256 ${sha256(before)} → ${sha256(after)} (${why})`,
    '',
  ].join('\n');
}

/**
 * Lines one side has and the other lacks, counted with repeats: no diff can need fewer changed lines, so
 * a rewrite is recognised in one pass instead of by a search that would give up anyway.
 */
export function changedLinesAtLeast(before: string, after: string): number {
  const count = new Map<string, number>();
  for (const l of before.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of after.split('\n')) count.set(l, (count.get(l) ?? 0) - 1);
  let n = 0;
  for (const c of count.values()) n += Math.abs(c);
  return n;
}

/** A unified diff of `before` (the remote file, null when missing) against `after`, or a summary. */
export async function fileDiff(dest: string, before: Buffer | null, after: Buffer): Promise<string> {
  const old = before ?? Buffer.alloc(0);
  if (old.length > DIFF_MAX_BYTES || after.length > DIFF_MAX_BYTES) {
    return summaryDiff(dest, old, after, `larger than ${DIFF_MAX_BYTES} bytes`);
  }
  if (old.includes(0) || after.includes(0)) return summaryDiff(dest, old, after, 'binary');
  const oldText = old.toString('utf8');
  const newText = after.toString('utf8');
  const tooMany = `more than ${DIFF_MAX_EDITS} changed lines`;
  if (changedLinesAtLeast(oldText, newText) > DIFF_MAX_EDITS) {
    return summaryDiff(dest, old, after, tooMany);
  }
  // Loaded here, not at startup: `validate` and `plan` never make a patch.
  const { createTwoFilesPatch } = await import('diff');
  return new Promise((resolve) => {
    // With a callback the search runs one edit length per event-loop turn, so no host waits on it.
    createTwoFilesPatch(dest, dest, oldText, newText, undefined, undefined, {
      maxEditLength: DIFF_MAX_EDITS,
      timeout: DIFF_MAX_MS,
      callback: (patch: string | undefined) => resolve(patch ?? summaryDiff(dest, old, after, tooMany)),
    });
  });
}
