import { describe, expect, it } from 'vitest';
import type { LabClock, LabPlatform } from '../../src/lab/lab.js';
import { loadPlatforms } from '../../src/network/platform.js';
import { confirmPending, pushConfig, type PushRequest } from '../../src/actions/network/push.js';
import { runNetworkTask } from '../../src/actions/network/task.js';
import type { NetworkCliSession } from '../../src/transport/network-cli/session.js';
import { NetworkCliTransport } from '../../src/transport/network-cli/transport.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { useLabs } from '../support/fixtures.js';
import { manualLabClock } from '../support/lab-clock.js';
import { networkTarget } from '../support/network-target.js';

const { lab: startLab } = useLabs();
const catalog = loadPlatforms().catalog;
const ENV = { RUNBOOK_LAB_ENABLE: 'lab-enable' };

async function device(platform: LabPlatform, opts: { faults?: string[]; clock?: LabClock } = {}) {
  const lab = await startLab({ hosts: 1, platform, ...opts });
  const transport = new NetworkCliTransport(new SshTransport({ env: ENV }), () => catalog, ENV);
  const connect = async () =>
    (await transport.connect(networkTarget(lab, lab.hosts[0]!.name), { timeoutMs: 10_000 })) as NetworkCliSession;
  return { lab, connect, net: lab.network('r001')! };
}

async function push(s: NetworkCliSession, req: PushRequest, check = false) {
  return pushConfig(s, req, { check });
}

const NTP: Record<LabPlatform, PushRequest> = {
  ios: { lines: ['ntp server 192.0.2.11', 'ntp server 192.0.2.12'] },
  eos: { lines: ['ntp server 192.0.2.11', 'ntp server 192.0.2.12'] },
  junos: { lines: ['set system ntp server 192.0.2.11', 'set system ntp server 192.0.2.12'] },
};

describe.each(['ios', 'eos', 'junos'] as const)('%s', (platform) => {
  it('pushes the missing lines, then finds nothing to do', async () => {
    const { connect, net } = await device(platform);
    const s = await connect();
    const first = await push(s, NTP[platform]);
    expect(first.status).toBe('changed');
    expect(first.lines).toEqual(NTP[platform].lines);
    expect(first.confirm).toBe('confirmed');
    expect(net.running()).toContain('192.0.2.12');
    expect(net.pending()).toBe(false);
    const second = await push(s, NTP[platform]);
    expect(second).toMatchObject({ status: 'ok', lines: [], confirm: 'none' });
    await s.close();
  });

  it('reverts the device when a line is rejected', async () => {
    const { connect, net } = await device(platform);
    const before = net.running();
    const s = await connect();
    const bad = platform === 'junos' ? 'set system ntpp server 192.0.2.13' : 'ntp srever 192.0.2.13';
    const r = await push(s, { lines: [...(NTP[platform].lines ?? []), bad] });
    expect(r.status).toBe('failed');
    expect(r.error).toContain(`"${bad}" was rejected`);
    expect(r.error).toMatch(platform === 'junos' ? /syntax error/ : /% Invalid input/);
    expect(r.lines).toEqual(NTP[platform].lines);
    expect(net.running()).toBe(before);
    expect(net.pending()).toBe(false);
    // The session is usable afterwards, back in its working mode.
    expect((await s.exec(platform === 'junos' ? 'show version' : 'show version')).rc).toBe(0);
    await s.close();
  });

  it('leaves a change pending under confirm, and cli_confirm keeps it', async () => {
    const { connect, net } = await device(platform);
    const s = await connect();
    const r = await push(s, { ...NTP[platform], confirm: 10 });
    expect(r).toMatchObject({ status: 'changed', confirm: 'pending' });
    expect(net.pending()).toBe(true);
    expect(await confirmPending(s)).toBe('confirmed');
    expect(net.pending()).toBe(false);
    expect(net.running()).toContain('192.0.2.12');
    await s.close();
  });

  it('shows the lines under check without entering config mode', async () => {
    const { connect, net, lab } = await device(platform);
    const before = net.running();
    const s = await connect();
    lab.setFault(`r001:deny:${platform === 'junos' ? '^configure' : '^configure|^conf'}`);
    const r = await push(s, NTP[platform], true);
    expect(r).toMatchObject({ status: 'changed', lines: NTP[platform].lines });
    expect(net.running()).toBe(before);
    await s.close();
  });
});

describe('the device rolls back what was not confirmed', () => {
  it('a session cut mid-push is rolled back by the revert timer', async () => {
    const clock = manualLabClock();
    const { connect, net } = await device('ios', { faults: ['r001:cut:2'], clock });
    const before = net.running();
    const s = await connect();
    const err = await push(s, {
      lines: ['logging host 192.0.2.21', 'logging host 192.0.2.22', 'logging host 192.0.2.23'],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/closed|dropped|reset/);
    expect(net.running()).toContain('logging host 192.0.2.21');
    expect(net.pending()).toBe(true);
    // An hour of lab time: past any safety net the push arms.
    clock.elapse(60);
    expect(net.pending()).toBe(false);
    expect(net.running()).toBe(before);
    expect(net.log()).toEqual(['rolled back: revert timer expired']);
  });

  it('a Junos commit confirmed is left pending when verification fails, then rolls back', async () => {
    const clock = manualLabClock();
    const { connect, net } = await device('junos', { clock });
    const s = await connect();
    const r = await push(s, { lines: ['set system host-name edge-a', 'set system host-name edge-b'], confirm: 1 });
    expect(r.status).toBe('failed');
    expect(r.confirm).toBe('pending');
    expect(r.error).toContain('lines still missing after the push: set system host-name edge-a');
    expect(net.pending()).toBe(true);
    clock.elapse(1);
    expect(net.log()).toContain('rolled back: commit confirmed expired');
    expect(net.running()).toContain('set system host-name r001');
    expect(net.running()).not.toContain('edge-b');
    await s.close().catch(() => undefined);
  });

  it('confirm fails before touching an IOS device without an archive', async () => {
    const { connect, net } = await device('ios');
    const s = await connect();
    await s.enter('config');
    await s.run('no archive');
    await s.enter('privileged');
    const before = net.running();
    const r = await push(s, { lines: ['logging host 192.0.2.31'], confirm: 5 });
    expect(r.status).toBe('failed');
    expect(r.error).toContain('no rollback timer is available');
    expect(net.running()).toBe(before);
    const unsafe = await push(s, { lines: ['logging host 192.0.2.31'] });
    expect(unsafe.status).toBe('changed');
    expect(unsafe.warnings[0]).toContain('pushed without a safety net');
    await s.close();
  });
});

describe('cli_config rollback', () => {
  const action = { module: 'cli_config', moduleKind: 'cli_config' as const };
  const opts = { check: false, diff: false };

  it('junos: rollback 2 loads and commits the configuration from before the confirmed push', async () => {
    const { connect, net } = await device('junos');
    const before = net.running();
    const s = await connect();
    expect((await push(s, NTP.junos)).status).toBe('changed');
    expect(net.running()).toContain('192.0.2.12');
    // The push is two commits on Junos, `commit confirmed` and the plain commit confirming it.
    const r = await runNetworkTask(s, action, { rollback: 2 }, opts);
    expect(r.status).toBe('changed');
    expect(r.registered.commands).toContain('rollback 2');
    expect(net.running()).toEqual(before);
    await s.close();
  });

  it('junos: a rollback the device has no history for fails and changes nothing', async () => {
    const { connect, net } = await device('junos');
    const before = net.running();
    const s = await connect();
    const r = await runNetworkTask(s, action, { rollback: 40 }, opts);
    expect(r.status).toBe('failed');
    expect(r.error).toContain('"rollback 40" was refused');
    expect(net.running()).toEqual(before);
    await s.close();
  });

  it('eos: refused before anything is sent, naming what to use instead', async () => {
    const { connect, net } = await device('eos');
    const before = net.running();
    const s = await connect();
    const r = await runNetworkTask(s, action, { rollback: 1 }, opts);
    expect(r.status).toBe('failed');
    expect(r.error).toContain('eos has no rollback to a saved configuration');
    expect(r.error).toContain('configure replace');
    expect(net.running()).toEqual(before);
    await s.close();
  });
});

describe('cli_config replace', () => {
  const action = { module: 'cli_config', moduleKind: 'cli_config' as const };
  const opts = { check: false, diff: false };
  const WHOLE: Record<'junos' | 'eos', string> = {
    junos: 'set system host-name r001\nset system ntp server 192.0.2.11',
    eos: 'hostname r001\nntp server 192.0.2.11',
  };

  it.each(['junos', 'eos'] as const)('%s: config becomes the whole configuration, then nothing to do', async (p) => {
    const { connect, net } = await device(p);
    const s = await connect();
    expect((await push(s, NTP[p])).status).toBe('changed');
    const r = await runNetworkTask(s, action, { config: WHOLE[p], replace: true }, opts);
    expect(r.error).toBeNull();
    expect(r.status).toBe('changed');
    expect(net.running()).toContain('192.0.2.11');
    expect(net.running()).not.toContain('192.0.2.12');
    // Lines the replacing config does not hold are gone, not only the ones the earlier push added.
    const held = net
      .running()
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^[!#]|^end$/.test(l.trim()));
    expect(held).toEqual(WHOLE[p].split('\n'));
    expect(net.pending()).toBe(false);
    const again = await runNetworkTask(s, action, { config: WHOLE[p], replace: 'yes' }, opts);
    expect(again.status).toBe('ok');
    await s.close();
  });

  it('ios: refused before anything is sent, naming what to use instead', async () => {
    const { connect, net } = await device('ios');
    const before = net.running();
    const s = await connect();
    const r = await runNetworkTask(s, action, { config: 'hostname r001', replace: true }, opts);
    expect(r.status).toBe('failed');
    expect(r.error).toContain('ios cannot replace its whole configuration');
    expect(r.error).toContain('with config');
    expect(net.running()).toEqual(before);
    await s.close();
  });
});

describe('confirm_after', () => {
  const action = { module: 'junos_config', moduleKind: 'config' as const };
  const opts = { check: false, diff: false };
  const lines = ['set system ntp server 192.0.2.11'];

  it('confirms the change once every verification passes', async () => {
    const { connect, net } = await device('junos');
    const s = await connect();
    const confirm_after = [
      { junos_command: { commands: ['show configuration | display set'], wait_for: 'result[0] contains 192.0.2.11' } },
      { cli_command: { command: 'show version' } },
    ];
    const r = await runNetworkTask(s, action, { lines, confirm_after }, opts);
    expect(r.error).toBeNull();
    expect(r.status).toBe('changed');
    expect(r.network?.confirm).toBe('confirmed');
    expect(net.pending()).toBe(false);
    expect(net.log()).toContain('confirmed');
    await s.close();
  });

  it('withholds the confirm when a verification fails, so the device rolls the change back', async () => {
    // The 30 lab minutes pass only once the push and the verifications are over.
    const clock = manualLabClock();
    const { connect, net } = await device('junos', { clock });
    const s = await connect();
    const confirm_after = [
      { cli_command: { command: 'show version' } },
      { junos_command: { commands: ['show version'], wait_for: 'result[0] contains 99.9R9', retries: 0 } },
    ];
    const r = await runNetworkTask(s, action, { lines, confirm: 30, confirm_after }, opts);
    expect(r.status).toBe('failed');
    expect(r.network?.confirm).toBe('pending');
    expect(r.error).toContain('confirm_after[1] (junos_command) failed: wait_for did not hold');
    expect(net.pending()).toBe(true);
    clock.elapse(30);
    expect(net.log()).toContain('rolled back: commit confirmed expired');
    expect(net.running()).not.toContain('192.0.2.11');
    await s.close().catch(() => undefined);
  });
});
