import type { Action } from './action.js';
import { apt } from './apt.js';
import { assert } from './assert.js';
import { blockinfile } from './blockinfile.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { debug } from './debug.js';
import { dnf } from './dnf.js';
import { fail } from './fail.js';
import { fetch } from './fetch.js';
import { file } from './file.js';
import { lineinfile } from './lineinfile.js';
import { packageAction } from './package.js';
import { pause } from './pause.js';
import { raw } from './raw.js';
import { script } from './script.js';
import { service } from './service.js';
import { set_fact } from './set_fact.js';
import { setup } from './setup.js';
import { shell } from './shell.js';
import { slurp } from './slurp.js';
import { stat } from './stat.js';
import { systemd } from './systemd.js';
import { NETWORK_ACTIONS } from './network/modules.js';
import { template } from './template.js';
import { uri } from './uri.js';
import { wait_for } from './wait_for.js';
import { wait_for_connection } from './wait_for_connection.js';

/**
 * Every action a task may name, by its task key. The loader, the planner, the host runner and `runbook plan`
 * read this and nothing else: adding an action is a module in this folder and a line here (then
 * `npm run schemas` and `npm run docs`, which copy its schema into schemas/playbook.schema.json and the README).
 */
export const ACTIONS: Readonly<Record<string, Action>> = {
  command,
  template,
  assert,
  fail,
  shell,
  debug,
  set_fact,
  copy,
  file,
  lineinfile,
  stat,
  raw,
  blockinfile,
  wait_for,
  pause,
  slurp,
  script,
  wait_for_connection,
  fetch,
  uri,
  apt,
  dnf,
  package: packageAction,
  service,
  systemd,
  // The name ansible-core 2.14 documents the systemd module under; the same module.
  systemd_service: systemd,
  setup,
  ...NETWORK_ACTIONS,
};

/** The action a task names. The loader admits only registered actions, so a miss is a bug. */
export function actionOf(kind: string): Action {
  const action = Object.hasOwn(ACTIONS, kind) ? ACTIONS[kind] : undefined;
  if (!action) throw new Error(`no action named "${kind}"`);
  return action;
}
