import { isIPv6 } from 'node:net';

/**
 * A host key as Ansible's inventory plugins read it (`_expand_hostpattern`): an optional `:port` is split off
 * when what is left is a valid host name or address (`[addr]:port` for IPv6), then `[x:y]` ranges expand.
 * A key whose remainder is not a valid name keeps its colon: `bad_name!:22` is one host of that name.
 */
export function expandHostKey(key: string): { hosts: string[]; port?: number } | { problem: string } {
  const { name, port } = splitPort(key);
  const expanded = expandHostRange(name);
  if ('problem' in expanded) return expanded;
  return port === undefined ? { hosts: expanded.hosts } : { hosts: expanded.hosts, port };
}

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const NUM_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUM_RANGE})`;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'i');
/** Hex groups, colons, an optional dotted tail and ranges; loose beside Ansible's, which spells out every form. */
const IPV6 = /^(?=.*:.*:)[0-9a-f:.[\]]+$/i;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${ALNUM_RANGE})(?:[\p{L}\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');

/**
 * Whether Ansible's parse_address (ranges allowed) accepts the text as one name or address, with or without
 * a port. A host pattern that does is never split on `:`, so `fe80::1` and `web[1:3]` stay whole.
 */
export function isHostAddress(text: string): boolean {
  const { name } = splitPort(text);
  // The loose IPv6 shape alone would take `cafe:beef:face` for an address; without ranges Node decides.
  const ipv6 = IPV6.test(name) && (name.includes('[') || isIPv6(name));
  return IPV4.test(name) || ipv6 || HOSTNAME.test(name);
}

export function splitPort(key: string): { name: string; port?: number } {
  let address = key;
  let port: number | undefined;
  // Both forms are tried in turn, as Ansible's parse_address does.
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(address);
    if (m) {
      address = m[1]!;
      port = Number(m[2]);
    }
  }
  if (port === undefined) return { name: key };
  const valid = IPV4.test(address) || IPV6.test(address) || HOSTNAME.test(address);
  return valid ? { name: address, port } : { name: key };
}

/**
 * One range key may stand for a whole rack of devices, but a typo in it (`r[0:1000000]`) must not take the
 * process down: past this many hosts the key is refused rather than expanded.
 */
export const MAX_RANGE_HOSTS = 100_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Ansible's host ranges: `r[01:50]`, `db-[a:f]`, `r[1:10:2]`, several in one name (`r[1:2]-[a:b]`). Any `[`
 * in a host name starts a range, as in Ansible. A start written with a leading zero sets the width of every
 * number; an empty start means 0. Letters run a…z then A…Z, Ansible's order. Ansible silently yields no host
 * for a range that runs backwards; here that, like every other malformed range, is an error naming the key.
 */
export function expandHostRange(key: string): { hosts: string[] } | { problem: string } {
  if (!key.includes('[')) return { hosts: [key] };
  const say = (why: string): { problem: string } => ({ problem: `host range "${key}": ${why}` });
  // Literal text and the value lists of each range, alternating, so the product is formed once all parsed.
  const parts: string[][] = [];
  let rest = key;
  let total = 1;
  while (rest.includes('[')) {
    const open = rest.indexOf('[');
    const close = rest.indexOf(']', open);
    if (close < 0) return say('missing "]"');
    parts.push([rest.slice(0, open)]);
    const values = rangeValues(rest.slice(open + 1, close));
    if (typeof values === 'string') return say(values);
    total *= values.length;
    if (total > MAX_RANGE_HOSTS) return say(`expands to more than ${MAX_RANGE_HOSTS} hosts`);
    parts.push(values);
    rest = rest.slice(close + 1);
  }
  if (rest.includes(']')) return say('"]" without "["');
  parts.push([rest]);
  let hosts = [''];
  for (const choices of parts) hosts = hosts.flatMap((head) => choices.map((c) => head + c));
  return { hosts };
}

/** The values of one `start:end[:step]`, or why it is malformed. */
function rangeValues(spec: string): string[] | string {
  const bounds = spec.split(':');
  if (bounds.length < 2 || bounds.length > 3) return `expected [start:end] or [start:end:step], not [${spec}]`;
  const [start = '', end = '', stepText] = bounds.map((b) => b.trim());
  if (end === '') return 'the range has no end';
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) return `step "${stepText}" is not a whole number`;
    step = Number(stepText);
    if (step < 1) return 'the step must be at least 1';
  }
  const first = start === '' ? '0' : start;
  if (/^\d+$/.test(first) && /^\d+$/.test(end)) {
    const from = Number(first);
    const to = Number(end);
    if (from > to) return `start ${first} comes after end ${end}`;
    if ((to - from) / step >= MAX_RANGE_HOSTS) return `expands to more than ${MAX_RANGE_HOSTS} hosts`;
    const padded = first.length > 1 && first.startsWith('0');
    if (padded && first.length !== end.length) {
      return `a zero-padded start (${first}) needs an end of the same width, not ${end}`;
    }
    const out: string[] = [];
    for (let n = from; n <= to; n += step) out.push(padded ? String(n).padStart(first.length, '0') : String(n));
    return out;
  }
  const from = LETTERS.indexOf(first);
  const to = LETTERS.indexOf(end);
  if (first.length === 1 && end.length === 1 && from >= 0 && to >= 0) {
    if (from > to) return `start ${first} comes after end ${end}`;
    const out: string[] = [];
    for (let i = from; i <= to; i += step) out.push(LETTERS[i]!);
    return out;
  }
  return `start and end must both be numbers or both be single letters, not ${first} and ${end}`;
}
