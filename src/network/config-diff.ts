/**
 * Configuration as lines under parents, and the lines an intended configuration still lacks on a device.
 *
 * Parsing and `match`/`replace` follow Ansible's NetworkConfig (ansible.netcommon
 * plugins/module_utils/network/common/config.py at 3c1482f295d0746033db268aad986bc1648d20f8): a line's
 * identity is its text joined to its parents' texts; `line` looks a line up anywhere, `strict` compares
 * position by position inside the parents' block, `exact` wants the block identical, `none` pushes all;
 * `replace: block` pushes a whole block when any line of it differs.
 *
 * Where Ansible reports a change forever because the device stores a line differently from how it was
 * written, lines are compared by a normal form instead: runs of spaces, abbreviated interface names
 * (`gi0/1` is `GigabitEthernet0/1`), banners with their delimiters, quotes Junos does not print, and
 * negations: `no shutdown` is satisfied by the absence of `shutdown`, as the device shows it.
 */

export type Match = 'line' | 'strict' | 'exact' | 'none';
export type Replace = 'line' | 'block';

export interface ConfigSyntax {
  syntax: 'indent' | 'set';
  comments: string[];
  ignoreLines: RegExp[];
}

export interface ConfigLine {
  /** As written, without indentation. */
  text: string;
  /** The normal form two lines are compared by. */
  key: string;
  parents: ConfigLine[];
  children: ConfigLine[];
}

const INTERFACE_NAMES: Array<[RegExp, string]> = [
  [/^(?:gi|gig|gigabit|gigabitethernet)\s*(\d)/i, 'GigabitEthernet$1'],
  [/^(?:te|ten|tengig|tengigabitethernet)\s*(\d)/i, 'TenGigabitEthernet$1'],
  [/^(?:fa|fast|fastethernet)\s*(\d)/i, 'FastEthernet$1'],
  [/^(?:lo|loop|loopback)\s*(\d)/i, 'Loopback$1'],
  [/^(?:po|port-channel)\s*(\d)/i, 'Port-channel$1'],
  [/^(?:vl|vlan)\s*(\d)/i, 'Vlan$1'],
  [/^(?:tu|tunnel)\s*(\d)/i, 'Tunnel$1'],
  [/^(?:et|eth|ethernet)\s*(\d)/i, 'Ethernet$1'],
  [/^(?:ma|mgmt|management)\s*(\d)/i, 'Management$1'],
];

/** Keywords people abbreviate and devices spell out. */
const KEYWORDS: Record<string, string> = { int: 'interface', desc: 'description', shut: 'shutdown', conf: 'configure' };

function interfaceName(name: string): string {
  for (const [re, full] of INTERFACE_NAMES) if (re.test(name)) return name.replace(re, full).replace(/\s+/g, '');
  return name;
}

/** The normal form of one line (without parents). */
export function normalise(text: string, syntax: ConfigSyntax['syntax']): string {
  let t = text.trim().replace(/\s+/g, ' ');
  if (syntax === 'set') {
    // Junos prints a value in quotes only when it needs them.
    return t.replace(/"([^"\s;{}]*)"/g, '$1');
  }
  const words = t.split(' ');
  const neg = words[0] === 'no' ? 1 : 0;
  const kw = words[neg]?.toLowerCase();
  if (kw !== undefined && KEYWORDS[kw] !== undefined) words[neg] = KEYWORDS[kw]!;
  t = words.join(' ');
  const iface = /^(no )?interface (.+)$/i.exec(t);
  if (iface) t = `${iface[1] ?? ''}interface ${interfaceName(iface[2]!)}`;
  const banner = /^banner (\S+) (.*)$/s.exec(t);
  if (banner) {
    const body = banner[2]!.trim();
    const delim = body.startsWith('^C') ? '^C' : (body[0] ?? '');
    let inner = body.slice(delim.length);
    if (delim !== '' && inner.endsWith(delim)) inner = inner.slice(0, -delim.length);
    t = `banner ${banner[1]} ${inner.trim().replace(/\s+/g, ' ')}`;
  }
  return t;
}

function ignored(text: string, syntax: ConfigSyntax): boolean {
  return syntax.comments.some((c) => text.startsWith(c)) || syntax.ignoreLines.some((re) => re.test(text));
}

/** Full identity of a line: its parents' keys and its own, as Ansible's ConfigLine.line. */
export function identity(l: ConfigLine): string {
  return [...l.parents.map((p) => p.key), l.key].join(' \u0000 ');
}

/**
 * Parses configuration text by indentation (Ansible's NetworkConfig.parse), or as flat `set` lines. A
 * multi-line IOS banner becomes one line, as it is entered.
 */
export function parseConfig(text: string, syntax: ConfigSyntax): ConfigLine[] {
  const items: ConfigLine[] = [];
  let ancestors: ConfigLine[] = [];
  let indents = [0];
  const lines = text.replace(/\r/g, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const stripped = line.replace(/[{};]/g, '').trim();
    if (stripped === '' || ignored(stripped, syntax)) continue;
    const banner = syntax.syntax === 'indent' ? /^banner \S+ (\^C|\S)/.exec(line) : null;
    if (banner) {
      const delim = banner[1]!;
      const rest = line.slice(banner[0].length);
      if (!rest.includes(delim)) {
        const body: string[] = [];
        for (i++; i < lines.length && !lines[i]!.includes(delim); i++) body.push(lines[i]!);
        const last = lines[i]?.split(delim)[0] ?? '';
        line = `${line}${body.length > 0 ? ' ' : ''}${[...body, last].join(' ').trim()}${delim}`;
      }
    }
    const cfg: ConfigLine = { text: line.trim(), key: normalise(line, syntax.syntax), parents: [], children: [] };
    if (syntax.syntax === 'set' || /^\S/.test(line)) {
      ancestors = [cfg];
      indents = [0];
    } else {
      const indent = line.length - line.trimStart().length;
      while (indents[indents.length - 1]! > indent) indents.pop();
      if (indent > indents[indents.length - 1]!) indents.push(indent);
      const level = indents.length - 1;
      cfg.parents = ancestors.slice(0, level);
      if (level > ancestors.length) {
        items.push(cfg);
        continue;
      }
      ancestors = ancestors.slice(0, level);
      ancestors.push(cfg);
      ancestors[level - 1]!.children.push(cfg);
    }
    items.push(cfg);
  }
  return items;
}

/** The intended configuration from `lines` under `parents` (Ansible's NetworkConfig.add). */
export function candidateFromLines(lines: string[], parents: string[], syntax: ConfigSyntax): ConfigLine[] {
  const items: ConfigLine[] = [];
  const make = (text: string, ps: ConfigLine[]): ConfigLine => ({
    text: text.trim(),
    key: normalise(text, syntax.syntax),
    parents: ps,
    children: [],
  });
  let ancestors: ConfigLine[] = [];
  for (const p of parents) {
    const node = make(p, [...ancestors]);
    ancestors[ancestors.length - 1]?.children.push(node);
    items.push(node);
    ancestors = [...ancestors, node];
  }
  for (const line of lines) {
    if (ignored(line.trim(), syntax)) continue;
    const node = make(line, [...ancestors]);
    if (items.some((i) => identity(i) === identity(node))) continue;
    ancestors[ancestors.length - 1]?.children.push(node);
    items.push(node);
  }
  return items;
}

function block(item: ConfigLine): ConfigLine[] {
  const out = [item];
  for (const c of item.children) if (!out.includes(c)) out.push(...block(c).filter((x) => !out.includes(x)));
  return out;
}

/** The block at `path` in `running`, or an empty list (Ansible's get_block). */
function blockAt(running: ConfigLine[], path: string[], syntax: ConfigSyntax): ConfigLine[] {
  const keys = path.map((p) => normalise(p, syntax.syntax));
  const found = running.find(
    (i) =>
      i.key === keys[keys.length - 1] &&
      i.parents.map((p) => p.key).join('\u0000') === keys.slice(0, -1).join('\u0000'),
  );
  return found ? block(found) : [];
}

/**
 * Whether the device already has `item`. A negation holds when what it negates is absent (or the
 * negation itself is stored); for `set` syntax, `delete X` holds when nothing is set under X.
 */
function present(item: ConfigLine, index: Set<string>, running: ConfigLine[], syntax: ConfigSyntax): boolean {
  if (index.has(identity(item))) return true;
  const parents = item.parents.map((p) => p.key);
  const siblings = (l: ConfigLine) => l.parents.map((p) => p.key).join('\u0000') === parents.join('\u0000');
  if (syntax.syntax === 'set' && item.key.startsWith('delete ')) {
    const what = `set ${item.key.slice('delete '.length)}`;
    return !running.some((l) => l.key === what || l.key.startsWith(`${what} `));
  }
  if (syntax.syntax === 'indent' && item.key.startsWith('no ')) {
    // Only judged inside a block the device has: in a new block the device's default is unknown.
    if (!item.parents.every((p) => index.has(identity(p)))) return false;
    const what = item.key.slice(3);
    return !running.some((l) => siblings(l) && (l.key === what || l.key.startsWith(`${what} `)));
  }
  return false;
}

/** The lines of `candidate` the device lacks, with the parents needed to enter them (Ansible's difference). */
export function difference(
  candidate: ConfigLine[],
  running: ConfigLine[],
  syntax: ConfigSyntax,
  opts: { match: Match; replace: Replace; path?: string[] },
): ConfigLine[] {
  let updates: ConfigLine[];
  const other =
    opts.path && opts.path.length > 0 && opts.match !== 'line' ? blockAt(running, opts.path, syntax) : running;
  if (opts.match === 'none') updates = [...candidate];
  else if (opts.match === 'line') {
    const index = new Set(running.map(identity));
    updates = candidate.filter((c) => !present(c, index, running, syntax));
  } else if (opts.match === 'strict') {
    // The block taken from the device lacks its outer parents; Ansible puts them back in front, each at the
    // head of the list (so several come out reversed), then compares position by position.
    const others = [...other];
    for (const p of other[0]?.parents ?? []) others.unshift(p);
    updates = candidate.filter((c, i) => others[i]?.key !== c.key);
  } else {
    const same = other.length === candidate.length && candidate.every((c, i) => identity(c) === identity(other[i]!));
    updates = same ? [] : [...candidate];
  }
  if (opts.replace === 'block') {
    const parents: ConfigLine[] = [];
    const has = (l: ConfigLine) => parents.some((p) => identity(p) === identity(l));
    for (const u of updates) {
      if (u.parents.length === 0) parents.push(u);
      else for (const p of u.parents) if (!has(p)) parents.push(p);
    }
    updates = parents.flatMap(block);
  }
  // Each line is preceded by the parents that enter its block: once, and again whenever the previous line
  // left that block (Ansible's add_parents rule).
  const expanded: ConfigLine[] = [];
  const visited = new Set<string>();
  for (const cur of updates) {
    let again = false;
    const last = expanded[expanded.length - 1];
    if (last) {
      if (cur.parents.length > 0 && last.parents.length > 0 && cur.parents[0]!.key !== last.parents[0]!.key)
        again = true;
      if (last.children.length > 0 && last.children[0]!.key !== cur.key) again = true;
    }
    for (const p of cur.parents) {
      if (!visited.has(identity(p)) || again) {
        visited.add(identity(p));
        expanded.push(p);
      }
    }
    expanded.push(cur);
    visited.add(identity(cur));
  }
  return expanded;
}

export interface Intent {
  lines?: string[];
  parents?: string[];
  /** Whole configuration text (`src`, or cli_config's `config`). */
  text?: string;
  before?: string[];
  after?: string[];
  match?: Match;
  replace?: Replace;
  diffIgnoreLines?: RegExp[];
}

/** The CLI lines to push so the device holds `intent`: empty when it already does. */
export function linesToPush(intent: Intent, runningText: string, base: ConfigSyntax): string[] {
  const syntax: ConfigSyntax = { ...base, ignoreLines: [...base.ignoreLines, ...(intent.diffIgnoreLines ?? [])] };
  const candidate =
    intent.text !== undefined
      ? parseConfig(intent.text, syntax)
      : candidateFromLines(intent.lines ?? [], intent.parents ?? [], syntax);
  const running = parseConfig(runningText, syntax);
  const match = intent.match ?? 'line';
  const updates = difference(candidate, running, syntax, {
    match,
    replace: intent.replace ?? 'line',
    ...(intent.parents && intent.parents.length > 0 ? { path: intent.parents } : {}),
  });
  if (updates.length === 0) return [];
  return [...(intent.before ?? []), ...updates.map((u) => u.text), ...(intent.after ?? [])];
}

/** Lines of the intent that the device still lacks (match line), for checking after a push. */
export function stillMissing(intent: Intent, runningText: string, base: ConfigSyntax): string[] {
  return linesToPush({ ...intent, match: 'line', replace: 'line', before: [], after: [] }, runningText, base);
}
