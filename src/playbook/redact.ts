import { MAGIC_VARS } from './types.js';

/**
 * Secrets never appear in output, reports or journals. The rule, decided once:
 * - A variable is secret when its name contains `password`, `passwd`, `passphrase`, `secret`, `token`,
 *   `community` or `credential` anywhere (any case), or has the word `pass`, `key`, `keys`, `apikey`,
 *   `privatekey` or `psk`, or starts with the word `vault` (words are split at `_`, `-`, `.`, case changes
 *   and digits). A name whose last word says it only points at or tunes the secret (`_env`, `_file`, `_path`,
 *   `_dir`, `_checking`, `_type`, `_length`, `_size`, `_bits`, `_algorithms`) is not secret itself.
 * - Its value, whatever its type or length (a number is its decimal text), is shown as `[redacted]` in
 *   variables, and wherever it shows up in text: anywhere when it has 4 characters or more, and as a whole
 *   token (not inside a longer word) when it is shorter, so a 2-character secret hides without blanking
 *   every word that contains those letters. Booleans and empty values carry no secret.
 * - The values behind `password_env` / `passphrase_env` are secret wherever they show up in text.
 * - A result registered under a secret name (`register: api_token`) is secret: its output is redacted in
 *   the task's own result and wherever later tasks show it.
 */
export const REDACTED = '[redacted]';

const SECRET_ANYWHERE = /password|passwd|passphrase|secret|token|community|credential/i;
const SECRET_WORDS = new Set(['pass', 'key', 'keys', 'apikey', 'privatekey', 'psk']);
const POINTER_WORDS = new Set([
  'env',
  'file',
  'path',
  'dir',
  'checking',
  'type',
  'length',
  'size',
  'bits',
  'algorithms',
]);
/** Connection variables that name an environment variable: the name is fine to show, its value is not. */
const NAMES_AN_ENV_VAR = /_env$/i;
/**
 * Variables runbook gives every host, never secret. `groups` lists the whole inventory under every host:
 * walking it for each host would make building redactors quadratic in the fleet's size.
 */
const NEVER_SECRET: ReadonlySet<string> = new Set(MAGIC_VARS);
/** Shorter secrets are replaced only as whole tokens. */
const SUBSTRING_MIN = 4;

function words(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function isSecretName(name: string): boolean {
  const w = words(name);
  if (w.length > 0 && POINTER_WORDS.has(w[w.length - 1]!)) return false;
  return SECRET_ANYWHERE.test(name) || w.some((x) => SECRET_WORDS.has(x)) || w[0] === 'vault';
}

/** A copy of `vars` with secret values replaced, recursively. */
export function redactVars(vars: Record<string, unknown>, redactor?: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = isSecretName(k) ? REDACTED : redactValue(v, redactor);
  return out;
}

function redactValue(v: unknown, redactor?: Redactor): unknown {
  if (typeof v === 'string') return redactor ? redactor.text(v) : v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, redactor));
  if (v && typeof v === 'object') return redactVars(v as Record<string, unknown>, redactor);
  return v;
}

/** `s` matched literally inside a regular expression (secrets here, host names in the reports' comparisons). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces known secret values inside free text (command output, error messages, diffs). */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  /** A secret value: strings and numbers (as their text); booleans, null and empty strings carry none. */
  add(value: unknown): this {
    const numeric = typeof value === 'number' || typeof value === 'bigint';
    const text = typeof value === 'string' ? value : numeric ? String(value) : '';
    if (text.trim() === '' || this.secrets.has(text)) return this;
    this.secrets.add(text);
    this.pattern = null;
    return this;
  }

  /** Adds the secret-named values of `vars` (recursively) and the env values that `*_env` connection vars name. */
  addFromVars(vars: Record<string, unknown>, env: NodeJS.ProcessEnv): this {
    for (const [k, v] of Object.entries(vars)) {
      if (NEVER_SECRET.has(k)) continue;
      if (NAMES_AN_ENV_VAR.test(k) && typeof v === 'string') this.add(env[v]);
      else if (isSecretName(k)) this.collect(v);
      else if (v && typeof v === 'object') this.addFromVars(v as Record<string, unknown>, env);
    }
    return this;
  }

  /** A registered result under a secret name: its whole output, each line, and their trimmed forms. */
  addOutput(text: string): this {
    this.add(text);
    this.add(text.trim());
    for (const line of text.split('\n')) this.add(line.trim());
    return this;
  }

  private collect(v: unknown): void {
    if (Array.isArray(v)) v.forEach((x) => this.collect(x));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => this.collect(x));
    else this.add(v);
  }

  text(s: string): string {
    if (this.secrets.size === 0 || s === '') return s;
    if (!this.pattern) {
      // Longest first, so a secret that contains another is replaced whole.
      const token = (x: string) => `(?<![A-Za-z0-9])${escapeRegExp(x)}(?![A-Za-z0-9])`;
      const alternatives = [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((x) => (x.length >= SUBSTRING_MIN ? escapeRegExp(x) : token(x)));
      this.pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return s.replace(this.pattern, REDACTED);
  }
}

/**
 * One redactor for every secret the given variable sets name (one host's, or every host of a plan), plus
 * `secrets` known otherwise (values decrypted from a vault).
 */
export function redactorFor(
  varSets: Iterable<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  secrets: Iterable<string> = [],
): Redactor {
  const redactor = new Redactor();
  for (const vars of varSets) redactor.addFromVars(vars, env);
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
