/**
 * Durations as playbooks write them: `500ms`, `10s`, `5m`, `1h`, or a bare number of seconds
 * (YAML number or numeric string). Everything downstream works in milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/** The longest wait a Node timer can hold (about 24.8 days); a longer one would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Milliseconds, or null when `v` is not a duration. Negative and non-finite values are not durations, nor is
 * anything longer than a timer can wait (the schemas bound them well below that).
 */
export function parseDuration(v: unknown): number | null {
  let ms: number;
  if (typeof v === 'number') ms = v * 1_000;
  else if (typeof v === 'string') {
    const m = DURATION.exec(v.trim());
    if (!m) return null;
    ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  } else return null;
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS ? Math.round(ms) : null;
}

export const DURATION_HELP = 'a duration like "500ms", "10s", "5m", "1h" or a number of seconds';
