# Benchmark workload: MIB MiB of MAP_SHARED anonymous memory (written, so it is resident) and one witness
# connection (HELLO, then an empty MSG every INTERVAL ms; ACKs read and dropped), like the demo workload's.
# Usage: shm-workload.py MIB HOST PORT CLIENT_ID INTERVAL_MS
import mmap
import os
import select
import socket
import sys
import time

mib, host, port, client, interval = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) / 1000
shm = mmap.mmap(-1, mib << 20)  # MAP_SHARED | MAP_ANONYMOUS
block = bytearray(os.urandom(1 << 20))
for i in range(mib):
    block[:8] = i.to_bytes(8, 'little')
    shm[i << 20:(i + 1) << 20] = block
s = socket.create_connection((host, port))
s.sendall(b'HELLO %s 0\n' % client.encode())
seq = 0
nxt = time.monotonic()
while True:
    seq += 1
    s.sendall(b'MSG %d %d \n' % (seq, int(time.time() * 1000)))
    nxt += interval
    while True:
        wait = nxt - time.monotonic()
        if wait <= 0:
            break
        r, _, _ = select.select([s], [], [], wait)
        if r and not s.recv(65536):
            sys.exit(1)
    if nxt < time.monotonic() - 1:
        nxt = time.monotonic()  # after a freeze: carry on from now, no burst
