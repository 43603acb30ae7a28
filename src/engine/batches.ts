import type { SerialEntry } from '../playbook/types.js';

/** How many hosts one `serial` entry stands for: a percentage is of the play's hosts, floored, never below one. */
export function batchSize(entry: SerialEntry, playHosts: number): number {
  if (entry.kind === 'count') return Math.max(1, Math.floor(entry.value));
  return Math.max(1, Math.floor((playHosts * entry.value) / 100));
}

/**
 * Ansible's `serial` arithmetic: the entries are taken in order and the last one repeats until every host
 * is in a batch. Absent (or empty) means one batch with every host. Host order is kept.
 */
export function splitBatches(hosts: string[], serial: SerialEntry[] | null): string[][] {
  if (hosts.length === 0) return [];
  if (!serial || serial.length === 0) return [[...hosts]];
  const batches: string[][] = [];
  let next = 0;
  for (let i = 0; next < hosts.length; i++) {
    const entry = serial[Math.min(i, serial.length - 1)]!;
    const size = batchSize(entry, hosts.length);
    batches.push(hosts.slice(next, next + size));
    next += size;
  }
  return batches;
}
