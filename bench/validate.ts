import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPlan } from '../src/engine/load-plan.js';

/**
 * Validates a generated 10,000-host inventory whose play renders a template for every host: the whole
 * offline pipeline (YAML, schema, patterns, variables, batches, templates, expressions). Not a timed test:
 * it prints figures for a person (goal: under 3 s and 300 MB).
 */
export async function benchValidate(hosts = 10_000): Promise<{ hosts: number; wallMs: number; peakRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-validate-'));
  try {
    mkdirSync(join(dir, 'templates'));
    const sites = ['ams', 'fra', 'lon', 'par', 'nyc', 'sfo', 'sin', 'syd'];
    const lines = [
      'all:',
      '  vars:',
      '    user: netops',
      '    ntp_servers: [192.0.2.10, 192.0.2.11]',
      '  children:',
      '    edge:',
      '      children:',
    ];
    sites.forEach((site, s) => {
      lines.push(`        site_${site}:`, `          vars: { site: ${site} }`, '          hosts:');
      for (let i = s; i < hosts; i += sites.length)
        lines.push(`            ${site}-r${i}: { host: 198.51.100.${i % 250}, port: ${2000 + (i % 1000)} }`);
    });
    lines.push('    quarantine:', '      hosts:', `        ${sites[0]}-r0:`);
    writeFileSync(join(dir, 'inventory.yml'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'templates', 'ntp.conf.njk'),
      '# Managed by runbook for {{ inventory_hostname }} ({{ site }})\n{% for server in ntp_servers -%}\nserver {{ ' +
        'server }} iburst\n{% endfor -%}\ndriftfile /var/lib/ntp/ntp.drift\n',
    );
    writeFileSync(
      join(dir, 'site.yml'),
      [
        '- name: Roll out NTP',
        '  hosts: edge:!quarantine',
        '  inventory: inventory.yml',
        '  serial: [1, "10%", "50%"]',
        '  tasks:',
        '    - name: Read version',
        '      command: show version',
        '      register: version',
        '    - name: Push NTP config',
        '      template: { src: ntp.conf.njk, dest: "/etc/ntp.conf" }',
        '      register: ntp_file',
        '      when: version.stdout | length >= 0',
        '    - name: Restart NTP',
        '      command: "service ntp restart # {{ inventory_hostname }}"',
        '      when: ntp_file.changed',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const { plan, diagnostics } = loadPlan({ playbook: join(dir, 'site.yml') });
    const wallMs = performance.now() - started;
    if (!plan) throw new Error(`benchmark playbook is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
    const planned = plan.plays[0]!.hosts.size;
    // maxRSS is in kilobytes.
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    return { hosts: planned, wallMs: Math.round(wallMs), peakRssMb: Math.round(peakRssMb) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchValidate();
  console.log(
    `validate: ` +
      `${r.hosts} hosts planned, template rendered for each, in ` +
      `${r.wallMs} ms; peak RSS ${r.peakRssMb} MB (goal: < 3000 ms, < 300 MB)`,
  );
}
