/* connect: a TCP connection made from inside a network namespace, relayed over stdin/stdout. */
#ifndef KAP_NETNS_CONNECT_H
#define KAP_NETNS_CONNECT_H

/* Joins the namespace at netns_path (a bind-mounted nsfs file), connects to host:port within
 * timeout_ms, writes "connected\n" to stderr, then copies stdin to the socket and the socket to
 * stdout until the peer closes. Returns the exit status (0 after a relay, 1 on failure). */
int netns_connect(const char *netns_path, const char *host, const char *port, int timeout_ms);

#endif
