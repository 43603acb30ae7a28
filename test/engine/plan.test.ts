import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/engine/load-plan.js';
import { buildPlan } from '../../src/engine/plan.js';
import { REGISTERED_PLACEHOLDER } from '../../src/engine/plan-model.js';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import type { Inventory, InventoryHost } from '../../src/inventory/types.js';
import type { PlaybookSpec, PlaySpec, TaskSpec } from '../../src/playbook/types.js';

const loc = (line = 1) => ({ file: 'site.yml', line, col: 1 });
let dir: string;

function task(name: string, action: TaskSpec['action'], extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name,
    action,
    retries: 0,
    retryDelayMs: 1000,
    ignoreErrors: false,
    checkMode: 'skip',
    loc: loc(10),
    locs: { command: loc(11), 'template.src': loc(12), when: loc(13) },
    ...extra,
  };
}

function play(extra: Partial<PlaySpec>): PlaySpec {
  return {
    name: 'p',
    hosts: 'all',
    vars: {},
    forks: 10,
    connectRate: null,
    connectTimeoutMs: 10_000,
    serial: null,
    maxFailPercentage: null,
    maxFailures: null,
    breaker: null,
    tasks: [],
    rescue: [],
    dir,
    loc: loc(1),
    locs: { hosts: loc(2) },
    ...extra,
  };
}

function inventory(n: number, vars: (i: number) => Record<string, unknown> = () => ({})): Inventory {
  const hosts = new Map<string, InventoryHost>();
  for (let i = 1; i <= n; i++)
    hosts.set(`r${i}`, {
      name: `r${i}`,
      vars: vars(i),
      groups: ['all'],
      loc: { file: 'inventory.yml', line: i + 2, col: 5 },
    });
  const groups = new Map([
    [
      'all',
      {
        name: 'all',
        vars: { site: 'ams' },
        hosts: [...hosts.keys()],
        children: [],
        loc: { file: 'inventory.yml', line: 1, col: 1 },
      },
    ],
  ]);
  return { path: join(dir, 'inventory.yml'), file: 'inventory.yml', hosts, groups };
}

const book = (...plays: PlaySpec[]): PlaybookSpec => ({ path: join(dir, 'site.yml'), file: 'site.yml', plays });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-plan-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'motd.njk'), 'hello {{ inventory_hostname }} in {{ site }}\n');
  writeFileSync(join(dir, 'templates', 'needs.njk'), 'x\n{{ needed }}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildPlan', () => {
  it('splits hosts into batches and renders every task for every host', () => {
    const p = play({
      serial: [
        { kind: 'count', value: 1 },
        { kind: 'percent', value: 50 },
      ],
      tasks: [
        task('cmd', { kind: 'command', command: 'show {{ inventory_hostname }}' }, { register: 'out' }),
        task('motd', { kind: 'template', src: 'motd.njk', dest: '/etc/motd' }, { when: ['out.rc == 0'] }),
      ],
    });
    const { plan, diagnostics } = buildPlan(book(p), [inventory(5)]);
    expect(diagnostics).toEqual([]);
    const planned = plan!.plays[0]!;
    expect(planned.batches).toEqual([['r1'], ['r2', 'r3'], ['r4', 'r5']]);
    const r2 = planned.hosts.get('r2')!;
    expect(r2.tasks.map((t) => t.preview)).toEqual([
      { command: 'show r2' },
      { template: { src: 'motd.njk', dest: '/etc/motd', content: 'hello r2 in ams\n' } },
    ]);
    expect(r2.connection).toMatchObject({ host: 'r2', port: 22 });
  });

  it('gives the engine a renderer that sees registered results', () => {
    const t = task('cmd', { kind: 'command', command: 'echo {{ out.stdout }}' });
    const { plan } = buildPlan(
      book(play({ tasks: [task('first', { kind: 'command', command: 'x' }, { register: 'out' }), t] })),
      [inventory(1)],
    );
    const renderer = plan!.plays[0]!.renderer;
    const ctx = {
      ...plan!.plays[0]!.hosts.get('r1')!.vars,
      out: { ...REGISTERED_PLACEHOLDER, stdout: 'hi', changed: true },
    };
    expect(renderer.text(t, ['command'], 'echo {{ out.stdout }}', ctx)).toBe('echo hi');
    expect(renderer.test('out.changed and out.stdout == "hi"', ctx)).toBe(true);
    expect(() => renderer.text(t, ['command'], 'echo {{ out.stdout }}', {})).toThrow(
      /^site\.yml:11:1: undefined variable "out"/,
    );
  });

  it('reports one template error for many hosts, naming the first and counting the others', () => {
    const p = play({ tasks: [task('t', { kind: 'template', src: 'needs.njk', dest: '/x' })] });
    const { plan, diagnostics } = buildPlan(book(p), [inventory(4, (i) => (i === 3 ? { needed: 1 } : {}))]);
    expect(plan).toBeNull();
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(
        /templates\/needs\.njk:2:4: undefined variable "needed" for host r1 \(and 2 other hosts\)$/,
      ),
    ]);
  });

  it('collects problems of every play instead of stopping at the first', () => {
    const p1 = play({ hosts: 'nosuch' });
    const p2 = play({
      tasks: [
        task('c', { kind: 'command', command: 'show {{ iface }}' }),
        task('w', { kind: 'command', command: 'x' }, { when: ['ghost'] }),
      ],
    });
    const { diagnostics } = buildPlan(book(p1, p2), [inventory(2), inventory(2)]);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'site.yml:2:1: host pattern "nosuch": "nosuch" matches no host or group',
      'site.yml:11:1: undefined variable "iface" for host r1 (and 1 other host)',
      'site.yml:13:1: undefined variable "ghost" in when for host r1 (and 1 other host)',
    ]);
  });

  it('refuses a host whose connection names no registered transport, at the host', () => {
    const p = play({ tasks: [task('cmd', { kind: 'command', command: 'true' })] });
    const { plan, diagnostics } = buildPlan(book(p), [inventory(2, (i) => (i === 2 ? { connection: 'telnet' } : {}))]);
    expect(plan).toBeNull();
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'inventory.yml:4:5: host r2: connection "telnet" is not one of ssh, network_cli, ansible.netcommon.network_cli',
    ]);
  });

  it('narrows hosts with --limit and rejects a limit that names nothing', () => {
    expect(buildPlan(book(play({})), [inventory(3)], { limit: 'r2:r3' }).plan!.plays[0]!.batches).toEqual([
      ['r2', 'r3'],
    ]);
    expect(buildPlan(book(play({})), [inventory(3)], { limit: 'zz' }).diagnostics.map((d) => d.message)).toEqual([
      '--limit "zz": "zz" matches no host or group',
    ]);
  });

  it('reports a bad expression once, at the key', () => {
    const p = play({ tasks: [task('w', { kind: 'command', command: 'x' }, { when: ['rc =='] })] });
    const { diagnostics } = buildPlan(book(p), [inventory(3)]);
    expect(diagnostics).toHaveLength(1);
    expect(formatDiagnostic(diagnostics[0]!)).toMatch(/^site\.yml:13:1: when: bad expression "rc ==": /);
  });
});

describe('loadPlan', () => {
  const fixture = fileURLToPath(new URL('../fixtures/valid/fleet/site.yml', import.meta.url));

  it('loads a playbook and its inventory into a plan', () => {
    const { plan, diagnostics } = loadPlan({ playbook: fixture });
    expect(diagnostics).toEqual([]);
    expect(plan!.plays.map((p) => p.batches)).toEqual([[['r1'], ['r2', 'r3'], ['r4']], [['c1']]]);
    expect(plan!.plays[0]!.hosts.get('r4')!.tasks[1]!.preview.template).toMatchObject({ dest: '/etc/fra/banner' });
  });

  it('lets -i win over the play inventory', () => {
    const other = join(dir, 'other.yml');
    writeFileSync(
      other,
      'all:\n  children:\n    routers:\n      hosts:\n        x1: { site: lab }\n' +
        '    quarantine:\n      hosts:\n        x3:\n    core:\n      hosts:\n        x2:\n',
    );
    const { plan, diagnostics } = loadPlan({ playbook: fixture, inventory: other });
    expect(diagnostics).toEqual([]);
    expect(plan!.plays.map((p) => [...p.hosts.keys()])).toEqual([['x1'], ['x2']]);
  });
});
