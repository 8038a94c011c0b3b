// A host's state at one moment, as read by the host probe: the input of planning and checks.
import type { CriuCheck, CriuVersion } from '../parse/criu';
import type { RouteEntry } from '../parse/ip';
import type { TreeNetns } from '../parse/netns';
import type { SharedMemory } from '../parse/smaps';
import type { InterfaceAddress, ProcessInfo, TcpSocket } from './host';

/** A host's state at one moment. */
export interface HostSnapshot {
  host: string;
  takenAt: number;
  uid: number;
  kernel: string;
  criu?: { path: string; version: CriuVersion | null; versionText: string };
  criuCheck?: CriuCheck;
  /** tool name → path, or null when missing. */
  tools: Record<string, string | null>;
  addresses: InterfaceAddress[];
  routes: RouteEntry[];
  processes?: ProcessInfo[];
  sockets?: TcpSocket[];
  /** Ids of one process read from /proc/PID/stat, when asked for. */
  stat?: { pid: number; ppid: number; pgrp: number; session: number };
  /** tmpfs mounts (/run, /dev/shm) and the KiB free on each. */
  tmpfs?: { path: string; availKiB: number }[];
  /** MemAvailable of /proc/meminfo (KiB): what a tmpfs can take without pushing the host into reclaim. */
  memAvailableKiB?: number;
  /** Network namespaces of the host and of that process's tree (read with `stat`). */
  netns?: TreeNetns;
  /** Shared anonymous memory of that process's tree (read with `stat`). */
  sharedMemory?: SharedMemory[];
}
