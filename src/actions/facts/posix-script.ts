/**
 * The one command that reads a POSIX host for its facts: a small /bin/sh script printing raw sections
 * (`@@name` then what the host said), so every rule that turns them into Ansible's values lives on the
 * controller (posix-facts.ts), where it is tested without a host. It reads what Ansible's setup module reads,
 * in the same order where order shows (interfaces in directory order).
 */

/** Where Ansible's pkg_mgr collector looks, in its order (module_utils/facts/system/pkg_mgr.py PKG_MGRS). */
export const PKG_MGR_PATHS: ReadonlyArray<readonly [path: string, name: string]> = [
  ['/usr/bin/rpm-ostree', 'atomic_container'],
  ['/usr/bin/yum', 'yum'],
  ['/usr/bin/dnf', 'dnf'],
  ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'],
  ['/usr/sbin/urpmi', 'urpmi'],
  ['/usr/bin/pacman', 'pacman'],
  ['/bin/opkg', 'opkg'],
  ['/usr/pkg/bin/pkgin', 'pkgin'],
  ['/opt/local/bin/pkgin', 'pkgin'],
  ['/opt/tools/bin/pkgin', 'pkgin'],
  ['/opt/local/bin/port', 'macports'],
  ['/usr/local/bin/brew', 'homebrew'],
  ['/opt/homebrew/bin/brew', 'homebrew'],
  ['/sbin/apk', 'apk'],
  ['/usr/sbin/pkg', 'pkgng'],
  ['/usr/sbin/swlist', 'swdepot'],
  ['/usr/bin/emerge', 'portage'],
  ['/usr/sbin/pkgadd', 'svr4pkg'],
  ['/usr/bin/pkg', 'pkg5'],
  ['/usr/bin/xbps-install', 'xbps'],
  ['/usr/local/sbin/pkg', 'pkgng'],
  ['/usr/bin/swupd', 'swupd'],
  ['/usr/sbin/sorcery', 'sorcery'],
  ['/usr/bin/installp', 'installp'],
  ['/QOpenSys/pkgs/bin/yum', 'yum'],
];

/** Paths whose existence the service_mgr and pkg_mgr rules ask about. */
const EXISTS = [
  ...PKG_MGR_PATHS.map(([p]) => p),
  '/run/ostree-booted',
  '/usr/bin/rpm',
  '/run/systemd/system/',
  '/dev/.run/systemd/',
  '/dev/.systemd/',
  '/etc/init/',
  '/sbin/openrc',
  '/etc/init.d/',
];

/** The cpuinfo keys Ansible's Linux hardware collector reads; the rest of the file stays on the host. */
const CPU_KEYS = 'model name|Processor|vendor_id|cpu|Vendor|processor|physical id|core id|cpu cores|siblings';

export const FACTS_SCRIPT = [
  's() { printf \'\\n@@%s\\n\' "$1"; }',
  's uname; uname -s; uname -n; uname -r; uname -v; uname -m',
  's os_release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
  's debian_version; cat /etc/debian_version 2>/dev/null',
  // socket.getfqdn(): the name's address, then that address's names.
  's fqdn; a=$(getent ahosts "$(uname -n)" 2>/dev/null | awk \'NR==1{print $1}\'); ' +
    '[ -n "$a" ] && getent hosts "$a" 2>/dev/null',
  's user; id -un; id -u; id -g; getent passwd "$(id -un)" 2>/dev/null',
  `s exists; for p in ${EXISTS.join(' ')}; do [ -e "$p" ] && echo "$p"; done`,
  's commands; for c in systemctl initctl; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done',
  's proc1; cat /proc/1/comm 2>/dev/null',
  's init_link; [ -L /sbin/init ] && readlink /sbin/init',
  `s cpu; grep -E '^(${CPU_KEYS}|# processors|ncpus active)[[:space:]]*:' /proc/cpuinfo 2>/dev/null`,
  's xen; [ -e /proc/xen ] && echo xen; cat /sys/hypervisor/type 2>/dev/null',
  's nproc; nproc 2>/dev/null',
  's mem; grep "^MemTotal:" /proc/meminfo 2>/dev/null',
  "s date; date '+%Y|%m|%A|%w|%W|%d|%H|%M|%S|%s|%Z|%z|%N'",
  // Ansible's interpreter discovery prefers the distribution's own python3 to the first on PATH.
  's python; for p in /usr/bin/python3 /usr/libexec/platform-python python3 python; do ' +
    'command -v "$p" >/dev/null 2>&1 && { "$p" -V 2>&1; break; }; done',
  's route4; ip -4 route get 8.8.8.8 2>/dev/null',
  's route6; ip -6 route get 2404:6800:400a:800::1012 2>/dev/null',
  // Directory order, as Python's glob lists /sys/class/net.
  's links; for d in $(ls -f /sys/class/net 2>/dev/null); do case $d in .|..) continue;; esac; ' +
    'n=/sys/class/net/$d; [ -d "$n" ] || continue; ' +
    'echo "@dev $d"; echo "@mac $(cat "$n/address" 2>/dev/null)"; echo "@mtu $(cat "$n/mtu" 2>/dev/null)"; ' +
    'echo "@type $(cat "$n/type" 2>/dev/null)"; [ -d "$n/bridge" ] && echo "@bridge"; ' +
    '[ -d "$n/bonding" ] && echo "@bonding"; ' +
    'ip addr show primary dev "$d" 2>/dev/null || ip addr show dev "$d" 2>/dev/null; ' +
    'echo "@secondary"; ip addr show secondary dev "$d" 2>/dev/null; done',
  's end',
].join('\n');

/** The script's output, by section. */
export function sections(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of stdout.split('\n')) {
    const m = /^@@([a-z0-9_]+)$/.exec(line);
    if (m) {
      current = [];
      out.set(m[1]!, current);
      continue;
    }
    current?.push(line);
  }
  // Each section ends with the blank line the next heading begins with.
  for (const lines of out.values()) while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return out;
}
