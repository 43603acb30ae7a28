import type { HostResult, RunReport } from '../engine/results.js';
import { writeFileAtomic } from './json.js';

/** XML 1.0 cannot carry most control characters even escaped; command output sometimes has them. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The failed task's output is what a CI reader needs next to the reason. */
function failureDetail(h: HostResult): string {
  const lines: string[] = [];
  if (h.error) lines.push(h.error);
  for (const t of h.tasks.filter((t) => t.status === 'failed')) {
    lines.push(`task "${t.name}" failed${t.rc !== null ? ` (rc ${t.rc})` : ''}${t.error ? `: ${t.error}` : ''}`);
    if (t.stdout) lines.push(`stdout:\n${t.stdout}`);
    if (t.stderr) lines.push(`stderr:\n${t.stderr}`);
  }
  return lines.join('\n');
}

function testcase(h: HostResult): string {
  const open =
    `    <testcase ` + `classname="${escapeXml(h.play)}" name="${escapeXml(h.name)}" time="${seconds(h.duration_ms)}"`;
  if (h.status === 'ok' || h.status === 'changed') return `${open}/>`;
  const reason = h.reason ?? h.status;
  if (h.status === 'skipped') return `${open}>\n      <skipped message="${escapeXml(reason)}"/>\n    </testcase>`;
  const message = h.error ? `${reason}: ${h.error.split('\n', 1)[0]}` : reason;
  const detail = failureDetail(h);
  return (
    `${open}>\n      <failure message="${escapeXml(message)}" type="${escapeXml(h.status)}">` +
    `${escapeXml(detail)}</failure>\n    </testcase>`
  );
}

/** One testsuite per play, one testcase per host: CI dashboards then show a rollout like a test run. */
export function renderJunit(report: RunReport): string {
  const plays = [...new Set(report.hosts.map((h) => h.play))];
  const count = (hosts: HostResult[], ...statuses: string[]) => hosts.filter((h) => statuses.includes(h.status)).length;
  const suites = plays.map((play) => {
    const hosts = report.hosts.filter((h) => h.play === play);
    const time = hosts.reduce((sum, h) => sum + h.duration_ms, 0);
    return [
      `  <testsuite ` +
        `name="${escapeXml(play)}" ` +
        `tests="${hosts.length}" ` +
        `failures="${count(hosts, 'failed', 'unreachable')}" errors="0" ` +
        `skipped="${count(hosts, 'skipped')}" time="${seconds(time)}" timestamp="${escapeXml(report.started)}">`,
      ...hosts.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ` +
      `name="${escapeXml(`runbook ${report.playbook} (${report.run_id})`)}" ` +
      `tests="${report.hosts.length}" ` +
      `failures="${s.failed + s.unreachable}" errors="0" ` +
      `skipped="${s.skipped}" time="${seconds(report.duration_ms)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export function writeJunitFile(path: string, report: RunReport): void {
  writeFileAtomic(path, renderJunit(report));
}
