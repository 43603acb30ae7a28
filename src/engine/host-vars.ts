import { markData, markScope } from '../playbook/template/lazy-vars.js';

/**
 * What a host's variables gain from the play it is in, beyond the inventory: Ansible's magic variables that
 * templates use, and connection variables written as templates (`ansible_host: "{{ mgmt_net }}.2"`)
 * rendered for the host before anyone connects.
 */

/** Ansible's `omit` placeholder: a parameter whose value renders to it is left out. */
export const OMIT = '__omit_place_holder__runbook';

export interface PlayFacts {
  playbookDir: string;
  check: boolean;
  /** The play's targeted hosts, in order. */
  playHosts: readonly string[];
  batchOf: ReadonlyMap<string, readonly string[]>;
  /** Every inventory host's variables, computed only when a template asks for them. */
  hostvars: Record<string, unknown>;
}

export function playMagicVars(host: string, play: PlayFacts): Record<string, unknown> {
  return {
    playbook_dir: play.playbookDir,
    ansible_check_mode: play.check,
    ansible_play_hosts: play.playHosts,
    ansible_play_hosts_all: play.playHosts,
    ansible_play_batch: play.batchOf.get(host) ?? [],
    omit: OMIT,
    hostvars: play.hostvars,
  };
}

/**
 * `hostvars`: one getter per inventory host, each computing and keeping that host's variables on first use,
 * so a template reading one neighbour's address costs one host's variables, not the whole fleet's.
 */
export function lazyHostvars(
  hosts: Iterable<string>,
  compute: (host: string) => Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const host of hosts) {
    let cached: Record<string, unknown> | undefined;
    Object.defineProperty(out, host, { enumerable: true, get: () => (cached ??= markScope(compute(host))) });
  }
  // The whole is data: a template reads one host at a time, each rendering its own variables.
  return markData(out);
}

const CONNECTION_NAMES = new RegExp(
  '^(ansible_|host$|port$|user$|key_file$|known_hosts$|host_key_checking$|password_env$|passphrase_env$|' +
    'jump$|proxy_jump$)',
);

/** Connection variables holding `{{ }}` rendered against the host's variables; other variables are left as written. */
export function renderConnectionVars(
  vars: Record<string, unknown>,
  render: (text: string, name: string) => string,
): { vars: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  let out = vars;
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string' || !CONNECTION_NAMES.test(name) || !/\{\{|\{%/.test(value)) continue;
    try {
      if (out === vars) out = { ...vars };
      out[name] = render(value, name);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { vars: out, problems };
}
