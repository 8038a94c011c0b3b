// Lazy mode's second page source, for a page transfer CRIU could not finish: a small python3 program on the
// source that serves pages straight out of the stopped source copy's memory (/proc/PID/mem), which is still
// the dumped state (the copy has been stopped since the dump). It runs detached, takes one connection and
// ends with it (or after 120 s without one). Request: pid u32, first page address u64, page count u64 (little
// endian). Answer: the same header, one byte per page (1: the source has it, 0: a hole, which reads as zero),
// then the pages it has, in order. With the page stream's keys (TLS) it takes only a TLS client holding a
// certificate of this migration's CA (the destination's guard: uffd-holder.ts), and the token then travels encrypted.

import { PY_DAEMONIZE } from './python-daemon';

/**
 * Usage: python3 -c PAGE_SOURCE_PY ADDRESS PORT DIR TLSDIR PID... — DIR (the image folder, root only) holds
 * page-source.token: the first 32 bytes a client sends must be that token, or it is dropped and the next one
 * is taken (the memory of the process goes to the destination's guard only). TLSDIR (ca.crt, cert.pem, key.pem;
 * empty: plain TCP): a client that does not complete a TLS handshake with a certificate of that CA is dropped
 * the same way, before it can send anything. Writes DIR/page-source.pid.
 */
export const PAGE_SOURCE_PY = String.raw`
import hmac, os, socket, ssl, struct, sys, time
addr, port, d, tls, pids = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], [int(p) for p in sys.argv[5:]]
with open(os.path.join(d, 'page-source.token'), 'rb') as f:
    token = f.read().strip()
ctx = None
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(os.path.join(tls, 'ca.crt'))
    ctx.load_cert_chain(os.path.join(tls, 'cert.pem'), os.path.join(tls, 'key.pem'))
pidfile = os.path.join(d, 'page-source.pid')
srv = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(1)
${PY_DAEMONIZE}
with open(pidfile, 'w') as f:
    f.write(str(os.getpid()))
deadline = time.time() + 120
c = None
while c is None:
    srv.settimeout(max(0.1, deadline - time.time()))
    try:
        c, _ = srv.accept()
    except OSError:
        sys.exit(1)
    c.settimeout(5)
    got = b''
    try:
        if ctx:
            c = ctx.wrap_socket(c, server_side=True)
        while len(got) < len(token):
            x = c.recv(len(token) - len(got))
            if not x:
                break
            got += x
    except OSError:
        pass
    if not hmac.compare_digest(got, token):
        c.close()
        c = None
        if time.time() > deadline:
            sys.exit(1)
c.settimeout(None)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
mem = {p: os.open('/proc/%d/mem' % p, os.O_RDONLY) for p in pids}
pm = {p: os.open('/proc/%d/pagemap' % p, os.O_RDONLY) for p in pids}
def recv(n):
    b = bytearray()
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError()
        b += d
    return bytes(b)
try:
    while True:
        pid, start, n = struct.unpack('<IQQ', recv(20))
        ents = os.pread(pm[pid], 8 * n, (start // 4096) * 8)
        have = bytearray(n)
        for i in range(n):
            e = struct.unpack_from('<Q', ents, 8 * i)[0]
            have[i] = 1 if e & (3 << 62) else 0
        out = [struct.pack('<IQQ', pid, start, n), bytes(have)]
        i = 0
        while i < n:
            if not have[i]:
                i += 1
                continue
            j = i
            while j < n and have[j]:
                j += 1
            out.append(os.pread(mem[pid], (j - i) * 4096, start + i * 4096))
            i = j
        c.sendall(b''.join(out))
except (EOFError, OSError):
    pass
`;
