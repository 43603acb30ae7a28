import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { TaskSpec } from '../playbook/types.js';
import { defineAction, type ActionHost } from './action.js';
import { isMap, oneOf, str, stringTexts } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

type WaitState = 'started' | 'present' | 'stopped' | 'absent';

type WaitForAction = {
  kind: 'wait_for';
  host: string;
  port?: number;
  path?: string;
  search_regex?: string;
  state: WaitState;
  delayMs: number;
  timeoutMs: number;
  sleepMs: number;
};
type WaitForPreview = { wait_for: string };

const seconds = (v: unknown, dflt: number): number => (typeof v === 'number' ? v * 1000 : dflt);

/** The remote check for one attempt; exit status 0 when the condition holds. */
function waitCheck(a: { host: string; port?: number; path?: string; search_regex?: string; state: WaitState }): string {
  const up = a.state === 'started' || a.state === 'present';
  if (a.port !== undefined) {
    // bash's /dev/tcp opens a connection from the host itself, as Ansible's module does.
    const connect = `timeout 2 bash -c ${shellQuote(`exec 3<>/dev/tcp/${a.host}/${a.port}`)} 2>/dev/null`;
    return up ? connect : `! ${connect}`;
  }
  const p = shellQuote(a.path ?? '');
  if (!up) return `! test -e ${p}`;
  return a.search_regex === undefined ? `test -e ${p}` : `grep -Eq -- ${shellQuote(a.search_regex)} ${p} 2>/dev/null`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `wait_for: {port | path, state, search_regex, delay, timeout}`: waits, from the host, until a port answers
 * (or stops answering) or a file appears (holding `search_regex`) or goes. Reads only, so it runs under
 * --check too. Times are seconds, as in Ansible.
 */
export const wait_for = defineAction<WaitForAction, WaitForPreview>({
  schema: {
    title: 'Wait for',
    description: 'Wait until a port answers or a file appears (or the opposite), checked from the host.',
    type: 'object',
    additionalProperties: false,
    properties: {
      port: {
        title: 'Port',
        description: 'TCP port to connect to from the host.',
        type: 'integer',
        minimum: 1,
        maximum: 65535,
      },
      host: {
        title: 'Host',
        description: 'Address the port is on, as seen from the host (default 127.0.0.1).',
        type: 'string',
      },
      path: { title: 'Path', description: 'A remote file to wait for.', type: 'string', minLength: 1 },
      search_regex: {
        title: 'Search regex',
        description: 'With path: wait until the file holds a match.',
        type: 'string',
      },
      state: {
        title: 'State',
        description: 'started/present (default) or stopped/absent.',
        enum: ['started', 'present', 'stopped', 'absent'],
      },
      delay: { title: 'Delay', description: 'Seconds to wait before the first check.', type: 'number', minimum: 0 },
      timeout: { title: 'Timeout', description: 'Seconds to wait in all (default 300).', type: 'number', minimum: 0 },
      sleep: { title: 'Sleep', description: 'Seconds between checks (default 1).', type: 'number', minimum: 0 },
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('wait_for', value, at, ['host', 'path', 'search_regex']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => oneOf('wait_for', ['port', 'path'], value, at, loaded),
  parse(value: unknown): WaitForAction {
    const v = isMap(value) ? value : {};
    const out: WaitForAction = {
      kind: 'wait_for',
      host: str(v.host) ?? '127.0.0.1',
      state: (typeof v.state === 'string' ? v.state : 'started') as WaitState,
      delayMs: seconds(v.delay, 0),
      timeoutMs: seconds(v.timeout, 300_000),
      sleepMs: seconds(v.sleep, 1000),
    };
    if (typeof v.port === 'number') out.port = v.port;
    const path = str(v.path);
    if (path !== undefined) out.path = path;
    const re = str(v.search_regex);
    if (re !== undefined) out.search_regex = re;
    return out;
  },
  defaultName: (a) => `wait_for ${a.port !== undefined ? `port ${a.port}` : a.path} ${a.state}`,
  preview: (a, host) => ({
    wait_for:
      a.port !== undefined
        ? `${host.text(['wait_for.host', 'wait_for'], a.host)}:${a.port} ${a.state}`
        : `${host.text(['wait_for.path', 'wait_for'], a.path ?? '')} ${a.state}`,
  }),
  describe: (_a, p) => [`wait for ${p.wait_for}`],
  json: (_a, p) => ({ wait_for: p.wait_for }),
  async run(a, task, host): Promise<Outcome> {
    let check: string;
    try {
      check = waitCheck(render(a, task, host));
    } catch (err) {
      return failed('template', message(err));
    }
    const started = Date.now();
    try {
      if (a.delayMs > 0) await sleep(a.delayMs);
      for (;;) {
        if (host.stopped) return failed('interrupted', 'interrupted');
        const res = await host.bounded((signal) => host.session.exec(check, { timeoutMs: host.timeoutMs, signal }));
        const elapsed = Math.round((Date.now() - started) / 1000);
        if (res.rc === 0) return done('ok', { stdout: `waited ${elapsed} s` });
        if (Date.now() - started >= a.timeoutMs) {
          return failed('command', `Timeout when waiting for ${a.port !== undefined ? `${a.host}:${a.port}` : a.path}`);
        }
        await sleep(a.sleepMs);
      }
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
  },
});

function render(a: WaitForAction, task: TaskSpec, host: ActionHost): WaitForAction {
  const r = (field: string, s: string): string =>
    host.renderer.text(task, [`wait_for.${field}`, 'wait_for'], s, host.vars);
  const out: WaitForAction = { ...a, host: r('host', a.host) };
  if (a.path !== undefined) out.path = r('path', a.path);
  if (a.search_regex !== undefined) out.search_regex = r('search_regex', a.search_regex);
  return out;
}
