# A server holding MIB MiB of MAP_SHARED anonymous memory (each MiB a random block stamped with its index), for
# the shared-memory migration test. Listens on ADDR:PORT; per line from its one client: "sum" → the SHA-256 of
# the whole shared region, "ping" → "pong N". Prints "ready" once the memory is written and it listens.
# Usage: shared-memory.py ADDR PORT MIB
import hashlib
import mmap
import os
import socket
import sys

addr, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shm = mmap.mmap(-1, mib << 20)  # MAP_SHARED | MAP_ANONYMOUS
block = bytearray(os.urandom(1 << 20))
for i in range(mib):
    block[:8] = i.to_bytes(8, 'little')
    shm[i << 20:(i + 1) << 20] = block
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(1)
print('ready', flush=True)
conn, _ = srv.accept()
f = conn.makefile('rwb')
n = 0
for line in f:
    cmd = line.strip()
    if cmd == b'sum':
        f.write(hashlib.sha256(shm).hexdigest().encode() + b'\n')
    elif cmd == b'ping':
        n += 1
        f.write(b'pong %d\n' % n)
    f.flush()
