import { describe, expect, test } from 'vitest';
import { readAnsibleConnection } from '../../src/inventory/ansible-connection.js';

describe("Ansible's connection variables", () => {
  test('current names win over legacy ones; a quoted port is a port', () => {
    const r = readAnsibleConnection({
      ansible_host: '10.0.0.2',
      ansible_ssh_host: 'old',
      ansible_ssh_port: '2201',
      ansible_ssh_user: 'legacy',
      ansible_ssh_pass: 'pw',
      ansible_python_interpreter: '/usr/bin/python3',
    });
    expect(r).toEqual({
      params: { host: '10.0.0.2', port: 2201, user: 'legacy', password: 'pw' },
      problems: [],
      ignored: [],
    });
  });
  test('connection type, network OS and become settings', () => {
    const r = readAnsibleConnection({
      ansible_connection: 'ansible.netcommon.network_cli',
      ansible_network_os: 'cisco.ios.ios',
      ansible_become: 'yes',
      ansible_become_method: 'enable',
      ansible_become_user: 'root',
      ansible_become_pass: 'en',
    });
    expect(r.params).toEqual({
      connection: 'network_cli',
      network_os: 'cisco.ios.ios',
      become: true,
      become_method: 'enable',
      become_user: 'root',
      become_password: 'en',
    });
  });
  test('ssh arguments: ProxyJump, StrictHostKeyChecking, UserKnownHostsFile, -p; ansible_port keeps priority', () => {
    const r = readAnsibleConnection({
      ansible_port: 22,
      ansible_ssh_common_args: '-o ProxyJump=admin@bastion:2222 -o StrictHostKeyChecking=accept-new -p 2200',
      ansible_ssh_extra_args: '-o "UserKnownHostsFile=/tmp/kh" -oServerAliveInterval=30',
    });
    expect(r.params).toEqual({
      port: 22,
      proxy_jump: 'admin@bastion:2222',
      strict_host_key_checking: 'accept-new',
      known_hosts: '/tmp/kh',
    });
    expect(r.ignored).toEqual(['ansible_ssh_extra_args: -o ServerAliveInterval']);
  });
  test('the usual ProxyCommand through ssh -W is a jump host; any other command is refused', () => {
    expect(
      readAnsibleConnection({ ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q ops@jump -p 2022"` }).params,
    ).toEqual({ proxy_jump: 'ops@jump:2022' });
    expect(readAnsibleConnection({ ansible_ssh_common_args: '-o ProxyCommand="nc -x proxy %h %p"' }).problems).toEqual([
      'ansible_ssh_common_args: ProxyCommand "nc -x proxy %h %p" runs a program to connect, which runbook never ' +
        'does; use ProxyJump',
    ]);
  });
  test('unknown ansible_* names are reported, bad values are problems naming the variable', () => {
    const r = readAnsibleConnection({
      ansible_port: 'ssh',
      ansible_connection: 'paramiko',
      ansible_shell_type: 'csh',
      other: 1,
    });
    expect(r.problems).toEqual(['ansible_port must be a whole number from 1 to 65535, not "ssh"']);
    expect(r.params).toEqual({ connection: 'ssh' });
    expect(r.ignored).toEqual(['ansible_shell_type']);
  });
});
