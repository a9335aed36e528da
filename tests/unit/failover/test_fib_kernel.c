/* tests/unit/failover/test_fib_kernel.c - the FIB layer against the real kernel, one fresh netns per test. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/include/test_sh.h"
#include "tests/unit/include/test_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "failover/fib.h"
#include "lib/log.h"
#include "lib/loop.h"

#define TABLE 100

/* What the callbacks saw. */
struct seen {
	struct prefix err_pfx[64];
	int	      err_code[64];
	size_t	      nerr;
	int	      link_up[64], link_down[64];
	size_t	      nup, ndown;
	size_t	      addr_add, addr_del;
	struct prefix adopted[64];
	size_t	      nadopted;
};

static struct seen seen;

static void
ev_route_error(void *arg, const struct prefix *p, int err)
{
	if (seen.nerr < 64) {
		seen.err_pfx[seen.nerr] = *p;
		seen.err_code[seen.nerr] = err;
	}
	seen.nerr++;
}

static void
ev_link(void *arg, int ifindex, const char *ifname, bool up)
{
	if (up && seen.nup < 64)
		seen.link_up[seen.nup++] = ifindex;
	else if (!up && seen.ndown < 64)
		seen.link_down[seen.ndown++] = ifindex;
}

static void
ev_addr(void *arg, int ifindex, const struct ipaddr *a, bool added)
{
	if (added)
		seen.addr_add++;
	else
		seen.addr_del++;
}

/* The routes' owner, as the route manager is for hybridgwd: the FIB keeps
 * no state for routes that went in, and asks their owner to set a group's
 * routes again when the kernel had flushed them with its link. */
static struct {
	struct fib   *f;
	struct prefix p[8];
	uint32_t      grp[8];
	size_t	      n, group_back;
} owner;

static void
ev_group_back(void *arg, uint32_t grp)
{
	owner.group_back++;
	for (size_t i = 0; i < owner.n; i++)
		if (owner.grp[i] == grp)
			fib_route_set(owner.f, &owner.p[i], grp);
}

static bool
ev_route_wanted(void *arg, const struct prefix *p, uint32_t grp)
{
	for (size_t i = 0; i < owner.n; i++)
		if (memcmp(&owner.p[i], p, sizeof(*p)) == 0)
			return owner.grp[i] == grp;
	return owner.f == NULL; /* no owner in this test: every route is */
}

static void
owner_route_set(struct fib *f, const struct prefix *p, uint32_t grp)
{
	size_t i;

	owner.f = f;
	for (i = 0; i < owner.n && memcmp(&owner.p[i], p, sizeof(*p)) != 0; i++)
		;
	if (i == owner.n)
		owner.n++;
	owner.p[i] = *p;
	owner.grp[i] = grp;
	assert_int_equal(fib_route_set(f, p, grp), 0);
}

static const struct fib_events events = {
	.link = ev_link,
	.route_error = ev_route_error,
	.addr = ev_addr,
	.group_back = ev_group_back,
	.route_wanted = ev_route_wanted,
};
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static struct prefix
P(const char *s) {
	struct prefix p;
	char	      a[64], *slash;

	memset(&p, 0, sizeof(p));
	snprintf(a, sizeof(a), "%s", s);
	slash = strchr(a, '/');
	assert_non_null(slash);
	*slash = '\0';
	p.family = strchr(a, ':') ? AF_INET6 : AF_INET;
	p.len = (uint8_t)atoi(slash + 1);
	assert_int_equal(inet_pton(p.family, a, p.bytes), 1);
	return p;
}

/* A pointer to a parsed prefix, valid for the next few calls. */
static const struct prefix *
PP(const char *s)
{
	static struct prefix ring[8];
	static unsigned	     i;

	ring[i % 8] = P(s);
	return &ring[i++ % 8];
}

static struct ipaddr
A(const char *s) {
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, s, a.bytes), 1);
	return a;
}

/* Run the loop until the FIB has nothing in flight and pred() holds; ms is
 * stretched by the slowdown (a bound, never an expectation of speed). */
/* How long a test waits for the kernel to answer everything asked: an
 * outcome, never a speed (the soak under stress-ng took over 5 s for 3,000
 * refusals overrunning a small buffer; a pass returns as soon as it holds). */
#define SETTLE_MS 30000

static bool
run_until(struct fib *f, bool (*pred)(struct fib *), unsigned ms)
{
	uint64_t end = mono_ms() + (uint64_t)ms * test_time_scale();

	for (;;) {
		struct fib_stats st;

		uv_run(loop_get(), UV_RUN_NOWAIT);
		fib_stats_get(f, &st);
		if (st.requests_pending == 0 && (!pred || pred(f)))
			return true;
		if (mono_ms() > end)
			return false;
		usleep(5000);
	}
}

static void
run_for(unsigned ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end) {
		uv_run(loop_get(), UV_RUN_NOWAIT);
		usleep(5000);
	}
}

/* The route's line in the kernel's table (exact prefix), "" if absent. */
static char *
kroute(char *buf, size_t len, const char *pfx)
{
	return sh_out(buf, len, "ip %s -N route show table %d proto 196 %s",
	    strchr(pfx, ':') ? "-6" : "-4", TABLE, pfx);
}

static void
assert_route_nhid(const char *pfx, uint32_t nhid)
{
	char buf[1024], want[64];

	kroute(buf, sizeof(buf), pfx);
	snprintf(want, sizeof(want), "nhid %u ", nhid);
	if (!strstr(buf, want))
		fail_msg("%s: want %s, kernel has '%s'", pfx, want, buf);
}

static void
assert_route_via(const char *dst, const char *via)
{
	char buf[1024];

	sh_out(buf, sizeof(buf), "ip route get %s 2>&1", dst);
	if (!strstr(buf, via))
		fail_msg("route get %s: want '%s', kernel says '%s'", dst, via, buf);
}

/* Fresh namespace: lo, v0-v1 (10.0.0.0/24, 2001:db8::/64), v2-v3
 * (10.0.1.0/24), table 100 consulted first. The old namespace dies with its
 * last socket: nothing to clean up on failure. */
static int
setup(void **state)
{
	memset(&seen, 0, sizeof(seen));
	memset(&owner, 0, sizeof(owner));
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	return system(
		   "ip link set lo up &&"
		   " ip link add v0 type veth peer name v1 &&"
		   " ip link add v2 type veth peer name v3 &&"
		   " for i in v0 v1 v2 v3; do ip link set $i up; done &&"
		   " ip addr add 10.0.0.1/24 dev v0 && ip addr add 10.0.1.1/24 dev v2 &&"
		   " ip -6 addr add 2001:db8::1/64 dev v0 nodad &&"
		   " ip rule add pref 100 lookup 100 && ip -6 rule add pref 100 lookup 100") ==
		0 ?
	    0 :
	    -1;
}

static struct fib *open_fibs[2]; /* freed by teardown when a test fails */

static struct fib *
fib_open_cfg(const struct fib_cfg *cfg)
{
	struct fib *f = fib_new(cfg, &events, NULL);
	int	    i;

	assert_non_null(f);
	for (i = 0; i < 2; i++)
		if (!open_fibs[i]) {
			open_fibs[i] = f;
			break;
		}
	return f;
}

static struct fib *
fib_open(void)
{
	struct fib_cfg cfg = { .table = TABLE };

	return fib_open_cfg(&cfg);
}

static void
fib_close(struct fib *f)
{
	int i;

	for (i = 0; i < 2; i++)
		if (open_fibs[i] == f)
			open_fibs[i] = NULL;
	fib_free(f);
	uv_run(loop_get(), UV_RUN_NOWAIT);
}

static char named_ns[64]; /* a named namespace to delete in teardown */

static int
teardown(void **state)
{
	int i;

	for (i = 0; i < 2; i++)
		if (open_fibs[i])
			fib_close(open_fibs[i]);
	if (named_ns[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", named_ns);
		if (system(cmd) != 0)
			fprintf(stderr, "could not delete %s\n", named_ns);
		named_ns[0] = '\0';
	}
	return 0;
}

/* Routes land with the right nhid; rewriting a group moves all its routes. */
static void
test_fib_group_move(void **state)
{
	struct fib	*f = fib_open();
	struct ipaddr	 ga = A("10.0.0.2"), gb = A("10.0.1.2");
	uint32_t	 a, b, a2, g1, g2, ids[2];
	struct fib_stats st;
	char		 buf[4096];

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_nh_get(f, &gb, "v2", &b), 0);
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a2), 0);
	assert_int_equal(a, a2); /* one object per (gw, ifname) */
	assert_true(a >= 0x10000000u && b >= 0x10000000u && a != b);
	assert_int_equal(fib_group_new(f, &a, 1, &g1), 0);
	ids[0] = a;
	ids[1] = b;
	assert_int_equal(fib_group_new(f, ids, 2, &g2), 0);
	{
		uint32_t dup[3] = { a, a, b }, gd; /* a member twice counts once */

		assert_int_equal(fib_group_new(f, dup, 3, &gd), 0);
		assert_int_equal(fib_flush(f), 0);
		fib_group_free(f, gd);
	}
	assert_int_equal(fib_route_set(f, &(struct prefix){ 0 }, 0xdeadu), -EINVAL);
	assert_int_equal(fib_route_set(f, &(struct prefix){ .family = AF_INET, .len = 8 },
			     0xdeadu),
	    -ENOENT);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g1), 0);
	assert_int_equal(fib_route_set(f, PP("198.51.100.0/24"), g1), 0);
	assert_int_equal(fib_route_set(f, PP("203.0.113.0/24"), g2), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));

	assert_route_nhid("192.0.2.0/24", g1);
	assert_route_nhid("198.51.100.0/24", g1);
	assert_route_nhid("203.0.113.0/24", g2);
	assert_route_via("192.0.2.1", "via 10.0.0.2 dev v0");
	assert_route_via("198.51.100.1", "via 10.0.0.2 dev v0");
	sh_out(buf, sizeof(buf), "ip -N nexthop show id %u", a);
	assert_non_null(strstr(buf, "via 10.0.0.2 dev v0"));
	assert_non_null(strstr(buf, "proto 196"));
	assert_int_equal(count_lines(sh_out(buf, sizeof(buf),
			     "ip -N -o route show table %d proto 196", TABLE)),
	    3);

	/* in-place rewrite: both routes of g1 move at once, the nhid stays */
	assert_int_equal(fib_group_set(f, g1, &b, 1), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_nhid("192.0.2.0/24", g1);
	assert_route_via("192.0.2.1", "via 10.0.1.2 dev v2");
	assert_route_via("198.51.100.1", "via 10.0.1.2 dev v2");
	sh_out(buf, sizeof(buf), "ip -N nexthop show id %u", g1);
	snprintf(buf + 2048, 64, "group %u ", b);
	assert_non_null(strstr(buf, buf + 2048));

	/* delete one route; the others stay */
	assert_int_equal(fib_route_del(f, PP("198.51.100.0/24")), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_string_equal(kroute(buf, sizeof(buf), "198.51.100.0/24"), "");
	assert_route_nhid("192.0.2.0/24", g1);

	fib_stats_get(f, &st);
	assert_int_equal(st.routes_set, 3);
	assert_int_equal(st.routes_del, 1);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.nh_objects, 2);
	assert_int_equal(st.routes_pending_retry, 0);
	assert_int_equal(seen.nerr, 0);

	/* releasing: the nexthop object goes when its last user does */
	fib_nh_put(f, a2);
	fib_group_free(f, g2);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip nexthop show id %u 2>&1", a);
	assert_non_null(strstr(buf, "via 10.0.0.2")); /* one reference left */
	assert_string_equal(kroute(buf, sizeof(buf), "203.0.113.0/24"), ""); /* went with g2 */
	fib_close(f);
}

/* n == 0: a group of one blackhole nexthop, rewritable to members and back. */
static void
test_fib_blackhole(void **state)
{
	struct fib   *f = fib_open();
	struct ipaddr ga = A("10.0.0.2");
	uint32_t      a, g, g6;
	char	      buf[2048];

	assert_int_equal(fib_group_new(f, NULL, 0, &g), 0);
	assert_int_equal(fib_group_new(f, NULL, 0, &g6), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g), 0);
	assert_int_equal(fib_route_set(f, PP("2001:db8:99::/48"), g6), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	/* the kernel reports a route via a blackhole nexthop as type blackhole */
	sh_out(buf, sizeof(buf), "ip route show table %d 192.0.2.0/24", TABLE);
	assert_non_null(strstr(buf, "blackhole 192.0.2.0/24"));
	assert_route_nhid("192.0.2.0/24", g);
	sh_out(buf, sizeof(buf), "ip -6 route show table %d 2001:db8:99::/48", TABLE);
	assert_non_null(strstr(buf, "blackhole 2001:db8:99::/48"));
	assert_route_nhid("2001:db8:99::/48", g6);
	sh_out(buf, sizeof(buf), "ip route get 192.0.2.1 2>&1");
	assert_null(strstr(buf, "via"));

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_set(f, g, &a, 1), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_via("192.0.2.1", "via 10.0.0.2 dev v0");
	assert_int_equal(fib_group_set(f, g, NULL, 0), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip route show table %d 192.0.2.0/24", TABLE);
	assert_non_null(strstr(buf, "blackhole 192.0.2.0/24"));
	fib_close(f);
}

/* A device-only nexthop (a point-to-point tunnel without an inner peer
 * address): one object serves IPv4 and IPv6 routes, in a group with a
 * gateway nexthop too; without an interface it is refused up front. */
static void
test_fib_device_nexthop(void **state)
{
	struct fib   *f = fib_open();
	struct ipaddr none = { 0 }, ga = A("10.0.0.2");
	uint32_t      d, d2, a, g, g2, both[2];
	char	      buf[1024];

	assert_int_equal(fib_nh_get(f, &none, "", &d), -EINVAL);
	assert_int_equal(fib_nh_get(f, NULL, "v2", &d), 0);
	assert_int_equal(fib_nh_get(f, &none, "v2", &d2), 0);
	assert_int_equal(d, d2); /* the same object, refcounted */
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_new(f, &d, 1, &g), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g), 0);
	assert_int_equal(fib_route_set(f, PP("2001:db8:98::/48"), g), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_nhid("192.0.2.0/24", g);
	assert_route_nhid("2001:db8:98::/48", g);
	sh_out(buf, sizeof(buf), "ip route get 192.0.2.1 2>&1");
	assert_non_null(strstr(buf, "dev v2"));
	assert_null(strstr(buf, "via"));
	sh_out(buf, sizeof(buf), "ip -6 route get 2001:db8:98::1 2>&1");
	assert_non_null(strstr(buf, "dev v2"));
	/* ECMP of the device and a gateway */
	both[0] = d;
	both[1] = a;
	assert_int_equal(fib_group_new(f, both, 2, &g2), 0);
	assert_int_equal(fib_route_set(f, PP("198.51.100.0/24"), g2), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip nexthop show id %u 2>&1", g2);
	assert_non_null(strstr(buf, "group"));
	assert_route_nhid("198.51.100.0/24", g2);
	fib_close(f);
}

/* IPv6 routes and nexthops; interface found from the gateway's connected prefix. */
static void
test_fib_ipv6_and_resolve(void **state)
{
	struct fib   *f = fib_open();
	struct ipaddr g6 = A("2001:db8::2"), gb = A("10.0.1.2");
	uint32_t      n6, nb, grp6, grpb;
	char	      buf[2048];

	assert_int_equal(fib_nh_get(f, &g6, "v0", &n6), 0);
	assert_int_equal(fib_nh_get(f, &gb, "", &nb), 0);
	assert_int_equal(fib_group_new(f, &n6, 1, &grp6), 0);
	assert_int_equal(fib_group_new(f, &nb, 1, &grpb), 0);
	assert_int_equal(fib_route_set(f, PP("2001:db8:100::/48"), grp6), 0);
	assert_int_equal(fib_route_set(f, PP("2001:db8:200::/64"), grp6), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), grpb), 0);
	assert_int_equal(fib_route_set(f, PP("0.0.0.0/0"), grpb), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_nhid("2001:db8:100::/48", grp6);
	assert_route_nhid("2001:db8:200::/64", grp6);
	assert_route_nhid("default", grpb);
	assert_route_via("2001:db8:100::1", "via 2001:db8::2 dev v0");
	sh_out(buf, sizeof(buf), "ip nexthop show id %u", nb);
	assert_non_null(strstr(buf, "via 10.0.1.2 dev v2")); /* resolved from 10.0.1.0/24 */
	assert_route_via("192.0.2.1", "via 10.0.1.2 dev v2");
	fib_close(f);
}

static bool
pred_y_installed(struct fib *f)
{
	char buf[512];

	return strstr(kroute(buf, sizeof(buf), "203.0.113.0/24"), "nhid") != NULL;
}

/* Refusals: a gateway not on-link and an interface without carrier. The
 * refused routes are reported with their prefix and retried; the rest of the
 * batch is installed; carrier coming up brings the refused route in. */
static void
test_fib_errors_retry(void **state)
{
	struct fib	*f = fib_open();
	struct ipaddr	 ga = A("10.0.0.2"), gx = A("10.9.9.9"), gy = A("10.0.4.2");
	uint32_t	 a, x, y, ga_g, gx_g, gy_g;
	struct fib_stats st;
	char		 buf[8192], pfx[32];
	int		 i;

	sh("ip link add v4 type veth peer name v5 && ip link set v4 up && ip addr add 10.0.4.1/24 dev v4");
	run_for(50); /* v4 is up without carrier (v5 down) */
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_nh_get(f, &gx, "v0", &x), 0); /* not on-link */
	assert_int_equal(fib_nh_get(f, &gy, "v4", &y), 0); /* no carrier */
	assert_int_equal(fib_group_new(f, &a, 1, &ga_g), 0);
	assert_int_equal(fib_group_new(f, &x, 1, &gx_g), 0);
	assert_int_equal(fib_group_new(f, &y, 1, &gy_g), 0);
	for (i = 0; i < 5; i++) {
		snprintf(pfx, sizeof(pfx), "192.0.%d.0/24", i);
		assert_int_equal(fib_route_set(f, PP(pfx), ga_g), 0);
	}
	assert_int_equal(fib_route_set(f, PP("198.51.100.0/24"), gx_g), 0);
	assert_int_equal(fib_route_set(f, PP("203.0.113.0/24"), gy_g), 0);
	for (i = 5; i < 10; i++) {
		snprintf(pfx, sizeof(pfx), "192.0.%d.0/24", i);
		assert_int_equal(fib_route_set(f, PP(pfx), ga_g), 0);
	}
	assert_true(fib_flush(f) < 0);
	assert_true(run_until(f, NULL, SETTLE_MS));

	/* both refused routes reported, by prefix; the ten others installed */
	assert_int_equal(seen.nerr, 2);
	assert_memory_equal(&seen.err_pfx[0], PP("198.51.100.0/24"), sizeof(struct prefix));
	assert_memory_equal(&seen.err_pfx[1], PP("203.0.113.0/24"), sizeof(struct prefix));
	assert_true(seen.err_code[0] < 0 && seen.err_code[1] < 0);
	assert_int_equal(count_lines(sh_out(buf, sizeof(buf),
			     "ip -N -o route show table %d proto 196", TABLE)),
	    10);
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 2);
	assert_true(st.errors >= 6); /* 2 nexthops, 2 groups, 2 routes */

	/* back-off: a first retry after ~200 ms, refused again */
	run_for(700);
	fib_stats_get(f, &st);
	assert_true(st.retries >= 4);
	assert_int_equal(st.routes_pending_retry, 2);
	assert_true(seen.nerr >= 4);

	/* carrier on v4: the nexthop, its group and the route come in */
	sh("ip link set v5 up");
	assert_true(run_until(f, pred_y_installed, SETTLE_MS));
	assert_route_nhid("203.0.113.0/24", gy_g);
	assert_route_via("203.0.113.1", "via 10.0.4.2 dev v4");
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 1); /* 198.51.100.0/24 stays refused */
	assert_true(seen.nup >= 1);
	assert_string_equal(kroute(buf, sizeof(buf), "198.51.100.0/24"), "");
	fib_close(f);
}

static bool
pred_routes_back(struct fib *f)
{
	char buf[512];

	return strstr(kroute(buf, sizeof(buf), "192.0.2.0/24"), "nhid") != NULL;
}

/* Carrier loss makes the kernel flush our nexthops, groups and routes
 * silently; carrier back must restore all of it. Link events reach the callback. */
static void
test_fib_link_flush_restore(void **state)
{
	struct fib   *f = fib_open();
	struct ipaddr ga = A("10.0.0.2");
	uint32_t      a, g;
	char	      buf[2048];
	size_t	      down0;

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	owner_route_set(f, PP("192.0.2.0/24"), g);
	owner_route_set(f, PP("198.51.100.0/24"), g);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_nhid("192.0.2.0/24", g);

	down0 = seen.ndown;
	sh("ip link set v1 down");
	run_for(200);
	assert_true(seen.ndown > down0);
	assert_string_equal(kroute(buf, sizeof(buf), "192.0.2.0/24"), ""); /* kernel flushed */
	sh_out(buf, sizeof(buf), "ip nexthop show id %u 2>&1", a);
	assert_null(strstr(buf, "via"));

	sh("ip link set v1 up");
	assert_true(run_until(f, pred_routes_back, SETTLE_MS));
	assert_true(owner.group_back >= 1); /* the owner was asked, once the group was back */
	assert_route_nhid("192.0.2.0/24", g);
	assert_route_nhid("198.51.100.0/24", g);
	assert_route_via("198.51.100.1", "via 10.0.0.2 dev v0");

	/* address events */
	sh("ip addr add 10.7.7.1/24 dev v2");
	run_for(100);
	assert_true(seen.addr_add >= 1);
	sh("ip addr del 10.7.7.1/24 dev v2");
	run_for(100);
	assert_true(seen.addr_del >= 1);
	fib_close(f);
}

static void
adopt_cb(void *arg, const struct prefix *p)
{
	if (seen.nadopted < 64)
		seen.adopted[seen.nadopted] = *p;
	seen.nadopted++;
}

/* A restart: the new instance adopts the old routes (they stay), moves two
 * onto its own groups, and reconcile removes the third and the old objects. */
static void
test_fib_adopt_reconcile(void **state)
{
	struct fib	*f = fib_open(), *f2;
	struct ipaddr	 ga = A("10.0.0.2"), gb = A("10.0.1.2");
	uint32_t	 a, g, g6, b, ng, unused_nh, unused_g;
	char		 buf[4096], id[32];
	struct fib_stats st;

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	assert_int_equal(fib_nh_get(f, &gb, "v2", &unused_nh), 0);
	assert_int_equal(fib_group_new(f, &unused_nh, 1, &unused_g), 0);
	assert_int_equal(fib_group_new(f, NULL, 0, &g6), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g), 0);
	assert_int_equal(fib_route_set(f, PP("198.51.100.0/24"), g), 0);
	assert_int_equal(fib_route_set(f, PP("203.0.113.0/24"), g), 0);
	assert_int_equal(fib_route_set(f, PP("2001:db8:5::/48"), g6), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	/* someone else's route in the same table is never touched */
	sh("ip route add 192.0.99.0/24 via 10.0.0.2 table %d proto static", TABLE);
	fib_close(f); /* leaves kernel state in place */

	f2 = fib_open();
	assert_int_equal(fib_adopt(f2, adopt_cb, NULL), 0);
	assert_int_equal(seen.nadopted, 4);
	assert_route_nhid("192.0.2.0/24", g); /* still forwarding meanwhile */
	/* old objects no adopted route uses are gone already; used ones stay */
	assert_true(run_until(f2, NULL, 2000));
	sh_out(buf, sizeof(buf), "ip nexthop show 2>&1");
	snprintf(id, sizeof(id), "id %u ", unused_g);
	assert_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", unused_nh);
	assert_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", a);
	assert_non_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", g6);
	assert_non_null(strstr(buf, id));
	assert_int_equal(fib_nh_get(f2, &gb, "v2", &b), 0);
	assert_true(b != a && b != g && b != g6); /* new ids avoid the old ones */
	assert_int_equal(fib_group_new(f2, &b, 1, &ng), 0);
	assert_true(ng != a && ng != g && ng != g6);
	assert_int_equal(fib_route_set(f2, PP("192.0.2.0/24"), ng), 0);
	assert_int_equal(fib_route_set(f2, PP("198.51.100.0/24"), ng), 0);
	assert_int_equal(fib_flush(f2), 0);
	assert_int_equal(fib_reconcile(f2), 0);
	assert_true(run_until(f2, NULL, 2000));

	assert_route_nhid("192.0.2.0/24", ng);
	assert_route_nhid("198.51.100.0/24", ng);
	assert_route_via("192.0.2.1", "via 10.0.1.2 dev v2");
	assert_string_equal(kroute(buf, sizeof(buf), "203.0.113.0/24"), "");
	assert_string_equal(kroute(buf, sizeof(buf), "2001:db8:5::/48"), "");
	sh_out(buf, sizeof(buf), "ip -N route show table %d 192.0.99.0/24", TABLE);
	assert_non_null(strstr(buf, "via 10.0.0.2"));
	sh_out(buf, sizeof(buf), "ip nexthop show 2>&1");
	snprintf(id, sizeof(id), "id %u ", a);
	assert_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", g);
	assert_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", g6);
	assert_null(strstr(buf, id));
	snprintf(id, sizeof(id), "id %u ", ng);
	assert_non_null(strstr(buf, id));
	fib_stats_get(f2, &st);
	assert_int_equal(st.errors, 0);
	fib_close(f2);
}

/* Many routes in one flush: batching across several sendmsg calls. */
static void
test_fib_many(void **state)
{
	struct fib	*f = fib_open();
	struct ipaddr	 ga = A("10.0.0.2");
	uint32_t	 a, g;
	struct fib_stats st;
	char		 buf[256];
	int		 i;

	/* batches go out on the FIB's own sender thread */
	assert_true(atoi(sh_out(buf, sizeof(buf),
			"grep -lx hgw-fib /proc/%d/task/*/comm | wc -l", (int)getpid())) == 1);
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	for (i = 0; i < 60000; i++) {
		struct prefix p = { .family = AF_INET, .len = 24 };

		p.bytes[0] = (uint8_t)(20 + (i >> 16));
		p.bytes[1] = (uint8_t)(i >> 8);
		p.bytes[2] = (uint8_t)i;
		assert_int_equal(fib_route_set(f, &p, g), 0);
		/* the queue does not grow with the table: the loop waits for
		 * the sender once it holds 4 batches and 4 more wait unsent;
		 * at most 16 batches await the reading of their answers */
		fib_stats_get(f, &st);
		assert_true(st.requests_unsent <= 9 * 2048);
		assert_true(st.requests_pending <= 21 * 2048);
	}
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip -N route show table %d proto 196 | wc -l", TABLE);
	assert_int_equal(atoi(buf), 60000);
	fib_stats_get(f, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.routes_set, 60000);
	fib_close(f);
}

static bool
pred_none_pending(struct fib *f)
{
	struct fib_stats st;

	fib_stats_get(f, &st);
	return st.routes_pending_retry == 0;
}

/* A refusal that arrives after the route was set again elsewhere is stale:
 * not reported, not retried (the retry would put the old group back). */
static void
test_fib_refusal_superseded(void **state)
{
	struct fib	*f = fib_open();
	struct ipaddr	 ga = A("10.0.0.2"), gx = A("10.9.9.9");
	uint32_t	 a, x, ga_g, gx_g;
	struct fib_stats st;

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_nh_get(f, &gx, "v0", &x), 0); /* not on-link */
	assert_int_equal(fib_group_new(f, &a, 1, &ga_g), 0);
	assert_int_equal(fib_group_new(f, &x, 1, &gx_g), 0);
	fib_flush(f);
	seen.nerr = 0;
	owner_route_set(f, PP("192.0.2.0/24"), gx_g);	 /* refused ... */
	owner_route_set(f, PP("192.0.2.0/24"), ga_g);	 /* ... but set again meanwhile */
	owner_route_set(f, PP("198.51.100.0/24"), gx_g); /* refused, still wanted */
	fib_flush(f);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_int_equal(seen.nerr, 1);
	assert_memory_equal(&seen.err_pfx[0], PP("198.51.100.0/24"), sizeof(struct prefix));
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 1);
	run_for(700); /* retries run: the good route stays */
	assert_route_nhid("192.0.2.0/24", ga_g);
	fib_close(f);
}

/* Thousands of refusals at once: each reported once, logging capped, retries
 * scheduled without quadratic cost; a group rewrite onto a good nexthop
 * brings them all in at once. The first back-off is a minute here, so no
 * retry can run during the test however slow the machine (valgrind): every
 * count is exact and the routes that come back can only have come back
 * through the group. */
static void
test_fib_mass_refusal(void **state)
{
	struct fib_cfg	 cfg = { .table = TABLE, .retry_min_ms = 60000 };
	struct fib	*f = fib_open_cfg(&cfg);
	struct ipaddr	 ga = A("10.0.0.2"), gx = A("10.9.9.9");
	uint32_t	 a, x, g;
	struct fib_stats st;
	char		 buf[256];
	int		 i;

	assert_int_equal(fib_nh_get(f, &gx, "v0", &x), 0); /* not on-link */
	assert_int_equal(fib_group_new(f, &x, 1, &g), 0);
	for (i = 0; i < 5000; i++) {
		struct prefix p = { .family = AF_INET,
			.len = 24,
			.bytes = { 30, (uint8_t)(i >> 8), (uint8_t)i } };

		assert_int_equal(fib_route_set(f, &p, g), 0);
	}
	assert_true(fib_flush(f) < 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_int_equal(seen.nerr, 5000);
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 5000);
	assert_int_equal(st.retries, 0);
	/* one route leaves back-off by being deleted */
	assert_int_equal(fib_route_del(f, PP("30.0.7.0/24")), 0);
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 4999);

	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_set(f, g, &a, 1), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, pred_none_pending, SETTLE_MS));
	fib_stats_get(f, &st);
	assert_int_equal(st.retries, 4999); /* all through the group, none refused again */
	assert_int_equal(seen.nerr, 5000);
	sh_out(buf, sizeof(buf), "ip -N -o route show table %d proto 196 | wc -l", TABLE);
	assert_int_equal(atoi(buf), 4999);
	assert_route_via("30.0.200.1", "via 10.0.0.2 dev v0");
	fib_close(f);
}

/* The FIB's request socket: the netlink socket with the forced 64 MiB buffer. */
static int
fib_request_fd(void)
{
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		int	  dom = 0, rcv = 0;
		socklen_t l = sizeof(dom);

		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 || dom != AF_NETLINK)
			continue;
		l = sizeof(rcv);
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &l) == 0 &&
		    rcv >= 64 * 1024 * 1024)
			return fd;
	}
	return -1;
}

/* A small receive buffer: routes that go through are not answered (only the
 * last request of a batch is), so 3000 of them fit; all installed, no error.
 * (test_fib_refusal_overrun is the overrun: every refusal is answered.) */
static void
test_fib_ack_overrun(void **state)
{
	struct fib	*f = fib_open();
	struct ipaddr	 ga = A("10.0.0.2");
	uint32_t	 a, g;
	struct fib_stats st;
	char		 buf[256];
	int		 fd = fib_request_fd(), small = 16384, i;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)), 0);
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	for (i = 0; i < 3000; i++) {
		struct prefix p = { .family = AF_INET,
			.len = 24,
			.bytes = { 40, (uint8_t)(i >> 8), (uint8_t)i } };

		assert_int_equal(fib_route_set(f, &p, g), 0);
	}
	fib_flush(f);
	assert_true(run_until(f, NULL, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip -N -o route show table %d proto 196 | wc -l", TABLE);
	assert_int_equal(atoi(buf), 3000);
	fib_stats_get(f, &st);
	assert_int_equal(st.errors, 0);
	fib_close(f);
}

/* Refusals answer every request: thousands of answers overrun a small
 * receive buffer (ENOBUFS). Every refusal is still accounted for (retry
 * pending for each route), and a group rewrite brings them all in. The
 * first back-off is a minute, as in test_fib_mass_refusal: with 200 ms, a
 * machine slow enough that a round of 3,000 refusals outlasts the back-off
 * (CI beside a soak run under stress-ng) always had retries in flight, and
 * the wait for none ran out. */
static void
test_fib_refusal_overrun(void **state)
{
	struct fib_cfg	 cfg = { .table = TABLE, .retry_min_ms = 60000 };
	struct fib	*f = fib_open_cfg(&cfg);
	struct ipaddr	 ga = A("10.0.0.2"), gx = A("10.9.9.9");
	uint32_t	 a, x, g;
	struct fib_stats st;
	char		 buf[256];
	int		 fd = fib_request_fd(), small = 16384, i;

	assert_true(fd >= 0);
	assert_int_equal(fib_nh_get(f, &gx, "v0", &x), 0); /* not on-link */
	assert_int_equal(fib_group_new(f, &x, 1, &g), 0);
	fib_flush(f);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)), 0);
	for (i = 0; i < 3000; i++) {
		struct prefix p = { .family = AF_INET,
			.len = 24,
			.bytes = { 41, (uint8_t)(i >> 8), (uint8_t)i } };

		assert_int_equal(fib_route_set(f, &p, g), 0);
	}
	fib_flush(f);
	assert_true(run_until(f, NULL, SETTLE_MS));
	fib_stats_get(f, &st);
	assert_int_equal(st.routes_pending_retry, 3000);
	assert_true(seen.nerr >= 3000);
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_group_set(f, g, &a, 1), 0);
	fib_flush(f);
	assert_true(run_until(f, pred_none_pending, SETTLE_MS));
	sh_out(buf, sizeof(buf), "ip -N -o route show table %d proto 196 | wc -l", TABLE);
	assert_int_equal(atoi(buf), 3000);
	fib_close(f);
}

/* fib_cfg.nh_compat_off: the sysctl is set in the FIB's namespace, groups
 * still move their routes. */
static void
test_fib_nh_compat_off(void **state)
{
	struct fib_cfg cfg = { .table = TABLE, .nh_compat_off = true };
	struct ipaddr  ga = A("10.0.0.2"), gb = A("10.0.1.2");
	struct fib    *f;
	uint32_t       a, b, g;
	char	       buf[256];

	sh_out(buf, sizeof(buf), "sysctl -n net.ipv4.nexthop_compat_mode");
	assert_int_equal(atoi(buf), 1);
	f = fib_new(&cfg, &events, NULL);
	assert_non_null(f);
	open_fibs[0] = f;
	sh_out(buf, sizeof(buf), "sysctl -n net.ipv4.nexthop_compat_mode");
	assert_int_equal(atoi(buf), 0);
	assert_int_equal(fib_nh_get(f, &ga, "v0", &a), 0);
	assert_int_equal(fib_nh_get(f, &gb, "v2", &b), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_nhid("192.0.2.0/24", g);
	assert_route_via("192.0.2.1", "via 10.0.0.2 dev v0");
	assert_int_equal(fib_group_set(f, g, &b, 1), 0);
	assert_int_equal(fib_flush(f), 0);
	assert_true(run_until(f, NULL, SETTLE_MS));
	assert_route_via("192.0.2.1", "via 10.0.1.2 dev v2");
	fib_close(f);
}

/* fib_cfg.netns: sockets opened in a named namespace, the caller stays put. */
static void
test_fib_named_netns(void **state)
{
	char	      *ns = named_ns, buf[2048];
	struct fib_cfg cfg = { .table = TABLE };
	struct ipaddr  ga = A("10.8.0.2");
	struct fib    *f;
	uint32_t       a, g;

	snprintf(named_ns, sizeof(named_ns), "hgw-fib-%d-n", (int)getpid());
	sh("ip netns add %s && ip -n %s link set lo up && ip -n %s link add w0 type veth peer name w1 &&"
	   " ip -n %s link set w0 up && ip -n %s link set w1 up && ip -n %s addr add 10.8.0.1/24 dev w0",
	    ns, ns, ns, ns, ns, ns);
	cfg.netns = ns;
	f = fib_new(&cfg, &events, NULL);
	assert_non_null(f);
	open_fibs[1] = f;
	assert_int_equal(fib_nh_get(f, &ga, "w0", &a), 0);
	assert_int_equal(fib_group_new(f, &a, 1, &g), 0);
	assert_int_equal(fib_route_set(f, PP("192.0.2.0/24"), g), 0);
	assert_int_equal(fib_flush(f), 0);
	run_until(f, NULL, 2000);
	sh_out(buf, sizeof(buf), "ip -n %s -N route show table %d 192.0.2.0/24", ns, TABLE);
	fib_close(f);
	assert_non_null(strstr(buf, "via 10.8.0.2 dev w0 proto 196"));
	/* and nothing in the caller's own namespace */
	assert_string_equal(kroute(buf, sizeof(buf), "192.0.2.0/24"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fib_group_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_blackhole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_ipv6_and_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_errors_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_link_flush_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_adopt_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_named_netns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_device_nexthop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_refusal_superseded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_mass_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_refusal_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_ack_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_nh_compat_off, setup, teardown),
	};
	int rc;

	log_init("test_fib", LOG_LVL_INFO, true);
	if (loop_init() < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	loop_fini();
	return rc;
}
