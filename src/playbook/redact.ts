import { MAGIC_VARS } from './types.js';

/**
 * Secrets never appear in output, reports or journals. A variable is secret when its name says so
 * (password, secret, token, api key, private key, passphrase, or a `vault_` prefix); the values behind
 * `password_env` / `passphrase_env` are secret wherever they show up in text.
 */
export const REDACTED = '[redacted]';

const SECRET_NAME = /(^vault_|pass(word|wd|phrase)?$|secret|token|api_?key|private_?key$)/i;
/** Connection variables that name an environment variable: the name is fine to show, its value is not. */
const NAMES_AN_ENV_VAR = /_env$/;
/**
 * Variables runbook gives every host, never secret. `groups` lists the whole inventory under every host:
 * walking it for each host would make building redactors quadratic in the fleet's size.
 */
const NEVER_SECRET: ReadonlySet<string> = new Set(MAGIC_VARS);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NAMES_AN_ENV_VAR.test(name);
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

/** Replaces known secret values inside free text (command output, error messages, diffs). */
export class Redactor {
  private readonly secrets: string[] = [];

  add(value: unknown): this {
    // Very short values would blank out ordinary text; they are not worth hiding that way.
    if (typeof value === 'string' && value.length >= 4 && !this.secrets.includes(value)) {
      this.secrets.push(value);
      this.secrets.sort((a, b) => b.length - a.length);
    }
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

  private collect(v: unknown): void {
    if (typeof v === 'string') this.add(v);
    else if (Array.isArray(v)) v.forEach((x) => this.collect(x));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => this.collect(x));
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}

/**
 * One redactor for every secret the given variable sets name (one host's, or every host of a plan), plus
 * `secrets` known otherwise (values decrypted from a vault).
 */
export function redactorFor(varSets: Iterable<Record<string, unknown>>, env: NodeJS.ProcessEnv, secrets: Iterable<string> = []): Redactor {
  const redactor = new Redactor();
  for (const vars of varSets) redactor.addFromVars(vars, env);
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
