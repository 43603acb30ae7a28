import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/playbook/expression.js';
import { loadYamlText } from '../../src/playbook/load.js';
import { checkExpressionNames, checkTemplateNames } from '../../src/playbook/template/check.js';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { templateSearchPath } from '../../src/playbook/template/jail.js';
import { CASES, SHARED_VARS, type GoldenCase } from './golden/cases.js';

/**
 * Golden differential test: every case is rendered by Ansible's own Templar (Debian's ansible-core and
 * python3-jinja2, through test/support/jinja_oracle.py) and by runbook, and the outputs must be equal byte
 * for byte. A case where Ansible fails must fail in runbook too.
 */

const ORACLE = join(import.meta.dirname, '..', 'support', 'jinja_oracle.py');
const PYTHON = '/usr/bin/python3';

type OracleResult = { id: number; ok: true; out: string } | { id: number; ok: false; error: string };

let root: string;
let oracle: Map<number, OracleResult>;
let engine: TemplateEngine;

function writeFixtures(dir: string): void {
  mkdirSync(join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'templates', 'part.j2'), 'part {{ s }}\n');
  writeFileSync(join(dir, 'templates', 'loopvar.j2'), '<{{ x }}>\n');
  writeFileSync(join(dir, 'templates', 'macros.j2'), '{% macro hello(n) %}hello {{ n }}{% endmacro %}\n');
  writeFileSync(join(dir, 'templates', 'greet.j2'), 'Hi {{ who }}!\n');
  writeFileSync(join(dir, 'files', 'motd.txt'), 'Welcome\n\n');
}

function label(c: GoldenCase): string {
  return c.when !== undefined ? `when: ${c.when}` : JSON.stringify(c.t);
}

/** Variables written in YAML, read as runbook reads a vars file. */
function yamlVars(c: GoldenCase): Record<string, unknown> {
  if (c.yaml === undefined) return {};
  const loaded = loadYamlText(c.yaml, 'golden.yml', { floats: 'all' });
  expect(loaded.diagnostics).toEqual([]);
  return loaded.value as Record<string, unknown>;
}

function runbookRender(c: GoldenCase): { ok: true; out: string } | { ok: false; error: string } {
  const vars = { ...structuredClone(SHARED_VARS), ...(c.vars ?? {}), ...yamlVars(c) };
  try {
    if (c.when !== undefined) return { ok: true, out: evaluateExpression(engine, c.when, vars) ? 'True' : 'False' };
    return { ok: true, out: engine.renderString(c.t!, vars, 'golden') };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'runbook-golden-'));
  writeFixtures(root);
  process.env.RUNBOOK_GOLDEN_ENV = 'from-env';
  const request = {
    basedir: root,
    cases: CASES.map((c, id) => ({
      id,
      kind: c.when !== undefined ? 'when' : 'template',
      text: c.when ?? c.t,
      vars: { ...SHARED_VARS, ...(c.vars ?? {}) },
      yaml: c.yaml,
    })),
  };
  const out = execFileSync(PYTHON, [ORACLE], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      RUNBOOK_GOLDEN_ENV: 'from-env',
      ANSIBLE_DEPRECATION_WARNINGS: 'False',
      ANSIBLE_LOCAL_TEMP: join(root, 'ansible-tmp'),
      ANSIBLE_HOME: join(root, 'ansible-home'),
      ANSIBLE_NOCOLOR: '1',
    },
  });
  oracle = new Map((JSON.parse(out) as OracleResult[]).map((r) => [r.id, r]));
  engine = new TemplateEngine(templateSearchPath(root));
}, 120_000);

afterAll(() => {
  delete process.env.RUNBOOK_GOLDEN_ENV;
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('templates render as Ansible renders them', () => {
  it('covers a few hundred cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
  });

  it('validate knows every filter, test, method and lookup of the cases Ansible renders', () => {
    const flagged = CASES.flatMap((c, id) => {
      if (!oracle.get(id)!.ok) return [];
      const problems =
        c.when !== undefined
          ? checkExpressionNames(c.when)
          : checkTemplateNames(c.t!, { searchPath: templateSearchPath(root) });
      return problems.map((p) => `${label(c)}: ${p.message}`);
    });
    expect(flagged).toEqual([]);
  });

  CASES.forEach((c, id) => {
    it(label(c), () => {
      const expected = oracle.get(id)!;
      const actual = runbookRender(c);
      if (expected.ok) {
        expect(actual).toEqual({ ok: true, out: expected.out });
      } else {
        expect(actual.ok, `Ansible failed with ${expected.error}, runbook rendered ${JSON.stringify(actual)}`).toBe(
          false,
        );
      }
    });
  });
});
