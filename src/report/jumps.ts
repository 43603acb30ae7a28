import type { Plan } from '../engine/plan-model.js';
import type { JumpReport, RunReport } from '../engine/results.js';
import { chainName } from '../transport/jump.js';
import type { JumpHostStats } from '../transport/transport.js';

/**
 * Jump hosts in the report: each device names the jump host it is reached through, and each jump host
 * has a row with the devices behind it, its logins (one per shared connection), its failures and its
 * breaker's timeline. A dead bastion then reads as one fact, not as a column of unreachable devices.
 */
export function withJumps(report: RunReport, plan: Plan, stats: JumpHostStats[]): RunReport {
  const jumpOf = new Map<string, string>();
  for (const play of plan.plays) {
    for (const host of play.hosts.values()) {
      const chain = host.connection.jump;
      if (chain && chain.length > 0) jumpOf.set(`${play.name}\u0000${host.name}`, chainName(chain));
    }
  }
  if (jumpOf.size === 0 && stats.length === 0) return report;
  const hosts = report.hosts.map((h) => {
    const jump = jumpOf.get(`${h.play}\u0000${h.name}`);
    return jump === undefined ? h : { ...h, jump };
  });
  const jumps: JumpReport[] = stats.map((s) => ({
    host: s.name,
    devices: s.devices,
    logins: s.logins,
    failures: s.failures,
    drops: s.drops,
    peak_channels: s.peakChannels,
    state: s.state,
    transitions: s.transitions.map((t) => ({
      at: t.at.toISOString(),
      from: t.from,
      to: t.to,
      ...(t.error !== undefined ? { error: t.error } : {}),
    })),
  }));
  return { ...report, hosts, jumps };
}
