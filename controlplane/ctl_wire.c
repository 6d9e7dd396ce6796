/*
 * Logical control packet (fact sheet §2.1/§2.2). See ctl_wire.h.
 */
#include <string.h>

#include "ctl_wire.h"
#include "ovpn_wire.h"

/* A bounds-checked cursor over the input: every read either fits or fails. */
struct rd {
	const uint8_t *p;
	size_t left;
};

static bool
rd_take(struct rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static bool
rd_u32(struct rd *r, uint32_t *v)
{
	uint8_t b[4];

	if (!rd_take(r, b, sizeof(b)))
		return false;
	*v = ctl_get_u32(b);
	return true;
}

bool
ctl_opcode_valid(unsigned op)
{
	return op >= OVPN_P_CONTROL_SOFT_RESET_V1 && op <= OVPN_P_CONTROL_WKC_V1 &&
	       op != OVPN_P_DATA_V1 && op != OVPN_P_DATA_V2;
}

/* §1.3: the all-zero sid means "undefined" and is never a valid sender. */
static bool
sid_is_zero(const uint8_t sid[CTL_SID_LEN])
{
	uint8_t acc = 0;

	for (size_t i = 0; i < CTL_SID_LEN; i++)
		acc |= sid[i];
	return acc == 0;
}

/* ack_count, ids, and the peer sid that is present only when n > 0. */
static int
parse_acks(struct rd *r, struct ctl_pkt *out)
{
	if (!rd_take(r, &out->n_acks, 1))
		return CTL_ERR_SHORT;
	if (out->n_acks > CTL_ACK_MAX)
		return CTL_ERR_FORMAT;
	for (unsigned i = 0; i < out->n_acks; i++)
		if (!rd_u32(r, &out->acks[i]))
			return CTL_ERR_SHORT;
	if (out->n_acks > 0 && !rd_take(r, out->ack_sid, CTL_SID_LEN))
		return CTL_ERR_SHORT;
	return 0;
}

int
ctl_pkt_parse(const uint8_t *p, size_t len, struct ctl_pkt *out)
{
	struct rd r = { p, len };
	uint8_t b0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rd_take(&r, &b0, 1))
		return CTL_ERR_SHORT;
	out->opcode = (uint8_t)ovpn_opcode(b0);
	out->key_id = (uint8_t)ovpn_key_id(b0);
	if (!ctl_opcode_valid(out->opcode))
		return CTL_ERR_OPCODE;
	if (!rd_take(&r, out->sid, CTL_SID_LEN))
		return CTL_ERR_SHORT;
	if (sid_is_zero(out->sid))
		return CTL_ERR_FORMAT;
	rc = parse_acks(&r, out);
	if (rc)
		return rc;
	/* P_ACK_V1 is the only control packet without msg id and payload. */
	if (out->opcode == OVPN_P_ACK_V1)
		return r.left == 0 ? 0 : CTL_ERR_FORMAT;
	if (!rd_u32(&r, &out->msg_id))
		return CTL_ERR_SHORT;
	out->has_msg_id = true;
	out->payload_len = r.left;
	out->payload = r.left ? r.p : NULL;
	return 0;
}

size_t
ctl_pkt_len(const struct ctl_pkt *pkt)
{
	size_t n = CTL_HDR_LEN + 1 + 4 * (size_t)pkt->n_acks;

	if (pkt->n_acks > 0)
		n += CTL_SID_LEN;
	if (pkt->has_msg_id)
		n += 4 + pkt->payload_len;
	return n;
}

/* The same rules the parser enforces, so build output always parses. */
static int
build_check(const struct ctl_pkt *pkt)
{
	bool is_ack = pkt->opcode == OVPN_P_ACK_V1;

	if (!ctl_opcode_valid(pkt->opcode))
		return CTL_ERR_OPCODE;
	if (pkt->key_id > 7 || pkt->n_acks > CTL_ACK_MAX || sid_is_zero(pkt->sid))
		return CTL_ERR_FORMAT;
	if (pkt->has_msg_id == is_ack)
		return CTL_ERR_FORMAT;
	if (is_ack && pkt->payload_len)
		return CTL_ERR_FORMAT;
	if (pkt->payload_len && !pkt->payload)
		return CTL_ERR_FORMAT;
	return 0;
}

ssize_t
ctl_pkt_build(const struct ctl_pkt *pkt, uint8_t *out, size_t cap)
{
	int rc = build_check(pkt);
	size_t n = 0;

	if (rc)
		return rc;
	if (ctl_pkt_len(pkt) > cap)
		return CTL_ERR_SPACE;
	out[n++] = (uint8_t)(pkt->opcode << 3 | pkt->key_id);
	memcpy(out + n, pkt->sid, CTL_SID_LEN);
	n += CTL_SID_LEN;
	out[n++] = pkt->n_acks;
	for (unsigned i = 0; i < pkt->n_acks; i++, n += 4)
		ctl_put_u32(out + n, pkt->acks[i]);
	if (pkt->n_acks > 0) {
		memcpy(out + n, pkt->ack_sid, CTL_SID_LEN);
		n += CTL_SID_LEN;
	}
	if (pkt->has_msg_id) {
		ctl_put_u32(out + n, pkt->msg_id);
		n += 4;
		if (pkt->payload_len)
			memcpy(out + n, pkt->payload, pkt->payload_len);
		n += pkt->payload_len;
	}
	return (ssize_t)n;
}
