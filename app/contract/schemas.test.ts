// The one migration request schema every client goes through (CLI options, the dashboard, the bridge).
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { MIGRATION_LIMITS, parseMigrationRequest } from './schemas';

const base = { from: 'lab-a', to: 'lab-b', pid: 4242 };

describe('parseMigrationRequest', () => {
  it('fills the defaults and normalises the image folder', () => {
    expect(parseMigrationRequest(base)).toEqual({ ...base, addresses: [], budgetMs: MIGRATION_LIMITS.budgetMsDefault, keepImages: false });
    expect(parseMigrationRequest({ ...base, imageBase: '/srv/ferry/' }).imageBase).toBe('/srv/ferry');
  });

  it('refuses what the CLI refuses, naming the field', () => {
    const refused = (input: Parameters<typeof parseMigrationRequest>[0]) => {
      try {
        parseMigrationRequest(input);
      } catch (e) {
        expect(e).toBeInstanceOf(FerryError);
        expect((e as FerryError).code).toBe('BAD_INPUT');
        return (e as FerryError).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ ...base, budgetMs: MIGRATION_LIMITS.budgetMsMin - 1 })).toMatch(/^budgetMs: /);
    expect(refused({ ...base, pid: MIGRATION_LIMITS.pidMax + 1 })).toMatch(/^pid: /);
    expect(refused({ ...base, imageBase: '/var/lib' })).toBe(
      'imageBase: "/var/lib" refused: /var/lib is a shared system folder: name a folder of Ferry\'s own below it (default /var/lib/ferry/images)',
    );
    expect(refused({ ...base, imageBase: '/srv/../etc' })).toContain('. or .. components');
    expect(refused({ ...base, addresses: ['198.18.0.100', '198.18.0.100'] })).toContain('given more than once');
  });
});
