import { createCipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decryptVault, type VaultSecret } from '../../src/inventory/vault.js';

/** Ansible's VaultAES256 written out step by step, to pin the format independently of the decryptor. */
function encrypt(plaintext: string, password: string, header = '$ANSIBLE_VAULT;1.1;AES256'): string {
  const salt = Buffer.alloc(32, 7);
  const key = pbkdf2Sync(password, salt, 10_000, 80, 'sha256');
  const data = Buffer.from(plaintext);
  const pad = 16 - (data.length % 16);
  const cipher = createCipheriv('aes-256-ctr', key.subarray(0, 32), key.subarray(64, 80));
  const ct = Buffer.concat([cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), cipher.final()]);
  const mac = createHmac('sha256', key.subarray(32, 64)).update(ct).digest();
  const body = Buffer.from(`${salt.toString('hex')}\n${mac.toString('hex')}\n${ct.toString('hex')}`).toString('hex');
  return `${header}\n${body.match(/.{1,80}/g)!.join('\n')}\n`;
}

const secret = (password: string, id = 'default'): VaultSecret => ({
  id,
  password: Buffer.from(password),
  from: `${id}-file`,
});

describe('Ansible Vault format', () => {
  test('decrypts 1.1 and 1.2, trying the secret named for the vault id first', () => {
    const r = decryptVault(encrypt('hello: world\n', 'p2', '$ANSIBLE_VAULT;1.2;AES256;prod'), [
      secret('p1'),
      secret('p2', 'prod'),
    ]);
    expect(r).toEqual({ plaintext: Buffer.from('hello: world\n'), vaultId: 'prod' });
    expect(decryptVault(encrypt('x', 'p1'), [secret('p2', 'prod'), secret('p1')])).toMatchObject({
      vaultId: 'default',
    });
  });
  test('a wrong password, no password, another version or cipher, and a damaged body are each said plainly', () => {
    const text = encrypt('x', 'right');
    expect(decryptVault(text, [secret('wrong')])).toEqual({
      problem: 'no vault password given decrypts it (vault id "default"; tried default-file)',
    });
    expect(decryptVault(text, [])).toEqual({
      problem: 'it is encrypted with ansible-vault and no vault password was given',
    });
    expect(decryptVault(text.replace('1.1', '1.0'), [secret('right')])).toEqual({
      problem: 'vault format 1.0 is not supported (1.1 and 1.2 are)',
    });
    expect(decryptVault(text.replace('AES256', 'AES'), [secret('right')])).toEqual({
      problem: 'vault cipher AES is not supported (AES256 is)',
    });
    expect(decryptVault(text.replace(/\n[0-9a-f]/, '\nzz'), [secret('right')])).toEqual({
      problem: 'the vault body is malformed',
    });
  });
});
