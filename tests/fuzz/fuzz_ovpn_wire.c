/* Fuzz the data packet header parser and payload classifier. */
#include <stdlib.h>
#include <string.h>

#include "ovpn_wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovpn_data_hdr h;
	if (ovpn_data_parse(data, size, &h) == 0) {
		if (size < (size_t)h.hdr_len + OVPN_TAG_LEN + 1 || h.aad_off + h.aad_len > h.hdr_len)
			abort();
		uint8_t rebuilt[8];
		size_t n = ovpn_data_hdr_build(rebuilt, h.opcode, h.key_id, h.peer_id, h.packet_id);
		if (n != h.hdr_len || memcmp(rebuilt, data, n) != 0)
			abort();
	}
	(void)ovpn_payload_classify(data, size);
	return 0;
}
