import type { ServerChannel } from 'ssh2';
import type { ActiveFaults } from '../faults.js';
import type { CliPersonality, CliReply } from './personality.js';

/**
 * The terminal side of a simulated network device: echoes what is typed on a PTY, hands each line to the
 * personality, pages long output until paging is turned off, and applies the CLI faults (a banner, a
 * per-line delay, lines refused by authorization, a session cut after N config lines, a pager that never
 * turns off).
 */

export interface CliShellOptions {
  pty: boolean;
  faults: () => ActiveFaults;
  signal: AbortSignal;
  /** Cuts the TCP connection under the session, as a failing link would. */
  drop: () => void;
  host: string;
  /** Added to every line, as the lab's --latency. */
  latencyMs: number;
}

const BANNER = [
  '',
  '**************************************************************************',
  '* Authorised access only. This device is monitored; by logging in you    *',
  '* agree to it. Report problems to the network team.                      *',
  '**************************************************************************',
  // A line that looks exactly like a prompt: a client that trusts the first prompt-like line is fooled.
  'lab-console#',
  '',
].join('\n');

export function serveCli(stream: ServerChannel, personality: CliPersonality, opts: CliShellOptions): void {
  stream.on('error', () => {});
  const nl = (s: string) => (opts.pty ? s.replace(/\r?\n/g, '\r\n') : s);
  let line = '';
  let queue = Promise.resolve();
  let ended = false;
  let configLines = 0;
  /** Set while the device waits for an answer instead of a command. */
  let question: CliReply['ask'] | undefined;
  /** Set while the pager waits for a key: the lines still to show. */
  let paging: { rest: string[]; pageLength: number } | undefined;

  const write = (s: string) => {
    if (!ended && !opts.signal.aborted) stream.write(nl(s));
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    personality.disconnected();
    stream.exit(0);
    stream.end();
  };

  if (opts.faults().banner) write(BANNER);
  write(personality.prompt());

  /** Shows output a page at a time; returns true when the pager is now waiting for a key. */
  const show = (output: string): boolean => {
    if (output === '') return false;
    const lines = output.replace(/\n$/, '').split('\n');
    const pageLength = opts.faults().more ? 24 : personality.pagerLength();
    if (pageLength <= 0 || lines.length < pageLength) {
      write(`${lines.join('\n')}\n`);
      return false;
    }
    write(`${lines.slice(0, pageLength - 1).join('\n')}\n${personality.pager}`);
    paging = { rest: lines.slice(pageLength - 1), pageLength };
    return true;
  };

  const afterReply = (reply: CliReply) => {
    if (reply.ask) {
      if (!show(reply.output)) write(reply.ask.prompt);
      question = reply.ask;
      return;
    }
    if (show(reply.output)) return;
    if (reply.end) return finish();
    write(personality.prompt());
  };

  const pageKey = (ch: string) => {
    const p = paging;
    if (!p) return;
    // Erase the pager prompt as real devices do, then show the next page, one more line, or stop.
    write(`\r${' '.repeat(personality.pager.length)}\r`);
    if (ch === 'q' || ch === 'Q' || ch === '\x03') {
      paging = undefined;
      write(personality.prompt());
      return;
    }
    const take = ch === ' ' ? p.pageLength - 1 : 1;
    const next = p.rest.slice(0, take);
    const rest = p.rest.slice(take);
    if (rest.length === 0) {
      paging = undefined;
      write(`${next.join('\n')}\n`);
      write(personality.prompt());
    } else {
      write(`${next.join('\n')}\n${personality.pager}`);
      paging = { rest, pageLength: p.pageLength };
    }
  };

  const submit = (text: string) => {
    queue = queue.then(async () => {
      if (ended || opts.signal.aborted) return;
      const f = opts.faults();
      if (question) {
        const ask = question;
        question = undefined;
        return afterReply(await ask.answer(text));
      }
      const inConfig = personality.inConfig();
      if (f.slowCmdMs > 0) await new Promise((r) => setTimeout(r, f.slowCmdMs));
      if (text.trim() !== '' && f.deny.some((re) => re.test(text.trim()))) {
        write(`${personality.denied(text)}\n`);
        write(personality.prompt());
        return;
      }
      if (opts.latencyMs > 0) await new Promise((r) => setTimeout(r, opts.latencyMs));
      const reply = await personality.handle(text);
      if (ended || opts.signal.aborted) return;
      if (inConfig && text.trim() !== '') configLines++;
      // The cut comes after the device took the line and before it answers: the client never sees the prompt.
      if (inConfig && f.cutAfter !== null && configLines >= f.cutAfter) {
        ended = true;
        personality.disconnected();
        opts.drop();
        return;
      }
      afterReply(reply);
    });
  };

  let lastWasCr = false;
  stream.on('data', (chunk: Buffer) => {
    for (const ch of chunk.toString('utf8')) {
      if (paging) {
        pageKey(ch);
        continue;
      }
      if (ch === '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        if (opts.pty) stream.write('\r\n');
        submit(line);
        line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (line.length > 0 && opts.pty && question?.echo !== false) stream.write('\b \b');
        line = line.slice(0, -1);
      } else if (ch === '\x03') {
        line = '';
        if (opts.pty) stream.write(`^C\r\n`);
        write(personality.prompt());
      } else if (ch >= ' ' || ch === '\t') {
        line += ch;
        if (opts.pty && question?.echo !== false) stream.write(ch);
      }
    }
  });
  stream.on('end', () => {
    if (!ended) {
      ended = true;
      personality.disconnected();
    }
  });
  stream.on('close', () => {
    if (!ended) {
      ended = true;
      personality.disconnected();
    }
  });
}
