import type { Inventory } from './types.js';
import { globMatch, isGlob } from '../playbook/glob.js';
import { isHostAddress } from './host-pattern.js';

/** The outcome of a host pattern: the hosts in Ansible's order, or why a term could not match. */
export interface PatternResult {
  hosts: string[];
  /** One message per term that matched nothing; empty when the pattern is usable. */
  errors: string[];
}

interface Term {
  op: 'union' | 'intersect' | 'exclude';
  text: string;
}

/**
 * Splits a pattern into terms as Ansible's split_host_pattern does: on commas when there is one; otherwise
 * on colons outside `[...]`, unless the whole pattern is one host name or address (`fe80::1`, `web[1:3]`).
 */
export function parsePattern(pattern: string): Term[] {
  const terms: Term[] = [];
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isHostAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  for (const raw of parts) {
    const t = raw.trim();
    if (t === '') continue;
    if (t.startsWith('&')) terms.push({ op: 'intersect', text: t.slice(1).trim() });
    else if (t.startsWith('!')) terms.push({ op: 'exclude', text: t.slice(1).trim() });
    else terms.push({ op: 'union', text: t });
  }
  return terms;
}

/** `[i]`, `[-i]`, `[a:b]`, `[a:]` (and the old `[a-b]`) at the end of a term, as Ansible's _split_subscript. */
const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)[:-]([0-9]*))\]$/;

type Subscript = { index: number } | { start: number; end: number };

function splitSubscript(text: string): { expr: string; subscript?: Subscript } {
  if (text.startsWith('~')) return { expr: text };
  const m = SUBSCRIPT.exec(text);
  if (!m) return { expr: text };
  if (m[2] !== undefined) return { expr: m[1]!, subscript: { index: Number(m[2]) } };
  return { expr: m[1]!, subscript: { start: Number(m[3]), end: m[4] === '' ? -1 : Number(m[4]) } };
}

/** Ansible's _apply_subscript: an inclusive range, `-1` as end meaning the last; null when an index is out. */
function applySubscript(hosts: string[], sub: Subscript): string[] | null {
  if (hosts.length === 0) return hosts;
  if ('index' in sub) {
    const i = sub.index < 0 ? hosts.length + sub.index : sub.index;
    return i >= 0 && i < hosts.length ? [hosts[i]!] : null;
  }
  // An end of 0 is falsy to Ansible, so `[a:0]` is the single host at a.
  if (sub.end === 0) return sub.start < hosts.length ? [hosts[sub.start]!] : null;
  const end = sub.end === -1 ? hosts.length - 1 : sub.end;
  return hosts.slice(sub.start, end + 1);
}

/** Every host of a group, its descendants' included; cycles in `children` are tolerated. */
export function groupHosts(inv: Inventory, group: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = inv.groups.get(name);
    if (!g) return;
    if (name === 'all') for (const h of inv.hosts.keys()) out.add(h);
    for (const h of g.hosts) out.add(h);
    for (const c of g.children) visit(c);
  };
  visit(group);
  return out;
}

/**
 * Hosts one term names, in Ansible's order (matching groups' hosts, then matching hosts), with its subscript
 * applied; null when the term names no host or group, or its subscript is out of range.
 */
function matchTerm(inv: Inventory, text: string): Set<string> | null {
  if (inv.hosts.has(text)) return new Set([text]);
  const { expr, subscript } = splitSubscript(text);
  const hosts = enumerate(inv, expr);
  if (hosts === null) return null;
  if (!subscript) return new Set(hosts);
  const picked = applySubscript(hosts, subscript);
  return picked === null ? null : new Set(picked);
}

function enumerate(inv: Inventory, text: string): string[] | null {
  if (text === 'all' || text === '*') return [...inv.hosts.keys()];
  if (inv.groups.has(text)) return [...groupHosts(inv, text)];
  if (inv.hosts.has(text)) return [text];
  const matches = matcher(text);
  if (!matches) return null;
  const out: string[] = [];
  let matchedAny = false;
  for (const g of inv.groups.keys()) {
    if (matches(g)) {
      matchedAny = true;
      out.push(...groupHosts(inv, g));
    }
  }
  for (const h of inv.hosts.keys()) {
    if (matches(h)) {
      matchedAny = true;
      out.push(h);
    }
  }
  return matchedAny ? out : null;
}

/** `~regex` (Ansible's regular-expression term) or a glob; null for a plain name or a broken regex. */
function matcher(text: string): ((name: string) => boolean) | null {
  if (text.startsWith('~')) {
    const re = safeRegExp(text.slice(1));
    return re ? (name) => re.test(name) : null;
  }
  return isGlob(text) ? (name) => globMatch(text, name) : null;
}

function safeRegExp(src: string): RegExp | null {
  try {
    return new RegExp(src);
  } catch {
    return null;
  }
}

/**
 * Resolves an Ansible host pattern. As in Ansible, unions are gathered first, then intersections narrow
 * them, then exclusions remove hosts, whatever order the terms were written in. A term that names nothing
 * is an error naming that term; an existing but empty group is not.
 */
export function resolvePattern(inv: Inventory, pattern: string): PatternResult {
  const terms = parsePattern(pattern);
  const errors: string[] = [];
  if (terms.length === 0) return { hosts: [], errors: [`empty host pattern "${pattern}"`] };
  const matched = terms.map((t) => ({ term: t, hosts: matchTerm(inv, t.text) }));
  for (const { term, hosts } of matched) {
    if (hosts === null) {
      const shown = term.op === 'union' ? term.text : `${term.op === 'intersect' ? '&' : '!'}${term.text}`;
      errors.push(`host pattern "${pattern}": "${shown}" matches no host or group`);
    }
  }
  if (errors.length > 0) return { hosts: [], errors };
  const unions = matched.filter((m) => m.term.op === 'union');
  // Ansible lists the union terms' hosts in the order the terms are written (`db:web` puts db first), each
  // term's own hosts in inventory order; a pattern of only `&x`/`!x` terms starts from every host.
  const order = [...inv.hosts.keys()];
  let selected = new Set<string>(unions.length === 0 ? order : []);
  for (const m of unions) for (const h of order.filter((x) => m.hosts!.has(x))) selected.add(h);
  for (const m of matched.filter((x) => x.term.op === 'intersect')) {
    selected = new Set([...selected].filter((h) => m.hosts!.has(h)));
  }
  for (const m of matched.filter((x) => x.term.op === 'exclude')) for (const h of m.hosts!) selected.delete(h);
  return { hosts: [...selected], errors };
}

/** The play's pattern, then `--limit` on top: only hosts both select. */
export function selectHosts(
  inv: Inventory,
  pattern: string,
  limit?: string,
): PatternResult & { limitErrors: string[] } {
  const base = resolvePattern(inv, pattern);
  if (limit === undefined || base.errors.length > 0) return { ...base, limitErrors: [] };
  const lim = resolvePattern(inv, limit);
  if (lim.errors.length > 0)
    return { hosts: [], errors: [], limitErrors: lim.errors.map((e) => e.replace('host pattern', '--limit')) };
  const allowed = new Set(lim.hosts);
  return { hosts: base.hosts.filter((h) => allowed.has(h)), errors: [], limitErrors: [] };
}
