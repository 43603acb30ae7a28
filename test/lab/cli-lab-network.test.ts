import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collect, runCli, startCli } from '../support/cli.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function waitForReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes('ready')) resolve(out);
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before ready\n${out}`)));
  });
}

describe('runbook lab --platform', () => {
  it('writes network_cli hosts of each platform in turn, with the enable password named by its variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-cli-net-'));
    dirs.push(dir);
    const child = startCli(['lab', '--hosts', '3', '--platform', 'mixed', '--minute', '1s', '--dir', dir]);
    children.push(child);
    const banner = await waitForReady(child);
    expect(banner).toContain('platform     mixed (enable password lab-enable: export RUNBOOK_LAB_ENABLE=lab-enable)');
    type Host = { ansible_connection: string; ansible_network_os: string; become_password_env?: string };
    const doc = parse(readFileSync(join(dir, 'inventory.yml'), 'utf8')) as {
      all: { children: { site1: { hosts: Record<string, Host> } } };
    };
    const hosts = doc.all.children.site1.hosts;
    expect(
      Object.values(hosts).map((h) => [h.ansible_connection, h.ansible_network_os, h.become_password_env ?? null]),
    ).toEqual([
      ['network_cli', 'ios', 'RUNBOOK_LAB_ENABLE'],
      ['network_cli', 'eos', 'RUNBOOK_LAB_ENABLE'],
      ['network_cli', 'junos', null],
    ]);
    child.kill('SIGTERM');
    expect((await collect(child)).code).toBe(0);
  });

  it('refuses an unknown platform with one line and exit 5', async () => {
    const r = await runCli(['lab', '--platform', 'vyos']);
    expect(r.code).toBe(5);
    expect(r.stderr.split('\n')[0]).toBe('runbook lab: --platform takes ios, eos, junos or mixed, not "vyos"');
  });
});
