import { renderTree } from './indented-config.js';
import { IosDevice, IosSession } from './ios.js';
import { JunosDevice, JunosSession } from './junos.js';
import type { CliPersonality, LabClock } from './personality.js';

/**
 * A lab device's network personality: the OS it plays and the state that outlives a login. The lab
 * creates one per device when started with a platform, and opens one CLI session per interactive shell.
 */

export const LAB_PLATFORMS = ['ios', 'eos', 'junos'] as const;
export type LabPlatform = (typeof LAB_PLATFORMS)[number];

export class NetworkDevice {
  private readonly ios: IosDevice | undefined;
  private readonly junos: JunosDevice | undefined;

  constructor(
    readonly platform: LabPlatform,
    host: string,
    index: number,
    readonly enableSecret: string,
    clock: LabClock,
  ) {
    if (platform === 'junos') this.junos = new JunosDevice(host, index, clock);
    else this.ios = new IosDevice(platform, host, index, enableSecret, clock);
  }

  session(user: string): CliPersonality {
    return this.junos ? new JunosSession(this.junos, user) : new IosSession(this.ios!);
  }

  /** The running configuration, one line per statement (indented for IOS and EOS, set lines for Junos). */
  running(): string {
    if (this.junos) return this.junos.committed.join('\n');
    return renderTree(this.ios!.running, this.platform === 'eos' ? 3 : 1)
      .filter((l) => l !== '!')
      .join('\n');
  }

  /** Whether a change waits for confirmation before its rollback timer ends. */
  pending(): boolean {
    return (this.junos?.pending ?? this.ios?.pending) !== undefined;
  }

  /** Confirmations and rollbacks so far, oldest first. */
  log(): string[] {
    return [...(this.junos?.log ?? this.ios!.log)];
  }
}
