import { readFile, stat } from 'node:fs/promises';
import ssh2, { type AnyAuthMethod, type ParsedKey } from 'ssh2';
import type { Connection } from '../inventory/connection.js';
import { TransportError } from './transport.js';

export type ParsedKeyFile = ParsedKey;

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  agentSocket?: string;
  /** Keys already read and parsed, by file and passphrase variable: a fleet shares one key file. */
  keyCache?: Map<string, Promise<ParsedKeyFile>>;
}

export interface Credentials {
  methods: AnyAuthMethod[];
  /** Method names in the order tried, for the message when all of them fail. */
  names: string[];
}

/**
 * The authentication attempts for a host, in the order OpenSSH would make them: the configured key file,
 * then the agent's keys, then the password (also offered as keyboard-interactive, which many network
 * devices require). Secrets are read from the environment here and never enter a message.
 */
export async function credentialsFor(target: Connection, sources: CredentialSources): Promise<Credentials> {
  const where = `${target.host}:${target.port}`;
  const methods: AnyAuthMethod[] = [];
  const names: string[] = [];
  const username = target.user;

  if (target.keyFile) {
    const passphrase = target.passphraseEnv
      ? secretFromEnv(sources.env, target.passphraseEnv, 'passphrase_env', where)
      : undefined;
    const cacheKey = `${target.keyFile}\0${target.passphraseEnv ?? ''}`;
    let parsed = sources.keyCache?.get(cacheKey);
    if (!parsed) {
      parsed = readKey(target.keyFile, passphrase, target.passphraseEnv);
      sources.keyCache?.set(cacheKey, parsed);
      // A failed read is not remembered: the file may be fixed while the run goes on.
      parsed.catch(() => sources.keyCache?.delete(cacheKey));
    }
    let key: ParsedKey;
    try {
      key = await parsed;
    } catch (err) {
      throw new TransportError('auth', `${where}: ${(err as Error).message}`);
    }
    methods.push({ type: 'publickey', username, key });
    names.push(`publickey (${target.keyFile})`);
  }

  // ssh_config IdentityFile lines beyond the first: tried in order, a missing file skipped as ssh skips it.
  for (const file of target.identityFiles ?? []) {
    if (!(await exists(file))) continue;
    let key: ParsedKey;
    try {
      key = await cachedKey(file, undefined, undefined, sources);
    } catch {
      continue;
    }
    methods.push({ type: 'publickey', username, key });
    names.push(`publickey (${file})`);
  }

  const agent = agentFor(target, sources);
  const keysOnly = target.identitiesOnly === true && names.length > 0;
  if (agent && !keysOnly && (await isSocket(agent))) {
    methods.push({ type: 'agent', username, agent });
    names.push('agent');
  }

  // password_env wins over a password written in the inventory (ansible_password), as the safer of the two.
  if (target.passwordEnv || target.password !== undefined) {
    const password = target.passwordEnv
      ? secretFromEnv(sources.env, target.passwordEnv, 'password_env', where)
      : target.password!;
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
    names.push(target.passwordEnv ? `password (${target.passwordEnv})` : 'password (ansible_password)');
  }

  if (methods.length === 0) {
    throw new TransportError(
      'auth',
      `${where}: no credentials for ${username}: set key_file or password_env, or run an SSH agent (SSH_AUTH_SOCK)`,
    );
  }
  return { methods, names };
}

async function readKey(
  keyFile: string,
  passphrase: string | undefined,
  passphraseEnv: string | undefined,
): Promise<ParsedKey> {
  let keyData: Buffer;
  try {
    keyData = await readFile(keyFile);
  } catch (err) {
    throw new Error(`cannot read key file ${keyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parsed = ssh2.utils.parseKey(keyData, passphrase);
  if (parsed instanceof Error) {
    const hint = /passphrase|decrypt|encrypted/i.test(parsed.message)
      ? passphraseEnv
        ? `wrong passphrase in ${passphraseEnv}`
        : 'it is encrypted and no passphrase_env is set'
      : 'not a private key ssh2 can read';
    throw new Error(`cannot use key file ${keyFile}: ${hint}`);
  }
  // A file may hold several keys; ssh2 offers the first, as it would given the raw file.
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

function secretFromEnv(env: NodeJS.ProcessEnv, name: string, key: string, where: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new TransportError('auth', `${where}: ${key} names the environment variable ${name}, which is not set`);
  }
  return value;
}

/** ssh_config IdentityAgent (`none`, `SSH_AUTH_SOCK`, `$VAR`, a socket path), else the transport's or environment's. */
function agentFor(target: Connection, sources: CredentialSources): string | undefined {
  const chosen = target.agentSocket;
  if (chosen === undefined) return sources.agentSocket ?? sources.env.SSH_AUTH_SOCK;
  if (chosen === 'none') return undefined;
  if (chosen === 'SSH_AUTH_SOCK') return sources.env.SSH_AUTH_SOCK;
  if (chosen.startsWith('$')) return sources.env[chosen.slice(1)];
  return chosen;
}

function cachedKey(
  file: string,
  passphrase: string | undefined,
  passphraseEnv: string | undefined,
  sources: CredentialSources,
): Promise<ParsedKey> {
  const cacheKey = `${file}\0${passphraseEnv ?? ''}`;
  let parsed = sources.keyCache?.get(cacheKey);
  if (!parsed) {
    parsed = readKey(file, passphrase, passphraseEnv);
    sources.keyCache?.set(cacheKey, parsed);
    // A failed read is not remembered: the file may be fixed while the run goes on.
    parsed.catch(() => sources.keyCache?.delete(cacheKey));
  }
  return parsed;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}
