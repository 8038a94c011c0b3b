// The lab's lifecycle: up (network, hosts, witness, demo workload), status, exec, down.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { WitnessReport } from '../../app/model/witness';
import { repoRoot } from '../util/repo-root';
import { LAB_HOSTS, SERVICE_ADDRESS, SERVICE_ADDRESS6, WITNESS_PORT, findLabHost, labPaths, type LabHostDef } from './lab-config';
import { execInLabHost, runInLabHost, startLabHost, waitForPort, writeLabKeys, type LabHostProcess } from './lab-hosts';
import { writeLabInventory } from './lab-inventory';
import { createLabNetwork, destroyLabNetwork, existingLabNetns, holderOf } from './lab-network';
import { isAlive } from '../util/process-alive';

/** What `lab up` leaves behind, persisted in the lab folder. */
export interface LabState {
  createdAt: string;
  hosts: Record<string, LabHostProcess>;
  witness: { pid: number; log: string };
  demo?: { pid: number; log: string; host: string; connections: number };
}

export interface LabUpOptions {
  /** Demo workload connections (0: no demo workload). */
  demoConnections?: number;
  onProgress?: (msg: string) => void;
}

const LAB_ENV = { UV_USE_IO_URING: '0' };
/** The demo workload's PID on lab-a. */
export const DEMO_PID = 4242;

/** Brings the lab up from scratch (a stale lab is torn down first). */
export async function labUp(opts: LabUpOptions = {}): Promise<LabState> {
  const say = opts.onProgress ?? (() => {});
  requireRoot();
  const stale = await labDown();
  if (stale.length) say(`removed stale lab: ${stale.join(', ')}`);
  const a = mustHost('lab-a');
  await createLabNetwork(a);
  say(`network: ${LAB_HOSTS.map((h) => `${h.name}=${h.address},${h.address6}`).join(' ')}, service ${SERVICE_ADDRESS} and ${SERVICE_ADDRESS6} on lab-a`);
  await writeLabKeys();
  const hosts: Record<string, LabHostProcess> = {};
  await Promise.all(
    LAB_HOSTS.map(async (h) => {
      hosts[h.name] = await startLabHost(h);
    }),
  );
  say(
    `hosts up: ${Object.entries(hosts)
      .map(([n, p]) => `${n} (init ${p.initPid})`)
      .join(', ')}`,
  );
  writeLabInventory();
  const dist = path.join(repoRoot(), 'dist', 'lab');
  const peer = mustHost('peer');
  const witnessState = labPaths().witnessState;
  rmSync(witnessState, { force: true });
  const witness = await execInLabHost(
    peer,
    hostProc(hosts, 'peer').initPid,
    [
      'env',
      `UV_USE_IO_URING=${LAB_ENV.UV_USE_IO_URING}`,
      process.execPath,
      path.join(dist, 'witness.mjs'),
      '--listen',
      `${peer.address}:${WITNESS_PORT}`,
      '--listen',
      `[${peer.address6}]:${WITNESS_PORT}`,
      '--state',
      witnessState,
    ],
    { logName: 'witness' },
  );
  await waitForPort(peer, WITNESS_PORT);
  say(`witness on peer ${peer.address}:${WITNESS_PORT} and [${peer.address6}]:${WITNESS_PORT} (pid ${witness.pid})`);
  const state: LabState = { createdAt: new Date().toISOString(), hosts, witness };
  const n = opts.demoConnections ?? 4;
  if (n > 0) {
    // A PID far above what sshd sessions use, so it is free on lab-b when the demo moves there.
    const demo = await execInLabHost(a, hostProc(hosts, 'lab-a').initPid, demoArgv(n, 'demo'), { logName: 'demo', pid: DEMO_PID });
    state.demo = { ...demo, host: 'lab-a', connections: n };
    await waitForWitnessClient('demo', n);
    say(`demo workload on lab-a (pid ${demo.pid}), ${n} connections from ${SERVICE_ADDRESS} to the witness`);
  }
  writeFileSync(labPaths().state, JSON.stringify(state, null, 2));
  return state;
}

/** argv of the demo workload: N connections to the witness, a message every 10 ms. */
export function demoArgv(connections: number, clientId: string, extra: string[] = []): string[] {
  const peer = mustHost('peer');
  return [
    'env',
    `UV_USE_IO_URING=${LAB_ENV.UV_USE_IO_URING}`,
    process.execPath,
    path.join(repoRoot(), 'dist', 'lab', 'demo-workload.mjs'),
    '--connect',
    `${peer.address}:${WITNESS_PORT}`,
    '--connections',
    String(connections),
    '--client-id',
    clientId,
    ...extra,
  ];
}

/** Tears the lab down: every process in it, its namespaces and its folder. Returns what was removed. */
export async function labDown(): Promise<string[]> {
  requireRoot();
  const removed = await destroyLabNetwork();
  const p = labPaths();
  if (existsSync(p.state)) {
    const state = readState();
    for (const h of Object.values(state?.hosts ?? {})) {
      for (const pid of [h.unsharePid, h.initPid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone with its namespace */
        }
      }
    }
  }
  if (existsSync(p.dir)) {
    rmSync(p.dir, { recursive: true, force: true });
    removed.push(p.dir);
  }
  return removed;
}

/** Lab status: namespaces, hosts, the service address holder and the witness's report. */
export interface LabStatus {
  up: boolean;
  netns: string[];
  hosts: { name: string; address: string; initPid?: number; alive: boolean }[];
  serviceAddress: { address: string; holder?: string };
  serviceAddress6: { address: string; holder?: string };
  demo?: LabState['demo'];
  inventory: string;
  witness?: WitnessReport;
}

/** Reads the lab's current status. */
export async function labStatus(): Promise<LabStatus> {
  const state = readState();
  const netns = existingLabNetns();
  const holder = netns.length ? await holderOf(SERVICE_ADDRESS) : undefined;
  const holder6 = netns.length ? await holderOf(SERVICE_ADDRESS6) : undefined;
  const hosts = LAB_HOSTS.map((h) => {
    const proc = state?.hosts[h.name];
    return { name: h.name, address: h.address, ...(proc ? { initPid: proc.initPid } : {}), alive: !!proc && isAlive(proc.initPid) };
  });
  const status: LabStatus = {
    up: netns.length > 0 && hosts.every((h) => h.alive),
    netns,
    hosts,
    serviceAddress: { address: SERVICE_ADDRESS, ...(holder ? { holder: holder.name } : {}) },
    serviceAddress6: { address: SERVICE_ADDRESS6, ...(holder6 ? { holder: holder6.name } : {}) },
    inventory: labPaths().inventory,
  };
  if (state?.demo) status.demo = state.demo;
  const w = readWitness();
  if (w) status.witness = w;
  return status;
}

/** Starts a command detached on a lab host; returns its PID as seen on that host. */
export async function labExec(hostName: string, argv: readonly string[], opts: { cwd?: string; pid?: number } = {}): Promise<{ pid: number; log: string }> {
  const host = findLabHost(hostName);
  if (!host)
    throw new FerryError({ code: 'UNKNOWN_HOST', message: `no lab host "${hostName}"`, hint: `use one of: ${LAB_HOSTS.map((h) => h.name).join(', ')}` });
  const state = readState();
  const proc = state?.hosts[host.name];
  if (!proc || !isAlive(proc.initPid)) throw new FerryError({ code: 'LAB', message: 'the lab is not up', hint: 'run: ferry lab up' });
  return execInLabHost(host, proc.initPid, argv, opts);
}

/** The witness's latest report, if it has written one. */
export function readWitness(): WitnessReport | undefined {
  const file = labPaths().witnessState;
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WitnessReport;
  } catch {
    return undefined;
  }
}

/** Asks the witness to write its report now and returns it (fresh within ~0.1 s). */
export async function freshWitness(): Promise<WitnessReport | undefined> {
  const state = readState();
  const before = readWitness()?.updatedAt;
  if (state) {
    try {
      // The witness runs in the peer's PID namespace; signal it from inside that namespace.
      const peer = state.hosts['peer'];
      if (peer) await runInLabHost(peer.initPid, ['kill', '-USR1', String(state.witness.pid)]);
    } catch {
      /* fall back to the periodic write */
    }
  }
  for (let i = 0; i < 40; i++) {
    const w = readWitness();
    if (w && w.updatedAt !== before) return w;
    await new Promise((r) => setTimeout(r, 25));
  }
  return readWitness();
}

/** Waits until the witness has seen `connections` live connections of a client. */
export async function waitForWitnessClient(clientId: string, connections: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const w = readWitness();
    const open = w?.connections.filter((c) => c.clientId === clientId && c.closeReason === 'open' && c.messages > 0).length ?? 0;
    if (open >= connections) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new FerryError({
    code: 'LAB',
    message: `the witness did not see ${connections} connections of "${clientId}" within ${timeoutMs} ms`,
    hint: `see logs in ${labPaths().logs}`,
  });
}

/** The persisted lab state, if the lab is up. */
export function readState(): LabState | undefined {
  const file = labPaths().state;
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

function hostProc(hosts: Record<string, LabHostProcess>, name: string): LabHostProcess {
  const p = hosts[name];
  if (!p) throw new FerryError({ code: 'LAB', message: `lab host ${name} did not start` });
  return p;
}

function mustHost(name: string): LabHostDef {
  const h = findLabHost(name);
  if (!h) throw new FerryError({ code: 'INTERNAL', message: `lab host ${name} undefined` });
  return h;
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new FerryError({ code: 'NO_PRIVILEGES', message: 'the lab needs root (network namespaces, sshd)', hint: 'run as root' });
  }
}
