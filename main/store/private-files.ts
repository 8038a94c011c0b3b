// Files and folders only their owner can read: Ferry's state (records, CRIU logs, journals, history, hosts added
// by hand, locks) holds process command lines, addresses and host names. Folders 0700 and files 0600 whatever
// the umask (an explicit mode, then chmod: a mode given at creation is only ever narrowed by the umask, and an
// existing file or folder keeps its old mode unless changed), as the XDG base-directory spec asks for state.
import { appendFileSync, chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) as 0700 and narrows `dir` itself to 0700 when it already existed. A
 * folder of someone else's, or a shared sticky one (/tmp named as the state folder), is left alone: Ferry's
 * files in it are 0600 anyway.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = statSync(dir);
  const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (mine && (st.mode & 0o1000) === 0 && (st.mode & 0o7777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates every folder from `base` down to `base/...sub` as private folders. */
export function ensurePrivateDirs(base: string, ...sub: string[]): string {
  let dir = base;
  ensurePrivateDir(dir);
  for (const s of sub) {
    dir = path.join(dir, s);
    ensurePrivateDir(dir);
  }
  return dir;
}

/** Writes a file readable by its owner only (replacing its content and its mode if it existed). */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** Writes a private file atomically: a private temporary file in the same folder, then rename. */
export function writePrivateFileAtomic(file: string, data: string | Uint8Array, tmp = `${file}.${process.pid}.tmp`): void {
  writePrivateFile(tmp, data);
  renameSync(tmp, file);
}

/** Appends to a private file (created 0600; an existing one narrowed to 0600); `sync` waits until it is on disk. */
export function appendPrivateFile(file: string, data: string, opts: { sync?: boolean } = {}): void {
  const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    appendFileSync(fd, data);
    if (opts.sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates an empty private file, failing with EEXIST when it exists (a lock file). */
export function createPrivateFileExclusive(file: string): void {
  closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
}
