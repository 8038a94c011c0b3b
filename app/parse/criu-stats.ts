// Parses CRIU's dump statistics as `criu dump --display-stats` prints them (criu/stats.c display_stats(): times
// in µs, page counts), e.g. `Frozen time: 41012 us`, `Memory pages written: 4153 (0x1039)`.

export interface CriuDumpStats {
  freezingMs?: number;
  frozenMs?: number;
  memdumpMs?: number;
  memwriteMs?: number;
  pagesScanned?: number;
  pagesWritten?: number;
  pagesLazy?: number;
}

const TIMES: Record<string, keyof CriuDumpStats> = {
  'Freezing time': 'freezingMs',
  'Frozen time': 'frozenMs',
  'Memory dump time': 'memdumpMs',
  'Memory write time': 'memwriteMs',
};
const COUNTS: Record<string, keyof CriuDumpStats> = {
  'Memory pages scanned': 'pagesScanned',
  'Memory pages written': 'pagesWritten',
  'Lazy memory pages': 'pagesLazy',
};

/** The dump statistics found in `text` (stdout or a log with timestamps); undefined when there are none. */
export function parseDumpStats(text: string): CriuDumpStats | undefined {
  const out: CriuDumpStats = {};
  for (const line of text.split('\n')) {
    const t = /(?:^|\)\s*)([A-Za-z ]+): (\d+) us\s*$/.exec(line);
    const tk = t?.[1] ? TIMES[t[1].trim()] : undefined;
    if (t && tk) out[tk] = Number(t[2]) / 1000;
    const c = /(?:^|\)\s*)([A-Za-z ]+): (\d+) \(0x[0-9a-f]+\)\s*$/.exec(line);
    const ck = c?.[1] ? COUNTS[c[1].trim()] : undefined;
    if (c && ck) out[ck] = Number(c[2]);
  }
  return Object.keys(out).length ? out : undefined;
}
