// What a CRIU dump spends on the memory, from its -v4 log: the steps whose cost grows with the number of resident
// 4 KiB pages even when no page is written (lazy mode). Read in CRIU 4.2.1's source:
// - VMA walk: parse_smaps() (criu/proc_parse.c) reads /proc/PID/smaps, for which the kernel walks every page-table
//   entry of every mapping (Rss, Pss, …); logged between `Collecting mappings` and `Collected, longest area`.
// - pagemap scan: __parasite_dump_pages_seized() (criu/mem.c) asks PAGEMAP_SCAN (criu/pagemap-cache.c pmc_fill())
//   for the present pages, then generate_iovs() adds them one by one to the page pipe (page_pipe_add_page(),
//   criu/page-pipe.c: a pipe per 1,024 pages, grown by fcntl(F_SETPIPE_SZ)); logged from `Dumping pages` to the
//   page pipe's listing (`page-pipe: Page pipe:`) or its first `PPB:` line.
// - pages pinned: drain_pages() (criu/mem.c) has the parasite vmsplice() each pipe's pages, one RPC per pipe, in
//   lazy mode too (the lazy page server later reads them from those pipes); logged from the first `PPB:` line to
//   the ack after the last.
import type { CriuLogLine } from './criu';

export interface DumpMemoryPhases {
  /** Collecting the mappings (smaps), every task. */
  vmaMs: number;
  /** From `Dumping pages` to the page pipe's listing: the pagemap scan and the iovs, every task. */
  pagemapMs: number;
  /** The parasite's vmsplice of every pipe, every task. */
  pinMs: number;
  /** Pages the pagemap found to dump or leave lazy (`Pagemap generated: N pages`). */
  pages: number;
  /** Page-pipe buffers the pages went into (`PPB:` lines: one parasite call each, 1,024 pages at most). */
  buffers: number;
}

/** The memory steps of the dump in `log` (its lines up to `endMs` when given); undefined when the log has none. */
export function dumpMemoryPhases(log: readonly CriuLogLine[], endMs = Infinity): DumpMemoryPhases | undefined {
  const lines = log.filter((l) => l.ms <= endMs);
  const out: DumpMemoryPhases = { vmaMs: 0, pagemapMs: 0, pinMs: 0, pages: 0, buffers: 0 };
  let found = false;
  let vmaStart: number | undefined;
  for (const l of lines) {
    if (l.text.startsWith('Collecting mappings')) vmaStart = l.ms;
    else if (l.text.startsWith('Collected, longest area') && vmaStart !== undefined) {
      out.vmaMs += l.ms - vmaStart;
      vmaStart = undefined;
      found = true;
    } else if (l.text.startsWith('Pagemap generated:')) out.pages += Number(/^Pagemap generated: (\d+) pages/.exec(l.text)?.[1] ?? 0);
  }
  // One section per task: from its `Dumping pages` to the next task's.
  const starts = lines.flatMap((l, i) => (l.text.startsWith('Dumping pages (type') ? [i] : []));
  starts.forEach((from, n) => {
    const to = starts[n + 1] ?? lines.length;
    const section = lines.slice(from, to);
    const listed = section.findIndex((l) => l.text.startsWith('page-pipe: Page pipe:') || l.text.startsWith('PPB:'));
    if (listed < 0) return;
    out.pagemapMs += (section[listed]?.ms ?? 0) - (section[0]?.ms ?? 0);
    found = true;
    const ppb = section.flatMap((l, i) => (l.text.startsWith('PPB:') ? [i] : []));
    const first = ppb[0];
    const last = ppb.at(-1);
    if (first === undefined || last === undefined) return;
    out.buffers += ppb.length;
    const ack = section.findIndex((l, i) => i > last && l.text.startsWith('Fetched ack'));
    out.pinMs += (section[ack >= 0 ? ack : last]?.ms ?? 0) - (section[first]?.ms ?? 0);
  });
  return found ? { ...out, vmaMs: round(out.vmaMs), pagemapMs: round(out.pagemapMs), pinMs: round(out.pinMs) } : undefined;
}

const round = (n: number) => Math.round(n * 10) / 10;
