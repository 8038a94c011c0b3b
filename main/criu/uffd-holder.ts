// Lazy mode's guard on the destination: a small python3 program that runs CRIU's lazy-pages daemon as its own
// child and keeps its own references to the daemon's userfaultfds and its page connection to the source
// (pidfd_getfd). When the daemon dies before the last page arrived, the kernel would release the userfaultfd
// and the pages that never came would read as zeros (fs/userfaultfd.c); held here, a fault on such a page
// waits instead, and the source's CRIU sees no end of its connection (an EOF would count as success and make
// it kill the source copy). Files in the image folder: guard.pid (this guard), lazy-pages.pid (the daemon), lazy-pages.exit (its exit
// status, 128+N for signal N), lazy-pages.held (what is held). A clean exit releases everything at once; after
// a failure everything stays held until lazy-pages.release appears or the restored tree (PIDS) is gone, or
// until lazy-pages.recover names a page source (main/criu/page-source.ts: "ADDRESS PORT TOKEN [TLSDIR]", TLSDIR
// holding this side's ca.crt, cert.pem and key.pem: the source is then verified against that CA and ADDRESS, and
// shown this side's certificate): then the guard
// fetches every page still missing from it (the faulting ones first) and places it with UFFDIO_COPY, writes
// lazy-pages.recovered ("ok N" or "failed: why") and, on success, lets go (the copy is complete).

import { PY_DAEMONIZE } from './python-daemon';

/**
 * python3 (needs os and re): poll_shim(CRIU) is the path of the lazy-pages daemon's poll shim in the CRIU build that
 * the wrapper CRIU runs, or None (another CRIU, or no shim built). Ferry's CRIU build carries
 * ferry/lazy-pages-poll.so (scripts/lazy-pages-poll.c: without it the daemon spins on a core until the last page is
 * in, and its page connection's last request and answer wait ~400 ms in corked sockets; scripts/build-lazy-pages-poll.sh),
 * which the guard preloads into the daemon (and the source's lazy freeze script into the dump: POLL_SHIM_SH).
 */
export const POLL_SHIM_PY = String.raw`def poll_shim(criu):
    try:
        with open(criu, 'rb') as f:
            m = re.search(rb"--library-path '[^']*' '(/[^']+)/usr/sbin/criu'", f.read(4096))
    except OSError:
        return None
    so = m and os.path.join(m.group(1).decode(), 'ferry', 'lazy-pages-poll.so')
    return so if so and os.path.isfile(so) else None`;

/**
 * The same shim's path for a shell (the source's lazy freeze script preloads it into `criu dump --lazy-pages`, the
 * page server, for its TCP_CORK part): `poll_shim CRIU` prints it, or nothing, read from the wrapper's first 4 KiB
 * as POLL_SHIM_PY does.
 */
export const POLL_SHIM_SH = String.raw`poll_shim() { b=$(head -c 4096 "$1" 2>/dev/null | sed -n "s|.*--library-path '[^']*' '\(/[^']*\)/usr/sbin/criu'.*|\1|p" | head -n 1); if [ -n "$b" ] && [ -f "$b/ferry/lazy-pages-poll.so" ]; then printf %s "$b/ferry/lazy-pages-poll.so"; fi; }`;

/**
 * Usage: python3 -c UFFD_HOLDER_PY DIR PIDS(comma-separated) CRIU lazy-pages ARGS... (no --daemon/--pidfile,
 * --images-dir, --work-dir, --status-fd: the guard adds them), with the FIFOs DIR/guard.go and DIR/guard.ready in
 * place. It detaches at once and starts the daemon, which runs up to its first image read (DIR/lazy-stage, its
 * images folder, holds a FIFO for inventory.img) and waits there; when guard.go is written (the images are in DIR)
 * the guard links the images into the stage and writes the inventory into the FIFO. So neither the guard's nor
 * the daemon's start-up costs the freeze anything: only CRIU's reading of the tree and its socket's set-up do.
 * lazy-pages.pid names the daemon from its start.
 */
export const UFFD_HOLDER_PY = String.raw`
import ctypes, os, re, select, signal, socket, ssl, struct, sys, time
d, pids, argv = sys.argv[1], [int(p) for p in sys.argv[2].split(',') if p], sys.argv[3:]
libc = ctypes.CDLL(None, use_errno=True)
def put(name, text):
    tmp = os.path.join(d, name + '.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))
${PY_DAEMONIZE}
put('guard.pid', str(os.getpid()))
${POLL_SHIM_PY}
# The daemon starts now, before the freeze, up to its first image: its images folder is a stage whose
# inventory.img is a FIFO, so CRIU (exec, dynamic linking, options, log, kerndat_init: criu/crtools.c main) runs
# ahead and waits in the open of that image (cr_lazy_pages → prepare_dummy_pstree → check_img_inventory). Its work
# folder is DIR, where it listens on lazy-pages.socket for the restore (whose work folder DIR is too).
stage = os.path.join(d, 'lazy-stage')
if os.path.isdir(stage):
    for n in os.listdir(stage):
        os.unlink(os.path.join(stage, n))
else:
    os.mkdir(stage, 0o700)
fifo = os.path.join(stage, 'inventory.img')
os.mkfifo(fifo, 0o600)
sr, sw = os.pipe()
os.set_inheritable(sw, True)
child = os.fork()
if child == 0:
    os.close(sr)
    shim = poll_shim(argv[0])
    if shim:
        os.environ['LD_PRELOAD'] = shim
    os.execv(argv[0], argv + ['--images-dir', stage, '--work-dir', d, '--status-fd', str(sw)])
os.close(sw)
put('lazy-pages.pid', str(child))
def reap():
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
# The freeze script says go (guard.go) once the images are in, and waits for guard.ready: 1 when the daemon
# listens, 0 when it failed. Gone after 10 minutes without a go, and the waiting daemon with it.
def give_up(*_):
    os.kill(child, signal.SIGKILL)
    os._exit(1)
signal.signal(signal.SIGALRM, give_up)
signal.alarm(600)
with open(os.path.join(d, 'guard.go')) as f:
    f.read()
signal.alarm(0)
def feed():
    # The images, to the stage: every other image as a link, then the inventory through the FIFO (the daemon
    # reads the tree, ids, mm and pagemap images through the links, then and later).
    for n in os.listdir(d):
        if n.endswith('.img') and n != 'inventory.img':
            os.symlink(os.path.join(d, n), os.path.join(stage, n))
    with open(os.path.join(d, 'inventory.img'), 'rb') as f:
        data = f.read()
    # Open for writing without blocking: a daemon that died before its open must not hang the guard.
    while True:
        try:
            w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as e:
            if e.errno != 6:
                raise
        r, _, _ = select.select([sr], [], [], 0.001)
        if r:
            return
    os.set_blocking(w, True)
    try:
        while data:
            data = data[os.write(w, data):]
    finally:
        os.close(w)
try:
    feed()
    ready = os.read(sr, 1)
except OSError:
    ready = b''
os.close(sr)
wr = os.open(os.path.join(d, 'guard.ready'), os.O_WRONLY)
if not ready:
    os.kill(child, signal.SIGKILL)
    rc = reap()
    put('lazy-pages.exit', str(rc if rc >= 0 else 128 - rc))
    os.write(wr, b'0')
    sys.exit(1)
os.write(wr, b'1')
os.close(wr)
pidfd = libc.syscall(434, child, 0)
held = {}
def grab():
    base = '/proc/%d/fd' % child
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
# Every 5 ms until the daemon's userfaultfds and its page connection are held, then every 50 ms (for forks).
while True:
    kinds = set(v[1] for v in held.values() if v)
    r, _, _ = select.select([pidfd], [], [], 0.05 if kinds >= {'uffd', 'socket'} else 0.005)
    if r:
        break
    grab()
rc = reap()
put('lazy-pages.exit', str(rc if rc >= 0 else 128 - rc))
if rc == 0:
    sys.exit(0)
def alive(p):
    try:
        with open('/proc/%d/stat' % p) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False
def owners():
    # The daemon's log names the process behind each userfaultfd it received.
    out = {}
    try:
        with open(os.path.join(d, 'lazy-pages.log')) as f:
            for line in f:
                i = line.find('Received PID: ')
                if i >= 0:
                    a, b = line[i + 14:].split(', uffd: ')
                    out[int(b)] = int(a)
    except (OSError, ValueError):
        pass
    return out
class Copy(ctypes.Structure):
    _fields_ = [('dst', ctypes.c_uint64), ('src', ctypes.c_uint64), ('len', ctypes.c_uint64), ('mode', ctypes.c_uint64), ('copy', ctypes.c_int64)]
class Zero(ctypes.Structure):
    _fields_ = [('start', ctypes.c_uint64), ('len', ctypes.c_uint64), ('mode', ctypes.c_uint64), ('zeropage', ctypes.c_int64)]
UFFDIO_COPY, UFFDIO_ZEROPAGE = 0xC028AA03, 0xC020AA04
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
class Gone(Exception):
    pass
UFFDIO_UNREGISTER = 0x8010AA01
class Range(ctypes.Structure):
    _fields_ = [('start', ctypes.c_uint64), ('len', ctypes.c_uint64)]
def recover(where):
    host, port, token, *tls = where.split()
    c = socket.create_connection((host, int(port)), timeout=30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(os.path.join(tls[0], 'ca.crt'))
        ctx.load_cert_chain(os.path.join(tls[0], 'cert.pem'), os.path.join(tls[0], 'key.pem'))
        c = ctx.wrap_socket(c, server_hostname=host)
    c.sendall(token.encode())
    def recv(n):
        b = bytearray()
        while len(b) < n:
            x = c.recv(n - len(b))
            if not x:
                raise EOFError('the page source closed the connection')
            b += x
        return bytes(b)
    def fetch(pid, start, n):
        c.sendall(struct.pack('<IQQ', pid, start, n))
        recv(20)
        have = recv(n)
        return have, recv(4096 * sum(have))
    who = owners()
    jobs = []
    for (fd, link), v in held.items():
        if v and v[1] == 'uffd' and fd in who:
            jobs.append((v[0], who[fd]))
    if not jobs:
        raise Exception('no userfaultfd with a known process')
    total = 0
    for ufd, pid in jobs:
        os.set_blocking(ufd, False)
        faults = []
        # Ranges the process unmapped or discarded (MADV_DONTNEED) since: never filled with the old contents.
        gone = []
        def dropped(a):
            return any(lo <= a < hi for lo, hi in gone)
        def drain():
            # Reads the pending events; a non-cooperative event blocks UFFDIO_COPY (EAGAIN) until it is read.
            while True:
                try:
                    m = os.read(ufd, 32)
                except BlockingIOError:
                    return
                ev = m[0]
                if ev == 0x12:
                    faults.append(struct.unpack_from('<Q', m, 16)[0] & ~4095)
                elif ev in (0x15, 0x16):
                    lo, hi = struct.unpack_from('<QQ', m, 8)
                    gone.append((lo, hi))
                    if ev == 0x15:
                        libc.ioctl(ufd, UFFDIO_UNREGISTER, ctypes.byref(Range(lo, hi - lo)))
                else:
                    raise Exception('the process forked or remapped memory during the recovery (uffd event %#x)' % ev)
        def copy_page(dst, page):
            buf = ctypes.create_string_buffer(page, 4096)
            while True:
                if dropped(dst):
                    return 0
                op = Copy(dst, ctypes.addressof(buf), 4096, 0, 0)
                if libc.ioctl(ufd, UFFDIO_COPY, ctypes.byref(op)) == 0:
                    return 1
                e = ctypes.get_errno()
                if e == 11:
                    drain()
                    continue
                if e == 3:
                    raise Gone()
                return 0
        def copy_run(dst, data):
            # One ioctl for the run when nothing is in the way; page by page otherwise.
            if not any(lo < dst + len(data) and dst < hi for lo, hi in gone):
                buf = ctypes.create_string_buffer(data, len(data))
                op = Copy(dst, ctypes.addressof(buf), len(data), 0, 0)
                if libc.ioctl(ufd, UFFDIO_COPY, ctypes.byref(op)) == 0:
                    return len(data) // 4096
                if ctypes.get_errno() == 3:
                    raise Gone()
            return sum(copy_page(dst + k, data[k:k + 4096]) for k in range(0, len(data), 4096))
        def place(start, have, data):
            n, i, k = 0, 0, 0
            while i < len(have):
                if not have[i]:
                    i += 1
                    continue
                j = i
                while j < len(have) and have[j]:
                    j += 1
                n += copy_run(start + i * 4096, data[k:k + (j - i) * 4096])
                k += (j - i) * 4096
                i = j
            return n
        def serve():
            n = 0
            drain()
            while faults:
                a = faults.pop(0)
                if dropped(a):
                    continue
                have, data = fetch(pid, a, 1)
                if have[0]:
                    n += copy_page(a, data)
                else:
                    op = Zero(a, 4096, 0, 0)
                    libc.ioctl(ufd, UFFDIO_ZEROPAGE, ctypes.byref(op))
                drain()
            return n
        regions = []
        with open('/proc/%d/smaps' % pid) as f:
            cur = None
            for line in f:
                head = line.split(' ', 1)[0]
                if '-' in head and ':' not in head:
                    lo, hi = head.split('-')
                    cur = (int(lo, 16), int(hi, 16))
                elif line.startswith('VmFlags:') and cur and ' um' in line:
                    regions.append(cur)
        dpm = os.open('/proc/%d/pagemap' % pid, os.O_RDONLY)
        for lo, hi in regions:
            a = lo
            while a < hi:
                total += serve()
                n = min(64, (hi - a) // 4096)
                ents = os.pread(dpm, 8 * n, (a // 4096) * 8)
                if any(not (struct.unpack_from('<Q', ents, 8 * i)[0] & (3 << 62)) for i in range(n)):
                    have, data = fetch(pid, a, n)
                    total += place(a, have, data)
                a += n * 4096
        total += serve()
        os.close(dpm)
    c.close()
    return total
def abort_page_connection():
    # Closed plainly, the held page connection would end with a FIN, which the source's CRIU takes for a
    # complete transfer (it then kills the source copy): it ends with an RST, a failure, instead.
    for v in held.values():
        if v and v[1] == 'socket':
            s = socket.socket(fileno=v[0])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            s.detach()
import atexit
atexit.register(abort_page_connection)
while any(alive(p) for p in pids):
    if os.path.exists(os.path.join(d, 'lazy-pages.release')):
        break
    rp = os.path.join(d, 'lazy-pages.recover')
    if os.path.exists(rp) and not os.path.exists(os.path.join(d, 'lazy-pages.recovered')):
        try:
            with open(rp) as f:
                n = recover(f.read().strip())
            put('lazy-pages.recovered', 'ok %d' % n)
            break
        except Gone:
            put('lazy-pages.recovered', 'failed: the restored process is gone')
        except Exception as e:
            put('lazy-pages.recovered', 'failed: %s' % e)
    time.sleep(0.05)
`;
