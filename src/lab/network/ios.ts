import { createHash } from 'node:crypto';
import { applyLine, cloneTree, parseTree, renderTree, type ConfigNode } from './indented-config.js';
import { BLOCKS, fullInterfaceName, parseConfigLine, TOP, type ParsedLine } from './ios-grammar.js';
import { matchKeyword, tokenColumns, type CliPersonality, type CliReply, type LabClock } from './personality.js';

/**
 * Cisco IOS and Arista EOS as the lab plays them. The state that outlives a login (running and startup
 * config, a pending revert timer or session commit timer, EOS's named sessions) is one IosDevice per device;
 * each login is an IosSession with its own mode, config context and terminal length.
 *
 * IOS: user exec `>`, `enable` with a password, `configure terminal [revert timer N]`, `configure confirm`,
 * `configure revert now`, the hostname truncated in config prompts. EOS: `configure session NAME`, staged
 * lines, `show session-config diffs`, `commit`, `commit timer hh:mm:ss`, `configure session NAME commit|abort`.
 */

export type IosFlavor = 'ios' | 'eos';

/** IOS shortens a long hostname in configuration-mode prompts. */
const CONFIG_PROMPT_HOSTNAME = 20;

export class IosDevice {
  running: ConfigNode[];
  startup: ConfigNode[];
  /** IOS revert timer, or EOS commit timer: what the device goes back to unless confirmed. */
  pending: { snapshot: ConfigNode[]; cancel: () => void; session?: string } | undefined;
  /** EOS configuration sessions not yet committed. */
  readonly sessions = new Map<string, ConfigNode[]>();
  /** What happened to the configuration, newest last, for tests and people watching the lab. */
  readonly log: string[] = [];

  constructor(
    readonly flavor: IosFlavor,
    host: string,
    index: number,
    readonly enableSecret: string,
    readonly clock: LabClock,
  ) {
    this.running = parseTree(seedConfig(flavor, host, index));
    this.startup = cloneTree(this.running);
  }

  get hostname(): string {
    return this.running.find((n) => n.text.startsWith('hostname '))?.text.slice('hostname '.length) ?? 'Router';
  }

  hasArchive(): boolean {
    return this.running.some((n) => n.text === 'archive' && n.children.some((c) => c.text.startsWith('path ')));
  }

  /** The running config as `show running-config` prints it. */
  show(): string {
    const body = renderTree(this.running, this.flavor === 'eos' ? 3 : 1);
    if (this.flavor === 'eos')
      return [
        '! Command: show running-config',
        `! device: ${this.hostname} (vEOS-lab, EOS-4.30.1F)`,
        '!',
        ...body,
        'end',
        '',
      ].join('\n');
    const text = ['!', ...body, 'end'].join('\n');
    return `Building configuration...\n\nCurrent configuration : ${text.length} bytes\n${text}\n`;
  }

  /** Arms the rollback: unless cancelled, the config goes back to what it is now after `minutes`. */
  arm(minutes: number, why: string, session?: string): void {
    const snapshot = this.pending?.snapshot ?? cloneTree(this.running);
    this.pending?.cancel();
    const cancel = this.clock.after(minutes, () => {
      this.running = snapshot;
      this.pending = undefined;
      this.log.push(`rolled back: ${why} expired`);
    });
    this.pending = session === undefined ? { snapshot, cancel } : { snapshot, cancel, session };
  }

  confirm(): boolean {
    if (!this.pending) return false;
    this.pending.cancel();
    this.pending = undefined;
    this.log.push('confirmed');
    return true;
  }

  revertNow(): boolean {
    if (!this.pending) return false;
    this.pending.cancel();
    this.running = this.pending.snapshot;
    this.pending = undefined;
    this.log.push('rolled back on request');
    return true;
  }
}

type Mode = 'exec' | 'privileged' | 'config';

/** Exec commands: keywords, `<n>` a number, `<word>` anything, `<hms>` hh:mm:ss. */
const EXEC: Array<{ words: string[]; privileged: boolean; flavor?: IosFlavor }> = [
  { words: ['enable'], privileged: false },
  { words: ['disable'], privileged: true },
  { words: ['exit'], privileged: false },
  { words: ['logout'], privileged: false },
  { words: ['terminal', 'length', '<n>'], privileged: false },
  { words: ['terminal', 'width', '<n>'], privileged: false },
  { words: ['show', 'version'], privileged: false },
  { words: ['show', 'clock'], privileged: false },
  { words: ['show', 'running-config'], privileged: true },
  { words: ['show', 'startup-config'], privileged: true },
  { words: ['show', 'archive'], privileged: true, flavor: 'ios' },
  { words: ['show', 'configuration', 'sessions'], privileged: true, flavor: 'eos' },
  { words: ['configure', 'terminal'], privileged: true },
  { words: ['configure', 'terminal', 'revert', 'timer', '<n>'], privileged: true, flavor: 'ios' },
  { words: ['configure', 'confirm'], privileged: true, flavor: 'ios' },
  { words: ['configure', 'revert', 'now'], privileged: true, flavor: 'ios' },
  { words: ['configure', 'session', '<word>'], privileged: true, flavor: 'eos' },
  { words: ['configure', 'session', '<word>', 'commit'], privileged: true, flavor: 'eos' },
  { words: ['configure', 'session', '<word>', 'abort'], privileged: true, flavor: 'eos' },
  { words: ['write', 'memory'], privileged: true },
  { words: ['write'], privileged: true },
  { words: ['copy', 'running-config', 'startup-config'], privileged: true },
];

type ExecMatch =
  | { kind: 'ok'; words: string[]; args: string[] }
  | { kind: 'invalid'; col: number }
  | { kind: 'ambiguous'; token: string }
  | { kind: 'incomplete' };

function fitsParam(param: string, token: string): boolean {
  if (param === '<n>') return /^\d+$/.test(token);
  if (param === '<hms>') return /^\d{1,2}:\d{2}:\d{2}$/.test(token);
  return param === '<word>';
}

function matchExec(line: string, table: typeof EXEC): ExecMatch {
  const tokens = tokenColumns(line);
  let candidates = table;
  const args: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { token, col } = tokens[i]!;
    const live = candidates.filter((c) => c.words.length > i);
    const keywords = [...new Set(live.map((c) => c.words[i]!).filter((w) => !w.startsWith('<')))];
    const m = matchKeyword(token, keywords);
    if (m.kind === 'ok') {
      candidates = live.filter((c) => c.words[i] === m.word);
      continue;
    }
    const params = live.filter((c) => c.words[i]!.startsWith('<') && fitsParam(c.words[i]!, token));
    if (params.length > 0) {
      candidates = params;
      args.push(token);
      continue;
    }
    if (m.kind === 'ambiguous') return { kind: 'ambiguous', token };
    return { kind: 'invalid', col };
  }
  const done = candidates.find((c) => c.words.length === tokens.length);
  if (done) return { kind: 'ok', words: done.words, args };
  return { kind: 'incomplete' };
}

export class IosSession implements CliPersonality {
  private mode: Mode = 'exec';
  private termLength = 24;
  /** The open blocks in config mode, outermost first: their node and their prompt suffix. */
  private blocks: Array<{ node: ConfigNode; kind: string; label: string }> = [];
  /** EOS: the session being edited, when config mode was entered with `configure session`. */
  private session: { name: string; tree: ConfigNode[] } | undefined;
  readonly pager = ' --More-- ';

  constructor(private readonly device: IosDevice) {}

  private get flavor(): IosFlavor {
    return this.device.flavor;
  }

  prompt(): string {
    const host = this.device.hostname;
    if (this.mode === 'exec') return `${host}>`;
    if (this.mode === 'privileged') return `${host}#`;
    const short = this.flavor === 'ios' ? host.slice(0, CONFIG_PROMPT_HOSTNAME) : host;
    const inner = this.blocks.map((b) => b.label);
    if (this.session)
      return `${short}(config-s-${this.session.name.slice(0, 6)}${inner.map((l) => `-${l}`).join('')})#`;
    return `${short}(config${inner.length > 0 ? `-${inner[inner.length - 1]}` : ''})#`;
  }

  pagerLength(): number {
    return this.termLength;
  }

  inConfig(): boolean {
    return this.mode === 'config';
  }

  denied(): string {
    return this.flavor === 'eos' ? '% Authorization denied for command' : 'Command authorization failed.';
  }

  disconnected(): void {
    this.blocks = [];
    this.session = undefined;
  }

  private invalid(line: string, col: number): CliReply {
    if (this.flavor === 'eos') {
      const token = tokenColumns(line).findIndex((t) => t.col === col);
      return { output: `% Invalid input (at token ${token}: '${tokenColumns(line)[token]?.token ?? ''}')` };
    }
    // The caret sits under the offending character, counted from the start of the prompt.
    return { output: `${' '.repeat(this.prompt().length + col)}^\n% Invalid input detected at '^' marker.\n` };
  }

  private ambiguous(token: string): CliReply {
    return { output: this.flavor === 'eos' ? '% Ambiguous command' : `% Ambiguous command:  "${token}"` };
  }

  handle(line: string): CliReply | Promise<CliReply> {
    if (line.trim() === '') return { output: '' };
    return this.mode === 'config' ? this.config(line.trim()) : this.exec(line.trim());
  }

  private exec(line: string): CliReply {
    const table = EXEC.filter(
      (c) => (c.flavor === undefined || c.flavor === this.flavor) && (!c.privileged || this.mode === 'privileged'),
    );
    const m = matchExec(line, table);
    if (m.kind === 'invalid') return this.invalid(line, m.col);
    if (m.kind === 'ambiguous') return this.ambiguous(m.token);
    if (m.kind === 'incomplete') return { output: '% Incomplete command.' };
    const d = this.device;
    const cmd = m.words.filter((w) => !w.startsWith('<')).join(' ');
    switch (cmd) {
      case 'enable':
        if (this.mode === 'privileged') return { output: '' };
        return {
          output: '',
          ask: {
            prompt: 'Password: ',
            echo: false,
            answer: (pw) => {
              if (pw === d.enableSecret) this.mode = 'privileged';
              return { output: pw === d.enableSecret ? '' : '% Access denied' };
            },
          },
        };
      case 'disable':
        this.mode = 'exec';
        return { output: '' };
      case 'exit':
      case 'logout':
        return { output: '', end: true };
      case 'terminal length':
        this.termLength = Number(m.args[0]);
        return { output: '' };
      case 'terminal width':
        return { output: '' };
      case 'show version':
        return { output: this.version() };
      case 'show clock':
        return { output: `*${new Date().toISOString().slice(11, 23)} UTC` };
      case 'show running-config':
        return { output: d.show() };
      case 'show startup-config':
        return { output: renderTree(d.startup, d.flavor === 'eos' ? 3 : 1).join('\n') };
      case 'show archive':
        if (!d.hasArchive()) return { output: 'Archive feature not enabled' };
        return {
          output:
            'The maximum archive configurations allowed is 14.\nThe next archive file will be named flash:archive-1\n' +
            ' Archive #  Name\n   1       <- Most Recent',
        };
      case 'show configuration sessions':
        return {
          output: [
            'Name    State         User    Terminal',
            ...[...d.sessions.keys()].map((n) => `${n}  pending`),
            ...(d.pending?.session ? [`${d.pending.session}  pendingCommitTimer`] : []),
          ].join('\n'),
        };
      case 'configure terminal':
        this.mode = 'config';
        return { output: 'Enter configuration commands, one per line.  End with CNTL/Z.' };
      case 'configure terminal revert timer': {
        if (!d.hasArchive())
          return {
            output: '% Archive feature not enabled: configure archive with a path before using the revert timer',
          };
        d.arm(Number(m.args[0]), 'revert timer');
        this.mode = 'config';
        return {
          output:
            'Rollback Confirmed Change: Rollback will begin in ' +
            m.args[0] +
            ' minutes\nEnter configuration commands, one per line.  End with CNTL/Z.',
        };
      }
      case 'configure confirm':
        return { output: d.confirm() ? '' : '% No Rollback Confirmed Change pending' };
      case 'configure revert now':
        return { output: d.revertNow() ? 'Rollback Done' : '% No Rollback Confirmed Change pending' };
      case 'configure session': {
        const name = m.args[0]!;
        if (!d.sessions.has(name)) d.sessions.set(name, cloneTree(d.running));
        this.session = { name, tree: d.sessions.get(name)! };
        this.mode = 'config';
        return { output: '' };
      }
      case 'configure session commit': {
        const name = m.args[0]!;
        if (d.pending?.session === name) return { output: d.confirm() ? '' : '' };
        const tree = d.sessions.get(name);
        if (!tree) return { output: `% Session ${name} not found` };
        d.running = tree;
        d.sessions.delete(name);
        return { output: '' };
      }
      case 'configure session abort': {
        const name = m.args[0]!;
        if (d.pending?.session === name) return { output: d.revertNow() ? '' : '' };
        if (!d.sessions.delete(name)) return { output: `% Session ${name} not found` };
        return { output: '' };
      }
      case 'write memory':
      case 'write':
      case 'copy running-config startup-config':
        d.startup = cloneTree(d.running);
        return { output: d.flavor === 'eos' ? 'Copy completed successfully.' : 'Building configuration...\n[OK]' };
      default:
        return this.invalid(line, 0);
    }
  }

  private version(): string {
    const h = this.device.hostname;
    // A serial of the device's own, as real boxes print one (gather_facts reads it).
    const serial = createHash('sha256').update(h).digest('hex').slice(0, 11).toUpperCase();
    if (this.flavor === 'eos') {
      return [
        'Arista vEOS-lab',
        'Hardware version:',
        `Serial number: ${serial}`,
        'Software image version: 4.30.1F',
        `Hostname: ${h}`,
      ].join('\n');
    }
    return [
      'Cisco IOS XE Software, Version 17.09.04a',
      'Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)',
      `${h} uptime is 1 day, 2 hours, 3 minutes`,
      'System image file is "bootflash:packages.conf"',
      'cisco C8000V (VXE) processor (revision VXE) with 1987132K/3075K bytes of memory.',
      `Processor board ID ${serial}`,
    ].join('\n');
  }

  private tree(): ConfigNode[] {
    return this.session?.tree ?? this.device.running;
  }

  private config(line: string): CliReply {
    const first = line.split(/\s+/)[0]!.toLowerCase();
    if (first === 'end' || line === '\x1a') return this.leaveConfig(false);
    if (first === 'do') return this.exec(line.slice(2).trim());
    if (this.session && this.blocks.length === 0) {
      if (first === 'commit') return this.commitSession(line);
      if (first === 'abort') {
        this.device.sessions.delete(this.session.name);
        return this.leaveConfig(true);
      }
      if (line === 'show session-config diffs') return { output: this.sessionDiff() };
      // EOS: the session starts from an empty config, so what is entered next replaces the running config.
      if (line === 'rollback clean-config') {
        this.session.tree.length = 0;
        return { output: '' };
      }
    }
    if (first === 'exit') {
      if (this.blocks.length === 0) return this.leaveConfig(false);
      this.blocks.pop();
      return { output: '' };
    }
    // Inside a block a line that is no sub-command but a global one closes the block, as IOS does.
    for (let depth = this.blocks.length; depth >= 0; depth--) {
      const rules = depth === 0 ? TOP : (BLOCKS[this.blocks[depth - 1]!.kind] ?? {});
      const parsed = parseConfigLine(line, rules, (kw, args) => this.normaliseArgs(kw, args));
      if (parsed.kind === 'ok' || depth === 0) {
        if (parsed.kind !== 'ok') return this.rejected(line, parsed);
        this.blocks = this.blocks.slice(0, depth);
        if (parsed.text === 'exit-address-family') {
          this.blocks.pop();
          return { output: '' };
        }
        const level = depth === 0 ? this.tree() : this.blocks[depth - 1]!.node.children;
        const node = applyLine(level, parsed.text);
        if (parsed.block !== undefined && node)
          this.blocks.push({ node, kind: parsed.block, label: this.blockLabel(parsed.block, parsed.text) });
        return { output: '' };
      }
    }
    return this.invalid(line, 0);
  }

  private rejected(line: string, parsed: Exclude<ParsedLine, { kind: 'ok' }>): CliReply {
    if (parsed.kind === 'invalid') return this.invalid(line, parsed.col);
    if (parsed.kind === 'ambiguous') return this.ambiguous(parsed.token);
    return { output: '% Incomplete command.' };
  }

  private blockLabel(kind: string, text: string): string {
    if (this.flavor === 'eos' && kind === 'if') {
      const name = text.split(' ')[1] ?? '';
      return `if-${name
        .replace(/^Ethernet/, 'Et')
        .replace(/^Management/, 'Ma')
        .replace(/^Loopback/, 'Lo')}`;
    }
    const labels: Record<string, string> = {
      if: 'if',
      router: 'router',
      af: 'router-af',
      line: 'line',
      archive: 'archive',
      vlan: 'vlan',
      'route-map': 'route-map',
      nacl: 'ext-nacl',
      mgmt: 'mgmt',
    };
    return labels[kind] ?? kind;
  }

  private normaliseArgs(keyword: string, args: string[]): string[] {
    if (keyword === 'interface' && args.length > 0) return [fullInterfaceName(args.join(''), this.flavor)];
    return args;
  }

  private leaveConfig(discard: boolean): CliReply {
    this.blocks = [];
    if (discard) this.session = undefined;
    this.session = undefined;
    this.mode = 'privileged';
    return { output: '' };
  }

  private commitSession(line: string): CliReply {
    const session = this.session!;
    const d = this.device;
    const timer = /^commit\s+timer\s+(\d{1,2}):(\d{2}):(\d{2})$/.exec(line);
    if (line !== 'commit' && !timer) return this.invalid(line, line.indexOf(' ') + 1);
    if (d.pending && d.pending.session !== session.name)
      return { output: '% Cannot commit: another session has a pending commit timer' };
    if (timer) {
      const minutes = Number(timer[1]) * 60 + Number(timer[2]) + Number(timer[3]) / 60;
      d.arm(minutes, `commit timer of session ${session.name}`, session.name);
    }
    d.running = session.tree;
    d.sessions.delete(session.name);
    return this.leaveConfig(true);
  }

  private sessionDiff(): string {
    const before = renderTree(this.device.running, 3).filter((l) => l !== '!');
    const after = renderTree(this.session!.tree, 3).filter((l) => l !== '!');
    const out = ['--- system:/running-config', `+++ session:/${this.session!.name}-session-config`];
    for (const l of before) if (!after.includes(l)) out.push(`-${l}`);
    for (const l of after) if (!before.includes(l)) out.push(`+${l}`);
    return out.join('\n');
  }
}

function seedConfig(flavor: IosFlavor, host: string, index: number): string {
  const octet = ((index - 1) % 250) + 1;
  if (flavor === 'eos') {
    return [
      `hostname ${host}`,
      'ip domain-name lab.example',
      'ntp server 192.0.2.1',
      'interface Ethernet1',
      '   description uplink',
      `   ip address 10.0.${octet}.1/24`,
      'interface Ethernet2',
      '   shutdown',
      'interface Loopback0',
      `   ip address 10.255.0.${octet}/32`,
      'interface Management1',
      '   ip address 192.0.2.10/24',
      'ip routing',
    ].join('\n');
  }
  return [
    'version 17.9',
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    `hostname ${host}`,
    'boot-start-marker',
    'boot-end-marker',
    'archive',
    ' path flash:archive',
    ' maximum 14',
    'ip domain-name lab.example',
    'interface Loopback0',
    ` ip address 10.255.0.${octet} 255.255.255.255`,
    'interface GigabitEthernet0/0',
    ' description uplink',
    ` ip address 10.0.${octet}.1 255.255.255.0`,
    'interface GigabitEthernet0/1',
    ' no ip address',
    ' shutdown',
    'ntp server 192.0.2.1',
    'line vty 0 4',
    ' transport input ssh',
  ].join('\n');
}
