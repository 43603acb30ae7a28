import { homedir, userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { PlatformCatalog } from '../network/platform.js';
import { diagnostic, formatDiagnostic, sortDiagnostics, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { evaluateExpression, parseExpression } from '../playbook/expression.js';
import { selectHosts } from '../inventory/patterns.js';
import { TemplateEngine } from '../playbook/template/engine.js';
import { RenderError } from '../playbook/template/errors.js';
import { findTemplate, templateSearchPath } from '../playbook/template/jail.js';
import { identifiers } from '../playbook/playbook.js';
import {
  includedTasks,
  MAGIC_VARS,
  structureOf,
  type PlaybookSpec,
  type PlaySpec,
  type TaskSpec,
} from '../playbook/types.js';
import { inventoryDir, resolveConnection, type Connection } from '../inventory/connection.js';
import { ConnectionFiles } from '../inventory/connection-files.js';
import type { Inventory } from '../inventory/types.js';
import { InventoryVars, type InventoryVarsOptions } from '../inventory/vars.js';
import { isTransportName, TRANSPORTS } from '../transport/registry.js';
import type { HostPreview, TaskChecks } from '../actions/action.js';
import { actionOf } from '../actions/registry.js';
import { SshConfigLookup } from '../transport/ssh-config-apply.js';
import { splitBatches } from './batches.js';
import { expressionNameProblems, inlineTemplateNameProblems, templateFileNameProblems } from './check-names.js';
import { lazyHostvars, playMagicVars, renderConnectionVars } from './host-vars.js';
import { mergeLayers } from './layers.js';
import { FACT_PLACEHOLDERS, FACT_VARIABLES, playReadsFacts, varsReadFacts } from './plan-facts.js';
import {
  REGISTERED_PLACEHOLDER,
  type Plan,
  type PlannedHost,
  type PlannedPlay,
  type PlannedTask,
} from './plan-model.js';
import { createRenderer, renderMessage, taskLoc } from './renderer.js';

export interface ResumePoint {
  targets: readonly string[];
  finishedPlays: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface BuildPlanOptions {
  /** `--limit`: another host pattern applied on top of each play's `hosts`. */
  limit?: string;
  /**
   * `--resume`: applied on top of `hosts` and `limit` before batching, so `serial` splits only the hosts that
   * still need the run. Only the resumed run's `targets` are considered (names no longer in the inventory are
   * simply not targeted), and each host from the first of its plays it did not finish (`finishedPlays` holds
   * the play indexes it ended ok or changed), then in every later play.
   */
  resume?: ResumePoint;
  /** Home and user for connection defaults (tests pin them). */
  home?: string;
  user?: string;
  /** `-F FILE`: the OpenSSH client config to read instead of ~/.ssh/config and the system file. */
  sshConfigFile?: string;
  /** The system-wide ssh config; null skips it (tests pin the machine's files out). */
  systemSshConfig?: string | null;
  /** group_vars/host_vars beside the playbook and `-e`, for each inventory. */
  varsOptions?: (inv: Inventory) => InventoryVarsOptions;
  /** `--check`: templates see `ansible_check_mode`. */
  check?: boolean;
  /** Values that came out of an ansible-vault: redacted like secrets, and a password among them is not warned about. */
  vaultPlaintexts?: readonly string[];
  /** Platform profiles, read on first use: a network_cli host whose network_os has none is a problem. */
  platforms?: () => PlatformCatalog;
}

/**
 * The same problem for many hosts (a template missing a variable every host lacks) is one diagnostic that
 * names the first host and counts the rest, so 10,000 hosts do not bury the report.
 */
class DiagnosticCollector {
  private readonly byKey = new Map<string, { d: Diagnostic; first: string | null; others: number }>();

  add(loc: Loc, message: string, host: string | null = null, hint?: string): void {
    const key = `${loc.file}\u0000${loc.line}\u0000${loc.col}\u0000${message}`;
    const seen = this.byKey.get(key);
    if (seen) {
      if (host !== null && host !== seen.first) seen.others += 1;
      return;
    }
    this.byKey.set(key, { d: diagnostic(loc, message, hint), first: host, others: 0 });
  }

  get size(): number {
    return this.byKey.size;
  }

  list(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const { d, first, others } of this.byKey.values()) {
      if (first === null) out.push(d);
      else {
        const more = others === 0 ? '' : others === 1 ? ' (and 1 other host)' : ` (and ${others} other hosts)`;
        out.push({ ...d, message: `${d.message} for host ${first}${more}` });
      }
    }
    return sortDiagnostics(out);
  }
}

/** Expressions of a task, by the key they are written at: the task's own, then its action's. */
function taskExpressions(task: TaskSpec): { key: string; exprs: string[] }[] {
  const out: { key: string; exprs: string[] }[] = [];
  if (task.when?.length) out.push({ key: 'when', exprs: task.when });
  if (task.failedWhen?.length) out.push({ key: 'failed_when', exprs: task.failedWhen });
  if (task.changedWhen?.length) out.push({ key: 'changed_when', exprs: task.changedWhen });
  if (structureOf(task.action) === null) out.push(...(actionOf(task.action.kind).expressions?.(task.action) ?? []));
  return out;
}

/** The inline templates of a task: every string argument of its action, with where it was written. */
function inlineTemplates(task: TaskSpec): [string, Loc][] {
  const { kind, ...args } = task.action;
  return Object.entries(args)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([field, text]) => [text, taskLoc(task, `${kind}.${field}`, kind)]);
}

/** Where the i-th expression of a key was written (`when.1`, `assert.that.0`, or the key's own value). */
function exprLoc(task: TaskSpec, key: string, i: number): Loc {
  return taskLoc(task, `${key}.${i}`, key, key.split('.')[0]!);
}

/**
 * Playbook × inventories → batches of hosts with their rendered tasks. Pure apart from reading template
 * files. Every problem is collected (all plays, all hosts); the plan is null when there is any.
 */
export function buildPlan(
  playbook: PlaybookSpec,
  inventories: ReadonlyArray<Inventory | null>,
  opts: BuildPlanOptions = {},
): { plan: Plan | null; diagnostics: Diagnostic[]; warnings: string[] } {
  const problems = new DiagnosticCollector();
  // What apply would trip over on this machine but may be fine where it runs (a key file CI does not hold).
  const missingFiles = new DiagnosticCollector();
  const ignoredNames = new Set<string>();
  let plaintextPassword: string | undefined;
  const vaulted = new Set(opts.vaultPlaintexts ?? []);
  let usedPlatforms: PlatformCatalog | undefined;
  const varsByInventory = new Map<Inventory, InventoryVars>();
  const engines = new Map<string, TemplateEngine>();
  const plays: PlannedPlay[] = [];
  let limitMatchedSomewhere = opts.limit === undefined;
  const sshConfig = new SshConfigLookup({
    home: opts.home ?? homedir(),
    localUser: opts.user ?? localUserName(),
    ...(opts.sshConfigFile !== undefined ? { cliFile: opts.sshConfigFile } : {}),
    ...(opts.systemSshConfig !== undefined ? { systemFile: opts.systemSshConfig } : {}),
  });
  const resumeTargets = opts.resume ? new Set(opts.resume.targets) : null;
  /** Hosts a resume already runs in an earlier play: they run every later play too. */
  const resumed = new Set<string>();
  const resumes = (host: string, playIndex: number): boolean =>
    resumed.has(host) || !opts.resume!.finishedPlays.get(host)?.has(playIndex);

  // Facts outlive the play that gathered them, so any gathering makes them known to every play.
  const anyGathering = playbook.plays.some(
    (p) =>
      p.gathering !== undefined ||
      walkTasks(p).some(({ task }) => structureOf(task.action) === null && task.action.kind === 'setup'),
  );

  playbook.plays.forEach((play, playIndex) => {
    const inv = inventories[playIndex];
    if (!inv) return;
    let iv = varsByInventory.get(inv);
    if (!iv) varsByInventory.set(inv, (iv = new InventoryVars(inv, opts.varsOptions?.(inv))));
    const extraVars = opts.varsOptions?.(inv).extraVars ?? {};
    const hostsLoc = play.locs.hosts ?? play.loc;

    // hosts: localhost with no such inventory host is Ansible's implicit localhost: the controller itself.
    const implicitLocal = CONTROLLER.has(play.hosts) && !inv.hosts.has(play.hosts);
    const selected = implicitLocal
      ? { hosts: ['localhost'], errors: [], limitErrors: [] }
      : selectHosts(inv, play.hosts, opts.limit);
    for (const e of selected.errors) problems.add(hostsLoc, e);
    for (const e of selected.limitErrors) problems.add(hostsLoc, e);
    if (implicitLocal) limitMatchedSomewhere = true;
    else if (selected.errors.length === 0 && selected.limitErrors.length === 0) {
      const unlimited = opts.limit === undefined ? selected : selectHosts(inv, play.hosts);
      if (unlimited.hosts.length === 0) problems.add(hostsLoc, `host pattern "${play.hosts}" matches no host`);
      if (selected.hosts.length > 0) limitMatchedSomewhere = true;
    }

    const engineFor = (dir: string): TemplateEngine => {
      let e = engines.get(dir);
      if (!e) engines.set(dir, (e = new TemplateEngine(templateSearchPath(dir))));
      return e;
    };
    const engine = engineFor(play.dir);
    const taskEngine = (task: TaskSpec): TemplateEngine => engineFor(task.dir ?? play.dir);
    const renderer = createRenderer(engine, playbook.file, taskEngine);

    const everyTask = walkTasks(play);
    const everyAction = everyTask.map((t) => t.task).filter((t) => structureOf(t.action) === null);
    const registered = playWideNames(everyTask);
    const placeholders: Record<string, unknown> = {};
    for (const { task } of everyTask) {
      if (!task.register) continue;
      // A looped task registers its items under `results`, as Ansible does.
      placeholders[task.register] = {
        ...REGISTERED_PLACEHOLDER,
        stdout_lines: [],
        stderr_lines: [],
        ...(task.loop ? { results: [] } : {}),
      };
    }
    for (const { task } of everyTask) {
      const s = structureOf(task.action);
      if (s?.kind === 'include_vars') Object.assign(placeholders, ...Object.values(s.choices ?? {}), s.vars);
    }
    if (anyGathering) Object.assign(placeholders, FACT_PLACEHOLDERS);
    // A play without gather_facts gathers when it reads a fact: in its tasks and templates, or (below) in a
    // host's variables.
    const gathering = play.gathering;
    let readsFacts =
      gathering?.mode === 'always' ||
      (gathering?.mode === 'auto' &&
        playReadsFacts(
          play,
          everyTask.map((t) => t.task),
          (t) => taskEngine(t).searchPath,
        ));
    // Results and set_fact variables are placeholders until the run: a task reading one is judged then.
    const registeredNames = new Set(everyTask.flatMap(({ task }) => (task.register ? [task.register] : [])));
    for (const t of everyAction)
      for (const n of actionOf(t.action.kind).defines?.(t.action) ?? []) registeredNames.add(n);
    // A text reading a fact is previewed with the placeholder, as one reading a registered result is.
    if (anyGathering) for (const n of FACT_VARIABLES) registeredNames.add(n);
    const readsRegistered = new Map<TaskSpec, boolean>();
    for (const { task } of everyTask)
      readsRegistered.set(
        task,
        [...textIdentifiers(task)].some((n) => registeredNames.has(n)),
      );
    // What an action adds to its registered result (stat's `stat`), in the shape it will have.
    for (const t of everyAction) {
      const shape = t.register ? actionOf(t.action.kind).registers?.(t.action) : undefined;
      if (shape) placeholders[t.register!] = { ...REGISTERED_PLACEHOLDER, ...shape };
    }
    // Variables set by a task (set_fact) exist only once it ran; before that the plan shows them empty,
    // unless the host already has them.
    const setFacts: Record<string, unknown> = {};
    for (const t of everyAction) {
      for (const name of actionOf(t.action.kind).defines?.(t.action) ?? []) {
        registered.add(name);
        setFacts[name] = '';
      }
    }

    const checks = checkTasksOnce(
      everyTask.map((t) => t.task),
      taskEngine,
      problems,
    );
    const seenBy = new Map<TaskSpec, { names: Set<string>; loopSample: Record<string, unknown> }>();
    for (const t of everyTask) seenBy.set(t.task, t);

    const targeted = resumeTargets
      ? selected.hosts.filter((h) => resumeTargets.has(h) && resumes(h, playIndex))
      : selected.hosts;
    if (resumeTargets) for (const h of targeted) resumed.add(h);
    const batches = splitBatches(targeted, play.serial);
    const batchOf = new Map<string, string[]>();
    for (const b of batches) for (const h of b) batchOf.set(h, b);
    const inventoryVars = iv;
    const facts = {
      playbookDir: play.dir,
      check: opts.check ?? false,
      playHosts: targeted,
      batchOf,
      hostvars: lazyHostvars(inv.hosts.keys(), (h) => inventoryVars.hostVars(h, play.vars)),
    };
    const hosts = new Map<string, PlannedHost>();
    const factHostvars = lazyHostvars(inv.hosts.keys(), (h) => ({
      ...FACT_PLACEHOLDERS,
      ...inventoryVars.hostVars(h, play.vars),
    }));
    const user = play.remoteUser ?? opts.user;
    // The implicit localhost is in no group but sees the `all` group's variables, as in Ansible.
    const anyHost = inv.hosts.keys().next().value;
    const hostVarsOf = (name: string): Record<string, unknown> =>
      inv.hosts.has(name)
        ? iv.hostVars(name, play.vars)
        : {
            ...inv.groups.get('all')?.vars,
            ...play.vars,
            inventory_hostname: name,
            group_names: [],
            groups: anyHost === undefined ? { all: [], ungrouped: [] } : iv.hostVars(anyHost, {}).groups,
          };
    const connectionOf = (name: string): Connection | undefined => {
      if (!inv.hosts.has(name)) return CONTROLLER.has(name) ? controllerConnection(user) : undefined;
      const source = inv.hosts.get(name)?.source;
      return resolveConnection(name, hostVarsOf(name), {
        baseDir: source ? dirname(source) : inventoryDir(inv),
        home: opts.home,
        user,
      }).connection;
    };
    const files = new ConnectionFiles(inv);
    for (const hostName of targeted) {
      const vars = mergeLayers(hostVarsOf(hostName), playMagicVars(hostName, facts));
      if (gathering && !readsFacts) readsFacts = varsReadFacts(vars);
      const hostLoc = inv.hosts.get(hostName)?.loc ?? { file: inv.file, line: 1, col: 1 };
      const render = (text: string, name: string): string => engine.renderString(text, vars, `${hostName}:${name}`);
      const templated = renderConnectionVars(vars, render);
      for (const p of templated.problems) problems.add(hostLoc, `host ${hostName}: ${p}`);
      const source = inv.hosts.get(hostName)?.source;
      const baseDir = source ? dirname(source) : inventoryDir(inv);
      const conn = inv.hosts.has(hostName)
        ? resolveConnection(hostName, templated.vars, { baseDir, home: opts.home, user })
        : { connection: controllerConnection(user), problems: [], ignored: [] };
      for (const p of conn.problems) problems.add(hostLoc, `host ${hostName}: ${p}`);
      for (const m of files.missing(hostName, vars, conn.connection)) missingFiles.add(m.loc, m.message, hostName);
      for (const name of conn.ignored) ignoredNames.add(name);
      const password = conn.connection.password;
      if (password !== undefined && !vaulted.has(password)) plaintextPassword ??= hostName;
      const net = conn.connection.network;
      if (net && opts.platforms) {
        const catalog = opts.platforms();
        usedPlatforms = catalog;
        if (!catalog.resolve(net.networkOs)) {
          const known = `known: ${catalog.names().join(', ')}`;
          problems.add(hostLoc, `host ${hostName}: no platform profile for network_os "${net.networkOs}"`, null, known);
        }
      }
      const transport = conn.connection.transport;
      if (!isTransportName(transport)) {
        problems.add(
          hostLoc,
          `host ${hostName}: connection "${transport}" is not one of ${Object.keys(TRANSPORTS).join(', ')}`,
        );
      }
      const viaConfig = sshConfig.apply({
        vars,
        connection: conn.connection,
        baseDir: inventoryDir(inv),
        allowedDirs: [inventoryDir(inv), dirname(playbook.file)],
      });
      if (play.locs.connect_timeout) delete viaConfig.connection.connectTimeoutMs;
      for (const p of viaConfig.problems) {
        if (p.at) problems.add({ file: p.at.file, line: p.at.line, col: p.at.col }, p.message, hostName);
        else problems.add(hostLoc, `host ${hostName}: ${p.message}`);
      }
      const ctx = mergeLayers(setFacts, vars, placeholders);
      // Other hosts' facts are read through hostvars: previewed with the same placeholders.
      if (anyGathering) ctx.hostvars = factHostvars;

      const check = (task: TaskSpec): PlannedTask['preview'] => {
        const seen = seenBy.get(task);
        // Whether a result is registered early enough is the loader's rule; here any registered name counts.
        const known = (name: string): boolean =>
          name in vars ||
          registered.has(name) ||
          (anyGathering && FACT_VARIABLES.has(name)) ||
          (MAGIC_VARS as readonly string[]).includes(name) ||
          (seen?.names.has(name) ?? false);
        const exprs = checks.expressions.get(task) ?? [];
        for (const { key, i, names } of exprs) {
          for (const n of names) {
            if (known(n)) continue;
            // A fact no play gathers: say where facts come from.
            const hint = FACT_VARIABLES.has(n) ? 'facts are gathered where gather_facts is not false' : undefined;
            problems.add(exprLoc(task, key, i), `undefined variable "${n}" in ${key}`, hostName, hint);
          }
        }
        if (whenFalseOffline(task, exprs, registered, vars, engine)) return { skipped: 'when' };
        if (structureOf(task.action) !== null) return {};
        // A loop over a computed list has no item to preview with: its text is checked when it runs.
        if (task.loop && Object.keys(seen?.loopSample ?? {}).length === 0) return {};
        const rescuing = seen?.names.has('ansible_failed_task')
          ? { ansible_failed_task: { name: '' }, ansible_failed_result: { ...REGISTERED_PLACEHOLDER, msg: '' } }
          : {};
        const taskCtx = mergeLayers(task.defaults, ctx, task.vars, placeholders, extraVars, rescuing, seen?.loopSample);
        // A registered result is a placeholder until the run: text reading one is previewed, not judged.
        const judge = readsRegistered.get(task) ? new DiagnosticCollector() : problems;
        const action = actionOf(task.action.kind);
        const quiet = checks.quiet.has(task);
        const host = hostPreview(task, taskCtx, taskEngine(task), judge, hostName, playbook.file, quiet);
        const shown = action.preview(task.action, host, !checks.broken.has(task));
        // Variables the task sets (set_fact) are seen by the previews of the tasks after it.
        Object.assign(ctx, action.previewFacts?.(shown) ?? {});
        return shown;
      };
      const preview = (list: TaskSpec[]): PlannedTask[] =>
        list.map((task, index) => ({ index, spec: task, preview: check(task) }));
      const previewed = { tasks: preview(play.tasks), rescue: preview(play.rescue) };
      for (const { task } of everyTask) if (!play.tasks.includes(task) && !play.rescue.includes(task)) check(task);

      hosts.set(hostName, {
        name: hostName,
        vars,
        connection: viaConfig.connection,
        tasks: previewed.tasks,
        rescue: previewed.rescue,
        ...(vaulted.size > 0 ? { secrets: opts.vaultPlaintexts! } : {}),
      });
    }
    let spec = play;
    // Without gather_facts, a play that reads no fact leaves the step out, and with it a round trip per host.
    if (gathering && readsFacts) {
      const first = gathering.task;
      const preview = actionOf('setup').preview(
        first.action,
        hostPreview(first, {}, engine, problems, '', '', true),
        true,
      );
      for (const h of hosts.values())
        h.tasks = [{ index: 0, spec: first, preview }, ...h.tasks.map((t) => ({ ...t, index: t.index + 1 }))];
      spec = { ...play, tasks: [first, ...play.tasks] };
    }
    plays.push({
      index: playIndex,
      name: play.name,
      spec,
      batches,
      hosts,
      renderer,
      connectionOf,
      extraVars,
    });
  });

  if (!limitMatchedSomewhere && problems.size === 0) {
    const first = playbook.plays[0];
    const loc = first ? (first.locs.hosts ?? first.loc) : { file: playbook.file, line: 1, col: 1 };
    problems.add(loc, `--limit "${opts.limit}" leaves no host in any play`);
  }
  const diagnostics = problems.list();
  const warnings = [...ignoredNames].map((name) => `${name} is not used by runbook`);
  if (plaintextPassword !== undefined) {
    warnings.push(
      `host ${plaintextPassword}: ansible_password is written in plain text in the inventory; ` +
        'keep it in the environment (password_env) or in an ansible-vault encrypted file',
    );
  }
  for (const d of missingFiles.list()) warnings.push(formatDiagnostic(d));
  const plan: Plan = { playbook: playbook.path, plays, ...(usedPlatforms ? { platforms: usedPlatforms } : {}) };
  return { plan: diagnostics.length > 0 ? null : plan, diagnostics, warnings };
}

/**
 * A task whose `when` is false for a host is not rendered for it (a spoke-only template would miss the hub's
 * variables). Only a `when` that can be decided before the run counts: one that reads registered results,
 * or fails to evaluate, keeps the task rendered as before.
 */
function whenFalseOffline(
  task: TaskSpec,
  exprs: { key: string; names: string[] }[],
  registered: ReadonlySet<string>,
  vars: Record<string, unknown>,
  engine: TemplateEngine,
): boolean {
  if (!task.when?.length) return false;
  const when = exprs.filter((e) => e.key === 'when');
  // An expression that did not parse is already reported; with one missing, the rest decide nothing.
  if (when.length !== task.when.length) return false;
  if (when.some((e) => e.names.some((n) => !(n in vars || (MAGIC_VARS as readonly string[]).includes(n)))))
    return false;
  // By word, not by the names list: that list leaves out what is only asked about (`result is defined`).
  const mentions = (expr: string, name: string) => new RegExp(`(^|[^\\w.])${name}\\b`).test(expr);
  if (task.when.some((expr) => [...registered].some((r) => mentions(expr, r)))) return false;
  try {
    return task.when.some((expr) => !evaluateExpression(engine, expr, vars));
  } catch {
    return false;
  }
}

/** Host-independent checks, done once per task: expression syntax, and whatever the action checks. */
function checkTasksOnce(
  tasks: readonly TaskSpec[],
  engineOf: (task: TaskSpec) => TemplateEngine,
  problems: DiagnosticCollector,
): {
  expressions: Map<TaskSpec, { key: string; i: number; names: string[] }[]>;
  broken: Set<TaskSpec>;
  /** Tasks whose inline texts name something unknown: already reported, not rendered per host. */
  quiet: Set<TaskSpec>;
} {
  const out = new Map<TaskSpec, { key: string; i: number; names: string[] }[]>();
  const broken = new Set<TaskSpec>();
  const quiet = new Set<TaskSpec>();
  for (const task of tasks) {
    const engine = engineOf(task);
    const list: { key: string; i: number; names: string[] }[] = [];
    for (const { key, exprs } of taskExpressions(task)) {
      exprs.forEach((expr, i) => {
        const parsed = parseExpression(expr);
        const label = key;
        if (!parsed.ok) problems.add(exprLoc(task, key, i), `${label}: ${parsed.message}`);
        else list.push({ key, i, names: parsed.names });
        for (const p of expressionNameProblems(expr, exprLoc(task, key, i), label))
          problems.add(p.loc, p.message, null, p.hint);
      });
    }
    out.set(task, list);
    if (structureOf(task.action) !== null) continue;
    for (const [text, loc] of inlineTemplates(task)) {
      const names = inlineTemplateNameProblems(text, loc, engine.searchPath);
      // Reported once here, not again per host when the value is rendered.
      if (names.length > 0) quiet.add(task);
      for (const p of names) problems.add(p.loc, p.message, null, p.hint);
    }
    const checks: TaskChecks = {
      template(keys, src) {
        const found = findTemplate(engine.searchPath, src);
        if (!found.ok) {
          problems.add(taskLoc(task, ...keys), found.message);
          return false;
        }
        try {
          engine.compileFile(src);
        } catch (err) {
          if (err instanceof RenderError) problems.add({ file: err.file, line: err.line, col: err.col }, err.message);
          else problems.add(taskLoc(task, ...keys), renderMessage(err));
          return false;
        }
        const names = templateFileNameProblems(found.path, engine.searchPath);
        for (const p of names) problems.add(p.loc, p.message, null, p.hint);
        return names.length === 0;
      },
    };
    const prepare = actionOf(task.action.kind).prepare;
    if (prepare && !prepare(task.action, checks)) broken.add(task);
  }
  return { expressions: out, broken, quiet };
}

/** Renders a task's texts for one host before anything ran; a problem is collected, not thrown. */
function hostPreview(
  task: TaskSpec,
  ctx: Record<string, unknown>,
  engine: TemplateEngine,
  problems: DiagnosticCollector,
  host: string,
  file: string,
  quiet: boolean,
): HostPreview {
  return {
    text(keys, text) {
      // Names the offline check already reported are not reported again for every host.
      if (quiet) return text;
      try {
        return engine.renderString(text, ctx, file);
      } catch (err) {
        problems.add(taskLoc(task, ...keys), renderMessage(err), host);
        return text;
      }
    },
    file(keys, src) {
      try {
        return engine.renderFile(src, ctx);
      } catch (err) {
        if (err instanceof RenderError)
          problems.add({ file: err.file, line: err.line, col: err.col }, err.message, host);
        else problems.add(taskLoc(task, ...keys), renderMessage(err), host);
        return null;
      }
    },
  };
}

/** Names by which a play points at the controller itself. */
const CONTROLLER = new Set(['localhost', '127.0.0.1']);

/** The controller, reached through the `local` transport: never over the network. */
function controllerConnection(user: string | undefined): Connection {
  return {
    transport: 'local',
    host: '127.0.0.1',
    port: 22,
    user: user ?? 'localhost',
    knownHosts: '',
    hostKeyChecking: 'strict',
  };
}

/**
 * Every task of a play, nested ones included, with the names it can read besides host variables: its own and
 * its blocks' vars, role defaults, loop variables of its loop and of the includes around it, and the facts a
 * rescue gets. Registered names and include_vars are play-wide (any task may have set them by then).
 */
function walkTasks(play: PlaySpec): Array<{ task: TaskSpec; names: Set<string>; loopSample: Record<string, unknown> }> {
  const out: Array<{ task: TaskSpec; names: Set<string>; loopSample: Record<string, unknown> }> = [];
  const visit = (list: readonly TaskSpec[], outer: Set<string>, sample: Record<string, unknown>): void => {
    for (const task of list) {
      const names = new Set([...outer, ...Object.keys(task.vars ?? {}), ...Object.keys(task.defaults ?? {})]);
      let own = sample;
      if (task.loop) {
        for (const n of [
          task.loop.loopVar,
          task.loop.indexVar,
          'ansible_loop',
          'ansible_loop_var',
          'ansible_index_var',
        ])
          if (n) names.add(n);
        own = { ...sample, ...loopSample(task) };
      }
      out.push({ task, names, loopSample: own });
      const a = structureOf(task.action);
      if (a?.kind === 'block') {
        const rescuing = new Set([...names, 'ansible_failed_task', 'ansible_failed_result']);
        visit(a.block, names, own);
        visit(a.rescue, rescuing, own);
        visit(a.always, rescuing, own);
      } else if (a?.kind === 'include_tasks' || a?.kind === 'include_role') {
        visit(includedTasks(a), names, own);
      }
    }
  };
  visit([...play.tasks, ...play.rescue, ...(play.handlers ?? [])], new Set(), {});
  return out;
}

/** Values a preview renders a looped task with: its first item when the loop is written out, else nothing. */
function loopSample(task: TaskSpec): Record<string, unknown> {
  const loop = task.loop!;
  const items = Array.isArray(loop.items) ? loop.items : null;
  if (items === null || items.length === 0) return {};
  const first: unknown = loop.source === 'with_indexed_items' ? [0, items[0]] : items[0];
  return { [loop.loopVar]: first, ...(loop.indexVar ? { [loop.indexVar]: 0 } : {}) };
}

/** Registered names and include_vars variables anywhere in the play. */
function playWideNames(tasks: ReadonlyArray<{ task: TaskSpec }>): Set<string> {
  const names = new Set<string>();
  for (const { task } of tasks) {
    if (task.register) names.add(task.register);
    const s = structureOf(task.action);
    if (s?.kind === 'include_vars')
      for (const vars of [s.vars, ...Object.values(s.choices ?? {})]) for (const k of Object.keys(vars)) names.add(k);
  }
  return names;
}

/** Variable names the texts of a task's action read (a command, a destination). */
function textIdentifiers(task: TaskSpec): Set<string> {
  const names = new Set<string>();
  if (structureOf(task.action) !== null) return names;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const n of identifiers(v, false)) names.add(n);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  Object.values(task.action).forEach(walk);
  return names;
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
