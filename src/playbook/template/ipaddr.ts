/**
 * The basics of `ansible.utils.ipaddr` / `ipv4` / `ipv6`: validate an address or `host/prefix` and pick
 * a part of it (address, network, netmask, prefix, broadcast, host/prefix, net, size). A value that is not
 * an address of the asked family yields false, a list yields its matching members, as the collection does.
 */

interface Parsed {
  version: 4 | 6;
  ip: bigint;
  prefix: number;
  hasPrefix: boolean;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
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
    return g.map((p) => BigInt(parseInt(p, 16)));
  };
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  if (!h || !r) return undefined;
  const total = h.length + r.length;
  if (rest === undefined ? total !== 8 : total > 7) return undefined;
  const all = [...h, ...Array<bigint>(8 - total).fill(0n), ...r];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

function parseIp(value: unknown): Parsed | undefined {
  if (typeof value !== 'string') return undefined;
  const [addr, prefixText, extra] = value.trim().split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const v4 = parseV4(addr);
  const version = v4 !== undefined ? 4 : 6;
  const ip = v4 ?? parseV6(addr);
  if (ip === undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (/^\d+$/.test(prefixText)) prefix = Number(prefixText);
    else if (version === 4 && parseV4(prefixText) !== undefined) {
      const mask = parseV4(prefixText)!;
      const ones = mask.toString(2).replace(/0+$/, '');
      if (/0/.test(ones)) return undefined;
      prefix = mask === 0n ? 0 : ones.length;
    } else return undefined;
    if (prefix > bits) return undefined;
  }
  return { version, ip, prefix, hasPrefix: prefixText !== undefined };
}

function format(version: 4 | 6, n: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const groups = [...Array(8).keys()].map((i) => ((n >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function mask(p: Parsed): bigint {
  const bits = BigInt(p.version === 4 ? 32 : 128);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(p.prefix))) - 1n);
}

function query(p: Parsed, original: string, q: string): unknown {
  const m = mask(p);
  const network = p.ip & m;
  const bits = p.version === 4 ? 32 : 128;
  const broadcast = network | (((1n << BigInt(bits)) - 1n) ^ m);
  switch (q) {
    case '':
      return original;
    case 'address':
      return format(p.version, p.ip);
    case 'network':
      return format(p.version, network);
    case 'netmask':
      return format(p.version, m);
    case 'hostmask':
      return format(p.version, ((1n << BigInt(bits)) - 1n) ^ m);
    case 'prefix':
      return p.prefix;
    case 'broadcast':
      return p.version === 4 && p.prefix < 31 ? format(p.version, broadcast) : null;
    case 'size':
      return Number(1n << BigInt(bits - p.prefix));
    case 'host/prefix':
      return p.hasPrefix && (p.ip !== network || p.prefix === bits) ? `${format(p.version, p.ip)}/${p.prefix}` : false;
    case 'net':
    case 'subnet':
    case 'cidr':
      return q === 'net' && p.ip !== network ? false : `${format(p.version, network)}/${p.prefix}`;
    case 'host':
      return p.prefix === bits || p.ip !== network ? `${format(p.version, p.ip)}/${p.prefix}` : false;
    case 'version':
      return p.version;
    case 'ipv4':
    case 'ipv6':
      return q === `ipv${p.version}` ? original : false;
    default:
      throw new Error(`ipaddr: unknown query "${q}"`);
  }
}

/** `value | ipaddr(query)`; `family` narrows to `ipv4` / `ipv6`. */
export function ipaddr(value: unknown, q: unknown = '', family?: 4 | 6): unknown {
  const qs = q === undefined || q === null ? '' : String(q);
  if (Array.isArray(value)) {
    return value.map((v) => ipaddr(v, qs, family)).filter((v) => v !== false && v !== null);
  }
  const p = parseIp(value);
  if (!p || (family !== undefined && p.version !== family)) return false;
  return query(p, String(value).trim(), qs);
}
