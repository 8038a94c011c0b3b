import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dumpedKiB, parseSharedMemory, sharedMemoryKiB } from './smaps';

// A python3 process with two MAP_SHARED anonymous mappings (8 MiB with 3 MiB written, 1 MiB untouched) and a
// forked child, printed the way the host probe prints them (shared mappings' headers and Rss, per PID).
const fixture = readFileSync(new URL('./fixtures/smaps-shared.txt', import.meta.url), 'utf8');
// The same tree (capture/shm-restore.py) after CRIU restored it twice (lazy, lab-a → lab-b → lab-a): the memory
// is in memfds no process has touched, Rss is 0 everywhere; only the probe's `Blocks:` (st_blocks) holds it.
const restored = readFileSync(new URL('./fixtures/smaps-shared-restored.txt', import.meta.url), 'utf8');

describe('parseSharedMemory', () => {
  it('finds each shared anonymous object once, with the most any process has resident; files are not shared memory', () => {
    const objs = parseSharedMemory(fixture);
    expect(objs).toEqual([
      { id: '00:01:2813', name: '/dev/zero (deleted)', sizeKiB: 8192, rssKiB: 3072, pids: [5206, 5248] },
      { id: '00:01:2814', name: '/dev/zero (deleted)', sizeKiB: 1024, rssKiB: 0, pids: [5206, 5248] },
    ]);
    expect(sharedMemoryKiB(objs)).toBe(3072);
  });
  it('counts the memory of a restored process by its shmem blocks, not its zero Rss, and skips never-touched holes', () => {
    const objs = parseSharedMemory(restored);
    expect(objs).toEqual([
      { id: '00:01:90622', name: '/memfd:/dev/zero (deleted)', sizeKiB: 8192, rssKiB: 0, shmemKiB: 3072, pids: [4500, 4541] },
      { id: '00:01:90621', name: '/memfd:/dev/zero (deleted)', sizeKiB: 1024, rssKiB: 0, shmemKiB: 0, pids: [4500, 4541] },
    ]);
    expect(objs.map(dumpedKiB)).toEqual([3072, 0]);
    expect(sharedMemoryKiB(objs)).toBe(3072);
  });
  it('takes the larger of Rss and blocks, and never more blocks than the largest mapping', () => {
    const text = [
      'pid 7',
      '7f0000000000-7f0000100000 rw-s 00000000 00:01 9                        /dev/zero (deleted)',
      'Blocks: 1024',
      'Rss:                 768 kB',
      '7f0000100000-7f0000200000 rw-s 00000000 00:01 10                       /SYSV0000abcd (deleted)',
      'Blocks: 8192',
      'Rss:                   0 kB',
    ].join('\n');
    expect(parseSharedMemory(text).map((o) => [o.id, dumpedKiB(o)])).toEqual([
      ['00:01:10', 1024],
      ['00:01:9', 768],
    ]);
  });
  it('counts memfd and SysV segments, ignores private mappings and garbage', () => {
    const text = [
      'pid 7',
      '7f0000000000-7f0000100000 rw-s 00000000 00:01 9                        /memfd:cache (deleted)',
      'Rss:                1024 kB',
      '7f0000100000-7f0000200000 rw-s 00000000 00:01 10                       /SYSV0000abcd (deleted)',
      'Rss:                 512 kB',
      '7f0000200000-7f0000300000 rw-p 00000000 00:00 0',
      'Rss:                1024 kB',
      'not a line',
    ].join('\n');
    expect(parseSharedMemory(text).map((o) => [o.name, o.rssKiB])).toEqual([
      ['/memfd:cache (deleted)', 1024],
      ['/SYSV0000abcd (deleted)', 512],
    ]);
    expect(parseSharedMemory('')).toEqual([]);
  });
});
