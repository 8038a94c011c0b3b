import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSs } from '../parse/ss';
import { closeSourceLockText, preLockTableName, preLockTableText, sourceLockTableText, unlockActionScript } from './pre-lock';

// The demo workload's sockets as `ss -tainpHO` showed them on lab-a.
const sockets = parseSs(readFileSync(new URL('./fixtures/lab-a-ss.txt', import.meta.url), 'utf8')).filter((s) => s.owners.some((o) => o.pid === 4242));

describe('destination pre-lock', () => {
  it('names the table after the migration, keeping only safe characters', () => {
    expect(preLockTableName('m-20261129-112339-833177')).toBe('ferry-m-20261129-112339-833177');
    expect(preLockTableName('m-1; flush ruleset')).toBe('ferry-m-1flushruleset');
  });

  it('drops both directions of every connection', () => {
    const text = preLockTableText('ferry-m-1', sockets);
    expect(sockets).toHaveLength(4);
    const elems = /elements = \{ (.*) \}/.exec(text)?.[1]?.split(', ') ?? [];
    expect(elems).toHaveLength(8);
    const port = sockets[0]!.local.port;
    expect(elems).toContain(`198.18.0.100 . ${port} . 198.18.0.1 . 7000`);
    expect(elems).toContain(`198.18.0.1 . 7000 . 198.18.0.100 . ${port}`);
    expect(text).toContain('type filter hook input priority filter; policy accept;');
    expect(text).toContain('type filter hook output priority filter; policy accept;');
  });

  it.skipIf(process.getuid?.() !== 0)('is accepted by nft (checked with nft -c), also with no IPv4 connection', () => {
    execFileSync('nft', ['-c', '-f', '-'], { input: preLockTableText('ferry-m-1', sockets) });
    execFileSync('nft', ['-c', '-f', '-'], { input: preLockTableText('ferry-m-2', []) });
  });

  it('opens only at post-restore', () => {
    const script = unlockActionScript('ferry-m-1');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain("exec nft add element inet ferry-m-1 open '{ tcp }'");
    expect(execFileSync('sh', ['-c', script.replace('exec nft', 'echo nft'), 'x'], { env: { CRTOOLS_SCRIPT_ACTION: 'post-restore' }, encoding: 'utf8' })).toBe(
      'nft add element inet ferry-m-1 open { tcp }\n',
    );
    expect(
      execFileSync('sh', ['-c', script.replace('exec nft', 'echo nft'), 'x'], { env: { CRTOOLS_SCRIPT_ACTION: 'network-unlock' }, encoding: 'utf8' }),
    ).toBe('');
  });

  it.skipIf(process.getuid?.() !== 0)("drops a locked connection's packets until opened, then lets them pass (real nft, own network namespace)", () => {
    // One connection on lo: 127.0.0.1:7000 ⇄ 127.0.0.1:40000. A SYN to it is dropped while locked (nc waits out its
    // 1 s), and refused at once (RST: the port is closed) once the lock is open.
    const lock = preLockTableText('ferry-m-1', [
      { ...sockets[0]!, local: { address: '127.0.0.1', port: 40000 }, remote: { address: '127.0.0.1', port: 7000 } },
    ]);
    const unlock = unlockActionScript('ferry-m-1');
    const out = execFileSync(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        [
          'ip link set lo up && nft -f - && printf %s "$1" > /tmp/ferry-unlock-test.sh',
          't() { s=$(date +%s%N); nc -z -w 1 -p 40000 127.0.0.1 7000 2>/dev/null; r=$?; echo "$1 $r $(( ($(date +%s%N) - s) / 1000000 ))"; }',
          't locked',
          'CRTOOLS_SCRIPT_ACTION=post-restore sh /tmp/ferry-unlock-test.sh; rm -f /tmp/ferry-unlock-test.sh',
          't open',
          'nft list set inet ferry-m-1 open',
        ].join('\n'),
        'x',
        unlock,
      ],
      { input: lock, encoding: 'utf8' },
    );
    const ms = (what: string) => Number(new RegExp(`^${what} 1 (\\d+)$`, 'm').exec(out)?.[1]);
    expect(ms('locked'), out).toBeGreaterThanOrEqual(900);
    expect(ms('open'), out).toBeLessThan(500);
    expect(out).toMatch(/elements = \{ tcp \}/);
  });

  it('gates the source lock with the set closed, which the freeze fills with one add', () => {
    const text = sourceLockTableText('CRIU-ferry-m-1', sockets);
    expect(text).toContain('  set closed {\n    type inet_proto\n  }');
    expect(text).toContain('    meta l4proto @closed ip saddr . tcp sport . ip daddr . tcp dport @conns4 drop');
    expect(text).toContain('    meta l4proto @closed ip6 saddr . tcp sport . ip6 daddr . tcp dport @conns6 drop');
    // Opening still comes first: a rollback's restore opens it as it opens the pre-lock.
    expect(text.indexOf('@open accept')).toBeLessThan(text.indexOf('@closed'));
    expect(preLockTableText('ferry-m-1', sockets)).not.toContain('closed');
    expect(closeSourceLockText('CRIU-ferry-m-1')).toBe('add element inet CRIU-ferry-m-1 closed { tcp }\n');
    expect(() => closeSourceLockText('x; flush ruleset')).toThrow();
  });

  it.skipIf(process.getuid?.() !== 0)('lets packets pass once loaded, drops them once closed, and passes them again once opened (real nft)', () => {
    const lock = sourceLockTableText('CRIU-ferry-m-1', [
      { ...sockets[0]!, local: { address: '127.0.0.1', port: 40000 }, remote: { address: '127.0.0.1', port: 7000 } },
    ]);
    const out = execFileSync(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        [
          'ip link set lo up && nft -f -',
          't() { s=$(date +%s%N); nc -z -w 1 -p 40000 127.0.0.1 7000 2>/dev/null; r=$?; echo "$1 $r $(( ($(date +%s%N) - s) / 1000000 ))"; }',
          't loaded',
          'printf %s "$1" | nft -f -',
          't closed',
          'nft add element inet CRIU-ferry-m-1 open "{ tcp }"',
          't open',
        ].join('\n'),
        'x',
        closeSourceLockText('CRIU-ferry-m-1'),
      ],
      { input: lock, encoding: 'utf8' },
    );
    const ms = (what: string) => Number(new RegExp(`^${what} 1 (\\d+)$`, 'm').exec(out)?.[1]);
    expect(ms('loaded'), out).toBeLessThan(500);
    expect(ms('closed'), out).toBeGreaterThanOrEqual(900);
    expect(ms('open'), out).toBeLessThan(500);
  });
});
