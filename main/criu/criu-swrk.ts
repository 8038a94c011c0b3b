// A CRIU started before the freeze: `criu swrk FD` (CRIU's RPC worker, the mode libcriu uses) under a small
// python3 client. Before the freeze the client starts the worker on a SOCK_SEQPACKET socket pair and asks it for
// its version (keep_open): the worker is then past exec, dynamic linking and its own start-up, and waits for a
// request. The freeze script signals the client (SIGUSR1) when the freeze reaches the dump or the restore; the
// client sends the request encoded on the controller (app/criu/criu-rpc.ts) and exits with the answer: 0 when CRIU
// succeeded, 1 when it failed or went away. It answers CRIU's action notifications itself (criu_opts.notify_scripts):
// it runs the action script only at `post-restore`, where CLI CRIU runs a shell at each of its six actions.
//
// What CRIU 4.2 does per request, read in criu/cr-service.c: setup_opts_from_req() runs kerndat_init() (the cached
// /run/criu.kdat and three probes: ~2 ms in the logs) and opens the log and the images folder when the request
// arrives, so these stay inside the freeze; cr_service_work() serves DUMP and RESTORE only as the last request
// (chk_keepopen_req() refuses keep_open for them), so one worker serves one dump or one restore. There is no
// request that reads the images ahead (a restore reads the inventory and the tree inside cr_restore_tasks()).
//
// Clean-up: the client dies with the script (PR_SET_PDEATHSIG), and the worker, waiting in recv() on its end of the
// pair, sees the end of the socket and exits ("Client exited unexpectedly"); a worker that dies before the freeze
// is seen by the client (its socket ends) and the client exits 1, which the script reports.
//
// A lazy dump (lazy mode) goes through it too. RPC drops the page server's address when lazy_pages is set
// (cr-service.c, setup_opts_from_req: `if (!opts.lazy_pages) { … SET_CHAR_OPTS(addr, req->ps->address) … }`),
// but the request's config_file is parsed after every RPC option and overrides them (same function, "Evaluate
// additional configuration file": parse_options(…, PARSING_RPC_CONF)), and a config file's `address X` / `port N`
// lines are `--address` / `--port` (criu/config.c: parse_statement prefixes `--`; cases 1051, 1052 set opts.addr,
// opts.port), which cr_lazy_mem_dump() → cr_page_server() → setup_tcp_server("page", opts.addr, &opts.port)
// binds. CRIU reads the file with fopen and skips it silently when it cannot (parse_config returns NULL): the
// client writes it itself (0600), before the worker starts, and the request gives no port either, so a file CRIU
// could not read would leave a server on a port of the kernel's choosing, which the destination never finds (a
// failed migration, not an open one). The ready signal is criu_opts.status_fd (CRIU writes one byte to /proc/CLIENT/fd/N in status_ready(),
// without waiting for an acknowledgement as a `status-ready` notification would).

import { toHex } from '../../app/criu/criu-rpc';
import { POLL_SHIM_PY } from './uffd-holder';

/** The freeze scripts' CRIU argv starts with this when it is a pre-started CRIU's client (freeze-scripts.ts). */
export const CRIU_WORKER_FLAG = '--criu-worker';

/**
 * Files of the client in the image folder (never sent with the images): it writes `ready` once the worker answered,
 * `config` (a lazy dump's CRIU configuration file) before it starts the worker.
 */
export const CRIU_WORKER_FILES = { ready: 'criu-worker.ready', config: 'criu-rpc.conf' } as const;

/**
 * The descriptor number (in the client) CRIU writes its lazy dump's "ready" byte to (criu_opts.status_fd, which CRIU
 * reopens as /proc/CLIENT/fd/N): a fixed number, since the request is encoded on the controller.
 */
export const CRIU_WORKER_STATUS_FD = 47;

/**
 * Usage: python3 -c CRIU_SWRK_PY KIND READY CRIU REQUEST_HEX PIDFILE ACTION_SCRIPT LOCK_FILE POST_RESTORE_NFT
 * CONFIG_FILE CONFIG_TEXT LAZY_PIDFILE LAZY_EXITFILE. KIND (dump, restore): its markers' names (`KIND-requested`,
 * `KIND-answered` on stderr, app/freeze/freeze-protocol.ts); READY: the file written when the worker waits; PIDFILE
 * (restore, '' for none): where the restored root's PID goes; ACTION_SCRIPT ('' for none): run at `post-restore`
 * with CRTOOLS_SCRIPT_ACTION set, as CRIU would; LOCK_FILE (dump, '' for none): nft -f'd on the signal, before the
 * request (marker `locked`); POST_RESTORE_NFT (restore, '' for none): nft commands run at `post-restore` instead of
 * the script. Both nft in-process (libnftables). CONFIG_FILE ('' for none): written (0600) with CONFIG_TEXT before
 * the worker starts, for the request's config_file. Then SIGUSR1 sends the request.
 *
 * A lazy dump (LAZY_EXITFILE set) outlives the freeze: CRIU serves the pages after it. The client then forks at
 * start a holder in its own session (no parent-death signal, /dev/null for stdio, so neither the script's end nor
 * the kill of its process group nor the SSH channel's close reaches it), which starts the worker and writes its
 * PID to LAZY_PIDFILE. The client sends the request and exits 0 once CRIU wrote its ready byte (status_fd
 * CRIU_WORKER_STATUS_FD, marker `dump-ready`): everything but the memory is dumped; it hands the RPC socket over to
 * the holder, which waits for CRIU's answer and writes LAZY_EXITFILE: 0 when every page left (CRIU ended the source
 * copy), 1 when the transfer failed (CRIU resumed it), as the CLI's exit status. A client that ends before its
 * hand-over (no freeze, a failure) ends the holder, and with it the worker.
 */
export const CRIU_SWRK_PY = String.raw`
import ctypes, os, re, select, signal, socket, subprocess, sys
import time
${POLL_SHIM_PY}
kind, ready, criu, request, pidfile, script, lockfile, post_nft, conf_file, conf_text, lazy_pid, lazy_exit = sys.argv[1:4] + [bytes.fromhex(sys.argv[4])] + sys.argv[5:13]
STATUS_FD = ${CRIU_WORKER_STATUS_FD}
# Writes to stderr never decide the exit status: with the controller gone (its SSH channel closed) a write fails,
# and a dump CRIU finished must not read as a failed one (the script would take the lock off a dumped process).
def err(text):
    try:
        os.write(2, text.encode())
    except OSError:
        pass
def mark(name, ns=None):
    err('@@FERRY-AT %s %d\n' % (name, ns or time.time_ns()))
def say(m):
    err('ferry-criu: %s\n' % m)
def fail(m):
    say(m)
    os._exit(1)
def put(path, text, mode=0o644):
    fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(path + '.tmp', path)
if conf_file:
    put(conf_file, conf_text, 0o600)
# nft in this process (libnftables, loaded now): no nft process to start inside the freeze. Without the library:
# the nft command.
try:
    lib = ctypes.CDLL('libnftables.so.1')
    lib.nft_ctx_new.restype = ctypes.c_void_p
    lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
    for f in ('nft_ctx_buffer_output', 'nft_ctx_buffer_error', 'nft_ctx_get_error_buffer'):
        getattr(lib, f).argtypes = [ctypes.c_void_p]
    lib.nft_run_cmd_from_buffer.argtypes = lib.nft_run_cmd_from_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    nft_ctx = lib.nft_ctx_new(0)
    lib.nft_ctx_buffer_output(nft_ctx)
    lib.nft_ctx_buffer_error(nft_ctx)
except (OSError, AttributeError):
    lib = None
def nft(text=None, path=None):
    if lib is None:
        r = subprocess.run(['nft', '-f', path or '-'], input=(text or '').encode(), stdout=2)
        return r.returncode == 0
    rc = lib.nft_run_cmd_from_filename(nft_ctx, path.encode()) if path else lib.nft_run_cmd_from_buffer(nft_ctx, text.encode())
    if rc != 0:
        say('nft: %s' % (lib.nft_ctx_get_error_buffer(nft_ctx) or b'').decode(errors='replace').strip())
    return rc == 0
parent = os.getppid()
ctypes.CDLL(None).prctl(1, signal.SIGKILL)
if os.getppid() != parent:
    os._exit(1)
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGUSR1, lambda *a: None)
me, it = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
it.set_inheritable(True)
def start_worker(out):
    child = os.fork()
    if child == 0:
        try:
            os.dup2(out, 1)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            # A lazy dump serves the pages after it: its answers leave uncorked (scripts/lazy-pages-poll.c).
            shim = lazy and poll_shim(criu)
            if shim:
                os.environ['LD_PRELOAD'] = shim
            os.execv(criu, [criu, 'swrk', str(it.fileno())])
        finally:
            os._exit(127)
    it.close()
    return child
def varint(b, i):
    n = s = 0
    while True:
        x = b[i]
        i += 1
        n |= (x & 0x7f) << s
        s += 7
        if x < 0x80:
            return n, i
def fields(b):
    out, i = {}, 0
    while i < len(b):
        k, i = varint(b, i)
        w = k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        else:
            raise ValueError('wire type %d' % w)
        out[k >> 3] = v
    return out
def recv():
    msg, anc, _, _ = me.recvmsg(1 << 16, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for j in range(0, len(data) - len(data) % 4, 4):
                os.close(int.from_bytes(data[j:j + 4], sys.byteorder))
    return fields(msg) if msg else None
lazy = lazy_exit != ''
if lazy:
    try:
        os.fstat(STATUS_FD)
        fail('descriptor %d is taken' % STATUS_FD)
    except OSError:
        pass
    status_r, w = os.pipe()
    os.dup2(w, STATUS_FD, inheritable=False)
    os.close(w)
    hand_r, hand_w = os.pipe()
    holder = os.fork()
    if holder == 0:
        # The holder: its own session, nothing of the script's (a fork clears the parent-death signal).
        handed = False
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for f in (0, 1, 2):
                os.dup2(null, f)
            os.close(hand_w)
            os.close(status_r)
            os.close(STATUS_FD)
            signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            signal.set_wakeup_fd(-1)
            put(lazy_pid, '%d' % os.getpid())
            start_worker(2)
            if os.read(hand_r, 1) != b'1':
                os._exit(0)
            handed = True
            # CRIU's answer comes once the last page has left, or the transfer failed.
            code = 1
            while True:
                m = recv()
                if m is None:
                    break
                if m.get(1) == 6:
                    me.send(bytes([0x08, 0x06, 0x18, 1]))
                    continue
                code = 0 if m.get(2) == 1 else 1
                break
        except Exception:
            if not handed:
                os._exit(1)
            code = 1
        try:
            put(lazy_exit, '%d\n' % code)
        finally:
            os._exit(0)
    os.close(hand_r)
    it.close()
    child = holder
else:
    child = start_worker(2)
me.send(bytes.fromhex('080a2001'))
r, _, _ = select.select([me], [], [], 30)
answer = recv() if r else None
if not answer or answer.get(2) != 1:
    fail('criu swrk did not start')
with open(ready + '.tmp', 'w') as f:
    f.write('%d\n' % child)
os.replace(ready + '.tmp', ready)
signal.alarm(600)
while True:
    r, _, _ = select.select([me, wake_r], [], [])
    if wake_r in r:
        break
    fail('criu swrk exited before its request')
signal.alarm(0)
# The dump's start and the restore's end are this client's markers (the script prints them without one): one date
# process less at each end of the freeze.
if kind == 'dump':
    mark('dump-start')
if lockfile:
    if not nft(path=lockfile):
        say('locking the connections failed')
        os._exit(2)
    mark('locked')
sent = time.time_ns()
try:
    me.send(request)
except OSError as e:
    fail('criu swrk is gone: %s' % e)
mark(kind + '-requested', sent)
def lazy_failed(m):
    # The dump failed after the request (CRIU resumed the process) or CRIU is gone: as the CLI's exit status.
    if lazy:
        put(lazy_exit, '1\n')
    fail(m)
while lazy:
    r, _, _ = select.select([me, status_r], [], [])
    if status_r in r and os.read(status_r, 1):
        # Everything but the memory is dumped: the holder takes the socket and waits for the answer.
        mark(kind + '-ready')
        os.write(hand_w, b'1')
        os._exit(0)
    try:
        m = recv()
    except OSError as e:
        lazy_failed('criu swrk is gone: %s' % e)
    if m is None:
        lazy_failed('criu swrk exited without an answer')
    if m.get(1) == 6:
        me.send(bytes([0x08, 0x06, 0x18, 1]))
        continue
    lazy_failed('criu failed (errno %s): %s' % (m.get(7, '?'), m.get(9, b'').decode(errors='replace')))
while True:
    try:
        m = recv()
    except OSError as e:
        fail('criu swrk is gone: %s' % e)
    if m is None:
        fail('criu swrk exited without an answer')
    if m.get(1) == 6:
        action = fields(m.get(5, b'')).get(1, b'').decode()
        ok = True
        if action == 'post-restore' and post_nft:
            ok = nft(text=post_nft)
            if not ok:
                say('nft failed at %s' % action)
        elif action == 'post-restore' and script:
            env = dict(os.environ, CRTOOLS_SCRIPT_ACTION=action)
            pid = fields(m.get(5, b'')).get(2)
            if pid is not None:
                env['CRTOOLS_INIT_PID'] = str(pid)
            ok = subprocess.run([script], env=env, stdin=subprocess.DEVNULL, stdout=2).returncode == 0
            if not ok:
                say('action script %s failed at %s' % (script, action))
        me.send(bytes([0x08, 0x06, 0x18, 1 if ok else 0]))
        continue
    mark(kind + '-answered')
    if m.get(2) != 1:
        fail('criu failed (errno %s): %s' % (m.get(7, '?'), m.get(9, b'').decode(errors='replace')))
    if pidfile and 4 in m:
        with open(pidfile + '.tmp', 'w') as f:
            f.write('%d' % fields(m[4]).get(1, 0))
        os.replace(pidfile + '.tmp', pidfile)
    if kind == 'restore':
        mark('restored')
    os._exit(0)
`;

/** The client's argv (run by the freeze script in the background before the freeze). */
export function criuWorkerArgv(a: {
  kind: 'dump' | 'restore';
  ready: string;
  criu: string;
  request: Uint8Array;
  pidFile?: string;
  actionScript?: string;
  /** dump: the `nft -f` file that locks the connections, applied on the signal before the request (exit 2 if it fails). */
  lockFile?: string;
  /** restore: nft commands run at `post-restore` instead of the action script. */
  postRestoreNft?: string;
  /** A CRIU configuration file the client writes (0600) before the worker starts: the request's config_file. */
  config?: { path: string; text: string };
  /**
   * A lazy dump (its request asks for status_fd CRIU_WORKER_STATUS_FD): the holder's PID file and the file its
   * CRIU's exit status goes to once the pages have left (the CLI dump's `dump.pid` and `dump-exit`).
   */
  lazy?: { pidFile: string; exitFile: string };
}): string[] {
  return [
    'python3',
    '-c',
    CRIU_SWRK_PY,
    a.kind,
    a.ready,
    a.criu,
    toHex(a.request),
    a.pidFile ?? '',
    a.actionScript ?? '',
    a.lockFile ?? '',
    a.postRestoreNft ?? '',
    a.config?.path ?? '',
    a.config?.text ?? '',
    a.lazy?.pidFile ?? '',
    a.lazy?.exitFile ?? '',
  ];
}

/** The client's exit status when the lock (lockFile) failed: nothing was locked or dumped. */
export const CRIU_WORKER_LOCK_FAILED = 2;
