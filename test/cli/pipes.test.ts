import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, ROOT, TSX } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();
const MAIN = join(ROOT, 'src/cli/main.ts');
const ENTRY = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv.slice(1));`;

/** `runbook ARGS | head -1` through a real shell pipe; the CLI's own exit status is printed on stderr. */
async function throughHead(args: string[]) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, read by bash
  const script = '"$@" | head -1; echo "runbook exit ${PIPESTATUS[0]}" >&2';
  const child = spawn(
    'bash',
    ['-c', script, 'bash', process.execPath, '--import', TSX, '--input-type=module', '-e', ENTRY, '--', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return collect(child);
}

/** A fleet large enough that its JSON plan is several times a pipe's buffer. */
function bigFleet(dir: string): string {
  const hosts = Array.from({ length: 600 }, (_, i) => `    r${i}: { host: 127.0.0.1, site: site${i % 7} }`).join('\n');
  writeFileSync(join(dir, 'inventory.yml'), `all:\n  hosts:\n${hosts}\n`);
  writeFileSync(
    join(dir, 'site.yml'),
    '- name: Big\n  hosts: all\n  inventory: inventory.yml\n' +
      '  tasks:\n    - name: Say\n      command: echo {{ inventory_hostname }} {{ site }}\n',
  );
  return join(dir, 'site.yml');
}

describe('output into a pipe closed early', () => {
  it('plan --json | head -1 exits 0 with nothing on stderr', async () => {
    const dir = tempDir();
    const playbook = bigFleet(dir);
    const r = await throughHead(['plan', playbook, '--json']);
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).toBe('runbook exit 0\n');
  });

  it('report --json | head -1 exits 0 with nothing on stderr', async () => {
    const dir = tempDir();
    const runDir = join(dir, '.runbook', 'runs', '20261126-184812-3f9a');
    mkdirSync(runDir, { recursive: true });
    const at = '2026-11-26T18:48:12.000Z';
    const task = {
      name: 'Dump',
      status: 'ok',
      changed: false,
      rc: 0,
      stdout: 'x'.repeat(400_000),
      stderr: '',
      attempts: 1,
      duration_ms: 5,
      error: null,
    };
    const report = {
      run_id: '20261126-184812-3f9a',
      playbook: 'site.yml',
      check: false,
      started: at,
      finished: at,
      duration_ms: 0,
      halted: null,
      resumed_from: null,
      summary: { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0 },
      hosts: [
        { name: 'r1', play: 'p', batch: 1, status: 'ok', reason: null, started: at, duration_ms: 5, tasks: [task] },
      ],
      breakers: [],
    };
    writeFileSync(join(runDir, 'report.json'), JSON.stringify(report));
    const r = await throughHead(['report', '--json', '--run-dir', dir]);
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).toBe('runbook exit 0\n');
  });
});
