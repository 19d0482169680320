// SPDX-License-Identifier: MIT
/*
 * msg_fd.c - the channels made of file descriptors: Unix sockets (stream,
 * seqpacket, datagram), a pair of pipes, and TCP over loopback.
 *
 * Both ends use plain blocking read/write (send/recv for datagrams), as
 * lat_pipe and `perf bench sched pipe` do, so the figures compare with
 * theirs. A blocking call has no timeout of its own: the measuring end's
 * watchdog (the engine's, in interrupt mode: msg_sess.c) interrupts it with a
 * signal (EINTR), and the loops below then ask whether it expired. The peer needs none: the measuring end
 * closing its side ends any wait of the peer's.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg_chan.h"

/* ---- closing ---- */

/* Closing is all a socket or pipe needs: the other end reads end of file. */
static void fd_drop(struct msg_end *e)
{
	if (e->fd[1] >= 0 && e->fd[1] != e->fd[0])
		close(e->fd[1]);
	if (e->fd[0] >= 0)
		close(e->fd[0]);
	e->fd[0] = e->fd[1] = -1;
}

/*
 * A datagram socket reports no end of file when its peer closes, so the
 * close is announced with an empty datagram first. Bounded: the peer's
 * queue may be full, and the peer may be gone.
 */
static void dgram_close(struct msg_end *e)
{
	struct pollfd p = { .fd = e->fd[1], .events = POLLOUT };
	uint64_t deadline = ipcb_now_ns() + e->sess->timeout_ns;

	while (e->fd[1] >= 0 && send(e->fd[1], "", 0, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
	       (errno == EAGAIN || errno == EINTR) && ipcb_now_ns() < deadline)
		poll(&p, 1, 10);
	fd_drop(e);
}

/* ---- moving bytes ---- */

static int fd_error(struct msg_end *e, const char *op, size_t done, size_t len, int err)
{
	if (err == EPIPE || err == ECONNRESET || err == ECONNREFUSED)
		return msg_fail(e, "%s: the peer closed the channel after %zu of %zu bytes (%s)", op, done, len,
				strerror(err));
	return msg_fail(e, "%s after %zu of %zu bytes: %s", op, done, len, strerror(err));
}

/* A byte stream: a message may take several writes (a full pipe, a large message). */
static int stream_send(struct msg_end *e, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (msg_watch_expired(e))
			return -1;
		n = write(e->fd[1], p + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno != EINTR)
			return fd_error(e, "write", done, len, errno);
	}
	return 0;
}

static int stream_recv(struct msg_end *e, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (msg_watch_expired(e))
			return -1;
		n = read(e->fd[0], p + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0 && done == 0)
			return MSG_EOF;
		else if (n == 0)
			return msg_fail(e, "read: end of file after %zu of %zu bytes", done, len);
		else if (errno != EINTR)
			return fd_error(e, "read", done, len, errno);
	}
	return 0;
}

/* A datagram is all or nothing: one send, one recv. */
static int dgram_send(struct msg_end *e, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n;

		if (msg_watch_expired(e))
			return -1;
		n = send(e->fd[1], buf, len, MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			break;
		if (n >= 0)
			return msg_fail(e, "send: %zd of a %zu-byte datagram", n, len);
		if (errno != EINTR)
			return fd_error(e, "send", 0, len, errno);
	}
	return 0;
}

/* MSG_TRUNC: the real length, so a longer datagram is not silently cut to fit. */
static int dgram_recv(struct msg_end *e, void *buf, size_t len)
{
	for (;;) {
		ssize_t n;

		if (msg_watch_expired(e))
			return -1;
		n = recv(e->fd[0], buf, len, MSG_TRUNC);
		if (n == 0)
			return MSG_EOF;
		if (n == (ssize_t)len)
			break;
		if (n > 0)
			return msg_fail(e, "recv: a %zd-byte datagram, expected %zu", n, len);
		if (errno != EINTR)
			return fd_error(e, "recv", 0, len, errno);
	}
	return 0;
}

/* ---- opening ---- */

static void ends_set(struct msg_sess *s, int me_rd, int me_wr, int peer_rd, int peer_wr)
{
	s->me.fd[0] = me_rd;
	s->me.fd[1] = me_wr;
	s->peer.fd[0] = peer_rd;
	s->peer.fd[1] = peer_wr;
}

static int pair_open(struct msg_sess *s, int type, char *why, size_t len)
{
	int sv[2];

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv)) {
		snprintf(why, len, "socketpair(AF_UNIX): %s", strerror(errno));
		return -1;
	}
	ends_set(s, sv[0], sv[0], sv[1], sv[1]);
	return 0;
}

static int unix_stream_open(struct msg_sess *s, char *why, size_t len)
{
	return pair_open(s, SOCK_STREAM, why, len);
}

/*
 * A Unix datagram must fit the sender's buffer whole (the kernel refuses
 * len > sk_sndbuf - 32), so grow the buffer when the message needs it. The
 * kernel caps the request at net.core.wmem_max and doubles it.
 */
static int dgram_fit(int fd, size_t size, char *why, size_t len)
{
	int buf = 0, want;
	socklen_t sl = sizeof(buf);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, &sl) == 0 && (size_t)buf >= size + 32)
		return 0;
	want = size + 4096 > (size_t)1 << 30 ? 1 << 30 : (int)(size + 4096);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	sl = sizeof(buf);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, &sl) == 0 && (size_t)buf >= size + 32)
		return 0;
	snprintf(why, len, "a %zu-byte datagram does not fit the socket's send buffer (%d bytes; net.core.wmem_max = %ld): raise net.core.wmem_max",
		 size, buf, ipcb_read_long("/proc/sys/net/core/wmem_max", -1));
	return -1;
}

static int dgram_pair_open(struct msg_sess *s, int type, char *why, size_t len)
{
	if (pair_open(s, type, why, len))
		return -1;
	if (dgram_fit(s->me.fd[1], s->size, why, len) || dgram_fit(s->peer.fd[1], s->size, why, len)) {
		fd_drop(&s->me);
		fd_drop(&s->peer);
		return 1;
	}
	return 0;
}

static int unix_seqpacket_open(struct msg_sess *s, char *why, size_t len)
{
	return dgram_pair_open(s, SOCK_SEQPACKET, why, len);
}

static int unix_dgram_open(struct msg_sess *s, char *why, size_t len)
{
	return dgram_pair_open(s, SOCK_DGRAM, why, len);
}

/* Two pipes: requests one way, replies the other. */
static int pipe_open(struct msg_sess *s, char *why, size_t len)
{
	int req[2], rep[2];

	if (pipe2(req, O_CLOEXEC)) {
		snprintf(why, len, "pipe2: %s", strerror(errno));
		return -1;
	}
	if (pipe2(rep, O_CLOEXEC)) {
		snprintf(why, len, "pipe2: %s", strerror(errno));
		close(req[0]);
		close(req[1]);
		return -1;
	}
	ends_set(s, rep[0], req[1], req[0], rep[1]);
	return 0;
}

static int tcp_connect(int lfd, int *cfd, int *afd, char *why, size_t len)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int one = 1, n;

	if (getsockname(lfd, (struct sockaddr *)&a, &al)) {
		snprintf(why, len, "getsockname: %s", strerror(errno));
		return -1;
	}
	/* interrupted (another session's watchdog signal), the connection completes anyway */
	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || (connect(*cfd, (struct sockaddr *)&a, al) && errno != EINTR)) {
		snprintf(why, len, "connect to 127.0.0.1:%d: %s", ntohs(a.sin_port), strerror(errno));
		return -1;
	}
	while ((n = poll(&p, 1, 2000)) < 0 && errno == EINTR)
		;
	if (n != 1 || (*afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		snprintf(why, len, "accept on 127.0.0.1:%d: %s", ntohs(a.sin_port), strerror(errno));
		return -1;
	}
	/* without it, Nagle's algorithm holds a small reply back for the delayed ACK */
	setsockopt(*cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*afd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static int tcp_open(struct msg_sess *s, char *why, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd, cfd = -1, afd = -1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1)) {
		snprintf(why, len, "a listening TCP socket on 127.0.0.1: %s", strerror(errno));
		goto fail;
	}
	if (tcp_connect(lfd, &cfd, &afd, why, len))
		goto fail;
	close(lfd);
	ends_set(s, cfd, cfd, afd, afd);
	return 0;
fail:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return -1;
}

#define FD_CHAN(cname, open_fn, send_fn, recv_fn, close_fn)                         \
	{                                                                           \
		.name = cname, .open = open_fn, .send = send_fn, .recv = recv_fn,   \
		.close = close_fn, .drop = fd_drop,                                 \
	}

const struct msg_chan msg_chan_unix_stream =
	FD_CHAN("unix-stream", unix_stream_open, stream_send, stream_recv, fd_drop);
const struct msg_chan msg_chan_unix_seqpacket =
	FD_CHAN("unix-seqpacket", unix_seqpacket_open, dgram_send, dgram_recv, fd_drop);
const struct msg_chan msg_chan_unix_dgram =
	FD_CHAN("unix-dgram", unix_dgram_open, dgram_send, dgram_recv, dgram_close);
const struct msg_chan msg_chan_pipe = FD_CHAN("pipe", pipe_open, stream_send, stream_recv, fd_drop);
const struct msg_chan msg_chan_tcp = FD_CHAN("tcp-loopback", tcp_open, stream_send, stream_recv, fd_drop);
