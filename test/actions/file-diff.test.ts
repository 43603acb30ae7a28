import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIFF_MAX_BYTES, fileDiff } from '../../src/actions/file-diff.js';

const lines = (n: number, tag: string) =>
  Buffer.from(`${Array.from({ length: n }, (_, i) => `${tag} line ${i}`).join('\n')}\n`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('fileDiff', () => {
  it('gives a unified diff of an ordinary change', async () => {
    const d = await fileDiff('/etc/ntp.conf', Buffer.from('server a\nserver b\n'), Buffer.from('server a\nserver c\n'));
    expect(d).toContain('--- /etc/ntp.conf');
    expect(d).toContain('-server b');
    expect(d).toContain('+server c');
  });

  it('treats a missing remote file as empty', async () => {
    expect(await fileDiff('/etc/motd', null, Buffer.from('hello\n'))).toContain('+hello');
  });

  it('answers a 10,000-line rewrite with a summary, without a search', async () => {
    const before = lines(10_000, 'old');
    const after = lines(10_000, 'new');
    expect(await fileDiff('/etc/big', before, after)).toBe(
      `--- /etc/big\n+++ /etc/big\nfile differs: ${before.length} → ${after.length} bytes, ` +
        `sha256 ${sha(before)} → ${sha(after)} (more than 2000 changed lines)\n`,
    );
  });

  it('gives up on a change that only a long search could describe, and lets other work run meanwhile', async () => {
    // The same lines in another order: no line is new, yet a diff needs thousands of changes.
    const before = lines(6000, 'same');
    const after = Buffer.from(`${before.toString().trimEnd().split('\n').reverse().join('\n')}\n`);
    let turns = 0;
    let diffing = true;
    const tick = () => {
      if (!diffing) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const d = await fileDiff('/etc/big', before, after);
    diffing = false;
    expect(d).toMatch(/^--- \/etc\/big\n\+\+\+ \/etc\/big\nfile differs: .*\(more than 2000 changed lines\)\n$/);
    // Other hosts' timers and sockets got the event loop many times while the diff searched.
    expect(turns).toBeGreaterThan(100);
  });

  it('does not diff files over the size limit or binary files', async () => {
    const big = Buffer.alloc(DIFF_MAX_BYTES + 1, 'a');
    const summary = /^--- \/x\n\+\+\+ \/x\nfile differs: 2 → 1048577 bytes, .*\(larger than 1048576 bytes\)\n$/;
    expect(await fileDiff('/x', Buffer.from('a\n'), big)).toMatch(summary);
    const binary = await fileDiff('/bin', Buffer.from([0, 1, 2]), Buffer.from('text\n'));
    expect(binary).toMatch(/file differs: 3 → 5 bytes, .*\(binary\)/);
  });
});
