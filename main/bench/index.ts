// `npm run bench`: the freeze window of the hand recipe and of each Ferry mode, in the same run, for a grid of
// memory sizes and connection counts; plus the controller's own costs. Prints a table, writes JSON and an SVG.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize } from '../../app/bench/stats';
import { renderChart } from '../../app/bench/svg-chart';
import { toErrorInfo } from '../../app/errors';
import { createController } from '../controller/controller';
import { migrate } from '../engine/migrate';
import { LAB_NAME } from '../lab/lab-config';
import { labDown, labUp } from '../lab/lab';
import { repoRoot } from '../util/repo-root';
import { resetLab, startWorkload, stopWorkload, witnessGap } from './bench-workload';
import { controllerCosts, plainCopyMs } from './bench-costs';
import { handRecipe } from './hand-recipe';
import { BENCH_USAGE, modeOf, parseBenchArgs, type Method } from './bench-args';


interface Sample {
  method: Method;
  rssMib: number;
  connections: number;
  rep: number;
  ok: boolean;
  freezeMs?: number;
  gapMs?: number;
  totalMs?: number;
  imageBytes?: number;
  memoryCompleteMs?: number;
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
const { reps, rssList, connList, methods } = opts;
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

// The lab's name is read when the lab modules load: npm run bench sets FERRY_LAB=bench before node starts.
if (LAB_NAME !== process.env.FERRY_LAB) {
  process.stderr.write('bench: set FERRY_LAB (npm run bench uses its own lab, "bench", beside any other)\n');
  process.exit(2);
}
say(`lab "${process.env.FERRY_LAB}", ${reps} rep(s), rss ${rssList.join('/')} MiB, connections ${connList.join('/')}, methods ${methods.join(', ')}`);
await labUp({ demoConnections: 0, onProgress: say });
const controller = createController({ userConfig: false });
const samples: Sample[] = [];
const plain: Record<number, number> = {};
let pidSeq = 20000;

// A grid that varies memory at 100 connections and connections at 16 MiB, plus the corner cells (or --cells).
const cells = opts.cells;

try {
  for (const r of [...new Set(cells.map((c) => c.rssMib))]) {
    plain[r] = await plainCopyMs(controller.exec, r);
    say(`plain copy of ${r} MiB lab-a → lab-b: ${plain[r]} ms`);
  }
  for (const cell of cells) {
    for (let rep = 0; rep < reps; rep++) {
      for (const method of methods) {
        const sample: Sample = { method, ...cell, rep, ok: false };
        const clientId = `b-${method}-${cell.rssMib}-${cell.connections}-${rep}`;
        pidSeq += 50;
        let w;
        try {
          await resetLab();
          w = await startWorkload(cell.connections, cell.rssMib, clientId, pidSeq);
          await new Promise((res) => setTimeout(res, 800));
          const since = Date.now();
          if (method === 'hand') {
            const h = await handRecipe(w.pid, clientId);
            Object.assign(sample, { freezeMs: h.freezeMs, totalMs: h.totalMs, imageBytes: h.imageBytes, ok: true });
          } else {
            const rec = await migrate(
              { exec: controller.exec, resolveHost: controller.resolveHost, ...(method.endsWith('-plain') ? { pageStreamTls: false } : {}) },
              { from: 'lab-a', to: 'lab-b', pid: w.pid, addresses: [], budgetMs: 60_000, keepImages: false, mode: modeOf(method) },
            );
            Object.assign(sample, {
              ok: rec.outcome === 'succeeded',
              freezeMs: rec.freeze?.ms,
              totalMs: (rec.endedAt ?? 0) - rec.startedAt,
              imageBytes: rec.imageBytes,
              memoryCompleteMs: rec.lazyPages?.msAfterRestore,
              ...(rec.error ? { error: `${rec.error.code}: ${rec.error.message}` } : {}),
            });
          }
          const g = await witnessGap(w, since);
          Object.assign(sample, { gapMs: g.gapMs, resets: g.resets, reconnects: g.reconnects });
          if (g.resets || g.reconnects || g.broken) {
            sample.ok = false;
            sample.error = `${sample.error ?? ''} peer saw resets=${g.resets} reconnects=${g.reconnects} broken=${g.broken}`.trim();
          }
        } catch (e) {
          sample.error = toErrorInfo(e).message;
        } finally {
          if (w) await stopWorkload(controller.exec, w);
        }
        samples.push(sample);
        await writeReport(samples, plain, undefined, true);
        say(`${method.padEnd(8)} ${cell.rssMib} MiB ${cell.connections} conn #${rep}: ${sample.ok ? `freeze ${sample.freezeMs} ms, gap ${sample.gapMs} ms, total ${sample.totalMs} ms` : `FAILED ${sample.error}`}`);
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

async function writeReport(all: Sample[], plainMs: Record<number, number>, costs: unknown, quiet = false): Promise<void> {
  const rows: string[] = [];
  rows.push('| RSS | conns | method | ok | freeze median | freeze p95 | peer gap median | total median | images | vs hand (freeze) | memory complete |');
  rows.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const cellsOut = [];
  for (const cell of cells) {
    const hand = all.filter((s) => s.method === 'hand' && s.ok && s.rssMib === cell.rssMib && s.connections === cell.connections);
    const handMedian = summarize(hand.map((s) => s.freezeMs ?? NaN)).median;
    for (const method of methods) {
      const ss = all.filter((s) => s.method === method && s.rssMib === cell.rssMib && s.connections === cell.connections);
      const ok = ss.filter((s) => s.ok);
      const f = summarize(ok.map((s) => s.freezeMs ?? NaN));
      const g = summarize(ok.map((s) => s.gapMs ?? NaN));
      const t = summarize(ok.map((s) => s.totalMs ?? NaN));
      const img = summarize(ok.map((s) => s.imageBytes ?? NaN)).median;
      const mem = summarize(ok.map((s) => (s.memoryCompleteMs ?? NaN))).median;
      const ratio = f.median / handMedian;
      cellsOut.push({ ...cell, method, runs: ss.length, ok: ok.length, freeze: f, gap: g, total: t, imageBytes: img, ratioToHand: ratio, memoryCompleteMs: mem, plainCopyMs: plainMs[cell.rssMib] });
      rows.push(`| ${cell.rssMib} MiB | ${cell.connections} | ${method} | ${ok.length}/${ss.length} | ${fmt(f.median)} | ${fmt(f.p95)} | ${fmt(g.median)} | ${fmt(t.median)} | ${Number.isFinite(img) ? `${(img / 1048576).toFixed(1)} MiB` : '-'} | ${method === 'hand' ? '1' : Number.isFinite(ratio) ? ratio.toFixed(2) : '-'} | ${Number.isFinite(mem) ? `+${Math.round(mem)} ms` : '-'} |`);
    }
  }
  const table = rows.join('\n');
  if (!quiet) process.stdout.write(`${table}\n`);
  const out = path.resolve(repoRoot(), opts.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify({ date: new Date().toISOString(), reps, plainCopyMs: plainMs, cells: cellsOut, samples: all, controllerCosts: costs }, null, 2));
  const colors: Record<string, string> = { hand: '#c0392b', streamed: '#2471a3', staged: '#7d3c98', lazy: '#229954', 'streamed-plain': '#85c1e9', 'lazy-plain': '#82e0aa' };
  const median = (m: Method, r: number, c: number) => summarize(all.filter((s) => s.ok && s.method === m && s.rssMib === r && s.connections === c).map((s) => s.freezeMs ?? NaN)).median;
  const midConn = connList.includes(100) ? 100 : connList[0]!;
  const minRss = rssList[0]!;
  writeFileSync(`${out}.svg`, renderChart(`Ferry freeze window vs hand recipe (median of ${reps})`, [
    { title: `by memory (${midConn} connections)`, xLabels: rssList.map((r) => `${r} MiB`), series: methods.map((m) => ({ name: m, color: colors[m] ?? '#333', values: rssList.map((r) => median(m, r, midConn)) })) },
    { title: `by connections (${minRss} MiB)`, xLabels: connList.map(String), series: methods.map((m) => ({ name: m, color: colors[m] ?? '#333', values: connList.map((c) => median(m, minRss, c)) })) },
  ]));
  writeFileSync(`${out}-table.md`, `${table}\n`);
  if (!quiet) say(`wrote ${out}.json, ${out}.svg, ${out}-table.md`);
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : '-';
}
