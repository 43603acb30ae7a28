import { describe, expect, it } from 'vitest';
import type { LabClock } from '../../src/lab/lab.js';
import { useLabs } from '../support/fixtures.js';
import { manualLabClock } from '../support/lab-clock.js';
import { until } from '../support/wait.js';
import { connect } from './ssh.js';
import { Terminal } from './terminal.js';

const { lab: startLab } = useLabs();

async function login(platform: 'ios' | 'eos' | 'junos', opts: { faults?: string[]; clock?: LabClock } = {}) {
  const lab = await startLab({ hosts: 1, platform, ...opts });
  const client = await connect(lab, 'r001');
  const term = await Terminal.open(client);
  return { lab, client, term };
}

async function enable(term: Terminal) {
  await term.expect(/r001>$/);
  term.send('enable');
  await term.expect(/Password: $/);
  return term.run('lab-enable', /r001#$/);
}

describe('IOS personality', () => {
  it('asks for the enable password and refuses a wrong one', async () => {
    const { term } = await login('ios');
    await term.expect(/r001>$/);
    term.send('enable');
    await term.expect(/Password: $/);
    const wrong = await term.run('nope', /r001>$/);
    expect(wrong).toContain('% Access denied');
    expect(wrong).not.toContain('nope');
    term.send('enable');
    await term.expect(/Password: $/);
    await term.run('lab-enable', /r001#$/);
  });

  it('puts the caret under the misspelt word and says so as IOS does', async () => {
    const { term } = await login('ios');
    await enable(term);
    await term.run('configure terminal', /r001\(config\)#$/);
    const out = await term.run('ntp srever 192.0.2.5', /r001\(config\)#$/);
    const lines = out.split('\n');
    const caret = lines.find((l) => l.trim() === '^')!;
    expect(caret.indexOf('^')).toBe('r001(config)#ntp '.length);
    expect(out).toContain("% Invalid input detected at '^' marker.");
    expect(await term.run('l 1', /#$/)).toContain('% Ambiguous command:  "l"');
    expect(await term.run('ntp server', /#$/)).toContain('% Incomplete command.');
  });

  it('keeps accepted lines in the running config the way IOS rewrites them', async () => {
    const { lab, term } = await login('ios');
    await enable(term);
    await term.run('conf t', /\(config\)#$/);
    await term.run('int gi0/1', /\(config-if\)#$/);
    await term.run('desc  to   core', /\(config-if\)#$/);
    await term.run('no shut', /\(config-if\)#$/);
    // A global command inside a block closes the block.
    await term.run('ntp server 192.0.2.7', /\(config\)#$/);
    await term.run('end', /r001#$/);
    const running = lab.network('r001')!.running();
    expect(running).toContain('interface GigabitEthernet0/1\n no ip address\n description to core\n');
    expect(running).not.toMatch(/shutdown/);
    expect(running).toContain('ntp server 192.0.2.7');
    term.send('show running-config');
    await term.expect(/ --More-- $/);
    term.key('q');
    await term.expect(/r001#$/);
  });

  it('pages output until paging is turned off, and a key shows the next page', async () => {
    const { term } = await login('ios');
    await enable(term);
    term.send('show running-config');
    await term.expect(/ --More-- $/);
    term.key(' ');
    await term.expect(/r001#$/);
    await term.run('terminal length 0', /r001#$/);
    const all = await term.run('show running-config', /r001#$/);
    expect(all).not.toContain('--More--');
    expect(all).toContain('Current configuration');
  });

  it('truncates a long hostname in config mode prompts', async () => {
    const { term } = await login('ios');
    await enable(term);
    await term.run('configure terminal', /\(config\)#$/);
    const out = await term.run('hostname core-router-in-amsterdam-01', /\(config\)#$/);
    expect(out.split('\n').pop()).toBe('core-router-in-amste(config)#');
    expect(await term.run('end', /#$/)).toMatch(/core-router-in-amsterdam-01#$/);
  });

  it('rolls back on the revert timer unless confirmed, also after the session drops', async () => {
    const clock = manualLabClock();
    const { lab, client, term } = await login('ios', { clock });
    await enable(term);
    await term.run('configure terminal revert timer 1', /\(config\)#$/);
    await term.run('logging host 192.0.2.50', /\(config\)#$/);
    await term.run('end', /r001#$/);
    expect(lab.network('r001')!.running()).toContain('logging host 192.0.2.50');
    expect(lab.network('r001')!.pending()).toBe(true);
    client.end();
    await until(() => lab.counters('r001').concurrentSessions === 0, 'the session to drop');
    expect(lab.network('r001')!.pending()).toBe(true);
    clock.elapse(1);
    expect(lab.network('r001')!.pending()).toBe(false);
    expect(lab.network('r001')!.running()).not.toContain('logging host 192.0.2.50');
    expect(lab.network('r001')!.log()).toEqual(['rolled back: revert timer expired']);
  });

  it('keeps a change confirmed with configure confirm', async () => {
    // The revert timer's minute passes when the test says so: after the confirm, however slow the machine.
    const clock = manualLabClock();
    const { lab, term } = await login('ios', { clock });
    await enable(term);
    await term.run('configure terminal revert timer 1', /\(config\)#$/);
    await term.run('logging host 192.0.2.51', /\(config\)#$/);
    await term.run('end', /r001#$/);
    expect(lab.network('r001')!.pending()).toBe(true);
    await term.run('configure confirm', /r001#$/);
    clock.elapse(1);
    expect(lab.network('r001')!.running()).toContain('logging host 192.0.2.51');
    expect(lab.network('r001')!.log()).toEqual(['confirmed']);
  });

  it('refuses the revert timer without an archive path', async () => {
    const { term } = await login('ios');
    await enable(term);
    await term.run('configure terminal', /\(config\)#$/);
    await term.run('no archive', /\(config\)#$/);
    await term.run('end', /r001#$/);
    expect(await term.run('show archive', /r001#$/)).toContain('Archive feature not enabled');
    expect(await term.run('configure terminal revert timer 5', /r001#$/)).toContain('Archive feature not enabled');
  });
});

describe('EOS personality', () => {
  it('stages lines in a session, shows the diff, and a commit timer rolls back unless confirmed', async () => {
    const clock = manualLabClock();
    const { lab, term } = await login('eos', { clock });
    await enable(term);
    await term.run('terminal length 0', /r001#$/);
    await term.run('configure session rb1', /r001\(config-s-rb1\)#$/);
    await term.run('interface et2', /r001\(config-s-rb1-if-Et2\)#$/);
    await term.run('description spare', /\(config-s-rb1-if-Et2\)#$/);
    await term.run('exit', /r001\(config-s-rb1\)#$/);
    expect(lab.network('r001')!.running()).not.toContain('description spare');
    expect(await term.run('show session-config diffs', /\(config-s-rb1\)#$/)).toContain('+   description spare');
    await term.run('commit timer 00:01:00', /r001#$/);
    expect(lab.network('r001')!.running()).toMatch(/interface Ethernet2\n   shutdown\n   description spare/);
    clock.elapse(1);
    expect(lab.network('r001')!.pending()).toBe(false);
    expect(lab.network('r001')!.running()).not.toContain('description spare');
  });

  it('says % Invalid input for a bad line', async () => {
    const { term } = await login('eos');
    await enable(term);
    await term.run('configure session x', /\(config-s-x\)#$/);
    expect(await term.run('ntp sevrer 1.2.3.4', /\(config-s-x\)#$/)).toContain(
      "% Invalid input (at token 1: 'sevrer')",
    );
  });
});

describe('Junos personality', () => {
  it('stages a private candidate, compares, checks, and rolls back an unconfirmed commit', async () => {
    const clock = manualLabClock();
    const { lab, client, term } = await login('junos', { clock });
    await term.expect(/netops@r001> $/);
    await term.run('set cli screen-length 0', /> $/);
    const entered = await term.run('configure private', /\[edit\]\nnetops@r001# $/);
    expect(entered).toContain('warning: uncommitted changes will be discarded on exit');
    await term.run('set system ntp server 192.0.2.9', /# $/);
    expect(await term.run('show | compare', /# $/)).toContain('[edit system ntp server]\n+   192.0.2.9;');
    expect(await term.run('commit check', /# $/)).toContain('configuration check succeeds');
    const committed = await term.run('commit confirmed 1', /# $/);
    expect(committed).toContain('commit confirmed will be automatically rolled back in 1 minutes unless confirmed');
    expect(lab.network('r001')!.running()).toContain('set system ntp server 192.0.2.9');
    client.end();
    await until(() => lab.counters('r001').concurrentSessions === 0, 'the session to drop');
    expect(lab.network('r001')!.pending()).toBe(true);
    clock.elapse(1);
    expect(lab.network('r001')!.pending()).toBe(false);
    expect(lab.network('r001')!.running()).not.toContain('192.0.2.9');
  });

  it('reports a syntax error with a caret and rolls a candidate back', async () => {
    const { lab, term } = await login('junos');
    await term.expect(/> $/);
    await term.run('configure', /# $/);
    const out = await term.run('set system ntpp server 1.2.3.4', /# $/);
    expect(out).toContain('syntax error.');
    expect(
      out
        .split('\n')
        .find((l) => l.trim() === '^')!
        .indexOf('^'),
    ).toBe('netops@r001# set system '.length);
    await term.run('set system host-name edge9', /# $/);
    expect(await term.run('rollback 0', /# $/)).toContain('load complete');
    expect(await term.run('show | compare', /# $/)).not.toContain('edge9');
    expect(lab.network('r001')!.running()).toContain('host-name r001');
  });
});

describe('network CLI faults', () => {
  it('shows a login banner with a prompt-like line before the real prompt', async () => {
    const { term } = await login('ios', { faults: ['r001:banner'] });
    const first = await term.expect(/r001>$/);
    expect(first).toContain('Authorised access only');
    expect(first).toContain('lab-console#');
  });

  it('denies matching lines with the OS authorization error', async () => {
    const { term } = await login('ios', { faults: ['r001:deny:^logging'] });
    await enable(term);
    await term.run('configure terminal', /\(config\)#$/);
    expect(await term.run('logging host 192.0.2.1', /\(config\)#$/)).toContain('Command authorization failed.');
  });

  it('cuts the session after N config lines', async () => {
    const { lab, term } = await login('ios', { faults: ['r001:cut:2'] });
    await enable(term);
    await term.run('configure terminal', /\(config\)#$/);
    await term.run('logging host 192.0.2.1', /\(config\)#$/);
    term.send('logging host 192.0.2.2');
    await term.waitClosed();
    expect(lab.network('r001')!.running()).toContain('logging host 192.0.2.2');
  });

  it('keeps paging when the more fault ignores terminal length 0', async () => {
    const { term } = await login('ios', { faults: ['r001:more'] });
    await enable(term);
    await term.run('terminal length 0', /r001#$/);
    term.send('show running-config');
    await term.expect(/ --More-- $/);
  });
});

describe('network fault specs', () => {
  it('parses and refuses the network CLI kinds', async () => {
    const { parseFaultSpec, formatFaultSpec } = await import('../../src/lab/faults.js');
    expect(formatFaultSpec(parseFaultSpec('r0*:slowcmd:2s'))).toBe('r0*:slowcmd:2000ms');
    expect(formatFaultSpec(parseFaultSpec('site2:deny:^ntp server'))).toBe('site2:deny:^ntp server');
    expect(formatFaultSpec(parseFaultSpec('r001:cut:3'))).toBe('r001:cut:3');
    expect(() => parseFaultSpec('r001:cut:x')).toThrow('cut needs a number of config lines');
    expect(() => parseFaultSpec('r001:deny:(')).toThrow('is not a regular expression');
    expect(() => parseFaultSpec('r001:banner:1')).toThrow('banner takes no argument');
  });
});
