// Brings the real lab up for a test file and reads what its witness and hosts report.
import { demoArgv } from '../../main/lab/lab';
import { ferry, ferryOk } from './cli';

export interface LabStatusJson {
  up: boolean;
  hosts: { name: string; address: string; initPid?: number; alive: boolean }[];
  serviceAddress: { address: string; holder?: string };
  serviceAddress6: { address: string; holder?: string };
  demo?: { pid: number; host: string; connections: number };
  witness?: {
    connections: Array<{
      id: number;
      clientId?: string;
      connIndex?: number;
      remote: string;
      closeReason: string;
      intact: boolean | null;
      maxGapMs: number;
      messages: number;
      recentGaps: { endedAt: string; ms: number }[];
    }>;
    clients: Array<{ clientId: string; connIndex: number; connections: number; reconnects: number }>;
    totals: { connections: number; resets: number; reconnects: number; brokenStreams: number };
  };
}

/** `ferry lab up` (replacing any stale lab); returns the lab status. */
export async function labUp(connections = 4): Promise<LabStatusJson> {
  await ferryOk(['lab', 'up', '--connections', String(connections)]);
  return labStatus();
}

/** `ferry lab status --json`. */
export async function labStatus(): Promise<LabStatusJson> {
  return (await ferryOk(['lab', 'status', '--json'])).json as LabStatusJson;
}

/** `ferry lab down`. */
export async function labDown(): Promise<void> {
  await ferry(['lab', 'down']);
}

/** `ferry lab exec HOST -- argv`: the PID on that host. */
export async function labExec(host: string, argv: string[], pid?: number): Promise<number> {
  return (await labExecLog(host, argv, pid)).pid;
}

/** `ferry lab exec [--pid N] HOST -- argv`: the PID on that host and the file its output goes to. */
export async function labExecLog(host: string, argv: string[], pid?: number): Promise<{ pid: number; log: string }> {
  const r = await ferryOk(['lab', 'exec', ...(pid ? ['--pid', String(pid)] : []), host, '--', ...argv]);
  const log = /^log: (.*)$/m.exec(r.stderr)?.[1] ?? '';
  return { pid: Number(r.stdout.trim()), log };
}

/** Processes of a host by PID, from `ferry ps --json`. */
export async function hostProcesses(host: string): Promise<Map<number, { pid: number; comm: string; args: string; sockets: unknown[] }>> {
  const r = await ferryOk(['ps', host, '--json']);
  const out = new Map<number, { pid: number; comm: string; args: string; sockets: unknown[] }>();
  const walk = (n: any) => {
    out.set(n.pid, n);
    for (const c of n.children ?? []) walk(c);
  };
  for (const root of r.json.processes) walk(root);
  return out;
}

/**
 * Starts the lab's demo workload on lab-a as `pid` (`connections` to each witness address; `extra` options such as
 * `--rss-mib` or another `--connect`) and waits until `open` of its connections (default `connections`) talk to the
 * witness; fails the test if they never do.
 */
export async function startDemo(
  clientId: string,
  opts: { pid: number; connections: number; extra?: string[]; open?: number },
): Promise<{ pid: number; log: string }> {
  const w = await labExecLog('lab-a', demoArgv(opts.connections, clientId, opts.extra ?? []), opts.pid);
  const want = opts.open ?? opts.connections;
  let open = 0;
  for (let i = 0; i < 240 && open < want; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 250));
    open = (await labStatus()).witness?.connections.filter((c) => c.clientId === clientId && c.closeReason === 'open' && c.messages > 10).length ?? 0;
  }
  if (open < want) throw new Error(`the demo workload ${clientId} has ${open} of ${want} connections talking to the witness after 60 s (log: ${w.log})`);
  return w;
}
