/**
 * Ansible's tag selection (playbook/taggable.py, evaluate_tags), so `--tags`/`--skip-tags` pick the same
 * tasks ansible-playbook picks: `always` runs unless skipped by name, `never` runs only when asked for by
 * name, `tagged`/`untagged`/`all` are the special selectors.
 */
export interface TagFilter {
  /** `--tags`; empty means Ansible's default, `all`. */
  only: readonly string[];
  /** `--skip-tags`. */
  skip: readonly string[];
}

export const ALL_TAGS: TagFilter = { only: ['all'], skip: [] };

const UNTAGGED = 'untagged';

/** A comma-separated flag value or list, as Ansible splits it. */
export function splitTags(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

export function selects(filter: TagFilter, taskTags: readonly string[]): boolean {
  const tags = new Set(taskTags.length > 0 ? taskTags : [UNTAGGED]);
  const untagged = taskTags.length === 0;
  const only = filter.only.length > 0 ? filter.only : ['all'];
  const meets = (list: readonly string[]): boolean => list.some((t) => tags.has(t));
  let run: boolean;
  if (tags.has('always')) run = true;
  else if (only.includes('all') && !tags.has('never')) run = true;
  else if (meets(only)) run = true;
  else run = only.includes('tagged') && !untagged && !tags.has('never');
  if (!run || filter.skip.length === 0) return run;
  if (filter.skip.includes('all')) return tags.has('always') && !filter.skip.includes('always');
  if (meets(filter.skip)) return false;
  return !(filter.skip.includes('tagged') && !untagged);
}
