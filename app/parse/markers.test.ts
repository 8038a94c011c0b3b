import { describe, expect, it } from 'vitest';
import { MarkerReader } from './markers';

describe('MarkerReader', () => {
  it('splits markers from other lines across chunk boundaries', () => {
    const seen: string[] = [];
    const r = new MarkerReader(
      (m) => seen.push(m.name),
      (l) => seen.push(`line:${l}`),
    );
    r.push('@@FERRY-AT dump-start 17958');
    r.push('00000123456789\nsome error\n@@FERRY-AT dump-done 1795800000124456789\n');
    r.push('tail');
    r.end();
    expect(seen).toEqual(['dump-start', 'line:some error', 'dump-done', 'line:tail']);
    expect(r.at('dump-start')).toBeCloseTo(1795800000123.456, 2);
    expect(r.at('dump-done')! - r.at('dump-start')!).toBeCloseTo(1.0, 3);
    expect(r.at('nope')).toBeUndefined();
  });

  it('waits for a marker, before or after it arrives', async () => {
    const r = new MarkerReader();
    const later = r.waitFor('armed');
    r.push('@@FERRY-AT armed 1795800000000000000\n');
    expect((await later).name).toBe('armed');
    expect((await r.waitFor('armed')).atMs).toBe(1795800000000);
  });

  it('treats look-alikes as plain lines', () => {
    const r = new MarkerReader();
    r.push('@@FERRY-AT Bad 1795800000000000000\n@@FERRY-AT x 12\n x @@FERRY-AT y 1795800000000000000\n');
    expect(r.markers).toEqual([]);
    expect(r.lines).toHaveLength(3);
  });

  it('reads what `date +%s%N` prints', async () => {
    const { execFileSync } = await import('node:child_process');
    const r = new MarkerReader();
    r.push(execFileSync('sh', ['-c', 'printf "@@FERRY-AT now %s\\n" "$(date +%s%N)"'], { encoding: 'utf8' }));
    expect(Math.abs(r.at('now')! - Date.now())).toBeLessThan(5000);
  });
});
