# Load for the `ferry ps` benchmark, run inside a lab host: PROCS processes in all (this one and PROCS-1 forked
# sleepers that die with it) and SOCKETS loopback TCP sockets (SOCKETS/2 connections) held by this process.
# Prints "ready" when all of it exists; killing this one process tears everything down.
# Usage: ps-load.py PROCS SOCKETS
import ctypes
import os
import resource
import signal
import socket
import sys

procs, sockets = int(sys.argv[1]), int(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
libc = ctypes.CDLL(None)
parent = os.getpid()
for _ in range(procs - 1):
    if os.fork() == 0:
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: gone with the parent
        if os.getppid() != parent:
            os._exit(0)
        while True:
            signal.pause()
srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(4096)
keep = []
for _ in range(sockets // 2):
    c = socket.create_connection(srv.getsockname())
    a, _ = srv.accept()
    keep += [c, a]
print('ready', flush=True)
while True:
    signal.pause()
