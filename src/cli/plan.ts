import { EXIT, UsageError, parseFlags } from './args.js';
import type { Io } from '../report/io.js';
import type { Plan, PlannedHost, PlannedTask } from '../engine/plan-model.js';
import type { Redactor } from '../playbook/redact.js';

const USAGE = `usage: runbook plan PLAYBOOK [-i INV] [--limit PATTERN] [--json]

Shows what a run would do, without touching the network: each play's batches in order with their hosts,
and each host's tasks with commands and templates rendered. Secrets are redacted.

options:
  -i, --inventory INV   inventory to use for every play (otherwise each play's "inventory:")
  --limit PATTERN       only hosts that also match this host pattern
  --json                the plan as JSON
  -h, --help            show this help

exit status: 0 planned, 4 invalid playbook/inventory/template, 5 bad usage
`;

interface JsonTask {
  name: string;
  action: string;
  command?: string;
  template?: { src: string; dest: string; content: string; mode?: string };
}

function jsonTask(t: PlannedTask, redactor: Redactor): JsonTask {
  const out: JsonTask = { name: t.spec.name, action: t.spec.action.kind };
  if (t.preview.command !== undefined) out.command = redactor.text(t.preview.command);
  if (t.preview.template) out.template = { ...t.preview.template, content: redactor.text(t.preview.template.content) };
  return out;
}

/** `groups` lists the whole inventory; repeating it under every host would drown the plan. */
function shownVars(h: PlannedHost): Record<string, unknown> {
  const { groups: _groups, ...rest } = h.vars;
  return rest;
}

async function redactorFor(plan: Plan, io: Io): Promise<{ redactor: Redactor; redactVars: (v: Record<string, unknown>, r: Redactor) => Record<string, unknown> }> {
  const { Redactor, redactVars } = await import('../playbook/redact.js');
  const redactor = new Redactor();
  for (const p of plan.plays) for (const h of p.hosts.values()) redactor.addFromVars(h.vars, io.env);
  return { redactor, redactVars };
}

function describeTask(t: PlannedTask, redactor: Redactor): string[] {
  const a = t.spec.action;
  const head = `${t.index + 1}. ${t.spec.name}`;
  const when = t.spec.when?.length ? `  [when: ${t.spec.when.join(' and ')}]` : '';
  if (a.kind === 'command') return [`${head}${when}`, `     $ ${redactor.text(t.preview.command ?? a.command)}`];
  if (a.kind === 'assert') return [`${head}${when}`, `     assert: ${a.that.join(' and ')}`];
  const tpl = t.preview.template!;
  const mode = tpl.mode ? ` (mode ${tpl.mode})` : '';
  const body = redactor.text(tpl.content).replace(/\n$/, '').split('\n').map((l) => `     | ${l}`);
  return [`${head}${when}`, `     template ${tpl.src} -> ${tpl.dest}${mode}`, ...body];
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
  return `${lines.join('\n')}\n`;
}

export async function plan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    inventory: { type: 'string', short: 'i' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the playbook to plan' : 'plan takes exactly one playbook');
  if (values.limit !== undefined && values.limit.trim() === '') throw new UsageError('--limit needs a host pattern');

  const [{ loadPlan }, { formatDiagnostic }] = await Promise.all([import('../engine/load-plan.js'), import('../playbook/diagnostic.js')]);
  const loaded = loadPlan({
    playbook: positionals[0]!,
    ...(values.inventory === undefined ? {} : { inventory: values.inventory }),
    ...(values.limit === undefined ? {} : { limit: values.limit }),
    cwd: io.cwd,
  });
  if (!loaded.plan) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    const files = new Set(loaded.diagnostics.map((d) => d.file)).size;
    io.err(`${loaded.diagnostics.length} problem${loaded.diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}\n`);
    return EXIT.invalid;
  }
  const { redactor, redactVars } = await redactorFor(loaded.plan, io);
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
