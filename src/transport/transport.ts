import type { Connection } from '../inventory/connection.js';

/** Every way of failing to reach or keep talking to a host. */
export const TRANSPORT_FAILURES = ['refused', 'timeout', 'auth', 'host_key', 'dns', 'dropped', 'jump'] as const;
export type TransportFailure = (typeof TRANSPORT_FAILURES)[number];

/** A classified failure to reach or keep talking to a host. */
export class TransportError extends Error {
  constructor(
    readonly reason: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface ExecResult {
  /** Exit status; null when the remote side ended the command with a signal and no status. */
  rc: number | null;
  stdout: string;
  stderr: string;
  signal?: string;
}

export interface ConnectOptions {
  /** Covers TCP connect, the SSH handshake and authentication. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once for a warning the user should see (e.g. host-key checking is off). */
  warn?: (message: string) => void;
  /** The play's `connect_rate`, applied to jump-host logins apart from device logins. */
  jumpLoginRate?: number;
  /**
   * The connect rate's turn, taken right before the TCP connect (keys and known_hosts already loaded) so the
   * rate holds at the wire; the connect timeout starts once the turn comes.
   */
  connectSlot?: () => Promise<void>;
}

/** One authenticated connection to one host, reused for all its tasks; channels are opened one at a time. */
export interface Session {
  /**
   * Runs a command; `stdin`, when given, is written to its standard input, which is then closed (how a
   * become password reaches sudo without showing on a command line). A non-zero rc is a result, not an
   * error; throws TransportError on timeout or a dropped link.
   */
  exec(command: string, opts?: { timeoutMs?: number; signal?: AbortSignal; stdin?: string }): Promise<ExecResult>;
  /** The remote file's bytes, or null when it does not exist. */
  readFile(path: string, opts?: { timeoutMs?: number }): Promise<Buffer | null>;
  /** Writes the file (through a temporary name and a rename), then sets `mode` when given (octal string). */
  writeFile(path: string, data: Buffer | string, opts?: { mode?: string; timeoutMs?: number }): Promise<void>;
  /** The remote file's permission bits (`mode & 0o7777`) and size, or null when it does not exist. */
  stat(path: string, opts?: { timeoutMs?: number }): Promise<{ mode: number; size: number } | null>;
  /** Sets the remote file's mode (octal string such as "0644"); the file must exist. */
  chmod(path: string, mode: string, opts?: { timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
  /** An interactive shell on a PTY, held open for the session's life; network CLIs are driven through one. */
  shell?(opts?: { cols?: number; rows?: number }): Promise<ShellStream>;
}

/** The two directions of an interactive shell, as text. */
export interface ShellStream {
  write(text: string): void;
  onData(listener: (text: string) => void): void;
  /** Called once when the shell ends, with the reason when the connection was lost. */
  onClose(listener: (lost: TransportError | undefined) => void): void;
  close(): void;
}

export interface Transport {
  connect(target: Connection, opts: ConnectOptions): Promise<Session>;
  /** Ends connections that outlive single hosts (shared jump connections); called once the run is over. */
  close?(): Promise<void>;
  /** Per jump host: devices, logins, failures and breaker timeline, for the report. */
  jumpStats?(): JumpHostStats[];
}

export type JumpState = 'closed' | 'open' | 'half-open';

export interface JumpTransition {
  at: Date;
  from: JumpState;
  to: JumpState;
  /** Why it opened. */
  error?: string;
}

/** What the report shows per jump host. */
export interface JumpHostStats {
  /** `user@host:port`, with the hops before it (`a > b`) for a chain. */
  name: string;
  /** Distinct devices reached (or tried) through it. */
  devices: number;
  /** Successful logins: one per jump connection. */
  logins: number;
  /** Failed logins. */
  failures: number;
  /** Jump connections lost while in use. */
  drops: number;
  /** Most channels open at once over one connection. */
  peakChannels: number;
  state: JumpState;
  transitions: JumpTransition[];
}
