import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrepareProbe, prepareDecision, type LocalPrefix, type RemoteFacts } from './prepare-host';

// Captured with PREPARE_PROBE_SCRIPT on this machine: its own prefix present (root /opt/ferry), and a root that
// does not exist (the nearest folder that does, /opt, is tested for writing).
const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const MANIFEST = 'ae2e705318ac1241dc370738460fd052b4d02ef31daa2b5bd7876fc722171ad0';
const local: LocalPrefix = { root: '/opt/ferry', arch: 'x86_64', parts: ['bin/criu', 'criu/unstable-4.2.1'], sizeKiB: 28_000, manifest: MANIFEST };
const empty: RemoteFacts = { ...parsePrepareProbe(fx('prepare-probe-absent.txt')), runIsTmpfs: true, pipeMaxSize: 65536 };

describe('prepare: reading the host', () => {
  it('reads a host that already has the prefix', () => {
    expect(parsePrepareProbe(fx('prepare-probe-present.txt'))).toEqual({
      arch: 'x86_64',
      uid: 0,
      writable: true,
      writableDir: '/opt/ferry',
      freeKiB: 62432696,
      manifest: MANIFEST,
      runIsTmpfs: false,
      pipeMaxSize: 16777216,
    });
  });
  it('reads a host without it: no manifest, the nearest existing folder tested', () => {
    expect(parsePrepareProbe(fx('prepare-probe-absent.txt'))).toMatchObject({ writable: true, writableDir: '/opt' });
    expect(parsePrepareProbe(fx('prepare-probe-absent.txt')).manifest).toBeUndefined();
  });
  it('reads nothing as nothing (uid unknown, not writable)', () => {
    expect(parsePrepareProbe('')).toMatchObject({ arch: '', uid: -1, writable: false, freeKiB: 0 });
  });
});

describe('prepare: the decision', () => {
  it('copies to a host without the prefix and raises a small pipe-max-size', () => {
    expect(prepareDecision('db1', local, empty)).toEqual({ ok: true, copy: true, raisePipeMaxSize: true, notes: [] });
  });
  it('copies nothing when the same prefix is there, and says so; warns when /run is not a tmpfs', () => {
    const d = prepareDecision('db1', local, parsePrepareProbe(fx('prepare-probe-present.txt')));
    expect(d).toEqual({
      ok: true,
      copy: false,
      raisePipeMaxSize: false,
      notes: [expect.stringMatching(/already holds this prefix/), expect.stringMatching(/\/run on db1 is not a tmpfs/)],
    });
  });
  it('copies again when what is there differs', () => {
    expect(prepareDecision('db1', local, { ...empty, manifest: 'f'.repeat(64) })).toMatchObject({ ok: true, copy: true });
  });
  it.each([
    ['another architecture', { arch: 'aarch64' }, 'PREPARE_REFUSED', /db1 is aarch64, Ferry's CRIU prefix is built for x86_64/],
    ['no root', { uid: 1000 }, 'NO_PRIVILEGES', /as uid 1000, not root/],
    ['a read-only /opt', { writable: false, writableDir: '/opt' }, 'PREPARE_REFUSED', /\/opt on db1 is not writable/],
    ['no room', { freeKiB: 20_000 }, 'PREPARE_REFUSED', /has 20 MiB free in \/opt, the prefix needs 31 MiB/],
  ])('refuses %s, saying why', (_what, over, code, message) => {
    const d = prepareDecision('db1', local, { ...empty, ...over });
    expect(d).toEqual({ ok: false, problem: { code, host: 'db1', message: expect.stringMatching(message), hint: expect.any(String) } });
  });
  it('checks the architecture before anything else', () => {
    expect(prepareDecision('db1', local, { ...empty, arch: 'aarch64', uid: 1000, writable: false })).toMatchObject({
      ok: false,
      problem: { code: 'PREPARE_REFUSED', message: expect.stringMatching(/aarch64/) },
    });
  });
});
