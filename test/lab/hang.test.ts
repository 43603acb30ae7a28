import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useLabs } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/** A `hang` device never answers, but it still notices a client that gave up and lets the connection go. */

const fixtures = useLabs({ seed: 6 });

describe('a hang device', () => {
  it('closes each connection its client leaves: none stays open, none inflates the concurrency peak', async () => {
    const l = await fixtures.lab({ hosts: 1, faults: ['r001:hang'] });
    const port = Number(/port: (\d+)/.exec(readFileSync(l.inventoryPath, 'utf8'))![1]);
    for (let i = 0; i < 5; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      await until(() => l.fleetCounters().openConnections === 1, 'the device to count the connection');
      socket.end('SSH-2.0-client\r\n');
      await until(() => l.fleetCounters().openConnections === 0, 'the device to close the connection');
      socket.destroy();
    }
    expect(l.fleetCounters().connections).toBe(5);
    expect(l.fleetCounters().maxConcurrentConnections).toBe(1);
  });
});
