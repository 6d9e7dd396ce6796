/*
 * Tests for controlplane/reliable.c (fact sheet §3.1-§3.4).
 *
 * Part 1: numbered table cases, one struct reliable per case driven by a
 * list of steps (queue, send at time t, ACK ids, receive, read, take ACKs,
 * check deadline/counters). Payload bytes are a pattern of (msg id, index)
 * so every send and read also checks content.
 *
 * Part 2: randomized simulation: two endpoints exchange a 200 KB byte
 * stream each way through a channel that loses (up to 30%), duplicates and
 * reorders packets, driven by simulated time. Checks the streams arrive
 * intact and in order, the send window never exceeds 6, ACK records stay
 * within 4 / 8 ids and only ever name packets the peer really received.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "reliable.h"

/* ------------------------------------------------------------------------
 * Part 1: table cases
 */

enum op {
	OP_QUEUE, OP_SEND, OP_ACK, OP_RECV, OP_READ, OP_READN, OP_PEEK, OP_CONSUME,
	OP_TAKE, OP_DL, OP_BURST, OP_DUE, OP_PEND, OP_ROOM, OP_STAT,
};

struct step {
	uint8_t op;
	bool pb;                /* TAKE: piggyback; SEND: expected retransmit flag */
	uint64_t t;             /* SEND/BURST: now_ms; DL: expected deadline */
	uint32_t id;            /* QUEUE/SEND/RECV/PEEK: msg id; STAT: offset */
	int len;                /* QUEUE/RECV/PEEK/CONSUME: payload bytes */
	long long expect;       /* result: bool or count */
	unsigned max;           /* TAKE/READN: max / cap */
	uint8_t n;
	uint32_t ids[12];       /* ACK: ids; TAKE: expected; READ: expected ids */
};

#define LIST(...) .n = sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t), \
	.ids = { __VA_ARGS__ }

#define QUEUE(l, i)     { .op = OP_QUEUE, .len = (l), .id = (i), .expect = 1 }
#define QFULL(l)        { .op = OP_QUEUE, .len = (l), .expect = 0 }
#define SEND(tm, i)     { .op = OP_SEND, .t = (tm), .id = (i), .expect = 1 }
#define RESEND(tm, i)   { .op = OP_SEND, .t = (tm), .id = (i), .expect = 1, .pb = true }
#define NONE(tm)        { .op = OP_SEND, .t = (tm), .expect = 0 }
#define ACK(...)        { .op = OP_ACK, LIST(__VA_ARGS__) }
#define RECV(i, l, ok)  { .op = OP_RECV, .id = (i), .len = (l), .expect = (ok) }
#define READ(...)       { .op = OP_READ, LIST(__VA_ARGS__) }
#define READ0           { .op = OP_READ, .n = 0 }
#define READN(cap, got) { .op = OP_READN, .max = (cap), .expect = (got) }
#define PEEK(i, l)      { .op = OP_PEEK, .id = (i), .len = (l), .expect = 1 }
#define PEEKNONE        { .op = OP_PEEK, .expect = 0 }
#define CONSUME(nb)     { .op = OP_CONSUME, .len = (nb) }
#define TAKE(m, p, ...) { .op = OP_TAKE, .max = (m), .pb = (p), LIST(__VA_ARGS__) }
#define TAKE0(m, p)     { .op = OP_TAKE, .max = (m), .pb = (p), .n = 0 }
#define DL(tm)          { .op = OP_DL, .t = (tm) }
#define BURST(tm)       { .op = OP_BURST, .t = (tm) }
#define DUE(b)          { .op = OP_DUE, .expect = (b) }
#define PEND(k)         { .op = OP_PEND, .expect = (k) }
#define ROOM(k)         { .op = OP_ROOM, .expect = (k) }
#define STAT(f, k)      { .op = OP_STAT, .id = offsetof(struct reliable_stats, f), .expect = (k) }

#define NEVER RELIABLE_NO_DEADLINE
#define W 0xffffffffu           /* the id before 0 */

struct tcase {
	const char *name;
	uint32_t timeout_ms, first_send, first_recv;
	const struct step *steps;
	size_t n;
};

static uint8_t
pat(uint32_t id, size_t i)
{
	return (uint8_t)(id * 131u + i * 7u + 1u);
}

static void
fill(uint8_t *p, uint32_t id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(id, i);
}

/* ---- send side ---- */

static const struct step c_schedule[] = {       /* 1: 2, 4, 8, 16 s */
	/*  1 */ QUEUE(100, 0),
	/*  2 */ DL(0),                 /* new: due at once */
	/*  3 */ SEND(0, 0),
	/*  4 */ NONE(0),
	/*  5 */ NONE(1999),
	/*  6 */ DL(2000),
	/*  7 */ RESEND(2000, 0),
	/*  8 */ NONE(5999),
	/*  9 */ DL(6000),              /* +4 s */
	/* 10 */ RESEND(6000, 0),
	/* 11 */ NONE(13999),
	/* 12 */ DL(14000),             /* +8 s */
	/* 13 */ RESEND(14000, 0),
	/* 14 */ DL(30000),             /* +16 s */
	/* 15 */ STAT(tx_new, 1),
	/* 16 */ STAT(tx_retransmit, 3),
	/* 17 */ ACK(0),
	/* 18 */ DL(NEVER),
	/* 19 */ NONE(100000),
	/* 20 */ PEND(0),
	/* 21 */ ROOM(6),
};

static const struct step c_late_timer[] = {     /* 2: backoff counts from the send */
	/*  1 */ QUEUE(10, 0),
	/*  2 */ SEND(500, 0),
	/*  3 */ DL(2500),
	/*  4 */ RESEND(3700, 0),       /* timer fired late */
	/*  5 */ DL(7700),
	/*  6 */ NONE(7699),
};

static const struct step c_send_window[] = {    /* 3: at most 6, anchored at lowest */
	/*  1 */ ROOM(6),
	/*  2 */ QUEUE(1, 0), QUEUE(1, 1), QUEUE(1, 2), QUEUE(1, 3), QUEUE(1, 4), QUEUE(1, 5),
	/*  8 */ ROOM(0),
	/*  9 */ QFULL(1),
	/* 10 */ PEND(6),
	/* 11 */ ACK(3),                /* hole in the middle does not open it */
	/* 12 */ PEND(5),
	/* 13 */ ROOM(0),
	/* 14 */ QFULL(0),
	/* 15 */ ACK(0),
	/* 16 */ ROOM(1),
	/* 17 */ QUEUE(1, 6),
	/* 18 */ QFULL(1),
	/* 19 */ ACK(2, 1),             /* base jumps over acked 3 to 4 */
	/* 20 */ PEND(3),
	/* 21 */ ROOM(3),
	/* 22 */ QUEUE(1, 7), QUEUE(1, 8), QUEUE(1, 9),
	/* 25 */ QFULL(1),
	/* 26 */ ACK(4, 5, 6, 7, 8, 9),
	/* 27 */ PEND(0),
	/* 28 */ ROOM(6),
	/* 29 */ QUEUE(1, 10),
};

static const struct step c_unknown_ack[] = {    /* 4: ACKs for ids never sent */
	/*  1 */ QUEUE(5, 0), QUEUE(5, 1),
	/*  3 */ SEND(0, 0), SEND(0, 1),
	/*  5 */ ACK(2),                /* the next id: not queued yet */
	/*  6 */ ACK(W),                /* before the window */
	/*  7 */ ACK(100, 0x80000000u, 7),
	/*  8 */ ACK(2, 2),
	/*  9 */ PEND(2),
	/* 10 */ STAT(ack_ignored, 7),
	/* 11 */ STAT(ack_freed, 0),
	/* 12 */ NONE(1),               /* and no fast retransmit from them */
	/* 13 */ DL(2000),
	/* 14 */ QUEUE(5, 2),           /* 2 is a real id now */
	/* 15 */ ACK(2),
	/* 16 */ PEND(2),
	/* 17 */ STAT(ack_freed, 1),
};

static const struct step c_dup_ack[] = {        /* 5: duplicate ACKs */
	/*  1 */ QUEUE(5, 0), QUEUE(5, 1), QUEUE(5, 2), QUEUE(5, 3),
	/*  5 */ SEND(0, 0), SEND(0, 1), SEND(0, 2), SEND(0, 3),
	/*  9 */ ACK(1),
	/* 10 */ PEND(3),
	/* 11 */ ACK(1),                /* MRU repeat */
	/* 12 */ ACK(1, 1),
	/* 13 */ PEND(3),
	/* 14 */ STAT(ack_ignored, 3),
	/* 15 */ NONE(10),              /* 3 ACKs of id 1, but only 1 later packet */
	/* 16 */ DL(2000),
	/* 17 */ ACK(0),
	/* 18 */ ACK(0),
	/* 19 */ PEND(2),
	/* 20 */ STAT(ack_freed, 2),
	/* 21 */ STAT(ack_ignored, 4),
};

static const struct step c_fast_rt[] = {        /* 6: fast retransmit after 3 */
	/*  1 */ QUEUE(9, 0), QUEUE(9, 1), QUEUE(9, 2), QUEUE(9, 3), QUEUE(9, 4),
	/*  6 */ SEND(0, 0), SEND(0, 1), SEND(0, 2), SEND(0, 3), SEND(0, 4),
	/* 11 */ ACK(1),
	/* 12 */ NONE(10),
	/* 13 */ ACK(2),
	/* 14 */ NONE(10),
	/* 15 */ DL(2000),
	/* 16 */ ACK(3),                /* third later ACK */
	/* 17 */ DL(0),
	/* 18 */ RESEND(10, 0),
	/* 19 */ NONE(10),              /* 4 has no later ACKs */
	/* 20 */ STAT(tx_fast_retransmit, 1),
	/* 21 */ DL(2000),              /* 4's first timeout */
	/* 22 */ ACK(4),
	/* 23 */ DL(4010),              /* 0: backoff doubled by the fast send too */
	/* 24 */ NONE(4009),
	/* 25 */ RESEND(4010, 0),
	/* 26 */ DL(12010),
	/* 27 */ STAT(tx_fast_retransmit, 1),
	/* 28 */ STAT(tx_retransmit, 2),
};

static const struct step c_fast_rt_one_record[] = {     /* 7: 3 in one record */
	/*  1 */ QUEUE(9, 0), QUEUE(9, 1), QUEUE(9, 2), QUEUE(9, 3),
	/*  5 */ SEND(0, 0), SEND(0, 1), SEND(0, 2), SEND(0, 3),
	/*  9 */ ACK(3, 2, 1),
	/* 10 */ RESEND(5, 0),
	/* 11 */ NONE(5),
	/* 12 */ STAT(tx_fast_retransmit, 1),
	/* 13 */ PEND(1),
};

static const struct step c_fast_rt_lower[] = {  /* 8: only lower ids count */
	/*  1 */ QUEUE(9, 0), QUEUE(9, 1), QUEUE(9, 2), QUEUE(9, 3), QUEUE(9, 4), QUEUE(9, 5),
	/*  7 */ SEND(0, 0), SEND(0, 1), SEND(0, 2), SEND(0, 3), SEND(0, 4), SEND(0, 5),
	/* 13 */ ACK(2),                /* 0: 1, 1: 1 */
	/* 14 */ ACK(4),                /* 0: 2, 1: 2, 3: 1 */
	/* 15 */ ACK(5),                /* 0: 3, 1: 3, 3: 2 */
	/* 16 */ RESEND(100, 0),
	/* 17 */ RESEND(100, 1),
	/* 18 */ NONE(100),             /* 3 has only 2 */
	/* 19 */ DL(2000),
	/* 20 */ RESEND(2000, 3),
	/* 21 */ DL(4100),
	/* 22 */ ACK(3),                /* later than 0 and 1, but their counters */
	/* 23 */ NONE(101),             /* restarted at the resend: 1 < 3 */
	/* 24 */ STAT(tx_fast_retransmit, 2),
};

static const struct step c_lowest_first[] = {   /* 9: due order */
	/*  1 */ QUEUE(3, 0), QUEUE(3, 1), QUEUE(3, 2),
	/*  4 */ SEND(0, 0), SEND(0, 1), SEND(0, 2),
	/*  7 */ NONE(0),
	/*  8 */ RESEND(5000, 0), RESEND(5000, 1), RESEND(5000, 2),
	/* 11 */ QUEUE(3, 3),
	/* 12 */ SEND(6000, 3),         /* due again at 8000 */
	/* 13 */ QUEUE(3, 4),
	/* 14 */ RESEND(9000, 0), RESEND(9000, 1), RESEND(9000, 2), RESEND(9000, 3),
	/* 18 */ SEND(9000, 4),         /* the new one last: highest id */
	/* 19 */ NONE(9000),
	/* 20 */ DL(11000),             /* 4: 9000 + 2000 */
};

static const struct step c_burst[] = {          /* 10: peer reset -> resend all */
	/*  1 */ QUEUE(0, 0), QUEUE(7, 1),
	/*  3 */ SEND(0, 0), SEND(0, 1),
	/*  5 */ RESEND(2000, 0), RESEND(2000, 1),     /* next at 6000, then 8 s */
	/*  7 */ BURST(3000),
	/*  8 */ DL(3000),
	/*  9 */ RESEND(3000, 0), RESEND(3000, 1),
	/* 11 */ NONE(3000),
	/* 12 */ DL(5000),              /* timeouts back to 2 s */
	/* 13 */ RESEND(5000, 0), RESEND(5000, 1),
	/* 15 */ DL(9000),
	/* 16 */ ACK(0, 1),
	/* 17 */ BURST(10000),          /* nothing pending: no effect */
	/* 18 */ DL(NEVER),
	/* 19 */ QUEUE(4, 2),
	/* 20 */ BURST(11000),          /* unsent stays "new" */
	/* 21 */ SEND(11000, 2),
	/* 22 */ DL(13000),
};

static const struct step c_sizes[] = {          /* 11: payload limits */
	/*  1 */ QUEUE(2048, 0),
	/*  2 */ QFULL(2049),           /* refused, takes no id */
	/*  3 */ QUEUE(0, 1),           /* empty (a reset) */
	/*  4 */ SEND(0, 0),            /* content and length checked */
	/*  5 */ SEND(0, 1),
	/*  6 */ PEND(2),
};

static const struct step c_send_wrap[] = {      /* 12: ids wrap modulo 2^32 */
	/*  1 */ QUEUE(8, 0xfffffffe), QUEUE(8, W), QUEUE(8, 0), QUEUE(8, 1),
	/*  5 */ ROOM(2),
	/*  6 */ SEND(0, 0xfffffffe), SEND(0, W), SEND(0, 0), SEND(0, 1),
	/* 10 */ ACK(0, 1, W),          /* 3 later ACKs for 0xfffffffe */
	/* 11 */ RESEND(1, 0xfffffffe),
	/* 12 */ ROOM(2),
	/* 13 */ ACK(0xfffffffe),
	/* 14 */ PEND(0),
	/* 15 */ ROOM(6),
	/* 16 */ ACK(0xfffffffd),       /* before the base */
	/* 17 */ STAT(ack_ignored, 1),
	/* 18 */ QUEUE(8, 2),
};

static const struct step c_timeout_1s[] = {     /* 13: --tls-timeout 1 */
	/*  1 */ QUEUE(1, 0),
	/*  2 */ SEND(0, 0),
	/*  3 */ NONE(999),
	/*  4 */ RESEND(1000, 0),
	/*  5 */ NONE(2999),
	/*  6 */ RESEND(3000, 0),
	/*  7 */ NONE(6999),
	/*  8 */ RESEND(7000, 0),
};

static const struct step c_cookie_start[] = {   /* 14: after the cookie handshake */
	/*  1 */ QUEUE(30, 1),          /* our reset was id 0 */
	/*  2 */ RECV(0, 0, 1),         /* client reset again: duplicate */
	/*  3 */ STAT(rx_dup, 1),
	/*  4 */ PEEKNONE,
	/*  5 */ TAKE(8, false, 0),     /* but ACKed */
	/*  6 */ RECV(1, 50, 1),
	/*  7 */ PEEK(1, 50),
	/*  8 */ READ(1),
	/*  9 */ RECV(13, 1, 1),        /* 1 was read: window is [2, 14) */
	/* 10 */ RECV(14, 1, 0),
	/* 11 */ SEND(0, 1),
};

/* ---- receive side ---- */

static const struct step c_in_order[] = {       /* 20 */
	/*  1 */ RECV(0, 10, 1), RECV(1, 20, 1), RECV(2, 0, 1), RECV(3, 5, 1),
	/*  5 */ READ(0, 1, 2, 3),
	/*  6 */ READ0,
	/*  7 */ PEEKNONE,
	/*  8 */ STAT(rx_new, 4),
};

static const struct step c_gaps[] = {           /* 21 */
	/*  1 */ RECV(2, 10, 1), RECV(1, 11, 1),
	/*  3 */ READ0,
	/*  4 */ PEEKNONE,
	/*  5 */ RECV(0, 12, 1),
	/*  6 */ READ(0, 1, 2),
	/*  7 */ RECV(4, 13, 1),
	/*  8 */ READ0,
	/*  9 */ RECV(3, 14, 1),
	/* 10 */ READ(3, 4),
	/* 11 */ RECV(6, 1, 1), RECV(7, 1, 1), RECV(5, 1, 1),
	/* 14 */ READ(5, 6, 7),
};

static const struct step c_rx_window[] = {      /* 22: [next, next + 12) */
	/*  1 */ RECV(11, 10, 1),       /* last id inside */
	/*  2 */ RECV(12, 10, 0),       /* first id outside: no ACK */
	/*  3 */ TAKE(8, false, 11),
	/*  4 */ DUE(0),
	/*  5 */ STAT(rx_out_of_window, 1),
	/*  6 */ RECV(0x7fffffffu, 1, 0),       /* far ahead */
	/*  7 */ RECV(W, 1, 1),         /* modular "before": duplicate, ACK */
	/*  8 */ RECV(0x80000000u, 1, 1),       /* 2^31 away counts as before */
	/*  9 */ STAT(rx_dup, 2),
	/* 10 */ RECV(0, 1, 1), RECV(1, 1, 1), RECV(2, 1, 1), RECV(3, 1, 1), RECV(4, 1, 1),
	/* 15 */ RECV(5, 1, 1), RECV(6, 1, 1), RECV(7, 1, 1), RECV(8, 1, 1), RECV(9, 1, 1),
	/* 20 */ RECV(10, 1, 1),
	/* 21 */ READ(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
	/* 22 */ RECV(23, 1, 1),        /* window moved to [12, 24) */
	/* 23 */ RECV(24, 1, 0),
	/* 24 */ RECV(11, 1, 1),        /* now below: duplicate */
	/* 25 */ READ0,
};

static const struct step c_dup_stored[] = {     /* 23: duplicate not yet read */
	/*  1 */ RECV(5, 10, 1),
	/*  2 */ RECV(5, 20, 1),        /* other length: the first copy stays */
	/*  3 */ STAT(rx_dup, 1),
	/*  4 */ RECV(0, 3, 1), RECV(1, 3, 1), RECV(2, 3, 1), RECV(3, 3, 1), RECV(4, 3, 1),
	/*  9 */ READ(0, 1, 2, 3, 4, 5),
	/* 10 */ TAKE(8, false, 5, 0, 1, 2, 3, 4),      /* 5 queued once */
};

static const struct step c_dup_delivered[] = {  /* 24: duplicate already read */
	/*  1 */ RECV(0, 10, 1),
	/*  2 */ READ(0),
	/*  3 */ TAKE(8, false, 0),
	/*  4 */ DUE(0),
	/*  5 */ RECV(0, 10, 1),        /* our ACK was lost */
	/*  6 */ DUE(1),
	/*  7 */ READ0,                 /* not delivered twice */
	/*  8 */ TAKE(8, false, 0),
};

static const struct step c_too_big[] = {        /* 25 */
	/*  1 */ RECV(0, 2049, 0),
	/*  2 */ DUE(0),
	/*  3 */ STAT(rx_too_big, 1),
	/*  4 */ RECV(0, 2048, 1),
	/*  5 */ READ(0),
};

static const struct step c_empty[] = {          /* 26: empty packets (resets) */
	/*  1 */ RECV(0, 0, 1), RECV(1, 0, 1), RECV(2, 30, 1),
	/*  4 */ PEEK(0, 0),
	/*  5 */ CONSUME(0),
	/*  6 */ PEEK(1, 0),
	/*  7 */ READ(2),               /* the empty one is released on the way */
	/*  8 */ PEEKNONE,
	/*  9 */ RECV(3, 0, 1),
	/* 10 */ READN(0, 0),           /* cap 0 still releases empties */
	/* 11 */ PEEKNONE,
	/* 12 */ RECV(3, 0, 1),         /* and 3 is a duplicate now */
	/* 13 */ STAT(rx_dup, 1),
};

static const struct step c_partial[] = {        /* 27: partial reads hold the window */
	/*  1 */ RECV(0, 100, 1),
	/*  2 */ RECV(1, 10, 1), RECV(2, 10, 1), RECV(3, 10, 1), RECV(4, 10, 1),
	/*  6 */ RECV(5, 10, 1), RECV(6, 10, 1), RECV(7, 10, 1), RECV(8, 10, 1),
	/* 10 */ RECV(9, 10, 1), RECV(10, 10, 1), RECV(11, 10, 1),
	/* 13 */ READN(40, 40),
	/* 14 */ PEEK(0, 60),
	/* 15 */ RECV(12, 10, 0),       /* 0 not finished: window still [0, 12) */
	/* 16 */ READN(0, 0),
	/* 17 */ CONSUME(20),
	/* 18 */ PEEK(0, 40),
	/* 19 */ CONSUME(40),           /* exactly the rest: 0 released */
	/* 20 */ PEEK(1, 10),
	/* 21 */ RECV(12, 10, 1),
	/* 22 */ READN(15, 15),         /* 1 and half of 2 */
	/* 23 */ PEEK(2, 5),
	/* 24 */ READN(5, 5),           /* the rest of 2 via read: released */
	/* 25 */ PEEK(3, 10),
	/* 26 */ RECV(14, 10, 1),       /* window [3, 15) */
	/* 27 */ RECV(15, 10, 0),
};

static const struct step c_rx_wrap[] = {        /* 28: receive ids wrap */
	/*  1 */ RECV(0xfffffffc, 5, 1), RECV(0xfffffffd, 5, 1),
	/*  3 */ RECV(0xfffffffe, 5, 1), RECV(W, 5, 1),
	/*  5 */ RECV(3, 5, 1), RECV(0, 5, 1), RECV(2, 5, 1), RECV(1, 5, 1),
	/*  9 */ RECV(7, 5, 1),         /* 0xfffffffc + 11 */
	/* 10 */ RECV(8, 5, 0),
	/* 11 */ RECV(0xfffffffb, 5, 1),        /* before: duplicate */
	/* 12 */ READ(0xfffffffc, 0xfffffffd, 0xfffffffe, W, 0, 1, 2, 3),
	/* 13 */ RECV(15, 5, 1),        /* window now [4, 16) */
	/* 14 */ RECV(16, 5, 0),
};

/* ---- ACK bookkeeping ---- */

static const struct step c_ack_standalone[] = { /* 40: max 8, then MRU fill */
	/*  1 */ RECV(0, 1, 1), RECV(1, 1, 1), RECV(2, 1, 1), RECV(3, 1, 1), RECV(4, 1, 1),
	/*  6 */ RECV(5, 1, 1), RECV(6, 1, 1), RECV(7, 1, 1), RECV(8, 1, 1), RECV(9, 1, 1),
	/* 11 */ DUE(1),
	/* 12 */ TAKE(8, false, 0, 1, 2, 3, 4, 5, 6, 7),
	/* 13 */ DUE(1),
	/* 14 */ TAKE(12, false, 8, 9, 0, 1, 2, 3, 4, 5),       /* capped at 8 */
	/* 15 */ DUE(0),
};

static const struct step c_ack_piggy[] = {      /* 41: max 4 on a control packet */
	/*  1 */ RECV(0, 1, 1), RECV(1, 1, 1), RECV(2, 1, 1), RECV(3, 1, 1), RECV(4, 1, 1),
	/*  6 */ RECV(5, 1, 1),
	/*  7 */ TAKE(8, true, 0, 1, 2, 3),
	/*  8 */ DUE(1),                /* 2 left: standalone ACK due */
	/*  9 */ TAKE(8, false, 4, 5, 0, 1, 2, 3),
	/* 10 */ DUE(0),
};

static const struct step c_ack_mru[] = {        /* 42: as in the 2.6 capture */
	/*  1 */ RECV(0, 1, 1), TAKE(8, false, 0),
	/*  3 */ RECV(1, 1, 1), TAKE(8, false, 1, 0),
	/*  5 */ RECV(2, 1, 1), TAKE(4, true, 2, 1, 0),
	/*  7 */ DUE(0),
	/*  8 */ TAKE(4, true, 2, 1, 0),        /* refill only, nothing queued */
	/*  9 */ RECV(3, 1, 1), TAKE(8, false, 3, 2, 1, 0),
	/* 11 */ RECV(4, 1, 1), TAKE(8, false, 4, 3, 2, 1, 0),
	/* 13 */ RECV(5, 1, 1), TAKE(8, false, 5, 4, 3, 2, 1, 0),     /* [5..0] */
	/* 15 */ TAKE(4, true, 5, 4, 3, 2),
	/* 16 */ DUE(0),
};

static const struct step c_ack_mru_cap[] = {    /* 43: 8 entries, no duplicates */
	/*  1 */ RECV(0, 1, 1), TAKE(8, false, 0),
	/*  3 */ RECV(1, 1, 1), TAKE(8, false, 1, 0),
	/*  5 */ RECV(2, 1, 1), RECV(3, 1, 1), RECV(4, 1, 1), RECV(5, 1, 1),
	/*  9 */ RECV(6, 1, 1), RECV(7, 1, 1), RECV(8, 1, 1),
	/* 12 */ TAKE(8, false, 2, 3, 4, 5, 6, 7, 8, 1),        /* 0 fell off */
	/* 13 */ RECV(4, 1, 1),         /* duplicate: moves to the front */
	/* 14 */ TAKE(8, false, 4, 2, 3, 5, 6, 7, 8, 1),
	/* 15 */ RECV(0, 1, 1),         /* delivered long ago: re-ACKed */
	/* 16 */ TAKE(8, false, 0, 4, 2, 3, 5, 6, 7, 8),
};

static const struct step c_ack_queue_once[] = { /* 44: queued once */
	/*  1 */ RECV(3, 1, 1), RECV(3, 1, 1), RECV(3, 1, 1),
	/*  4 */ TAKE(8, false, 3),
	/*  5 */ DUE(0),
};

static const struct step c_ack_max[] = {        /* 45: caller's max below limit */
	/*  1 */ RECV(0, 1, 1), RECV(1, 1, 1), RECV(2, 1, 1),
	/*  4 */ TAKE(2, false, 0, 1),
	/*  5 */ TAKE(1, true, 2),
	/*  6 */ TAKE0(0, false),
	/*  7 */ DUE(0),
	/*  8 */ TAKE(8, false, 2, 0, 1),
};

static const struct step c_ack_overflow[] = {   /* 46: ACK queue bound */
	/*  1 */ RECV(0, 1, 1), RECV(1, 1, 1), RECV(2, 1, 1), RECV(3, 1, 1), RECV(4, 1, 1),
	/*  6 */ RECV(5, 1, 1), RECV(6, 1, 1), RECV(7, 1, 1), RECV(8, 1, 1), RECV(9, 1, 1),
	/* 11 */ RECV(10, 1, 1), RECV(11, 1, 1),
	/* 13 */ RECV(W, 1, 1),         /* accepted, but no room for its ACK */
	/* 14 */ STAT(ack_queue_full, 1),
	/* 15 */ TAKE(8, false, 0, 1, 2, 3, 4, 5, 6, 7),
	/* 16 */ TAKE(8, false, 8, 9, 10, 11, 0, 1, 2, 3),
	/* 17 */ DUE(0),
	/* 18 */ RECV(W, 1, 1),         /* retransmitted: ACKed now */
	/* 19 */ TAKE(8, false, W, 8, 9, 10, 11, 0, 1, 2),
};

#define CASE(no, name, to, fs, fr, arr) [no] = { name, to, fs, fr, arr, sizeof(arr) / sizeof(arr[0]) }

static const struct tcase cases[] = {
	CASE(1, "retransmit schedule 2,4,8,16 s", 0, 0, 0, c_schedule),
	CASE(2, "backoff counts from the actual send", 0, 0, 0, c_late_timer),
	CASE(3, "send window 6 anchored at lowest unacked", 0, 0, 0, c_send_window),
	CASE(4, "ACK for unknown ids ignored", 0, 0, 0, c_unknown_ack),
	CASE(5, "duplicate ACKs ignored", 0, 0, 0, c_dup_ack),
	CASE(6, "fast retransmit after 3 later ACKs", 0, 0, 0, c_fast_rt),
	CASE(7, "fast retransmit, 3 ids in one record", 0, 0, 0, c_fast_rt_one_record),
	CASE(8, "fast retransmit counts lower ids only", 0, 0, 0, c_fast_rt_lower),
	CASE(9, "lowest due id first, new after due", 0, 0, 0, c_lowest_first),
	CASE(10, "burst on peer reset", 0, 0, 0, c_burst),
	CASE(11, "payload size limits", 0, 0, 0, c_sizes),
	CASE(12, "send ids wrap mod 2^32", 0, 0xfffffffe, 0, c_send_wrap),
	CASE(13, "tls-timeout 1 s", 1000, 0, 0, c_timeout_1s),
	CASE(14, "cookie path starts at 1/1", 0, 1, 1, c_cookie_start),
	CASE(20, "in-order delivery", 0, 0, 0, c_in_order),
	CASE(21, "delivery waits for gaps", 0, 0, 0, c_gaps),
	CASE(22, "receive window edges", 0, 0, 0, c_rx_window),
	CASE(23, "duplicate inside window", 0, 0, 0, c_dup_stored),
	CASE(24, "duplicate below window re-ACKed", 0, 0, 0, c_dup_delivered),
	CASE(25, "oversized payload dropped", 0, 0, 0, c_too_big),
	CASE(26, "empty packets", 0, 0, 0, c_empty),
	CASE(27, "partial reads", 0, 0, 0, c_partial),
	CASE(28, "receive ids wrap mod 2^32", 0, 0, 0xfffffffc, c_rx_wrap),
	CASE(40, "standalone ACK max 8 + MRU", 0, 0, 0, c_ack_standalone),
	CASE(41, "piggyback max 4", 0, 0, 0, c_ack_piggy),
	CASE(42, "MRU refill as in capture", 0, 0, 0, c_ack_mru),
	CASE(43, "MRU bounded at 8, no duplicates", 0, 0, 0, c_ack_mru_cap),
	CASE(44, "pending ACK queued once", 0, 0, 0, c_ack_queue_once),
	CASE(45, "caller max below limit", 0, 0, 0, c_ack_max),
	CASE(46, "ACK queue overflow", 0, 0, 0, c_ack_overflow),
};

static struct reliable tr;     /* ~37 KB: static, not on the stack */

/* Lengths by msg id (low 6 bits), to rebuild expected payloads. */
static int tx_len[64], rx_len[64];

static void
report(int cno, size_t sno, int before)
{
	if (harness_failures != before)
		fprintf(stderr, "  ^ in case %d (%s), step %zu\n", cno, cases[cno].name, sno + 1);
}

static void
run_step(const struct step *s)
{
	static uint8_t buf[RELIABLE_RECV_WINDOW * RELIABLE_PAYLOAD_MAX + 64];
	static uint8_t want[sizeof(buf)];
	struct reliable_pkt p;
	uint32_t ids[16];
	uint32_t id;
	size_t len;
	const uint8_t *q;

	switch (s->op) {
	case OP_QUEUE: {
		uint8_t pl[RELIABLE_PAYLOAD_MAX + 1];

		fill(pl, s->id, (size_t)s->len);
		id = 0xdeadbeef;
		bool ok = reliable_queue(&tr, (uint8_t)(s->id * 3), pl, (size_t)s->len, &id);

		CHECK_EQ(ok, s->expect);
		if (ok) {
			CHECK_EQ(id, s->id);
			tx_len[id & 63] = s->len;
		}
		break;
	}
	case OP_SEND: {
		bool ok = reliable_next_to_send(&tr, s->t, &p);

		CHECK_EQ(ok, s->expect);
		if (!ok || !s->expect)
			break;
		CHECK_EQ(p.msg_id, s->id);
		CHECK_EQ(p.retransmit, s->pb);
		CHECK_EQ(p.opcode, (uint8_t)(s->id * 3));
		CHECK_EQ(p.len, tx_len[s->id & 63]);
		fill(want, s->id, p.len);
		CHECK_MEM(p.payload, want, p.len);
		break;
	}
	case OP_ACK:
		reliable_on_ack(&tr, s->ids, s->n);
		break;
	case OP_RECV: {
		uint8_t pl[RELIABLE_PAYLOAD_MAX + 1];
		bool first = rx_len[s->id & 63] < 0;

		fill(pl, s->id, (size_t)s->len);
		bool ok = reliable_recv(&tr, s->id, pl, (size_t)s->len);

		CHECK_EQ(ok, s->expect);
		if (ok && first)
			rx_len[s->id & 63] = s->len;
		break;
	}
	case OP_READ: {
		size_t n = 0;

		for (unsigned i = 0; i < s->n; i++) {
			int l = rx_len[s->ids[i] & 63];

			fill(want + n, s->ids[i], (size_t)l);
			n += (size_t)l;
		}
		size_t got = reliable_read(&tr, buf, sizeof(buf));

		CHECK_EQ(got, n);
		CHECK_MEM(buf, want, n < got ? n : got);
		break;
	}
	case OP_READN:
		CHECK_EQ(reliable_read(&tr, buf, s->max), s->expect);
		break;
	case OP_PEEK:
		q = reliable_peek(&tr, &id, &len);
		CHECK_EQ(q != NULL, s->expect);
		if (q && s->expect) {
			CHECK_EQ(id, s->id);
			CHECK_EQ(len, s->len);
			/* the tail of the payload of id */
			int full = rx_len[id & 63];

			fill(want, id, (size_t)full);
			CHECK_MEM(q, want + (full - s->len), len);
		}
		break;
	case OP_CONSUME:
		reliable_consume(&tr, (size_t)s->len);
		break;
	case OP_TAKE: {
		unsigned n = reliable_take_acks(&tr, ids, s->max, s->pb);

		CHECK_EQ(n, s->n);
		CHECK_MEM(ids, s->ids, (n < s->n ? n : s->n) * sizeof(uint32_t));
		break;
	}
	case OP_DL:
		CHECK(reliable_next_deadline(&tr) == s->t);
		if (reliable_next_deadline(&tr) != s->t)
			fprintf(stderr, "  deadline %llu, want %llu\n",
				(unsigned long long)reliable_next_deadline(&tr),
				(unsigned long long)s->t);
		break;
	case OP_BURST:
		reliable_burst(&tr, s->t);
		break;
	case OP_DUE:
		CHECK_EQ(reliable_ack_due(&tr), s->expect);
		break;
	case OP_PEND:
		CHECK_EQ(reliable_send_pending(&tr), s->expect);
		break;
	case OP_ROOM:
		CHECK_EQ(reliable_send_room(&tr), s->expect);
		break;
	case OP_STAT: {
		uint64_t v;

		memcpy(&v, (const uint8_t *)&tr.stats + s->id, sizeof(v));
		CHECK_EQ(v, s->expect);
		break;
	}
	}
}

static void
run_tables(void)
{
	for (int c = 0; c < (int)(sizeof(cases) / sizeof(cases[0])); c++) {
		const struct tcase *tc = &cases[c];

		if (!tc->steps)
			continue;
		reliable_init(&tr, tc->timeout_ms, tc->first_send, tc->first_recv);
		for (int i = 0; i < 64; i++)
			tx_len[i] = rx_len[i] = -1;
		for (size_t i = 0; i < tc->n; i++) {
			int before = harness_failures;

			run_step(&tc->steps[i]);
			report(c, i, before);
		}
	}
}

/* ------------------------------------------------------------------------
 * Part 2: randomized two-endpoint simulation
 */

#define STREAM_LEN (200 * 1024)
#define CHAN_MAX 512
#define CHUNK_MAX 1140          /* TLS bytes per packet in the 2.6 capture */
#define SEEN_BITS 8192

static uint64_t rng;

static uint64_t
rnd(void)                       /* splitmix64 */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static bool
chance(unsigned permille)
{
	return rnd() % 1000 < permille;
}

struct simpkt {
	uint64_t at;
	int to;
	bool control;           /* false: P_ACK_V1 */
	uint32_t msg_id;
	uint8_t n_acks;
	uint32_t acks[RELIABLE_ACK_MAX];
	uint16_t len;
	uint8_t payload[RELIABLE_PAYLOAD_MAX];
};

struct endpoint {
	struct reliable rel;
	uint32_t first_id;              /* this side's first send id */
	const uint8_t *out;             /* stream to send */
	size_t out_pos;
	uint8_t *in;                    /* what arrived from the peer */
	size_t in_len;
	uint8_t seen[SEEN_BITS / 8];    /* msg ids (relative) accepted from peer */
	bool slow_reader;
	unsigned max_inflight;
};

struct sim {
	unsigned loss, dup;             /* permille */
	uint64_t now;
	struct endpoint ep[2];
	struct simpkt chan[CHAN_MAX];
	unsigned n_chan;
	unsigned long sent, lost, chan_full, bad;
};

static struct sim sim;
static uint8_t stream_a[STREAM_LEN], stream_b[STREAM_LEN];
static uint8_t recv_a[STREAM_LEN], recv_b[STREAM_LEN];

static void
chan_put(const struct simpkt *p)
{
	sim.sent++;
	if (chance(sim.loss)) {
		sim.lost++;
		return;
	}
	int copies = chance(sim.dup) ? 2 : 1;

	for (int i = 0; i < copies; i++) {
		if (sim.n_chan == CHAN_MAX) {
			sim.chan_full++;
			return;
		}
		struct simpkt *q = &sim.chan[sim.n_chan++];

		*q = *p;
		q->at = sim.now + 5 + rnd() % 120;      /* jitter reorders */
	}
}

static void
ep_send(int e)
{
	struct endpoint *me = &sim.ep[e];
	struct reliable *r = &me->rel;
	struct reliable_pkt p;
	static struct simpkt pk;

	while (reliable_next_to_send(r, sim.now, &p)) {
		/* every packet on the wire is inside [lowest unacked, +6) */
		if ((uint32_t)(p.msg_id - r->tx_base) >= RELIABLE_SEND_WINDOW)
			sim.bad++;
		memset(&pk, 0, offsetof(struct simpkt, payload));
		pk.to = !e;
		pk.control = true;
		pk.msg_id = p.msg_id;
		pk.len = p.len;
		memcpy(pk.payload, p.payload, p.len);
		pk.n_acks = (uint8_t)reliable_take_acks(r, pk.acks, RELIABLE_ACK_MAX, true);
		if (pk.n_acks > RELIABLE_ACK_PIGGYBACK_MAX)
			sim.bad++;
		chan_put(&pk);
	}
	if (reliable_ack_due(r)) {
		memset(&pk, 0, offsetof(struct simpkt, payload));
		pk.to = !e;
		pk.n_acks = (uint8_t)reliable_take_acks(r, pk.acks, RELIABLE_ACK_MAX, false);
		if (pk.n_acks == 0 || pk.n_acks > RELIABLE_ACK_MAX)
			sim.bad++;
		chan_put(&pk);
	}
	if (reliable_ack_due(r))        /* one P_ACK_V1 takes up to 8 */
		ep_send(e);
}

static bool
read_time(void)
{
	return sim.now % 1000 < 100;    /* slow reader: 100 ms per second */
}

/* The endpoint's application side: read, then fill the send window. */
static void
ep_step(int e)
{
	struct endpoint *me = &sim.ep[e];
	struct reliable *r = &me->rel;

	if (!me->slow_reader || read_time()) {
		size_t cap = 1 + rnd() % 3000;

		if (cap > STREAM_LEN - me->in_len)
			cap = STREAM_LEN - me->in_len;
		me->in_len += reliable_read(r, me->in + me->in_len, cap);
	}
	while (reliable_send_room(r) && me->out_pos < STREAM_LEN) {
		size_t chunk = 1 + rnd() % CHUNK_MAX;
		uint32_t id;

		if (chance(20))
			chunk = 0;      /* an empty packet now and then */
		if (chunk > STREAM_LEN - me->out_pos)
			chunk = STREAM_LEN - me->out_pos;
		if (!reliable_queue(r, 4, me->out + me->out_pos, chunk, &id))
			sim.bad++;
		me->out_pos += chunk;
	}
	unsigned inflight = r->tx_next - r->tx_base;

	if (inflight > me->max_inflight)
		me->max_inflight = inflight;
	if (inflight > RELIABLE_SEND_WINDOW || reliable_send_pending(r) > RELIABLE_SEND_WINDOW)
		sim.bad++;
	ep_send(e);
}

static void
deliver(const struct simpkt *p)
{
	struct endpoint *me = &sim.ep[p->to], *peer = &sim.ep[!p->to];

	/* an ACK may only name packets the peer really accepted */
	for (unsigned i = 0; i < p->n_acks; i++) {
		uint32_t rel = p->acks[i] - me->first_id;

		if (rel >= SEEN_BITS || !(peer->seen[rel / 8] & (1u << (rel % 8))))
			sim.bad++;
	}
	reliable_on_ack(&me->rel, p->acks, p->n_acks);
	if (p->control && reliable_recv(&me->rel, p->msg_id, p->payload, p->len)) {
		uint32_t rel = p->msg_id - peer->first_id;

		if (rel < SEEN_BITS)
			me->seen[rel / 8] |= (uint8_t)(1u << (rel % 8));
	}
	ep_step(p->to);
}

static bool
sim_done(void)
{
	for (int e = 0; e < 2; e++) {
		const struct endpoint *me = &sim.ep[e];

		if (me->in_len < STREAM_LEN || me->out_pos < STREAM_LEN ||
		    reliable_send_pending(&me->rel))
			return false;
	}
	return true;
}

static void
sim_run(uint64_t seed, unsigned loss, unsigned dup, uint32_t first_id, bool slow)
{
	memset(&sim, 0, sizeof(sim));
	rng = seed;
	sim.loss = loss;
	sim.dup = dup;
	for (size_t i = 0; i < STREAM_LEN; i++) {
		stream_a[i] = (uint8_t)rnd();
		stream_b[i] = (uint8_t)(rnd() >> 8);
	}
	memset(recv_a, 0, sizeof(recv_a));
	memset(recv_b, 0, sizeof(recv_b));
	/* A's ids start at first_id, B's a bit further on: both wrap when
	 * first_id is near 2^32 */
	sim.ep[0].first_id = first_id;
	sim.ep[1].first_id = first_id + 7;
	reliable_init(&sim.ep[0].rel, 0, sim.ep[0].first_id, sim.ep[1].first_id);
	reliable_init(&sim.ep[1].rel, 0, sim.ep[1].first_id, sim.ep[0].first_id);
	sim.ep[0].out = stream_a;
	sim.ep[0].in = recv_b;
	sim.ep[1].out = stream_b;
	sim.ep[1].in = recv_a;
	sim.ep[1].slow_reader = slow;

	unsigned long steps = 0;

	ep_step(0);
	ep_step(1);
	while (!sim_done() && sim.now < 36000000 && steps < 5000000) {
		steps++;
		/* next event: earliest arrival, timer or reader wake-up */
		uint64_t next = RELIABLE_NO_DEADLINE;

		for (unsigned i = 0; i < sim.n_chan; i++)
			if (sim.chan[i].at < next)
				next = sim.chan[i].at;
		for (int e = 0; e < 2; e++) {
			uint64_t d = reliable_next_deadline(&sim.ep[e].rel);

			if (d < next)
				next = d;
		}
		if (slow)
			next = next < sim.now + 50 ? next : sim.now + 50;
		if (next == RELIABLE_NO_DEADLINE)
			break;          /* nothing can happen any more: stuck */
		if (next > sim.now)
			sim.now = next;

		/* deliver everything due, earliest first */
		for (;;) {
			unsigned best = sim.n_chan;

			for (unsigned i = 0; i < sim.n_chan; i++)
				if (sim.chan[i].at <= sim.now &&
				    (best == sim.n_chan || sim.chan[i].at < sim.chan[best].at))
					best = i;
			if (best == sim.n_chan)
				break;
			static struct simpkt p;

			p = sim.chan[best];
			sim.chan[best] = sim.chan[--sim.n_chan];
			deliver(&p);
		}
		ep_step(0);
		ep_step(1);
	}

	const struct endpoint *a = &sim.ep[0], *b = &sim.ep[1];

	CHECK(sim_done());
	CHECK_EQ(a->in_len, STREAM_LEN);
	CHECK_EQ(b->in_len, STREAM_LEN);
	CHECK_MEM(recv_b, stream_b, STREAM_LEN);        /* A got B's stream */
	CHECK_MEM(recv_a, stream_a, STREAM_LEN);        /* B got A's stream */
	CHECK_EQ(sim.bad, 0);
	CHECK(a->max_inflight <= RELIABLE_SEND_WINDOW);
	CHECK(b->max_inflight <= RELIABLE_SEND_WINDOW);
	if (loss)
		CHECK(a->rel.stats.tx_retransmit + b->rel.stats.tx_retransmit > 0);
	printf("  seed %llu loss %u%% dup %u%%%s%s: %.1f s simulated, %lu pkts, %lu lost, "
	       "rtx %llu/%llu (fast %llu/%llu), dup rx %llu/%llu, oow %llu/%llu\n",
	       (unsigned long long)seed, loss / 10, dup / 10,
	       first_id ? " wrap" : "", slow ? " slow-reader" : "",
	       (double)sim.now / 1000, sim.sent, sim.lost,
	       (unsigned long long)a->rel.stats.tx_retransmit,
	       (unsigned long long)b->rel.stats.tx_retransmit,
	       (unsigned long long)a->rel.stats.tx_fast_retransmit,
	       (unsigned long long)b->rel.stats.tx_fast_retransmit,
	       (unsigned long long)a->rel.stats.rx_dup,
	       (unsigned long long)b->rel.stats.rx_dup,
	       (unsigned long long)a->rel.stats.rx_out_of_window,
	       (unsigned long long)b->rel.stats.rx_out_of_window);
}

static void
run_simulation(void)
{
	static const struct {
		uint64_t seed;
		unsigned loss, dup;
		uint32_t first_id;
		bool slow;
	} runs[] = {
		{ 1, 0, 0, 0, false },
		{ 2, 50, 20, 0, false },
		{ 3, 100, 50, 0, false },
		{ 4, 200, 50, 0, false },
		{ 5, 300, 50, 0, false },
		{ 6, 300, 100, 0, false },
		{ 7, 300, 50, 0xffffff00u, false },    /* ids wrap mid-stream */
		{ 8, 150, 50, 0, true },                /* receive window fills */
	};

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		sim_run(runs[i].seed, runs[i].loss, runs[i].dup, runs[i].first_id, runs[i].slow);
}

int
main(void)
{
	run_tables();
	run_simulation();
	return harness_done("reliable");
}
