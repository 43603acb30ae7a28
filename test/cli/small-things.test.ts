import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, ROOT, runCli, startCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();

describe('runbook help COMMAND', () => {
  it("prints the command's own help, as COMMAND --help does", async () => {
    const viaHelp = await runCli(['help', 'apply']);
    const viaFlag = await runCli(['apply', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(/^usage: runbook apply PLAYBOOK/);
  });

  it('names an unknown command with exit 5', async () => {
    const r = await runCli(['help', 'deploy']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('unknown command "deploy"');
  });
});

describe('runbook lab', () => {
  it('--help lists -h and the exit codes', async () => {
    const r = await runCli(['lab', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}-h, --help +show this help$/m);
    expect(r.stdout).toMatch(/^exit status: 0 .*, 5 bad usage$/m);
  });

  it("the README's lab command slows a few devices, not the fleet, and its inventory is ignored by git", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const command = /npx runbook lab (.*?)\s*\\\n\s*(.*--inventory-out lab\.yml)\n/.exec(readme);
    expect(command).not.toBeNull();
    const args = `${command![1]} ${command![2]}`.split(/\s+/).map((a) => a.replace(/^'(.*)'$/, '$1'));
    const cwd = tempDir();
    const child = startCli(['lab', ...args], { cwd });
    let out = '';
    const stopWhenReady = (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\nready\n')) return;
      child.stdout!.off('data', stopWhenReady);
      child.kill('SIGINT');
    };
    child.stdout!.on('data', stopWhenReady);
    const r = await collect(child);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nready\nSIGINT: every device stopped\n$/);
    const faults = /^ {2}faults +(.*)$/m.exec(r.stdout)?.[1];
    expect(faults).toBe('site2:hang (20 devices), r00?:slow:2s (9 devices), *:flaky:0.1 (100 devices) (seed 7)');
    expect(existsSync(join(cwd, 'lab.yml'))).toBe(true);
    expect(execFileSync('git', ['check-ignore', 'lab.yml'], { cwd: ROOT, encoding: 'utf8' })).toBe('lab.yml\n');
  });
});

describe('the hidden-hosts note of a large --check run', () => {
  it('says "ok or would change", the words of the column beside it', async () => {
    const dir = tempDir();
    const runId = '20261126-184812-3f9a';
    mkdirSync(join(dir, '.runbook', 'runs', runId), { recursive: true });
    const at = '2026-11-26T18:48:12.000Z';
    const host = (i: number) => ({
      name: `r${String(i).padStart(3, '0')}`,
      play: 'p',
      batch: 1,
      status: i === 0 ? 'failed' : i % 2 ? 'ok' : 'changed',
      reason: i === 0 ? 'command' : null,
      started: at,
      duration_ms: 5,
      tasks: [],
      error: i === 0 ? 'exit status 1' : null,
    });
    const report = {
      run_id: runId,
      playbook: 'site.yml',
      check: true,
      started: at,
      finished: at,
      duration_ms: 0,
      halted: null,
      resumed_from: null,
      summary: { ok: 12, changed: 12, failed: 1, unreachable: 0, skipped: 0 },
      hosts: Array.from({ length: 25 }, (_, i) => host(i)),
      breakers: [],
    };
    writeFileSync(join(dir, '.runbook', 'runs', runId, 'report.json'), JSON.stringify(report));
    const r = await runCli(['report', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('would change');
    expect(r.stdout).toContain('\n24 hosts that ended ok or would change not shown (--verbose shows every host)\n');
  });
});

describe('the usage line of an option error', () => {
  it("is the usage paragraph of the command's own --help, --verbose included", async () => {
    for (const command of ['validate', 'plan', 'apply', 'report', 'runs', 'lab']) {
      const help = (await runCli([command, '--help'])).stdout.split('\n\n', 1)[0]!;
      const r = await runCli([command, '--bogus']);
      expect(r.code).toBe(5);
      expect(r.stderr).toBe(`runbook ${command}: unknown option '--bogus'\n${help}\n`);
    }
    const apply = await runCli(['apply', '--bogus']);
    expect(apply.stderr).toMatch(/\[(-v|--verbose)\]/);
  });
});
