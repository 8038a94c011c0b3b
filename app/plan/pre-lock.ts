// The destination's network lock, prepared before the freeze: an nft table that drops the migrating
// connections' packets until the restore unlocks them (CRIU's own lock exists only on the source).
import type { TcpSocket } from '../model/host';
import { assertTableName } from '../interface-name';
import { parseIpAddress } from '../ip-address';
import { quoteArgv } from '../shell/quote';

/**
 * The source's lock, Ferry's instead of CRIU's (streamed and lazy modes dump with `--network-lock skip`): CRIU's
 * nftables lock runs two `nft add element` per connection inside the dump (~0.26 ms each: 512 ms of a 1,026 ms
 * dump with 1,000 connections) and its restore then tries to delete a `CRIU-<dump id>` table the destination never
 * had (an nft transaction, 10–25 ms, inside the freeze). Ferry's is one `nft -f` of the same shape as the
 * destination's pre-lock, run by the source's freeze script just before the dump; its name matches CRIU's
 * (`CRIU-…`), so every clean-up that removes this migration's CRIU tables on the source removes it too.
 * The table itself is loaded before the freeze with its drop rules gated by the empty set `closed`
 * (sourceLockTableText); the freeze only adds `tcp` to it (closeSourceLockText, a few bytes): loading the
 * four-tuples of 1,000 connections inside the freeze took 44–72 ms at load 8–10 (`source: connections locked`).
 */
export function sourceLockTableName(migrationId: string): string {
  return `CRIU-ferry-${migrationId.replace(/[^A-Za-z0-9-]/g, '')}`.slice(0, 64);
}

/** Whether a mode's dump uses Ferry's source lock (`--network-lock skip`); staged mode keeps CRIU's. */
export function usesSourceLock(mode: 'streamed' | 'staged' | 'lazy'): boolean {
  return mode !== 'staged';
}

/** The source lock's files in the source's image folder (never sent with the images). */
export const SOURCE_LOCK_FILES = { lock: 'source-lock.nft', unlock: 'source-unlock.nft', actionScript: 'source-unlock.sh' } as const;

/** Name of a migration's pre-lock table (family inet). */
export function preLockTableName(migrationId: string): string {
  return `ferry-${migrationId.replace(/[^A-Za-z0-9-]/g, '')}`;
}

/**
 * `nft -f` text for a table dropping both directions of every connection (input and output), in the same
 * shape as CRIU's lock. Addresses come from parsed sockets and are re-validated before they reach nft.
 * The set `open` unlocks it: once it holds `tcp` every packet passes (see unlockActionScript).
 */
export function preLockTableText(name: string, sockets: readonly TcpSocket[], gate = false): string {
  assertTableName(name);
  const v4: string[] = [];
  const v6: string[] = [];
  for (const s of sockets) {
    const l = parseIpAddress(s.local.address);
    const r = parseIpAddress(s.remote.address);
    if (!l || !r || l.family !== r.family || !validPort(s.local.port) || !validPort(s.remote.port)) continue;
    const list = l.family === 4 ? v4 : v6;
    list.push(`${l.address} . ${s.local.port} . ${r.address} . ${s.remote.port}`);
    list.push(`${r.address} . ${s.remote.port} . ${l.address} . ${s.local.port}`);
  }
  const set = (n: string, type: string, elems: string[]) => [
    `  set ${n} {`,
    `    type ${type} . inet_service . ${type} . inet_service`,
    ...(elems.length ? [`    elements = { ${elems.join(', ')} }`] : []),
    '  }',
  ];
  const chain = (n: string, hook: string) => [
    `  chain ${n} {`,
    `    type filter hook ${hook} priority filter; policy accept;`,
    '    meta l4proto @open accept',
    `    ${closed}ip saddr . tcp sport . ip daddr . tcp dport @conns4 drop`,
    `    ${closed}ip6 saddr . tcp sport . ip6 daddr . tcp dport @conns6 drop`,
    '  }',
  ];
  const closed = gate ? 'meta l4proto @closed ' : '';
  return [
    `table inet ${name} {`,
    '  set open {',
    '    type inet_proto',
    '  }',
    ...(gate ? ['  set closed {', '    type inet_proto', '  }'] : []),
    ...set('conns4', 'ipv4_addr', v4),
    ...set('conns6', 'ipv6_addr', v6),
    ...chain('input', 'input'),
    ...chain('output', 'output'),
    '}',
    '',
  ].join('\n');
}

/**
 * The source lock as loaded before the freeze: the pre-lock's table with its drop rules gated by the empty set
 * `closed`, so it drops nothing until closeSourceLockText runs (and still opens with `open`, as a rollback's restore does).
 */
export function sourceLockTableText(name: string, sockets: readonly TcpSocket[]): string {
  return preLockTableText(name, sockets, true);
}

/** The `nft -f` line that makes a loaded source lock drop the connections' packets (inside the freeze; adds only). */
export function closeSourceLockText(name: string): string {
  assertTableName(name);
  return `add element inet ${name} closed { tcp }\n`;
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p > 0 && p < 65536;
}

/**
 * CRIU action script for the restore: at `post-restore` it opens the pre-lock (adds `tcp` to its set `open`);
 * every other action is a no-op. CRIU runs `network-unlock` scripts only for processes with a network namespace
 * of their own; for the others it unlocks right after `post-restore` and before it takes the sockets out of
 * repair mode, so this is the same moment (verified in restore logs: post-restore, then "Unlock network").
 * Opening, not deleting: an nft transaction that removes anything (a table, a rule, set elements) waits for the
 * kernel's RCU grace period, 10–25 ms measured on the lab hosts, one that only adds ~3 ms; this runs inside the
 * freeze. The emptied lock is deleted after the migration (unlockDestination).
 */
export function unlockActionScript(name: string): string {
  return [
    '#!/bin/sh',
    '# Written by Ferry: opens the destination pre-lock when CRIU is about to unlock the restored connections.',
    `[ "$CRTOOLS_SCRIPT_ACTION" = post-restore ] || exit 0`,
    `exec ${quoteArgv(['nft', ...openPreLockArgs(name)])}`,
    '',
  ].join('\n');
}

/** What opens the pre-lock, as nft arguments (the action script) or one line of `nft -f` (the pre-started CRIU's client). */
export function openPreLockArgs(name: string): string[] {
  assertTableName(name);
  return ['add', 'element', 'inet', name, 'open', '{ tcp }'];
}
