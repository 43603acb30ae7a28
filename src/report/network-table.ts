import Table from 'cli-table3';
import type { RunReport } from '../engine/results.js';

/**
 * What each network config task did to each device: the lines pushed (or, under --check, that would be),
 * whether the change is pending confirmation, confirmed or was rolled back, and any warning such as a push
 * without a safety net. Null when the run touched no network device.
 */
export function networkTable(report: RunReport, opts: { color?: boolean; maxLines?: number } = {}): string | null {
  const max = opts.maxLines ?? 6;
  const rows: string[][] = [];
  for (const h of report.hosts) {
    h.tasks.forEach((t, i) => {
      const n = t.network;
      if (!n || (n.lines.length === 0 && n.warnings.length === 0)) return;
      // A change left pending shows where it ended: confirmed by a later cli_confirm, or still pending.
      let confirm = n.confirm;
      if (confirm === 'pending') {
        for (const later of h.tasks.slice(i + 1))
          if (later.network && later.network.lines.length === 0 && later.network.confirm !== 'none')
            confirm = later.network.confirm;
      }
      const shown = n.lines.slice(0, max);
      if (n.lines.length > max) shown.push(`… ${n.lines.length - max} more`);
      rows.push([
        h.name,
        t.name,
        confirm === 'none' ? '-' : confirm,
        [...shown, ...n.warnings.map((w) => `warning: ${w}`)].join('\n'),
      ]);
    });
  }
  if (rows.length === 0) return null;
  const table = new Table({
    head: ['host', 'task', 'confirm', report.check ? 'lines that would be pushed' : 'lines pushed'],
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows) table.push(r);
  return table.toString();
}
