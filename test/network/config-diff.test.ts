import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  linesToPush,
  normalise,
  parseConfig,
  stillMissing,
  type ConfigSyntax,
  type Match,
  type Replace,
} from '../../src/network/config-diff.js';

const IOS: ConfigSyntax = {
  syntax: 'indent',
  comments: ['!'],
  ignoreLines: [/^end$/, /^Building configuration/, /^Current configuration/],
};
const JUNOS: ConfigSyntax = { syntax: 'set', comments: ['#'], ignoreLines: [] };

interface Case {
  name: string;
  input: { running: string; lines: string[]; parents: string[]; match: Match; replace: Replace; src: string | null };
  ansible: string[];
}
// Recorded from Ansible's own NetworkConfig by scripts/ansible-diff-cases.py.
const cases = JSON.parse(
  readFileSync(new URL('../fixtures/network/ansible-diff-cases.json', import.meta.url), 'utf8'),
) as Case[];

describe("Ansible's match and replace, on the cases recorded from Ansible", () => {
  it.each(cases)('$name', ({ input, ansible }) => {
    const intent =
      input.src !== null
        ? { text: input.src, match: input.match, replace: input.replace }
        : { lines: input.lines, parents: input.parents, match: input.match, replace: input.replace };
    expect(linesToPush(intent, input.running, { ...IOS, ignoreLines: [] })).toEqual(ansible);
  });
});

const RUNNING = `Building configuration...

Current configuration : 400 bytes
!
hostname r1
banner motd ^C
Authorised access only
^C
interface GigabitEthernet0/0
 description uplink
!
interface GigabitEthernet0/1
 shutdown
!
ntp server 192.0.2.1
end
`;

describe('lines the device rewrites are not reported changed', () => {
  it('an abbreviated interface name matches the full name', () => {
    expect(linesToPush({ lines: ['description uplink'], parents: ['interface gi0/0'] }, RUNNING, IOS)).toEqual([]);
    expect(linesToPush({ lines: ['desc   uplink'], parents: ['int Gi0/0'] }, RUNNING, IOS)).toEqual([]);
  });

  it('no shutdown holds when the interface shows no shutdown, and is pushed when it does', () => {
    expect(linesToPush({ lines: ['no shutdown'], parents: ['interface GigabitEthernet0/0'] }, RUNNING, IOS)).toEqual(
      [],
    );
    expect(linesToPush({ lines: ['no shutdown'], parents: ['interface GigabitEthernet0/1'] }, RUNNING, IOS)).toEqual([
      'interface GigabitEthernet0/1',
      'no shutdown',
    ]);
  });

  it('a top-level negation holds when the line is absent', () => {
    expect(linesToPush({ lines: ['no ntp server 192.0.2.7'] }, RUNNING, IOS)).toEqual([]);
    expect(linesToPush({ lines: ['no ntp server 192.0.2.1'] }, RUNNING, IOS)).toEqual(['no ntp server 192.0.2.1']);
  });

  it('a one-line banner matches the multi-line banner the device shows, whatever the delimiter', () => {
    expect(parseConfig(RUNNING, IOS).map((l) => l.text)).toContain('banner motd ^C Authorised access only^C');
    expect(linesToPush({ lines: ['banner motd #Authorised access only#'] }, RUNNING, IOS)).toEqual([]);
    expect(linesToPush({ lines: ['banner motd ^CAuthorised access only^C'] }, RUNNING, IOS)).toEqual([]);
    expect(linesToPush({ lines: ['banner motd #Go away#'] }, RUNNING, IOS)).toEqual(['banner motd #Go away#']);
  });

  it('diff_ignore_lines keeps matching running lines out of the comparison', () => {
    const running = 'hostname r1\nntp clock-period 17179869\n';
    const intent = { text: 'hostname r1\n', match: 'exact' as const };
    expect(linesToPush(intent, running, IOS)).toEqual(['hostname r1']);
    expect(linesToPush({ ...intent, diffIgnoreLines: [/^ntp clock-period/] }, running, IOS)).toEqual([]);
  });

  it('before and after wrap the pushed lines, and only when something is pushed', () => {
    const intent = { lines: ['ntp server 192.0.2.2'], before: ['no ntp'], after: ['ntp update-calendar'] };
    expect(linesToPush(intent, RUNNING, IOS)).toEqual(['no ntp', 'ntp server 192.0.2.2', 'ntp update-calendar']);
    expect(linesToPush({ ...intent, lines: ['ntp server 192.0.2.1'] }, RUNNING, IOS)).toEqual([]);
  });

  it('normalises whitespace and keyword abbreviations', () => {
    expect(normalise('  int   te1/0/1 ', 'indent')).toBe('interface TenGigabitEthernet1/0/1');
    expect(normalise('no shut', 'indent')).toBe('no shutdown');
  });
});

describe('Junos set lines', () => {
  const running =
    'set version 21.4R3.15\nset system host-name r1\nset system ntp server 192.0.2.1\n' +
    'set interfaces ge-0/0/0 description "uplink"\n';

  it('pushes only set lines the device lacks, quotes or not', () => {
    expect(
      linesToPush(
        { lines: ['set system ntp server 192.0.2.1', 'set interfaces ge-0/0/0 description uplink'] },
        running,
        JUNOS,
      ),
    ).toEqual([]);
    expect(linesToPush({ lines: ['set system ntp server 192.0.2.2'] }, running, JUNOS)).toEqual([
      'set system ntp server 192.0.2.2',
    ]);
  });

  it('a delete holds once nothing is set under it', () => {
    expect(linesToPush({ lines: ['delete system ntp server 192.0.2.9'] }, running, JUNOS)).toEqual([]);
    expect(linesToPush({ lines: ['delete system ntp'] }, running, JUNOS)).toEqual(['delete system ntp']);
  });

  it('stillMissing names intended lines absent after a push', () => {
    expect(
      stillMissing({ lines: ['set system ntp server 192.0.2.1', 'set system ntp server 192.0.2.5'] }, running, JUNOS),
    ).toEqual(['set system ntp server 192.0.2.5']);
  });
});
