import type { RunReport } from '../engine/results.js';
import type { Redactor } from '../playbook/redact.js';
import { paint } from './table.js';
import { terminalSafe } from './terminal.js';

/** The file a unified diff is about, from its `+++` header (`+++ /etc/ntp.conf` or `+++ b/etc/ntp.conf\t…`). */
export function diffTarget(diff: string): string | null {
  const header = diff.split('\n').find((l) => l.startsWith('+++ '));
  if (!header) return null;
  const name = header.slice(4).split('\t', 1)[0]!.trim();
  return name.length > 0 ? name : null;
}

/** The diff library heads a patch with `Index: FILE` and a rule of `=`; our heading already names the file. */
function withoutIndexHeader(lines: string[]): string[] {
  if (!lines[0]?.startsWith('Index: ')) return lines;
  return lines.slice(/^=+$/.test(lines[1] ?? '') ? 2 : 1);
}

function paintLine(color: boolean, line: string): string {
  if (line.startsWith('+++ ') || line.startsWith('--- ')) return paint(color, 'bold', line);
  if (line.startsWith('@@')) return paint(color, 'cyan', line);
  if (line.startsWith('+')) return paint(color, 'green', line);
  if (line.startsWith('-')) return paint(color, 'red', line);
  return line;
}

/**
 * The unified diff of every template that changed (or would change under --check), headed by host and
 * destination. Diffs are redacted where they are made; `redactor` scrubs them again because a diff is
 * exactly where a templated secret would show.
 */
export function renderDiffs(report: RunReport, opts: { color?: boolean; redactor?: Redactor } = {}): string {
  const color = opts.color ?? false;
  const blocks: string[] = [];
  for (const h of report.hosts) {
    for (const t of h.tasks) {
      if (!t.diff || !t.changed) continue;
      const text = opts.redactor ? opts.redactor.text(t.diff) : t.diff;
      const dest = diffTarget(text) ?? t.name;
      const about = terminalSafe(`── ${h.name}: ${dest} (${t.name})`);
      const heading = paint(color, 'bold', `${about}${report.check ? ' — would change' : ''}`);
      const body = withoutIndexHeader(text.replace(/\n$/, '').split('\n')).map((l) =>
        paintLine(color, terminalSafe(l)),
      );
      blocks.push([heading, ...body].join('\n'));
    }
  }
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}
