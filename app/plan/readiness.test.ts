import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../model/snapshot';
import { parseCriuCheck, parseCriuVersion } from '../parse/criu';
import { hostReadiness } from './readiness';

const pfx = (name: string) => readFileSync(new URL(`../parse/fixtures/${name}`, import.meta.url), 'utf8');

function snap(over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    host: 'h',
    takenAt: 0,
    uid: 0,
    kernel: '6.18.44-fc-v782',
    criu: { path: '/opt/ferry/bin/criu', version: parseCriuVersion(pfx('criu-version.txt')), versionText: pfx('criu-version.txt') },
    criuCheck: parseCriuCheck(pfx('criu-check.txt'), 0),
    tools: { ip: '/x', ss: '/x', nft: '/x', arping: '/x', tar: '/x', ps: '/x', socat: '/x', perl: '/x' },
    addresses: [],
    routes: [],
    ...over,
  };
}

const failed = (s: HostSnapshot) =>
  hostReadiness(s)
    .filter((c) => !c.ok)
    .map((c) => c.code);

describe('hostReadiness', () => {
  it('passes a root host with CRIU 4.2.1 on Linux 6.18 and every tool', () => {
    const checks = hostReadiness(snap());
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.find((c) => c.name === 'criu')?.detail).toBe('/opt/ferry/bin/criu 4.2.1');
  });

  it('names CRIU older than 4.2 on Linux >= 6.16 with a fix', () => {
    const c = hostReadiness(snap({ criu: { path: '/usr/sbin/criu', version: parseCriuVersion('Version: 3.17.1'), versionText: 'Version: 3.17.1' } })).find(
      (x) => x.name === 'criu',
    );
    expect(c).toMatchObject({ ok: false, code: 'CRIU_TOO_OLD' });
    expect(c?.fix).toContain('4.2');
  });

  it('reports a missing CRIU, a failing criu check, no root and missing tools', () => {
    expect(failed(snap({ criu: undefined, criuCheck: undefined }))).toEqual(['CRIU_MISSING']);
    expect(failed(snap({ criuCheck: { ok: false, warnings: [], errors: ['vdso: Failed to fill self vdso symtable'] } }))).toEqual(['CRIU_CHECK_FAILED']);
    expect(failed(snap({ uid: 1000 }))).toEqual(['NO_PRIVILEGES']);
    const tools = hostReadiness(snap({ tools: { ip: '/x', ss: '/x', nft: null, arping: null, tar: '/x', ps: '/x', socat: '/x', perl: '/x' } })).filter(
      (c) => !c.ok,
    );
    expect(tools.map((c) => c.fix)).toEqual(['apt-get install nftables', 'apt-get install iputils-arping']);
  });
});
