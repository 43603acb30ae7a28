import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, posix, relative, resolve } from 'node:path';
import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { bool, isMap, str, stringTexts } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type FetchAction = { kind: 'fetch'; src: string; dest: string; flat: boolean; fail_on_missing: boolean };
type FetchPreview = { src: string; dest: string };

/** Whether `path` is `root` or below it, both absolute. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where a fetched file goes on the controller, as Ansible lays it out: `dest/<host>/<src path>`, or with `flat`
 * `dest` itself (`dest/` + the file's name). The host's name and the remote path are not trusted: a result
 * outside the dest directory is refused.
 */
export function fetchTarget(dest: string, host: string, src: string, flat: boolean): string {
  if (flat) {
    const name = posix.basename(src);
    if (name === '' || name === '.' || name === '..') throw new Error(`fetch: ${src} names no file`);
    return dest.endsWith('/') ? resolve(dest, name) : resolve(dest);
  }
  if (src.split('/').includes('..')) throw new Error(`fetch: ${src}: ".." is refused in a fetched path`);
  const root = resolve(dest);
  const target = resolve(root, host, `.${posix.normalize(`/${src}`)}`);
  if (!inside(resolve(root, host), target) || !inside(root, target) || target === resolve(root, host))
    throw new Error(`fetch: ${host}:${src} would be written outside ${dest}`);
  return target;
}

/**
 * Makes the parent directories, after checking that the part of the path that exists already (it may hold
 * links) stays inside the dest directory, and that the file itself is not a link leading out of it.
 */
function prepareParent(root: string, target: string): void {
  let probe = dirname(target);
  while (!existsSync(probe)) probe = dirname(probe);
  const top = resolve(root);
  if (inside(top, probe) && (!existsSync(top) || !inside(realpathSync(top), realpathSync(probe))))
    throw new Error(`fetch: ${target} leads outside ${root}`);
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target) && !inside(realpathSync(top), realpathSync(target)))
    throw new Error(`fetch: ${target} is a link outside ${root}`);
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/**
 * `fetch: {src, dest, flat, fail_on_missing}`: a remote file copied to the controller, written only when its
 * bytes differ (never under --check), into the directory `dest` names and nowhere else.
 */
export const fetch = defineAction<FetchAction, FetchPreview>({
  schema: {
    title: 'Fetch',
    description: 'Copy a remote file to the controller, under dest/<host>/<src path> (or dest itself with flat).',
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { title: 'Source', description: 'The remote file.', type: 'string', minLength: 1 },
      dest: {
        title: 'Destination',
        description: "Local directory (relative to the playbook's); with flat, the file (or a directory ending in /).",
        type: 'string',
        minLength: 1,
      },
      flat: { title: 'Flat', description: 'Write to dest itself, without the host name and path.', type: 'boolean' },
      fail_on_missing: {
        title: 'Fail on missing',
        description: 'A missing remote file fails the task (default true).',
        type: 'boolean',
      },
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('fetch', value, at, ['src', 'dest']),
  parse(value: unknown): FetchAction {
    const v = isMap(value) ? value : {};
    return {
      kind: 'fetch',
      src: str(v.src) ?? '',
      dest: str(v.dest) ?? '',
      flat: bool(v.flat),
      fail_on_missing: bool(v.fail_on_missing, true),
    };
  },
  defaultName: (a) => `fetch ${a.src}`,
  registers: () => ({ dest: '', checksum: '', remote_checksum: '' }),
  preview: (a, host) => ({
    src: host.text(['fetch.src', 'fetch'], a.src),
    dest: host.text(['fetch.dest', 'fetch'], a.dest),
  }),
  describe: (_a, p) => [`fetch ${p.src} -> ${p.dest}`],
  json: (_a, p) => ({ fetch: p }),
  async run(a, task, host): Promise<Outcome> {
    let src: string;
    let target: string;
    let root: string;
    try {
      src = host.renderer.text(task, ['fetch.src', 'fetch'], a.src, host.vars);
      const dest = resolve(
        dirname(resolve(task.loc.file)),
        host.renderer.text(task, ['fetch.dest', 'fetch'], a.dest, host.vars),
      );
      const name = String(host.vars.inventory_hostname ?? '');
      target = fetchTarget(a.dest.endsWith('/') ? `${dest}/` : dest, name, src, a.flat);
      root = a.flat ? dirname(target) : dest;
    } catch (err) {
      return failed('template', message(err));
    }
    let data: Buffer | null;
    try {
      data = await host.bounded(() => host.session.readFile(src, { timeoutMs: host.timeoutMs }));
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', `${src}: ${message(err)}`));
    }
    if (data === null) {
      const msg = 'the remote file does not exist, not transferring';
      return a.fail_on_missing ? failed('command', `${src}: ${msg}`) : done('ok', { stdout: msg });
    }
    const result = { dest: target, checksum: sha1(data), remote_checksum: sha1(data) };
    try {
      const current = existsSync(target) ? readFileSync(target) : null;
      if (current?.equals(data)) return done('ok', { data: result });
      if (!host.check) {
        prepareParent(root, target);
        writeFileSync(target, data);
      }
      return done('changed', { data: result });
    } catch (err) {
      return failed('command', message(err));
    }
  },
});
