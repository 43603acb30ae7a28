import { resolve } from 'node:path';
import { parseDuration, DURATION_HELP } from '../playbook/duration.js';
import { LAB_ENABLE_ENV, LAB_PLATFORMS, parseFaultSpec, startLab, type LabPlatform } from '../lab/lab.js';
import { targetMatches } from '../lab/faults.js';
import { EXIT, parseFlags, positiveInt, UsageError } from './args.js';
import type { Io } from '../report/io.js';

export const HELP = `usage: runbook lab [--hosts N] [--sites S] [--jump-per-site] [--platform P] [--fault SPEC]...
                  [--latency DUR] [--minute DUR] [--inventory-out FILE] [--seed N] [--dir DIR]

Serves simulated SSH devices on 127.0.0.1 and writes an inventory, a client key and a known_hosts for them,
until interrupted (Ctrl-C or SIGTERM).

options:
  --hosts N            devices r001, r002, … (default 10)
  --sites S            host rK is in site ((K-1) mod S)+1, named site1…siteS (default 1)
  --jump-per-site      one jump host per site (jump-site1, …) in front of its devices; the inventory
                       reaches each site through it, and faults can target it (jump-site2:refuse)
  --fault SPEC         TARGET:KIND[:ARG], repeatable; TARGET is a host, a site or a glob
                       kinds: hang, refuse, auth, slow:DUR, fail, drop, stall, flaky:P
                       network CLI kinds: slowcmd:DUR, deny:REGEX, cut:N (config lines), banner, more
                       e.g. --fault site2:hang --fault 'r00?:slow:2s' --fault '*:flaky:0.1'
  --latency DUR        added to every command (default 20ms)
  --platform P         network devices driven through their CLI: ios, eos, junos, or mixed (all three
                       in turn); without it devices run LabOS
  --minute DUR         how long a lab minute lasts for rollback timers (default 1m)
  --inventory-out FILE where to write the inventory (default DIR/inventory.yml)
  --seed N             makes flaky failures the same on every run
  --dir DIR            where the key, known_hosts and inventory go (default a temporary directory,
                       removed when the lab stops, so an inventory written elsewhere stops working too)
  -h, --help           show this help

exit status: 0 stopped by Ctrl-C or SIGTERM, 5 bad usage
`;

export async function lab(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    hosts: { type: 'string' },
    sites: { type: 'string' },
    'jump-per-site': { type: 'boolean' },
    fault: { type: 'string', multiple: true },
    latency: { type: 'string' },
    platform: { type: 'string' },
    minute: { type: 'string' },
    'inventory-out': { type: 'string' },
    seed: { type: 'string' },
    dir: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const hosts = positiveInt('--hosts', values.hosts) ?? 10;
  const sites = positiveInt('--sites', values.sites) ?? 1;
  if (sites > hosts) throw new UsageError(`--sites ${sites} is more than --hosts ${hosts}: some sites would be empty`);
  const faults = values.fault ?? [];
  for (const spec of faults) {
    try {
      parseFaultSpec(spec);
    } catch (e) {
      throw new UsageError(`--fault: ${(e as Error).message}`);
    }
  }
  let latencyMs: number | undefined;
  if (values.latency !== undefined) {
    const ms = parseDuration(values.latency);
    if (ms === null) throw new UsageError(`--latency takes ${DURATION_HELP}, not "${values.latency}"`);
    latencyMs = ms;
  }
  let platform: LabPlatform | 'mixed' | undefined;
  if (values.platform !== undefined) {
    if (values.platform !== 'mixed' && !(LAB_PLATFORMS as readonly string[]).includes(values.platform)) {
      throw new UsageError(`--platform takes ${LAB_PLATFORMS.join(', ')} or mixed, not "${values.platform}"`);
    }
    platform = values.platform as LabPlatform | 'mixed';
  }
  let minuteMs: number | undefined;
  if (values.minute !== undefined) {
    const ms = parseDuration(values.minute);
    if (ms === null || ms === 0) throw new UsageError(`--minute takes ${DURATION_HELP}, not "${values.minute}"`);
    minuteMs = ms;
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || Number(values.seed) >= 2 ** 32)
      throw new UsageError(`--seed takes a whole number below 2^32, not "${values.seed}"`);
    seed = Number(values.seed);
  }

  const running = await startLab({
    hosts,
    sites,
    faults,
    latencyMs,
    seed,
    jumpPerSite: values['jump-per-site'] ?? false,
    ...(platform ? { platform } : {}),
    ...(minuteMs !== undefined ? { minuteMs } : {}),
    dir: values.dir === undefined ? undefined : resolve(io.cwd, values.dir),
    inventoryOut: values['inventory-out'] === undefined ? undefined : resolve(io.cwd, values['inventory-out']),
  });
  const first = running.hosts[0];
  const last = running.hosts[running.hosts.length - 1];
  // How many devices a fault reaches, so a glob that catches more (or fewer) than meant is seen at once.
  const affected = (spec: string): string => {
    const { target } = parseFaultSpec(spec);
    const n = running.hosts.filter((h) => targetMatches(target, h.name, h.site)).length;
    return `${n} device${n === 1 ? '' : 's'}`;
  };
  const seeded = seed === undefined ? '' : ` (seed ${seed})`;
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  // Listening before "ready" is printed: a script that signals as soon as it reads "ready" must stop the lab
  // cleanly, not kill it with its temporary files left behind.
  const stopped = new Promise<NodeJS.Signals>((done) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  io.out(
    [
      `runbook lab: ` +
        `${hosts} device${hosts === 1 ? '' : 's'} (${first?.name}…${last?.name}) in ` +
        `${sites} site${sites === 1 ? '' : 's'} on 127.0.0.1`,
      `  inventory    ${running.inventoryPath}`,
      `  known_hosts  ${running.knownHostsPath}`,
      `  key          ${running.keyPath} (user ${running.user}, password ${running.password})`,
      ...(running.jumps.length > 0
        ? [`  jump hosts   ${running.jumps.map((j) => `${j.name} (127.0.0.1:${j.port})`).join(', ')}`]
        : []),
      `  faults       ${faults.length > 0 ? faults.map((f) => `${f} (${affected(f)})`).join(', ') : 'none'}${seeded}`,
      ...(platform
        ? [
            `  platform     ${platform} (enable password ${running.enablePassword}` +
              `: export ${LAB_ENABLE_ENV}=${running.enablePassword})`,
          ]
        : []),
      '',
      'try:',
      `  runbook apply playbooks/site.yml -i ${q(running.inventoryPath)}`,
      `  ssh -i ` +
        `${q(running.keyPath)} -p ` +
        `${first?.port} -o ` +
        `UserKnownHostsFile=${q(running.knownHostsPath)} -o StrictHostKeyChecking=yes ` +
        `${running.user}@127.0.0.1 show version`,
      '',
      'serving until Ctrl-C',
      'ready',
      '',
    ].join('\n'),
  );

  const signal = await stopped;
  await running.stop();
  io.out(`${signal}: every device stopped\n`);
  return EXIT.ok;
}
