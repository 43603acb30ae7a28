import type { TagFilter } from '../playbook/tags.js';
import { splitTags } from '../playbook/tags.js';

/** Flags validate, plan and apply share for choosing tasks, as ansible-playbook spells them. */
export const SELECTION_FLAGS = {
  tags: { type: 'string', short: 't', multiple: true },
  'skip-tags': { type: 'string', multiple: true },
} as const;

export const SELECTION_USAGE = `  -t, --tags TAGS       only tasks with these tags (comma-separated, repeatable;
                        always/never as in Ansible)
  --skip-tags TAGS      leave out tasks with these tags`;

/** The tag filter the flags ask for, or undefined when they ask for nothing (every task but "never"). */
export function tagFilter(values: {
  tags?: string[] | undefined;
  'skip-tags'?: string[] | undefined;
}): TagFilter | undefined {
  const only = splitTags(values.tags ?? []);
  const skip = splitTags(values['skip-tags'] ?? []);
  return only.length === 0 && skip.length === 0 ? undefined : { only, skip };
}

/** ANSIBLE_ROLES_PATH, where roles are looked for after roles/ beside the playbook. */
export function rolesPath(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.ANSIBLE_ROLES_PATH;
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(':').filter((p) => p !== '');
}

/**
 * What the flags and the environment (ANSIBLE_ROLES_PATH, RUNBOOK_PLATFORMS) select, as load options that
 * validate, plan and apply share: absent keys where they select nothing.
 */
export function taskSelection(
  values: Parameters<typeof tagFilter>[0],
  env: NodeJS.ProcessEnv,
): { tags?: TagFilter; rolesPath?: string[]; platformsPath?: string } {
  const tags = tagFilter(values);
  const roles = rolesPath(env);
  const platforms = env.RUNBOOK_PLATFORMS;
  return {
    ...(tags ? { tags } : {}),
    ...(roles ? { rolesPath: roles } : {}),
    ...(platforms ? { platformsPath: platforms } : {}),
  };
}
