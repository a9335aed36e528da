/* bgp/bgp_attr.c - path attributes: table-driven decode with RFC 7606 actions, and encode. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "bgp/bgp_codec_local.h"

#define FLAGS_OT (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)

/* Decoding state for one path attributes field. */
struct attr_ctx {
	const struct bgp_neg   *neg;
	struct bgp_upd_scratch *s;
	struct bgp_update      *u;
	struct bgp_attrs       *a;
	struct wire_rd		raw; /* whole attribute: flags .. value */
	uint8_t			flags, type;
	bool			as4path_ok, as4agg_ok;
	uint32_t		as4agg_as, as4agg_id;
	size_t			nas4;
	unsigned		nattrs;
	bool			mp_unreach_empty;
	bool			has_nlri;
	uint64_t		seen[4]; /* attribute types already met */
};

/*
 * Per-type rules. decode returns 0, or -EBADMSG when the attribute is
 * malformed, after which the table's action applies (RFC 7606 3, 7); a
 * decoder may also escalate by itself (attr_escalate) for other cases.
 */
struct attr_desc {
	uint8_t flags;	 /* expected Optional | Transitive bits */
	uint8_t action;	 /* enum bgp_upd_action when malformed */
	uint8_t subcode; /* for logs / NOTIFICATION */
	int (*decode)(struct attr_ctx *, struct wire_rd v);
};

static void
attr_escalate(struct attr_ctx *c, enum bgp_upd_action act, uint8_t subcode)
{
	struct bgp_update *u = c->u;

	if (act == BGP_UPD_ATTR_DISCARD)
		u->discarded++;
	if (act < u->action)
		return;
	/* the first error of the strongest kind is the one reported */
	if (act == u->action && u->notify.code != 0)
		return;
	u->action = act;
	bgp_notify_set(&u->notify, BGP_ERR_UPDATE, subcode);
	u->notify.data = c->raw.p;
	u->notify.data_len = c->raw.len;
	u->err_attr = c->type;
}

static int
attr_origin(struct attr_ctx *c, struct wire_rd v)
{
	uint8_t o;

	if (!wire_get_u8(&v, &o) || !wire_empty(&v) || o > BGP_ORIGIN_INCOMPLETE)
		return -EBADMSG; /* RFC 7606 7.1 */
	c->a->origin = o;
	c->a->flags |= BGP_ATTRS_ORIGIN;
	return 0;
}

static int
attr_aspath(struct attr_ctx *c, struct wire_rd v)
{
	int n;

	/* RFC 5065: confederation segments only make sense from internal peers */
	n = bgp_aspath_parse(v, c->neg->as4 ? 4 : 2, !c->neg->ebgp, c->s->aspath,
	    BGP_SCRATCH_ASPATH_WORDS);
	if (n < 0)
		return -EBADMSG; /* RFC 7606 7.2 */
	c->a->aspath = c->s->aspath;
	c->a->aspath_words = (uint16_t)n;
	c->a->flags |= BGP_ATTRS_AS_PATH;
	return 0;
}

static int
attr_nexthop(struct attr_ctx *c, struct wire_rd v)
{
	uint8_t nh[4];

	/* RFC 4760 3: without an NLRI field, NEXT_HOP is ignored */
	if (!c->has_nlri)
		return 0;
	if (!wire_get_bytes(&v, nh, 4) || !wire_empty(&v))
		return -EBADMSG; /* RFC 7606 7.3 */
	/* RFC 4271 6.3: not a valid host address (0/8, loopback, class D/E) */
	if (nh[0] == 0 || nh[0] == 127 || nh[0] >= 224) {
		attr_escalate(c, BGP_UPD_TREAT_AS_WITHDRAW, BGP_ERR_UPD_NEXTHOP);
		return 0;
	}
	memcpy(c->a->nexthop4, nh, 4);
	c->a->flags |= BGP_ATTRS_NEXT_HOP;
	return 0;
}

static int
attr_med(struct attr_ctx *c, struct wire_rd v)
{
	if (!wire_get_u32(&v, &c->a->med) || !wire_empty(&v))
		return -EBADMSG; /* RFC 7606 7.4 */
	c->a->flags |= BGP_ATTRS_MED;
	return 0;
}

static int
attr_local_pref(struct attr_ctx *c, struct wire_rd v)
{
	uint32_t lp;

	if (!wire_get_u32(&v, &lp) || !wire_empty(&v))
		return -EBADMSG;
	c->a->local_pref = lp;
	c->a->flags |= BGP_ATTRS_LOCAL_PREF;
	return 0;
}

static int
attr_atomic(struct attr_ctx *c, struct wire_rd v)
{
	if (!wire_empty(&v))
		return -EBADMSG; /* RFC 7606 7.6 */
	c->a->flags |= BGP_ATTRS_ATOMIC_AGG;
	return 0;
}

static int
attr_aggregator(struct attr_ctx *c, struct wire_rd v)
{
	uint16_t as16;
	uint32_t as, id;

	if (c->neg->as4) {
		if (!wire_get_u32(&v, &as))
			return -EBADMSG;
	} else {
		if (!wire_get_u16(&v, &as16))
			return -EBADMSG;
		as = as16;
	}
	/* RFC 7606 7.7 length; RFC 7607 AS 0 */
	if (!wire_get_u32(&v, &id) || !wire_empty(&v) || as == 0)
		return -EBADMSG;
	c->a->aggregator_as = as;
	c->a->aggregator_id = id;
	c->a->flags |= BGP_ATTRS_AGGREGATOR;
	return 0;
}

static int
attr_communities(struct attr_ctx *c, struct wire_rd v)
{
	size_t n = wire_left(&v) / 4;

	if (wire_left(&v) == 0 || wire_left(&v) % 4 != 0)
		return -EBADMSG; /* RFC 7606 7.8 */
	for (size_t i = 0; i < n; i++)
		(void)wire_get_u32(&v, &c->s->comm[i]);
	c->a->comm = c->s->comm;
	c->a->ncomm = (uint16_t)n;
	return 0;
}

static int
attr_large_communities(struct attr_ctx *c, struct wire_rd v)
{
	size_t		  n = wire_left(&v) / 12;
	struct bgp_lcomm *l = c->s->lcomm;

	if (wire_left(&v) == 0 || wire_left(&v) % 12 != 0)
		return -EBADMSG; /* RFC 8092 6 */
	for (size_t i = 0; i < n; i++)
		(void)(wire_get_u32(&v, &l[i].global) && wire_get_u32(&v, &l[i].local1) &&
		    wire_get_u32(&v, &l[i].local2));
	c->a->lcomm = l;
	c->a->nlcomm = (uint16_t)n;
	return 0;
}

/* Route-reflection attributes: validated (RFC 7606 7.9, 7.10), not kept:
 * we are not a reflector and they are non-transitive. */
static int
attr_originator(struct attr_ctx *c, struct wire_rd v)
{
	return wire_left(&v) == 4 ? 0 : -EBADMSG;
}

static int
attr_cluster_list(struct attr_ctx *c, struct wire_rd v)
{
	return wire_left(&v) > 0 && wire_left(&v) % 4 == 0 ? 0 : -EBADMSG;
}

/* Keep an attribute in the opaque blob, Partial set when we do not know it. */
static void
attr_keep(struct attr_ctx *c, bool partial)
{
	struct wire_wr w;
	struct wire_rd r = c->raw;
	uint8_t	       flags, type;
	uint16_t       len16;
	uint8_t	       len8;

	(void)wire_get_u8(&r, &flags);
	(void)wire_get_u8(&r, &type);
	if (flags & BGP_AF_EXTLEN)
		(void)wire_get_u16(&r, &len16);
	else {
		(void)wire_get_u8(&r, &len8);
		len16 = len8;
	}
	if (partial)
		flags |= BGP_AF_PARTIAL;
	w = wire_wr_init(c->s->unknown + c->a->unknown_len,
	    sizeof(c->s->unknown) - c->a->unknown_len);
	wire_put_u8(&w, flags);
	wire_put_u8(&w, type);
	if (flags & BGP_AF_EXTLEN)
		wire_put_u16(&w, len16);
	else
		wire_put_u8(&w, (uint8_t)len16);
	wire_put_bytes(&w, r.p, r.len);
	if (!wire_wr_ok(&w))
		return; /* cannot happen: the blob is no bigger than the field */
	c->a->unknown = c->s->unknown;
	c->a->unknown_len = (uint16_t)(c->a->unknown_len + wire_wr_len(&w));
}

static int
attr_ext_communities(struct attr_ctx *c, struct wire_rd v)
{
	if (wire_left(&v) == 0 || wire_left(&v) % 8 != 0)
		return -EBADMSG; /* RFC 7606 7.14 */
	attr_keep(c, false);
	return 0;
}

static int
attr_as4path(struct attr_ctx *c, struct wire_rd v)
{
	int n;

	/* RFC 6793 4.1: a NEW speaker ignores AS4_PATH from a NEW speaker */
	if (c->neg->as4)
		return 0;
	n = bgp_aspath_parse(v, 4, false, c->s->as4path, BGP_SCRATCH_ASPATH_WORDS);
	if (n < 0)
		return -EBADMSG; /* RFC 6793 6: attribute discard */
	c->nas4 = (size_t)n;
	c->as4path_ok = true;
	return 0;
}

static int
attr_as4aggregator(struct attr_ctx *c, struct wire_rd v)
{
	if (c->neg->as4)
		return 0;
	if (!wire_get_u32(&v, &c->as4agg_as) || !wire_get_u32(&v, &c->as4agg_id) ||
	    !wire_empty(&v) || c->as4agg_as == 0)
		return -EBADMSG;
	c->as4agg_ok = true;
	return 0;
}

static int
attr_mp_family(const struct bgp_neg *neg, uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return 0;
	if (afi == BGP_AFI_IPV4 && neg->ipv4)
		return AF_INET;
	if (afi == BGP_AFI_IPV6 && neg->ipv6)
		return AF_INET6;
	return 0;
}

static int
attr_mp_reach(struct attr_ctx *c, struct wire_rd v)
{
	uint16_t       afi;
	uint8_t	       safi, nhlen, reserved;
	struct wire_rd nh;
	int	       family;

	/* RFC 4760 3 */
	if (!wire_get_u16(&v, &afi) || !wire_get_u8(&v, &safi) || !wire_get_u8(&v, &nhlen) ||
	    !wire_get_sub(&v, nhlen, &nh) || !wire_get_u8(&v, &reserved))
		return -EBADMSG;
	family = attr_mp_family(c->neg, afi, safi);
	if (family == 0) {
		c->u->mp_ignored = true; /* not negotiated: skip it */
		return 0;
	}
	if (family == AF_INET6) {
		if (nhlen != 16 && nhlen != 32)
			return -EBADMSG;
		(void)wire_get_bytes(&nh, c->a->nh6_global, 16);
		c->a->flags |= BGP_ATTRS_MP_NH;
		/* RFC 2545 3: global followed by link-local */
		if (nhlen == 32) {
			(void)wire_get_bytes(&nh, c->a->nh6_ll, 16);
			c->a->flags |= BGP_ATTRS_NH6_LL;
		}
	} else {
		if (nhlen != 4)
			return -EBADMSG;
		/* NEXT_HOP, when also present, serves the IPv4 NLRI field */
		if (!(c->a->flags & BGP_ATTRS_NEXT_HOP)) {
			(void)wire_get_bytes(&nh, c->a->nexthop4, 4);
			c->a->flags |= BGP_ATTRS_NEXT_HOP;
		}
	}
	if (!bgp_nlri_valid(v, (uint8_t)family))
		return -EBADMSG;
	c->u->mp_reach_family = (uint8_t)family;
	c->u->mp_reach_nlri = v;
	return 0;
}

static int
attr_mp_unreach(struct attr_ctx *c, struct wire_rd v)
{
	uint16_t afi;
	uint8_t	 safi;
	int	 family;

	if (!wire_get_u16(&v, &afi) || !wire_get_u8(&v, &safi))
		return -EBADMSG;
	family = attr_mp_family(c->neg, afi, safi);
	if (family == 0) {
		c->u->mp_ignored = true;
		return 0;
	}
	if (!bgp_nlri_valid(v, (uint8_t)family))
		return -EBADMSG;
	c->u->mp_unreach_family = (uint8_t)family;
	c->u->mp_unreach_nlri = v;
	c->mp_unreach_empty = wire_empty(&v);
	return 0;
}

#define TAW   BGP_UPD_TREAT_AS_WITHDRAW
#define DISC  BGP_UPD_ATTR_DISCARD
#define RESET BGP_UPD_SESSION_RESET

/* clang-format off */
static const struct attr_desc attr_table[256] = {
	[BGP_ATTR_ORIGIN] = { BGP_AF_TRANSITIVE, TAW, BGP_ERR_UPD_ORIGIN, attr_origin },
	[BGP_ATTR_AS_PATH] = { BGP_AF_TRANSITIVE, TAW, BGP_ERR_UPD_ASPATH, attr_aspath },
	[BGP_ATTR_NEXT_HOP] = { BGP_AF_TRANSITIVE, TAW, BGP_ERR_UPD_LENGTH, attr_nexthop },
	[BGP_ATTR_MED] = { BGP_AF_OPTIONAL, TAW, BGP_ERR_UPD_LENGTH, attr_med },
	[BGP_ATTR_LOCAL_PREF] = { BGP_AF_TRANSITIVE, TAW, BGP_ERR_UPD_LENGTH, attr_local_pref },
	[BGP_ATTR_ATOMIC_AGGREGATE] = { BGP_AF_TRANSITIVE, DISC, BGP_ERR_UPD_LENGTH, attr_atomic },
	[BGP_ATTR_AGGREGATOR] = { FLAGS_OT, DISC, BGP_ERR_UPD_LENGTH, attr_aggregator },
	[BGP_ATTR_COMMUNITIES] = { FLAGS_OT, TAW, BGP_ERR_UPD_OPTIONAL, attr_communities },
	[BGP_ATTR_ORIGINATOR_ID] = { BGP_AF_OPTIONAL, TAW, BGP_ERR_UPD_LENGTH, attr_originator },
	[BGP_ATTR_CLUSTER_LIST] = { BGP_AF_OPTIONAL, TAW, BGP_ERR_UPD_LENGTH, attr_cluster_list },
	[BGP_ATTR_MP_REACH_NLRI] = { BGP_AF_OPTIONAL, RESET, BGP_ERR_UPD_OPTIONAL, attr_mp_reach },
	[BGP_ATTR_MP_UNREACH_NLRI] = { BGP_AF_OPTIONAL, RESET, BGP_ERR_UPD_OPTIONAL, attr_mp_unreach },
	[BGP_ATTR_EXT_COMMUNITIES] = { FLAGS_OT, TAW, BGP_ERR_UPD_OPTIONAL, attr_ext_communities },
	[BGP_ATTR_AS4_PATH] = { FLAGS_OT, DISC, BGP_ERR_UPD_OPTIONAL, attr_as4path },
	[BGP_ATTR_AS4_AGGREGATOR] = { FLAGS_OT, DISC, BGP_ERR_UPD_OPTIONAL, attr_as4aggregator },
	[BGP_ATTR_LARGE_COMMUNITIES] = { FLAGS_OT, TAW, BGP_ERR_UPD_OPTIONAL, attr_large_communities },
};
/* clang-format on */

/* Decode one attribute whose header has been read (c->raw, flags, type set). */
static void
attr_one(struct attr_ctx *c, struct wire_rd v)
{
	const struct attr_desc *d = &attr_table[c->type];
	uint64_t		bit = 1ull << (c->type & 63);

	/* RFC 7606 3(g): MP_* twice is fatal, other duplicates are discarded */
	if (c->seen[c->type >> 6] & bit) {
		if (c->type == BGP_ATTR_MP_REACH_NLRI || c->type == BGP_ATTR_MP_UNREACH_NLRI)
			attr_escalate(c, RESET, BGP_ERR_UPD_ATTR_LIST);
		else
			attr_escalate(c, DISC, BGP_ERR_UPD_ATTR_LIST);
		return;
	}
	c->seen[c->type >> 6] |= bit;
	/* RFC 7606 7.5: from an external peer LOCAL_PREF is discarded, whatever it holds */
	if (c->type == BGP_ATTR_LOCAL_PREF && c->neg->ebgp)
		return;

	if (d->decode == NULL) {
		/* RFC 4271 6.3: an unrecognized well-known attribute is fatal */
		if (!(c->flags & BGP_AF_OPTIONAL))
			attr_escalate(c, RESET, BGP_ERR_UPD_WELLKNOWN);
		else if (c->flags & BGP_AF_TRANSITIVE)
			attr_keep(c, true); /* RFC 4271 5: pass on with Partial */
		/* unknown optional non-transitive: quietly dropped */
		return;
	}
	/* RFC 4271 6.3 flags check; RFC 7606 3(c): handled as malformed. The
	 * Partial bit may only be set on optional transitive attributes. */
	if ((c->flags & FLAGS_OT) != d->flags ||
	    ((c->flags & BGP_AF_PARTIAL) && d->flags != FLAGS_OT)) {
		attr_escalate(c, (enum bgp_upd_action)d->action, BGP_ERR_UPD_FLAGS);
		return;
	}
	if (d->decode(c, v) < 0)
		attr_escalate(c, (enum bgp_upd_action)d->action, d->subcode);
}

/* RFC 6793 4.2.3: reconcile AS4_PATH / AS4_AGGREGATOR from a 2-octet peer. */
static void
attrs_as4_merge(struct attr_ctx *c)
{
	struct bgp_attrs *a = c->a;
	size_t		  n;

	if (c->neg->as4)
		return;
	if ((a->flags & BGP_ATTRS_AGGREGATOR) && a->aggregator_as != BGP_AS_TRANS)
		return; /* both AS4_* attributes are ignored */
	if (c->as4agg_ok && (a->flags & BGP_ATTRS_AGGREGATOR)) {
		a->aggregator_as = c->as4agg_as;
		a->aggregator_id = c->as4agg_id;
	}
	if (!c->as4path_ok || !(a->flags & BGP_ATTRS_AS_PATH))
		return;
	n = bgp_aspath_merge(a->aspath, a->aspath_words, c->s->as4path, c->nas4, c->s->merged,
	    sizeof(c->s->merged) / sizeof(c->s->merged[0]));
	a->aspath = c->s->merged;
	a->aspath_words = (uint16_t)n;
}

enum bgp_upd_action
bgp_attrs_decode(struct wire_rd r, bool has_nlri, const struct bgp_neg *neg,
    struct bgp_upd_scratch *scratch, struct bgp_update *u)
{
	struct attr_ctx c;
	struct wire_rd	start, v;
	uint8_t		len8;
	uint16_t	len;
	bool		reach;

	memset(&c, 0, sizeof(c));
	c.neg = neg;
	c.s = scratch;
	c.u = u;
	c.a = &u->attrs;
	c.has_nlri = has_nlri;

	while (!wire_empty(&r)) {
		start = r;
		/* RFC 7606 4: a header or value overrunning the field ends the
		 * walk with treat-as-withdraw; the NLRI field is still found
		 * through the Total Path Attribute Length. */
		if (!wire_get_u8(&r, &c.flags) || !wire_get_u8(&r, &c.type) ||
		    ((c.flags & BGP_AF_EXTLEN) ? !wire_get_u16(&r, &len) :
						 !wire_get_u8(&r, &len8))) {
			c.raw = start;
			attr_escalate(&c, TAW, BGP_ERR_UPD_ATTR_LIST);
			break;
		}
		if (!(c.flags & BGP_AF_EXTLEN))
			len = len8;
		if (!wire_get_sub(&r, len, &v)) {
			c.raw = start;
			attr_escalate(&c, TAW, BGP_ERR_UPD_LENGTH);
			break;
		}
		c.raw = wire_rd_init(start.p, wire_left(&start) - wire_left(&r));
		c.nattrs++;
		attr_one(&c, v);
	}

	reach = has_nlri || u->mp_reach_family != 0;
	if (u->action == RESET)
		return u->action;
	attrs_as4_merge(&c);

	/* RFC 7606 3(d): missing well-known mandatory attributes */
	if (reach && u->action < TAW) {
		uint8_t missing = 0;

		if (!(u->attrs.flags & BGP_ATTRS_ORIGIN))
			missing = BGP_ATTR_ORIGIN;
		else if (!(u->attrs.flags & BGP_ATTRS_AS_PATH))
			missing = BGP_ATTR_AS_PATH;
		else if (has_nlri && !(u->attrs.flags & BGP_ATTRS_NEXT_HOP))
			missing = BGP_ATTR_NEXT_HOP;
		if (missing != 0) {
			c.raw = wire_rd_init(NULL, 0);
			c.type = missing;
			attr_escalate(&c, TAW, BGP_ERR_UPD_MISSING);
			u->notify.inl[0] = missing;
			u->notify.inl_len = 1;
		}
	}
	/* RFC 4271 6.3: the leftmost AS of an eBGP path is the peer's */
	if (reach && u->action < TAW && neg->ebgp && neg->enforce_first_as &&
	    bgp_aspath_first(&u->attrs) != neg->peer_as) {
		c.raw = wire_rd_init(NULL, 0);
		c.type = BGP_ATTR_AS_PATH;
		attr_escalate(&c, TAW, BGP_ERR_UPD_ASPATH);
	}
	/* RFC 4724 2: an UPDATE with only an empty MP_UNREACH_NLRI is End-of-RIB */
	if (c.nattrs == 1 && c.mp_unreach_empty && u->action == BGP_UPD_OK)
		u->eor_family = u->mp_unreach_family;
	return u->action;
}

bool
bgp_attrs_has_comm(const struct bgp_attrs *a, uint32_t comm)
{
	for (size_t i = 0; i < a->ncomm; i++)
		if (a->comm[i] == comm)
			return true;
	return false;
}

/* --- Encoding --- */

size_t
bgp_attr_begin(struct wire_wr *w, uint8_t flags, uint8_t type)
{
	wire_put_u8(w, flags | BGP_AF_EXTLEN);
	wire_put_u8(w, type);
	return wire_mark_len16(w);
}

void
bgp_attr_end(struct wire_wr *w, size_t at)
{
	size_t n;

	if (!wire_wr_ok(w))
		return;
	n = w->off - at - 2;
	if (n > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	if (n > UINT8_MAX) {
		wire_patch_len16(w, at);
		return;
	}
	/* the one-octet length whenever it fits, as most speakers write it */
	memmove(w->p + at + 1, w->p + at + 2, n);
	w->p[at] = (uint8_t)n;
	w->p[at - 2] &= (uint8_t)~BGP_AF_EXTLEN;
	w->off--;
}

static void
attr_put_u32(struct wire_wr *w, uint8_t flags, uint8_t type, uint32_t v)
{
	wire_put_u8(w, flags);
	wire_put_u8(w, type);
	wire_put_u8(w, 4);
	wire_put_u32(w, v);
}

int
bgp_attrs_encode(struct wire_wr *w, const struct bgp_attrs *a, const struct bgp_neg *neg,
    const struct bgp_export *ex, uint8_t family)
{
	static const uint32_t empty[1];
	const uint32_t	     *path = a ? a->aspath : empty;
	size_t		      nwords = a ? a->aspath_words : 0;
	unsigned	      prepend = neg->ebgp ? 1u + ex->prepend : 0;
	uint16_t	      flags = a ? a->flags : 0;
	size_t		      at;
	bool		      need_as4path, as4agg;

	/* ORIGIN, AS_PATH (RFC 4271 5.1.1, 5.1.2) */
	wire_put_u8(w, BGP_AF_TRANSITIVE);
	wire_put_u8(w, BGP_ATTR_ORIGIN);
	wire_put_u8(w, 1);
	wire_put_u8(w, (flags & BGP_ATTRS_ORIGIN) ? a->origin : BGP_ORIGIN_IGP);

	at = bgp_attr_begin(w, BGP_AF_TRANSITIVE, BGP_ATTR_AS_PATH);
	bgp_aspath_put(w, path, nwords, neg->local_as, prepend, neg->as4 ? 4 : 2, false);
	bgp_attr_end(w, at);
	need_as4path = !neg->as4 && bgp_aspath_needs_as4(path, nwords, neg->local_as, prepend);

	/* NEXT_HOP (RFC 4271 5.1.3): ours toward eBGP, kept toward iBGP */
	if (family == AF_INET) {
		const uint8_t *nh = ex->nh4;

		if (!neg->ebgp && !ex->nexthop_self && (flags & BGP_ATTRS_NEXT_HOP))
			nh = a->nexthop4;
		wire_put_u8(w, BGP_AF_TRANSITIVE);
		wire_put_u8(w, BGP_ATTR_NEXT_HOP);
		wire_put_u8(w, 4);
		wire_put_bytes(w, nh, 4);
	}
	/* MED (RFC 4271 5.1.4): not passed to other ASes unless asked */
	if ((flags & BGP_ATTRS_MED) && (!neg->ebgp || ex->send_med))
		attr_put_u32(w, BGP_AF_OPTIONAL, BGP_ATTR_MED, a->med);
	/* LOCAL_PREF (RFC 4271 5.1.5): internal peers only */
	if (!neg->ebgp)
		attr_put_u32(w, BGP_AF_TRANSITIVE, BGP_ATTR_LOCAL_PREF,
		    (flags & BGP_ATTRS_LOCAL_PREF) ? a->local_pref :
			ex->default_local_pref	   ? ex->default_local_pref :
						     100);
	if (flags & BGP_ATTRS_ATOMIC_AGG) {
		wire_put_u8(w, BGP_AF_TRANSITIVE);
		wire_put_u8(w, BGP_ATTR_ATOMIC_AGGREGATE);
		wire_put_u8(w, 0);
	}
	/* RFC 6793 4.2.3 makes a receiver drop AS4_PATH when AGGREGATOR is not
	 * AS_TRANS, so with an AS4_PATH the aggregator always goes in
	 * AS4_AGGREGATOR, even a 2-octet one. */
	as4agg = !neg->as4 && (flags & BGP_ATTRS_AGGREGATOR) &&
	    (a->aggregator_as > 0xffff || need_as4path);
	if (flags & BGP_ATTRS_AGGREGATOR) {
		wire_put_u8(w, FLAGS_OT);
		wire_put_u8(w, BGP_ATTR_AGGREGATOR);
		if (neg->as4) {
			wire_put_u8(w, 8);
			wire_put_u32(w, a->aggregator_as);
		} else {
			wire_put_u8(w, 6);
			wire_put_u16(w, as4agg ? BGP_AS_TRANS : (uint16_t)a->aggregator_as);
		}
		wire_put_u32(w, a->aggregator_id);
	}
	if (a != NULL && a->ncomm > 0) {
		at = bgp_attr_begin(w, FLAGS_OT, BGP_ATTR_COMMUNITIES);
		for (size_t i = 0; i < a->ncomm; i++)
			wire_put_u32(w, a->comm[i]);
		bgp_attr_end(w, at);
	}
	/* RFC 6793 4.2.2: toward a 2-octet peer, the 4-octet truth rides along */
	if (need_as4path) {
		at = bgp_attr_begin(w, FLAGS_OT, BGP_ATTR_AS4_PATH);
		bgp_aspath_put(w, path, nwords, neg->local_as, prepend, 4, true);
		bgp_attr_end(w, at);
	}
	if (as4agg) {
		wire_put_u8(w, FLAGS_OT);
		wire_put_u8(w, BGP_ATTR_AS4_AGGREGATOR);
		wire_put_u8(w, 8);
		wire_put_u32(w, a->aggregator_as);
		wire_put_u32(w, a->aggregator_id);
	}
	if (a != NULL && a->nlcomm > 0) {
		at = bgp_attr_begin(w, FLAGS_OT, BGP_ATTR_LARGE_COMMUNITIES);
		for (size_t i = 0; i < a->nlcomm; i++) {
			wire_put_u32(w, a->lcomm[i].global);
			wire_put_u32(w, a->lcomm[i].local1);
			wire_put_u32(w, a->lcomm[i].local2);
		}
		bgp_attr_end(w, at);
	}
	/* unrecognized optional transitive ones, already marked Partial */
	if (a != NULL && a->unknown_len > 0)
		wire_put_bytes(w, a->unknown, a->unknown_len);
	return wire_wr_ok(w) ? 0 : -ENOSPC;
}

void
bgp_path_info_fill(struct bgp_path_info *pi, struct bgp_attrs *a, uint8_t family,
    const struct bgp_neg *neg, uint32_t peer_router_id, const struct ipaddr *peer_addr)
{
	static const uint8_t zero16[16];
	unsigned	     len = bgp_aspath_len(a);
	uint32_t	     first = bgp_aspath_first(a);

	memset(pi, 0, sizeof(*pi));
	if (family == AF_INET && (a->flags & BGP_ATTRS_NEXT_HOP)) {
		pi->nexthop.family = AF_INET;
		memcpy(pi->nexthop.bytes, a->nexthop4, 4);
	} else if (family == AF_INET6 && (a->flags & BGP_ATTRS_MP_NH)) {
		pi->nexthop.family = AF_INET6;
		/* RFC 2545 3: a link-local only next hop has "::" as global */
		if (memcmp(a->nh6_global, zero16, 16) == 0 && (a->flags & BGP_ATTRS_NH6_LL))
			memcpy(pi->nexthop.bytes, a->nh6_ll, 16);
		else
			memcpy(pi->nexthop.bytes, a->nh6_global, 16);
	}
	pi->local_pref = (a->flags & BGP_ATTRS_LOCAL_PREF) ? a->local_pref : 100;
	pi->has_med = (a->flags & BGP_ATTRS_MED) != 0;
	pi->med = pi->has_med ? a->med : 0;
	pi->origin = a->origin;
	pi->as_path_len = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
	/* RFC 4271 9.1.2.2 c: leftmost AS; an empty path is our own AS */
	pi->neighbor_as = first != 0 ? first : neg->ebgp ? neg->peer_as : neg->local_as;
	pi->ebgp = neg->ebgp;
	pi->peer_router_id = peer_router_id;
	if (peer_addr != NULL)
		pi->peer_addr = *peer_addr;
	pi->attrs = a;
}
