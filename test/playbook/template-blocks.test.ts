import { describe, expect, it } from 'vitest';
import { findBlockProblem } from '../../src/playbook/template/blocks.js';

describe('findBlockProblem', () => {
  it('names the innermost unclosed block where it opened', () => {
    expect(findBlockProblem('a\n{% for x in y %}\n  {% if x %}x{% endif %}\n')).toEqual({
      message: '"{% for %}" is never closed (add "{% endfor %}")',
      line: 2,
      col: 1,
    });
    expect(findBlockProblem('{% if a %}\n  {%- for x in y %}')).toMatchObject({
      message: '"{% for %}" is never closed (add "{% endfor %}")',
      line: 2,
      col: 3,
    });
  });

  it('names an end tag that closes the wrong block, or none', () => {
    expect(findBlockProblem('{% for x in y %}{% if z %}{% endfor %}')).toEqual({
      message: '"{% endfor %}" found where "{% if %}" (opened at 1:17) needs "{% endif %}"',
      line: 1,
      col: 27,
    });
    expect(findBlockProblem('x\n{% endif %}')).toEqual({
      message: '"{% endif %}" closes no open block',
      line: 2,
      col: 1,
    });
  });

  it('ignores tags inside comments and raw blocks, and set with a value', () => {
    expect(findBlockProblem('{# {% for %} #}{% raw %}{% if %}{% endraw %}{% set a = 1 %}')).toBeNull();
    expect(findBlockProblem('{% set a %}x')).toMatchObject({
      message: '"{% set %}" is never closed (add "{% endset %}")',
    });
  });

  it('finds a delimiter that is never closed', () => {
    expect(findBlockProblem('ok {{ a }}\nserver {{ s \n')).toEqual({
      message: '"{{" is never closed (add "}}")',
      line: 2,
      col: 8,
    });
  });
});
