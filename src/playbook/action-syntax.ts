import type { Diagnostic } from './diagnostic.js';
import type { LoadedYaml, YamlPath } from './load.js';
import type { TaskAction } from './types.js';

/** A text of a task that may read variables: where it is written and how it reads them. */
export interface TextUse {
  field: string;
  text: string;
  path: YamlPath;
  /** Expressions are code throughout; templated strings only inside `{{ }}` and `{% %}`. */
  expression: boolean;
  /** failed_when/changed_when run after the task, so they may read the task's own result. */
  afterRun: boolean;
}

/**
 * What the loader needs to know of one action. Each action module provides it (see src/actions/), and
 * the caller hands the loader the registry: the loader itself names no action.
 */
export interface ActionSyntax<A extends TaskAction = TaskAction> {
  /** The texts inside the action's value (`value`, written at `at`), for the register-order rule. */
  texts(value: unknown, at: YamlPath): TextUse[];
  /** Rules the schema cannot say, on the value as written. */
  check?(value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[];
  /** What is accepted and done as Ansible does it, but is likely not what was meant (`mode: 644`). */
  warn?(value: unknown, at: YamlPath, loaded: LoadedYaml): Diagnostic[];
  /** The typed action, from a value the schema and `check` accepted. */
  parse(value: unknown, at: YamlPath, loaded: LoadedYaml): A;
  /** A task's name when it gives none. */
  defaultName(action: A): string;
  /** How messages that list the actions name this one when it is one of many alike ("a network module"). */
  family?: string;
}

/** The actions as messages list them: each by its name, or its family once. */
export function actionWords(actions: ActionSyntaxes): string[] {
  return [...new Set(Object.entries(actions).map(([name, a]) => a.family ?? name))];
}

/** Every action by the task key that names it. */
export type ActionSyntaxes = Readonly<Record<string, ActionSyntax>>;
