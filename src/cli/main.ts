import { readFileSync } from 'node:fs';
import { EXIT, UsageError } from './args.js';
import { processIo, type Io } from '../report/io.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

interface CommandEntry {
  summary: string;
  usage: string;
  load: () => Promise<Command>;
}

/** Commands are imported only when used, so `runbook validate` never pays for ssh2. */
export const COMMANDS: Record<string, CommandEntry> = {
  validate: {
    summary: 'check playbooks, inventory and templates without touching the network',
    usage: 'runbook validate PLAYBOOK... [-i INV] [--format text|json|github]',
    load: async () => (await import('./validate.js')).validate,
  },
  plan: {
    summary: 'show the batches, hosts and rendered tasks a run would use',
    usage: 'runbook plan PLAYBOOK [-i INV] [--limit PATTERN] [--json]',
    load: async () => (await import('./plan.js')).plan,
  },
  apply: {
    summary: 'run the plays over SSH',
    usage:
      'runbook apply PLAYBOOK [-i INV] [--limit PATTERN] [--check] [--diff] [--forks N] [--report-file FILE] [--junit FILE] [--json] [--resume [RUN_ID]] [--run-dir DIR]',
    load: async () => (await import('./apply.js')).apply,
  },
  report: {
    summary: 'show a stored run again',
    usage: 'runbook report [RUN_ID] [--json] [--run-dir DIR]',
    load: async () => (await import('./report.js')).report,
  },
  runs: {
    summary: 'list recorded runs: id, playbook, started, hosts, outcome, check',
    usage: 'runbook runs [--run-dir DIR] [--last N]',
    load: async () => (await import('./runs.js')).runs,
  },
  inventory: {
    summary: 'show an inventory as ansible-inventory does (--list, --host, --graph)',
    usage: 'runbook inventory -i SRC... (--list | --host HOST | --graph [GROUP]) [--playbook-dir DIR]',
    load: async () => (await import('./inventory.js')).inventory,
  },
  lab: {
    summary: 'serve simulated SSH devices on 127.0.0.1',
    usage:
      'runbook lab [--hosts N] [--sites S] [--fault SPEC]... [--latency DUR] [--inventory-out FILE] [--seed N]',
    load: async () => (await import('./lab.js')).lab,
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: runbook COMMAND [options]',
    '',
    'Deploy configuration to fleets of devices over SSH, safely.',
    '',
    'commands:',
    ...lines,
    '',
    'runbook COMMAND --help shows a command\'s options; runbook --version prints the version.',
    '',
  ].join('\n');
}

/** The usage paragraph of a command's own --help, so an option error never shows a shorter, older list. */
async function usageOf(command: Command, io: Io): Promise<string> {
  let help = '';
  await command(['--help'], { ...io, out: (t) => void (help += t), err: () => {} });
  return help.split('\n\n', 1)[0]!;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `runbook help COMMAND` is `runbook COMMAND --help`, as in git and npm.
  const helpFor = first === 'help' && afterFirst.length > 0;
  const name = helpFor ? afterFirst[0] : first;
  const rest = helpFor ? ['--help'] : afterFirst;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topUsage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`runbook ${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`runbook: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return EXIT.usage;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`runbook ${name}: ${err.message}\n${command ? await usageOf(command, io) : `usage: ${entry.usage}`}\n`);
      return EXIT.usage;
    }
    const e = err as Error;
    io.err(`runbook ${name}: internal error: ${e?.stack ?? String(err)}\nThis is a bug in runbook; please report it.\n`);
    return EXIT.internal;
  }
}
