import { describe, expect, it } from 'vitest';
import { lazyHostvars } from '../../src/engine/host-vars.js';
import { createRenderer } from '../../src/engine/renderer.js';
import { evaluateExpression } from '../../src/playbook/expression.js';
import { loadYamlText } from '../../src/playbook/load.js';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { renderError } from '../support/render-error.js';
import { markData } from '../../src/playbook/template/lazy-vars.js';

const engine = new TemplateEngine(['/nonexistent/templates']);
const render = (text: string, vars: Record<string, unknown>): string => engine.renderString(text, vars, 'task');

const vars = (): Record<string, unknown> => ({
  e: '/srv/zz',
  d: '{{ e }}-x',
  dd: '{{ d | upper }}',
  prefix: 'web',
  users: [
    { name: '{{ prefix }}-a', groups: ['{{ prefix }}'] },
    { name: '{{ prefix }}-b', groups: [] },
  ],
  lst: '{{ users }}',
  num: '{{ 3 }}',
  yes_: '{{ 1 < 2 }}',
  quoted: "{{ '{{' }} e }}",
  n: '{{ nope }}-x',
});

describe('variables whose values are templates', () => {
  it('render when looked up, through any number of variables', () => {
    expect(render('{{ d }}', vars())).toBe('/srv/zz-x');
    expect(render('cd {{ dd }}', vars())).toBe('cd /SRV/ZZ-X');
  });

  it('render inside lists and mappings, reached by index, attribute and filters', () => {
    const v = vars();
    expect(render('{{ users[0].name }} {{ users[1].name }} {{ users[0].groups[0] }}', v)).toBe('web-a web-b web');
    expect(render("{{ users | map(attribute='name') | join(',') }}", v)).toBe('web-a,web-b');
    // The written value is left as it was: every use renders it anew.
    expect((v.users as Array<{ name: string }>)[0]!.name).toBe('{{ prefix }}-a');
  });

  it('keep a list or a boolean from a lone expression and give other results as text, as Ansible', () => {
    expect(render('{{ lst is string }} {{ lst[0].name }} {{ lst | length }}', vars())).toBe('False web-a 2');
    expect(render('{{ num is string }} {{ num }}', vars())).toBe('True 3');
    expect(render('{{ yes_ is sameas true }}', vars())).toBe('True');
    // Text that reads as a Python list is one, as ansible_concat's literal_eval makes it.
    expect(render('{{ both[1] }} {{ both is string }}', { x: "['a', 'b']", both: '{{ x }}' })).toBe('b False');
    expect(render('{{ pair[1] }}', { a: 1, pair: '[{{ a }}, {{ a + 1 }}]' })).toBe('2');
  });

  it('are rendered once: a value that renders to template text stays text', () => {
    expect(render('{{ quoted }}', vars())).toBe('{{ e }}');
  });

  it('name the undefined variable inside the value, at the use', () => {
    const err = renderError(() => render('echo {{ n }}', vars()));
    expect(err.message).toBe('undefined variable "nope" (in the value of "n")');
    expect([err.file, err.line, err.col]).toEqual(['task', 1, 9]);
  });

  it('are undefined for default and defined when their value names an undefined variable', () => {
    expect(render("{{ n | default('z') }} {{ n is defined }} {{ d is defined }}", vars())).toBe('z False True');
  });

  it('report a variable that needs itself as a recursive loop', () => {
    const err = renderError(() => render('{{ a }}', { a: '{{ b }}', b: 'x{{ a }}' }));
    expect(err.message).toBe('recursive loop detected in template string: {{ b }}');
  });

  it('leave registered results and other data unrendered', () => {
    const out = markData({ stdout: '{{ e }}', stdout_lines: ['{{ e }}'] });
    expect(render('{{ out.stdout }} {{ out.stdout_lines[0] }}', { ...vars(), out })).toBe('{{ e }} {{ e }}');
  });

  it("render another host's variables against that host's own variables", () => {
    const hosts: Record<string, Record<string, unknown>> = {
      h1: { site: 'ams', fqdn: '{{ inventory_hostname }}.{{ site }}', inventory_hostname: 'h1' },
      h2: { site: 'fra', fqdn: '{{ inventory_hostname }}.{{ site }}', inventory_hostname: 'h2' },
    };
    const hostvars = lazyHostvars(Object.keys(hosts), (h) => ({ ...hosts[h]! }));
    const mine = { ...hosts.h2!, hostvars };
    expect(render("{{ hostvars['h1'].fqdn }} {{ hostvars.h2['fqdn'] }} {{ fqdn }}", mine)).toBe('h1.ams h2.fra h2.fra');
  });

  it('are rendered in expressions: when, failed_when, assert', () => {
    expect(evaluateExpression(engine, "d == '/srv/zz-x' and yes_", vars())).toBe(true);
    expect(evaluateExpression(engine, "'web-a' in users | map(attribute='name')", vars())).toBe(true);
  });

  it('give a loop its rendered items', () => {
    const renderer = createRenderer(engine, 'site.yml');
    expect(renderer.value('{{ users }}', vars())).toEqual([
      { name: 'web-a', groups: ['web'] },
      { name: 'web-b', groups: [] },
    ]);
    expect(renderer.value('{{ lst }}', vars())).toEqual([
      { name: 'web-a', groups: ['web'] },
      { name: 'web-b', groups: [] },
    ]);
  });

  it('hold a lookup that runs when the variable is used', () => {
    expect(render('{{ home }}', { home: "{{ lookup('env', 'RB_LAZY_HOME') | default('none', true) }}" })).toBe('none');
  });

  it('stay inside the sandbox', () => {
    const err = renderError(() => render('{{ sneaky }}', { sneaky: "{{ ''.__class__ }}" }));
    expect(err.message).toMatch(/__class__/);
  });

  it('leave text marked !unsafe as written, in a variable, a list or a task value', () => {
    const text = 'u: !unsafe "{{ e }}\'\\\\x\\n"\nl: ["{{ u }}"]\ncmd: !unsafe "echo {% raw %}a}}b"\n';
    const loaded = loadYamlText(text, 'v.yml').value as Record<string, unknown>;
    const v = { ...vars(), ...loaded };
    expect(render('{{ u }}|{{ l[0] }}', v)).toBe("{{ e }}'\\x\n|{{ e }}'\\x\n");
    expect(render(loaded.cmd as string, v)).toBe('echo {% raw %}a}}b');
    expect(createRenderer(engine, 'site.yml').value(loaded.u, v)).toBe("{{ e }}'\\x\n");
  });
});
