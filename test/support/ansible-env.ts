import { join } from 'node:path';
import type { Sshd } from './sshd.js';

/**
 * The environment ansible-playbook runs with when a test compares it with runbook on an OpenSSH host: its own
 * files under `dir`, the host's key checked strictly, pipelining, Debian's python3, no colour, no retry files.
 */
export function ansibleEnv(dir: string, knownHostsPath: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_HOME: join(dir, '.ansible'),
    ANSIBLE_LOCAL_TEMP: join(dir, '.ansible', 'tmp'),
    ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile="${knownHostsPath}" -o StrictHostKeyChecking=yes`,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
  };
}

/** The inventory variables that reach a test's OpenSSH host alike from ansible-playbook and from runbook. */
export function sshdHostVars(sshd: Sshd): Record<string, string | number> {
  return {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: sshd.user,
    ansible_ssh_private_key_file: sshd.keyPath,
    known_hosts: sshd.knownHostsPath,
  };
}
