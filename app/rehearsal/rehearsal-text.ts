// A rehearsal as text for the CLI: the verdict, the findings, what was measured and the predicted freeze per mode.
import type { Rehearsal } from '../contract/contract';

const rank = { problem: 0, warning: 1, ok: 2 } as const;
const mark = { problem: '✗', warning: '!', ok: '✓' } as const;

/** The lines `ferry migrate --rehearse` prints. */
export function rehearsalLines(r: Rehearsal): string[] {
  const q = r.request;
  const out = [
    `rehearsal ${r.id}: ${q.from} → ${q.to}, pid ${q.pid}${r.preview.plan ? ` (${r.preview.plan.comm})` : ''}: ${r.ok ? 'the migration would start' : 'the migration would be REFUSED'} (${r.ms} ms, nothing frozen${r.dump ? ' but the one real dump' : ''}, nothing left behind)`,
  ];
  for (const f of [...r.findings].sort((a, b) => rank[a.severity] - rank[b.severity]))
    out.push(`  ${mark[f.severity]} ${f.check}: ${f.host ? `${f.host}: ` : ''}${f.message}${f.hint ? ` (${f.hint})` : ''}`);
  if (r.workload)
    out.push(
      `memory: ${r.workload.privateMiB} MiB private (can be lazy), ${r.workload.sharedMiB} MiB shared (cannot); ${r.workload.processes} process(es), ${r.workload.threads ?? '?'} thread(s), ${r.workload.connections} connection(s)`,
    );
  if (r.hosts)
    for (const [side, h] of [
      [q.from, r.hosts.source],
      [q.to, r.hosts.destination],
    ] as const)
      out.push(
        `host ${side}: SSH round trip ${h.rttMs} ms, CRIU start ${h.criuStartMs} ms, criu check ${h.criuCheckMs ?? '?'} ms, nft ${h.nftMs} ms, ip ${h.ipMs} ms`,
      );
  if (r.link) out.push(`link ${q.from} → ${q.to}: ${r.link.bandwidthMiBps} MiB/s (TLS, ${((r.link.bytes ?? 0) / 1048576).toFixed(0)} MiB in ${r.link.ms} ms)`);
  if (r.dump)
    out.push(
      `real dump (--leave-running): ${r.dump.wallMs} ms, frozen ${r.dump.frozenMs ?? '?'} ms, pages written ${r.dump.pagesWritten ?? '?'} in ${r.dump.memwriteMs ?? '?'} ms`,
    );
  if (r.dumpError) out.push(`real dump: ${r.dumpError}`);
  out.push(`predicted freeze (calibrated with ${r.calibratedWith} past migration(s) between these hosts):`);
  for (const p of r.predictions) {
    const chosen = p.mode === r.mode ? ' ← the plan’s mode' : '';
    out.push(
      `  ${p.mode.padEnd(9)} ${p.ok ? `${Math.round(p.ms)} ms` : `(refused: ${p.problem ?? 'no plan'})`}${p.ok ? `, memory in the freeze ${p.memory.inFreezeMiB.toFixed(1)} MiB${p.memory.lazyMiB ? `, lazy ${p.memory.lazyMiB.toFixed(1)} MiB` : ''}` : ''}${chosen}`,
    );
    if (p.ok) out.push(`    ${p.parts.map((x) => `${x.name} ${Math.round(x.ms)}`).join(' · ')}`);
  }
  for (const c of r.cleanedUp) out.push(`removed: ${c}`);
  return out;
}
