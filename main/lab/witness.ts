// ferry-witness: the lab's TCP peer that records whether connections survive a migration untouched.
//
//   ferry-witness --listen HOST:PORT [--listen HOST:PORT ...] --state FILE
//
// Writes the WitnessReport (app/model/witness.ts) to FILE atomically every 250 ms, on SIGUSR1 and on
// exit; SIGTERM/SIGINT write the final state and exit 0. Prints `listening ADDR:PORT` per bound address
// (port 0 picks a free one). The protocol is described in app/lab/witness-protocol.ts.
import { parseArgs } from 'node:util';
import type { HostPort } from '../../app/lab/host-port';
import { parseHostPort } from '../../app/lab/host-port';
import { isEntryPoint, UsageError } from './entry-point';
import { WitnessServer } from './witness-server';

export const WITNESS_USAGE = 'usage: ferry-witness --listen HOST:PORT [--listen HOST:PORT ...] --state FILE';

export interface WitnessArgs {
  listen: HostPort[];
  state: string;
}

/** Parses the command line (without node and script); throws UsageError. */
export function parseWitnessArgs(argv: readonly string[]): WitnessArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { listen: { type: 'string', multiple: true }, state: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (!values.listen?.length) throw new UsageError('--listen is required');
  if (!values.state) throw new UsageError('--state is required');
  const listen = values.listen.map((text) => {
    const hp = parseHostPort(text, { allowZero: true });
    if (typeof hp === 'string') throw new UsageError(`--listen: ${hp}`);
    return hp;
  });
  return { listen, state: values.state };
}

/** Runs the witness until SIGTERM/SIGINT. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let args: WitnessArgs;
  try {
    args = parseWitnessArgs(argv);
  } catch (err) {
    process.stderr.write(`ferry-witness: ${err instanceof Error ? err.message : String(err)}\n${WITNESS_USAGE}\n`);
    process.exit(2);
  }
  const server = new WitnessServer({ listen: args.listen, stateFile: args.state });
  process.stdout.on('error', () => {});
  try {
    for (const addr of await server.start()) process.stdout.write(`listening ${addr}\n`);
  } catch (err) {
    process.stderr.write(`ferry-witness: cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  process.on('SIGUSR1', () => void server.requestWrite());
  process.on('exit', () => {
    if (!stopping) server.writeState();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.writeState();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (isEntryPoint(import.meta.url)) void main();
