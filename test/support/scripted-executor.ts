// An Executor that answers scripted commands, for the engine's branches the lab cannot produce (a rollback whose
// restore fails, an add that died half-way, a split brain with moved streams). Each rule matches a host and the
// command line; unmatched commands succeed silently. Every call is recorded, in order, for the test to check.
import type { Executor, RemoteProcess, RunOptions, RunResult } from '../../main/hosts/executor';
import type { MigrationRecord, MigrationPlan, TransferMode } from '../../app/model/migration';
import { SECTION_MARKER } from '../../app/parse/sections';
import { buildPlan } from '../../app/plan/build-plan';
import type { MigrateDeps } from '../../main/engine/engine-deps';
import type { FreezeContext, FreezeState } from '../../main/engine/freeze-context';
import { StepRunner } from '../../main/engine/step-runner';
import { LAB_TOOLS, labPlanInput } from './lab-snapshots';

export { labFixture } from './lab-snapshots';

/** One scripted answer: the first rule whose host and pattern match answers. */
export interface Rule {
  host?: string;
  /** Tested against the command line joined by spaces. */
  when: RegExp;
  reply: Partial<RunResult> | ((argv: readonly string[]) => Partial<RunResult>);
}

/** A recorded call: host and the command line joined by spaces. */
export interface Call {
  host: string;
  line: string;
}

export class ScriptedExecutor implements Executor {
  readonly calls: Call[] = [];

  constructor(private readonly rules: Rule[] = []) {}

  /** Adds a rule (before the earlier ones: the latest wins). */
  on(host: string | undefined, when: RegExp, reply: Rule['reply']): this {
    this.rules.unshift({ ...(host ? { host } : {}), when, reply });
    return this;
  }

  async run(host: string, argv: readonly string[], _opts?: RunOptions): Promise<RunResult> {
    const line = argv.join(' ');
    this.calls.push({ host, line });
    const rule = this.rules.find((r) => (r.host === undefined || r.host === host) && r.when.test(line));
    const out = rule ? (typeof rule.reply === 'function' ? rule.reply(argv) : rule.reply) : {};
    return { code: 0, stdout: '', stderr: '', ...out };
  }

  async spawn(host: string, argv: readonly string[]): Promise<RemoteProcess> {
    throw new Error(`spawn is not scripted (${host}: ${argv.join(' ')})`);
  }

  async close(): Promise<void> {}

  /** Index of the first call on `host` matching `when` (-1: none). */
  indexOf(host: string, when: RegExp): number {
    return this.calls.findIndex((c) => c.host === host && when.test(c.line));
  }
}

/** Output of the host probe script with the given sections (what a real host prints, from lab fixtures). */
export function probeOutput(sections: Record<string, string>): string {
  const all = {
    uid: '0',
    kernel: '6.18.44',
    tools: Object.entries(LAB_TOOLS)
      .map(([t, p]) => `${t} ${p}`)
      .join('\n'),
    addr: '[]',
    route: '[]',
    ...sections,
    end: '',
  };
  return Object.entries(all)
    .map(([name, text]) => `\n${SECTION_MARKER} ${name}\n${text}`)
    .join('');
}

/** The plan of the demo workload lab-a → lab-b, built by the real preflight from the captured snapshots. */
export function labPlan(mode: TransferMode): MigrationPlan {
  const r = buildPlan(labPlanInput('m-scripted', { mode }));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** A freeze context over `exec` with in-memory effects; `logs` collects the saved logs. */
export function scriptedContext(exec: Executor, plan: MigrationPlan, state: Partial<FreezeState>): FreezeContext & { logs: Map<string, string> } {
  const logs = new Map<string, string>();
  const deps: MigrateDeps = {
    exec,
    resolveHost: () => {
      throw new Error('not resolved in this test');
    },
    store: {
      saveRecord: () => undefined,
      saveLog: (_id, name, text) => (logs.set(name, text), name),
      journal: () => ({ write: () => {}, start: () => {} }),
    },
    lock: () => () => {},
    now: () => 1_000,
    pageServerPort: () => 27123,
    criu: ['/opt/ferry/bin/criu'],
  };
  const record: MigrationRecord = {
    id: plan.id,
    request: plan.request,
    startedAt: 0,
    outcome: 'running',
    steps: [],
    connections: [],
    logs: {},
    warnings: [],
    plan,
  };
  // The freeze had begun: a rollback ends it.
  record.freeze = { startedAt: 500 };
  const run = new StepRunner(record, () => {}, deps.now);
  return { deps, run, plan, state: { dumped: false, addressRemoved: false, addressAdded: false, announcements: [], ...state }, tablesBefore: [], logs };
}
