import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CustomCommand } from './commands.js';
import { Device, type DeviceOptions, FleetCounters, type JumpCounters, type LabCounters } from './device.js';
import { deviceSeed, FaultTable, parseFaultSpec, seededRandom, type FaultSpec } from './faults.js';
import { generateKey, knownHostsLine, parsedPublicKey } from './keys.js';
import { LAB_PLATFORMS, NetworkDevice, type LabPlatform } from './network/network-device.js';
import { labClock, type LabClock } from './network/personality.js';

/**
 * A fleet of simulated SSH devices on 127.0.0.1, with an inventory, a client key and a known_hosts file
 * to reach them, and faults that can be set and cleared while it runs. `runbook lab`, the demo, the tests
 * and the benchmark all start one through startLab().
 */

export { parseFaultSpec, type FaultSpec } from './faults.js';
export type { JumpCounters, LabCounters } from './device.js';
export type { CustomCommand } from './commands.js';
export type { LabClock } from './network/personality.js';
export { LAB_PLATFORMS, type LabPlatform, type NetworkDevice } from './network/network-device.js';

/** The environment variable the lab's inventory names for the enable password of its network devices. */
export const LAB_ENABLE_ENV = 'RUNBOOK_LAB_ENABLE';

export interface LabOptions {
  hosts: number;
  /** Default 1. Host rK is in site ((K-1) mod sites) + 1. */
  sites?: number;
  /** Fault specs as on the command line: `r047:fail`, `site2:hang`, `r00?:slow:2s`, `*:flaky:0.1`. */
  faults?: string[];
  /** Added to every command; default 20. */
  latencyMs?: number;
  /** Makes flaky failures reproducible; default random. */
  seed?: number;
  /** Where inventory, key and known_hosts go; default a fresh temporary directory, removed by stop(). */
  dir?: string;
  /** Default `<dir>/inventory.yml`. */
  inventoryOut?: string;
  /** Accepted besides the key; default `lab`. */
  password?: string;
  /** The login the inventory names; every user name is accepted. Default `netops`. */
  user?: string;
  /** Extra or overriding commands, keyed by command text (a key also matches longer commands it begins). */
  commands?: Record<string, CustomCommand>;
  /**
   * One jump host per site (`jump-site1`, …) in front of that site's devices: the inventory sends each
   * site through its jump host. Faults target a jump host by its name (`jump-site2:refuse`).
   */
  jumpPerSite?: boolean;
  /** Network devices instead of LabOS: every device plays this OS; `mixed` cycles ios, eos, junos. */
  platform?: LabPlatform | 'mixed';
  /** The enable password of ios and eos devices; default `lab-enable`. */
  enablePassword?: string;
  /** How long a lab minute lasts, for rollback timers; default 60s. Tests shorten it. */
  minuteMs?: number;
  /** The rollback timers' clock instead of one of `minuteMs`: a test moves it and knows a timer's minute is up. */
  clock?: LabClock;
}

export interface LabHost {
  name: string;
  site: string;
  port: number;
  platform?: LabPlatform;
}

export interface FleetCountersSnapshot {
  maxConcurrentSessions: number;
  connections: number;
  commands: number;
  /** TCP connections open at once across the fleet, at the peak. */
  maxConcurrentConnections: number;
  /** TCP connections open now. */
  openConnections: number;
}

export interface Lab {
  /** The jump hosts (`jumpPerSite`), one per site, in site order. */
  jumps: LabHost[];
  /** Logins and channels a jump host served. */
  jumpCounters(name: string): JumpCounters;
  /** Cuts the open connections of a device or jump host (it crashed and came back at once). */
  dropConnections(name: string): void;
  inventoryPath: string;
  knownHostsPath: string;
  keyPath: string;
  dir: string;
  user: string;
  password: string;
  hosts: LabHost[];
  enablePassword: string;
  /** The network personality of a device, or undefined for a LabOS device. */
  network(host: string): NetworkDevice | undefined;
  /** Parsed like the CLI's --fault; throws on a bad spec. Connection faults apply to new connections. */
  setFault(spec: string): void;
  /** Removes the faults set for that target (`r047`), or for one kind of it (`r047:fail`); all when omitted. */
  clearFault(target?: string): void;
  /** The faults in force, in the order they were set. */
  faults(): FaultSpec[];
  /** Resolves once every listener matches the faults (refuse closes listeners, clearing it reopens them). */
  settled(): Promise<void>;
  counters(): Record<string, LabCounters>;
  counters(host: string): LabCounters;
  fleetCounters(): FleetCountersSnapshot;
  readFile(host: string, path: string): Buffer | null;
  /** Seeds a file, creating its directories; `mode` (permission bits) defaults to the file's own, else 0644. */
  writeFile(host: string, path: string, data: string | Buffer, mode?: number): void;
  /** The file's permission bits, or null when it does not exist. */
  fileMode(host: string, path: string): number | null;
  stop(): Promise<void>;
}

export function hostName(index: number, hosts: number): string {
  return `r${String(index).padStart(Math.max(3, String(hosts).length), '0')}`;
}

export function siteOf(index: number, sites: number): string {
  return `site${((index - 1) % sites) + 1}`;
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number, not ${v}`);
  return v;
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const hostCount = positive('hosts', opts.hosts);
  const siteCount = positive('sites', opts.sites ?? 1);
  const latencyMs = opts.latencyMs ?? 20;
  if (!Number.isFinite(latencyMs) || latencyMs < 0)
    throw new Error(`latency must be zero or more milliseconds, not ${latencyMs}`);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
  const table = new FaultTable();
  for (const spec of opts.faults ?? []) table.set(parseFaultSpec(spec));

  const ownsDir = opts.dir === undefined;
  const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), 'runbook-lab-')));
  mkdirSync(dir, { recursive: true });
  const user = opts.user ?? 'netops';
  const password = opts.password ?? 'lab';
  const keyPath = join(dir, 'id_ed25519');
  const knownHostsPath = join(dir, 'known_hosts');
  const inventoryPath = resolve(opts.inventoryOut ?? join(dir, 'inventory.yml'));

  const client = generateKey(`${user}@runbook-lab`);
  writeFileSync(keyPath, client.privateKey, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(`${keyPath}.pub`, `${client.publicKey}\n`);
  const clientKey = parsedPublicKey(client.publicKey);

  const enablePassword = opts.enablePassword ?? 'lab-enable';
  const clock = opts.clock ?? labClock(opts.minuteMs ?? 60_000);
  if (
    opts.platform !== undefined &&
    opts.platform !== 'mixed' &&
    !(LAB_PLATFORMS as readonly string[]).includes(opts.platform)
  ) {
    throw new Error(`platform must be one of ${LAB_PLATFORMS.join(', ')} or mixed, not ${String(opts.platform)}`);
  }
  const platformOf = (k: number): LabPlatform | undefined =>
    opts.platform === 'mixed' ? LAB_PLATFORMS[(k - 1) % LAB_PLATFORMS.length] : opts.platform;
  const fleet = new FleetCounters();
  const devices: Device[] = [];
  const hostKeys: string[] = [];
  const bootedAt = Date.now();
  /** A device with its own host key (listed for known_hosts) and random stream, and the lab's login and faults. */
  const newDevice = (
    name: string,
    site: string,
    index: number,
    role: Pick<DeviceOptions, 'fleet' | 'network' | 'forwarding'>,
  ): Device => {
    const hostKey = generateKey(`${name}@runbook-lab`);
    hostKeys.push(hostKey.publicKey);
    return new Device({
      ...role,
      identity: { host: name, site, index, bootedAt },
      hostKey: hostKey.privateKey,
      clientKey,
      password,
      latencyMs,
      faults: table,
      custom: opts.commands ?? {},
      random: seededRandom(deviceSeed(seed, index)),
    });
  };
  for (let k = 1; k <= hostCount; k++) {
    const name = hostName(k, hostCount);
    const platform = platformOf(k);
    devices.push(
      newDevice(name, siteOf(k, siteCount), k, {
        ...(platform ? { network: new NetworkDevice(platform, name, k, enablePassword, clock) } : {}),
        fleet,
      }),
    );
  }
  const jumpDevices: Device[] = [];
  if (opts.jumpPerSite) {
    for (let s = 1; s <= siteCount; s++) {
      const name = `jump-site${s}`;
      jumpDevices.push(newDevice(name, name, hostCount + s, { fleet: new FleetCounters(), forwarding: true }));
    }
  }
  const byName = new Map(devices.map((d) => [d.name, d]));
  const everything = [...devices, ...jumpDevices];

  try {
    await Promise.all(everything.map((d) => d.start()));
  } catch (e) {
    await Promise.all(everything.map((d) => d.stop()));
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const hosts = devices.map(
    (d): LabHost => ({
      name: d.name,
      site: d.site,
      port: d.port,
      ...(d.network ? { platform: d.network.platform } : {}),
    }),
  );
  const jumps = jumpDevices.map((d) => ({ name: d.name, site: d.site.replace(/^jump-/, ''), port: d.port }));
  try {
    const lines = everything.map((d, i) => knownHostsLine('127.0.0.1', d.port, hostKeys[i] ?? ''));
    writeFileSync(knownHostsPath, `${lines.join('\n')}\n`);
    mkdirSync(dirname(inventoryPath), { recursive: true });
    writeFileSync(inventoryPath, inventoryYaml({ user, keyPath, knownHostsPath, siteCount, hosts, jumps }));
  } catch (e) {
    // A lab nobody can reach is no use; do not leave its listeners behind.
    await Promise.all(everything.map((d) => d.stop()));
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const device = (host: string): Device => {
    const d = byName.get(host) ?? jumpDevices.find((j) => j.name === host);
    if (!d) throw new Error(`no device named "${host}" in this lab (r001…${hostName(hostCount, hostCount)})`);
    return d;
  };
  const reconcile = () => everything.forEach((d) => d.reconcile());
  let stopped: Promise<void> | null = null;

  function counters(): Record<string, LabCounters>;
  function counters(host: string): LabCounters;
  function counters(host?: string): Record<string, LabCounters> | LabCounters {
    if (host !== undefined) return { ...device(host).counters };
    return Object.fromEntries(devices.map((d) => [d.name, { ...d.counters }]));
  }

  return {
    inventoryPath,
    knownHostsPath,
    keyPath,
    dir,
    user,
    password,
    hosts,
    jumps,
    jumpCounters: (name) => {
      const j = jumpDevices.find((d) => d.name === name);
      if (!j) throw new Error(`no jump host named "${name}" in this lab`);
      return { ...j.jumpCounters };
    },
    dropConnections: (name) => {
      const d = everything.find((x) => x.name === name);
      if (!d) throw new Error(`no device or jump host named "${name}" in this lab`);
      d.dropConnections();
    },
    enablePassword,
    network: (host) => device(host).network,
    setFault(spec) {
      table.set(parseFaultSpec(spec));
      reconcile();
    },
    clearFault(target) {
      table.clear(target);
      reconcile();
    },
    faults: () => table.list(),
    settled: async () => {
      await Promise.all(everything.map((d) => d.settled()));
    },
    counters,
    fleetCounters: () => ({
      maxConcurrentSessions: fleet.maxConcurrentSessions,
      connections: fleet.connections,
      commands: fleet.commands,
      maxConcurrentConnections: fleet.maxConcurrentConnections,
      openConnections: fleet.openConnections,
    }),
    readFile: (host, path) => {
      const data = device(host).fs.readFile(path);
      return data === null ? null : Buffer.from(data);
    },
    writeFile: (host, path, data, mode) => device(host).fs.put(path, Buffer.from(data), mode),
    fileMode: (host, path) => {
      const st = device(host).fs.stat(path);
      return st?.kind === 'file' ? st.mode : null;
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all(everything.map((d) => d.stop()));
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Written by hand rather than through a YAML library: it is small, regular, and fast for a thousand hosts. */
function inventoryYaml(o: {
  user: string;
  keyPath: string;
  knownHostsPath: string;
  siteCount: number;
  hosts: LabHost[];
  jumps: LabHost[];
}): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '# Written by `runbook lab`: simulated devices on 127.0.0.1, valid while the lab runs.',
    'all:',
    '  vars:',
    `    user: ${q(o.user)}`,
    `    key_file: ${q(o.keyPath)}`,
    `    known_hosts: ${q(o.knownHostsPath)}`,
    '  children:',
  ];
  for (let s = 1; s <= o.siteCount; s++) {
    const site = `site${s}`;
    const members = o.hosts.filter((h) => h.site === site);
    lines.push(`    ${site}:`, '      vars:', `        site: ${site}`);
    const jump = o.jumps.find((j) => j.site === site);
    if (jump) lines.push(`        jump: ${q(`${o.user}@127.0.0.1:${jump.port}`)}`);
    if (members.length === 0) continue;
    lines.push('      hosts:');
    for (const h of members) {
      // Network devices are reached through their CLI, as Ansible's network_cli does; ios and eos log in
      // at user level and need enable, whose password the inventory names by its environment variable.
      const net =
        h.platform === undefined ? '' : `, ansible_connection: network_cli, ansible_network_os: ${h.platform}`;
      const become =
        h.platform === 'ios' || h.platform === 'eos'
          ? `, ansible_become: true, become_password_env: ${LAB_ENABLE_ENV}`
          : '';
      lines.push(`        ${h.name}: { host: 127.0.0.1, port: ${h.port}${net}${become} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}
