import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../support/io.js';
import { EventBus, type RunEvent } from '../../src/engine/events.js';
import { attachOutputs, type OutputOptions } from '../../src/report/outputs.js';
import { readRun } from '../../src/report/journal.js';
import { validateReport } from '../../src/report/json.js';
import { renderReport } from '../../src/report/table.js';
import { fixtureEvents, fixtureReport } from '../fixtures/report/events.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(extra: Partial<OutputOptions> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'runbook-outputs-'));
  dirs.push(cwd);
  const io = memoryIo({ cwd, isTTY: false });
  const bus = new EventBus();
  const report = fixtureReport();
  const outputs = attachOutputs(bus, io, {
    json: false,
    verbose: false,
    diff: false,
    runDir: '.',
    runId: report.run_id,
    playbook: report.playbook,
    check: false,
    resumedFrom: null,
    ...extra,
  });
  return { cwd, io, bus, report, outputs };
}

const journaled = (dir: string) =>
  readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as RunEvent).type);

describe('attachOutputs', () => {
  it('streams progress and the journal during the run, then prints the tables at the end', () => {
    const { io, bus, report, outputs, cwd } = setup();
    const events = fixtureEvents();
    const half = events.findIndex((e) => e.type === 'host_end' && e.result.name === 'fra-r2');
    events.slice(0, half + 1).forEach((e) => bus.emit(e));
    // Mid-run: four host lines printed and four host outcomes already journaled.
    expect(io.stdout().trimEnd().split('\n')).toHaveLength(4);
    expect(journaled(outputs.journalDir).filter((t) => t === 'host_end')).toHaveLength(4);

    events.slice(half + 1).forEach((e) => bus.emit(e));
    expect(outputs.finish(report)).toEqual([]);
    expect(io.stdout().endsWith(renderReport(report))).toBe(true);
    expect(io.stdout()).toContain('breaker site=fra: closed → open');
    expect(bus.listenerErrors()).toEqual([]);

    expect(outputs.journalDir).toBe(join(cwd, '.runbook', 'runs', report.run_id));
    expect(journaled(outputs.journalDir)).toHaveLength(1 + 12 + 3 + 1 + 1);
    expect(readRun(cwd, report.run_id).report).toEqual(report);
  });

  it('writes the report file and JUnit where asked, relative to the working directory', () => {
    const { bus, report, outputs, cwd } = setup({ reportFile: 'out/report.json', junitFile: 'out/junit.xml' });
    mkdirSync(join(cwd, 'out'));
    fixtureEvents().forEach((e) => bus.emit(e));
    outputs.finish(report);
    const written: unknown = JSON.parse(readFileSync(join(cwd, 'out/report.json'), 'utf8'));
    expect(validateReport(written)).toEqual([]);
    expect(written).toEqual(report);
    expect(readFileSync(join(cwd, 'out/junit.xml'), 'utf8').match(/<testcase /g)).toHaveLength(12);
  });

  it('with --json keeps stdout for the report alone and moves progress to stderr', () => {
    const { io, bus, report, outputs } = setup({ json: true });
    fixtureEvents().forEach((e) => bus.emit(e));
    outputs.finish(report);
    expect(JSON.parse(io.stdout())).toEqual(report);
    expect(io.stderr()).toContain('[12/12] par-r4  skipped      halted');
  });

  it('prints the template diffs before the tables with --diff', () => {
    const { io, bus, report, outputs } = setup({ diff: true });
    fixtureEvents().forEach((e) => bus.emit(e));
    outputs.finish(report);
    const out = io.stdout();
    expect(out.indexOf('── ams-r1: /etc/ntp.conf')).toBeGreaterThan(0);
    expect(out.indexOf('── ams-r1: /etc/ntp.conf')).toBeLessThan(out.indexOf('┌'));
  });

  it('reports a report file it cannot write as one line, and still writes the rest', () => {
    const { io, bus, report, outputs, cwd } = setup({
      reportFile: 'missing-dir-is-a-file/report.json',
      junitFile: 'junit.xml',
    });
    // A regular file where the directory should be makes the write fail.
    writeFileSync(join(cwd, 'missing-dir-is-a-file'), 'not a directory');
    fixtureEvents().forEach((e) => bus.emit(e));
    const problems = outputs.finish(report);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBe(
      'cannot write report file missing-dir-is-a-file/report.json' +
        ': a part of missing-dir-is-a-file/report.json is a file, not a directory',
    );
    expect(io.stderr()).toContain('runbook: cannot write report file');
    expect(readFileSync(join(cwd, 'junit.xml'), 'utf8')).toContain('<testsuites');
  });

  it('stops listening once finished', () => {
    const { io, bus, report, outputs } = setup();
    outputs.finish(report);
    const length = io.stdout().length;
    fixtureEvents().forEach((e) => bus.emit(e));
    expect(io.stdout().length).toBe(length);
  });
});
