/* gateway/gw_reconcile.c - live paths against the specs of a new config, by key: planned in prepare, carried out in apply. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A commit never bounces what it does not change: a path whose key is
 * still configured with a compatible spec is updated in place (each leg
 * decides what really changed), a new key gets a new path, a removed key or
 * an incompatible spec (another class, peer address, ...) tears the path
 * down. Keys are unique among live paths; two specs of one key (names
 * holding '/') make one path, the later spec updating it, as a scan in
 * spec order would.
 */

/* The route source first (every other leg reports to it), then the
 * tunnel, which the BGP session and BFD run inside of. */
const enum gw_leg gw_leg_up[GW_LEG_N] = {
	GW_LEG_SOURCE,
	GW_LEG_TUNNEL,
	GW_LEG_BGP,
	GW_LEG_EXPORT,
	GW_LEG_BFD,
};

const enum gw_leg gw_leg_down[GW_LEG_N] = {
	GW_LEG_EXPORT,
	GW_LEG_BGP,
	GW_LEG_BFD,
	GW_LEG_TUNNEL,
	GW_LEG_SOURCE,
};

/* A session parameter first, the statics last (as the legs were wired). */
static const enum gw_leg gw_leg_update[GW_LEG_N] = {
	GW_LEG_BGP,
	GW_LEG_EXPORT,
	GW_LEG_BFD,
	GW_LEG_TUNNEL,
	GW_LEG_SOURCE,
};

struct gw_plan_item {
	struct gw_path *live;	       /* updated in place; NULL: see first */
	size_t		first;	       /* the first spec of its key: live NULL, the
					 * one that creates the path */
	size_t		next_same;     /* the next spec of its key, SIZE_MAX: none */
	struct gw_path *created;       /* apply: the path this spec created */
	void	       *res[GW_LEG_N]; /* what the legs' prepare took */
	bool		prepared[GW_LEG_N];
};

struct gw_plan {
	struct gw_conf	    *conf;
	struct gw_plan_item *items; /* one per spec */
	struct gw_path	   **gone;
	size_t		     ngone;
};

/* A key's first spec in a key table (specs move; their indices do not). */
struct gw_knode {
	struct hash_node hnode;
	size_t		 idx;
	size_t		 last; /* the key's last spec so far */
};

struct gw_path *
gw_paths_find(const struct gw_paths *ps, const char *key)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&ps->bykey, hash_str(key), n) {
		struct gw_path *p = hash_entry(n, struct gw_path, knode);

		if (strcmp(p->spec.key, key) == 0)
			return p;
	}
	return NULL;
}

static bool
leg_wanted(const struct gw_paths *ps, enum gw_leg l, const struct gw_spec *s)
{
	return ps->legs[l] && ps->legs[l]->wanted && ps->legs[l]->wanted(s);
}

static void
plan_free(struct gw_plan *pl)
{
	if (!pl)
		return;
	gw_conf_free(pl->conf);
	free(pl->items);
	free(pl->gone);
	free(pl);
}

/* Give back what the legs' prepare took, last first. */
static void
plan_unprepare(struct gw_paths *ps, struct gw_plan *pl, size_t nitems)
{
	for (size_t j = nitems; j-- > 0;)
		for (int l = GW_LEG_N; l-- > 0;)
			if (pl->items[j].prepared[l] && ps->legs[l]->abort)
				ps->legs[l]->abort(ps->ctx, pl->items[j].res[l]);
}

/* The legs' prepare for spec j: created (old NULL) or changed from old. */
static int
item_prepare(struct gw_paths *ps, struct gw_plan *pl, size_t j, const struct gw_spec *old,
    struct nb_err *err)
{
	const struct gw_spec *s = &pl->conf->specs[j];
	struct gw_plan_item  *it = &pl->items[j];
	int		      rc;

	for (int l = 0; l < GW_LEG_N; l++) {
		const struct gw_leg_ops *ops = ps->legs[l];

		if (!leg_wanted(ps, l, s) || !ops->prepare)
			continue;
		rc = ops->prepare(ps->ctx, s, old && leg_wanted(ps, l, old) ? old : NULL,
		    &it->res[l], err);
		if (rc != 0) {
			if (err && err->msg[0] == '\0')
				nb_err_set(err, "", "%s: cannot prepare its %s: %s", s->name,
				    ops->name, strerror(rc < 0 ? -rc : rc));
			return rc;
		}
		it->prepared[l] = true;
	}
	return 0;
}

int
gw_reconcile_prepare(struct gw_paths *ps, struct gw_conf *c, struct gw_plan **out,
    struct nb_err *err)
{
	struct gw_plan	*pl;
	struct hash	 specs;
	struct gw_knode *kn = NULL;
	size_t		 i, j;
	int		 rc = -ENOMEM;

	*out = NULL;
	hash_init(&specs, c->nspecs);
	if (!(pl = calloc(1, sizeof(*pl))) ||
	    !(pl->items = calloc(c->nspecs ? c->nspecs : 1, sizeof(*pl->items))) ||
	    !(pl->gone = calloc(ps->n ? ps->n : 1, sizeof(*pl->gone))) ||
	    !(kn = calloc(c->nspecs ? c->nspecs : 1, sizeof(*kn))))
		goto fail;
	/* Specs by key: the key's first spec in the table, the others
	 * chained to it in spec order. */
	for (j = 0; j < c->nspecs; j++) {
		struct hash_node *n;
		struct gw_knode	 *k = NULL;
		uint32_t	  h = hash_str(c->specs[j].key);

		pl->items[j].next_same = SIZE_MAX;
		HASH_FOREACH_MATCH(&specs, h, n) {
			k = hash_entry(n, struct gw_knode, hnode);
			if (strcmp(c->specs[k->idx].key, c->specs[j].key) == 0)
				break;
			k = NULL;
		}
		if (k) {
			pl->items[j].first = k->idx;
			pl->items[k->last].next_same = j;
			k->last = j;
			continue;
		}
		pl->items[j].first = j;
		kn[j].idx = kn[j].last = j;
		if (hash_add(&specs, &kn[j].hnode, h) != 0)
			goto fail;
	}
	/* A live path stays when a spec of its key may update it in place. */
	for (i = 0; i < ps->n; i++) {
		struct gw_path	 *p = ps->v[i];
		struct hash_node *n;
		bool		  keep = false;

		HASH_FOREACH_MATCH(&specs, hash_str(p->spec.key), n) {
			size_t f = hash_entry(n, struct gw_knode, hnode)->idx;

			if (strcmp(c->specs[f].key, p->spec.key) != 0)
				continue;
			for (j = f; j != SIZE_MAX && !keep; j = pl->items[j].next_same)
				keep = gw_spec_compatible(&c->specs[j], &p->spec);
			break;
		}
		if (!keep) {
			p->gone = true;
			pl->gone[pl->ngone++] = p;
		}
	}
	/* Each spec: the live path it updates, or the path its key creates. */
	pl->conf = c;
	for (j = 0; j < c->nspecs; j++) {
		struct gw_plan_item  *it = &pl->items[j];
		struct gw_path	     *p = gw_paths_find(ps, c->specs[j].key);
		const struct gw_spec *old = NULL;

		if (p && !p->gone) {
			it->live = p;
			old = &p->spec;
		} else if (it->first != j)
			old = &c->specs[it->first];
		if ((rc = item_prepare(ps, pl, j, old, err)) != 0) {
			plan_unprepare(ps, pl, j + 1);
			goto fail;
		}
	}
	hash_fini(&specs);
	free(kn);
	*out = pl;
	return 0;
fail:
	for (i = 0; pl && i < pl->ngone; i++)
		pl->gone[i]->gone = false;
	if (pl)
		pl->conf = NULL; /* the caller's on failure */
	plan_free(pl);
	hash_fini(&specs);
	free(kn);
	if (err && err->msg[0] == '\0')
		nb_err_set(err, "", "cannot plan the paths: %s", strerror(-rc));
	return rc;
}

void
gw_reconcile_abort(struct gw_paths *ps, struct gw_plan *pl)
{
	if (!pl)
		return;
	plan_unprepare(ps, pl, pl->conf->nspecs);
	for (size_t i = 0; i < pl->ngone; i++)
		pl->gone[i]->gone = false;
	plan_free(pl);
}

static void
path_destroy(struct gw_paths *ps, struct gw_path *p)
{
	for (int k = 0; k < GW_LEG_N; k++) {
		enum gw_leg l = gw_leg_down[k];

		if (leg_wanted(ps, l, &p->spec) && ps->legs[l]->destroy)
			ps->legs[l]->destroy(ps->ctx, p);
	}
	gw_spec_clear(&p->spec);
	free(p);
}

static struct gw_path *
path_create(struct gw_paths *ps, struct gw_spec *spec, void *const res[GW_LEG_N])
{
	struct gw_path *p = calloc(1, sizeof(*p));

	if (!p)
		abort();
	if (ps->n == ps->cap) {
		size_t		 ncap = ps->cap ? ps->cap * 2 : 16;
		struct gw_path **nv = realloc(ps->v, ncap * sizeof(*nv));

		if (!nv)
			abort();
		ps->v = nv;
		ps->cap = ncap;
	}
	gw_spec_move(&p->spec, spec);
	ps->v[ps->n++] = p;
	if (hash_add(&ps->bykey, &p->knode, hash_str(p->spec.key)) != 0)
		abort();
	for (int k = 0; k < GW_LEG_N; k++) {
		enum gw_leg l = gw_leg_up[k];

		if (leg_wanted(ps, l, &p->spec) && ps->legs[l]->create)
			ps->legs[l]->create(ps->ctx, p, res[l]);
	}
	return p;
}

/* Same key, new spec: each leg updates, comes or goes. */
static void
path_update(struct gw_paths *ps, struct gw_path *p, struct gw_spec *spec,
    void *const res[GW_LEG_N])
{
	struct gw_spec old;

	gw_spec_move(&old, &p->spec);
	gw_spec_move(&p->spec, spec);
	for (int k = 0; k < GW_LEG_N; k++) {
		enum gw_leg		 l = gw_leg_update[k];
		const struct gw_leg_ops *ops = ps->legs[l];
		bool			 was = leg_wanted(ps, l, &old);
		bool			 is = leg_wanted(ps, l, &p->spec);

		if (was && is && ops->update)
			ops->update(ps->ctx, p, &old, res[l]);
		else if (is && ops->create)
			ops->create(ps->ctx, p, res[l]);
		else if (was && ops->destroy)
			ops->destroy(ps->ctx, p);
	}
	gw_spec_clear(&old);
}

void
gw_reconcile_apply(struct gw_paths *ps, struct gw_plan *pl)
{
	struct gw_conf *c = pl->conf;
	size_t		i, n = 0;

	/* Out of the table before any is destroyed: taking a BGP peer down
	 * runs the session hook, which looks paths up. */
	for (i = 0; i < ps->n; i++) {
		if (ps->v[i]->gone) {
			hash_del(&ps->bykey, &ps->v[i]->knode);
			if (ps->detach)
				ps->detach(ps->ctx, ps->v[i]);
		} else
			ps->v[n++] = ps->v[i];
	}
	ps->n = n;
	for (i = 0; i < pl->ngone; i++)
		path_destroy(ps, pl->gone[i]);
	for (size_t j = 0; j < c->nspecs; j++) {
		struct gw_plan_item *it = &pl->items[j];

		if (it->live)
			path_update(ps, it->live, &c->specs[j], it->res);
		else if (it->first == j)
			it->created = path_create(ps, &c->specs[j], it->res);
		else
			path_update(ps, pl->items[it->first].created, &c->specs[j], it->res);
	}
	plan_free(pl);
}

void
gw_paths_clear(struct gw_paths *ps)
{
	/* Each out of the table before it goes (hooks look paths up). */
	while (ps->n > 0) {
		struct gw_path *p = ps->v[--ps->n];

		hash_del(&ps->bykey, &p->knode);
		if (ps->detach)
			ps->detach(ps->ctx, p);
		path_destroy(ps, p);
	}
	free(ps->v);
	ps->v = NULL;
	ps->cap = 0;
	hash_fini(&ps->bykey);
}
