import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../playbook/diagnostic.js';
import { parseDuration } from '../playbook/duration.js';
import { displayPath, loadYamlText, type LoadedYaml, type YamlPath } from '../playbook/load.js';
import { schemaDiagnostics } from '../playbook/schema.js';

/**
 * Platform profiles: what runbook knows about one network OS (prompts, mode changes, errors, paging and the
 * configuration model), as data under platforms/. A profile is loaded like a playbook: schema first, then the
 * rules a schema cannot say (regular expressions compile, modes named by one key exist under another), each
 * problem reported as `file:line:col`.
 */

export interface ModePrompt {
  pattern: RegExp;
  /** A line holding any of these belongs to another mode even when the pattern matches. */
  exclude: string[];
}

export interface ModeChange {
  from: string;
  enter: string;
  exit: string;
  passwordPrompt?: RegExp;
}

export type ConfigModel = 'immediate' | 'candidate' | 'session';
export type SafetyNet = 'revert_timer' | 'commit_confirmed' | 'session_timer' | 'checkpoint' | 'none';

export interface ConfigProfile {
  model: ConfigModel;
  running: string;
  syntax: 'indent' | 'set';
  indent: number;
  comments: string[];
  ignoreLines: RegExp[];
  mode: string;
  enter: string[];
  enterConfirmed: string[];
  commit: string[];
  commitConfirmed: string[];
  abort: string[];
  exit: string[];
  confirm: string[];
  rollbackPending: string[];
  /** Loads and commits the configuration saved `{n}` commits ago; empty where the platform keeps no history. */
  rollback: string[];
  /** Sent in config mode before a whole configuration, so it replaces the running one; empty: no replace. */
  replace: string[];
  save: string[];
  compare?: string;
  safetyNet: SafetyNet;
  safetyNetCheck?: { command: string; missing: RegExp };
}

export interface PlatformProfile {
  name: string;
  aliases: string[];
  /** Where the profile was read from, for messages. */
  file: string;
  prompts: Record<string, ModePrompt>;
  defaultMode: string;
  modes: Record<string, ModeChange>;
  onOpen: string[];
  onClose: string[];
  errors: RegExp[];
  paging?: RegExp;
  /** How gather_facts reads the device's version facts (multi-line patterns, first group the value). */
  facts?: FactsProfile;
  interactive: Array<{ prompt: RegExp; answer: string }>;
  timeouts: { commandMs: number; settleMs: number; overrides: Array<{ match: RegExp; ms: number }> };
  config: ConfigProfile;
}

export interface FactsProfile {
  command: string;
  patterns: Partial<Record<'version' | 'hostname' | 'model' | 'serialnum' | 'image', RegExp>>;
}

const DEFAULT_COMMAND_MS = 30_000;
const DEFAULT_SETTLE_MS = 50;

/** The platforms shipped with runbook; the path works from src/ (tsx) and dist/ alike. */
export const BUILTIN_PLATFORMS_DIR = new URL('../../platforms/', import.meta.url);

let schemaCache: object | undefined;
function platformSchema(): object {
  schemaCache ??= JSON.parse(
    readFileSync(new URL('../../schemas/platform.schema.json', import.meta.url), 'utf8'),
  ) as object;
  return schemaCache;
}

/**
 * Compiles a profile's regular expression. Profiles copy patterns from Python sources, where `(?i)` at the
 * start means case-insensitive; JavaScript spells that as a flag, so it is turned into one.
 */
export function compilePattern(source: string, flags = ''): RegExp {
  let body = source;
  let f = flags;
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    if (!f.includes('i')) f += 'i';
  }
  return new RegExp(body, f);
}

type Raw = Record<string, unknown>;

/** Parses and checks one profile file's text; the profile is undefined whenever there is a diagnostic. */
export function loadPlatformText(text: string, file: string): { profile?: PlatformProfile; diagnostics: Diagnostic[] } {
  const loaded = loadYamlText(text, file);
  if (loaded.diagnostics.length > 0) return { diagnostics: loaded.diagnostics };
  const schemaProblems = schemaDiagnostics(platformSchema(), loaded);
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems };
  const problems: Diagnostic[] = [];
  const profile = build(loaded.value as Raw, loaded, problems);
  return problems.length > 0 ? { diagnostics: sortDiagnostics(problems) } : { profile, diagnostics: [] };
}

export function loadPlatformFile(path: string): { profile?: PlatformProfile; diagnostics: Diagnostic[] } {
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { diagnostics: [diagnostic({ file: shown, line: 1, col: 1 }, `cannot read platform profile (${code})`)] };
  }
  return loadPlatformText(text, shown);
}

function build(raw: Raw, loaded: LoadedYaml, problems: Diagnostic[]): PlatformProfile {
  const at = (path: YamlPath, message: string, hint?: string) =>
    problems.push(diagnostic(loaded.locate(path), message, hint));
  const regex = (path: YamlPath, source: string, flags = ''): RegExp => {
    try {
      return compilePattern(source, flags);
    } catch (err) {
      at(
        path,
        `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
      );
      return /(?!)/;
    }
  };
  const duration = (path: YamlPath, v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === null) at(path, `"${String(v)}" is not a duration`, 'write 500ms, 30s, 5m or a number of seconds');
    return ms ?? fallback;
  };

  const promptsRaw = raw.prompts as Record<string, Raw>;
  const prompts: Record<string, ModePrompt> = {};
  for (const [mode, p] of Object.entries(promptsRaw)) {
    prompts[mode] = {
      pattern: regex(['prompts', mode, 'pattern'], String(p.pattern)),
      exclude: (p.exclude as string[] | undefined) ?? [],
    };
  }
  const known = Object.keys(prompts);
  const mustBeMode = (path: YamlPath, name: string) => {
    if (!known.includes(name))
      at(path, `no prompt is defined for mode "${name}"`, `modes with prompts: ${known.join(', ')}`);
  };
  const defaultMode = String(raw.default_mode);
  mustBeMode(['default_mode'], defaultMode);

  const modes: Record<string, ModeChange> = {};
  for (const [mode, m] of Object.entries((raw.modes as Record<string, Raw> | undefined) ?? {})) {
    mustBeMode(['modes', mode], mode);
    mustBeMode(['modes', mode, 'from'], String(m.from));
    const change: ModeChange = { from: String(m.from), enter: String(m.enter), exit: String(m.exit) };
    if (typeof m.password_prompt === 'string')
      change.passwordPrompt = regex(['modes', mode, 'password_prompt'], m.password_prompt);
    modes[mode] = change;
  }

  const errors = (raw.errors as string[]).map((e, i) => regex(['errors', i], e, 'm'));
  const interactive = ((raw.interactive as Raw[] | undefined) ?? []).map((q, i) => ({
    prompt: regex(['interactive', i, 'prompt'], String(q.prompt)),
    answer: String(q.answer),
  }));
  const t = (raw.timeouts as Raw | undefined) ?? {};
  const timeouts = {
    commandMs: duration(['timeouts', 'command'], t.command, DEFAULT_COMMAND_MS),
    settleMs: duration(['timeouts', 'settle'], t.settle, DEFAULT_SETTLE_MS),
    overrides: ((t.overrides as Raw[] | undefined) ?? []).map((o, i) => ({
      match: regex(['timeouts', 'overrides', i, 'match'], String(o.match)),
      ms: duration(['timeouts', 'overrides', i, 'timeout'], o.timeout, DEFAULT_COMMAND_MS),
    })),
  };

  const c = raw.config as Raw;
  const list = (key: string) => (c[key] as string[] | undefined) ?? [];
  const config: ConfigProfile = {
    model: c.model as ConfigModel,
    running: String(c.running),
    syntax: c.syntax as 'indent' | 'set',
    indent: (c.indent as number | undefined) ?? 1,
    comments: list('comments'),
    ignoreLines: list('ignore_lines').map((s, i) => regex(['config', 'ignore_lines', i], s)),
    mode: String(c.mode),
    enter: list('enter'),
    enterConfirmed: list('enter_confirmed'),
    commit: list('commit'),
    commitConfirmed: list('commit_confirmed'),
    abort: list('abort'),
    exit: list('exit'),
    confirm: list('confirm'),
    rollbackPending: list('rollback_pending'),
    rollback: list('rollback'),
    replace: list('replace'),
    save: list('save'),
    safetyNet: c.safety_net as SafetyNet,
  };
  if (typeof c.compare === 'string') config.compare = c.compare;
  const check = c.safety_net_check as Raw | undefined;
  if (check)
    config.safetyNetCheck = {
      command: String(check.command),
      missing: regex(['config', 'safety_net_check', 'missing'], String(check.missing), 'm'),
    };
  mustBeMode(['config', 'mode'], config.mode);
  if (config.model !== 'immediate' && config.commit.length === 0)
    at(['config', 'model'], `a ${config.model} model needs config.commit`);
  const needs: Partial<Record<SafetyNet, keyof ConfigProfile>> = {
    revert_timer: 'enterConfirmed',
    checkpoint: 'enterConfirmed',
    commit_confirmed: 'commitConfirmed',
    session_timer: 'commitConfirmed',
  };
  const field = needs[config.safetyNet];
  if (field && (config[field] as string[]).length === 0) {
    const key = field === 'enterConfirmed' ? 'enter_confirmed' : 'commit_confirmed';
    at(['config', 'safety_net'], `safety_net ${config.safetyNet} needs config.${key}`);
  }
  if (config.safetyNet !== 'none' && config.confirm.length === 0)
    at(['config', 'safety_net'], `safety_net ${config.safetyNet} needs config.confirm`);

  const profile: PlatformProfile = {
    name: String(raw.name),
    aliases: (raw.aliases as string[] | undefined) ?? [],
    file: loaded.file,
    prompts,
    defaultMode,
    modes,
    onOpen: (raw.on_open as string[] | undefined) ?? [],
    onClose: (raw.on_close as string[] | undefined) ?? [],
    errors,
    interactive,
    timeouts,
    config,
  };
  if (typeof raw.paging === 'string') profile.paging = regex(['paging'], raw.paging);
  const facts = raw.facts as Record<string, unknown> | undefined;
  if (facts && typeof facts.command === 'string') {
    const patterns: FactsProfile['patterns'] = {};
    for (const k of ['version', 'hostname', 'model', 'serialnum', 'image'] as const) {
      const source = facts[k];
      // Multi-line: a fact is one line of the command's whole output.
      if (typeof source === 'string') patterns[k] = regex(['facts', k], source, 'm');
    }
    profile.facts = { command: facts.command, patterns };
  }
  return profile;
}

/** Every profile runbook can use in one run, looked up by name or alias. */
export class PlatformCatalog {
  private readonly byName = new Map<string, PlatformProfile>();

  constructor(profiles: PlatformProfile[]) {
    // Later profiles win, so a user's file replaces a shipped one of the same name.
    for (const p of profiles) {
      for (const key of [p.name, ...p.aliases]) this.byName.set(key.toLowerCase(), p);
    }
  }

  names(): string[] {
    return [...new Set([...this.byName.values()].map((p) => p.name))].sort();
  }

  /**
   * The profile for an `ansible_network_os` value: its exact name or an alias (`cisco.ios.ios`), else the
   * last segment of a collection name (`acme.routers.ios` → `ios`).
   */
  resolve(networkOs: string): PlatformProfile | undefined {
    const key = networkOs.trim().toLowerCase();
    return this.byName.get(key) ?? this.byName.get(key.split('.').pop() ?? key);
  }
}

function profileFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

export interface PlatformSources {
  /** The playbook's `platforms:` folder, relative to the playbook's own folder, which it must not leave. */
  playbookDir?: string;
  playbookPlatforms?: string;
  /** Where a bad `platforms:` path is reported. */
  playbookLoc?: { file: string; line: number; col: number };
  /** RUNBOOK_PLATFORMS: folders separated by ':', trusted as the user's own. */
  envPath?: string;
}

/** Loads the shipped profiles, then the user's (RUNBOOK_PLATFORMS, then the playbook's folder), later winning. */
export function loadPlatforms(sources: PlatformSources = {}): { catalog: PlatformCatalog; diagnostics: Diagnostic[] } {
  const dirs: string[] = [new URL(BUILTIN_PLATFORMS_DIR).pathname];
  const diagnostics: Diagnostic[] = [];
  for (const d of (sources.envPath ?? '').split(':').filter((s) => s.trim() !== '')) {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      diagnostics.push(diagnostic({ file: 'RUNBOOK_PLATFORMS', line: 1, col: 1 }, `no such folder: ${d}`));
    } else dirs.push(d);
  }
  if (sources.playbookPlatforms !== undefined && sources.playbookDir !== undefined) {
    const loc = sources.playbookLoc ?? { file: 'playbook', line: 1, col: 1 };
    const inside = insideFolder(sources.playbookDir, sources.playbookPlatforms);
    if (typeof inside !== 'string')
      diagnostics.push(diagnostic(loc, inside.error, 'platform profiles must live beside the playbook'));
    else dirs.push(inside);
  }
  const profiles: PlatformProfile[] = [];
  for (const dir of dirs) {
    for (const file of profileFiles(dir)) {
      const { profile, diagnostics: d } = loadPlatformFile(file);
      diagnostics.push(...d);
      if (profile) profiles.push(profile);
    }
  }
  return { catalog: new PlatformCatalog(profiles), diagnostics };
}

/** The real folder `rel` names under `base`, or why it may not be used (it leaves `base`, or is missing). */
function insideFolder(base: string, rel: string): string | { error: string } {
  if (isAbsolute(rel)) return { error: `platforms: "${rel}" must be a folder relative to the playbook` };
  const wanted = resolve(base, rel);
  if (!existsSync(wanted) || !statSync(wanted).isDirectory()) return { error: `platforms: no such folder "${rel}"` };
  const real = realpathSync(wanted);
  const up = relative(realpathSync(base), real);
  if (up.startsWith('..') || isAbsolute(up)) return { error: `platforms: "${rel}" leaves the playbook's folder` };
  return real;
}
