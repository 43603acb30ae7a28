import { EXIT, UsageError, existingFile, limitPattern, parseFlags } from './args.js';
import { terminalSafe } from '../report/terminal.js';
import { INVENTORY_FLAGS, INVENTORY_HELP, inventoryInputs, planInputs, printWarnings } from './inventory-flags.js';
import type { Io } from '../report/io.js';
import { actionOf } from '../actions/registry.js';
import type { Plan, PlannedHost, PlannedTask } from '../engine/plan-model.js';
import type { Redactor } from '../playbook/redact.js';

export const HELP = `usage: runbook plan PLAYBOOK [-i SRC]... [-e VARS]... [-l PATTERN] [-F FILE] [--json]

Shows what a run would do, without touching the network: each play's batches in order with their hosts,
and each host's tasks with commands and templates rendered. Secrets are redacted.

options:
${INVENTORY_HELP}
                        (-i is used for every play; otherwise each play's "inventory:")
  -l, --limit PATTERN   only hosts that also match this host pattern
  -F, --ssh-config FILE OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config
  --json                the plan as JSON
  -h, --help            show this help

exit status: 0 planned, 4 invalid playbook/inventory/template, 5 bad usage
`;

function jsonTask(t: PlannedTask, redactor: Redactor): Record<string, unknown> {
  const action = actionOf(t.spec.action.kind);
  return { name: t.spec.name, action: t.spec.action.kind, ...action.json(t.spec.action, t.preview, (s) => redactor.text(s)) };
}

/** Magic variables that list the whole inventory or play; repeating them under every host would drown the plan. */
const FLEET_WIDE = ['groups', 'hostvars', 'ansible_play_hosts', 'ansible_play_hosts_all', 'ansible_play_batch'];

function shownVars(h: PlannedHost): Record<string, unknown> {
  return Object.fromEntries(Object.entries(h.vars).filter(([k]) => !FLEET_WIDE.includes(k)));
}

async function redactorOf(plan: Plan, io: Io): Promise<{ redactor: Redactor; redactVars: (v: Record<string, unknown>, r: Redactor) => Record<string, unknown> }> {
  const [{ redactorFor, redactVars }, { planSecrets, planVars }] = await Promise.all([import('../playbook/redact.js'), import('../engine/plan-model.js')]);
  return { redactor: redactorFor(planVars(plan), io.env, planSecrets(plan)), redactVars };
}

function describeTask(t: PlannedTask, redactor: Redactor): string[] {
  const head = `${t.index + 1}. ${t.spec.name}`;
  const when = t.spec.when?.length ? `  [when: ${t.spec.when.join(' and ')}]` : '';
  const lines = actionOf(t.spec.action.kind).describe(t.spec.action, t.preview, (s) => redactor.text(s));
  return [`${head}${when}`, ...lines.map((l) => `     ${l}`)];
}

function hostList(names: string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (+${names.length - max} more)`;
}

function renderText(plan: Plan, redactor: Redactor): string {
  const lines: string[] = [];
  for (const play of plan.plays) {
    const n = play.hosts.size;
    lines.push(`PLAY ${play.name}  (${n} host${n === 1 ? '' : 's'}, ${play.batches.length} batch${play.batches.length === 1 ? '' : 'es'})`);
    play.batches.forEach((b, i) => lines.push(`  batch ${i + 1}/${play.batches.length} (${b.length}): ${hostList(b)}`));
    // Hosts whose rendered tasks are identical are shown once, so 100 routers sharing a config read as one.
    const groups = new Map<string, { hosts: string[]; host: PlannedHost }>();
    for (const h of play.hosts.values()) {
      const key = JSON.stringify([h.tasks.map((t) => t.preview), h.rescue.map((t) => t.preview)]);
      const g = groups.get(key);
      if (g) g.hosts.push(h.name);
      else groups.set(key, { hosts: [h.name], host: h });
    }
    for (const { hosts, host } of groups.values()) {
      lines.push('', `  ${hosts.length === 1 ? 'host' : `${hosts.length} hosts`}: ${hostList(hosts)}`);
      for (const t of host.tasks) lines.push(...describeTask(t, redactor).map((l) => `    ${l}`));
      if (host.rescue.length > 0) {
        lines.push('    rescue:');
        for (const t of host.rescue) lines.push(...describeTask(t, redactor).map((l) => `      ${l}`));
      }
    }
    lines.push('');
  }
  // Rendered templates and names come from playbooks and inventories: no control character reaches the terminal.
  return `${terminalSafe(lines.join('\n'))}\n`;
}

export async function plan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...INVENTORY_FLAGS,
    'ssh-config': { type: 'string', short: 'F' },
    limit: { type: 'string', short: 'l' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the playbook to plan' : 'plan takes exactly one playbook');
  const limit = limitPattern(values.limit);

  const [{ loadPlan }, { formatDiagnostic }] = await Promise.all([import('../engine/load-plan.js'), import('../playbook/diagnostic.js')]);
  const loaded = loadPlan({
    playbook: positionals[0]!,
    ...planInputs(await inventoryInputs(values, io)),
    ...(limit === undefined ? {} : { limit }),
    ...(values['ssh-config'] === undefined
      ? {}
      : { sshConfigFile: existingFile('-F', values['ssh-config'], io.cwd)! }),
    cwd: io.cwd,
  });
  printWarnings(io, loaded.warnings);
  if (!loaded.plan) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    const files = new Set(loaded.diagnostics.map((d) => d.file)).size;
    io.err(`${loaded.diagnostics.length} problem${loaded.diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}\n`);
    return EXIT.invalid;
  }
  const { redactor, redactVars } = await redactorOf(loaded.plan, io);
  if (values.json) {
    const plays = loaded.plan.plays.map((p) => ({
      name: p.name,
      batches: p.batches,
      hosts: Object.fromEntries(
        [...p.hosts.values()].map((h) => [h.name, { vars: redactVars(shownVars(h), redactor), tasks: h.tasks.map((t) => jsonTask(t, redactor)) }]),
      ),
    }));
    io.out(`${JSON.stringify({ plays }, null, 2)}\n`);
  } else {
    io.out(renderText(loaded.plan, redactor));
  }
  return EXIT.ok;
}
