import { markData, markScope } from '../playbook/template/lazy-vars.js';

/**
 * The facts each host has gathered in this run (`ansible_facts`, keys without the `ansible_` prefix), and
 * how tasks see them: as `ansible_facts`, as `ansible_*` variables (Ansible's inject_facts_as_vars) that
 * play, block and task variables and set_fact override, and through `hostvars[host]`.
 */
export class HostFacts {
  private readonly byHost = new Map<string, Record<string, unknown>>();

  /** A later gathering adds to and replaces what an earlier one found, as Ansible merges facts. */
  merge(host: string, facts: Record<string, unknown>): void {
    // What a host answered is data, as Ansible marks module results: no lookup renders it.
    this.byHost.set(host, markData({ ...(this.byHost.get(host) ?? {}), ...facts }));
  }

  /** No host has gathered anything in this run. */
  get empty(): boolean {
    return this.byHost.size === 0;
  }

  /** meta clear_facts: these hosts' gathered facts are gone, as Ansible drops them from its fact cache. */
  forget(hosts: Iterable<string>): void {
    for (const h of hosts) this.byHost.delete(h);
  }

  of(host: string): Record<string, unknown> {
    return this.byHost.get(host) ?? {};
  }

  private readonly views = new WeakMap<object, Record<string, unknown>>();

  /** The `hostvars` a play's tasks see: built once per play, each host's facts read when it is looked up. */
  hostvars(play: object, planned: Record<string, unknown>, shadowed: Record<string, unknown>): Record<string, unknown> {
    let view = this.views.get(play);
    if (!view) this.views.set(play, (view = hostvarsWithFacts(planned, this, shadowed)));
    return view;
  }
}

/** A host's facts as the `ansible_*` variables Ansible injects, leaving out any name in `shadowed`. */
export function injectedFacts(
  facts: Record<string, unknown>,
  shadowed: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts)) {
    const name = `ansible_${k}`;
    if (!Object.hasOwn(shadowed, name)) out[name] = v;
  }
  return out;
}

/**
 * `hostvars` with each host's facts on top of its planned variables: a getter per host, so reading one
 * neighbour costs that neighbour only, and a host that gathered since is seen as it is now.
 */
export function hostvarsWithFacts(
  planned: Record<string, unknown>,
  facts: HostFacts,
  shadowed: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const host of Object.keys(planned)) {
    Object.defineProperty(out, host, {
      enumerable: true,
      get: () => {
        const vars = planned[host] as Record<string, unknown>;
        const own = facts.of(host);
        return markScope({ ...vars, ...injectedFacts(own, shadowed), ansible_facts: own });
      },
    });
  }
  // The whole is data: a template reads one host at a time, each rendering its own variables.
  return markData(out);
}
