// Values main would answer the renderer with, shaped as the lab's hosts report them.
import type { AppInfo, HostEntry, HostList, HostReadiness, ProcessListing } from '../../app/contract/contract';
import type { ProcessInfo, TcpSocket } from '../../app/model/host';

export const host = (name: string, over: Partial<HostEntry> = {}): HostEntry => ({
  name,
  hostName: `198.18.0.${name === 'lab-a' ? 2 : 3}`,
  user: 'root',
  port: 22,
  identityFiles: [],
  source: 'lab',
  manual: false,
  ...over,
});

export const hostList = (hosts: HostEntry[], warnings: string[] = []): HostList => ({ hosts, warnings, manualFile: '/root/.config/ferry/hosts' });

export const ready = (name: string): HostReadiness => ({
  host: name,
  ready: true,
  probedMs: 40,
  kernel: '6.18.0',
  checks: [
    { name: 'ssh', ok: true, detail: 'connected' },
    { name: 'criu', ok: true, detail: 'CRIU 4.2.1' },
  ],
});

export const notReady = (name: string): HostReadiness => ({
  host: name,
  ready: false,
  probedMs: 40,
  checks: [
    { name: 'ssh', ok: true, detail: 'connected' },
    { name: 'criu', ok: false, detail: 'criu not found', fix: 'install CRIU 4.2.1 in /opt/ferry', code: 'CRIU_MISSING' },
  ],
});

export const appInfo = (lab: Partial<AppInfo['lab']> = {}): AppInfo => ({
  version: '0.1.0',
  stateDir: '/tmp/state',
  lab: { name: 'ferry', up: true, ...lab },
  recovery: { running: false, reports: [] },
});

export const proc = (pid: number, ppid: number, comm: string, args = comm): ProcessInfo => ({ pid, ppid, user: 'root', comm, args, rssKiB: 4096 });

export const estab = (pid: number, localPort: number): TcpSocket => ({
  state: 'ESTAB',
  recvQ: 0,
  sendQ: 0,
  local: { address: '198.18.0.100', port: localPort },
  remote: { address: '198.18.0.1', port: 7000 },
  owners: [{ comm: 'node', pid, fd: 20 }],
  extra: {},
  rttMs: 0.2,
  rtoMs: 201,
  cwnd: 10,
});

export const listing = (hostName: string, processes: ProcessInfo[], sockets: TcpSocket[] = []): ProcessListing => ({
  host: hostName,
  takenAt: Date.UTC(2026, 11, 1, 12),
  processes,
  sockets,
  managementAddresses: ['198.18.0.2'],
});
