// Where each TCP connection of a process stands in its byte streams: a python3 program that takes the sockets
// of the given processes (pidfd_getfd), puts each in repair mode for a moment and reads its send queue's end
// (write_seq) and its receive point (rcv_nxt), the same values CRIU dumps; repair is then turned off without a
// window probe. Two copies of a connection whose values are equal have exchanged nothing since they parted.
import { z } from 'zod';
import type { Executor } from '../hosts/executor';

const TCP_SEQS_PY = String.raw`
import ctypes, json, os, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 19, 20, 21
out = []
for pid in [int(p) for p in sys.argv[1:]]:
    pidfd = libc.syscall(434, pid, 0)
    if pidfd < 0:
        continue
    try:
        names = os.listdir('/proc/%d/fd' % pid)
    except OSError:
        names = []
    for n in names:
        try:
            if not os.readlink('/proc/%d/fd/%s' % (pid, n)).startswith('socket:'):
                continue
        except OSError:
            continue
        fd = libc.syscall(438, pidfd, int(n), 0)
        if fd < 0:
            continue
        s = socket.socket(fileno=fd)
        try:
            if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_STREAM:
                continue
            state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            if state != 1:
                continue
            l, r = s.getsockname(), s.getpeername()
            s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
            try:
                s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, 2)
                wseq = struct.unpack('I', s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
                s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, 1)
                rnxt = struct.unpack('I', s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
                s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, 0)
            finally:
                s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, -1)
            out.append({'pid': pid, 'local': {'address': l[0], 'port': l[1]}, 'remote': {'address': r[0], 'port': r[1]}, 'writeSeq': wseq, 'rcvNxt': rnxt})
        except OSError:
            pass
        finally:
            s.close()
print(json.dumps(out))
`;

const Endpoint = z.object({ address: z.string(), port: z.number() });
const SeqsSchema = z.array(z.object({ pid: z.number(), local: Endpoint, remote: Endpoint, writeSeq: z.number(), rcvNxt: z.number() }));
/** One ESTABLISHED connection's stream positions in a process. */
export type TcpSeqs = z.infer<typeof SeqsSchema>[number];

/** The stream positions of every ESTABLISHED TCP connection of `pids` on `host` (empty when none run). */
export async function readTcpSeqs(exec: Executor, host: string, pids: number[]): Promise<TcpSeqs[]> {
  const r = await exec.run(host, ['python3', '-c', TCP_SEQS_PY, ...pids.map(String)], { timeoutMs: 15_000 });
  if (r.code !== 0) return [];
  try {
    return SeqsSchema.parse(JSON.parse(r.stdout));
  } catch {
    return [];
  }
}
