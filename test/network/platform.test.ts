import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { loadPlatformText, loadPlatforms, type PlatformProfile } from '../../src/network/platform.js';
import { lastLine, modeOfPrompt, rejection } from '../../src/network/prompt.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();

function shipped(name: string): PlatformProfile {
  const { catalog, diagnostics } = loadPlatforms();
  expect(diagnostics).toEqual([]);
  const p = catalog.resolve(name);
  if (!p) throw new Error(`no profile ${name}`);
  return p;
}

const MINIMAL = `name: acme
prompts:
  exec: { pattern: '^\\w+>$' }
default_mode: exec
errors: ['^% ']
config:
  { model: immediate, running: show config, syntax: indent, mode: exec, enter: [conf], exit: [end], safety_net: none }
`;

describe('shipped platform profiles', () => {
  it('loads ios, iosxr, nxos, eos and junos without a problem', () => {
    const { catalog, diagnostics } = loadPlatforms();
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(catalog.names()).toEqual(['eos', 'ios', 'iosxr', 'junos', 'nxos']);
  });

  it('resolves Ansible network_os names, FQCN and short', () => {
    const { catalog } = loadPlatforms();
    expect(catalog.resolve('cisco.ios.ios')?.name).toBe('ios');
    expect(catalog.resolve('ios')?.name).toBe('ios');
    expect(catalog.resolve('cisco.iosxr.iosxr')?.name).toBe('iosxr');
    expect(catalog.resolve('cisco.nxos.nxos')?.name).toBe('nxos');
    expect(catalog.resolve('arista.eos.eos')?.name).toBe('eos');
    expect(catalog.resolve('junipernetworks.junos.junos')?.name).toBe('junos');
    expect(catalog.resolve('vyos.vyos.vyos')).toBeUndefined();
  });

  it('tells IOS modes apart by prompt, including the truncated hostname in config mode', () => {
    const ios = shipped('ios');
    expect(modeOfPrompt(ios, 'core-rtr-01>')).toBe('exec');
    expect(modeOfPrompt(ios, 'core-rtr-01#')).toBe('privileged');
    expect(modeOfPrompt(ios, 'core-rtr-0(config)#')).toBe('config');
    expect(modeOfPrompt(ios, 'core-rtr-0(config-if)#')).toBe('config');
    expect(modeOfPrompt(ios, 'core-rtr-01(tcl)#')).toBeUndefined();
    expect(modeOfPrompt(ios, 'Building configuration...')).toBeUndefined();
  });

  it('tells EOS session mode from plain config mode through excludes', () => {
    const eos = shipped('eos');
    expect(modeOfPrompt(eos, 'leaf1#')).toBe('privileged');
    expect(modeOfPrompt(eos, 'leaf1(config)#')).toBe('config');
    expect(modeOfPrompt(eos, 'leaf1(config-s-runboo)#')).toBe('session');
    expect(modeOfPrompt(eos, 'leaf1(config-s-runboo-if-Et1)#')).toBe('session');
  });

  it('knows Junos operational and configuration prompts', () => {
    const junos = shipped('junos');
    expect(modeOfPrompt(junos, 'netops@mx1>')).toBe('exec');
    expect(modeOfPrompt(junos, 'netops@mx1# ')).toBe('config');
  });

  it('finds the device rejection line in output', () => {
    const ios = shipped('ios');
    const out = "ntp server 1.1.1.1 prefr\n                       ^\n% Invalid input detected at '^' marker.\n";
    expect(rejection(ios, out)).toBe("% Invalid input detected at '^' marker.");
    expect(rejection(ios, 'ntp server 1.1.1.1\n')).toBeUndefined();
    const junos = shipped('junos');
    expect(rejection(junos, 'set system foo\n                  ^\nsyntax error.\n')).toBe('syntax error.');
    expect(lastLine('a\r\nb\nrouter#')).toBe('router#');
  });

  it('arms the safety net each platform has', () => {
    expect(shipped('ios').config.enterConfirmed).toEqual(['configure terminal revert timer {minutes}']);
    expect(shipped('junos').config.commitConfirmed).toEqual(['commit confirmed {minutes}']);
    expect(shipped('eos').config.safetyNet).toBe('session_timer');
    expect(shipped('nxos').config.safetyNet).toBe('checkpoint');
    expect(shipped('iosxr').config.model).toBe('candidate');
  });
});

describe('loading a profile like a playbook', () => {
  it('accepts a minimal profile', () => {
    const r = loadPlatformText(MINIMAL, 'acme.yml');
    expect(r.diagnostics).toEqual([]);
    expect(r.profile?.timeouts.commandMs).toBe(30_000);
  });

  it('reports an unknown key at its place with a suggestion', () => {
    const r = loadPlatformText(MINIMAL.replace('errors:', 'erors:'), 'acme.yml');
    expect(r.diagnostics.map(formatDiagnostic)).toContain('acme.yml:5:1: unknown key "erors" (did you mean "errors"?)');
  });

  it('reports a regular expression that does not compile at the pattern', () => {
    const r = loadPlatformText(MINIMAL.replace("'^% '", "'^(% '"), 'acme.yml');
    expect(r.profile).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(formatDiagnostic(r.diagnostics[0]!)).toMatch(/^acme\.yml:5:10: not a valid regular expression/);
  });

  it('reports a mode that has no prompt', () => {
    const r = loadPlatformText(MINIMAL.replace('default_mode: exec', 'default_mode: privileged'), 'acme.yml');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'acme.yml:4:15: no prompt is defined for mode "privileged" (modes with prompts: exec)',
    ]);
  });

  it('refuses a safety net without the commands that arm it', () => {
    const r = loadPlatformText(MINIMAL.replace('safety_net: none', 'safety_net: commit_confirmed'), 'acme.yml');
    expect(r.diagnostics.map((d) => d.message)).toContain('safety_net commit_confirmed needs config.commit_confirmed');
  });
});

describe('user platforms', () => {
  it('adds a platform from RUNBOOK_PLATFORMS and lets it replace a shipped one', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'acme.yml'), MINIMAL);
    writeFileSync(join(dir, 'ios.yml'), MINIMAL.replace('name: acme', 'name: ios'));
    const { catalog, diagnostics } = loadPlatforms({ envPath: dir });
    expect(diagnostics).toEqual([]);
    expect(catalog.resolve('acme')?.name).toBe('acme');
    expect(catalog.resolve('ios')?.config.running).toBe('show config');
    expect(catalog.resolve('cisco.ios.ios')?.config.running).toBe('show running-config');
  });

  it('reports a broken user profile with its file and place', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'acme.yml'), MINIMAL.replace('model: immediate', 'model: instant'));
    const { diagnostics } = loadPlatforms({ envPath: dir });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.file).toMatch(/acme\.yml$/);
    expect(diagnostics[0]!.line).toBe(MINIMAL.split('\n').findIndex((l) => l.includes('model: immediate')) + 1);
  });

  it("loads a playbook's platforms folder and refuses one that leaves the playbook's folder", () => {
    const root = tempDir();
    const play = join(root, 'play');
    mkdirSync(join(play, 'platforms'), { recursive: true });
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(play, 'platforms', 'acme.yml'), MINIMAL);
    symlinkSync(join(root, 'elsewhere'), join(play, 'escape'));
    const loc = { file: 'site.yml', line: 3, col: 12 };
    expect(
      loadPlatforms({ playbookDir: play, playbookPlatforms: 'platforms', playbookLoc: loc }).catalog.resolve('acme'),
    ).toBeDefined();
    for (const bad of ['../elsewhere', 'escape', '/etc']) {
      const { diagnostics } = loadPlatforms({ playbookDir: play, playbookPlatforms: bad, playbookLoc: loc });
      expect(diagnostics.map(formatDiagnostic)[0]).toMatch(/^site\.yml:3:12: platforms: /);
    }
  });
});
