import { resolve } from 'node:path';
import { EXIT, UsageError, parseFlags } from './args.js';
import { INVENTORY_FLAGS, INVENTORY_HELP, inventoryInputs } from './inventory-flags.js';
import type { Io } from '../report/io.js';
import { isSecretName, REDACTED, Redactor } from '../playbook/redact.js';

export const HELP = `usage: runbook inventory -i SRC... (--list | --host HOST | --graph [GROUP]) [--playbook-dir DIR]

Shows the inventory as ansible-inventory does, in the same JSON shape, so the two can be compared:
groups with their hosts and children, and every host's variables after group_vars/ and host_vars/.

options:
${INVENTORY_HELP}
  --list                groups and _meta.hostvars as JSON
  --host HOST           one host's variables as JSON
  --graph               the group tree (of GROUP, default all)
  --playbook-dir DIR    read group_vars/ and host_vars/ beside a playbook here (default: the current folder)
  -h, --help            show this help

Values encrypted with "!vault" are shown encrypted, as ansible-inventory shows them.

exit status: 0 shown, 4 invalid inventory, 5 bad usage
`;

export async function inventory(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...INVENTORY_FLAGS,
    list: { type: 'boolean' },
    host: { type: 'string' },
    graph: { type: 'boolean' },
    'playbook-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  const modes = [values.list, values.host !== undefined, values.graph].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('choose one of --list, --host HOST or --graph');
  if (positionals.length > (values.graph ? 1 : 0)) throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
  const inputs = await inventoryInputs(values, io);
  if (!inputs.sources) throw new UsageError('name the inventory with -i');

  const modules = await Promise.all([
    import('../inventory/sources.js'),
    import('../inventory/vars-tree.js'),
    import('../inventory/vars.js'),
    import('../inventory/ansible-json.js'),
    import('../playbook/diagnostic.js'),
  ]);
  const [{ loadInventorySources }, { readVarsTree }, { InventoryVars }, json, { formatDiagnostic }] = modules;
  // Secrets are never printed: values from vault-encrypted files and variables named as secrets are shown
  // redacted where ansible-inventory would print them; `!vault` values stay encrypted, as it shows them.
  const redactor = new Redactor();
  for (const s of inputs.decrypted) redactor.add(s);
  const ctx = { secrets: inputs.secrets, onSecret: (s: string) => void redactor.add(s), keepVaulted: true };
  const print = (value: unknown): void => {
    io.out(`${json.ansibleJsonText(redactStrings(value, (s) => redactor.text(s)))}\n`);
  };
  const hidden = (hostVars: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(hostVars).map(([k, v]) => [k, isSecretName(k) ? REDACTED : v]));
  const loaded = loadInventorySources(inputs.sources, ctx, { cwd: io.cwd });
  for (const w of loaded.warnings) io.err(`warning: ${formatDiagnostic({ ...w.loc, message: w.message })}\n`);
  const inv = loaded.inventory;
  if (!inv) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return EXIT.invalid;
  }
  const playbookDir = resolve(io.cwd, values['playbook-dir'] ?? '.');
  const tree = readVarsTree(playbookDir, inv.groups.keys(), inv.hosts.keys(), ctx);
  if (tree.diagnostics.length > 0) {
    for (const d of tree.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return EXIT.invalid;
  }
  const vars = new InventoryVars(inv, { playbookTrees: [tree.tree] });
  const withExtra = (v: Record<string, unknown>): Record<string, unknown> => ({ ...v, ...inputs.extraVars });

  if (values.host !== undefined) {
    if (!inv.hosts.has(values.host)) throw new UsageError(`--host: no host "${values.host}" in the inventory`);
    print(hidden(withExtra(json.hostJson(vars, values.host))));
  } else if (values.graph) {
    const text = json.graphText(inv, positionals[0] ?? 'all');
    if (text === undefined) throw new UsageError(`--graph: no group "${positionals[0]}" in the inventory`);
    io.out(`${text}\n`);
  } else {
    const list = json.listJson(inv, vars);
    const meta = list._meta as { hostvars: Record<string, Record<string, unknown>> };
    const extra = Object.keys(inputs.extraVars).length > 0;
    for (const host of inv.hosts.keys()) {
      const hv = extra ? withExtra(meta.hostvars[host] ?? {}) : meta.hostvars[host];
      if (hv) meta.hostvars[host] = hidden(hv);
    }
    print(list);
  }
  return EXIT.ok;
}

function redactStrings(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v, redact);
    return out;
  }
  return value;
}
