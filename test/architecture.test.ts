import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point one way: cli → report → engine → actions → transport / lab → inventory / network → playbook. A
 * module may import its own layer or a lower one; layers of the same rank (transport and lab) are peers and
 * import neither each other nor anything above. And no module imports itself back through others.
 */
const SRC = fileURLToPath(new URL('../src', import.meta.url));

const RANK: Record<string, number> = {
  playbook: 0,
  inventory: 1,
  // Network OS knowledge: platform profiles and configuration semantics, pure data and functions.
  network: 1,
  transport: 2,
  lab: 2,
  actions: 3,
  engine: 4,
  report: 5,
  cli: 6,
  // Entry points at the top of src/ (the demo) may use everything.
  '.': 7,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a module, type-only and dynamic ones included: a type is a dependency too. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?\sfrom\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
}

const graph = new Map(sourceFiles(SRC).map((f) => [f, importsOf(f)]));
const name = (f: string) => relative(SRC, f);

describe('module dependencies', () => {
  it('knows the layer of every source folder', () => {
    const unknown = [...new Set([...graph.keys()].map(layerOf))].filter((l) => !(l in RANK));
    expect(unknown).toEqual([]);
  });

  it('only import modules that exist', () => {
    const missing = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${name(f)} → ${name(d)}`),
    );
    expect(missing).toEqual([]);
  });

  it('never point up a layer, nor across to a peer layer', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      const from = layerOf(file);
      for (const dep of deps) {
        const to = layerOf(dep);
        if (to === from) continue;
        if (RANK[to]! >= RANK[from]!) wrong.push(`${name(file)} → ${name(dep)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('form no circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      path.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') circles.push([...path.slice(path.indexOf(d)), d].map(name).join(' → '));
        else if (!state.has(d)) visit(d);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(circles).toEqual([]);
  });
});
