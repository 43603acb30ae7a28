import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderJson, validateReport, writeReportFile } from '../../src/report/json.js';
import { RunCollector } from '../../src/engine/collector.js';
import { fixtureEvents, fixtureReport } from '../fixtures/report/events.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('report.schema.json', () => {
  it('accepts the 12-host fixture report', () => {
    expect(validateReport(fixtureReport())).toEqual([]);
  });

  it('accepts a resumed run and a halt by an open breaker', () => {
    expect(
      validateReport({
        ...fixtureReport(),
        resumed_from: '20261126-170000-aaaa',
        halted: { reason: 'breaker_open', batch: 1 },
      }),
    ).toEqual([]);
  });

  it('accepts the report the collector builds from the fixture event stream', () => {
    const collector = new RunCollector();
    fixtureEvents().forEach((e) => collector.handle(e));
    const built = collector.report();
    expect(validateReport(built)).toEqual([]);
    expect(built.summary).toEqual(fixtureReport().summary);
    expect(built.hosts).toEqual(fixtureReport().hosts);
  });

  it('rejects an unknown host status, naming where', () => {
    const r = fixtureReport() as unknown as { hosts: { status: string }[] };
    r.hosts[3]!.status = 'exploded';
    expect(validateReport(r).join('\n')).toContain('/hosts/3/status');
  });

  it('rejects a failed host without a reason', () => {
    const r = fixtureReport();
    r.hosts.find((h) => h.status === 'failed')!.reason = null;
    expect(validateReport(r)).not.toEqual([]);
  });

  it('rejects a missing summary, an unknown top-level key and a time that is not ISO', () => {
    const { summary: _dropped, ...noSummary } = fixtureReport();
    expect(validateReport(noSummary).join('\n')).toContain("must have required property 'summary'");
    expect(validateReport({ ...fixtureReport(), colour: 'blue' })).not.toEqual([]);
    expect(validateReport({ ...fixtureReport(), started: 'yesterday' }).join('\n')).toContain('/started');
  });

  it('rejects a task without its exit status field', () => {
    const r = fixtureReport() as unknown as { hosts: { tasks: Record<string, unknown>[] }[] };
    delete r.hosts[0]!.tasks[0]!.rc;
    expect(validateReport(r).join('\n')).toContain('/hosts/0/tasks/0');
  });
});

describe('writeReportFile', () => {
  it('writes the report as parseable JSON and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-json-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'out'));
    const path = join(dir, 'out', 'report.json');
    writeReportFile(path, fixtureReport());
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(fixtureReport());
    expect(readFileSync(path, 'utf8')).toBe(renderJson(fixtureReport()));
    expect(readdirSync(join(dir, 'out'))).toEqual(['report.json']);
  });
});
