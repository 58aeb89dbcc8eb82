/*
 * Test-only LD_PRELOAD library: every other large send() on a TCP socket
 * to port 179 fails with EAGAIN without sending anything, the next one goes
 * through, and BGP sockets get a 4 MB send buffer so that one that goes
 * through takes the whole queue.
 *
 * That is a peer reading in bursts, made deterministic: a write that finds
 * the socket full, and right after it one that empties the queue. The
 * speaker must keep sending after either (tests/system/test_bgp_hostile.py).
 * Small messages (OPEN, KEEPALIVE, End-of-RIB) are left alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define STUTTER_MIN_LEN 4096

ssize_t send(int fd, const void *buf, size_t len, int flags);

static bool
to_bgp_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port) == 179;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 179;
    return false;
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
    static ssize_t (*real_send)(int, const void *, size_t, int);
    static unsigned large_calls;

    if (real_send == NULL)
        real_send = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    if (len >= STUTTER_MIN_LEN && to_bgp_port(fd)) {
        int size = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        if (__atomic_fetch_add(&large_calls, 1, __ATOMIC_RELAXED) % 2 == 0) {
            errno = EAGAIN;
            return -1;
        }
    }
    return real_send(fd, buf, len, flags);
}
