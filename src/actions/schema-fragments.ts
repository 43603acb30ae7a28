/**
 * Schema fragments the file and command actions share, so an argument Ansible gives several modules is described
 * (and validated) the same way in each. `npm run schemas` copies them into schemas/playbook.schema.json.
 */

type Schema = Readonly<Record<string, unknown>>;

/** `path`, with Ansible's aliases `dest` and `name`; `what` is what it names ("file", "path"). */
export function pathAliases(what: string): Record<'path' | 'dest' | 'name', Schema> {
  const same = { title: 'Path', description: 'Same as path.', type: 'string', minLength: 1 };
  return {
    path: {
      title: 'Path',
      description: `The remote ${what} (also \`dest\` or \`name\`).`,
      type: 'string',
      minLength: 1,
    },
    dest: same,
    name: same,
  };
}

/**
 * Permissions as Ansible's modules take them: octal digits in a string ("0644", "644", "0o644"), or an integer
 * that is the bits themselves (`0644` is 420; `644` is mode 01204). Symbolic modes ("u+rw") are not supported.
 */
export function modeSchema(): Schema {
  return {
    title: 'File mode',
    description: 'Octal permissions such as "0644" (quoted), or an integer read as YAML reads it (0644 is 420).',
    'x-expected': 'octal permissions like "0644" (symbolic modes such as "u+rw" are not supported)',
    oneOf: [
      { type: 'string', pattern: '^(0[oO])?0*[0-7]{1,4}$' },
      { type: 'integer', minimum: 0, maximum: 0o7777 },
    ],
  };
}

/** `owner` and `group` of what the action writes; `what` is "file" or "path". */
export function ownership(what: string): Record<'owner' | 'group', Schema> {
  return {
    owner: { title: 'Owner', description: `User name that should own the ${what}.`, type: 'string' },
    group: { title: 'Group', description: `Group that should own the ${what}.`, type: 'string' },
  };
}

/** `backup` of copy and template, which replace dest. */
export const BACKUP_REPLACED: Schema = {
  title: 'Backup',
  description: 'Keep the replaced file as dest.PID.YYYY-MM-DD@HH:MM:SS~ (registered as backup_file).',
  type: 'boolean',
};

/** `backup` of lineinfile and blockinfile, which edit path. */
export const BACKUP_EDITED: Schema = {
  title: 'Backup',
  description: 'Keep the edited file as path.PID.YYYY-MM-DD@HH:MM:SS~ (registered as backup_file).',
  type: 'boolean',
};

export const CREATE: Schema = { title: 'Create', description: 'Create the file when it is missing.', type: 'boolean' };

export const VALIDATE: Schema = {
  title: 'Validate',
  description: 'Command run on the new file (%s is its path) before it replaces dest; failing leaves dest.',
  type: 'string',
  pattern: '%s',
};

/**
 * `chdir`, `creates` and `removes` of command, shell and script: where the command runs, and the paths that make
 * it unnecessary (as Ansible's command module judges them).
 */
export const RUN_GUARDS: Record<'chdir' | 'creates' | 'removes', Schema> = {
  chdir: {
    title: 'Working directory',
    description: 'Change into this remote directory first.',
    type: 'string',
    minLength: 1,
  },
  creates: {
    title: 'Creates',
    description: 'Skip the command when this remote path exists.',
    type: 'string',
    minLength: 1,
  },
  removes: {
    title: 'Removes',
    description: 'Run the command only when this remote path exists.',
    type: 'string',
    minLength: 1,
  },
};

/**
 * The two forms of command, shell and script: a command line, or a mapping with `cmd`, the run guards and the
 * action's own arguments.
 */
export function commandForms(cmd: Schema, own: Record<string, Schema> = {}): Schema[] {
  return [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['cmd'],
      properties: { cmd, ...RUN_GUARDS, ...own },
    },
  ];
}
