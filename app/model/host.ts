// Domain types for hosts, processes and sockets: shared by main, renderer and CLI.

/** One host as resolved from the inventory (ssh_config-style). */
export interface HostSpec {
  /** Alias the operator uses (`lab-a`). */
  name: string;
  /** Address or DNS name that sshd listens on (ssh_config HostName). */
  hostName: string;
  user: string;
  port: number;
  identityFiles: string[];
  /** ProxyJump value (`user@host:port`, comma-separated chain), if any. */
  proxyJump?: string;
  /** ProxyCommand with %h %p %r already left for the client to expand. */
  proxyCommand?: string;
  /** Where this host came from (`lab`, a file path). */
  source: string;
  /** Inventory groups it belongs to (Ansible inventories: directly or through children), sorted. */
  groups?: string[];
  /** The address hook the inventory declares for this host (Ansible `ferry_address_hook`), or why it is refused. */
  addressHook?: HostHookDeclaration;
}

/** A host's declared address hook (docs/address-hooks.md), or why its declaration is refused. */
export type HostHookDeclaration =
  { hook: { path: string; addresses?: string[]; budgetMs?: { prepare?: number; move?: number; undo?: number } } } | { problem: string };

/** A process as listed by `ps`. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  user: string;
  /** Short command name (comm). */
  comm: string;
  /** Full command line. */
  args: string;
  rssKiB: number;
  /** Session and process-group IDs: a tree whose session leader is outside it needs CRIU's --shell-job. */
  sid?: number;
  pgid?: number;
  /** Process start time in seconds since boot (from /proc/PID/stat starttime), used to detect PID reuse. */
  startTicks?: number;
  /** Seconds since the process started (`ps -o etimes`), as of when the list was taken. */
  elapsedSec?: number;
}

/** A process and its children, as a tree. */
export interface ProcessNode extends ProcessInfo {
  children: ProcessNode[];
}

export type TcpState =
  | 'ESTAB'
  | 'SYN-SENT'
  | 'SYN-RECV'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'TIME-WAIT'
  | 'CLOSE'
  | 'CLOSE-WAIT'
  | 'LAST-ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'UNCONN'
  | 'UNKNOWN';

/** One endpoint of a TCP connection. `address` has no brackets and no %scope. */
export interface Endpoint {
  address: string;
  port: number;
  /** IPv6 scope (`%eth0`), if present. */
  scope?: string;
}

/** Process that owns a socket (from `users:((...))`). */
export interface SocketOwner {
  comm: string;
  pid: number;
  fd: number;
}

/** One TCP socket with its kernel statistics (from `ss -tinpHO`). */
export interface TcpSocket {
  state: TcpState;
  recvQ: number;
  sendQ: number;
  local: Endpoint;
  remote: Endpoint;
  owners: SocketOwner[];
  /** Smoothed RTT and its variance in ms (`rtt:avg/var`). */
  rttMs?: number;
  rttVarMs?: number;
  /** Current retransmission timeout in ms (`rto:`). */
  rtoMs?: number;
  cwnd?: number;
  /** Retransmits: current unacked retransmissions and total (`retrans:cur/total`). */
  retransCurrent?: number;
  retransTotal?: number;
  /** Milliseconds since last send/receive/ack (`lastsnd`, `lastrcv`, `lastack`). */
  lastSendMs?: number;
  lastRecvMs?: number;
  lastAckMs?: number;
  bytesSent?: number;
  bytesReceived?: number;
  /** Anything else ss printed, kept for display. */
  extra: Record<string, string>;
}

/** An address assigned to an interface (from `ip -j addr`). */
export interface InterfaceAddress {
  ifname: string;
  family: 'inet' | 'inet6';
  address: string;
  prefixLen: number;
  scope: string;
  /** Address label (`eth0:svc`), when ip printed one. */
  label?: string;
  /** Boolean flags ip set on the address: `secondary`, `noprefixroute`, `tentative`, `dadfailed`, `deprecated`, ... */
  flags?: string[];
}

/** Four-tuple key for a connection, `local:port>remote:port`. */
export function fourTupleKey(s: Pick<TcpSocket, 'local' | 'remote'>): string {
  const fmt = (e: Endpoint) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);
  return `${fmt(s.local)}>${fmt(s.remote)}`;
}
