import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hostsToResume, readRun, RunNotFoundError, storedReport } from '../../src/report/journal.js';
import { JournalError, parseJournal } from '../../src/report/journal-line.js';
import { fixtureEvents } from '../fixtures/report/events.js';
import { ROOT, collect, runCli } from '../support/cli.js';

/** A damaged journal is named, line and all; it never crashes `report` or `--resume`. */

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'runbook-damage-'));
  dirs.push(d);
  return d;
}

/** A run directory holding one run whose events.jsonl is `lines`. */
function runWith(lines: string[], runId = '20261126-184812-3f9a'): string {
  const runDir = tempDir();
  const dir = join(runDir, '.runbook', 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const meta = {
    run_id: runId,
    playbook: 'site.yml',
    playbook_path: join(runDir, 'site.yml'),
    check: false,
    resumed_from: null,
    created: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'events.jsonl'), lines.join('\n'));
  return runDir;
}

const JOURNALED = ['run_start', 'host_end', 'breaker', 'halt', 'run_end'];
const good = fixtureEvents()
  .filter((e) => JOURNALED.includes(e.type))
  .map((e) => JSON.stringify(e));

describe('a damaged journal', () => {
  it('names the line of an event with a missing field', () => {
    const runDir = runWith([good[0]!, good[1]!, '{"type":"host_end","at":"2026-11-26T18:48:12Z"}', good[2]!]);
    const err = (() => {
      try {
        readRun(runDir);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(JournalError);
    expect((err as JournalError).line).toBe(3);
    expect((err as JournalError).message).toBe(
      'malformed journal line: host_end event with a missing or wrong "result"',
    );
  });

  it('names a garbage line that events follow, and still forgives a torn tail', () => {
    expect(() => parseJournal([good[0]!, 'garbage', good[1]!].join('\n'), 'e.jsonl')).toThrow(
      new JournalError('not a whole JSON line, and events follow it', 'e.jsonl', 2),
    );
    expect(parseJournal([good[0]!, good[1]!, '\u0000\u0000', '{"half":'].join('\n'), 'e.jsonl')).toHaveLength(2);
  });

  it('makes runbook report and apply --resume print the line and exit 4, without a stack trace', async () => {
    const bad = '{"type":"run_start","at":"x","playbook":"site.yml","check":"no","resumed_from":null}';
    const runDir = runWith([good[0]!, bad, good[1]!]);
    writeFileSync(join(runDir, 'site.yml'), readFileSync(join(ROOT, 'test/fixtures/apply/site.yml')));
    const commands = [
      ['report', '--run-dir', runDir],
      ['apply', join(runDir, 'site.yml'), '--resume', '--run-dir', runDir],
    ];
    for (const args of commands) {
      const r = await runCli(args, { cwd: runDir });
      expect(r.code, args[0]).toBe(4);
      expect(r.stderr).toBe(
        '.runbook/runs/20261126-184812-3f9a/events.jsonl:2:1: ' +
          'malformed journal line: run_start event with a missing or wrong "check"\n',
      );
    }
  });

  it('never throws anything but a JournalError, whatever the lines (fuzz)', () => {
    const keys = fc.constantFrom('result', 'type', 'at', 'halted', 'targets', 'tasks', 'name', 'status');
    const mutated = fc.tuple(fc.constantFrom(...good), keys, fc.jsonValue()).map(([line, key, value]) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      const target = key in e || !e.result ? e : (e.result as Record<string, unknown>);
      target[key] = value;
      return JSON.stringify(e);
    });
    const lineArb = fc.oneof(
      fc.constantFrom(...good),
      mutated,
      fc.json(),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 12 }), (lines) => {
        const runDir = runWith(lines);
        try {
          const run = readRun(runDir);
          storedReport(run);
          hostsToResume(runDir, 'site.yml', undefined, { cwd: runDir });
        } catch (err) {
          if (!(err instanceof JournalError) && !(err instanceof RunNotFoundError)) throw err;
        } finally {
          rmSync(runDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('a disk that fills during a run', () => {
  it('is an exit 5 with the reason said once, not an internal error', async () => {
    const runDir = tempDir();
    const { startLab } = await import('../../src/lab/lab.js');
    const lab = await startLab({ hosts: 12, latencyMs: 5 });
    try {
      // A private 256 KiB tmpfs as the run directory, nearly full before the run starts.
      const main = JSON.stringify(join(ROOT, 'src/cli/main.ts'));
      const entry = `import { main } from ${main}; process.exitCode = await main(process.argv.slice(1));`;
      const script = [
        `mount -t tmpfs -o size=256k tmpfs "$RUN_DIR"`,
        `head -c ${256 * 1024 - 12 * 1024} /dev/zero > "$RUN_DIR/filler" || true`,
        'exec "$NODE" --import "$TSX" --input-type=module -e "$ENTRY" --' +
          ' apply "$SITE" -i "$INV" --forks 1 --run-dir "$RUN_DIR"',
      ].join(' && ');
      // Spawned, not run synchronously: the lab's devices answer from this very process.
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
        cwd: ROOT,
        env: {
          ...process.env,
          NO_COLOR: '1',
          RUN_DIR: runDir,
          NODE: process.execPath,
          TSX: new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href,
          ENTRY: entry,
          SITE: join(ROOT, 'test/fixtures/apply/site.yml'),
          INV: lab.inventoryPath,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const r = await collect(child, 120_000);
      const out = r.stdout + r.stderr;
      const code = r.code;
      expect(code, out).toBe(5);
      expect(out).not.toContain('internal error');
      expect(out.match(/an output failed during the run.*no space left on device/gi)).toHaveLength(1);
      // Every host still ran: a full disk stops the journal, not the rollout.
      expect(lab.fleetCounters().connections).toBe(12);
    } finally {
      await lab.stop();
    }
  });
});
