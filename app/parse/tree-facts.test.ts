import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { treeFindings, workloadOfTree } from '../rehearsal/dump-findings';
import { parseDumpStats } from './criu-stats';
import { parseTreeFacts } from './tree-facts';

// Captured on lab-a: the rehearsal's tree probe (main/engine/rehearse-measure.ts) of the bench's Node.js workload.
const node = readFileSync(new URL('./fixtures/tree-facts-node.txt', import.meta.url), 'utf8');

describe('tree facts (the rehearsal reads the tree)', () => {
  it('parses threads, memory, mappings, descriptors and namespaces of a real Node.js process', () => {
    const f = parseTreeFacts(node);
    expect(f.processes).toHaveLength(1);
    const p = f.processes[0]!;
    expect(p).toMatchObject({ pid: 20200, threads: 11, rssAnonKiB: 27724, rssShmemKiB: 0, mappings: 120 });
    expect(p.socketInodes.length).toBeGreaterThanOrEqual(4);
    expect(p.anonFds.eventpoll).toBeGreaterThanOrEqual(1);
    expect(p.ns.net).toMatch(/^net:\[\d+\]$/);
    expect(f.hostNs.mnt).toBe(p.ns.mnt);
    expect(f.unix.map((u) => u.pids)).toContainEqual([9]);
    expect(workloadOfTree(f, 4, 0)).toMatchObject({ processes: 1, threads: 11, connections: 4, privateMiB: 27.1, sharedMiB: 0, memoryBasis: 'rss-anon' });
  });

  it('finds nothing CRIU cannot dump in it', () => {
    const found = treeFindings(parseTreeFacts(node), 'lab-a');
    expect(found.filter((x) => x.severity !== 'ok')).toEqual([]);
    expect(found.map((x) => x.check)).toEqual(['unix sockets', 'descriptors', 'mappings', 'namespaces']);
  });

  it('refuses an external UNIX connection, io_uring, device mappings and a namespace of its own', () => {
    const odd = node
      .replace(/^pid 20200$/m, 'pid 20200\nfd socket:[777]\nfd anon_inode:[io_uring]\ndevmap /dev/dri/card0\ndeleted /tmp/old.so (deleted)')
      .replace(/^ns uts uts:\[\d+\]$/m, 'ns uts uts:[1]')
      .replace(
        '@@FERRY end',
        'u_str ESTAB 0 0 * 777 * 778 users:(("node",pid=20200,fd=30))\nu_str ESTAB 0 0 /run/systemd/journal/stdout 778 * 777 users:(("systemd-journal",pid=300,fd=9))\n\n@@FERRY end',
      );
    const found = treeFindings(parseTreeFacts(odd), 'lab-a');
    const problems = found.filter((x) => x.severity === 'problem');
    expect(problems.map((x) => x.check)).toEqual(['unix sockets', 'descriptors', 'mappings', 'namespaces']);
    expect(problems[0]?.message).toMatch(/outside it \(300\)/);
    expect(problems[1]?.message).toMatch(/1 io_uring/);
    expect(problems[3]?.message).toMatch(/own uts/);
    expect(found.find((x) => x.severity === 'warning')?.message).toMatch(/ghost files/);
  });
});

describe('CRIU dump statistics (--display-stats)', () => {
  it('reads the times (µs → ms) and page counts, also from a timestamped log', () => {
    const text = [
      'Displaying dump stats:',
      'Freezing time: 1204 us',
      'Frozen time: 98765 us',
      'Memory dump time: 12001 us',
      'Memory write time: 30500 us',
      'IRMAP resolve time: 0 us',
      'Memory pages scanned: 7000 (0x1b58)',
      'Memory pages skipped from parent: 0 (0x0)',
      'Memory pages written: 4153 (0x1039)',
      'Lazy memory pages: 0 (0x0)',
    ].join('\n');
    expect(parseDumpStats(text)).toEqual({
      freezingMs: 1.204,
      frozenMs: 98.765,
      memdumpMs: 12.001,
      memwriteMs: 30.5,
      pagesScanned: 7000,
      pagesWritten: 4153,
      pagesLazy: 0,
    });
    expect(parseDumpStats('(00.120000) Frozen time: 5000 us')).toEqual({ frozenMs: 5 });
    expect(parseDumpStats('nothing here')).toBeUndefined();
  });
});
