import { parseArgs } from 'node:util';
import { startLab, type LabPlatform } from '../src/lab/lab.js';

/**
 * A lab in its own process, so the figures of the process under test are not mixed with the devices' work.
 * Prints one JSON line (inventory, known_hosts, key, hosts) once listening, serves until SIGTERM/SIGINT or
 * until its stdin closes — a parent that dies without stopping it still takes it down.
 */
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100' },
    sites: { type: 'string', default: '5' },
    fault: { type: 'string', multiple: true, default: [] },
    latency: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'jump-per-site': { type: 'boolean', default: false },
    platform: { type: 'string' },
  },
});

const lab = await startLab({
  hosts: Number(values.hosts),
  sites: Number(values.sites),
  faults: values.fault,
  latencyMs: Number(values.latency),
  seed: Number(values.seed),
  jumpPerSite: values['jump-per-site'],
  ...(values.platform ? { platform: values.platform as LabPlatform } : {}),
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await lab.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();

process.stdout.write(
  `${JSON.stringify({
    inventoryPath: lab.inventoryPath,
    knownHostsPath: lab.knownHostsPath,
    keyPath: lab.keyPath,
    dir: lab.dir,
    hosts: lab.hosts,
    pid: process.pid,
  })}\n`,
);
