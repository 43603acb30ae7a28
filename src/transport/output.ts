/**
 * A command's output as the report keeps it. A device that prints without end (a log tail, a runaway
 * loop) must not grow the process without bound across a fleet, so each stream keeps its first
 * `limit` bytes and counts the rest; the stream is still drained so the channel can close.
 */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * The largest remote file a template task reads to compare with what it would write (8 MiB). A `dest` that
 * is a device or a huge log fails the task with that reason instead of filling memory.
 */
export const MAX_REMOTE_FILE_BYTES = 8 * 1024 * 1024;

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
    this.dropped += chunk.length - part.length;
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped === 0 ? body : `${body}\n[output truncated: ${this.dropped} more bytes]`;
  }
}
