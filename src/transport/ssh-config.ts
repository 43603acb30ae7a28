import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname as localHostName } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * OpenSSH client configuration (ssh_config(5)), read with OpenSSH's own rules so a fleet reachable with
 * `ssh HOST` is reachable with runbook: the first value obtained for a keyword wins, `Host` and `Match`
 * blocks apply when they match, `Include` is expanded in place with globs, and a second, final pass is
 * made when a `Match final`/`canonical` block asks for it. Only the keywords that decide how to reach a
 * host are kept; every other keyword is accepted and ignored, as a different ssh version's keyword would be.
 */

/** Where a value came from, for messages that point at the line to fix. */
export interface SshConfigOrigin {
  file: string;
  line: number;
}

export class SshConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
    this.name = 'SshConfigError';
  }
}

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new' | 'off';

/** The values the config set for one host; absent means "not set" (the caller's default applies). */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** As written (OpenSSH expands `~` and tokens only when it uses them); see `expandIdentityFile`. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** An expanded path, `none`, or `SSH_AUTH_SOCK`. */
  identityAgent?: string;
  /** `[]` for `ProxyJump none`. */
  proxyJump?: JumpHop[];
  /** The ProxyJump value as written, as `ssh -G` prints it. */
  proxyJumpRaw?: string;
  /** As written, tokens unexpanded (`%h`, `%p`, …); `none` is reported as absent. */
  proxyCommand?: string;
  proxyCommandOrigin?: SshConfigOrigin;
  /** Expanded paths. */
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeoutSeconds?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  hostKeyAlias?: string;
}

export interface SshConfigContext {
  /** The local account's home, for `~` and `%d`. */
  home: string;
  /** The local account's name, for `%u` and the default remote user. */
  localUser: string;
  /**
   * Whether `Match exec` may run its command. Only for files the operator chose (`~/.ssh/config`, `-F`):
   * a config file named by a playbook or inventory is hostile input and must not run code on the controller.
   */
  trusted: boolean;
  /** Reads a file; null when it does not exist. Defaults to the file system. */
  readFile?: (path: string) => string | null;
  /** Lists a directory's entries; defaults to the file system. */
  listDir?: (path: string) => string[];
  /** Where a relative Include is looked for: `~/.ssh` (the default) or `/etc/ssh`. */
  includeBase?: string;
  /** Parsed files by path, shared by every lookup of a run (a fleet reads each file once). */
  cache?: Map<string, ParsedLine[] | null>;
  /** Runs a `Match exec` command through the shell, true when it exits 0. Defaults to /bin/sh. */
  runExec?: (command: string) => boolean;
}

/** What the host is being looked up as: the command line's values (`ssh -l USER -p PORT HOST`). */
export interface SshConfigQuery {
  host: string;
  user?: string;
  port?: number;
}

const MAX_INCLUDE_DEPTH = 16;

export type { ParsedLine as SshConfigLine };

/**
 * Characters allowed in a host or user name that a `Match exec` or `ProxyCommand` command receives through
 * `%h`, `%r`, `%n`: inventory names are hostile input, and a shell must never see their metacharacters
 * (OpenSSH 9.6 refuses such names for the same reason).
 */
const SAFE_TOKEN = /^[A-Za-z0-9_.:@[\]-]*$/;

interface Pass {
  final: boolean;
  wantFinal: boolean;
}

/**
 * Keyword values being collected during one lookup (first obtained wins): a host's values before `finish`,
 * with `ProxyJump none` still told apart from "not set" and `IgnoreUnknown` kept for the lines that follow.
 */
interface Collected extends Omit<SshHostConfig, 'proxyJump'> {
  proxyJump?: JumpHop[] | 'none';
  ignoreUnknown?: string;
}

/** Every keyword of OpenSSH 9's ssh_config(5), including deprecated ones it still accepts. */
const KNOWN_KEYWORDS = new Set(
  (
    'addkeystoagent addressfamily batchmode bindaddress bindinterface canonicaldomains canonicalizefallbacklocal ' +
    'canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames casignaturealgorithms certificatefile ' +
    'challengeresponseauthentication checkhostip cipher ciphers clearallforwardings compression connectionattempts ' +
    'connecttimeout controlmaster controlpath controlpersist dynamicforward enableescapecommandline ' +
    'enablesshkeysign escapechar exitonforwardfailure fingerprinthash forkafterauthentication forwardagent ' +
    'forwardx11 forwardx11timeout forwardx11trusted gatewayports globalknownhostsfile gssapiauthentication ' +
    'gssapiclientidentity gssapidelegatecredentials gssapikexalgorithms gssapikeyexchange gssapirenewalforcesrekey ' +
    'gssapiserveridentity gssapitrustdns hashknownhosts hostbasedacceptedalgorithms hostbasedauthentication ' +
    'hostbasedkeytypes hostkeyalgorithms hostkeyalias hostname identitiesonly identityagent identityfile ' +
    'ignoreunknown include ipqos kbdinteractiveauthentication kbdinteractivedevices kexalgorithms ' +
    'knownhostscommand localcommand localforward loglevel logverbose macs nohostauthenticationforlocalhost ' +
    'numberofpasswordprompts passwordauthentication permitlocalcommand permitremoteopen pkcs11provider port ' +
    'preferredauthentications protocol proxycommand proxyjump proxyusefdpass pubkeyacceptedalgorithms ' +
    'pubkeyacceptedkeytypes pubkeyauthentication rekeylimit remotecommand remoteforward requesttty ' +
    'requiredrsasize revokedhostkeys securitykeyprovider sendenv serveralivecountmax serveraliveinterval ' +
    'sessiontype setenv stdinnull streamlocalbindmask streamlocalbindunlink stricthostkeychecking ' +
    'syslogfacility tcpkeepalive tunnel tunneldevice updatehostkeys user userknownhostsfile usekeychain ' +
    'verifyhostkeydns visualhostkey xauthlocation host match'
  ).split(' '),
);

/**
 * Looks `query.host` up in `file` (and what it includes). The query's user and port stand for ssh's
 * command-line values: they take precedence over the file and are what `Match user` and `%r` see.
 */
export function resolveSshConfig(file: string, query: SshConfigQuery, ctx: SshConfigContext): SshHostConfig {
  return resolveSshConfigFiles([{ path: file, required: true }], query, ctx);
}

/** A config file to read; a missing optional one (`~/.ssh/config`) is skipped as ssh skips it. */
export interface SshConfigFile {
  path: string;
  required: boolean;
  /** Where its relative Includes are looked for (default `~/.ssh`). */
  includeBase?: string;
}

/** Several files read in order into one set of values, as ssh reads `~/.ssh/config` then the system file. */
export function resolveSshConfigFiles(
  files: SshConfigFile[],
  query: SshConfigQuery,
  ctx: SshConfigContext,
): SshHostConfig {
  // Host lines see the name as given (case included); Match host/originalhost compare without case.
  const originalHost = query.host;
  const collected: Collected = { identityFiles: [] };
  if (query.user !== undefined) collected.user = query.user;
  if (query.port !== undefined) collected.port = query.port;
  const pass: Pass = { final: false, wantFinal: false };
  const readAll = (host: string): void => {
    for (const f of files) {
      const fileCtx = f.includeBase !== undefined ? { ...ctx, includeBase: f.includeBase } : ctx;
      readConfigFile(f.path, {
        host,
        originalHost,
        collected,
        ctx: fileCtx,
        pass,
        depth: f.required ? 0 : 1,
        neverMatch: false,
      });
    }
  };
  readAll(originalHost);
  if (pass.wantFinal) {
    // OpenSSH re-reads the files with the host name resolved so far; values already obtained stay.
    pass.final = true;
    readAll(collected.hostName !== undefined ? expandHostName(collected.hostName, originalHost) : originalHost);
  }
  return finish(collected, originalHost, ctx);
}

function finish(c: Collected, originalHost: string, ctx: SshConfigContext): SshHostConfig {
  const out: SshHostConfig = { identityFiles: c.identityFiles };
  if (c.hostName !== undefined) out.hostName = expandHostName(c.hostName, originalHost);
  if (c.user !== undefined) out.user = c.user;
  if (c.port !== undefined) out.port = c.port;
  if (c.identitiesOnly !== undefined) out.identitiesOnly = c.identitiesOnly;
  if (c.identityAgent !== undefined) out.identityAgent = c.identityAgent;
  if (c.proxyJump !== undefined) {
    out.proxyJump = c.proxyJump === 'none' ? [] : c.proxyJump;
    if (c.proxyJumpRaw !== undefined) out.proxyJumpRaw = c.proxyJumpRaw;
  }
  if (c.proxyCommand !== undefined && c.proxyCommand !== 'none') {
    out.proxyCommand = c.proxyCommand;
    if (c.proxyCommandOrigin) out.proxyCommandOrigin = c.proxyCommandOrigin;
  }
  if (c.userKnownHostsFiles !== undefined) {
    const hostName = out.hostName ?? originalHost;
    const tokens = fileTokens(ctx, hostName, out.user ?? ctx.localUser, originalHost, out.port ?? 22);
    out.userKnownHostsFiles = c.userKnownHostsFiles.map((f) => expandPath(f, ctx.home, tokens));
  }
  if (c.strictHostKeyChecking !== undefined) out.strictHostKeyChecking = c.strictHostKeyChecking;
  if (c.connectTimeoutSeconds !== undefined) out.connectTimeoutSeconds = c.connectTimeoutSeconds;
  if (c.serverAliveInterval !== undefined) out.serverAliveInterval = c.serverAliveInterval;
  if (c.serverAliveCountMax !== undefined) out.serverAliveCountMax = c.serverAliveCountMax;
  if (c.hostKeyAlias !== undefined) out.hostKeyAlias = c.hostKeyAlias;
  return out;
}

/** `HostName` accepts `%h` (the name looked up) and `%%`. */
function expandHostName(value: string, host: string): string {
  return percentExpand(value, { h: host }, 'HostName');
}

let cachedLocalHost: string | undefined;

/** The tokens of IdentityFile, UserKnownHostsFile and IdentityAgent that runbook can know before connecting. */
function fileTokens(
  ctx: SshConfigContext,
  host: string,
  remoteUser: string,
  originalHost: string,
  port: number,
): Record<string, string> {
  const local = (cachedLocalHost ??= localHostName());
  return {
    d: ctx.home,
    u: ctx.localUser,
    h: host,
    r: remoteUser,
    n: originalHost,
    p: String(port),
    l: local,
    L: local.split('.')[0] ?? local,
    i: String(process.getuid?.() ?? 0),
  };
}

/** An IdentityFile as OpenSSH opens it: `~` is the home directory, `%d/%u/%h/%r/%n/%p/%l` are expanded. */
export function expandIdentityFile(
  raw: string,
  ctx: Pick<SshConfigContext, 'home' | 'localUser'>,
  target: { host: string; user: string; originalHost: string; port: number },
): string {
  const tokens = fileTokens({ ...ctx, trusted: false }, target.host, target.user, target.originalHost, target.port);
  return expandPath(raw, ctx.home, tokens);
}

/** A ProxyCommand ready for the shell: `%h`, `%p`, `%r`, `%n` and `%%` expanded. */
export function expandProxyCommand(
  raw: string,
  target: { host: string; port: number; user: string; originalHost: string },
): string {
  // The names come from the inventory, which is hostile input; the command goes to a shell.
  for (const [token, value] of [
    ['h', target.host],
    ['r', target.user],
    ['n', target.originalHost],
  ] as const) {
    if (raw.includes(`%${token}`) && !SAFE_TOKEN.test(value)) {
      throw new Error(
        `ProxyCommand: %${token} would hand "${value}" to the shell; it holds characters that are not allowed`,
      );
    }
  }
  return percentExpand(
    raw,
    { h: target.host, p: String(target.port), r: target.user, n: target.originalHost },
    'ProxyCommand',
  );
}

function expandPath(raw: string, home: string, tokens: Record<string, string>): string {
  const tilde = raw === '~' ? home : raw.startsWith('~/') ? join(home, raw.slice(2)) : raw;
  return percentExpand(tilde, tokens, 'path');
}

function percentExpand(value: string, tokens: Record<string, string>, what: string): string {
  return value.replace(/%(.)/g, (_, token: string) => {
    if (token === '%') return '%';
    const v = tokens[token];
    if (v === undefined) throw new Error(`${what} "${value}": unknown token %${token}`);
    return v;
  });
}

interface ReadState {
  host: string;
  originalHost: string;
  collected: Collected;
  ctx: SshConfigContext;
  pass: Pass;
  depth: number;
  /** Inside an Include from an inactive block: no Host or Match line may switch it on. */
  neverMatch: boolean;
}

function readConfigFile(file: string, state: ReadState, startActive = true): void {
  const lines = parsedFile(file, state.ctx);
  if (lines === null) {
    if (state.depth === 0) throw new SshConfigError(file, 0, 0, `cannot read ssh config file ${file}`);
    return;
  }
  // An included file starts in the includer's block, active or not.
  const active = { value: startActive };
  for (const line of lines) processLine(line, state, active);
}

/** One non-blank line, split once per file however many hosts are looked up. */
interface ParsedLine {
  where: SshConfigOrigin;
  keyword: string;
  /** As written, for messages. */
  name: string;
  args: string[];
  /** The text after the keyword, unsplit (ProxyCommand, ProxyJump). */
  rest: string;
  restCol: number;
  lead: number;
  /** A line that cannot be split fails when it is reached, as ssh fails there. */
  error?: SshConfigError;
}

function parsedFile(file: string, ctx: SshConfigContext): ParsedLine[] | null {
  const cached = ctx.cache?.get(file);
  if (cached !== undefined) return cached;
  const text = (ctx.readFile ?? readOrNull)(file);
  const parsed = text === null ? null : parseLines(file, text);
  ctx.cache?.set(file, parsed);
  return parsed;
}

function parseLines(file: string, text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\s+$/, '');
    const lead = /^\s*/.exec(line)![0].length;
    if (lead === line.length || line[lead] === '#') continue;
    const where = { file, line: i + 1 };
    // The keyword ends at whitespace or at one '=' (`Port=22`, `Port = 22`).
    const m = /^([^\s=]+)\s*(?:=\s*)?/.exec(line.slice(lead));
    if (!m) {
      out.push({
        where,
        keyword: '',
        name: '',
        args: [],
        rest: '',
        restCol: 1,
        lead,
        error: new SshConfigError(file, i + 1, lead + 1, 'expected a keyword'),
      });
      continue;
    }
    const rest = line.slice(lead + m[0].length);
    const restCol = lead + m[0].length + 1;
    const parsed: ParsedLine = { where, keyword: m[1]!.toLowerCase(), name: m[1]!, args: [], rest, restCol, lead };
    try {
      parsed.args = splitArgs(rest);
    } catch (err) {
      parsed.error = new SshConfigError(file, i + 1, restCol, `${m[1]}: ${(err as Error).message}`);
    }
    out.push(parsed);
  }
  return out;
}

/** A file's text, or null when it (or a directory on its path) does not exist. */
export function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** ssh_config's argument splitting: whitespace, double or single quotes, backslash escapes, `#` comments. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '#') break;
    let arg = '';
    let quote: string | null = null;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (quote === null && /\s/.test(ch)) break;
      if (ch === '\\' && i + 1 < text.length && (quote === null || text[i + 1] === quote || text[i + 1] === '\\')) {
        arg += text[++i];
      } else if (quote === null && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== null && ch === quote) {
        quote = null;
      } else {
        arg += ch;
      }
    }
    if (quote !== null) throw new Error('unterminated quote');
    out.push(arg);
  }
  return out;
}

function processLine(parsed: ParsedLine, state: ReadState, active: { value: boolean }): void {
  const { where, keyword, args, rest, restCol, lead } = parsed;
  if (parsed.error) throw parsed.error;
  const fail = (message: string, col = 1): never => {
    throw new SshConfigError(where.file, where.line, col, message);
  };
  const c = state.collected;
  const one = (): string => {
    if (args.length === 0) fail(`${parsed.name}: missing argument`, restCol);
    return args[0]!;
  };

  switch (keyword) {
    case 'host':
      active.value = hostLineMatches(args, state);
      return;
    case 'match':
      active.value = matchLineMatches(args, state, fail);
      return;
    case 'include':
      if (args.length === 0) fail('Include: missing argument', restCol);
      includeFiles(args, where, state, active);
      return;
  }
  if (keyword === 'ignoreunknown') {
    if (active.value) c.ignoreUnknown ??= rest.trim();
    return;
  }
  if (!KNOWN_KEYWORDS.has(keyword)) {
    // ssh refuses a keyword it does not know (a typo would otherwise silently change nothing).
    if (c.ignoreUnknown !== undefined && matchPatternList(keyword, c.ignoreUnknown.replace(/\s+/g, ','), true)) return;
    fail(`unknown ssh_config keyword "${parsed.name}"`, lead + 1);
  }
  if (!active.value) {
    // Values of inactive blocks are still checked so a typo fails before it matters for some host.
    validateValue(keyword, args, rest, fail, restCol);
    return;
  }
  switch (keyword) {
    case 'hostname':
      c.hostName ??= one();
      return;
    case 'user':
      c.user ??= one();
      return;
    case 'port':
      c.port ??= parsePort(one(), fail, restCol);
      return;
    case 'identityfile':
      // The one keyword that accumulates: every IdentityFile line adds a key to try.
      c.identityFiles.push(one());
      return;
    case 'identitiesonly':
      c.identitiesOnly ??= parseYesNo(one(), parsed.name, fail, restCol);
      return;
    case 'identityagent': {
      const v = one();
      c.identityAgent ??=
        v === 'none' || v === 'SSH_AUTH_SOCK'
          ? v
          : v.startsWith('$')
            ? v
            : expandPath(
                v,
                state.ctx.home,
                fileTokens(state.ctx, state.host, c.user ?? state.ctx.localUser, state.originalHost, c.port ?? 22),
              );
      return;
    }
    case 'proxyjump': {
      const hops = parseProxyJump(rest.trim(), fail, restCol);
      // ProxyJump and ProxyCommand exclude each other: whichever is obtained first wins (`none` included).
      if (c.proxyJump === undefined && c.proxyCommand === undefined) {
        c.proxyJump = hops;
        c.proxyJumpRaw = rest.trim();
      }
      return;
    }
    case 'proxycommand':
      // The command is the rest of the line, unsplit: the shell parses it.
      if (c.proxyCommand === undefined && c.proxyJump === undefined) {
        if (rest.trim() === '') fail('ProxyCommand: missing argument', restCol);
        c.proxyCommand = rest.trim();
        c.proxyCommandOrigin = where;
      }
      return;
    case 'userknownhostsfile':
      if (args.length === 0) fail('UserKnownHostsFile: missing argument', restCol);
      c.userKnownHostsFiles ??= args;
      return;
    case 'stricthostkeychecking':
      c.strictHostKeyChecking ??= parseStrict(one(), fail, restCol);
      return;
    case 'connecttimeout':
      c.connectTimeoutSeconds ??= parseSeconds(one(), parsed.name, fail, restCol);
      return;
    case 'serveraliveinterval':
      c.serverAliveInterval ??= parseSeconds(one(), parsed.name, fail, restCol);
      return;
    case 'serveralivecountmax':
      c.serverAliveCountMax ??= parseCount(one(), parsed.name, fail, restCol);
      return;
    case 'hostkeyalias':
      c.hostKeyAlias ??= one();
      return;
  }
}

function validateValue(
  keyword: string,
  args: string[],
  rest: string,
  fail: (m: string, col?: number) => never,
  col: number,
): void {
  const first = args[0];
  if (first === undefined) return;
  switch (keyword) {
    case 'port':
      parsePort(first, fail, col);
      return;
    case 'proxyjump':
      parseProxyJump(rest.trim(), fail, col);
      return;
    case 'stricthostkeychecking':
      parseStrict(first, fail, col);
      return;
  }
}

function parsePort(v: string, fail: (m: string, col?: number) => never, col: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535)) fail(`Port: "${v}" is not a port number`, col);
  return n;
}

function parseYesNo(v: string, name: string, fail: (m: string, col?: number) => never, col: number): boolean {
  const low = v.toLowerCase();
  if (low === 'yes' || low === 'true') return true;
  if (low === 'no' || low === 'false') return false;
  return fail(`${name}: expected yes or no, not "${v}"`, col);
}

function parseStrict(v: string, fail: (m: string, col?: number) => never, col: number): StrictHostKeyChecking {
  const low = v.toLowerCase();
  if (low === 'yes' || low === 'true') return 'yes';
  if (low === 'no' || low === 'false') return 'no';
  if (low === 'off') return 'off';
  if (low === 'ask') return 'ask';
  if (low === 'accept-new') return 'accept-new';
  return fail(`StrictHostKeyChecking: expected yes, no, ask, accept-new or off, not "${v}"`, col);
}

/** OpenSSH time formats: plain seconds, or units like `1m30s`. */
function parseSeconds(v: string, name: string, fail: (m: string, col?: number) => never, col: number): number {
  if (v.toLowerCase() === 'none') return 0;
  if (/^\d+$/.test(v)) return Number(v);
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  const re = /(\d+)([smhdwSMHDW])/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * units[m[2]!.toLowerCase()]!;
    consumed = re.lastIndex;
  }
  if (consumed !== v.length || consumed === 0) fail(`${name}: "${v}" is not a time`, col);
  return total;
}

function parseCount(v: string, name: string, fail: (m: string, col?: number) => never, col: number): number {
  if (!/^\d+$/.test(v)) fail(`${name}: "${v}" is not a number`, col);
  return Number(v);
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated, or `none`. */
export function parseProxyJump(value: string, fail: (m: string, col?: number) => never, col = 1): JumpHop[] | 'none' {
  if (value === '') return fail('ProxyJump: missing argument', col);
  if (value.toLowerCase() === 'none') return 'none';
  return value.split(',').map((spec) => parseHop(spec.trim(), fail, col));
}

function parseHop(spec: string, fail: (m: string, col?: number) => never, col: number): JumpHop {
  let s = spec.startsWith('ssh://') ? spec.slice('ssh://'.length) : spec;
  if (spec.startsWith('ssh://') && s.endsWith('/')) s = s.slice(0, -1);
  const hop: JumpHop = { host: '' };
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    hop.user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    hop.host = bracket[1]!;
    if (bracket[2] !== undefined) hop.port = parsePort(bracket[2], fail, col);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') === colon) {
      hop.host = s.slice(0, colon);
      hop.port = parsePort(s.slice(colon + 1), fail, col);
    } else {
      hop.host = s;
    }
  }
  if (hop.host === '' || hop.user === '' || /[\s/]/.test(hop.host))
    fail(`ProxyJump: "${spec}" is not [user@]host[:port]`, col);
  return hop;
}

/** ssh's `match_pattern`: `*` and `?` wildcards, the whole string, case as given. */
export function matchPattern(text: string, pattern: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(text);
}

/**
 * ssh's `match_pattern_list`: comma-separated patterns; a matching `!pattern` vetoes, otherwise any
 * matching positive pattern matches.
 */
function matchPatternList(text: string, list: string, lowercase: boolean): boolean {
  const subject = lowercase ? text.toLowerCase() : text;
  let matched = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = lowercase ? (negated ? raw.slice(1) : raw).toLowerCase() : negated ? raw.slice(1) : raw;
    if (matchPattern(subject, pattern)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hostLineMatches(patterns: string[], state: ReadState): boolean {
  if (state.neverMatch) return false;
  let active = false;
  for (const arg of patterns) {
    const negated = arg.startsWith('!');
    if (matchPattern(state.host, negated ? arg.slice(1) : arg)) {
      if (negated) return false;
      active = true;
    }
  }
  return active;
}

function matchLineMatches(args: string[], state: ReadState, fail: (m: string, col?: number) => never): boolean {
  if (args.length === 0) fail('Match: missing criteria');
  const c = state.collected;
  // `Match host` sees the name after HostName, as ssh resolves it so far.
  const host = c.hostName !== undefined ? expandHostName(c.hostName, state.host) : state.host;
  const remoteUser = c.user ?? state.ctx.localUser;
  let result = true;
  let i = 0;
  while (i < args.length) {
    let attrib = args[i++]!;
    const negate = attrib.startsWith('!');
    if (negate) attrib = attrib.slice(1);
    const name = attrib.toLowerCase();
    if (name === 'all') {
      if (negate) result = false;
      continue;
    }
    if (name === 'canonical' || name === 'final') {
      state.pass.wantFinal = true;
      const r = state.pass.final;
      if (r === negate) result = false;
      continue;
    }
    const arg = args[i++];
    if (arg === undefined) fail(`Match ${attrib}: missing argument`);
    let r: boolean;
    switch (name) {
      case 'host':
        r = matchPatternList(host, arg!, true);
        break;
      case 'originalhost':
        r = matchPatternList(state.originalHost, arg!, true);
        break;
      case 'user':
        r = matchPatternList(remoteUser, arg!, false);
        break;
      case 'localuser':
        r = matchPatternList(state.ctx.localUser, arg!, false);
        break;
      case 'exec':
        if (!state.ctx.trusted) {
          fail(
            'Match exec is refused in a config file named by a playbook or inventory ' +
              '(it would run a command on this machine)',
          );
        }
        // A criterion that already failed short-circuits, as in ssh: the command is not run.
        if (!result) continue;
        r = runMatchExec(arg!, state, host, remoteUser, fail);
        break;
      default:
        // Criteria runbook cannot evaluate (localnetwork, tagged) must not silently match or not match.
        return fail(`Match: unsupported criterion "${attrib}"`);
    }
    if (r === negate) result = false;
  }
  return result && !state.neverMatch;
}

function runMatchExec(
  template: string,
  state: ReadState,
  host: string,
  remoteUser: string,
  fail: (m: string, col?: number) => never,
): boolean {
  const tokens = { ...fileTokens(state.ctx, host, remoteUser, state.originalHost, state.collected.port ?? 22) };
  for (const t of ['h', 'n', 'r'] as const) {
    if (!SAFE_TOKEN.test(tokens[t] ?? '')) {
      fail(`Match exec: %${t} would hand "${tokens[t]}" to the shell; it holds characters that are not allowed`);
    }
  }
  let command: string;
  try {
    command = percentExpand(template, tokens, 'Match exec');
  } catch (err) {
    return fail((err as Error).message);
  }
  const run = state.ctx.runExec ?? defaultRunExec;
  return run(command);
}

const execCache = new Map<string, boolean>();

/** The same command for the same host gives the same answer within a run: a fleet does not fork per host twice. */
function defaultRunExec(command: string): boolean {
  const known = execCache.get(command);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    execFileSync('/bin/sh', ['-c', command], { stdio: 'ignore', timeout: 10_000 });
    ok = true;
  } catch {
    ok = false;
  }
  execCache.set(command, ok);
  return ok;
}

function includeFiles(args: string[], where: SshConfigOrigin, state: ReadState, active: { value: boolean }): void {
  if (state.depth >= MAX_INCLUDE_DEPTH) {
    throw new SshConfigError(where.file, where.line, 1, `Include: nested more than ${MAX_INCLUDE_DEPTH} deep`);
  }
  const wasActive = active.value;
  for (const arg of args) {
    // Relative paths are under ~/.ssh for a user's file, under /etc/ssh for the system-wide one.
    const tilde = arg === '~' ? state.ctx.home : arg.startsWith('~/') ? join(state.ctx.home, arg.slice(2)) : arg;
    const pattern = isAbsolute(tilde) ? tilde : join(state.ctx.includeBase ?? join(state.ctx.home, '.ssh'), tilde);
    for (const path of globFiles(pattern, state.ctx)) {
      readConfigFile(path, { ...state, depth: state.depth + 1, neverMatch: state.neverMatch || !wasActive }, wasActive);
      // A Host line inside the included file ends there: the includer's block goes on as it was.
      active.value = wasActive;
    }
  }
}

/** glob(3) over `*`, `?` and `[…]` in any path component, results sorted as glob sorts them. */
function globFiles(pattern: string, ctx: SshConfigContext): string[] {
  const list = ctx.listDir ?? listDirOrEmpty;
  const parts = pattern.split('/');
  let paths = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of paths) {
      if (!/[*?[]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = globComponent(part);
      for (const name of list(dir).sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(join(dir, name));
      }
    }
    paths = next;
  }
  return paths;
}

function globComponent(part: string): RegExp {
  let re = '^';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = part
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

function listDirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
