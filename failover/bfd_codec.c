/* failover/bfd_codec.c - BFD control packet encode/decode (RFC 5880 4.1-4.4, 6.8.6). */
/* SPDX-License-Identifier: ISC */
#include "failover/bfd_codec.h"

#include <errno.h>
#include <string.h>

/* Byte 1 of the header: Sta(2) P F C A D M (RFC 5880 4.1). */
#define BFD_F_POLL   0x20
#define BFD_F_FINAL  0x10
#define BFD_F_CPI    0x08
#define BFD_F_AUTH   0x04
#define BFD_F_DEMAND 0x02
#define BFD_F_MULTI  0x01

/* RFC 5880 4.2-4.4: the auth section of one type, after Type and Len. */
static enum bfd_err
bfd_auth_decode(struct wire_rd r, struct bfd_auth *a)
{
	uint8_t type, len;
	size_t	want;

	if (!wire_get_u8(&r, &type) || !wire_get_u8(&r, &len))
		return BFD_ERR_AUTH_LEN;
	/* Auth Len counts Type and Len; the section fills the rest of Length. */
	if (len != wire_left(&r) + 2)
		return BFD_ERR_AUTH_LEN;
	a->type = type;
	switch (type) {
	case BFD_AUTH_SIMPLE: /* 4.2: Key ID, password 1..16 */
		if (len < 4 || len > 3 + BFD_PASSWD_MAX)
			return BFD_ERR_AUTH_LEN;
		a->data_len = (uint8_t)(len - 3);
		if (!wire_get_u8(&r, &a->key_id) || !wire_get_bytes(&r, a->data, a->data_len))
			return BFD_ERR_AUTH_LEN;
		break;
	case BFD_AUTH_KEYED_MD5: /* 4.3 */
	case BFD_AUTH_METIC_MD5:
	case BFD_AUTH_KEYED_SHA1: /* 4.4 */
	case BFD_AUTH_METIC_SHA1:
		want = (type == BFD_AUTH_KEYED_MD5 || type == BFD_AUTH_METIC_MD5) ?
		    BFD_MD5_LEN :
		    BFD_SHA1_LEN;
		if (len != 8 + want)
			return BFD_ERR_AUTH_LEN;
		a->data_len = (uint8_t)want;
		if (!wire_get_u8(&r, &a->key_id) || !wire_get_u8(&r, &a->reserved) ||
		    !wire_get_u32(&r, &a->seq) || !wire_get_bytes(&r, a->data, want))
			return BFD_ERR_AUTH_LEN;
		break;
	default:
		return BFD_ERR_AUTH_TYPE;
	}
	return wire_empty(&r) ? BFD_OK : BFD_ERR_AUTH_LEN;
}

enum bfd_err
bfd_pkt_decode(struct wire_rd r, struct bfd_pkt *p)
{
	struct wire_rd body;
	uint8_t	       b0, b1, length;

	memset(p, 0, sizeof(*p));
	if (!wire_get_u8(&r, &b0) || !wire_get_u8(&r, &b1) ||
	    !wire_get_u8(&r, &p->detect_mult) || !wire_get_u8(&r, &length))
		return BFD_ERR_SHORT;
	/* RFC 5880 6.8.6, in its order. */
	if ((b0 >> 5) != BFD_VERSION)
		return BFD_ERR_VERSION;
	if (length < BFD_PKT_LEN || ((b1 & BFD_F_AUTH) && length < BFD_PKT_LEN + 2))
		return BFD_ERR_LENGTH;
	/* The 4 bytes already read belong to Length. */
	if (!wire_get_sub(&r, (size_t)length - 4, &body))
		return BFD_ERR_SHORT;
	if (!wire_get_u32(&body, &p->my_discr) || !wire_get_u32(&body, &p->your_discr) ||
	    !wire_get_u32(&body, &p->desired_min_tx_us) ||
	    !wire_get_u32(&body, &p->required_min_rx_us) ||
	    !wire_get_u32(&body, &p->required_min_echo_rx_us))
		return BFD_ERR_SHORT;
	p->diag = b0 & 0x1f;
	p->state = b1 >> 6;
	p->poll = (b1 & BFD_F_POLL) != 0;
	p->final = (b1 & BFD_F_FINAL) != 0;
	p->cpi = (b1 & BFD_F_CPI) != 0;
	p->demand = (b1 & BFD_F_DEMAND) != 0;
	p->multipoint = (b1 & BFD_F_MULTI) != 0;
	if (p->detect_mult == 0)
		return BFD_ERR_MULT;
	if (p->multipoint)
		return BFD_ERR_MULTIPOINT;
	if (p->my_discr == 0)
		return BFD_ERR_MY_DISCR;
	if (p->your_discr == 0 && p->state != BFD_STATE_DOWN &&
	    p->state != BFD_STATE_ADMIN_DOWN)
		return BFD_ERR_YOUR_DISCR;
	if (b1 & BFD_F_AUTH)
		return bfd_auth_decode(body, &p->auth);
	/* Without the A bit the packet is exactly 24 bytes. */
	return wire_empty(&body) ? BFD_OK : BFD_ERR_LENGTH;
}

int
bfd_pkt_encode(const struct bfd_pkt *p, struct wire_wr *w)
{
	const struct bfd_auth *a = &p->auth;
	uint8_t		       b1, alen = 0;

	switch (a->type) {
	case BFD_AUTH_NONE:
		break;
	case BFD_AUTH_SIMPLE:
		if (a->data_len < 1 || a->data_len > BFD_PASSWD_MAX)
			return -EINVAL;
		alen = (uint8_t)(3 + a->data_len);
		break;
	case BFD_AUTH_KEYED_MD5:
	case BFD_AUTH_METIC_MD5:
		if (a->data_len != BFD_MD5_LEN)
			return -EINVAL;
		alen = 8 + BFD_MD5_LEN;
		break;
	case BFD_AUTH_KEYED_SHA1:
	case BFD_AUTH_METIC_SHA1:
		if (a->data_len != BFD_SHA1_LEN)
			return -EINVAL;
		alen = 8 + BFD_SHA1_LEN;
		break;
	default:
		return -EINVAL;
	}
	b1 = (uint8_t)((p->state & 3) << 6);
	if (p->poll)
		b1 |= BFD_F_POLL;
	if (p->final)
		b1 |= BFD_F_FINAL;
	if (p->cpi)
		b1 |= BFD_F_CPI;
	if (a->type != BFD_AUTH_NONE)
		b1 |= BFD_F_AUTH;
	if (p->demand)
		b1 |= BFD_F_DEMAND;
	if (p->multipoint)
		b1 |= BFD_F_MULTI;
	wire_put_u8(w, (uint8_t)((BFD_VERSION << 5) | (p->diag & 0x1f)));
	wire_put_u8(w, b1);
	wire_put_u8(w, p->detect_mult);
	wire_put_u8(w, (uint8_t)(BFD_PKT_LEN + alen));
	wire_put_u32(w, p->my_discr);
	wire_put_u32(w, p->your_discr);
	wire_put_u32(w, p->desired_min_tx_us);
	wire_put_u32(w, p->required_min_rx_us);
	wire_put_u32(w, p->required_min_echo_rx_us);
	if (a->type != BFD_AUTH_NONE) {
		wire_put_u8(w, a->type);
		wire_put_u8(w, alen);
		wire_put_u8(w, a->key_id);
		if (a->type != BFD_AUTH_SIMPLE) {
			wire_put_u8(w, a->reserved);
			wire_put_u32(w, a->seq);
		}
		wire_put_bytes(w, a->data, a->data_len);
	}
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

const char *
bfd_err_str(enum bfd_err e)
{
	static const char *const s[BFD_ERR_COUNT] = {
		[BFD_OK] = "ok",
		[BFD_ERR_SHORT] = "truncated",
		[BFD_ERR_VERSION] = "bad version",
		[BFD_ERR_LENGTH] = "bad length",
		[BFD_ERR_MULT] = "zero detect multiplier",
		[BFD_ERR_MULTIPOINT] = "multipoint bit set",
		[BFD_ERR_MY_DISCR] = "zero my discriminator",
		[BFD_ERR_YOUR_DISCR] = "zero your discriminator",
		[BFD_ERR_AUTH_TYPE] = "unknown auth type",
		[BFD_ERR_AUTH_LEN] = "bad auth length",
	};

	return (unsigned)e < BFD_ERR_COUNT ? s[e] : "?";
}

const char *
bfd_state_str(uint8_t state)
{
	static const char *const s[] = { "AdminDown", "Down", "Init", "Up" };

	return state < 4 ? s[state] : "?";
}

const char *
bfd_diag_str(uint8_t diag)
{
	/* RFC 5880 4.1 */
	static const char *const s[] = {
		"No Diagnostic",
		"Control Detection Time Expired",
		"Echo Function Failed",
		"Neighbor Signaled Session Down",
		"Forwarding Plane Reset",
		"Path Down",
		"Concatenated Path Down",
		"Administratively Down",
		"Reverse Concatenated Path Down",
	};

	return diag < sizeof(s) / sizeof(s[0]) ? s[diag] : "Reserved";
}
