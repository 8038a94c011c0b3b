// One migration per process and per address at a time, across every controller process (CLI, dashboard):
// lock files under <state>/locks/, created atomically (link), holding the migration id and the owner PID.
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import { normalizeAddress } from '../../app/ip-address';
import { hostIdentity } from '../../app/inventory/host-identity';
import type { HostSpec } from '../../app/model/host';
import { ensurePrivateDir, ensurePrivateDirs, writePrivateFile } from '../store/private-files';
import { stateDir } from '../store/record-store';
import { isAlive, processStartTicks } from '../util/process-alive';

/** What a lock file holds. */
export interface LockOwner {
  key: string;
  migrationId: string;
  /** The controller process holding the lock. */
  pid: number;
  /** That process's start time (/proc/PID/stat field 22), so a reused PID does not look like the owner. */
  startTicks?: number;
  acquiredAt: number;
}

/** Where the lock files live. */
export interface LockOptions {
  /** Default `<state>/locks`. */
  dir?: string;
  /** The state folder `dir` is in: created 0700 down to it (default: `dir` alone is created). */
  base?: string;
}

/** A host in a lock key: its spec (named by identity), or a bare name (tests, tools). */
type HostLockName = string | Pick<HostSpec, 'hostName' | 'port' | 'proxyJump' | 'proxyCommand'>;

/** `host:port` (lower-case), with a short hash of the route when there is one, so the file name stays short. */
function hostLockName(h: HostLockName): string {
  const id = typeof h === 'string' ? h.toLowerCase() : hostIdentity(h);
  const via = id.indexOf(' via ');
  if (via < 0 && id.length <= 120) return id;
  return `${id.slice(0, Math.min(via < 0 ? 120 : via, 120))}~${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
}

/** A takeover guard older than this belongs to a process that died holding it (it is held for microseconds). */
const GUARD_STALE_MS = 5000;
const GUARD_TRIES = 200;

/** The controller's lock folder. */
export function locksDir(): string {
  return path.join(stateDir(), 'locks');
}

/**
 * Lock keys of a migration: the process on both hosts (it keeps its PID) and every address that moves. A host
 * is named by its identity (app/inventory/host-identity.ts), so two aliases of one host share its locks.
 */
export function lockKeys(request: { from: HostLockName; to: HostLockName; pid: number }, addresses: readonly string[]): string[] {
  const keys = [
    `process:${hostLockName(request.from)}:${request.pid}`,
    `process:${hostLockName(request.to)}:${request.pid}`,
    ...addresses.map((a) => `address:${normalizeAddress(a)}`),
  ];
  return [...new Set(keys)].sort();
}

/**
 * Takes every lock or none; returns the function that releases them (idempotent). A key held by a live
 * process throws BUSY naming the migration that holds it; a lock whose owner died is taken over; a key this
 * migration already holds (an earlier call) is kept, and stays with the release of that earlier call.
 */
export function acquireMigrationLocks(keys: readonly string[], migrationId: string, opts: LockOptions = {}): () => void {
  const dir = opts.dir ?? locksDir();
  if (!opts.dir) ensurePrivateDirs(stateDir(), 'locks');
  else if (opts.base && path.dirname(dir) === opts.base) ensurePrivateDirs(opts.base, path.basename(dir));
  else ensurePrivateDir(dir);
  const me: Omit<LockOwner, 'key'> = { migrationId, pid: process.pid, acquiredAt: Date.now() };
  const start = processStartTicks(process.pid);
  if (start !== undefined) me.startTicks = start;
  const held: string[] = [];
  try {
    for (const key of [...new Set(keys)].sort()) {
      if (takeOne(dir, { ...me, key })) held.push(key);
    }
  } catch (err) {
    releaseAll(dir, held, me);
    throw err;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    releaseAll(dir, held, me);
  };
}

/** The owner of a key's lock when a live process holds it, else undefined. */
export function lockHolder(key: string, opts: LockOptions = {}): LockOwner | undefined {
  const owner = readOwner(lockFile(opts.dir ?? locksDir(), key));
  return owner && ownerAlive(owner) ? owner : undefined;
}

/** Every lock file whose owner is alive (for a status view or recovery). */
export function listLocks(opts: LockOptions = {}): LockOwner[] {
  const dir = opts.dir ?? locksDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.lock'))
    .map((n) => readOwner(path.join(dir, n)))
    .filter((o): o is LockOwner => o !== undefined && ownerAlive(o));
}

function lockFile(dir: string, key: string): string {
  return path.join(dir, `${encodeURIComponent(key)}.lock`);
}

/** Takes one key: true when newly taken, false when this migration already held it; BUSY otherwise. */
function takeOne(dir: string, owner: LockOwner): boolean {
  const file = lockFile(dir, owner.key);
  const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writePrivateFile(tmp, `${JSON.stringify(owner)}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryLink(tmp, file)) return true;
      const holder = readOwner(file);
      if (holder && holder.pid === owner.pid && holder.migrationId === owner.migrationId) return false;
      if (holder && ownerAlive(holder)) throw busy(owner.key, holder);
      // Stale (owner gone) or unreadable: replace it under the takeover guard, re-checking there.
      if (withGuard(dir, () => replaceIfStale(tmp, file))) return true;
    }
    const holder = readOwner(file);
    if (holder) throw busy(owner.key, holder);
    throw new FerryError({ code: 'INTERNAL', message: `cannot take the lock ${owner.key} (${file})` });
  } finally {
    safeUnlink(tmp);
  }
}

function tryLink(tmp: string, file: string): boolean {
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Under the guard: removes the lock when its owner is still dead (or the file is unreadable: lock files are
 * linked complete, so that is corruption), then links ours.
 */
function replaceIfStale(tmp: string, file: string): boolean {
  const holder = readOwner(file);
  if (holder && ownerAlive(holder)) return false;
  safeUnlink(file);
  return tryLink(tmp, file);
}

/** Runs fn while holding `<dir>/.takeover` (mkdir is atomic); a guard left by a dead process expires. */
function withGuard<T>(dir: string, fn: () => T): T {
  const guard = path.join(dir, '.takeover');
  for (let i = 0; i < GUARD_TRIES; i++) {
    try {
      mkdirSync(guard, 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (ageMs(guard) > GUARD_STALE_MS) {
        try {
          rmdirSync(guard);
        } catch {
          /* someone else removed it */
        }
      } else sleepSync(5);
      continue;
    }
    try {
      return fn();
    } finally {
      rmdirSync(guard);
    }
  }
  throw new FerryError({ code: 'BUSY', message: `the lock folder ${dir} stays guarded (${guard}); remove it if no ferry runs` });
}

function releaseAll(dir: string, keys: readonly string[], me: Omit<LockOwner, 'key'>): void {
  for (const key of keys) {
    const file = lockFile(dir, key);
    const holder = readOwner(file);
    // Only our own lock: never one a later owner took over.
    if (holder && holder.pid === me.pid && holder.migrationId === me.migrationId) safeUnlink(file);
  }
}

function busy(key: string, holder: LockOwner): FerryError {
  const [kind, ...rest] = key.split(':');
  // A process key names its host by identity; the route's hash is left out of the message.
  const host =
    kind === 'process'
      ? rest
          .slice(0, -1)
          .join(':')
          .replace(/~[0-9a-f]{12}$/, '')
      : undefined;
  const what = kind === 'process' ? `process ${rest[rest.length - 1]} on ${host}` : `address ${rest.join(':')}`;
  return new FerryError({
    code: 'BUSY',
    ...(host ? { host } : {}),
    message: `${what} is in use by migration ${holder.migrationId} (ferry process ${holder.pid}, since ${new Date(holder.acquiredAt).toISOString()})`,
    hint: `wait for migration ${holder.migrationId} to finish; its lock goes away with its process`,
  });
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof v.key !== 'string' || typeof v.migrationId !== 'string' || !Number.isInteger(v.pid) || (v.pid ?? 0) <= 0) return undefined;
    return v as LockOwner;
  } catch {
    return undefined;
  }
}

/** True when the owner process still runs (not a zombie) and, when recorded, started when the lock says it did. */
function ownerAlive(o: LockOwner): boolean {
  return isAlive(o.pid, o.startTicks);
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function safeUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
