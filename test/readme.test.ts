import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../scripts/schema-docs.js';
import { ROOT } from './support/cli.js';

describe('README', () => {
  it('key tables match the JSON Schemas (run `npm run docs` after changing a schema)', () => {
    const text = readFileSync(`${ROOT}README.md`, 'utf8');
    expect(text).toBe(renderReadme(text));
  });

  it('quick start is two commands: install once and run the demo, then the tests', () => {
    const text = readFileSync(`${ROOT}README.md`, 'utf8');
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const commands = quickStart
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm ci && npm run demo', 'npm test']);
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBe('biome check . && vitest run');
  });
});
