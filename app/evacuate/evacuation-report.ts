// What became of each tree, and the evacuation's report and exit code: pure, from the plan and the records.
import type { EvacuationMove, EvacuationPlan, EvacuationReport, TreeOutcome } from '../model/evacuation';
import type { MigrationRecord } from '../model/migration';

/** One tree's outcome from its migration's record. */
export function treeOutcome(move: EvacuationMove, record: MigrationRecord): TreeOutcome {
  const base = { pid: move.pid, comm: move.comm, to: move.to };
  if (record.outcome === 'succeeded') {
    return { ...base, result: 'moved', migrationId: record.id, ...(record.freeze?.ms === undefined ? {} : { freezeMs: record.freeze.ms }) };
  }
  return {
    ...base,
    result: 'failed',
    migrationId: record.id,
    outcome: record.outcome,
    error: record.error ?? { code: 'INTERNAL', message: `migration ${record.id} ended ${record.outcome}` },
    ...(record.rollback ? { rolledBack: record.rollback.ok } : {}),
  };
}

/** How the evacuation ended early, if it did. */
export interface EvacuationEnd {
  cancelled?: boolean;
  /** Stopped after a failure (`--on-failure stop`). */
  stopped?: boolean;
}

/** The report: moved (with freeze and destination), stayed and why, failed and why, and the trees never started. */
export function evacuationReport(
  id: string,
  plan: EvacuationPlan,
  outcomes: readonly TreeOutcome[],
  times: { startedAt: number; endedAt: number },
  end: EvacuationEnd = {},
): EvacuationReport {
  const byPid = new Map(outcomes.map((o) => [o.pid, o]));
  const why = end.cancelled ? 'the evacuation was cancelled before it started' : end.stopped ? 'the evacuation stopped after a failure' : 'never started';
  const all: TreeOutcome[] = plan.moves.map((m) => byPid.get(m.pid) ?? { pid: m.pid, comm: m.comm, to: m.to, result: 'not-started', why });
  const moved = all.filter((o): o is Extract<TreeOutcome, { result: 'moved' }> => o.result === 'moved');
  const failed = all.filter((o): o is Extract<TreeOutcome, { result: 'failed' }> => o.result === 'failed');
  const notStarted = all.filter((o): o is Extract<TreeOutcome, { result: 'not-started' }> => o.result === 'not-started');
  const outcome = end.cancelled ? 'cancelled' : end.stopped ? 'stopped' : failed.length || notStarted.length ? 'partial' : 'complete';
  return {
    id,
    host: plan.request.host,
    ...times,
    outcome,
    moved,
    stayed: plan.stays.map((s) => ({ pid: s.pid, comm: s.comm, why: s.why })),
    failed,
    notStarted,
  };
}

/** 0 when every movable tree moved; 130 when cancelled; 1 when anything movable did not move. */
export function evacuationExitCode(r: EvacuationReport): number {
  if (r.outcome === 'complete') return 0;
  return r.outcome === 'cancelled' ? 130 : 1;
}

/** The report as lines for a terminal. */
export function reportLines(r: EvacuationReport): string[] {
  const lines = [`evacuation ${r.id} of ${r.host}: ${r.outcome} (${r.endedAt - r.startedAt} ms)`];
  for (const m of r.moved)
    lines.push(`  moved    ${m.pid} (${m.comm}) → ${m.to}${m.freezeMs === undefined ? '' : `, freeze ${m.freezeMs} ms`} [${m.migrationId}]`);
  for (const f of r.failed)
    lines.push(
      `  failed   ${f.pid} (${f.comm}) → ${f.to}: [${f.error.code}] ${f.error.message}${f.rolledBack === undefined ? '' : f.rolledBack ? ' (rolled back)' : ' (ROLLBACK INCOMPLETE)'}${f.migrationId ? ` [${f.migrationId}]` : ''}`,
    );
  for (const n of r.notStarted) lines.push(`  not run  ${n.pid} (${n.comm}) → ${n.to}: ${n.why}`);
  for (const s of r.stayed) for (const w of s.why) lines.push(`  stayed   ${s.pid} (${s.comm}): [${w.code}]${w.host ? ` (${w.host})` : ''} ${w.message}`);
  return lines;
}

/** The plan as lines for a terminal (`--dry-run` and the start of a run). */
export function planLines(p: EvacuationPlan): string[] {
  const lines = [`evacuation of ${p.request.host} to ${p.request.to.join(', ')}: ${p.moves.length} tree(s) move, ${p.stays.length} stay`];
  p.moves.forEach((m, i) =>
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${m.pid} (${m.comm}) → ${m.to}: ${m.treePids.length} process(es), ${m.connections} connection(s), ${m.listeners} listener(s), ${Math.round(m.rssKiB / 1024)} MiB, ${m.mode}, moves ${m.moves.join(', ') || 'no address'}${m.predictedFreezeMs === undefined ? '' : `, predicted freeze ${Math.round(m.predictedFreezeMs)} ms`}`,
    ),
  );
  for (const s of p.stays) {
    lines.push(`  stays ${s.pid} (${s.comm}):`);
    for (const w of s.why) lines.push(`      [${w.code}]${w.host ? ` (${w.host})` : ''} ${w.message}${w.hint ? `\n        hint: ${w.hint}` : ''}`);
  }
  for (const w of p.warnings) lines.push(`  warning: ${w}`);
  return lines;
}
