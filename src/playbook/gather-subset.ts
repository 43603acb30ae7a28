/**
 * gather_subset names Ansible knows (module_utils/facts/default_collectors.py): subsets and single
 * collectors, each also negated with `!`. runbook reads the same small set whichever are asked for.
 */
export const GATHER_SUBSETS: ReadonlySet<string> = new Set([
  'all',
  'min',
  'hardware',
  'network',
  'virtual',
  'ohai',
  'facter',
  'apparmor',
  'caps',
  'chroot',
  'cmdline',
  'date_time',
  'distribution',
  'dns',
  'env',
  'fips',
  'local',
  'lsb',
  'pkg_mgr',
  'platform',
  'python',
  'selinux',
  'service_mgr',
  'ssh_pub_keys',
  'user',
  'devices',
  'dmi',
  'interfaces',
  'mounts',
  'loadavg',
  'system',
]);

export function subsetList(v: unknown): string[] {
  if (v === undefined || v === null) return ['all'];
  if (Array.isArray(v)) return v.map(String);
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The subset names of a gather_subset value that Ansible would refuse. */
export function badSubsets(v: unknown): string[] {
  return subsetList(v).filter((s) => !GATHER_SUBSETS.has(s.replace(/^!/, '')));
}

export const SUBSET_HINT = `gather_subset takes: ${[...GATHER_SUBSETS].join(', ')} (each may start with !)`;
