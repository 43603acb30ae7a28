import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  entryMatches,
  fingerprint,
  formatEntry,
  hashHostName,
  keyTypeOf,
  KnownHostsIndex,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from '../../src/transport/known-hosts.js';

const run = promisify(execFile);

/** A syntactically real ed25519 key blob: type string then a 32-byte key. */
function blob(seed: number, type = 'ssh-ed25519'): Buffer {
  const typeBytes = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(typeBytes.length);
  const keyLen = Buffer.alloc(4);
  keyLen.writeUInt32BE(32);
  return Buffer.concat([len, typeBytes, keyLen, Buffer.alloc(32, seed)]);
}
const KEY_A = blob(1);
const KEY_B = blob(2);
const RSA_KEY = blob(3, 'ssh-rsa');
const a64 = KEY_A.toString('base64');
const b64 = KEY_B.toString('base64');

describe('known_hosts parsing', () => {
  it('reads plain, listed, hashed and marked lines and skips comments, blanks and malformed ones', () => {
    const entries = parseKnownHosts(
      [
        '# a comment',
        '',
        `router1,10.0.0.1 ssh-ed25519 ${a64} admin@lab`,
        `${hashHostName('router2')} ssh-ed25519 ${b64}`,
        `@revoked router3 ssh-ed25519 ${a64}`,
        `@cert-authority *.lab ssh-ed25519 ${b64}`,
        `@bogus router4 ssh-ed25519 ${a64}`,
        'only-a-host-field',
        `  [sw1]:2222   ssh-ed25519   ${b64}  `,
      ].join('\n'),
    );
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6, 9]);
    expect(entries[0]!.hosts).toEqual({ patterns: ['router1', '10.0.0.1'] });
    expect('hashed' in entries[1]!.hosts).toBe(true);
    expect(entries[2]!.marker).toBe('revoked');
    expect(entries[3]!.marker).toBe('cert-authority');
    expect(entries[4]!.key.equals(KEY_B)).toBe(true);
  });

  it('uses [host]:port names only for ports other than 22', () => {
    expect(lookupName('r1', 22)).toBe('r1');
    expect(lookupName('r1', 2222)).toBe('[r1]:2222');
  });
});

describe('host matching', () => {
  const match = (field: string, name: string): boolean =>
    entryMatches(parseKnownHosts(`${field} ssh-ed25519 ${a64}`)[0]!, name);

  it('matches any name in a comma-separated list, case-insensitively', () => {
    expect(match('r1,R2,10.0.0.9', 'r2')).toBe(true);
    expect(match('r1,r2', 'r3')).toBe(false);
  });

  it('matches * and ? wildcards over the whole name', () => {
    expect(match('10.0.*', '10.0.3.4')).toBe(true);
    expect(match('10.0.*', '10.1.3.4')).toBe(false);
    expect(match('sw?.lab', 'sw1.lab')).toBe(true);
    expect(match('sw?.lab', 'sw12.lab')).toBe(false);
    expect(match('*a*b*c', 'xxaxxbxxbc')).toBe(true);
    expect(match('[10.0.0.*]:2222', '[10.0.0.7]:2222')).toBe(true);
    expect(match('[10.0.0.7]:*', '[10.0.0.7]:830')).toBe(true);
  });

  it('lets a matching negated pattern veto the line', () => {
    expect(match('10.0.*,!10.0.0.13', '10.0.0.12')).toBe(true);
    expect(match('10.0.*,!10.0.0.13', '10.0.0.13')).toBe(false);
    expect(match('!10.0.0.13', '10.0.0.12')).toBe(false);
  });

  it('matches hashed entries by HMAC-SHA1 of the lookup name', () => {
    const hashed = hashHostName('[r1]:2222');
    expect(match(hashed, '[r1]:2222')).toBe(true);
    expect(match(hashed, 'r1')).toBe(false);
  });

  it('agrees with ssh-keygen -H on hashed names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runbook-kh-'));
    try {
      const file = join(dir, 'known_hosts');
      await writeFile(file, `[edge7]:2200 ssh-ed25519 ${a64}\nedge8 ssh-ed25519 ${b64}\n`);
      await run('ssh-keygen', ['-H', '-f', file]);
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('edge7');
      const entries = parseKnownHosts(text);
      expect(checkHostKey(entries, 'edge7', 2200, KEY_A).status).toBe('known');
      expect(checkHostKey(entries, 'edge8', 22, KEY_B).status).toBe('known');
      expect(checkHostKey(entries, 'edge8', 2200, KEY_B).status).toBe('unknown');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('host key verdicts', () => {
  it('knows a key listed for the host and port', () => {
    const entries = parseKnownHosts(`[r1]:2222 ssh-ed25519 ${a64}`);
    expect(checkHostKey(entries, 'r1', 2222, KEY_A)).toEqual({ status: 'known', line: 1 });
  });

  it('does not apply a port-22 entry to another port', () => {
    const entries = parseKnownHosts(`r1 ssh-ed25519 ${a64}`);
    expect(checkHostKey(entries, 'r1', 2222, KEY_A).status).toBe('unknown');
    expect(checkHostKey(entries, 'r1', 22, KEY_A).status).toBe('known');
  });

  it('reports a different key for a known host as a mismatch, naming the lines', () => {
    const entries = parseKnownHosts(`# x\nr1 ssh-ed25519 ${a64}\nr1 ssh-rsa ${RSA_KEY.toString('base64')}`);
    expect(checkHostKey(entries, 'r1', 22, KEY_B)).toEqual({ status: 'mismatch', lines: [2, 3] });
  });

  it('accepts the key when any of several lines for the host holds it', () => {
    const entries = parseKnownHosts(`r1 ssh-ed25519 ${b64}\n10.* ssh-ed25519 ${a64}`);
    expect(checkHostKey(entries, '10.1.1.1', 22, KEY_A).status).toBe('known');
  });

  it('refuses a revoked key even when a plain line lists it', () => {
    const entries = parseKnownHosts(`r1 ssh-ed25519 ${a64}\n@revoked * ssh-ed25519 ${a64}`);
    expect(checkHostKey(entries, 'r1', 22, KEY_A)).toEqual({ status: 'revoked', line: 2 });
    expect(checkHostKey(entries, 'r1', 22, KEY_B).status).toBe('mismatch');
  });

  it('ignores @cert-authority lines: a host known only through one is unknown', () => {
    const entries = parseKnownHosts(`@cert-authority * ssh-ed25519 ${a64}`);
    expect(checkHostKey(entries, 'r1', 22, KEY_A).status).toBe('unknown');
  });

  it('lists the key types recorded for a host, so the client can ask for one of them', () => {
    const entries = parseKnownHosts(
      `r1 ssh-rsa ${RSA_KEY.toString('base64')}\nr1,r2 ssh-ed25519 ${a64}\nr2 ssh-rsa ${RSA_KEY.toString('base64')}`,
    );
    expect(knownKeyTypes(entries, 'r1', 22)).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, 'r3', 22)).toEqual([]);
  });
});

describe('key helpers', () => {
  it('reads the key type from the blob and prints fingerprints as ssh-keygen does', async () => {
    expect(keyTypeOf(KEY_A)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 99]))).toBe('unknown');
    const dir = await mkdtemp(join(tmpdir(), 'runbook-kh-'));
    try {
      const file = join(dir, 'pub');
      await writeFile(file, `ssh-ed25519 ${a64} x\n`);
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]);
      expect(stdout.split(' ')[1]).toBe(fingerprint(KEY_A));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('appends entries in [host]:port form, mending a missing final newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runbook-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      await appendKnownHost(file, 'r1', 2222, KEY_A);
      await writeFile(file, `${await readFile(file, 'utf8')}r9 ssh-ed25519 ${b64}`);
      await appendKnownHost(file, 'r2', 22, KEY_B);
      const lines = (await readFile(file, 'utf8')).split('\n');
      expect(lines).toEqual([formatEntry('r1', 2222, KEY_A), `r9 ssh-ed25519 ${b64}`, `r2 ssh-ed25519 ${b64}`, '']);
      expect(lines[0]).toBe(`[r1]:2222 ssh-ed25519 ${a64}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('known_hosts index', () => {
  const text = [
    `Router1,10.0.0.1 ssh-ed25519 ${a64}`,
    `10.0.* ssh-ed25519 ${b64}`,
    `${hashHostName('10.0.0.1')} ssh-rsa ${RSA_KEY.toString('base64')}`,
    `router2 ssh-ed25519 ${b64}`,
    `*,!10.0.0.1 ssh-ed25519 ${a64}`,
    `[10.0.0.1]:2222 ssh-ed25519 ${b64}`,
  ].join('\n');
  const entries = parseKnownHosts(text);
  const index = new KnownHostsIndex(entries);

  it('finds the same lines as a scan of the whole file, in file order', () => {
    for (const [host, port] of [
      ['10.0.0.1', 22],
      ['router1', 22],
      ['ROUTER2', 22],
      ['10.0.0.9', 22],
      ['10.0.0.1', 2222],
      ['elsewhere', 22],
    ] as const) {
      const scanned = entries.filter((e) => entryMatches(e, lookupName(host, port))).map((e) => e.line);
      const indexed = index
        .candidates(host, port)
        .filter((e) => entryMatches(e, lookupName(host, port)))
        .map((e) => e.line);
      expect(indexed, `${host}:${port}`).toEqual(scanned);
    }
  });

  it('gives checkHostKey the verdict it gives on the whole file', () => {
    expect(checkHostKey(index.candidates('10.0.0.1', 22), '10.0.0.1', 22, KEY_A)).toEqual(
      checkHostKey(entries, '10.0.0.1', 22, KEY_A),
    );
    expect(checkHostKey(index.candidates('router2', 22), 'router2', 22, KEY_A)).toEqual({ status: 'known', line: 5 });
    // `*` names every host, on any port.
    expect(checkHostKey(index.candidates('nowhere', 2200), 'nowhere', 2200, KEY_A)).toEqual({
      status: 'known',
      line: 5,
    });
    expect(
      checkHostKey(new KnownHostsIndex(entries.slice(0, 4)).candidates('nowhere', 2200), 'nowhere', 2200, KEY_A),
    ).toEqual({ status: 'unknown' });
  });
});
