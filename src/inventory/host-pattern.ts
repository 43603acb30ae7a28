import { expandHostRange } from './inventory.js';

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
