import { describe, expect, it } from 'vitest';
import { isFactsOutput, posixFacts } from '../../src/actions/facts/posix-facts.js';

/** Ansible's fact rules on canned script output from hosts this machine is not (the interop test covers it). */

function output(sections: Record<string, string[]>): string {
  return `${Object.entries({ ...sections, end: [] })
    .map(([name, lines]) => `\n@@${name}\n${lines.join('\n')}`)
    .join('')}\n`;
}

const ROCKY = output({
  uname: ['Linux', 'db1.example.com', '5.14.0-362.el9.x86_64', '#1 SMP PREEMPT_DYNAMIC', 'x86_64'],
  os_release: ['NAME="Rocky Linux"', 'VERSION="9.3 (Blue Onyx)"', 'ID="rocky"', 'VERSION_ID="9.3"'],
  fqdn: ['10.0.0.5      db1.example.com db1'],
  user: ['deploy', '1000', '1000', 'deploy:x:1000:1000:Deploy User:/home/deploy:/bin/bash'],
  exists: ['/usr/bin/yum', '/usr/bin/dnf', '/run/systemd/system/', '/etc/init.d/'],
  commands: ['systemctl'],
  proc1: ['systemd'],
  cpu: [
    ...['0', '1', '2', '3'].flatMap((n) => [
      `processor\t: ${n}`,
      'vendor_id\t: GenuineIntel',
      'model name\t: Intel(R) Xeon(R)',
      'physical id\t: 0',
      'siblings\t: 4',
      `core id\t\t: ${Math.floor(Number(n) / 2)}`,
      'cpu cores\t: 2',
    ]),
  ],
  nproc: ['4'],
  mem: ['MemTotal:        3861504 kB'],
  date: ['2026|11|Sunday|0|47|29|14|05|09|1795957509|CET|+0100|123456789'],
  route4: ['8.8.8.8 via 10.0.0.1 dev ens3 src 10.0.0.5 uid 1000', '    cache'],
  route6: [],
  links: [
    '@dev lo',
    '@mac 00:00:00:00:00:00',
    '@mtu 65536',
    '@type 772',
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    inet 127.0.0.1/8 scope host lo',
    '    inet6 ::1/128 scope host',
    '@secondary',
    '@dev ens3',
    '@mac 52:54:00:12:34:56',
    '@mtu 1500',
    '@type 1',
    '2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500',
    '    inet 10.0.0.5/22 brd 10.0.3.255 scope global ens3',
    '@secondary',
    '    inet 10.0.0.9/22 brd 10.0.3.255 scope global secondary ens3:1',
  ],
});

describe('POSIX facts', () => {
  it('reads a RHEL-family host as Ansible does: dnf, systemd, sockets and cores, the default route', () => {
    const f = posixFacts(ROCKY);
    expect(f).toMatchObject({
      hostname: 'db1',
      nodename: 'db1.example.com',
      fqdn: 'db1.example.com',
      domain: 'example.com',
      distribution: 'Rocky',
      distribution_version: '9.3',
      distribution_major_version: '9',
      distribution_release: 'Blue Onyx',
      os_family: 'RedHat',
      pkg_mgr: 'dnf',
      service_mgr: 'systemd',
      user_id: 'deploy',
      user_uid: 1000,
      user_dir: '/home/deploy',
      user_gecos: 'Deploy User',
      processor_count: 1,
      processor_cores: 2,
      processor_threads_per_core: 2,
      processor_vcpus: 4,
      processor_nproc: 4,
      memtotal_mb: 3771,
      all_ipv4_addresses: ['10.0.0.5', '10.0.0.9'],
      all_ipv6_addresses: [],
      interfaces: ['lo', 'ens3'],
      default_ipv4: {
        address: '10.0.0.5',
        gateway: '10.0.0.1',
        interface: 'ens3',
        netmask: '255.255.252.0',
        network: '10.0.0.0',
        prefix: '22',
        broadcast: '10.0.3.255',
        macaddress: '52:54:00:12:34:56',
        mtu: 1500,
        type: 'ether',
        alias: 'ens3',
      },
      default_ipv6: {},
    });
    expect(f.date_time).toMatchObject({
      date: '2026-11-29',
      time: '14:05:09',
      tz: 'CET',
      tz_offset: '+0100',
      iso8601: '2026-11-29T13:05:09Z',
      iso8601_micro: '2026-11-29T13:05:09.123456Z',
      iso8601_basic: '20261129T140509123456',
    });
  });

  it('reads an Alpine container: apk, no init to name, busybox date without nanoseconds', () => {
    const f = posixFacts(
      output({
        uname: ['Linux', 'web', '6.1.0', '#1 SMP', 'aarch64'],
        os_release: ['NAME="Alpine Linux"', 'ID=alpine', 'VERSION_ID=3.19.1'],
        user: ['root', '0', '0', 'root:x:0:0:root:/root:/bin/ash'],
        exists: ['/sbin/apk'],
        proc1: ['sh'],
        cpu: ['processor\t: 0', 'BogoMIPS\t: 50.00', 'processor\t: 1'],
        nproc: ['2'],
        date: ['2026|11|Sunday|0|47|29|13|05|09|1795957509|UTC|+0000|%N'],
      }),
    );
    expect(f).toMatchObject({
      distribution: 'Alpine',
      distribution_version: '3.19.1',
      distribution_release: 'NA',
      os_family: 'Alpine',
      pkg_mgr: 'apk',
      service_mgr: 'service',
      architecture: 'aarch64',
      fqdn: 'web',
      domain: '',
      processor_count: 2,
      processor_vcpus: 2,
    });
    expect((f.date_time as Record<string, string>).iso8601_micro).toBe('2026-11-29T13:05:09.000000Z');
  });

  it('tells the script output from what a device that is no shell answers', () => {
    expect(isFactsOutput(ROCKY)).toBe(true);
    expect(isFactsOutput('% Invalid input detected at marker.')).toBe(false);
    expect(isFactsOutput('\n@@uname\nLinux\n')).toBe(false);
  });
});
