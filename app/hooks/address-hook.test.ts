import { describe, expect, it } from 'vitest';
import type { MigrationPlan } from '../model/migration';
import {
  HOOK_CONTRACT_VERSION,
  agreedFerryMoves,
  ferryAnnouncedAddresses,
  ferryMovedAddresses,
  hookArgv,
  hookMoveWrapper,
  hookRequest,
  judgeHookRun,
  parseHookReply,
} from './address-hook';
import { planAddressHook } from './hook-plan';

const move = (address: string) => ({ address, prefixLen: 32, family: 'inet' as const, sourceDevice: 'lo', destinationDevice: 'lo', routes: [] });
const hookPlan = { path: '/usr/local/lib/ferry/hook', addresses: ['198.19.0.100'], budgetMs: { prepare: 10_000, move: 1_500, undo: 10_000 } };
const plan = {
  id: 'm-1',
  request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
  addresses: [move('198.19.0.100'), move('198.18.0.100')],
  addressHook: hookPlan,
} as unknown as MigrationPlan;
const ok = (extra: object = {}) => JSON.stringify({ version: 1, ok: true, message: 'routed', ...extra });

describe('the hook request', () => {
  it('carries the version, action, side, the hook’s addresses only, both hosts and the action’s budget', () => {
    const r = hookRequest(plan, hookPlan, 'move', 'destination', { source: '198.18.0.2', destination: '198.18.0.3' });
    expect(r).toEqual({
      version: HOOK_CONTRACT_VERSION,
      action: 'move',
      side: 'destination',
      migrationId: 'm-1',
      addresses: [{ address: '198.19.0.100', prefixLen: 32, family: 'inet', sourceDevice: 'lo', destinationDevice: 'lo' }],
      source: { host: 'lab-a', address: '198.18.0.2' },
      destination: { host: 'lab-b', address: '198.18.0.3' },
      budgetMs: 1_500,
    });
  });

  it('runs the hook under timeout -s KILL at its budget; the move wrapper quotes once', () => {
    expect(hookArgv('/opt/h', 'undo', 2_500)).toEqual(['timeout', '-s', 'KILL', '2.500', '/opt/h', 'undo']);
    expect(hookMoveWrapper('/opt/my hook', 1_000, '/var/lib/x/hook-move.json')).toBe(
      "exec timeout -s KILL 1.000 '/opt/my hook' move </var/lib/x/hook-move.json\n",
    );
  });
});

describe('judging a run', () => {
  const judge = (out: { exit: number; stdout: string; stderr?: string; timedOut?: boolean }, action: 'prepare' | 'move' | 'undo' = 'move') =>
    judgeHookRun(action, 'destination', 'lab-b', 1_500, { stderr: '', ...out }, 12.34);

  it('accepts exit 0 with one JSON reply (surrounding whitespace allowed), keeps its time and stderr', () => {
    const r = judge({ exit: 0, stdout: `\n${ok({ ms: 7, details: { route: 'via 198.18.0.3' } })}\n`, stderr: 'log line\n' });
    expect(r).toMatchObject({ ok: true, message: 'routed', ms: 12.3, exit: 0, stderr: 'log line', reply: { ms: 7, details: { route: 'via 198.18.0.3' } } });
    expect(r.problem).toBeUndefined();
  });

  it('a non-zero exit fails, with the reply’s message when it gave one', () => {
    expect(judge({ exit: 3, stdout: JSON.stringify({ version: 1, ok: false, message: 'API said no' }) })).toMatchObject({
      ok: false,
      problem: 'exit',
      message: "the hook's move on lab-b exited 3: API said no",
    });
    expect(judge({ exit: 1, stdout: '' })).toMatchObject({ ok: false, problem: 'exit', message: "the hook's move on lab-b exited 1" });
  });

  it('a hook killed at its budget (137 from timeout -s KILL, 124, or the transport’s timeout) is a timeout', () => {
    for (const out of [
      { exit: 137, stdout: '' },
      { exit: 124, stdout: ok() },
      { exit: -1, stdout: '', timedOut: true },
    ])
      expect(judge(out)).toMatchObject({ ok: false, problem: 'timeout', message: "the hook's move on lab-b ran past its budget of 1500 ms and was killed" });
  });

  it('malformed output fails even with exit 0', () => {
    const cases: [string, RegExp][] = [
      ['', /no reply on stdout/],
      ['done', /not JSON/],
      ['[1]', /not a JSON object/],
      [JSON.stringify({ ok: true }), /version undefined, not 1/],
      [JSON.stringify({ version: 2, ok: true }), /version 2/],
      [JSON.stringify({ version: 1, ok: 'yes' }), /boolean "ok"/],
      [JSON.stringify({ version: 1, ok: true, ms: -1 }), /"ms"/],
      [JSON.stringify({ version: 1, ok: true, details: 'x' }), /"details"/],
      [JSON.stringify({ version: 1, ok: true, ferry: 'both' }), /prepare reply only/],
      ['x'.repeat(70_000), /longer than/],
    ];
    for (const [stdout, why] of cases) {
      const r = judge({ exit: 0, stdout });
      expect(r.ok).toBe(false);
      expect(r.problem).toBe('malformed');
      expect(r.message).toMatch(why);
    }
  });

  it('extra output beside the reply on stdout is refused (logs belong on stderr)', () => {
    const r = judge({ exit: 0, stdout: `${ok()}\nassigned 198.19.0.100\n` });
    expect(r).toMatchObject({ ok: false, problem: 'malformed' });
    expect(r.message).toMatch(/output besides its JSON reply/);
    expect(judge({ exit: 0, stdout: `moving…\n${ok()}` })).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('exit 0 with ok: false is a failure that disagrees with its exit status', () => {
    expect(judge({ exit: 0, stdout: JSON.stringify({ version: 1, ok: false, message: 'no route' }) })).toMatchObject({ ok: false, problem: 'disagrees' });
  });

  it('the prepare reply says what Ferry moves itself; both sides must agree', () => {
    const a = judge({ exit: 0, stdout: ok({ ferry: 'address' }) }, 'prepare');
    const b = judge({ exit: 0, stdout: ok() }, 'prepare');
    expect(judge({ exit: 0, stdout: ok({ ferry: 'sometimes' }) }, 'prepare')).toMatchObject({ ok: false, problem: 'malformed' });
    expect(agreedFerryMoves([a, a])).toEqual({ ferry: 'address' });
    expect(agreedFerryMoves([b, b])).toEqual({ ferry: 'none' });
    expect(agreedFerryMoves([a, b])).toMatchObject({ error: expect.stringMatching(/disagree/) });
  });

  it('parses a minimal reply with a default message', () => {
    expect(parseHookReply(JSON.stringify({ version: 1, ok: true }), 'undo')).toEqual({ reply: { version: 1, ok: true, message: 'undo done' } });
  });
});

describe('what Ferry moves itself', () => {
  it('by default only the addresses without a hook; with "address" all of them but announces only its own; with "both" all', () => {
    const names = (ms: { address: string }[]) => ms.map((m) => m.address);
    expect(names(ferryMovedAddresses(plan))).toEqual(['198.18.0.100']);
    expect(names(ferryAnnouncedAddresses(plan))).toEqual(['198.18.0.100']);
    const address = { ...plan, addressHook: { ...hookPlan, ferry: 'address' as const } };
    expect(names(ferryMovedAddresses(address))).toEqual(['198.19.0.100', '198.18.0.100']);
    expect(names(ferryAnnouncedAddresses(address))).toEqual(['198.18.0.100']);
    const both = { ...plan, addressHook: { ...hookPlan, ferry: 'both' as const } };
    expect(names(ferryAnnouncedAddresses(both))).toEqual(['198.19.0.100', '198.18.0.100']);
    expect(names(ferryMovedAddresses({ ...plan, addressHook: undefined }))).toEqual(['198.19.0.100', '198.18.0.100']);
  });
});

describe('the plan’s hook', () => {
  const req = { ...plan.request, addressHook: { path: '/opt/h' } };
  it('covers every moving address unless told which, with the default budgets', () => {
    expect(planAddressHook(req, plan.addresses)).toEqual({
      hook: { path: '/opt/h', addresses: ['198.19.0.100', '198.18.0.100'], budgetMs: { prepare: 10_000, move: 2_000, undo: 10_000 } },
      problems: [],
    });
    expect(
      planAddressHook({ ...req, addressHook: { path: '/opt/h', addresses: ['198.19.0.100'], budgetMs: { move: 300 } } }, plan.addresses).hook,
    ).toMatchObject({
      addresses: ['198.19.0.100'],
      budgetMs: { move: 300 },
    });
  });
  it('refuses an address that does not move, no address at all, and a move budget not below the freeze budget', () => {
    expect(planAddressHook({ ...req, addressHook: { path: '/opt/h', addresses: ['198.18.0.7'] } }, plan.addresses).problems[0]?.message).toMatch(
      /not one of the addresses that move/,
    );
    expect(planAddressHook(req, []).problems[0]?.message).toMatch(/no address moves/);
    expect(
      planAddressHook({ ...req, budgetMs: 1_000, addressHook: { path: '/opt/h', budgetMs: { move: 1_000 } } }, plan.addresses).problems[0]?.message,
    ).toMatch(/not below the freeze budget/);
  });
  it('has none without a request for one', () => {
    expect(planAddressHook(plan.request, plan.addresses)).toEqual({ problems: [] });
  });
});
