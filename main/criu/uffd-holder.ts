// Lazy mode's guard on the destination: a small python3 program that runs CRIU's lazy-pages daemon as its own
// child and keeps its own references to the daemon's userfaultfds and its page connection to the source
// (pidfd_getfd). When the daemon dies before the last page arrived, the kernel would release the userfaultfd
// and the pages that never came would read as zeros (fs/userfaultfd.c); held here, a fault on such a page
// waits instead, and the source's CRIU sees no end of its connection (an EOF would count as success and make
// it kill the source copy). Files in the image folder: lazy-pages.pid (the daemon), lazy-pages.exit (its exit
// status, 128+N for signal N), lazy-pages.held (what is held). A clean exit releases everything at once; after
// a failure everything stays held until lazy-pages.release appears or the restored tree (PIDS) is gone.

/** Usage: python3 -c UFFD_HOLDER_PY DIR PIDS(comma-separated) CRIU lazy-pages ARGS... (no --daemon/--pidfile). */
export const UFFD_HOLDER_PY = String.raw`
import ctypes, os, select, socket, subprocess, sys, time
d, pids, argv = sys.argv[1], [int(p) for p in sys.argv[2].split(',') if p], sys.argv[3:]
libc = ctypes.CDLL(None, use_errno=True)
def put(name, text):
    tmp = os.path.join(d, name + '.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))
rd, wr = os.pipe()
if os.fork():
    os.close(wr)
    ok = os.read(rd, 1)
    sys.exit(0 if ok == b'1' else 1)
os.close(rd)
os.setsid()
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
sr, sw = os.pipe()
child = subprocess.Popen(argv + ['--status-fd', str(sw)], pass_fds=[sw], stdin=null, stdout=null, stderr=null)
os.close(sw)
ready = os.read(sr, 1)
os.close(sr)
if not ready:
    rc = child.wait()
    put('lazy-pages.exit', str(rc if rc >= 0 else 128 - rc))
    os.write(wr, b'0')
    sys.exit(1)
put('lazy-pages.pid', str(child.pid))
os.write(wr, b'1')
os.close(wr)
pidfd = libc.syscall(434, child.pid, 0)
held = {}
def grab():
    base = '/proc/%d/fd' % child.pid
    try:
        names = os.listdir(base)
    except OSError:
        return False
    new = False
    for n in names:
        fd = int(n)
        try:
            link = os.readlink(base + '/' + n)
        except OSError:
            continue
        if (fd, link) in held:
            continue
        kind = 'uffd' if link == 'anon_inode:[userfaultfd]' else 'socket' if link.startswith('socket:') else None
        if not kind:
            continue
        mine = libc.syscall(438, pidfd, fd, 0)
        if mine < 0:
            continue
        if kind == 'socket':
            s = socket.socket(fileno=mine)
            tcp = s.family in (socket.AF_INET, socket.AF_INET6) and s.type == socket.SOCK_STREAM
            s.detach()
            if not tcp:
                os.close(mine)
                held[(fd, link)] = None
                continue
        held[(fd, link)] = (mine, kind)
        new = True
    if new:
        put('lazy-pages.held', ' '.join('%s:%d' % (v[1], k[0]) for k, v in sorted(held.items()) if v))
    return new
last_new = time.time()
while True:
    fast = time.time() - last_new < 1.0 or not any(v and v[1] == 'uffd' for v in held.values())
    r, _, _ = select.select([pidfd], [], [], 0.002 if fast else 0.05)
    if r:
        break
    if grab():
        last_new = time.time()
rc = child.wait()
put('lazy-pages.exit', str(rc if rc >= 0 else 128 - rc))
if rc == 0:
    sys.exit(0)
def alive(p):
    try:
        with open('/proc/%d/stat' % p) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False
while not os.path.exists(os.path.join(d, 'lazy-pages.release')) and any(alive(p) for p in pids):
    time.sleep(0.1)
`;
