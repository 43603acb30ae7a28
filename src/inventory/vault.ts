import { createCipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Ansible Vault, format 1.1 and 1.2 (parsing/vault/__init__.py, VaultAES256): a header line
 * `$ANSIBLE_VAULT;1.1;AES256` (1.2 adds `;vault-id`), then hex text wrapping hex(salt) "\n" hex(hmac) "\n"
 * hex(ciphertext). Keys come from PBKDF2-HMAC-SHA256 over the password and salt, 10,000 rounds, 80 bytes:
 * the AES-256 key, the HMAC-SHA256 key, and the CTR counter's start. The HMAC covers the ciphertext; the
 * plaintext carries PKCS#7 padding.
 */
export const VAULT_HEADER = '$ANSIBLE_VAULT';

export interface VaultSecret {
  /** The vault id the password is for (`default` when none was named). */
  id: string;
  password: Buffer;
  /** Where the password came from, for messages. */
  from: string;
}

export function isVaulted(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

export type Decrypted = { plaintext: Buffer; vaultId: string } | { problem: string };

export function decryptVault(vaulttext: string, secrets: readonly VaultSecret[]): Decrypted {
  const lines = vaulttext.split(/\r?\n/);
  const header = lines[0]!.trim().split(';');
  if (header[0] !== VAULT_HEADER || header.length < 3) return { problem: 'not an Ansible Vault header' };
  const version = header[1]!.trim();
  const cipher = header[2]!.trim();
  const vaultId = header.length >= 4 ? header[3]!.trim() : 'default';
  if (version !== '1.1' && version !== '1.2') {
    return { problem: `vault format ${version} is not supported (1.1 and 1.2 are)` };
  }
  if (cipher !== 'AES256') return { problem: `vault cipher ${cipher} is not supported (AES256 is)` };
  const parts = unhex(lines.slice(1).join('').trim())?.toString('latin1').split('\n');
  if (!parts || parts.length < 3) return { problem: 'the vault body is malformed' };
  const salt = unhex(parts[0]!);
  const mac = unhex(parts[1]!);
  const ciphertext = unhex(parts.slice(2).join('\n'));
  if (!salt || !mac || !ciphertext) return { problem: 'the vault body is malformed' };
  if (secrets.length === 0) {
    return { problem: 'it is encrypted with ansible-vault and no vault password was given' };
  }
  // A secret named for this vault id is tried first, then every other one, as Ansible does.
  const ordered = [...secrets.filter((s) => s.id === vaultId), ...secrets.filter((s) => s.id !== vaultId)];
  for (const secret of ordered) {
    const derived = pbkdf2Sync(secret.password, salt, 10_000, 80, 'sha256');
    const expected = createHmac('sha256', derived.subarray(32, 64)).update(ciphertext).digest();
    if (expected.length !== mac.length || !timingSafeEqual(expected, mac)) continue;
    const decipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), derived.subarray(64, 80));
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    const pad = padded.at(-1) ?? 0;
    if (pad < 1 || pad > 16 || pad > padded.length) return { problem: 'the decrypted vault has bad padding' };
    return { plaintext: padded.subarray(0, padded.length - pad), vaultId };
  }
  const tried = ordered.map((s) => s.from).join(', ');
  return { problem: `no vault password given decrypts it (vault id "${vaultId}"; tried ${tried})` };
}

function unhex(text: string): Buffer | undefined {
  const clean = text.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Buffer.from(clean, 'hex');
}

/**
 * The passwords named by `--vault-password-file FILE`, `--vault-id [ID@]FILE` and ANSIBLE_VAULT_PASSWORD_FILE,
 * or why one cannot be read. Password files are read, never run: an executable password script is refused.
 */
export function loadVaultSecrets(opts: {
  passwordFiles?: readonly string[];
  vaultIds?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): { secrets: VaultSecret[]; problems: string[] } {
  const cwd = opts.cwd ?? process.cwd();
  const secrets: VaultSecret[] = [];
  const problems: string[] = [];
  const read = (id: string, path: string, flag: string): void => {
    const absolute = resolve(cwd, path);
    try {
      if (statSync(absolute).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
      if (isExecutable(absolute)) {
        const why = 'the file is executable; runbook reads password files but never runs them (remove its execute bit)';
        problems.push(`${flag} ${path}: ${why}`);
        return;
      }
      const password = readFileSync(absolute).toString('utf8').trim();
      if (password === '') {
        problems.push(`${flag} ${path}: the password file is empty`);
        return;
      }
      secrets.push({ id, password: Buffer.from(password, 'utf8'), from: path });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`);
    }
  };
  for (const spec of opts.vaultIds ?? []) {
    const at = spec.indexOf('@');
    const id = at >= 0 ? spec.slice(0, at) : 'default';
    const source = at >= 0 ? spec.slice(at + 1) : spec;
    if (source === 'prompt' || source === '') {
      problems.push(`--vault-id ${spec}: prompting for a vault password is not supported; name a password file`);
      continue;
    }
    read(id === '' ? 'default' : id, source, '--vault-id');
  }
  for (const file of opts.passwordFiles ?? []) read('default', file, '--vault-password-file');
  const fromEnv = opts.env?.ANSIBLE_VAULT_PASSWORD_FILE;
  // The variable stands for --vault-password-file when that flag is not given, as in Ansible.
  if (fromEnv && (opts.passwordFiles ?? []).length === 0) {
    read('default', fromEnv, 'ANSIBLE_VAULT_PASSWORD_FILE');
  }
  return { secrets, problems };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
