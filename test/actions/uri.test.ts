import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { applyPlay } from '../support/box.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/**
 * uri sends its request from the managed host (a real OpenSSH server on loopback, through its curl) to an HTTP
 * server this test runs on 127.0.0.1: methods, json and form bodies, headers, status codes, basic auth (the
 * password never written anywhere), timeouts and --check.
 */

const PASSWORD = 'uri-Secret-8841';
let sshd: Sshd;
let server: Server;
let base: string;
let dir: string;
let inventory: string;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/json') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"a": 1, "list": ["x"]}');
      } else if (req.url === '/echo') {
        res.writeHead(201, { 'Content-Type': 'text/plain' });
        res.end(`${req.method} ${req.headers['content-type'] ?? '-'} ${req.headers['x-test'] ?? '-'} ${body}`);
      } else if (req.url === '/auth') {
        const expected = `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`;
        if (req.headers.authorization === expected) res.writeHead(200).end('welcome');
        else res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end('no');
      } else if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 5_000).unref();
      } else res.writeHead(404).end('nothing here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'runbook-uri-'));
  inventory = join(dir, 'inventory.yml');
  mkdirSync(join(dir, 'runs'));
  const host = { host: '127.0.0.1', port: sshd.port, user: sshd.user, key_file: sshd.keyPath };
  writeFileSync(
    inventory,
    `all:\n  vars:\n    known_hosts: ${sshd.knownHostsPath}\n    api_pass: ${PASSWORD}\n` +
      `  hosts:\n    box: ${JSON.stringify(host)}\n`,
  );
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function apply(tasks: string[], ...flags: string[]): Promise<{ tasks: TaskResult[]; stdout: string }> {
  const { report, output } = await applyPlay({ dir, inventory, runDir: join(dir, 'runs') }, tasks, flags);
  return { tasks: report.hosts[0]!.tasks, stdout: output };
}

/** Every file runbook wrote under its run directory (journal, report), as one text. */
function written(): string {
  return readdirSync(join(dir, 'runs'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('uri from the managed host', () => {
  it('GETs json, POSTs json and form bodies with headers, judges status codes, authenticates', async () => {
    seen.length = 0;
    const { tasks, stdout } = await apply([
      `- uri: { url: "${base}/json" }`,
      '  register: got',
      '- debug: { msg: "{{ got.status }} {{ got.json.a }} {{ got.json.list[0] }} {{ got.content | default(\'-\') }}" }',
      `- uri: { url: "${base}/echo", method: post, body_format: json, body: { n: 1, s: "{{ inventory_hostname }}" },`,
      '         headers: { X-Test: yes-please }, status_code: 201, return_content: true }',
      '  register: posted',
      '- debug: { msg: "{{ posted.content }}" }',
      `- uri: { url: "${base}/echo", method: PUT, body_format: form-urlencoded, body: { a: "b c", d: true },`,
      '         status_code: [200, 201], return_content: true }',
      '  register: form',
      '- debug: { msg: "{{ form.content }}" }',
      `- uri: { url: "${base}/auth", url_username: ops, url_password: "{{ api_pass }}", return_content: true }`,
      '  register: authed',
      '- debug: { msg: "{{ authed.content }}" }',
      `- uri: { url: "${base}/auth" }`,
      '  register: refused',
      '  ignore_errors: true',
      `- uri: { url: "${base}/auth", status_code: [200, 401] }`,
      `- uri: { url: "${base}/slow", timeout: 1 }`,
      '  register: slow',
      '  ignore_errors: true',
      '- debug: { msg: "{{ refused.status }} {{ slow.status }}" }',
    ]);
    expect(tasks.map((t) => t.status)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'failed',
      'ok',
      'failed',
      'ok',
    ]);
    expect(tasks[1]!.stdout).toBe('200 1 x -');
    expect(tasks[3]!.stdout).toBe('POST application/json yes-please {"n": 1, "s": "box"}');
    expect(tasks[5]!.stdout).toBe('PUT application/x-www-form-urlencoded - a=b+c&d=True');
    expect(tasks[7]!.stdout).toBe('welcome');
    expect(tasks[8]!.error).toBe('Status code was 401 and not [200]: HTTP Error 401');
    expect(tasks[10]!.error).toMatch(/^Status code was -1 and not \[200\]: Request failed: curl: \(28\) .*timed out/);
    expect(tasks[11]!.stdout).toBe('401 -1');
    // The requests came from the host's curl, each as asked.
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /json',
      'POST /echo',
      'PUT /echo',
      'GET /auth',
      'GET /auth',
      'GET /auth',
      'GET /slow',
    ]);
    expect(seen[0]!.headers['user-agent']).toMatch(/^curl\//);
    // The password reached the server, and nothing runbook printed or wrote.
    expect(stdout).not.toContain(PASSWORD);
    expect(written()).toContain('Status code was 401');
    expect(written()).not.toContain(PASSWORD);
  }, 120_000);

  it('sends nothing under --check', async () => {
    seen.length = 0;
    const { tasks } = await apply([`- uri: { url: "${base}/json", method: DELETE }`], '--check');
    expect(tasks[0]!.status).toBe('skipped');
    expect(tasks[0]!.would_run).toBe(true);
    expect(seen).toEqual([]);
  }, 60_000);
});
