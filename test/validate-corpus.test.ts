import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { memoryIo } from './support/io.js';

/**
 * The corpus of broken inputs: each directory under test/fixtures/invalid/ holds a site.yml (and whatever it
 * names) plus expected.txt, the exact diagnostic lines `runbook validate` must print for it, in order, with
 * paths as printed from the repository root.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS = join(ROOT, 'test', 'fixtures', 'invalid');
const DIAGNOSTIC_LINE = /:\d+:\d+: /;

const cases = readdirSync(CORPUS)
  .filter((name) => statSync(join(CORPUS, name)).isDirectory())
  .sort();

async function validate(name: string): Promise<{ code: number; output: string }> {
  const playbook = relative(ROOT, join(CORPUS, name, 'site.yml'));
  const io = memoryIo({ cwd: ROOT });
  const code = await main(['validate', playbook], io);
  return { code, output: io.stdout() + io.stderr() };
}

describe('the invalid corpus', () => {
  it('runs from the repository root, so printed paths match expected.txt', () => {
    expect(relative(ROOT, process.cwd())).toBe('');
  });

  it('holds enough cases to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s: exit 4 with exactly the expected diagnostics', async (name) => {
    const expectedFile = join(CORPUS, name, 'expected.txt');
    expect(existsSync(expectedFile), `${name} has no expected.txt`).toBe(true);
    const expected = readFileSync(expectedFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(expected.length, `${name}/expected.txt names no diagnostic`).toBeGreaterThan(0);

    const { code, output } = await validate(name);
    const lines = output.split('\n').filter((l) => DIAGNOSTIC_LINE.test(l));
    expect(lines).toEqual(expected);
    expect(code).toBe(4);
    // Bad input is answered with diagnostics, never with a stack trace or an internal error.
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toMatch(/internal error|Error:/);
  });

  it('refuses the alias bomb quickly with a located error', async () => {
    const started = Date.now();
    const { code, output } = await validate('yaml-alias-bomb');
    // Expanding it would take minutes and gigabytes; the bound only separates refusing from expanding.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(code).toBe(4);
    expect(output).toMatch(
      /^test\/fixtures\/invalid\/yaml-alias-bomb\/site\.yml:2:8: refusing to expand YAML aliases/m,
    );
  });
});

describe('the reference examples', () => {
  it('validate cleanly', async () => {
    const io = memoryIo({ cwd: ROOT });
    const code = await main(['validate', fileURLToPath(new URL('./fixtures/examples/site.yml', import.meta.url))], io);
    expect(io.stdout()).toBe('');
    expect(code).toBe(0);
  });
});
