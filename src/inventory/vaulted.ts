import type { ScalarTag } from 'yaml';

/**
 * One value written as `key: !vault |` in a YAML file. Like Ansible, `runbook inventory` shows it as
 * `{"__ansible_vault": ciphertext}`; everywhere else it is decrypted before use.
 */
export class VaultedText {
  constructor(readonly ciphertext: string) {}

  toJSON(): { __ansible_vault: string } {
    return { __ansible_vault: this.ciphertext };
  }
}

export const VAULT_TAG: ScalarTag = {
  tag: '!vault',
  identify: (value) => value instanceof VaultedText,
  resolve: (text) => new VaultedText(text),
  stringify: (item) => String((item.value as VaultedText).ciphertext),
};
