/*
 * Fuzz the control packet parser (fact sheet §2.2): anything it accepts
 * must satisfy the parser's own rules, rebuild to exactly the input bytes
 * (the format is canonical) and parse again to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"

#include "ctl_wire.h"

static bool
same_pkt(const struct ctl_pkt *a, const struct ctl_pkt *b)
{
	return a->opcode == b->opcode && a->key_id == b->key_id &&
	       !memcmp(a->sid, b->sid, CTL_SID_LEN) && a->n_acks == b->n_acks &&
	       !memcmp(a->acks, b->acks, sizeof(a->acks[0]) * a->n_acks) &&
	       !memcmp(a->ack_sid, b->ack_sid, CTL_SID_LEN) &&
	       a->has_msg_id == b->has_msg_id && a->msg_id == b->msg_id &&
	       a->payload_len == b->payload_len &&
	       (a->payload_len == 0 || !memcmp(a->payload, b->payload, a->payload_len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[1 << 17];
	struct ctl_pkt p, q;

	if (ctl_pkt_parse(data, size, &p) != 0)
		return 0;
	if (!ctl_opcode_valid(p.opcode) || p.n_acks > CTL_ACK_MAX ||
	    p.has_msg_id != (p.opcode != 5) || p.wkc || p.wkc_len)
		abort();
	if (p.payload_len && (p.payload < data || p.payload + p.payload_len != data + size))
		abort();
	if (size > sizeof(out) || ctl_pkt_len(&p) != size)
		abort();
	ssize_t n = ctl_pkt_build(&p, out, size);
	if (n != (ssize_t)size || memcmp(out, data, size) != 0)
		abort();
	if (ctl_pkt_parse(out, size, &q) != 0 || !same_pkt(&p, &q))
		abort();
	return 0;
}

/* Valid packets for the standalone driver to mutate. */
static const char *const seeds[] = {
	"38 6891923fa3103437 00 00000000",                                  /* §2.2 reset */
	"28 aeb9afe1f01d79c8 01 00000000 dd85db535623b02e",                 /* §2.2 ACK */
	"40 9236ec326dd3ce9a 01 00000000 bb731e3f21fc0fbc 00000000 000100020001",
	"58 bb731e3f21fc0fbc 01 00000000 9236ec326dd3ce9a 00000001 160301",
	"28 bb731e3f21fc0fbc 06 00000005 00000004 00000003 00000002 00000001 00000000"
	" 9236ec326dd3ce9a",
	"1b 0102030405060708 08 00000001 00000002 00000003 00000004 00000005 00000006"
	" 00000007 ffffffff 1112131415161718 00000000",
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	return test_unhex(seeds[idx % (sizeof(seeds) / sizeof(seeds[0]))], buf, cap);
}
