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
  it("keeps staged images (the whole memory) and an operator's folder on the image base", () => {
    expect(imageDirs('m-1', '/img', 'staged', a, b, 0, true)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
    expect(imageDirs('m-1', '/img', 'lazy', a, b, 0, false)).toEqual({ source: '/img/m-1-dump', destination: '/img/m-1-restore' });
  });
});
