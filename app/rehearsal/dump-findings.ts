// Whether CRIU can dump the tree, checked without dumping it: the preflight's own problems and warnings (both
// hosts' readiness, the tree's network namespace, addresses, PIDs, shared memory: app/plan/build-plan.ts) and what
// the rehearsal read of the tree (its UNIX sockets' peers, descriptors CRIU 4.2 cannot dump, device and deleted
// mappings, namespaces other than the host's).
import type { FerryErrorInfo } from '../errors';
import type { WorkloadFacts } from '../model/prediction';
import type { TreeFacts } from '../parse/tree-facts';

/** One finding of a rehearsal: `problem` refuses the migration (as the preflight would), `warning` does not. */
export interface RehearsalFinding {
  severity: 'ok' | 'warning' | 'problem';
  check: string;
  message: string;
  host?: string;
  hint?: string;
}

/** anon_inode kinds CRIU 4.2 refuses to dump. */
const UNDUMPABLE_FDS: Record<string, string> = {
  io_uring: 'io_uring instances',
  perf_event: 'perf events',
  'bpf-map': 'BPF maps',
  'bpf-prog': 'BPF programs',
  userfaultfd: 'userfaultfd descriptors',
};

/** Namespaces CRIU dumps with the tree only when asked (Ferry dumps the tree in the host's). */
const NAMESPACES = ['mnt', 'pid', 'ipc', 'uts', 'user', 'cgroup'];

/** The preflight's problems and warnings as findings. */
export function preflightFindings(problems: readonly FerryErrorInfo[], warnings: readonly string[]): RehearsalFinding[] {
  return [
    ...problems.map((p) => ({
      severity: 'problem' as const,
      check: `preflight: ${p.code}`,
      message: p.message,
      ...(p.host ? { host: p.host } : {}),
      ...(p.hint ? { hint: p.hint } : {}),
    })),
    ...warnings.map((w) => ({ severity: 'warning' as const, check: 'preflight', message: w })),
  ];
}

/** CRIU's view of the tree from what the rehearsal read on the source. */
export function treeFindings(facts: TreeFacts, host: string): RehearsalFinding[] {
  const out: RehearsalFinding[] = [];
  const pids = new Set(facts.processes.map((p) => p.pid));
  const add = (severity: RehearsalFinding['severity'], check: string, message: string, hint?: string) =>
    out.push({ severity, check, message, host, ...(hint ? { hint } : {}) });

  const inodes = new Set(facts.processes.flatMap((p) => p.socketInodes));
  const byInode = new Map(facts.unix.map((u) => [u.inode, u]));
  const external = facts.unix.filter((u) => inodes.has(u.inode) && u.peer > 0 && (byInode.get(u.peer)?.pids ?? []).some((p) => !pids.has(p)));
  if (external.length)
    add(
      'problem',
      'unix sockets',
      `${external.length} UNIX socket(s) of the tree are connected to processes outside it (${[...new Set(external.flatMap((u) => byInode.get(u.peer)?.pids ?? []).filter((p) => !pids.has(p)))].slice(0, 6).join(', ')}): CRIU refuses an external UNIX connection`,
      'migrate the common parent of both ends, or restart the service without that connection (e.g. stdout to a file instead of the journal)',
    );
  else add('ok', 'unix sockets', `${facts.unix.filter((u) => inodes.has(u.inode)).length} UNIX socket(s), none connected outside the tree`);

  const bad = new Map<string, number>();
  for (const p of facts.processes) for (const [kind, n] of Object.entries(p.anonFds)) if (UNDUMPABLE_FDS[kind]) bad.set(kind, (bad.get(kind) ?? 0) + n);
  if (bad.size)
    add(
      'problem',
      'descriptors',
      `the tree holds ${[...bad].map(([k, n]) => `${n} ${UNDUMPABLE_FDS[k]}`).join(', ')}: CRIU 4.2 cannot dump them`,
      'the service must run without them to be movable',
    );
  else
    add(
      'ok',
      'descriptors',
      `${facts.processes.reduce((n, p) => n + p.socketInodes.length + Object.values(p.anonFds).reduce((a, b) => a + b, 0), 0)} socket and anon-inode descriptor(s), all of kinds CRIU dumps`,
    );

  const dev = [...new Set(facts.processes.flatMap((p) => p.deviceMaps))];
  if (dev.length)
    add(
      'problem',
      'mappings',
      `device mappings CRIU cannot dump: ${dev.slice(0, 4).join(', ')}`,
      'the service must not map devices (GPU, DRM, …) to be movable',
    );
  const deleted = [...new Set(facts.processes.flatMap((p) => p.deletedMaps))];
  if (deleted.length)
    add(
      'warning',
      'mappings',
      `mappings of deleted files (${deleted.slice(0, 3).join(', ')}): CRIU copies them as ghost files inside the freeze, and refuses files above its --ghost-limit (1 MiB)`,
    );
  const maps = facts.processes.reduce((n, p) => n + p.mappings, 0);
  if (!dev.length) add('ok', 'mappings', `${maps} mapping(s) in ${facts.processes.length} process(es)`);

  const own = NAMESPACES.filter((n) => facts.hostNs[n] && facts.processes.some((p) => p.ns[n] && p.ns[n] !== facts.hostNs[n]));
  if (own.length)
    add(
      'problem',
      'namespaces',
      `the tree runs in ${own.map((n) => `its own ${n}`).join(', ')} namespace(s), not the host's: Ferry dumps a tree in the host's namespaces`,
      'run the service in the host namespaces (only its own network address: docs/movable-services.md)',
    );
  else add('ok', 'namespaces', "the tree shares the host's namespaces");
  return out;
}

/** The tree's facts for the freeze model (shared memory from the plan's smaps reading, which counts unmapped pages too). */
export function workloadOfTree(facts: TreeFacts, connections: number, sharedKiB: number): WorkloadFacts {
  const anon = facts.processes.reduce((n, p) => n + p.rssAnonKiB, 0);
  return {
    processes: Math.max(1, facts.processes.length),
    threads: facts.processes.reduce((n, p) => n + p.threads, 0),
    connections,
    privateMiB: Math.round((anon / 1024) * 10) / 10,
    sharedMiB: Math.round((sharedKiB / 1024) * 10) / 10,
    mappings: facts.processes.reduce((n, p) => n + p.mappings, 0),
    memoryBasis: 'rss-anon',
  };
}
