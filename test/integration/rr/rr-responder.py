# The migrated side of the request/response check: holds MIB MiB of private memory in which page p holds
# value(p) in its first and last 8 bytes, connects to the peer at HOST:PORT, says how many pages it has, and
# answers each request n with "n count p:v ..." (count: requests answered so far, v: what page p holds now).
# It never judges itself: a page that arrived as zeros goes to the peer as it is.
# Usage: rr-responder.py HOST PORT MIB
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rr_pattern import PAGE, pages_for, value  # noqa: E402

npages = (int(sys.argv[3]) << 20) // PAGE
mem = bytearray(npages * PAGE)
for p in range(npages):
    b = value(p).to_bytes(8, 'little')
    mem[p * PAGE:p * PAGE + 8] = b
    mem[p * PAGE + PAGE - 8:p * PAGE + PAGE] = b
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b'hello %d\n' % npages)
print('ready', flush=True)
count = 0
buf = b''
while True:
    try:
        d = s.recv(65536)
    except OSError as e:
        print('connection ended: %s' % e, flush=True)
        break
    if not d:
        print('connection ended: eof', flush=True)
        break
    buf += d
    while b'\n' in buf:
        line, buf = buf.split(b'\n', 1)
        n = int(line)
        count += 1
        vals = []
        for p in pages_for(n, npages):
            a = int.from_bytes(mem[p * PAGE:p * PAGE + 8], 'little')
            z = int.from_bytes(mem[p * PAGE + PAGE - 8:p * PAGE + PAGE], 'little')
            vals.append('%d:%d' % (p, a if a == z else 0 if 0 in (a, z) else -1))
        try:
            s.sendall(b'%d %d %s\n' % (n, count, ' '.join(vals).encode()))
        except OSError as e:
            print('connection ended: %s' % e, flush=True)
            sys.exit(0)
