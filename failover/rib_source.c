/* failover/rib_source.c - route sources: health gating, failover on loss, damped failback, drain. */
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
 * A source is eligible while every health input its config asks for holds
 * (BGP Established, BFD Up, tunnel up, carrier; DESIGN.md 3, Selection 1).
 * Losing eligibility rewrites the groups at once (rib_group_failover) and
 * opens a journal event; regaining it after having been eligible before
 * starts the failback delay, during which the source is usable but least
 * preferred (Selection 4). Drain demotes the same way, for maintenance.
 */

static void rib_failback_fire(struct rib *, struct rib_source *);

static void
rib_timer_cb(uv_timer_t *t)
{
	struct rib_source *s = t->data;

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
	struct rib_source *s, **v;
	size_t		   nc;

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
	struct rib_journal_entry *e;
	uint64_t		  t0 = mono_us(), t1;
	int64_t			  wall = journal_wall_us();
	uint32_t		  moved = 0, rewritten, to_count[RIB_CLASS_N] = { 0 };
	unsigned		  c, best = RIB_CLASS_N;

	rewritten = rib_group_failover(rib, &moved, to_count);
	if (rib->cfg.fib && rewritten)
		fib_flush(rib->cfg.fib);
	t1 = mono_us();
	rib->rewrites_total += rewritten;
	if (s->n_paths || rewritten) {
		e = journal_add(rib->journal, s->connection, s->name, trig, s->cfg.cls, wall);
		for (c = 0; c < RIB_CLASS_N; c++)
			if (to_count[c] &&
			    (best == RIB_CLASS_N || to_count[c] > to_count[best]))
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
		    "rib: %s (%s) %s: %u groups rewritten, %u prefixes moved in %u us", s->name,
		    s->connection, rib_trigger_name(trig), rewritten, moved, e->switch_time_us);
		if (rib->notify)
			rib->notify(rib->notify_arg, e);
	}
	rib_source_dirty(rib, s);
}

void
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
		rib_damp_stop(s); /* a flap restarts the failback delay */
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
	size_t		   i;
	struct rib_source *s;

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
	struct rib_source *s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->bgp_up = established;
	rib_source_health(rib, s, trig);
}

void
rib_source_bfd(struct rib *rib, rib_source_id id, bool up)
{
	struct rib_source *s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->bfd_up = up;
	rib_source_health(rib, s, up ? RIB_TRIG_BFD_UP : RIB_TRIG_BFD_DOWN);
}

void
rib_source_tunnel(struct rib *rib, rib_source_id id, bool up, enum rib_trigger trig)
{
	struct rib_source *s = rib_source_get(rib, id);

	if (s == NULL)
		return;
	s->tunnel_up = up;
	rib_source_health(rib, s, trig);
}

void
rib_link(struct rib *rib, const char *ifname, bool up)
{
	struct rib_source *s;
	size_t		   i;

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
	struct rib_source *s = rib_source_get(rib, id);

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
	size_t i;
	int    n = 0;

	for (i = 0; i < rib->n_src; i++) {
		if (rib->src[i] && strcmp(rib->src[i]->connection, connection) == 0) {
			rib_source_drain(rib, rib->src[i]->id, drained);
			n++;
		}
	}
	return n ? 0 : -ENOENT;
}

int
rib_source_del(struct rib *rib, rib_source_id id)
{
	struct rib_source *s = rib_source_get(rib, id);

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
