/* `kapstan-shim connect`: the agent's probes and lifecycle hooks reach a pod that has only loopback
 * (no pod network) through this: the process joins the pod's network namespace with setns, so the
 * traffic never leaves that namespace, and relays the connection over its stdin/stdout. */
#define _GNU_SOURCE
#include "netns-connect.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_with_timeout(const char *host, const char *port, int timeout_ms)
{
	struct addrinfo hints = { 0 }, *res;
	int fd, rc, err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) fail_msg("connect", "%s:%s: %s", host, port, gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) fail_errno("socket", errno);
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS)
		fail_msg("connect", "%s:%s: %s", host, port, strerror(errno));
	freeaddrinfo(res);
	p.fd = fd;
	p.events = POLLOUT;
	while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {}
	if (rc == 0) fail_msg("connect", "%s:%s: i/o timeout", host, port);
	if (rc < 0) fail_errno("poll", errno);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) fail_errno("getsockopt", errno);
	if (err) fail_msg("connect", "%s:%s: %s", host, port, strerror(err));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Copies in both directions; half-closes the socket when stdin ends, stops when the peer closes. */
static void relay(int sock)
{
	char buf[16384];
	int stdin_open = 1;
	for (;;) {
		struct pollfd fds[2] = { { stdin_open ? STDIN_FILENO : -1, POLLIN, 0 }, { sock, POLLIN, 0 } };
		ssize_t n;
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) continue;
			return;
		}
		if (fds[0].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				stdin_open = 0;
				shutdown(sock, SHUT_WR);
			} else if (write_all(sock, buf, (size_t)n) < 0) {
				return;
			}
		}
		if (fds[1].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n) < 0) return;
		}
	}
}

int netns_connect(const char *netns_path, const char *host, const char *port, int timeout_ms)
{
	int ns, sock;
	signal(SIGPIPE, SIG_IGN);
	if ((ns = open(netns_path, O_RDONLY | O_CLOEXEC)) < 0) fail_msg("open netns", "%s: %s", netns_path, strerror(errno));
	if (setns(ns, CLONE_NEWNET) < 0) fail_msg("setns", "%s: %s", netns_path, strerror(errno));
	close(ns);
	sock = connect_with_timeout(host, port, timeout_ms > 0 ? timeout_ms : 1000);
	fputs("connected\n", stderr);
	fflush(stderr);
	relay(sock);
	close(sock);
	return 0;
}
