import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { runCli } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/**
 * template's newline_sequence byte for byte against ansible-playbook: templates written with \r\n, \r and \n
 * line ends, printing values that hold their own line ends, with trim_blocks at work and final newlines to
 * give back. Ansible renders into a local directory, runbook onto a real OpenSSH host; the files must match.
 */

const run = promisify(execFile);
let sshd: Sshd;
let dir: string;

const TEMPLATES: Record<string, string> = {
  crlf: 'a\r\nb {{ v_lf }}\r\n{% if true %}\r\nin\r\n{% endif %}\r\nend\r\n\r\n',
  cr: 'a\rb {{ v_crlf }}\r{{ "x\ry" }}\r{{ v_cr }}\rend\r',
  lf: 'line {{ v_crlf }}\n{% for i in [1, 2] %}\n{{ i }} {{ v_lf }}\n{% endfor %}\ntail\n\n\n',
};
const SEQUENCES: Record<string, string> = { lf: '\\n', cr: '\\r', crlf: '\\r\\n' };

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'runbook-newlines-'));
  mkdirSync(join(dir, 'templates'));
  for (const [name, text] of Object.entries(TEMPLATES)) writeFileSync(join(dir, 'templates', `${name}.j2`), text);
  const tasks = Object.keys(TEMPLATES).flatMap((t) =>
    Object.entries(SEQUENCES).map(
      ([label, seq]) =>
        `    - template: { src: ${t}.j2, dest: "{{ root }}/${t}-${label}", newline_sequence: '${seq}' }`,
    ),
  );
  const vars = ['  vars:', '    v_lf: "p\\nq"', '    v_crlf: "r\\r\\ns"', '    v_cr: "t\\ru"'];
  writeFileSync(
    join(dir, 'site.yml'),
    ['- hosts: all', '  gather_facts: false', ...vars, '  tasks:', ...tasks, ''].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('template newline_sequence, as ansible-playbook writes it', () => {
  it('converts the template text, keeps the values, gives back final newlines as the sequence', async () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(dir, 'local.yml'), `all:\n  hosts:\n    box: { ansible_connection: local, root: ${theirs} }\n`);
    await run('ansible-playbook', ['-i', join(dir, 'local.yml'), join(dir, 'site.yml')], {
      cwd: dir,
      env: {
        ...process.env,
        ANSIBLE_HOME: join(dir, '.ansible'),
        ANSIBLE_LOCAL_TEMP: join(dir, '.ansible', 'tmp'),
        ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
        ANSIBLE_NOCOLOR: '1',
      },
      timeout: 180_000,
    });

    const ours = join(sshd.workDir, 'ours');
    const inventory = join(dir, 'inventory.yml');
    const host = {
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      key_file: sshd.keyPath,
      known_hosts: sshd.knownHostsPath,
      root: ours,
    };
    writeFileSync(inventory, `all:\n  hosts:\n    box: ${JSON.stringify(host)}\n`);
    await run('install', ['-d', '-o', sshd.user, ours]);
    const r = await runCli(['apply', join(dir, 'site.yml'), '-i', inventory, '--json', '--run-dir', dir]);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.hosts[0]!.tasks.map((t) => t.error ?? t.status)).toEqual(Array(9).fill('changed'));

    for (const t of Object.keys(TEMPLATES)) {
      for (const label of Object.keys(SEQUENCES)) {
        const name = `${t}-${label}`;
        expect(JSON.stringify(readFileSync(join(ours, name), 'latin1')), name).toBe(
          JSON.stringify(readFileSync(join(theirs, name), 'latin1')),
        );
      }
    }
    // The values' own line ends survive a conversion of the text around them; Ansible counts the final newlines
    // by their \n alone, so "tail\r\n\r\n" (one of three dropped by Jinja) has one and gets two more.
    expect(readFileSync(join(ours, 'lf-crlf'), 'latin1')).toBe(
      'line r\r\ns\r\n1 p\nq\r\n2 p\nq\r\ntail\r\n\r\n\r\n\r\n',
    );
  }, 240_000);
});
