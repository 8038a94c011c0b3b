import { describe, expect, it } from 'vitest';
import { FREEZE_FAILURE, FREEZE_MARK, freezeExitMeaning, isDestinationFailure } from '../../app/freeze/freeze-protocol';
import { CRIU_SWRK_PY } from './criu-swrk';
import { DESTINATION_FREEZE_SCRIPT, DESTINATION_LAZY_FREEZE_SCRIPT, SOURCE_FREEZE_SCRIPT, SOURCE_LAZY_FREEZE_SCRIPT } from './freeze-scripts';

const exits = (script: string) => [...script.matchAll(/mark ([a-z-]+); exit (\d+);/g)].map((m) => ({ mark: m[1]!, exit: Number(m[2]) }));
const marks = (script: string) => [...script.matchAll(/(?:^|; |then |\|\| )mark ([a-z-]+)(?=$|;)/gm)].map((m) => m[1]);

describe('freeze scripts and their protocol (app/freeze/freeze-protocol.ts)', () => {
  it("every failure a script can end with is one of the protocol's, with its own marker, on its side", () => {
    const known = Object.values(FREEZE_FAILURE);
    for (const [script, destination] of [
      [SOURCE_FREEZE_SCRIPT, false],
      [SOURCE_LAZY_FREEZE_SCRIPT, false],
      [DESTINATION_FREEZE_SCRIPT, true],
      [DESTINATION_LAZY_FREEZE_SCRIPT, true],
    ] as const) {
      const found = exits(script);
      expect(found.length).toBeGreaterThan(2);
      for (const f of found) {
        expect(known).toContainEqual(expect.objectContaining(f));
        expect(isDestinationFailure(f.exit)).toBe(destination);
      }
    }
  });

  it('exit statuses are unique and each has a meaning; unknown ones have none', () => {
    const codes = Object.values(FREEZE_FAILURE).map((f) => f.exit);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(freezeExitMeaning(c)).toBeTruthy();
    expect(freezeExitMeaning(1)).toBeUndefined();
  });

  it('the progress markers the engine waits for are the ones the scripts print', () => {
    const printed = new Set([SOURCE_FREEZE_SCRIPT, SOURCE_LAZY_FREEZE_SCRIPT, DESTINATION_FREEZE_SCRIPT, DESTINATION_LAZY_FREEZE_SCRIPT].flatMap(marks));
    // The pre-started CRIU's client prints its own: KIND-requested, KIND-answered.
    for (const [, m] of CRIU_SWRK_PY.matchAll(/mark\(kind \+ '(-[a-z]+)'/g)) for (const kind of ['dump', 'restore']) printed.add(`${kind}${m}`);
    for (const m of Object.values(FREEZE_MARK)) expect(printed, m).toContain(m);
  });
});
