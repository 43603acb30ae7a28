import type { YamlPath } from '../playbook/load.js';
import { defineAction } from './action.js';
import { isMap } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type PauseAction = { kind: 'pause'; ms: number };
type PausePreview = { ms: number };

/**
 * `pause: {seconds | minutes}`: waits, then goes on. runbook never prompts (its runs are not interactive),
 * so a `prompt` is not accepted. Touches nothing, so it runs under --check too.
 */
export const pause = defineAction<PauseAction, PausePreview>({
  schema: {
    title: 'Pause',
    description: 'Wait a number of seconds or minutes; runs never prompt.',
    type: 'object',
    additionalProperties: false,
    properties: {
      seconds: { title: 'Seconds', description: 'How long to wait.', type: 'number', minimum: 0 },
      minutes: { title: 'Minutes', description: 'How long to wait, in minutes.', type: 'number', minimum: 0 },
    },
  },
  texts: (_value: unknown, _at: YamlPath) => [],
  parse(value: unknown): PauseAction {
    const v = isMap(value) ? value : {};
    const s = typeof v.seconds === 'number' ? v.seconds : 0;
    const m = typeof v.minutes === 'number' ? v.minutes : 0;
    return { kind: 'pause', ms: Math.round((s + m * 60) * 1000) };
  },
  defaultName: (a) => `pause ${a.ms / 1000} s`,
  preview: (a) => ({ ms: a.ms }),
  describe: (_a, p) => [`pause ${p.ms / 1000} s`],
  json: (_a, p) => ({ pause: { seconds: p.ms / 1000 } }),
  async run(a, _task, host): Promise<Outcome> {
    try {
      await host.bounded(
        (signal) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, a.ms);
            signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          }),
      );
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    if (host.stopped) return failed('interrupted', 'interrupted');
    return done('ok', { stdout: `paused ${a.ms / 1000} s` });
  },
});
