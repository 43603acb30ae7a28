import type { EventBus, RunEvent } from './events.js';
import type { BreakerTimeline, Halted, HostResult, RunReport, Summary } from './results.js';

/**
 * Builds the RunReport from the engine's events alone, so every report (tables, JSON, JUnit) reads one
 * value and none reaches back into the engine. Hosts are listed in plan order (play, then batch order),
 * not in the order they happened to finish.
 */
export class RunCollector {
  private runId = '';
  private playbook = '';
  private check = false;
  private resumedFrom: string | null = null;
  private started = '';
  private finished = '';
  private halted: Halted | null = null;
  private playIndex = -1;
  private readonly order = new Map<string, number>();
  private readonly hosts: { key: number; result: HostResult }[] = [];
  private readonly breakers = new Map<string, BreakerTimeline>();

  constructor(bus?: EventBus) {
    bus?.subscribe((e) => this.handle(e));
  }

  handle(e: RunEvent): void {
    switch (e.type) {
      case 'run_start':
        this.runId = e.run_id;
        this.playbook = e.playbook;
        this.check = e.check;
        this.resumedFrom = e.resumed_from;
        this.started = e.at;
        break;
      case 'play_start':
        this.playIndex += 1;
        e.batches.flat().forEach((h, i) => this.order.set(this.key(h), this.playIndex * 1_000_000 + i));
        break;
      case 'host_end':
        this.hosts.push({ key: this.order.get(this.key(e.result.name)) ?? Number.MAX_SAFE_INTEGER, result: e.result });
        break;
      case 'breaker': {
        // Two plays may each have a breaker for the same scope; the report names them apart.
        const id = this.playIndex > 0 ? `${e.play}: ${e.scope}` : e.scope;
        const timeline = this.breakers.get(id) ?? { scope: e.scope, state: e.from, transitions: [] };
        timeline.transitions.push({ at: e.at, from: e.from, to: e.to });
        timeline.state = e.to;
        this.breakers.set(id, timeline);
        break;
      }
      case 'halt':
        this.halted ??= e.halted;
        break;
      case 'run_end':
        this.finished = e.at;
        this.halted = e.halted;
        break;
      default:
        break;
    }
  }

  report(): RunReport {
    const hosts = [...this.hosts].sort((a, b) => a.key - b.key).map((h) => h.result);
    const summary: Summary = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 };
    for (const h of hosts) summary[h.status] += 1;
    const finished = this.finished || this.started;
    return {
      run_id: this.runId,
      playbook: this.playbook,
      check: this.check,
      started: this.started,
      finished,
      duration_ms: Math.max(0, Date.parse(finished) - Date.parse(this.started)) || 0,
      halted: this.halted,
      summary,
      hosts,
      breakers: [...this.breakers.values()],
      resumed_from: this.resumedFrom,
    };
  }

  private key(host: string): string {
    return `${this.playIndex}\u0000${host}`;
  }
}
