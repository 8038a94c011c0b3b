// Builds and validates a migration plan from both hosts' snapshots: the preflight, with no I/O.
import type { FerryErrorInfo } from '../errors';
import type { HostSpec, ProcessInfo, TcpSocket } from '../model/host';
import { fourTupleKey } from '../model/host';
import type { AddressMove, MigrationPlan, MigrationRequest, TransferMode } from '../model/migration';
import { pageGuardTableName } from './page-guard';
import { preLockTableName } from './pre-lock';
import type { HostSnapshot } from '../model/snapshot';
import { subtreePids } from '../process-tree';
import { planAddressHook } from '../hooks/hook-plan';
import { effectiveAddressHook } from '../hooks/host-hook';
import { addressInFamily, duplicateAddresses, isLinkLocal, sameSubnet } from '../ip-address';
import { addressesToMove, isLoopback, parseIpAddress, socketsOfTree } from '../sockets';
import { moveProblem } from './move-check';
import { imageDirs } from './image-dirs';
import { planSharedMemory } from './shared-memory';
import { sharedMemoryKiB } from '../parse/smaps';
import { describeStates, tupleClashes } from './stale-sockets';
import { hostReadiness } from './readiness';

/** Why a process that uses the management address cannot move, and how to start one that can. */
export const MOVABLE_DOC = 'docs/movable-services.md';

export interface PlanInput {
  id: string;
  request: MigrationRequest;
  source: HostSnapshot;
  destination: HostSnapshot;
  /** HostName of each side from the inventory (its management address when it is an IP). */
  sourceHostName: string;
  destinationHostName: string;
  /** SSH port of each side: sockets on it are management connections. */
  sourceSshPort: number;
  destinationSshPort: number;
  imageBase: string;
  /** Port for the destination's page server (streamed mode); lazy mode's direct stream listens on the next one. */
  pageServerPort: number;
  /** Lazy and streamed modes may keep the images on a tmpfs (false when the operator chose the image folder). */
  preferTmpfs?: boolean;
  /** Secret the direct stream's sender proves itself with (random per migration). */
  directStreamToken?: string;
  /** Encrypt and authenticate the page stream (default true; false only to measure what TLS costs). */
  pageStreamTls?: boolean;
  /** The address hooks the inventory declares for each host (used when the request names none). */
  hostHooks?: { source: Pick<HostSpec, 'name' | 'addressHook'>; destination: Pick<HostSpec, 'name' | 'addressHook'> };
}

export type PlanResult = { ok: true; plan: MigrationPlan } | { ok: false; problems: FerryErrorInfo[]; warnings: string[] };

/** Addresses a host is managed through: its inventory HostName and the local ends of its SSH sessions. */
export function managementAddresses(s: HostSnapshot, hostName: string, sshPort: number): string[] {
  const out = new Set<string>();
  const parsed = parseIpAddress(hostName);
  if (parsed) out.add(parsed.address);
  for (const sock of s.sockets ?? []) {
    if (sock.state === 'ESTAB' && sock.local.port === sshPort) out.add(normalize(sock.local.address));
  }
  return [...out];
}

function normalize(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** What the preflight found so far: problems refuse the migration, warnings go into the plan. */
interface Findings {
  problems: FerryErrorInfo[];
  warnings: string[];
}

/** The process tree on the source and how Ferry reaches both hosts. */
interface TreeFacts {
  root: ProcessInfo;
  treePids: number[];
  /** The tree's TCP sockets, and those of them that are connections. */
  sockets: TcpSocket[];
  connected: TcpSocket[];
  srcMgmt: string[];
  dstMgmt: string[];
}

/** Runs every preflight check; returns the plan or all problems found (nothing has run yet). */
export function buildPlan(input: PlanInput): PlanResult {
  const found: Findings = { problems: [], warnings: [] };
  readinessProblems(input, found);
  const tree = processTree(input, found);
  if (!tree) return { ok: false, ...found };
  const { moves, wanted } = addressMoves(input, tree, found);
  sharedAddressProblems(input, tree, moves, wanted, found);
  const stale = destinationProblems(input, tree, found);
  ipv6Problems(input, moves, found);
  const declared = input.hostHooks
    ? effectiveAddressHook(input.request.addressHook, input.hostHooks.source, input.hostHooks.destination)
    : { hook: input.request.addressHook, origin: 'request' as const, problems: [] };
  found.problems.push(...declared.problems);
  const hook = planAddressHook({ ...input.request, addressHook: declared.hook }, moves);
  found.problems.push(...hook.problems);
  if (declared.origin === 'inventory' && hook.hook) found.warnings.push(`address hook ${hook.hook.path} from the inventory (both hosts declare it)`);
  if (found.problems.length) return { ok: false, ...found };
  const result = assemblePlan(input, tree, moves, stale, found.warnings);
  if (result.ok && hook.hook) result.plan.addressHook = hook.hook;
  return result;
}

/** Both hosts' readiness checks that block a migration. */
function readinessProblems(input: PlanInput, found: Findings): void {
  const { request: req, source: src, destination: dst } = input;
  for (const [snap, host] of [
    [src, req.from],
    [dst, req.to],
  ] as const) {
    for (const c of hostReadiness(snap)) {
      if (!c.ok && c.code && !c.warning) found.problems.push({ code: c.code, host, message: `${c.name}: ${c.detail}`, ...(c.fix ? { hint: c.fix } : {}) });
    }
  }
}

/** The tree rooted at the PID, its sockets, and the hosts' management addresses; undefined: no such process. */
function processTree(input: PlanInput, found: Findings): TreeFacts | undefined {
  const { request: req, source: src, destination: dst } = input;
  const { problems, warnings } = found;
  const procs = src.processes ?? [];
  const root = procs.find((p) => p.pid === req.pid);
  if (!root) {
    problems.push({
      code: 'NO_SUCH_PROCESS',
      host: req.from,
      message: `no process ${req.pid} on ${req.from}`,
      hint: `list processes with: ferry ps ${req.from}`,
    });
    return undefined;
  }
  if (req.pid === 1) {
    problems.push({ code: 'BAD_INPUT', host: req.from, message: "PID 1 is the host's init and cannot be migrated" });
  }
  const treePids = subtreePids(procs, req.pid);
  // Sockets in another network namespace are not the host's (ss does not see them), and CRIU would dump and
  // recreate that namespace with interfaces (veth, macvlan) whose other end stays behind: the restore fails.
  const ownNetns = src.netns
    ? treePids.filter((p) => {
        const ns = src.netns?.byPid[p];
        return ns !== undefined && ns !== src.netns?.host;
      })
    : [];
  if (ownNetns.length) {
    problems.push({
      code: 'NOT_MOVABLE',
      host: req.from,
      message: `process${ownNetns.length > 1 ? 'es' : ''} ${ownNetns.slice(0, 8).join(', ')} of the tree run${ownNetns.length > 1 ? '' : 's'} in a network namespace of ${ownNetns.length > 1 ? 'their' : 'its'} own (${src.netns?.byPid[ownNetns[0] ?? 0]}, the host's is ${src.netns?.host}): Ferry moves processes of the host's network namespace only`,
      hint: `give the service an address of its own in the host's namespace instead (${MOVABLE_DOC})`,
    });
  }
  const sockets = socketsOfTree(src.sockets ?? [], treePids);
  const connected = sockets.filter((s) => s.state !== 'LISTEN' && s.state !== 'UNCONN');
  const srcMgmt = managementAddresses(src, input.sourceHostName, input.sourceSshPort);
  const dstMgmt = managementAddresses(dst, input.destinationHostName, input.destinationSshPort);

  // A process that serves the SSH session itself would take the management connection with it.
  if (sockets.some((s) => s.local.port === input.sourceSshPort && srcMgmt.includes(normalize(s.local.address)))) {
    problems.push({
      code: 'ADDRESS_IS_MANAGEMENT',
      host: req.from,
      message: `process ${req.pid} holds the SSH connection Ferry manages ${req.from} through`,
      hint: 'migrate a process that is not sshd or its session',
    });
  }

  if (connected.length === 0) warnings.push(`process ${req.pid} (${root.comm}) has no TCP connections: it migrates without any`);
  const loop = connected.filter((s) => isLoopback(s.local.address));
  if (loop.length)
    warnings.push(`${loop.length} loopback connection(s) stay behind unless both ends are in the process tree: ${loop.map(fourTupleKey).join(', ')}`);
  return { root, treePids, sockets, connected, srcMgmt, dstMgmt };
}

/** The addresses that move (explicit, or detected from the connections), each checked on both hosts. */
function addressMoves(input: PlanInput, tree: TreeFacts, found: Findings): { moves: AddressMove[]; wanted: string[] } {
  const { request: req, source: src, destination: dst } = input;
  const { problems } = found;
  let wanted: string[];
  if (req.addresses.length) {
    const twice = duplicateAddresses(req.addresses);
    if (twice.length) problems.push({ code: 'BAD_INPUT', message: `${twice.join(', ')} given more than once`, hint: 'name each address to move once' });
    wanted = [];
    for (const a of req.addresses) {
      const p = parseIpAddress(a);
      if (!p) problems.push({ code: 'BAD_INPUT', message: `not an IP address: ${JSON.stringify(a)}` });
      else wanted.push(p.address);
    }
  } else {
    wanted = addressesToMove(tree.sockets, [], { includeListeners: true });
  }
  const moves: AddressMove[] = [];
  for (const address of wanted) {
    if (isLinkLocal(address)) {
      problems.push({
        code: 'ADDRESS_MOVE_FAILED',
        host: req.from,
        message: `${address} is an IPv6 link-local address: it belongs to ${req.from}'s link and cannot move to another host`,
        hint: 'have the service use a global (or unique local) address, or pass --ip for the addresses that can move',
      });
      continue;
    }
    if (tree.srcMgmt.includes(address)) {
      problems.push({
        code: 'ADDRESS_IS_MANAGEMENT',
        host: req.from,
        message: `${address} is the address Ferry manages ${req.from} through; it cannot move`,
        hint: `give the service an address of its own before it starts: it binds to it, or a source route prefers it (${MOVABLE_DOC}); or pass --ip for the addresses that can move`,
      });
      continue;
    }
    const have = src.addresses.find((x) => x.address === address);
    if (!have) {
      problems.push({
        code: 'ADDRESS_NOT_LOCAL',
        host: req.from,
        message: `${address} is not an address of ${req.from}`,
        hint: 'check the address with: ip addr',
      });
      continue;
    }
    if (dst.addresses.some((x) => x.address === address) || tree.dstMgmt.includes(address)) {
      problems.push({
        code: 'ADDRESS_CONFLICT',
        host: req.to,
        message: `${address} is already present on ${req.to}`,
        hint: `remove it from ${req.to} first, or migrate elsewhere`,
      });
      continue;
    }
    const destinationDevice = pickDevice(dst, have.ifname, address);
    if (!destinationDevice) {
      problems.push({
        code: 'ADDRESS_MOVE_FAILED',
        host: req.to,
        message: `${req.to} has no interface for ${address} (no ${have.ifname}, no interface on its subnet)`,
      });
      continue;
    }
    const routes = src.routes
      // Only routes someone added to a routing table: not the kernel's local/connected routes.
      .filter((r) => r.prefsrc === address && r.dev && r.type === 'unicast' && r.protocol !== 'kernel' && (r.table === undefined || r.table === 'main'))
      .map((r) => ({ dst: r.dst, dev: r.dev as string, ...(r.gateway ? { gateway: r.gateway } : {}) }));
    const move: AddressMove = { address, prefixLen: have.prefixLen, family: have.family, sourceDevice: have.ifname, destinationDevice, routes };
    // Interface names and routes come from the hosts' own output: refuse odd ones before they reach `ip -batch`.
    const odd = moveProblem(move);
    if (odd) {
      problems.push({ code: 'BAD_INPUT', host: req.from, message: `cannot move ${address}: ${odd}` });
      continue;
    }
    moves.push(move);
  }
  return { moves, wanted };
}

/** Processes outside the tree that use a moving address (they lose it), and connections whose address stays. */
function sharedAddressProblems(input: PlanInput, tree: TreeFacts, moves: AddressMove[], wanted: string[], found: Findings): void {
  const { request: req, source: src } = input;
  const { treePids, connected } = tree;
  const others = sharedAddressUsers(
    src.sockets ?? [],
    moves.map((m) => m.address),
    treePids,
  );
  if (others.length) {
    const who = [
      ...new Map(
        others
          .flatMap((s) => s.owners)
          .filter((o) => !treePids.includes(o.pid))
          .map((o) => [o.pid, `${o.pid} (${o.comm})`]),
      ).values(),
    ];
    const what = `${moves
      .filter((m) => others.some((s) => normalize(s.local.address) === m.address))
      .map((m) => m.address)
      .join(', ')} is also used by ${others.length} socket(s) of process(es) outside the tree: ${who.slice(0, 8).join(', ')}${who.length > 8 ? ', …' : ''}`;
    if (req.allowSharedAddress) found.warnings.push(`${what}; they break when it moves (moving a shared address was asked for)`);
    else
      found.problems.push({
        code: 'ADDRESS_CONFLICT',
        host: req.from,
        message: `${what}; they would break when it moves`,
        hint: 'migrate their common parent instead, stop them, or accept it: --allow-shared-address (dashboard: "Move a shared address")',
      });
  }
  const uncovered = connected.filter((s) => !isLoopback(s.local.address) && !wanted.includes(normalize(s.local.address)));
  if (uncovered.length && req.addresses.length) {
    found.warnings.push(
      `${uncovered.length} connection(s) use local addresses that do not move and will fail on ${req.to}: ${uncovered.map(fourTupleKey).join(', ')}`,
    );
  }
}

/** PIDs taken and four-tuples held on the destination; returns the ownerless leftovers destroyed before the freeze. */
function destinationProblems(input: PlanInput, tree: TreeFacts, found: Findings): TcpSocket[] {
  const { request: req, destination: dst } = input;
  const { treePids, connected } = tree;
  // PIDs must be free on the destination: CRIU restores every task with its PID.
  const taken = new Set((dst.processes ?? []).map((p) => p.pid));
  const clash = treePids.filter((p) => taken.has(p));
  if (clash.length) {
    const names = clash.map((p) => `${p} (${dst.processes?.find((x) => x.pid === p)?.comm ?? '?'})`).join(', ');
    found.problems.push({
      code: 'PID_TAKEN',
      host: req.to,
      message: `PID(s) ${names} already in use on ${req.to}; CRIU restores every process with its PID`,
      hint: `stop those processes on ${req.to}, or migrate to another host`,
    });
  }

  // The destination must not hold a connection's four-tuple: CRIU could not connect the restored socket back.
  const clashes = tupleClashes(connected, dst.sockets ?? []);
  if (clashes.owned.length) {
    const who = [...new Set(clashes.owned.flatMap((s) => s.owners.map((o) => `${o.pid} (${o.comm})`)))];
    found.problems.push({
      code: 'ADDRESS_CONFLICT',
      host: req.to,
      message: `${clashes.owned.length} connection(s) of process ${req.pid} also exist on ${req.to}, owned by ${who.slice(0, 8).join(', ')}: ${clashes.owned.slice(0, 3).map(fourTupleKey).join(', ')}${clashes.owned.length > 3 ? ', …' : ''}`,
      hint: `stop those processes on ${req.to} (the peer cannot hold two connections with one four-tuple), or migrate elsewhere`,
    });
  }
  if (clashes.stale.length) {
    found.warnings.push(
      `${req.to} still holds ${clashes.stale.length} leftover socket(s) with the four-tuples of connections that move (${describeStates(clashes.stale)}, owned by no process): they are destroyed before the freeze`,
    );
  }
  return clashes.stale;
}

/**
 * IPv6 addresses are announced with an unsolicited neighbour advertisement (a python3 sender): from the
 * destination after the move, from the source after a rollback.
 */
function ipv6Problems(input: PlanInput, moves: AddressMove[], found: Findings): void {
  const { request: req, source: src, destination: dst } = input;
  if (!moves.some((m) => m.family === 'inet6')) return;
  for (const [host, snap] of [
    [req.from, src],
    [req.to, dst],
  ] as const) {
    if (!snap.tools.python3) {
      found.problems.push({
        code: 'TOOL_MISSING',
        host,
        message: `moving an IPv6 address needs python3 on ${host} (it sends the unsolicited neighbour advertisement that points the neighbours at the new host)`,
        hint: 'apt-get install python3-minimal',
      });
    }
  }
}

/** Everything checked: the transfer mode, shared memory, image folders, the page stream and the plan itself. */
function assemblePlan(input: PlanInput, tree: TreeFacts, moves: AddressMove[], stale: TcpSocket[], warnings: string[]): PlanResult {
  const { request: req, source: src, destination: dst } = input;
  const { root, treePids, connected, srcMgmt, dstMgmt } = tree;
  const procs = src.processes ?? [];
  const treeKiB = procs.filter((p) => treePids.includes(p.pid)).reduce((n, p) => n + p.rssKiB, 0);
  const memory = {
    // Resident memory counts resident shared pages too; what is left is the private memory lazy mode defers.
    privateKiB: Math.max(0, treeKiB - sharedMemoryKiB(src.sharedMemory ?? [])),
    sharedKiB: sharedMemoryKiB(src.sharedMemory ?? []),
    lazyTools: !!src.tools.python3 && !!dst.tools.python3,
  };
  const transfer = chooseTransfer(
    req.mode,
    { sourceHostName: input.sourceHostName, destinationHostName: input.destinationHostName, srcMgmt, dstMgmt },
    input.pageServerPort,
    memory,
  );
  if ('problem' in transfer) return { ok: false, problems: [transfer.problem], warnings };
  if (transfer.mode === 'lazy') {
    // The destination's page guard and the recovery's page source are python3 programs.
    const without = (
      [
        [req.from, src],
        [req.to, dst],
      ] as const
    )
      .filter(([, s]) => !s.tools.python3)
      .map(([h]) => h);
    if (without.length) {
      return {
        ok: false,
        warnings,
        problems: [
          {
            code: 'TOOL_MISSING',
            host: without[0]!,
            message: `lazy mode needs python3 on ${without.join(' and ')} (the page guard that keeps missing pages from reading as zeros, and the page recovery)`,
            hint: 'apt-get install python3-minimal, or use --mode streamed',
          },
        ],
      };
    }
  }
  const shm = planSharedMemory({
    mode: transfer.mode,
    source: src,
    destination: dst,
    destinationAddress: parseIpAddress(input.destinationHostName)?.address ?? dstMgmt[0],
    // Where the source's CRIU listens in lazy mode is surely one of its own addresses: the sender binds to it.
    sourceAddresses: [transfer.mode === 'lazy' ? transfer.pageServer?.address : undefined, ...srcMgmt],
    port: input.pageServerPort + 1,
    token: input.directStreamToken ?? 'plan-only',
  });
  warnings.push(...shm.warnings);
  const rssKiB = treeKiB;
  const dirs = imageDirs(
    input.id,
    input.imageBase,
    transfer.mode,
    src,
    dst,
    shm.sharedMemory?.kib ?? 0,
    input.preferTmpfs ?? false,
    rssKiB,
    input.request.keepImages,
    connected.length,
  );
  if (transfer.pageServer) {
    transfer.pageServer.tls = input.pageStreamTls !== false;
    if (transfer.pageServer.peer || shm.directStream?.peer) transfer.pageServer.guardTable = pageGuardTableName(input.id);
    if (!transfer.pageServer.peer)
      warnings.push(
        `no address of the ${transfer.mode === 'lazy' ? 'destination' : 'source'} in the family of ${transfer.pageServer.address} is known: the page-stream port is not limited to it (TLS still authenticates the other end)`,
      );
    if (shm.directStream && !shm.directStream.peer)
      warnings.push(
        `no address of the source in the family of ${shm.directStream.address} is known: the direct stream's port is not limited to it (TLS still authenticates the other end)`,
      );
  }
  // A tree whose session or process group leader is outside it (started from a shell) needs --shell-job.
  const st = src.stat?.pid === req.pid ? src.stat : undefined;
  const shellJob = !!st && (!treePids.includes(st.session) || !treePids.includes(st.pgrp));
  if (shellJob) warnings.push(`process ${req.pid} belongs to session ${st?.session} outside its tree: dumped as a shell job`);
  return {
    ok: true,
    plan: {
      id: input.id,
      request: req,
      treePids,
      comm: root.comm,
      args: root.args,
      rssKiB,
      shellJob,
      addresses: moves,
      connections: connected,
      ...(stale.length ? { staleOnDestination: stale } : {}),
      ...(shm.sharedMemory ? { sharedMemory: shm.sharedMemory } : {}),
      ...(shm.directStream ? { directStream: shm.directStream } : {}),
      transferMode: transfer.mode,
      transferReason: dirs.note ? `${transfer.reason}; ${dirs.note}` : transfer.reason,
      ...(transfer.pageServer ? { pageServer: transfer.pageServer } : {}),
      preLock: { table: preLockTableName(input.id), actionScript: `${dirs.destination}/unlock.sh` },
      sourceImageDir: dirs.source,
      destinationImageDir: dirs.destination,
      criu: { source: src.criu?.path ?? 'criu', destination: dst.criu?.path ?? 'criu' },
      criuWorker: { source: !!src.tools.python3, destination: !!dst.tools.python3 },
      warnings,
    },
  };
}

type TransferChoice = { mode: TransferMode; reason: string; pageServer?: NonNullable<MigrationPlan['pageServer']> } | { problem: FerryErrorInfo };

/**
 * Private memory from which lazy mode is the default. Measured on the lab (docs/benchmarks.md, docs/page-streams.md):
 * the streamed freeze grows with the memory it copies (52 MiB: ≈ 0.2 s either way; 256 MiB: ≈ 0.8 s streamed against
 * ≈ 0.3 s lazy; 1 GiB: 2–5 s streamed against 0.3–0.7 s lazy), while lazy mode's freeze barely does. Below this the
 * two freezes are alike and streamed mode, which needs nothing from the source afterwards, wins.
 */
export const LAZY_DEFAULT_MIN_KIB = 256 * 1024;

/** What the mode choice needs to know of the tree's memory and the hosts. */
export interface MemoryFacts {
  /** Private memory (lazy mode defers it). */
  privateKiB: number;
  /** Shared anonymous memory (never lazy: it is copied inside the freeze in every mode). */
  sharedKiB: number;
  /** Both hosts have what lazy mode's page guard and recovery need (python3). */
  lazyTools: boolean;
}

const mibText = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/** Why the default is not lazy, for the plan's reason. */
function whyNotLazy(m: MemoryFacts): string {
  if (m.privateKiB < LAZY_DEFAULT_MIN_KIB)
    return `${mibText(m.privateKiB)} of private memory: below ${mibText(LAZY_DEFAULT_MIN_KIB)} a streamed freeze is as short as a lazy one`;
  if (m.privateKiB <= m.sharedKiB) return `most of its memory is shared, which cannot be lazy`;
  if (!m.lazyTools) return 'lazy mode would need python3 on both hosts';
  return 'the destination knows no address of the source to fetch pages from';
}

/**
 * Streamed when the source can reach a page server on the destination's management address; else staged.
 * Lazy when asked for, or by default when the tree holds at least LAZY_DEFAULT_MIN_KIB of private memory, most of
 * its memory can be lazy, both hosts can run the page guard and the destination can reach the source: then the
 * streamed freeze would last as long as the copy, while a broken page transfer is recovered from the stopped source
 * copy and only the loss of the source host itself ends the connections (visibly).
 */
function chooseTransfer(
  wanted: TransferMode | undefined,
  hosts: { sourceHostName: string; destinationHostName: string; srcMgmt: string[]; dstMgmt: string[] },
  port: number,
  memory: MemoryFacts,
): TransferChoice {
  const toDst = parseIpAddress(hosts.destinationHostName)?.address ?? hosts.dstMgmt[0];
  const toSrc = parseIpAddress(hosts.sourceHostName)?.address ?? hosts.srcMgmt[0];
  // The one address the listener admits: the other host's, in the listener's family.
  const peerOf = addressInFamily;
  if (wanted === 'staged') return { mode: 'staged', reason: 'asked for: images dumped to disk, then copied' };
  const lazyByDefault =
    wanted === undefined && !!toSrc && memory.lazyTools && memory.privateKiB >= LAZY_DEFAULT_MIN_KIB && memory.privateKiB > memory.sharedKiB;
  if (wanted === 'lazy' || lazyByDefault) {
    if (!toSrc)
      return {
        problem: {
          code: 'BAD_INPUT',
          message: 'lazy transfer needs an address of the source the destination can reach; none is known',
          hint: 'use --mode streamed or staged',
        },
      };
    return {
      mode: 'lazy',
      reason: `${
        lazyByDefault
          ? `fastest safe mode for ${mibText(memory.privateKiB)} of private memory (from ${mibText(LAZY_DEFAULT_MIN_KIB)} on, a streamed freeze would last as long as copying it)`
          : 'asked for'
      }: restored without its memory, pages fetched from ${toSrc}:${port} afterwards; the process depends on the source until the last page has arrived (a broken page transfer is recovered from the stopped source copy; only the loss of the source host ends its connections, visibly)`,
      pageServer: { address: toSrc, port, ...opt('peer', peerOf(toSrc, [parseIpAddress(hosts.destinationHostName)?.address, ...hosts.dstMgmt])) },
    };
  }
  if (!toDst) {
    if (wanted === 'streamed') {
      return {
        problem: {
          code: 'BAD_INPUT',
          message: 'streamed transfer needs an address of the destination the source can reach; none is known',
          hint: 'use --mode staged',
        },
      };
    }
    return { mode: 'staged', reason: 'no address of the destination is known for a page server: images copied through the controller' };
  }
  return {
    mode: 'streamed',
    reason: `${wanted === 'streamed' ? 'asked for' : `fastest safe mode (${whyNotLazy(memory)})`}: memory pages stream from the dump straight to a page server on ${toDst}:${port}, nothing is written to the source's disk twice, and nothing depends on the source after the restore`,
    pageServer: { address: toDst, port, ...opt('peer', peerOf(toDst, [parseIpAddress(hosts.sourceHostName)?.address, ...hosts.srcMgmt])) },
  };
}

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

function pickDevice(dst: HostSnapshot, sourceDevice: string, address: string): string | undefined {
  if (dst.addresses.some((a) => a.ifname === sourceDevice)) return sourceDevice;
  const p = parseIpAddress(address);
  if (!p) return undefined;
  const onSubnet = dst.addresses.find((a) => !isLoopback(a.address) && sameSubnet(a.address, address, a.prefixLen));
  return onSubnet?.ifname;
}

/** Keys of the connections a plan expects to find again on the destination. */
export function expectedConnections(sockets: TcpSocket[]): string[] {
  return sockets.filter((s) => s.state === 'ESTAB').map(fourTupleKey);
}

/** Sockets outside the tree bound to one of `addresses` (listening or connected; not TIME-WAIT leftovers). */
export function sharedAddressUsers(sockets: readonly TcpSocket[], addresses: readonly string[], treePids: readonly number[]): TcpSocket[] {
  return sockets.filter(
    (s) =>
      addresses.includes(normalize(s.local.address)) &&
      s.owners.length > 0 &&
      s.owners.some((o) => !treePids.includes(o.pid)) &&
      s.state !== 'TIME-WAIT' &&
      s.state !== 'UNCONN',
  );
}
