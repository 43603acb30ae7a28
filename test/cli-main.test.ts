import { describe, expect, it } from 'vitest';
import { COMMANDS, main, usageOf } from '../src/cli/main.js';
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

  it('answers a usage error with the usage its own --help starts with, for every command', async () => {
    for (const name of Object.keys(COMMANDS)) {
      const help = memoryIo();
      expect(await main([name, '--help'], help)).toBe(0);
      const usage = usageOf(help.stdout());
      expect(usage).toMatch(new RegExp(`^runbook ${name} `));
      const wrong = memoryIo();
      expect(await main([name, '--no-such-flag'], wrong)).toBe(5);
      expect(wrong.stderr()).toBe(`runbook ${name}: unknown option '--no-such-flag'\nusage: ${usage}\n`);
    }
  });

  it('runs as a real process', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^runbook /);
  });
});
