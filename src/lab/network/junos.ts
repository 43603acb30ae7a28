import { matchKeyword, tokenColumns, type CliPersonality, type CliReply, type LabClock } from './personality.js';

/**
 * Juniper Junos as the lab plays it: the committed configuration as `set` lines with a rollback history, a
 * private candidate per login, `show | compare`, `commit check`, `commit`, `commit confirmed N` whose timer
 * runs on the lab's clock, and `rollback N`. A login that drops in configuration mode loses its candidate;
 * a pending `commit confirmed` rolls back when its timer ends whether or not anyone is still logged in.
 */

/** Top-level and second-level statements the lab accepts; anything under them is free-form. */
const HIERARCHY: Record<string, string[] | null> = {
  system: [
    'host-name',
    'services',
    'ntp',
    'syslog',
    'login',
    'domain-name',
    'name-server',
    'time-zone',
    'root-authentication',
    'location',
    'radius-server',
    'tacplus-server',
    'authentication-order',
  ],
  interfaces: null,
  protocols: ['bgp', 'ospf', 'ospf3', 'isis', 'lldp', 'mpls', 'rsvp', 'ldp', 'rstp', 'lacp'],
  'routing-options': ['static', 'router-id', 'autonomous-system', 'rib', 'forwarding-table'],
  'policy-options': null,
  firewall: null,
  snmp: ['community', 'location', 'contact', 'trap-group', 'interface', 'name'],
  vlans: null,
  security: null,
  chassis: null,
  'class-of-service': null,
  'routing-instances': null,
  groups: null,
  'apply-groups': null,
  'forwarding-options': null,
  services: null,
  version: null,
};

/** Leaves that hold one value: setting one replaces the old value. */
const SINGLE_VALUED = [
  'host-name',
  'domain-name',
  'time-zone',
  'description',
  'mtu',
  'location',
  'contact',
  'router-id',
  'autonomous-system',
];

export class JunosDevice {
  committed: string[];
  /** Earlier committed configurations, most recent first: `rollback 1` is history[0]. */
  history: string[][] = [];
  pending: { snapshot: string[]; cancel: () => void } | undefined;
  readonly log: string[] = [];

  constructor(
    host: string,
    index: number,
    readonly clock: LabClock,
  ) {
    const octet = ((index - 1) % 250) + 1;
    this.committed = [
      'set version 21.4R3.15',
      `set system host-name ${host}`,
      'set system services ssh',
      'set system ntp server 192.0.2.1',
      `set interfaces ge-0/0/0 unit 0 family inet address 10.0.${octet}.1/24`,
      `set interfaces lo0 unit 0 family inet address 10.255.0.${octet}/32`,
      'set routing-options static route 0.0.0.0/0 next-hop 10.0.1.254',
    ];
  }

  get hostname(): string {
    return this.committed.find((l) => l.startsWith('set system host-name '))?.split(' ')[3] ?? 'junos';
  }

  commit(candidate: string[]): void {
    this.history.unshift(this.committed);
    this.committed = [...candidate];
  }

  commitConfirmed(candidate: string[], minutes: number): void {
    const snapshot = this.pending?.snapshot ?? this.committed;
    this.pending?.cancel();
    this.commit(candidate);
    const cancel = this.clock.after(minutes, () => {
      this.commit(snapshot);
      this.pending = undefined;
      this.log.push('rolled back: commit confirmed expired');
    });
    this.pending = { snapshot, cancel };
  }

  /** A plain commit while a confirmed one is pending confirms it. */
  confirmPending(): void {
    if (!this.pending) return;
    this.pending.cancel();
    this.pending = undefined;
    this.log.push('confirmed');
  }
}

type Mode = 'exec' | 'config';

const EXEC_WORDS = ['show', 'set', 'configure', 'exit', 'quit', 'request', 'file', 'ping'];

export class JunosSession implements CliPersonality {
  private mode: Mode = 'exec';
  private screenLength = 24;
  private candidate: string[] | undefined;
  readonly pager = '---(more)---';

  constructor(
    private readonly device: JunosDevice,
    private readonly user: string,
  ) {}

  prompt(): string {
    const where = `${this.user}@${this.device.hostname}`;
    return this.mode === 'exec' ? `${where}> ` : `\n[edit]\n${where}# `;
  }

  private promptLine(): string {
    return this.prompt().split('\n').pop()!;
  }

  pagerLength(): number {
    return this.screenLength;
  }

  inConfig(): boolean {
    return this.mode === 'config';
  }

  denied(): string {
    return 'error: permission denied';
  }

  disconnected(): void {
    this.candidate = undefined;
  }

  private caret(col: number, message: string): CliReply {
    return { output: `${' '.repeat(this.promptLine().length + col)}^\n${message}` };
  }

  handle(line: string): CliReply {
    const text = line.trim().replace(/\s+/g, ' ');
    if (text === '') return { output: '' };
    return this.mode === 'exec' ? this.exec(text) : this.config(text);
  }

  private exec(line: string): CliReply {
    const tokens = tokenColumns(line);
    const first = matchKeyword(tokens[0]!.token, EXEC_WORDS);
    if (first.kind !== 'ok')
      return this.caret(
        0,
        first.kind === 'ambiguous' ? `error: '${tokens[0]!.token}' is ambiguous.` : 'unknown command.',
      );
    const rest = line.split(' ').slice(1).join(' ');
    const d = this.device;
    switch (first.word) {
      case 'exit':
      case 'quit':
        return { output: '', end: true };
      case 'configure': {
        if (!['', 'private', 'exclusive'].includes(rest)) return this.caret(tokens[1]!.col, 'syntax error.');
        this.mode = 'config';
        this.candidate = [...d.committed];
        const warn = rest === 'private' ? 'warning: uncommitted changes will be discarded on exit\n' : '';
        return { output: `${warn}Entering configuration mode` };
      }
      case 'set': {
        const m = /^cli (screen-length|screen-width) (\d+)$/.exec(rest);
        if (m?.[1] === 'screen-length') this.screenLength = Number(m[2]);
        if (m) return { output: `Screen ${m[1] === 'screen-length' ? 'length' : 'width'} set to ${m[2]}` };
        if (rest === 'cli complete-on-space off') return { output: 'Disabling complete-on-space' };
        if (rest === 'cli timestamp disable') return { output: '' };
        return this.caret(tokens[1]?.col ?? line.length, 'syntax error.');
      }
      case 'show':
        return this.show(rest, d.committed, tokens[1]?.col ?? line.length);
      default:
        return this.caret(0, 'unknown command.');
    }
  }

  private show(what: string, config: string[], col: number): CliReply {
    if (what === 'version') return { output: `Hostname: ${this.device.hostname}\nModel: vmx\nJunos: 21.4R3.15` };
    if (what === 'configuration | display set' || what === '| display set') return { output: config.join('\n') };
    if (what === 'configuration' || what === '') return { output: hierarchical(config) };
    if (what === 'system commit')
      return { output: this.device.history.map((_, i) => `${i}   committed`).join('\n') || '0   committed' };
    return this.caret(col, 'syntax error.');
  }

  private config(line: string): CliReply {
    const d = this.device;
    const cand = this.candidate!;
    const tokens = tokenColumns(line);
    const word = tokens[0]!.token;
    if (word === 'set') return this.set(tokens);
    if (line === 'delete') {
      // A bare `delete` at the top of the hierarchy empties the candidate, after asking, as Junos does.
      return {
        output: '',
        ask: {
          prompt: 'Delete everything under this level? [yes,no] (no) ',
          echo: true,
          answer: (a) => {
            if (/^y(es)?$/i.test(a.trim())) this.candidate = [];
            return { output: '' };
          },
        },
      };
    }
    if (word === 'delete') {
      const prefix = `set ${line.slice('delete '.length)}`;
      const kept = cand.filter((l) => !(l === prefix || l.startsWith(`${prefix} `)));
      if (kept.length === cand.length) return { output: 'warning: statement not found' };
      this.candidate = kept;
      return { output: '' };
    }
    if (line === 'show | compare') return { output: compare(d.committed, cand) };
    if (word === 'show') return this.show(line.slice(5), cand, tokens[1]?.col ?? line.length);
    if (line === 'commit check') return { output: 'configuration check succeeds' };
    if (line === 'commit' || line === 'commit and-quit') {
      d.commit(cand);
      d.confirmPending();
      if (line === 'commit and-quit') this.leave();
      return { output: `commit complete${line === 'commit and-quit' ? '\nExiting configuration mode' : ''}` };
    }
    const confirmed = /^commit confirmed(?: (\d+))?$/.exec(line);
    if (confirmed) {
      const minutes = Number(confirmed[1] ?? 10);
      d.commitConfirmed(cand, minutes);
      return {
        output: [
          `commit confirmed will be automatically rolled back in ${minutes} minutes unless confirmed`,
          'commit complete',
          '',
          `# commit confirmed will be rolled back in ${minutes} minutes`,
        ].join('\n'),
      };
    }
    const rollback = /^rollback(?: (\d+))?$/.exec(line);
    if (rollback) {
      const n = Number(rollback[1] ?? 0);
      const target = n === 0 ? d.committed : d.history[n - 1];
      if (!target) return { output: `error: rollback ${n} not found` };
      this.candidate = [...target];
      return { output: 'load complete' };
    }
    if (line === 'exit configuration-mode' || line === 'exit' || line === 'quit') {
      if (sameLines(cand, d.committed)) return this.leave();
      return {
        output: 'The configuration has been changed but not committed',
        ask: {
          prompt: 'Exit with uncommitted changes? [yes,no] (yes) ',
          echo: true,
          answer: (a) => (/^(y|yes|)$/i.test(a.trim()) ? this.leave() : { output: '' }),
        },
      };
    }
    if (word === 'run') return this.exec(line.slice(4));
    return this.caret(0, 'unknown command.');
  }

  private leave(): CliReply {
    this.mode = 'exec';
    this.candidate = undefined;
    return { output: 'Exiting configuration mode' };
  }

  private set(tokens: Array<{ token: string; col: number }>): CliReply {
    const top = tokens[1];
    if (!top) return { output: 'error: missing argument' };
    const m = matchKeyword(top.token, Object.keys(HIERARCHY));
    if (m.kind !== 'ok')
      return this.caret(top.col, m.kind === 'ambiguous' ? `error: '${top.token}' is ambiguous.` : 'syntax error.');
    const words = ['set', m.word];
    const second = HIERARCHY[m.word];
    let from = 2;
    if (second) {
      const t = tokens[2];
      if (!t) return { output: 'error: missing argument' };
      const s = matchKeyword(t.token, second);
      if (s.kind !== 'ok')
        return this.caret(t.col, s.kind === 'ambiguous' ? `error: '${t.token}' is ambiguous.` : 'syntax error.');
      words.push(s.word);
      from = 3;
    }
    words.push(...tokens.slice(from).map((t) => t.token));
    const stored = words.join(' ');
    const cand = this.candidate!;
    if (cand.includes(stored)) return { output: '' };
    const single = words.findIndex((w, i) => i > 0 && SINGLE_VALUED.includes(w));
    let next = cand;
    if (single > 0 && single < words.length - 1) {
      const prefix = `${words.slice(0, single + 1).join(' ')} `;
      next = cand.filter((l) => !l.startsWith(prefix));
    }
    this.candidate = [...next, stored];
    return { output: '' };
  }
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((l) => b.includes(l));
}

/** `show | compare`: each added or removed statement under its `[edit …]` hierarchy, as Junos groups them. */
function compare(committed: string[], candidate: string[]): string {
  const out: string[] = [];
  const emit = (line: string, sign: '+' | '-') => {
    const words = line.split(' ').slice(1);
    const leaf = words.length > 1 ? words.slice(-1) : words;
    const path = words.slice(0, Math.max(0, words.length - 1));
    out.push(`[edit${path.length > 0 ? ` ${path.join(' ')}` : ''}]`, `${sign}   ${leaf.join(' ')};`);
  };
  for (const l of committed) if (!candidate.includes(l)) emit(l, '-');
  for (const l of candidate) if (!committed.includes(l)) emit(l, '+');
  return out.join('\n');
}

/** The braces form of `show configuration`, built from the set lines. */
function hierarchical(lines: string[]): string {
  interface Node {
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const l of lines) {
    let n = root;
    for (const w of l.split(' ').slice(1)) {
      if (!n.children.has(w)) n.children.set(w, { children: new Map() });
      n = n.children.get(w)!;
    }
  }
  const out: string[] = [];
  const walk = (n: Node, depth: number) => {
    for (const [w, c] of n.children) {
      const pad = '    '.repeat(depth);
      // A chain with a single leaf prints on one line (`server 192.0.2.1;`), as Junos does for leaves.
      if (c.children.size === 0) out.push(`${pad}${w};`);
      else if (c.children.size === 1 && [...c.children.values()][0]!.children.size === 0)
        out.push(`${pad}${w} ${[...c.children.keys()][0]};`);
      else {
        out.push(`${pad}${w} {`);
        walk(c, depth + 1);
        out.push(`${pad}}`);
      }
    }
  };
  walk(root, 0);
  return out.join('\n');
}
