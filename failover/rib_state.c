/* failover/rib_state.c - what the route manager shows: routes, sources, journal, what-if, statistics. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "failover/fib.h"
#include "failover/rib_local.h"
#include "lib/log.h"
#include "lib/loop.h"

struct rib_walk_arg {
	struct rib	      *rib;
	rib_route_fn	       cb;
	void		      *arg;
	struct rib_route_state st;
};

static int
rib_route_walk_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_walk_arg    *a = arg;
	struct rib_route_state *st = &a->st;
	const struct rib       *rib = a->rib;
	struct rib_dest	       *d = rib_dest_at(rib, val);
	struct rib_group       *g = rib_dest_grp(rib, d);
	struct rib_path	       *p, *first = NULL;
	size_t			i;

	if (d->n_paths == 0)
		return 0; /* being removed */
	memset(st, 0, sizeof(*st));
	st->prefix = *pfx;
	st->has_active = d->act_cls != RIB_CLS_NONE;
	st->active_class = st->has_active ? d->act_cls : 0;
	st->local = d->local;
	st->has_backup = d->bak_cls != RIB_CLS_NONE;
	st->backup_class = st->has_backup ? d->bak_cls : 0;
	st->has_backup_via = d->has_via;
	if (d->has_via) {
		st->backup_via = *pfx;
		st->backup_via.len = d->via_len;
		prefix_mask(&st->backup_via);
	}
	st->since = d->since;
	st->fib_group = d->grp ? rib_dest_grp(a->rib, d)->id : 0;
	st->fib_error = -(int)d->fib_errno;
	st->pending = d->dirty;
	for (p = rib_path_at(a->rib, d->paths); p; p = rib_path_at(a->rib, p->next)) {
		if ((p->flags & RIB_PATH_ACTIVE)) {
			const struct rib_pinfo *pi = rib_path_pi(rib, p);

			if (!first || pi->src->id < rib_path_pi(rib, first)->src->id)
				first = p;
			if (!pi->no_fib && pi->nexthop.family && st->n_active < RIB_NH_MAX)
				st->active_nh[st->n_active++] = pi->nexthop;
		}
		if ((p->flags & RIB_PATH_BACKUP) && !rib_path_pi(rib, p)->no_fib &&
		    rib_path_pi(rib, p)->nexthop.family && st->n_backup < RIB_NH_MAX)
			st->backup_nh[st->n_backup++] = rib_path_pi(rib, p)->nexthop;
	}
	/* (interface-only next hops have no address to show) */
	if (d->has_via && g)
		for (i = 0; i < g->n_bak && st->n_backup < RIB_NH_MAX; i++)
			if (g->bak[i]->gw.family)
				st->backup_nh[st->n_backup++] = g->bak[i]->gw;
	if (g)
		for (i = 0; i < g->n_cur; i++)
			if (g->cur[i]->gw.family)
				st->fib_nh[st->n_fib_nh++] = g->cur[i]->gw;
	st->active_source = first ? rib_path_pi(rib, first)->src->name : NULL;
	return a->cb(a->arg, st);
}

int
rib_route_walk(struct rib *rib, const struct prefix *filter, rib_route_fn cb, void *arg)
{
	struct rib_walk_arg *a;
	struct trie	    *t;
	int		     rc = 0;

	if ((a = malloc(sizeof(*a))) == NULL)
		return -ENOMEM;
	a->rib = rib;
	a->cb = cb;
	a->arg = arg;
	if (filter) {
		if ((t = rib_trie(rib, filter->family)) != NULL)
			rc = trie_walk_under(t, filter, rib_route_walk_cb, a);
	} else {
		rc = trie_walk(rib->t4, rib_route_walk_cb, a);
		if (rc == 0)
			rc = trie_walk(rib->t6, rib_route_walk_cb, a);
	}
	free(a);
	return rc;
}

int
rib_journal_walk(struct rib *rib, rib_journal_fn cb, void *arg)
{
	return journal_walk(rib->journal, cb, arg);
}

void
rib_journal_subscribe(struct rib *rib, rib_journal_fn fn, void *arg)
{
	rib->notify = fn;
	rib->notify_arg = arg;
}

int
rib_source_walk(struct rib *rib, rib_source_fn cb, void *arg)
{
	struct rib_source_state st;
	struct rib_source      *s;
	uint64_t		now = rib_now_ms(rib);
	size_t			i;
	int			rc;

	for (i = 0; i < rib->n_src; i++) {
		if ((s = rib->src[i]) == NULL)
			continue;
		memset(&st, 0, sizeof(st));
		st.name = s->name;
		st.connection = s->connection;
		st.cls = s->cfg.cls;
		st.healthy = s->eligible;
		st.bgp_down = s->cfg.needs_bgp && !s->bgp_up;
		st.bfd_down = s->cfg.needs_bfd && !s->bfd_up;
		st.tunnel_down = s->cfg.needs_tunnel && !s->tunnel_up;
		st.link_down = s->link_down;
		st.damped = s->damped;
		if (s->damped && s->damp_until_ms > now)
			st.failback_in_ms = (uint32_t)(s->damp_until_ms - now);
		st.drained = s->drained;
		st.paths = s->n_paths;
		if ((rc = cb(arg, &st)) != 0)
			return rc;
	}
	return 0;
}

struct rib_whatif_arg {
	struct rib	 *rib;
	const char	 *conn;
	rib_whatif_fn	  cb;
	void		 *arg;
	int		  count;
	struct rib_sel	  sel;
	struct rib_whatif w;
};

static int
rib_whatif_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_whatif_arg *a = arg;
	const struct rib      *rib = a->rib;
	struct rib_dest	      *d = rib_dest_at(rib, val);
	struct rib_path	      *p;
	size_t		       i;
	int		       rc;

	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next))
		if ((p->flags & RIB_PATH_ACTIVE) &&
		    strcmp(rib_path_pi(rib, p)->src->connection, a->conn) == 0)
			break;
	if (p == NULL)
		return 0;
	rib_select(a->rib, d, a->conn, &a->sel);
	memset(&a->w, 0, sizeof(a->w));
	a->w.prefix = *pfx;
	a->w.from_class = d->act_cls;
	a->w.has_to = a->sel.n_act > 0;
	a->w.to_class = a->w.has_to ? a->sel.act_cls : 0;
	for (i = 0; i < a->sel.n_act; i++)
		if (!rib_path_pi(a->rib, a->sel.act[i])->no_fib &&
		    rib_path_pi(a->rib, a->sel.act[i])->nexthop.family)
			a->w.nh[a->w.n_nh++] = rib_path_pi(a->rib, a->sel.act[i])->nexthop;
	a->count++;
	if (a->cb && (rc = a->cb(a->arg, &a->w)) != 0)
		return rc;
	return 0;
}

int
rib_whatif(struct rib *rib, const char *connection, rib_whatif_fn cb, void *arg)
{
	struct rib_whatif_arg *a;
	size_t		       i;
	int		       rc, found = 0;

	for (i = 0; i < rib->n_src && !found; i++)
		found = rib->src[i] && strcmp(rib->src[i]->connection, connection) == 0;
	if (!found)
		return -ENOENT;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->rib = rib;
	a->conn = connection;
	a->cb = cb;
	a->arg = arg;
	rc = trie_walk(rib->t4, rib_whatif_cb, a);
	if (rc == 0)
		rc = trie_walk(rib->t6, rib_whatif_cb, a);
	if (rc == 0)
		rc = a->count;
	free(a);
	return rc;
}

void
rib_stats_get(const struct rib *rib, struct rib_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->prefixes = rib->n_dests;
	st->paths = rib->n_paths;
	st->groups = rib->n_groups;
	st->nexthops = hash_count(&rib->lhash);
	st->pending = rib->q_len;
	st->switches = rib->switches;
	st->groups_rewritten_total = rib->rewrites_total;
	for (size_t i = 0; i < RIB_CLASS_N; i++)
		st->active[i] = rib->n_active[i];
}
