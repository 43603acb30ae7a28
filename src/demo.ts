import { fileURLToPath } from 'node:url';
import { runApply } from './cli/run-apply.js';
import { loadPlan } from './engine/load-plan.js';
import type { RunReport } from './engine/results.js';
import { LAB_ENABLE_ENV, startLab, type LabHost } from './lab/lab.js';
import { processIo, type Io } from './report/io.js';

/**
 * `npm run demo`: a lab of simulated devices with trouble built in (a site that hangs, a device that flakes),
 * and playbooks/site.yml applied to it exactly as `runbook apply` would, so a newcomer sees canaries,
 * per-site breakers, changed detection and rescue at work in one command.
 */
export const DEMO_PLAYBOOK = fileURLToPath(new URL('../playbooks/site.yml', import.meta.url));
/** `npm run demo -- --network`: playbooks/network.yml on routers playing IOS, EOS and Junos. */
export const NETWORK_DEMO_PLAYBOOK = fileURLToPath(new URL('../playbooks/network.yml', import.meta.url));

export interface DemoOptions {
  hosts: number;
  sites: number;
  faults: string[];
  seed: number;
  /** A jump host in front of each site (`npm run demo -- --jump-per-site`). */
  jumpPerSite?: boolean;
  io: Io;
  /** Network devices (IOS, EOS and Junos in turn) and the network playbook instead of LabOS and site.yml. */
  network?: boolean;
}

/** The default trouble: site4 never answers, r007 (site1's) fails half its commands, the same way every run. */
export const DEMO_DEFAULTS: Omit<DemoOptions, 'io'> = {
  hosts: 100,
  sites: 5,
  faults: ['site4:hang', 'r007:flaky:0.5'],
  seed: 7,
};

/** With jump hosts, the dead part of the network is site4's jump host rather than its devices. */
export const DEMO_JUMP_FAULTS = ['jump-site4:hang', 'r007:flaky:0.5'];

/** Network trouble: site3's routers refuse our logins, and r005 refuses `logging` lines (its push is reverted). */
export const NETWORK_DEMO_DEFAULTS: Omit<DemoOptions, 'io'> = {
  hosts: 30,
  sites: 3,
  faults: ['site3:auth', 'r005:deny:^logging'],
  seed: 7,
  network: true,
};

export interface DemoOutcome {
  code: number;
  report: RunReport | null;
  /** The devices, so a caller can tell which site each host was in and check nothing listens afterwards. */
  devices: LabHost[];
}

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const lab = await startLab({
    hosts: opts.hosts,
    sites: opts.sites,
    faults: opts.faults,
    seed: opts.seed,
    jumpPerSite: opts.jumpPerSite ?? false,
    ...(opts.network ? { platform: 'mixed' as const } : {}),
  });
  // The lab's enable password, as a user would export it for `runbook apply`.
  const env = opts.network ? { ...opts.io.env, [LAB_ENABLE_ENV]: lab.enablePassword } : opts.io.env;
  const devices = lab.hosts;
  try {
    const jumps = lab.jumps.length > 0 ? `, each site behind its jump host` : '';
    opts.io.err(
      `lab: ${lab.hosts.length} devices in ${opts.sites} sites${jumps}` +
        ` on 127.0.0.1 (faults: ${opts.faults.join(', ')})\n`,
    );
    const { plan, diagnostics } = loadPlan({
      playbook: opts.network ? NETWORK_DEMO_PLAYBOOK : DEMO_PLAYBOOK,
      inventory: lab.inventoryPath,
    });
    if (!plan) {
      for (const d of diagnostics) opts.io.err(`${d.file}:${d.line}:${d.col}: ${d.message}\n`);
      return { code: 4, report: null, devices };
    }
    // The journal goes where `runbook apply` puts it, so `runbook report` can show the demo's run again.
    const { report, code } = await runApply(plan, {
      io: { ...opts.io, env },
      playbook: plan.playbook,
      outputs: { runDir: '.' },
    });
    return { code, report, devices };
  } finally {
    await lab.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const network = process.argv.slice(2).includes('--network');
  const jumpPerSite = process.argv.includes('--jump-per-site');
  const faults = jumpPerSite ? DEMO_JUMP_FAULTS : DEMO_DEFAULTS.faults;
  const { code } = await runDemo(
    network
      ? { ...NETWORK_DEMO_DEFAULTS, io: processIo() }
      : { ...DEMO_DEFAULTS, faults, jumpPerSite, io: processIo() },
  );
  process.exitCode = code;
}
