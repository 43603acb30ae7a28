import { describe, expect, it } from 'vitest';
import type { LabPlatform } from '../../src/lab/lab.js';
import type { NetworkConnection } from '../../src/inventory/network.js';
import { loadPlatforms } from '../../src/network/platform.js';
import { CliError } from '../../src/transport/network-cli/channel.js';
import type { NetworkCliSession } from '../../src/transport/network-cli/session.js';
import { NetworkCliTransport } from '../../src/transport/network-cli/transport.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { useLabs } from '../support/fixtures.js';
import { networkTarget } from '../support/network-target.js';
import { failure } from '../support/transport.js';

const { lab: startLab } = useLabs();
const catalog = loadPlatforms().catalog;
const ENV = { RUNBOOK_LAB_ENABLE: 'lab-enable' };

async function open(
  platform: LabPlatform,
  opts: { faults?: string[]; network?: Partial<NetworkConnection>; env?: NodeJS.ProcessEnv } = {},
) {
  const lab = await startLab({ hosts: 1, platform, ...(opts.faults ? { faults: opts.faults } : {}) });
  const transport = new NetworkCliTransport(new SshTransport({ env: opts.env ?? ENV }), () => catalog, opts.env ?? ENV);
  return {
    lab,
    transport,
    connect: () => transport.connect(networkTarget(lab, 'r001', opts.network), { timeoutMs: 10_000 }),
  };
}

describe('network_cli against the lab', () => {
  it('logs in to IOS, enables with the password from the environment, and turns paging off', async () => {
    const { connect } = await open('ios');
    const s = (await connect()) as NetworkCliSession;
    expect(s.channel.mode).toBe('privileged');
    const run = await s.exec('show running-config');
    expect(run.rc).toBe(0);
    expect(run.stdout).toContain('hostname r001');
    expect(run.stdout).not.toContain('show running-config');
    expect(run.stdout).not.toMatch(/r001#$/);
    await s.close();
  });

  it('reports a rejected line with the device text and a non-zero status', async () => {
    const { connect } = await open('ios');
    const s = await connect();
    const r = await s.exec('show runnig-config');
    expect(r.rc).toBe(1);
    expect(r.stderr).toBe("% Invalid input detected at '^' marker.");
    await s.close();
  });

  it('counts a wrong enable password as an authentication failure', async () => {
    const { connect } = await open('ios', { env: { RUNBOOK_LAB_ENABLE: 'wrong' } });
    const err = await failure(connect());
    expect(err.reason).toBe('auth');
    expect(err.message).toContain('% Access denied');
    expect(err.message).not.toContain('wrong');
  });

  it('refuses to escalate without a password', async () => {
    const { connect } = await open('eos', { env: {} });
    const err = await failure(connect());
    expect(err.reason).toBe('auth');
    expect(err.message).toContain('needs a password');
  });

  it('stays in user exec without become', async () => {
    const { connect } = await open('ios', { network: { become: false } });
    const s = (await connect()) as NetworkCliSession;
    expect(s.channel.mode).toBe('exec');
    expect((await s.exec('show version')).stdout).toContain('Cisco IOS XE Software');
    await s.close();
  });

  it('is not fooled by a login banner holding a prompt-like line', async () => {
    const { connect } = await open('ios', { faults: ['r001:banner'] });
    const s = (await connect()) as NetworkCliSession;
    expect(s.channel.prompt).toBe('r001#');
    expect((await s.exec('show version')).stdout).toContain('uptime');
    await s.close();
  });

  it('fails loudly when the device keeps paging', async () => {
    const { connect } = await open('ios', { faults: ['r001:more'] });
    const s = await connect();
    const err = await s.exec('show running-config').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toContain('paging');
    // The pager was left: the session still answers.
    expect((await s.exec('show version')).rc).toBe(0);
    await s.close();
  });

  it('times a slow command out with the per-command timeout', async () => {
    const { lab, connect } = await open('ios');
    const s = await connect();
    lab.setFault('r001:slowcmd:2s');
    const err = await failure(s.exec('show version', { timeoutMs: 300 }));
    expect(err.reason).toBe('timeout');
  });

  it('drives Junos from operational mode with its screen settings', async () => {
    const { connect } = await open('junos');
    const s = (await connect()) as NetworkCliSession;
    expect(s.channel.prompt).toBe('netops@r001>');
    const conf = await s.exec('show configuration | display set');
    expect(conf.stdout.split('\n')).toContain('set system host-name r001');
    await s.enter('config');
    expect(s.channel.mode).toBe('config');
    const bad = await s.run('set system ntpp server 1.2.3.4');
    expect(bad.rejected).toBe('syntax error.');
    await s.close();
  });

  it('opens an EOS session with enable and leaves config mode by the profile', async () => {
    const { connect } = await open('eos');
    const s = (await connect()) as NetworkCliSession;
    await s.enter('config');
    expect(s.channel.prompt).toBe('r001(config)#');
    await s.enter('privileged');
    expect(s.channel.prompt).toBe('r001#');
    await s.close();
  });

  it('reports a session cut in config mode as a dropped link', async () => {
    const { connect } = await open('ios', { faults: ['r001:cut:1'] });
    const s = (await connect()) as NetworkCliSession;
    await s.enter('config');
    const err = await failure(s.run('logging host 192.0.2.1'));
    expect(err.reason).toBe('dropped');
  });

  it('passes hosts without a network connection to SSH', async () => {
    const lab = await startLab({ hosts: 1 });
    const transport = new NetworkCliTransport(new SshTransport({ env: ENV }), () => catalog);
    const t = networkTarget(lab, 'r001');
    delete t.network;
    const s = await transport.connect(t, { timeoutMs: 10_000 });
    expect((await s.exec('hostname')).stdout).toBe('r001\n');
    await s.close();
  });
});
