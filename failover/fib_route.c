/* failover/fib_route.c - protocol-196 routes: replace/delete, refusals and retries, adoption. */
/* SPDX-License-Identifier: ISC */
#include "failover/fib_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/log.h"

/* --- route table -------------------------------------------------------------
 * Open addressing with linear probing, at most 7/8 full (growing by half:
 * 58-87 %, about 18 bytes per IPv4 route), backward-shift deletion (no
 * tombstones). A key's home slot is its hash scaled to the capacity. A slot
 * is a struct fib_rt followed by the address bytes. Slots move when the
 * table grows or a neighbour is deleted: hold an entry only until the next
 * add or forget.
 * Not lib/hash on purpose: a chained node would add a malloc, a next
 * pointer and a stored hash to each entry (about 18 bytes per route here),
 * and the table holds a full table's worth when a restart adopts one. */

static inline struct fib_rt *
fib_rt_at(const struct fib_rtab *t, size_t i)
{
	return (struct fib_rt *)(t->slots + i * t->esize);
}

static inline uint8_t *
fib_rt_addr(struct fib_rt *e)
{
	return (uint8_t *)(e + 1);
}

static inline unsigned
fib_rt_attempts(const struct fib_rt *e)
{
	return e->flags >> FIB_RT_ATT_SHIFT;
}

static struct fib_rtab *
fib_rtab_of(struct fib *f, uint8_t family)
{
	return family == AF_INET ? &f->rt4 : &f->rt6;
}

static size_t
fib_rt_home(const struct fib_rtab *t, const uint8_t *addr, uint8_t len)
{
	uint64_t h = len;
	uint32_t w;
	unsigned i;

	for (i = 0; i < t->alen; i += 4) {
		memcpy(&w, addr + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return (size_t)(((h >> 32) * (uint64_t)t->cap) >> 32);
}

/* The slot of (addr, len), or the free slot where it would go. */
static size_t
fib_rt_probe(const struct fib_rtab *t, const uint8_t *addr, uint8_t len, bool *found)
{
	size_t	       i = fib_rt_home(t, addr, len);
	struct fib_rt *e;

	for (;; i = i + 1 == t->cap ? 0 : i + 1) {
		e = fib_rt_at(t, i);
		if (e->len == FIB_RT_EMPTY) {
			*found = false;
			return i;
		}
		if (e->len == len && memcmp(fib_rt_addr(e), addr, t->alen) == 0) {
			*found = true;
			return i;
		}
	}
}

static int
fib_rt_grow(struct fib_rtab *t)
{
	size_t		nc = t->cap ? t->cap + t->cap / 2 : 1024, i, j;
	struct fib_rtab n = *t;
	struct fib_rt  *e;
	bool		found;

	if (!(n.slots = malloc(nc * t->esize)))
		return -ENOMEM;
	n.cap = nc;
	for (i = 0; i < nc; i++)
		fib_rt_at(&n, i)->len = FIB_RT_EMPTY;
	for (i = 0; i < t->cap; i++) {
		e = fib_rt_at(t, i);
		if (e->len == FIB_RT_EMPTY)
			continue;
		j = fib_rt_probe(&n, fib_rt_addr(e), e->len, &found);
		memcpy(fib_rt_at(&n, j), e, t->esize);
	}
	free(t->slots);
	*t = n;
	return 0;
}

/* The prefix of entry e. */
static void
fib_rt_pfx(const struct fib_rtab *t, struct fib_rt *e, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = t->family;
	p->len = e->len;
	memcpy(p->bytes, fib_rt_addr(e), t->alen);
}

/* A canonical copy: host bits and unused bytes zero. */
static int
fib_rt_key(const struct prefix *inp, struct prefix *out)
{
	struct prefix in = *inp; /* out may be inp */
	unsigned      i;

	if ((in.family != AF_INET && in.family != AF_INET6) ||
	    in.len > prefix_family_bits(in.family))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = in.family;
	out->len = in.len;
	for (i = 0; i < in.len / 8u; i++)
		out->bytes[i] = in.bytes[i];
	if (in.len % 8u)
		out->bytes[i] = in.bytes[i] & (uint8_t)(0xff << (8 - in.len % 8u));
	return 0;
}

static struct fib_rt *
fib_rt_find(struct fib *f, const struct prefix *key)
{
	struct fib_rtab *t = fib_rtab_of(f, key->family);
	size_t		 i;
	bool		 found;

	if (t->cap == 0)
		return NULL;
	i = fib_rt_probe(t, key->bytes, key->len, &found);
	return found ? fib_rt_at(t, i) : NULL;
}

/* The entry of key, a fresh one (grp 0, no flags) if there was none. */
static struct fib_rt *
fib_rt_add(struct fib *f, const struct prefix *key)
{
	struct fib_rtab *t = fib_rtab_of(f, key->family);
	struct fib_rt	*e;
	size_t		 i;
	bool		 found;

	if ((t->count + 1) * 8 > t->cap * 7 && fib_rt_grow(t) < 0)
		return NULL;
	i = fib_rt_probe(t, key->bytes, key->len, &found);
	e = fib_rt_at(t, i);
	if (found)
		return e;
	memset(e, 0, sizeof(*e));
	e->len = key->len;
	memcpy(fib_rt_addr(e), key->bytes, t->alen);
	t->count++;
	return e;
}

/* Remove e (in t): later entries of its cluster may move up, one of them
 * into e's slot. */
static void
fib_rt_forget(struct fib *f, struct fib_rtab *t, struct fib_rt *e)
{
	size_t	       i = (size_t)((uint8_t *)e - t->slots) / t->esize, j = i, k;
	struct fib_rt *n;

	if (e->flags & FIB_RT_FAILED)
		f->stats.routes_pending_retry--;
	if (e->flags & FIB_RT_ADOPTED)
		f->rt_adopted--;
	for (;;) {
		j = j + 1 == t->cap ? 0 : j + 1;
		n = fib_rt_at(t, j);
		if (n->len == FIB_RT_EMPTY)
			break;
		k = fib_rt_home(t, fib_rt_addr(n), n->len);
		/* n may fill the hole at i unless its home lies in (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			memcpy(fib_rt_at(t, i), n, t->esize);
			i = j;
		}
	}
	fib_rt_at(t, i)->len = FIB_RT_EMPTY;
	t->count--;
}

/* --- messages --------------------------------------------------------------- */

/* A route request laid out by hand, without allocating (a full table is a
 * million of them): header, rtmsg, RTA_DST, RTA_TABLE and RTA_NH_ID. */
struct fib_rtreq {
	uint8_t b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg)) + RTA_SPACE(16) +
	    2 * RTA_SPACE(4)];
	size_t	len;
};

static void
fib_rtreq_attr(struct fib_rtreq *m, unsigned short type, const void *data, size_t dlen)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(dlen), .rta_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + RTA_LENGTH(0), data, dlen);
	m->len += RTA_SPACE(dlen); /* the padding is zero already */
}

static void
fib_rtreq_init(const struct fib *f, struct fib_rtreq *m, int type, const struct prefix *p)
{
	struct rtmsg rtm = {
		.rtm_family = p->family,
		.rtm_dst_len = p->len,
		.rtm_table = f->cfg.table < 256 ? (uint8_t)f->cfg.table : RT_TABLE_UNSPEC,
		.rtm_protocol = FIB_PROTO_HYBRIDGW,
		.rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE,
		.rtm_type = type == RTM_NEWROUTE ? RTN_UNICAST : RTN_UNSPEC,
	};
	uint32_t table = f->cfg.table;

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	memcpy(m->b + m->len, &rtm, sizeof(rtm));
	m->len += NLMSG_ALIGN(sizeof(rtm));
	if (p->len)
		fib_rtreq_attr(m, RTA_DST, p->bytes, p->family == AF_INET ? 4 : 16);
	fib_rtreq_attr(m, RTA_TABLE, &table, sizeof(table));
}

static int
fib_rtreq_queue(struct fib *f, struct fib_rtreq *m, int type, int flags, enum fib_req_kind kind,
    uint32_t id, uint16_t gen, const struct prefix *p)
{
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)m->len,
		.nlmsg_type = (uint16_t)type,
		.nlmsg_flags = (uint16_t)flags,
	};

	memcpy(m->b, &h, sizeof(h));
	return fib_q_add_raw(f, m->b, m->len, kind, id, gen, p);
}

/* A route set: gen 0 for a route without an entry, watch when its success
 * matters (an entry in back-off). */
static int
fib_rt_set_send(struct fib *f, const struct prefix *p, uint32_t grp, uint16_t gen, bool watch)
{
	struct fib_rtreq m;

	fib_rtreq_init(f, &m, RTM_NEWROUTE, p);
	fib_rtreq_attr(&m, RTA_NH_ID, &grp, sizeof(grp));
	f->stats.routes_set++;
	f->q_watch = watch;
	return fib_rtreq_queue(f, &m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
	    FIB_REQ_ROUTE_SET, grp, gen, p);
}

/* Send the route of entry e again, under a new generation (never 0, which
 * names the requests of routes without an entry). */
static int
fib_rt_send(struct fib *f, const struct fib_rtab *t, struct fib_rt *e)
{
	struct prefix p;

	if (++e->gen == 0)
		e->gen = 1;
	fib_rt_pfx(t, e, &p);
	return fib_rt_set_send(f, &p, e->grp, e->gen, fib_rt_attempts(e) > 0);
}

static int
fib_rt_del_send(struct fib *f, const struct prefix *key)
{
	struct fib_rtreq m;

	fib_rtreq_init(f, &m, RTM_DELROUTE, key);
	f->stats.routes_del++;
	return fib_rtreq_queue(f, &m, RTM_DELROUTE, 0, FIB_REQ_ROUTE_DEL, 0, 0, key);
}

/* --- public API --------------------------------------------------------------- */

int
fib_route_set(struct fib *f, const struct prefix *p, uint32_t grp_id)
{
	struct prefix  key;
	struct fib_rt *e;

	if (fib_rt_key(p, &key) < 0)
		return -EINVAL;
	if (!fib_obj_find(f, grp_id) && !fib_id_is_stale(f, grp_id))
		return -ENOENT;
	/* only routes with a story (adopted, refused, in back-off) have an
	 * entry: the others go out without one */
	if (!(e = fib_rt_find(f, &key)))
		return fib_rt_set_send(f, &key, grp_id, 0, false);
	if (fib_rt_attempts(e) == 0) {
		/* adopted, set now: its story ends here */
		fib_rt_forget(f, fib_rtab_of(f, key.family), e);
		return fib_rt_set_send(f, &key, grp_id, 0, false);
	}
	if (e->flags & FIB_RT_ADOPTED)
		f->rt_adopted--;
	if (e->flags & FIB_RT_FAILED)
		f->stats.routes_pending_retry--;
	e->flags &= (uint8_t) ~(FIB_RT_FAILED | FIB_RT_ADOPTED); /* attempts stay */
	e->grp = grp_id;
	return fib_rt_send(f, fib_rtab_of(f, key.family), e);
}

int
fib_route_del(struct fib *f, const struct prefix *p)
{
	struct prefix  key;
	struct fib_rt *e;

	if (fib_rt_key(p, &key) < 0)
		return -EINVAL;
	if ((e = fib_rt_find(f, &key)))
		fib_rt_forget(f, fib_rtab_of(f, key.family), e);
	return fib_rt_del_send(f, &key);
}

/* --- acks and retries ------------------------------------------------------ */

void
fib_rt_ack(struct fib *f, const struct fib_req *r, int err, const char *why)
{
	struct fib_rt *e;

	if (r->kind != FIB_REQ_ROUTE_SET || (!err && !r->watch))
		return; /* a refused delete is logged and counted, no more */
	e = fib_rt_find(f, &r->pfx);
	if (r->gen == 0) {
		/* a route without an entry when it was sent: refused (a
		 * success is not answered). Is it still what the owner wants
		 * (not set again nor deleted since)? */
		if (e || (f->ev->route_wanted && !f->ev->route_wanted(f->arg, &r->pfx, r->id)))
			return;
		if (!(e = fib_rt_add(f, &r->pfx))) {
			log_err(LOG_MOD_FIB,
			    "out of memory: a refused route will not be retried");
			return;
		}
		e->grp = r->id;
	} else if (!e || e->gen != r->gen)
		return; /* deleted or set again since */
	if (!err) {
		/* out of back-off: nothing left to remember */
		fib_rt_forget(f, fib_rtab_of(f, r->pfx.family), e);
		return;
	}
	if (f->ev->route_error)
		f->ev->route_error(f->arg, &r->pfx, err);
	/* the callback may have changed or deleted the route */
	if (!(e = fib_rt_find(f, &r->pfx)) || e->gen != r->gen)
		return;
	/* (the back-off is at its maximum long before attempts saturate) */
	if (fib_rt_attempts(e) < 0xffu >> FIB_RT_ATT_SHIFT)
		e->flags = (uint8_t)(e->flags + (1u << FIB_RT_ATT_SHIFT));
	if (!(e->flags & FIB_RT_FAILED)) {
		e->flags |= FIB_RT_FAILED;
		f->stats.routes_pending_retry++;
		fib_retry_add(f, FIB_REQ_ROUTE_SET, 0, &r->pfx, fib_rt_attempts(e));
	}
}

void
fib_rt_retry(struct fib *f, const struct prefix *p, enum fib_req_kind kind)
{
	struct fib_rt *e;

	if (kind != FIB_REQ_ROUTE_SET || !(e = fib_rt_find(f, p)) ||
	    !(e->flags & FIB_RT_FAILED))
		return;
	e->flags &= (uint8_t)~FIB_RT_FAILED;
	f->stats.routes_pending_retry--;
	f->stats.retries++;
	fib_rt_send(f, fib_rtab_of(f, p->family), e);
}

/* A group is back in the kernel after it was gone (its routes went with it)
 * or is there for the first time (routes sent before it were refused): put
 * its routes back now rather than at their next retry. The FIB knows only
 * the routes with an entry; the owner (route_wanted's owner) re-sets the
 * others when the kernel dropped them all. */
void
fib_rt_group_back(struct fib *f, uint32_t grp, bool failed_only)
{
	struct fib_rtab *tabs[2] = { &f->rt4, &f->rt6 }, *t;
	struct fib_rt	*e;
	size_t		 i, n = 0;
	unsigned	 ti;

	if (!failed_only && f->ev->group_back)
		f->ev->group_back(f->arg, grp);
	for (ti = 0; ti < 2; ti++)
		for (t = tabs[ti], i = 0; i < t->cap; i++) {
			e = fib_rt_at(t, i);
			if (e->len == FIB_RT_EMPTY || e->grp != grp ||
			    (e->flags & FIB_RT_ADOPTED) ||
			    (failed_only && !(e->flags & FIB_RT_FAILED)))
				continue;
			if (e->flags & FIB_RT_FAILED) {
				e->flags &= (uint8_t)~FIB_RT_FAILED;
				f->stats.routes_pending_retry--;
				f->stats.retries++;
			}
			fib_rt_send(f, t, e);
			n++;
		}
	if (n)
		log_info(LOG_MOD_FIB, "group %u is back: reinstalling %zu routes", grp, n);
}

/* --- adoption ---------------------------------------------------------------- */

struct fib_adopt_ctx {
	struct fib  *f;
	fib_adopt_fn fn;
	void	    *arg;
	size_t	     n;
	int	     err;
};

static int
fib_adopt_one(struct nl_msg *msg, void *arg)
{
	struct fib_adopt_ctx *a = arg;
	struct fib	     *f = a->f;
	struct nlmsghdr	     *h = nlmsg_hdr(msg);
	struct nlattr	     *tb[RTA_MAX + 1];
	struct rtmsg	      rtm;
	struct prefix	      p;
	struct fib_rt	     *e;
	uint32_t	      table;

	if (h->nlmsg_type != RTM_NEWROUTE || !nlmsg_valid_hdr(h, sizeof(rtm)))
		return NL_SKIP;
	memcpy(&rtm, nlmsg_data(h), sizeof(rtm));
	if (rtm.rtm_protocol != FIB_PROTO_HYBRIDGW || (rtm.rtm_flags & RTM_F_CLONED) ||
	    (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6))
		return NL_SKIP;
	if (nlmsg_parse(h, sizeof(rtm), tb, RTA_MAX, NULL) < 0)
		return NL_SKIP;
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm.rtm_table;
	if (table != f->cfg.table)
		return NL_SKIP;
	memset(&p, 0, sizeof(p));
	p.family = rtm.rtm_family;
	p.len = rtm.rtm_dst_len;
	if (p.len > prefix_family_bits(p.family))
		return NL_SKIP;
	if (tb[RTA_DST]) {
		if (nla_len(tb[RTA_DST]) != (p.family == AF_INET ? 4 : 16))
			return NL_SKIP;
		memcpy(p.bytes, nla_data(tb[RTA_DST]), (size_t)nla_len(tb[RTA_DST]));
	}
	if (fib_rt_key(&p, &p) < 0)
		return NL_SKIP;
	if (fib_rt_find(f, &p))
		return NL_OK; /* set already in this run: ours, not adopted */
	if (!(e = fib_rt_add(f, &p))) {
		a->err = -ENOMEM;
		return NL_STOP;
	}
	e->flags |= FIB_RT_ADOPTED;
	e->grp = tb[RTA_NH_ID] ? nla_get_u32(tb[RTA_NH_ID]) : 0;
	f->rt_adopted++;
	a->n++;
	if (a->fn)
		a->fn(a->arg, &p);
	return NL_OK;
}

/* The nexthop ids adopted routes point at; the rest of the old ones can go. */
static int
fib_adopt_prune(struct fib *f)
{
	struct fib_rtab *tabs[2] = { &f->rt4, &f->rt6 }, *t;
	uint32_t	*used = NULL;
	size_t		 n = 0, cap = 0, i;
	struct fib_rt	*e;
	unsigned	 ti;
	int		 rc;

	for (ti = 0; ti < 2; ti++)
		for (t = tabs[ti], i = 0; i < t->cap; i++) {
			e = fib_rt_at(t, i);
			if (e->len == FIB_RT_EMPTY || !(e->flags & FIB_RT_ADOPTED) || !e->grp ||
			    (n && used[n - 1] == e->grp))
				continue;
			if (n == cap) {
				size_t	  nc = cap ? cap * 2 : 256;
				uint32_t *nu = realloc(used, nc * sizeof(*nu));

				if (!nu) {
					free(used);
					return -ENOMEM;
				}
				used = nu;
				cap = nc;
			}
			used[n++] = e->grp;
		}
	rc = fib_nh_prune(f, used, n);
	free(used);
	if (rc == 0)
		rc = fib_flush(f);
	return rc;
}

int
fib_adopt(struct fib *f, fib_adopt_fn fn, void *arg)
{
	static const uint8_t fams[] = { AF_INET, AF_INET6 };
	struct fib_adopt_ctx a = { .f = f, .fn = fn, .arg = arg };
	size_t		     i;
	int		     rc = 0;

	for (i = 0; i < sizeof(fams) && rc == 0; i++) {
		struct rtmsg   rtm = { .rtm_family = fams[i] };
		struct nl_msg *msg;

		if (!(msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP)))
			return -ENOMEM;
		if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		rc = fib_dump(f, msg, fib_adopt_one, &a);
		if (rc == 0)
			rc = a.err;
	}
	log_info(LOG_MOD_FIB, "adopted %zu routes of protocol %u in table %u", a.n,
	    FIB_PROTO_HYBRIDGW, f->cfg.table);
	if (rc == 0)
		rc = fib_adopt_prune(f);
	return rc;
}

int
fib_reconcile(struct fib *f)
{
	struct fib_rtab *tabs[2] = { &f->rt4, &f->rt6 }, *t;
	struct fib_rt	*e;
	struct prefix	 key;
	size_t		 i, n = 0;
	unsigned	 ti;
	int		 rc = 0;

	for (ti = 0; ti < 2; ti++)
		for (t = tabs[ti], i = 0; i < t->cap && f->rt_adopted;) {
			e = fib_rt_at(t, i);
			if (e->len == FIB_RT_EMPTY || !(e->flags & FIB_RT_ADOPTED)) {
				i++;
				continue;
			}
			/* a later entry may move into slot i: look at it again
			 * (one from the wrapped start may be seen twice: kept) */
			fib_rt_pfx(t, e, &key);
			fib_rt_forget(f, t, e);
			if ((rc = fib_rt_del_send(f, &key)) < 0)
				goto out;
			n++;
		}
	if (n)
		log_info(LOG_MOD_FIB, "reconcile: deleting %zu adopted routes not set again",
		    n);
	rc = fib_nh_reconcile(f);
out:
	return fib_flush(f) ?: rc;
}

/* --- life cycle ------------------------------------------------------------ */

int
fib_rt_init(struct fib *f)
{
	memset(&f->rt4, 0, sizeof(f->rt4));
	memset(&f->rt6, 0, sizeof(f->rt6));
	f->rt4.family = AF_INET;
	f->rt4.alen = 4;
	f->rt4.esize = (uint32_t)sizeof(struct fib_rt) + 4;
	f->rt6.family = AF_INET6;
	f->rt6.alen = 16;
	f->rt6.esize = (uint32_t)sizeof(struct fib_rt) + 16;
	return fib_rt_grow(&f->rt4);
}

void
fib_rt_fini(struct fib *f)
{
	free(f->rt4.slots);
	free(f->rt6.slots);
	f->rt4.slots = f->rt6.slots = NULL;
	f->rt4.cap = f->rt6.cap = 0;
	f->rt4.count = f->rt6.count = 0;
}
