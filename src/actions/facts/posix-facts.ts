import { PKG_MGR_PATHS, sections } from './posix-script.js';

/**
 * Ansible's facts for a POSIX host, from what FACTS_SCRIPT printed. Each rule follows the collector that
 * computes the fact in ansible-core 2.14 (module_utils/facts/...), named beside it; the values are checked
 * against `ansible -m setup` on the same host by test/interop/facts.test.ts. Keys are as `ansible_facts`
 * holds them (without the `ansible_` prefix).
 */
export type Facts = Record<string, unknown>;

/** system/distribution.py OS_FAMILY_MAP, inverted. */
const OS_FAMILY: Record<string, string> = {};
for (const [family, names] of Object.entries({
  RedHat: [
    'RedHat',
    'RHEL',
    'Fedora',
    'CentOS',
    'Scientific',
    'SLC',
    'Ascendos',
    'CloudLinux',
    'PSBM',
    'OracleLinux',
    'OVS',
    'OEL',
    'Amazon',
    'Virtuozzo',
    'XenServer',
    'Alibaba',
    'EulerOS',
    'openEuler',
    'AlmaLinux',
    'Rocky',
    'TencentOS',
    'EuroLinux',
    'Kylin Linux Advanced Server',
  ],
  Debian: [
    'Debian',
    'Ubuntu',
    'Raspbian',
    'Neon',
    'KDE neon',
    'Linux Mint',
    'SteamOS',
    'Devuan',
    'Kali',
    'Cumulus Linux',
    'Pop!_OS',
    'Parrot',
    'Pardus GNU/Linux',
    'Uos',
    'Deepin',
    'OSMC',
  ],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
})) {
  for (const n of names) OS_FAMILY[n] = family;
}

/** os-release IDs whose distribution name is not the ID capitalised (distro.id() then the dist files). */
const DISTRIBUTION_NAMES: Record<string, string> = {
  rhel: 'RedHat',
  centos: 'CentOS',
  almalinux: 'AlmaLinux',
  amzn: 'Amazon',
  ol: 'OracleLinux',
  opensuse: 'openSUSE',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  sles: 'SLES',
  arch: 'Archlinux',
  linuxmint: 'Linux Mint',
  clear_linux: 'Clear Linux OS',
};

/** network/linux.py INTERFACE_TYPE. */
const INTERFACE_TYPE: Record<string, string> = {
  '1': 'ether',
  '32': 'infiniband',
  '512': 'ppp',
  '772': 'loopback',
  '65534': 'tunnel',
};

/** system/service_mgr.py proc_1_map. */
const PROC_1_MAP: Record<string, string> = {
  procd: 'openwrt_init',
  'runit-init': 'runit',
  svscan: 'svc',
  'openrc-init': 'openrc',
};

function keyValues(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** distro's version(best=True): the candidate with the most dots. */
function bestVersion(candidates: readonly string[]): string {
  let best = '';
  for (const v of candidates) if (v !== '' && (best === '' || v.split('.').length > best.split('.').length)) best = v;
  return best;
}

/** system/distribution.py with the distro library it relies on, for os-release systems. */
function distribution(s: Map<string, string[]>, system: string): Facts {
  if (system !== 'Linux') {
    return {
      distribution: system,
      distribution_version: '',
      distribution_major_version: '',
      distribution_release: '',
      os_family: system,
    };
  }
  const rawOsRelease = (s.get('os_release') ?? []).join('\n');
  const os = keyValues(s.get('os_release') ?? []);
  const id = (os.ID ?? '').toLowerCase();
  let name = DISTRIBUTION_NAMES[id] ?? (id === '' ? 'OtherLinux' : id[0]!.toUpperCase() + id.slice(1));
  let version = os.VERSION_ID ?? '';
  // distro reads /etc/debian_version as a release file: "12.11" is a version, "trixie/sid" is not.
  const debianFile = (s.get('debian_version') ?? [])[0]?.trim() ?? '';
  const fileVersion = /^(\d[\d.]*)/.exec(debianFile)?.[1] ?? '';
  if (id === 'debian') version = bestVersion([version, fileVersion]);
  if (id === 'centos') version = bestVersion([version]).split('.').slice(0, 2).join('.');
  let release = os.VERSION_CODENAME ?? os.UBUNTU_CODENAME ?? /\(([^)]+)\)/.exec(os.VERSION ?? '')?.[1] ?? '';
  // Read through the dist file parser Ansible names "Debian": it says which file it parsed.
  let distFile: Facts = {};
  if (/Debian|Raspbian|Ubuntu/.test(rawOsRelease)) {
    distFile = {
      distribution_file_path: '/etc/os-release',
      distribution_file_variety: 'Debian',
      distribution_file_parsed: true,
    };
  }
  if (/Debian|Raspbian/.test(rawOsRelease)) {
    // parse_distribution_file_Debian
    name = 'Debian';
    const m = /PRETTY_NAME=[^(]+ \(?([^)]+?)\)/.exec(rawOsRelease);
    if (m) release = m[1]!;
  } else if (rawOsRelease.includes('Ubuntu')) name = 'Ubuntu';
  const minor = version.split('.')[1];
  return {
    ...distFile,
    ...(minor !== undefined ? { distribution_minor_version: minor } : {}),
    distribution: name,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? '',
    distribution_release: release === '' ? 'NA' : release,
    os_family: OS_FAMILY[name] ?? name,
  };
}

/** system/platform.py. */
function platform(uname: readonly string[]): Facts {
  const [system = '', node = '', kernel = '', kernelVersion = '', machine = ''] = uname;
  return {
    system,
    nodename: node,
    hostname: node.split('.')[0] ?? '',
    kernel,
    kernel_version: kernelVersion,
    machine,
    architecture: /^i[3-6]86$/.test(machine) ? 'i386' : machine,
  };
}

/** socket.getfqdn(): the first of the reverse names holding a dot, else the canonical name. */
function fqdn(lines: readonly string[], nodename: string): Facts {
  const words = (lines[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((w) => w !== '');
  const name = words.length === 0 ? nodename : (words.find((w) => w.includes('.')) ?? words[0]!);
  return { fqdn: name, domain: name.split('.').slice(1).join('.') };
}

/** system/user.py. */
function user(lines: readonly string[]): Facts {
  const [name = '', uid = '', gid = '', passwd = ''] = lines;
  const fields = passwd.split(':');
  return {
    user_id: name,
    user_uid: Number(uid),
    user_gid: Number(gid),
    ...(fields.length >= 7 ? { user_gecos: fields[4], user_dir: fields[5], user_shell: fields[6] } : {}),
  };
}

/** system/pkg_mgr.py PkgMgrFactCollector. */
function pkgMgr(exists: ReadonlySet<string>, d: Facts): string {
  let name = 'unknown';
  for (const [path, mgr] of PKG_MGR_PATHS) {
    if (d.os_family === 'Altlinux' && path === '/usr/bin/pkg') continue;
    if (exists.has(path)) name = mgr;
  }
  const has = (mgr: string) => PKG_MGR_PATHS.some(([p, m]) => m === mgr && exists.has(p));
  const major = Number.parseInt(String(d.distribution_major_version), 10);
  if (d.os_family === 'RedHat') {
    if (exists.has('/run/ostree-booted')) return 'atomic_container';
    if (d.distribution === 'Fedora' || d.distribution === 'Amazon') {
      const limit = d.distribution === 'Fedora' ? 23 : 2022;
      if (Number.isNaN(major)) name = 'dnf';
      else if (major < limit) name = has('yum') ? 'yum' : name;
      else name = has('dnf') ? 'dnf' : name;
    } else name = major < 8 ? 'yum' : 'dnf';
  } else if (d.os_family === 'Debian' && name !== 'apt') name = 'apt';
  else if (d.os_family === 'Altlinux' && name === 'apt') name = 'apt_rpm';
  // An apt-get that rpm owns is APT-RPM; telling needs rpm itself, so only Altlinux is taken to be one.
  return name;
}

/** system/service_mgr.py (Linux). */
function serviceMgr(s: Map<string, string[]>, exists: ReadonlySet<string>, system: string): string {
  let proc1: string | undefined = (s.get('proc1') ?? [])[0];
  if (proc1 === '' || proc1 === undefined) proc1 = (s.get('init_link') ?? [])[0] || undefined;
  if (proc1 !== undefined) proc1 = (proc1.split('/').at(-1) ?? '').trim();
  if (proc1 !== undefined && (proc1 === 'init' || proc1.endsWith('sh') || proc1 === '')) proc1 = undefined;
  if (proc1 !== undefined) return PROC_1_MAP[proc1] ?? proc1;
  if (system.includes('BSD') || system === 'Bitrig' || system === 'DragonFly') return 'bsdinit';
  if (system === 'AIX') return 'src';
  if (system === 'SunOS') return 'smf';
  if (system !== 'Linux') return 'service';
  const commands = new Set(s.get('commands') ?? []);
  const systemctl = commands.has('systemctl');
  if (systemctl && ['/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/'].some((p) => exists.has(p)))
    return 'systemd';
  if (commands.has('initctl') && exists.has('/etc/init/')) return 'upstart';
  if (exists.has('/sbin/openrc')) return 'openrc';
  const initLink = (s.get('init_link') ?? [])[0] ?? '';
  if (systemctl && initLink.split('/').at(-1) === 'systemd') return 'systemd';
  if (exists.has('/etc/init.d/')) return 'sysvinit';
  return 'service';
}

/** hardware/linux.py get_cpu_facts. */
function cpu(lines: readonly string[], xenLines: readonly string[], architecture: string, nproc: string): Facts {
  let i = 0;
  let vendorIds = 0;
  let modelNames = 0;
  let processors = 0;
  let physid = '0';
  let coreid = '0';
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  const xen = xenLines.some((l) => l.trim() === 'xen');
  let xenParavirt = false;
  let explicitCores: number | undefined;
  for (const line of lines) {
    const at = line.indexOf(':');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const val = at < 0 ? '' : line.slice(at + 1).trim();
    if (xen && key === 'flags' && !val.includes('vme')) xenParavirt = true;
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      if (key === 'vendor_id') vendorIds++;
      if (key === 'model name') modelNames++;
      if (key === 'processor') processors++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      // Ansible checks the core id against the sockets here; kept, since it decides what is counted.
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number.parseInt(val, 10));
    else if (key === 'siblings') cores.set(coreid, Number.parseInt(val, 10));
    else if (key === '# processors') explicitCores = Number.parseInt(val, 10);
    else if (key === 'ncpus active') i = Number.parseInt(val, 10);
  }
  if (vendorIds > 0 && vendorIds === modelNames) i = vendorIds;
  if (/^(armv|aarch|ppc)/.test(architecture)) i = processors;
  if (architecture === 's390x') return explicitCores === undefined ? {} : { processor_cores: explicitCores };
  if (xenParavirt) {
    return { processor_count: i, processor_cores: i, processor_threads_per_core: 1, processor_vcpus: i };
  }
  const count = sockets.size > 0 ? sockets.size : i;
  const firstSocket = [...sockets.values()][0];
  const coreCount = firstSocket ? firstSocket : 1;
  const firstCore = [...cores.values()][0];
  const threads = firstCore !== undefined ? Math.floor(firstCore / coreCount) : Math.floor(1 / coreCount);
  const n = Number.parseInt(nproc, 10);
  return {
    processor_count: count,
    processor_cores: coreCount,
    processor_threads_per_core: threads,
    processor_vcpus: threads * count * coreCount,
    processor_nproc: Number.isNaN(n) ? processors : n,
  };
}

/** A tuple of `N` strings: what a split line destructures into once its width is checked. */
type Strings<N extends number, T extends string[] = []> = T['length'] extends N ? T : Strings<N, [...T, string]>;

/** system/date_time.py, from one `date` call; the UTC forms are computed from its epoch. */
function dateTime(line: string | undefined): Facts {
  const f = (line ?? '').split('|');
  if (f.length < 13) return {};
  const [year, month, weekday, weekdayNumber, weeknumber, day, hour, minute, second, epoch, tz, offset, nanos] =
    f as Strings<13>;
  // busybox date has no %N: the micro part is then zero.
  const micro = /^\d{9}$/.test(nanos) ? nanos.slice(0, 6) : '000000';
  const utc = new Date(Number(epoch) * 1000).toISOString().slice(0, 19);
  return {
    year,
    month,
    weekday,
    weekday_number: weekdayNumber,
    weeknumber,
    day,
    hour,
    minute,
    second,
    epoch,
    epoch_int: epoch,
    date: `${year}-${month}-${day}`,
    time: `${hour}:${minute}:${second}`,
    iso8601_micro: `${utc}.${micro}Z`,
    iso8601: `${utc}Z`,
    iso8601_basic: `${year}${month}${day}T${hour}${minute}${second}${micro}`,
    iso8601_basic_short: `${year}${month}${day}T${hour}${minute}${second}`,
    tz,
    tz_dst: tz,
    tz_offset: offset,
  };
}

/** `ip route get`: the interface, source address and gateway (network/linux.py get_default_interfaces). */
function defaultRoute(lines: readonly string[], probe: string): Record<string, string> {
  const words = (lines[0] ?? '').trim().split(/\s+/);
  const out: Record<string, string> = {};
  if (words[0] !== probe) return out;
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === 'dev') out.interface = words[i + 1]!;
    else if (words[i] === 'src') out.address = words[i + 1]!;
    else if (words[i] === 'via' && words[i + 1] !== probe) out.gateway = words[i + 1]!;
  }
  return out;
}

function ipv4Mask(prefix: number): { netmask: string; mask: number } {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { netmask: ipv4Text(mask), mask };
}

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function ipv4Number(text: string): number {
  return text.split('.').reduce((acc, o) => ((acc << 8) | (Number(o) & 255)) >>> 0, 0);
}

/** network/linux.py get_interfaces_info: default_ipv4/6 completed from the interfaces, and every address. */
function network(s: Map<string, string[]>): Facts {
  const v4 = defaultRoute(s.get('route4') ?? [], '8.8.8.8');
  const v6 = defaultRoute(s.get('route6') ?? [], '2404:6800:400a:800::1012');
  const all4: string[] = [];
  const all6: string[] = [];
  const interfaces: string[] = [];
  let device = '';
  let mac: string | undefined;
  let mtu = 0;
  let type = 'unknown';
  for (const raw of s.get('links') ?? []) {
    const line = raw.trim();
    const meta = /^@(\w+)(?: (.*))?$/.exec(line);
    if (meta) {
      const value = meta[2] ?? '';
      if (meta[1] === 'dev') {
        device = value;
        interfaces.push(device.replace(/:/g, '_'));
        type = 'unknown';
      } else if (meta[1] === 'mac') {
        if (value !== '' && value !== '00:00:00:00:00:00') mac = value;
      } else if (meta[1] === 'mtu') mtu = Number.parseInt(value, 10);
      else if (meta[1] === 'type') type = INTERFACE_TYPE[value] ?? 'unknown';
      else if (meta[1] === 'bridge') type = 'bridge';
      else if (meta[1] === 'bonding') type = 'bonding';
      continue;
    }
    const words = line.split(/\s+/);
    if (words[0] === 'inet') {
      const [address = '', prefix = '32'] = (words[1] ?? '').split('/');
      const broadcast = words[2] === 'brd' && words.length > 3 ? words[3]! : '';
      const { netmask, mask } = ipv4Mask(Number(prefix));
      if (v4.address === address) {
        Object.assign(v4, {
          broadcast,
          netmask,
          network: ipv4Text((ipv4Number(address) & mask) >>> 0),
          prefix,
          ...(mac !== undefined ? { macaddress: mac } : {}),
          mtu,
          type,
          alias: words.at(-1) ?? device,
        });
      }
      if (!address.startsWith('127.')) all4.push(address);
    } else if (words[0] === 'inet6') {
      const peer = words[2] === 'peer';
      const address = peer ? (words[1] ?? '') : (words[1] ?? '').split('/')[0]!;
      const prefix = peer ? ((words[3] ?? '').split('/')[1] ?? '') : ((words[1] ?? '').split('/')[1] ?? '');
      const scope = peer ? (words[5] ?? '') : (words[3] ?? '');
      if (v6.address === address) {
        Object.assign(v6, { prefix, scope, ...(mac !== undefined ? { macaddress: mac } : {}), mtu, type });
      }
      if (address !== '::1') all6.push(address);
    }
  }
  return {
    default_ipv4: v4,
    default_ipv6: v6,
    all_ipv4_addresses: all4,
    all_ipv6_addresses: all6,
    interfaces,
  };
}

/** Every fact this host's FACTS_SCRIPT output gives. */
export function posixFacts(stdout: string): Facts {
  const s = sections(stdout);
  const p = platform(s.get('uname') ?? []);
  const system = String(p.system);
  const d = distribution(s, system);
  const exists = new Set(s.get('exists') ?? []);
  const memKb = /^MemTotal:\s+(\d+)/.exec((s.get('mem') ?? [])[0] ?? '')?.[1];
  const python = /Python (\d+\.\d+\.\d+)/.exec((s.get('python') ?? []).join(' '))?.[1];
  return {
    ...p,
    ...fqdn(s.get('fqdn') ?? [], String(p.nodename)),
    ...d,
    ...user(s.get('user') ?? []),
    pkg_mgr: pkgMgr(exists, d),
    service_mgr: serviceMgr(s, exists, system),
    ...(system === 'Linux'
      ? cpu(s.get('cpu') ?? [], s.get('xen') ?? [], String(p.architecture), (s.get('nproc') ?? [])[0] ?? '')
      : {}),
    ...(memKb !== undefined ? { memtotal_mb: Math.floor(Number(memKb) / 1024) } : {}),
    date_time: dateTime((s.get('date') ?? [])[0]),
    ...(python !== undefined ? { python_version: python } : {}),
    ...network(s),
  };
}

/** Whether the output is the script's at all: a host that is no POSIX shell answers something else. */
export function isFactsOutput(stdout: string): boolean {
  const s = sections(stdout);
  return s.has('uname') && s.has('end') && (s.get('uname') ?? []).length >= 5;
}
