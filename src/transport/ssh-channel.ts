import type { SFTPWrapper } from 'ssh2';
import type { TransportError } from './transport.js';

/** A channel we may have to close early: exec streams get a KILL first, SFTP just ends. */
export interface OpenChannel {
  stop(): void;
  closed: Promise<void>;
  isClosed(): boolean;
}

export interface OperationContext {
  /** Registers the channel so a timeout or abort can close it. */
  opened(channel: OpenChannel): void;
}

/** What an operation on a channel needs from the session it runs on. */
export interface ChannelHost {
  /** `host:port`, for messages. */
  readonly where: string;
  /** Why the connection can no longer be used, once it cannot. */
  readonly lost: TransportError | undefined;
  /**
   * Runs `body` after the session's previous channel operation, with its timeout, abort signal and
   * link-loss handling.
   */
  operate<T>(
    what: string,
    opts: { timeoutMs?: number; signal?: AbortSignal },
    body: (ctx: OperationContext) => Promise<T>,
  ): Promise<T>;
  /** Opens an SFTP channel, registered with `ctx` so a timeout or abort can close it. */
  openSftp(ctx: OperationContext): Promise<SFTPWrapper>;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
