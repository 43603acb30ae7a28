import { describe, expect, it } from 'vitest';
import { ipaddr } from '../../src/playbook/template/ipaddr.js';

// Expected values are those the ansible.utils.ipaddr documentation gives (the collection is not installed
// here, so these are not differential).
describe('ipaddr', () => {
  it('validates addresses and networks, v4 and v6', () => {
    expect(ipaddr('192.168.0.1')).toBe('192.168.0.1');
    expect(ipaddr('192.168.32.0/24')).toBe('192.168.32.0/24');
    expect(ipaddr('fe80::100/10')).toBe('fe80::100/10');
    expect(ipaddr('192.168.1.256')).toBe(false);
    expect(ipaddr('host.example')).toBe(false);
    expect(ipaddr(['192.24.2.1', 'host.fqdn', '::1', '', '192.168.32.0/24', 'fe80::100/10'])).toEqual([
      '192.24.2.1',
      '::1',
      '192.168.32.0/24',
      'fe80::100/10',
    ]);
  });

  it('picks parts of host/prefix', () => {
    expect(ipaddr('192.168.1.10/24', 'address')).toBe('192.168.1.10');
    expect(ipaddr('192.168.1.10/24', 'network')).toBe('192.168.1.0');
    expect(ipaddr('192.168.1.10/24', 'netmask')).toBe('255.255.255.0');
    expect(ipaddr('192.168.1.10/24', 'prefix')).toBe(24);
    expect(ipaddr('192.168.1.10/24', 'broadcast')).toBe('192.168.1.255');
    expect(ipaddr('192.168.1.10/24', 'host/prefix')).toBe('192.168.1.10/24');
    expect(ipaddr('192.168.1.0/24', 'host/prefix')).toBe(false);
    expect(ipaddr('192.168.1.10/24', 'net')).toBe(false);
    expect(ipaddr('192.168.1.0/24', 'net')).toBe('192.168.1.0/24');
    expect(ipaddr('192.168.1.10/24', 'subnet')).toBe('192.168.1.0/24');
    expect(ipaddr('192.168.1.10/255.255.255.0', 'prefix')).toBe(24);
    expect(ipaddr('10.0.0.0/8', 'size')).toBe(16777216);
    expect(ipaddr('2001:db8:0:0:0:0:0:1/64', 'address')).toBe('2001:db8::1');
    expect(ipaddr('2001:db8::1/64', 'network')).toBe('2001:db8::');
    expect(ipaddr('::ffff:192.0.2.1', 'address')).toBe('::ffff:c000:201');
  });

  it('filters by family', () => {
    expect(ipaddr(['192.168.0.1', '::1', 'x'], '', 4)).toEqual(['192.168.0.1']);
    expect(ipaddr(['192.168.0.1', '::1', 'x'], '', 6)).toEqual(['::1']);
    expect(ipaddr('::1', '', 4)).toBe(false);
  });
});
