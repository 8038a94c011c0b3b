# A quiet client for the split-brain fault test: connects to the witness, holds MIB MiB of touched memory,
# and sends one line per SIGUSR1 and nothing otherwise (so it touches no page unless told to). Prints
# "ready" once all of that is in place.
# Usage: quiet-client.py HOST PORT MIB
import signal
import socket
import sys

count = 0
s = None


def ping(*_):
    global count
    count += 1
    s.sendall(b'ping %d\n' % count)


signal.signal(signal.SIGUSR1, ping)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
blob = b'x' * (int(sys.argv[3]) << 20)
print('ready', flush=True)
while True:
    signal.pause()
