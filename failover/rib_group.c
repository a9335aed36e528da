/* failover/rib_group.c - (active, backup) next-hop sets -> shared kernel nexthop groups. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fib.h"
#include "failover/rib_local.h"
#include "lib/log.h"

/*
 * Prefix-independent convergence (DESIGN.md 3, FIB): every programmed prefix
 * points at the group of its (active legs, backup legs). When a source
 * fails, rib_group_failover() rewrites each group that forwards over it to
 * the survivors or to its backup legs: one netlink request per group,
 * whatever the number of prefixes behind it. Re-selection then runs per
 * prefix in the background; a switched group whose prefixes all land on the
 * same new key is re-keyed in place instead of being replaced, so the
 * kernel sees no per-prefix churn in the common case.
 */

/* ---- legs: (source, gateway) -> kernel nexthop object ---- */

static uint32_t
rib_leg_hash(rib_source_id id, const struct ipaddr *gw)
{
	uint32_t h = 2166136261u;
	uint64_t a, b;

	memcpy(&a, gw->bytes, 8);
	memcpy(&b, gw->bytes + 8, 8);
	h = hash_mix(h, id | ((uint64_t)gw->family << 32));
	h = hash_mix(h, a);
	return hash_mix(h, b);
}

/* The leg of path p, whose rib_leg_hash is h. */
static inline struct rib_leg *
rib_leg_lookup(const struct rib *rib, const struct rib_path *p, uint32_t h)
{
	const struct rib_pinfo *pi = rib_path_pi(rib, p);
	struct hash_node       *n;

	HASH_FOREACH_MATCH(&rib->lhash, h, n) {
		struct rib_leg *l = hash_entry(n, struct rib_leg, hnode);

		if (l->src_id == pi->src->id && ipaddr_cmp(&l->gw, &pi->nexthop) == 0)
			return l;
	}
	return NULL;
}

static struct rib_leg *
rib_leg_find(const struct rib *rib, const struct rib_path *p)
{
	return rib_leg_lookup(rib, p,
	    rib_leg_hash(rib_path_pi(rib, p)->src->id, &rib_path_pi(rib, p)->nexthop));
}

static struct rib_leg *
rib_leg_get(struct rib *rib, const struct rib_path *p)
{
	struct rib_leg *l;
	uint32_t h = rib_leg_hash(rib_path_pi(rib, p)->src->id, &rib_path_pi(rib, p)->nexthop);
	int	 rc;

	if ((l = rib_leg_lookup(rib, p, h)) != NULL) {
		l->refcnt++;
		return l;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (hash_add(&rib->lhash, &l->hnode, h) != 0) {
		free(l);
		return NULL;
	}
	l->src_id = rib_path_pi(rib, p)->src->id;
	l->cls = rib_path_pi(rib, p)->src->cfg.cls;
	l->gw = rib_path_pi(rib, p)->nexthop;
	l->refcnt = 1;
	if (rib->cfg.fib) {
		rc = fib_nh_get(rib->cfg.fib, &l->gw, rib_path_pi(rib, p)->src->cfg.ifname,
		    &l->nh_id);
		if (rc != 0) {
			char b[IPADDR_STRLEN];

			log_warn(LOG_MOD_FAILOVER, "rib: nexthop %s dev %s refused: %d",
			    ipaddr_fmt(&l->gw, b, sizeof(b)),
			    rib_path_pi(rib, p)->src->cfg.ifname[0] ?
				rib_path_pi(rib, p)->src->cfg.ifname :
				"-",
			    rc);
			l->nh_id = 0;
		}
	}
	return l;
}

static void
rib_leg_put(struct rib *rib, struct rib_leg *l)
{
	if (--l->refcnt > 0)
		return;
	hash_del(&rib->lhash, &l->hnode);
	if (rib->cfg.fib && l->nh_id)
		fib_nh_put(rib->cfg.fib, l->nh_id);
	free(l);
}

static bool
rib_leg_eligible(const struct rib *rib, const struct rib_leg *l)
{
	const struct rib_source *s = rib_source_get(rib, l->src_id);

	return s && s->eligible;
}

/* ---- groups ---- */

static int
rib_leg_cmp(const void *a, const void *b)
{
	const struct rib_leg *x = *(struct rib_leg *const *)a;
	const struct rib_leg *y = *(struct rib_leg *const *)b;

	if (x->src_id != y->src_id)
		return x->src_id < y->src_id ? -1 : 1;
	return ipaddr_cmp(&x->gw, &y->gw);
}

static uint32_t
rib_key_hash(struct rib_leg *const *act, size_t na, struct rib_leg *const *bak, size_t nb)
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < na; i++)
		h = hash_mix(h, (uintptr_t)act[i]);
	h = hash_mix(h, 0x9e3779b97f4a7c15ULL + na);
	for (i = 0; i < nb; i++)
		h = hash_mix(h, (uintptr_t)bak[i]);
	return h;
}

static bool
rib_legs_equal(struct rib_leg *const *a, size_t na, struct rib_leg *const *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static struct rib_group *
rib_group_lookup(struct rib *rib, uint32_t h, struct rib_leg *const *act, size_t na,
    struct rib_leg *const *bak, size_t nb)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&rib->ghash, h, n) {
		struct rib_group *g = hash_entry(n, struct rib_group, hnode);

		if (rib_legs_equal(g->act, g->n_act, act, na) &&
		    rib_legs_equal(g->bak, g->n_bak, bak, nb))
			return g;
	}
	return NULL;
}

static void
rib_group_unhash(struct rib *rib, struct rib_group *g)
{
	if (!g->hashed)
		return;
	hash_del(&rib->ghash, &g->hnode);
	g->hashed = false;
}

static int
rib_group_hash_in(struct rib *rib, struct rib_group *g)
{
	if (hash_add(&rib->ghash, &g->hnode, g->hash) != 0)
		return -ENOMEM;
	g->hashed = true;
	return 0;
}

/* Members ids for the FIB: legs whose nexthop object exists. */
static size_t
rib_legs_nh(struct rib_leg *const *v, size_t n, uint32_t *ids)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i]->nh_id)
			ids[k++] = v[i]->nh_id;
	return k;
}

/* Replace g's key legs (taking references on the new ones first). */
static int
rib_group_key_set(struct rib *rib, struct rib_group *g, struct rib_leg *const *act, size_t na,
    struct rib_leg *const *bak, size_t nb)
{
	struct rib_leg **v, **oa = g->act, **ob = g->bak;
	size_t		 i, ona = g->n_act, onb = g->n_bak, ncur = na > nb ? na : nb;

	if ((v = calloc(na + nb + ncur + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		act[i]->refcnt++;
	for (i = 0; i < nb; i++)
		bak[i]->refcnt++;
	memcpy(v, act, na * sizeof(*v));
	memcpy(v + na, bak, nb * sizeof(*v));
	g->act = v;
	g->bak = v + na;
	g->cur = v + na + nb;
	g->n_act = (uint8_t)na;
	g->n_bak = (uint8_t)nb;
	memcpy(g->cur, act, na * sizeof(*v));
	g->n_cur = (uint8_t)na;
	g->switched = false;
	g->on_bak = false;
	g->hash = rib_key_hash(act, na, bak, nb);
	for (i = 0; i < ona; i++)
		rib_leg_put(rib, oa[i]);
	for (i = 0; i < onb; i++)
		rib_leg_put(rib, ob[i]);
	free(oa);
	return 0;
}

static struct rib_group *
rib_group_new(struct rib *rib, struct rib_leg *const *act, size_t na,
    struct rib_leg *const *bak, size_t nb, int *err)
{
	struct rib_group *g;
	uint32_t	  ids[RIB_NH_MAX], gi;
	size_t		  n;
	int		  rc;

	if ((gi = pool_item_new(&rib->group_pool)) == 0) {
		*err = -ENOMEM;
		return NULL;
	}
	g = rib_group_at(rib, gi);
	g->self = gi;
	if (rib_group_key_set(rib, g, act, na, bak, nb) != 0) {
		pool_item_free(&rib->group_pool, gi);
		*err = -ENOMEM;
		return NULL;
	}
	if (rib->cfg.fib) {
		n = rib_legs_nh(act, na, ids);
		if (n == 0)
			rc = -EHOSTUNREACH; /* no usable nexthop object */
		else
			rc = fib_group_new(rib->cfg.fib, ids, n, &g->id);
		if (rc != 0) {
			for (n = 0; n < na; n++)
				rib_leg_put(rib, act[n]);
			for (n = 0; n < nb; n++)
				rib_leg_put(rib, bak[n]);
			free(g->act);
			pool_item_free(&rib->group_pool, gi);
			*err = rc;
			return NULL;
		}
	} else {
		if (++rib->next_group_id == 0)
			rib->next_group_id = 1;
		g->id = rib->next_group_id;
	}
	if (rib_group_hash_in(rib, g) != 0)
		g->hashed = false; /* usable, just not shareable */
	g->next = rib->groups;
	if (rib->groups)
		rib->groups->prev = g;
	rib->groups = g;
	rib->n_groups++;
	return g;
}

static void
rib_group_unref(struct rib *rib, struct rib_group *g)
{
	size_t i;

	if (g == NULL || --g->refcnt > 0)
		return;
	rib_group_unhash(rib, g);
	if (g->prev)
		g->prev->next = g->next;
	else
		rib->groups = g->next;
	if (g->next)
		g->next->prev = g->prev;
	rib->n_groups--;
	if (rib->cfg.fib)
		fib_group_free(rib->cfg.fib, g->id);
	for (i = 0; i < g->n_act; i++)
		rib_leg_put(rib, g->act[i]);
	for (i = 0; i < g->n_bak; i++)
		rib_leg_put(rib, g->bak[i]);
	free(g->act);
	pool_item_free(&rib->group_pool, g->self);
}

/* Sorted, de-duplicated legs of paths (skipping paths never programmed).
 * On failure returns how many were made; the caller puts them. */
static size_t
rib_legs_of(struct rib *rib, struct rib_path *const *p, size_t n, struct rib_leg **out,
    bool *oom)
{
	size_t		i, j, k = 0;
	struct rib_leg *l;

	for (i = 0; i < n; i++) {
		if (rib_path_pi(rib, p[i])->no_fib)
			continue;
		if ((l = rib_leg_get(rib, p[i])) == NULL) {
			*oom = true;
			continue;
		}
		for (j = 0; j < k && out[j] != l; j++)
			;
		if (j < k) {
			rib_leg_put(rib, l);
			continue;
		}
		out[k++] = l;
	}
	if (k > 1) /* nearly always one leg: no call for nothing to sort */
		qsort(out, k, sizeof(*out), rib_leg_cmp);
	return k;
}

static void
rib_member_add(struct rib *rib, struct rib_group *g, struct rib_dest *d)
{
	d->gprev = 0;
	d->gnext = g->members;
	if (g->members)
		rib_dest_at(rib, g->members)->gprev = rib_dest_idx(rib, d);
	g->members = rib_dest_idx(rib, d);
}

static void
rib_member_del(struct rib *rib, struct rib_group *g, struct rib_dest *d)
{
	if (d->gprev)
		rib_dest_at(rib, d->gprev)->gnext = d->gnext;
	else
		g->members = d->gnext;
	if (d->gnext)
		rib_dest_at(rib, d->gnext)->gprev = d->gprev;
	d->gnext = d->gprev = 0;
}

static void
rib_route_to(struct rib *rib, struct rib_dest *d, struct rib_group *g)
{
	struct rib_group *old = rib_dest_grp(rib, d);
	struct prefix	  pfx;
	int		  rc;

	if (old == g)
		return;
	if (old)
		rib_member_del(rib, old, d);
	rib_member_add(rib, g, d);
	g->refcnt++;
	d->grp = g->self;
	if (rib->cfg.fib) {
		pfx = rib_dest_prefix(rib, d);
		rc = fib_route_set(rib->cfg.fib, &pfx, g->id);
		rib_dest_fib_err_set(d, rc);
	} else {
		d->fib_errno = 0;
	}
	rib_group_unref(rib, old);
}

/* The FIB keeps no state for routes that went in: the answers to its
 * questions are here (fib_events.route_wanted / group_back). */
bool
rib_fib_route_wanted(const struct rib *rib, const struct prefix *p, uint32_t fib_grp)
{
	const struct rib_dest  *d = rib_dest_find(rib, p);
	const struct rib_group *g = d ? rib_dest_grp(rib, d) : NULL;

	return g && g->id == fib_grp;
}

void
rib_fib_group_back(struct rib *rib, uint32_t fib_grp)
{
	struct rib_group *g;
	struct rib_dest	 *d;
	struct prefix	  pfx;

	if (!rib->cfg.fib)
		return;
	for (g = rib->groups; g && g->id != fib_grp; g = g->next)
		;
	if (!g)
		return;
	for (d = rib_dest_at(rib, g->members); d; d = rib_dest_at(rib, d->gnext)) {
		pfx = rib_dest_prefix(rib, d);
		rib_dest_fib_err_set(d, fib_route_set(rib->cfg.fib, &pfx, g->id));
	}
}

void
rib_group_release(struct rib *rib, struct rib_dest *d)
{
	struct rib_group *g = rib_dest_grp(rib, d);
	struct prefix	  pfx;

	if (g == NULL)
		return;
	if (rib->cfg.fib) {
		pfx = rib_dest_prefix(rib, d);
		fib_route_del(rib->cfg.fib, &pfx);
	}
	rib_member_del(rib, g, d);
	rib_group_unref(rib, g);
	d->grp = 0;
	d->fib_errno = 0;
}

/* Do the legs of paths v equal want (sorted)? Lookup only, no references. */
static bool
rib_legs_match(const struct rib *rib, struct rib_path *const *v, size_t n,
    struct rib_leg *const *want, size_t nw)
{
	struct rib_leg *l[RIB_NH_MAX];
	size_t		i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (rib_path_pi(rib, v[i])->no_fib)
			continue;
		if ((l[k] = rib_leg_find(rib, v[i])) == NULL)
			return false;
		for (j = 0; j < k && l[j] != l[k]; j++)
			;
		if (j == k)
			k++;
	}
	if (k > 1)
		qsort(l, k, sizeof(l[0]), rib_leg_cmp);
	return rib_legs_equal(l, k, want, nw);
}

/*
 * Would every other prefix of g select exactly this key right now? Then g
 * can be rewritten in place for all of them: one group request instead of a
 * route request per prefix (failback, drain, a tunnel joining the ECMP set).
 */
static bool
rib_group_agree(struct rib *rib, struct rib_group *g, const struct rib_dest *self,
    struct rib_leg *const *act, size_t na, struct rib_leg *const *bak, size_t nb)
{
	struct rib_sel	*sel;
	struct rib_dest *m;
	bool		 ok = true;

	if ((sel = malloc(sizeof(*sel))) == NULL)
		return false;
	for (m = rib_dest_at(rib, g->members); m && ok; m = rib_dest_at(rib, m->gnext)) {
		if (m == self)
			continue;
		rib_select(rib, m, NULL, sel);
		ok = sel->n_act && !sel->local &&
		    rib_legs_match(rib, sel->act, sel->n_act, act, na) &&
		    rib_legs_match(rib, sel->bak, sel->n_bak, bak, nb);
	}
	free(sel);
	return ok;
}

void
rib_group_assign(struct rib *rib, struct rib_dest *d, const struct rib_sel *sel)
{
	struct rib_leg	 *act[RIB_NH_MAX], *bak[RIB_NH_MAX];
	struct rib_group *g, *cur = rib_dest_grp(rib, d);
	uint32_t	  ids[RIB_NH_MAX];
	size_t		  na, nb, i, n;
	uint32_t	  h;
	bool		  oom = false, same = false, agree = false;
	int		  err = 0;

	if (sel->n_act == 0 || sel->local) {
		rib_group_release(rib, d);
		return;
	}
	na = rib_legs_of(rib, sel->act, sel->n_act, act, &oom);
	nb = rib_legs_of(rib, sel->bak, sel->n_bak, bak, &oom);
	if (na == 0) {
		err = oom ? -ENOMEM : -EHOSTUNREACH;
		goto fail;
	}
	h = rib_key_hash(act, na, bak, nb);
	g = rib_group_lookup(rib, h, act, na, bak, nb);
	if (g == NULL && cur && cur->refcnt - 1 == cur->dirty_cnt) {
		same = rib_legs_equal(cur->cur, cur->n_cur, act, na);
		if (!same && cur->check_epoch != rib->epoch) {
			cur->check_epoch = rib->epoch; /* at most once per round */
			agree = rib_group_agree(rib, cur, d, act, na, bak, nb);
		}
	}
	if (same || agree) {
		/*
		 * Every other prefix of the current group is queued for
		 * re-selection too and either the group already forwards to the
		 * new active set (a fast switch happened: re-key only, those that
		 * end up elsewhere move out when their turn comes) or they all
		 * want this very key: rewrite the group in place.
		 */
		if (!same && rib->cfg.fib) {
			n = rib_legs_nh(act, na, ids);
			if (n == 0 || fib_group_set(rib->cfg.fib, cur->id, ids, n) != 0)
				goto move;
		}
		if (!same)
			rib->open_ev.groups++;
		rib_group_unhash(rib, cur);
		if (rib_group_key_set(rib, cur, act, na, bak, nb) == 0) {
			if (rib_group_hash_in(rib, cur) != 0)
				cur->hashed = false;
			goto done;
		}
		cur->hashed = false; /* out of memory: stays retired */
	}
move:
	if (g == NULL && (g = rib_group_new(rib, act, na, bak, nb, &err)) == NULL)
		goto fail;
	rib_route_to(rib, d, g);
done:
	for (i = 0; i < na; i++)
		rib_leg_put(rib, act[i]);
	for (i = 0; i < nb; i++)
		rib_leg_put(rib, bak[i]);
	return;
fail:
	for (i = 0; i < na; i++)
		rib_leg_put(rib, act[i]);
	for (i = 0; i < nb; i++)
		rib_leg_put(rib, bak[i]);
	rib_group_release(rib, d);
	rib_dest_fib_err_set(d, err);
}

uint32_t
rib_group_failover(struct rib *rib, uint32_t *moved, uint32_t to_count[RIB_CLASS_N])
{
	struct rib_group *g;
	struct rib_leg	 *nv[RIB_NH_MAX];
	uint32_t	  ids[RIB_NH_MAX];
	size_t		  i, n, k;
	uint32_t	  rewritten = 0;
	bool		  dead, on_bak;
	int		  rc = 0;

	for (g = rib->groups; g; g = g->next) {
		dead = false;
		for (i = 0; i < g->n_cur && !dead; i++)
			dead = !rib_leg_eligible(rib, g->cur[i]);
		if (!dead)
			continue;
		/* ECMP survivors first, else the precomputed backup */
		on_bak = g->on_bak;
		for (i = n = 0; i < g->n_cur; i++)
			if (rib_leg_eligible(rib, g->cur[i]))
				nv[n++] = g->cur[i];
		if (n == 0 && !g->on_bak) {
			for (i = 0; i < g->n_bak; i++)
				if (rib_leg_eligible(rib, g->bak[i]))
					nv[n++] = g->bak[i];
			on_bak = true;
		}
		if (n == 0)
			continue; /* nothing to switch to: left to re-selection */
		if (rib->cfg.fib) {
			k = rib_legs_nh(nv, n, ids);
			if (k == 0 || (rc = fib_group_set(rib->cfg.fib, g->id, ids, k)) != 0) {
				log_warn(LOG_MOD_FAILOVER, "rib: group %u: cannot switch (%d)",
				    g->id, k ? rc : -EHOSTUNREACH);
				continue; /* left to per-prefix re-selection */
			}
		}
		memcpy(g->cur, nv, n * sizeof(nv[0]));
		g->n_cur = (uint8_t)n;
		g->on_bak = on_bak;
		g->switched = true;
		rib_group_unhash(rib, g); /* retired: no prefix joins it */
		rewritten++;
		*moved += g->refcnt;
		if (nv[0]->cls < RIB_CLASS_N)
			to_count[nv[0]->cls] += g->refcnt;
	}
	return rewritten;
}

int
rib_group_init(struct rib *rib)
{
	hash_init(&rib->lhash, 64);
	hash_init(&rib->ghash, 64);
	return 0;
}

static int
rib_leg_free_cb(struct hash_node *n, void *arg)
{
	free(hash_entry(n, struct rib_leg, hnode));
	return 0;
}

void
rib_group_fini(struct rib *rib)
{
	struct rib_group *g, *gn;

	for (g = rib->groups; g; g = gn) {
		gn = g->next;
		free(g->act);
	}
	rib->groups = NULL;
	pool_fini(&rib->group_pool);
	hash_walk(&rib->lhash, rib_leg_free_cb, NULL);
	hash_fini(&rib->lhash);
	hash_fini(&rib->ghash);
	rib->n_groups = 0;
}
