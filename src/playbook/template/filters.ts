import type nunjucks from 'nunjucks';

/** Python's truth, as Ansible conditions use it: empty lists, dicts and strings are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return v instanceof Map || v instanceof Set ? v.size > 0 : Object.keys(v).length > 0;
  return Boolean(v);
}

function registeredFlag(flag: 'changed' | 'failed' | 'skipped') {
  return (v: unknown): boolean => Boolean(v && typeof v === 'object' && (v as Record<string, unknown>)[flag]);
}


/** The filters and tests Ansible conditions rely on, added to one environment. */
export function addAnsibleFilters(env: nunjucks.Environment): void {
  env.addFilter('rb_truth', (v: unknown) => (truthy(v) ? 'true' : 'false'));
  env.addFilter('bool', (v: unknown) => (typeof v === 'string' ? /^(true|yes|on|1)$/i.test(v.trim()) : truthy(v)));
  // Ansible's tests on registered results: `when: result is changed`.
  const tests = env as unknown as { addTest(name: string, fn: (v: unknown) => boolean): void };
  tests.addTest('changed', registeredFlag('changed'));
  tests.addTest('failed', registeredFlag('failed'));
  tests.addTest('skipped', registeredFlag('skipped'));
  const ok = (v: unknown) => !registeredFlag('failed')(v);
  tests.addTest('succeeded', ok);
  tests.addTest('success', ok);
}
