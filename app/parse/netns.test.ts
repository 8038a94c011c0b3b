import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetns } from './netns';

// Captured on lab-a: a tree whose root (socat) and its child run in a namespace of their own ("svc", a macvlan
// with its own address), beside a child left in the host's.
const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseNetns', () => {
  it('reads the host namespace and each process of the tree', () => {
    expect(parseNetns(fx('netns-own.txt'))).toEqual({
      host: 'net:[4026533193]',
      byPid: { 5301: 'net:[4026532829]', 5302: 'net:[4026533193]', 5303: 'net:[4026532829]' },
    });
  });
  it('skips processes that went away and refuses text without the host line', () => {
    expect(parseNetns('net:[1]\n7 \n8 net:[1]\n')).toEqual({ host: 'net:[1]', byPid: { 8: 'net:[1]' } });
    expect(parseNetns('')).toBeUndefined();
  });
});
