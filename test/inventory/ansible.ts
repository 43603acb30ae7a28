import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../support/io.js';

/**
 * Runs Debian's ansible tools as the oracle, with an empty ansible.cfg and a private ANSIBLE_HOME so neither
 * the machine's configuration nor an earlier run can sway the answer.
 */
const home = mkdtempSync(join(tmpdir(), 'runbook-ansible-home-'));
const config = join(home, 'ansible.cfg');
writeFileSync(config, '');
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

export const ANSIBLE_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  LANG: 'C.UTF-8',
  ANSIBLE_CONFIG: config,
  ANSIBLE_HOME: home,
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
};

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAnsible(
  tool: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      tool,
      args,
      { cwd, env: { ...ANSIBLE_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `runbook inventory ARGS` in this process, as the CLI runs it. */
export async function runRunbookInventory(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ToolResult> {
  const io = memoryIo({ cwd, env });
  const code = await main(['inventory', ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}
