// `npm run bench`: the freeze window of the hand recipe and of each Ferry mode, in the same run, for a grid of
// memory sizes and connection counts; plus the controller's own costs. Prints a table, writes JSON and an SVG.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize } from '../../app/bench/stats';
import { renderChart } from '../../app/bench/svg-chart';
import { toErrorInfo } from '../../app/errors';
import { createController } from '../controller/controller';
import { controllerDeps } from '../service/engine-effects';
import { migrate } from '../engine/migrate';
import { LAB_NAME } from '../lab/lab-config';
import { labDown, labUp } from '../lab/lab';
import { repoRoot } from '../util/repo-root';
import { resetLab, startShmWorkload, startWorkload, stopWorkload, witnessGap, type Workload } from './bench-workload';
import { controllerCosts, plainCopyMs } from './bench-costs';
import { expertRecipe } from './expert-recipe';
import { handRecipe } from './hand-recipe';
import { BENCH_USAGE, modeOf, parseBenchArgs, type Cell, type Kind, type Method } from './bench-args';
import { rehearse } from '../engine/rehearse';
import { openRecordStore } from '../store/record-store';
import { newestRecords, predictingStore, saveRehearsal } from '../service/rehearsal-store';
import { errorPct } from '../../app/rehearsal/compare';

interface Sample {
  method: Method;
  kind: Kind;
  rssMib: number;
  connections: number;
  rep: number;
  ok: boolean;
  freezeMs?: number;
  gapMs?: number;
  totalMs?: number;
  imageBytes?: number;
  memoryCompleteMs?: number;
  relayedBytes?: number;
  directBytes?: number;
  /** Source side, dump done → images (and lazy mode's direct stream) sent: record.transferMs. */
  transferMs?: number;
  /** --predict: the rehearsal's predicted freeze of this run's mode. */
  predictedMs?: number;
  resets?: number;
  reconnects?: number;
  error?: string;
}

const args = parseBenchArgs(process.argv.slice(2));
if (args.kind === 'help') {
  process.stdout.write(`${BENCH_USAGE}\n`);
  process.exit(0);
}
if (args.kind === 'error') {
  process.stderr.write(`bench: ${args.message}\n\n${BENCH_USAGE}\n`);
  process.exit(2);
}
const opts = args.options;
const { reps, methods } = opts;
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

// The lab's name is read when the lab modules load: npm run bench sets FERRY_LAB=bench before node starts.
if (LAB_NAME !== process.env.FERRY_LAB) {
  process.stderr.write('bench: set FERRY_LAB (npm run bench uses its own lab, "bench", beside any other)\n');
  process.exit(2);
}
say(`lab "${process.env.FERRY_LAB}"${opts.suite ? `, suite ${opts.suite}` : `, ${reps} rep(s), methods ${methods.join(', ')}`}`);
await labUp({ demoConnections: 0, onProgress: say });
const controller = createController({ userConfig: false });
const samples: Sample[] = [];
const plain: Record<number, number> = {};
let pidSeq = 20000;

// A grid that varies memory at 100 connections and connections at 16 MiB, plus the corner cells (or --cells,
// --shm, --suite).
const cells = opts.cells;
const { pingpong, pingpongModes } = opts;
const pingpongSamples: Sample[] = [];

try {
  for (const r of [...new Set(cells.map((c) => c.rssMib))]) {
    plain[r] = await plainCopyMs(controller.exec, r);
    say(`plain copy of ${r} MiB lab-a → lab-b: ${plain[r]} ms`);
  }
  if (pingpong > 0) await runPingpong();
  for (const cell of cells) {
    for (let rep = 0; rep < cell.reps; rep++) {
      for (const method of cell.methods) {
        const sample: Sample = { method, kind: cell.kind, rssMib: cell.rssMib, connections: cell.connections, rep, ok: false };
        const clientId = `b-${method}-${cell.kind}-${cell.rssMib}-${cell.connections}-${rep}`;
        pidSeq += 50;
        let w: Workload | undefined;
        try {
          await resetLab();
          w =
            cell.kind === 'shm' ? await startShmWorkload(cell.rssMib, clientId, pidSeq) : await startWorkload(cell.connections, cell.rssMib, clientId, pidSeq);
          await new Promise((res) => setTimeout(res, 800));
          const since = Date.now();
          if (method === 'hand' || method === 'expert') {
            const h = method === 'hand' ? await handRecipe(w.pid, clientId) : await expertRecipe(w.pid, clientId, 26000 + (pidSeq % 1000));
            Object.assign(sample, { freezeMs: h.freezeMs, totalMs: h.totalMs, imageBytes: h.imageBytes, ok: true });
          } else {
            const deps = controllerDeps(controller, method.endsWith('-plain') ? { pageStreamTls: false } : {});
            const request = { from: 'lab-a', to: 'lab-b', pid: w.pid, addresses: [], budgetMs: 60_000, keepImages: false, mode: modeOf(method) };
            if (opts.predict) await predictRun(deps, request, sample);
            const rec = await migrate(deps, request);
            Object.assign(sample, recordFigures(rec));
          }
          const g = await witnessGap(w, since);
          judge(sample, g);
        } catch (e) {
          sample.error = toErrorInfo(e).message;
        } finally {
          if (w) await stopWorkload(controller.exec, w);
        }
        samples.push(sample);
        await writeReport(samples, plain, undefined, true);
        say(
          `${method.padEnd(8)} ${cell.kind === 'shm' ? 'shm ' : ''}${cell.rssMib} MiB ${cell.connections} conn #${rep}: ${sample.ok ? `freeze ${sample.freezeMs} ms${sample.transferMs !== undefined ? ` (transfer ${sample.transferMs} ms)` : ''}, gap ${sample.gapMs} ms, total ${sample.totalMs} ms${sample.relayedBytes !== undefined ? `, relayed ${(sample.relayedBytes / 1048576).toFixed(1)} MiB` : ''}` : `FAILED ${sample.error}`}`,
        );
      }
    }
  }
  const costs = opts.skipCosts ? undefined : await controllerCosts(controller.exec, say);
  await writeReport(samples, plain, costs);
} finally {
  await controller.close();
  await resetLab().catch(() => undefined);
  if (!opts.keep) await labDown();
}

/**
 * --predict: a rehearsal of the run's request just before it (its prediction goes into the run's record, and into
 * the sample), calibrated with the records of the runs before it.
 */
async function predictRun(deps: ReturnType<typeof controllerDeps>, request: Parameters<typeof migrate>[1], sample: Sample): Promise<void> {
  const records = openRecordStore();
  try {
    const r = await rehearse(deps, request, { dump: opts.predict === 'dump', history: () => newestRecords(records, 60) });
    saveRehearsal(records, r);
    const p = r.predictions.find((x) => x.mode === (request.mode ?? r.mode));
    if (p) sample.predictedMs = p.ms;
    say(
      `rehearsal: predicted ${p ? `${Math.round(p.ms)} ms (${p.mode})` : '-'}, link ${r.link?.bandwidthMiBps ?? '?'} MiB/s, calibrated with ${r.calibratedWith}${r.dump ? `, real dump ${r.dump.wallMs} ms` : ''}${
        r.ok
          ? ''
          : `, problems: ${r.findings
              .filter((f) => f.severity === 'problem')
              .map((f) => f.message)
              .join('; ')}`
      }`,
    );
  } catch (e) {
    say(`rehearsal failed: ${toErrorInfo(e).message}`);
  }
  deps.store = predictingStore(deps.store, records);
}

/** The figures a sample takes from a migration record. */
function recordFigures(rec: Awaited<ReturnType<typeof migrate>>): Partial<Sample> {
  return {
    ok: rec.outcome === 'succeeded',
    freezeMs: rec.freeze?.ms,
    totalMs: (rec.endedAt ?? 0) - rec.startedAt,
    imageBytes: rec.imageBytes,
    memoryCompleteMs: rec.lazyPages?.msAfterRestore,
    ...(rec.relayedBytes !== undefined ? { relayedBytes: rec.relayedBytes } : {}),
    ...(rec.directBytes !== undefined ? { directBytes: rec.directBytes } : {}),
    ...(rec.transferMs !== undefined ? { transferMs: rec.transferMs } : {}),
    ...(rec.prediction ? { predictedMs: rec.prediction.ms } : {}),
    ...(rec.error ? { error: `${rec.error.code}: ${rec.error.message}` } : {}),
  };
}

/** What the witness saw decides too: a reset, a reconnect or a broken stream fails the sample. */
function judge(sample: Sample, g: Awaited<ReturnType<typeof witnessGap>>): void {
  Object.assign(sample, { gapMs: g.gapMs, resets: g.resets, reconnects: g.reconnects });
  if (g.resets || g.reconnects || g.broken) {
    sample.ok = false;
    sample.error = `${sample.error ?? ''} peer saw resets=${g.resets} reconnects=${g.reconnects} broken=${g.broken}`.trim();
  }
}

/** The demo workload (4 connections) migrated lab-a ⇄ lab-b `pingpong` times per mode, one workload per mode. */
async function runPingpong(): Promise<void> {
  for (const mode of pingpongModes) {
    await resetLab();
    pidSeq += 50;
    const w = await startWorkload(4, 0, `b-pp-${mode}`, pidSeq);
    try {
      await new Promise((res) => setTimeout(res, 800));
      for (let i = 0; i < pingpong; i++) {
        const [from, to] = i % 2 === 0 ? ['lab-a', 'lab-b'] : ['lab-b', 'lab-a'];
        const sample: Sample = { method: mode, kind: 'demo', rssMib: 0, connections: 4, rep: i, ok: false };
        const since = Date.now();
        try {
          const rec = await migrate(controllerDeps(controller), { from, to, pid: w.pid, addresses: [], budgetMs: 60_000, keepImages: false, mode });
          Object.assign(sample, recordFigures(rec));
          judge(sample, await witnessGap(w, since));
        } catch (e) {
          sample.error = toErrorInfo(e).message;
        }
        pingpongSamples.push(sample);
        say(`ping-pong ${mode} #${i} ${from}→${to}: ${sample.ok ? `freeze ${sample.freezeMs} ms, gap ${sample.gapMs} ms` : `FAILED ${sample.error}`}`);
        if (!sample.ok) break;
        await new Promise((res) => setTimeout(res, 300));
      }
    } finally {
      await stopWorkload(controller.exec, w);
    }
  }
}

async function writeReport(all: Sample[], plainMs: Record<number, number>, costs: unknown, quiet = false): Promise<void> {
  const rows: string[] = [];
  rows.push(
    '| workload | conns | method | ok | freeze median | freeze p95 | peer gap median | total median | images | relayed | vs hand | vs expert | memory complete |',
  );
  rows.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const cellsOut = [];
  const sameCell = (cell: Cell) => (x: Sample) => x.kind === cell.kind && x.rssMib === cell.rssMib && x.connections === cell.connections;
  const mib = (b: number) => (Number.isFinite(b) ? `${(b / 1048576).toFixed(1)} MiB` : '-');
  for (const cell of cells) {
    const inCell = all.filter(sameCell(cell));
    const baseline = (m: Method) => summarize(inCell.filter((x) => x.method === m && x.ok).map((x) => x.freezeMs ?? NaN)).median;
    const [hand, expert] = [baseline('hand'), baseline('expert')];
    for (const method of cell.methods) {
      const ss = inCell.filter((x) => x.method === method);
      const ok = ss.filter((x) => x.ok);
      const f = summarize(ok.map((x) => x.freezeMs ?? NaN));
      const g = summarize(ok.map((x) => x.gapMs ?? NaN));
      const t = summarize(ok.map((x) => x.totalMs ?? NaN));
      const img = summarize(ok.map((x) => x.imageBytes ?? NaN)).median;
      const relayed = summarize(ok.map((x) => x.relayedBytes ?? NaN)).median;
      const mem = summarize(ok.map((x) => x.memoryCompleteMs ?? NaN)).median;
      const ratio = (b: number, self: Method) => (method === self ? '1' : Number.isFinite(f.median / b) ? (f.median / b).toFixed(2) : '-');
      cellsOut.push({
        ...cell,
        method,
        runs: ss.length,
        ok: ok.length,
        freeze: f,
        gap: g,
        total: t,
        imageBytes: img,
        relayedBytes: relayed,
        ratioToHand: f.median / hand,
        ratioToExpert: f.median / expert,
        memoryCompleteMs: mem,
        plainCopyMs: plainMs[cell.rssMib],
      });
      const label = cell.kind === 'shm' ? `${cell.rssMib} MiB MAP_SHARED` : `${cell.rssMib} MiB`;
      rows.push(
        `| ${label} | ${cell.connections} | ${method} | ${ok.length}/${ss.length} | ${fmt(f.median)} | ${fmt(f.p95)} | ${fmt(g.median)} | ${fmt(t.median)} | ${mib(img)} | ${mib(relayed)} | ${ratio(hand, 'hand')} | ${ratio(expert, 'expert')} | ${Number.isFinite(mem) ? `+${Math.round(mem)} ms` : '-'} |`,
      );
    }
  }
  if (all.some((x) => x.predictedMs !== undefined)) {
    rows.push(
      '',
      '| workload | conns | mode | runs | predicted median | measured median | error | per run (predicted/measured ms) |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const cell of cells) {
      for (const method of cell.methods) {
        const ok = all.filter(sameCell(cell)).filter((x) => x.method === method && x.ok && x.predictedMs !== undefined);
        if (!ok.length) continue;
        const pm = summarize(ok.map((x) => x.predictedMs ?? NaN)).median;
        const mm = summarize(ok.map((x) => x.freezeMs ?? NaN)).median;
        const e = errorPct(pm, mm);
        rows.push(
          `| ${cell.rssMib} MiB | ${cell.connections} | ${method} | ${ok.length} | ${fmt(pm)} | ${fmt(mm)} | ${e === undefined ? '-' : `${e > 0 ? '+' : ''}${e.toFixed(0)} %`} | ${ok.map((x) => `${Math.round(x.predictedMs ?? 0)}/${x.freezeMs}`).join(', ')} |`,
        );
      }
    }
  }
  if (pingpongSamples.length) {
    rows.push(
      '',
      '| demo ping-pong (4 conns) | runs | ok | freeze median | freeze p95 | freeze max | peer gap median | peer gap p95 |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const mode of pingpongModes) {
      const ss = pingpongSamples.filter((x) => x.method === mode);
      const ok = ss.filter((x) => x.ok);
      const f = summarize(ok.map((x) => x.freezeMs ?? NaN));
      const g = summarize(ok.map((x) => x.gapMs ?? NaN));
      rows.push(`| ${mode} | ${ss.length} | ${ok.length} | ${fmt(f.median)} | ${fmt(f.p95)} | ${fmt(f.max)} | ${fmt(g.median)} | ${fmt(g.p95)} |`);
    }
  }
  const table = rows.join('\n');
  if (!quiet) process.stdout.write(`${table}\n`);
  const out = path.resolve(repoRoot(), opts.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    `${out}.json`,
    JSON.stringify(
      { date: new Date().toISOString(), reps, plainCopyMs: plainMs, cells: cellsOut, samples: all, pingpong: pingpongSamples, controllerCosts: costs },
      null,
      2,
    ),
  );
  const colors: Record<string, string> = {
    hand: '#c0392b',
    expert: '#b9770e',
    streamed: '#2471a3',
    staged: '#7d3c98',
    lazy: '#229954',
    'streamed-plain': '#85c1e9',
    'lazy-plain': '#82e0aa',
  };
  const grid = cells.filter((c) => c.kind === 'demo');
  const gridRss = [...new Set(grid.map((c) => c.rssMib))].sort((a, b) => a - b);
  const gridConns = [...new Set(grid.map((c) => c.connections))].sort((a, b) => a - b);
  const gridMethods = [...new Set(grid.flatMap((c) => c.methods))];
  const median = (m: Method, r: number, c: number) =>
    summarize(all.filter((x) => x.ok && x.kind === 'demo' && x.method === m && x.rssMib === r && x.connections === c).map((x) => x.freezeMs ?? NaN)).median;
  if (grid.length) {
    const midConn = gridConns.includes(100) ? 100 : gridConns[0]!;
    const minRss = gridRss[0]!;
    writeFileSync(
      `${out}.svg`,
      renderChart(`Ferry freeze window vs the plain recipes (median of ${reps})`, [
        {
          title: `by memory (${midConn} connections)`,
          xLabels: gridRss.map((r) => `${r} MiB`),
          series: gridMethods.map((m) => ({ name: m, color: colors[m] ?? '#333', values: gridRss.map((r) => median(m, r, midConn)) })),
        },
        {
          title: `by connections (${minRss} MiB)`,
          xLabels: gridConns.map(String),
          series: gridMethods.map((m) => ({ name: m, color: colors[m] ?? '#333', values: gridConns.map((c) => median(m, minRss, c)) })),
        },
      ]),
    );
  }
  writeFileSync(`${out}-table.md`, `${table}\n`);
  if (!quiet) say(`wrote ${out}.json${grid.length ? `, ${out}.svg` : ''}, ${out}-table.md`);
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : '-';
}
