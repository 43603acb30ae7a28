/**
 * Durations as playbooks write them: `500ms`, `10s`, `5m`, `1h`, or a bare number of seconds
 * (YAML number or numeric string). Everything downstream works in milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/** Milliseconds, or null when `v` is not a duration. Negative and non-finite values are not durations. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1_000) : null;
  if (typeof v !== 'string') return null;
  const m = DURATION.exec(v.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

export const DURATION_HELP = 'a duration like "500ms", "10s", "5m", "1h" or a number of seconds';
