import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunit } from '../../src/report/junit.js';
import type { RunReport } from '../../src/engine/results.js';
import { fixtureReport } from '../fixtures/report/events.js';

function testcase(xml: string, host: string): string {
  const m = xml.match(new RegExp(`<testcase [^>]*name="${host}"[^>]*?(/>|>[\\s\\S]*?</testcase>)`));
  if (!m) throw new Error(`no testcase for ${host}`);
  return m[0];
}

describe('renderJunit', () => {
  it('has one testsuite per play and one testcase per host', () => {
    const r = fixtureReport();
    const second: RunReport = { ...r, hosts: [...r.hosts, { ...r.hosts[0]!, play: 'Verify', batch: 1 }] };
    const xml = renderJunit(second);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<testcase /g)).toHaveLength(13);
    expect(xml).toContain('<testsuite name="Verify" tests="1"');
    expect(xml).toContain(
      '<testsuites name="runbook playbooks/ntp.yml (20261126-184812-3f9a)" tests="13" failures="3" errors="0" ' +
        'skipped="3" time="5.230">',
    );
  });

  it('names each testcase by host, with the play as classname and the time in seconds', () => {
    expect(testcase(renderJunit(fixtureReport()), 'ams-r1')).toBe(
      '<testcase classname="Roll out NTP to the edge routers" name="ams-r1" time="0.412"/>',
    );
  });

  it('gives failed and unreachable hosts a failure carrying the reason and the error', () => {
    const xml = renderJunit(fixtureReport());
    const failed = testcase(xml, 'ams-r3');
    expect(failed).toContain('<failure message="command: Reload ntp: command exited with status 1" type="failed">');
    expect(failed).toContain('% ntp: service is locked by another session');
    expect(testcase(xml, 'fra-r1')).toContain(
      '<failure message="timeout: connect to 127.0.0.1:40112 timed out after 1.0s" type="unreachable">',
    );
  });

  it('marks skipped hosts skipped with their reason', () => {
    const xml = renderJunit(fixtureReport());
    expect(testcase(xml, 'fra-r3')).toContain('<skipped message="breaker_open"/>');
    expect(testcase(xml, 'par-r4')).toContain('<skipped message="halted"/>');
  });

  it('escapes markup and drops characters XML cannot hold', () => {
    const r = fixtureReport();
    const h = r.hosts.find((x) => x.name === 'ams-r3')!;
    h.error = 'bad <tag> & "quote" \u0007bell';
    const xml = renderJunit(r);
    expect(xml).toContain('message="command: bad &lt;tag&gt; &amp; &quot;quote&quot; bell"');
    expect(xml).not.toContain('\u0007');
    expect(escapeXml(`a'b`)).toBe('a&apos;b');
  });
});
