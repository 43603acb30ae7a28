import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchTarget } from '../../src/actions/fetch.js';

/**
 * Differential: Ansible's own fetch (ansible-playbook, local connection) and runbook's layout put the same
 * remote file at the same place under dest, nested and flat.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'runbook-fetch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('fetch layout against Ansible', () => {
  it('matches ansible-playbook for dest/<host>/<path>, flat dest/ and a flat file name', async () => {
    const src = join(dir, 'remote', 'app.conf');
    mkdirSync(join(dir, 'remote'));
    writeFileSync(src, 'x\n');
    const cases: [string, boolean][] = [
      [join(dir, 'nested'), false],
      [`${join(dir, 'flatdir')}/`, true],
      [join(dir, 'flatfile', 'renamed.conf'), true],
    ];
    const tasks = cases.map(([dest, flat]) => `    - fetch: { src: "${src}", dest: "${dest}", flat: ${flat} }`);
    const play = ['- hosts: localhost', '  connection: local', '  gather_facts: false', '  tasks:', ...tasks, ''];
    writeFileSync(join(dir, 'p.yml'), play.join('\n'));
    await run('ansible-playbook', ['-i', 'localhost,', join(dir, 'p.yml')], {
      env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' },
    });
    const ansible = ['nested', 'flatdir', 'flatfile'].flatMap((d) => files(join(dir, d))).sort();
    const ours = cases.map(([dest, flat]) => relative(dir, fetchTarget(dest, 'localhost', src, flat))).sort();
    expect(ours).toEqual(ansible);
    expect(ours).toHaveLength(3);
  }, 60_000);
});
