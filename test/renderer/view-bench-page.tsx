// The page of the Processes-view benchmark (main/bench/view-bench.ts): the real renderer (its api client, store and
// views) against the renderer tests' stand-in main, answering processes:list with a host of PROCS processes and
// SOCKETS TCP sockets, made as `ps` and `ss -tainpHO` print them and read by the real parsers. window.viewBench
// runs one interaction and resolves with the milliseconds from it to the next painted frame.
import { parsePs } from '../../app/parse/ps';
import { parseSs } from '../../app/parse/ss';
import type { ProcessListing } from '../../app/contract/contract';
import { appInfo, host, hostList } from './fixtures';
import { handle, installPageBackend } from './page-backend';

const params = new URLSearchParams(location.search);
const PROCS = Number(params.get('procs') ?? 2000);
const SOCKETS = Number(params.get('sockets') ?? 10000);
/** The load process (as main/bench/ps-load.py: PROCS-1 children, every socket) and the host's own few. */
const LOAD = 4242;
const SYSTEM = 40;

const psLine = (pid: number, ppid: number, comm: string, args: string) =>
  `${String(pid).padStart(7)} ${String(ppid).padStart(5)} ${String(4096 + (pid % 97)).padStart(5)} ${String(1000 + pid).padStart(7)} S root${' '.repeat(29)} ${comm.padEnd(64)} ${args}`;

/** `ps` output: init, a few services, the load process and its children. */
function psText(): string {
  const lines = [psLine(1, 0, 'tini', '/usr/bin/tini -- /usr/sbin/sshd -D')];
  for (let i = 0; i < SYSTEM; i++) lines.push(psLine(90000 + i, 1, `svc-${i}`, `/usr/sbin/svc-${i} --config /etc/svc-${i}.conf --verbose`));
  lines.push(psLine(LOAD, 1, 'python3', `python3 /work/main/bench/ps-load.py ${PROCS} ${SOCKETS}`));
  for (let i = 0; i < PROCS - SYSTEM - 2; i++) lines.push(psLine(5000 + i, LOAD, 'python3', `python3 /work/main/bench/ps-load.py ${PROCS} ${SOCKETS}`));
  return lines.join('\n');
}

/** `ss -tainpHO` output: SOCKETS/2 loopback connections (both ends owned by the load process), stats varying by `tick`. */
function ssText(tick: number): string {
  const lines = ['LISTEN     0      4096             127.0.0.1:40000          0.0.0.0:*     users:(("python3",pid=4242,fd=3)) cubic cwnd:10'];
  for (let i = 0; i < SOCKETS / 2; i++) {
    const port = 20000 + i;
    const rtt = (0.02 + ((i + tick) % 50) / 1000).toFixed(3);
    const stats = `cubic wscale:7,7 rto:${200 + ((i + tick) % 9)} rtt:${rtt}/0.01 ato:40 mss:32768 pmtu:65535 rcvmss:536 advmss:65483 cwnd:10 bytes_sent:${i * 10 + tick} bytes_acked:${i * 10 + tick} segs_out:${tick + 3} segs_in:4 send 1000000000bps lastsnd:${tick} lastrcv:${tick} lastack:${tick} rcv_space:65483 minrtt:0.01 snd_wnd:65536`;
    lines.push(`ESTAB      0      0                127.0.0.1:${port}           127.0.0.1:40000 users:(("python3",pid=4242,fd=${4 + 2 * i})) ${stats}`);
    lines.push(`ESTAB      0      0                127.0.0.1:40000           127.0.0.1:${port} users:(("python3",pid=4242,fd=${5 + 2 * i})) ${stats}`);
  }
  return lines.join('\n');
}

const processes = parsePs(psText());
/** Three listings with different socket stats, parsed before anything is timed (main parses them, not the page). */
const socketSets = [0, 1, 2].map((t) => parseSs(ssText(t), { brief: true }));
let tick = 0;
/** When main last answered processes:list (the refresh's start). */
let answeredAt = 0;
const listing = (): ProcessListing => ({
  host: 'lab-a',
  takenAt: Date.now() + tick * 1000,
  processes: processes.map((p) => ({ ...p })),
  sockets: socketSets[tick % socketSets.length]!.map((s) => ({ ...s })),
  managementAddresses: ['198.18.0.2'],
});

installPageBackend();
handle({
  'app:info': async () => appInfo(),
  'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
  'migration:active': async () => [],
  'history:list': async () => [],
  'processes:list': async () => {
    const l = listing();
    tick++;
    answeredAt = performance.now();
    return l;
  },
});
await import('../../renderer/src/main');

/** Resolves after the next frame has been painted. */
const painted = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
/** Resolves when `ok()` holds (checked on every DOM change). */
const until = (ok: () => boolean) =>
  new Promise<void>((resolve) => {
    if (ok()) return resolve();
    const mo = new MutationObserver(() => {
      if (ok()) {
        mo.disconnect();
        resolve();
      }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
  });
const rows = () => document.querySelectorAll('[role=tree] [role=treeitem]');
const status = () => document.querySelector('#panel-processes [role=status]')?.textContent ?? '';
/** Types into a React-controlled input (the native setter, then an input event). */
const typeInto = (el: HTMLInputElement, value: string) => {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
};
const timed = async (act: () => void, done: () => boolean) => {
  const t0 = performance.now();
  act();
  await until(done);
  await painted();
  return performance.now() - t0;
};

declare global {
  interface Window {
    viewBench: typeof viewBench;
  }
}
const viewBench = {
  /** From the tab's click to the first painted tree (listing fetched, parsed into rows). */
  async open(): Promise<number> {
    await until(() => !!document.querySelector('#tab-processes'));
    return timed(
      () => (document.querySelector('#tab-processes') as HTMLElement).click(),
      () => rows().length > 0,
    );
  },
  /** One keystroke: the search box gets `q`; until the rows show the result. */
  async search(q: string): Promise<number> {
    const box = document.querySelector('input[aria-label="Search processes"]') as HTMLInputElement;
    const before = rows()[0]?.textContent;
    return timed(
      () => typeInto(box, q),
      () => rows().length === 0 || rows()[0]?.textContent !== before || box.value === q,
    );
  },
  /** Folds or unfolds process `pid` (its twisty). */
  async toggle(pid: number): Promise<number> {
    const row = document.getElementById(`proc-${pid}`)!;
    const was = row.getAttribute('aria-expanded');
    return timed(
      () => (row.querySelector('.twisty') as HTMLElement).click(),
      () => document.getElementById(`proc-${pid}`)?.getAttribute('aria-expanded') !== was,
    );
  },
  /** Selects process `pid` (its connections show beside the tree). */
  async select(pid: number): Promise<number> {
    return timed(
      () => document.getElementById(`proc-${pid}`)!.click(),
      () => document.getElementById(`proc-${pid}`)?.getAttribute('aria-selected') === 'true',
    );
  },
  /** The next live refresh: from main's answer (new socket stats) to the painted frame showing it. */
  async refresh(): Promise<number> {
    const before = status();
    await until(() => status() !== before && !status().includes('refreshing'));
    await painted();
    return performance.now() - answeredAt;
  },
  count: () => ({ rows: rows().length, processes: processes.length, status: status() }),
};
window.viewBench = viewBench;
