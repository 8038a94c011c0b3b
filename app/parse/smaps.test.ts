import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSharedMemory, sharedMemoryKiB } from './smaps';

// A python3 process with two MAP_SHARED anonymous mappings (8 MiB with 3 MiB written, 1 MiB untouched) and a
// forked child, printed the way the host probe prints them (shared mappings' headers and Rss, per PID).
const fixture = readFileSync(new URL('./fixtures/smaps-shared.txt', import.meta.url), 'utf8');

describe('parseSharedMemory', () => {
  it('finds each shared anonymous object once, with the most any process has resident; files are not shared memory', () => {
    const objs = parseSharedMemory(fixture);
    expect(objs).toEqual([
      { id: '00:01:2813', name: '/dev/zero (deleted)', sizeKiB: 8192, rssKiB: 3072, pids: [5206, 5248] },
      { id: '00:01:2814', name: '/dev/zero (deleted)', sizeKiB: 1024, rssKiB: 0, pids: [5206, 5248] },
    ]);
    expect(sharedMemoryKiB(objs)).toBe(3072);
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
    expect(parseSharedMemory(text).map((o) => [o.name, o.rssKiB])).toEqual([['/memfd:cache (deleted)', 1024], ['/SYSV0000abcd (deleted)', 512]]);
    expect(parseSharedMemory('')).toEqual([]);
  });
});
