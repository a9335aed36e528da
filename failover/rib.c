/* failover/rib.c - the route manager: lifecycle, interned path records, the work queue, failover events. */
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

/*
 * Health changes are the only time-critical input. A source that loses
 * eligibility is repaired synchronously by rib_group_failover() (cost per
 * group) and journalled; every prefix it carried is then queued for
 * re-selection, which runs in chunks from a uv_idle handle. A source that
 * regains eligibility after having been eligible before is damped: its
 * paths are usable but least preferred until failback_delay_s of continuous
 * health has passed (DESIGN.md 3, Selection 4).
 */

#define RIB_OPEN_MAX 16

#if UINTPTR_MAX > 0xffffffffu /* what a prefix and its paths cost (LP64) */
_Static_assert(sizeof(struct rib_path) == 20, "rib_path grew");
_Static_assert(sizeof(struct rib_dest) == 32, "rib_dest grew");
#endif

static void rib_work(struct rib *, size_t budget);
static void rib_sched(struct rib *);

uint64_t
rib_now_ms(const struct rib *rib)
{
	return rib->test_clock ? rib->now_ms : mono_ms();
}

struct trie *
rib_trie(const struct rib *rib, uint8_t family)
{
	return family == AF_INET ? rib->t4 : family == AF_INET6 ? rib->t6 : NULL;
}

struct rib_source *
rib_source_get(const struct rib *rib, rib_source_id id)
{
	if (id == 0 || id > rib->n_src)
		return NULL;
	return rib->src[id - 1];
}

bool
rib_path_eligible(const struct rib *rib, const struct rib_path *p)
{
	return rib_path_pi(rib, p)->src->eligible;
}

bool
rib_path_demoted(const struct rib *rib, const struct rib_path *p)
{
	return rib_path_pi(rib, p)->src->drained || rib_path_pi(rib, p)->src->damped;
}

struct rib_dest *
rib_dest_find(const struct rib *rib, const struct prefix *pfx)
{
	struct trie *t = rib_trie(rib, pfx->family);

	return t ? rib_dest_at(rib, trie_exact(t, pfx)) : NULL;
}

const char *
rib_class_name(enum rib_class c)
{
	switch (c) {
	case RIB_CLASS_LAN:
		return "lan";
	case RIB_CLASS_CIRCUIT:
		return "circuit";
	case RIB_CLASS_VPN:
		return "vpn";
	}
	return "?";
}

const char *
rib_trigger_name(enum rib_trigger t)
{
	/* clang-format off */
	static const char *const names[] = {
		[RIB_TRIG_ADMIN] = "admin", [RIB_TRIG_BGP_UP] = "bgp-up",
		[RIB_TRIG_BGP_DOWN] = "bgp-down", [RIB_TRIG_HOLD_TIMER] = "hold-timer",
		[RIB_TRIG_BFD_UP] = "bfd-up", [RIB_TRIG_BFD_DOWN] = "bfd-down",
		[RIB_TRIG_LINK] = "link", [RIB_TRIG_DPD] = "dpd",
		[RIB_TRIG_TUNNEL_UP] = "tunnel-up", [RIB_TRIG_TUNNEL_DOWN] = "tunnel-down",
		[RIB_TRIG_DRAIN] = "drain", [RIB_TRIG_FAILBACK] = "failback",
	};
	/* clang-format on */

	if ((unsigned)t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	return "?";
}

/* ---- rib ---- */

static void
rib_handle_free(uv_handle_t *h)
{
	free(h);
}

/*
 * Background work runs ahead of the kernel: each slice's route requests are
 * handed to the FIB's sender thread while the next slice is built. The FIB
 * holds what the kernel has not taken yet; bounding that (RIB_FIB_AHEAD)
 * keeps a full table's worth of requests from piling up in memory when the
 * route manager is faster than the kernel. Health losses do not wait: the
 * fast switch rewrites groups directly.
 */
static uint32_t
rib_fib_unsent(const struct rib *rib)
{
	struct fib_stats st;

	if (rib->cfg.fib == NULL)
		return 0;
	fib_stats_get(rib->cfg.fib, &st);
	return st.requests_unsent;
}

static bool
rib_fib_behind(const struct rib *rib)
{
	return rib_fib_unsent(rib) >= RIB_FIB_AHEAD;
}

static void
rib_pace_cb(uv_timer_t *t)
{
	rib_sched(t->data);
}

static void
rib_idle_cb(uv_idle_t *h)
{
	struct rib *rib = h->data;
	unsigned    i;

	if (rib->pace && rib_fib_behind(rib)) {
		uv_idle_stop(rib->idle);
		rib->idle_on = false;
		uv_timer_start(rib->pace, rib_pace_cb, RIB_FIB_WAIT_MS, 0);
		return;
	}
	/* During a full table the kernel is the slow side: while its sender
	 * has less than a couple of batches in hand, build more slices before
	 * the loop reads on (a BGP connection's turn is up to 32 KB, some 8,000
	 * prefixes; a slice is 4,096), so that it never waits for work. Bounded,
	 * so sockets and timers still get their turn. */
	for (i = 0; i < RIB_FEED_SLICES; i++) {
		rib_work(rib, RIB_WORK_CHUNK);
		if (!rib->q_head || !rib->cfg.fib || rib_fib_unsent(rib) >= RIB_FIB_LOW)
			break;
	}
}

struct rib *
rib_new(const struct rib_cfg *cfg)
{
	struct rib *rib;

	if ((rib = calloc(1, sizeof(*rib))) == NULL)
		return NULL;
	rib->cfg = *cfg;
	if (rib->cfg.policy.maximum_paths == 0)
		rib->cfg.policy.maximum_paths = 1;
	pool_init(&rib->dest_pool, sizeof(struct rib_dest), RIB_DEST_MAX);
	pool_init(&rib->path_pool, sizeof(struct rib_path), 0);
	pool_init(&rib->pinfo_pool, sizeof(struct rib_pinfo), 0);
	pool_init(&rib->group_pool, sizeof(struct rib_group), 0);
	hash_init(&rib->phash, 64);
	rib->t4 = trie_new(AF_INET);
	rib->t6 = trie_new(AF_INET6);
	rib->journal = journal_new(RIB_JOURNAL_MAX);
	if (!rib->t4 || !rib->t6 || !rib->journal)
		goto fail;
	if ((rib->loop = loop_get()) != NULL) {
		if ((rib->idle = calloc(1, sizeof(*rib->idle))) == NULL)
			goto fail;
		uv_idle_init(rib->loop, rib->idle);
		rib->idle->data = rib;
		if ((rib->pace = calloc(1, sizeof(*rib->pace))) == NULL)
			goto fail;
		uv_timer_init(rib->loop, rib->pace);
		rib->pace->data = rib;
	}
	if (rib_group_init(rib) != 0)
		goto fail;
	return rib;
fail:
	if (rib->idle)
		uv_close((uv_handle_t *)rib->idle, rib_handle_free);
	if (rib->pace)
		uv_close((uv_handle_t *)rib->pace, rib_handle_free);
	trie_free(rib->t4);
	trie_free(rib->t6);
	journal_free(rib->journal);
	free(rib);
	return NULL;
}

static void
rib_attr_put(struct rib *rib, struct rib_attr *a)
{
	if (a && rib->cfg.attr_ops && rib->cfg.attr_ops->put)
		rib->cfg.attr_ops->put(a);
}

static void
rib_attr_get(struct rib *rib, struct rib_attr *a)
{
	if (a && rib->cfg.attr_ops && rib->cfg.attr_ops->get)
		rib->cfg.attr_ops->get(a);
}

/* ---- interned path records ---- */

static uint32_t
rib_pinfo_hash(const struct rib_pinfo *k)
{
	const uint8_t *b = (const uint8_t *)k + RIB_PINFO_KEY_OFF;
	size_t	       i, n = sizeof(*k) - RIB_PINFO_KEY_OFF;
	uint64_t       h = 0, w;

	/* the key is a whole number of words (struct padding included) */
	_Static_assert((sizeof(struct rib_pinfo) - RIB_PINFO_KEY_OFF) % 8 == 0, "pinfo key");
	for (i = 0; i < n; i += 8) {
		memcpy(&w, b + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

/* The record equal to key (whose padding is zero), with a reference. */
const struct rib_pinfo *
rib_pinfo_get(struct rib *rib, const struct rib_pinfo *key)
{
	struct rib_pinfo *e = key->src->pi_last;
	struct hash_node *hn;
	const size_t	  n = sizeof(*key) - RIB_PINFO_KEY_OFF;
	uint32_t	  h, self;

	/* a session's updates mostly repeat the previous record */
	if (e &&
	    memcmp((const char *)e + RIB_PINFO_KEY_OFF, (const char *)key + RIB_PINFO_KEY_OFF,
		n) == 0) {
		e->refcnt++;
		return e;
	}
	h = rib_pinfo_hash(key);
	HASH_FOREACH_MATCH(&rib->phash, h, hn) {
		e = hash_entry(hn, struct rib_pinfo, hnode);
		if (memcmp((const char *)e + RIB_PINFO_KEY_OFF,
			(const char *)key + RIB_PINFO_KEY_OFF, n) == 0) {
			e->refcnt++;
			e->src->pi_last = e;
			return e;
		}
	}
	if ((self = pool_item_new(&rib->pinfo_pool)) == 0)
		return NULL;
	e = pool_item_at(&rib->pinfo_pool, self);
	memcpy(e, key, sizeof(*e));
	e->self = self;
	e->refcnt = 1;
	if (hash_add(&rib->phash, &e->hnode, h) != 0) {
		pool_item_free(&rib->pinfo_pool, self);
		return NULL;
	}
	rib_attr_get(rib, e->attr);
	e->src->pi_last = e;
	return e;
}

void
rib_pinfo_put(struct rib *rib, const struct rib_pinfo *pi)
{
	struct rib_pinfo *e = (struct rib_pinfo *)pi;

	if (e == NULL || --e->refcnt > 0)
		return;
	hash_del(&rib->phash, &e->hnode);
	if (e->src->pi_last == e)
		e->src->pi_last = NULL;
	rib_attr_put(rib, e->attr);
	pool_item_free(&rib->pinfo_pool, e->self);
}

static int
rib_dest_free_cb(const struct prefix *p, uint32_t val, void *arg)
{
	struct rib	*rib = arg;
	struct rib_dest *d = rib_dest_at(rib, val);
	struct rib_path *path, *n;

	(void)p;
	for (path = rib_path_at(rib, d->paths); path; path = n) {
		n = rib_path_at(rib, path->next);
		rib_pinfo_put(rib, rib_path_pi(rib, path));
	}
	return 0;
}

void
rib_source_release(struct rib *rib, struct rib_source *s)
{
	if (s->timer) {
		uv_timer_stop(s->timer);
		s->timer->data = NULL;
		uv_close((uv_handle_t *)s->timer, rib_handle_free);
	}
	free(s->name);
	free(s->connection);
	free(s);
	(void)rib;
}

void
rib_free(struct rib *rib)
{
	size_t i;

	if (rib == NULL)
		return;
	if (rib->idle) {
		uv_idle_stop(rib->idle);
		uv_close((uv_handle_t *)rib->idle, rib_handle_free);
	}
	if (rib->pace) {
		uv_timer_stop(rib->pace);
		uv_close((uv_handle_t *)rib->pace, rib_handle_free);
	}
	rib_export_fini(rib);
	trie_walk(rib->t4, rib_dest_free_cb, rib);
	trie_walk(rib->t6, rib_dest_free_cb, rib);
	trie_free(rib->t4);
	trie_free(rib->t6);
	pool_fini(&rib->path_pool);
	pool_fini(&rib->dest_pool);
	pool_fini(&rib->pinfo_pool);
	hash_fini(&rib->phash);
	rib_group_fini(rib); /* kernel state stays (fib_adopt at restart) */
	for (i = 0; i < rib->n_src; i++)
		if (rib->src[i])
			rib_source_release(rib, rib->src[i]);
	free(rib->src);
	journal_free(rib->journal);
	free(rib);
}

static int
rib_dest_dirty_cb(const struct prefix *p, uint32_t val, void *arg)
{
	(void)p;
	rib_dest_dirty(arg, rib_dest_at(arg, val));
	return 0;
}

static void
rib_dirty_all(struct rib *rib)
{
	trie_walk(rib->t4, rib_dest_dirty_cb, rib);
	trie_walk(rib->t6, rib_dest_dirty_cb, rib);
}

void
rib_fib_detach(struct rib *rib)
{
	if (rib->cfg.fib)
		fib_flush(rib->cfg.fib);
	rib->cfg.fib = NULL;
}

/* Running failback timers keep their deadline, except that a delay set to
 * 0 ends them at once. */
void
rib_policy_set(struct rib *rib, const struct rib_policy *pol)
{
	size_t i;

	rib->cfg.policy = *pol;
	if (rib->cfg.policy.maximum_paths == 0)
		rib->cfg.policy.maximum_paths = 1;
	if (pol->failback_delay_s == 0)
		for (i = 0; i < rib->n_src; i++)
			if (rib->src[i] && rib->src[i]->damped)
				rib_damp_stop(rib->src[i]);
	rib_dirty_all(rib);
}

/* ---- work queue ---- */

void
rib_dest_dirty(struct rib *rib, struct rib_dest *d)
{
	if (d->dirty)
		return;
	d->dirty = true;
	d->dirty_next = 0;
	if (rib->q_tail)
		rib->q_tail->dirty_next = rib_dest_idx(rib, d) & RIB_DEST_MAX;
	else
		rib->q_head = d;
	rib->q_tail = d;
	rib->q_len++;
	if (d->grp)
		rib_dest_grp(rib, d)->dirty_cnt++;
	rib_sched(rib);
}

static void
rib_sched(struct rib *rib)
{
	if (rib->idle && !rib->idle_on) {
		uv_idle_start(rib->idle, rib_idle_cb);
		rib->idle_on = true;
	}
}

size_t
rib_pending(const struct rib *rib)
{
	const struct rib_source *s;
	size_t			 n = rib->q_len;

	for (s = rib->sweep_head; s; s = s->sweep_next)
		n += s->n_paths; /* upper bound: some may be queued already */
	return n;
}

/* Queue every prefix of s for re-selection, lazily: the work queue walks
 * the source's paths in slices, so a health change costs O(groups) now. */
void
rib_source_dirty(struct rib *rib, struct rib_source *s)
{
	if (s->paths == 0)
		return;
	if (!s->sweeping) {
		s->sweeping = true;
		s->sweep_next = rib->sweep_head;
		rib->sweep_head = s;
	}
	s->sweep_cursor = s->paths;
	rib_sched(rib);
}

void
rib_sweep_unlink(struct rib *rib, struct rib_source *s)
{
	struct rib_source **pp;

	if (!s->sweeping)
		return;
	for (pp = &rib->sweep_head; *pp != s; pp = &(*pp)->sweep_next)
		;
	*pp = s->sweep_next;
	s->sweeping = false;
	s->sweep_cursor = 0;
}

static void
rib_sweep(struct rib *rib, size_t budget)
{
	struct rib_source *s;
	struct rib_path	  *p;
	uint32_t	   i;

	while (budget && (s = rib->sweep_head) != NULL) {
		for (i = s->sweep_cursor; i && budget; i = p->src_next, budget--) {
			p = rib_path_at(rib, i);
			rib_dest_dirty(rib, rib_dest_at(rib, p->dest));
		}
		s->sweep_cursor = i;
		if (i == 0)
			rib_sweep_unlink(rib, s);
	}
}

struct rib_under_arg {
	struct rib	*rib;
	struct rib_dest *self;
	bool		 all;
};

static int
rib_under_cb(const struct prefix *p, uint32_t val, void *arg)
{
	struct rib_under_arg *a = arg;
	struct rib_dest	     *q = rib_dest_at(a->rib, val);

	(void)p;
	if (q != a->self && (a->all || q->has_via || q->bak_cls == RIB_CLS_NONE))
		rib_dest_dirty(a->rib, q);
	return 0;
}

/*
 * True when no prefix's selection can depend on a covering prefix: every
 * path is of one class and from an eligible source, so every selected
 * prefix has an active path of that class and rib_select looks no further
 * than its own paths, and no prefix holds a backup from a covering one.
 * A full table from one peer is that case; the walk it saves is a subtree
 * per new prefix, the whole table under each short one.
 */
static bool
rib_cover_free(const struct rib *rib)
{
	uint64_t n = 0;
	unsigned c;
	size_t	 i;

	if (rib->n_via || rib->n_paths == 0)
		return false;
	for (c = 0; c < RIB_CLASS_N; c++)
		if (rib->n_paths == rib->n_cls_paths[c])
			break;
	if (c == RIB_CLASS_N)
		return false;
	for (i = 0; i < rib->n_src; i++)
		if (rib->src[i] && rib->src[i]->eligible)
			n += rib->src[i]->n_paths;
	return n == rib->n_paths;
}

/* Prefixes under d whose backup may come from d (or whose advertisement
 * depends on d covering them) must be re-selected when d changes. */
static void
rib_dest_dependents(struct rib *rib, struct rib_dest *d, bool all)
{
	struct rib_under_arg a = { rib, d, all };

	if (!all && rib_cover_free(rib))
		return;
	/* the subtree under d's node: d itself (skipped) and what it contains */
	trie_walk_node(rib_dest_trie(rib, d), d->node, rib_under_cb, &a);
}

static bool
rib_sel_same(const struct rib *rib, const struct rib_dest *d, const struct rib_sel *sel,
    uint8_t flag, struct rib_path *const *v, size_t n)
{
	const struct rib_path *p;
	size_t		       cnt = 0, i;

	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next))
		if (p->flags & flag)
			cnt++;
	if (cnt != n)
		return false;
	for (i = 0; i < n; i++)
		if (!(v[i]->flags & flag))
			return false;
	(void)sel;
	return true;
}

static bool
rib_dest_covers(const struct rib *rib, const struct rib_dest *d)
{
	const struct rib_path *p;
	struct prefix	       pfx;

	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next))
		if (rib_path_pi(rib, p)->src->cfg.cls == RIB_CLASS_CIRCUIT &&
		    rib_path_eligible(rib, p))
			break;
	if (p == NULL)
		return false;
	pfx = rib_dest_prefix(rib, d);
	return !prefix_is_default(&pfx); /* the default route covers nothing (DESIGN.md 3) */
}

static void
rib_event_count(struct rib *rib, const struct rib_sel *sel)
{
	if (!rib->ev_open)
		return;
	rib->open_ev.moved++;
	if (sel->act_cls < RIB_CLASS_N)
		rib->open_ev.to_count[sel->act_cls]++;
}

/* The per-class prefix counts of rib_stats follow every change of a
 * prefix's selected class (RIB_CLS_NONE: no active path). */
static void
rib_active_count(struct rib *rib, unsigned from, unsigned to)
{
	if (from == to)
		return;
	if (from < RIB_CLASS_N)
		rib->n_active[from]--;
	if (to < RIB_CLASS_N)
		rib->n_active[to]++;
}

static void
rib_dest_process(struct rib *rib, struct rib_dest *d)
{
	struct rib_sel	 sel;
	struct rib_path *p;
	struct prefix	 pfx;
	uint32_t	 di;
	bool		 act_chg, bak_chg, cov_chg, cover, had_act;
	size_t		 i;

	if (d->n_paths == 0) {
		pfx = rib_dest_prefix(rib, d);
		had_act = d->act_cls != RIB_CLS_NONE;
		rib_group_release(rib, d);
		rib_export_forget(rib, &pfx);
		if (d->has_via) {
			rib->n_via--;
			d->has_via = false;
		}
		if (had_act || d->cover) {
			rib_active_count(rib, d->act_cls, RIB_CLS_NONE);
			d->act_cls = RIB_CLS_NONE;
			d->bak_cls = RIB_CLS_NONE;
			d->cover = false;
			rib_dest_dependents(rib, d, true);
		}
		di = trie_delete(rib_dest_trie(rib, d), &pfx);
		rib->n_dests--;
		pool_item_free(&rib->dest_pool, di);
		return;
	}
	rib_select(rib, d, NULL, &sel);
	act_chg = sel.act_cls != d->act_cls ||
	    !rib_sel_same(rib, d, &sel, RIB_PATH_ACTIVE, sel.act, sel.n_act);
	/* a via covers d: same length, same prefix */
	bak_chg = sel.bak_cls != d->bak_cls || (sel.via != NULL) != d->has_via ||
	    (sel.via && sel.via_len != d->via_len) ||
	    (!sel.via && !rib_sel_same(rib, d, &sel, RIB_PATH_BACKUP, sel.bak, sel.n_bak));
	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next))
		p->flags &= ~(RIB_PATH_ACTIVE | RIB_PATH_BACKUP);
	for (i = 0; i < sel.n_act; i++)
		sel.act[i]->flags |= RIB_PATH_ACTIVE;
	if (!sel.via)
		for (i = 0; i < sel.n_bak; i++)
			sel.bak[i]->flags |= RIB_PATH_BACKUP;
	if (act_chg) {
		d->since = (uint32_t)time(NULL);
		rib_event_count(rib, &sel);
	}
	rib_active_count(rib, d->act_cls, sel.act_cls);
	d->act_cls = sel.act_cls;
	d->bak_cls = sel.bak_cls;
	d->local = sel.local;
	rib->n_via = rib->n_via + (sel.via != NULL) - d->has_via;
	d->has_via = sel.via != NULL;
	d->via_len = sel.via ? sel.via_len : 0;
	cover = rib_dest_covers(rib, d);
	cov_chg = cover != d->cover;
	d->cover = cover;
	rib_group_assign(rib, d, &sel);
	rib_export_dest(rib, d, &sel);
	if (act_chg || bak_chg || cov_chg)
		rib_dest_dependents(rib, d, cov_chg);
}

static void
rib_event_close(struct rib *rib)
{
	struct rib_journal_entry *e;
	uint64_t		  now = mono_us();
	unsigned		  c, best = RIB_CLASS_N;

	if (!rib->ev_open)
		return;
	rib->ev_open = false;
	if ((e = journal_find(rib->journal, rib->open_ev.id)) == NULL)
		return;
	e->prefixes_moved = rib->open_ev.moved;
	e->groups_rewritten = rib->open_ev.groups;
	for (c = 0; c < RIB_CLASS_N; c++)
		if (rib->open_ev.to_count[c] &&
		    (best == RIB_CLASS_N ||
			rib->open_ev.to_count[c] > rib->open_ev.to_count[best]))
			best = c;
	e->has_to = best != RIB_CLASS_N;
	if (e->has_to)
		e->to_class = best;
	e->switch_time_us = (uint32_t)(now - rib->open_ev.detect_mono_us);
	e->switched_us = e->detected_us + e->switch_time_us;
	if (e->prefixes_moved)
		rib->switches++;
	if (rib->notify)
		rib->notify(rib->notify_arg, e);
}

/* Open a background event (up, failback, drain): closed when the queue drains. */
void
rib_event_open(struct rib *rib, struct rib_source *s, enum rib_trigger trig)
{
	struct rib_journal_entry *e;

	if (s->n_paths == 0)
		return;
	rib_event_close(rib); /* one at a time: the previous one ends here */
	e = journal_add(rib->journal, s->connection, s->name, trig, s->cfg.cls,
	    journal_wall_us());
	memset(&rib->open_ev, 0, sizeof(rib->open_ev));
	rib->open_ev.id = e->id;
	rib->open_ev.detect_mono_us = mono_us();
	rib->ev_open = true;
}

static void
rib_work(struct rib *rib, size_t budget)
{
	struct rib_dest *d;

	if (rib->in_work)
		return;
	rib->in_work = true;
	/* queue every prefix of a changed source before re-selecting any, so
	 * that a group's prefixes are all pending when its first one is done
	 * (see rib_group_assign) */
	rib_sweep(rib, budget > SIZE_MAX / 16 ? SIZE_MAX : budget * 16);
	if (rib->sweep_head)
		budget = 0;
	while (budget-- > 0 && (d = rib->q_head) != NULL) {
		rib->q_head = rib_dest_at(rib, d->dirty_next);
		if (rib->q_head == NULL)
			rib->q_tail = NULL;
		rib->q_len--;
		d->dirty = false;
		d->dirty_next = 0;
		if (d->grp)
			rib_dest_grp(rib, d)->dirty_cnt--;
		rib_dest_process(rib, d);
	}
	rib_export_flush(rib);
	if (rib->cfg.fib) {
		/* The kernel takes this slice while the next is built (and the
		 * loop reads the next UPDATEs). Only an open event (failback,
		 * drain...) that closes now waits for the kernel to have it
		 * all: its journal entry says when the FIB was switched. */
		if (rib->ev_open && !rib->q_head && !rib->sweep_head)
			fib_flush(rib->cfg.fib);
		else
			fib_push(rib->cfg.fib);
	}
	if (rib->q_head == NULL && rib->sweep_head == NULL) {
		rib->epoch++;
		rib_event_close(rib);
		if (rib->idle_on) {
			uv_idle_stop(rib->idle);
			rib->idle_on = false;
		}
	}
	rib->in_work = false;
}

void
rib_settle(struct rib *rib)
{
	if (rib->pace)
		uv_timer_stop(rib->pace);
	do {
		/* in slices the kernel keeps up with (see rib_fib_behind) */
		if (rib_fib_behind(rib))
			fib_flush(rib->cfg.fib);
		rib_work(rib, rib->cfg.fib ? RIB_FIB_AHEAD : SIZE_MAX);
	} while ((rib->q_head || rib->sweep_head) && !rib->in_work);
}
