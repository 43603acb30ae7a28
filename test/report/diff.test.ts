import { describe, expect, it } from 'vitest';
import { createTwoFilesPatch } from 'diff';
import { diffTarget, renderDiffs } from '../../src/report/diff.js';
import { Redactor } from '../../src/playbook/redact.js';
import { fixtureReport } from '../fixtures/report/events.js';

describe('renderDiffs', () => {
  it('prints the diff of each changed template, headed by host and destination', () => {
    const text = renderDiffs(fixtureReport());
    expect(text.match(/^── /gm)).toHaveLength(2);
    expect(text).toContain(
      '── ams-r1: /etc/ntp.conf (Write ntp.conf)\n--- /etc/ntp.conf\n+++ /etc/ntp.conf\n@@ -1,3 +1,3 @@',
    );
    expect(text).toContain('── par-r2: /etc/ntp.conf (Write ntp.conf)');
    expect(text).toContain('-server 10.0.0.1 iburst\n+server 10.0.0.2 iburst');
    expect(text).not.toContain('\x1b[');
  });

  it('colours added and removed lines only when allowed', () => {
    const text = renderDiffs(fixtureReport(), { color: true });
    expect(text).toContain('\x1b[32m+server 10.0.0.2 iburst\x1b[0m');
    expect(text).toContain('\x1b[31m-server 10.0.0.1 iburst\x1b[0m');
  });

  it('redacts secrets that reach a diff', () => {
    const r = fixtureReport();
    const patch = createTwoFilesPatch(
      '/etc/snmp.conf',
      '/etc/snmp.conf',
      'community old\n',
      'community s3cr3t-community\n',
    );
    r.hosts[0]!.tasks[1]!.diff = patch;
    const text = renderDiffs(r, { redactor: new Redactor().add('s3cr3t-community') });
    expect(text).toContain('+community [redacted]');
    expect(text).not.toContain('s3cr3t');
    expect(text).toContain('── ams-r1: /etc/snmp.conf');
  });

  it('says "would change" under --check and prints nothing when no template changed', () => {
    expect(renderDiffs({ ...fixtureReport(), check: true })).toContain('— would change');
    const r = fixtureReport();
    r.hosts.forEach((h) => h.tasks.forEach((t) => delete t.diff));
    expect(renderDiffs(r)).toBe('');
  });

  it('leaves out the Index header the diff library puts above a patch', () => {
    const r = fixtureReport();
    r.hosts[0]!.tasks[1]!.diff = createTwoFilesPatch('/etc/ntp.conf', '/etc/ntp.conf', 'server a\n', 'server b\n');
    const text = renderDiffs(r);
    expect(text).toContain(
      '── ams-r1: /etc/ntp.conf (Write ntp.conf)\n--- /etc/ntp.conf\n+++ /etc/ntp.conf\n@@ -1,1 +1,1 @@\n-server ' +
        'a\n+server b',
    );
    expect(text).not.toContain('Index:');
    expect(text).not.toMatch(/^=+$/m);
  });

  it('finds the destination in the +++ header of a patch made by the diff library', () => {
    expect(diffTarget(createTwoFilesPatch('/etc/a.conf', '/etc/a.conf', 'x\n', 'y\n', 'remote', 'rendered'))).toBe(
      '/etc/a.conf',
    );
    expect(diffTarget('no header')).toBeNull();
  });
});
