// Process lists as trees: roots, subtrees (what CRIU dumps together) and lookup.
import type { ProcessInfo, ProcessNode } from './model/host';

/** Builds the forest; roots are processes whose parent is not in the list. Children are sorted by PID. */
export function buildProcessTree(list: readonly ProcessInfo[]): ProcessNode[] {
  const nodes = new Map<number, ProcessNode>();
  for (const p of list) if (!nodes.has(p.pid)) nodes.set(p.pid, { ...p, children: [] });
  const roots: ProcessNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.ppid !== n.pid ? nodes.get(n.ppid) : undefined;
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  // A list read while PIDs are reused can hold a parent cycle; its members would hang from no root.
  const reached = new Set<number>();
  const mark = (n: ProcessNode) => {
    const stack = [n];
    for (let x = stack.pop(); x; x = stack.pop()) {
      if (reached.has(x.pid)) continue;
      reached.add(x.pid);
      stack.push(...x.children);
    }
  };
  roots.forEach(mark);
  for (const n of nodes.values()) {
    if (reached.has(n.pid)) continue;
    const parent = nodes.get(n.ppid);
    if (parent) parent.children = parent.children.filter((c) => c !== n);
    roots.push(n);
    mark(n);
  }
  const byPid = (a: ProcessNode, b: ProcessNode) => a.pid - b.pid;
  for (const n of nodes.values()) n.children.sort(byPid);
  return roots.sort(byPid);
}

/** PIDs of rootPid and all its descendants, root first then breadth-first; [] when rootPid is not in the list. */
export function subtreePids(list: readonly ProcessInfo[], rootPid: number): number[] {
  if (!list.some((p) => p.pid === rootPid)) return [];
  const children = new Map<number, number[]>();
  for (const p of list) {
    if (p.pid === p.ppid) continue;
    const c = children.get(p.ppid);
    if (c) c.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = [rootPid];
  for (let i = 0; i < queue.length; i++) {
    const pid = queue[i] as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of (children.get(pid) ?? []).sort((a, b) => a - b)) queue.push(c);
  }
  return out;
}

/** Finds a process by PID in a flat list or, through `children`, anywhere in a tree. */
export function findProcess<T extends ProcessInfo & { children?: readonly T[] }>(items: readonly T[], pid: number): T | undefined {
  const stack = [...items];
  for (let x = stack.pop(); x; x = stack.pop()) {
    if (x.pid === pid) return x;
    if (x.children) stack.push(...x.children);
  }
  return undefined;
}
