import { EXIT, UsageError, existingFile, limitPattern, parseFlags } from './args.js';
import { SELECTION_FLAGS, SELECTION_USAGE, taskSelection } from './selection.js';
import { INVENTORY_FLAGS, INVENTORY_HELP, inventoryInputs, planInputs, printWarnings } from './inventory-flags.js';
import type { Io } from '../report/io.js';
import type { Plan } from '../engine/plan-model.js';
import type { Redactor } from '../playbook/redact.js';

export const HELP = `usage: runbook plan PLAYBOOK [-i SRC]... [-e VARS]... [-l PATTERN] [-F FILE] [--json]
                    [--list-tasks] [--list-tags] [--tags TAGS] [--skip-tags TAGS]


Shows what a run would do, without touching the network: each play's forks, timeouts, failure budget and
breaker, its batches in order with their hosts, and each host's tasks with commands and templates rendered,
with their conditions, retries and timeouts. Hosts whose tasks render the same apart from their own name
are shown once. Secrets are redacted.

options:
${INVENTORY_HELP}
                        (-i is used for every play; otherwise each play's "inventory:")
  -l, --limit PATTERN   only hosts that also match this host pattern
  -F, --ssh-config FILE OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config
  --json                the plan as JSON
  --list-tasks          list each play's tasks with their tags, as ansible-playbook --list-tasks does
  --list-tags           list each play's tags, as ansible-playbook --list-tags does
${SELECTION_USAGE}
  -h, --help            show this help

exit status: 0 planned, 4 invalid playbook/inventory/template, 5 bad usage
`;

async function redactorOf(plan: Plan, io: Io): Promise<Redactor> {
  const [{ redactorFor }, { planSecrets, planVars }] = await Promise.all([
    import('../playbook/redact.js'),
    import('../engine/plan-model.js'),
  ]);
  return redactorFor(planVars(plan), io.env, planSecrets(plan));
}

export async function plan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...INVENTORY_FLAGS,
    'ssh-config': { type: 'string', short: 'F' },
    limit: { type: 'string', short: 'l' },
    json: { type: 'boolean' },
    'list-tasks': { type: 'boolean' },
    'list-tags': { type: 'boolean' },
    ...SELECTION_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  const selection = taskSelection(values, io.env);
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'name the playbook to plan' : 'plan takes exactly one playbook');
  const limit = limitPattern(values.limit);

  const [{ loadPlan }, { formatDiagnostic }] = await Promise.all([
    import('../engine/load-plan.js'),
    import('../playbook/diagnostic.js'),
  ]);
  if (values['list-tasks'] || values['list-tags']) {
    // Listing needs the playbook only: no inventory, no rendering, as ansible-playbook lists.
    const [{ loadPlaybook }, { listTasks }, { resolve }] = await Promise.all([
      import('../playbook/playbook.js'),
      import('./list-tasks.js'),
      import('node:path'),
    ]);
    const { ACTIONS } = await import('../actions/registry.js');
    const { playbook, diagnostics } = loadPlaybook(resolve(io.cwd, positionals[0]!), ACTIONS, {
      ...selection,
      ...(selection.rolesPath ? { rolesPath: selection.rolesPath.map((p) => resolve(io.cwd, p)) } : {}),
    });
    if (!playbook) {
      for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
      return EXIT.invalid;
    }
    const list = { tasks: values['list-tasks'] ?? false, tags: values['list-tags'] ?? false };
    io.out(listTasks(playbook, positionals[0]!, list));
    return EXIT.ok;
  }
  const loaded = loadPlan({
    ...selection,
    playbook: positionals[0]!,
    ...planInputs(await inventoryInputs(values, io)),
    ...(limit === undefined ? {} : { limit }),
    ...(values['ssh-config'] === undefined ? {} : { sshConfigFile: existingFile('-F', values['ssh-config'], io.cwd)! }),
    cwd: io.cwd,
  });
  printWarnings(io, loaded.warnings);
  if (!loaded.plan) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    const files = new Set(loaded.diagnostics.map((d) => d.file)).size;
    io.err(
      `${loaded.diagnostics.length} problem${loaded.diagnostics.length === 1 ? '' : 's'} in ` +
        `${files} file${files === 1 ? '' : 's'}\n`,
    );
    return EXIT.invalid;
  }
  const redactor = await redactorOf(loaded.plan, io);
  const { planJson, planText } = await import('../report/plan.js');
  io.out(
    values.json ? `${JSON.stringify(planJson(loaded.plan, redactor), null, 2)}\n` : planText(loaded.plan, redactor),
  );
  return EXIT.ok;
}
