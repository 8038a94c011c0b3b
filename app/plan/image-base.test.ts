import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_BASE, imageBaseProblem, parseImageBase } from './image-base';

describe('--image-base (the text)', () => {
  it('accepts a folder of its own below a shared root', () => {
    for (const ok of [DEFAULT_IMAGE_BASE, '/var/tmp/ferry', '/tmp/ferry-images', '/srv/ferry/images', '/run/ferry', '/data/criu', '/home/op/images'])
      expect(imageBaseProblem(ok), ok).toBeUndefined();
    expect(parseImageBase('/srv/ferry/')).toBe('/srv/ferry');
  });

  it('refuses /, the system trees and the shared roots themselves', () => {
    expect(imageBaseProblem('/')).toContain('shared system folder');
    for (const t of [
      '/etc',
      '/etc/ferry',
      '/usr',
      '/usr/local/ferry',
      '/bin',
      '/sbin/x',
      '/boot/x',
      '/proc/1',
      '/sys/fs',
      '/dev/shm/x',
      '/lib/x',
      '/lib64',
      '/libx32/x',
      '/lib-other/x',
    ])
      expect(imageBaseProblem(t), t).toMatch(/a system folder/);
    for (const r of ['/tmp', '/var', '/var/lib', '/var/tmp', '/home', '/root', '/opt', '/srv', '/mnt', '/run'])
      expect(imageBaseProblem(r), r).toContain('shared system folder');
  });

  it('refuses relative, unnormalized and odd paths', () => {
    expect(imageBaseProblem('images')).toContain('absolute');
    expect(imageBaseProblem('/var/lib/../../etc')).toContain('. or ..');
    expect(imageBaseProblem('/var/lib/./x')).toContain('. or ..');
    expect(imageBaseProblem('/var//lib/x')).toContain('//');
    expect(imageBaseProblem('/var/lib/x y')).toContain('absolute path of letters');
    expect(() => parseImageBase('/etc')).toThrow('--image-base "/etc" refused: it is inside /etc, a system folder');
  });
});
