import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { globMatch } from '../playbook/glob.js';

/**
 * OpenSSH's known_hosts format, read the way `ssh` reads it: plain, comma-separated and hashed host
 * fields, `*`/`?` wildcards, `!negation`, `[host]:port` for non-default ports and the `@revoked` /
 * `@cert-authority` markers.
 */

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  /** 1-based line in the file, for messages. */
  line: number;
  marker?: KnownHostMarker;
  /** Either a hashed name (`|1|salt|hash`) or a list of patterns. */
  hosts: { hashed: { salt: Buffer; hash: Buffer } } | { patterns: string[] };
  keyType: string;
  /** The key blob, as the server presents it on the wire. */
  key: Buffer;
}

export type HostKeyVerdict =
  /** A line for this host holds exactly the presented key. */
  | { status: 'known'; line: number }
  /** No line names this host. */
  | { status: 'unknown' }
  /** The host is known, but with other keys: the presented one may be an impostor's. */
  | { status: 'mismatch'; lines: number[] }
  /** The presented key is listed under `@revoked` for this host. */
  | { status: 'revoked'; line: number };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` elsewhere. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) continue;
    let marker: KnownHostMarker | undefined;
    if (fields[0]!.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      // An unknown marker makes the line mean something we cannot honour; OpenSSH skips it too.
      if (name !== 'revoked' && name !== 'cert-authority') continue;
      marker = name;
    }
    const [hostField, keyType, keyText] = fields;
    if (!hostField || !keyType || !keyText) continue;
    const key = Buffer.from(keyText, 'base64');
    if (key.length === 0) continue;
    const hosts = parseHostField(hostField);
    if (!hosts) continue;
    entries.push({ line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return entries;
}

function parseHostField(field: string): KnownHostEntry['hosts'] | undefined {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return undefined;
    return { hashed: { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') } };
  }
  return { patterns: field.split(',').filter((p) => p !== '') };
}

/** `|1|salt|hash` for `name`, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** Whether an entry's host field names `name` (already in `lookupName` form). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if ('hashed' in entry.hosts) {
    const { salt, hash } = entry.hosts.hashed;
    return createHmac('sha1', salt).update(name).digest().equals(hash);
  }
  return matchPatternList(entry.hosts.patterns, name.toLowerCase());
}

/** OpenSSH's rule: any matching negated pattern vetoes the whole list, otherwise one positive match wins. */
function matchPatternList(patterns: string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatch(pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/**
 * known_hosts entries indexed by name. A fleet's file holds a line per device and every connection looks
 * one up, so scanning the whole file per connection would make a run quadratic in the fleet's size.
 * Lines made only of literal names are found by name; hashed, wildcard and negated lines still need
 * their matching rule, and are tried for every name.
 */
export class KnownHostsIndex {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly patterned: KnownHostEntry[] = [];

  constructor(readonly entries: readonly KnownHostEntry[]) {
    for (const e of entries) {
      const literal = 'patterns' in e.hosts && e.hosts.patterns.every((p) => !/[*?!]/.test(p));
      if (!literal) {
        this.patterned.push(e);
        continue;
      }
      for (const p of new Set((e.hosts as { patterns: string[] }).patterns.map((x) => x.toLowerCase()))) {
        const list = this.byName.get(p);
        if (list) list.push(e);
        else this.byName.set(p, [e]);
      }
    }
  }

  /** The entries that may name `host:port`, in file order; checkHostKey and knownKeyTypes apply the rules. */
  candidates(host: string, port: number): KnownHostEntry[] {
    const name = lookupName(host, port);
    const literal = this.byName.get(name.toLowerCase()) ?? [];
    const patterned = this.patterned.filter((e) => entryMatches(e, name));
    if (patterned.length === 0) return literal;
    return [...literal, ...patterned].sort((a, b) => a.line - b.line);
  }
}

export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = lookupName(host, port);
  const matching = entries.filter((e) => e.marker !== 'cert-authority' && entryMatches(e, name));
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = matching.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.key.equals(key));
  if (known) return { status: 'known', line: known.line };
  if (plain.length > 0) return { status: 'mismatch', lines: plain.map((e) => e.line) };
  return { status: 'unknown' };
}

/** Key types recorded for a host, so the client can ask the server for a key it can actually check. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = lookupName(host, port);
  const types = entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function formatEntry(host: string, port: number, blob: Buffer): string {
  return `${lookupName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

/** The file's entries; a missing file is an empty one (every host unknown). */
export async function loadKnownHosts(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function appendKnownHost(path: string, host: string, port: number, blob: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const existing = await readFile(path, 'utf8');
    // Appending to a file without a final newline would glue our entry onto the last one.
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await appendFile(path, `${prefix}${formatEntry(host, port, blob)}\n`, { mode: 0o644 });
}
