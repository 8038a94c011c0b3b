// Moves service addresses between hosts: remove from the source, add on the destination with their
// source-preferring routes, and announce them (gratuitous ARP / unsolicited neighbour advertisement).
// Each side is one `ip -batch` command: one SSH round trip per host inside the freeze window.
import { FerryError } from '../../app/errors';
import type { AddressMove } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';
import { assertMoves } from '../../app/plan/move-check';
import { linesApplied } from '../../app/parse/ip-batch';
import { unsolicitedNaArgv } from './neighbour-advert';

/**
 * `ip -batch` lines that remove the addresses. The kernel drops an IPv4 address's prefsrc routes with it; an IPv6
 * route only loses its `src` and would stay, so those routes are deleted first (each line runs only after the
 * previous one succeeded).
 */
export function removeBatch(moves: AddressMove[], device: (m: AddressMove) => string): string {
  assertMoves(moves, device);
  return moves
    .map((m) => {
      const routes =
        m.family === 'inet6' ? m.routes.map((r) => `route del ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${device(m)} src ${m.address}\n`) : [];
      return `${routes.join('')}addr del ${m.address}/${m.prefixLen} dev ${device(m)}\n`;
    })
    .join('');
}

/** `ip -batch` lines that add the addresses, then their routes; `nodad` so IPv6 addresses are usable at once. */
export function addBatch(moves: AddressMove[], device: (m: AddressMove) => string): string {
  return addBatchLines(moves, device)
    .map((l) => `${l.text}\n`)
    .join('');
}

/** The add batch line by line, each with the move it belongs to and whether it adds the address itself. */
function addBatchLines(moves: AddressMove[], device: (m: AddressMove) => string): { text: string; move: AddressMove; addsAddress: boolean }[] {
  assertMoves(moves, device);
  const lines: { text: string; move: AddressMove; addsAddress: boolean }[] = [];
  for (const m of moves) {
    const dev = device(m);
    lines.push({ text: `addr add ${m.address}/${m.prefixLen} dev ${dev}${m.family === 'inet6' ? ' nodad' : ''}`, move: m, addsAddress: true });
    for (const r of m.routes)
      lines.push({ text: `route replace ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${dev} src ${m.address}`, move: m, addsAddress: false });
  }
  return lines;
}

/**
 * The addresses a failed add batch did put on the host, from ip's own report of the failed line (it stops
 * there). `certain` is false when the report names no line: then any of them may be there.
 */
export function addedBeforeFailure(moves: AddressMove[], device: (m: AddressMove) => string, stderr: string): { moves: AddressMove[]; certain: boolean } {
  const { applied, certain } = linesApplied(addBatchLines(moves, device), stderr);
  return { moves: applied.filter((l) => l.addsAddress).map((l) => l.move), certain };
}

/** An add batch failed; `added` says which addresses it had already put on the host. */
export class AddressAddError extends FerryError {
  constructor(
    info: ConstructorParameters<typeof FerryError>[0],
    readonly added: { moves: AddressMove[]; certain: boolean },
  ) {
    super(info);
  }
}

/** Runs a batch; resolves with ip's stderr when it failed (undefined when it succeeded). */
async function ipBatch(exec: Executor, host: string, batch: string): Promise<string | undefined> {
  if (!batch) return undefined;
  const r = await exec.run(host, ['ip', '-batch', '-'], { stdin: batch });
  return r.code === 0 ? undefined : `(ip exited ${r.code}): ${r.stderr.trim()}`;
}

const moveFailed = (host: string, what: string, why: string) => ({ code: 'ADDRESS_MOVE_FAILED' as const, host, message: `cannot ${what} ${why}` });

/** Removes the addresses from the source (values validated: BAD_INPUT before anything runs). */
export async function removeAddresses(exec: Executor, host: string, moves: AddressMove[], device = (m: AddressMove) => m.sourceDevice): Promise<void> {
  const failed = await ipBatch(exec, host, removeBatch(moves, device));
  if (failed !== undefined) throw new FerryError(moveFailed(host, `remove ${moves.map((m) => m.address).join(', ')}`, failed));
}

/** Adds the addresses (and their routes) on a host. */
export async function addAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string): Promise<void> {
  const failed = await ipBatch(exec, host, addBatch(moves, device));
  if (failed !== undefined) {
    throw new AddressAddError(moveFailed(host, `add ${moves.map((m) => m.address).join(', ')}`, failed), addedBeforeFailure(moves, device, failed));
  }
}

/**
 * Announces the addresses from a host so neighbours update their caches: gratuitous ARP for IPv4, an unsolicited
 * neighbour advertisement for IPv6 (count of them, a second apart).
 */
export async function announceAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string, count = 1): Promise<string[]> {
  assertMoves(moves, device);
  const problems: string[] = [];
  await Promise.all(
    moves.map(async (m) => {
      const dev = device(m);
      const argv = m.family === 'inet' ? ['arping', '-U', '-c', String(count), '-I', dev, m.address] : unsolicitedNaArgv(m.address, dev, count);
      const r = await exec.run(host, argv, { timeoutMs: (count + 4) * 1000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: String(e) }));
      // iputils arping exits 1 when nobody answers, which is normal for unsolicited ARP.
      if (r.code !== 0 && !(m.family === 'inet' && r.code === 1)) problems.push(`${m.address}: ${argv[0]} exited ${r.code}: ${r.stderr.trim()}`);
    }),
  );
  return problems;
}
