import { describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../model/snapshot';
import { imageDirs } from './image-dirs';

const host = (name: string, tmpfs?: HostSnapshot['tmpfs']): HostSnapshot => ({
  host: name,
  takenAt: 0,
  uid: 0,
  kernel: '',
  tools: {},
  addresses: [],
  routes: [],
  ...(tmpfs ? { tmpfs } : {}),
});
const a = host('lab-a', [{ path: '/run', availKiB: 12_341_792 }]);
const b = host('lab-b', [{ path: '/run', availKiB: 300_000 }]);

describe('imageDirs', () => {
  it("puts lazy mode's images on a tmpfs with twice the room they need, else on the image base", () => {
    expect(imageDirs('m-1', '/var/lib/ferry/images', 'lazy', a, b, 0, true)).toEqual({
      source: '/run/ferry/images/m-1-dump',
      destination: '/run/ferry/images/m-1-restore',
      note: 'images on tmpfs (lab-a /run, lab-b /run): no private memory in them, 64 MiB at most',
    });
    // 400 MiB of shared memory: lab-b's /run is too small for twice what it needs.
    expect(imageDirs('m-1', '/var/lib/ferry/images', 'lazy', a, b, 400 * 1024, true)).toMatchObject({
      source: '/run/ferry/images/m-1-dump',
      destination: '/var/lib/ferry/images/m-1-restore',
      note: 'images on tmpfs (lab-a /run): no private memory in them, 464 MiB at most',
    });
    expect(imageDirs('m-1', '/img', 'lazy', host('x'), host('y'), 0, true)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
  });
  it("puts streamed mode's source images on /run with room for the memory a rollback brings back", () => {
    expect(imageDirs('m-1', '/img', 'streamed', a, b, 0, true, 1024 * 1024)).toEqual({
      source: '/run/ferry/images/m-1-dump',
      destination: '/img/m-1-restore',
      note: "images on tmpfs (lab-a /run): the source's without pages, 1088 MiB at most after a rollback",
    });
    expect(imageDirs('m-1', '/img', 'streamed', a, b, 0, true, 8 * 1024 * 1024)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
  });
  it("puts streamed mode's destination images (the whole memory) on /run when its tmpfs and MemAvailable hold twice that and the tree has a connection per 4 MiB", () => {
    const big = { ...host('lab-b', [{ path: '/run', availKiB: 12_341_792 }]), memAvailableKiB: 22_260_452 };
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 1024 * 1024, false, 256)).toEqual({
      source: '/run/ferry/images/m-1-dump',
      destination: '/run/ferry/images/m-1-restore',
      note:
        "images on tmpfs (lab-a /run, lab-b /run): the source's without pages, 1088 MiB at most after a rollback; " +
        "the destination's with the pages, 1088 MiB at most, removed after the restore",
    });
    // MemAvailable too small for the images beside the restored copy (2 × 1088 MiB), or not known: the disk.
    expect(imageDirs('m-1', '/img', 'streamed', a, { ...big, memAvailableKiB: 2_000_000 }, 0, true, 1024 * 1024, false, 1000).destination).toBe(
      '/img/m-1-restore',
    );
    expect(imageDirs('m-1', '/img', 'streamed', a, { ...big, memAvailableKiB: undefined }, 0, true, 1024 * 1024, false, 1000).destination).toBe(
      '/img/m-1-restore',
    );
    // The tmpfs itself too small (half of it stays free).
    expect(
      imageDirs('m-1', '/img', 'streamed', a, { ...big, tmpfs: [{ path: '/run', availKiB: 2_000_000 }] }, 0, true, 1024 * 1024, false, 1000).destination,
    ).toBe('/img/m-1-restore');
    // Images the operator keeps stay on disk (on /run they would hold the memory a second time until deleted).
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 1024 * 1024, true, 1000)).toMatchObject({
      source: '/run/ferry/images/m-1-dump',
      destination: '/img/m-1-restore',
    });
    // 1 GiB with 100 connections: reading the pages back from the tmpfs would cost more than the files save.
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 1024 * 1024, false, 100).destination).toBe('/img/m-1-restore');
    // 16 MiB with 1,000 connections, and with 4: on /run from one connection per 4 MiB.
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 16 * 1024, false, 1000).destination).toBe('/run/ferry/images/m-1-restore');
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 16 * 1024, false, 4).destination).toBe('/run/ferry/images/m-1-restore');
    expect(imageDirs('m-1', '/img', 'streamed', a, big, 0, true, 52 * 1024, false, 4).destination).toBe('/img/m-1-restore');
    // Only the destination's on /run: the note says so alone.
    expect(imageDirs('m-1', '/img', 'streamed', host('lab-a'), big, 0, true, 1024 * 1024, false, 256).note).toBe(
      "images on tmpfs (lab-b /run): the destination's with the pages, 1088 MiB at most, removed after the restore",
    );
  });
  it("keeps staged images (the whole memory) and an operator's folder on the image base", () => {
    expect(imageDirs('m-1', '/img', 'staged', a, b, 0, true)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
    expect(imageDirs('m-1', '/img', 'lazy', a, b, 0, false)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
  });
});
