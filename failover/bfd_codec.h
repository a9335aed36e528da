/* failover/bfd_codec.h - BFD control packet encode/decode (RFC 5880 4.1, 6.8.6). Pure. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_BFD_CODEC_H
#define HGW_FAILOVER_BFD_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/wire.h"

#define BFD_VERSION 1
#define BFD_PKT_LEN 24		       /* mandatory section */
#define BFD_PKT_MAX (BFD_PKT_LEN + 28) /* with the largest auth section */

/* RFC 5880 4.1 State */
enum bfd_state {
	BFD_STATE_ADMIN_DOWN = 0,
	BFD_STATE_DOWN = 1,
	BFD_STATE_INIT = 2,
	BFD_STATE_UP = 3,
};

/* RFC 5880 4.1 Diagnostic */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_DETECT_EXPIRED = 1,
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_DOWN = 8,
};

/* RFC 5880 4.1 Auth Type */
enum bfd_auth_type {
	BFD_AUTH_NONE = 0,
	BFD_AUTH_SIMPLE = 1,
	BFD_AUTH_KEYED_MD5 = 2,
	BFD_AUTH_METIC_MD5 = 3,
	BFD_AUTH_KEYED_SHA1 = 4,
	BFD_AUTH_METIC_SHA1 = 5,
};

#define BFD_SHA1_LEN   20
#define BFD_MD5_LEN    16
#define BFD_PASSWD_MAX 16

/* What a decoder found wrong; the caller drops the packet and counts it. */
enum bfd_err {
	BFD_OK = 0,
	BFD_ERR_SHORT,	    /* fewer bytes than 24 or than the Length field */
	BFD_ERR_VERSION,    /* version != 1 */
	BFD_ERR_LENGTH,	    /* Length < 24, < 26 with A, or != 24 + auth section */
	BFD_ERR_MULT,	    /* Detect Mult == 0 */
	BFD_ERR_MULTIPOINT, /* M bit set */
	BFD_ERR_MY_DISCR,   /* My Discriminator == 0 */
	BFD_ERR_YOUR_DISCR, /* Your Discriminator == 0 outside Down/AdminDown */
	BFD_ERR_AUTH_TYPE,  /* unknown Auth Type */
	BFD_ERR_AUTH_LEN,   /* Auth Len wrong for its type or for the packet */
	BFD_ERR_COUNT
};

/* The authentication section (RFC 5880 4.2-4.4). */
struct bfd_auth {
	uint8_t	 type; /* enum bfd_auth_type; BFD_AUTH_NONE = absent */
	uint8_t	 key_id;
	uint8_t	 reserved; /* kept so a digest can be recomputed bit-exact */
	uint32_t seq;	   /* MD5/SHA1 types */
	uint8_t	 data_len; /* password 1..16, digest 16, hash 20 */
	uint8_t	 data[BFD_SHA1_LEN];
};

/* A control packet, all intervals in microseconds as on the wire. */
struct bfd_pkt {
	uint8_t		diag;  /* enum bfd_diag (5 bits) */
	uint8_t		state; /* enum bfd_state */
	bool		poll, final, cpi, demand, multipoint;
	uint8_t		detect_mult;
	uint32_t	my_discr, your_discr;
	uint32_t	desired_min_tx_us;
	uint32_t	required_min_rx_us;
	uint32_t	required_min_echo_rx_us;
	struct bfd_auth auth; /* A bit = auth.type != BFD_AUTH_NONE */
};

/*
 * Decode one UDP payload. Applies the checks of RFC 5880 6.8.6 that need no
 * session: version, length, detect mult, multipoint, discriminators, and the
 * shape of the auth section. Bytes after Length are ignored (6.8.6 only
 * forbids a Length greater than the payload). Pure: no logging, no allocation.
 */
enum bfd_err bfd_pkt_decode(struct wire_rd, struct bfd_pkt *);
/* Encode: 24 bytes plus the auth section. Returns 0, -EINVAL for an auth
 * section that cannot be encoded, or -ENOSPC. */
int bfd_pkt_encode(const struct bfd_pkt *, struct wire_wr *);

const char *bfd_err_str(enum bfd_err);
const char *bfd_state_str(uint8_t state); /* "AdminDown" "Down" "Init" "Up" */
const char *bfd_diag_str(uint8_t diag);

#endif
