import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const SITE = join(ROOT, 'test/fixtures/apply/site.yml');
const { lab, tempDir } = useLabs();

describe('runbook apply says each failure reason whole, once', () => {
  it('unknown host keys: whole advice on the first line, the rest point at it, the report says it once', async () => {
    const fleet = await lab({ hosts: 3 });
    const dir = tempDir();
    // Strict checking against an empty known_hosts: every host fails the same way.
    writeFileSync(join(dir, 'known_hosts'), '');
    const inventory = readFileSync(fleet.inventoryPath, 'utf8').replace(fleet.knownHostsPath, join(dir, 'known_hosts'));
    writeFileSync(join(dir, 'inventory.yml'), inventory);
    const r = await runCli(['apply', SITE, '-i', join(dir, 'inventory.yml'), '--run-dir', dir, '--forks', '1']);
    expect(r.code).toBe(2);
    const progress = r.stdout.split('\n').filter((l) => l.startsWith('['));
    expect(progress).toHaveLength(3);
    const advice = '(host_key_checking is strict; add the host or use accept-new)';
    expect(progress[0]).toMatch(
      /^\[1\/3\] r00\d +unreachable +host_key: 127\.0\.0\.1:\d+: ssh-ed25519 key SHA256:\S+ is not in .*known_hosts /,
    );
    expect(progress[0]).toContain(advice);
    const first = /r00\d/.exec(progress[0]!)![0];
    for (const line of progress.slice(1))
      expect(line).toMatch(new RegExp(`unreachable +host_key \\(as ${first}\\) \\(\\S+\\)$`));
    expect(r.stdout).toMatch(
      new RegExp(
        /\nwhy hosts failed:\n {2}3 hosts: r00\d, r00\d, r00\d\n/.source +
          / {4}host_key: 127\.0\.0\.1:\d+: .*/.source +
          / \(host_key_checking is strict; add the host or use accept-new\)\n/.source,
      ),
    );
    // Once in progress, once in the reasons: never cut, never repeated per host.
    expect(r.stdout.split(advice)).toHaveLength(3);
  });

  it('a failed command shows the end of its stderr under its line and in the report', async () => {
    const fleet = await lab({ hosts: 2, faults: ['r002:fail'] });
    const dir = tempDir();
    const r = await runCli(['apply', SITE, '-i', fleet.inventoryPath, '--run-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        /\] r002 +failed +command: Read version: exit status 1 \(\S+\)/.source +
          /\n {4}stderr \| % r002: command failed: device error \(injected fault\)\n/.source,
      ),
    );
    expect(r.stdout).toContain(
      'why hosts failed:\n  r002\n    command: Read version: exit status 1\n' +
        '    stderr (last line):\n      | % r002: command failed: device error (injected fault)\n',
    );
  });
});
