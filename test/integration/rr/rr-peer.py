# The peer's side of the request/response check, run on the lab's peer: listens on HOST:PORT, takes one
# connection from the migrated responder, sends request N every INTERVAL ms (one at a time) and checks each
# reply: it answers N, it has answered exactly N requests (a stale copy answers with an older count), and every
# page value it read is the known pattern (a zero page shows here). Writes its verdict as JSON to STATE every
# 100 ms and when the connection ends.
# Usage: rr-peer.py HOST PORT STATE [INTERVAL_MS]
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rr_pattern import pages_for, value  # noqa: E402

host, port, state = sys.argv[1], int(sys.argv[2]), sys.argv[3]
interval = (int(sys.argv[4]) if len(sys.argv) > 4 else 10) / 1000
v = {'listening': True, 'connected': False, 'sent': 0, 'answered': 0, 'problems': [], 'zeroPages': 0,
     'closed': None, 'maxGapMs': 0, 'lastReplyAt': None, 'waitingSinceMs': None}


def save(final=False):
    now = time.time()
    if v['connected'] and not v['closed'] and v['sent'] > v['answered']:
        v['waitingSinceMs'] = round((now - waiting_since) * 1000)
    else:
        v['waitingSinceMs'] = None
    tmp = state + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(v, f)
    os.replace(tmp, state)


def problem(msg):
    if len(v['problems']) < 20:
        v['problems'].append(msg)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(1)
waiting_since = time.time()
save()
conn, addr = srv.accept()
v['connected'] = True
v['remote'] = '%s:%d' % addr
conn.settimeout(0.1)
buf = b''
npages = 0
last_save = 0
n = 0
last_reply = time.time()
def read_line():
    global buf, last_save
    while b'\n' not in buf:
        try:
            d = conn.recv(65536)
        except socket.timeout:
            if time.time() - last_save > 0.1:
                save()
                last_save = time.time()
            continue
        if not d:
            raise EOFError()
        buf += d
    line, buf = buf.split(b'\n', 1)
    return line


try:
    hello = read_line().split()
    npages = int(hello[1])
    v['pages'] = npages
    while True:
        n += 1
        conn.sendall(b'%d\n' % n)
        v['sent'] = n
        waiting_since = time.time()
        line = read_line()
        now = time.time()
        v['maxGapMs'] = max(v['maxGapMs'], round((now - last_reply) * 1000))
        last_reply = now
        v['lastReplyAt'] = now
        parts = line.decode(errors='replace').split()
        if len(parts) < 2 or parts[0] != str(n):
            problem('request %d answered with %r' % (n, line[:80]))
        elif parts[1] != str(n):
            problem('request %d: the responder had answered %s requests (a stale copy?)' % (n, parts[1]))
        else:
            got = [tuple(int(x) for x in p.split(':')) for p in parts[2:]]
            if [g[0] for g in got] != pages_for(n, npages):
                problem('request %d: pages %r' % (n, got[:3]))
            for p, val in got:
                exp = value(p)
                if val != exp:
                    if val == 0:
                        v['zeroPages'] += 1
                    problem('request %d: page %d holds %d, not %d' % (n, p, val, exp))
        v['answered'] += 1
        if time.time() - last_save > 0.1:
            save()
            last_save = time.time()
        time.sleep(interval)
except ConnectionResetError:
    v['closed'] = 'reset'
except (EOFError, BrokenPipeError):
    v['closed'] = 'eof'
except OSError as e:
    v['closed'] = 'error: %s' % e
v['closedAt'] = time.time()
save(True)
