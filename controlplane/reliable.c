/*
 * Control-channel reliability layer (fact sheet §3.1-§3.4). See reliable.h
 * for the contract. Behaviour follows OpenVPN 2.6 reliable.c/ssl.c; where
 * we differ it is said at the spot.
 */
#include <assert.h>
#include <string.h>

#include "reliable.h"

/* A retransmit timeout stops doubling here (about 12 days): only keeps the
 * arithmetic from overflowing; hand-window ends a handshake long before. */
#define TIMEOUT_CAP_MS (1u << 30)

_Static_assert(RELIABLE_PAYLOAD_MAX <= UINT16_MAX, "len fields are uint16_t");
_Static_assert(RELIABLE_ACK_QUEUE <= UINT8_MAX && RELIABLE_ACK_MAX <= UINT8_MAX,
	       "ACK counters are uint8_t");
_Static_assert(RELIABLE_ACK_PIGGYBACK_MAX <= RELIABLE_ACK_MAX, "ACK limits");

void
reliable_init(struct reliable *r, uint32_t tls_timeout_ms,
	      uint32_t first_send_id, uint32_t first_recv_id)
{
	assert(r);
	memset(r, 0, sizeof(*r));
	r->tls_timeout_ms = tls_timeout_ms ? tls_timeout_ms : RELIABLE_TLS_TIMEOUT_MS;
	if (r->tls_timeout_ms > TIMEOUT_CAP_MS)
		r->tls_timeout_ms = TIMEOUT_CAP_MS;
	r->tx_base = r->tx_next = first_send_id;
	r->rx_next = first_recv_id;
}

/* --- send side ---------------------------------------------------------- */

static struct reliable_tx_entry *
tx_at(struct reliable *r, uint32_t off)
{
	return &r->tx[(r->tx_head + off) % RELIABLE_SEND_WINDOW];
}

unsigned
reliable_send_pending(const struct reliable *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < RELIABLE_SEND_WINDOW; i++)
		n += r->tx[i].active;
	return n;
}

unsigned
reliable_send_room(const struct reliable *r)
{
	/* The window is anchored at the lowest unacked id, not at the number
	 * of free entries: ACKs for later ids do not open it (§3.1). */
	return RELIABLE_SEND_WINDOW - (r->tx_next - r->tx_base);
}

bool
reliable_queue(struct reliable *r, uint8_t opcode, const void *payload,
	       size_t len, uint32_t *msg_id)
{
	assert(r && (payload || len == 0));
	if (len > RELIABLE_PAYLOAD_MAX || reliable_send_room(r) == 0)
		return false;

	struct reliable_tx_entry *e = tx_at(r, r->tx_next - r->tx_base);

	assert(!e->active);
	e->active = true;
	e->sent = false;
	e->next_try_ms = 0;
	e->timeout_ms = r->tls_timeout_ms;
	e->n_acks = 0;
	e->opcode = opcode;
	e->len = (uint16_t)len;
	if (len)
		memcpy(e->payload, payload, len);
	if (msg_id)
		*msg_id = r->tx_next;
	r->tx_next++;
	return true;
}

/* Free the entry at offset off; every unacked packet before it has now
 * seen one more ACK for a later packet. */
static void
tx_free(struct reliable *r, uint32_t off)
{
	tx_at(r, off)->active = false;
	for (uint32_t i = 0; i < off; i++) {
		struct reliable_tx_entry *e = tx_at(r, i);

		if (e->active && e->n_acks < UINT8_MAX)
			e->n_acks++;
	}
}

void
reliable_on_ack(struct reliable *r, const uint32_t *ids, size_t n)
{
	assert(r && (ids || n == 0));
	const uint32_t inflight = r->tx_next - r->tx_base;

	for (size_t i = 0; i < n; i++) {
		uint32_t off = ids[i] - r->tx_base;

		/*
		 * Unknown (never queued, or below the base and so acked long
		 * ago) or already acked: 2.6 peers re-send ACK ids from their
		 * MRU list all the time. OpenVPN also counts such repeats
		 * toward fast retransmit; we do not, or every later peer
		 * packet repeating the same ids would resend the packet again.
		 */
		if (off >= inflight || !tx_at(r, off)->active) {
			r->stats.ack_ignored++;
			continue;
		}
		tx_free(r, off);
		r->stats.ack_freed++;
	}
	while (r->tx_base != r->tx_next && !tx_at(r, 0)->active) {
		r->tx_base++;
		r->tx_head = (r->tx_head + 1) % RELIABLE_SEND_WINDOW;
	}
}

static bool
tx_due(const struct reliable_tx_entry *e, uint64_t now_ms)
{
	return e->active && (now_ms >= e->next_try_ms ||
			     e->n_acks >= RELIABLE_FAST_RETRANSMIT_ACKS);
}

bool
reliable_next_to_send(struct reliable *r, uint64_t now_ms, struct reliable_pkt *out)
{
	assert(r && out);
	const uint32_t inflight = r->tx_next - r->tx_base;

	/* Offsets ascend with msg ids: the first due entry is the lowest id. */
	for (uint32_t off = 0; off < inflight; off++) {
		struct reliable_tx_entry *e = tx_at(r, off);

		if (!tx_due(e, now_ms))
			continue;
		const bool again = e->sent;

		if (!again) {
			r->stats.tx_new++;
		} else {
			r->stats.tx_retransmit++;
			if (now_ms < e->next_try_ms)
				r->stats.tx_fast_retransmit++;
		}
		/* exponential backoff, also after a fast retransmit (as 2.x) */
		e->sent = true;
		e->next_try_ms = now_ms + e->timeout_ms;
		e->timeout_ms = e->timeout_ms >= TIMEOUT_CAP_MS / 2 ?
			TIMEOUT_CAP_MS : e->timeout_ms * 2;
		e->n_acks = 0;

		out->msg_id = r->tx_base + off;
		out->opcode = e->opcode;
		out->retransmit = again;
		out->len = e->len;
		out->payload = e->payload;
		return true;
	}
	return false;
}

uint64_t
reliable_next_deadline(const struct reliable *r)
{
	uint64_t t = RELIABLE_NO_DEADLINE;

	for (unsigned i = 0; i < RELIABLE_SEND_WINDOW; i++) {
		const struct reliable_tx_entry *e = &r->tx[i];

		if (!e->active)
			continue;
		if (e->n_acks >= RELIABLE_FAST_RETRANSMIT_ACKS)
			return 0;
		if (e->next_try_ms < t)
			t = e->next_try_ms;
	}
	return t;
}

void
reliable_burst(struct reliable *r, uint64_t now_ms)
{
	for (unsigned i = 0; i < RELIABLE_SEND_WINDOW; i++) {
		struct reliable_tx_entry *e = &r->tx[i];

		if (!e->active)
			continue;
		e->next_try_ms = now_ms;
		e->timeout_ms = r->tls_timeout_ms;
	}
}

/* --- ACK bookkeeping ---------------------------------------------------- */

/* Queue id for an ACK unless already queued; OpenVPN likewise drops the id
 * when its (8-entry) list is full: the peer retransmits and we ACK then. */
static void
ack_queue_add(struct reliable *r, uint32_t id)
{
	for (unsigned i = 0; i < r->n_ack_queue; i++)
		if (r->ack_queue[i] == id)
			return;
	if (r->n_ack_queue == RELIABLE_ACK_QUEUE) {
		r->stats.ack_queue_full++;
		return;
	}
	r->ack_queue[r->n_ack_queue++] = id;
}

bool
reliable_ack_due(const struct reliable *r)
{
	return r->n_ack_queue > 0;
}

/* Put id at the front of the MRU list, removing an older copy, dropping
 * the last entry when full. */
static void
mru_push_front(struct reliable *r, uint32_t id)
{
	unsigned j = 0;

	while (j < r->n_ack_mru && r->ack_mru[j] != id)
		j++;
	if (j == r->n_ack_mru) {        /* not present: grow, or drop the tail */
		if (r->n_ack_mru < RELIABLE_ACK_MAX)
			r->n_ack_mru++;
		j = r->n_ack_mru - 1;
	}
	memmove(&r->ack_mru[1], &r->ack_mru[0], j * sizeof(r->ack_mru[0]));
	r->ack_mru[0] = id;
}

unsigned
reliable_take_acks(struct reliable *r, uint32_t *out, unsigned max, bool piggyback)
{
	assert(r && (out || max == 0));
	unsigned limit = piggyback ? RELIABLE_ACK_PIGGYBACK_MAX : RELIABLE_ACK_MAX;

	if (max < limit)
		limit = max;

	unsigned take = r->n_ack_queue < limit ? r->n_ack_queue : limit;

	/* Pushing the taken ids front-most in reverse leaves them at the
	 * head of the MRU in queue order, followed by older ids: the record
	 * is then simply the head of the MRU (as 2.6 copy_acks_to_mru). */
	for (unsigned i = take; i-- > 0;)
		mru_push_front(r, r->ack_queue[i]);
	memmove(&r->ack_queue[0], &r->ack_queue[take],
		(r->n_ack_queue - take) * sizeof(r->ack_queue[0]));
	r->n_ack_queue = (uint8_t)(r->n_ack_queue - take);

	unsigned n = r->n_ack_mru < limit ? r->n_ack_mru : limit;

	memcpy(out, r->ack_mru, n * sizeof(out[0]));
	return n;
}

/* --- receive side ------------------------------------------------------- */

static struct reliable_rx_entry *
rx_at(struct reliable *r, uint32_t off)
{
	return &r->rx[(r->rx_head + off) % RELIABLE_RECV_WINDOW];
}

bool
reliable_recv(struct reliable *r, uint32_t msg_id, const void *payload, size_t len)
{
	assert(r && (payload || len == 0));
	uint32_t off = msg_id - r->rx_next;

	if (len > RELIABLE_PAYLOAD_MAX) {
		r->stats.rx_too_big++;
		return false;
	}
	if (off >= RELIABLE_RECV_WINDOW && off < 0x80000000u) {
		/* ahead of the window: storing it could leave a gap we can
		 * never fill; no ACK, the peer retransmits (§3.1) */
		r->stats.rx_out_of_window++;
		return false;
	}
	if (off >= RELIABLE_RECV_WINDOW || rx_at(r, off)->present) {
		/* before the window (delivered already) or stored already:
		 * our ACK was lost, ACK again */
		r->stats.rx_dup++;
	} else {
		struct reliable_rx_entry *e = rx_at(r, off);

		e->present = true;
		e->len = (uint16_t)len;
		if (len)
			memcpy(e->payload, payload, len);
		r->stats.rx_new++;
	}
	ack_queue_add(r, msg_id);
	return true;
}

const uint8_t *
reliable_peek(const struct reliable *r, uint32_t *msg_id, size_t *len)
{
	const struct reliable_rx_entry *e = &r->rx[r->rx_head];

	if (!e->present)
		return NULL;
	if (msg_id)
		*msg_id = r->rx_next;
	if (len)
		*len = e->len - r->rx_off;
	return e->payload + r->rx_off;
}

void
reliable_consume(struct reliable *r, size_t n)
{
	struct reliable_rx_entry *e = &r->rx[r->rx_head];

	assert(e->present && n <= e->len - r->rx_off);
	r->rx_off += (uint32_t)n;
	if (r->rx_off < e->len)
		return;
	e->present = false;
	r->rx_off = 0;
	r->rx_next++;
	r->rx_head = (r->rx_head + 1) % RELIABLE_RECV_WINDOW;
}

size_t
reliable_read(struct reliable *r, void *buf, size_t cap)
{
	assert(r && (buf || cap == 0));
	uint8_t *p = buf;
	size_t done = 0;
	const uint8_t *src;
	size_t len;

	while ((src = reliable_peek(r, NULL, &len)) != NULL) {
		size_t n = len < cap - done ? len : cap - done;

		if (n == 0 && len != 0)
			break;          /* buf full; an empty packet is still released */
		if (n) {
			memcpy(p + done, src, n);
			done += n;
		}
		reliable_consume(r, n);
	}
	return done;
}
