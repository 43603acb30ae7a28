import { describe, expect, it } from 'vitest';
import { evaluateExpression, parseExpression } from '../../src/playbook/expression.js';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { RenderError } from '../../src/playbook/template/errors.js';

const engine = new TemplateEngine(['/nonexistent/templates']);
const test = (expr: string, ctx: Record<string, unknown>) => evaluateExpression(engine, expr, ctx);

describe('expressions', () => {
  it('evaluates the Ansible forms playbooks use', () => {
    expect(test('ntp_file.changed', { ntp_file: { changed: true } })).toBe(true);
    expect(test("'*' not in peers.stdout", { peers: { stdout: 'x' } })).toBe(true);
    expect(test("'*' not in peers.stdout", { peers: { stdout: '*x' } })).toBe(false);
    expect(test('x is defined', {})).toBe(false);
    expect(test('x is undefined', {})).toBe(true);
    expect(test('rc == 0', { rc: 0 })).toBe(true);
    expect(test('version.stdout | length > 0', { version: { stdout: '' } })).toBe(false);
    expect(test('not foo', { foo: false })).toBe(true);
    expect(test('r is changed', { r: { changed: true } })).toBe(true);
    expect(test('r is failed', { r: { failed: false } })).toBe(false);
    expect(test('{{ flag }}', { flag: true })).toBe(true);
    expect(test('flag | bool', { flag: 'yes' })).toBe(true);
  });

  it('uses Python truth: empty lists and strings are false', () => {
    expect(test('items', { items: [] })).toBe(false);
    expect(test('items', { items: [1] })).toBe(true);
    expect(test('s', { s: '' })).toBe(false);
  });

  it('fails on an undefined variable instead of treating it as false', () => {
    expect(() => test('missing == 1', {})).toThrow(RenderError);
    expect(() => test('r.nope', { r: {} })).toThrow('undefined variable "r.nope"');
  });

  it('lists the variables an expression needs, not those it only asks about', () => {
    expect(parseExpression("'*' not in peers.stdout and x is defined")).toEqual({ ok: true, names: ['peers'] });
    expect(parseExpression('a | default(b) > limit')).toEqual({ ok: true, names: ['b', 'limit'] });
    expect(parseExpression('range(3) | length > q')).toEqual({ ok: true, names: ['q'] });
  });

  it("reads Jinja's precedence: a test binds tighter than a comparison or not", () => {
    expect(parseExpression('n is divisibleby 3 == true')).toEqual({ ok: true, names: ['n'] });
    expect(parseExpression('not y is defined and 1e3 > z')).toEqual({ ok: true, names: ['z'] });
    expect(parseExpression("lookup('env', 'HOME') == dict(a=1).a ~ namespace(b=w).b")).toEqual({
      ok: true,
      names: ['w'],
    });
    expect(test('n is divisibleby 3 == true', { n: 9 })).toBe(true);
    expect(test('not y is defined', {})).toBe(true);
  });

  it('reports a syntax error', () => {
    const r = parseExpression('rc ==');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^bad expression "rc ==": /);
  });
});
