import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIONS, actionOf } from '../../src/actions/registry.js';
import { COMMON_TASK_KEYS } from '../../src/playbook/playbook.js';
import { playbookSchemaWithActions } from '../../scripts/schemas.js';

const SCHEMA = fileURLToPath(new URL('../../schemas/playbook.schema.json', import.meta.url));

describe('action registry', () => {
  it('is what the playbook schema says a task may do (else run: npm run schemas)', () => {
    const text = readFileSync(SCHEMA, 'utf8');
    expect(playbookSchemaWithActions(text) === text).toBe(true);
  });

  it('gives the schema every registered action and no other key beside the common ones', () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as {
      definitions: { task: { properties: Record<string, unknown> } };
    };
    const keys = Object.keys(schema.definitions.task.properties).filter((k) => !COMMON_TASK_KEYS.has(k));
    expect(keys).toEqual(Object.keys(ACTIONS));
    for (const name of keys) expect(schema.definitions.task.properties[name]).toEqual(ACTIONS[name]!.schema);
  });

  it('finds an action by name and refuses one it does not hold', () => {
    expect(actionOf('command')).toBe(ACTIONS.command);
    expect(() => actionOf('constructor')).toThrow('no action named "constructor"');
  });
});
