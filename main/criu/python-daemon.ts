// The one way Ferry's small python3 programs on the hosts become daemons: fork, leave the caller's session and drop
// its stdio (the ssh channel that started them closes at once). Interpolated at the top level of a program.

/** python3 lines (top level; needs `os` and `sys` imported) that detach the program from its caller. */
export const PY_DAEMONIZE = String.raw`if os.fork():
    sys.exit(0)
os.setsid()
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)`;
