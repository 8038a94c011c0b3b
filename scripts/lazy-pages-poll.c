/*
 * Preloaded into CRIU's lazy-pages daemon only (the guard, main/criu/uffd-holder.ts, sets LD_PRELOAD for it; built
 * by scripts/build-lazy-pages-poll.sh into Ferry's CRIU build folder). Why (CRIU 4.2, criu/uffd.c): once the restore
 * says it finished, handle_requests() polls with a zero timeout until the last page is in, while a page request is
 * in flight too, so the daemon spins on a core for the whole transfer. On two shared cores that spin took the CPU
 * the restored process, the source's page server and the transfer itself needed. Here a zero-timeout epoll_wait()
 * that finds nothing, right after another one that found nothing, waits up to 1 ms for an event instead: it still
 * returns as soon as a fault or page data arrives; the first empty poll after an event still returns at once (the
 * daemon then sends its next background request).
 *
 * Also preloaded into the source's `criu dump --lazy-pages` (the page server the daemon reads from; the source's
 * lazy freeze script, main/criu/freeze-scripts.ts). Why (criu/page-xfer.c): both ends cork their page connection
 * (connect_to_page_server() and page_server_serve() call tcp_cork(sk, true)) and push only after a page request or
 * answer. The last exchange is never pushed: the daemon's PS_IOV_CLOSE and the page server's answer each sat in a
 * corked socket until the kernel's 200 ms cork ceiling, ~400 ms after the last page, and the daemon reads no
 * userfaultfd event in that time: a restored process that touched a page the image did not have, or madvised or
 * unmapped memory, stopped until the daemon exited (captured at the peer: 200-460 ms more silence after the freeze).
 * Here TCP_CORK on is refused quietly (setsockopt returns 0): every send leaves at once, as CRIU's pushes did anyway.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static int (*real_epoll_wait)(int, struct epoll_event *, int, int);
static int idle;

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	int n;

	if (!real_epoll_wait) {
		real_epoll_wait = (int (*)(int, struct epoll_event *, int, int))dlsym(RTLD_NEXT, "epoll_wait");
		if (!real_epoll_wait)
			return -1;
	}
	n = real_epoll_wait(epfd, events, maxevents, timeout);
	if (timeout != 0)
		return n;
	if (n == 0 && idle)
		n = real_epoll_wait(epfd, events, maxevents, 1);
	idle = n == 0;
	return n;
}

static int (*real_setsockopt)(int, int, int, const void *, socklen_t);

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	if (!real_setsockopt) {
		real_setsockopt = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
		if (!real_setsockopt)
			return -1;
	}
	if (level == IPPROTO_TCP && name == TCP_CORK && value && len >= sizeof(int) && *(const int *)value != 0)
		return 0;
	return real_setsockopt(fd, level, name, value, len);
}
