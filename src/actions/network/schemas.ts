import type { NetworkModuleKind } from '../../playbook/network-modules.js';

/**
 * The schema of each network module's arguments, as Ansible names them; `npm run schemas` copies them into
 * schemas/playbook.schema.json under every name of the module.
 */

type Schema = Readonly<Record<string, unknown>>;

/** A string or a list of strings (prompts, answers, wait_for conditions). */
const STRINGS = {
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
} as const;

/** A config line or a list of them, as the *_config modules take lines, parents, before and after. */
function lineList(title: string, description: string): Schema {
  return {
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string' } },
    ],
    'x-expected': 'a line or a list of lines',
    title,
    description,
  };
}

const DIFF_IGNORE_LINES: Schema = {
  title: 'Ignore lines',
  description: 'Regular expressions for running-config lines left out of the comparison.',
  type: 'array',
  items: { type: 'string' },
};

const CONFIRM_AFTER: Schema = {
  title: 'Confirm after',
  description:
    'Verification tasks (cli_command or *_command, e.g. with wait_for) run on the device after the push; the ' +
    'change is confirmed only when all pass, else it stays pending and the device rolls it back.',
  type: 'array',
  minItems: 1,
  items: { type: 'object', minProperties: 1, maxProperties: 1, 'x-expected': 'a mapping with one module' },
};

const COMMANDS: Schema = {
  type: 'object',
  title: 'Network commands',
  additionalProperties: false,
  required: ['commands'],
  description:
    "Ansible's <platform>_command: runs each command on a network_cli host and " +
    'registers stdout and stdout_lines per command.',
  'x-expected': 'a mapping with commands',
  properties: {
    commands: {
      title: 'Commands',
      description: 'Commands to run, in order; an entry may be {command, prompt, answer}.',
      oneOf: [
        {
          type: 'string',
          minLength: 1,
        },
        {
          type: 'array',
          minItems: 1,
          items: {
            oneOf: [
              {
                type: 'string',
                minLength: 1,
              },
              {
                type: 'object',
                additionalProperties: false,
                required: ['command'],
                properties: {
                  command: {
                    type: 'string',
                    minLength: 1,
                    title: 'Command',
                    description: 'The command to run.',
                  },
                  prompt: {
                    ...STRINGS,
                    title: 'Prompt',
                    description: 'Regular expressions of questions the command asks.',
                  },
                  answer: { ...STRINGS, title: 'Answer', description: 'The answers, in the order of prompt.' },
                },
              },
            ],
          },
        },
      ],
      'x-expected': 'a command or a list of commands',
    },
    wait_for: {
      title: 'Wait for',
      description: 'Conditions over result[N] (contains, ==, !=, <, >) that must hold; retried until they do.',
      ...STRINGS,
    },
    match: {
      title: 'Match',
      description: 'all: every wait_for condition must hold; any: one is enough.',
      enum: ['all', 'any'],
    },
    retries: {
      title: 'Retries',
      description: 'Times to run the commands while wait_for does not hold (default 10).',
      type: 'integer',
      minimum: 0,
    },
    interval: {
      title: 'Interval',
      description: 'Seconds between retries (default 1).',
      type: 'number',
      minimum: 0,
    },
  },
};

const CLI_COMMAND: Schema = {
  type: 'object',
  title: 'CLI command',
  additionalProperties: false,
  required: ['command'],
  description: "Ansible's cli_command: one command on a network_cli host, answering its prompts.",
  'x-expected': 'a mapping with command',
  properties: {
    command: {
      title: 'Command',
      description: 'The command to run.',
      type: 'string',
      minLength: 1,
    },
    prompt: {
      title: 'Prompt',
      description: 'Regular expressions of questions the command asks.',
      ...STRINGS,
    },
    answer: {
      title: 'Answer',
      description: 'The answers, in the order of prompt.',
      ...STRINGS,
    },
    check_all: {
      title: 'Check all',
      description: 'Accepted for compatibility: every prompt is answered in order.',
      type: 'boolean',
    },
    newline: {
      title: 'Newline',
      description: 'Accepted for compatibility: answers are always followed by a newline.',
      type: 'boolean',
    },
  },
};

const CONFIG: Schema = {
  type: 'object',
  title: 'Network config',
  additionalProperties: false,
  description: "Ansible's <platform>_config: pushes the lines the device lacks, under the platform's safety net.",
  'x-expected': 'a mapping with lines (and parents) or src',
  properties: {
    lines: lineList('Lines', 'Config lines that must be present, under parents.'),
    commands: lineList('Commands', "Ansible's alias of lines."),
    parents: lineList('Parents', 'The block the lines belong to, outermost first.'),
    src: {
      title: 'Source',
      description: 'A template of configuration text, looked up like template src.',
      type: 'string',
      minLength: 1,
    },
    before: lineList('Before', 'Lines sent before the missing lines, only when some are pushed.'),
    after: lineList('After', 'Lines sent after the missing lines, only when some are pushed.'),
    match: {
      title: 'Match',
      description:
        'line: each line anywhere under its parents; strict: in order; ' +
        'exact: the block as a whole; none: push everything.',
      enum: ['line', 'strict', 'exact', 'none'],
    },
    replace: {
      title: 'Replace',
      description: 'line: push the missing lines; block: push the whole block when any line differs.',
      enum: ['line', 'block'],
    },
    save_when: {
      title: 'Save when',
      description: 'Copy running to startup config: always, never (default), modified or changed.',
      enum: ['always', 'never', 'modified', 'changed'],
    },
    backup: {
      title: 'Backup',
      description: "Keep the running config from before the push in the task's result (backup).",
      type: 'boolean',
    },
    diff_ignore_lines: DIFF_IGNORE_LINES,
    confirm: {
      title: 'Confirm within',
      description:
        'Minutes the change may stay unconfirmed; ' +
        'the device rolls it back unless a later cli_confirm task confirms it.',
      type: 'integer',
      minimum: 1,
    },
    confirm_after: CONFIRM_AFTER,
    comment: {
      title: 'Comment',
      description: 'Accepted for compatibility (Junos commit comment).',
      type: 'string',
    },
  },
};

const CLI_CONFIG: Schema = {
  type: 'object',
  title: 'CLI config',
  additionalProperties: false,
  description: "Ansible's cli_config: configuration text pushed by the platform's rules, under its safety net.",
  'x-expected': 'a mapping with config',
  properties: {
    config: {
      title: 'Config',
      description: 'The configuration text (lines, indented blocks, or Junos set lines).',
      type: 'string',
    },
    commit: {
      title: 'Commit',
      description: 'false stages the lines on a candidate platform without committing.',
      type: 'boolean',
    },
    replace: {
      title: 'Replace',
      description:
        'true: config is the whole configuration and replaces the running one (Junos load override on the ' +
        'candidate, EOS rollback clean-config in the session); refused on platforms without replace.',
      oneOf: [{ type: 'boolean' }, { type: 'string' }],
      'x-expected': 'true, false, yes or no',
    },
    rollback: {
      title: 'Rollback',
      description:
        'Loads and commits the configuration saved this many commits ago (Junos rollback N, IOS-XR rollback ' +
        'configuration last N); refused on platforms that keep no numbered history. Instead of config.',
      type: 'integer',
      minimum: 0,
    },
    diff_match: {
      title: 'Diff match',
      description: 'line, strict, exact or none, as match.',
      enum: ['line', 'strict', 'exact', 'none'],
    },
    diff_replace: {
      title: 'Diff replace',
      description: 'line or block, as replace.',
      enum: ['line', 'block'],
    },
    diff_ignore_lines: DIFF_IGNORE_LINES,
    backup: {
      title: 'Backup',
      description: "Keep the running config from before the push in the task's result.",
      type: 'boolean',
    },
    confirm: {
      title: 'Confirm within',
      description: 'Minutes the change may stay unconfirmed before the device rolls it back.',
      type: 'integer',
      minimum: 1,
    },
    confirm_after: CONFIRM_AFTER,
    commit_comment: {
      title: 'Commit comment',
      description: 'Accepted for compatibility.',
      type: 'string',
    },
  },
};

const CONFIRM: Schema = {
  title: 'Confirm',
  description: 'Confirms the change a config task with confirm: left pending, so the device keeps it.',
  oneOf: [
    {
      type: 'null',
    },
    {
      type: 'object',
      additionalProperties: false,
      properties: {},
    },
  ],
  'x-expected': 'nothing, or an empty mapping',
};

function titled(base: Schema, name: string, description: string): Schema {
  return { ...base, title: name, description };
}

export const NETWORK_SCHEMAS: Readonly<Record<NetworkModuleKind, (name: string) => Schema>> = {
  command: (name) =>
    titled(
      COMMANDS,
      name,
      `Ansible's ${name}: runs commands on a network_cli host (stdout and stdout_lines per command).`,
    ),
  cli_command: (name) => titled(CLI_COMMAND, name, "Ansible's cli_command: one command on any network_cli host."),
  config: (name) =>
    titled(
      CONFIG,
      name,
      `Ansible's ${name}: pushes the config lines the device lacks, under the platform's safety net.`,
    ),
  cli_config: (name) =>
    titled(CLI_CONFIG, name, "Ansible's cli_config: configuration text pushed to any network_cli host."),
  confirm: () => CONFIRM,
};
