import { shellQuote } from '../playbook/template/ansible-filters.js';

/**
 * What a host says about its init system and one service, read by one shell command, so that the
 * decisions Ansible makes in Python on the host (the `service_mgr` fact, the service module's choice of
 * tools, `sysv_exists`, `sysv_is_enabled`, `is_chroot`) can be made here as pure functions.
 */
export interface ServiceProbe {
  /** The login's PATH, for Ansible's "not found in paths" message. */
  path: string;
  /** /proc/1/comm, trimmed; null when unreadable. */
  proc1: string | null;
  /** Paths of the tools found, by name (`systemctl`, `service`, `update-rc.d`, …). */
  bins: Record<string, string>;
  /** One of systemd's own "booted with systemd" markers exists (sd_booted). */
  systemdCanary: boolean;
  etcInitDir: boolean;
  /** /etc/init/NAME.conf: an upstart job. */
  upstartJob: boolean;
  openrc: boolean;
  /** Where /sbin/init points, when it is a symbolic link. */
  sbinInit: string | null;
  initDir: boolean;
  /** /etc/init.d/NAME is a regular file. */
  initScript: boolean;
  /** /etc/init.d/NAME is executable (sysv_exists). */
  initScriptExecutable: boolean;
  /** /etc/rc?.d/S??NAME links (or /etc/init.d/rc?.d/ where there is no /etc/rc0.d). */
  startLinks: string[];
  killLinks: string[];
  /** The root directory is not the one PID 1 sees (is_chroot). */
  chroot: boolean;
}

/** Tools Ansible's service module looks for, in its order. */
export const SERVICE_TOOLS = [
  'service',
  'chkconfig',
  'update-rc.d',
  'rc-service',
  'rc-update',
  'initctl',
  'systemctl',
  'start',
  'stop',
  'restart',
  'insserv',
] as const;

/** The one command that reads a ServiceProbe for service `name` (quoted here: the name is user text). */
export function probeCommand(name: string): string {
  const q = shellQuote(name);
  const lines = [
    // get_bin_path: the usual system directories first, then PATH.
    'b() { for d in /sbin /usr/sbin /bin /usr/bin; do',
    '  [ -x "$d/$1" ] && [ ! -d "$d/$1" ] && { echo "$d/$1"; return; }; done; command -v "$1" 2>/dev/null; }',
    'echo "path=$PATH"',
    'echo "proc1=$(cat /proc/1/comm 2>/dev/null || echo "")"',
    `for t in ${SERVICE_TOOLS.map(shellQuote).join(' ')}; do echo "bin=$t=$(b "$t")"; done`,
    'for c in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$c" ] && echo canary=1; done',
    '[ -d /etc/init/ ] && echo etc_init=1',
    `[ -e /etc/init/${q}.conf ] && echo upstart_job=1`,
    '[ -e /sbin/openrc ] && echo openrc=1',
    '[ -L /sbin/init ] && echo "sbin_init=$(readlink /sbin/init)"',
    '[ -e /etc/init.d/ ] && echo init_dir=1',
    `[ -f /etc/init.d/${q} ] && echo init_script=1`,
    `[ -x /etc/init.d/${q} ] && echo init_script_x=1`,
    'if [ -d /etc/rc0.d/ ]; then rc=/etc; else rc=/etc/init.d; fi',
    `for f in "$rc"/rc?.d/S??${q}; do { [ -e "$f" ] || [ -L "$f" ]; } && echo "start_link=$f"; done`,
    `for f in "$rc"/rc?.d/K??${q}; do { [ -e "$f" ] || [ -L "$f" ]; } && echo "kill_link=$f"; done`,
    // is_chroot: the root's device and inode against PID 1's root; without /proc/1/root, inode 2 (256 on
    // btrfs, 128 on xfs) is a file system's root.
    'me=$(stat -c %d:%i / 2>/dev/null); one=$(stat -L -c %d:%i /proc/1/root/. 2>/dev/null)',
    'if [ -n "$debian_chroot" ]; then echo chroot=1; elif [ -n "$one" ]; then [ "$me" != "$one" ] && echo chroot=1;',
    'else t=$(stat -f -c %T / 2>/dev/null); i=2; case "$t" in *btrfs*) i=256;; *xfs*) i=128;; esac;',
    '  [ "$(echo "$me" | cut -d: -f2)" != "$i" ] && echo chroot=1; fi',
    'exit 0',
  ];
  return lines.join('\n');
}

/** Reads probeCommand's output. */
export function parseProbe(stdout: string): ServiceProbe {
  const probe: ServiceProbe = {
    path: '',
    proc1: null,
    bins: {},
    systemdCanary: false,
    etcInitDir: false,
    upstartJob: false,
    openrc: false,
    sbinInit: null,
    initDir: false,
    initScript: false,
    initScriptExecutable: false,
    startLinks: [],
    killLinks: [],
    chroot: false,
  };
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'path':
        probe.path = value;
        break;
      case 'proc1':
        probe.proc1 = value.trim() === '' ? null : value.trim();
        break;
      case 'bin': {
        const at = value.indexOf('=');
        const path = value.slice(at + 1).trim();
        if (at > 0 && path !== '') probe.bins[value.slice(0, at)] = path;
        break;
      }
      case 'canary':
        probe.systemdCanary = true;
        break;
      case 'etc_init':
        probe.etcInitDir = true;
        break;
      case 'upstart_job':
        probe.upstartJob = true;
        break;
      case 'openrc':
        probe.openrc = true;
        break;
      case 'sbin_init':
        probe.sbinInit = value;
        break;
      case 'init_dir':
        probe.initDir = true;
        break;
      case 'init_script':
        probe.initScript = true;
        break;
      case 'init_script_x':
        probe.initScriptExecutable = true;
        break;
      case 'start_link':
        probe.startLinks.push(value);
        break;
      case 'kill_link':
        probe.killLinks.push(value);
        break;
      case 'chroot':
        probe.chroot = true;
        break;
    }
  }
  return probe;
}

const PROC1_NAMES: Readonly<Record<string, string>> = {
  procd: 'openwrt_init',
  'runit-init': 'runit',
  svscan: 'svc',
  'openrc-init': 'openrc',
};

/** Ansible's `ansible_service_mgr` fact on a Linux host (facts/system/service_mgr.py). */
export function serviceMgrFact(p: ServiceProbe): string {
  let proc1 = p.proc1;
  if (proc1 === null && p.sbinInit !== null) proc1 = p.sbinInit;
  if (proc1 !== null) proc1 = (proc1.split('/').pop() ?? '').trim();
  // Many systems call PID 1 "init", and a shell as PID 1 is a container: neither says which manager runs.
  if (proc1 !== null && (proc1 === 'init' || proc1.endsWith('sh'))) proc1 = null;
  if (proc1 !== null) return PROC1_NAMES[proc1] ?? (proc1 === '' ? 'service' : proc1);
  if (p.bins.systemctl && p.systemdCanary) return 'systemd';
  if (p.bins.initctl && p.etcInitDir) return 'upstart';
  if (p.openrc) return 'openrc';
  if (p.bins.systemctl && p.sbinInit !== null && p.sbinInit.split('/').pop() === 'systemd') return 'systemd';
  if (p.initDir) return 'sysvinit';
  return 'service';
}

/** The service module's own test for systemd (LinuxService.check_systemd): a marker, or PID 1 named so. */
export function systemdManaged(p: ServiceProbe): boolean {
  return Boolean(p.bins.systemctl) && (p.systemdCanary || (p.proc1 ?? '').includes('systemd'));
}
