import { structureOf, type PlaybookSpec, type TaskSpec } from '../playbook/types.js';

/**
 * `--list-tasks` and `--list-tags` in ansible-playbook's own layout (cli/playbook.py), so scripts and eyes used
 * to it read runbook's the same way: blocks are opened, their rescue and always are not listed, handlers are
 * not tasks, a role's task is "role : name", an unnamed task shows its action.
 */
export function listTasks(playbook: PlaybookSpec, label: string, what: { tasks: boolean; tags: boolean }): string {
  const out: string[] = [`\nplaybook: ${label}`];
  playbook.plays.forEach((play, i) => {
    const playTags = play.tags ?? [];
    out.push(`\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${playTags.join(',')}]`);
    let text = what.tasks ? '    tasks:\n' : '';
    const all = new Set<string>();
    const visit = (list: readonly TaskSpec[]): void => {
      for (const t of list) {
        const s = structureOf(t.action);
        if (s?.kind === 'block') {
          visit(s.block);
          continue;
        }
        for (const tag of t.tags ?? []) all.add(tag);
        if (!what.tasks) continue;
        const tags = [...new Set([...playTags, ...(t.tags ?? [])])].sort();
        text += `      ${displayName(t)}\tTAGS: [${tags.join(', ')}]\n`;
      }
    };
    visit(play.tasks);
    if (what.tags) text += `      TASK TAGS: [${[...new Set([...playTags, ...all])].sort().join(', ')}]\n`;
    out.push(text);
  });
  return out.join('\n');
}

function displayName(t: TaskSpec): string {
  const named = t.locs.name !== undefined;
  const base = named ? t.name : t.action.kind;
  return t.role && named ? `${t.role} : ${base}` : base;
}
