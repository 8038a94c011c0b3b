// Moves service addresses between hosts: remove from the source, add on the destination with their
// source-preferring routes, and announce them (gratuitous ARP / unsolicited neighbour advertisement).
// Each side is one `ip -batch` command: one SSH round trip per host inside the freeze window.
import { FerryError } from '../../app/errors';
import type { AddressMove } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';
import { assertMoves } from '../../app/plan/move-check';

/** `ip -batch` lines that remove the addresses (the kernel drops their prefsrc routes with them). */
export function removeBatch(moves: AddressMove[], device: (m: AddressMove) => string): string {
  assertMoves(moves, device);
  return moves.map((m) => `addr del ${m.address}/${m.prefixLen} dev ${device(m)}\n`).join('');
}

/** `ip -batch` lines that add the addresses, then their routes; `nodad` so IPv6 addresses are usable at once. */
export function addBatch(moves: AddressMove[], device: (m: AddressMove) => string): string {
  assertMoves(moves, device);
  const lines: string[] = [];
  for (const m of moves) {
    const dev = device(m);
    lines.push(`addr add ${m.address}/${m.prefixLen} dev ${dev}${m.family === 'inet6' ? ' nodad' : ''}`);
    for (const r of m.routes) lines.push(`route replace ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${dev} src ${m.address}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

async function ipBatch(exec: Executor, host: string, batch: string, what: string): Promise<void> {
  if (!batch) return;
  const r = await exec.run(host, ['ip', '-batch', '-'], { stdin: batch });
  if (r.code !== 0) throw new FerryError({ code: 'ADDRESS_MOVE_FAILED', host, message: `cannot ${what} (ip exited ${r.code}): ${r.stderr.trim()}` });
}

/** Removes the addresses from the source (values validated: BAD_INPUT before anything runs). */
export function removeAddresses(exec: Executor, host: string, moves: AddressMove[], device = (m: AddressMove) => m.sourceDevice): Promise<void> {
  return ipBatch(exec, host, removeBatch(moves, device), `remove ${moves.map((m) => m.address).join(', ')}`);
}

/** Adds the addresses (and their routes) on a host. */
export function addAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string): Promise<void> {
  return ipBatch(exec, host, addBatch(moves, device), `add ${moves.map((m) => m.address).join(', ')}`);
}

/** Announces the addresses from a host so neighbours update their caches (arping takes count seconds). */
export async function announceAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string, count = 1): Promise<string[]> {
  assertMoves(moves, device);
  const problems: string[] = [];
  await Promise.all(
    moves.map(async (m) => {
      const dev = device(m);
      const argv =
        m.family === 'inet'
          ? ['arping', '-U', '-c', String(count), '-I', dev, m.address]
          : ['ndisc6', '-q', '-r', '1', m.address, dev];
      const r = await exec.run(host, argv, { timeoutMs: (count + 4) * 1000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: String(e) }));
      // iputils arping exits 1 when nobody answers, which is normal for unsolicited ARP.
      if (r.code !== 0 && !(m.family === 'inet' && r.code === 1)) problems.push(`${m.address}: ${argv[0]} exited ${r.code}: ${r.stderr.trim()}`);
    }),
  );
  return problems;
}
