import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { readBoundedFile } from './bounded-read';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FerryError);
    return (e as FerryError).message;
  }
  throw new Error('not refused');
};

describe('readBoundedFile', () => {
  it('reads a regular file, and /dev/null as empty', () => {
    writeFileSync(path.join(dir, 'a'), 'Host a\n');
    expect(readBoundedFile(path.join(dir, 'a'), 100).toString()).toBe('Host a\n');
    expect(readBoundedFile('/dev/null', 100).length).toBe(0);
  });

  it('refuses a FIFO without waiting for a writer, devices, folders and sockets', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(() => readBoundedFile(fifo, 100, 'Include'))).toBe(`Include ${fifo} is a FIFO, not a regular file`);
    expect(refusal(() => readBoundedFile('/dev/zero', 100))).toContain('is a character device');
    expect(refusal(() => readBoundedFile('/dev/urandom', 100))).toContain('is a character device');
    expect(refusal(() => readBoundedFile(dir, 100))).toContain('is a folder');
    expect(refusal(() => readBoundedFile(path.join(dir, 'missing'), 100))).toContain('ENOENT');
  });

  it('stops at the cap, also for a file whose size says 0 (/proc)', () => {
    writeFileSync(path.join(dir, 'big'), 'x'.repeat(101));
    expect(refusal(() => readBoundedFile(path.join(dir, 'big'), 100))).toContain('is larger than 100 bytes');
    expect(readBoundedFile('/proc/self/status', 1 << 20).toString()).toContain('Pid:');
    expect(refusal(() => readBoundedFile('/proc/self/status', 10))).toContain('is larger than 10 bytes');
  });
});
