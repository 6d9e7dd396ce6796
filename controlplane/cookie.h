/*
 * Stateless HMAC cookie of the 2.6 UDP server (fact sheet §3.6, OpenVPN
 * ssl_pkt.c calculate_session_id_hmac / check_session_hmac_and_pkt_id).
 *
 * The server answers a client's hard reset without keeping state; the
 * session id it puts in its reset is
 *	sid_S = HMAC-SHA256(K, slot || client address || client port || sid_C)[0..8)
 * with K a random per-process key and slot = now_s / slot_len, slot_len =
 * (hand_window + 1) / 2 = 30 s by default. The client echoes sid_S in the
 * ACK record of its next packet; cookie_check() then proves the client
 * owns the address (it received our reply) without any per-client state.
 *
 * A cookie is accepted in the slot it was made and the COOKIE_PAST_SLOTS
 * slots after it, never from a future slot: it stays valid at least
 * hand_window seconds (60..90 s by default), as in OpenVPN >= 2.6.16.
 *
 * The exact HMAC input is server-private (the client treats sid_S as
 * opaque): slot as 8 bytes big-endian, address length (1 byte), address
 * bytes, port big-endian, client sid. The caller must pass the same
 * address form for the reset and for the following packet (e.g. always
 * 4 bytes for IPv4, never the IPv4-mapped IPv6 form for one and not the
 * other).
 *
 * Pure module: time is a parameter. Callers must also apply the packet
 * rules that go with the check (2.6.15+): ack_count >= 1, every ACKed id
 * <= 1 and the msg id (if any) <= 1, key_id 0.
 */
#ifndef DPVPN_CP_COOKIE_H
#define DPVPN_CP_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cookie_limits {
	COOKIE_SECRET_LEN = 32,
	COOKIE_SID_LEN = 8,            /* SID_SIZE */
	COOKIE_ADDR_MAX = 16,          /* IPv6 */
	COOKIE_HAND_WINDOW_S = 60,     /* --hand-window default */
	COOKIE_PAST_SLOTS = 2,         /* slots accepted before the current one */
};

struct cookie_key {
	uint8_t secret[COOKIE_SECRET_LEN];
	uint32_t slot_s;               /* (hand_window + 1) / 2 */
};

/* Set the per-process key from 32 random bytes (the caller draws them,
 * e.g. RAND_bytes) with the default hand-window of 60 s. */
void cookie_key_init(struct cookie_key *key, const uint8_t secret[COOKIE_SECRET_LEN]);

/* Follow --hand-window (seconds, >= 1): slot length (hand_window + 1) / 2. */
void cookie_key_set_hand_window(struct cookie_key *key, uint32_t hand_window_s);

/* Wipe the secret. */
void cookie_key_wipe(struct cookie_key *key);

/*
 * The server session id for a client reset from client_addr (addr_len
 * bytes, 1..16, network order) / client_port (host order) with session id
 * client_sid, at time now_s (seconds). Deterministic within a slot, so a
 * retransmitted reset gets the same answer. On an internal crypto failure
 * out_sid is all zero, which no client accepts (§1.3).
 */
void cookie_make(const struct cookie_key *key, const uint8_t *client_addr, size_t addr_len,
		 uint16_t client_port, const uint8_t client_sid[COOKIE_SID_LEN],
		 uint64_t now_s, uint8_t out_sid[COOKIE_SID_LEN]);

/*
 * Does sid (the peer session id of the client's ACK record) equal the
 * cookie for these inputs in the current slot or one of the
 * COOKIE_PAST_SLOTS before it? Constant-time comparison.
 */
bool cookie_check(const struct cookie_key *key, const uint8_t *client_addr, size_t addr_len,
		  uint16_t client_port, const uint8_t client_sid[COOKIE_SID_LEN],
		  uint64_t now_s, const uint8_t sid[COOKIE_SID_LEN]);

#endif
