import { describe, expect, it } from 'vitest';
import {
  aborted,
  dnfCommand,
  parseRpmQuery,
  planDnf,
  transactionResults,
  unmatched,
} from '../../src/actions/dnf-plan.js';

/** What dnf 4 prints, as captured from Debian's dnf in the C locale. */
const PLANNED = `Dependencies resolved.
================================================================================
 Package                       Architecture  Version        Repository     Size
================================================================================
Installing:
 runbook-hello                 noarch        1.0-1          runbook       6.3 k
 a-package-with-a-rather-long-name-indeed
                               noarch        2:3.1-4.fc38   runbook        12 k
Removing:
 old-thing                     x86_64        0.9-1          @System        20 k

Transaction Summary
================================================================================
Install  2 Packages
Remove   1 Package

Total size: 18 k
Operation aborted.
`;

const DONE = `Running transaction
  Preparing        :                                                        1/1
  Installing       : runbook-hello-1.0-1.noarch                             1/1
  Verifying        : runbook-hello-1.0-1.noarch                             1/1

Upgraded:
  runbook-tool-2.0-1.noarch
Installed:
  runbook-hello-1.0-1.noarch   runbook-dep-1.1-1.noarch

Complete!
`;

describe('dnf decisions', () => {
  it("reads the transaction dnf would run (--assumeno) and the one it ran, as Ansible's results", () => {
    expect(transactionResults(PLANNED)).toEqual([
      'Installed: runbook-hello-1.0-1.noarch',
      'Installed: a-package-with-a-rather-long-name-indeed-2:3.1-4.fc38.noarch',
      'Removed: old-thing-0.9-1.x86_64',
    ]);
    expect(aborted(PLANNED)).toBe(true);
    expect(transactionResults(DONE)).toEqual([
      'Installed: runbook-tool-2.0-1.noarch',
      'Installed: runbook-hello-1.0-1.noarch',
      'Installed: runbook-dep-1.1-1.noarch',
    ]);
    expect(transactionResults('Dependencies resolved.\nNothing to do.\nComplete!\n')).toEqual([]);
    expect(unmatched('No match for argument: nope\nError: Unable to find a match: nope\n')).toEqual(['nope']);
  });

  it('asks dnf only for what rpm does not already have as asked', () => {
    const installed = parseRpmQuery('a\ta-1.0-1.noarch\nb\t\nc\tc-2-1.x86_64\n');
    expect(installed.get('b')).toBeNull();
    expect(planDnf(['a', 'b'], installed, 'present', false)).toEqual({ install: ['b'], upgrade: [], remove: [] });
    expect(planDnf(['a', 'b'], installed, 'latest', false)).toEqual({ install: ['b'], upgrade: ['a'], remove: [] });
    expect(planDnf(['a', 'b'], installed, 'latest', true)).toEqual({ install: [], upgrade: ['a'], remove: [] });
    expect(planDnf(['a', 'b', 'c'], installed, 'absent', false)).toEqual({
      install: [],
      upgrade: [],
      remove: ['a', 'c'],
    });
  });

  it('builds the command line: -y for real, --assumeno under --check', () => {
    expect(dnfCommand('install', ['runbook-hello'], { check: false, disablerepo: ['*'], enablerepo: ['local'] })).toBe(
      "LANG=C LC_ALL=C dnf -y '--disablerepo=*' --enablerepo=local install -- runbook-hello",
    );
    expect(dnfCommand('remove', ['x y'], { check: true, autoremove: true })).toBe(
      "LANG=C LC_ALL=C dnf --assumeno --setopt=clean_requirements_on_remove=True remove -- 'x y'",
    );
  });
});
