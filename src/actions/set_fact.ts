import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { diagnostic } from '../playbook/diagnostic.js';
import { defineAction } from './action.js';
import { parsePyJson } from '../playbook/template/py-json.js';
import { isMap } from './args.js';
import { done, failed, message, type Outcome } from './outcome.js';

export type SetFactAction = { kind: 'set_fact'; facts: Record<string, unknown> };
type SetFactPreview = { facts: Record<string, unknown> };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value that is one `{{ expr }}` keeps the expression's type (a list stays a list), as in Ansible. */
function wholeExpression(text: string): string | undefined {
  const whole = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return whole && !whole[1]!.includes('}}') && !whole[1]!.includes('{{') ? whole[1] : undefined;
}

/** Renders every string inside a value (lists and mappings too); a whole `{{ expr }}` keeps its type. */
function renderValue(v: unknown, render: (text: string) => unknown): unknown {
  if (typeof v === 'string') return render(v);
  if (Array.isArray(v)) return v.map((x) => renderValue(x, render));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderValue(x, render)]));
  return v;
}

/**
 * `set_fact: {name: value, …}`: variables for the host's later tasks, rendered for the host. `cacheable` is
 * accepted (runbook keeps no fact cache). Touches nothing on the host, so it runs under --check too.
 */
export const set_fact = defineAction<SetFactAction, SetFactPreview>({
  schema: {
    title: 'Set fact',
    description: "Set variables for the host's later tasks; values are rendered for the host.",
    type: 'object',
    minProperties: 1,
    properties: {
      cacheable: { title: 'Cacheable', description: 'Accepted for compatibility; nothing is cached.', type: 'boolean' },
    },
    additionalProperties: true,
  },
  texts: (value: unknown, at: YamlPath) =>
    isMap(value)
      ? Object.entries(value)
          .filter(([, v]) => typeof v === 'string')
          .map(([k, v]) => ({
            field: `set_fact.${k}`,
            text: v as string,
            path: [...at, k],
            expression: false,
            afterRun: false,
          }))
      : [],
  check(value: unknown, at: YamlPath, loaded: LoadedYaml) {
    if (!isMap(value)) return [];
    return Object.keys(value)
      .filter((k) => k !== 'cacheable' && !NAME.test(k))
      .map((k) => diagnostic(loaded.locate([...at, k], 'key'), `set_fact: "${k}" is not a variable name`));
  },
  parse(value: unknown): SetFactAction {
    const facts = { ...(isMap(value) ? value : {}) };
    delete facts.cacheable;
    return { kind: 'set_fact', facts };
  },
  defines: (a) => Object.keys(a.facts),
  defaultName: (a) => `set_fact ${Object.keys(a.facts).join(', ')}`,
  preview: (a, host) => {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a.facts)) {
      const keys = [`set_fact.${k}`, 'set_fact'];
      facts[k] = renderValue(v, (text) => {
        const expr = wholeExpression(text);
        if (expr === undefined) return host.text(keys, text);
        const json = host.text(keys, `{{ (${expr}) | to_json }}`);
        try {
          return parsePyJson(json);
        } catch {
          // The expression could not be rendered for this host (already reported); keep it as written.
          return text;
        }
      });
    }
    return { facts };
  },
  previewFacts: (p) => p.facts,
  describe: (_a, p, redact) => Object.entries(p.facts).map(([k, v]) => `${k} = ${redact(JSON.stringify(v))}`),
  json: (_a, p, redact) => ({ set_fact: JSON.parse(redact(JSON.stringify(p.facts))) as unknown }),
  async run(a, task, host): Promise<Outcome> {
    try {
      const facts: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(a.facts)) {
        const keys = [`set_fact.${k}`, 'set_fact'];
        facts[k] = renderValue(v, (text) => {
          const expr = wholeExpression(text);
          if (expr === undefined) return host.renderer.text(task, keys, text, host.vars);
          return parsePyJson(host.renderer.text(task, keys, `{{ (${expr}) | to_json }}`, host.vars));
        });
      }
      return done('ok', { facts });
    } catch (err) {
      return failed('template', message(err));
    }
  },
});
