import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesOf, startFleet, type Fleet } from '../support/ansible.js';
import { expectSame, play } from '../support/ansible-compare.js';

/**
 * uri against ansible-playbook's uri, both sending from the same OpenSSH host to an HTTP server this test runs
 * on 127.0.0.1: what each registered (status, json, content, msg, failure message) is recorded on the host, so
 * the two tools must have recorded the same lines, with the same recap.
 */
let fleet: Fleet;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answer = (status: number, type: string, text: string) =>
        res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) }).end(text);
      if (req.url === '/json') answer(200, 'application/json', '{"a": 1, "list": ["x", "y"]}');
      else if (req.url === '/echo') answer(201, 'text/plain', `${req.method} ${req.headers['content-type']} ${body}`);
      else answer(404, 'text/plain', 'nothing here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fleet = await startFleet(['h1']);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

// Values are quoted: runbook's command goes through the host's shell, Ansible's is split by shlex; quoted, both
// pass the same words.
describe('uri, as ansible-playbook sends it', () => {
  it('registers status, json, content and msg alike, and fails a status outside status_code alike', async () => {
    const body = [
      '    - uri: { url: "{{ base }}/json" }',
      '      register: got',
      '    - command: "{{ rec }} got {{ got.status }} {{ got.json.a }} ' +
        "{{ got.json.list | join('+') }} {{ got.msg | quote }}\"",
      '    - uri:',
      '        url: "{{ base }}/echo"',
      '        method: POST',
      '        body_format: json',
      '        body: { n: 1, s: "{{ inventory_hostname }}" }',
      '        status_code: [200, 201]',
      '        return_content: true',
      '      register: posted',
      '    - command: "{{ rec }} posted {{ posted.status }} {{ posted.content | quote }}"',
      '    - uri: { url: "{{ base }}/echo", method: PUT, body_format: form-urlencoded, body: { a: b c, d: 2 },',
      '             status_code: 201, return_content: true }',
      '      register: form',
      '    - command: "{{ rec }} form {{ form.content | quote }}"',
      '    - uri: { url: "{{ base }}/missing" }',
      '      register: missing',
      '      ignore_errors: true',
      '    - command: "{{ rec }} missing {{ missing.status }} {{ missing.failed }} ' +
        "{{ missing.msg.split(':')[0] | quote }}\"",
      '',
    ].join('\n');
    const r = await fleet.both(play(body), { hostVars: { base } });
    expectSame(r);
    expect(linesOf(r.runbook, 'h1').map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'got 200 1 x+y OK (28 bytes)',
      'posted 201 POST application/json {"n": 1, "s": "h1"}',
      'form PUT application/x-www-form-urlencoded a=b+c&d=2',
      'missing 404 True Status code was 404 and not [200]',
    ]);
  }, 180_000);
});
