/* failover/rib_path.c - paths: add, withdraw, stale marks (graceful restart), a source's paths as its Adj-RIB-In. */
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

void
rib_path_unlink(struct rib *rib, struct rib_path *p)
{
	struct rib_dest	  *d = rib_dest_at(rib, p->dest);
	struct rib_source *s = rib_path_pi(rib, p)->src;
	uint32_t	  *pp, self;

	for (pp = &d->paths; rib_path_at(rib, *pp) != p; pp = &rib_path_at(rib, *pp)->next)
		;
	self = *pp;
	*pp = p->next;
	d->n_paths--;
	if (s->sweep_cursor == self)
		s->sweep_cursor = p->src_next;
	if (p->src_prev)
		rib_path_at(rib, p->src_prev)->src_next = p->src_next;
	else
		s->paths = p->src_next;
	if (p->src_next)
		rib_path_at(rib, p->src_next)->src_prev = p->src_prev;
	s->n_paths--;
	if (!rib_path_pi(rib, p)->is_static)
		s->n_adj[d->v6]--;
	rib->n_paths--;
	if (s->cfg.cls < RIB_CLASS_N)
		rib->n_cls_paths[s->cfg.cls]--;
	rib_pinfo_put(rib, rib_path_pi(rib, p));
	rib_dest_dirty(rib, d);
	pool_item_free(&rib->path_pool, self);
}

int
rib_path_add(struct rib *rib, rib_source_id id, const struct prefix *pfx,
    const struct rib_path_info *info)
{
	struct rib_source      *s = rib_source_get(rib, id);
	struct trie	       *t;
	struct rib_dest	       *d, *nd;
	struct rib_path	       *p;
	const struct rib_pinfo *pi, *old;
	struct rib_pinfo	key;
	struct prefix		m;
	uint32_t		ndi, pidx, node = 0;
	int			rc = 0;

	if (s == NULL)
		return -ENOENT;
	if ((t = rib_trie(rib, pfx->family)) == NULL ||
	    pfx->len > prefix_family_bits(pfx->family))
		return -EINVAL;
	m = *pfx;
	prefix_mask(&m);
	/* one descent: a fresh dest goes back to the pool if one is there */
	if ((ndi = pool_item_new(&rib->dest_pool)) == 0)
		return -ENOMEM;
	nd = rib_dest_at(rib, ndi);
	if ((d = rib_dest_at(rib, trie_find_or_insert_node(t, &m, ndi, &rc, &node))) == NULL) {
		pool_item_free(&rib->dest_pool, ndi);
		return rc;
	}
	if (d != nd) {
		pool_item_free(&rib->dest_pool, ndi);
	} else {
		d->node = node & ((1u << 28) - 1);
		d->v6 = m.family == AF_INET6;
		d->act_cls = d->bak_cls = RIB_CLS_NONE;
		rib->n_dests++;
	}
	for (p = rib_path_at(rib, d->paths); p && rib_path_pi(rib, p)->src != s;
	     p = rib_path_at(rib, p->next))
		;
	if (p == NULL && d->n_paths == UINT8_MAX)
		return -ENOSPC;
	memset(&key, 0, sizeof(key));
	key.src = s;
	key.attr = info->attr;
	key.nexthop = info->nexthop.family ? info->nexthop : s->cfg.nexthop;
	/* no gateway and no interface: nothing to forward to */
	key.no_fib = s->cfg.no_fib || (key.nexthop.family == 0 && s->cfg.ifname[0] == '\0');
	key.peer_addr = info->peer_addr;
	key.local_pref = info->local_pref;
	key.med = info->med;
	key.has_med = info->has_med;
	key.neighbor_as = info->neighbor_as;
	key.router_id = info->peer_router_id;
	key.as_path_len = info->as_path_len;
	key.origin = info->origin;
	key.ebgp = info->ebgp;
	key.is_static = info->is_static;
	if ((pi = rib_pinfo_get(rib, &key)) == NULL)
		goto nomem;
	if (p == NULL) {
		if ((pidx = pool_item_new(&rib->path_pool)) == 0) {
			rib_pinfo_put(rib, pi);
			goto nomem;
		}
		p = rib_path_at(rib, pidx);
		p->dest = rib_dest_idx(rib, d) & RIB_DEST_MAX;
		p->next = d->paths;
		d->paths = pidx;
		d->n_paths++;
		p->src_next = s->paths;
		if (s->paths)
			rib_path_at(rib, s->paths)->src_prev = pidx;
		s->paths = pidx;
		s->n_paths++;
		rib->n_paths++;
		if (s->cfg.cls < RIB_CLASS_N)
			rib->n_cls_paths[s->cfg.cls]++;
	}
	old = rib_path_pi(rib, p);
	if (old == NULL || old->is_static != pi->is_static) {
		if (old && !old->is_static)
			s->n_adj[d->v6]--;
		if (!pi->is_static)
			s->n_adj[d->v6]++;
	}
	if (old == pi) { /* the same path again (a BGP repeat): nothing to select */
		rib_pinfo_put(rib, old);
		p->flags &= ~RIB_PATH_STALE;
		return 0;
	}
	if (old && ipaddr_cmp(&pi->nexthop, &old->nexthop) != 0)
		p->flags &= ~(RIB_PATH_ACTIVE | RIB_PATH_BACKUP); /* seen as a new path:
									 * dependents follow */
	p->pinfo = pi->self;
	rib_pinfo_put(rib, old);
	p->flags &= ~RIB_PATH_STALE;
	rib_dest_dirty(rib, d);
	return 0;
nomem:
	if (d->n_paths == 0)
		rib_dest_dirty(rib, d); /* reaped by the work queue */
	return -ENOMEM;
}

static void
rib_path_del_do(struct rib *rib, rib_source_id id, const struct prefix *pfx, bool keep_static)
{
	struct rib_source *s = rib_source_get(rib, id);
	struct rib_dest	  *d;
	struct rib_path	  *p;
	struct prefix	   m = *pfx;

	if (s == NULL)
		return;
	prefix_mask(&m);
	if ((d = rib_dest_find(rib, &m)) == NULL)
		return;
	for (p = rib_path_at(rib, d->paths); p && rib_path_pi(rib, p)->src != s;
	     p = rib_path_at(rib, p->next))
		;
	if (p && !(keep_static && rib_path_pi(rib, p)->is_static))
		rib_path_unlink(rib, p);
}

void
rib_path_del(struct rib *rib, rib_source_id id, const struct prefix *pfx)
{
	rib_path_del_do(rib, id, pfx, false);
}

void
rib_path_withdraw(struct rib *rib, rib_source_id id, const struct prefix *pfx)
{
	rib_path_del_do(rib, id, pfx, true);
}

void
rib_source_mark_stale(struct rib *rib, rib_source_id id)
{
	struct rib_source *s = rib_source_get(rib, id);
	struct rib_path	  *p;

	if (s == NULL)
		return;
	for (p = rib_path_at(rib, s->paths); p; p = rib_path_at(rib, p->src_next))
		if (!rib_path_pi(rib, p)->is_static)
			p->flags |= RIB_PATH_STALE;
}

void
rib_source_sweep_stale(struct rib *rib, rib_source_id id)
{
	rib_source_sweep_stale_af(rib, id, 0);
}

/* ---- a source's paths as its Adj-RIB-In ---- */

uint32_t
rib_source_path_count(const struct rib *rib, rib_source_id id, uint8_t family)
{
	const struct rib_source *s = rib_source_get(rib, id);

	if (s == NULL)
		return 0;
	if (family == AF_INET6)
		return s->n_adj[1];
	if (family == AF_INET)
		return s->n_adj[0];
	return s->n_adj[0] + s->n_adj[1];
}

static int
rib_path_idx_cmp(const void *a, const void *b, void *arg)
{
	const struct rib *rib = arg;
	struct prefix	  pa, pb;

	pa = rib_dest_prefix(rib,
	    rib_dest_at(rib, rib_path_at(rib, *(const uint32_t *)a)->dest));
	pb = rib_dest_prefix(rib,
	    rib_dest_at(rib, rib_path_at(rib, *(const uint32_t *)b)->dest));
	return prefix_cmp(&pa, &pb);
}

struct rib_src_walk {
	struct rib		*rib;
	const struct rib_source *s;
	rib_source_path_fn	 cb;
	void			*arg;
};

static int
rib_src_walk_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_src_walk    *w = arg;
	const struct rib_dest  *d = rib_dest_at(w->rib, val);
	const struct rib_path  *p;
	const struct rib_pinfo *pi;

	for (p = rib_path_at(w->rib, d->paths); p; p = rib_path_at(w->rib, p->next)) {
		pi = rib_path_pi(w->rib, p);
		if (pi->src == w->s && !pi->is_static)
			return w->cb(w->arg, pfx, pi->attr, (p->flags & RIB_PATH_STALE) != 0);
	}
	return 0;
}

int
rib_source_path_walk(struct rib *rib, rib_source_id id, rib_source_path_fn cb, void *arg)
{
	struct rib_source *s = rib_source_get(rib, id);
	uint32_t	  *v, i, n = 0, pi;
	int		   rc = 0;

	if (s == NULL || s->n_adj[0] + s->n_adj[1] == 0)
		return 0;
	/* holding a good part of the table: the trie's order costs no sort */
	if ((uint64_t)(s->n_adj[0] + s->n_adj[1]) * 8 >= rib->n_dests) {
		struct rib_src_walk w = { rib, s, cb, arg };

		if ((rc = trie_walk(rib->t4, rib_src_walk_cb, &w)) == 0)
			rc = trie_walk(rib->t6, rib_src_walk_cb, &w);
		return rc;
	}
	if ((v = malloc((s->n_adj[0] + s->n_adj[1]) * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (pi = s->paths; pi; pi = rib_path_at(rib, pi)->src_next)
		if (!rib_path_pi(rib, rib_path_at(rib, pi))->is_static)
			v[n++] = pi;
	qsort_r(v, n, sizeof(*v), rib_path_idx_cmp, rib);
	for (i = 0; i < n && rc == 0; i++) {
		const struct rib_path *p = rib_path_at(rib, v[i]);
		struct prefix	       pfx = rib_dest_prefix(rib, rib_dest_at(rib, p->dest));

		rc = cb(arg, &pfx, rib_path_pi(rib, p)->attr, (p->flags & RIB_PATH_STALE) != 0);
	}
	free(v);
	return rc;
}

void
rib_source_flush(struct rib *rib, rib_source_id id)
{
	struct rib_source *s = rib_source_get(rib, id);
	struct rib_path	  *p, *n;

	if (s == NULL)
		return;
	for (p = rib_path_at(rib, s->paths); p; p = n) {
		n = rib_path_at(rib, p->src_next);
		if (!rib_path_pi(rib, p)->is_static)
			rib_path_unlink(rib, p);
	}
}

uint32_t
rib_source_sweep_stale_af(struct rib *rib, rib_source_id id, uint8_t family)
{
	struct rib_source *s = rib_source_get(rib, id);
	struct rib_path	  *p, *n;
	uint32_t	   left = 0;

	if (s == NULL)
		return 0;
	for (p = rib_path_at(rib, s->paths); p; p = n) {
		n = rib_path_at(rib, p->src_next);
		if (!(p->flags & RIB_PATH_STALE) || rib_path_pi(rib, p)->is_static)
			continue;
		if (family == 0 || rib_dest_family(rib_dest_at(rib, p->dest)) == family)
			rib_path_unlink(rib, p);
		else
			left++;
	}
	return left;
}

void
rib_fib_error(struct rib *rib, const struct prefix *pfx, int err)
{
	struct rib_dest *d = rib_dest_find(rib, pfx);

	if (d)
		rib_dest_fib_err_set(d, err);
}
