import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { UndoLog } from './undo-log';

describe('UndoLog', () => {
  it('runs every step, records failures without throwing, and is not ok after one', async () => {
    const log = new UndoLog();
    const ran: string[] = [];
    await log.attempt('first', async () => ran.push('first'));
    await log.attempt('second', async () => {
      throw new FerryError({ code: 'COMMAND_FAILED', message: 'ip exited 2' });
    });
    await log.attempt('third', async () => ran.push('third'));
    expect(ran).toEqual(['first', 'third']);
    expect(log.actions).toEqual(['first', 'second: FAILED (ip exited 2)', 'third']);
    expect(log.ok).toBe(false);
  });

  it('writes into a report when given one', async () => {
    const report = { actions: ['found it'], ok: true };
    const { attempt } = new UndoLog(report);
    await attempt('stopped it', async () => undefined);
    expect(report).toEqual({ actions: ['found it', 'stopped it'], ok: true });
    new UndoLog(report).fail('recovery failed: gone');
    expect(report).toEqual({ actions: ['found it', 'stopped it', 'recovery failed: gone'], ok: false });
  });
});
