/* tests/unit/bgp/test_bgp_adj_ext.c - the speaker with its Adj-RIB-In kept by the route manager (bgp_hooks.adj_in_*): repeats, counts, max-prefix, GR sweep per family, flush, show walk. */
/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bgp_test_peer.h"

/*
 * A stand-in for the route manager's side of the contract (bgp.h): one
 * table of (prefix, attrs, stale) for source 7, which path_add replaces and
 * path_del removes. The real one (failover/rib.c) has its own unit test
 * (tests/unit/failover/test_rib_adjin.c) and runs behind hybridgwd in the
 * interop tests.
 */
#define EXT_MAX 16
struct ext_ent {
	struct prefix	  p;
	struct bgp_attrs *a;
	bool		  stale;
};
static struct ext_store {
	struct ext_ent e[EXT_MAX];
	int	       n;
	int	       calls_add, flushes, sweeps;
	uint8_t	       last_sweep_family;
} S;

static int
ext_find(const struct prefix *p)
{
	for (int i = 0; i < S.n; i++)
		if (prefix_equal(&S.e[i].p, p))
			return i;
	return -1;
}

static void
ext_drop(int i)
{
	bgp_attrs_put(S.e[i].a);
	S.e[i] = S.e[--S.n];
}

static void
ext_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *pi)
{
	int i = ext_find(p);

	assert_int_equal(src, 7);
	S.calls_add++;
	if (i >= 0 && S.e[i].a == pi->attrs) { /* a repeat: only the mark goes */
		S.e[i].stale = false;
		return;
	}
	tp_h_add(arg, src, p, pi); /* counted: new or changed */
	if (i < 0) {
		assert_true(S.n < EXT_MAX);
		i = S.n++;
	} else {
		bgp_attrs_put(S.e[i].a);
	}
	S.e[i].p = *p;
	bgp_attrs_get(pi->attrs);
	S.e[i].a = pi->attrs;
	S.e[i].stale = false;
}

static void
ext_del(void *arg, uint32_t src, const struct prefix *p)
{
	int i = ext_find(p);

	if (i < 0)
		return;
	tp_h_del(arg, src, p);
	ext_drop(i);
}

static void
ext_stale(void *arg, uint32_t src, bool mark)
{
	tp_h_stale(arg, src, mark);
	for (int i = 0; mark && i < S.n; i++)
		S.e[i].stale = true;
}

static uint32_t
ext_count(void *arg, uint32_t src, uint8_t family)
{
	uint32_t n = 0;

	for (int i = 0; i < S.n; i++)
		n += family == 0 || S.e[i].p.family == family;
	return n;
}

static int
ext_walk(void *arg, uint32_t src, bgp_adj_in_fn fn, void *fn_arg)
{
	int rc;

	for (int i = 0; i < S.n; i++)
		if ((rc = fn(&S.e[i].p, S.e[i].a, S.e[i].stale, fn_arg)) != 0)
			return rc;
	return 0;
}

static void
ext_flush(void *arg, uint32_t src)
{
	S.flushes++;
	while (S.n)
		ext_drop(0);
}

static uint32_t
ext_sweep(void *arg, uint32_t src, uint8_t family)
{
	uint32_t left = 0;

	S.sweeps++;
	S.last_sweep_family = family;
	for (int i = 0; i < S.n;) {
		if (S.e[i].stale && (family == 0 || S.e[i].p.family == family)) {
			ext_drop(i);
			continue;
		}
		left += S.e[i].stale;
		i++;
	}
	return left;
}

static const struct bgp_hooks ext_hooks = {
	.path_add = ext_add,
	.path_del = ext_del,
	.session = tp_h_session,
	.stale = ext_stale,
	.export_sync = tp_h_sync,
	.adj_in_count = ext_count,
	.adj_in_walk = ext_walk,
	.adj_in_flush = ext_flush,
	.adj_in_sweep = ext_sweep,
};

static void
ext_env_init(struct tp_env *e)
{
	struct bgp_global_cfg g = { TP_LOCAL_AS, TP_LOCAL_ID };

	memset(e, 0, sizeof(*e));
	memset(&S, 0, sizeof(S));
	bgp_ms_per_sec = 20 * tp_scale();
	uv_loop_init(&e->loop);
	e->bgp = bgp_new(&e->loop, &g, &ext_hooks, &e->h);
	e->lfd = tp_listen(&e->port);
}

static void
send_update(struct tp_conn *c, const char **wd, int nwd, const char **nlri, int n)
{
	uint8_t msg[BGP_MAX_MSG];
	size_t len = tp_build_update(msg, sizeof(msg), wd, nwd, nlri, n, TP_REMOTE_AS, NULL, 0);

	tp_send(c, msg, len);
}

struct n_ctx {
	int *v, want;
};

static bool
n_cond(void *arg)
{
	struct n_ctx *c = arg;

	return *c->v >= c->want;
}

static bool
wait_n(struct tp_env *e, int *v, int want)
{
	struct n_ctx c = { v, want };

	return tp_run_until(&e->loop, n_cond, &c, 1000);
}

struct ext_walk_acc {
	int  n, stale;
	char aspath[64];
};

static int
ext_walk_cb(const struct bgp_route_view *v, void *arg)
{
	struct ext_walk_acc *w = arg;

	w->n++;
	w->stale += v->stale;
	snprintf(w->aspath, sizeof(w->aspath), "%s", v->as_path);
	return 0;
}

/* Routes in, a repeat, withdrawals, the counters and show from the store;
 * session loss without GR flushes the store in one call. */
static void
test_ext_receive(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;
	struct ext_walk_acc   w = { 0 };

	ext_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0,
	    (const char *[]){ "192.0.2.0/24", "198.51.100.0/25", "10.0.0.0/8" }, 3);
	assert_true(wait_n(&e, &S.calls_add, 3));
	assert_int_equal(S.n, 3);
	assert_int_equal(e.peer->adj_in[BGP_FAM_V4].count, 0); /* no table of its own */
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 3);
	assert_int_equal(bgp_peer_adj_in_walk(e.peer, ext_walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.aspath, "65002");
	/* the same UPDATE again reaches the route manager, which drops it */
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1);
	assert_true(wait_n(&e, &S.calls_add, 4));
	assert_int_equal(e.h.adds, 3);
	/* withdrawals: an unknown prefix is harmless */
	send_update(c, (const char *[]){ "192.0.2.0/24", "203.0.113.0/24" }, 2, NULL, 0);
	assert_true(wait_n(&e, &e.h.dels, 1));
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 2);
	/* session loss without GR: one flush, nothing left */
	tp_close(c);
	assert_true(wait_n(&e, &S.flushes, 1));
	assert_int_equal(S.n, 0);
	assert_int_equal(bgp_adj_in_count(e.peer), 0);
	tp_env_fini(&e);
}

/* max-prefix counts what the route manager holds. */
static void
test_ext_max_prefix(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	ext_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.max_prefix = 2;
	cfg.max_prefix_action = BGP_MAXPFX_TEARDOWN;
	cfg.max_prefix_restart = 5;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0,
	    (const char *[]){ "192.0.2.0/24", "192.0.3.0/24", "192.0.4.0/24" }, 3);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[20], BGP_ERR_CEASE_MAXPFX);
	assert_int_equal(S.n, 0); /* flushed with the session */
	assert_int_equal(S.flushes, 1);
	tp_close(c);
	tp_env_fini(&e);
}

/* RFC 4724 helper: stale in the store, End-of-RIB sweeps IPv4 there. */
static void
test_ext_graceful_restart(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct ext_walk_acc w = { 0 };

	ext_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.graceful_restart = true;
	cfg.gr_restart_time = 120;
	c = tp_establish(&e, &cfg, 90, true, true);
	assert_non_null(c);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24", "198.51.100.0/24" }, 2);
	assert_true(wait_n(&e, &S.calls_add, 2));
	tp_close(c); /* TCP goes, no NOTIFICATION */
	assert_true(wait_n(&e, &e.h.stale_mark, 1));
	assert_int_equal(e.h.down, 0);
	assert_int_equal(S.flushes, 0);
	assert_int_equal(S.n, 2);
	assert_int_equal(bgp_peer_adj_in_walk(e.peer, ext_walk_cb, &w), 0);
	assert_int_equal(w.stale, 2);
	c = tp_establish(&e, &cfg, 90, true, true);
	assert_non_null(c);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1); /* unchanged */
	assert_true(wait_n(&e, &S.calls_add, 3));
	tp_send_eor(c);
	assert_true(wait_n(&e, &e.h.stale_sweep, 1));
	assert_int_equal(S.last_sweep_family, AF_INET);
	assert_int_equal(S.n, 1);
	assert_string_equal(prefix_fmt(&S.e[0].p, w.aspath, sizeof(w.aspath)), "192.0.2.0/24");
	assert_false(S.e[0].stale);
	assert_false(e.peer->gr_stale);
	assert_int_equal(e.h.down, 0);
	/* a second restart that does not come back: the restart time sweeps all */
	tp_close(c);
	assert_true(wait_n(&e, &e.h.stale_mark, 2));
	bgp_fsm_event(e.peer, BGP_EV_STOP);
	assert_true(wait_n(&e, &e.h.stale_sweep, 2));
	assert_int_equal(S.last_sweep_family, 0);
	assert_int_equal(S.n, 0);
	assert_true(wait_n(&e, &e.h.down, 1));
	tp_env_fini(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext_receive),
		cmocka_unit_test(test_ext_max_prefix),
		cmocka_unit_test(test_ext_graceful_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
