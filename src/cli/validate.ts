import { EXIT, UsageError, existingFile, parseFlags } from './args.js';
import { INVENTORY_FLAGS, INVENTORY_HELP, inventoryInputs, planInputs, printWarnings } from './inventory-flags.js';
import { SELECTION_FLAGS, SELECTION_USAGE, taskSelection } from './selection.js';
import type { Io } from '../report/io.js';
import type { Diagnostic } from '../playbook/diagnostic.js';

export const HELP = `usage: runbook validate PLAYBOOK... [-i SRC]... [-e VARS]... [-F FILE] [--format text|json|github]
                        [--tags TAGS] [--skip-tags TAGS]


Checks playbooks, their inventories, host patterns and every template rendered for every targeted host,
without touching the network. Every problem is reported, as FILE:LINE:COL: message. A key file or
known_hosts that the inventory names but this machine lacks is a warning: apply would fail here, but the
machine that runs it may have them.

options:
${INVENTORY_HELP}
                        (-i is used for every play; otherwise each play's "inventory:")
  -F, --ssh-config FILE OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config
  --format FORMAT       text (default), json ({"valid", "diagnostics"}), or github (workflow annotations)
${SELECTION_USAGE}
  -h, --help            show this help

exit status: 0 valid, 4 invalid, 5 bad usage
`;

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

/** GitHub workflow commands end at a newline and treat % specially. */
function githubEscape(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function githubProperty(s: string): string {
  return githubEscape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function validate(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...INVENTORY_FLAGS,
    'ssh-config': { type: 'string', short: 'F' },
    format: { type: 'string' },
    ...SELECTION_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  const selection = taskSelection(values, io.env);
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  const format = (values.format ?? 'text') as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  if (positionals.length === 0) throw new UsageError('name at least one playbook to validate');

  // The planner pulls in nunjucks and ajv: loaded only once the flags are known to be good.
  const [{ loadPlan }, { formatDiagnostic, sortDiagnostics }] = await Promise.all([
    import('../engine/load-plan.js'),
    import('../playbook/diagnostic.js'),
  ]);
  const sshConfig = existingFile('-F', values['ssh-config'], io.cwd);
  const inputs = {
    ...planInputs(await inventoryInputs(values, io)),
    ...(sshConfig ? { sshConfigFile: sshConfig } : {}),
  };
  const diagnostics: Diagnostic[] = [];
  const summaries: string[] = [];
  for (const playbook of positionals) {
    const loaded = loadPlan({
      playbook,
      ...inputs,
      ...selection,
      cwd: io.cwd,
    });
    printWarnings(io, loaded.warnings);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.plan) {
      const hosts = new Set<string>();
      let tasks = 0;
      for (const p of loaded.plan.plays) {
        for (const h of p.hosts.keys()) hosts.add(h);
        tasks += p.spec.tasks.length + p.spec.rescue.length;
      }
      summaries.push(`${playbook}: valid (${plural(hosts.size, 'host')}, ${plural(tasks, 'task')})`);
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  const valid = sorted.length === 0;

  if (format === 'json') {
    io.out(`${JSON.stringify({ valid, diagnostics: sorted }, null, 2)}\n`);
  } else if (format === 'github') {
    for (const d of sorted) {
      const message = d.hint ? `${d.message} (${d.hint})` : d.message;
      io.out(`::error file=${githubProperty(d.file)},line=${d.line},col=${d.col}::${githubEscape(message)}\n`);
    }
  } else {
    for (const d of sorted) io.out(`${formatDiagnostic(d)}\n`);
    if (valid) for (const s of summaries) io.err(`${s}\n`);
    // On the diagnostics' own stream: on another one, a reader that merges the two could join it to the last.
    else io.out(`${plural(sorted.length, 'problem')} in ${plural(new Set(sorted.map((d) => d.file)).size, 'file')}\n`);
  }
  return valid ? EXIT.ok : EXIT.invalid;
}
