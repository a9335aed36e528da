/* failover/fib_route.c - protocol-196 routes: replace/delete, refusals and retries, adoption. */
#include "failover/fib_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/log.h"

/* --- prefix hash ---------------------------------------------------------- */

static uint32_t
fib_rt_hash(const struct prefix *p)
{
	uint32_t	 h = 2166136261u ^ p->family ^ ((uint32_t)p->len << 8);
	unsigned	 i, n = (p->len + 7u) / 8u;

	for (i = 0; i < n && i < sizeof(p->bytes); i++) {
		h ^= p->bytes[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static bool
fib_rt_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* A canonical copy: host bits and unused bytes zero. */
static int
fib_rt_key(const struct prefix *inp, struct prefix *out)
{
	struct prefix	 in = *inp;	/* out may be inp */
	unsigned	 i;

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

static struct fib_rt **
fib_rt_slot(const struct fib *f, const struct prefix *p)
{
	struct fib_rt	**pp = &f->rt_hash[fib_rt_hash(p) & (f->rt_buckets - 1)];

	while (*pp && !fib_rt_eq(&(*pp)->pfx, p))
		pp = &(*pp)->next;
	return pp;
}

static int
fib_rt_grow(struct fib *f)
{
	size_t		  nb = f->rt_buckets ? f->rt_buckets * 2 : 1024, i;
	struct fib_rt	**nh, *e, *next;

	if (!(nh = calloc(nb, sizeof(*nh))))
		return -ENOMEM;
	for (i = 0; i < f->rt_buckets; i++)
		for (e = f->rt_hash[i]; e; e = next) {
			size_t	 b = fib_rt_hash(&e->pfx) & (nb - 1);

			next = e->next;
			e->next = nh[b];
			nh[b] = e;
		}
	free(f->rt_hash);
	f->rt_hash = nh;
	f->rt_buckets = nb;
	return 0;
}

static struct fib_rt *
fib_rt_find(const struct fib *f, const struct prefix *key)
{
	return *fib_rt_slot(f, key);
}

static struct fib_rt *
fib_rt_add(struct fib *f, const struct prefix *key)
{
	struct fib_rt	**pp, *e;

	if (f->rt_count >= f->rt_buckets && fib_rt_grow(f) < 0)
		return NULL;
	pp = fib_rt_slot(f, key);
	if (*pp)
		return *pp;
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	e->pfx = *key;
	*pp = e;
	f->rt_count++;
	return e;
}

static void
fib_rt_forget(struct fib *f, struct fib_rt *e)
{
	struct fib_rt	**pp = fib_rt_slot(f, &e->pfx);

	if (e->flags & FIB_RT_FAILED)
		f->stats.routes_pending_retry--;
	if (e->flags & FIB_RT_ADOPTED)
		f->rt_adopted--;
	*pp = e->next;
	f->rt_count--;
	free(e);
}

/* --- messages --------------------------------------------------------------- */

static struct nl_msg *
fib_rtmsg_new(struct fib *f, int type, int flags, const struct prefix *p)
{
	struct rtmsg	 rtm = {
		.rtm_family = p->family,
		.rtm_dst_len = p->len,
		.rtm_table = f->cfg.table < 256 ? (uint8_t)f->cfg.table : RT_TABLE_UNSPEC,
		.rtm_protocol = FIB_PROTO_HYBRIDGW,
		.rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE,
		.rtm_type = type == RTM_NEWROUTE ? RTN_UNICAST : RTN_UNSPEC,
	};
	struct nl_msg	*msg;

	if (!(msg = nlmsg_alloc_size(256)))
		return NULL;
	if (!nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) ||
	    nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (p->len && nla_put(msg, RTA_DST, p->family == AF_INET ? 4 : 16, p->bytes) < 0) ||
	    nla_put_u32(msg, RTA_TABLE, f->cfg.table) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int
fib_rt_send(struct fib *f, struct fib_rt *e)
{
	struct nl_msg	*msg;

	e->gen++;
	if (!(msg = fib_rtmsg_new(f, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &e->pfx)))
		return -ENOMEM;
	if (nla_put_u32(msg, RTA_NH_ID, e->grp) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	f->stats.routes_set++;
	/* only a route in back-off needs to hear of success: spare the lookup */
	f->q_watch = e->attempts > 0;
	return fib_q_add(f, msg, FIB_REQ_ROUTE_SET, e->grp, e->gen, &e->pfx);
}

static int
fib_rt_del_send(struct fib *f, const struct prefix *key)
{
	struct nl_msg	*msg;

	if (!(msg = fib_rtmsg_new(f, RTM_DELROUTE, 0, key)))
		return -ENOMEM;
	f->stats.routes_del++;
	return fib_q_add(f, msg, FIB_REQ_ROUTE_DEL, 0, 0, key);
}

/* --- public API --------------------------------------------------------------- */

int
fib_route_set(struct fib *f, const struct prefix *p, uint32_t grp_id)
{
	struct prefix	 key;
	struct fib_rt	*e;

	if (fib_rt_key(p, &key) < 0)
		return -EINVAL;
	if (!fib_obj_find(f, grp_id) && !fib_id_is_stale(f, grp_id))
		return -ENOENT;
	if (!(e = fib_rt_add(f, &key)))
		return -ENOMEM;
	if (e->flags & FIB_RT_ADOPTED)
		f->rt_adopted--;
	if (e->flags & FIB_RT_FAILED)
		f->stats.routes_pending_retry--;
	e->flags = 0;
	e->grp = grp_id;
	return fib_rt_send(f, e);
}

int
fib_route_del(struct fib *f, const struct prefix *p)
{
	struct prefix	 key;
	struct fib_rt	*e;

	if (fib_rt_key(p, &key) < 0)
		return -EINVAL;
	if ((e = fib_rt_find(f, &key)))
		fib_rt_forget(f, e);
	return fib_rt_del_send(f, &key);
}

/* --- acks and retries ------------------------------------------------------ */

void
fib_rt_ack(struct fib *f, const struct fib_req *r, int err, const char *why)
{
	struct fib_rt	*e;

	if (r->kind != FIB_REQ_ROUTE_SET || (!err && !r->watch))
		return;		/* a refused delete is logged and counted, no more */
	if (!(e = fib_rt_find(f, &r->pfx)) || e->gen != r->gen)
		return;		/* deleted or set again since */
	if (!err) {
		e->attempts = 0;
		return;
	}
	if (f->ev->route_error)
		f->ev->route_error(f->arg, &e->pfx, err);
	/* the callback may have changed or deleted the route */
	if (!(e = fib_rt_find(f, &r->pfx)) || e->gen != r->gen)
		return;
	if (e->attempts < 255)
		e->attempts++;
	if (!(e->flags & FIB_RT_FAILED)) {
		e->flags |= FIB_RT_FAILED;
		f->stats.routes_pending_retry++;
		fib_retry_add(f, FIB_REQ_ROUTE_SET, 0, &e->pfx, e->attempts);
	}
}

void
fib_rt_retry(struct fib *f, const struct prefix *p, enum fib_req_kind kind)
{
	struct fib_rt	*e;

	if (kind != FIB_REQ_ROUTE_SET || !(e = fib_rt_find(f, p)) || !(e->flags & FIB_RT_FAILED))
		return;
	e->flags &= (uint8_t)~FIB_RT_FAILED;
	f->stats.routes_pending_retry--;
	f->stats.retries++;
	fib_rt_send(f, e);
}

/* A group is back in the kernel after it was gone (its routes went with it)
 * or is there for the first time (routes sent before it were refused): put
 * its routes back now rather than at their next retry. */
void
fib_rt_group_back(struct fib *f, uint32_t grp, bool failed_only)
{
	struct fib_rt	*e;
	size_t		 i, n = 0;

	for (i = 0; i < f->rt_buckets; i++)
		for (e = f->rt_hash[i]; e; e = e->next) {
			if (e->grp != grp || (e->flags & FIB_RT_ADOPTED) ||
			    (failed_only && !(e->flags & FIB_RT_FAILED)))
				continue;
			if (e->flags & FIB_RT_FAILED) {
				e->flags &= (uint8_t)~FIB_RT_FAILED;
				f->stats.routes_pending_retry--;
				f->stats.retries++;
			}
			fib_rt_send(f, e);
			n++;
		}
	if (n)
		log_info(LOG_MOD_FIB, "group %u is back: reinstalling %zu routes", grp, n);
}

/* --- adoption ---------------------------------------------------------------- */

struct fib_adopt_ctx {
	struct fib	*f;
	fib_adopt_fn	 fn;
	void		*arg;
	size_t		 n;
	int		 err;
};

static int
fib_adopt_one(struct nl_msg *msg, void *arg)
{
	struct fib_adopt_ctx	*a = arg;
	struct fib		*f = a->f;
	struct nlmsghdr		*h = nlmsg_hdr(msg);
	struct nlattr		*tb[RTA_MAX + 1];
	struct rtmsg		 rtm;
	struct prefix		 p;
	struct fib_rt		*e;
	uint32_t		 table;

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
		return NL_OK;	/* set already in this run: ours, not adopted */
	if (!(e = fib_rt_add(f, &p))) {
		a->err = -ENOMEM;
		return NL_STOP;
	}
	e->flags = FIB_RT_ADOPTED;
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
	uint32_t	*used = NULL;
	size_t		 n = 0, cap = 0, i;
	struct fib_rt	*e;
	int		 rc;

	for (i = 0; i < f->rt_buckets; i++)
		for (e = f->rt_hash[i]; e; e = e->next) {
			if (!(e->flags & FIB_RT_ADOPTED) || !e->grp || (n && used[n - 1] == e->grp))
				continue;
			if (n == cap) {
				size_t		 nc = cap ? cap * 2 : 256;
				uint32_t	*nu = realloc(used, nc * sizeof(*nu));

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
	static const uint8_t	 fams[] = { AF_INET, AF_INET6 };
	struct fib_adopt_ctx	 a = { .f = f, .fn = fn, .arg = arg };
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < sizeof(fams) && rc == 0; i++) {
		struct rtmsg	 rtm = { .rtm_family = fams[i] };
		struct nl_msg	*msg;

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
	struct fib_rt	*e, *next;
	size_t		 i, n = 0;
	int		 rc = 0;

	for (i = 0; i < f->rt_buckets && f->rt_adopted; i++)
		for (e = f->rt_hash[i]; e; e = next) {
			next = e->next;
			if (!(e->flags & FIB_RT_ADOPTED))
				continue;
			struct prefix	 key = e->pfx;

			fib_rt_forget(f, e);
			if ((rc = fib_rt_del_send(f, &key)) < 0)
				goto out;
			n++;
		}
	if (n)
		log_info(LOG_MOD_FIB, "reconcile: deleting %zu adopted routes not set again", n);
	rc = fib_nh_reconcile(f);
out:
	return fib_flush(f) ?: rc;
}

/* --- life cycle ------------------------------------------------------------ */

int
fib_rt_init(struct fib *f)
{
	return fib_rt_grow(f);
}

void
fib_rt_fini(struct fib *f)
{
	struct fib_rt	*e, *next;
	size_t		 i;

	for (i = 0; i < f->rt_buckets; i++)
		for (e = f->rt_hash[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(f->rt_hash);
	f->rt_hash = NULL;
	f->rt_buckets = f->rt_count = 0;
}
