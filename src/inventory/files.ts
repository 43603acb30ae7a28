import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import { InputFileError, readInputText } from '../playbook/input-file.js';
import { displayPath, loadYamlText, type LoadedYaml, type YamlPath } from '../playbook/load.js';
import { decryptVault, isVaulted, type VaultSecret } from './vault.js';
import { VAULT_TAG, VaultedText } from './vaulted.js';

const VAULT_HINT = 'pass --vault-password-file or --vault-id';

/** What reading inventory and vars files needs: vault passwords, and where decrypted secrets go. */
export interface ReadContext {
  secrets: readonly VaultSecret[];
  /** Receives every decrypted plaintext, so output can redact it. */
  onSecret: (plaintext: string) => void;
  /** Leave `!vault` values encrypted (as `ansible-inventory` shows them) instead of decrypting them. */
  keepVaulted?: boolean;
}

/** A file's text, decrypted first when the whole file is an Ansible Vault. */
export function readSourceText(
  path: string,
  ctx: ReadContext,
): { text: string; vaulted: boolean } | { diagnostic: Diagnostic } {
  const file = displayPath(path);
  let text: string;
  try {
    text = readInputText(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      err instanceof InputFileError
        ? err.message
        : code === 'ENOENT'
          ? 'no such file'
          : `cannot read (${code ?? 'error'})`;
    const at = err instanceof InputFileError && err.at ? err.at : { line: 1, col: 1 };
    return { diagnostic: diagnostic({ file, ...at }, `${why}: ${file}`) };
  }
  if (!isVaulted(text)) return { text, vaulted: false };
  const r = decryptVault(text, ctx.secrets);
  if ('problem' in r) {
    return { diagnostic: diagnostic({ file, line: 1, col: 1 }, `cannot decrypt ${file}: ${r.problem}`, VAULT_HINT) };
  }
  const plain = r.plaintext.toString('utf8');
  ctx.onSecret(plain);
  return { text: plain, vaulted: true };
}

/** Every string inside a value from a vaulted file: each is a secret, not only the file as a whole. */
export function eachString(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) eachString(v, visit);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) eachString(v, visit);
}

/** YAML as Ansible reads inventory and vars files: numbers as PyYAML reads them, `!vault` values kept. */
export function parseAnsibleYaml(text: string, file: string): LoadedYaml {
  return loadYamlText(text, file, { floats: 'all', customTags: [VAULT_TAG] });
}

/**
 * The loaded value ready for use: strings of a vaulted file registered as secrets, and `!vault` values
 * decrypted (unless kept), each failure located at its key.
 */
export function settleValue(
  loaded: LoadedYaml,
  vaulted: boolean,
  ctx: ReadContext,
  diagnostics: Diagnostic[],
): unknown {
  if (vaulted) eachString(loaded.value, ctx.onSecret);
  if (ctx.keepVaulted) return loaded.value;
  const walk = (v: unknown, path: YamlPath): unknown => {
    if (v instanceof VaultedText) {
      const r = decryptVault(v.ciphertext, ctx.secrets);
      if ('problem' in r) {
        diagnostics.push(diagnostic(loaded.locate(path), `cannot decrypt this !vault value: ${r.problem}`, VAULT_HINT));
        return v;
      }
      const text = r.plaintext.toString('utf8');
      ctx.onSecret(text);
      return text;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k]);
      return out;
    }
    return v;
  };
  return walk(loaded.value, []);
}
