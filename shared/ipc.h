/*
 * Control-plane <-> dataplane messages: C structs, encoder and strict
 * decoder, all generated from ipc_msgs.def (the single schema).
 */
#ifndef DPVPN_IPC_H
#define DPVPN_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest encoded message: a 2048-byte payload plus addresses and framing. */
#define IPC_MSG_MAX 2400
#define IPC_ADDR_MAX 16

/* An IPv4 (len 4) or IPv6 (len 16) address in network byte order. */
struct ipc_addr {
	uint8_t len;
	uint8_t b[IPC_ADDR_MAX];
};

/* Decode errors (negative returns) and refusal codes carried in ERROR.code. */
enum ipc_err {
	IPC_OK = 0,
	IPC_E_MALFORMED,	/* not one complete msgpack object, or trailing bytes */
	IPC_E_NOT_ARRAY,	/* top level is not an array */
	IPC_E_UNKNOWN_TYPE,	/* first element is not a known type id */
	IPC_E_FIELD_COUNT,	/* wrong number of fields for the type */
	IPC_E_FIELD_TYPE,	/* a field has the wrong msgpack type */
	IPC_E_RANGE,		/* an integer does not fit its field */
	IPC_E_TOO_LONG,		/* bin/str longer than its maximum */
	IPC_E_BAD_ADDR,		/* address not 4 or 16 bytes */
	IPC_E_NOSPACE,		/* encode: buffer too small */
	/* refusals by a handler, reported in ERROR */
	IPC_E_DIRECTION,	/* message not meant for the receiver */
	IPC_E_NO_SESSION,	/* slot out of range or empty */
	IPC_E_STALE_GEN,	/* generation does not match the slot */
	IPC_E_BAD_VALUE,	/* a field value is out of its allowed set */
	IPC_E_NO_ROOM,		/* a table is full */
	IPC_E__COUNT
};

#define F_U8(n, d)		uint8_t n;
#define F_U16(n, d)		uint16_t n;
#define F_U32(n, d)		uint32_t n;
#define F_U64(n, d)		uint64_t n;
#define F_ADDR(n, d)		struct ipc_addr n;
#define F_BIN(n, max, d)	struct { uint16_t len; uint8_t b[max]; } n;
#define F_STR(n, max, d)	char n[(max) + 1];
#define IPC_MSG(id, NAME, name, dir, doc, fields) struct ipc_##name { fields };
#include "ipc_msgs.def"
#undef IPC_MSG

#define IPC_MSG(id, NAME, name, dir, doc, fields) IPC_##NAME = id,
enum ipc_type {
#include "ipc_msgs.def"
};
#undef IPC_MSG

#define IPC_MSG(id, NAME, name, dir, doc, fields) struct ipc_##name name;
struct ipc_msg {
	uint32_t type;
	union {
#include "ipc_msgs.def"
	} u;
};
#undef IPC_MSG
#undef F_U8
#undef F_U16
#undef F_U32
#undef F_U64
#undef F_ADDR
#undef F_BIN
#undef F_STR

/* Values of enumerated fields. */
enum ipc_cipher { IPC_CIPHER_AES_128_GCM = 1, IPC_CIPHER_AES_256_GCM = 2, IPC_CIPHER_CHACHA20_POLY1305 = 3 };
enum ipc_event_kind {
	IPC_EV_EXIT_NOTIFY = 1, IPC_EV_IDLE = 2, IPC_EV_FLOAT = 3,
	IPC_EV_TX_LEASE_LOW = 4, IPC_EV_TX_PID_WRAP = 5, IPC_EV_OCC = 6,
};
#define IPC_SESS_F_C2C		(1u << 0)
#define IPC_SESS_F_DATA_V1	(1u << 1)
#define IPC_PEER_ID_NONE	0xFFFFFFu
#define IPC_KEY_NONE		0xFF
/* SESSION_STATS sent on SESSION_DEL: the session's last counters. */
#define IPC_COOKIE_FINAL	0xFFFFFFFFu

/*
 * Encodes m into buf (at most cap bytes). Returns the encoded length, or
 * -IPC_E_UNKNOWN_TYPE / -IPC_E_TOO_LONG / -IPC_E_BAD_ADDR / -IPC_E_NOSPACE.
 */
int ipc_encode(const struct ipc_msg *m, uint8_t *buf, size_t cap);

/*
 * Decodes and validates one message. Returns 0, or a negative enum ipc_err;
 * on error *m is unspecified. Never reads past buf[len - 1].
 */
int ipc_decode(const uint8_t *buf, size_t len, struct ipc_msg *m);

/* "HELLO", ... or NULL for an unknown type. */
const char *ipc_type_name(uint32_t type);
/* true when the type is sent by the control plane to a dataplane. */
bool ipc_type_is_cp2dp(uint32_t type);
/* Text of an ipc_err (positive or negative value). */
const char *ipc_strerror(int err);

/* Builds an ipc_addr from an IPv4 address in network byte order. */
void ipc_addr_from_v4(struct ipc_addr *a, uint32_t be_addr);
/* IPv4 address in network byte order, or 0 when a is not IPv4. */
uint32_t ipc_addr_to_v4(const struct ipc_addr *a);

#endif
