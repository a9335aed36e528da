/* failover/fib_nh.c - kernel nexthop objects and groups: our id space, refcounts, recovery. */
/* SPDX-License-Identifier: ISC */
#include "failover/fib_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/log.h"
#include "lib/wire.h"

/* --- objects by id ----------------------------------------------------- */

static uint32_t
fib_obj_hash(uint32_t id)
{
	return id * 2654435761u; /* ids are dense: a multiplicative spread */
}

struct fib_obj *
fib_obj_find(const struct fib *f, uint32_t id)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&f->obj_hash, fib_obj_hash(id), n) {
		struct fib_obj *o = hash_entry(n, struct fib_obj, hnode);

		if (o->id == id)
			return o;
	}
	return NULL;
}

static int
fib_obj_insert(struct fib *f, struct fib_obj *o)
{
	int rc;

	if ((rc = hash_add(&f->obj_hash, &o->hnode, fib_obj_hash(o->id))) < 0)
		return rc;
	o->lnext = f->objs;
	f->objs = o;
	return 0;
}

static void
fib_obj_remove(struct fib *f, struct fib_obj *o)
{
	struct fib_obj **pp;

	hash_del(&f->obj_hash, &o->hnode);
	for (pp = &f->objs; *pp; pp = &(*pp)->lnext)
		if (*pp == o) {
			*pp = o->lnext;
			break;
		}
	free(o->members);
	free(o);
}

static int
fib_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool
fib_id_foreign(const struct fib *f, uint32_t id)
{
	return f->nforeign &&
	    bsearch(&id, f->foreign_ids, f->nforeign, sizeof(id), fib_u32_cmp) != NULL;
}

bool
fib_id_is_stale(const struct fib *f, uint32_t id)
{
	size_t i;

	for (i = 0; i < f->nstale; i++)
		if (f->stale_ids[i] == id)
			return true;
	return false;
}

static uint32_t
fib_id_alloc(struct fib *f)
{
	uint64_t tries;

	for (tries = 0; tries < (uint64_t)FIB_ID_LAST - FIB_ID_BASE; tries++) {
		uint32_t id = f->next_id++;

		if (f->next_id > FIB_ID_LAST)
			f->next_id = FIB_ID_BASE;
		if (!fib_obj_find(f, id) && !fib_id_foreign(f, id))
			return id;
	}
	return 0;
}

/* --- messages ----------------------------------------------------------- */

static struct nl_msg *
fib_nhmsg_new(int type, int flags, uint8_t family, uint32_t id)
{
	struct nhmsg nhm = {
		.nh_family = family,
		/* a delete must leave the header's other fields zero */
		.nh_protocol = type == RTM_NEWNEXTHOP ? FIB_PROTO_HYBRIDGW : 0,
	};
	struct nl_msg *msg;

	if (!(msg = nlmsg_alloc_size(1024)))
		return NULL;
	if (!nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) ||
	    nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NHA_ID, id) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int
fib_obj_del_send(struct fib *f, uint32_t id)
{
	struct nl_msg *msg = fib_nhmsg_new(RTM_DELNEXTHOP, 0, AF_UNSPEC, id);

	if (!msg)
		return -ENOMEM;
	return fib_q_add(f, msg, FIB_REQ_NH_DEL, id, 0, NULL);
}

/* (Re)send an object as we want it now: resolve the interface, leave out
 * members the kernel does not have. Replace semantics throughout. */
static int
fib_obj_send(struct fib *f, struct fib_obj *o)
{
	struct nexthop_grp *grp = NULL;
	struct nl_msg	   *msg = NULL;
	size_t		    i, n = 0;
	uint8_t		    family = AF_UNSPEC;
	int		    rc = -ENOMEM;

	o->gen++;
	o->flags |= FIB_OBJ_SENT;
	switch (o->type) {
	case FIB_OBJ_NH:
		/* a device-only nexthop is IPv6: IPv4 routes may use it too */
		family = o->gw.family ? o->gw.family : AF_INET6;
		break;
	case FIB_OBJ_BLACKHOLE:
		family = AF_INET6; /* usable by IPv4 and IPv6 routes alike */
		break;
	default:
		if (!(grp = calloc(o->nmembers ? o->nmembers : 1, sizeof(*grp))))
			goto out;
		for (i = 0; i < o->nmembers; i++) {
			struct fib_obj *m = fib_obj_find(f, o->members[i]);
			size_t		j;

			if (!m || (m->flags & FIB_OBJ_GONE))
				continue;
			for (j = 0; j < n && grp[j].id != o->members[i]; j++)
				;
			if (j < n)
				continue; /* the kernel refuses a member twice */
			grp[n].id = o->members[i];
			grp[n].weight = 0; /* kernel weight is this + 1: equal */
			n++;
		}
		if (o->nmembers == 0) {
			grp[n++].id = f->blackhole_id;
		} else if (n == 0) {
			/* Nothing to forward to: remove the group (the kernel drops
			 * its routes, traffic falls to covering routes) until a
			 * member comes back. */
			if (o->flags & FIB_OBJ_LIVE) {
				o->flags &= (uint8_t)~FIB_OBJ_LIVE;
				o->flags |= FIB_OBJ_GONE;
				rc = fib_obj_del_send(f, o->id);
			} else {
				o->flags |= FIB_OBJ_GONE;
				rc = 0;
			}
			goto out;
		}
		break;
	}
	if (!(msg = fib_nhmsg_new(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, family, o->id)))
		goto out;
	switch (o->type) {
	case FIB_OBJ_NH:
		o->ifindex =
		    o->ifname[0] ? fib_ev_ifindex(f, o->ifname) : fib_ev_ifindex_for(f, &o->gw);
		if (o->gw.family &&
		    nla_put(msg, NHA_GATEWAY, o->gw.family == AF_INET ? 4 : 16, o->gw.bytes) <
			0)
			goto out;
		/* Unresolved: sent anyway, the kernel's refusal is the error
		 * reported and retried like any other. */
		if (o->ifindex > 0 && nla_put_u32(msg, NHA_OIF, (uint32_t)o->ifindex) < 0)
			goto out;
		break;
	case FIB_OBJ_BLACKHOLE:
		if (nla_put_flag(msg, NHA_BLACKHOLE) < 0)
			goto out;
		break;
	default:
		if (nla_put(msg, NHA_GROUP, (int)(n * sizeof(*grp)), grp) < 0 ||
		    nla_put_u16(msg, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_MPATH) < 0)
			goto out;
		f->stats.groups_set++;
		break;
	}
	rc = fib_q_add(f, msg, FIB_REQ_NH_SET, o->id, o->gen, NULL);
	msg = NULL;
out:
	if (msg)
		nlmsg_free(msg);
	free(grp);
	return rc;
}

/* Resend every group that lists id (a member came back or changed). */
static void
fib_groups_resend(struct fib *f, uint32_t id)
{
	struct fib_obj *g;
	size_t		i;

	for (g = f->objs; g; g = g->lnext) {
		if (g->type != FIB_OBJ_GROUP)
			continue;
		for (i = 0; i < g->nmembers; i++)
			if (g->members[i] == id) {
				fib_obj_send(f, g);
				break;
			}
	}
}

void
fib_obj_ack(struct fib *f, const struct fib_req *r, int err, const char *why)
{
	struct fib_obj *o;
	bool		was_gone;

	if (r->kind != FIB_REQ_NH_SET || !(o = fib_obj_find(f, r->id)) || o->gen != r->gen)
		return; /* deleted, or superseded by a newer request */
	was_gone = o->flags & FIB_OBJ_GONE;
	if (!err) {
		bool was_live = o->flags & FIB_OBJ_LIVE;

		o->flags &= (uint8_t) ~(FIB_OBJ_GONE | FIB_OBJ_FAILED);
		o->flags |= FIB_OBJ_LIVE;
		o->attempts = 0;
		if (was_gone && o->type != FIB_OBJ_GROUP)
			fib_groups_resend(f, o->id);
		else if (was_gone)
			fib_rt_group_back(f, o->id, false); /* the kernel dropped them all */
		else if (!was_live && o->type == FIB_OBJ_GROUP && f->stats.routes_pending_retry)
			fib_rt_group_back(f, o->id, true); /* refused while it was missing */
		return;
	}
	if (o->type != FIB_OBJ_GROUP || !(o->flags & FIB_OBJ_LIVE)) {
		/* A single nexthop is never half there; a group the kernel
		 * refused to replace keeps its old members. */
		o->flags |= FIB_OBJ_GONE;
		o->flags &= (uint8_t)~FIB_OBJ_LIVE;
		if (o->type != FIB_OBJ_GROUP && !was_gone)
			fib_groups_resend(f, o->id);
	}
	if (o->attempts < 255)
		o->attempts++;
	if (!(o->flags & FIB_OBJ_FAILED)) {
		o->flags |= FIB_OBJ_FAILED;
		fib_retry_add(f, FIB_REQ_NH_SET, o->id, NULL, o->attempts);
	}
}

void
fib_obj_retry(struct fib *f, uint32_t id, enum fib_req_kind kind)
{
	struct fib_obj *o = fib_obj_find(f, id);

	if (!o || !(o->flags & FIB_OBJ_FAILED))
		return;
	o->flags &= (uint8_t)~FIB_OBJ_FAILED;
	f->stats.retries++;
	fib_obj_send(f, o);
}

/* The kernel flushes nexthops of an interface that goes down (admin or
 * carrier) without telling anyone, and a group that loses its last member
 * goes with its routes. Mirror that, and put everything back on link up. */
void
fib_nh_link_change(struct fib *f, int ifindex, bool up)
{
	struct fib_obj *o;
	size_t		i;

	if (up) {
		for (o = f->objs; o; o = o->lnext)
			if (o->type == FIB_OBJ_NH && (o->flags & FIB_OBJ_GONE) &&
			    (o->ifindex == ifindex || o->ifindex <= 0)) {
				o->flags &= (uint8_t)~FIB_OBJ_FAILED;
				fib_obj_send(f, o);
			}
		fib_retry_now(f);
		fib_nl_kick(f);
		return;
	}
	for (o = f->objs; o; o = o->lnext)
		if (o->type == FIB_OBJ_NH && o->ifindex == ifindex &&
		    !(o->flags & FIB_OBJ_GONE)) {
			o->flags |= FIB_OBJ_GONE;
			o->flags &= (uint8_t)~FIB_OBJ_LIVE;
		}
	for (o = f->objs; o; o = o->lnext) {
		bool any = false;

		if (o->type != FIB_OBJ_GROUP || o->nmembers == 0 || !(o->flags & FIB_OBJ_LIVE))
			continue;
		for (i = 0; i < o->nmembers; i++) {
			struct fib_obj *m = fib_obj_find(f, o->members[i]);

			if (m && !(m->flags & FIB_OBJ_GONE))
				any = true;
		}
		if (!any) {
			o->flags |= FIB_OBJ_GONE;
			o->flags &= (uint8_t)~FIB_OBJ_LIVE;
		}
	}
}

void
fib_nh_addr_added(struct fib *f)
{
	struct fib_obj *o;

	for (o = f->objs; o; o = o->lnext)
		if (o->type == FIB_OBJ_NH && (o->flags & FIB_OBJ_GONE) &&
		    o->ifname[0] == '\0') {
			o->flags &= (uint8_t)~FIB_OBJ_FAILED;
			fib_obj_send(f, o);
		}
	fib_retry_now(f);
	fib_nl_kick(f);
}

/* --- public API --------------------------------------------------------- */

static bool
fib_ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

static struct fib_obj *
fib_obj_new(struct fib *f, enum fib_obj_type type)
{
	struct fib_obj *o;

	if (!(o = calloc(1, sizeof(*o))))
		return NULL;
	o->type = (uint8_t)type;
	if (!(o->id = fib_id_alloc(f)) || fib_obj_insert(f, o) < 0) {
		free(o);
		return NULL;
	}
	return o;
}

int
fib_nh_get(struct fib *f, const struct ipaddr *gw, const char *ifname, uint32_t *nh_id)
{
	struct fib_obj *o;
	struct ipaddr	key;
	int		rc;

	if (!ifname)
		ifname = "";
	if (strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	memset(&key, 0, sizeof(key));
	if (gw && (gw->family == AF_INET || gw->family == AF_INET6))
		key = *gw;
	else if (gw && gw->family != AF_UNSPEC)
		return -EINVAL;
	else if (!ifname[0])
		return -EINVAL; /* neither a gateway nor a device */
	gw = &key;
	for (o = f->objs; o; o = o->lnext)
		if (o->type == FIB_OBJ_NH && fib_ipaddr_eq(&o->gw, gw) &&
		    strcmp(o->ifname, ifname) == 0) {
			o->refcnt++;
			*nh_id = o->id;
			return 0;
		}
	if (!(o = fib_obj_new(f, FIB_OBJ_NH)))
		return -ENOMEM;
	o->refcnt = 1;
	o->gw = *gw;
	strcpy(o->ifname, ifname);
	f->stats.nh_objects++;
	*nh_id = o->id;
	if ((rc = fib_obj_send(f, o)) < 0)
		return rc;
	return 0;
}

void
fib_nh_put(struct fib *f, uint32_t nh_id)
{
	struct fib_obj *o = fib_obj_find(f, nh_id);

	if (!o || o->type != FIB_OBJ_NH || --o->refcnt > 0)
		return;
	fib_obj_del_send(f, o->id);
	fib_obj_remove(f, o);
	f->stats.nh_objects--;
}

static int
fib_group_members(struct fib *f, struct fib_obj *g, const uint32_t *ids, size_t n)
{
	uint32_t *m = NULL;
	size_t	  i;

	for (i = 0; i < n; i++) {
		struct fib_obj *o = fib_obj_find(f, ids[i]);

		if (!o || o->type != FIB_OBJ_NH)
			return -ENOENT;
	}
	if (n == 0 && !f->blackhole_id) {
		struct fib_obj *bh = fib_obj_new(f, FIB_OBJ_BLACKHOLE);

		if (!bh)
			return -ENOMEM;
		f->blackhole_id = bh->id;
		fib_obj_send(f, bh);
	}
	if (n && !(m = malloc(n * sizeof(*m))))
		return -ENOMEM;
	if (n)
		memcpy(m, ids, n * sizeof(*m));
	free(g->members);
	g->members = m;
	g->nmembers = n;
	return 0;
}

int
fib_group_new(struct fib *f, const uint32_t *nh_ids, size_t n, uint32_t *grp_id)
{
	struct fib_obj *g;
	int		rc;

	if (!(g = fib_obj_new(f, FIB_OBJ_GROUP)))
		return -ENOMEM;
	if ((rc = fib_group_members(f, g, nh_ids, n)) < 0) {
		fib_obj_remove(f, g);
		return rc;
	}
	*grp_id = g->id;
	return fib_obj_send(f, g);
}

int
fib_group_set(struct fib *f, uint32_t grp_id, const uint32_t *nh_ids, size_t n)
{
	struct fib_obj *g = fib_obj_find(f, grp_id);
	int		rc;

	if (!g || g->type != FIB_OBJ_GROUP)
		return -ENOENT;
	if ((rc = fib_group_members(f, g, nh_ids, n)) < 0)
		return rc;
	g->flags &= (uint8_t)~FIB_OBJ_FAILED;
	return fib_obj_send(f, g);
}

void
fib_group_free(struct fib *f, uint32_t grp_id)
{
	struct fib_obj *g = fib_obj_find(f, grp_id);

	if (!g || g->type != FIB_OBJ_GROUP)
		return;
	fib_obj_del_send(f, g->id);
	fib_obj_remove(f, g);
}

/* --- start-up and clean-up ----------------------------------------------- */

struct fib_nh_scan {
	struct fib *f;
	uint32_t   *ids, *stale_grp, *stale_nh;
	size_t	    n, cap, ngrp, cgrp, nnh, cnh;
	int	    err;
};

static int
fib_u32_push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t	  nc = *cap ? *cap * 2 : 64;
		uint32_t *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int
fib_nh_scan_one(struct nl_msg *msg, void *arg)
{
	struct fib_nh_scan *s = arg;
	struct nlmsghdr	   *h = nlmsg_hdr(msg);
	struct nlattr	   *tb[NHA_MAX + 1];
	struct nhmsg	    nhm;
	uint32_t	    id;

	if (h->nlmsg_type != RTM_NEWNEXTHOP || !nlmsg_valid_hdr(h, sizeof(nhm)))
		return NL_SKIP;
	memcpy(&nhm, nlmsg_data(h), sizeof(nhm));
	if (nlmsg_parse(h, sizeof(nhm), tb, NHA_MAX, NULL) < 0 || !tb[NHA_ID])
		return NL_SKIP;
	id = nla_get_u32(tb[NHA_ID]);
	if (id >= FIB_ID_BASE && fib_u32_push(&s->ids, &s->n, &s->cap, id) < 0)
		s->err = -ENOMEM;
	if (nhm.nh_protocol == FIB_PROTO_HYBRIDGW) {
		/* groups first: deleting them before their members is tidier */
		if (tb[NHA_GROUP] && fib_u32_push(&s->stale_grp, &s->ngrp, &s->cgrp, id) < 0)
			s->err = -ENOMEM;
		else if (!tb[NHA_GROUP] && fib_u32_push(&s->stale_nh, &s->nnh, &s->cnh, id) < 0)
			s->err = -ENOMEM;
	}
	return NL_OK;
}

int
fib_nh_init(struct fib *f)
{
	struct fib_nh_scan s = { .f = f };
	struct nhmsg	   nhm = { .nh_family = AF_UNSPEC };
	struct nl_msg	  *msg;
	int		   rc;

	hash_init(&f->obj_hash, 256);
	if (!(msg = nlmsg_alloc_simple(RTM_GETNEXTHOP, NLM_F_DUMP)))
		return -ENOMEM;
	if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	rc = fib_dump(f, msg, fib_nh_scan_one, &s);
	if (rc == 0)
		rc = s.err;
	if (rc < 0)
		goto out;
	if (s.n)
		qsort(s.ids, s.n, sizeof(*s.ids), fib_u32_cmp);
	f->foreign_ids = s.ids;
	f->nforeign = s.n;
	s.ids = NULL;
	if (s.ngrp + s.nnh) {
		if (!(f->stale_ids = calloc(s.ngrp + s.nnh, sizeof(uint32_t)))) {
			rc = -ENOMEM;
			goto out;
		}
		if (s.ngrp)
			memcpy(f->stale_ids, s.stale_grp, s.ngrp * sizeof(uint32_t));
		if (s.nnh)
			memcpy(f->stale_ids + s.ngrp, s.stale_nh, s.nnh * sizeof(uint32_t));
		f->nstale = s.ngrp + s.nnh;
		log_info(LOG_MOD_FIB,
		    "%zu nexthop objects of ours from a previous run (kept until reconcile)",
		    f->nstale);
	}
out:
	free(s.ids);
	free(s.stale_grp);
	free(s.stale_nh);
	return rc;
}

struct fib_nh_members {
	const uint32_t *used; /* sorted */
	size_t		nused;
	uint32_t       *more; /* members of used stale groups */
	size_t		nmore, cmore;
	int		err;
};

static int
fib_nh_members_one(struct nl_msg *msg, void *arg)
{
	struct fib_nh_members *m = arg;
	struct nlmsghdr	      *h = nlmsg_hdr(msg);
	struct nlattr	      *tb[NHA_MAX + 1];
	struct nexthop_grp     g;
	struct wire_rd	       r;
	uint32_t	       id;

	if (h->nlmsg_type != RTM_NEWNEXTHOP || !nlmsg_valid_hdr(h, sizeof(struct nhmsg)) ||
	    nlmsg_parse(h, sizeof(struct nhmsg), tb, NHA_MAX, NULL) < 0 || !tb[NHA_ID] ||
	    !tb[NHA_GROUP])
		return NL_SKIP;
	id = nla_get_u32(tb[NHA_ID]);
	if (!bsearch(&id, m->used, m->nused, sizeof(id), fib_u32_cmp))
		return NL_SKIP;
	r = wire_rd_init(nla_data(tb[NHA_GROUP]), (size_t)nla_len(tb[NHA_GROUP]));
	while (wire_get_bytes(&r, &g, sizeof(g))) /* host order, kernel ABI */
		if (fib_u32_push(&m->more, &m->nmore, &m->cmore, g.id) < 0)
			m->err = -ENOMEM;
	return NL_OK;
}

/* At adoption: the previous run's objects that no adopted route uses
 * (directly or as a group member) go now; the others stay until reconcile. */
int
fib_nh_prune(struct fib *f, uint32_t *used, size_t nused)
{
	struct fib_nh_members m = { 0 };
	struct nhmsg	      nhm = { .nh_family = AF_UNSPEC };
	struct nl_msg	     *msg;
	size_t		      i, j, kept = 0, gone = 0;
	int		      rc = 0;

	if (!f->nstale)
		return 0;
	qsort(used, nused, sizeof(*used), fib_u32_cmp);
	m.used = used;
	m.nused = nused;
	if (!(msg = nlmsg_alloc_simple(RTM_GETNEXTHOP, NLM_F_DUMP)))
		return -ENOMEM;
	if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if ((rc = fib_dump(f, msg, fib_nh_members_one, &m)) < 0 || (rc = m.err) < 0)
		goto out;
	if (m.nmore)
		qsort(m.more, m.nmore, sizeof(*m.more), fib_u32_cmp);
	for (i = j = 0; i < f->nstale; i++) {
		uint32_t id = f->stale_ids[i];

		if ((nused && bsearch(&id, used, nused, sizeof(id), fib_u32_cmp)) ||
		    (m.nmore && bsearch(&id, m.more, m.nmore, sizeof(id), fib_u32_cmp))) {
			f->stale_ids[j++] = id;
			kept++;
			continue;
		}
		if ((rc = fib_obj_del_send(f, id)) < 0)
			goto out;
		gone++;
	}
	f->nstale = j;
	if (gone)
		log_info(LOG_MOD_FIB,
		    "removed %zu unused nexthop objects of a previous run, "
		    "%zu stay until reconcile",
		    gone, kept);
out:
	free(m.more);
	return rc;
}

/* Delete the previous run's nexthop objects: every adopted route has been
 * re-set onto new groups or deleted by now (queued before these deletes). */
int
fib_nh_reconcile(struct fib *f)
{
	size_t i;
	int    rc = 0;

	for (i = 0; i < f->nstale && rc == 0; i++)
		rc = fib_obj_del_send(f, f->stale_ids[i]);
	if (f->nstale)
		log_info(LOG_MOD_FIB, "removing %zu stale nexthop objects", f->nstale);
	free(f->stale_ids);
	f->stale_ids = NULL;
	f->nstale = 0;
	return rc;
}

void
fib_nh_fini(struct fib *f)
{
	struct fib_obj *o, *next;

	for (o = f->objs; o; o = next) {
		next = o->lnext;
		free(o->members);
		free(o);
	}
	f->objs = NULL;
	hash_fini(&f->obj_hash);
	free(f->foreign_ids);
	f->foreign_ids = NULL;
	f->nforeign = 0;
	free(f->stale_ids);
	f->stale_ids = NULL;
	f->nstale = 0;
}
