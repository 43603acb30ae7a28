import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from 'ssh2';
import { startLab, type Lab } from '../src/lab/lab.js';

/**
 * The lab at the scale the demo and the benchmark need: how long 1,000 devices take to start, the memory
 * they hold, and whether one process really serves them all at once (every device running a command at
 * the same moment). `npx tsx bench/lab.ts [HOSTS]`.
 */

export interface LabFigures {
  hosts: number;
  startMs: number;
  /** Resident memory of this process with the lab listening and idle, before any client connects. */
  rssMb: number;
}

export interface LabLoadFigures extends LabFigures {
  /** Wall time for a client to connect to every device and run one command on each, all in flight together. */
  loadMs: number;
  /** Sessions open at once across the fleet at the peak; equals hosts when every command overlapped. */
  maxConcurrentSessions: number;
  /** RSS at the end of the load, clients included. */
  loadRssMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function benchLab(hosts = 1000): Promise<LabFigures> {
  const t0 = performance.now();
  const lab = await startLab({ hosts, sites: Math.max(1, Math.ceil(hosts / 100)) });
  const startMs = Math.round(performance.now() - t0);
  const rssMb = mb(process.memoryUsage().rss);
  await lab.stop();
  return { hosts, startMs, rssMb };
}

function execOn(lab: Lab, key: Buffer, port: number, command: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        let rc: number | null = null;
        stream.on('exit', (code: number) => (rc = code));
        stream.on('close', () => (c.end(), resolve(rc)));
        stream.resume();
        stream.stderr.resume();
      }),
    );
    c.connect({ host: '127.0.0.1', port, username: lab.user, privateKey: key, readyTimeout: 120_000 });
  });
}

/** Startup and memory, then one command on every device with all of them in flight together. */
export async function benchLabUnderLoad(hosts = 1000): Promise<LabLoadFigures> {
  const t0 = performance.now();
  const lab = await startLab({ hosts, sites: Math.max(1, Math.ceil(hosts / 100)), latencyMs: 0 });
  const startMs = Math.round(performance.now() - t0);
  const rssMb = mb(process.memoryUsage().rss);
  try {
    const key = readFileSync(lab.keyPath);
    let ready = 0;
    const t1 = performance.now();
    const rcs = await Promise.all(
      lab.hosts.map((h) =>
        execOn(lab, key, h.port, 'show version').then((rc) => {
          ready++;
          return rc;
        }),
      ),
    );
    const loadMs = Math.round(performance.now() - t1);
    const failed = rcs.filter((rc) => rc !== 0).length;
    if (failed > 0 || ready !== hosts) throw new Error(`${failed} of ${hosts} commands failed`);
    return {
      hosts,
      startMs,
      rssMb,
      loadMs,
      maxConcurrentSessions: lab.fleetCounters().maxConcurrentSessions,
      loadRssMb: mb(process.memoryUsage().rss),
    };
  } finally {
    await lab.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const hosts = Number(process.argv[2] ?? 1000);
  const idle = await benchLab(hosts);
  console.log(`lab start-up: ${idle.hosts} devices in ${idle.startMs} ms, RSS ${idle.rssMb} MB`);
  const load = await benchLabUnderLoad(hosts);
  console.log(
    `lab under load: ${load.hosts} connections and commands in ${load.loadMs} ms, ` +
      `${load.maxConcurrentSessions} sessions open at once, RSS ${load.loadRssMb} MB (clients included)`,
  );
}
