import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hostsNeverEnded,
  hostsToResume,
  openJournal,
  readRun,
  RunNotFoundError,
  storedReport,
} from '../../src/report/journal.js';
import type { RunEvent } from '../../src/engine/events.js';
import { fixtureEvents, fixtureReport } from '../fixtures/report/events.js';
import { ROOT } from '../support/cli.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'runbook-journal-'));
  dirs.push(d);
  return d;
}

const META = { playbook: 'playbooks/ntp.yml', check: false, resumed_from: null };

/** Journals `events` as run `runId`; with `finish`, also writes report.json as apply does at the end. */
function journalRun(runDir: string, runId: string, events: RunEvent[], finish = true, playbook = META.playbook) {
  const j = openJournal(runDir, runId, { ...META, playbook, cwd: runDir });
  events.forEach((e) =>
    j.listener({ ...e, ...(e.type === 'run_start' ? { run_id: runId, playbook } : {}) } as RunEvent),
  );
  if (finish) j.writeReport({ ...fixtureReport(), run_id: runId, playbook });
  j.close();
  return j.dir;
}

describe('openJournal', () => {
  it('writes one whole JSON line per host outcome and per run_start, breaker, halt and run_end', () => {
    const runDir = tempDir();
    const dir = journalRun(runDir, '20261126-184812-3f9a', fixtureEvents());
    expect(dir).toBe(join(runDir, '.runbook', 'runs', '20261126-184812-3f9a'));
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const types = lines.slice(0, -1).map((l) => (JSON.parse(l) as RunEvent).type);
    expect(types.filter((t) => t === 'host_end')).toHaveLength(12);
    expect(types.filter((t) => t === 'breaker')).toHaveLength(3);
    expect(types[0]).toBe('run_start');
    expect(types.at(-1)).toBe('run_end');
    expect(types).toContain('halt');
    expect(types).not.toContain('task_end');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual({
      ...fixtureReport(),
      run_id: '20261126-184812-3f9a',
    });
  });

  it('has each host line on disk as soon as the host ends, before the run is over', () => {
    const runDir = tempDir();
    const j = openJournal(runDir, 'r1', { ...META, cwd: runDir });
    const events = fixtureEvents();
    const firstEnd = events.findIndex((e) => e.type === 'host_end');
    events.slice(0, firstEnd + 1).forEach(j.listener);
    const text = readFileSync(join(j.dir, 'events.jsonl'), 'utf8');
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as RunEvent).type),
    ).toEqual(['run_start', 'host_end']);
    j.close();
  });

  it('refuses a run id that could leave the runs directory', () => {
    expect(() => openJournal(tempDir(), '../escape', META)).toThrow('invalid run id');
  });
});

describe('readRun', () => {
  it('reads back a finished run: its report and every host outcome', () => {
    const runDir = tempDir();
    journalRun(runDir, 'r1', fixtureEvents());
    const run = readRun(runDir, 'r1');
    expect(run.report?.run_id).toBe('r1');
    expect(run.hostsEnded.size).toBe(12);
    expect(run.hostsEnded.get('ams-r3')?.status).toBe('failed');
    expect(run.targets).toHaveLength(12);
    expect(run.meta).toMatchObject({ playbook: 'playbooks/ntp.yml', check: false, resumed_from: null });
    expect(run.ended).toBe(true);
  });

  it('defaults to the latest run, or the latest run of a given playbook', () => {
    const runDir = tempDir();
    journalRun(runDir, 'a-run', fixtureEvents(), true, 'one.yml');
    journalRun(runDir, 'b-run', fixtureEvents(), true, 'two.yml');
    expect(readRun(runDir).runId).toBe('b-run');
    expect(readRun(runDir, undefined, { playbook: 'one.yml', cwd: runDir }).runId).toBe('a-run');
    expect(readRun(runDir, undefined, { playbook: join(runDir, 'one.yml') }).runId).toBe('a-run');
  });

  it('says clearly when there are no runs, or no run by that id', () => {
    const runDir = tempDir();
    expect(() => readRun(runDir)).toThrow(RunNotFoundError);
    expect(() => readRun(runDir)).toThrow(/^no runs recorded under .*\.runbook\/runs$/);
    journalRun(runDir, 'r1', fixtureEvents());
    expect(() => readRun(runDir, 'nope')).toThrow('no run "nope" under');
  });

  it('rebuilds what a killed run achieved from events.jsonl, ignoring a torn last line', () => {
    const runDir = tempDir();
    const events = fixtureEvents();
    const cut = events.findIndex((e) => e.type === 'host_end' && e.result.name === 'fra-r2');
    const dir = journalRun(runDir, 'killed', events.slice(0, cut + 1), false);
    appendFileSync(join(dir, 'events.jsonl'), '{"type":"host_end","at":"2026-11-26T18:48:13.2');
    const run = readRun(runDir, 'killed');
    expect(run.report).toBeNull();
    expect(run.ended).toBe(false);
    expect([...run.hostsEnded.keys()].sort()).toEqual(['ams-r1', 'fra-r1', 'fra-r2', 'par-r1']);
    expect(hostsNeverEnded(run)).toHaveLength(8);
    const report = storedReport(run);
    expect(report.summary).toEqual({ ok: 1, changed: 1, failed: 0, unreachable: 2, skipped: 0 });
    expect(report.hosts).toHaveLength(4);
    expect(report.started).toBe('2026-11-26T18:48:12.000Z');
  });

  it('keeps the breaker timeline and the halt of a run whose report.json is missing', () => {
    const runDir = tempDir();
    journalRun(runDir, 'noreport', fixtureEvents(), false);
    const report = storedReport(readRun(runDir, 'noreport'));
    expect(report.breakers).toEqual([fixtureReport().breakers[1]]);
    expect(report.halted).toEqual({ reason: 'max_failures', batch: 2 });
    expect(report.summary).toEqual(fixtureReport().summary);
  });
});

describe('hostsToResume', () => {
  it('names every targeted host that did not end ok or changed', () => {
    const runDir = tempDir();
    journalRun(runDir, 'r1', fixtureEvents());
    const r = hostsToResume(runDir, 'playbooks/ntp.yml', undefined, { cwd: runDir });
    expect(r.runId).toBe('r1');
    expect(r.targeted).toHaveLength(12);
    expect(r.hosts).toEqual(['fra-r1', 'fra-r2', 'fra-r3', 'ams-r3', 'ams-r4', 'par-r4']);
  });

  it('includes the hosts a killed run never reached', () => {
    const runDir = tempDir();
    const events = fixtureEvents();
    const cut = events.findIndex((e) => e.type === 'host_end' && e.result.name === 'fra-r1');
    journalRun(runDir, 'killed', events.slice(0, cut + 1), false);
    const r = hostsToResume(runDir, 'playbooks/ntp.yml', 'killed');
    const done = ['ams-r1', 'par-r1'];
    expect(r.hosts).toEqual(r.targeted.filter((h) => !done.includes(h)));
    expect(r.hosts).toHaveLength(10);
  });

  it('picks the latest run of the playbook being resumed, not of another one', () => {
    const runDir = tempDir();
    journalRun(runDir, 'a-ntp', fixtureEvents(), true, 'ntp.yml');
    journalRun(runDir, 'b-other', fixtureEvents().slice(0, 1), false, 'other.yml');
    expect(hostsToResume(runDir, 'ntp.yml', undefined, { cwd: runDir }).runId).toBe('a-ntp');
    expect(hostsToResume(runDir, 'other.yml', undefined, { cwd: runDir }).hosts).toHaveLength(12);
    expect(() => hostsToResume(runDir, 'never.yml', undefined, { cwd: runDir })).toThrow('no run of never.yml');
  });
});

describe('a run killed with SIGKILL', () => {
  it('keeps every host line already written, whole', async () => {
    const runDir = tempDir();
    const hosts = 400;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/fixtures/report/journal-writer.ts'), runDir, 'killed-run', String(hosts)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const announced: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buffer += d;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        announced.push(...lines.map((l) => l.replace(/^ended /, '')));
        if (announced.length >= 25 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    expect(child.signalCode).toBe('SIGKILL');

    const text = readFileSync(join(runDir, '.runbook', 'runs', 'killed-run', 'events.jsonl'), 'utf8');
    const lines = text.split('\n');
    // Only the line being written when the kill landed can be torn (Linux cuts a long write short on SIGKILL);
    // every line before it is whole, and the reader drops the torn one.
    const torn = lines.pop()!;
    if (torn !== '') expect(() => JSON.parse(torn)).toThrow();
    const events = lines.map((l) => JSON.parse(l) as RunEvent);
    const ended = events.flatMap((e) => (e.type === 'host_end' ? [e.result] : []));
    for (const h of ended) expect(h.tasks[0]!.stdout).toBe(`${h.name} `.repeat(20_000));
    // Every host the writer announced was already on disk when it said so.
    expect(ended.map((h) => h.name).slice(0, announced.length)).toEqual(announced);
    expect(ended.length).toBeLessThan(hosts);

    const run = readRun(runDir);
    expect(run.runId).toBe('killed-run');
    expect(run.report).toBeNull();
    expect(run.hostsEnded.size).toBe(ended.length);
    const resume = hostsToResume(runDir, 'site.yml', undefined, { cwd: runDir });
    const succeeded = new Set(ended.filter((h) => h.status === 'ok').map((h) => h.name));
    expect(resume.hosts).toEqual(resume.targeted.filter((h) => !succeeded.has(h)));
    expect(resume.hosts.length).toBe(hosts - succeeded.size);
    expect(existsSync(join(runDir, '.runbook', 'runs', 'killed-run', 'report.json'))).toBe(false);
  });

  it('ignores garbage after the last whole line', () => {
    const runDir = tempDir();
    const dir = journalRun(runDir, 'r1', fixtureEvents().slice(0, 8), false);
    appendFileSync(join(dir, 'events.jsonl'), '\u0000\u0000garbage}{\n{"half":');
    writeFileSync(join(dir, 'report.json'), '{ not json');
    const run = readRun(runDir, 'r1');
    expect(run.report).toBeNull();
    expect(storedReport(run).hosts.length).toBe(
      fixtureEvents()
        .slice(0, 8)
        .filter((e) => e.type === 'host_end').length,
    );
    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', 'meta.json', 'report.json']);
  });
});
