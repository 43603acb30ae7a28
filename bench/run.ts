import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { runApply } from '../src/cli/run-apply.js';
import type { RunEvent } from '../src/engine/events.js';
import { loadPlan } from '../src/engine/load-plan.js';
import type { Plan } from '../src/engine/plan-model.js';
import type { RunReport } from '../src/engine/results.js';
import { processIo } from '../src/report/io.js';
import { bareLoop, type BareTarget } from './baseline.js';
import { LAB_ENABLE_ENV } from '../src/lab/lab.js';

/**
 * `npm run bench`: the figures runbook promises, each next to its goal, on this machine. Devices live in a
 * separate lab process so their work is not billed to the process measured. Every child has a deadline and
 * is killed on the way out, whatever happens.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../test/fixtures/examples/site.yml', import.meta.url));
const COMMANDS = ['show version', 'hostname', 'echo ok'];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Only the bench's own children, so the exit path never touches anything else. */
const children = new Set<ChildProcess>();
/** Prints the process's peak RSS (kB) on exit, for children whose memory is measured. */
const MAXRSS_HOOK =
  'data:text/javascript,process.on("exit",()=>' +
  'process.stderr.write("\\nbench-maxrss-kb="+process.resourceUsage().maxRSS+"\\n"))';

interface Figure {
  name: string;
  value: number | null;
  unit: string;
  goal: string;
  pass: boolean | null;
  detail: string;
}
const figures: Figure[] = [];
const raw: Record<string, unknown> = {};

function figure(f: Figure): void {
  figures.push(f);
  const mark = f.pass === null ? '  ' : f.pass ? 'ok' : 'MISS';
  process.stderr.write(
    `  ${mark} ${f.name}: ${f.value === null ? 'n/a' : f.value} ${f.unit} (goal ${f.goal}) ${f.detail}\n`,
  );
}

function failedFigure(name: string, goal: string, err: unknown): void {
  figure({ name, value: null, unit: '', goal, pass: false, detail: `error: ${(err as Error).message.split('\n')[0]}` });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  maxRssKb: number | null;
}

function runChild(args: string[], opts: { timeoutMs: number; cwd?: string }): Promise<ChildResult> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ').slice(0, 120)} took longer than ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    child.on('error', (e) => (clearTimeout(timer), children.delete(child), reject(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const m = /bench-maxrss-kb=(\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, ms: performance.now() - started, maxRssKb: m ? Number(m[1]) : null });
    });
  });
}

interface LabServer {
  inventoryPath: string;
  knownHostsPath: string;
  hosts: { name: string; site: string; port: number }[];
  stop(): Promise<void>;
}

async function startLabServer(opts: {
  hosts: number;
  sites: number;
  faults?: string[];
  latencyMs?: number;
  jumpPerSite?: boolean;
  platform?: string;
}): Promise<LabServer> {
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'bench/lab-server.ts'),
    '--hosts',
    String(opts.hosts),
    '--sites',
    String(opts.sites),
  ];
  if (opts.platform) args.push('--platform', opts.platform);
  for (const f of opts.faults ?? []) args.push('--fault', f);
  if (opts.jumpPerSite) args.push('--jump-per-site');
  args.push('--latency', String(opts.latencyMs ?? 0), '--seed', '1');
  // stdin stays open as a lifeline: the lab stops itself when this process goes away.
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const closed = new Promise<void>((resolve) => child.on('close', () => (children.delete(child), resolve())));
  const line = await deadline(
    new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(buf.slice(0, nl));
      });
      child.on('close', (code) => reject(new Error(`lab exited with ${code} before it was ready`)));
    }),
    120_000,
    `starting a lab of ${opts.hosts}`,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const info = JSON.parse(line) as Omit<LabServer, 'stop'>;
  return {
    ...info,
    async stop() {
      child.kill('SIGTERM');
      await deadline(closed, 15_000, 'stopping the lab').catch(() => child.kill('SIGKILL'));
    },
  };
}

/** A throwaway playbook for one scenario; the bench's playbooks are generated so each figure says exactly what ran. */
function writePlaybook(
  dir: string,
  name: string,
  play: { forks: number; connectTimeout: string; breaker: boolean; vars?: string[] },
): string {
  const breaker = play.breaker
    ? ['  breaker:', '    scope: site', '    failure_threshold: 3', '    cooldown: 10m', '    on_open: skip']
    : [];
  const lines = [
    `- name: ${name}`,
    '  hosts: all',
    `  forks: ${play.forks}`,
    `  connect_timeout: ${play.connectTimeout}`,
    ...breaker,
    ...(play.vars ? ['  vars:', ...play.vars.map((v) => `    ${v}`)] : []),
    '  tasks:',
    ...COMMANDS.flatMap((c, i) => [`    - name: step ${i + 1}`, `      command: ${JSON.stringify(c)}`]),
  ];
  const file = join(dir, `${name}.yml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function plan(playbook: string, inventory: string): Plan {
  const { plan, diagnostics } = loadPlan({ playbook, inventory });
  if (!plan)
    throw new Error(
      `bench playbook is invalid: ${diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('; ')}`,
    );
  return plan;
}

/** runbook's side: a run as `runbook apply` makes it, with no output but a counter of finished hosts. */
async function runbookRun(
  p: Plan,
  timeoutMs: number,
): Promise<{ wallMs: number; report: RunReport; hostsEnded: number; jumpLogins: number }> {
  let hostsEnded = 0;
  const listener = (e: RunEvent) => {
    if (e.type === 'host_end') hostsEnded++;
  };
  const started = performance.now();
  const applied = await deadline(
    runApply(p, { io: processIo(), playbook: p.playbook, outputs: null, listener }),
    timeoutMs,
    'runbook run',
  );
  if (applied.report === null) throw new Error(applied.message);
  const jumpLogins = (applied.report.jumps ?? []).reduce((n, j) => n + j.logins, 0);
  return { wallMs: performance.now() - started, report: applied.report, hostsEnded, jumpLogins };
}

function bareTargets(p: Plan): BareTarget[] {
  return [...p.plays[0]!.hosts.values()].map((h) => ({
    name: h.name,
    host: h.connection.host,
    port: h.connection.port,
    user: h.connection.user,
    keyFile: h.connection.keyFile ?? '',
    knownHosts: h.connection.knownHosts,
  }));
}

async function throughput(dir: string, hosts: number, forks: number): Promise<void> {
  const name = `throughput: ${hosts} hosts x ${COMMANDS.length} commands, 50 ms latency, forks ${forks}`;
  const lab = await startLabServer({ hosts, sites: Math.max(1, Math.ceil(hosts / 100)), latencyMs: 50 });
  try {
    const p = plan(
      writePlaybook(dir, `throughput-${hosts}`, { forks, connectTimeout: '30s', breaker: false }),
      lab.inventoryPath,
    );
    const targets = bareTargets(p);
    const ours: number[] = [];
    const bare: number[] = [];
    const budget = 60_000 + hosts * 200;
    // One uncounted round first: the JIT, the lab's and ssh2's first connections would otherwise bill the first side.
    await runbookRun(p, budget);
    await deadline(bareLoop(targets, COMMANDS, { concurrency: forks, connectTimeoutMs: 30_000 }), budget, 'bare loop');
    for (let i = 0; i < REPEATS; i++) {
      // Alternate which side goes first, so neither always meets a warmer lab.
      const order = i % 2 === 0 ? ['runbook', 'bare'] : ['bare', 'runbook'];
      for (const side of order) {
        if (side === 'runbook') {
          const r = await runbookRun(p, budget);
          const good = r.report.summary.ok + r.report.summary.changed;
          if (good !== hosts)
            throw new Error(`runbook: only ${good}/${hosts} hosts ok (${JSON.stringify(r.report.summary)})`);
          ours.push(r.wallMs);
        } else {
          const r = await deadline(
            bareLoop(targets, COMMANDS, { concurrency: forks, connectTimeoutMs: 30_000 }),
            budget,
            'bare loop',
          );
          if (r.ok !== hosts) throw new Error(`bare loop: only ${r.ok}/${hosts} hosts ok: ${r.errors.join('; ')}`);
          bare.push(r.wallMs);
        }
      }
    }
    const ratio = median(ours) / median(bare);
    raw[`throughput_${hosts}`] = { runbook_ms: ours.map((x) => round(x)), bare_ms: bare.map((x) => round(x)) };
    figure({
      name,
      value: round(ratio, 2),
      unit: 'x bare ssh2',
      goal: '<= 1.15',
      pass: ratio <= 1.15,
      detail:
        `runbook ` +
        `${round(median(ours))} ms, bare ${round(median(bare))} ms (median of ${REPEATS}, after a warm-up round)`,
    });
  } finally {
    await lab.stop();
  }
}

/** Five config lines pushed to a hundred IOS devices through their CLI, then the same play again (nothing to do). */
async function networkPush(dir: string): Promise<void> {
  const hosts = 100;
  const lab = await startLabServer({ hosts, sites: 5, latencyMs: 20, platform: 'ios' });
  try {
    process.env[LAB_ENABLE_ENV] = 'lab-enable';
    const lines = [
      'ntp server 192.0.2.1',
      'ntp server 192.0.2.2',
      'logging host 192.0.2.50',
      'logging buffered 64000',
      'snmp-server location lab',
    ];
    const file = join(dir, 'network.yml');
    const play = [
      '- name: network push',
      '  hosts: all',
      '  forks: 20',
      '  tasks:',
      '    - ios_config:',
      '        lines:',
      ...lines.map((l) => `          - ${l}`),
    ];
    writeFileSync(file, play.join('\n') + '\n');
    const p = plan(file, lab.inventoryPath);
    const budget = 300_000;
    const first = await runbookRun(p, budget);
    if (first.report.summary.changed !== hosts) throw new Error(`first run: ${JSON.stringify(first.report.summary)}`);
    const second = await runbookRun(p, budget);
    if (second.report.summary.ok !== hosts) throw new Error(`second run: ${JSON.stringify(second.report.summary)}`);
    raw.network_push = { first_ms: round(first.wallMs), second_ms: round(second.wallMs) };
    figure({
      name: `network: ${lines.length} config lines to ${hosts} IOS devices, forks 20, 20 ms latency`,
      value: round(first.wallMs),
      unit: 'ms',
      goal: '-',
      pass: null,
      detail:
        `first run ${round(first.wallMs)} ms (${hosts} changed, revert timer armed and confirmed), ` +
        `second run ${round(second.wallMs)} ms (${hosts} ok)`,
    });
  } finally {
    await lab.stop();
  }
}

/**
 * What gathering facts costs: the same one-task play on a hundred IOS devices with `gather_facts: false` and
 * `true` (one `show version` more per host), runs interleaved so load drifts hit both alike.
 */
async function factsCost(dir: string): Promise<void> {
  const hosts = 100;
  const lab = await startLabServer({ hosts, sites: 5, latencyMs: 20, platform: 'ios' });
  try {
    process.env[LAB_ENABLE_ENV] = 'lab-enable';
    const planFor = (gather: boolean) => {
      const file = join(dir, `facts-${gather}.yml`);
      const play = ['- hosts: all', '  forks: 20', `  gather_facts: ${gather}`, '  tasks:'];
      play.push('    - cli_command: {command: show clock}');
      writeFileSync(file, `${play.join('\n')}\n`);
      return plan(file, lab.inventoryPath);
    };
    const off = planFor(false);
    const on = planFor(true);
    const times = { off: [] as number[], on: [] as number[] };
    for (let i = 0; i < 3; i++) {
      for (const [key, p] of [
        ['off', off],
        ['on', on],
      ] as const) {
        const r = await runbookRun(p, 300_000);
        if (r.report.summary.ok !== hosts) throw new Error(`${key}: ${JSON.stringify(r.report.summary)}`);
        times[key].push(round(r.wallMs));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    raw.facts_cost = times;
    figure({
      name: `facts: gather_facts on ${hosts} IOS devices, forks 20, 20 ms latency`,
      value: median(times.on) - median(times.off),
      unit: 'ms',
      goal: '-',
      pass: null,
      detail: `median without ${median(times.off)} ms, with ${median(times.on)} ms (runs: ${JSON.stringify(times)})`,
    });
  } finally {
    await lab.stop();
  }
}

/**
 * The same devices reached through one jump host per site and directly: what the shared jump connections
 * cost in wall time, and how many jump logins a run makes (one per jump connection, not one per device).
 */
async function jumpHosts(dir: string, hosts: number, jumps: number, forks: number): Promise<void> {
  const name = `jump hosts: ${hosts} devices behind ${jumps} jump hosts vs direct, 50 ms latency, forks ${forks}`;
  const lab = await startLabServer({ hosts, sites: jumps, latencyMs: 50, jumpPerSite: true });
  try {
    const common = { forks, connectTimeout: '30s', breaker: false };
    const via = plan(writePlaybook(dir, 'jump-via', common), lab.inventoryPath);
    // Play vars rank above the inventory's: `jump: none` sends the same devices direct.
    const direct = plan(writePlaybook(dir, 'jump-direct', { ...common, vars: ['jump: none'] }), lab.inventoryPath);
    const budget = 60_000 + hosts * 200;
    const check = (r: Awaited<ReturnType<typeof runbookRun>>, what: string): void => {
      const good = r.report.summary.ok + r.report.summary.changed;
      if (good !== hosts)
        throw new Error(`${what}: only ${good}/${hosts} hosts ok (${JSON.stringify(r.report.summary)})`);
    };
    await runbookRun(via, budget);
    await runbookRun(direct, budget);
    const viaMs: number[] = [];
    const directMs: number[] = [];
    const logins: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const order = i % 2 === 0 ? ['via', 'direct'] : ['direct', 'via'];
      for (const side of order) {
        if (side === 'via') {
          const r = await runbookRun(via, budget);
          check(r, 'through jump hosts');
          viaMs.push(r.wallMs);
          logins.push(r.jumpLogins);
        } else {
          const r = await runbookRun(direct, budget);
          check(r, 'direct');
          if (r.jumpLogins !== 0) throw new Error(`direct run logged in to ${r.jumpLogins} jump hosts`);
          directMs.push(r.wallMs);
        }
      }
    }
    const ratio = median(viaMs) / median(directMs);
    raw.jump_hosts = {
      via_ms: viaMs.map((x) => round(x)),
      direct_ms: directMs.map((x) => round(x)),
      jump_logins: logins,
    };
    figure({
      name,
      value: round(ratio, 2),
      unit: 'x direct',
      goal: '-',
      pass: null,
      detail:
        `through jump hosts ${round(median(viaMs))} ms, direct ${round(median(directMs))} ms ` +
        `(median of ${REPEATS}); jump logins per run ${logins.join(', ')} for ${hosts} devices ` +
        `(the play runs one site's devices together: forks/10 channels per jump connection per jump host)`,
    });
  } finally {
    await lab.stop();
  }
}

async function failFast(dir: string, forksList: number[]): Promise<void> {
  const lab = await startLabServer({ hosts: 500, sites: 5, faults: ['site2:hang'] });
  try {
    for (const forks of forksList) {
      const name = `fail-fast: 500 hosts, 1 site in 5 hanging, connect_timeout 2s, forks ${forks}, breaker on/off`;
      const on = plan(
        writePlaybook(dir, `failfast-on-${forks}`, { forks, connectTimeout: '2s', breaker: true }),
        lab.inventoryPath,
      );
      const off = plan(
        writePlaybook(dir, `failfast-off-${forks}`, { forks, connectTimeout: '2s', breaker: false }),
        lab.inventoryPath,
      );
      // Two rounds, alternating which goes first: the machine's noise is of the same order as the difference.
      const onRuns: Awaited<ReturnType<typeof runbookRun>>[] = [];
      const offRuns: Awaited<ReturnType<typeof runbookRun>>[] = [];
      onRuns.push(await runbookRun(on, 300_000));
      offRuns.push(await runbookRun(off, 300_000));
      offRuns.push(await runbookRun(off, 300_000));
      onRuns.push(await runbookRun(on, 300_000));
      const pick = (runs: typeof onRuns) => [...runs].sort((a, b) => a.wallMs - b.wallMs)[0]!;
      const withBreaker = pick(onRuns);
      const without = pick(offRuns);
      const ratio = withBreaker.wallMs / without.wallMs;
      raw[`fail_fast_forks_${forks}`] = {
        on_runs_ms: onRuns.map((r) => round(r.wallMs)),
        off_runs_ms: offRuns.map((r) => round(r.wallMs)),
        on_ms: round(withBreaker.wallMs),
        off_ms: round(without.wallMs),
        on_summary: withBreaker.report.summary,
        off_summary: without.report.summary,
      };
      figure({
        name,
        value: round(ratio, 2),
        unit: 'on/off',
        goal: '<= 0.3',
        pass: ratio <= 0.3,
        detail:
          `best of 2 each: on ` +
          `${round(withBreaker.wallMs)} ms ` +
          `(${withBreaker.report.summary.unreachable} unreachable, ` +
          `${withBreaker.report.summary.skipped} skipped), off ` +
          `${round(without.wallMs)} ms (${without.report.summary.unreachable} unreachable)`,
      });
    }
  } finally {
    await lab.stop();
  }
}

async function memoryValidate(): Promise<void> {
  const name = 'memory: validate on 10,000 hosts (peak RSS)';
  const entry =
    `import { benchValidate } from ${JSON.stringify(join(ROOT, 'bench/validate.ts'))}; ` +
    `process.stdout.write(JSON.stringify(await benchValidate()));`;
  const r = await runChild(['--import', MAXRSS_HOOK, '--import', 'tsx', '--input-type=module', '-e', entry], {
    timeoutMs: 300_000,
  });
  if (r.code !== 0)
    throw new Error(`benchValidate exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const res = JSON.parse(r.stdout) as { hosts: number; wallMs: number; peakRssMb: number };
  const processMb = r.maxRssKb === null ? res.peakRssMb : r.maxRssKb / 1024;
  raw.validate_10k = { ...res, process_max_rss_mb: round(processMb) };
  figure({
    name,
    value: round(processMb),
    unit: 'MB',
    goal: '<= 250 MB',
    pass: processMb <= 250,
    detail:
      `${res.hosts} hosts in ` +
      `${round(res.wallMs)} ms; benchValidate's own sample ` +
      `${round(res.peakRssMb)} MB (process figure includes the tsx loader)`,
  });
}

async function inventoryLoad(): Promise<void> {
  const name = 'inventory: 100,000 hosts in one group (load, pattern, vars)';
  const entry =
    `import { benchInventory } from ${JSON.stringify(join(ROOT, 'bench/inventory-group.ts'))}; ` +
    'process.stdout.write(JSON.stringify(benchInventory(100000)));';
  const r = await runChild(['--import', MAXRSS_HOOK, '--import', 'tsx', '--input-type=module', '-e', entry], {
    timeoutMs: 300_000,
  });
  if (r.code !== 0)
    throw new Error(`benchInventory exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const res = JSON.parse(r.stdout) as { hosts: number; loadMs: number; varsMs: number; wallMs: number; cpuMs: number };
  const rssMb = r.maxRssKb === null ? null : r.maxRssKb / 1024;
  raw.inventory_100k = { ...res, process_max_rss_mb: rssMb === null ? null : round(rssMb) };
  figure({
    name,
    value: round(res.wallMs),
    unit: 'ms',
    goal: '<= 5 s, <= 1 GB',
    pass: res.wallMs <= 5000 && rssMb !== null && rssMb <= 1024,
    detail:
      `load ` +
      `${round(res.loadMs)} ms, vars ` +
      `${round(res.varsMs)} ms, CPU ${round(res.cpuMs)} ms; peak RSS ${rssMb === null ? '?' : round(rssMb)} MB`,
  });
}

async function memoryApply(dir: string): Promise<void> {
  const name = 'memory: apply on 1,000 hosts (peak RSS, built CLI)';
  const lab = await startLabServer({ hosts: 1000, sites: 10 });
  try {
    const playbook = writePlaybook(dir, 'apply-1000', { forks: 100, connectTimeout: '30s', breaker: false });
    const r = await runChild(
      [
        '--import',
        MAXRSS_HOOK,
        join(ROOT, 'bin/runbook.js'),
        'apply',
        playbook,
        '-i',
        lab.inventoryPath,
        '--json',
        '--run-dir',
        dir,
      ],
      { timeoutMs: 300_000 },
    );
    if (r.code !== 0)
      throw new Error(`runbook apply exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    const mb = (r.maxRssKb ?? NaN) / 1024;
    raw.apply_1000 = { exit: r.code, wall_ms: round(r.ms), max_rss_mb: round(mb) };
    figure({
      name,
      value: round(mb),
      unit: 'MB',
      goal: '<= 250 MB',
      pass: mb <= 250,
      detail: `exit ${r.code}, ${round(r.ms)} ms`,
    });
  } finally {
    await lab.stop();
  }
}

async function inventory50k(dir: string): Promise<void> {
  const name = 'inventory: 50,000-host INI with group_vars (runbook inventory --list)';
  const { writeLargeIniInventory } = await import('./inventory.js');
  const invDir = join(dir, 'inventory-50k');
  mkdirSync(invDir);
  const hostsFile = writeLargeIniInventory(invDir);
  const entry =
    `import { main } from ` +
    `${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}; process.exitCode = await main(process.argv.slice(1));`;
  const r = await runChild(
    [
      '--import',
      MAXRSS_HOOK,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      entry,
      '--',
      'inventory',
      '-i',
      hostsFile,
      '--list',
      '--playbook-dir',
      invDir,
    ],
    { timeoutMs: 600_000 },
  );
  if (r.code !== 0)
    throw new Error(`runbook inventory exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const listed = Object.keys((JSON.parse(r.stdout) as { _meta: { hostvars: object } })._meta.hostvars).length;
  if (listed !== 50_000) throw new Error(`runbook inventory listed ${listed} hosts, not 50000`);
  const mb = (r.maxRssKb ?? NaN) / 1024;
  raw.inventory_50k = { wall_ms: round(r.ms), max_rss_mb: round(mb), hosts: listed, output_bytes: r.stdout.length };
  figure({
    name,
    value: round(r.ms / 1000, 1),
    unit: 's',
    goal: '<= 10 s',
    pass: r.ms <= 10_000,
    detail:
      `peak RSS ` +
      `${round(mb)} MB; ` +
      `${listed} hosts with their variables, ${round(r.stdout.length / 1e6, 1)} MB of JSON (includes the tsx loader)`,
  });
}

async function startup(): Promise<void> {
  const name = 'start-up: runbook validate examples/site.yml (built CLI)';
  const times: number[] = [];
  let code: number | null = null;
  await runChild([join(ROOT, 'bin/runbook.js'), 'validate', EXAMPLE], { timeoutMs: 30_000 }); // warm the file cache
  for (let i = 0; i < 10; i++) {
    const r = await runChild([join(ROOT, 'bin/runbook.js'), 'validate', EXAMPLE], { timeoutMs: 30_000 });
    code = r.code;
    times.push(r.ms);
  }
  // What node alone costs to start here: on a loaded machine this, not runbook, is most of the figure.
  const bare: number[] = [];
  for (let i = 0; i < 10; i++) bare.push((await runChild(['-e', '0'], { timeoutMs: 30_000 })).ms);
  const m = median(times);
  raw.startup = { runs_ms: times.map((x) => round(x)), exit: code, node_alone_ms: bare.map((x) => round(x)) };
  figure({
    name,
    value: round(m),
    unit: 'ms',
    goal: '<= 300 ms',
    pass: m <= 300,
    detail: `median of 10, exit ${code}; \`node -e 0\` alone ${round(median(bare))} ms`,
  });
}

async function labFigures(): Promise<void> {
  const entry =
    `import { benchLab } from ${JSON.stringify(join(ROOT, 'bench/lab.ts'))}; ` +
    `process.stdout.write(JSON.stringify(await benchLab()));`;
  const r = await runChild(['--import', MAXRSS_HOOK, '--import', 'tsx', '--input-type=module', '-e', entry], {
    timeoutMs: 180_000,
  });
  if (r.code !== 0) throw new Error(`benchLab exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const res = JSON.parse(r.stdout) as Record<string, number>;
  raw.lab = { ...res, process_max_rss_mb: r.maxRssKb === null ? null : round(r.maxRssKb / 1024) };
  const fields = Object.entries(res)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? round(v) : String(v)}`)
    .join(', ');
  figure({ name: 'lab: 1,000 devices', value: null, unit: '', goal: '-', pass: null, detail: fields });
}

async function build(): Promise<void> {
  const r = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    children.add(child);
    const timer = setTimeout(
      () => (child.kill('SIGKILL'), reject(new Error('npm run build took longer than 180 s'))),
      180_000,
    );
    child.on('close', (code) => (clearTimeout(timer), children.delete(child), resolve(code)));
  });
  if (r !== 0) throw new Error(`npm run build exited ${r}`);
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function printTable(m: Record<string, unknown>): void {
  const table = new Table({
    head: ['figure', 'value', 'goal', ''],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [44, 18, 12, 6],
  });
  for (const f of figures) {
    const value = f.value === null ? f.detail : `${f.value} ${f.unit}`;
    table.push([f.name, value, f.goal, f.pass === null ? '' : f.pass ? 'pass' : 'MISS']);
  }
  process.stdout.write(`${table.toString()}\n`);
  for (const f of figures) if (f.value !== null && f.detail) process.stdout.write(`  ${f.name}: ${f.detail}\n`);
  process.stdout.write(`machine: ${m.cpu} x${m.cores}, ${m.memory_gb} GB, ${m.os}, node ${m.node}\n`);
}

function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

async function main(): Promise<number> {
  const m = machine();
  const dir = mkdtempSync(join(os.tmpdir(), 'runbook-bench-'));
  // A hard ceiling on the whole bench: whatever hangs, nothing outlives it.
  const watchdog = setTimeout(() => {
    process.stderr.write('bench: overall deadline passed, stopping\n');
    killChildren();
    process.exit(1);
  }, 30 * 60_000);
  watchdog.unref();
  try {
    let built = true;
    process.stderr.write('building…\n');
    await build().catch((err: unknown) => {
      built = false;
      process.stderr.write(`bench: ${(err as Error).message}; figures that need dist/ are skipped\n`);
    });
    const steps: [string, string, () => Promise<void>][] = [
      ['throughput 100', '<= 1.15', () => throughput(dir, 100, 20)],
      ['throughput 1000', '<= 1.15', () => throughput(dir, 1000, 100)],
      ['jump hosts', '-', () => jumpHosts(dir, 200, 4, 40)],
      [
        'fail-fast',
        '<= 0.3',
        () => failFast(dir, (process.env.BENCH_FAILFAST_FORKS ?? '50,10').split(',').map(Number)),
      ],
      ['memory validate', '<= 250 MB', memoryValidate],
      ['inventory 100k', '<= 5 s, <= 1 GB', inventoryLoad],
      ['memory apply', '<= 250 MB', () => (built ? memoryApply(dir) : Promise.reject(new Error('no build')))],
      ['start-up', '<= 300 ms', () => (built ? startup() : Promise.reject(new Error('no build')))],
      ['lab', '-', labFigures],
      ['inventory 50k', '<= 10 s', () => inventory50k(dir)],
      ['network', '-', () => networkPush(dir)],
      ['facts', '-', () => factsCost(dir)],
    ];
    const only = process.env.BENCH_ONLY?.split(',');
    for (const [name, goal, step] of steps) {
      if (only && !only.some((o) => name.startsWith(o))) continue;
      process.stderr.write(`${name}…\n`);
      await step().catch((err: unknown) => failedFigure(name, goal, err));
    }
    printTable(m);
    writeFileSync(
      join(ROOT, 'bench/results.json'),
      JSON.stringify({ date: new Date().toISOString(), machine: m, figures, raw }, null, 2) + '\n',
    );
    process.stdout.write('written: bench/results.json\n');
    return figures.some((f) => f.detail.startsWith('error:')) ? 1 : 0;
  } finally {
    killChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
