import type { YamlPath } from '../playbook/load.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import { defineAction } from './action.js';
import { bool, isMap, str } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

export type StatAction = { kind: 'stat'; path: string; checksum: boolean };
type StatPreview = { path: string };

/** `stat -c` fields, in the order the script prints them. */
const FORMAT = '%F|%a|%U|%G|%s|%u|%g|%Y';

/**
 * `stat: {path}`: what the remote path is, registered as `result.stat` with Ansible's keys (`exists`,
 * `isdir`, `isreg`, `islnk`, `mode`, `pw_name`, `gr_name`, `size`, `checksum` (sha1), `lnk_target`, …).
 * Reads only, so it runs under --check too.
 */
export const stat = defineAction<StatAction, StatPreview>({
  schema: {
    title: 'Stat',
    description: 'Read what a remote path is; register it and test result.stat.exists, .isdir, .mode, ….',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { title: 'Path', description: 'The remote path.', type: 'string', minLength: 1 },
      get_checksum: {
        title: 'Checksum',
        description: 'Include the sha1 of a regular file (default true).',
        type: 'boolean',
      },
      follow: { title: 'Follow', description: 'Accepted for compatibility; links are not followed.', type: 'boolean' },
    },
  },
  texts: (value: unknown, at: YamlPath) =>
    isMap(value) && typeof value.path === 'string'
      ? [{ field: 'stat.path', text: value.path, path: [...at, 'path'], expression: false, afterRun: false }]
      : [],
  parse: (value) => {
    const v = isMap(value) ? value : {};
    return { kind: 'stat', path: str(v.path) ?? '', checksum: bool(v.get_checksum, true) };
  },
  defaultName: (a) => `stat ${a.path}`,
  registers: () => ({
    stat: {
      exists: false,
      path: '',
      isdir: false,
      isreg: false,
      islnk: false,
      mode: '',
      pw_name: '',
      gr_name: '',
      size: 0,
    },
  }),
  preview: (a, host) => ({ path: host.text(['stat.path', 'stat'], a.path) }),
  describe: (_a, p) => [`stat ${p.path}`],
  json: (_a, p) => ({ stat: p }),
  async run(a, task, host): Promise<Outcome> {
    let path: string;
    try {
      path = host.renderer.text(task, ['stat.path', 'stat'], a.path, host.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    const q = shellQuote(path);
    const script =
      `stat -c '${FORMAT}' -- ${q} 2>/dev/null || exit 3; ` +
      `if [ -L ${q} ]; then readlink -- ${q}; else echo; fi; ` +
      (a.checksum ? `if [ -f ${q} ] && [ ! -L ${q} ]; then sha1sum -- ${q} | cut -d' ' -f1; fi` : 'true');
    try {
      const res = await host.bounded((signal) => host.session.exec(script, { timeoutMs: host.timeoutMs, signal }));
      if (res.rc === 3) return done('ok', { data: { stat: { exists: false } } });
      if (res.rc !== 0) return failed('command', res.stderr.trim() || `stat ${path}: exit status ${res.rc}`);
      const [fields = '', target = '', checksum = ''] = res.stdout.split('\n');
      const [kind = '', mode = '', owner = '', group = '', size = '0', uid = '0', gid = '0', mtime = '0'] =
        fields.split('|');
      const info: Record<string, unknown> = {
        exists: true,
        path,
        isdir: kind === 'directory',
        isreg: kind.includes('regular'),
        islnk: kind === 'symbolic link',
        mode: mode.padStart(4, '0'),
        pw_name: owner,
        gr_name: group,
        uid: Number(uid),
        gid: Number(gid),
        size: Number(size),
        mtime: Number(mtime),
      };
      if (target) info.lnk_target = target;
      if (checksum) info.checksum = checksum;
      return done('ok', { data: { stat: info } });
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
  },
});
