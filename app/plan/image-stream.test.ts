import { describe, expect, it } from 'vitest';
import { imageGuardTableName, imageStreamOf } from './image-stream';

describe('image stream (small images host to host)', () => {
  const id = 'm-20261201-221723-3a7262';

  it("streamed: the destination (the page stream's listener) listens, the source connects, port + 2", () => {
    expect(imageStreamOf({ id, transferMode: 'streamed', pageServer: { address: '198.18.0.3', port: 27100, peer: '198.18.0.2', tls: true } })).toEqual({
      listen: '198.18.0.3',
      peer: '198.18.0.2',
      port: 27102,
      guardTable: `ferry-is-${id}`,
      tls: true,
      certName: '198.18.0.3',
    });
  });

  it("lazy: the page stream's listener is the source, so the destination listens on the page stream's peer", () => {
    expect(imageStreamOf({ id, transferMode: 'lazy', pageServer: { address: '198.18.0.2', port: 27100, peer: '198.18.0.3', tls: false } })).toEqual({
      listen: '198.18.0.3',
      peer: '198.18.0.2',
      port: 27102,
      guardTable: `ferry-is-${id}`,
      tls: false,
      certName: '198.18.0.2',
    });
  });

  it("none in staged mode, without a page stream, or without the other host's address (the controller carries them)", () => {
    expect(imageStreamOf({ id, transferMode: 'staged', pageServer: { address: '198.18.0.3', port: 1, peer: '198.18.0.2' } })).toBeUndefined();
    expect(imageStreamOf({ id, transferMode: 'streamed' })).toBeUndefined();
    expect(imageStreamOf({ id, transferMode: 'streamed', pageServer: { address: '198.18.0.3', port: 1 } })).toBeUndefined();
  });

  it('guard table names keep only safe characters', () => {
    expect(imageGuardTableName('m-1; flush ruleset')).toBe('ferry-is-m-1flushruleset');
  });
});
