/* tests/unit/failover/test_rib_fib.c - the route manager programming the real kernel FIB (private netns). */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#include <sched.h>
#include <unistd.h>

#include "failover/fib.h"
#include "failover/rib_local.h" /* RIB_FIB_AHEAD, RIB_WORK_CHUNK */
#include "tests/unit/include/test_sh.h"
#include "lib/log.h"
#include "lib/loop.h"

#define TABLE 100
#define NPFX  300

static struct fib *the_fib;
static struct rib *the_rib;

static void
ev_route_error(void *arg, const struct prefix *p, int err)
{
	if (the_rib)
		rib_fib_error(the_rib, p, err);
}

static bool
ev_route_wanted(void *arg, const struct prefix *p, uint32_t grp)
{
	return the_rib && rib_fib_route_wanted(the_rib, p, grp);
}

static void
ev_group_back(void *arg, uint32_t grp)
{
	if (the_rib)
		rib_fib_group_back(the_rib, grp);
}

/* wired as hybridgwd wires them (gateway/gateway.c) */
static const struct fib_events events = {
	.route_error = ev_route_error,
	.route_wanted = ev_route_wanted,
	.group_back = ev_group_back,
};

static int
sh_int(const char *cmd)
{
	char buf[64];

	sh_out(buf, sizeof(buf), "%s", cmd);
	return atoi(buf);
}

static void
t_run(void)
{
	struct fib_stats st;
	uint64_t	 end = mono_ms() + 5000;

	do {
		uv_run(loop_get(), UV_RUN_NOWAIT);
		rib_settle(the_rib);
		fib_stats_get(the_fib, &st);
		if (st.requests_pending == 0 && rib_pending(the_rib) == 0)
			return;
		usleep(2000);
	} while (mono_ms() < end);
	fail_msg("FIB did not settle");
}

static void
assert_via(const char *dst, const char *via)
{
	char buf[512];

	sh_out(buf, sizeof(buf), "ip route get %s 2>&1", dst);
	if (!strstr(buf, via))
		fail_msg("route get %s: want '%s', kernel says '%s'", dst, via, buf);
}

/* Fresh namespace per test: v0 (circuit side, gw 10.0.0.2), v2 (VPN side,
 * gw 10.0.1.2); table 100 consulted first. It dies with its last socket. */
static int
setup(void **state)
{
	struct fib_cfg cfg = { .table = TABLE };

	(void)state;
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	if (system("ip link set lo up &&"
		   " ip link add v0 type veth peer name v1 &&"
		   " ip link add v2 type veth peer name v3 &&"
		   " for i in v0 v1 v2 v3; do ip link set $i up; done &&"
		   " ip addr add 10.0.0.1/24 dev v0 && ip addr add 10.0.1.1/24 dev v2 &&"
		   " ip rule add pref 100 lookup 100") != 0)
		return -1;
	if ((the_fib = fib_new(&cfg, &events, NULL)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rib_free(the_rib);
	the_rib = NULL;
	fib_free(the_fib);
	the_fib = NULL;
	uv_run(loop_get(), UV_RUN_NOWAIT);
	return 0;
}

static rib_source_id
t_ksrc(const char *name, const char *conn, enum rib_class cls, const char *nh, const char *dev)
{
	struct rib_source_cfg c;
	rib_source_id	      id;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.connection = conn;
	c.cls = cls;
	c.role = cls == RIB_CLASS_VPN ? RIB_VPN_CLOUD : RIB_VPN_NONE;
	c.needs_bgp = true;
	c.nexthop = A(nh);
	snprintf(c.ifname, sizeof(c.ifname), "%s", dev);
	assert_int_equal(rib_source_add(the_rib, &c, &id), 0);
	rib_source_bgp(the_rib, id, true, RIB_TRIG_BGP_UP);
	return id;
}

static int
t_journal_last(void *arg, const struct rib_journal_entry *e)
{
	*(struct rib_journal_entry *)arg = *e;
	return 0;
}

static void
test_rib_fib_failover(void **state)
{
	struct rib_cfg		 cfg;
	struct rib_journal_entry e;
	rib_source_id		 cir, vpn;
	struct rib_stats	 st;
	uint32_t		 grp;
	char			 pfx[32], buf[256];
	int			 i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fib = the_fib;
	cfg.policy.maximum_paths = 2;
	cfg.policy.failback_delay_s = 0;
	the_rib = rib_new(&cfg);
	assert_non_null(the_rib);
	cir = t_ksrc("er1 primary", "er1", RIB_CLASS_CIRCUIT, "10.0.0.2", "v0");
	vpn = t_ksrc("vpn1 t1", "vpn1", RIB_CLASS_VPN, "10.0.1.2", "v2");
	for (i = 0; i < NPFX; i++) {
		snprintf(pfx, sizeof(pfx), "172.%d.%d.0/24", 16 + i / 256, i % 256);
		t_bgp(the_rib, cir, pfx, NULL, 2); /* next hop: the source's */
		t_bgp(the_rib, vpn, pfx, NULL, 2);
	}
	t_run();
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), NPFX);
	grp = t_route(the_rib, "172.16.5.0/24")->fib_group;
	assert_int_not_equal(grp, 0);
	snprintf(buf, sizeof(buf), "ip -4 route show table 100 proto 196 | grep -c 'nhid %u '",
	    grp);
	assert_int_equal(sh_int(buf), NPFX); /* one shared group */
	rib_stats_get(the_rib, &st);
	assert_int_equal(st.groups, 1);
	assert_via("172.16.5.1", "via 10.0.0.2 dev v0");
	assert_via("172.17.20.1", "via 10.0.0.2 dev v0");

	/* circuit down: the kernel forwards over the VPN before any
	 * per-prefix work has run */
	rib_source_bgp(the_rib, cir, false, RIB_TRIG_HOLD_TIMER);
	assert_int_equal(rib_pending(the_rib), NPFX);
	assert_via("172.16.5.1", "via 10.0.1.2 dev v2");
	assert_via("172.17.20.1", "via 10.0.1.2 dev v2");
	rib_journal_walk(the_rib, t_journal_last, &e);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, NPFX);
	assert_int_equal(e.to_class, RIB_CLASS_VPN);
	assert_true(e.switch_time_us > 0);
	fprintf(stderr, "switch: %u prefixes, %u group, %u us\n", e.prefixes_moved,
	    e.groups_rewritten, e.switch_time_us);
	/* background re-selection keeps the same kernel group */
	t_run();
	assert_int_equal(t_route(the_rib, "172.16.5.0/24")->fib_group, grp);
	assert_int_equal(t_cls(the_rib, "172.16.5.0/24"), RIB_CLASS_VPN);
	assert_via("172.16.5.1", "via 10.0.1.2 dev v2");
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), NPFX);

	/* failback (no delay configured): every prefix of the group wants the
	 * same new sets, so the group is rewritten in place again */
	rib_source_bgp(the_rib, cir, true, RIB_TRIG_BGP_UP);
	t_run();
	assert_via("172.16.5.1", "via 10.0.0.2 dev v0");
	assert_via("172.17.20.1", "via 10.0.0.2 dev v0");
	rib_stats_get(the_rib, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(t_route(the_rib, "172.16.5.0/24")->fib_group, grp);
	rib_journal_walk(the_rib, t_journal_last, &e);
	assert_int_equal(e.trigger, RIB_TRIG_BGP_UP);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, NPFX);
	assert_int_equal(e.to_class, RIB_CLASS_CIRCUIT);
	/* one prefix differs (withdrawn from the VPN): it moves out, the
	 * rest stay in the group */
	t_del(the_rib, vpn, "172.16.7.0/24");
	t_run();
	assert_int_not_equal(t_route(the_rib, "172.16.7.0/24")->fib_group, grp);
	assert_int_equal(t_route(the_rib, "172.16.8.0/24")->fib_group, grp);
	rib_source_bgp(the_rib, cir, false, RIB_TRIG_LINK);
	assert_via("172.16.8.1", "via 10.0.1.2 dev v2");
	t_run();
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), NPFX - 1);
	rib_source_bgp(the_rib, cir, true, RIB_TRIG_BGP_UP);
	t_run();
	assert_via("172.16.8.1", "via 10.0.0.2 dev v0");
	assert_via("172.16.7.1", "via 10.0.0.2 dev v0");
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), NPFX);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), NPFX);

	/* both gone: routes and nexthop objects leave the kernel */
	rib_source_bgp(the_rib, vpn, false, RIB_TRIG_BGP_DOWN);
	assert_int_equal(rib_source_del(the_rib, cir), 0);
	t_run();
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 0);
	assert_int_equal(rib_source_del(the_rib, vpn), 0);
	t_run();
	assert_int_equal(sh_int("ip nexthop show | wc -l"), 0);
}

/* The FIB keeps no state for installed routes: when a link's carrier
 * loss made the kernel flush the nexthop, the group and their routes, the
 * route manager sets them again once the FIB has the group back. */
static void
test_rib_fib_link_flap(void **state)
{
	struct rib_cfg cfg;
	rib_source_id  vpn;
	char	       pfx[32];
	uint64_t       end;
	int	       i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fib = the_fib;
	the_rib = rib_new(&cfg);
	assert_non_null(the_rib);
	vpn = t_ksrc("vpn1 t1", "vpn1", RIB_CLASS_VPN, "10.0.1.2", "v2");
	for (i = 0; i < 50; i++) {
		snprintf(pfx, sizeof(pfx), "172.20.%d.0/24", i);
		t_bgp(the_rib, vpn, pfx, NULL, 2);
	}
	t_run();
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 50);
	sh("ip link set v3 down"); /* v2 loses carrier */
	for (end = mono_ms() + 3000;
	     mono_ms() < end && sh_int("ip -4 route show table 100 proto 196 | wc -l") != 0;
	     usleep(20000))
		uv_run(loop_get(), UV_RUN_NOWAIT);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 0);
	sh("ip link set v3 up");
	for (end = mono_ms() + 3000;
	     mono_ms() < end && sh_int("ip -4 route show table 100 proto 196 | wc -l") != 50;
	     usleep(20000))
		uv_run(loop_get(), UV_RUN_NOWAIT);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 50);
	assert_via("172.20.33.1", "via 10.0.1.2 dev v2");
}

static void
test_rib_fib_local_not_programmed(void **state)
{
	struct rib_cfg cfg;
	rib_source_id  loc, cir;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fib = the_fib;
	cfg.policy.maximum_paths = 1;
	the_rib = rib_new(&cfg);
	assert_non_null(the_rib);
	loc = t_local(the_rib);
	cir = t_ksrc("er1 primary", "er1", RIB_CLASS_CIRCUIT, "10.0.0.2", "v0");
	t_static(the_rib, loc, "192.168.0.0/16");
	t_bgp(the_rib, cir, "192.168.0.0/16", NULL, 2);
	t_bgp(the_rib, cir, "198.18.0.0/15", NULL, 2);
	t_run();
	assert_true(t_route(the_rib, "192.168.0.0/16")->local);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 1);
	assert_via("198.18.1.1", "via 10.0.0.2 dev v0");
	/* the local prefix withdrawn: the circuit's path is programmed */
	t_del(the_rib, loc, "192.168.0.0/16");
	t_run();
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 2);
	assert_via("192.168.3.3", "via 10.0.0.2 dev v0");
}

/* A full table's worth of work does not pile up in the FIB: the background
 * work waits while the FIB holds RIB_FIB_AHEAD requests the kernel has not
 * taken (a slice started below it adds at most RIB_WORK_CHUNK; requests
 * the kernel took and whose answers the loop has not read yet are bounded
 * by the FIB's own window), and
 * everything still gets there; rib_settle() goes in the same slices. (An
 * idle namespace's kernel keeps up well here, ~12k pending at most: this
 * checks the bound and that waiting loses nothing; the bgp-ingest bench
 * shows the memory it saves.) */
static void
test_rib_fib_paced(void **state)
{
	enum { N = 3 * RIB_FIB_AHEAD };
	struct rib_cfg	     cfg;
	struct fib_stats     st;
	rib_source_id	     cir;
	struct rib_path_info i;
	struct prefix	     p;
	uint32_t	     max_pending = 0, max_unsent = 0;
	uint64_t	     end;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fib = the_fib;
	cfg.policy.maximum_paths = 1;
	the_rib = rib_new(&cfg);
	assert_non_null(the_rib);
	cir = t_ksrc("er1 primary", "er1", RIB_CLASS_CIRCUIT, "10.0.0.2", "v0");
	i = t_bgp_info("10.0.0.2", 100, 2, 1);
	for (uint32_t k = 0; k < N; k++) {
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.len = 24;
		p.bytes[0] = (uint8_t)(20 + (k >> 16));
		p.bytes[1] = (uint8_t)(k >> 8);
		p.bytes[2] = (uint8_t)k;
		assert_int_equal(rib_path_add(the_rib, cir, &p, &i), 0);
	}
	/* the loop runs the work (uv_idle), as in the daemon */
	end = mono_ms() + 60000;
	do {
		uv_run(loop_get(), UV_RUN_ONCE);
		fib_stats_get(the_fib, &st);
		if (st.requests_pending > max_pending)
			max_pending = st.requests_pending;
		if (st.requests_unsent > max_unsent)
			max_unsent = st.requests_unsent;
	} while ((rib_pending(the_rib) > 0 || st.requests_pending > 0) && mono_ms() < end);
	assert_int_equal(rib_pending(the_rib), 0);
	assert_true(max_pending > 0);
	assert_true(max_unsent <= RIB_FIB_AHEAD + RIB_WORK_CHUNK + 64);
	assert_true(max_pending <= max_unsent + 16 * 2048);
	fib_flush(the_fib);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), N);
	/* withdrawn and settled by hand: the same slices, all gone */
	for (uint32_t k = 0; k < N; k++) {
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.len = 24;
		p.bytes[0] = (uint8_t)(20 + (k >> 16));
		p.bytes[1] = (uint8_t)(k >> 8);
		p.bytes[2] = (uint8_t)k;
		rib_path_del(the_rib, cir, &p);
	}
	rib_settle(the_rib);
	fib_flush(the_fib);
	assert_int_equal(sh_int("ip -4 route show table 100 proto 196 | wc -l"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rib_fib_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rib_fib_link_flap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rib_fib_local_not_programmed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rib_fib_paced, setup, teardown),
	};
	int rc;

	log_init("test_rib_fib", LOG_LVL_WARN, true);
	if (geteuid() != 0) {
		fprintf(stderr, "needs root (network namespaces): skipped\n");
		return 77;
	}
	if (loop_init() < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	loop_fini();
	return rc;
}
