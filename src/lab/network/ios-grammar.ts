import { matchKeyword, tokenColumns } from './personality.js';

/**
 * The slice of IOS and EOS command syntax the lab understands: enough to accept the configuration real
 * playbooks push (interfaces, NTP, logging, SNMP, routing, lines, archive) and to reject a misspelt
 * keyword exactly where a device would, with the caret under the offending word. Keywords may be
 * abbreviated to a unique prefix, and the device stores them in full.
 */

/** What may follow a keyword: nothing, at least one word, anything (possibly nothing), or sub-keywords. */
export interface Rule {
  args?: 'none' | 'some' | 'any';
  sub?: Record<string, Rule>;
  /** Entering this line opens a block (a sub-mode) of that kind. */
  block?: string;
}

const SOME: Rule = { args: 'some' };
const ANY: Rule = { args: 'any' };
const NONE: Rule = { args: 'none' };

export const TOP: Record<string, Rule> = {
  hostname: SOME,
  interface: { args: 'some', block: 'if' },
  ntp: {
    sub: {
      server: SOME,
      peer: SOME,
      source: SOME,
      'update-calendar': NONE,
      master: ANY,
      authenticate: NONE,
      logging: NONE,
    },
  },
  logging: {
    sub: { host: SOME, buffered: ANY, trap: SOME, 'source-interface': SOME, console: ANY, on: NONE, facility: SOME },
  },
  ip: {
    sub: {
      route: SOME,
      'domain-name': SOME,
      domain: SOME,
      'name-server': SOME,
      'access-list': { args: 'some', block: 'nacl' },
      http: SOME,
      ssh: SOME,
      routing: NONE,
      'prefix-list': SOME,
      'domain-lookup': NONE,
      cef: NONE,
      'multicast-routing': ANY,
      vrf: SOME,
      scp: SOME,
    },
  },
  ipv6: ANY,
  'snmp-server': { sub: { community: SOME, location: SOME, contact: SOME, host: SOME, enable: ANY } },
  service: SOME,
  router: { args: 'some', block: 'router' },
  line: { args: 'some', block: 'line' },
  archive: { args: 'none', block: 'archive' },
  vlan: { args: 'some', block: 'vlan' },
  username: SOME,
  enable: SOME,
  banner: SOME,
  aaa: SOME,
  'spanning-tree': SOME,
  clock: SOME,
  'access-list': SOME,
  'route-map': { args: 'some', block: 'route-map' },
  vrf: SOME,
  lldp: ANY,
  cdp: ANY,
  boot: ANY,
  'boot-start-marker': NONE,
  'boot-end-marker': NONE,
  version: SOME,
  management: { args: 'some', block: 'mgmt' },
};

export const BLOCKS: Record<string, Record<string, Rule>> = {
  if: {
    description: SOME,
    ip: {
      sub: { address: SOME, 'helper-address': SOME, ospf: SOME, 'access-group': SOME, mtu: SOME, 'proxy-arp': NONE },
    },
    ipv6: ANY,
    shutdown: NONE,
    switchport: ANY,
    mtu: SOME,
    speed: SOME,
    duplex: SOME,
    'channel-group': SOME,
    bandwidth: SOME,
    vrf: ANY,
    'load-interval': SOME,
    negotiation: ANY,
    'service-policy': SOME,
    cdp: ANY,
    lldp: ANY,
    'spanning-tree': ANY,
    standby: ANY,
  },
  router: {
    'router-id': SOME,
    network: SOME,
    neighbor: SOME,
    'address-family': { args: 'some', block: 'af' },
    'passive-interface': SOME,
    bgp: SOME,
    redistribute: SOME,
    'maximum-paths': SOME,
    'default-information': ANY,
    timers: ANY,
    'log-adjacency-changes': ANY,
  },
  af: { neighbor: SOME, network: SOME, redistribute: SOME, 'maximum-paths': SOME, 'exit-address-family': NONE },
  line: {
    transport: SOME,
    login: ANY,
    password: SOME,
    'exec-timeout': SOME,
    'access-class': SOME,
    logging: ANY,
    privilege: ANY,
    'session-timeout': SOME,
  },
  archive: { path: SOME, maximum: SOME, 'time-period': SOME, 'write-memory': NONE },
  vlan: { name: SOME, state: SOME },
  'route-map': { match: ANY, set: ANY, description: SOME },
  nacl: { permit: ANY, deny: ANY, remark: SOME },
  mgmt: { api: ANY, shutdown: NONE, no: ANY },
};

export type ParsedLine =
  | { kind: 'ok'; text: string; block?: string }
  | { kind: 'invalid'; col: number }
  | { kind: 'ambiguous'; token: string }
  | { kind: 'incomplete' };

/**
 * Checks a config line against `rules` and returns it as the device would store it (keywords spelt out,
 * single spaces). `col` of an invalid line is the offset of the offending word within `line`.
 */
export function parseConfigLine(
  line: string,
  rules: Record<string, Rule>,
  normaliseArgs: (kw: string, args: string[]) => string[],
): ParsedLine {
  const tokens = tokenColumns(line);
  let negated = false;
  let i = 0;
  if (tokens[0]?.token.toLowerCase() === 'no') {
    negated = true;
    i = 1;
  }
  const words: string[] = negated ? ['no'] : [];
  let level = rules;
  let rule: Rule | undefined;
  let keyword = '';
  for (; i < tokens.length; i++) {
    const { token, col } = tokens[i]!;
    const m = matchKeyword(token, Object.keys(level));
    if (m.kind === 'ambiguous') return { kind: 'ambiguous', token };
    if (m.kind === 'none') return { kind: 'invalid', col };
    words.push(m.word);
    keyword = keyword === '' ? m.word : `${keyword} ${m.word}`;
    rule = level[m.word]!;
    if (!rule.sub) {
      i++;
      break;
    }
    level = rule.sub;
    if (i === tokens.length - 1) {
      // A keyword whose sub-keywords were not given.
      if (negated) return { kind: 'ok', text: words.join(' ') };
      return { kind: 'incomplete' };
    }
  }
  if (!rule) return { kind: 'incomplete' };
  const args = tokens.slice(i).map((t) => t.token);
  if (rule.args === 'none' && args.length > 0) return { kind: 'invalid', col: tokens[i]!.col };
  if (rule.args === 'some' && args.length === 0 && !negated) return { kind: 'incomplete' };
  const text = [...words, ...normaliseArgs(keyword, args)].join(' ');
  return rule.block !== undefined && !negated ? { kind: 'ok', text, block: rule.block } : { kind: 'ok', text };
}

const IOS_INTERFACES: Array<[string, string]> = [
  ['gigabitethernet', 'GigabitEthernet'],
  ['tengigabitethernet', 'TenGigabitEthernet'],
  ['fastethernet', 'FastEthernet'],
  ['loopback', 'Loopback'],
  ['port-channel', 'Port-channel'],
  ['vlan', 'Vlan'],
  ['tunnel', 'Tunnel'],
  ['ethernet', 'Ethernet'],
  ['management', 'Management'],
];

/** `gi0/1` → `GigabitEthernet0/1`, `et1` → `Ethernet1`: the device stores interface names in full. */
export function fullInterfaceName(name: string, flavor: 'ios' | 'eos'): string {
  const m = /^([A-Za-z-]+)\s*([\d/.:]+)$/.exec(name);
  if (!m) return name;
  const prefix = m[1]!.toLowerCase();
  const table =
    flavor === 'eos'
      ? IOS_INTERFACES.map(([k, v]): [string, string] => [k, v === 'Port-channel' ? 'Port-Channel' : v])
      : IOS_INTERFACES;
  // IOS resolves `te` to TenGigabitEthernet and `t` is ambiguous; the first table entry that starts with
  // the prefix wins except where the prefix is a known short form.
  const short: Record<string, string> = {
    gi: 'gigabitethernet',
    te: 'tengigabitethernet',
    fa: 'fastethernet',
    lo: 'loopback',
    po: 'port-channel',
    vl: 'vlan',
    tu: 'tunnel',
    et: 'ethernet',
    eth: 'ethernet',
    ma: 'management',
  };
  const long = short[prefix] ?? table.find(([k]) => k.startsWith(prefix))?.[0];
  const full = table.find(([k]) => k === long)?.[1];
  return full === undefined ? name : `${full}${m[2]}`;
}
