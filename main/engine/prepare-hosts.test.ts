// The image folder command, run by a real /bin/sh on this machine's file system (as the hosts run it): a base
// that resolves into a system folder, crosses a folder another user controls, or a leaf that exists, is refused.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import { LocalShellExecutor } from '../../test/support/local-executor';
import { prepareFolders } from './prepare-hosts';

const asRoot = process.getuid?.() === 0;
let tmp: string;
const exec = new LocalShellExecutor();

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-imagebase-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const plan = (base: string, id = `m-${Math.random().toString(36).slice(2, 8)}`): MigrationPlan =>
  ({ request: { from: 'a', to: 'b' }, sourceImageDir: `${base}/${id}-dump`, destinationImageDir: `${base}/${id}-restore` }) as unknown as MigrationPlan;

async function refusal(p: MigrationPlan): Promise<string> {
  const err = await prepareFolders(exec, p).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  expect((err as FerryError).code).toBe('BAD_INPUT');
  return (err as FerryError).message;
}

describe.skipIf(!asRoot)('image folders on a host (real sh, real file system, as root)', () => {
  it("creates both leaves new, root's, 0700, also under umask 000 and across sticky /tmp", async () => {
    const old = process.umask(0);
    try {
      const p = plan(`${tmp}/fresh/images`);
      await prepareFolders(exec, p);
      for (const d of [p.sourceImageDir, p.destinationImageDir]) {
        const st = statSync(d);
        expect([st.uid, (st.mode & 0o7777).toString(8)]).toEqual([0, '700']);
      }
      // The parents it had to create are closed too.
      expect(statSync(`${tmp}/fresh`).mode & 0o077).toBe(0);
    } finally {
      process.umask(old);
    }
  });

  it('refuses a leaf that already exists (mkdir -p would have reused it with its owner and mode)', async () => {
    const p = plan(`${tmp}/reuse`);
    mkdirSync(p.sourceImageDir, { recursive: true, mode: 0o755 });
    expect(await refusal(p)).toContain(`${p.sourceImageDir} already exists`);
  });

  it('refuses a base that is a symlink into /etc, or onto /tmp itself', async () => {
    symlinkSync('/etc', `${tmp}/etc-link`);
    expect(await refusal(plan(`${tmp}/etc-link/ferry`))).toContain('resolves to /etc/ferry, inside /etc (a system folder)');
    symlinkSync('/tmp', `${tmp}/tmp-link`);
    expect(await refusal(plan(`${tmp}/tmp-link`))).toContain('resolves to /tmp, a shared system folder');
    symlinkSync('/lib', `${tmp}/lib-link`);
    expect(await refusal(plan(`${tmp}/lib-link/x`))).toMatch(/inside .*(\/lib|\/usr)/);
  });

  it('refuses a path through a folder another user owns, or one writable by others (not sticky)', async () => {
    mkdirSync(`${tmp}/theirs`);
    chownSync(`${tmp}/theirs`, 65534, 65534);
    expect(await refusal(plan(`${tmp}/theirs/images`))).toContain(`${tmp}/theirs belongs to uid 65534, not root`);
    expect(readdirSync(`${tmp}/theirs`)).toEqual([]); // nothing made inside it
    mkdirSync(`${tmp}/open`);
    chmodSync(`${tmp}/open`, 0o777);
    expect(await refusal(plan(`${tmp}/open/images`))).toContain(`${tmp}/open (mode 777) is writable by other users`);
    // A sticky shared folder may be crossed, but not be the base, and what is below it must be root's.
    mkdirSync(`${tmp}/sticky`);
    chmodSync(`${tmp}/sticky`, 0o1777);
    await prepareFolders(exec, plan(`${tmp}/sticky/ours`));
    expect(await refusal(plan(`${tmp}/sticky`))).toContain('writable by other users');
    mkdirSync(`${tmp}/sticky/planted`);
    chownSync(`${tmp}/sticky/planted`, 65534, 65534);
    expect(await refusal(plan(`${tmp}/sticky/planted`))).toContain('belongs to uid 65534');
  });
});
