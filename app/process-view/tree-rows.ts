// The Processes view's rows: the process forest flattened with collapse state and a search filter.
import type { ProcessInfo, ProcessNode, TcpSocket } from '../model/host';

/** One visible row of the tree. */
export interface TreeRow {
  node: ProcessNode;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
  /** The row matches the search itself (it is not only an ancestor of a match). */
  match: boolean;
}

/** Sockets by owning PID (a socket shared by several processes is listed under each). */
export function socketsByPid(sockets: readonly TcpSocket[]): Map<number, TcpSocket[]> {
  const out = new Map<number, TcpSocket[]>();
  const add = (pid: number, s: TcpSocket) => {
    const list = out.get(pid);
    if (list) list.push(s);
    else out.set(pid, [s]);
  };
  for (const s of sockets) {
    const { owners } = s;
    // Nearly every socket has one owner; no Set for it (10,000 sockets on every refresh of the Processes view).
    if (owners.length === 1) add(owners[0]!.pid, s);
    else if (owners.length > 1) for (const pid of new Set(owners.map((o) => o.pid))) add(pid, s);
  }
  return out;
}

/** Whether a process matches a search: PID, name, command line, user, or any socket's port or address. */
export function processMatches(p: ProcessInfo, sockets: readonly TcpSocket[], query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  if (String(p.pid) === q) return true;
  if (p.comm.toLowerCase().includes(q) || p.args.toLowerCase().includes(q) || p.user.toLowerCase() === q) return true;
  const port = /^:?(\d{1,5})$/.exec(q)?.[1];
  for (const s of sockets) {
    if (port !== undefined && (String(s.local.port) === port || String(s.remote.port) === port)) return true;
    for (const e of [s.local, s.remote]) {
      const text = `${e.address}:${e.port}`.toLowerCase();
      if (q.length > 1 && !/^\d+$/.test(q) && text.includes(q)) return true;
    }
  }
  return false;
}

/**
 * Rows to draw. Without a query: every root, and children of nodes not in `collapsed`. With a query: the matches and
 * their ancestors (ancestors always open), a match's own children only when it is not collapsed.
 */
export function visibleRows(
  roots: readonly ProcessNode[],
  collapsed: ReadonlySet<number>,
  opts: { query?: string; sockets?: ReadonlyMap<number, readonly TcpSocket[]> } = {},
): TreeRow[] {
  const query = opts.query?.trim() ?? '';
  const socks = (pid: number) => opts.sockets?.get(pid) ?? [];
  const out: TreeRow[] = [];
  if (!query) {
    const walk = (n: ProcessNode, depth: number) => {
      const expanded = n.children.length > 0 && !collapsed.has(n.pid);
      out.push({ node: n, depth, hasChildren: n.children.length > 0, expanded, match: false });
      if (expanded) for (const c of n.children) walk(c, depth + 1);
    };
    for (const r of roots) walk(r, 0);
    return out;
  }
  // First pass: which subtrees contain a match (iterative post-order to survive deep trees).
  const matchSelf = new Map<number, boolean>();
  const containsMatch = new Map<number, boolean>();
  const order: ProcessNode[] = [];
  const stack = [...roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    order.push(n);
    stack.push(...n.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i] as ProcessNode;
    const self = processMatches(n, socks(n.pid), query);
    matchSelf.set(n.pid, self);
    containsMatch.set(n.pid, self || n.children.some((c) => containsMatch.get(c.pid)));
  }
  const walk = (n: ProcessNode, depth: number, underMatch: boolean) => {
    const self = matchSelf.get(n.pid) ?? false;
    if (!underMatch && !containsMatch.get(n.pid)) return;
    const descendantMatches = n.children.some((c) => containsMatch.get(c.pid));
    const expanded = n.children.length > 0 && (descendantMatches && !underMatch ? true : !collapsed.has(n.pid) && (self || underMatch));
    out.push({ node: n, depth, hasChildren: n.children.length > 0, expanded, match: self });
    if (expanded) for (const c of n.children) walk(c, depth + 1, underMatch || self);
  };
  for (const r of roots) walk(r, 0, false);
  return out;
}
