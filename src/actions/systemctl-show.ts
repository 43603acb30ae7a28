/**
 * `systemctl show UNIT` as Ansible's systemd module reads it (parse_systemctl_show): KEY=VALUE lines, values
 * trimmed; only `Exec*` values that open a `{` without closing it run on over the following lines.
 */
export function parseSystemctlShow(stdout: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  let key: string | null = null;
  let multi: string[] = [];
  for (const line of stdout.split('\n')) {
    if (key === null) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const k = line.slice(0, eq);
      const v = line.slice(eq + 1);
      if (k.startsWith('Exec') && v.trimStart().startsWith('{') && !v.trimEnd().endsWith('}')) {
        key = k;
        multi.push(v);
        continue;
      }
      parsed[k] = v.trim();
    } else {
      multi.push(line);
      if (line.trimEnd().endsWith('}')) {
        parsed[key] = multi.join('\n').trim();
        multi = [];
        key = null;
      }
    }
  }
  return parsed;
}

/** systemctl's answer to a request it would not carry out (request_was_ignored). */
export function requestWasIgnored(out: string): boolean {
  return !out.includes('=') && (out.includes('ignoring request') || out.includes('ignoring command'));
}
