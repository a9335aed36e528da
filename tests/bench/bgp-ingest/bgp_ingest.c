/* tests/bench/bgp-ingest/bgp_ingest.c - the BGP speaker as an ingest receiver: alone, or feeding the route manager (no FIB). */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "failover/rib.h"
#include "lib/log.h"
#include "lib/loop.h"

/*
 * bgp_ingest [--rib] LOCAL_AS ROUTER_ID PEER PEER_AS N: one session to PEER;
 * when N paths are in, print
 *   DONE n=N start_ms=... established_ms=... hwm_kb=...
 * (times from process start) and exit.
 * Without --rib the path hook only counts and the speaker keeps its own
 * Adj-RIB-In table: decode + that table + hook calls. With --rib the hooks
 * are wired as in hybridgwd (gateway/gateway.c): paths go into a route
 * manager without a FIB (cfg.fib NULL: selection and grouping, nothing
 * programmed), whose per-source paths are the Adj-RIB-In; DONE comes once
 * the source holds N paths and the selection work has been run (rib_settle).
 */
static uint64_t	     t_start, t_up;
static unsigned long n_want, n_got;
static struct bgp   *bgp;
static struct rib   *rib;
static rib_source_id src_id;
static bool	     done;

static long
vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char  line[256];
	long  kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static void
done_print(void)
{
	uint64_t now = mono_ms();

	printf("DONE n=%lu start_ms=%llu established_ms=%llu hwm_kb=%ld\n", n_got,
	    (unsigned long long)(now - t_start), (unsigned long long)(now - t_up), vm_hwm_kb());
	fflush(stdout);
	done = true;
	loop_stop();
}

static void
h_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *pi)
{
	if (++n_got == n_want)
		done_print();
}

/* ---- --rib: the hooks hybridgwd has (gateway/gateway.c) ---- */

static void
r_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *bi)
{
	struct rib_path_info ri = {
		.nexthop = bi->nexthop,
		.local_pref = bi->local_pref,
		.has_med = bi->has_med,
		.med = bi->med,
		.origin = bi->origin,
		.as_path_len = bi->as_path_len,
		.neighbor_as = bi->neighbor_as,
		.ebgp = bi->ebgp,
		.peer_router_id = bi->peer_router_id,
		.peer_addr = bi->peer_addr,
		.attr = (struct rib_attr *)bi->attrs,
	};

	rib_path_add(rib, src, p, &ri);
	if (!done && rib_source_path_count(rib, src, 0) >= n_want) {
		n_got = rib_source_path_count(rib, src, 0);
		rib_settle(rib);
		done_print();
	}
}

static void
r_del(void *arg, uint32_t src, const struct prefix *p)
{
	rib_path_withdraw(rib, src, p);
}

static void
r_session(void *arg, uint32_t src, bool up, bool hold)
{
	if (up)
		t_up = mono_ms();
	rib_source_bgp(rib, src, up, up ? RIB_TRIG_BGP_UP : RIB_TRIG_BGP_DOWN);
}

static void
r_stale(void *arg, uint32_t src, bool mark)
{
	if (mark)
		rib_source_mark_stale(rib, src);
	else
		rib_source_sweep_stale(rib, src);
}

static uint32_t
r_count(void *arg, uint32_t src, uint8_t family)
{
	return rib_source_path_count(rib, src, family);
}

struct r_walk {
	bgp_adj_in_fn fn;
	void	     *arg;
};

static int
r_walk_one(void *arg, const struct prefix *p, struct rib_attr *attr, bool stale)
{
	struct r_walk *w = arg;

	return w->fn(p, (struct bgp_attrs *)attr, stale, w->arg);
}

static int
r_walk(void *arg, uint32_t src, bgp_adj_in_fn fn, void *fn_arg)
{
	struct r_walk w = { fn, fn_arg };

	return rib_source_path_walk(rib, src, r_walk_one, &w);
}

static void
r_flush(void *arg, uint32_t src)
{
	rib_source_flush(rib, src);
}

static uint32_t
r_sweep(void *arg, uint32_t src, uint8_t family)
{
	return rib_source_sweep_stale_af(rib, src, family);
}

static void
r_attr_get(struct rib_attr *a)
{
	bgp_attrs_get((struct bgp_attrs *)a);
}
static void
r_attr_put(struct rib_attr *a)
{
	bgp_attrs_put((struct bgp_attrs *)a);
}
static const struct rib_attr_ops r_attr_ops = { r_attr_get, r_attr_put };

static const struct bgp_hooks rib_hooks = {
	.path_add = r_add,
	.path_del = r_del,
	.session = r_session,
	.stale = r_stale,
	.adj_in_count = r_count,
	.adj_in_walk = r_walk,
	.adj_in_flush = r_flush,
	.adj_in_sweep = r_sweep,
};

static int
rib_setup(const char *peer)
{
	struct rib_cfg	      rc;
	struct rib_source_cfg sc;

	memset(&rc, 0, sizeof(rc));
	rc.policy.mode = RIB_PREF_CIRCUIT;
	rc.policy.maximum_paths = 1;
	rc.attr_ops = &r_attr_ops;
	if (!(rib = rib_new(&rc)))
		return -ENOMEM;
	memset(&sc, 0, sizeof(sc));
	sc.name = "lan peer sender";
	sc.connection = "sender";
	sc.cls = RIB_CLASS_LAN;
	sc.needs_bgp = true;
	if (ipaddr_parse(peer, &sc.nexthop) != 0)
		return -EINVAL;
	return rib_source_add(rib, &sc, &src_id);
}

static void
h_session(void *arg, uint32_t src, bool up, bool hold)
{
	if (up)
		t_up = mono_ms();
}

static const struct bgp_hooks hooks = { .path_add = h_add, .session = h_session };

int
main(int argc, char **argv)
{
	struct bgp_global_cfg g = { 0 };
	struct bgp_peer_cfg   pc;
	struct ipaddr	      id;
	struct bgp_peer	     *peer;
	bool		      with_rib = argc > 1 && strcmp(argv[1], "--rib") == 0;

	if (with_rib) {
		argc--;
		argv++;
	}
	if (argc != 6) {
		fprintf(stderr,
		    "usage: bgp_ingest [--rib] LOCAL_AS ROUTER_ID PEER PEER_AS N\n");
		return 2;
	}
	t_start = mono_ms();
	log_init("bgp_ingest", LOG_LVL_WARN, true);
	if (loop_init() != 0 || ipaddr_parse(argv[2], &id) != 0)
		return 1;
	g.local_as = (uint32_t)strtoul(argv[1], NULL, 10);
	g.router_id = (uint32_t)id.bytes[0] << 24 | (uint32_t)id.bytes[1] << 16 |
	    (uint32_t)id.bytes[2] << 8 | id.bytes[3];
	n_want = strtoul(argv[5], NULL, 10);
	if (with_rib && rib_setup(argv[3]) != 0)
		return 1;
	if (!(bgp = bgp_new(loop_get(), &g, with_rib ? &rib_hooks : &hooks, NULL)))
		return 1;
	memset(&pc, 0, sizeof(pc));
	snprintf(pc.name, sizeof(pc.name), "sender");
	if (ipaddr_parse(argv[3], &pc.remote) != 0)
		return 1;
	pc.remote_as = (uint32_t)strtoul(argv[4], NULL, 10);
	pc.hold_time = 240;
	pc.connect_retry = 1;
	pc.ipv4_unicast = true;
	pc.rib_source = with_rib ? src_id : 1;
	if (bgp_peer_add(bgp, &pc, &peer) != 0)
		return 1;
	loop_run();
	bgp_free(bgp);
	rib_free(rib);
	loop_fini();
	return n_got >= n_want ? 0 : 1;
}
