import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Playbooks, inventories and templates are read through here: whatever path they are given (`-i /dev/zero`,
 * a FIFO, a 50 MB file), reading ends quickly with a clear error instead of hanging or filling memory.
 */

/** The largest playbook, inventory or template file read (16 MiB: a 100,000-host inventory is about 7 MiB). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A file that is not something runbook reads: the message completes "cannot read FILE: …". */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a named pipe, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/**
 * The bytes of a regular file of at most `maxBytes`. Opened without blocking (a FIFO with no writer would
 * otherwise hang the open), checked to be a regular file, and read no further than one byte past the cap,
 * since a size from stat can be wrong (files that grow, or report 0).
 */
export function readInputFile(path: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(kind(st));
    if (st.size > maxBytes) throw new InputFileError(`${st.size} bytes is larger than the ${maxBytes}-byte limit`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new InputFileError(`larger than the ${maxBytes}-byte limit`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
