import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a 50,000-host INI inventory the way large fleets keep one: 50 site groups of 1,000 hosts with
 * `ansible_host`/`ansible_port` on every line, regions as `[region:children]`, `[group:vars]` sections, and
 * group_vars/ (all.yml, one file per region, a folder for one site) plus a few host_vars/ files. Ansible took
 * over two minutes on a file of this size (ansible/ansible#7227).
 */
export function writeLargeIniInventory(dir: string, hosts = 50_000, sites = 50): string {
  const perSite = Math.ceil(hosts / sites);
  const regions = ['emea', 'amer', 'apac', 'latam', 'anz'];
  const lines: string[] = ['# generated for the benchmark'];
  for (let s = 0; s < sites; s++) {
    lines.push(`[site${s}]`);
    for (let i = 0; i < perSite && s * perSite + i < hosts; i++) {
      const n = s * perSite + i;
      const address = `10.${s}.${Math.floor(i / 250)}.${i % 250}`;
      lines.push(`r${n}.site${s}.example.net ansible_host=${address} ansible_port=${2200 + (i % 100)} rack=${i % 40}`);
    }
    lines.push(`[site${s}:vars]`, `site=site${s}`, `ntp_servers=['10.${s}.255.1', '10.${s}.255.2']`);
  }
  regions.forEach((region, r) => {
    lines.push(`[${region}:children]`);
    for (let s = r; s < sites; s += regions.length) lines.push(`site${s}`);
  });
  lines.push('[all:vars]', 'ansible_user=netops', 'ansible_connection=ssh');
  writeFileSync(join(dir, 'hosts'), `${lines.join('\n')}\n`);
  mkdirSync(join(dir, 'group_vars', 'site0'), { recursive: true });
  mkdirSync(join(dir, 'host_vars'));
  const groupVars = join(dir, 'group_vars');
  writeFileSync(join(groupVars, 'all.yml'), 'dns: [192.0.2.53]\nsyslog: 192.0.2.514\nbanner: managed by runbook\n');
  for (const region of regions) writeFileSync(join(groupVars, `${region}.yml`), `region: ${region}\ntimezone: UTC\n`);
  writeFileSync(join(dir, 'group_vars', 'site0', '01-base.yml'), 'pilot: true\n');
  writeFileSync(join(dir, 'group_vars', 'site0', '02-extra.yml'), 'pilot_wave: 1\n');
  for (let i = 0; i < 20; i++) {
    writeFileSync(join(dir, 'host_vars', `r${i}.site0.example.net.yml`), `serial_no: SN${i}\n`);
  }
  return join(dir, 'hosts');
}
