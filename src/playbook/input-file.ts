import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Playbooks, inventories and templates are read through here: whatever path they are given (`-i /dev/zero`,
 * a FIFO, a 50 MB file), reading ends quickly with a clear error instead of hanging or filling memory.
 */

/** The largest playbook, inventory or template file read (16 MiB: a 100,000-host inventory is about 7 MiB). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A file that is not something runbook reads; `at` is the 1-based line and column of a bad byte. */
export class InputFileError extends Error {
  constructor(
    message: string,
    readonly at?: { line: number; col: number },
  ) {
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

/** Where UTF-8 decoding of `buf` first fails, or -1 when it is all valid. */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    // A sequence cut short by the end of the file.
    if (i + need >= buf.length) return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * A file's text, which must be UTF-8: a byte that is not is refused with its position, rather than turned
 * into U+FFFD and quietly changing a host name, a command or a secret.
 */
export function readInputText(path: string, maxBytes = MAX_INPUT_BYTES): string {
  const buf = readInputFile(path, maxBytes);
  if (isUtf8(buf)) return buf.toString('utf8');
  const offset = firstInvalidUtf8(buf);
  const before = buf.subarray(0, offset);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  let line = 1;
  for (const byte of before) if (byte === 0x0a) line += 1;
  // Everything before the bad byte decodes, so the column counts characters as an editor shows them.
  const col = [...before.subarray(lineStart).toString('utf8')].length + 1;
  const hex = buf[offset]!.toString(16).padStart(2, '0');
  throw new InputFileError(`not valid UTF-8 at byte ${offset} (0x${hex})`, { line, col });
}
