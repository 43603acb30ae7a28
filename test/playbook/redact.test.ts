import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, isSecretName, redactVars } from '../../src/playbook/redact.js';

describe('redaction', () => {
  it('treats password, token, secret and vault_ variables as secret but not *_env names', () => {
    for (const n of ['password', 'enable_pass', 'api_token', 'snmp_secret', 'vault_community', 'api_key', 'ssh_private_key'])
      expect(isSecretName(n), n).toBe(true);
    for (const n of ['password_env', 'passphrase_env', 'site', 'key_file', 'user', 'ntp_servers']) expect(isSecretName(n), n).toBe(false);
  });

  it('replaces secret values in nested vars and leaves the rest', () => {
    const out = redactVars({ site: 'ams', auth: { password: 'hunter22', user: 'x' }, list: [{ token: 'abc' }] });
    expect(out).toEqual({ site: 'ams', auth: { password: REDACTED, user: 'x' }, list: [{ token: REDACTED }] });
  });

  it('hides the value behind password_env wherever it appears in text', () => {
    const r = new Redactor().addFromVars({ password_env: 'DEV_PW', enable_password: 's3cr3t!' }, { DEV_PW: 'Pa55word!' });
    expect(r.text('login Pa55word! then enable s3cr3t!')).toBe(`login ${REDACTED} then enable ${REDACTED}`);
  });
});
