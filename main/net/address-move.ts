// Moves service addresses between hosts: remove from the source, add on the destination with their
// source-preferring routes, and announce them (gratuitous ARP / unsolicited neighbour advertisement).
import { FerryError } from '../../app/errors';
import type { AddressMove } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';

/** Removes the addresses from the source (the kernel drops their prefsrc routes with them). */
export async function removeAddresses(exec: Executor, host: string, moves: AddressMove[]): Promise<void> {
  for (const m of moves) {
    const r = await exec.run(host, ['ip', 'addr', 'del', `${m.address}/${m.prefixLen}`, 'dev', m.sourceDevice]);
    if (r.code !== 0) throw new FerryError({ code: 'ADDRESS_MOVE_FAILED', host, message: `cannot remove ${m.address} from ${m.sourceDevice} (ip exited ${r.code}): ${r.stderr.trim()}` });
  }
}

/** Adds the addresses on a host, then their routes; `nodad` so IPv6 addresses are usable at once. */
export async function addAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string): Promise<void> {
  for (const m of moves) {
    const dev = device(m);
    const argv = ['ip', 'addr', 'add', `${m.address}/${m.prefixLen}`, 'dev', dev, ...(m.family === 'inet6' ? ['nodad'] : [])];
    const r = await exec.run(host, argv);
    if (r.code !== 0) throw new FerryError({ code: 'ADDRESS_MOVE_FAILED', host, message: `cannot add ${m.address} on ${dev} (ip exited ${r.code}): ${r.stderr.trim()}` });
    for (const route of m.routes) {
      const rr = await exec.run(host, ['ip', 'route', 'replace', route.dst, ...(route.gateway ? ['via', route.gateway] : []), 'dev', dev, 'src', m.address]);
      if (rr.code !== 0) throw new FerryError({ code: 'ADDRESS_MOVE_FAILED', host, message: `cannot add route ${route.dst} src ${m.address} (ip exited ${rr.code}): ${rr.stderr.trim()}` });
    }
  }
}

/** Announces the addresses from a host so neighbours update their caches (waits for nothing). */
export async function announceAddresses(exec: Executor, host: string, moves: AddressMove[], device: (m: AddressMove) => string, count = 1): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    moves.map(async (m) => {
      const dev = device(m);
      const argv =
        m.family === 'inet'
          ? ['arping', '-U', '-c', String(count), '-I', dev, m.address]
          : ['ndisc6', '-q', '-r', '1', m.address, dev];
      const r = await exec.run(host, argv, { timeoutMs: 5_000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: String(e) }));
      // iputils arping exits 1 when nobody answers, which is normal for unsolicited ARP.
      if (r.code !== 0 && !(m.family === 'inet' && r.code === 1)) problems.push(`${m.address}: ${argv[0]} exited ${r.code}: ${r.stderr.trim()}`);
    }),
  );
  return problems;
}
