import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  aptGet,
  fnmatch,
  packageSplit,
  parsePolicy,
  parseReverseProvides,
  parseStatus,
  planInstall,
  planRemove,
  preparedDiff,
  type PackageFacts,
} from '../../src/actions/apt-plan.js';
import { compareDebVersions } from '../../src/actions/deb-version.js';

const POLICY = `runbook-hello:
  Installed: 1.0
  Candidate: 2.0
  Version table:
     2.0 500
        500 file:/tmp/repo ./ Packages
 *** 1.0 500
        500 file:/tmp/repo ./ Packages
        100 /var/lib/dpkg/status
virtual-thing:
  Installed: (none)
  Candidate: (none)
  Version table:
`;

describe('apt decisions', () => {
  it('orders Debian versions exactly as dpkg --compare-versions does', () => {
    const versions = ['1.0', '1.0-1', '1.0-2', '1:0.9', '1.0~rc1', '1.0+b1', '1.00', '1.0a', '1.10', '1.9', '2', '0:2'];
    for (const a of versions)
      for (const b of versions) {
        const dpkg = (op: string): boolean => {
          try {
            execFileSync('dpkg', ['--compare-versions', a, op, b]);
            return true;
          } catch {
            return false;
          }
        };
        const ours = Math.sign(compareDebVersions(a, b));
        expect(ours, `${a} vs ${b}`).toBe(dpkg('lt') ? -1 : dpkg('gt') ? 1 : 0);
      }
  });

  it("splits specs as Ansible's package_split, and matches versions as fnmatch", () => {
    expect(packageSplit('nginx')).toEqual({ spec: 'nginx', name: 'nginx' });
    expect(packageSplit('nginx=1.2*')).toEqual({ spec: 'nginx=1.2*', name: 'nginx', cmp: '=', version: '1.2*' });
    expect(packageSplit('nginx>=1.2')).toMatchObject({ name: 'nginx', cmp: '>=', version: '1.2' });
    expect(fnmatch('1.22.1-9', '1.22*')).toBe(true);
    expect(fnmatch('1.3', '1.2*')).toBe(false);
    expect(fnmatch('1.2', '1.[!3]')).toBe(true);
    expect(fnmatch('1.3', '1.[!3]')).toBe(false);
    expect(fnmatch('1+2', '1+2')).toBe(true);
  });

  it('reads apt-cache policy and dpkg-query, and apt-cache showpkg providers', () => {
    const policy = parsePolicy(POLICY);
    expect(policy.get('runbook-hello')).toEqual({ installed: '1.0', candidate: '2.0', versions: ['2.0', '1.0'] });
    expect(policy.get('virtual-thing')).toEqual({ installed: null, candidate: null, versions: [] });
    const facts = parseStatus(`runbook-hello|ii |1.0\nold|rc |0.5\n--- apt-cache policy ---\n${POLICY}`);
    expect(facts.get('old')).toEqual({ dpkg: { abbrev: 'rc', version: '0.5' } });
    expect(facts.get('runbook-hello')?.dpkg).toEqual({ abbrev: 'ii', version: '1.0' });
    expect(
      parseReverseProvides('Package: mta\nReverse Provides: \nexim4-daemon-light 4.96 (= )\npostfix 3.7\n'),
    ).toEqual(['exim4-daemon-light', 'postfix']);
  });

  it('installs only what is missing, at another version than asked, or older than the candidate for latest', () => {
    const facts = new Map<string, PackageFacts>([
      [
        'hello',
        {
          dpkg: { abbrev: 'ii', version: '1.0' },
          policy: { installed: '1.0', candidate: '2.0', versions: ['2.0', '1.0'] },
        },
      ],
      ['tool', { policy: { installed: null, candidate: '3.0', versions: ['3.0'] } }],
      ['gone', { dpkg: { abbrev: 'rc', version: '0.5' }, policy: { installed: null, candidate: null, versions: [] } }],
      ['mta', { providers: ['postfix'] }],
    ]);
    const plan = (specs: string[], upgrade = false) =>
      planInstall(specs.map(packageSplit), facts, { upgrade, onlyUpgrade: false, buildDep: false }, compareDebVersions);
    expect(plan(['hello']).install).toEqual([]);
    expect(plan(['hello'], true).install).toEqual(['hello=2.0']);
    expect(plan(['hello', 'tool']).install).toEqual(['tool=3.0']);
    expect(plan(['hello=1.0']).install).toEqual([]);
    expect(plan(['hello=2*']).install).toEqual(['hello=2.0']);
    expect(plan(['hello>=1.0']).install).toEqual([]);
    expect(plan(['hello=9']).failure).toBe('no available installation candidate for hello=9');
    expect(plan(['nowhere']).failure).toBe("No package matching 'nowhere' is available");
    expect(plan(['mta']).install).toEqual(['mta']);
    expect(plan(['hello', 'tool']).names).toEqual(['hello', 'tool']);

    const remove = (specs: string[], purge: boolean) =>
      planRemove(specs.map(packageSplit), facts, purge, compareDebVersions);
    expect(remove(['hello', 'tool', 'gone', 'nowhere'], false)).toEqual(['hello']);
    expect(remove(['hello', 'tool', 'gone', 'nowhere'], true)).toEqual(['hello', 'gone']);
    expect(remove(['hello=2.0'], false)).toEqual([]);
  });

  it("builds apt-get's command line with Ansible's flags, and its plan for --diff", () => {
    const line = aptGet('install', ['hello=2.0', "it's"], {
      check: true,
      dpkgOptions: 'force-confdef,force-confold',
      lockTimeout: 60,
      installRecommends: false,
      autoremove: true,
    });
    expect(line).toBe(
      'DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LANG=C LC_ALL=C LC_MESSAGES=C LC_CTYPE=C ' +
        'apt-get -q -y -o DPkg::Lock::Timeout=60 -o Dpkg::Options::=--force-confdef ' +
        '-o Dpkg::Options::=--force-confold --auto-remove --simulate -o APT::Install-Recommends=no ' +
        `install hello=2.0 'it'"'"'s'`,
    );
    const out = [
      'Reading package lists...',
      'Building dependency tree...',
      'Reading state information...',
      'The following NEW packages will be installed:',
      '  hello',
      '0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.',
      'Inst hello (1.0 local [all])',
    ].join('\n');
    expect(preparedDiff(out)).toBe(
      'The following NEW packages will be installed:\n  hello\n' +
        '0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.',
    );
  });
});
