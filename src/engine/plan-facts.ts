import { readInputText } from '../playbook/input-file.js';
import { findTemplate } from '../playbook/template/jail.js';
import { structureOf, type PlaySpec, type TaskSpec } from '../playbook/types.js';

/**
 * What the planner knows of facts before any host was read: the names a gathering gives (so `validate` takes
 * `{{ ansible_hostname }}` as it takes a registered result: known, previewed with an empty value, judged at
 * run time), and whether a play without `gather_facts` reads any fact, which decides whether it gathers.
 */

const STRINGS = [
  'hostname',
  'nodename',
  'fqdn',
  'domain',
  'system',
  'kernel',
  'kernel_version',
  'machine',
  'architecture',
  'distribution',
  'distribution_version',
  'distribution_major_version',
  'distribution_release',
  'os_family',
  'user_id',
  'user_gecos',
  'user_dir',
  'user_shell',
  'pkg_mgr',
  'service_mgr',
  'python_version',
  'net_version',
  'net_hostname',
  'net_model',
  'net_serialnum',
  'net_image',
  'net_system',
  'net_api',
];
const NUMBERS = [
  'user_uid',
  'user_gid',
  'processor_count',
  'processor_cores',
  'processor_threads_per_core',
  'processor_vcpus',
  'processor_nproc',
  'memtotal_mb',
];
const LISTS = ['all_ipv4_addresses', 'all_ipv6_addresses', 'interfaces', 'gather_subset', 'net_gather_subset'];
const IPV4 = ['address', 'interface', 'gateway', 'netmask', 'network', 'prefix', 'broadcast', 'macaddress', 'type'];
const DATE_TIME = [
  'year',
  'month',
  'weekday',
  'weekday_number',
  'weeknumber',
  'day',
  'hour',
  'minute',
  'second',
  'epoch',
  'epoch_int',
  'date',
  'time',
  'iso8601_micro',
  'iso8601',
  'iso8601_basic',
  'iso8601_basic_short',
  'tz',
  'tz_dst',
  'tz_offset',
];

const blank = (keys: string[]): Record<string, string> => Object.fromEntries(keys.map((k) => [k, '']));

/** Every fact a gathering may give, with an empty value of its type (keys as `ansible_facts` holds them). */
const FACT_SHAPES: Record<string, unknown> = {
  ...blank(STRINGS),
  ...Object.fromEntries(NUMBERS.map((k) => [k, 0])),
  ...Object.fromEntries(LISTS.map((k) => [k, []])),
  default_ipv4: { ...blank(IPV4), mtu: 0, alias: '' },
  default_ipv6: { ...blank(IPV4.filter((k) => k !== 'netmask' && k !== 'network' && k !== 'broadcast')), mtu: 0 },
  date_time: blank(DATE_TIME),
  module_setup: true,
};

/** The variables a host has once it gathered: `ansible_facts` and each fact as `ansible_*`. */
export const FACT_PLACEHOLDERS: Readonly<Record<string, unknown>> = Object.freeze({
  ansible_facts: FACT_SHAPES,
  ...Object.fromEntries(Object.entries(FACT_SHAPES).map(([k, v]) => [`ansible_${k}`, v])),
});

export const FACT_VARIABLES: ReadonlySet<string> = new Set(Object.keys(FACT_PLACEHOLDERS));

/** A fact named in text: `ansible_facts`, or a gathered `ansible_*` name (however it is reached). */
const FACT_WORD = new RegExp(
  `\\bansible_(?:facts|${Object.keys(FACT_SHAPES)
    .filter((k) => k !== 'gather_subset' && k !== 'module_setup')
    .join('|')})\\b`,
);

/** Templates a template pulls in by a literal name. */
const PULLS_IN = /\{%-?\s*(?:include|import|from|extends)\s+['"]([^'"]+)['"]/g;

export function mentionsFacts(text: string): boolean {
  return FACT_WORD.test(text);
}

/** Whether anything of the play (its tasks, their vars, the templates they render) reads a fact. */
export function playReadsFacts(
  play: PlaySpec,
  tasks: readonly TaskSpec[],
  searchPathOf: (task: TaskSpec) => string[],
): boolean {
  if (mentionsFacts(JSON.stringify(play.vars))) return true;
  for (const task of tasks) {
    if (task.implicit === 'facts') continue;
    if (mentionsFacts(JSON.stringify(task, (k, v: unknown) => (k === 'loc' || k === 'locs' ? undefined : v))))
      return true;
    if (structureOf(task.action) === null && task.action.kind === 'template' && typeof task.action.src === 'string')
      if (templateReadsFacts(searchPathOf(task), task.action.src, new Set())) return true;
  }
  return false;
}

function templateReadsFacts(searchPath: string[], src: string, seen: Set<string>): boolean {
  // A templated name or a cycle: nothing more to follow (the name is checked where the template is rendered).
  if (seen.has(src) || seen.size > 20 || src.includes('{')) return false;
  seen.add(src);
  const found = findTemplate(searchPath, src);
  if (!found.ok) return false;
  let text: string;
  try {
    text = readInputText(found.path);
  } catch {
    return false;
  }
  if (mentionsFacts(text)) return true;
  for (const m of text.matchAll(PULLS_IN)) if (templateReadsFacts(searchPath, m[1]!, seen)) return true;
  return false;
}

/** Whether a host's planned variables read a fact (`my_ip: "{{ ansible_default_ipv4.address }}"`). */
export function varsReadFacts(vars: Record<string, unknown>): boolean {
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return v.includes('ansible_') && mentionsFacts(v);
    if (depth > 20 || typeof v !== 'object' || v === null) return false;
    return Object.values(v).some((x) => walk(x, depth + 1));
  };
  for (const [k, v] of Object.entries(vars)) if (k !== 'hostvars' && k !== 'groups' && walk(v, 0)) return true;
  return false;
}
