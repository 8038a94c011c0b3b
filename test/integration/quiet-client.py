# A quiet client for the split-brain fault test: connects to the witness, holds MIB MiB of touched memory,
# and sends one line per SIGUSR1 and nothing otherwise (so it touches no page unless told to).
# Usage: quiet-client.py HOST PORT MIB
import signal
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
blob = b'x' * (int(sys.argv[3]) << 20)
count = 0


def ping(*_):
    global count
    count += 1
    s.sendall(b'ping %d\n' % count)


signal.signal(signal.SIGUSR1, ping)
while True:
    signal.pause()
