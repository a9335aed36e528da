/* tests/bench/rib/bench_rib.c - route manager micro-benchmark: group-rewrite failover vs N prefixes. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "failover/fib.h"
#include "failover/rib.h"
#include "lib/log.h"
#include "lib/loop.h"

/*
 * N prefixes learned from a circuit session and a cloud VPN session (same
 * prefixes, as the cloud announces them both ways). The circuit fails:
 *   switch   - the journal's switch time: groups rewritten + fib_flush
 *   call     - the whole rib_source_bgp() call
 *   resel    - background per-prefix re-selection after the switch
 *   failbk   - circuit back (no delay): re-selection + in-place group rewrite
 *   load     - N prefixes from both sessions into the RIB (and kernel)
 *   perpfx   - the peer, measured in the same run (kernel only): the same
 *              move done with one route request per prefix, what a FIB
 *              without shared groups pays to fail over; perpfx/sw = ratio
 * With --kernel the FIB is the real one (netlink) in a private network
 * namespace.
 */

static struct fib *bfib;
static bool	   with_export;
static uint64_t	   n_announce, n_withdraw;

static void
exp_announce(void *ctx, const struct prefix *p, struct rib_attr *a)
{
	n_announce++;
}

static void
exp_withdraw(void *ctx, const struct prefix *p)
{
	n_withdraw++;
}

static const struct rib_export_ops exp_ops = { exp_announce, exp_withdraw };

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static size_t
rss_bytes(void)
{
	FILE	     *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, rss = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
}

static void
settle(struct rib *rib)
{
	struct fib_stats st;

	for (;;) {
		rib_settle(rib);
		if (bfib == NULL)
			return;
		uv_run(loop_get(), UV_RUN_NOWAIT);
		fib_stats_get(bfib, &st);
		if (st.requests_pending == 0 && rib_pending(rib) == 0)
			return;
		usleep(1000);
	}
}

static int
last_cb(void *arg, const struct rib_journal_entry *e)
{
	*(struct rib_journal_entry *)arg = *e;
	return 0;
}

static rib_source_id
src(struct rib *rib, const char *name, enum rib_class cls, const char *nh, const char *dev)
{
	struct rib_source_cfg c;
	rib_source_id	      id;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.connection = name;
	c.cls = cls;
	c.role = cls == RIB_CLASS_VPN ? RIB_VPN_CLOUD : RIB_VPN_NONE;
	c.needs_bgp = true;
	ipaddr_parse(nh, &c.nexthop);
	snprintf(c.ifname, sizeof(c.ifname), "%s", dev);
	if (rib_source_add(rib, &c, &id) != 0)
		abort();
	rib_source_bgp(rib, id, true, RIB_TRIG_BGP_UP);
	return id;
}

static void
pfx_of(struct prefix *p, size_t i)
{
	uint32_t a = (uint32_t)(0x0b000000u + (i << 8)); /* 11.0.0.0/24 onwards */

	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->len = 24;
	p->bytes[0] = a >> 24;
	p->bytes[1] = a >> 16;
	p->bytes[2] = a >> 8;
}

static void
run(size_t n, unsigned ngroups)
{
	struct rib_cfg		 cfg;
	struct rib		*rib;
	struct rib_path_info	 pi;
	struct rib_journal_entry e;
	struct rib_stats	 st;
	struct prefix		 p;
	rib_source_id		 cir, vpn[16];
	double			 t0, t_load, t_call, t_resel, t_back, t_peer;
	size_t			 i, rss0 = rss_bytes();
	unsigned		 g;
	char			 name[32], nh[32], peer[64];

	memset(&cfg, 0, sizeof(cfg));
	cfg.fib = bfib;
	cfg.policy.maximum_paths = 1;
	if ((rib = rib_new(&cfg)) == NULL)
		abort();
	cir = src(rib, "circuit", RIB_CLASS_CIRCUIT, "10.0.0.2", "v0");
	/* ngroups VPN tunnels: each backs a share of the prefixes, so there
	 * are ngroups distinct (active, backup) sets */
	for (g = 0; g < ngroups; g++) {
		snprintf(name, sizeof(name), "vpn%u", g);
		snprintf(nh, sizeof(nh), "10.0.1.%u", 2 + g);
		vpn[g] = src(rib, name, RIB_CLASS_VPN, nh, "v2");
	}
	if (with_export) { /* a LAN peer gets every cloud prefix */
		struct rib_export_cfg ec = { .role = RIB_EXP_LAN,
			.ops = &exp_ops,
			.name = "lan" };
		rib_export_id	      eid;

		if (rib_export_add(rib, &ec, &eid) != 0)
			abort();
	}
	n_announce = n_withdraw = 0;
	memset(&pi, 0, sizeof(pi));
	pi.local_pref = 100;
	pi.as_path_len = 2;
	pi.ebgp = true;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		pfx_of(&p, i);
		if (rib_path_add(rib, cir, &p, &pi) != 0 ||
		    rib_path_add(rib, vpn[i % ngroups], &p, &pi) != 0)
			abort();
	}
	settle(rib);
	t_load = now_us() - t0;
	rib_stats_get(rib, &st);

	t0 = now_us();
	rib_source_bgp(rib, cir, false, RIB_TRIG_BFD_DOWN);
	t_call = now_us() - t0;
	rib_journal_walk(rib, last_cb, &e);
	t0 = now_us();
	settle(rib);
	t_resel = now_us() - t0;

	t0 = now_us();
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	settle(rib);
	t_back = now_us() - t0;

	/* the peer: the same move done per prefix (what a FIB without shared
	 * groups pays to fail over), on the same kernel */
	t_peer = 0;
	if (bfib) {
		struct ipaddr gw;
		uint32_t      nh, grp;

		ipaddr_parse("10.0.1.2", &gw);
		if (fib_nh_get(bfib, &gw, "v2", &nh) != 0 ||
		    fib_group_new(bfib, &nh, 1, &grp) != 0)
			abort();
		fib_flush(bfib);
		settle(rib);
		t0 = now_us();
		for (i = 0; i < n; i++) {
			pfx_of(&p, i);
			fib_route_set(bfib, &p, grp);
		}
		fib_flush(bfib);
		settle(rib);
		t_peer = now_us() - t0;
		/* hand the routes back to the RIB's group */
		rib_source_bgp(rib, cir, false, RIB_TRIG_ADMIN);
		settle(rib);
		rib_policy_set(rib, &cfg.policy);
		for (i = 0; i < n; i++) {
			pfx_of(&p, i);
			fib_route_del(bfib, &p);
		}
		fib_group_free(bfib, grp);
		fib_nh_put(bfib, nh);
		settle(rib);
	}

	if (bfib)
		snprintf(peer, sizeof(peer), "%9.1f %9.0fx", t_peer / 1e3,
		    t_peer / (e.switch_time_us ? e.switch_time_us : 1));
	else
		snprintf(peer, sizeof(peer), "%9s %10s", "-", "-");
	printf("%9zu %6" PRIu64 " %7u %9u %8.0f %9.1f %9.1f %9.1f %s %6.0f\n", n, st.groups,
	    e.groups_rewritten, e.switch_time_us, t_call, t_resel / 1e3, t_back / 1e3,
	    t_load / 1e3, peer, (double)(rss_bytes() - rss0) / (double)n);
	fflush(stdout);
	if (e.prefixes_moved != n)
		fprintf(stderr, "moved %u != %zu\n", e.prefixes_moved, n);
	if (with_export)
		printf("%9s export to a LAN peer: %" PRIu64 " announces, %" PRIu64
		       " withdraws\n",
		    "", n_announce, n_withdraw);
	/* leave the kernel clean for the next size */
	rib_source_del(rib, cir);
	for (g = 0; g < ngroups; g++)
		rib_source_del(rib, vpn[g]);
	settle(rib);
	rib_free(rib);
	if (bfib)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	malloc_trim(0);
}

static int
kernel_setup(bool compat0)
{
	struct fib_cfg cfg = { .table = 100 };

	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (system("ip link set lo up && ip link add v0 type veth peer name v1 &&"
		   " ip link add v2 type veth peer name v3 &&"
		   " for i in v0 v1 v2 v3; do ip link set $i up; done &&"
		   " ip addr add 10.0.0.1/24 dev v0 && ip addr add 10.0.1.1/24 dev v2") != 0)
		return -1;
	if (compat0 && system("sysctl -qw net.ipv4.nexthop_compat_mode=0") != 0)
		return -1;
	if (loop_init() < 0 || (bfib = fib_new(&cfg, NULL, NULL)) == NULL)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const size_t def[] = { 1000, 10000, 100000, 1000000 };
	size_t		    ns[16], nn = 0, i;
	unsigned	    groups = 1;
	bool		    nocompat = false;
	int		    a;

	log_init("bench_rib", LOG_LVL_WARN, true);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--kernel") == 0 ||
		    strcmp(argv[a], "--kernel-nocompat") == 0) {
			nocompat = strcmp(argv[a], "--kernel-nocompat") == 0;
			if (kernel_setup(nocompat) != 0)
				return 1;
		} else if (strcmp(argv[a], "--export") == 0) {
			with_export = true;
		} else if (strncmp(argv[a], "--groups=", 9) == 0) {
			groups = (unsigned)atoi(argv[a] + 9);
			if (groups < 1 || groups > 16)
				groups = 1;
		} else if (nn < 16) {
			ns[nn++] = strtoull(argv[a], NULL, 10);
		}
	}
	if (nn == 0)
		for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
			ns[nn++] = def[i];
	printf("rib failover bench: FIB %s, %u backup set(s)%s\n",
	    !bfib	 ? "none" :
		nocompat ? "kernel (netns, nexthop_compat_mode=0)" :
			   "kernel (netns)",
	    groups, with_export ? ", export to one LAN peer" : "");
	printf("%9s %6s %7s %9s %8s %9s %9s %9s %9s %10s %6s\n", "prefixes", "groups",
	    "rewrote", "switch_us", "call_us", "resel_ms", "failbk_ms", "load_ms", "perpfx_ms",
	    "perpfx/sw", "B/pfx");
	for (i = 0; i < nn; i++)
		run(ns[i], groups);
	if (bfib) {
		fib_free(bfib);
		loop_fini();
	}
	return 0;
}
