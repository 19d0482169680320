/* SPDX-License-Identifier: MIT */
/*
 * msg_chan.h - the message-passing family's insides: msg.c (the benchmark
 * table, setup, body, teardown, checks) runs sessions of msg_sess.c (the
 * wire format, the two ends, the peer, the exchanges) over the channels of
 * msg_fd.c (sockets and pipes), msg_ring.c (shared-memory rings) and
 * msg_uv.c (libuv). A channel moves byte strings of a known length between
 * two ends; everything about messages lives in msg_sess.c.
 */
#ifndef IPCB_MSG_CHAN_H
#define IPCB_MSG_CHAN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ipcbench.h"

/* The wire format: a 64-byte header, then len bytes of payload. */
struct msg_header {
	uint32_t type;	   /* MSG_REQUEST, MSG_REPLY, MSG_DATA, MSG_ACK */
	uint32_t len;	   /* payload bytes after the header */
	uint64_t seq;	   /* per direction, from 1 */
	uint64_t send_tsc; /* the sender's timer ticks just before the send */
	uint64_t checksum; /* of the payload when verifying, else 0 */
	uint64_t acked;	   /* MSG_ACK: data messages received so far */
	uint8_t pad[24];
};

#define MSG_HEADER 64

/* What a channel operation returns besides 0: the other end closed between messages. */
#define MSG_EOF 1

struct msg_ring;
struct msg_uv;
struct msg_sess;

/* One end of a channel, private to the thread or process that uses it. */
struct msg_end {
	struct msg_sess *sess;
	int is_peer;
	int fd[2];		/* read, write (one socket twice); -1 when closed */
	struct msg_ring *rx, *tx; /* shared-memory rings */
	struct msg_uv *uv;	/* libuv state, made by attach in the end's own thread */
	/* the measuring end's watchdog (msg_sess.c): the engine's, interrupting this thread */
	struct ipcb_watchdog watch;
	volatile unsigned long watch_progress; /* messages, as the watchdog counts them */
	/* the protocol */
	uint64_t tx_seq, rx_seq, acked;
	unsigned char *sbuf, *rbuf; /* a message each, cache-line aligned */
	char why[IPCB_WHY_LEN];	   /* what went wrong, for the abort */
};

/*
 * A channel: open makes both ends' resources before the peer starts (0, or
 * 1 if it cannot carry messages of this size here, or -1; why set); attach
 * runs in the end's own thread or process; send and recv move exactly len
 * bytes (one message) and return 0, MSG_EOF (recv only, at a message
 * boundary) or -1 with e->why set; close ends the conversation (the other
 * end's recv sees MSG_EOF); drop closes the other process's copy of an end.
 */
struct msg_chan {
	const char *name;
	int own_watchdog; /* its waits are bounded by its own means: no signal watchdog */
	/* bytes the channel needs in the shared area (msg_sess.sh, from sh->chan_off), or NULL */
	size_t (*shared_bytes)(const struct msg_sess *s);
	int (*open)(struct msg_sess *s, char *why, size_t len);
	int (*attach)(struct msg_end *e);
	int (*send)(struct msg_end *e, const void *buf, size_t len);
	int (*recv)(struct msg_end *e, void *buf, size_t len);
	void (*close)(struct msg_end *e);
	void (*drop)(struct msg_end *e);
	/* a run of exchanges starts on the measuring end (its own watchdog counts from here), or NULL */
	void (*begin)(struct msg_end *e);
};

/* Shared between the two ends (MAP_SHARED before the fork): what the peer reports. */
struct msg_shared {
	int peer_failed;
	char peer_why[IPCB_WHY_LEN];
	uint64_t peer_received; /* messages the peer accepted */
	int fault;		/* the check's injected peer failure: MSG_FAULT_* */
	uint64_t fault_after;
	size_t chan_off;	/* the channel's part (shared_bytes), from the start of this struct */
};

struct msg_sess {
	const struct msg_chan *chan;
	int measure; /* MSG_PINGPONG, MSG_STREAM */
	int process;
	int verify;  /* fill and check every payload's checksum */
	size_t size; /* bytes per message, header included */
	uint64_t window, ack_every;
	uint64_t timeout_ns;
	struct msg_shared *sh;
	size_t sh_len;
	struct msg_end me, peer;
	struct ipcb_peer proc;
	int peer_started;
	struct sigaction old_sigpipe;
};

enum { MSG_PINGPONG, MSG_STREAM };
enum { MSG_FAULT_NONE, MSG_FAULT_DIE, MSG_FAULT_STALL }; /* the checks' injected peer failures */

/* What a session is asked to do. */
struct msg_cfg {
	const struct msg_chan *chan;
	int measure, process, verify;
	size_t size;
	uint64_t window, timeout_ns;
};

/* One-way delays kept from the latency pass (its histogram stops at 200000 operations). */
#define MSG_ONEWAY_MAX 200000

/* What timed runs keep besides the harness's median. */
struct msg_record {
	uint32_t *oneway; /* ns; NULL: not recorded */
	size_t oneway_n;
	uint64_t oneway_negative;
	/* the stream's sending rate, over batches of the calibrated size */
	uint64_t rate_iters, rate_msgs, rate_ticks;
};

/* Make the channel, start the peer. NULL with why; *unfit (may be NULL): the size cannot be carried here. */
struct msg_sess *msg_sess_open(struct ipcb_ctx *ctx, const struct msg_cfg *cfg, int *unfit, char *why,
			       size_t len);
/* iters round trips or messages on the measuring end; 0, or -1 with s->me.why. rec may be NULL. */
int msg_sess_run(struct msg_sess *s, struct ipcb_ctx *ctx, uint64_t iters, struct msg_record *rec);
/* A stream: take the acknowledgements still due, before closing. */
int msg_sess_drain(struct msg_sess *s);
/* End it and wait for the peer: 0 if it ended cleanly, else -1 with why; *received (may be NULL). */
int msg_sess_close(struct ipcb_ctx *ctx, struct msg_sess *s, uint64_t *received, char *why, size_t len);
/* The verifier rejects a corrupted and a repeated message: 0, or -1 with why. */
int msg_format_check(char *why, size_t len);

/* The peer's status for an error message: "" while it runs, else how it ended. */
void msg_peer_status(struct msg_end *e, char *buf, size_t len);
/* Set e->why printf-style; returns -1. */
int msg_fail(struct msg_end *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The measuring end's watchdog, for waits that have no timeout of their own
 * (a blocking read, FUTEX_WAIT, a spin): every timeout a signal interrupts
 * the wait (EINTR) and looks whether a message went through since the last
 * one. 0 while it did; else -1 with e->why: no answer for one to two
 * timeouts. The peer has none.
 */
static inline int msg_watch_expired(struct msg_end *e)
{
	return e->watch.fired ? msg_fail(e, "the peer did not answer within %.1f s",
					 e->sess->timeout_ns / 1e9) : 0;
}

extern const struct msg_chan msg_chan_unix_stream, msg_chan_unix_seqpacket, msg_chan_unix_dgram,
	msg_chan_pipe, msg_chan_tcp, msg_chan_ring_futex, msg_chan_ring_spin, msg_chan_uv;

#endif
