import type { GoldenCase } from './cases.js';

/**
 * `ipaddr`, `ipv4`, `ipv6` and `ipmath` against the ansible.utils collection itself (Debian's `ansible`
 * package, with netaddr): every query over addresses and networks of both families, lists, odd inputs.
 */

const QUERIES = [
  ...['', 'address', 'network', 'netmask', 'prefix', 'host/prefix', 'net', 'host', 'public', 'private'],
  ...['broadcast', 'size', 'cidr', 'subnet', 'version', 'hostmask', 'ipv4', 'ipv6', 'network/prefix'],
  ...['loopback', 'multicast', 'unicast', 'link-local', 'revdns', 'wrap', 'first_usable', 'last_usable'],
  ...['range_usable', 'next_usable', 'previous_usable', 'int', 'bool', 'lo', 'type', 'peer', 'ip/prefix'],
];
const ADDRESSES = [
  ...['192.168.10.20/24', '192.168.10.0/24', '10.0.0.1', '10.0.0.1/32', '192.168.1.5/255.255.255.0'],
  ...['2001:db8::1/64', '2001:db8::/32', 'fe80::1', '8.8.8.8', '300.1.1.1', 'hello', '::ffff:192.0.2.1'],
  ...['172.16.0.1/12', '10.1.2.3/31'],
];
const MORE_QUERIES = [
  ...['', 'address', 'network', 'host', 'net', 'public', 'private', 'size_usable', 'network_netmask'],
  ...['network_wildcard', 'ip_netmask', 'ipv4', 'ipv6', 'type', 'revdns', 'int', 'size', 'wrap'],
  ...['link-local', 'multicast', 'unicast', 'loopback'],
];
const MORE_ADDRESSES = [
  ...['10.0.0.1/0.0.0.255', '1.2.3', '010.0.0.1', ' 10.0.0.1 ', '10.0.0.1/33', '::1', '::'],
  ...['2001:db8::1/ffff::', '169.254.1.1', '224.0.0.1/4', '239.1.1.1', '100.64.0.1', '255.255.255.0'],
  ...['0.0.0.255', '4294967296', '3232235777', '192.168.1.2/30', '192.168.1.1/30', '::ffff:10.0.0.1/120'],
  ...['fc00::1/7', '2002:c000:201::1'],
];

const everyQuery = (address: string, queries: string[]): GoldenCase => ({
  t:
    `{% for q in ${JSON.stringify(queries)} %}{{ q }}={{ ${JSON.stringify(address)} | ansible.utils.ipaddr(q) }};` +
    '{% endfor %}',
});
const families = (a: string): GoldenCase => {
  const v = JSON.stringify(a);
  return {
    t:
      `{{ ${v} | ipaddr }}|{{ ${v} | ipv4 }}|{{ ${v} | ipv6 }}|` +
      `{{ ${v} | ipv4("address") }}|{{ ${v} | ipv6("address") }}`,
  };
};
const MIXED = '["192.168.1.1", "10.0.0.0/8", "x", "::1", "8.8.8.8"]';

export const IPADDR_CASES: GoldenCase[] = [
  ...ADDRESSES.map((a) => everyQuery(a, QUERIES)),
  ...ADDRESSES.map(families),
  ...MORE_ADDRESSES.map((a) => everyQuery(a, MORE_QUERIES)),
  { t: '{{ ["192.168.1.1", "10.0.0.0/8", "x", "::1", "8.8.8.8", 5] | ipaddr }}' },
  { t: `{{ ${MIXED} | ipaddr("address") }}` },
  { t: `{{ ${MIXED} | ipv4 }} {{ ${MIXED} | ipv6 }}` },
  { t: `{{ ${MIXED} | ipaddr("public") }} {{ ${MIXED} | ipaddr("private") }}` },
  { t: '{{ ["192.168.1.1/24", "10.0.0.0/8"] | ipaddr("net") }}' },
  { t: '{{ ["192.168.1.1/24", "10.0.0.0/8"] | ipaddr("host") }}' },
  { t: '{{ "192.168.1.0/24" | ipaddr(5) }} {{ "192.168.1.0/24" | ipaddr(-1) }} {{ "192.168.1.0/24" | ipaddr("10") }}' },
  { t: '{{ "192.168.1.0/24" | ipaddr(300) }} {{ "192.168.1.0/24" | ipaddr("1.5") }}' },
  { t: '[{{ "192.168.1.0/24" | ipaddr("192.168.1.7") }}] [{{ "192.168.1.0/24" | ipaddr("10.0.0.1") }}]' },
  { t: '{{ ["10.0.0.1", "::1"] | ipaddr("192.168.0.0/16") }}' },
  { t: '{{ ["10.0.0.1", "192.168.3.4/24"] | ipaddr("192.168.0.0/16") }}' },
  { t: '{{ "192.168.1.2/30" | ipaddr("peer") }}' },
  { t: '{{ "192.168.1.0/30" | ipaddr("peer") }}' },
  { t: '{{ "10.0.0.0/24" | ipaddr("peer") }}' },
  { t: '{{ "10.0.0.1" | ipaddr("first_usable") }}' },
  { t: '{{ "10.0.0.1" | ipaddr("bogus") }}' },
  { t: '{{ 42 | ipaddr }} {{ 3232235777 | ipv4 }} {{ 42 | ipv6 }} {{ "42" | ipv4("int") }}' },
  { t: '{{ "" | ipaddr }} {{ true | ipaddr }}' },
  { t: '{{ nothing | ipaddr }}' },
  { t: '{{ {"a": 1} | ipaddr }}' },
  { t: '{{ ip | ipaddr("address") }} {{ ip | ipaddr("network") }}/{{ ip | ipaddr("prefix") }}' },
  { when: 'ip | ipaddr' },
  { when: '"x" | ipaddr' },
  { when: '"10.0.0.1" | ipv6' },
  { when: '"10.0.0.1" | ipaddr("private")' },
  { t: '{{ "192.168.1.1" | ansible.utils.ipv4("address") }} {{ "::1" | ansible.utils.ipv6 }}' },
  { t: '{{ "192.168.1.1" | ansible.netcommon.ipaddr }}' },
  { t: '{{ "192.168.1.5" | ansible.utils.ipmath(3) }} {{ "192.168.1.5" | ipmath(-10) }}' },
  { t: '{{ "2001:db8::1" | ipmath(255) }} {{ "192.168.1.5/24" | ipmath(1) }}' },
  { t: '{{ "255.255.255.255" | ipmath(1) }}' },
  { t: '{{ "x" | ipmath(1) }}' },
  { t: '{{ "10.0.0.1" | ipmath("a") }}' },
  {
    t:
      '{{ "2001:db8::1" | ansible.utils.ipwrap }} {{ "192.168.1.1" | ipwrap }} ' +
      '{{ "x" | ipwrap }} {{ "2001:db8::1/64" | ipwrap }} ' +
      '{{ ["::1", "10.0.0.1", "host", "fe80::1/10", 5] | ipwrap }} {{ true | ipwrap }}',
  },
  {
    t:
      '{{ "::1" | ipwrap("address") }} {{ "2001:db8::/32" | ipwrap(query="net") }} ' +
      '{{ "2001:db8::1/32" | ipwrap(query="net") }} ' +
      '{{ "2001:db8::1/32" | ipwrap("net") }}',
  },
  { t: '{{ 5 | ipwrap }}' },
];
