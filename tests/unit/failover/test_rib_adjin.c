/* tests/unit/failover/test_rib_adjin.c - a source's paths as its BGP Adj-RIB-In: count, ordered walk, repeats, stale sweep per family, flush. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

struct rib_attr {
	int refs;
};

static void
ta_get(struct rib_attr *a)
{
	a->refs++;
}
static void
ta_put(struct rib_attr *a)
{
	a->refs--;
}
static const struct rib_attr_ops ta_ops = { ta_get, ta_put };

static struct rib *
ta_rib(void)
{
	struct rib_cfg cfg;
	struct rib    *rib;

	memset(&cfg, 0, sizeof(cfg));
	cfg.policy.mode = RIB_PREF_CIRCUIT;
	cfg.policy.maximum_paths = 4;
	cfg.attr_ops = &ta_ops;
	assert_non_null(rib = rib_new(&cfg));
	rib_clock_set_for_test(rib, 1000);
	return rib;
}

static void
ta_add(struct rib *rib, rib_source_id s, const char *pfx, struct rib_attr *a)
{
	struct rib_path_info i =
	    t_bgp_info(strchr(pfx, ':') ? "2001:db8::1" : "192.0.2.1", 100, 2, 1);
	struct prefix p = P(pfx);

	i.attr = a;
	assert_int_equal(rib_path_add(rib, s, &p, &i), 0);
}

struct ta_walk {
	char		 seen[16][PREFIX_STRLEN];
	struct rib_attr *attr[16];
	bool		 stale[16];
	int		 n, stop_at;
};

static int
ta_walk_cb(void *arg, const struct prefix *p, struct rib_attr *a, bool stale)
{
	struct ta_walk *w = arg;

	assert_true(w->n < 16);
	prefix_fmt(p, w->seen[w->n], PREFIX_STRLEN);
	w->attr[w->n] = a;
	w->stale[w->n] = stale;
	w->n++;
	return w->n == w->stop_at ? 7 : 0;
}

static void
test_count_walk_order(void **state)
{
	struct rib     *rib = ta_rib();
	struct rib_attr a1 = { 0 }, a2 = { 0 };
	rib_source_id	s =
	    t_src(rib, "lan a", "a", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.1", true);
	rib_source_id o =
	    t_src(rib, "lan b", "b", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.2", true);
	struct ta_walk w = { .stop_at = 0 };

	(void)state;
	ta_add(rib, s, "10.2.0.0/16", &a1);
	ta_add(rib, s, "2001:db8:1::/48", &a2);
	ta_add(rib, s, "10.1.0.0/16", &a1);
	ta_add(rib, s, "10.1.0.0/24", &a2);
	ta_add(rib, o, "10.3.0.0/16", &a1); /* another source's: not walked */
	assert_int_equal(rib_source_path_count(rib, s, 0), 4);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET), 3);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET6), 1);
	assert_int_equal(rib_source_path_count(rib, o, 0), 1);
	assert_int_equal(rib_source_path_count(rib, 99, 0), 0);
	assert_int_equal(rib_source_path_walk(rib, s, ta_walk_cb, &w), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.seen[0], "10.1.0.0/16");
	assert_string_equal(w.seen[1], "10.1.0.0/24");
	assert_string_equal(w.seen[2], "10.2.0.0/16");
	assert_string_equal(w.seen[3], "2001:db8:1::/48");
	assert_ptr_equal(w.attr[0], &a1);
	assert_ptr_equal(w.attr[1], &a2);
	assert_false(w.stale[0]);
	/* the same through the sort path: a small source in a big table */
	{
		rib_source_id big =
		    t_src(rib, "lan c", "c", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.3", true);
		char buf[32];

		for (int i = 0; i < 64; i++) {
			snprintf(buf, sizeof(buf), "10.200.%d.0/24", i);
			ta_add(rib, big, buf, &a1);
		}
		memset(&w, 0, sizeof(w));
		assert_int_equal(rib_source_path_walk(rib, s, ta_walk_cb, &w), 0);
		assert_int_equal(w.n, 4);
		assert_string_equal(w.seen[0], "10.1.0.0/16");
		assert_string_equal(w.seen[1], "10.1.0.0/24");
		assert_string_equal(w.seen[2], "10.2.0.0/16");
		assert_string_equal(w.seen[3], "2001:db8:1::/48");
		assert_ptr_equal(w.attr[1], &a2);
		rib_source_flush(rib, big);
		rib_settle(rib);
	}
	/* stopping early returns the callback's value */
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(rib_source_path_walk(rib, s, ta_walk_cb, &w), 7);
	assert_int_equal(w.n, 2);
	/* implicit withdraw: adding again replaces, the count stays */
	ta_add(rib, s, "10.1.0.0/16", &a2);
	assert_int_equal(rib_source_path_count(rib, s, 0), 4);
	memset(&w, 0, sizeof(w));
	rib_source_path_walk(rib, s, ta_walk_cb, &w);
	assert_ptr_equal(w.attr[0], &a2);
	/* a withdraw of an unknown prefix is harmless */
	t_del(rib, s, "10.9.0.0/16");
	assert_int_equal(rib_source_path_count(rib, s, 0), 4);
	rib_free(rib);
	assert_int_equal(a1.refs, 0);
	assert_int_equal(a2.refs, 0);
}

/* The same path again changes nothing: no re-selection queued. */
static void
test_repeat_is_silent(void **state)
{
	struct rib     *rib = ta_rib();
	struct rib_attr a1 = { 0 }, a2 = { 0 };
	rib_source_id	s =
	    t_src(rib, "lan a", "a", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.1", true);

	(void)state;
	ta_add(rib, s, "10.1.0.0/16", &a1);
	rib_settle(rib);
	assert_int_equal(rib_pending(rib), 0);
	ta_add(rib, s, "10.1.0.0/16", &a1);
	assert_int_equal(rib_pending(rib), 0);
	assert_int_equal(a1.refs, 1);	    /* one record, one reference */
	ta_add(rib, s, "10.1.0.0/16", &a2); /* changed: queued */
	assert_int_equal(rib_pending(rib), 1);
	rib_settle(rib);
	assert_int_equal(a1.refs, 0);
	rib_free(rib);
	assert_int_equal(a2.refs, 0);
}

/* Graceful restart: mark all, re-received ones lose the mark, sweep per family. */
static void
test_stale_sweep_af(void **state)
{
	struct rib     *rib = ta_rib();
	struct rib_attr a1 = { 0 };
	rib_source_id	s =
	    t_src(rib, "lan a", "a", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.1", true);
	struct ta_walk w = { .stop_at = 0 };

	(void)state;
	ta_add(rib, s, "10.1.0.0/16", &a1);
	ta_add(rib, s, "10.2.0.0/16", &a1);
	ta_add(rib, s, "2001:db8:1::/48", &a1);
	ta_add(rib, s, "2001:db8:2::/48", &a1);
	rib_settle(rib);
	rib_source_mark_stale(rib, s);
	rib_source_path_walk(rib, s, ta_walk_cb, &w);
	assert_true(w.stale[0] && w.stale[1] && w.stale[2] && w.stale[3]);
	ta_add(rib, s, "10.1.0.0/16", &a1); /* received again, unchanged */
	ta_add(rib, s, "2001:db8:2::/48", &a1);
	/* IPv4 End-of-RIB: 10.2/16 goes, the IPv6 stale one is left */
	assert_int_equal(rib_source_sweep_stale_af(rib, s, AF_INET), 1);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET), 1);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET6), 2);
	assert_int_equal(rib_source_sweep_stale_af(rib, s, 0), 0);
	assert_int_equal(rib_source_path_count(rib, s, 0), 2);
	memset(&w, 0, sizeof(w));
	rib_source_path_walk(rib, s, ta_walk_cb, &w);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.seen[0], "10.1.0.0/16");
	assert_false(w.stale[0]);
	assert_string_equal(w.seen[1], "2001:db8:2::/48");
	assert_false(w.stale[1]);
	rib_free(rib);
	assert_int_equal(a1.refs, 0);
}

/* Session down without GR: every path goes, the source stays usable. */
static void
test_flush(void **state)
{
	struct rib     *rib = ta_rib();
	struct rib_attr a1 = { 0 };
	rib_source_id	s =
	    t_src(rib, "lan a", "a", RIB_CLASS_LAN, RIB_VPN_NONE, "192.0.2.1", true);
	struct rib_stats st;

	(void)state;
	for (int i = 0; i < 300; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "10.%d.%d.0/24", i / 256, i % 256);
		ta_add(rib, s, buf, &a1);
	}
	ta_add(rib, s, "2001:db8:1::/48", &a1);
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.prefixes, 301);
	rib_source_flush(rib, s);
	assert_int_equal(rib_source_path_count(rib, s, 0), 0);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET6), 0);
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.prefixes, 0);
	assert_int_equal(st.paths, 0);
	assert_int_equal(a1.refs, 0);
	ta_add(rib, s, "10.1.0.0/16", &a1);
	assert_int_equal(rib_source_path_count(rib, s, 0), 1);
	rib_free(rib);
	assert_int_equal(a1.refs, 0);
}

/* A source may carry configured prefixes too (a tunnel): they are not the
 * session's, so the Adj-RIB-In view leaves them alone. */
static void
test_statics_apart(void **state)
{
	struct rib     *rib = ta_rib();
	struct rib_attr a1 = { 0 };
	rib_source_id	s =
	    t_src(rib, "vpn t1", "t1", RIB_CLASS_VPN, RIB_VPN_SITE, "192.0.2.1", true);
	struct ta_walk	 w = { .stop_at = 0 };
	struct rib_stats st;

	(void)state;
	t_static(rib, s, "10.9.0.0/16");
	t_static(rib, s, "10.8.0.0/16");
	ta_add(rib, s, "10.1.0.0/16", &a1);
	ta_add(rib, s, "10.2.0.0/16", &a1);
	assert_int_equal(rib_source_path_count(rib, s, 0), 2);
	rib_source_path_walk(rib, s, ta_walk_cb, &w);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.seen[0], "10.1.0.0/16");
	assert_string_equal(w.seen[1], "10.2.0.0/16");
	/* a static replaced by a received path and back: counted accordingly */
	ta_add(rib, s, "10.8.0.0/16", &a1);
	assert_int_equal(rib_source_path_count(rib, s, AF_INET), 3);
	t_static(rib, s, "10.8.0.0/16");
	assert_int_equal(rib_source_path_count(rib, s, AF_INET), 2);
	/* a withdraw of what the peer never sent leaves the static */
	{
		struct prefix q = P("10.9.0.0/16");

		rib_path_withdraw(rib, s, &q);
		rib_settle(rib);
		rib_stats_get(rib, &st);
		assert_int_equal(st.paths, 4);
		q = P("10.2.0.0/16");
		rib_path_withdraw(rib, s, &q);
		assert_int_equal(rib_source_path_count(rib, s, 0), 1);
	}
	/* GR: the received ones are marked and swept, the statics never */
	rib_source_mark_stale(rib, s);
	memset(&w, 0, sizeof(w));
	rib_source_path_walk(rib, s, ta_walk_cb, &w);
	assert_true(w.n == 1 && w.stale[0]);
	assert_int_equal(rib_source_sweep_stale_af(rib, s, 0), 0);
	assert_int_equal(rib_source_path_count(rib, s, 0), 0);
	rib_source_sweep_stale(rib, s); /* the speaker's stale(sweep) after it */
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.paths, 2);
	/* session down: the statics stay */
	ta_add(rib, s, "10.1.0.0/16", &a1);
	rib_source_flush(rib, s);
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.paths, 2);
	assert_int_equal(rib_source_path_count(rib, s, 0), 0);
	rib_free(rib);
	assert_int_equal(a1.refs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_walk_order),
		cmocka_unit_test(test_repeat_is_silent),
		cmocka_unit_test(test_stale_sweep_af),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_statics_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
