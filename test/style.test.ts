import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

/** Source the project writes by hand: every tracked TypeScript and JavaScript file but generated code. */
function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.js'], { cwd: ROOT, encoding: 'utf8' });
  return listed.split('\0').filter((f) => f !== '' && !f.endsWith('schema-validators.ts'));
}

describe('source style', () => {
  it('has no line over 120 characters (Biome wraps code; comments and strings are wrapped by hand)', () => {
    const long: string[] = [];
    for (const file of sourceFiles()) {
      readFileSync(`${ROOT}${file}`, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if ([...line].length > 120) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
        });
    }
    expect(long).toEqual([]);
  });
});
