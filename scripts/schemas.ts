/**
 * `npm run schemas`: copies each registered action's schema into schemas/playbook.schema.json (the file
 * editors read), then precompiles the validators (src/playbook/schema-build.ts). A test fails while either
 * is stale, so adding an action needs no hand edit of the schema.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ACTIONS } from '../src/actions/registry.js';
import { actionWords } from '../src/playbook/action-syntax.js';
import { COMMON_TASK_KEYS } from '../src/playbook/playbook.js';
import { validatorSource } from '../src/playbook/schema-build.js';

const PLAYBOOK_SCHEMA = fileURLToPath(new URL('../schemas/playbook.schema.json', import.meta.url));

interface TaskNode {
  description: string;
  'x-expected': string;
  'x-actions': string[];
  properties: Record<string, unknown>;
}

function oneOf(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * The playbook schema's text with the task's action keys taken from the registry, in its order right after
 * `name`, and the task's wording listing them all.
 */
export function playbookSchemaWithActions(text: string): string {
  const schema = JSON.parse(text) as { definitions: { task: TaskNode } };
  const task = schema.definitions.task;
  const names = Object.keys(ACTIONS);
  const properties: Record<string, unknown> = {};
  let placed = false;
  for (const [key, value] of Object.entries(task.properties)) {
    // Anything else was an action: a registered one is written below, an unregistered one goes.
    if (!COMMON_TASK_KEYS.has(key)) continue;
    properties[key] = value;
    if (key === 'name' && !placed) {
      for (const name of names) properties[name] = ACTIONS[name]!.schema;
      placed = true;
    }
  }
  task.properties = properties;
  task.description = task.description.replace(
    /Exactly one action: .*$/,
    `Exactly one action: ${oneOf(actionWords(ACTIONS))}.`,
  );
  task['x-expected'] = `a task (a mapping with one of ${oneOf(actionWords(ACTIONS))})`;
  // Read by the unknown-key diagnostic: a key a task does not know is named against the modules there are.
  task['x-actions'] = actionWords(ACTIONS);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(PLAYBOOK_SCHEMA, playbookSchemaWithActions(readFileSync(PLAYBOOK_SCHEMA, 'utf8')));
  process.stdout.write(`wrote ${PLAYBOOK_SCHEMA}\n`);
  // After the schema file is written: the validators are compiled from it as it is now.
  const target = new URL('../src/playbook/schema-validators.ts', import.meta.url);
  writeFileSync(target, validatorSource());
  process.stdout.write(`wrote ${fileURLToPath(target)}\n`);
}
