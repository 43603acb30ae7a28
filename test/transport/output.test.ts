import { describe, expect, it } from 'vitest';
import { CappedOutput } from '../../src/transport/output.js';

describe('command output cap', () => {
  it('keeps everything under the limit as it came', () => {
    const o = new CappedOutput(10);
    o.push(Buffer.from('abc'));
    o.push(Buffer.from('def'));
    expect(o.text()).toBe('abcdef');
  });

  it('keeps the first bytes up to the limit and says how many more there were', () => {
    const o = new CappedOutput(5);
    o.push(Buffer.from('abc'));
    o.push(Buffer.from('defgh'));
    o.push(Buffer.from('ij'));
    expect(o.text()).toBe('abcde\n[output truncated: 5 more bytes]');
  });
});
