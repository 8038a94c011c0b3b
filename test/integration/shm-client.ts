// A client on the lab's peer for test/integration/shared-memory.py: one connection, one answer per line sent.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const LAB = process.env.FERRY_LAB ?? 'ferry';

/** A client on the peer holding one connection to the server; `ask` sends a line and resolves with the answer. */
export function peerClient(port: number, address = '198.18.0.100'): { ask: (line: string) => Promise<string>; child: ChildProcessWithoutNullStreams } {
  const code = [
    'import socket, sys',
    `s = socket.create_connection(('${address}', ${port})); f = s.makefile('rwb')`,
    'for line in sys.stdin:',
    '    f.write(line.encode()); f.flush(); r = f.readline()',
    "    if not r: print('EOF', flush=True); break",
    '    print(r.decode().strip(), flush=True)',
  ].join('\n');
  const child = spawn('nsenter', [`--net=/run/netns/${LAB}-peer`, '--', 'python3', '-u', '-c', code]);
  const answers: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else answers.push(l);
  });
  const ask = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer to ${line}`)), 30_000);
      waiting.push((s) => {
        clearTimeout(t);
        resolve(s);
      });
      child.stdin.write(`${line}\n`);
    });
  return { ask, child };
}
