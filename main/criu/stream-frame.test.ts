import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESTINATION_FREEZE_SCRIPT } from './freeze-scripts';
import { IMAGE_STREAM_WORD, STREAM_FRAME_FUNCTIONS } from './stream-frame';

// The framing under the real /bin/sh and GNU tar: what the source's functions send, the destination's take; a
// stream cut anywhere (at a tar member boundary too, where `tar -x` alone exits 0) is refused before the restore.
let tmp = '';
let full: Buffer;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-frame-'));
  const src = path.join(tmp, 'src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'core-1.img'), randomBytes(5000));
  writeFileSync(path.join(src, 'inventory.img'), randomBytes(100));
  writeFileSync(path.join(src, 'tcp-stream-1.img'), Buffer.alloc(3000));
  writeFileSync(path.join(src, 'dump.log'), 'not sent');
  full = execFileSync('/bin/sh', [
    '-c',
    `${STREAM_FRAME_FUNCTIONS}\nn=$(frame_count "$1" --exclude=./dump.log .) && frame_send "$2" "$n" "$1" --exclude=./dump.log .`,
    'x',
    src,
    IMAGE_STREAM_WORD,
  ]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The framed stream's header and archive. */
const split = (b: Buffer) => {
  const nl = b.indexOf(10);
  return { header: b.subarray(0, nl).toString(), archive: b.subarray(nl + 1) };
};
/** The archive cut after its first member holding data: a valid tar that `tar -x` takes and exits 0 on. */
const cutAtMemberBoundary = () => {
  const { header, archive } = split(full);
  let off = 0;
  for (;;) {
    const size = parseInt(
      archive
        .subarray(off + 124, off + 136)
        .toString()
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    off += 512 + Math.ceil(size / 512) * 512;
    if (size > 0) break;
  }
  return Buffer.concat([Buffer.from(`${header}\n`), archive.subarray(0, off)]);
};

/** Runs the streamed destination freeze script on `input` (its restore: `true`); what it printed and unpacked. */
const destination = (input: Buffer) => {
  const dir = mkdtempSync(path.join(tmp, 'dst-'));
  const r = spawnSync('/bin/sh', ['-c', DESTINATION_FREEZE_SCRIPT, 'ferry-restore', dir, '', 'true'], { input, timeout: 20_000 });
  return { status: r.status, err: r.stderr.toString(), files: readdirSync(dir).sort(), dir };
};

describe('stream framing (stream-frame.ts)', () => {
  it("announces the archive's size in bytes (what it excludes is not in it)", () => {
    const { header, archive } = split(full);
    expect(header).toBe(`${IMAGE_STREAM_WORD} ${archive.length}`);
    expect(execFileSync('tar', ['-tf', '-'], { input: archive }).toString().split('\n').filter(Boolean).sort()).toEqual([
      './',
      './core-1.img',
      './inventory.img',
      './tcp-stream-1.img',
    ]);
  });

  it('a complete stream: unpacked byte for byte, then the restore runs', () => {
    const r = destination(full);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toContain('@@FERRY-AT restored');
    expect(r.files).toEqual(['core-1.img', 'inventory.img', 'tcp-stream-1.img']);
    for (const f of r.files) expect(readFileSync(path.join(r.dir, f))).toEqual(readFileSync(path.join(tmp, 'src', f)));
  });

  it('`tar -x` alone takes the stream cut at a member boundary (why the count is there)', () => {
    const dir = mkdtempSync(path.join(tmp, 'bare-'));
    const r = spawnSync('tar', ['-C', dir, '-xf', '-'], { input: split(cutAtMemberBoundary()).archive });
    expect(r.status).toBe(0);
  });

  it.each([
    ['cut at a tar member boundary', () => cutAtMemberBoundary(), /was cut short: \d+ of the 20480 bytes announced arrived/],
    ['cut inside a member', () => full.subarray(0, full.length - 10240 - 4000), /could not be unpacked/],
    ['ended before anything arrived', () => Buffer.alloc(0), /ended before its header/],
    ['only the header', () => Buffer.from(`${IMAGE_STREAM_WORD} 20480\n`), /could not be unpacked|was cut short: 0 of the 20480/],
    ['an archive without the header', () => split(full).archive, /did not open with this migration's header/],
    ['another header word', () => Buffer.concat([Buffer.from('other 20480\n'), split(full).archive]), /did not open/],
    ['no byte count', () => Buffer.concat([Buffer.from(`${IMAGE_STREAM_WORD}\n`), split(full).archive]), /announced no byte count/],
    ['a wrong byte count', () => Buffer.concat([Buffer.from(`${IMAGE_STREAM_WORD} 20481\n`), split(full).archive]), /20480 of the 20481/],
  ])('refused: %s (receive failure, exit 20, nothing restored)', (_what, input, why) => {
    const r = destination(input());
    expect(r.status, r.err).toBe(20);
    expect(r.err).toContain('@@FERRY-AT receive-failed');
    expect(r.err).toMatch(why);
    expect(r.err).not.toContain('@@FERRY-AT restored');
  });
});
