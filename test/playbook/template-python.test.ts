import { describe, expect, it } from 'vitest';
import { checkExpressionNames, checkTemplateNames } from '../../src/playbook/template/check.js';
import { TemplateEngine } from '../../src/playbook/template/engine.js';

/**
 * Where runbook deliberately differs from Ansible: a template cannot change a variable in place (variables
 * are shared between hosts), and JavaScript's members are not Python's. Both are refused when run and
 * reported by validate with the Python to write instead.
 */

const engine = new TemplateEngine(['/nonexistent/templates']);
const render = (text: string, vars: Record<string, unknown>) => engine.renderString(text, vars, 'test');

describe('templates speak Python, read-only', () => {
  it('cannot append to, update or pop from a shared variable', () => {
    const shared = { peers: ['a'], opts: { k: 1 } };
    expect(() => render('{{ peers.append("b") }}', shared)).toThrow(/undefined variable "peers.append"/);
    expect(() => render('{{ opts.update({"k": 2}) }}', shared)).toThrow(/undefined variable "opts.update"/);
    expect(() => render('{{ opts.pop("k") }}', shared)).toThrow(/undefined variable "opts.pop"/);
    expect(shared).toEqual({ peers: ['a'], opts: { k: 1 } });
    expect(render('{{ peers + ["b"] }} {{ opts | combine({"k": 2}) }}', shared)).toBe("['a', 'b'] {'k': 2}");
  });

  it('has no JavaScript members on strings and lists', () => {
    expect(() => render('{{ s.length }}', { s: 'abc' })).toThrow(/undefined variable "s.length"/);
    expect(() => render('{{ s.toUpperCase() }}', { s: 'abc' })).toThrow(/undefined variable/);
    expect(() => render('{{ l.includes(1) }}', { l: [1] })).toThrow(/undefined variable/);
    expect(render('{{ s | length }} {{ s.upper() }} {{ 1 in l }}', { s: 'abc', l: [1] })).toBe('3 ABC True');
  });

  it('validate names the Python to write instead', () => {
    expect(checkTemplateNames('{{ peers.append(x) }}')).toEqual([
      {
        line: 1,
        col: 10,
        message: 'unknown method "append()"',
        hint: 'variables are read-only in templates: build a new list with xs + [x]',
      },
    ]);
    expect(checkExpressionNames('name.toLowerCase() == "x"')).toEqual([
      { line: 1, col: 6, message: 'unknown method "toLowerCase()"', hint: 'use .lower() or | lower' },
    ]);
  });
});
