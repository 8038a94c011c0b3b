/*
 * Preloaded into CRIU's lazy-pages daemon only (the guard, main/criu/uffd-holder.ts, sets LD_PRELOAD for it; built
 * by scripts/build-lazy-pages-poll.sh into Ferry's CRIU build folder). Why (CRIU 4.2, criu/uffd.c): once the restore
 * says it finished, handle_requests() polls with a zero timeout until the last page is in, while a page request is
 * in flight too, so the daemon spins on a core for the whole transfer. On two shared cores that spin took the CPU
 * the restored process, the source's page server and the transfer itself needed. Here a zero-timeout epoll_wait()
 * that finds nothing, right after another one that found nothing, waits up to 1 ms for an event instead: it still
 * returns as soon as a fault or page data arrives; the first empty poll after an event still returns at once (the
 * daemon then sends its next background request).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/epoll.h>

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
