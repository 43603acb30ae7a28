/**
 * The running configuration of a simulated IOS-style device: a tree of lines, mutated by accepted config
 * lines the way the real OS stores them. Several of the device's rewrites that make naive tools report a
 * change forever are reproduced on purpose: `no shutdown` leaves no line, abbreviated interface names are
 * stored in full, a single-valued setting replaces the old value, and runs of spaces collapse.
 */

export interface ConfigNode {
  text: string;
  children: ConfigNode[];
}

/** Settings that hold one value: entering one replaces the line with the same leading words. */
const SINGLE_VALUED = [
  'hostname',
  'description',
  'ip address',
  'ip domain-name',
  'ip domain name',
  'mtu',
  'speed',
  'duplex',
  'logging buffered',
  'clock timezone',
  'switchport mode',
  'switchport access vlan',
  'snmp-server location',
  'snmp-server contact',
  'router-id',
  'bgp router-id',
  'bandwidth',
  'name',
  'path',
  'maximum',
  'time-period',
  'exec-timeout',
  'transport input',
];

export function cloneTree(nodes: ConfigNode[]): ConfigNode[] {
  return nodes.map((n) => ({ text: n.text, children: cloneTree(n.children) }));
}

/** Parses indented text into a tree; `!` lines and blank lines are separators. */
export function parseTree(text: string): ConfigNode[] {
  const root: ConfigNode[] = [];
  const stack: Array<{ indent: number; node: ConfigNode }> = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('!')) continue;
    const indent = line.length - line.trimStart().length;
    const node: ConfigNode = { text: line.trim(), children: [] };
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    (stack.length === 0 ? root : stack[stack.length - 1]!.node.children).push(node);
    stack.push({ indent, node });
  }
  return root;
}

export function renderTree(nodes: ConfigNode[], indent: number, depth = 0): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(' '.repeat(indent * depth) + n.text);
    out.push(...renderTree(n.children, indent, depth + 1));
    if (depth === 0 && n.children.length > 0) out.push('!');
  }
  return out;
}

function singleKey(text: string): string | undefined {
  return SINGLE_VALUED.find((k) => text === k || text.startsWith(`${k} `));
}

/**
 * Applies one accepted line inside `level` (the children list of the current block). Returns the node the
 * line created or found, so a block line can become the new context.
 */
export function applyLine(level: ConfigNode[], text: string): ConfigNode | undefined {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.startsWith('no ')) {
    const what = line.slice(3);
    const before = level.length;
    for (let i = level.length - 1; i >= 0; i--) {
      const t = level[i]!.text;
      if (t === what || t.startsWith(`${what} `) || (singleKey(what) !== undefined && singleKey(t) === singleKey(what)))
        level.splice(i, 1);
    }
    // `no shutdown` is the default and leaves nothing behind; other negations of defaults are kept as written.
    if (level.length === before && what !== 'shutdown' && !level.some((n) => n.text === line))
      level.push({ text: line, children: [] });
    return undefined;
  }
  const key = singleKey(line);
  const negated = level.findIndex((n) => n.text === `no ${line}` || (key !== undefined && n.text === `no ${key}`));
  if (negated >= 0) level.splice(negated, 1);
  const existing = level.find((n) => n.text === line);
  if (existing) return existing;
  if (key !== undefined) {
    const i = level.findIndex((n) => singleKey(n.text) === key);
    if (i >= 0) {
      level[i] = { text: line, children: level[i]!.children };
      return level[i];
    }
  }
  const node: ConfigNode = { text: line, children: [] };
  level.push(node);
  return node;
}
