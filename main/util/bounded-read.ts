// Reads a local file that configuration names (inventory, Include, IdentityFile, known_hosts) without trusting
// it: regular files only (a FIFO would block the read forever, /dev/zero never ends), at most `maxBytes`.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { FerryError } from '../../app/errors';

/** What a file is when it is not a regular file, for the message. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file's bytes; BAD_INPUT when it is not a regular file or is larger than `maxBytes` (read at most
 * `maxBytes + 1` bytes, so a file that lies about its size, as /proc files do, is bounded too). Opened
 * non-blocking: opening a FIFO does not wait for a writer.
 */
export function readBoundedFile(file: string, maxBytes: number, what = 'file'): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new FerryError({ code: 'BAD_INPUT', message: `${what} ${file} cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
  try {
    const st = fstatSync(fd);
    // /dev/null (UserKnownHostsFile /dev/null is an idiom) is empty and never blocks.
    if (st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev) return Buffer.alloc(0);
    if (!st.isFile()) throw new FerryError({ code: 'BAD_INPUT', message: `${what} ${file} is ${kindOf(st)}, not a regular file`, hint: 'name a regular file' });
    if (st.size > maxBytes) throw tooLarge(file, maxBytes, what);
    // Read to the end whatever the size said (/proc files say 0), never past maxBytes + 1.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(file, maxBytes, what);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, maxBytes: number, what: string): FerryError {
  return new FerryError({ code: 'BAD_INPUT', message: `${what} ${file} is larger than ${maxBytes} bytes`, hint: 'is this the right file?' });
}
