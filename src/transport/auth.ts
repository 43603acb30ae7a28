import { readFile, stat } from 'node:fs/promises';
import ssh2, { type AnyAuthMethod } from 'ssh2';
import type { Connection } from '../engine/plan.js';
import { TransportError } from './transport.js';

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  agentSocket?: string;
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
    let keyData: Buffer;
    try {
      keyData = await readFile(target.keyFile);
    } catch (err) {
      throw new TransportError('auth', `${where}: cannot read key file ${target.keyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const passphrase = target.passphraseEnv ? secretFromEnv(sources.env, target.passphraseEnv, 'passphrase_env', where) : undefined;
    const parsed = ssh2.utils.parseKey(keyData, passphrase);
    if (parsed instanceof Error) {
      const hint = /passphrase|decrypt|encrypted/i.test(parsed.message)
        ? target.passphraseEnv
          ? `wrong passphrase in ${target.passphraseEnv}`
          : 'it is encrypted and no passphrase_env is set'
        : 'not a private key ssh2 can read';
      throw new TransportError('auth', `${where}: cannot use key file ${target.keyFile}: ${hint}`);
    }
    methods.push({ type: 'publickey', username, key: keyData, ...(passphrase !== undefined ? { passphrase } : {}) });
    names.push(`publickey (${target.keyFile})`);
  }

  const agent = sources.agentSocket ?? sources.env.SSH_AUTH_SOCK;
  if (agent && (await isSocket(agent))) {
    methods.push({ type: 'agent', username, agent });
    names.push('agent');
  }

  if (target.passwordEnv) {
    const password = secretFromEnv(sources.env, target.passwordEnv, 'password_env', where);
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
    names.push(`password (${target.passwordEnv})`);
  }

  if (methods.length === 0) {
    throw new TransportError('auth', `${where}: no credentials for ${username}: set key_file or password_env, or run an SSH agent (SSH_AUTH_SOCK)`);
  }
  return { methods, names };
}

function secretFromEnv(env: NodeJS.ProcessEnv, name: string, key: string, where: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new TransportError('auth', `${where}: ${key} names the environment variable ${name}, which is not set`);
  }
  return value;
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}
