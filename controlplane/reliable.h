/*
 * Control-channel reliability layer of one key_state (one key_id, one TLS
 * session), server side (fact sheet §3.1-§3.4, OpenVPN 2.6 reliable.c).
 *
 * Pure module: no sockets, no clock, no malloc. Time is passed in as
 * milliseconds of a monotonic clock (now_ms); the caller builds and parses
 * packets (ctl_wire) and only hands msg ids, ACK ids and payloads to us.
 *
 * Send side: payloads (TLS byte-stream chunks, or the empty payload of a
 * reset) are queued with consecutive msg ids; at most RELIABLE_SEND_WINDOW
 * may be unacknowledged, and a new one only gets an id < lowest_unacked + 6.
 * A queued packet is due at once; after each (re)send it is due again after
 * tls_timeout, doubling per send (2, 4, 8, ... s), or as soon as
 * RELIABLE_FAST_RETRANSMIT_ACKS ACKs for higher ids have freed packets sent
 * after it (fast retransmit).
 *
 * Receive side: msg ids in [next_expected, next_expected + 12) are stored
 * and ACKed; ids before next_expected (modulo 2^32) are duplicates, ACKed
 * again but not delivered; ids at or beyond next_expected + 12 are dropped
 * without ACK. Payloads are delivered strictly in msg-id order.
 *
 * ACKs: every accepted msg id (new or duplicate) is queued once; the caller
 * takes up to 4 for a control packet it sends or up to 8 for a standalone
 * P_ACK_V1. Free slots are filled from the MRU list of the last 8 ids we
 * ACKed (2.6 behaviour), so one lost P_ACK_V1 costs no retransmission.
 *
 * Msg-id arithmetic is modulo 2^32 throughout. Not thread-safe: one owner.
 *
 * Typical driving loop of the session state machine, per key_state:
 *	on a control packet from the peer (ACK record already checked, incl.
 *	  the peer-sid): reliable_on_ack(r, acks, n);
 *	  unless P_ACK_V1: reliable_recv(r, msg_id, payload, len);
 *	  if the peer sent a hard/soft reset: reliable_burst(r, now) once;
 *	feed TLS with reliable_peek()/reliable_consume() (or reliable_read());
 *	cut TLS output into chunks while reliable_send_room(r): reliable_queue();
 *	while reliable_next_to_send(r, now, &p): build the packet with
 *	  reliable_take_acks(r, ids, RELIABLE_ACK_PIGGYBACK_MAX, true);
 *	if reliable_ack_due(r): send P_ACK_V1 with
 *	  reliable_take_acks(r, ids, RELIABLE_ACK_MAX, false);
 *	arm the timer for reliable_next_deadline(r).
 */
#ifndef DPVPN_CP_RELIABLE_H
#define DPVPN_CP_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum reliable_limits {
	RELIABLE_SEND_WINDOW = 6,          /* TLS_RELIABLE_N_SEND_BUFFERS (2.5: 4) */
	RELIABLE_RECV_WINDOW = 12,         /* TLS_RELIABLE_N_REC_BUFFERS */
	RELIABLE_PAYLOAD_MAX = 2048,       /* TLS_CHANNEL_BUF_SIZE */
	RELIABLE_ACK_MAX = 8,              /* RELIABLE_ACK_SIZE: ids per P_ACK_V1, MRU size */
	RELIABLE_ACK_PIGGYBACK_MAX = 4,    /* CONTROL_SEND_ACK_MAX */
	RELIABLE_ACK_QUEUE = 12,           /* ACKs waiting to be sent (ours) */
	RELIABLE_FAST_RETRANSMIT_ACKS = 3, /* N_ACK_RETRANSMIT */
	RELIABLE_TLS_TIMEOUT_MS = 2000,    /* --tls-timeout default */
};

#define RELIABLE_NO_DEADLINE UINT64_MAX

/* Counted events; the owner exports them as statistics. */
struct reliable_stats {
	uint64_t tx_new;             /* first transmissions */
	uint64_t tx_retransmit;      /* all later transmissions (incl. fast) */
	uint64_t tx_fast_retransmit; /* ... of which triggered by later ACKs */
	uint64_t ack_freed;          /* ACK ids that freed a packet */
	uint64_t ack_ignored;        /* ACK ids unknown or already acked */
	uint64_t rx_new;             /* packets stored for delivery */
	uint64_t rx_dup;             /* duplicates (ACKed again) */
	uint64_t rx_out_of_window;   /* dropped, beyond the receive window */
	uint64_t rx_too_big;         /* dropped, payload > RELIABLE_PAYLOAD_MAX */
	uint64_t ack_queue_full;     /* accepted ids whose ACK could not be queued */
};

struct reliable_tx_entry {
	uint64_t next_try_ms;   /* due when now >= this (0: never sent) */
	uint32_t timeout_ms;    /* wait armed by the next send */
	uint16_t len;
	uint8_t opcode;         /* the caller's tag, returned as is */
	uint8_t n_acks;         /* ACKs for higher ids since the last send */
	bool active;            /* queued and not yet acked */
	bool sent;
	uint8_t payload[RELIABLE_PAYLOAD_MAX];
};

struct reliable_rx_entry {
	uint16_t len;
	bool present;
	uint8_t payload[RELIABLE_PAYLOAD_MAX];
};

/*
 * Both rings are indexed relative to their base: the entry of msg id x is
 * [(head + (x - base)) % size], which stays correct across the 2^32 wrap.
 */
struct reliable {
	/* send side */
	uint32_t tx_base;       /* lowest unacked msg id (== tx_next if none) */
	uint32_t tx_next;       /* msg id the next queued packet gets */
	uint32_t tx_head;       /* slot of tx_base */
	uint32_t tls_timeout_ms;
	/* receive side */
	uint32_t rx_next;       /* next msg id to deliver */
	uint32_t rx_head;       /* slot of rx_next */
	uint32_t rx_off;        /* bytes of rx_next already read */
	/* ACK bookkeeping */
	uint8_t n_ack_queue;
	uint8_t n_ack_mru;
	uint32_t ack_queue[RELIABLE_ACK_QUEUE];   /* arrival order, no duplicates */
	uint32_t ack_mru[RELIABLE_ACK_MAX];       /* most recently sent first */
	struct reliable_stats stats;
	struct reliable_tx_entry tx[RELIABLE_SEND_WINDOW];
	struct reliable_rx_entry rx[RELIABLE_RECV_WINDOW];
};

/* One packet to put on the wire, from reliable_next_to_send(). */
struct reliable_pkt {
	uint32_t msg_id;
	uint8_t opcode;          /* as given to reliable_queue() */
	bool retransmit;         /* sent before */
	uint16_t len;
	const uint8_t *payload;  /* valid until the next call that changes r */
};

/*
 * Reset r for a new key_state. Msg ids normally start at 0 in both
 * directions (first_send_id = first_recv_id = 0). After the stateless
 * cookie handshake (§3.6) both resets are already behind us: pass 1 and 1.
 * tls_timeout_ms = 0 means RELIABLE_TLS_TIMEOUT_MS.
 */
void reliable_init(struct reliable *r, uint32_t tls_timeout_ms,
		   uint32_t first_send_id, uint32_t first_recv_id);

/* --- send side ---------------------------------------------------------- */

/* How many more packets reliable_queue() accepts now (0..6). */
unsigned reliable_send_room(const struct reliable *r);

/* Number of queued packets not yet acked (0..6). */
unsigned reliable_send_pending(const struct reliable *r);

/*
 * Queue one reliable packet; it takes the next msg id (stored in *msg_id
 * unless NULL) and is due at once. len may be 0 (resets). Returns false,
 * queueing nothing, when the send window is full or len >
 * RELIABLE_PAYLOAD_MAX.
 */
bool reliable_queue(struct reliable *r, uint8_t opcode, const void *payload,
		    size_t len, uint32_t *msg_id);

/*
 * Process the ids of a received ACK record (the caller has checked its
 * peer session id). Each id of a packet still unacked frees it and counts
 * as a later ACK for every unacked packet with a lower id; unknown ids and
 * ids already acked are ignored and count for nothing.
 */
void reliable_on_ack(struct reliable *r, const uint32_t *ids, size_t n);

/*
 * Pick the packet to send now: the lowest msg id that is new, whose
 * retransmit deadline has passed, or that got 3 later ACKs. Arms its next
 * deadline (now + timeout, then timeout doubles) and fills *out.
 * Returns false when nothing is due. Call repeatedly until false; each
 * packet returned must get its own ACK record (reliable_take_acks()).
 */
bool reliable_next_to_send(struct reliable *r, uint64_t now_ms, struct reliable_pkt *out);

/*
 * Absolute time at which reliable_next_to_send() will have something:
 * 0 when something is due already (new or fast retransmit),
 * RELIABLE_NO_DEADLINE when nothing is unacked. Standalone ACKs are not
 * included: see reliable_ack_due().
 */
uint64_t reliable_next_deadline(const struct reliable *r);

/*
 * Make every unacked packet due now with its timeout reset to tls_timeout
 * (§3.3: OpenVPN does this once per session when the peer's reset arrives).
 */
void reliable_burst(struct reliable *r, uint64_t now_ms);

/* --- receive side ------------------------------------------------------- */

/*
 * Offer a received reliable packet (everything but P_ACK_V1). Returns true
 * when its msg id is inside or before the receive window: a new id is
 * stored, a duplicate is not, and both have their id queued for ACK (if
 * the ACK queue is full the id is counted in ack_queue_full instead, as
 * 2.x does; the peer's retransmission gets the ACK). Returns false
 * (counted drop, no ACK) when the id is beyond the window or len >
 * RELIABLE_PAYLOAD_MAX. Acceptance does not depend on the reader: the
 * window only moves when packets are read (reliable_consume/read).
 */
bool reliable_recv(struct reliable *r, uint32_t msg_id, const void *payload, size_t len);

/*
 * The unread part of the next in-order packet, or NULL when that packet
 * has not arrived. *len may be 0 (a reset, or an empty control packet).
 * No state change.
 */
const uint8_t *reliable_peek(const struct reliable *r, uint32_t *msg_id, size_t *len);

/*
 * Mark n bytes of the packet returned by reliable_peek() as read
 * (n <= its *len). Once it is read completely, including n = 0 for an
 * empty one, it is released and the receive window moves on.
 */
void reliable_consume(struct reliable *r, size_t n);

/*
 * Copy up to cap in-order bytes into buf, across packet boundaries,
 * releasing packets read completely (and empty ones). Returns the number
 * of bytes copied.
 */
size_t reliable_read(struct reliable *r, void *buf, size_t cap);

/* --- ACKs ---------------------------------------------------------------- */

/* True when received ids wait for an ACK: send a P_ACK_V1 now unless a
 * control packet about to be sent carries them all. */
bool reliable_ack_due(const struct reliable *r);

/*
 * Fill out[] with the ids for one ACK record: up to min(max, 8) for a
 * standalone P_ACK_V1 (piggyback false), min(max, 4) on a control packet
 * (piggyback true). Queued ids go first (oldest first) and leave the queue;
 * free slots are filled from the MRU list of ids ACKed before. Returns the
 * count (0: write an empty record). out needs room for the limit above.
 */
unsigned reliable_take_acks(struct reliable *r, uint32_t *out, unsigned max, bool piggyback);

#endif
