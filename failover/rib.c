/* failover/rib.c - the route manager: sources, health, paths, fast failover, background work. */
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

#define RIB_OPEN_MAX	16

#if UINTPTR_MAX > 0xffffffffu	/* what a prefix and its paths cost (LP64) */
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
	struct trie	*t = rib_trie(rib, pfx->family);

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
	static const char *const names[] = {
		[RIB_TRIG_ADMIN] = "admin", [RIB_TRIG_BGP_UP] = "bgp-up",
		[RIB_TRIG_BGP_DOWN] = "bgp-down", [RIB_TRIG_HOLD_TIMER] = "hold-timer",
		[RIB_TRIG_BFD_UP] = "bfd-up", [RIB_TRIG_BFD_DOWN] = "bfd-down",
		[RIB_TRIG_LINK] = "link", [RIB_TRIG_DPD] = "dpd",
		[RIB_TRIG_TUNNEL_UP] = "tunnel-up", [RIB_TRIG_TUNNEL_DOWN] = "tunnel-down",
		[RIB_TRIG_DRAIN] = "drain", [RIB_TRIG_FAILBACK] = "failback",
	};

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
	struct fib_stats	 st;

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
	struct rib	*rib = h->data;
	unsigned	 i;

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
	struct rib	*rib;

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
	const uint8_t	*b = (const uint8_t *)k + RIB_PINFO_KEY_OFF;
	size_t		 i, n = sizeof(*k) - RIB_PINFO_KEY_OFF;
	uint64_t	 h = 0, w;

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
static const struct rib_pinfo *
rib_pinfo_get(struct rib *rib, const struct rib_pinfo *key)
{
	struct rib_pinfo	*e = key->src->pi_last;
	struct hash_node	*hn;
	const size_t		 n = sizeof(*key) - RIB_PINFO_KEY_OFF;
	uint32_t		 h, self;

	/* a session's updates mostly repeat the previous record */
	if (e && memcmp((const char *)e + RIB_PINFO_KEY_OFF, (const char *)key + RIB_PINFO_KEY_OFF,
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

static void
rib_pinfo_put(struct rib *rib, const struct rib_pinfo *pi)
{
	struct rib_pinfo	*e = (struct rib_pinfo *)pi;

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
	struct rib_dest	*d = rib_dest_at(rib, val);
	struct rib_path	*path, *n;

	(void)p;
	for (path = rib_path_at(rib, d->paths); path; path = n) {
		n = rib_path_at(rib, path->next);
		rib_pinfo_put(rib, rib_path_pi(rib, path));
	}
	return 0;
}

static void
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
	size_t	 i;

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
	rib_group_fini(rib);	/* kernel state stays (fib_adopt at restart) */
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

static void rib_damp_stop(struct rib_source *);

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
	size_t	 i;

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
	const struct rib_source	*s;
	size_t			 n = rib->q_len;

	for (s = rib->sweep_head; s; s = s->sweep_next)
		n += s->n_paths;	/* upper bound: some may be queued already */
	return n;
}

/* Queue every prefix of s for re-selection, lazily: the work queue walks
 * the source's paths in slices, so a health change costs O(groups) now. */
static void
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

static void
rib_sweep_unlink(struct rib *rib, struct rib_source *s)
{
	struct rib_source	**pp;

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
	struct rib_source	*s;
	struct rib_path		*p;
	uint32_t		 i;

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
	struct rib_dest	*self;
	bool		 all;
};

static int
rib_under_cb(const struct prefix *p, uint32_t val, void *arg)
{
	struct rib_under_arg	*a = arg;
	struct rib_dest		*q = rib_dest_at(a->rib, val);

	(void)p;
	if (q != a->self && (a->all || q->has_via || q->bak_cls == RIB_CLS_NONE))
		rib_dest_dirty(a->rib, q);
	return 0;
}

/* Prefixes under d whose backup may come from d (or whose advertisement
 * depends on d covering them) must be re-selected when d changes. */
static void
rib_dest_dependents(struct rib *rib, struct rib_dest *d, bool all)
{
	struct rib_under_arg	 a = { rib, d, all };

	/* the subtree under d's node: d itself (skipped) and what it contains */
	trie_walk_node(rib_dest_trie(rib, d), d->node, rib_under_cb, &a);
}

static bool
rib_sel_same(const struct rib *rib, const struct rib_dest *d, const struct rib_sel *sel, uint8_t flag,
    struct rib_path *const *v, size_t n)
{
	const struct rib_path	*p;
	size_t			 cnt = 0, i;

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
	const struct rib_path	*p;
	struct prefix		 pfx;

	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next))
		if (rib_path_pi(rib, p)->src->cfg.cls == RIB_CLASS_CIRCUIT &&
		    rib_path_eligible(rib, p))
			break;
	if (p == NULL)
		return false;
	pfx = rib_dest_prefix(rib, d);
	return !prefix_is_default(&pfx);	/* the default route covers nothing (DESIGN.md 3) */
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

static void
rib_dest_process(struct rib *rib, struct rib_dest *d)
{
	struct rib_sel	 sel;
	struct rib_path	*p;
	struct prefix	 pfx;
	uint32_t	 di;
	bool		 act_chg, bak_chg, cov_chg, cover, had_act;
	size_t		 i;

	if (d->n_paths == 0) {
		pfx = rib_dest_prefix(rib, d);
		had_act = d->act_cls != RIB_CLS_NONE;
		rib_group_release(rib, d);
		rib_export_forget(rib, &pfx);
		if (had_act || d->cover) {
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
	act_chg = sel.act_cls != d->act_cls || !rib_sel_same(rib, d, &sel, RIB_PATH_ACTIVE, sel.act,
	    sel.n_act);
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
	d->act_cls = sel.act_cls;
	d->bak_cls = sel.bak_cls;
	d->local = sel.local;
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
	struct rib_journal_entry	*e;
	uint64_t			 now = mono_us();
	unsigned			 c, best = RIB_CLASS_N;

	if (!rib->ev_open)
		return;
	rib->ev_open = false;
	if ((e = journal_find(rib->journal, rib->open_ev.id)) == NULL)
		return;
	e->prefixes_moved = rib->open_ev.moved;
	e->groups_rewritten = rib->open_ev.groups;
	for (c = 0; c < RIB_CLASS_N; c++)
		if (rib->open_ev.to_count[c] &&
		    (best == RIB_CLASS_N || rib->open_ev.to_count[c] > rib->open_ev.to_count[best]))
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
static void
rib_event_open(struct rib *rib, struct rib_source *s, enum rib_trigger trig)
{
	struct rib_journal_entry	*e;

	if (s->n_paths == 0)
		return;
	rib_event_close(rib);	/* one at a time: the previous one ends here */
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
	struct rib_dest	*d;

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

/* ---- sources and health ---- */

static void rib_failback_fire(struct rib *, struct rib_source *);

static void
rib_timer_cb(uv_timer_t *t)
{
	struct rib_source	*s = t->data;

	if (s)
		rib_failback_fire(s->rib, s);
}

static bool
rib_source_healthy(const struct rib_source *s)
{
	return (!s->cfg.needs_bgp || s->bgp_up) && (!s->cfg.needs_bfd || s->bfd_up) &&
	    (!s->cfg.needs_tunnel || s->tunnel_up) && !s->link_down;
}

int
rib_source_add(struct rib *rib, const struct rib_source_cfg *cfg, rib_source_id *id)
{
	struct rib_source	*s, **v;
	size_t			 nc;

	if (cfg->cls > RIB_CLASS_VPN)
		return -EINVAL;
	if (rib->n_src == UINT32_MAX - 1)
		return -ENOSPC;
	if (rib->n_src == rib->cap_src) {
		nc = rib->cap_src ? rib->cap_src * 2 : 16;
		if ((v = realloc(rib->src, nc * sizeof(*v))) == NULL)
			return -ENOMEM;
		rib->src = v;
		rib->cap_src = nc;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->name = strdup(cfg->name ? cfg->name : "");
	s->connection = strdup(cfg->connection ? cfg->connection : "");
	if (!s->name || !s->connection)
		goto nomem;
	if (rib->loop) {
		if ((s->timer = calloc(1, sizeof(*s->timer))) == NULL)
			goto nomem;
		uv_timer_init(rib->loop, s->timer);
		s->timer->data = s;
	}
	s->rib = rib;
	s->cfg = *cfg;
	s->cfg.name = s->name;
	s->cfg.connection = s->connection;
	s->cfg.ifname[sizeof(s->cfg.ifname) - 1] = '\0';
	s->id = (rib_source_id)(rib->n_src + 1);
	rib->src[rib->n_src++] = s;
	/* nothing to wait for (configured local prefixes): healthy now */
	s->eligible = s->was_eligible = rib_source_healthy(s);
	*id = s->id;
	return 0;
nomem:
	free(s->name);
	free(s->connection);
	free(s);
	return -ENOMEM;
}

/* Immediate failover: rewrite groups, flush, journal; then queue the prefixes. */
static void
rib_source_lost(struct rib *rib, struct rib_source *s, enum rib_trigger trig)
{
	struct rib_journal_entry	*e;
	uint64_t			 t0 = mono_us(), t1;
	int64_t				 wall = journal_wall_us();
	uint32_t			 moved = 0, rewritten, to_count[RIB_CLASS_N] = { 0 };
	unsigned			 c, best = RIB_CLASS_N;

	rewritten = rib_group_failover(rib, &moved, to_count);
	if (rib->cfg.fib && rewritten)
		fib_flush(rib->cfg.fib);
	t1 = mono_us();
	rib->rewrites_total += rewritten;
	if (s->n_paths || rewritten) {
		e = journal_add(rib->journal, s->connection, s->name, trig, s->cfg.cls, wall);
		for (c = 0; c < RIB_CLASS_N; c++)
			if (to_count[c] && (best == RIB_CLASS_N || to_count[c] > to_count[best]))
				best = c;
		e->has_to = best != RIB_CLASS_N;
		if (e->has_to)
			e->to_class = best;
		e->switch_time_us = (uint32_t)(t1 - t0);
		e->switched_us = wall + (int64_t)(t1 - t0);
		e->prefixes_moved = moved;
		e->groups_rewritten = rewritten;
		if (moved)
			rib->switches++;
		log_info(LOG_MOD_FAILOVER,
		    "rib: %s (%s) %s: %u groups rewritten, %u prefixes moved in %u us",
		    s->name, s->connection, rib_trigger_name(trig), rewritten, moved,
		    e->switch_time_us);
		if (rib->notify)
			rib->notify(rib->notify_arg, e);
	}
	rib_source_dirty(rib, s);
}

static void
rib_damp_stop(struct rib_source *s)
{
	s->damped = false;
	s->damp_until_ms = 0;
	if (s->timer)
		uv_timer_stop(s->timer);
}

static void
rib_source_health(struct rib *rib, struct rib_source *s, enum rib_trigger trig)
{
	bool	 healthy = rib_source_healthy(s);
	uint64_t delay_ms;

	if (healthy == s->eligible)
		return;
	if (!healthy) {
		s->eligible = false;
		rib_damp_stop(s);	/* a flap restarts the failback delay */
		rib_source_lost(rib, s, trig);
		return;
	}
	s->eligible = true;
	delay_ms = (uint64_t)rib->cfg.policy.failback_delay_s * 1000;
	if (s->was_eligible && delay_ms) {
		s->damped = true;
		s->damp_until_ms = rib_now_ms(rib) + delay_ms;
		if (s->timer && !rib->test_clock)
			uv_timer_start(s->timer, rib_timer_cb, delay_ms, 0);
		log_info(LOG_MOD_FAILOVER, "rib: %s (%s) healthy, failback in %u s", s->name,
		    s->connection, rib->cfg.policy.failback_delay_s);
	}
	s->was_eligible = true;
	rib_event_open(rib, s, trig);
	rib_source_dirty(rib, s);
}

static void
rib_failback_fire(struct rib *rib, struct rib_source *s)
{
	if (!s->damped)
		return;
	rib_damp_stop(s);
	log_info(LOG_MOD_FAILOVER, "rib: %s (%s) failback", s->name, s->connection);
	rib_event_open(rib, s, RIB_TRIG_FAILBACK);
	rib_source_dirty(rib, s);
}

void
rib_clock_set_for_test(struct rib *rib, uint64_t now_ms)
{
	size_t			 i;
	struct rib_source	*s;

	rib->test_clock = true;
	rib->now_ms = now_ms;
	for (i = 0; i < rib->n_src; i++) {
		if ((s = rib->src[i]) == NULL || !s->damped)
			continue;
		if (s->timer)
			uv_timer_stop(s->timer);
		if (s->damp_until_ms <= now_ms)
			rib_failback_fire(rib, s);
	}
}

void
rib_source_bgp(struct rib *rib, rib_source_id id, bool established, enum rib_trigger trig)
{
	struct rib_source	*s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->bgp_up = established;
	rib_source_health(rib, s, trig);
}

void
rib_source_bfd(struct rib *rib, rib_source_id id, bool up)
{
	struct rib_source	*s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->bfd_up = up;
	rib_source_health(rib, s, up ? RIB_TRIG_BFD_UP : RIB_TRIG_BFD_DOWN);
}

void
rib_source_tunnel(struct rib *rib, rib_source_id id, bool up, enum rib_trigger trig)
{
	struct rib_source	*s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->tunnel_up = up;
	rib_source_health(rib, s, trig);
}

void
rib_link(struct rib *rib, const char *ifname, bool up)
{
	struct rib_source	*s;
	size_t			 i;

	if (ifname == NULL || ifname[0] == '\0')
		return;
	for (i = 0; i < rib->n_src; i++) {
		if ((s = rib->src[i]) == NULL || strcmp(s->cfg.ifname, ifname) != 0)
			continue;
		s->link_down = !up;
		rib_source_health(rib, s, RIB_TRIG_LINK);
	}
}

void
rib_source_drain(struct rib *rib, rib_source_id id, bool drained)
{
	struct rib_source	*s = rib_source_get(rib, id);

	if (s == NULL || s->drained == drained)
		return;
	s->drained = drained;
	log_info(LOG_MOD_FAILOVER, "rib: %s (%s) %s", s->name, s->connection,
	    drained ? "drained" : "undrained");
	if (s->eligible)
		rib_event_open(rib, s, RIB_TRIG_DRAIN);
	rib_source_dirty(rib, s);
}

int
rib_connection_drain(struct rib *rib, const char *connection, bool drained)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < rib->n_src; i++) {
		if (rib->src[i] && strcmp(rib->src[i]->connection, connection) == 0) {
			rib_source_drain(rib, rib->src[i]->id, drained);
			n++;
		}
	}
	return n ? 0 : -ENOENT;
}

/* ---- paths ---- */

static void
rib_path_unlink(struct rib *rib, struct rib_path *p)
{
	struct rib_dest		*d = rib_dest_at(rib, p->dest);
	struct rib_source	*s = rib_path_pi(rib, p)->src;
	uint32_t		*pp, self;

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
rib_source_del(struct rib *rib, rib_source_id id)
{
	struct rib_source	*s = rib_source_get(rib, id);

	if (s == NULL)
		return -ENOENT;
	if (s->eligible) {
		s->eligible = false;
		rib_damp_stop(s);
		rib_source_lost(rib, s, RIB_TRIG_ADMIN);
	}
	while (s->paths)
		rib_path_unlink(rib, rib_path_at(rib, s->paths));
	rib_sweep_unlink(rib, s);
	rib->src[id - 1] = NULL;
	rib_source_release(rib, s);
	return 0;
}

int
rib_path_add(struct rib *rib, rib_source_id id, const struct prefix *pfx,
    const struct rib_path_info *info)
{
	struct rib_source	*s = rib_source_get(rib, id);
	struct trie		*t;
	struct rib_dest		*d, *nd;
	struct rib_path		*p;
	const struct rib_pinfo	*pi, *old;
	struct rib_pinfo	 key;
	struct prefix		 m;
	uint32_t		 ndi, pidx, node = 0;
	int			 rc = 0;

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
	if (old == pi) {	/* the same path again (a BGP repeat): nothing to select */
		rib_pinfo_put(rib, old);
		p->flags &= ~RIB_PATH_STALE;
		return 0;
	}
	if (old && ipaddr_cmp(&pi->nexthop, &old->nexthop) != 0)
		p->flags &= ~(RIB_PATH_ACTIVE | RIB_PATH_BACKUP);	/* seen as a new path:
									 * dependents follow */
	p->pinfo = pi->self;
	rib_pinfo_put(rib, old);
	p->flags &= ~RIB_PATH_STALE;
	rib_dest_dirty(rib, d);
	return 0;
nomem:
	if (d->n_paths == 0)
		rib_dest_dirty(rib, d);	/* reaped by the work queue */
	return -ENOMEM;
}

static void
rib_path_del_do(struct rib *rib, rib_source_id id, const struct prefix *pfx, bool keep_static)
{
	struct rib_source	*s = rib_source_get(rib, id);
	struct rib_dest		*d;
	struct rib_path		*p;
	struct prefix		 m = *pfx;

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
	struct rib_source	*s = rib_source_get(rib, id);
	struct rib_path		*p;

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
	const struct rib_source	*s = rib_source_get(rib, id);

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
	const struct rib	*rib = arg;
	struct prefix		 pa, pb;

	pa = rib_dest_prefix(rib, rib_dest_at(rib, rib_path_at(rib, *(const uint32_t *)a)->dest));
	pb = rib_dest_prefix(rib, rib_dest_at(rib, rib_path_at(rib, *(const uint32_t *)b)->dest));
	return prefix_cmp(&pa, &pb);
}

struct rib_src_walk {
	struct rib		*rib;
	const struct rib_source	*s;
	rib_source_path_fn	 cb;
	void			*arg;
};

static int
rib_src_walk_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_src_walk	*w = arg;
	const struct rib_dest	*d = rib_dest_at(w->rib, val);
	const struct rib_path	*p;
	const struct rib_pinfo	*pi;

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
	struct rib_source	*s = rib_source_get(rib, id);
	uint32_t		*v, i, n = 0, pi;
	int			 rc = 0;

	if (s == NULL || s->n_adj[0] + s->n_adj[1] == 0)
		return 0;
	/* holding a good part of the table: the trie's order costs no sort */
	if ((uint64_t)(s->n_adj[0] + s->n_adj[1]) * 8 >= rib->n_dests) {
		struct rib_src_walk	 w = { rib, s, cb, arg };

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
		const struct rib_path	*p = rib_path_at(rib, v[i]);
		struct prefix		 pfx = rib_dest_prefix(rib, rib_dest_at(rib, p->dest));

		rc = cb(arg, &pfx, rib_path_pi(rib, p)->attr,
		    (p->flags & RIB_PATH_STALE) != 0);
	}
	free(v);
	return rc;
}

void
rib_source_flush(struct rib *rib, rib_source_id id)
{
	struct rib_source	*s = rib_source_get(rib, id);
	struct rib_path		*p, *n;

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
	struct rib_source	*s = rib_source_get(rib, id);
	struct rib_path		*p, *n;
	uint32_t		 left = 0;

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
	struct rib_dest	*d = rib_dest_find(rib, pfx);

	if (d)
		rib_dest_fib_err_set(d, err);
}

/* ---- state ---- */

struct rib_walk_arg {
	struct rib		*rib;
	rib_route_fn		 cb;
	void			*arg;
	struct rib_route_state	 st;
};

static int
rib_route_walk_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_walk_arg	*a = arg;
	struct rib_route_state	*st = &a->st;
	const struct rib	*rib = a->rib;
	struct rib_dest		*d = rib_dest_at(rib, val);
	struct rib_group	*g = rib_dest_grp(rib, d);
	struct rib_path		*p, *first = NULL;
	size_t			 i;

	if (d->n_paths == 0)
		return 0;	/* being removed */
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
			const struct rib_pinfo	*pi = rib_path_pi(rib, p);

			if (!first || pi->src->id < rib_path_pi(rib, first)->src->id)
				first = p;
			if (!pi->no_fib && pi->nexthop.family && st->n_active < RIB_NH_MAX)
				st->active_nh[st->n_active++] = pi->nexthop;
		}
		if ((p->flags & RIB_PATH_BACKUP) && !rib_path_pi(rib, p)->no_fib &&
		    rib_path_pi(rib, p)->nexthop.family &&
		    st->n_backup < RIB_NH_MAX)
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
	struct rib_walk_arg	*a;
	struct trie		*t;
	int			 rc = 0;

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

struct rib_whatif_arg {
	struct rib		*rib;
	const char		*conn;
	rib_whatif_fn		 cb;
	void			*arg;
	int			 count;
	struct rib_sel		 sel;
	struct rib_whatif	 w;
};

static int
rib_whatif_cb(const struct prefix *pfx, uint32_t val, void *arg)
{
	struct rib_whatif_arg	*a = arg;
	const struct rib	*rib = a->rib;
	struct rib_dest		*d = rib_dest_at(rib, val);
	struct rib_path		*p;
	size_t			 i;
	int			 rc;

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
	struct rib_whatif_arg	*a;
	size_t			 i;
	int			 rc, found = 0;

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
}
