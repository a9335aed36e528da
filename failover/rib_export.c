/* failover/rib_export.c - what to advertise to whom: per-target export sets and caps. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "failover/rib_local.h"
#include "lib/log.h"

/*
 * DESIGN.md 3, Advertisement. Each target keeps the set it wants (a trie per
 * family: prefix -> entry) and which of those it was sent. Categories order
 * what survives a cap: local prefixes first, then sites (or cloud prefixes
 * for site VPNs), then the optional extras (transit, branch-to-branch); within
 * a category, lowest prefix_cmp order first. While the wanted set fits the
 * cap, changes are sent as they come; above it, the advertised set is
 * recomputed after each batch of work (withdraws before announces, so the
 * peer never sees more than cap).
 */

enum { EXP_CAT_LOCAL, EXP_CAT_MAIN, EXP_CAT_EXTRA, EXP_CAT_N };

/* 16 bytes from the target's pool. */
struct rib_exp_ent {
	struct rib_attr *attr; /* own reference; NULL = local/static */
	uint32_t	 self; /* pool index */
	uint8_t		 cat;
	bool		 adv;	   /* sent to the target */
	bool		 want_adv; /* scratch for cap recomputation */
};

struct rib_export {
	rib_export_id	      id;
	struct rib_export_cfg cfg;
	char		     *name;
	char		     *own_conn; /* own source's connection, "" = none */
	struct trie	     *w4, *w6;
	struct pool	      ents; /* struct rib_exp_ent */
	uint32_t	      n_wanted, n_adv;
	bool		      recompute;
	bool		      alarm;
};

static struct rib_export *
rib_export_get(const struct rib *rib, rib_export_id id)
{
	if (id == 0 || id > rib->n_exp)
		return NULL;
	return rib->exp[id - 1];
}

static struct trie *
rib_export_trie(struct rib_export *x, uint8_t family)
{
	return family == AF_INET ? x->w4 : x->w6;
}

static void
rib_exp_attr_get(struct rib *rib, struct rib_attr *a)
{
	if (a && rib->cfg.attr_ops && rib->cfg.attr_ops->get)
		rib->cfg.attr_ops->get(a);
}

static void
rib_exp_attr_put(struct rib *rib, struct rib_attr *a)
{
	if (a && rib->cfg.attr_ops && rib->cfg.attr_ops->put)
		rib->cfg.attr_ops->put(a);
}

/* Is d covered by a circuit-learned route (itself or a shorter prefix),
 * the default route excepted? */
static bool
rib_export_covered(const struct rib *rib, const struct rib_dest *d)
{
	struct trie	      *t = rib_dest_trie(rib, d);
	const struct rib_dest *c;
	struct prefix	       cur = rib_dest_prefix(rib, d), m;

	if (d->cover)
		return true;
	while ((c = rib_dest_at(rib, trie_covering(t, &cur, &m))) != NULL) {
		if (c->cover)
			return true;
		cur = m;
	}
	return false;
}

/* What target x wants for d: returns false for nothing, else *attr, *cat. */
static bool
rib_export_want(const struct rib *rib, const struct rib_export *x, const struct rib_dest *d,
    const struct rib_sel *sel, struct rib_attr **attr, uint8_t *cat)
{
	const struct rib_path	*p = NULL;
	const struct rib_policy *pol = &rib->cfg.policy;
	bool			 local, cloud, site;
	size_t			 i;

	/* never back to where it came from: not to the source, nor to the
	 * other sessions of the same connection */
	for (i = 0; i < sel->n_act && p == NULL; i++) {
		p = sel->act[i];
		if (rib_path_pi(rib, p)->src->id == x->cfg.own_source ||
		    (x->own_conn[0] &&
			strcmp(rib_path_pi(rib, p)->src->connection, x->own_conn) == 0))
			p = NULL;
	}
	if (p == NULL)
		return false;
	local = sel->act_cls == RIB_CLASS_LAN;
	cloud = sel->act_cls == RIB_CLASS_CIRCUIT ||
	    (sel->act_cls == RIB_CLASS_VPN &&
		rib_path_pi(rib, p)->src->cfg.role != RIB_VPN_SITE);
	site =
	    sel->act_cls == RIB_CLASS_VPN && rib_path_pi(rib, p)->src->cfg.role == RIB_VPN_SITE;
	*attr = rib_path_pi(rib, p)->is_static ? NULL : rib_path_pi(rib, p)->attr;
	switch (x->cfg.role) {
	case RIB_EXP_CIRCUIT:
		if (local)
			*cat = EXP_CAT_LOCAL;
		else if (site && !rib_export_covered(rib, d))
			*cat = EXP_CAT_MAIN; /* a site the circuit cannot reach */
		else if (cloud && pol->allow_transit)
			*cat = EXP_CAT_EXTRA;
		else
			return false;
		return true;
	case RIB_EXP_VPN_CLOUD:
		*cat = EXP_CAT_LOCAL;
		return local;
	case RIB_EXP_VPN_SITE:
		if (local)
			*cat = EXP_CAT_LOCAL;
		else if (cloud)
			*cat = EXP_CAT_MAIN;
		else if (site && pol->branch_to_branch)
			*cat = EXP_CAT_EXTRA;
		else
			return false;
		return true;
	case RIB_EXP_LAN:
		*cat = EXP_CAT_MAIN;
		return cloud || site;
	}
	return false;
}

static bool
rib_export_capped(const struct rib_export *x)
{
	return x->cfg.cap && (x->n_wanted > x->cfg.cap || x->alarm);
}

static void
rib_export_update(struct rib *rib, struct rib_export *x, const struct prefix *pfx, bool want,
    struct rib_attr *attr, uint8_t cat)
{
	struct trie	   *t = rib_export_trie(x, pfx->family);
	struct rib_exp_ent *e, *ne;
	uint32_t	    ni;
	int		    rc;

	if (!want) {
		if ((e = pool_item_at(&x->ents, trie_delete(t, pfx))) == NULL)
			return;
		x->n_wanted--;
		if (e->adv) {
			x->n_adv--;
			x->cfg.ops->withdraw(x->cfg.ctx, pfx);
		}
		rib_exp_attr_put(rib, e->attr);
		pool_item_free(&x->ents, e->self);
		if (x->cfg.cap && (x->alarm || x->n_wanted >= x->cfg.cap))
			x->recompute = true; /* a withheld prefix may fit now */
		return;
	}
	/* one descent: a fresh entry goes back to the pool if one is there */
	if ((ni = pool_item_new(&x->ents)) == 0)
		return;
	ne = pool_item_at(&x->ents, ni);
	if ((e = pool_item_at(&x->ents, trie_find_or_insert(t, pfx, ni, &rc))) != ne)
		pool_item_free(&x->ents, ni);
	if (e == NULL)
		return;
	if (e == ne) {
		e->self = ni;
		x->n_wanted++;
		rib_exp_attr_get(rib, attr);
		e->attr = attr;
		e->cat = cat;
		if (!rib_export_capped(x) && (x->cfg.cap == 0 || x->n_adv < x->cfg.cap)) {
			e->adv = true;
			x->n_adv++;
			x->cfg.ops->announce(x->cfg.ctx, pfx, attr);
		} else {
			x->recompute = true;
		}
		return;
	}
	if (e->cat != cat) {
		e->cat = cat;
		if (x->cfg.cap)
			x->recompute = true;
	}
	if (e->attr != attr) {
		rib_exp_attr_get(rib, attr);
		rib_exp_attr_put(rib, e->attr);
		e->attr = attr;
		if (e->adv)
			x->cfg.ops->announce(x->cfg.ctx, pfx, attr);
	}
}

void
rib_export_dest(struct rib *rib, struct rib_dest *d, const struct rib_sel *sel)
{
	struct rib_export *x;
	struct rib_attr	  *attr = NULL;
	uint8_t		   cat = 0;
	size_t		   i;
	bool		   want;
	struct prefix	   pfx;

	if (rib->n_exp)
		pfx = rib_dest_prefix(rib, d);
	for (i = 0; i < rib->n_exp; i++) {
		if ((x = rib->exp[i]) == NULL)
			continue;
		want = sel->n_act && rib_export_want(rib, x, d, sel, &attr, &cat);
		rib_export_update(rib, x, &pfx, want, attr, cat);
	}
}

void
rib_export_forget(struct rib *rib, const struct prefix *pfx)
{
	size_t i;

	for (i = 0; i < rib->n_exp; i++)
		if (rib->exp[i])
			rib_export_update(rib, rib->exp[i], pfx, false, NULL, 0);
}

/* ---- cap recomputation ---- */

struct rib_cap_arg {
	struct rib_export *x;
	uint8_t		   cat;
	uint32_t	   budget;
	int		   phase; /* 0 mark, 1 withdraw, 2 announce */
};

static int
rib_cap_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_cap_arg *a = arg;
	struct rib_export  *x = a->x;
	struct rib_exp_ent *e = pool_item_at(&x->ents, val);

	switch (a->phase) {
	case 0:
		if (e->cat != a->cat)
			break;
		e->want_adv = a->budget > 0;
		if (a->budget)
			a->budget--;
		break;
	case 1:
		if (e->adv && !e->want_adv) {
			e->adv = false;
			x->n_adv--;
			x->cfg.ops->withdraw(x->cfg.ctx, pfx);
		}
		break;
	case 2:
		if (!e->adv && e->want_adv) {
			e->adv = true;
			x->n_adv++;
			x->cfg.ops->announce(x->cfg.ctx, pfx, e->attr);
		}
		break;
	}
	return 0;
}

static void
rib_export_recompute(struct rib *rib, struct rib_export *x)
{
	struct rib_cap_arg a = { x, 0, x->cfg.cap ? x->cfg.cap : UINT32_MAX, 0 };
	bool		   alarm;

	for (a.cat = 0; a.cat < EXP_CAT_N; a.cat++) {
		trie_walk(x->w4, rib_cap_cb, &a);
		trie_walk(x->w6, rib_cap_cb, &a);
	}
	for (a.phase = 1; a.phase <= 2; a.phase++) {
		trie_walk(x->w4, rib_cap_cb, &a);
		trie_walk(x->w6, rib_cap_cb, &a);
	}
	alarm = x->cfg.cap && x->n_wanted > x->cfg.cap;
	if (alarm != x->alarm) {
		if (alarm)
			log_warn(LOG_MOD_FAILOVER,
			    "rib: export %s: %u prefixes wanted, cap %u: withholding %u",
			    x->name, x->n_wanted, x->cfg.cap, x->n_wanted - x->cfg.cap);
		else
			log_info(LOG_MOD_FAILOVER, "rib: export %s: back under its cap (%u/%u)",
			    x->name, x->n_wanted, x->cfg.cap);
		x->alarm = alarm;
		if (rib->alarm_notify) {
			struct rib_alarm al = {
				.target = x->id,
				.name = x->name,
				.role = x->cfg.role,
				.wanted = x->n_wanted,
				.cap = x->cfg.cap,
				.raised = alarm,
			};

			rib->alarm_notify(rib->alarm_arg, &al);
		}
	}
	x->recompute = false;
}

void
rib_export_flush(struct rib *rib)
{
	size_t i;

	for (i = 0; i < rib->n_exp; i++)
		if (rib->exp[i] && rib->exp[i]->recompute)
			rib_export_recompute(rib, rib->exp[i]);
}

/* ---- targets ---- */

struct rib_exp_fill {
	struct rib	  *rib;
	struct rib_export *x;
	struct rib_sel	   sel;
};

static int
rib_export_fill_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_exp_fill *f = arg;
	struct rib_dest	    *d = rib_dest_at(f->rib, val);
	struct rib_attr	    *attr = NULL;
	uint8_t		     cat = 0;

	if (d->n_paths == 0 || d->act_cls == RIB_CLS_NONE)
		return 0;
	/* the selection last applied (the work queue will revisit pending ones) */
	rib_select(f->rib, d, NULL, &f->sel);
	if (f->sel.n_act && rib_export_want(f->rib, f->x, d, &f->sel, &attr, &cat))
		rib_export_update(f->rib, f->x, pfx, true, attr, cat);
	return 0;
}

static void rib_export_free(struct rib *rib, struct rib_export *x);

void
rib_export_cap_set(struct rib *rib, rib_export_id id, uint32_t cap)
{
	struct rib_export *x = rib_export_get(rib, id);
	struct rib_source *own;

	if (x == NULL)
		return;
	if (cap == 0 && (own = rib_source_get(rib, x->cfg.own_source)) != NULL)
		cap = own->cfg.outbound_cap;
	x->cfg.cap = cap;
	rib_export_recompute(rib, x);
}

int
rib_export_add(struct rib *rib, const struct rib_export_cfg *cfg, rib_export_id *id)
{
	struct rib_export   *x, **v;
	struct rib_exp_fill *f;
	struct rib_source   *own;

	if (cfg->ops == NULL || cfg->ops->announce == NULL || cfg->ops->withdraw == NULL ||
	    cfg->role > RIB_EXP_LAN)
		return -EINVAL;
	if ((v = realloc(rib->exp, (rib->n_exp + 1) * sizeof(*v))) == NULL)
		return -ENOMEM;
	rib->exp = v;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	own = rib_source_get(rib, cfg->own_source);
	x->cfg = *cfg;
	pool_init(&x->ents, sizeof(struct rib_exp_ent), 0);
	if (x->cfg.cap == 0 && own) /* the circuit's configured limit */
		x->cfg.cap = own->cfg.outbound_cap;
	x->name = strdup(cfg->name ? cfg->name : "");
	x->own_conn = strdup(own ? own->connection : "");
	x->w4 = trie_new(AF_INET);
	x->w6 = trie_new(AF_INET6);
	f = calloc(1, sizeof(*f));
	if (!x->name || !x->own_conn || !x->w4 || !x->w6 || !f) {
		free(f);
		rib_export_free(rib, x);
		return -ENOMEM;
	}
	x->cfg.name = x->name;
	x->id = (rib_export_id)(rib->n_exp + 1);
	rib->exp[rib->n_exp++] = x;
	f->rib = rib;
	f->x = x;
	trie_walk(rib->t4, rib_export_fill_cb, f);
	trie_walk(rib->t6, rib_export_fill_cb, f);
	free(f);
	if (x->recompute)
		rib_export_recompute(rib, x);
	*id = x->id;
	return 0;
}

static int
rib_exp_free_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_exp_fill *f = arg;
	struct rib_exp_ent  *e = pool_item_at(&f->x->ents, val);

	(void)pfx;
	rib_exp_attr_put(f->rib, e->attr);
	return 0;
}

static void
rib_export_free(struct rib *rib, struct rib_export *x)
{
	struct rib_exp_fill f = { .rib = rib, .x = x };

	if (x->w4) {
		trie_walk(x->w4, rib_exp_free_cb, &f);
		trie_free(x->w4);
	}
	if (x->w6) {
		trie_walk(x->w6, rib_exp_free_cb, &f);
		trie_free(x->w6);
	}
	pool_fini(&x->ents);
	free(x->name);
	free(x->own_conn);
	free(x);
}

void
rib_export_del(struct rib *rib, rib_export_id id)
{
	struct rib_export *x = rib_export_get(rib, id);

	if (x == NULL)
		return;
	rib->exp[id - 1] = NULL;
	rib_export_free(rib, x);
}

static int
rib_resync_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_export  *x = arg;
	struct rib_exp_ent *e = pool_item_at(&x->ents, val);

	if (e->adv)
		x->cfg.ops->announce(x->cfg.ctx, pfx, e->attr);
	return 0;
}

void
rib_export_resync(struct rib *rib, rib_export_id id)
{
	struct rib_export *x = rib_export_get(rib, id);

	if (x == NULL)
		return;
	if (x->recompute)
		rib_export_recompute(rib, x);
	trie_walk(x->w4, rib_resync_cb, x);
	trie_walk(x->w6, rib_resync_cb, x);
}

void
rib_export_fini(struct rib *rib)
{
	size_t i;

	for (i = 0; i < rib->n_exp; i++)
		if (rib->exp[i])
			rib_export_free(rib, rib->exp[i]);
	free(rib->exp);
	rib->exp = NULL;
	rib->n_exp = 0;
}

int
rib_alarm_walk(struct rib *rib, rib_alarm_fn cb, void *arg)
{
	struct rib_alarm   a;
	struct rib_export *x;
	size_t		   i;
	int		   rc;

	for (i = 0; i < rib->n_exp; i++) {
		if ((x = rib->exp[i]) == NULL || !x->alarm)
			continue;
		a.target = x->id;
		a.name = x->name;
		a.role = x->cfg.role;
		a.wanted = x->n_wanted;
		a.cap = x->cfg.cap;
		a.raised = true;
		if ((rc = cb(arg, &a)) != 0)
			return rc;
	}
	return 0;
}

void
rib_alarm_subscribe(struct rib *rib, rib_alarm_fn fn, void *arg)
{
	rib->alarm_notify = fn;
	rib->alarm_arg = arg;
}
