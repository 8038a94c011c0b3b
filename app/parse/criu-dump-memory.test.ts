import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criuLogLines } from './criu';
import { dumpMemoryPhases } from './criu-dump-memory';

const log = (name: string) => criuLogLines(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('the memory steps of a lazy CRIU dump', () => {
  it('1 GiB resident: the smaps walk, the pagemap scan and the pinning in 269 pipes', () => {
    const m = dumpMemoryPhases(log('criu-dump-lazy-1g-memory.log'));
    expect(m).toEqual({ vmaMs: 20.3, pagemapMs: 32.7, pinMs: 55.3, pages: 266_096, buffers: 269 });
  });

  it('16 MiB resident: the same steps, a few milliseconds each', () => {
    const m = dumpMemoryPhases(log('criu-dump-lazy-16m-memory.log'));
    expect(m).toEqual({ vmaMs: 4.8, pagemapMs: 6.1, pinMs: 1.8, pages: 7_858, buffers: 17 });
  });

  it('only the lines up to the end given: a cut before the pages leaves the mappings alone', () => {
    const lines = log('criu-dump-lazy-1g-memory.log');
    const dumping = lines.find((l) => l.text.startsWith('Dumping pages'))?.ms ?? 0;
    expect(dumpMemoryPhases(lines, dumping - 0.001)).toEqual({ vmaMs: 20.3, pagemapMs: 0, pinMs: 0, pages: 0, buffers: 0 });
  });

  it('two tasks: each one’s steps are added up; a log without them gives nothing', () => {
    const t = (ms: number, text: string) => ({ ms, text });
    const two = [
      t(1, 'Collecting mappings (pid: 10)'),
      t(3, 'Collected, longest area occupies 5 pages'),
      t(4, 'Collecting mappings (pid: 11)'),
      t(5, 'Collected, longest area occupies 2 pages'),
      t(10, 'Dumping pages (type: 59 pid: 10)'),
      t(11, 'Pagemap generated: 5 pages (5 lazy) 0 holes'),
      t(12, 'page-pipe: Page pipe:'),
      t(13, 'PPB: 5 pages 1 segs 16 pipe 0 off'),
      t(14, 'Sent msg to daemon 66 0 0'),
      t(15, 'Fetched ack: 66 66 0'),
      t(20, 'Dumping pages (type: 59 pid: 11)'),
      t(21, 'Pagemap generated: 2 pages (2 lazy) 0 holes'),
      t(24, 'PPB: 2 pages 1 segs 16 pipe 0 off'),
      t(26, 'Fetched ack: 66 66 0'),
      t(27, 'Fetched ack: 3 3 0'),
    ];
    expect(dumpMemoryPhases(two)).toEqual({ vmaMs: 3, pagemapMs: 6, pinMs: 4, pages: 7, buffers: 2 });
    expect(dumpMemoryPhases([t(1, 'Seized task 10, state 1'), t(2, 'Running status-ready scripts')])).toBeUndefined();
  });
});
