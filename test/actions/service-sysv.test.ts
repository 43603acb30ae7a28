import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { ansibleTasks, runbookSummary } from '../support/ansible-tasks.js';
import { applyTasks, boxInventory } from '../support/box.js';
import { startRootHost, type RootHost } from '../support/root-host.js';

/**
 * The service module against a real root login in a private mount namespace (its own /etc/init.d,
 * /etc/rc?.d and /run): an LSB init script controls a real daemon (`sleep` under start-stop-daemon with a
 * pidfile), runbook starts, stops, restarts, reloads, enables and disables it, and the test looks at the
 * daemon's pid in /proc and at the rc?.d links. ansible-playbook's service module runs the same tasks on
 * the same host and must agree task by task.
 */

const SERVICE = 'runbook-demo';
const PIDFILE = `/run/${SERVICE}.pid`;
const RELOADS = `/run/${SERVICE}.reloads`;

const INIT_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${SERVICE}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: runbook test daemon
### END INIT INFO
# Matches the daemon by its pidfile only: the process table is shared with the machine.
ssd() { start-stop-daemon --pidfile ${PIDFILE} "$@"; }
case "$1" in
  start) ssd --start --quiet --background --make-pidfile --startas /bin/sleep -- 100000 ;;
  stop) ssd --stop --quiet --retry 5 --remove-pidfile --oknodo ;;
  restart) "$0" stop && "$0" start ;;
  reload) echo reload >> ${RELOADS} ;;
  status)
    if ssd --status; then echo "${SERVICE} is running"; exit 0; fi
    echo "${SERVICE} is not running"; exit 3 ;;
  *) echo "usage: $0 start|stop|restart|reload|status" >&2; exit 2 ;;
esac
`;

let host: RootHost;
let dir: string;

beforeAll(async () => {
  host = await startRootHost();
  dir = mkdtempSync(join(tmpdir(), 'runbook-service-'));
  writeFileSync(join(dir, 'inventory.yml'), boxInventory(host));
}, 60_000);

afterAll(async () => {
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Installs the init script (no boot links) with the daemon stopped, as a fresh package would leave it. */
async function install(): Promise<void> {
  const script = join(dir, 'init-script');
  writeFileSync(script, INIT_SCRIPT, { mode: 0o755 });
  await inHost(
    `[ -f ${PIDFILE} ] && /etc/init.d/${SERVICE} stop; update-rc.d -f ${SERVICE} remove >/dev/null 2>&1; true`,
  );
  await inHost(`cp ${script} /etc/init.d/${SERVICE} && chmod 755 /etc/init.d/${SERVICE} && rm -f ${RELOADS}`);
}

async function inHost(script: string): Promise<string> {
  const r = await host.exec(['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
}

/** A killed process whose parent has not reaped it yet is a zombie: it no longer runs. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The daemon's pid when it runs (its pidfile names a live `sleep`), else null. */
async function daemonPid(): Promise<number | null> {
  const text = await inHost(`cat ${PIDFILE} 2>/dev/null || true`);
  const pid = Number(text.trim());
  if (!pid || !alive(pid)) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === '/bin/sleep' ? pid : null;
  } catch {
    return null;
  }
}

const links = async (): Promise<string[]> =>
  (await inHost(`ls /etc/rc?.d/ | grep -- '${SERVICE}$' || true`)).split('\n').filter(Boolean).sort();
const startLinks = async (): Promise<number> => (await links()).filter((l) => l.startsWith('S')).length;

const apply = (tasks: string[], ...flags: string[]): Promise<TaskResult[]> =>
  applyTasks({ dir, inventory: join(dir, 'inventory.yml') }, tasks, flags);

/**
 * The tasks through ansible-playbook and then through runbook, each after a fresh install: each tool's task
 * results, and whether the daemon ran and which boot links there were when it ended.
 */
async function bothFromInstall(tasks: string[], flags: string[]) {
  const end = async () => ({ pid: (await daemonPid()) !== null, links: await links() });
  await install();
  const ansible = await ansibleTasks(dir, host, tasks, flags);
  const ansibleEnd = await end();
  await install();
  const runbook = runbookSummary(await apply(tasks, ...flags));
  const runbookEnd = await end();
  return { ansible, ansibleEnd, runbook, runbookEnd };
}

const task = (args: string) => [`- service: { name: ${SERVICE}, ${args} }`, '  register: out'];
const one = async (args: string, ...flags: string[]): Promise<TaskResult> => (await apply(task(args), ...flags))[0]!;

describe('service on an init script host', () => {
  it('starts, reloads, restarts and stops the daemon, only when needed, and enables it with boot links', async () => {
    await install();
    expect(await daemonPid()).toBeNull();

    const check = await one('state: started, enabled: true', '--check');
    expect(check.error).toBeNull();
    expect(check.status).toBe('changed');
    expect(check.diff).toContain('+state: started');
    expect(await daemonPid()).toBeNull();
    expect(await links()).toEqual([]);

    const started = await one('state: started, enabled: true');
    expect(started.status).toBe('changed');
    const pid = await daemonPid();
    expect(pid).not.toBeNull();
    // update-rc.d made the links the script's LSB header asks for: start in 2-5, kill in 0, 1 and 6.
    expect(await startLinks()).toBe(4);
    expect((await links()).filter((l) => l.startsWith('K'))).toHaveLength(3);

    const again = await one('state: started, enabled: true');
    expect(again.status).toBe('ok');
    expect(await daemonPid()).toBe(pid);

    const reloaded = await one('state: reloaded');
    expect(reloaded.status).toBe('changed');
    expect(await inHost(`cat ${RELOADS}`)).toBe('reload\n');
    expect(await daemonPid()).toBe(pid);

    const restarted = await one('state: restarted');
    expect(restarted.status).toBe('changed');
    const newPid = await daemonPid();
    expect(newPid).not.toBeNull();
    expect(newPid).not.toBe(pid);
    expect(alive(pid!)).toBe(false);

    const checkStop = await one('state: stopped, enabled: false', '--check');
    expect(checkStop.status).toBe('changed');
    expect(await daemonPid()).toBe(newPid);
    expect(await startLinks()).toBe(4);

    const stopped = await one('state: stopped, enabled: false');
    expect(stopped.status).toBe('changed');
    expect(await daemonPid()).toBeNull();
    expect(await startLinks()).toBe(0);

    const stillStopped = await one('state: stopped, enabled: false');
    expect(stillStopped.status).toBe('ok');

    // A reload of a stopped service starts it, as Ansible's module does.
    expect((await one('state: reloaded')).status).toBe('changed');
    expect(await daemonPid()).not.toBeNull();
    expect(await inHost(`cat ${RELOADS}`)).toBe('reload\n');
  }, 120_000);

  it('fails a service that has no init script with Ansible message', async () => {
    const [t] = await apply(['- service: { name: runbook-no-such-service, state: started }']);
    expect(t!.status).toBe('failed');
    expect(t!.error).toBe('Could not find the requested service runbook-no-such-service: host');
  }, 60_000);

  it('agrees with ansible-playbook task by task, in --check and for real, and leaves the daemon the same', async () => {
    const tasks = [
      'state: started, enabled: true',
      'state: started, enabled: true',
      'state: reloaded',
      'state: restarted',
      'enabled: false',
      'state: stopped, enabled: false',
      'state: stopped',
    ].map((args, i) => [`- name: step ${i}`, `  service: { name: ${SERVICE}, ${args} }`]);
    const missing = ['- name: missing', '  service: { name: runbook-no-such-service, state: started }'];
    const all = [...tasks.flat(), ...missing, '  ignore_errors: true'];
    for (const check of [true, false]) {
      const flags = check ? ['--check'] : [];
      const { ansible, ansibleEnd, runbook, runbookEnd } = await bothFromInstall(all, flags);
      expect(runbook).toEqual(ansible);
      expect(runbookEnd).toEqual(ansibleEnd);
    }
  }, 240_000);

  it("agrees with ansible-playbook's sysvinit module (use: sysvinit), quirks included", async () => {
    const steps = [
      'state: started, enabled: true',
      'state: started',
      'state: reloaded',
      'state: restarted, sleep: 0',
      'state: stopped, enabled: false',
      // update-rc.d defaults leaves the K links disable made: both report changed and enable nothing.
      'enabled: true',
      'state: reloaded',
      'state: stopped',
    ].map((args, i) => [`- name: step ${i}`, `  service: { name: ${SERVICE}, use: sysvinit, ${args} }`]);
    const missing = ['- name: missing', '  service: { name: runbook-no-such-service, use: sysvinit, state: started }'];
    const all = [...steps.flat(), ...missing, '  ignore_errors: true'];
    for (const flags of [['--check'], []]) {
      const { ansible, ansibleEnd, runbook, runbookEnd } = await bothFromInstall(all, flags);
      expect(runbook).toEqual(ansible);
      expect(runbookEnd).toEqual(ansibleEnd);
      if (flags.length === 0) {
        expect(runbook[5]).toEqual({ changed: true, failed: false });
        expect(runbookEnd.links.filter((l) => l.startsWith('S'))).toEqual([]);
      }
    }
  }, 240_000);
});
