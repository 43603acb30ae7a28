import { diagnostic } from '../playbook/diagnostic.js';
import { badSubsets, SUBSET_HINT, subsetList } from '../playbook/gather-subset.js';
import { globMatch } from '../playbook/glob.js';
import type { YamlPath } from '../playbook/load.js';
import { networkFacts } from '../network/facts.js';
import { NetworkCliSession } from '../transport/network-cli/session.js';
import { defineAction } from './action.js';
import { isMap } from './args.js';
import { isFactsOutput, posixFacts } from './facts/posix-facts.js';
import { FACTS_SCRIPT } from './facts/posix-script.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type SetupAction = {
  kind: 'setup';
  /** fnmatch patterns over the `ansible_` names; empty keeps every fact. */
  filter: string[];
  gatherSubset: string[];
  /** Seconds; bounds the one command the facts come from. */
  gatherTimeout?: number;
};
type SetupPreview = { subset: string[] };

const subsetSchema = {
  title: 'Subsets',
  description:
    'Accepted with Ansible\'s names ("all", "min", "!all", "network", "hardware", …); the same facts are read.',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

/** Ansible's setup result holds each fact under its `ansible_` name. */
function prefixed(facts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(facts).map(([k, v]) => [`ansible_${k}`, v]));
}

/**
 * `setup`: reads the host's facts into `ansible_facts` (and `ansible_*` variables) for the tasks after it.
 * A POSIX host is read with one /bin/sh command; a network_cli host with its platform's version command.
 * The implicit "Gathering Facts" step of a play is this action. Reads only, so it runs under --check too.
 */
export const setup = defineAction<SetupAction, SetupPreview>({
  schema: {
    title: 'Setup',
    description: "Gather the host's facts (ansible_facts) as the play's gather_facts does.",
    oneOf: [
      { type: 'null' },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          filter: {
            title: 'Filter',
            description: 'Keep only facts whose ansible_ name matches one of these patterns (ansible_distribution*).',
            oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
          },
          gather_subset: subsetSchema,
          gather_timeout: {
            title: 'Timeout',
            description: 'Seconds the facts command may take (default: the task timeout).',
            type: 'number',
            exclusiveMinimum: 0,
          },
          fact_path: {
            title: 'Local facts path',
            description: 'Accepted for compatibility; local facts are not read.',
            type: 'string',
          },
        },
      },
    ],
  },
  texts: (_value: unknown, _at: YamlPath) => [],
  check(value, at, loaded) {
    if (!isMap(value)) return [];
    const bad = badSubsets(value.gather_subset);
    return bad.map((s) =>
      diagnostic(loaded.locate([...at, 'gather_subset']), `gather_subset: "${s}" is not a subset`, SUBSET_HINT),
    );
  },
  parse: (value) => {
    const v = isMap(value) ? value : {};
    const filter = v.filter === undefined ? [] : Array.isArray(v.filter) ? v.filter.map(String) : [String(v.filter)];
    return {
      kind: 'setup',
      filter: filter.filter((f) => f !== ''),
      gatherSubset: subsetList(v.gather_subset),
      ...(typeof v.gather_timeout === 'number' ? { gatherTimeout: v.gather_timeout } : {}),
    };
  },
  defaultName: () => 'setup',
  registers: () => ({ ansible_facts: {} }),
  preview: (a) => ({ subset: a.gatherSubset }),
  describe: (a) => [`gather facts${a.filter.length > 0 ? ` (${a.filter.join(', ')})` : ''}`],
  json: (a) => ({ setup: { gather_subset: a.gatherSubset, ...(a.filter.length > 0 ? { filter: a.filter } : {}) } }),
  async run(a, _task, host): Promise<Outcome> {
    const timeoutMs = a.gatherTimeout !== undefined ? Math.min(a.gatherTimeout * 1000, host.timeoutMs) : host.timeoutMs;
    let facts: Record<string, unknown>;
    try {
      const session = host.session;
      if (session instanceof NetworkCliSession) {
        const profile = session.profile;
        if (!profile.facts) {
          facts = networkFacts(profile, '');
        } else {
          const command = profile.facts.command;
          const res = await host.bounded(() => session.exec(command, { timeoutMs }));
          if (res.rc !== 0) return failed('command', `${command}: ${res.stderr || 'refused'}`, { rc: res.rc });
          facts = networkFacts(profile, res.stdout);
        }
      } else {
        const res = await host.bounded((signal) => session.exec(FACTS_SCRIPT, { timeoutMs, signal }));
        if (!isFactsOutput(res.stdout)) {
          return failed('command', 'the host did not answer as a POSIX shell; set gather_facts: false for it', {
            rc: res.rc,
            stderr: res.stderr,
          });
        }
        facts = posixFacts(res.stdout);
      }
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    facts.gather_subset = a.gatherSubset;
    facts.module_setup = true;
    if (a.filter.length > 0) {
      facts = Object.fromEntries(
        Object.entries(facts).filter(([k]) => a.filter.some((f) => globMatch(f, `ansible_${k}`))),
      );
    }
    return done('ok', { ansibleFacts: facts, data: { ansible_facts: prefixed(facts) } });
  },
});
