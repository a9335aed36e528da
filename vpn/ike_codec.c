/* vpn/ike_codec.c - RFC 7296 3: table-driven IKEv2 payload chain decoding, and the payload encoder. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_codec.h"

#include <errno.h>
#include <string.h>

#define NITEMS(a)      (sizeof(a) / sizeof((a)[0]))
#define XF_LAST_MORE   3      /* RFC 7296 3.3.2: "Last Substruc" of a transform */
#define PROP_LAST_MORE 2      /* RFC 7296 3.3.1: of a proposal */
#define XF_ATTR_TV     0x8000 /* RFC 7296 3.3.5: Attribute Format bit */

/* ---- decoding ---- */

/*
 * One row per payload type we know. min_len counts the generic header;
 * max is how many one message may carry (inner and outer chains
 * together); last marks SK/SKF, which end the outer chain and never appear
 * inside one. A type without a row is unknown: skipped, or refused when
 * its critical bit is set (RFC 7296 2.5, 3.2).
 */
struct pl_rule {
	uint16_t min_len;
	uint8_t	 max;
	bool	 last;
	enum ike_err (*decode)(struct ike_msg *, uint8_t type, struct wire_rd body);
};

static enum ike_err pl_sa(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_ke(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_id(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_cert(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_auth(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_nonce(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_notify(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_delete(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_vendor(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_ts(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_sk(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_skf(struct ike_msg *, uint8_t, struct wire_rd);
static enum ike_err pl_opaque(struct ike_msg *, uint8_t, struct wire_rd);

/* clang-format off */
static const struct pl_rule pl_rules[64] = {
	[IKE_PL_SA]	 = { 4 + 8, 1, false, pl_sa },	/* one proposal header */
	[IKE_PL_KE]	 = { 4 + 4 + 1, 1, false, pl_ke },
	[IKE_PL_IDI]	 = { 4 + 4 + 1, 1, false, pl_id },
	[IKE_PL_IDR]	 = { 4 + 4 + 1, 1, false, pl_id },
	[IKE_PL_CERT]	 = { 4 + 1 + 1, IKE_MAX_CERT, false, pl_cert },
	[IKE_PL_CERTREQ] = { 4 + 1, IKE_MAX_CERTREQ, false, pl_cert },
	[IKE_PL_AUTH]	 = { 4 + 4 + 1, 1, false, pl_auth },
	[IKE_PL_NONCE]	 = { 4 + IKE_NONCE_MIN, 1, false, pl_nonce },
	[IKE_PL_NOTIFY]	 = { 4 + 4, IKE_MAX_NOTIFY, false, pl_notify },
	[IKE_PL_DELETE]	 = { 4 + 4, IKE_MAX_DELETE, false, pl_delete },
	[IKE_PL_VENDOR]	 = { 4, IKE_MAX_VENDOR, false, pl_vendor },
	[IKE_PL_TSI]	 = { 4 + 4 + 16, 1, false, pl_ts },
	[IKE_PL_TSR]	 = { 4 + 4 + 16, 1, false, pl_ts },
	[IKE_PL_SK]	 = { 4 + 1, 1, true, pl_sk },
	[IKE_PL_CP]	 = { 4 + 4, 1, false, pl_opaque },
	[IKE_PL_EAP]	 = { 4 + 4, 1, false, pl_opaque },
	[IKE_PL_SKF]	 = { 4 + 4 + 1, 1, true, pl_skf },
};
/* clang-format on */

enum ike_err
ike_hdr_decode(struct wire_rd d, struct ike_hdr *h)
{
	size_t total = wire_left(&d);

	memset(h, 0, sizeof(*h));
	if (!wire_get_u64(&d, &h->ispi) || !wire_get_u64(&d, &h->rspi) ||
	    !wire_get_u8(&d, &h->next) || !wire_get_u8(&d, &h->version) ||
	    !wire_get_u8(&d, &h->exchange) || !wire_get_u8(&d, &h->flags) ||
	    !wire_get_u32(&d, &h->msgid) || !wire_get_u32(&d, &h->length))
		return IKE_ERR_DROP;
	/* A datagram whose length field disagrees was cut or padded on the
	 * way: nothing in it can be trusted enough to answer (RFC 7296 3.1). */
	if (h->length != total)
		return IKE_ERR_DROP;
	if ((h->version >> 4) != (IKE_VERSION_2 >> 4)) /* RFC 7296 2.5 */
		return IKE_ERR_MAJOR_VERSION;
	if (h->ispi == 0) /* RFC 7296 3.1 */
		return IKE_ERR_DROP;
	return IKE_OK;
}

static enum ike_err
ike_chain_decode(struct ike_msg *m, uint8_t next, struct wire_rd b, bool inner)
{
	while (next != IKE_PL_NONE) {
		const struct pl_rule *r;
		struct wire_rd	      body;
		uint8_t		      type = next, flags;
		uint16_t	      len;
		enum ike_err	      err;

		if (!wire_get_u8(&b, &next) || !wire_get_u8(&b, &flags) ||
		    !wire_get_u16(&b, &len) || len < IKE_PL_HDR_LEN ||
		    !wire_get_sub(&b, len - IKE_PL_HDR_LEN, &body))
			return IKE_ERR_SYNTAX;
		r = type < NITEMS(pl_rules) ? &pl_rules[type] : NULL;
		if (r == NULL || r->decode == NULL) {
			/* RFC 7296 2.5: the critical bit only matters for
			 * types we do not know; known ones ignore it. */
			if (flags & IKE_PL_FLAG_CRITICAL) {
				m->err_payload = type;
				return IKE_ERR_UNSUPPORTED_CRITICAL;
			}
			continue;
		}
		if (len < r->min_len || m->count[type] >= r->max || (r->last && inner))
			return IKE_ERR_SYNTAX;
		if ((err = r->decode(m, type, body)) != IKE_OK)
			return err;
		m->count[type]++;
		if (r->last) {
			/* RFC 7296 3.14, RFC 7383 2.5: the next-payload field
			 * names the first inner payload (only in fragment 1),
			 * and nothing may follow the encrypted payload. */
			m->sk.first = m->sk.frag_num == 1 ? next : IKE_PL_NONE;
			return wire_empty(&b) ? IKE_OK : IKE_ERR_SYNTAX;
		}
	}
	return wire_empty(&b) ? IKE_OK : IKE_ERR_SYNTAX;
}

enum ike_err
ike_msg_decode(struct wire_rd dgram, struct ike_msg *m)
{
	struct wire_rd b = dgram;
	enum ike_err   err;

	memset(m, 0, sizeof(*m));
	m->raw = dgram;
	if ((err = ike_hdr_decode(dgram, &m->hdr)) != IKE_OK)
		return err;
	(void)wire_skip(&b, IKE_HDR_LEN);
	return ike_chain_decode(m, m->hdr.next, b, false);
}

enum ike_err
ike_msg_decode_inner(struct ike_msg *m, uint8_t first, struct wire_rd inner)
{
	if (m->inner_done)
		return IKE_ERR_SYNTAX;
	m->inner_done = true;
	return ike_chain_decode(m, first, inner, true);
}

/* Read an n-byte SPI (n <= 8) into a host-order integer. */
static bool
get_spi(struct wire_rd *r, uint8_t n, uint64_t *spi)
{
	uint8_t b;

	*spi = 0;
	for (uint8_t i = 0; i < n; i++) {
		if (!wire_get_u8(r, &b))
			return false;
		*spi = *spi << 8 | b;
	}
	return true;
}

/* RFC 7296 3.3.5: attributes of one transform. Only Key Length (TV) is
 * defined for IKEv2; anything else marks the transform unselectable. */
static enum ike_err
sa_attrs_decode(struct wire_rd t, struct ike_xform_pl *x)
{
	while (!wire_empty(&t)) {
		uint16_t at, av;

		if (!wire_get_u16(&t, &at) || !wire_get_u16(&t, &av))
			return IKE_ERR_SYNTAX;
		if ((at & ~XF_ATTR_TV) == IKE_XF_ATTR_KEY_LENGTH) {
			/* TV only, once, and a zero-bit key means nothing */
			if (!(at & XF_ATTR_TV) || x->keylen != 0 || av == 0)
				return IKE_ERR_SYNTAX;
			x->keylen = av;
			continue;
		}
		if (!(at & XF_ATTR_TV) && !wire_skip(&t, av))
			return IKE_ERR_SYNTAX;
		x->unknown_attr = true;
	}
	return IKE_OK;
}

static enum ike_err
sa_prop_decode(struct wire_rd p, struct ike_sa_pl *sa, struct ike_prop_pl *pp)
{
	uint8_t ntf;

	if (!wire_get_u8(&p, &pp->num) || !wire_get_u8(&p, &pp->proto) ||
	    !wire_get_u8(&p, &pp->spi_size) || !wire_get_u8(&p, &ntf))
		return IKE_ERR_SYNTAX;
	/* RFC 7296 3.3.1: numbered from 1, each one more than the one
	 * before (an answer carries the single number it chose). */
	if (pp->num == 0 || (sa->nprop > 0 && pp->num != sa->prop[sa->nprop - 1].num + 1))
		return IKE_ERR_SYNTAX;
	switch (pp->proto) {
	case IPSEC_PROTO_IKE: /* 0 in IKE_SA_INIT, 8 when rekeying */
		if (pp->spi_size != 0 && pp->spi_size != 8)
			return IKE_ERR_SYNTAX;
		break;
	case IPSEC_PROTO_AH:
	case IPSEC_PROTO_ESP:
		if (pp->spi_size != 4)
			return IKE_ERR_SYNTAX;
		break;
	default: /* kept, never selected */
		if (pp->spi_size > 8)
			return IKE_ERR_SYNTAX;
		break;
	}
	if (!get_spi(&p, pp->spi_size, &pp->spi) || ntf == 0)
		return IKE_ERR_SYNTAX;
	pp->first = sa->nxf;
	pp->nxf = ntf;
	for (unsigned i = 0; i < ntf; i++) {
		struct ike_xform_pl *x;
		struct wire_rd	     t;
		uint8_t		     more, resv8;
		uint16_t	     tlen;
		enum ike_err	     err;

		if (sa->nxf >= IKE_MAX_XFORMS)
			return IKE_ERR_SYNTAX;
		x = &sa->xf[sa->nxf];
		memset(x, 0, sizeof(*x));
		if (!wire_get_u8(&p, &more) || !wire_get_u8(&p, &resv8) ||
		    !wire_get_u16(&p, &tlen) || tlen < 8 || !wire_get_sub(&p, tlen - 4, &t) ||
		    more != (i + 1 < ntf ? XF_LAST_MORE : 0) || !wire_get_u8(&t, &x->type) ||
		    !wire_get_u8(&t, &resv8) || !wire_get_u16(&t, &x->id))
			return IKE_ERR_SYNTAX;
		if ((err = sa_attrs_decode(t, x)) != IKE_OK)
			return err;
		sa->nxf++;
	}
	/* the transform count must account for every byte */
	return wire_empty(&p) ? IKE_OK : IKE_ERR_SYNTAX;
}

enum ike_err
ike_sa_decode(struct wire_rd b, struct ike_sa_pl *sa)
{
	sa->nprop = 0;
	sa->nxf = 0;
	if (wire_empty(&b))
		return IKE_ERR_SYNTAX;
	while (!wire_empty(&b)) {
		struct wire_rd p;
		uint8_t	       more, resv;
		uint16_t       plen;
		enum ike_err   err;

		if (sa->nprop >= IKE_MAX_PROPOSALS || !wire_get_u8(&b, &more) ||
		    !wire_get_u8(&b, &resv) || !wire_get_u16(&b, &plen) || plen < 8 ||
		    !wire_get_sub(&b, plen - 4, &p))
			return IKE_ERR_SYNTAX;
		/* "Last Substruc": 2 while more follow, 0 on the last */
		if (more != (wire_empty(&b) ? 0 : PROP_LAST_MORE))
			return IKE_ERR_SYNTAX;
		if ((err = sa_prop_decode(p, sa, &sa->prop[sa->nprop])) != IKE_OK)
			return err;
		sa->nprop++;
	}
	return IKE_OK;
}

static enum ike_err
pl_sa(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	return ike_sa_decode(b, &m->sa);
}

static enum ike_err
pl_ke(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	uint16_t resv;

	if (!wire_get_u16(&b, &m->ke.group) || !wire_get_u16(&b, &resv))
		return IKE_ERR_SYNTAX;
	m->ke.data = b; /* length is checked against the group by DH */
	return IKE_OK;
}

static enum ike_err
pl_id(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	struct ike_id_pl *id = type == IKE_PL_IDI ? &m->idi : &m->idr;

	id->body = b;
	if (!wire_get_u8(&b, &id->type) || !wire_skip(&b, 3) || wire_empty(&b))
		return IKE_ERR_SYNTAX;
	id->data = b;
	return IKE_OK;
}

static enum ike_err
pl_cert(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	struct ike_cert_pl *c;

	if (type == IKE_PL_CERT) {
		c = &m->cert[m->count[type]];
		m->ncert = m->count[type] + 1;
	} else {
		c = &m->certreq[m->count[type]];
		m->ncertreq = m->count[type] + 1;
	}
	if (!wire_get_u8(&b, &c->encoding))
		return IKE_ERR_SYNTAX;
	c->data = b; /* a CERTREQ may name no CA (RFC 7296 3.7) */
	return IKE_OK;
}

static enum ike_err
pl_auth(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	if (!wire_get_u8(&b, &m->auth.method) || !wire_skip(&b, 3) || wire_empty(&b))
		return IKE_ERR_SYNTAX;
	m->auth.data = b;
	return IKE_OK;
}

static enum ike_err
pl_nonce(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	/* RFC 7296 3.9 (and 2.10 for the sender's half-the-PRF-key rule) */
	if (wire_left(&b) < IKE_NONCE_MIN || wire_left(&b) > IKE_NONCE_MAX)
		return IKE_ERR_SYNTAX;
	m->nonce = b;
	return IKE_OK;
}

static enum ike_err
pl_notify(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	struct ike_notify_pl *n = &m->notify[m->count[type]];

	m->nnotify = m->count[type] + 1;
	if (!wire_get_u8(&b, &n->proto) || !wire_get_u8(&b, &n->spi_size) ||
	    !wire_get_u16(&b, &n->type) || !wire_get_sub(&b, n->spi_size, &n->spi))
		return IKE_ERR_SYNTAX;
	n->data = b;
	return IKE_OK;
}

static enum ike_err
pl_delete(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	struct ike_delete_pl *d = &m->del[m->count[type]];

	m->ndelete = m->count[type] + 1;
	if (!wire_get_u8(&b, &d->proto) || !wire_get_u8(&b, &d->spi_size) ||
	    !wire_get_u16(&b, &d->nspi))
		return IKE_ERR_SYNTAX;
	switch (d->proto) {
	case IPSEC_PROTO_IKE: /* RFC 7296 3.11: the SPIs are in the header */
		if (d->spi_size != 0 || d->nspi != 0)
			return IKE_ERR_SYNTAX;
		break;
	case IPSEC_PROTO_AH:
	case IPSEC_PROTO_ESP:
		if (d->spi_size != 4 || d->nspi == 0)
			return IKE_ERR_SYNTAX;
		break;
	default:
		return IKE_ERR_SYNTAX;
	}
	if (!wire_get_sub(&b, (size_t)d->nspi * d->spi_size, &d->spis) || !wire_empty(&b))
		return IKE_ERR_SYNTAX;
	return IKE_OK;
}

static enum ike_err
pl_vendor(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	m->vendor[m->count[type]] = b;
	m->nvendor = m->count[type] + 1;
	return IKE_OK;
}

/* RFC 7296 3.13.1: one selector; false if malformed. Types other than the
 * two address ranges are skipped (set *known false). */
static bool
ts_decode(struct wire_rd *b, struct ike_ts *ts, bool *known)
{
	struct wire_rd s;
	uint16_t       slen;
	size_t	       alen;

	memset(ts, 0, sizeof(*ts));
	if (!wire_get_u8(b, &ts->type) || !wire_get_u8(b, &ts->ipproto) ||
	    !wire_get_u16(b, &slen) || slen < 4 || !wire_get_sub(b, slen - 4, &s))
		return false;
	switch (ts->type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		alen = 4;
		break;
	case IKE_TS_IPV6_ADDR_RANGE:
		alen = 16;
		break;
	default:
		*known = false;
		return true;
	}
	*known = true;
	if (slen != 8 + 2 * alen || !wire_get_u16(&s, &ts->sport) ||
	    !wire_get_u16(&s, &ts->eport) || !wire_get_bytes(&s, ts->start, alen) ||
	    !wire_get_bytes(&s, ts->end, alen))
		return false;
	/* big-endian bytes compare as the numbers they are */
	if (memcmp(ts->start, ts->end, alen) > 0)
		return false;
	/* start > end only as OPAQUE (65535, 0), RFC 7296 3.13.1 */
	if (ts->sport > ts->eport && !(ts->sport == 65535 && ts->eport == 0))
		return false;
	return true;
}

static enum ike_err
pl_ts(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	struct ike_ts_pl *tp = type == IKE_PL_TSI ? &m->tsi : &m->tsr;
	uint8_t		  n;

	tp->n = tp->skipped = 0;
	if (!wire_get_u8(&b, &n) || !wire_skip(&b, 3) || n == 0 || n > IKE_MAX_TS)
		return IKE_ERR_SYNTAX;
	for (unsigned i = 0; i < n; i++) {
		bool known;

		if (!ts_decode(&b, &tp->ts[tp->n], &known))
			return IKE_ERR_SYNTAX;
		if (known)
			tp->n++;
		else
			tp->skipped++;
	}
	return wire_empty(&b) ? IKE_OK : IKE_ERR_SYNTAX;
}

static enum ike_err
pl_sk(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	if (m->count[IKE_PL_SKF] > 0)
		return IKE_ERR_SYNTAX;
	m->sk.frag_num = m->sk.frag_total = 1;
	m->sk.body = b;
	return IKE_OK;
}

static enum ike_err
pl_skf(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	if (m->count[IKE_PL_SK] > 0 || !wire_get_u16(&b, &m->sk.frag_num) ||
	    !wire_get_u16(&b, &m->sk.frag_total) || wire_empty(&b))
		return IKE_ERR_SYNTAX;
	/* RFC 7383 2.6: impossible numbering is discarded, not answered */
	if (m->sk.frag_num == 0 || m->sk.frag_total == 0 || m->sk.frag_num > m->sk.frag_total)
		return IKE_ERR_DROP;
	m->sk.body = b;
	return IKE_OK;
}

static enum ike_err
pl_opaque(struct ike_msg *m, uint8_t type, struct wire_rd b)
{
	if (type == IKE_PL_CP)
		m->cp = b;
	else
		m->eap = b;
	return IKE_OK;
}

const struct ike_notify_pl *
ike_msg_notify(const struct ike_msg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}

const struct ike_notify_pl *
ike_msg_notify_error(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type >= 1 && m->notify[i].type <= IKE_N_ERROR_MAX)
			return &m->notify[i];
	return NULL;
}

/* ---- encoding ---- */

/* Patch the 2-byte length at at + 2 with the bytes written since at (the
 * generic payload header, proposals, transforms and selectors all carry
 * their length there, counting themselves). */
static void
len_patch(struct wire_wr *w, size_t at)
{
	size_t n;

	if (w->overflow)
		return;
	n = w->off - at;
	if (n > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	wire_patch_u16(w, at + 2, (uint16_t)n);
}

void
ike_enc_init(struct ike_enc *e, struct wire_wr *w, const struct ike_hdr *h)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	e->start = w->off;
	wire_put_u64(w, h->ispi);
	wire_put_u64(w, h->rspi);
	e->np_at = w->off;
	e->np_lo = h->version != 0 ? h->version : IKE_VERSION_2;
	wire_put_u8(w, IKE_PL_NONE);
	wire_put_u8(w, e->np_lo);
	wire_put_u8(w, h->exchange);
	wire_put_u8(w, h->flags);
	wire_put_u32(w, h->msgid);
	wire_put_u32(w, 0); /* length, patched at the end */
}

/* Start a payload: link it from the previous next-payload field, write a
 * generic header with next = NONE and length 0; returns its offset. */
static size_t
pl_open(struct ike_enc *e, uint8_t type, bool critical)
{
	struct wire_wr *w = e->w;
	size_t		at = w->off;
	uint8_t		flags = critical ? IKE_PL_FLAG_CRITICAL : 0;

	/* an SKF body is raw bytes; payloads cannot be chained after it */
	if (e->in_sk && e->sk_type == IKE_PL_SKF)
		e->failed = true;
	/* The next-payload byte is followed by one we wrote ourselves (the
	 * version or the flags), so one u16 patch rewrites both. */
	wire_patch_u16(w, e->np_at, (uint16_t)(type << 8 | e->np_lo));
	e->np_at = at;
	e->np_lo = flags;
	wire_put_u8(w, IKE_PL_NONE);
	wire_put_u8(w, flags);
	wire_put_u16(w, 0);
	return at;
}

static void
pl_close(struct ike_enc *e, size_t at)
{
	len_patch(e->w, at);
}

static void
put_spi(struct wire_wr *w, uint64_t spi, uint8_t size)
{
	for (int i = size - 1; i >= 0; i--)
		wire_put_u8(w, (uint8_t)(spi >> (8 * i)));
}

void
ike_enc_sa(struct ike_enc *e, const struct ike_sa_pl *sa)
{
	struct wire_wr *w = e->w;
	size_t		at = pl_open(e, IKE_PL_SA, false);

	if (sa->nprop == 0 || sa->nprop > IKE_MAX_PROPOSALS)
		e->failed = true;
	for (unsigned i = 0; i < sa->nprop && i < IKE_MAX_PROPOSALS; i++) {
		const struct ike_prop_pl *p = &sa->prop[i];
		size_t			  pat = w->off;

		if (p->spi_size > 8 || p->nxf == 0 || (size_t)p->first + p->nxf > sa->nxf ||
		    sa->nxf > IKE_MAX_XFORMS) {
			e->failed = true;
			return;
		}
		wire_put_u8(w, i + 1 < sa->nprop ? PROP_LAST_MORE : 0);
		wire_put_u8(w, 0);
		wire_put_u16(w, 0);
		wire_put_u8(w, p->num);
		wire_put_u8(w, p->proto);
		wire_put_u8(w, p->spi_size);
		wire_put_u8(w, p->nxf);
		put_spi(w, p->spi, p->spi_size);
		for (unsigned j = 0; j < p->nxf; j++) {
			const struct ike_xform_pl *x = &sa->xf[p->first + j];
			size_t			   xat = w->off;

			wire_put_u8(w, j + 1 < p->nxf ? XF_LAST_MORE : 0);
			wire_put_u8(w, 0);
			wire_put_u16(w, 0);
			wire_put_u8(w, x->type);
			wire_put_u8(w, 0);
			wire_put_u16(w, x->id);
			if (x->keylen != 0) {
				wire_put_u16(w, XF_ATTR_TV | IKE_XF_ATTR_KEY_LENGTH);
				wire_put_u16(w, x->keylen);
			}
			len_patch(w, xat);
		}
		len_patch(w, pat);
	}
	pl_close(e, at);
}

void
ike_enc_ke(struct ike_enc *e, uint16_t group, const void *data, size_t len)
{
	size_t at = pl_open(e, IKE_PL_KE, false);

	wire_put_u16(e->w, group);
	wire_put_u16(e->w, 0);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_id(struct ike_enc *e, uint8_t type, uint8_t id_type, const void *data, size_t len)
{
	size_t at;

	if (type != IKE_PL_IDI && type != IKE_PL_IDR)
		e->failed = true;
	at = pl_open(e, type, false);
	wire_put_u8(e->w, id_type);
	wire_put_zero(e->w, 3);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

static void
enc_cert(struct ike_enc *e, uint8_t type, uint8_t encoding, const void *data, size_t len)
{
	size_t at = pl_open(e, type, false);

	wire_put_u8(e->w, encoding);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_cert(struct ike_enc *e, uint8_t encoding, const void *data, size_t len)
{
	enc_cert(e, IKE_PL_CERT, encoding, data, len);
}

void
ike_enc_certreq(struct ike_enc *e, uint8_t encoding, const void *data, size_t len)
{
	enc_cert(e, IKE_PL_CERTREQ, encoding, data, len);
}

void
ike_enc_auth(struct ike_enc *e, uint8_t method, const void *data, size_t len)
{
	size_t at = pl_open(e, IKE_PL_AUTH, false);

	wire_put_u8(e->w, method);
	wire_put_zero(e->w, 3);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_nonce(struct ike_enc *e, const void *data, size_t len)
{
	size_t at;

	if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX)
		e->failed = true;
	at = pl_open(e, IKE_PL_NONCE, false);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_notify(struct ike_enc *e, uint8_t proto, uint16_t type, const void *spi,
    uint8_t spi_size, const void *data, size_t len)
{
	size_t at = pl_open(e, IKE_PL_NOTIFY, false);

	wire_put_u8(e->w, proto);
	wire_put_u8(e->w, spi_size);
	wire_put_u16(e->w, type);
	wire_put_bytes(e->w, spi, spi_size);
	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_delete(struct ike_enc *e, uint8_t proto, uint8_t spi_size, uint16_t nspi,
    const void *spis)
{
	size_t at = pl_open(e, IKE_PL_DELETE, false);

	wire_put_u8(e->w, proto);
	wire_put_u8(e->w, spi_size);
	wire_put_u16(e->w, nspi);
	wire_put_bytes(e->w, spis, (size_t)nspi * spi_size);
	pl_close(e, at);
}

void
ike_enc_vendor(struct ike_enc *e, const void *data, size_t len)
{
	size_t at = pl_open(e, IKE_PL_VENDOR, false);

	wire_put_bytes(e->w, data, len);
	pl_close(e, at);
}

void
ike_enc_ts(struct ike_enc *e, uint8_t type, const struct ike_ts *ts, size_t n)
{
	struct wire_wr *w = e->w;
	size_t		at;

	if ((type != IKE_PL_TSI && type != IKE_PL_TSR) || n == 0 || n > IKE_MAX_TS)
		e->failed = true;
	at = pl_open(e, type, false);
	wire_put_u8(w, (uint8_t)n);
	wire_put_zero(w, 3);
	for (size_t i = 0; i < n && i < IKE_MAX_TS; i++) {
		size_t alen, sat = w->off;

		if (ts[i].type == IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (ts[i].type == IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else {
			e->failed = true;
			return;
		}
		wire_put_u8(w, ts[i].type);
		wire_put_u8(w, ts[i].ipproto);
		wire_put_u16(w, 0);
		wire_put_u16(w, ts[i].sport);
		wire_put_u16(w, ts[i].eport);
		wire_put_bytes(w, ts[i].start, alen);
		wire_put_bytes(w, ts[i].end, alen);
		len_patch(w, sat);
	}
	pl_close(e, at);
}

void
ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical, const void *body, size_t len)
{
	size_t at = pl_open(e, type, critical);

	wire_put_bytes(e->w, body, len);
	pl_close(e, at);
}

void
ike_enc_sk_begin(struct ike_enc *e, size_t iv_len)
{
	if (e->in_sk)
		e->failed = true;
	e->sk_at = pl_open(e, IKE_PL_SK, false);
	e->sk_type = IKE_PL_SK;
	e->in_sk = true;
	e->sk_iv = e->w->off;
	wire_put_zero(e->w, iv_len);
	/* e->np_at is SK's own next-payload field: the first inner payload
	 * written from here on lands there (RFC 7296 3.14). */
}

void
ike_enc_skf_begin(struct ike_enc *e, size_t iv_len, uint8_t first, uint16_t num, uint16_t total)
{
	if (e->in_sk || num == 0 || num > total)
		e->failed = true;
	e->sk_at = pl_open(e, IKE_PL_SKF, false);
	wire_patch_u16(e->w, e->sk_at, (uint16_t)(first << 8));
	e->sk_type = IKE_PL_SKF;
	e->in_sk = true;
	wire_put_u16(e->w, num);
	wire_put_u16(e->w, total);
	e->sk_iv = e->w->off;
	wire_put_zero(e->w, iv_len);
}

void
ike_enc_bytes(struct ike_enc *e, const void *p, size_t len)
{
	wire_put_bytes(e->w, p, len);
}

/* The header's 4-byte length field; IKE over UDP never needs the top half. */
static int
enc_patch_msglen(struct ike_enc *e)
{
	struct wire_wr *w = e->w;
	size_t		n;

	if (w->overflow || e->failed)
		return -EMSGSIZE;
	n = w->off - e->start;
	if (n > IKE_MSG_MAX)
		return -EMSGSIZE;
	wire_patch_u16(w, e->start + 24, 0);
	wire_patch_u16(w, e->start + 26, (uint16_t)n);
	return wire_wr_ok(w) ? 0 : -EMSGSIZE;
}

int
ike_enc_close_sk(struct ike_enc *e)
{
	if (!e->in_sk)
		return -EINVAL;
	len_patch(e->w, e->sk_at);
	return enc_patch_msglen(e);
}

int
ike_enc_end(struct ike_enc *e)
{
	if (e->in_sk) /* an SK payload is closed by ike_sk_seal() */
		return -EINVAL;
	return enc_patch_msglen(e);
}
