// Parses what a rehearsal reads of a process tree on its host (main/engine/rehearse-probe.ts): per process its
// threads and memory (/proc/PID/status), mappings (/proc/PID/maps), descriptors (/proc/PID/fd) and namespaces, the
// host init's namespaces, and the host's UNIX sockets (`ss -xapH`) to find the peers of the tree's.
import { splitSections } from './sections';

export interface TreeProcessFacts {
  pid: number;
  threads: number;
  rssAnonKiB: number;
  rssShmemKiB: number;
  mappings: number;
  /** Mappings of devices (not /dev/zero) CRIU cannot dump. */
  deviceMaps: string[];
  /** Mappings of deleted files (CRIU copies them as ghost files, up to its --ghost-limit). */
  deletedMaps: string[];
  /** anon_inode descriptor kinds (eventpoll, io_uring, perf_event, …) and how many. */
  anonFds: Record<string, number>;
  /** Socket inodes of its descriptors. */
  socketInodes: number[];
  ns: Record<string, string>;
}

export interface UnixSocketFacts {
  inode: number;
  peer: number;
  state: string;
  path: string;
  pids: number[];
}

export interface TreeFacts {
  processes: TreeProcessFacts[];
  hostNs: Record<string, string>;
  unix: UnixSocketFacts[];
}

/** Parses the probe's sections (`proc`, `host`, `unix`). */
export function parseTreeFacts(text: string): TreeFacts {
  const s = splitSections(text);
  const processes: TreeProcessFacts[] = [];
  let cur: TreeProcessFacts | undefined;
  for (const line of (s.get('proc') ?? '').split('\n')) {
    const [key = '', ...rest] = line.trim().split(/\s+/);
    const v = rest.join(' ');
    if (key === 'pid') {
      cur = { pid: Number(v), threads: 1, rssAnonKiB: 0, rssShmemKiB: 0, mappings: 0, deviceMaps: [], deletedMaps: [], anonFds: {}, socketInodes: [], ns: {} };
      processes.push(cur);
      continue;
    }
    if (!cur) continue;
    if (key === 'Threads:') cur.threads = Number(rest[0]) || 1;
    else if (key === 'RssAnon:') cur.rssAnonKiB = Number(rest[0]) || 0;
    else if (key === 'RssShmem:') cur.rssShmemKiB = Number(rest[0]) || 0;
    else if (key === 'maps') cur.mappings = Number(rest[0]) || 0;
    else if (key === 'devmap' && v && !cur.deviceMaps.includes(v)) cur.deviceMaps.push(v);
    else if (key === 'deleted' && v && !cur.deletedMaps.includes(v)) cur.deletedMaps.push(v);
    else if (key === 'fd') {
      const sock = /^socket:\[(\d+)\]$/.exec(v);
      const anon = /^anon_inode:\[?([A-Za-z0-9_.-]+)\]?$/.exec(v);
      if (sock) cur.socketInodes.push(Number(sock[1]));
      else if (anon?.[1]) cur.anonFds[anon[1]] = (cur.anonFds[anon[1]] ?? 0) + 1;
    } else if (key === 'ns' && rest[0]) cur.ns[rest[0]] = rest.slice(1).join(' ');
  }
  const hostNs: Record<string, string> = {};
  for (const line of (s.get('host') ?? '').split('\n')) {
    const m = /^ns (\S+) (.*)$/.exec(line.trim());
    if (m?.[1]) hostNs[m[1]] = m[2] ?? '';
  }
  return { processes, hostNs, unix: parseUnixSockets(s.get('unix') ?? '') };
}

/** `ss -xapH` lines: `u_str ESTAB 0 0 PATH INODE PEER PEER_INODE users:((…,pid=N,fd=M),…)`. */
export function parseUnixSockets(text: string): UnixSocketFacts[] {
  const out: UnixSocketFacts[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length < 8 || !t[0]?.startsWith('u_')) continue;
    const inode = Number(t[5]);
    const peer = Number(t[7]);
    if (!Number.isInteger(inode)) continue;
    const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    out.push({ inode, peer: Number.isInteger(peer) ? peer : 0, state: t[1] ?? '', path: t[4] ?? '*', pids: [...new Set(pids)] });
  }
  return out;
}
