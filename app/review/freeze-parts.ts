// Where the freeze went: the window split into its parts from the freeze scripts' markers (each host's clock)
// and CRIU's own log timestamps. The parts add up to the window: what no marker or log line covers (the start
// signal reaching the source, the scripts' exit reaching the controller, clock differences) is its own part.
import type { FreezePart, TransferMode } from '../model/migration';
import type { Marker } from '../parse/markers';
import { criuLogLines, type CriuLogLine } from '../parse/criu';
import { dumpMemoryPhases } from '../parse/criu-dump-memory';

export type { FreezePart };

export interface FreezeBreakdownInput {
  mode: TransferMode;
  /** The freeze window as the controller measured it. */
  freezeMs: number;
  source: readonly Marker[];
  destination: readonly Marker[];
  dumpLog?: string;
  restoreLog?: string;
  /** How the small images travelled: host to host (the image stream) or through the controller (default). */
  imagesVia?: 'direct' | 'controller';
}

/** A page-server close that took longer than this is CRIU's cork stall (the request sat corked in the socket). */
export const CORK_STALL_MS = 100;

/** The freeze split into parts (streamed and lazy modes); undefined when a marker of a finished freeze is missing. */
export function freezeBreakdown(i: FreezeBreakdownInput): FreezePart[] | undefined {
  const at = (ms: readonly Marker[], name: string) => ms.find((m) => m.name === name)?.atMs;
  const s = (n: string) => at(i.source, n);
  const d = (n: string) => at(i.destination, n);
  const lazy = i.mode === 'lazy';
  const marks = {
    dumpStart: s('dump-start'),
    dumpDone: s('dump-done'),
    removed: s('address-removed'),
    received: d('received'),
    lazyStarted: d('lazy-pages-started'),
    added: d('address-added'),
    restored: d('restored'),
  };
  if (Object.entries(marks).some(([k, v]) => v === undefined && (k !== 'lazyStarted' || lazy))) return undefined;
  const m = marks as Record<keyof typeof marks, number>;
  const parts: FreezePart[] = [];
  const add = (name: string, ms: number, host: FreezePart['host'], detail?: string) =>
    parts.push({ name, ms: round(Math.max(0, ms)), host, ...(detail ? { detail } : {}) });

  // Ferry's lock on the source's connections (one nft call before the dump), when the script marked it.
  const locked = s('locked');
  if (locked !== undefined)
    add(
      'source: connections locked',
      locked - m.dumpStart,
      'source',
      "one nft add: the lock loaded before the freeze starts dropping the connections' four-tuples (the dump runs with --network-lock skip)",
    );
  const dumpFrom = locked ?? m.dumpStart;
  // A lazy dump's CRIU answers only once the pages have left: its ready byte ends its part of the freeze.
  const dumpWorker = workerSpan(s('dump-requested'), s(lazy ? 'dump-ready' : 'dump-answered'), dumpFrom, m.dumpDone);
  if (dumpWorker) {
    // A pre-started CRIU: its request, its log, the rest of the request's time, its client's exit.
    add('criu dump: request to the pre-started CRIU', dumpWorker.request, 'source', WORKER_REQUEST);
    dumpParts(lazy, dumpWorker.criu, i.dumpLog ? criuLogLines(i.dumpLog) : [], true).forEach((p) => add(p.name, p.ms, 'source', p.detail));
    if (lazy) add('criu dump: ready signal and client exit', dumpWorker.exit, 'source', WORKER_READY_EXIT);
    else add('criu dump: answer and client exit', dumpWorker.exit, 'source', WORKER_EXIT);
  } else dumpParts(lazy, m.dumpDone - dumpFrom, i.dumpLog ? criuLogLines(i.dumpLog) : []).forEach((p) => add(p.name, p.ms, 'source', p.detail));
  // The address hook's move, when one ran (between the address's own removal and its marker on each side).
  const hook = (ms: readonly Marker[], from: number, to: number, host: FreezePart['host'], name: string) => {
    const a = at(ms, 'hook-start');
    const b = at(ms, 'hook-done');
    if (a === undefined || b === undefined || a < from || b > to) return add(name, to - from, host);
    add(name, a - from + (to - b), host);
    add(`${host}: address hook (move)`, b - a, host, "the operator's address hook, under its own budget (docs/address-hooks.md)");
  };
  hook(i.source, m.dumpDone, m.removed, 'source', 'source: address removed');
  if (i.imagesVia === 'direct')
    add(
      'images to the destination',
      m.received - m.removed,
      'source',
      'the page-less images: source tar → relay → TLS → relay → destination tar (the image stream, connected before the freeze)',
    );
  else
    add('images through the controller', m.received - m.removed, 'controller', 'the page-less images: source tar → SSH → controller → SSH → destination tar');
  // Lazy: the daemon (started before the freeze, waiting for its images) gets them at `received` and the address
  // moves meanwhile (lazy-pages-started after address-added); older scripts started it before the move.
  const overlapped = lazy && m.lazyStarted > m.added;
  if (lazy && !overlapped)
    add(
      'lazy-pages daemon start',
      m.lazyStarted - m.received,
      'destination',
      'criu lazy-pages starts, reads the images and listens for the restore (scripts that started it at `received`)',
    );
  hook(i.destination, lazy && !overlapped ? m.lazyStarted : m.received, m.added, 'destination', 'destination: address added');
  if (overlapped)
    add(
      'lazy-pages daemon start',
      m.lazyStarted - m.added,
      'destination',
      'what the address move did not cover: the pre-started criu lazy-pages reads the tree (handed over by its guard) and listens for the restore',
    );
  const restoreFrom = overlapped ? m.lazyStarted : m.added;
  const restoreWorker = workerSpan(d('restore-requested'), d('restore-answered'), restoreFrom, m.restored);
  if (restoreWorker) add('criu restore: request to the pre-started CRIU', restoreWorker.request, 'destination', WORKER_REQUEST);
  const restore = restoreWorker ? restoreWorker.criu : m.restored - restoreFrom;
  const rlog = i.restoreLog ? criuLogLines(i.restoreLog) : [];
  const rEnd = rlog.at(-1)?.ms;
  if (rEnd !== undefined && rEnd <= restore) {
    const unlock = unlockParts(rlog);
    add('criu restore', rEnd - unlock.reduce((n, p) => n + p.ms, 0), 'destination', 'from its first log line to its last, but the unlock');
    unlock.forEach((p) => add(p.name, p.ms, 'destination', p.detail));
    if (restoreWorker) add('criu restore: reads the request, opens its log', restore - rEnd, 'destination', WORKER_SETUP);
    else add('criu restore: start and exit', restore - rEnd, 'destination', 'process start-up before the first log line, and exit');
  } else {
    add('criu restore', restore, 'destination');
  }
  if (restoreWorker) add('criu restore: answer and client exit', restoreWorker.exit, 'destination', WORKER_EXIT);
  const covered = parts.reduce((n, p) => n + p.ms, 0);
  add(
    'signals (controller ↔ hosts)',
    i.freezeMs - covered,
    'controller',
    "the start line reaching the source script, and both scripts' exit reaching the controller",
  );
  return parts;
}

const WORKER_REQUEST = "the script signals the pre-started CRIU's client (criu swrk, started before the freeze), which sends the request";
const WORKER_SETUP = 'CRIU reads the request, its cached kernel facts and opens its log, before its first log line (no process start-up)';
const WORKER_EXIT = "CRIU's answer to the client, the client's exit and the script going on";
const WORKER_READY_EXIT =
  "CRIU's ready byte to the client (status_fd), the hand-over of CRIU's socket to the holder that waits for the pages to leave, the client's exit and the script going on";

/**
 * A pre-started CRIU's span from the client's markers (`requested`, `answered`), inside the script's [from, to]:
 * the request, CRIU's own time, and the answer with the client's exit. Undefined without both markers.
 */
function workerSpan(requested: number | undefined, answered: number | undefined, from: number, to: number) {
  if (requested === undefined || answered === undefined || requested < from || answered < requested || to < answered) return undefined;
  return { request: requested - from, criu: answered - requested, exit: to - answered };
}

function dumpParts(lazy: boolean, span: number, log: CriuLogLine[], worker = false): { name: string; ms: number; detail?: string }[] {
  const end = lazy ? log.find((l) => l.text.startsWith('Running status-ready scripts'))?.ms : log.at(-1)?.ms;
  if (end === undefined || end > span) return [{ name: 'criu dump', ms: span }];
  const out: { name: string; ms: number; detail?: string }[] = [];
  const di = log.findIndex((l) => l.text.startsWith('page-xfer: Disconnect from the page server'));
  const next = di >= 0 ? log[di + 1] : undefined;
  const disc = di >= 0 ? log[di] : undefined;
  if (!lazy && disc && next) {
    const close = next.ms - disc.ms;
    out.push({ name: 'criu dump: freeze, collect, send pages', ms: disc.ms });
    out.push({
      name: 'criu dump: page-server close',
      ms: close,
      detail: close >= CORK_STALL_MS ? 'cork stall: the close request waited in a corked socket' : 'the page server confirms it has every page',
    });
    out.push({ name: 'criu dump: unfreeze, finish', ms: end - next.ms });
  } else if (lazy) {
    out.push(...lazyDumpParts(log, end));
  } else {
    out.push({ name: 'criu dump', ms: end });
  }
  if (worker) out.push({ name: 'criu dump: reads the request, opens its log', ms: span - end, detail: WORKER_SETUP });
  else
    out.push({
      name: 'criu dump: start and exit',
      ms: span - end,
      detail: lazy ? 'process start-up before the first log line, and the ready signal' : 'process start-up before the first log line, and exit',
    });
  return out;
}

/**
 * A lazy dump up to its ready line: what it spends on the memory it leaves behind (app/parse/criu-dump-memory.ts:
 * the mappings' smaps, the pagemap scan, the pages pinned in pipes, each growing with the resident pages) apart
 * from the rest (freezing, the sockets, files and registers).
 */
function lazyDumpParts(log: CriuLogLine[], end: number): { name: string; ms: number; detail?: string }[] {
  const mem = dumpMemoryPhases(log, end);
  const rest = { name: 'criu dump: freeze, collect (memory stays)', ms: end };
  if (!mem) return [rest];
  const pages = `${mem.pages.toLocaleString('en-US')} resident pages of 4 KiB`;
  return [
    { ...rest, ms: end - mem.vmaMs - mem.pagemapMs - mem.pinMs },
    {
      name: 'criu dump: memory: mappings (smaps)',
      ms: mem.vmaMs,
      detail: 'CRIU reads /proc/PID/smaps: the kernel walks every page-table entry of every mapping',
    },
    { name: 'criu dump: memory: pagemap scan', ms: mem.pagemapMs, detail: `PAGEMAP_SCAN, then one page-pipe entry per page: ${pages}` },
    {
      name: 'criu dump: memory: pages pinned in pipes',
      ms: mem.pinMs,
      detail: `the parasite vmsplices them into pipes, in lazy mode too: ${mem.buffers} calls of up to 1,024 pages`,
    },
  ];
}

/**
 * The restore's network unlock, from its log: Ferry's action script at post-restore (it opens the destination's
 * pre-lock) and CRIU's own nftables unlock right after it (deleting a `CRIU-<dump id>` table, which exists on the
 * source only: it fails, after an nft transaction), both before the sockets leave repair mode.
 */
function unlockParts(log: CriuLogLine[]): { name: string; ms: number; detail: string }[] {
  const out: { name: string; ms: number; detail: string }[] = [];
  const post = log.findIndex((l) => l.text.startsWith('Running post-restore scripts'));
  let after = post + 1;
  // CLI CRIU logs the script's path ([…]); a pre-started CRIU logs `RPC` and waits while its client runs it.
  while (post >= 0 && (log[after]?.text.startsWith('[') || log[after]?.text === 'RPC')) after++;
  const [p, pEnd] = [log[post], log[after]];
  if (post >= 0 && p && pEnd)
    out.push({ name: 'criu restore: unlock script', ms: pEnd.ms - p.ms, detail: "the post-restore action script: opens the destination's pre-lock (nft)" });
  const un = log.findIndex((l) => l.text.endsWith('Unlock network'));
  const [u, uEnd] = [log[un], log[un + 1]];
  if (un >= 0 && u && uEnd)
    out.push({
      name: 'criu restore: CRIU network unlock',
      ms: uEnd.ms - u.ms,
      detail: "CRIU deletes its nftables lock table (the dump's, not on this host: an nft transaction that fails)",
    });
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;
