import { describe, expect, it } from 'vitest';
import { applyMigrationEvent, initialProgress } from './migration-progress';
import { formatLazyWindow } from './lazy-window';

describe('the lazy window', () => {
  const e = { type: 'lazy-window' as const, id: 'm1', at: 3500, restoredAt: 1000, source: 'lab-a', totalKiB: 409_600 };
  it('says the time since the restore, what is left and that the source must stay up', () => {
    expect(formatLazyWindow({ ...e, missingKiB: 102_400 })).toBe(
      'lazy window: 2.5 s since the restore, 100 MiB of 400 MiB still to come from lab-a; lab-a must stay up',
    );
    expect(formatLazyWindow(e)).toMatch(/pages still coming from lab-a; lab-a must stay up/);
    expect(formatLazyWindow({ ...e, ended: 'complete' })).toMatch(/every page arrived 2\.5 s after the restore; lab-a is no longer needed/);
    expect(formatLazyWindow({ ...e, ended: 'broken' })).toMatch(/broke 2\.5 s after the restore/);
  });
  it('is folded into the progress, the last report winning', () => {
    let p = applyMigrationEvent(initialProgress('m1'), { ...e, missingKiB: 5 });
    p = applyMigrationEvent(p, { ...e, at: 4000, missingKiB: 1 });
    expect(p.lazy).toMatchObject({ at: 4000, missingKiB: 1 });
    expect(applyMigrationEvent(p, { ...e, id: 'other', missingKiB: 9 }).lazy?.missingKiB).toBe(1);
  });
});
