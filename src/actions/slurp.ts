import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap, str } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type SlurpAction = { kind: 'slurp'; src: string };
type SlurpPreview = { src: string };

/**
 * `slurp: {src}`: a remote file's bytes, registered as Ansible does (`content` in base64, `encoding`,
 * `source`), for `result.content | b64decode`. Reads only, so it runs under --check too.
 */
export const slurp = defineAction<SlurpAction, SlurpPreview>({
  schema: {
    title: 'Slurp',
    description: 'Read a remote file into the registered result (content, base64).',
    type: 'object',
    additionalProperties: false,
    required: ['src'],
    properties: {
      src: { title: 'Source', description: 'The remote file (also `path`).', type: 'string', minLength: 1 },
    },
  },
  texts: (value: unknown, at: YamlPath) =>
    isMap(value) && typeof value.src === 'string'
      ? [{ field: 'slurp.src', text: value.src, path: [...at, 'src'], expression: false, afterRun: false }]
      : [],
  parse: (value) => ({ kind: 'slurp', src: str(isMap(value) ? value.src : undefined) ?? '' }),
  defaultName: (a) => `slurp ${a.src}`,
  registers: () => ({ content: '', encoding: 'base64', source: '' }),
  preview: (a, host) => ({ src: host.text(['slurp.src', 'slurp'], a.src) }),
  describe: (_a, p) => [`slurp ${p.src}`],
  json: (_a, p) => ({ slurp: p }),
  async run(a, task, host): Promise<Outcome> {
    let src: string;
    try {
      src = host.renderer.text(task, ['slurp.src', 'slurp'], a.src, host.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    try {
      const data = await host.bounded(() => host.session.readFile(src, { timeoutMs: host.timeoutMs }));
      if (data === null) return failed('command', `file not found: ${src}`);
      return done('ok', { data: { content: data.toString('base64'), encoding: 'base64', source: src } });
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', `${src}: ${message(err)}`));
    }
  },
});
