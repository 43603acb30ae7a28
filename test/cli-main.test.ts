import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { memoryIo } from './support/io.js';
import { runCli } from './support/cli.js';

describe('runbook main', () => {
  it('prints the version from package.json', async () => {
    const io = memoryIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^runbook \d+\.\d+\.\d+\n$/);
  });

  it('answers an unknown command with exit 5 and the list of commands', async () => {
    const io = memoryIo();
    expect(await main(['deploy'], io)).toBe(5);
    expect(io.stderr()).toContain('unknown command "deploy"');
    expect(io.stderr()).toContain('validate');
  });

  it('lists every command in --help', async () => {
    const io = memoryIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const c of ['validate', 'plan', 'apply', 'report', 'lab']) expect(io.stdout()).toContain(`  ${c}`);
  });

  it('runs as a real process', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^runbook /);
  });
});
