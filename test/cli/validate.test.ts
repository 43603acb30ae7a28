import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../support/io.js';
import { main } from '../../src/cli/main.js';
import { ROOT, runCli } from '../support/cli.js';

const EXAMPLE = fileURLToPath(new URL('../fixtures/examples/site.yml', import.meta.url));
const VALID = 'test/fixtures/valid/fleet/site.yml';
const BAD_TEMPLATE = 'test/fixtures/invalid/template-undefined-variable/site.yml';
const BAD_PATTERN = 'test/fixtures/invalid/pattern-no-match/site.yml';

async function run(...argv: string[]) {
  const io = memoryIo({ cwd: ROOT });
  const code = await main(['validate', ...argv], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('runbook validate', () => {
  it('accepts the reference example without connecting anywhere', async () => {
    const r = await run(EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/site\.yml: valid \(3 hosts, 5 tasks\)\n$/);
  });

  it('reports every problem of every playbook, sorted by file, with a count', async () => {
    const r = await run(BAD_TEMPLATE, BAD_PATTERN);
    expect(r.code).toBe(4);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'test/fixtures/invalid/pattern-no-match/site.yml:2:10: host pattern "edgee": "edgee" matches no host or group',
      'test/fixtures/invalid/template-undefined-variable/templates/' +
        'ntp.conf.njk:2:13: undefined variable "ntp_servers" for host r1 (and 2 other hosts)',
      '2 problems in 2 files',
    ]);
    expect(r.stderr).toBe('');
  });

  it('prints GitHub annotations', async () => {
    const r = await run('--format', 'github', BAD_PATTERN);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe(
      '::error file=test/fixtures/invalid/pattern-no-match/site.yml,line=2,col=10::host pattern "edgee": "edgee" ' +
        'matches no host or group\n',
    );
  });

  it('prints JSON with a validity flag', async () => {
    const bad = JSON.parse((await run('--format', 'json', BAD_PATTERN)).stdout) as {
      valid: boolean;
      diagnostics: { line: number }[];
    };
    expect(bad.valid).toBe(false);
    expect(bad.diagnostics).toHaveLength(1);
    expect(bad.diagnostics[0]!.line).toBe(2);
    expect(JSON.parse((await run('--format', 'json', VALID)).stdout)).toEqual({ valid: true, diagnostics: [] });
  });

  it('uses -i for every play', async () => {
    const r = await run(
      '-i',
      'test/fixtures/valid/fleet/inventory.yml',
      'test/fixtures/invalid/plan-no-inventory/site.yml',
    );
    expect(r.code).toBe(0);
  });

  it('answers bad flags with exit 5 and the usage', async () => {
    const r = await run('--format', 'xml', VALID);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('--format must be one of text, json, github');
    expect(r.stderr).toContain('usage: runbook validate');
    expect((await run()).code).toBe(5);
    expect((await run('--bogus', VALID)).code).toBe(5);
  });

  it('explains itself with --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--format');
  });

  it('runs as a real process and exits 4 on a broken template', async () => {
    const r = await runCli(['validate', BAD_TEMPLATE]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('undefined variable "ntp_servers" for host r1');
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe('runbook validate on template and expression syntax errors', () => {
  it('locates an unclosed block where it opened, in words the user wrote, one line each', async () => {
    const r = await runCli([
      'validate',
      'test/fixtures/invalid/template-unclosed-block/site.yml',
      'test/fixtures/invalid/plan-when-syntax/site.yml',
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout.split('\n')).toEqual([
      'test/fixtures/invalid/plan-when-syntax/site.yml:10:13: when: bad expression "version.rc =="' +
        ': it ends where a value should follow',
      'test/fixtures/invalid/template-unclosed-block/templates/broken.njk:2:1: ' +
        '"{% for %}" is never closed (add "{% endfor %}")',
      '2 problems in 2 files',
      '',
    ]);
    expect(r.stderr).toBe('');
  });
});

describe('runbook validate -F', () => {
  it('reports a broken OpenSSH config at its line, exit 4', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'runbook-validate-F-'));
    try {
      const file = join(dir, 'ssh_config');
      writeFileSync(file, 'Host *\n  User ops\n  Prot 22\n');
      const r = await run('-F', file, VALID);
      expect(r.code).toBe(4);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(
          new RegExp(`^${file}:3:3: unknown ssh_config keyword "Prot" for host \\S+ \\(and \\d+ other hosts\\)$`),
        ),
        '1 problem in 1 file',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a -F file that does not exist as bad usage, exit 5', async () => {
    const r = await run('-F', 'no/such/ssh_config', VALID);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/-F: no such file no\/such\/ssh_config/);
  });
});
