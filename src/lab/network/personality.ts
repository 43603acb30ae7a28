/**
 * What a network personality (IOS, EOS, Junos) gives the shared CLI shell: its prompt, how it answers one
 * line, and how it pages. The shell owns echo, paging, faults and the connection; the personality owns the
 * OS's words.
 */

export interface CliReply {
  /** Printed after the echoed line, before the next prompt; lines separated by '\n'. */
  output: string;
  /** The device closes the session after printing the output. */
  end?: boolean;
  /** The device asks a question; the next line the user types answers it instead of being a command. */
  ask?: { prompt: string; echo: boolean; answer: (text: string) => CliReply | Promise<CliReply> };
}

export interface CliPersonality {
  prompt(): string;
  handle(line: string): CliReply | Promise<CliReply>;
  /** Lines per page; 0 when paging is off. */
  pagerLength(): number;
  /** What the pager shows while it waits for a key. */
  readonly pager: string;
  /** Whether the next line is entered in a configuration mode (the cut fault counts those). */
  inConfig(): boolean;
  /** The device's words for a line refused by authorization. */
  denied(line: string): string;
  /** The connection went away (a session left in config mode is cleaned up as the OS would). */
  disconnected(): void;
}

/** A clock measured in lab minutes, so a test can watch a ten-minute rollback timer fire in a moment. */
export interface LabClock {
  minuteMs: number;
  /** Runs `fn` after `minutes` lab minutes; the returned function cancels it. */
  after(minutes: number, fn: () => void): () => void;
}

export function labClock(minuteMs: number): LabClock {
  return {
    minuteMs,
    after(minutes, fn) {
      const t = setTimeout(fn, Math.max(0, minutes * minuteMs));
      t.unref();
      return () => clearTimeout(t);
    },
  };
}

/** A keyword matched by its unique prefix, as IOS and Junos allow (`conf t`, `sh run`). */
export type KeywordMatch = { kind: 'ok'; word: string } | { kind: 'none' } | { kind: 'ambiguous' };

export function matchKeyword(token: string, words: readonly string[]): KeywordMatch {
  const lower = token.toLowerCase();
  if (words.includes(lower)) return { kind: 'ok', word: lower };
  const hits = words.filter((w) => w.startsWith(lower));
  if (hits.length === 1) return { kind: 'ok', word: hits[0]! };
  return hits.length === 0 ? { kind: 'none' } : { kind: 'ambiguous' };
}

/** Column of each whitespace-separated token of `line`. */
export function tokenColumns(line: string): Array<{ token: string; col: number }> {
  const out: Array<{ token: string; col: number }> = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ token: m[0], col: m.index });
  return out;
}
