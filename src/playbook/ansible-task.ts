/**
 * Ansible's task syntax, reduced to runbook's: module names with their collection prefixes, free-form
 * `k=v` arguments, Ansible's boolean strings, and the keywords runbook refuses with what to use instead.
 * Pure functions over plain values; reuse.ts applies them while it composes the playbook.
 */

/** Prefixes under which Ansible's own modules are also known. */
const BUILTIN_PREFIXES = ['ansible.builtin.', 'ansible.legacy.'];

/** `ansible.builtin.command` → `command`; other names unchanged. */
export function shortModuleName(key: string): string {
  for (const p of BUILTIN_PREFIXES) if (key.startsWith(p)) return key.slice(p.length);
  return key;
}

/**
 * Task keywords (playbook/task.py and its bases) runbook understands. Everything else on a task is either
 * a module or a mistake.
 */
export const TASK_KEYWORDS = new Set([
  'name',
  'when',
  'register',
  'timeout',
  'retries',
  'retry_delay',
  'delay',
  'until',
  'failed_when',
  'changed_when',
  'ignore_errors',
  'check_mode',
  'loop',
  'loop_control',
  'with_items',
  'with_list',
  'with_dict',
  'with_indexed_items',
  'notify',
  'listen',
  'tags',
  'become',
  'become_user',
  'become_method',
  'delegate_to',
  'run_once',
  'no_log',
  'environment',
  'vars',
  'args',
  'local_action',
  'action',
  'any_errors_fatal',
  'connection',
  'block',
  'rescue',
  'always',
]);

/** Ansible keywords runbook does not run, each with what to write instead. */
export const REFUSED_KEYWORDS: Record<string, string> = {
  async: 'runbook bounds a task with "timeout"; start long jobs in the background with a command',
  poll: 'runbook bounds a task with "timeout"; start long jobs in the background with a command',
  throttle: 'limit hosts in flight with the play\'s "forks"',
  delegate_facts: 'facts a task gathers always belong to the host it runs for',
  become_flags: 'use become_user and become_method (sudo or su)',
  become_exe: 'use become_method: sudo or su',
  module_defaults: 'write the arguments on each task',
  collections: 'only ansible.builtin names are understood; write modules by their short names',
  ignore_unreachable: 'an unreachable host is judged by the breaker; see breaker.on_open',
  debugger: 'not available; runbook reports every failed task with its output',
  diff: 'pass --diff to runbook apply',
  remote_user: 'set ansible_user in the inventory',
  port: 'set ansible_port in the inventory',
  include: 'use import_tasks (static) or include_tasks (dynamic)',
  with_nested: 'use loop with the product filter written out as a list, or nested include_tasks',
  with_fileglob: 'list the files with loop',
  with_sequence: 'use loop with a list of numbers',
  with_subelements: 'use loop over a list you build in vars',
  with_together: 'use loop over a list you build in vars',
  with_first_found: 'name the file directly',
  with_lines: "register a command's output and loop over its stdout_lines",
  with_random_choice: 'pick the value in vars',
  with_inventory_hostnames: 'use loop: "{{ groups[\'name\'] }}"',
};

/** Play keywords runbook refuses, each with what to write instead. */
export const REFUSED_PLAY_KEYWORDS: Record<string, string> = {
  order: 'hosts run in inventory order',
  throttle: 'limit hosts in flight with "forks"',
  vars_prompt: 'pass the value with -e or in the inventory',
  module_defaults: 'write the arguments on each task',
  collections: 'only ansible.builtin names are understood',
  debugger: 'not available; runbook reports every failed task with its output',
  force_handlers: 'pass --force-handlers to runbook apply',
  fact_path: 'local facts (facts.d) are not read; set variables in the inventory or with set_fact',
  ignore_unreachable: 'an unreachable host is judged by the breaker; see breaker.on_open',
  port: 'set ansible_port in the inventory',
};

/** Where Ansible takes a boolean it also takes these strings (module_utils/parsing/convert_bool.py). */
const TRUE_STRINGS = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE_STRINGS = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's boolean(): a value it accepts as true or false, or undefined when it is neither. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (TRUE_STRINGS.has(s)) return true;
  if (FALSE_STRINGS.has(s)) return false;
  return undefined;
}

/** Keywords whose value is a boolean wherever they appear (task, block, play). */
export const BOOLEAN_KEYWORDS = new Set([
  'become',
  'ignore_errors',
  'run_once',
  'no_log',
  'any_errors_fatal',
  'gather_facts',
  'check_mode',
  'force_handlers',
]);

/** The arguments a free-form command keeps apart from the command line itself (parsing/splitter.py). */
const COMMAND_OPTIONS = new Set([
  'creates',
  'removes',
  'chdir',
  'executable',
  'warn',
  'stdin',
  'stdin_add_newline',
  'strip_empty_ends',
]);

/** Modules whose free-form text is the command line, not `k=v` arguments. */
export const FREE_FORM_MODULES = new Set(['command', 'shell', 'raw', 'script']);

/**
 * Splits an argument string as Ansible's split_args does for the cases playbooks use: whitespace separates,
 * quotes and Jinja `{{ }}`/`{% %}` hold a token together. Unbalanced quotes return null.
 */
export function splitArgs(text: string): string[] | null {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (quote === null && (two === '{{' || two === '{%')) {
      depth++;
      current += two;
      i++;
      continue;
    }
    if (quote === null && depth > 0 && (two === '}}' || two === '%}')) {
      depth--;
      current += two;
      i++;
      continue;
    }
    if (quote !== null) {
      current += c;
      if (c === quote && text[i - 1] !== '\\') quote = null;
      continue;
    }
    if ((c === '"' || c === "'") && depth === 0) {
      quote = c;
      current += c;
      continue;
    }
    if (/\s/.test(c) && depth === 0) {
      if (current !== '') tokens.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (quote !== null) return null;
  if (current !== '') tokens.push(current);
  return tokens;
}

function unquote(v: string): string {
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v;
}

/**
 * `k=v` pairs of a module's free-form string (parse_kv). For command-like modules only their own options are
 * pairs; the rest is the command line, kept as `cmd`.
 */
export function parseKeyValues(text: string, freeForm: boolean): Record<string, string> | null {
  const tokens = splitArgs(text);
  if (tokens === null) return null;
  const out: Record<string, string> = {};
  const raw: string[] = [];
  for (const t of tokens) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(t);
    if (m && (!freeForm || COMMAND_OPTIONS.has(m[1]!))) out[m[1]!] = unquote(m[2]!);
    else raw.push(t);
  }
  if (raw.length > 0) out.cmd = raw.join(' ');
  return out;
}

/** `argv: [ls, -l, "a b"]` as one POSIX shell command line. */
export function shellJoin(argv: readonly unknown[]): string {
  return argv
    .map((a) => {
      const s = String(a);
      return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
