import { expect } from 'vitest';
import { TransportError, type Session } from '../../src/transport/transport.js';

/** The failure `promise` ends with; fails the test when it succeeds or throws something unclassified. */
export async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    const value = await promise;
    if (value && typeof (value as Session).close === 'function') await (value as Session).close();
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return err as TransportError;
  }
  throw new Error('expected a TransportError, but the operation succeeded');
}
