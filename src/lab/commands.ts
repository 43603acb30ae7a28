import { createHash } from 'node:crypto';
import { FsFailure, MemoryFs } from './filesystem.js';

/**
 * What a device answers to exec requests: enough of a network OS (`show version`, `show running-config`)
 * and of a POSIX shell (`cat`, `cp`, `service`, `ntpq -p`, `&&`) for playbooks to read state, push files and
 * restart services. Commands a test adds through LabOptions.commands win over the built-in ones.
 */

export interface CommandOutput {
  stdout: string;
  stderr: string;
  rc: number;
}

export interface CommandContext {
  host: string;
  site: string;
  command: string;
}

export type CustomCommand = (ctx: CommandContext) => { stdout?: string; stderr?: string; rc?: number };

export interface DeviceIdentity {
  host: string;
  site: string;
  /** 1-based position in the fleet; gives each device a distinct serial and address. */
  index: number;
  bootedAt: number;
}

export interface ShellState {
  identity: DeviceIdentity;
  fs: MemoryFs;
  user: string;
  cwd: string;
  custom: Record<string, CustomCommand>;
  /** Aborted when the client goes away, so `sleep` does not outlive the session. */
  signal: AbortSignal;
}

type Operator = '&&' | '||' | ';';
interface Segment {
  argv: string[];
  text: string;
  /** How this segment joins the one before it. */
  op: Operator;
}

/** Shell-like splitting: quotes, backslash escapes, and the `&&`, `||`, `;` separators. */
export function splitCommandLine(line: string): Segment[] | string {
  const segments: Segment[] = [];
  let argv: string[] = [];
  let word: string | null = null;
  let text = '';
  let op: Operator = ';';
  const flushWord = () => {
    if (word !== null) argv.push(word);
    word = null;
  };
  const flushSegment = (next: Operator) => {
    flushWord();
    if (argv.length > 0) segments.push({ argv, text: text.trim(), op });
    else if (segments.length > 0 || next !== ';') return `syntax error near unexpected token \`${next}'`;
    argv = [];
    text = '';
    op = next;
    return null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) return `unexpected EOF while looking for matching \`${c}'`;
      const inner = line.slice(i + 1, end);
      word = (word ?? '') + (c === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner);
      text += line.slice(i, end + 1);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[i + 1];
      text += line.slice(i, i + 2);
      i++;
    } else if ((c === '&' || c === '|') && line[i + 1] === c) {
      const err = flushSegment(c === '&' ? '&&' : '||');
      if (err) return err;
      i++;
    } else if (c === ';') {
      const err = flushSegment(';');
      if (err) return err;
    } else if (/\s/.test(c)) {
      flushWord();
      text += c;
    } else {
      word = (word ?? '') + c;
      text += c;
    }
  }
  flushWord();
  if (argv.length > 0) segments.push({ argv, text: text.trim(), op });
  else if (op !== ';') return 'syntax error: unexpected end of command';
  return segments;
}

function findCustom(custom: Record<string, CustomCommand>, command: string): CustomCommand | undefined {
  const normal = command.trim().replace(/\s+/g, ' ');
  if (custom[normal]) return custom[normal];
  let best: string | undefined;
  for (const key of Object.keys(custom)) {
    if (normal.startsWith(`${key} `) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : custom[best];
}

function runCustom(fn: CustomCommand, state: ShellState, command: string): CommandOutput {
  const r = fn({ host: state.identity.host, site: state.identity.site, command });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', rc: r.rc ?? 0 };
}

export async function runCommandLine(line: string, state: ShellState): Promise<CommandOutput> {
  const whole = findCustom(state.custom, line);
  if (whole) return runCustom(whole, state, line.trim());
  const segments = splitCommandLine(line);
  if (typeof segments === 'string') return { stdout: '', stderr: `sh: ${segments}\n`, rc: 2 };
  const out: CommandOutput = { stdout: '', stderr: '', rc: 0 };
  for (const seg of segments) {
    if ((seg.op === '&&' && out.rc !== 0) || (seg.op === '||' && out.rc === 0)) continue;
    const r = await runOne(seg, state);
    out.stdout += r.stdout;
    out.stderr += r.stderr;
    out.rc = r.rc;
    if (r.exit) break;
  }
  return out;
}

const ok = (stdout = ''): CommandOutput => ({ stdout, stderr: '', rc: 0 });
const err = (stderr: string, rc = 1): CommandOutput => ({ stdout: '', stderr: `${stderr}\n`, rc });

function fsMessage(e: unknown, cmd: string): CommandOutput {
  if (e instanceof FsFailure) {
    const why = {
      ENOENT: 'No such file or directory',
      EISDIR: 'Is a directory',
      ENOTDIR: 'Not a directory',
      EEXIST: 'File exists',
      ENOTEMPTY: 'Directory not empty',
    }[e.code];
    return err(`${cmd}: ${e.path}: ${why}`);
  }
  throw e;
}

async function runOne(seg: Segment, state: ShellState): Promise<CommandOutput & { exit?: boolean }> {
  const custom = findCustom(state.custom, seg.text);
  if (custom) return runCustom(custom, state, seg.text);
  const [name = '', ...args] = seg.argv;
  const { fs, identity } = state;
  const path = (p: string) => MemoryFs.resolve(p, state.cwd);
  try {
    switch (name) {
      case 'show':
        return show(args, state);
      case 'hostname':
        return ok(`${identity.host}\n`);
      case 'whoami':
        return ok(`${state.user}\n`);
      case 'pwd':
        return ok(`${state.cwd}\n`);
      case 'uptime':
        return ok(` up ${formatUptime(identity.bootedAt)},  load average: 0.00, 0.01, 0.05\n`);
      case 'true':
        return ok();
      case 'false':
        return { stdout: '', stderr: '', rc: 1 };
      case 'exit': {
        const rc = args[0] === undefined ? 0 : Number(args[0]);
        return { stdout: '', stderr: '', rc: Number.isInteger(rc) ? rc & 0xff : 2, exit: true };
      }
      case 'echo': {
        const noNewline = args[0] === '-n';
        const words = noNewline ? args.slice(1) : args;
        return ok(words.join(' ') + (noNewline ? '' : '\n'));
      }
      case 'sleep': {
        const seconds = Number(args[0]);
        if (!Number.isFinite(seconds) || seconds < 0) return err(`sleep: invalid time interval '${args[0] ?? ''}'`);
        await abortableDelay(seconds * 1000, state.signal);
        return ok();
      }
      case 'cat': {
        if (args.length === 0) return err('cat: missing operand');
        let stdout = '';
        for (const a of args) {
          const st = fs.stat(path(a));
          if (st?.kind === 'dir') return { stdout, stderr: `cat: ${a}: Is a directory\n`, rc: 1 };
          const data = fs.readFile(path(a));
          if (data === null) return { stdout, stderr: `cat: ${a}: No such file or directory\n`, rc: 1 };
          stdout += data.toString('utf8');
        }
        return ok(stdout);
      }
      case 'sha256sum':
      case 'md5sum': {
        let stdout = '';
        for (const a of args) {
          const data = fs.readFile(path(a));
          if (data === null) return { stdout, stderr: `${name}: ${a}: No such file or directory\n`, rc: 1 };
          stdout += `${createHash(name === 'md5sum' ? 'md5' : 'sha256')
            .update(data)
            .digest('hex')}  ${a}\n`;
        }
        return ok(stdout);
      }
      case 'cp': {
        if (args.length !== 2) return err('cp: expected SOURCE DEST');
        const [from = '', to = ''] = args;
        const data = fs.readFile(path(from));
        if (data === null) return err(`cp: cannot stat '${from}': No such file or directory`);
        const dest = fs.stat(path(to))?.kind === 'dir' ? `${path(to)}/${path(from).split('/').pop()}` : path(to);
        fs.writeFile(dest, Buffer.from(data), fs.stat(path(from))?.mode);
        return ok();
      }
      case 'mv': {
        if (args.length !== 2) return err('mv: expected SOURCE DEST');
        fs.rename(path(args[0] ?? ''), path(args[1] ?? ''));
        return ok();
      }
      case 'rm': {
        const force = args.includes('-f');
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          try {
            fs.remove(path(a));
          } catch (e) {
            if (!force) throw e;
          }
        }
        return ok();
      }
      case 'mkdir': {
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          if (args.includes('-p')) fs.mkdirp(path(a));
          else fs.mkdir(path(a));
        }
        return ok();
      }
      case 'ls': {
        const targets = args.filter((x) => !x.startsWith('-'));
        let stdout = '';
        for (const t of targets.length > 0 ? targets : ['.']) {
          const st = fs.stat(path(t));
          if (!st) return { stdout, stderr: `ls: cannot access '${t}': No such file or directory\n`, rc: 2 };
          stdout +=
            st.kind === 'dir'
              ? fs
                  .list(path(t))
                  .map((n) => `${n}\n`)
                  .join('')
              : `${t}\n`;
        }
        return ok(stdout);
      }
      case 'service':
      case 'systemctl': {
        // `service NAME ACTION` and `systemctl ACTION NAME` name the same two things in opposite orders.
        const [svc, action] = name === 'service' ? [args[0], args[1]] : [args[1], args[0]];
        if (!svc || !action) return err(`${name}: expected ${name === 'service' ? 'NAME ACTION' : 'ACTION NAME'}`);
        if (!['start', 'stop', 'restart', 'reload', 'status'].includes(action))
          return err(`${name}: unknown action '${action}'`);
        if (action === 'status') return ok(`${svc} is running\n`);
        const verb = { start: 'Starting', stop: 'Stopping', restart: 'Restarting', reload: 'Reloading' }[action];
        return ok(`${verb} ${svc}: done.\n`);
      }
      case 'ntpq':
        if (!args.includes('-p')) return err('ntpq: only -p is supported here');
        return ok(ntpPeers(fs.readFile('/etc/ntp.conf')));
      default:
        return err(`sh: ${name}: command not found`, 127);
    }
  } catch (e) {
    return fsMessage(e, name);
  }
}

function show(args: string[], state: ShellState): CommandOutput {
  const what = args.join(' ');
  const { identity } = state;
  if (/^ver(s(i(on?)?)?)?$/.test(what)) {
    return ok(
      [
        `LabOS Software, Version 4.2.1 (runbook lab)`,
        `${identity.host} uptime is ${formatUptime(identity.bootedAt)}`,
        `Model: LAB-1000, site ${identity.site}`,
        `Serial number: LAB${String(identity.index).padStart(6, '0')}`,
        `Loopback0: ${loopback(identity.index)}`,
        '',
      ].join('\n'),
    );
  }
  if (/^run(n(i(ng?)?)?)?(-config)?$/.test(what)) return ok(runningConfig(state));
  if (what === 'clock') return ok(`${new Date().toISOString()}\n`);
  return err(`% Invalid input detected: show ${what}`, 1);
}

/** The config is derived from the file system, so a pushed /etc/ntp.conf shows up here as a real device's would. */
function runningConfig(state: ShellState): string {
  const { identity, fs } = state;
  const lines = [
    `! Last configuration change by ${state.user}`,
    `hostname ${identity.host}`,
    '!',
    'interface Loopback0',
    ` ip address ${loopback(identity.index)} 255.255.255.255`,
    '!',
  ];
  const ntp = ntpServers(fs.readFile('/etc/ntp.conf'));
  for (const server of ntp) lines.push(`ntp server ${server}`);
  if (ntp.length > 0) lines.push('!');
  const motd = fs.readFile('/etc/motd');
  if (motd) lines.push('banner motd ^', motd.toString('utf8').replace(/\n$/, ''), '^', '!');
  lines.push('end', '');
  return lines.join('\n');
}

function ntpServers(conf: Buffer | null): string[] {
  if (!conf) return [];
  return conf
    .toString('utf8')
    .split('\n')
    .map((l) => /^\s*(?:server|pool|peer)\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

function ntpPeers(conf: Buffer | null): string {
  const servers = ntpServers(conf);
  if (servers.length === 0) return "No association ID's returned\n";
  const header = [
    '     remote           refid      st t when poll reach   delay   offset  jitter',
    '==============================================================================',
  ];
  const rows = servers.map(
    (s, i) =>
      `${i === 0 ? '*' : '+'}${s.padEnd(16)} .GPS.            1 u   ` +
      `${String(12 + i * 7).padStart(2)}   64  377    0.512    0.021   0.004`,
  );
  return [...header, ...rows, ''].join('\n');
}

function loopback(index: number): string {
  return `10.255.${Math.floor(index / 256) % 256}.${index % 256}`;
}

function formatUptime(bootedAt: number): string {
  const minutes = Math.floor((Date.now() - bootedAt) / 60_000);
  const h = Math.floor(minutes / 60);
  return `${Math.floor(h / 24)} days, ${h % 24} hours, ${minutes % 60} minutes`;
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
