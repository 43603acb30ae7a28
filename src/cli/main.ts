import { readFileSync } from 'node:fs';
import { EXIT, UsageError } from './args.js';
import { processIo, type Io } from '../report/io.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

interface LoadedCommand {
  run: Command;
  /** The command's --help text; its first paragraph is the usage printed with a usage error. */
  help: string;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<LoadedCommand>;
}

/** Commands are imported only when used, so `runbook validate` never pays for ssh2. */
export const COMMANDS: Record<string, CommandEntry> = {
  validate: {
    summary: 'check playbooks, inventory and templates without touching the network',
    load: async () => {
      const m = await import('./validate.js');
      return { run: m.validate, help: m.HELP };
    },
  },
  plan: {
    summary: 'show the batches, hosts and rendered tasks a run would use',
    load: async () => {
      const m = await import('./plan.js');
      return { run: m.plan, help: m.HELP };
    },
  },
  apply: {
    summary: 'run the plays over SSH',
    load: async () => {
      const m = await import('./apply.js');
      return { run: m.apply, help: m.HELP };
    },
  },
  report: {
    summary: 'show a stored run again',
    load: async () => {
      const m = await import('./report.js');
      return { run: m.report, help: m.HELP };
    },
  },
  runs: {
    summary: 'list recorded runs: id, playbook, started, hosts, outcome, check',
    load: async () => {
      const m = await import('./runs.js');
      return { run: m.runs, help: m.HELP };
    },
  },
  inventory: {
    summary: 'show an inventory as ansible-inventory does (--list, --host, --graph)',
    load: async () => {
      const m = await import('./inventory.js');
      return { run: m.inventory, help: m.HELP };
    },
  },
  lab: {
    summary: 'serve simulated SSH devices on 127.0.0.1',
    load: async () => {
      const m = await import('./lab.js');
      return { run: m.lab, help: m.HELP };
    },
  },
};

/** The usage lines at the top of a command's help, without the `usage: ` they start with. */
export function usageOf(help: string): string {
  const paragraph = help.split(/\n\s*\n/, 1)[0] ?? '';
  return paragraph.replace(/^usage: /, '');
}

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
    "runbook COMMAND --help shows a command's options; runbook --version prints the version.",
    '',
  ].join('\n');
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
  let command: LoadedCommand | undefined;
  try {
    command = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError && command) {
      io.err(`runbook ${name}: ${err.message}\nusage: ${usageOf(command.help)}\n`);
      return EXIT.usage;
    }
    const e = err as Error;
    io.err(
      `runbook ${name}: internal error: ${e?.stack ?? String(err)}\nThis is a bug in runbook; please report it.\n`,
    );
    return EXIT.internal;
  }
}
