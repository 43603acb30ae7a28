import { PyError, pyTruth, typeName } from './python.js';

/**
 * `ansible.utils.ipaddr`, `ipv4`, `ipv6` and `ipmath` as the collection computes them with netaddr: a value
 * is parsed as netaddr reads it (`10.0.0.1`, `host/prefix`, `host/netmask`, `host/hostmask`, a bare integer),
 * then a query picks a part of it or tests it. A value that is not an address (or not of the asked family)
 * yields false, and a list yields its members whose answer is true.
 */

interface Net {
  version: 4 | 6;
  ip: bigint;
  prefix: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;
const MAX = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;

/** IPv4 as netaddr reads it: 1 to 4 decimal parts, leading zeros allowed, missing parts zero (`10.1` = 10.1.0.0). */
function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  while (parts.length < 4) parts.push('0');
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || (s.match(/::/g) ?? []).length > 1) return undefined;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let text = s;
  if (v4) {
    // An embedded IPv4 tail (`::ffff:192.0.2.1`) is two 16-bit groups.
    const n = parseV4(v4[1]!);
    if (n === undefined) return undefined;
    text = `${s.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const groups = (x: string): bigint[] | undefined => {
    if (x === '') return [];
    const g = x.split(':');
    if (g.some((p) => !/^[0-9a-fA-F]{1,4}$/.test(p))) return undefined;
    return g.map((p) => BigInt(Number.parseInt(p, 16)));
  };
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  if (!h || !r) return undefined;
  const total = h.length + r.length;
  if (rest === undefined ? total !== 8 : total > 7) return undefined;
  const all = [...h, ...Array<bigint>(8 - total).fill(0n), ...r];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** An integer as a number where that is exact; IPv6 sizes and values stay big integers, printed exactly. */
function int(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function ones(n: bigint): number {
  return n.toString(2).replace(/0/g, '').length;
}

/** A prefix written as a length, a netmask or a hostmask, as netaddr accepts it. */
function parsePrefix(text: string, version: 4 | 6): number | undefined {
  const t = text.trim();
  const width = WIDTH[version];
  if (/^\d+$/.test(t)) return Number(t) <= width ? Number(t) : undefined;
  const mask = version === 4 ? parseV4(t) : parseV6(t);
  if (mask === undefined) return undefined;
  const bits = mask.toString(2).padStart(width, '0');
  if (/^1*0*$/.test(bits)) return ones(mask);
  if (/^0*1*$/.test(bits)) return width - ones(mask);
  return undefined;
}

/** `netaddr.IPNetwork(text)`, or undefined where it raises. */
function parseNetwork(text: string): Net | undefined {
  const slash = text.indexOf('/');
  const addr = (slash < 0 ? text : text.slice(0, slash)).trim();
  const v4 = parseV4(addr);
  const version = v4 !== undefined ? 4 : 6;
  const ip = v4 ?? parseV6(addr);
  if (ip === undefined) return undefined;
  const prefix = slash < 0 ? WIDTH[version] : parsePrefix(text.slice(slash + 1), version);
  return prefix === undefined ? undefined : { version, ip, prefix };
}

/** Python's `str.isdigit()` for what `str(value)` prints. */
function isDigits(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v));
}

// inet_ntop's IPv6 text: the first longest run of two or more zero groups is `::`, and an address whose first
// 96 bits are zero (or IPv4-mapped) ends in dotted IPv4.
function format(version: 4 | 6, n: bigint): string {
  const v4 = (x: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((x >> s) & 0xffn)).join('.');
  if (version === 4) return v4(n);
  const words = [...Array(8).keys()].map((i) => (n >> BigInt((7 - i) * 16)) & 0xffffn);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0n) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  const hex = (ws: bigint[]): string => ws.map((w) => w.toString(16)).join(':');
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffffn))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${v4(n & 0xffffffffn)}`;
  }
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

class Parts {
  readonly width: number;
  readonly size: bigint;
  readonly hostmask: bigint;
  readonly netmask: bigint;
  readonly network: bigint;
  readonly last: bigint;
  constructor(readonly v: Net) {
    this.width = WIDTH[v.version];
    this.size = 1n << BigInt(this.width - v.prefix);
    this.hostmask = this.size - 1n;
    this.netmask = MAX[v.version] ^ this.hostmask;
    this.network = v.ip & this.netmask;
    this.last = this.network | this.hostmask;
  }
  /** netaddr's `broadcast`: none for an IPv4 /31 or /32. */
  get broadcast(): bigint | null {
    return this.v.version === 4 && this.width - this.v.prefix <= 1 ? null : this.last;
  }
  str(n: bigint): string {
    return format(this.v.version, n);
  }
  get cidr(): string {
    return `${this.str(this.v.ip)}/${this.v.prefix}`;
  }
  /** The whole network lies within `[first, last]`, of the same family: netaddr's `in` for ranges. */
  within(version: 4 | 6, first: bigint, last: bigint): boolean {
    return this.v.version === version && this.network >= first && this.last <= last;
  }
  usable(): [bigint, bigint] | null {
    if (this.size === 2n) return [this.network, this.last];
    return this.size > 1n ? [this.network + 1n, this.last - 1n] : null;
  }
}

function range(version: 4 | 6, cidr: string): [4 | 6, bigint, bigint] {
  const p = new Parts(parseNetwork(cidr)!);
  return [version, p.network, p.last];
}
const PRIVATE = [
  range(4, '10.0.0.0/8'),
  range(4, '100.64.0.0/10'),
  range(4, '172.16.0.0/12'),
  range(4, '192.0.0.0/24'),
  range(4, '192.168.0.0/16'),
  range(4, '198.18.0.0/15'),
  range(4, '239.0.0.0/8'),
  range(6, 'fc00::/7'),
  range(6, 'fec0::/10'),
];
const LINK_LOCAL = [range(4, '169.254.0.0/16'), range(6, 'fe80::/10')];
const MULTICAST = [range(4, '224.0.0.0/4'), range(6, 'ff00::/8')];

function inAny(p: Parts, ranges: [4 | 6, bigint, bigint][]): boolean {
  return ranges.some(([version, first, last]) => p.within(version, first, last));
}

function addressOnly(v: Net, ip = v.ip): Parts {
  return new Parts({ version: v.version, ip, prefix: WIDTH[v.version] });
}

function isLoopback(v: Net): boolean {
  return v.version === 4 ? v.ip >> 24n === 127n : v.ip === 1n;
}

function revdns(v: Net): string {
  if (v.version === 4) return `${format(4, v.ip).split('.').reverse().join('.')}.in-addr.arpa.`;
  const nibbles = v.ip.toString(16).padStart(32, '0').split('').reverse();
  return `${nibbles.join('.')}.ip6.arpa.`;
}

type VType = 'address' | 'network';

function notNetwork(): never {
  throw new PyError('Error', 'Not a network address');
}

/** The collection's query functions; `undefined` is Python's None. */
function runQuery(q: string, v: Net, vtype: VType, value: string): unknown {
  const p = new Parts(v);
  const ipStr = p.str(v.ip);
  switch (q) {
    case '':
      return vtype === 'address' ? ipStr : p.cidr;
    case 'address':
    case 'ip':
      if (p.size === 1n || v.ip !== p.network || p.broadcast === null) return ipStr;
      return v.version === 6 ? ipStr : undefined;
    case 'address/prefix':
    case 'gateway':
    case 'gw':
    case 'host/prefix':
    case 'hostnet':
    case 'router':
      if (p.size > 2n && (v.ip === p.network || v.ip === p.broadcast)) return false;
      return p.cidr;
    case 'bool':
      return true;
    case 'broadcast':
      return p.size > 2n ? p.str(p.broadcast!) : undefined;
    case 'cidr':
      return p.cidr;
    case 'host':
      if (p.size === 1n) return p.cidr;
      return v.ip !== p.network || p.broadcast === null ? p.cidr : undefined;
    case 'hostmask':
    case 'wildcard':
      return p.str(p.hostmask);
    case 'int':
      return vtype === 'address' ? int(v.ip) : `${v.ip}/${v.prefix}`;
    case 'ip/prefix':
      if (p.size === 2n || (p.size > 1n && v.ip !== p.network)) return p.cidr;
      return undefined;
    case 'ip_netmask':
      if (p.size === 2n || (p.size > 1n && v.ip !== p.network)) return `${ipStr} ${p.str(p.netmask)}`;
      return undefined;
    case 'ipv4':
    case 'v4':
      if (v.version === 4) return value;
      if (v.prefix < 96) return false;
      if (v.ip <= 0xffffffffn) return `${format(4, v.ip)}/${v.prefix - 96}`;
      if (v.ip >= 0xffff00000000n && v.ip <= 0xffffffffffffn)
        return `${format(4, v.ip - 0xffff00000000n)}/${v.prefix - 96}`;
      return false;
    case 'ipv6':
    case 'v6':
      return v.version === 6 ? value : `${format(6, 0xffff00000000n + v.ip)}/${v.prefix + 96}`;
    case 'link-local':
      return inAny(addressOnly(v), LINK_LOCAL) ? value : undefined;
    case 'lo':
    case 'loopback':
      return isLoopback(v) ? value : undefined;
    case 'multicast':
      return inAny(p, MULTICAST) ? value : undefined;
    case 'unicast':
      return inAny(p, MULTICAST) ? undefined : value;
    case 'net':
      return p.size > 1n && v.ip === p.network ? `${p.str(p.network)}/${v.prefix}` : undefined;
    case 'netmask':
      return p.str(p.netmask);
    case 'network':
    case 'network_id':
      return p.str(p.network);
    case 'network/prefix':
    case 'subnet':
      return `${p.str(p.network)}/${v.prefix}`;
    case 'network_netmask':
      return `${p.str(p.network)} ${p.str(p.netmask)}`;
    case 'network_wildcard':
      return `${p.str(p.network)} ${p.str(p.hostmask)}`;
    case 'prefix':
      return v.prefix;
    case 'private':
      return inAny(p, PRIVATE) || inAny(p, LINK_LOCAL) ? value : undefined;
    case 'public': {
      const a = addressOnly(v);
      const powerOfTwo = (x: bigint): boolean => (x & (x - 1n)) === 0n;
      const isNetmask = powerOfTwo((v.ip ^ MAX[v.version]) + 1n);
      const isHostmask = powerOfTwo(v.ip + 1n);
      const isPrivate = inAny(a, PRIVATE) || inAny(a, LINK_LOCAL);
      return !inAny(a, MULTICAST) && !isPrivate && !isLoopback(v) && !isNetmask && !isHostmask ? value : undefined;
    }
    case 'revdns':
      return revdns(v);
    case 'size':
      return int(p.size);
    case 'size_usable':
      return p.size === 1n ? 0 : p.size === 2n ? 2 : int(p.size - 2n);
    case 'type':
      return p.size === 1n || v.ip !== p.network ? 'address' : 'network';
    case 'version':
      return v.version;
    case 'wrap':
      if (v.version === 4) return value;
      return vtype === 'address' ? `[${ipStr}]` : `[${ipStr}]/${v.prefix}`;
    case 'first_usable':
    case 'last_usable':
    case 'next_usable':
    case 'previous_usable':
    case 'range_usable': {
      if (vtype === 'address') notNetwork();
      const usable = p.usable();
      if (!usable) return undefined;
      const [first, last] = usable;
      if (q === 'first_usable') return p.str(p.size === 2n ? p.network : p.network + 1n);
      if (q === 'last_usable') return p.str(last);
      if (q === 'range_usable') return `${p.str(first)}-${p.str(last)}`;
      const next = q === 'next_usable' ? v.ip + 1n : v.ip - 1n;
      return next >= first && next <= last ? p.str(next) : undefined;
    }
    case 'peer':
      if (vtype === 'address') notNetwork();
      if (p.size === 2n) return p.str(v.ip ^ 1n);
      if (p.size === 4n) {
        if (v.ip % 4n === 0n) throw new PyError('Error', 'Network address of /30 has no peer');
        if (v.ip % 4n === 3n) throw new PyError('Error', 'Broadcast address of /30 has no peer');
        return p.str(v.ip ^ 3n);
      }
      throw new PyError('Error', 'Not a point-to-point network');
    default:
      return NO_SUCH_QUERY;
  }
}

const NO_SUCH_QUERY = Symbol('no such query');

/** The value as the collection reads it, or false. */
function readValue(value: unknown, family?: 4 | 6): { v: Net; vtype: VType; value: string } | false {
  if (!pyTruth(value) || value === true) return false;
  if (isDigits(value)) {
    const n = BigInt(value as string | number);
    const version = family === 6 || n > MAX[4] ? 6 : 4;
    if (n > MAX[version]) return false;
    const v: Net = { version, ip: n, prefix: WIDTH[version] };
    return { v, vtype: 'address', value: new Parts(v).cidr };
  }
  const text = String(value);
  const v = parseNetwork(text);
  if (!v) return false;
  return { v, vtype: text.split('/').length === 2 ? 'network' : 'address', value: text };
}

/** `value | ipaddr(query)`; `family` is the `ipv4` / `ipv6` filters' narrowing. */
export function ipaddr(value: unknown, query: unknown = '', family?: 4 | 6, alias = 'ipaddr'): unknown {
  if (typeof value === 'number' && !Number.isInteger(value)) value = String(value);
  if (!['string', 'number', 'boolean'].includes(typeof value) && !Array.isArray(value)) {
    throw new PyError('Error', `Unrecognized type <${typeName(value)}> for ${alias} filter <value>`);
  }
  const q = query === undefined || query === null ? '' : String(query);
  if (Array.isArray(value)) return value.map((x) => ipaddr(x, q, family, alias)).filter((x) => pyTruth(x));
  const read = readValue(value, family);
  if (!read) return false;
  const { v, vtype } = read;
  if (family !== undefined && v.version !== family) return false;
  const answer = runQuery(q, v, vtype, read.value);
  if (answer !== NO_SUCH_QUERY) return answer ?? null;
  // A query that is itself an address or network: is the value inside it?
  if (!/^\d+$/.test(q)) {
    const within = parseNetwork(q);
    if (within) {
      const outer = new Parts(within);
      return new Parts(v).within(within.version, outer.network, outer.last) ? read.value : null;
    }
  }
  // A number: that address of the network.
  if (q.trim() !== '' && Number.isFinite(Number(q))) {
    const p = new Parts(v);
    if (p.size === 1n) return vtype === 'address' ? p.str(v.ip) : p.cidr;
    if (!/^\s*[-+]?\d+\s*$/.test(q)) return false;
    const index = BigInt(q.trim());
    const at = index < 0n ? p.last + 1n + index : p.network + index;
    return at < p.network || at > p.last ? false : `${p.str(at)}/${v.prefix}`;
  }
  throw new PyError('Error', `${alias}: unknown filter type: ${q}`);
}

/** `value | ipmath(amount)`: the address `amount` after (or before) the value's address. */
export function ipmath(value: unknown, amount: unknown): string {
  const v = typeof value === 'string' ? parseNetwork(value) : undefined;
  if (!v || (!String(value).includes('/') && v.prefix !== WIDTH[v.version])) {
    throw new PyError('Error', `You must pass a valid IP address; ${String(value)} is invalid`);
  }
  if (typeof amount !== 'number' || !Number.isInteger(amount)) {
    throw new PyError('Error', `You must pass an integer for arithmetic; ${String(amount)} is not a valid integer`);
  }
  const ip = v.ip + BigInt(amount);
  if (ip < 0n || ip > MAX[v.version]) throw new PyError('IndexError', 'result outside valid IP address boundary!');
  return format(v.version, ip);
}

/** `value | ipwrap(query)`: IPv6 addresses in brackets (for URLs and host:port); anything else unchanged. */
export function ipwrap(value: unknown, query: unknown = ''): unknown {
  if (typeof value !== 'string' && typeof value !== 'boolean' && !Array.isArray(value)) {
    throw new PyError('Error', `Unrecognized type <${typeName(value)}> for ipwrap filter <value>`);
  }
  // As the collection: a list's members are wrapped from themselves, a single value from its query's answer.
  const wrapOne = (v: unknown, inList: boolean): unknown => {
    try {
      const answer = ipaddr(v, query, undefined, 'ipwrap');
      return pyTruth(answer) ? ipaddr(inList ? v : answer, 'wrap') : v;
    } catch {
      return v;
    }
  };
  return Array.isArray(value) ? value.map((v) => wrapOne(v, true)) : wrapOne(value, false);
}
