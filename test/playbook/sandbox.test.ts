import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { RenderError } from '../../src/playbook/template/errors.js';
import { parseExpression, evaluateExpression } from '../../src/playbook/expression.js';

/**
 * Templates are hostile input. These tests try to reach a function constructor, a prototype or `process`
 * from a template, in every way the language offers, and check that none of them gets there.
 */

const CANARY = '__runbookTemplateCanary';
// Only code that runs can join these two halves; the template text never holds the joined marker.
const PAYLOAD = `"globalThis.${CANARY} = 1; return 'PWN' + 'ED_MARK'"`;
const MARK = 'PWNED_MARK';

const globals = globalThis as unknown as Record<string, unknown>;
const AsyncFunction = (async () => undefined).constructor;
const GeneratorFunction = function* () {
  yield 1;
}.constructor;
// Values that are code or lead to it: reaching any of them (as a template value) is an escape.
const DANGEROUS: unknown[] = [
  Function,
  AsyncFunction,
  GeneratorFunction,
  Object,
  Function.prototype,
  Object.prototype,
  Array.prototype,
  String.prototype,
  Number.prototype,
  process,
  globalThis,
];

const VARS = {
  text: 'hello',
  number: 42,
  flag: true,
  nothing: null,
  list: [1, 'two', { three: 3 }],
  dict: { a: 1, nested: { b: [2] } },
  empty: {},
};

let engine: TemplateEngine;
let probed: unknown[] = [];

beforeAll(() => {
  engine = new TemplateEngine(['/nonexistent/templates']);
  // A test-only filter that records every value a chain reached, to check none of them is code.
  engine.env.addFilter('probe', (v: unknown) => {
    probed.push(v);
    return '';
  });
});

afterEach(() => {
  delete globals[CANARY];
  probed = [];
});

function render(text: string): string | RenderError {
  try {
    return engine.renderString(text, VARS, 'hostile');
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
}

function expectHarmless(text: string): void {
  const out = render(text);
  expect(globals[CANARY], text).toBeUndefined();
  if (typeof out === 'string') expect(out, text).not.toContain(MARK);
  for (const v of probed) expect(DANGEROUS.includes(v), `${text} reached ${String(v).slice(0, 40)}`).toBe(false);
}

describe('template sandbox: known escapes', () => {
  const escapes = [
    `{{ range.constructor(${PAYLOAD})() }}`,
    `{{ cycler.constructor(${PAYLOAD})() }}`,
    `{{ joiner.constructor(${PAYLOAD})() }}`,
    `{{ joiner().constructor(${PAYLOAD})() }}`,
    `{{ cycler(1).next.constructor(${PAYLOAD})() }}`,
    `{{ ''.constructor.constructor(${PAYLOAD})() }}`,
    `{{ [].constructor.constructor(${PAYLOAD})() }}`,
    `{{ {}.constructor.constructor(${PAYLOAD})() }}`,
    `{{ text.constructor.constructor(${PAYLOAD})() }}`,
    `{{ ''['constr' ~ 'uctor']['constr' ~ 'uctor'](${PAYLOAD})() }}`,
    `{% set x = 'constructor' %}{{ text[x][x](${PAYLOAD})() }}`,
    `{% for x in ['constructor'] %}{{ list[x][x](${PAYLOAD})() }}{% endfor %}`,
    `{{ range['constructor'](${PAYLOAD})() }}`,
    `{{ range.call.constructor(${PAYLOAD})() }}`,
    `{{ range.apply(none, []) }}{{ range.bind }}`,
    `{% macro m() %}{{ caller.constructor(${PAYLOAD})() }}{% endmacro %}{% call m() %}x{% endcall %}`,
    `{% macro m() %}x{% endmacro %}{{ m.constructor(${PAYLOAD})() }}`,
    `{% for i in [1] %}{{ loop.constructor.constructor(${PAYLOAD})() }}{% endfor %}`,
    `{{ self.constructor }}`,
    `{{ dict.items.constructor(${PAYLOAD})() }}`,
    `{{ dict.__proto__.constructor }}`,
    `{{ dict.__defineGetter__('x', range) }}`,
    `{{ dict.__lookupGetter__('__proto__')() }}`,
    `{{ __lookupGetter__('__proto__')() | probe }}`,
    `{{ constructor | probe }}`,
    `{{ text | constructor }}`,
    `{{ text is constructor }}`,
    `{{ (cycler(1) | dictsort)[1][1].constructor(${PAYLOAD})() }}`,
    `{{ text.valueOf.constructor(${PAYLOAD})() }}`,
    `{{ text.toString.constructor(${PAYLOAD})() }}`,
    `{{ dict.valueOf() | probe }}{{ dict.toString | probe }}`,
    `{{ r/x/.constructor.constructor(${PAYLOAD})() }}`,
    `{{ ('x' | safe).constructor.constructor(${PAYLOAD})() }}`,
    `{{ [dict] | groupby('constructor.constructor') | probe }}`,
    `{{ [dict] | sort(attribute='constructor') | probe }}`,
    `{{ [dict] | sum('constructor') }}`,
    `{{ [dict] | join(',', '__proto__') }}`,
    `{{ [dict] | selectattr('constructor') | probe }}`,
    `{{ {'__proto__': range}.call }}`,
    `{% set __proto__ = range %}{{ call }}`,
    `{{ text.split.call }}`,
    `{% set ns = namespace() %}{% set ns.__proto__ = range %}{{ ns.call }}`,
    `{% set ns = namespace() %}{% set ns.constructor = range %}{{ ns.constructor(${PAYLOAD})() }}`,
    `{% set ns = namespace() %}{% set ns['constructor'] = range %}`,
    `{% set dict.call = range %}{{ dict.call(${PAYLOAD}) }}`,
    `{{ namespace.constructor(${PAYLOAD})() }}`,
    `{{ 1 | a"+(globalThis.${CANARY}=1)+" }}`,
    // Bound names are written into the compiled code as they are: only plain names may be bound.
    `{% macro m('a", globalThis.${CANARY}=1, "'=1) %}x{% endmacro %}{{ m() }}`,
    `{% macro 'm", globalThis.${CANARY}=1, "'() %}x{% endmacro %}`,
    `{% macro m('a", globalThis.${CANARY}=1, "') %}x{% endmacro %}{{ m(1) }}`,
    `{% macro m() %}{{ caller() }}{% endmacro %}{% call('v", globalThis.${CANARY}=1, "') m() %}x{% endcall %}`,
    `{% for a, 'b", globalThis.${CANARY}=1, "' in [[1, 2]] %}{% endfor %}`,
    `{% from 'x.j2' import 'a", globalThis.${CANARY}=1, "' %}`,
    `{% import 'x.j2' as 'a", globalThis.${CANARY}=1, "' %}`,
    `{% block 'b"); globalThis.${CANARY}=1; ("' %}x{% endblock %}`,
  ];
  it.each(escapes)('%s', (text) => {
    expectHarmless(text);
    const out = render(text);
    expect(out).toBeInstanceOf(RenderError);
  });

  it('keeps a string literal inside the compiled code, whatever quotes and backslashes it holds', () => {
    // Nunjucks wrote a called name between quotes escaping only the quotes: `\"` closed the string.
    const breakout = `{{ '\\\\"+(globalThis.${CANARY}=1), context, [])));//'.upper() }}`;
    expectHarmless(breakout);
    expect(render(breakout)).toBe(`\\"+(GLOBALTHIS.${CANARY.toUpperCase()}=1), CONTEXT, [])));//`);
    expectHarmless(`{{ 'a\\u2028\\n\\\\'.upper() }}`);
  });

  it('refuses the names at compile time, with their position', () => {
    const compileError = (text: string): RenderError => {
      try {
        engine.compileString(text, 'hostile.njk');
      } catch (err) {
        if (err instanceof RenderError) return err;
        throw err;
      }
      throw new Error(`compiled: ${text}`);
    };
    const e = compileError('line one\n  {{ range.constructor }}');
    expect([e.file, e.line, e.col]).toEqual(['hostile.njk', 2, 12]);
    expect(e.message).toBe('"constructor" is not reachable from a template (templates read data, not code)');
    for (const t of [
      '{{ x.__proto__ }}',
      "{{ x['prototype'] }}",
      '{% set constructor = 1 %}',
      '{% for __proto__ in x %}{% endfor %}',
      '{% macro m(constructor) %}{% endmacro %}',
      "{{ {'__proto__': 1} }}",
      '{{ x | constructor }}',
      '{{ __defineGetter__ }}',
    ]) {
      expect(compileError(t).message, t).toMatch(/is not reachable from a template/);
    }
  });

  it('refuses them in conditions before anything runs', () => {
    const parsed = parseExpression('text.constructor.constructor("return 1")()');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(/"constructor" is not reachable from a template/);
    expect(() => evaluateExpression(engine, `text['constr' ~ 'uctor'](${PAYLOAD})()`, VARS)).toThrow(/not reachable/);
    expect(globals[CANARY]).toBeUndefined();
  });
});

describe('template sandbox: what templates still do', () => {
  it.each([
    // Python's methods and operators, as Jinja offers them (JavaScript's `length` or `toUpperCase` are not there).
    ['{{ text.upper() }} {{ text.split("l") | join("-") }} {{ text | length }} {{ text[1] }}', 'HELLO he--o 5 e'],
    ['{{ list[2].three }} {{ list | length }} {{ list[0:1] }} {{ 42 in list }}', '3 3 [1] False'],
    [
      '{{ dict.nested.b[0] }} {% for k, v in dict.items() %}{{ k }};{% endfor %}{{ dict.keys() | join(",") }}',
      '2 a;nested;a,nested',
    ],
    ['{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}{{ c.current }}', 'abb'],
    ['{% set j = joiner("|") %}{% for i in range(3) %}{{ j() }}{{ loop.index }}{% endfor %}', '1|2|3'],
    ['{% macro m(x) %}<{{ x }}{{ caller() }}>{% endmacro %}{% call m(1) %}c{% endcall %}', '<1c>'],
    ['{{ [dict] | groupby("a") | length }} {{ [dict, {"a": 3}] | sum("a") }}', '1 4'],
    ['{{ "%.1f" % number }} {{ "constructor" }} {{ {"constructor_name": 1}.constructor_name }}', '42.0 constructor 1'],
    ['{{ (cycler(1) | dictsort)[1][0] }}', 'next'],
  ])('%s', (text, expected) => {
    expect(render(text)).toBe(expected);
  });
});

// Member chains over every kind of value a template can hold, built the ways a template can build a name.
const DANGEROUS_NAMES = [
  'constructor',
  '__proto__',
  'prototype',
  'call',
  'apply',
  'bind',
  'caller',
  'callee',
  'arguments',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'valueOf',
  'toString',
  'toLocaleString',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
];
const ORDINARY_NAMES = [
  'items',
  'keys',
  'values',
  'length',
  'next',
  'current',
  'reset',
  'map',
  'filter',
  'split',
  'replace',
  'concat',
  'val',
  'a',
  'nested',
  'source',
  'index',
  'first',
  'revindex',
];

const BASES = [
  'range',
  'cycler',
  'joiner',
  'cycler(1, 2)',
  'joiner()',
  'range(2)',
  "''",
  "'abc'",
  '[]',
  '[1, 2]',
  '{}',
  "{'a': 1}",
  '1',
  '1.5',
  'true',
  'none',
  'r/x/g',
  'text',
  'number',
  'flag',
  'nothing',
  'list',
  'dict',
  'empty',
  'dict.nested',
  'list[2]',
  '(text | safe)',
  '(dict | dictsort)',
  '(list | first)',
  '(text | list)',
  '(cycler(1) | dictsort)[1][1]',
  '(dict | default(range))',
  '(range | default(1))',
  'loop',
  'caller',
  'm',
  'dict.items()',
  'text.split("l")',
  'dict.items',
  'text.split',
  'lipsum',
  'self',
  'varargs',
  'kwargs',
];

const FILTERS = [
  'first',
  'last',
  'list',
  'safe',
  'string',
  'dictsort',
  'reverse',
  'sort',
  'length',
  'join',
  'default(range)',
  'batch(1)',
  'slice(1)',
  'groupby("a")',
  'selectattr("a")',
  'dump',
];

interface Built {
  prelude: string;
  expr: string;
}

const nameArb = fc.oneof(fc.constantFrom(...DANGEROUS_NAMES), fc.constantFrom(...ORDINARY_NAMES));

/** One step of a chain: how a member name is written, or a call, or a filter. */
const stepArb = fc.oneof(
  nameArb.map(
    (n) =>
      (b: Built, _i: number): Built => ({ ...b, expr: `${b.expr}.${n}` }),
  ),
  nameArb.map(
    (n) =>
      (b: Built, _i: number): Built => ({ ...b, expr: `${b.expr}['${n}']` }),
  ),
  fc.tuple(nameArb, fc.nat()).map(([n, cut]) => (b: Built, _i: number): Built => {
    const at = n.length > 1 ? 1 + (cut % (n.length - 1)) : 1;
    return { ...b, expr: `${b.expr}['${n.slice(0, at)}' ~ '${n.slice(at)}']` };
  }),
  nameArb.map(
    (n) =>
      (b: Built, i: number): Built => ({
        prelude: `${b.prelude}{% set k${i} = '${n}' %}`,
        expr: `${b.expr}[k${i}]`,
      }),
  ),
  nameArb.map(
    (n) =>
      (b: Built, i: number): Built => ({
        prelude: `${b.prelude}{% for f${i} in ['${n}'] %}`,
        expr: `${b.expr}[f${i}]`,
      }),
  ),
  fc.constantFrom('()', `(${PAYLOAD})`, `(${PAYLOAD})()`, '(none, [])', '("__proto__")').map(
    (call) =>
      (b: Built, _i: number): Built => ({ ...b, expr: `${b.expr}${call}` }),
  ),
  fc.constantFrom(...FILTERS).map(
    (f) =>
      (b: Built, _i: number): Built => ({ ...b, expr: `(${b.expr} | ${f})` }),
  ),
);

/** Where the chain is written: at the top, inside a loop, inside a macro called with a caller, via set. */
const wrapArb = fc.constantFrom(
  (body: string) => body,
  (body: string) => `{% for i in [1] %}${body}{% endfor %}`,
  (body: string) => `{% macro m(x) %}${body}{% endmacro %}{% call m(1) %}c{% endcall %}`,
  (body: string) => `{% macro m(x) %}x{% endmacro %}${body}`,
);

const chainArb = fc
  .tuple(fc.constantFrom(...BASES), fc.array(stepArb, { minLength: 1, maxLength: 5 }), wrapArb, fc.boolean())
  .map(([base, steps, wrap, viaSet]) => {
    let built: Built = { prelude: '', expr: base };
    steps.forEach((s, i) => (built = s(built, i)));
    const closers = (built.prelude.match(/\{% for /g) ?? []).map(() => '{% endfor %}').join('');
    const use = viaSet
      ? `{% set v = ${built.expr} %}{{ v | probe }}{{ v }}`
      : `{{ ${built.expr} | probe }}{{ ${built.expr} }}`;
    return wrap(`${built.prelude}${use}${closers}`);
  });

describe('template sandbox: generated member chains', () => {
  it('never reach a function constructor, a prototype, or process', () => {
    fc.assert(
      fc.property(chainArb, (text) => {
        probed = [];
        expectHarmless(text);
        delete globals[CANARY];
      }),
      { numRuns: 3000 },
    );
  });
});
