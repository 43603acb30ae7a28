import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../../src/playbook/input-file.js';
import { runCli } from '../support/cli.js';

/** What a playbook, an inventory or a template names is read quickly or refused: never a hang, never gigabytes. */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-inputs-'));
  mkdirSync(join(dir, 'templates'));
  execFileSync('mkfifo', [join(dir, 'fifo.yml'), join(dir, 'templates', 'fifo.njk')]);
  writeFileSync(join(dir, 'inventory.yml'), 'all:\n  hosts:\n    r1: { host: 127.0.0.1 }\n');
  // Just over the cap: a comment line after a valid document.
  writeFileSync(join(dir, 'huge.yml'), `all:\n  hosts:\n    r1: {}\n#${'x'.repeat(MAX_INPUT_BYTES)}\n`);
  writeFileSync(
    join(dir, 'site.yml'),
    '- hosts: all\n  inventory: inventory.yml\n  tasks:\n' +
      '    - name: push\n      template: { src: fifo.njk, dest: /etc/x }\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('input files', () => {
  it.each([
    ['a FIFO as the inventory', ['-i', 'fifo.yml', 'site.yml'], /^fifo\.yml:1:1: is a named pipe, not a regular file/],
    ['/dev/zero as the inventory', ['-i', '/dev/zero', 'site.yml'], /^\/dev\/zero:1:1: is a device, not a regular/],
    ['a FIFO as the playbook', ['fifo.yml'], /^fifo\.yml:1:1: is a named pipe, not a regular file: fifo\.yml$/],
    [
      'an inventory over the size cap',
      ['-i', 'huge.yml', 'site.yml'],
      /^huge\.yml:1:1: \d+ bytes is larger than the 16777216-byte limit: huge\.yml$/,
    ],
  ])('%s is refused on one located line, exit 4', async (_what, args, line) => {
    const r = await runCli(['validate', ...args], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(4);
    expect(r.stdout.split('\n')[0]).toMatch(line);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a FIFO as a template is refused on one located line', async () => {
    const r = await runCli(['validate', 'site.yml'], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(4);
    expect(r.stdout.split('\n')[0]).toMatch(
      /^templates\/fifo\.njk:1:1: cannot read template templates\/fifo\.njk: is a named pipe, not a regular file/,
    );
  });
});
