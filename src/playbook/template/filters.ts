import type nunjucks from 'nunjucks';
import { ANSIBLE_FILTERS, ANSIBLE_TESTS } from './ansible-filters.js';
import {
  JINJA_FILTERS,
  JINJA_TESTS,
  nunjucksFilter,
  nunjucksTest,
  type Filter,
  type FilterEnv,
  type Test,
} from './jinja-filters.js';
import { lookupGlobals, type LookupContext } from './lookups.js';
import { splitArgs } from './methods.js';
import { PyError, makeNamespace, pyStr, pyTruth } from './python.js';

/**
 * Every filter, test and global a template may use, by name, including Ansible's fully qualified names.
 * `validate` checks templates against these names; the engine registers exactly these, so a template that
 * validates never fails with "filter not found".
 */

const FQCN_UTILS = new Set(['ipaddr', 'ipv4', 'ipv6', 'ipmath', 'ipwrap']);

function withFqcn<T>(table: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = { ...table };
  for (const [name, f] of Object.entries(table)) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) continue;
    out[`ansible.builtin.${name}`] = f;
    if (FQCN_UTILS.has(name)) {
      out[`ansible.utils.${name}`] = f;
      out[`ansible.netcommon.${name}`] = f;
    }
  }
  return out;
}

// Jinja's own filters and tests have no ansible.builtin name in Ansible 2.14; Ansible's have both.
export const FILTERS: Record<string, Filter> = { ...JINJA_FILTERS, ...withFqcn(ANSIBLE_FILTERS) };
export const TESTS: Record<string, Test> = { ...JINJA_TESTS, ...withFqcn(ANSIBLE_TESTS) };

/** Filters runbook itself compiles expressions with; not for playbooks, but they must exist. */
const INTERNAL_FILTERS: Record<string, Filter> = {
  rb_truth: (v) => (pyTruth(v) ? 'true' : 'false'),
};

const filterEnv: FilterEnv = {
  filter(name) {
    const f = FILTERS[name];
    if (!f) throw new PyError('Error', `No filter named '${name}'`);
    return f;
  },
  test(name) {
    const t = TESTS[name];
    if (!t) throw new PyError('Error', `No test named '${name}'`);
    return t;
  },
};

type Env = nunjucks.Environment & { addTest(name: string, fn: (...a: unknown[]) => boolean): void };

/** Registers every filter, test, lookup and global on a template environment. */
export function installCatalog(env: Env, lookups: LookupContext): void {
  for (const [name, f] of Object.entries({ ...FILTERS, ...INTERNAL_FILTERS })) {
    env.addFilter(name, nunjucksFilter(f, filterEnv) as (...args: unknown[]) => unknown);
  }
  for (const [name, t] of Object.entries(TESTS)) env.addTest(name, nunjucksTest(t, filterEnv));
  for (const [name, g] of Object.entries(lookupGlobals(lookups))) env.addGlobal(name, g);
  env.addGlobal('dict', (...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    const base = pos[0] === undefined ? {} : FILTERS.dict!(pos[0], [], {}, filterEnv);
    return { ...(base as Record<string, unknown>), ...kw };
  });
  env.addGlobal('namespace', (...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    const base = pos[0] === undefined ? {} : FILTERS.dict!(pos[0], [], {}, filterEnv);
    return makeNamespace({ ...(base as Record<string, unknown>), ...kw });
  });
  env.addGlobal('range', (...args: unknown[]) => {
    const [a, b, c] = args.map((x) => Number(x));
    const [start, stop, step] = args.length === 1 ? [0, a!, 1] : [a!, b!, args.length > 2 ? c! : 1];
    if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
    const out: number[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.push(i);
      if (out.length > 100_000) throw new PyError('Error', 'range too big, the maximum is 100000 items');
    }
    return out;
  });
  env.addGlobal('now', (...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    const utc = pyTruth(kw.utc ?? pos[0] ?? false);
    const d = new Date();
    return utc ? d.toISOString().replace('T', ' ').replace('Z', '') : pyStr(d.toString());
  });
}
