// SPDX-License-Identifier: MIT
/*
 * msg_uv.c - unix-stream-libuv: the unix-stream exchange driven by a libuv
 * event loop on both ends, as a serverless runtime's engine and launchers
 * do. Each end owns a loop (made in its own thread or process) with the
 * socket as a uv_pipe_t; a message is written the way Node.js writes
 * (uv_try_write, then uv_write for what did not fit) and received by
 * running the loop until the read callbacks have staged enough bytes.
 *
 * Per message, on top of unix-stream's write and read: one epoll_wait, the
 * loop's bookkeeping (clock update, timers, pending queue), and a copy out
 * of the 64 KiB staging buffer the read callback fills, which is where an
 * event loop's reads land before a parser sees them.
 *
 * The watchdog is a repeating loop timer: if a whole period passes without a
 * read or a completed write, the end gives up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "msg_chan.h"

/* libuv's own suggested read size */
#define STAGE_BYTES (64u * 1024)

struct msg_uv {
	uv_loop_t loop;
	uv_pipe_t pipe;
	uv_timer_t timer;
	uv_write_t wreq;
	int write_pending, write_status;
	int eof, read_err, expired;
	uint64_t progress, progress_seen;
	size_t start, end; /* staged bytes not yet taken */
	unsigned char stage[STAGE_BYTES];
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct msg_uv *u = h->data;

	(void)suggested;
	if (u->end == STAGE_BYTES && u->start) {
		memmove(u->stage, u->stage + u->start, u->end - u->start);
		u->end -= u->start;
		u->start = 0;
	}
	/* a full stage gives UV_ENOBUFS: the bytes wait in the socket until taken */
	*buf = uv_buf_init((char *)u->stage + u->end, (unsigned int)(STAGE_BYTES - u->end));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct msg_uv *u = s->data;

	(void)buf;
	if (nread > 0) {
		u->end += (size_t)nread;
		u->progress++;
	} else if (nread == UV_EOF) {
		u->eof = 1;
	} else if (nread < 0 && nread != UV_ENOBUFS) {
		u->read_err = (int)nread;
	}
}

static void on_write(uv_write_t *req, int status)
{
	struct msg_uv *u = req->data;

	u->write_pending = 0;
	u->write_status = status;
	u->progress++;
}

static void on_timer(uv_timer_t *t)
{
	struct msg_uv *u = t->data;

	if (u->progress == u->progress_seen)
		u->expired = 1;
	u->progress_seen = u->progress;
}

static uint64_t timeout_ms(const struct msg_end *e)
{
	uint64_t ms = e->sess->timeout_ns / 1000000;

	return ms ? ms : 1;
}

static int uv_fail(struct msg_end *e, const char *op, int err)
{
	if (err == UV_EPIPE || err == UV_ECONNRESET)
		return msg_fail(e, "%s: the peer closed the channel (%s)", op, uv_strerror(err));
	return msg_fail(e, "%s: %s", op, uv_strerror(err));
}

static int uv_attach(struct msg_end *e)
{
	struct msg_uv *u = calloc(1, sizeof(*u));
	int rc;

	if (!u)
		return msg_fail(e, "out of memory for the libuv loop");
	rc = uv_loop_init(&u->loop);
	if (rc) {
		free(u);
		return uv_fail(e, "uv_loop_init", rc);
	}
	uv_pipe_init(&u->loop, &u->pipe, 0);
	uv_timer_init(&u->loop, &u->timer);
	u->pipe.data = u->timer.data = u->wreq.data = u;
	e->uv = u;
	rc = uv_pipe_open(&u->pipe, e->fd[0]);
	if (rc)
		return uv_fail(e, "uv_pipe_open", rc);
	/* the handle owns the socket now */
	e->fd[0] = e->fd[1] = -1;
	rc = uv_read_start((uv_stream_t *)&u->pipe, on_alloc, on_read);
	if (rc)
		return uv_fail(e, "uv_read_start", rc);
	rc = uv_timer_start(&u->timer, on_timer, timeout_ms(e), timeout_ms(e));
	return rc ? uv_fail(e, "uv_timer_start", rc) : 0;
}

/* A run of exchanges starts: the watchdog counts from now. */
static void uv_begin(struct msg_end *e)
{
	struct msg_uv *u = e->uv;

	u->expired = 0;
	u->progress_seen = u->progress;
	/* the loop's clock stopped when it last ran: a timer set from it would be due at once */
	uv_update_time(&u->loop);
	uv_timer_start(&u->timer, on_timer, timeout_ms(e), timeout_ms(e));
}

/* One turn of the loop; a peer waits for the measuring end as long as it takes. */
static int uv_turn(struct msg_end *e, const char *what)
{
	struct msg_uv *u = e->uv;

	if (u->expired && e->is_peer) {
		u->expired = 0;
	} else if (u->expired) {
		return msg_fail(e, "the peer did not answer within %.1f s (waiting for %s)",
				e->sess->timeout_ns / 1e9, what);
	}
	uv_run(&u->loop, UV_RUN_ONCE);
	return 0;
}

static int uv_send(struct msg_end *e, const void *buf, size_t len)
{
	struct msg_uv *u = e->uv;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned int)len);
	int n = uv_try_write((uv_stream_t *)&u->pipe, &b, 1);

	if (n == (int)len)
		return 0;
	if (n < 0 && n != UV_EAGAIN)
		return uv_fail(e, "uv_try_write", n);
	n = n < 0 ? 0 : n;
	b = uv_buf_init((char *)buf + n, (unsigned int)(len - (size_t)n));
	u->write_pending = 1;
	n = uv_write(&u->wreq, (uv_stream_t *)&u->pipe, &b, 1, on_write);
	if (n) {
		u->write_pending = 0;
		return uv_fail(e, "uv_write", n);
	}
	/* the caller reuses buf: wait until libuv is done with it */
	while (u->write_pending)
		if (uv_turn(e, "the peer to take a message"))
			return -1;
	return u->write_status ? uv_fail(e, "write", u->write_status) : 0;
}

static int uv_recv(struct msg_end *e, void *buf, size_t len)
{
	struct msg_uv *u = e->uv;
	size_t done = 0;

	for (;;) {
		size_t n = u->end - u->start;

		n = n < len - done ? n : len - done;
		memcpy((char *)buf + done, u->stage + u->start, n);
		u->start += n;
		done += n;
		if (u->start == u->end)
			u->start = u->end = 0;
		if (done == len)
			return 0;
		if (u->read_err)
			return uv_fail(e, "read", u->read_err);
		if (u->eof && done == 0)
			return MSG_EOF;
		if (u->eof)
			return msg_fail(e, "read: end of file after %zu of %zu bytes", done, len);
		if (uv_turn(e, "a message"))
			return -1;
	}
}

/* Not attached in this process (the other side's copy): only the socket to close. */
static void uv_drop(struct msg_end *e)
{
	if (e->fd[0] >= 0)
		close(e->fd[0]);
	e->fd[0] = e->fd[1] = -1;
}

/* Closing the handles closes the socket (the peer reads end of file) and cancels a pending write. */
static void uv_close_end(struct msg_end *e)
{
	struct msg_uv *u = e->uv;

	if (!u) {
		uv_drop(e);
		return;
	}
	uv_close((uv_handle_t *)&u->pipe, NULL);
	uv_close((uv_handle_t *)&u->timer, NULL);
	uv_run(&u->loop, UV_RUN_DEFAULT);
	uv_loop_close(&u->loop);
	free(u);
	e->uv = NULL;
	uv_drop(e); /* a socket the handle never took */
}

static int uv_open(struct msg_sess *s, char *why, size_t len)
{
	return msg_chan_unix_stream.open(s, why, len);
}

const struct msg_chan msg_chan_uv = {
	.name = "unix-stream-libuv",
	.own_watchdog = 1,
	.open = uv_open,
	.attach = uv_attach,
	.send = uv_send,
	.recv = uv_recv,
	.close = uv_close_end,
	.drop = uv_drop,
	.begin = uv_begin,
};
