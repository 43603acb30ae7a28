import type { GoldenCase } from './cases.js';

/**
 * Numbers as Python computes and prints them: integral floats read from YAML (`x: 1.0` prints `1.0`), repr of
 * floats (`1e+16`, `0.30000000000000004`, `inf`, `-0.0`), int and float results of `/`, `//`, `%`, `**`,
 * and round() on the exact binary value. Not covered: integers beyond 2**53 (JavaScript numbers), complex
 * results, float dict keys, and YAML number forms where YAML 1.1 and 1.2 differ (`0o17`, `1e3`, `1_000`).
 */

const YAML_VARS = [
  ...['x: 1.0', 'y: 2.50', 'z: -0.0', 'big: 1.0e+16', 'small: 0.0001', 'i: 3', 'h: 0x1F', 'l: [1.0, 2, 3.5]'],
  ...['d: {a: 1.0}', 's: "1.0"', 'inf: .inf', 'nan: .nan', 'ninf: -.inf'],
].join('\n');
const withYaml = (t: string): GoldenCase => ({ t, yaml: YAML_VARS });

export const NUMBER_CASES: GoldenCase[] = [
  withYaml('{{ x }} {{ y }} {{ z }} {{ big }} {{ small }} {{ i }} {{ h }}'),
  withYaml('{{ l }} {{ d }} {{ s }}'),
  withYaml('{{ inf }} {{ nan }} {{ ninf }} {{ -inf }} {{ inf - inf }}'),
  withYaml(
    '{{ x + 1 }} {{ x * 2 }} {{ x / 1 }} {{ x // 1 }} {{ x % 1 }} {{ x ** 2 }} {{ i / 3 }} ' +
      '{{ i // 2 }} {{ -i // 2 }} {{ i % -2 }} {{ i ** -1 }}',
  ),
  withYaml(
    '{{ x | int }} {{ x | string }} {{ x | float }} {{ x | round }} {{ y | round }} ' +
      '{{ y | round(1) }} {{ 2.675 | round(2) }} {{ 3 | round }}',
  ),
  withYaml('{{ x | to_json }} {{ l | to_json }} {{ d | to_nice_json }} {{ x | to_yaml }} {{ l | to_nice_yaml }}'),
  withYaml(
    '{{ x == 1 }} {{ x is integer }} {{ x is float }} {{ x is number }} {{ i is float }} ' +
      '{{ [x, i] | max }} {{ [x, i] | sum }} {{ l | sum }}',
  ),
  withYaml(
    '{{ x | type_debug }} {{ i | type_debug }} {{ l | map("int") | list }} ' +
      '{{ l | map("float") | list }} {{ l | map("string") | list }}',
  ),
  withYaml('{{ "%s %r %d %.2f" % (x, x, x, x) }} {{ "{} {!r} {:.1f}".format(x, x, x) }} {{ x | abs }} {{ z | abs }}'),
  withYaml('{{ l | unique }} {{ [1, 1.0] | unique }} {{ x in [1] }} {{ 1 in [x] }}'),
  { t: '{{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ 10**20 }} {{ 1e-5 }} {{ 0.0001 }}' },
  { t: '{{ 3 / 2 }} {{ 4 / 2 }} {{ -7 / 2 }} {{ 7 // -2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** 0.5 }} {{ 0 ** 0 }}' },
  {
    t:
      '{{ 1 == 1.0 }} {{ 1 is sameas 1.0 }} {{ True + 1 }} {{ true * 2.5 }} {{ 5 | float / 2 }} ' +
      '{{ "3" | int + 1 }} {{ 7 / 7 * 2 }}',
  },
  {
    t:
      '{{ 2.0 | int }} {{ 2.9 | int }} {{ -2.9 | int }} {{ "2.9" | float | int }} ' +
      '{{ 1e300 * 1e10 }} {{ -1e300 * 1e10 }}',
  },
  { t: '{{ 10 | string }} {{ 10.0 | string }} {{ 1.5e-7 }} {{ 12345678.9 }} {{ 1.0e22 }} {{ 100.0 * 3 }}' },
  {
    t:
      '{{ 2.675|round(2) }} {{ 0.125|round(2) }} {{ 0.375|round(2) }} {{ 2.5|round }} ' +
      '{{ 3.5|round }} {{ -2.5|round }} {{ -0.4|round }} {{ 1.005|round(2) }} ' +
      '{{ 1234.5678|round(-2) }} {{ 0.5|round }} {{ 1.5|round }} {{ 2.345|round(2) }} ' +
      '{{ 1e20|round(2) }} {{ -2.675|round(2) }} {{ 5|round(2) }} {{ 2.7|round(0, "floor") }} ' +
      '{{ 2.1|round(0, "ceil") }} {{ 2.55|round(1, "floor") }}',
  },
];
