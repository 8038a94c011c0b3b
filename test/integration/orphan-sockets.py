# Leaves orphaned FIN-WAIT-1 sockets on this host, the way a process that closed its connections just before its
# address left the host does: connects from ADDR to PEER:PORT on each local port FIRST..LAST, drops what comes
# back from the peer (nft table TABLE, inet), then closes them all: their FINs are never acknowledged.
# The caller moves ADDR away and then deletes TABLE. Prints the four-tuples.
# Usage: orphan-sockets.py ADDR FIRST LAST PEER PORT TABLE
import socket
import subprocess
import sys

addr, first, last, peer, port, table = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
socks = []
for p in range(first, last + 1):
    s = socket.socket()
    s.bind((addr, p))
    s.connect((peer, port))
    socks.append(s)
rules = f'add table inet {table}\nadd chain inet {table} in {{ type filter hook input priority -10; }}\n' \
    f'add rule inet {table} in ip saddr {peer} tcp sport {port} ip daddr {addr} tcp dport {first}-{last} drop\n'
subprocess.run(['nft', '-f', '-'], input=rules.encode(), check=True)
for s in socks:
    s.close()
for p in range(first, last + 1):
    print(f'{addr}:{p}>{peer}:{port}')
