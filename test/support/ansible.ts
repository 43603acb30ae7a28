import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from './cli.js';
import { startSshd, type Sshd } from './sshd.js';

const run = promisify(execFile);

/**
 * Differential runs: the same playbook through ansible-playbook and through runbook against the same real
 * OpenSSH servers, comparing what each host ran (recorded on the server side) and the recap counts.
 *
 * Each inventory host is its own sshd on loopback. Playbooks call `{{ rec }} WORDS…`: a script that appends
 * one line to a shared log — where it ran (the sshd's port from SSH_CONNECTION, or "controller" when it ran
 * on this machine without SSH), as whom, and the words — then exits 1 when the first word starts with
 * "fail". So a line says which machine ran what, as which user, in which order.
 */
export interface Counts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface ToolRun {
  code: number | null;
  /** Log lines, in the order they were written, with the port replaced by the inventory host's name. */
  lines: string[];
  recap: Record<string, Counts>;
  stdout: string;
  stderr: string;
}

export interface Fleet {
  hosts: string[];
  servers: Sshd[];
  dir: string;
  logPath: string;
  recPath: string;
  /** Writes a playbook (and any files beside it) into a fresh directory and runs it with both tools. */
  both(files: Record<string, string>, opts?: RunOptions): Promise<{ ansible: ToolRun; runbook: ToolRun }>;
  ansible(files: Record<string, string>, opts?: RunOptions): Promise<ToolRun>;
  runbook(files: Record<string, string>, opts?: RunOptions): Promise<ToolRun>;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Extra command-line arguments for both tools (--tags, --skip-tags, --force-handlers…). */
  args?: string[];
  /** Extra host variables for every host of the inventory. */
  hostVars?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

const REC = `#!/bin/sh
# Records one call: where it ran, as whom, and its words; fails when the first word starts with "fail".
where=controller
[ -n "$SSH_CONNECTION" ] && where="port:$(echo "$SSH_CONNECTION" | cut -d' ' -f4)"
printf '%s %s %s\\n' "$where" "$(id -un)" "$*" >> "$(dirname "$0")/log"
case "$1" in fail*) exit 1;; esac
exit 0
`;

/**
 * The fleet one test file shares: started before its first test and stopped after its last (beforeAll and
 * afterAll of the calling file). Using it before it has started throws.
 */
export function fleetForFile(names: string[]): Fleet {
  let started: Fleet | undefined;
  beforeAll(async () => {
    started = await startFleet(names);
  }, 60_000);
  afterAll(async () => {
    await started?.stop();
  });
  // Members are read from the started fleet when used, so a file can hold this before its tests start.
  return new Proxy({} as Fleet, {
    get: (_target, key) => {
      if (!started) throw new Error('the fleet is used before it started');
      return Reflect.get(started, key);
    },
  });
}

export async function startFleet(names: string[]): Promise<Fleet> {
  const servers = await Promise.all(names.map(() => startSshd()));
  const dir = await mkdtemp(join(tmpdir(), 'runbook-differential-'));
  await chmod(dir, 0o755);
  // The log is shared by every sshd (same machine, same account) and by the controller.
  const shared = join(dir, 'shared');
  await mkdir(shared);
  const recPath = join(shared, 'rec');
  await writeFile(recPath, REC, { mode: 0o755 });
  const logPath = join(shared, 'log');
  await writeFile(logPath, '', { mode: 0o666 });
  await chmod(logPath, 0o666);
  const { uid, gid } = await ids(servers[0]!.user);
  await chown(shared, uid, gid);
  const portToHost = new Map(servers.map((s, i) => [`port:${s.port}`, names[i]!]));
  let counter = 0;

  const inventory = async (at: string, hostVars: Record<string, unknown>): Promise<string> => {
    const lines = ['all:', '  vars:', `    rec: ${recPath}`, '  hosts:'];
    servers.forEach((s, i) => {
      const vars: Record<string, unknown> = {
        ansible_host: s.host,
        ansible_port: s.port,
        ansible_user: s.user,
        ansible_ssh_private_key_file: s.keyPath,
        known_hosts: s.knownHostsPath,
        ...hostVars,
      };
      lines.push(`    ${names[i]!}: ${JSON.stringify(vars)}`);
    });
    const path = join(at, 'inventory.yml');
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  };

  const prepare = async (files: Record<string, string>, opts: RunOptions): Promise<{ at: string; inv: string }> => {
    const at = join(dir, `run${++counter}`);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(at, name)), { recursive: true });
      await writeFile(join(at, name), text);
    }
    return { at, inv: await inventory(at, opts.hostVars ?? {}) };
  };

  const readLines = async (): Promise<string[]> => {
    const text = await readFile(logPath, 'utf8');
    await writeFile(logPath, '');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [where, ...rest] = l.split(' ');
        return [portToHost.get(where!) ?? where!, ...rest].join(' ');
      });
  };

  const ansible = async (files: Record<string, string>, opts: RunOptions = {}): Promise<ToolRun> => {
    const { at, inv } = await prepare(files, opts);
    await writeFile(logPath, '');
    const known = servers.map((s) => s.knownHostsPath).join(' ');
    let out: { stdout: string; stderr: string; code: number | null };
    try {
      const r = await run('ansible-playbook', ['-i', inv, join(at, 'site.yml'), ...(opts.args ?? [])], {
        cwd: at,
        env: {
          ...process.env,
          ANSIBLE_HOME: join(at, '.ansible'),
          ANSIBLE_LOCAL_TEMP: join(at, '.ansible', 'tmp'),
          ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile="${known}" -o StrictHostKeyChecking=yes -o ControlMaster=no`,
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_PIPELINING: '1',
          ANSIBLE_RETRY_FILES_ENABLED: '0',
          ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
          ANSIBLE_DEPRECATION_WARNINGS: '0',
          ANSIBLE_LOCALHOST_WARNING: '0',
          SSH_CONNECTION: '',
          ...opts.env,
        },
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      out = { ...r, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      out = { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : null };
    }
    return {
      code: out.code,
      lines: await readLines(),
      recap: ansibleRecap(out.stdout),
      stdout: out.stdout,
      stderr: out.stderr,
    };
  };

  const runbook = async (files: Record<string, string>, opts: RunOptions = {}): Promise<ToolRun> => {
    const { at, inv } = await prepare(files, opts);
    await writeFile(logPath, '');
    const report = join(at, 'report.json');
    const r = await runCli(
      ['apply', join(at, 'site.yml'), '-i', inv, '--run-dir', at, '--report-file', report, ...(opts.args ?? [])],
      {
        cwd: at,
        env: { SSH_CONNECTION: '', ...opts.env },
      },
    );
    const lines = await readLines();
    let recap: Record<string, Counts> = {};
    try {
      recap = runbookRecap(JSON.parse(await readFile(report, 'utf8')) as RunbookReport);
    } catch {
      // No report (the playbook was refused): the caller asserts the exit code and stderr.
    }
    return { code: r.code, lines, recap, stdout: r.stdout, stderr: r.stderr };
  };

  return {
    hosts: names,
    servers,
    dir,
    logPath,
    recPath,
    ansible,
    runbook,
    both: async (files, opts = {}) => ({ ansible: await ansible(files, opts), runbook: await runbook(files, opts) }),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  return { uid, gid };
}

const RECAP_LINE = new RegExp(
  String.raw`^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+` +
    String.raw`skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)`,
);

/** The PLAY RECAP of ansible-playbook's default output. */
export function ansibleRecap(stdout: string): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  for (const line of stdout.slice(at < 0 ? stdout.length : at).split('\n')) {
    const m = RECAP_LINE.exec(line.trim());
    if (!m) continue;
    const [, host, ok, changed, unreachable, failed, skipped, rescued, ignored] = m;
    out[host!] = {
      ok: Number(ok),
      changed: Number(changed),
      unreachable: Number(unreachable),
      failed: Number(failed),
      skipped: Number(skipped),
      rescued: Number(rescued),
      ignored: Number(ignored),
    };
  }
  return out;
}

interface RunbookTask {
  status: string;
  changed: boolean;
  ignored?: boolean;
  rescued?: boolean;
}

interface RunbookReport {
  hosts: Array<{ name: string; status: string; tasks: RunbookTask[] }>;
}

/** runbook's report counted the way ansible-playbook's recap counts (strategy/__init__.py). */
export function runbookRecap(report: RunbookReport): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const h of report.hosts) {
    // ansible-playbook's recap lists only hosts that ran something: one never started is not in it.
    if (h.status === 'skipped' && h.tasks.length === 0) continue;
    const c: Counts = out[h.name] ?? {
      ok: 0,
      changed: 0,
      unreachable: 0,
      failed: 0,
      skipped: 0,
      rescued: 0,
      ignored: 0,
    };
    if (h.status === 'unreachable') c.unreachable += 1;
    for (const t of h.tasks) {
      if (t.status === 'skipped') c.skipped += 1;
      else if (t.status === 'failed') {
        if (t.ignored) {
          c.ok += 1;
          c.ignored += 1;
          if (t.changed) c.changed += 1;
        } else if (t.rescued) c.rescued += 1;
        else c.failed += 1;
      } else {
        c.ok += 1;
        if (t.changed) c.changed += 1;
      }
    }
    out[h.name] = c;
  }
  return out;
}

/** The log lines of one host (or "controller"), in order. */
export function linesOf(run: ToolRun, where: string): string[] {
  return run.lines.filter((l) => l.startsWith(`${where} `)).map((l) => l.slice(where.length + 1));
}
