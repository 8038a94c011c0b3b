// Parses the probe's `netns` section: the host's network namespace, then each tree process's.

/** The network namespace of the host (the probe's shell) and of each process of a tree. */
export interface TreeNetns {
  host: string;
  byPid: Record<number, string>;
}

/** First line `net:[N]` (the host's), then `PID net:[N]` per process; other lines are skipped. */
export function parseNetns(text: string): TreeNetns | undefined {
  const [first = '', ...rest] = text.split('\n').map((l) => l.trim());
  if (!/^net:\[\d+\]$/.test(first)) return undefined;
  const byPid: Record<number, string> = {};
  for (const line of rest) {
    const m = /^(\d+) (net:\[\d+\])$/.exec(line);
    if (m && m[1] && m[2]) byPid[Number(m[1])] = m[2];
  }
  return { host: first, byPid };
}
