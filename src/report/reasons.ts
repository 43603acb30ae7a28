import type { HostResult } from '../engine/results.js';
import { escapeRegExp } from '../playbook/redact.js';

/**
 * Why hosts did not end well, said in full once per distinct reason instead of cut short on every host.
 * Hosts share a reason when their errors differ only in what names the host itself (its name, address,
 * port, key fingerprint): a hundred devices missing from known_hosts are one problem, not a hundred.
 */

/** How many lines of a failed command's stderr are worth showing: the end is where the error is. */
export const STDERR_TAIL = 5;

export interface ReasonGroup {
  /** The failure kind: `host_key`, `command`, `timeout`, … */
  reason: string;
  /** The whole error of the first host with this reason. */
  text: string;
  /** The last lines of the failed command's stderr on that host, if any. */
  stderr: string[];
  hosts: string[];
}

/** The whole reason on one line: `host_key: 127.0.0.1:2201: … (add the host or use accept-new)`. */
export function fullReason(h: HostResult): string {
  if (!h.reason) return '';
  const error = (h.error ?? '').replace(/\s*\n\s*/g, ' ').trim();
  return error ? `${h.reason}: ${error}` : h.reason;
}

/** The last non-empty lines of the stderr of the host's failed task. */
export function stderrTail(h: HostResult, max = STDERR_TAIL): string[] {
  const failed = [...h.tasks].reverse().find((t) => t.status === 'failed' && !t.ignored && t.stderr.trim() !== '');
  if (!failed) return [];
  const lines = failed.stderr.replace(/\s+$/, '').split('\n');
  return lines.slice(-max).map((l) => l.replace(/\s+$/, ''));
}

/** The reason with what is particular to the host blanked out: hosts with equal shapes share a reason. */
export function reasonShape(h: HostResult): string {
  let text = `${fullReason(h)}\n${stderrTail(h).join('\n')}`;
  if (h.name) text = text.replace(new RegExp(`\\b${escapeRegExp(h.name)}\\b`, 'g'), '<host>');
  return text
    .replace(/\[[^\]\s]+\]:\d+/g, '<addr>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<addr>')
    .replace(/\bSHA256:[A-Za-z0-9+/=]+/g, '<fingerprint>')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<duration>');
}

/** Hosts that failed or were unreachable, grouped by the shape of their reason, in order of first appearance. */
export function groupReasons(hosts: readonly HostResult[]): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>();
  for (const h of hosts) {
    if ((h.status !== 'failed' && h.status !== 'unreachable') || !h.reason) continue;
    const shape = reasonShape(h);
    const group = groups.get(shape);
    if (group) group.hosts.push(h.name);
    else groups.set(shape, { reason: h.reason, text: fullReason(h), stderr: stderrTail(h), hosts: [h.name] });
  }
  return [...groups.values()];
}

function listHosts(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}

/** The report's "why" section: each distinct reason once, whole, with the hosts that share it. */
export function renderReasons(hosts: readonly HostResult[]): string | null {
  const groups = groupReasons(hosts);
  if (groups.length === 0) return null;
  const lines = ['why hosts failed:'];
  for (const g of groups) {
    const count = g.hosts.length === 1 ? g.hosts[0]! : `${g.hosts.length} hosts: ${listHosts(g.hosts)}`;
    lines.push(`  ${count}`, `    ${g.text}`);
    if (g.stderr.length > 0)
      lines.push(
        `    stderr (last ${g.stderr.length === 1 ? 'line' : `${g.stderr.length} lines`}):`,
        ...g.stderr.map((l) => `      | ${l}`),
      );
  }
  return lines.join('\n');
}
