import { UsageError } from './args.js';
import type { Io } from '../report/io.js';

/** Flags every command that reads an inventory shares, with Ansible's spellings and short forms. */
export const INVENTORY_FLAGS = {
  inventory: { type: 'string', short: 'i', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  'vault-password-file': { type: 'string', multiple: true },
  'vault-id': { type: 'string', multiple: true },
} as const;

export const INVENTORY_HELP = `  -i, --inventory SRC   inventory file, folder or "host1,host2,"; repeat to merge several
  -e, --extra-vars VARS key=value words, JSON/YAML text, or @FILE; highest precedence
  --vault-password-file FILE   password for ansible-vault encrypted files and values
  --vault-id [ID@]FILE  a password for one vault id (repeatable)`;

export interface InventoryFlagValues {
  inventory?: string[];
  'extra-vars'?: string[];
  'vault-password-file'?: string[];
  'vault-id'?: string[];
}

export interface InventoryInputs {
  sources?: string[];
  extraVars: Record<string, unknown>;
  secrets: import('../inventory/vault.js').VaultSecret[];
  /** Plaintexts that came out of a vault: output redacts them. */
  decrypted: string[];
}

/** Reads the vault passwords and `-e` values the flags name; an unusable one is a usage error. */
export async function inventoryInputs(values: InventoryFlagValues, io: Io): Promise<InventoryInputs> {
  const [{ loadVaultSecrets }, { parseExtraVars }] = await Promise.all([
    import('../inventory/vault.js'),
    import('../inventory/extra-vars.js'),
  ]);
  const vault = loadVaultSecrets({
    passwordFiles: values['vault-password-file'] ?? [],
    vaultIds: values['vault-id'] ?? [],
    env: io.env,
    cwd: io.cwd,
  });
  if (vault.problems.length > 0) throw new UsageError(vault.problems[0]!);
  const decrypted: string[] = [];
  const ctx = { secrets: vault.secrets, onSecret: (s: string) => void decrypted.push(s) };
  const extra = parseExtraVars(values['extra-vars'] ?? [], ctx, io.cwd);
  if (extra.problems.length > 0) throw new UsageError(extra.problems[0]!);
  const sources = values.inventory;
  if (sources?.some((s) => s.trim() === '')) throw new UsageError('-i needs an inventory file, folder or host list');
  const named = sources && sources.length > 0 ? { sources } : {};
  return { ...named, extraVars: extra.vars, secrets: vault.secrets, decrypted };
}

/** The part of loadPlan's options these flags decide. */
export function planInputs(inputs: InventoryInputs): {
  inventory?: string[];
  extraVars: Record<string, unknown>;
  vaultSecrets: InventoryInputs['secrets'];
} {
  const named = inputs.sources ? { inventory: inputs.sources } : {};
  return { ...named, extraVars: inputs.extraVars, vaultSecrets: inputs.secrets };
}

/** Warnings go to stderr, one line each, so JSON on stdout stays clean. */
export function printWarnings(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) io.err(`warning: ${w}\n`);
}
