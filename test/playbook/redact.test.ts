import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, isSecretName, redactVars } from '../../src/playbook/redact.js';

describe('redaction', () => {
  it('treats password, token, secret and vault_ variables as secret but not *_env names', () => {
    for (const n of [
      'password',
      'enable_pass',
      'api_token',
      'snmp_secret',
      'vault_community',
      'api_key',
      'ssh_private_key',
    ])
      expect(isSecretName(n), n).toBe(true);
    for (const n of ['password_env', 'passphrase_env', 'site', 'key_file', 'user', 'ntp_servers'])
      expect(isSecretName(n), n).toBe(false);
  });

  it('finds the secret words anywhere in a name, and not inside unrelated words', () => {
    for (const n of [
      'db_password_old',
      'adminPassword2',
      'snmp_community_ro',
      'tacacs_key_primary',
      'wifi_psk',
      'bgp_pass',
      'enable_secret_hash',
      'oauth_token_v2',
      'apikey',
      'privateKey',
      'vault_anything',
      'ldap_credentials',
    ]) {
      expect(isSecretName(n), n).toBe(true);
    }
    for (const n of [
      'monkey',
      'keyboard',
      'passive_mode',
      'compass',
      'desktop_skin',
      'key_file',
      'host_key_checking',
      'ansible_ssh_private_key_file',
      'password_env',
      'api_key_path',
      'key_exchange_algorithms',
    ]) {
      expect(isSecretName(n), n).toBe(false);
    }
  });

  it('hides numbers and short values: short ones only as whole tokens', () => {
    const r = new Redactor().addFromVars({ enable_password: 8642097, snmp_community: 'ro', db_pass: true }, {});
    expect(r.text('enable 8642097; community ro; from robots, true')).toBe(
      `enable ${REDACTED}; community ${REDACTED}; from robots, true`,
    );
    expect(redactVars({ enable_password: 8642097 })).toEqual({ enable_password: REDACTED });
  });

  it('replaces secret values in nested vars and leaves the rest', () => {
    const out = redactVars({ site: 'ams', auth: { password: 'hunter22', user: 'x' }, list: [{ token: 'abc' }] });
    expect(out).toEqual({ site: 'ams', auth: { password: REDACTED, user: 'x' }, list: [{ token: REDACTED }] });
  });

  it('hides the value behind password_env wherever it appears in text', () => {
    const r = new Redactor().addFromVars(
      { password_env: 'DEV_PW', enable_password: 's3cr3t!' },
      { DEV_PW: 'Pa55word!' },
    );
    expect(r.text('login Pa55word! then enable s3cr3t!')).toBe(`login ${REDACTED} then enable ${REDACTED}`);
  });
});
