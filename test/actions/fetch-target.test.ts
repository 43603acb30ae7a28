import { describe, expect, it } from 'vitest';
import { fetchTarget } from '../../src/actions/fetch.js';

/** Where fetch writes on the controller: Ansible's layout, and never outside the dest directory. */
describe('fetch target', () => {
  it('lays files out as dest/<host>/<src path>, or dest itself with flat', () => {
    expect(fetchTarget('/out', 'web1', '/etc/app.conf', false)).toBe('/out/web1/etc/app.conf');
    expect(fetchTarget('/out', 'web1', 'rel/app.conf', false)).toBe('/out/web1/rel/app.conf');
    expect(fetchTarget('/out/', 'web1', '/etc/app.conf', true)).toBe('/out/app.conf');
    expect(fetchTarget('/out/x.conf', 'web1', '/etc/app.conf', true)).toBe('/out/x.conf');
  });

  it('refuses remote paths and host names that leave the dest directory', () => {
    expect(() => fetchTarget('/out', 'web1', '../../etc/passwd', false)).toThrow(/".." is refused/);
    expect(() => fetchTarget('/out', 'web1', '/var/../../x', false)).toThrow(/".." is refused/);
    expect(() => fetchTarget('/out', '..', '/etc/passwd', false)).toThrow(/outside \/out/);
    expect(() => fetchTarget('/out', '../../tmp', 'x', false)).toThrow(/outside \/out/);
    expect(() => fetchTarget('/out/', 'web1', '/etc/..', true)).toThrow(/names no file/);
  });
});
