// The address hook's contract (docs/address-hooks.md): where a service address is not an L2 address on one segment
// (a cloud's secondary IP, a BGP announcement, a VRRP address), an executable the operator gives moves it. Ferry
// writes one JSON request on its stdin and reads one JSON reply from its stdout. Values in, values out: the engine
// runs it (main/engine/address-hook-run.ts), the freeze scripts run `move` without a controller round trip.
import type { AddressHookPlan, AddressMove, MigrationPlan } from '../model/migration';
import { quoteArgv } from '../shell/quote';

/** The contract's version: a request carries it, a reply must carry the same one. */
export const HOOK_CONTRACT_VERSION = 1;

/** `prepare` before the freeze (no cost to the freeze), `move` inside it, `undo` on rollback or recovery. */
export const HOOK_ACTIONS = ['prepare', 'move', 'undo'] as const;
export type HookAction = (typeof HOOK_ACTIONS)[number];

/** Which host the hook runs on: each host does its own part (the source lets go, the destination claims). */
export type HookSide = 'source' | 'destination';

/** What Ferry itself does with the hook's addresses besides the hook (the prepare reply's `ferry`; default none). */
export const HOOK_FERRY_MOVES = ['none', 'address', 'both'] as const;
export type HookFerryMoves = (typeof HOOK_FERRY_MOVES)[number];

/** Budgets when the operator gives none (ms). `move` runs inside the freeze: its budget is its own, and short. */
export const HOOK_DEFAULT_BUDGET_MS = { prepare: 10_000, move: 2_000, undo: 10_000 } as const;
export const HOOK_BUDGET_LIMITS = { min: 50, max: 600_000 } as const;
/** Largest reply read (bytes of stdout); the freeze script cuts there too. */
export const HOOK_REPLY_MAX_BYTES = 65_536;

/** The request on the hook's stdin (one JSON object). */
export interface HookRequest {
  version: typeof HOOK_CONTRACT_VERSION;
  action: HookAction;
  side: HookSide;
  migrationId: string;
  addresses: { address: string; prefixLen: number; family: 'inet' | 'inet6'; sourceDevice: string; destinationDevice: string }[];
  source: { host: string; address?: string };
  destination: { host: string; address?: string };
  /** The hook is killed (SIGKILL) this many ms after it started. */
  budgetMs: number;
}

/** The reply on the hook's stdout. */
export interface HookReply {
  version: typeof HOOK_CONTRACT_VERSION;
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
  /** The time the action took, as the hook measured it. */
  ms?: number;
  /** prepare only: what Ferry does itself besides the hook (none: the hook moves everything). */
  ferry?: HookFerryMoves;
}

/** Why a run failed the contract (absent: it kept it). */
export type HookProblem = 'timeout' | 'exit' | 'malformed' | 'not-ok' | 'disagrees' | 'not-run';

/** One run of the hook as the record keeps it. */
export interface HookRun {
  action: HookAction;
  side: HookSide;
  host: string;
  ok: boolean;
  /** The hook's exit status (137 for a hook killed at its budget). */
  exit?: number;
  /** How long it ran: the freeze script's markers for `move`, the controller's clock otherwise. */
  ms?: number;
  budgetMs: number;
  message: string;
  problem?: HookProblem;
  reply?: HookReply;
  /** The end of its stderr (it logs there). */
  stderr?: string;
}

/** What a run left behind: its exit status, stdout and stderr; `timedOut` when Ferry killed it. */
export interface HookOutput {
  exit: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/** Exit statuses that mean `timeout -s KILL` ended the hook (137: SIGKILL; 124: timeout's own). */
const KILLED = new Set([124, 137]);

/** The hook's request for one action on one side. */
export function hookRequest(plan: MigrationPlan, hook: AddressHookPlan, action: HookAction, side: HookSide, hosts: HookHosts): HookRequest {
  const moves = plan.addresses.filter((m) => hook.addresses.includes(m.address));
  return {
    version: HOOK_CONTRACT_VERSION,
    action,
    side,
    migrationId: plan.id,
    addresses: moves.map(requestAddress),
    source: { host: plan.request.from, ...(hosts.source ? { address: hosts.source } : {}) },
    destination: { host: plan.request.to, ...(hosts.destination ? { address: hosts.destination } : {}) },
    budgetMs: hook.budgetMs[action],
  };
}

/** The hosts' own addresses (as the controller reaches them), for the request. */
export interface HookHosts {
  source?: string;
  destination?: string;
}

const requestAddress = (m: AddressMove): HookRequest['addresses'][number] => ({
  address: m.address,
  prefixLen: m.prefixLen,
  family: m.family,
  sourceDevice: m.sourceDevice,
  destinationDevice: m.destinationDevice,
});

/** The argv that runs the hook for one action: killed with SIGKILL at its budget (coreutils `timeout`). */
export function hookArgv(path: string, action: HookAction, budgetMs: number): string[] {
  return ['timeout', '-s', 'KILL', (budgetMs / 1000).toFixed(3), path, action];
}

/**
 * The file the freeze script runs for `move` (it sits in the host's image folder, written in `prepare`): the hook
 * under its budget, its request from `requestFile`. Quoted once here; the scripts only run it with sh.
 */
export function hookMoveWrapper(path: string, budgetMs: number, requestFile: string): string {
  return `exec ${quoteArgv(hookArgv(path, 'move', budgetMs))} <${quoteArgv([requestFile])}\n`;
}

/**
 * Judges one run against the contract. The exit status decides (the freeze script acts on it alone); the reply must
 * be the only thing on stdout (one JSON object; logs belong on stderr), carry the contract's version, and agree.
 */
export function judgeHookRun(action: HookAction, side: HookSide, host: string, budgetMs: number, out: HookOutput, ms?: number): HookRun {
  const base = { action, side, host, budgetMs, exit: out.exit, ...(ms !== undefined ? { ms: Math.round(ms * 10) / 10 } : {}), ...tail(out.stderr) };
  if (out.timedOut || KILLED.has(out.exit)) {
    return { ...base, ok: false, problem: 'timeout', message: `the hook's ${action} on ${host} ran past its budget of ${budgetMs} ms and was killed` };
  }
  const parsed = parseHookReply(out.stdout, action);
  if (out.exit !== 0) {
    const said = 'reply' in parsed ? `: ${parsed.reply.message}` : '';
    return {
      ...base,
      ok: false,
      problem: 'exit',
      message: `the hook's ${action} on ${host} exited ${out.exit}${said}`,
      ...('reply' in parsed ? { reply: parsed.reply } : {}),
    };
  }
  if ('error' in parsed) return { ...base, ok: false, problem: 'malformed', message: `the hook's ${action} on ${host} broke the contract: ${parsed.error}` };
  const { reply } = parsed;
  if (!reply.ok)
    return { ...base, ok: false, problem: 'disagrees', reply, message: `the hook's ${action} on ${host} exited 0 but replied ok: false: ${reply.message}` };
  return { ...base, ok: true, reply, message: reply.message };
}

const tail = (stderr: string) => (stderr.trim() ? { stderr: stderr.trim().slice(-2000) } : {});

/** Parses a reply (stdout of one run); an error names what is wrong with it. */
export function parseHookReply(stdout: string, action: HookAction): { reply: HookReply } | { error: string } {
  if (stdout.length > HOOK_REPLY_MAX_BYTES) return { error: `its reply is longer than ${HOOK_REPLY_MAX_BYTES} characters` };
  const text = stdout.trim();
  if (!text) return { error: 'it printed no reply on stdout (one JSON object expected)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const firstLine = text.split('\n')[0] ?? '';
    return {
      error:
        /^\{/.test(firstLine) && text.includes('\n')
          ? 'output besides its JSON reply on stdout (log to stderr)'
          : `its reply is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'its reply is not a JSON object' };
  const o = value as Record<string, unknown>;
  if (o.version !== HOOK_CONTRACT_VERSION) return { error: `its reply has version ${JSON.stringify(o.version)}, not ${HOOK_CONTRACT_VERSION}` };
  if (typeof o.ok !== 'boolean') return { error: 'its reply has no boolean "ok"' };
  if (o.message !== undefined && typeof o.message !== 'string') return { error: '"message" is not a string' };
  if (o.details !== undefined && (typeof o.details !== 'object' || o.details === null || Array.isArray(o.details)))
    return { error: '"details" is not an object' };
  if (o.ms !== undefined && (typeof o.ms !== 'number' || !Number.isFinite(o.ms) || o.ms < 0)) return { error: '"ms" is not a time in ms' };
  if (o.ferry !== undefined) {
    if (action !== 'prepare') return { error: '"ferry" belongs in the prepare reply only' };
    if (!HOOK_FERRY_MOVES.includes(o.ferry as HookFerryMoves)) return { error: `"ferry" must be one of ${HOOK_FERRY_MOVES.join(', ')}` };
  }
  const reply: HookReply = {
    version: HOOK_CONTRACT_VERSION,
    ok: o.ok,
    message: typeof o.message === 'string' ? o.message.slice(0, 500) : o.ok ? `${action} done` : `${action} failed`,
    ...(o.details !== undefined ? { details: o.details as Record<string, unknown> } : {}),
    ...(typeof o.ms === 'number' ? { ms: o.ms } : {}),
    ...(o.ferry !== undefined ? { ferry: o.ferry as HookFerryMoves } : {}),
  };
  return { reply };
}

/** What both sides' prepare replies ask Ferry to do itself; an error when they disagree. */
export function agreedFerryMoves(runs: readonly HookRun[]): { ferry: HookFerryMoves } | { error: string } {
  const said = [...new Set(runs.map((r) => r.reply?.ferry ?? 'none'))];
  if (said.length > 1)
    return {
      error: `the hook's prepare replies disagree on what Ferry moves itself (${runs.map((r) => `${r.host}: ${r.reply?.ferry ?? 'none'}`).join(', ')})`,
    };
  return { ferry: said[0] ?? 'none' };
}

/** The addresses Ferry moves itself (ip addr del/add, routes): those without a hook, and the hook's when it asked. */
export function ferryMovedAddresses(plan: Pick<MigrationPlan, 'addresses' | 'addressHook'>): AddressMove[] {
  const h = plan.addressHook;
  if (!h || h.ferry === 'address' || h.ferry === 'both') return plan.addresses;
  return plan.addresses.filter((m) => !h.addresses.includes(m.address));
}

/** The addresses Ferry announces itself (gratuitous ARP, unsolicited NA): the hook's only when it asked for both. */
export function ferryAnnouncedAddresses(plan: Pick<MigrationPlan, 'addresses' | 'addressHook'>): AddressMove[] {
  const h = plan.addressHook;
  if (!h || h.ferry === 'both') return plan.addresses;
  return plan.addresses.filter((m) => !h.addresses.includes(m.address));
}

/** Names of the files the hook uses in each host's image folder (kept out of the image stream: each side has its own). */
export const HOOK_FILES = {
  /** The wrapper the freeze script runs (hookMoveWrapper). */
  move: 'hook-move.sh',
  request: 'hook-move.json',
  out: 'hook-move.out',
  err: 'hook-move.err',
  exit: 'hook-move.exit',
} as const;
