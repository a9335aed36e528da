/* bgp/bgp_msg.c - BGP-4 messages: header, OPEN + capabilities, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, UPDATE framing. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "bgp/bgp_codec_local.h"

void
bgp_notify_set(struct bgp_notify *n, uint8_t code, uint8_t subcode)
{
	memset(n, 0, sizeof(*n));
	n->code = code;
	n->subcode = subcode;
}

static void
notify_inl16(struct bgp_notify *n, uint16_t v)
{
	n->inl[0] = (uint8_t)(v >> 8);
	n->inl[1] = (uint8_t)v;
	n->inl_len = 2;
}

const char *
bgp_notify_str(uint8_t code, uint8_t subcode)
{
	static const char *const hdr[] = { "Message Header Error",
		"Connection Not Synchronized", "Bad Message Length", "Bad Message Type" };
	static const char *const open[] = { "OPEN Message Error", "Unsupported Version Number",
		"Bad Peer AS", "Bad BGP Identifier", "Unsupported Optional Parameter", NULL,
		"Unacceptable Hold Time", "Unsupported Capability", NULL, NULL, NULL,
		"Role Mismatch" };
	static const char *const upd[] = { "UPDATE Message Error", "Malformed Attribute List",
		"Unrecognized Well-known Attribute", "Missing Well-known Attribute",
		"Attribute Flags Error", "Attribute Length Error", "Invalid ORIGIN Attribute",
		NULL, "Invalid NEXT_HOP Attribute", "Optional Attribute Error",
		"Invalid Network Field", "Malformed AS_PATH" };
	static const char *const fsm[] = { "Finite State Machine Error",
		"Unexpected Message in OpenSent", "Unexpected Message in OpenConfirm",
		"Unexpected Message in Established" };
	static const char *const cease[] = { "Cease", "Maximum Number of Prefixes Reached",
		"Administrative Shutdown", "Peer De-configured", "Administrative Reset",
		"Connection Rejected", "Other Configuration Change",
		"Connection Collision Resolution", "Out of Resources", "Hard Reset",
		"BFD Down" };
	static const char *const rr[] = { "ROUTE-REFRESH Message Error",
		"Invalid Message Length" };
	const char *const	*t;
	size_t			 n;

#define TBL(x) (t = (x), n = sizeof(x) / sizeof((x)[0]))
	switch (code) {
	case BGP_ERR_HEADER:
		TBL(hdr);
		break;
	case BGP_ERR_OPEN:
		TBL(open);
		break;
	case BGP_ERR_UPDATE:
		TBL(upd);
		break;
	case BGP_ERR_HOLD:
		return "Hold Timer Expired";
	case BGP_ERR_FSM:
		TBL(fsm);
		break;
	case BGP_ERR_CEASE:
		TBL(cease);
		break;
	case BGP_ERR_ROUTE_REFRESH:
		TBL(rr);
		break;
	default:
		return "Unknown Error";
	}
#undef TBL
	if (subcode < n && t[subcode] != NULL)
		return subcode == 0 ? t[0] : t[subcode];
	return t[0];
}

void
bgp_notify_set_shutdown(struct bgp_notify *n, uint8_t subcode, const char *text, uint8_t *buf,
    size_t buflen)
{
	size_t len = text ? strlen(text) : 0;

	bgp_notify_set(n, BGP_ERR_CEASE, subcode);
	if (buflen < 2 || len == 0)
		return;
	if (len > 255)
		len = 255;
	if (len > buflen - 1)
		len = buflen - 1;
	/* RFC 9003 2: never cut a UTF-8 sequence in half */
	while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
		len--;
	buf[0] = (uint8_t)len;
	memcpy(buf + 1, text, len);
	n->data = buf;
	n->data_len = len + 1;
}

int
bgp_notify_shutdown_msg(const struct bgp_notify *n, char *buf, size_t len)
{
	struct wire_rd r = wire_rd_init(n->data, n->data_len);
	uint8_t	       slen, ch;
	size_t	       i;

	if (len == 0)
		return -ENOENT;
	buf[0] = '\0';
	/* RFC 9003 2: Administrative Shutdown / Reset carry length + UTF-8 */
	if (n->code != BGP_ERR_CEASE ||
	    (n->subcode != BGP_ERR_CEASE_SHUTDOWN && n->subcode != BGP_ERR_CEASE_RESET))
		return -ENOENT;
	if (!wire_get_u8(&r, &slen) || slen == 0 || wire_left(&r) < slen)
		return -ENOENT;
	for (i = 0; i < slen && i + 1 < len; i++) {
		(void)wire_get_u8(&r, &ch);
		buf[i] = (ch >= 0x20 && ch != 0x7f) ? (char)ch : '?';
	}
	buf[i] = '\0';
	return 0;
}

/* --- Header --- */

int
bgp_hdr_decode(struct wire_rd *r, size_t max_len, struct bgp_hdr *h, struct bgp_notify *n)
{
	struct wire_rd c = *r;
	uint8_t	       marker[BGP_MARKER_LEN];
	size_t	       min;

	if (wire_left(&c) < BGP_HDR_LEN)
		return -EAGAIN;
	(void)(wire_get_bytes(&c, marker, sizeof(marker)) && wire_get_u16(&c, &h->len) &&
	    wire_get_u8(&c, &h->type));
	*r = c;
	for (size_t i = 0; i < sizeof(marker); i++) {
		if (marker[i] != 0xff) {
			bgp_notify_set(n, BGP_ERR_HEADER, BGP_ERR_HDR_SYNC);
			return -EBADMSG;
		}
	}
	switch (h->type) { /* RFC 4271 6.1 */
	case BGP_MSG_OPEN:
		min = 29;
		break;
	case BGP_MSG_UPDATE:
		min = 23;
		break;
	case BGP_MSG_NOTIFICATION:
		min = 21;
		break;
	case BGP_MSG_KEEPALIVE:
		min = 19;
		break;
	case BGP_MSG_ROUTE_REFRESH:
		min = 23;
		break;
	default:
		bgp_notify_set(n, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE);
		n->inl[0] = h->type;
		n->inl_len = 1;
		return -EBADMSG;
	}
	if (h->len < min || h->len > max_len ||
	    (h->type == BGP_MSG_KEEPALIVE && h->len != BGP_HDR_LEN)) {
		bgp_notify_set(n, BGP_ERR_HEADER, BGP_ERR_HDR_LEN);
		notify_inl16(n, h->len);
		return -EBADMSG;
	}
	/* RFC 8654 5: OPEN and KEEPALIVE never exceed 4096 */
	if (h->type == BGP_MSG_OPEN && h->len > BGP_MAX_MSG) {
		bgp_notify_set(n, BGP_ERR_HEADER, BGP_ERR_HDR_LEN);
		notify_inl16(n, h->len);
		return -EBADMSG;
	}
	return 0;
}

int
bgp_msg_frame(struct wire_rd *stream, size_t max_len, struct bgp_hdr *h, struct wire_rd *body,
    struct bgp_notify *n)
{
	struct wire_rd c = *stream;
	int	       rc;

	rc = bgp_hdr_decode(&c, max_len, h, n);
	if (rc < 0)
		return rc;
	if (!wire_get_sub(&c, (size_t)h->len - BGP_HDR_LEN, body))
		return -EAGAIN;
	*stream = c;
	return 0;
}

size_t
bgp_msg_begin(struct wire_wr *w, uint8_t type)
{
	size_t	start = wire_wr_len(w);
	uint8_t marker[BGP_MARKER_LEN];

	memset(marker, 0xff, sizeof(marker));
	wire_put_bytes(w, marker, sizeof(marker));
	wire_put_u16(w, 0);
	wire_put_u8(w, type);
	return start;
}

void
bgp_msg_finish(struct wire_wr *w, size_t start)
{
	size_t len = wire_wr_len(w) - start;

	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	wire_patch_u16(w, start + BGP_MARKER_LEN, (uint16_t)len);
}

/* --- OPEN --- */

static int
open_cap(struct bgp_caps *caps, uint8_t code, struct wire_rd v)
{
	uint16_t afi, gr;
	uint8_t	 res, safi, fl;

	switch (code) {
	case BGP_CAP_MP: /* RFC 4760 8 */
		if (!wire_get_u16(&v, &afi) || !wire_get_u8(&v, &res) ||
		    !wire_get_u8(&v, &safi) || !wire_empty(&v))
			return -EBADMSG;
		caps->mp_seen = true;
		if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
			caps->mp_ipv4 = true;
		else if (afi == BGP_AFI_IPV6 && safi == BGP_SAFI_UNICAST)
			caps->mp_ipv6 = true;
		return 0;
	case BGP_CAP_ROUTE_REFRESH:
	case BGP_CAP_RR_OLD:
		caps->route_refresh = true;
		return 0;
	case BGP_CAP_ENHANCED_RR:
		caps->enhanced_rr = true;
		return 0;
	case BGP_CAP_EXT_MSG:
		if (!wire_empty(&v))
			return -EBADMSG;
		caps->ext_msg = true;
		return 0;
	case BGP_CAP_AS4: /* RFC 6793 3 */
		if (!wire_get_u32(&v, &caps->as4_asn) || !wire_empty(&v))
			return -EBADMSG;
		caps->as4 = true;
		return 0;
	case BGP_CAP_GR: /* RFC 4724 3 */
		if (!wire_get_u16(&v, &gr) || wire_left(&v) % 4 != 0)
			return -EBADMSG;
		caps->gr = true;
		caps->gr_flags = (uint8_t)(gr >> 12);
		caps->gr_time = gr & 0x0fff;
		caps->gr_af_count = 0;
		while (wire_get_u16(&v, &afi) && wire_get_u8(&v, &safi) &&
		    wire_get_u8(&v, &fl)) {
			if (caps->gr_af_count == BGP_GR_MAX_AF)
				continue; /* families we never negotiate */
			caps->gr_af[caps->gr_af_count].afi = afi;
			caps->gr_af[caps->gr_af_count].safi = safi;
			caps->gr_af[caps->gr_af_count].flags = fl;
			caps->gr_af_count++;
		}
		return 0;
	default: /* RFC 5492 3: unknown capabilities are ignored */
		if (caps->unknown_count++ == 0)
			caps->unknown_first = code;
		return 0;
	}
}

int
bgp_open_decode(struct wire_rd body, struct bgp_open *o, struct bgp_notify *n)
{
	struct wire_rd opts, param, cap;
	uint8_t	       optlen8, ptype, pl8, ccode, clen, peek;
	uint16_t       optlen, pl;
	bool	       ext = false;

	memset(o, 0, sizeof(*o));
	bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_UNSPEC);
	if (!wire_get_u8(&body, &o->version))
		return -EBADMSG;
	/* RFC 4271 6.2: the version is judged first, whatever follows */
	if (o->version != BGP_VERSION) {
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION);
		notify_inl16(n, BGP_VERSION);
		return -EBADMSG;
	}
	if (!wire_get_u16(&body, &o->my_as) || !wire_get_u16(&body, &o->hold_time) ||
	    !wire_get_u32(&body, &o->bgp_id) || !wire_get_u8(&body, &optlen8))
		return -EBADMSG;
	optlen = optlen8;
	/* RFC 9072 2: extended optional parameters length */
	if (optlen8 == 255 && wire_peek_u8(&body, &peek) && peek == 255) {
		(void)wire_get_u8(&body, &peek);
		if (!wire_get_u16(&body, &optlen))
			return -EBADMSG;
		ext = true;
	}
	if (!wire_get_sub(&body, optlen, &opts) || !wire_empty(&body))
		return -EBADMSG;
	while (!wire_empty(&opts)) {
		if (!wire_get_u8(&opts, &ptype))
			return -EBADMSG;
		if (ext) {
			if (!wire_get_u16(&opts, &pl))
				return -EBADMSG;
		} else {
			if (!wire_get_u8(&opts, &pl8))
				return -EBADMSG;
			pl = pl8;
		}
		if (!wire_get_sub(&opts, pl, &param))
			return -EBADMSG;
		if (ptype != 2) { /* RFC 5492 4: only capabilities */
			bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_OPTPARAM);
			return -EBADMSG;
		}
		while (!wire_empty(&param)) {
			if (!wire_get_u8(&param, &ccode) || !wire_get_u8(&param, &clen) ||
			    !wire_get_sub(&param, clen, &cap) ||
			    open_cap(&o->caps, ccode, cap) < 0)
				return -EBADMSG;
		}
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLDTIME);
		return -EBADMSG;
	}
	if (o->bgp_id == 0) { /* RFC 6286 2.2 */
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_BGPID);
		return -EBADMSG;
	}
	o->asn = o->caps.as4 ? o->caps.as4_asn : o->my_as;
	if (o->my_as == 0 || o->asn == 0) { /* RFC 7607 */
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS);
		return -EBADMSG;
	}
	memset(n, 0, sizeof(*n));
	return 0;
}

int
bgp_open_check(const struct bgp_open *o, uint32_t expected_as, uint32_t local_as,
    uint32_t local_id, const struct bgp_caps *want, struct bgp_notify *n)
{
	bool v4 = o->caps.mp_seen ? o->caps.mp_ipv4 : true;

	if (expected_as != 0 && o->asn != expected_as) {
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS);
		return -EBADMSG;
	}
	if (o->bgp_id == local_id && o->asn == local_as) {
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_BGPID);
		return -EBADMSG;
	}
	if (want != NULL && !(want->mp_ipv4 && v4) && !(want->mp_ipv6 && o->caps.mp_ipv6) &&
	    (want->mp_ipv4 || want->mp_ipv6)) {
		/* RFC 5492 5: the capability we needed, as data */
		bgp_notify_set(n, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY);
		n->inl[0] = BGP_CAP_MP;
		n->inl[1] = 4;
		n->inl[2] = 0;
		n->inl[3] = want->mp_ipv4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
		n->inl[4] = 0;
		n->inl[5] = BGP_SAFI_UNICAST;
		n->inl_len = 6;
		return -EBADMSG;
	}
	return 0;
}

static void
open_put_cap_mp(struct wire_wr *w, uint16_t afi)
{
	wire_put_u8(w, BGP_CAP_MP);
	wire_put_u8(w, 4);
	wire_put_u16(w, afi);
	wire_put_u8(w, 0);
	wire_put_u8(w, BGP_SAFI_UNICAST);
}

int
bgp_open_encode(struct wire_wr *w, const struct bgp_open *o)
{
	const struct bgp_caps *c = &o->caps;
	size_t		       start, optlen, plen;

	start = bgp_msg_begin(w, BGP_MSG_OPEN);
	wire_put_u8(w, BGP_VERSION);
	wire_put_u16(w, o->asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o->asn);
	wire_put_u16(w, o->hold_time);
	wire_put_u32(w, o->bgp_id);
	optlen = wire_mark_len8(w);
	wire_put_u8(w, 2); /* one Capabilities parameter holds them all */
	plen = wire_mark_len8(w);
	if (c->mp_ipv4)
		open_put_cap_mp(w, BGP_AFI_IPV4);
	if (c->mp_ipv6)
		open_put_cap_mp(w, BGP_AFI_IPV6);
	if (c->route_refresh) {
		wire_put_u8(w, BGP_CAP_ROUTE_REFRESH);
		wire_put_u8(w, 0);
	}
	if (c->enhanced_rr) {
		wire_put_u8(w, BGP_CAP_ENHANCED_RR);
		wire_put_u8(w, 0);
	}
	if (c->ext_msg) {
		wire_put_u8(w, BGP_CAP_EXT_MSG);
		wire_put_u8(w, 0);
	}
	if (c->gr) {
		size_t at;

		wire_put_u8(w, BGP_CAP_GR);
		at = wire_mark_len8(w);
		wire_put_u16(w, (uint16_t)((c->gr_flags & 0xf) << 12 | (c->gr_time & 0x0fff)));
		for (unsigned i = 0; i < c->gr_af_count && i < BGP_GR_MAX_AF; i++) {
			wire_put_u16(w, c->gr_af[i].afi);
			wire_put_u8(w, c->gr_af[i].safi);
			wire_put_u8(w, c->gr_af[i].flags);
		}
		wire_patch_len8(w, at);
	}
	if (c->as4) {
		wire_put_u8(w, BGP_CAP_AS4);
		wire_put_u8(w, 4);
		wire_put_u32(w, o->asn);
	}
	wire_patch_len8(w, plen);
	wire_patch_len8(w, optlen);
	bgp_msg_finish(w, start);
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

void
bgp_neg_init(struct bgp_neg *neg, const struct bgp_caps *local, uint16_t local_hold,
    const struct bgp_open *peer, uint32_t local_as)
{
	const struct bgp_caps *pc = &peer->caps;

	memset(neg, 0, sizeof(*neg));
	neg->as4 = local->as4 && pc->as4;
	neg->ext_msg = local->ext_msg && pc->ext_msg; /* RFC 8654 3 */
	/* RFC 4760 8: a peer without any MP capability speaks IPv4 unicast */
	neg->ipv4 = local->mp_ipv4 && (pc->mp_seen ? pc->mp_ipv4 : true);
	neg->ipv6 = local->mp_ipv6 && pc->mp_ipv6;
	neg->route_refresh = local->route_refresh && pc->route_refresh;
	neg->enhanced_rr = local->enhanced_rr && pc->enhanced_rr;
	neg->gr = pc->gr;
	neg->local_as = local_as;
	neg->peer_as = peer->asn;
	neg->ebgp = peer->asn != local_as;
	neg->enforce_first_as = neg->ebgp;
	neg->hold_time = peer->hold_time < local_hold ? peer->hold_time : local_hold;
}

/* --- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH --- */

int
bgp_keepalive_encode(struct wire_wr *w)
{
	bgp_msg_finish(w, bgp_msg_begin(w, BGP_MSG_KEEPALIVE));
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

int
bgp_notify_decode(struct wire_rd body, struct bgp_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (!wire_get_u8(&body, &n->code) || !wire_get_u8(&body, &n->subcode))
		return -EBADMSG;
	n->data = body.p;
	n->data_len = wire_left(&body);
	return 0;
}

int
bgp_notify_encode(struct wire_wr *w, const struct bgp_notify *n, size_t max_len)
{
	size_t start, room, dlen = n->data_len;

	if (max_len > BGP_MAX_EXT_MSG)
		max_len = BGP_MAX_EXT_MSG;
	room = max_len > (size_t)BGP_HDR_LEN + 2 + n->inl_len ?
	    max_len - BGP_HDR_LEN - 2 - n->inl_len :
	    0;
	if (dlen > room)
		dlen = room;
	start = bgp_msg_begin(w, BGP_MSG_NOTIFICATION);
	wire_put_u8(w, n->code);
	wire_put_u8(w, n->subcode);
	wire_put_bytes(w, n->inl, n->inl_len < sizeof(n->inl) ? n->inl_len : sizeof(n->inl));
	if (n->data != NULL)
		wire_put_bytes(w, n->data, dlen);
	bgp_msg_finish(w, start);
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

int
bgp_rr_decode(struct wire_rd body, struct bgp_rr *rr, struct bgp_notify *n)
{
	struct wire_rd all = body;

	if (!wire_get_u16(&body, &rr->afi) || !wire_get_u8(&body, &rr->subtype) ||
	    !wire_get_u8(&body, &rr->safi) ||
	    (rr->subtype != BGP_RR_NORMAL && !wire_empty(&body))) {
		/* RFC 7313 5 */
		bgp_notify_set(n, BGP_ERR_ROUTE_REFRESH, BGP_ERR_RR_LEN);
		n->data = all.p;
		n->data_len = wire_left(&all);
		return -EBADMSG;
	}
	return 0;
}

int
bgp_rr_encode(struct wire_wr *w, const struct bgp_rr *rr)
{
	size_t start = bgp_msg_begin(w, BGP_MSG_ROUTE_REFRESH);

	wire_put_u16(w, rr->afi);
	wire_put_u8(w, rr->subtype);
	wire_put_u8(w, rr->safi);
	bgp_msg_finish(w, start);
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

/* --- NLRI (RFC 4271 4.3, RFC 4760 5) --- */

bool
bgp_nlri_next(struct wire_rd *r, uint8_t family, struct prefix *p)
{
	uint8_t len;
	size_t	nbytes;

	if (!wire_peek_u8(r, &len) || len > prefix_family_bits(family))
		return false;
	nbytes = ((size_t)len + 7) / 8;
	if (wire_left(r) < 1 + nbytes)
		return false;
	(void)wire_skip(r, 1);
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	(void)wire_get_bytes(r, p->bytes, nbytes);
	if (len % 8 != 0) /* trailing bits are irrelevant: mask them */
		p->bytes[nbytes - 1] &= (uint8_t)(0xff << (8 - len % 8));
	return true;
}

bool
bgp_nlri_valid(struct wire_rd r, uint8_t family)
{
	uint8_t	 len;
	unsigned max = prefix_family_bits(family);

	while (wire_get_u8(&r, &len)) {
		if (len > max || !wire_skip(&r, ((size_t)len + 7) / 8))
			return false;
	}
	return true;
}

size_t
bgp_nlri_count(struct wire_rd r, uint8_t family)
{
	struct prefix p;
	size_t	      n = 0;

	while (bgp_nlri_next(&r, family, &p))
		n++;
	return n;
}

/* --- UPDATE decode --- */

static int
update_reset(struct bgp_update *u, uint8_t subcode)
{
	u->action = BGP_UPD_SESSION_RESET;
	bgp_notify_set(&u->notify, BGP_ERR_UPDATE, subcode);
	return -EBADMSG;
}

int
bgp_update_decode(struct wire_rd body, const struct bgp_neg *neg,
    struct bgp_upd_scratch *scratch, struct bgp_update *u)
{
	uint16_t       wdlen, alen;
	struct wire_rd attrs;

	memset(u, 0, sizeof(*u));
	/* RFC 4271 6.3: lengths inconsistent with the message */
	if (!wire_get_u16(&body, &wdlen) || !wire_get_sub(&body, wdlen, &u->withdrawn) ||
	    !wire_get_u16(&body, &alen) || !wire_get_sub(&body, alen, &attrs))
		return update_reset(u, BGP_ERR_UPD_ATTR_LIST);
	u->nlri = body;
	/* RFC 7606 5.3: a bad NLRI field cannot be treated as withdraw */
	if (!bgp_nlri_valid(u->withdrawn, AF_INET) || !bgp_nlri_valid(u->nlri, AF_INET))
		return update_reset(u, BGP_ERR_UPD_NETWORK);
	if (alen == 0) {
		if (!wire_empty(&u->nlri)) { /* RFC 7606 3(d) */
			u->action = BGP_UPD_TREAT_AS_WITHDRAW;
			bgp_notify_set(&u->notify, BGP_ERR_UPDATE, BGP_ERR_UPD_MISSING);
			u->notify.inl[0] = BGP_ATTR_ORIGIN;
			u->notify.inl_len = 1;
			u->err_attr = BGP_ATTR_ORIGIN;
			return 0;
		}
		/* RFC 4724 2: the IPv4 unicast End-of-RIB is the empty UPDATE */
		if (wire_empty(&u->withdrawn))
			u->eor_family = AF_INET;
		return 0;
	}
	bgp_attrs_decode(attrs, !wire_empty(&u->nlri), neg, scratch, u);
	if (u->action == BGP_UPD_SESSION_RESET)
		return -EBADMSG;
	if (u->eor_family != 0 && !wire_empty(&u->withdrawn))
		u->eor_family = 0;
	return 0;
}

/* --- UPDATE encode --- */

static void
upd_put_afi(struct wire_wr *w, uint8_t family)
{
	wire_put_u16(w, family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4);
	wire_put_u8(w, BGP_SAFI_UNICAST);
}

static void
upd_init(struct bgp_upd_builder *b, void *buf, size_t cap, const struct bgp_neg *neg,
    uint8_t family, bool withdraw)
{
	memset(b, 0, sizeof(*b));
	b->max = bgp_neg_max_msg(neg);
	if (b->max > cap)
		b->max = cap;
	b->w = wire_wr_init(buf, b->max);
	b->family = family;
	b->withdraw = withdraw;
	(void)bgp_msg_begin(&b->w, BGP_MSG_UPDATE);
}

int
bgp_upd_start(struct bgp_upd_builder *b, void *buf, size_t cap, const struct bgp_neg *neg,
    const struct bgp_export *ex, const struct bgp_attrs *attrs, uint8_t family)
{
	static const uint8_t zero16[16];
	const uint8_t	    *nh, *ll = NULL;
	size_t		     nlri_at;

	if ((family == AF_INET && !neg->ipv4) || (family == AF_INET6 && !neg->ipv6) ||
	    (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	upd_init(b, buf, cap, neg, family, false);
	wire_put_u16(&b->w, 0); /* no withdrawn routes */
	b->attr_len_at = wire_mark_len16(&b->w);
	if (family == AF_INET) {
		if (bgp_attrs_encode(&b->w, attrs, neg, ex, family) < 0)
			return -ENOSPC;
		wire_patch_len16(&b->w, b->attr_len_at);
		b->limit = b->max;
		return wire_wr_ok(&b->w) ? 0 : -ENOSPC;
	}

	/* RFC 4760 3 with RFC 2545 3 next hops; MP_REACH_NLRI first (RFC 7606 5.1) */
	nh = ex->nh6;
	if (memcmp(ex->nh6_ll, zero16, 16) != 0)
		ll = ex->nh6_ll;
	if (!neg->ebgp && !ex->nexthop_self && attrs != NULL &&
	    (attrs->flags & BGP_ATTRS_MP_NH)) {
		nh = attrs->nh6_global; /* a link-local means nothing past the link */
		ll = NULL;
	}
	wire_put_u8(&b->w, BGP_AF_OPTIONAL | BGP_AF_EXTLEN);
	wire_put_u8(&b->w, BGP_ATTR_MP_REACH_NLRI);
	b->mp_len_at = wire_mark_len16(&b->w);
	upd_put_afi(&b->w, family);
	wire_put_u8(&b->w, ll ? 32 : 16);
	wire_put_bytes(&b->w, nh, 16);
	if (ll)
		wire_put_bytes(&b->w, ll, 16);
	wire_put_u8(&b->w, 0); /* reserved */
	nlri_at = wire_wr_len(&b->w);
	/* The other attributes follow the growing NLRI: write them here, then
	 * park them at the end of the buffer until bgp_upd_finish(). */
	if (bgp_attrs_encode(&b->w, attrs, neg, ex, family) < 0 || !wire_wr_ok(&b->w))
		return -ENOSPC;
	b->tail_len = wire_wr_len(&b->w) - nlri_at;
	b->tail_at = b->max - b->tail_len;
	memmove(b->w.p + b->tail_at, b->w.p + nlri_at, b->tail_len);
	b->w.off = nlri_at;
	b->limit = b->tail_at;
	return 0;
}

int
bgp_upd_start_withdraw(struct bgp_upd_builder *b, void *buf, size_t cap,
    const struct bgp_neg *neg, uint8_t family)
{
	if ((family == AF_INET && !neg->ipv4) || (family == AF_INET6 && !neg->ipv6) ||
	    (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	upd_init(b, buf, cap, neg, family, true);
	if (family == AF_INET) {
		b->wd_len_at = wire_mark_len16(&b->w);
		b->limit = b->max - 2; /* room for the empty attributes length */
	} else {
		wire_put_u16(&b->w, 0);
		b->attr_len_at = wire_mark_len16(&b->w);
		wire_put_u8(&b->w, BGP_AF_OPTIONAL | BGP_AF_EXTLEN);
		wire_put_u8(&b->w, BGP_ATTR_MP_UNREACH_NLRI);
		b->mp_len_at = wire_mark_len16(&b->w);
		upd_put_afi(&b->w, family);
		b->limit = b->max;
	}
	return wire_wr_ok(&b->w) ? 0 : -ENOSPC;
}

int
bgp_upd_add(struct bgp_upd_builder *b, const struct prefix *p)
{
	size_t nbytes = ((size_t)p->len + 7) / 8;

	if (p->family != b->family || p->len > prefix_family_bits(p->family))
		return -EINVAL;
	if (!wire_wr_ok(&b->w) || wire_wr_len(&b->w) + 1 + nbytes > b->limit)
		return -ENOSPC;
	wire_put_u8(&b->w, p->len);
	wire_put_bytes(&b->w, p->bytes, nbytes);
	b->count++;
	return 0;
}

size_t
bgp_upd_finish(struct bgp_upd_builder *b)
{
	struct wire_wr *w = &b->w;

	if (b->count == 0 || !wire_wr_ok(w))
		return 0;
	if (b->withdraw && b->family == AF_INET) {
		wire_patch_len16(w, b->wd_len_at);
		wire_put_u16(w, 0);
	} else if (b->mp_len_at != 0) {
		wire_patch_len16(w, b->mp_len_at);
		if (b->tail_len > 0) {
			memmove(w->p + w->off, w->p + b->tail_at, b->tail_len);
			w->off += b->tail_len;
		}
		wire_patch_len16(w, b->attr_len_at);
	}
	bgp_msg_finish(w, 0);
	return wire_wr_ok(w) ? wire_wr_len(w) : 0;
}

int
bgp_eor_encode(struct wire_wr *w, uint8_t family)
{
	size_t start = bgp_msg_begin(w, BGP_MSG_UPDATE);

	wire_put_u16(w, 0);
	if (family == AF_INET6) {
		wire_put_u16(w, 6);
		wire_put_u8(w, BGP_AF_OPTIONAL);
		wire_put_u8(w, BGP_ATTR_MP_UNREACH_NLRI);
		wire_put_u8(w, 3);
		upd_put_afi(w, family);
	} else
		wire_put_u16(w, 0);
	bgp_msg_finish(w, start);
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}
