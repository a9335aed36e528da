/* tests/unit/failover/test_rib_failover.c - fast failover, damped failback, backups, group sharing. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#define LAN RIB_CLASS_LAN
#define CIR RIB_CLASS_CIRCUIT
#define VPN RIB_CLASS_VPN

static int
t_last_cb(void *arg, const struct rib_journal_entry *e)
{
	*(struct rib_journal_entry *)arg = *e;
	return 0;
}

static struct rib_journal_entry
t_last(struct rib *rib)
{
	struct rib_journal_entry e;

	memset(&e, 0, sizeof(e));
	rib_journal_walk(rib, t_last_cb, &e);
	return e;
}

static void
t_many(struct rib *rib, rib_source_id s, const char *nh, int n, int third)
{
	char pfx[32];
	int  i;

	for (i = 0; i < n; i++) {
		snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", third, i);
		if (i > 255)
			snprintf(pfx, sizeof(pfx), "11.%d.%d.0/24", i / 256, i % 256);
		t_bgp(rib, s, pfx, nh, 2);
	}
}

static void
test_failover_immediate(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 30);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_journal_entry e;
	uint32_t		 grp;

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	grp = t_route(rib, "10.1.0.0/16")->fib_group;
	assert_int_not_equal(grp, 0);
	rib_source_bfd(rib, cir, false); /* not needed: nothing happens */
	assert_int_equal(rib_pending(rib), 0);
	rib_source_bgp(rib, cir, false, RIB_TRIG_HOLD_TIMER);
	/* the group was switched before any per-prefix work */
	assert_int_equal(rib_pending(rib), 1);
	e = t_last(rib);
	assert_int_equal(e.trigger, RIB_TRIG_HOLD_TIMER);
	assert_string_equal(e.connection, "er1");
	assert_int_equal(e.from_class, CIR);
	assert_true(e.has_to);
	assert_int_equal(e.to_class, VPN);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, 1);
	assert_true(e.switched_us >= e.detected_us);
	assert_true(e.detected_us > 0);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	/* re-keyed in place: the prefix still uses the same kernel group */
	assert_int_equal(t_route(rib, "10.1.0.0/16")->fib_group, grp);
	rib_free(rib);
}

static void
test_failback_damped(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 30);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", false);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_journal_entry e;

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	/* the first time up is not a failback: preferred at once */
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	/* back at t=2000: usable as backup, preferred only at t=32000 */
	rib_clock_set_for_test(rib, 2000);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), CIR);
	rib_clock_set_for_test(rib, 31999);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	rib_clock_set_for_test(rib, 32000);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	e = t_last(rib);
	assert_int_equal(e.trigger, RIB_TRIG_FAILBACK);
	assert_int_equal(e.groups_rewritten, 1); /* in place, not per prefix */
	assert_int_equal(e.from_class, CIR);
	assert_int_equal(e.to_class, CIR);
	assert_int_equal(e.prefixes_moved, 1);
	assert_int_not_equal(e.switched_us, 0);
	/* a flap during the delay restarts it */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	rib_clock_set_for_test(rib, 40000);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP); /* due 70000 */
	rib_clock_set_for_test(rib, 50000);
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	rib_clock_set_for_test(rib, 60000);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP); /* due 90000 */
	rib_clock_set_for_test(rib, 75000);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	rib_clock_set_for_test(rib, 89999);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	rib_clock_set_for_test(rib, 90000);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	/* setting the delay to 0 ends a running one */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	{
		struct rib_policy pol = { RIB_PREF_CIRCUIT, 0, 1, false, false };

		rib_policy_set(rib, &pol);
	}
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	/* failover is never damped */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	rib_free(rib);
}

static void
test_failback_zero_delay(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 2);
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	rib_free(rib);
}

static void
test_backup_covering(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_route_state	*st;
	struct rib_journal_entry e;

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, cir, "10.0.0.0/8", "10.255.0.1", 2);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), -1);
	/* the VPN aggregate arrives after the /16: the /16 picks it up */
	t_bgp(rib, vpn, "10.0.0.0/8", "169.254.21.1", 2);
	st = t_route(rib, "10.1.0.0/16");
	assert_int_equal(st->active_class, CIR);
	assert_true(st->has_backup);
	assert_int_equal(st->backup_class, VPN);
	assert_true(st->has_backup_via);
	assert_true(prefix_equal(&st->backup_via, &(struct prefix){ 0 }) == false);
	{
		struct prefix v = P("10.0.0.0/8");

		assert_true(prefix_equal(&st->backup_via, &v));
	}
	assert_int_equal(st->n_backup, 1);
	assert_int_equal(ipaddr_cmp(&st->backup_nh[0], &(struct ipaddr){ 0 }) != 0, 1);
	/* the /8 itself has its own next-class backup */
	st = t_route(rib, "10.0.0.0/8");
	assert_int_equal(st->backup_class, VPN);
	assert_false(st->has_backup_via);
	/* same (active, backup) legs: the /16 and the /8 share one group */
	assert_int_equal(t_route(rib, "10.1.0.0/16")->fib_group,
	    t_route(rib, "10.0.0.0/8")->fib_group);
	/* circuit fails: the group switches to the VPN at once */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BFD_DOWN);
	e = t_last(rib);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, 2);
	assert_int_equal(e.to_class, VPN);
	/* afterwards the /16 has no path of its own and is removed from the
	 * FIB; the /8 carries the traffic */
	st = t_route(rib, "10.1.0.0/16");
	assert_non_null(st);
	assert_false(st->has_active);
	assert_int_equal(st->fib_group, 0);
	assert_int_equal(t_cls(rib, "10.0.0.0/8"), VPN);
	/* the cover goes away: no backup left */
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), VPN);
	t_del(rib, vpn, "10.0.0.0/8");
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), -1);
	assert_false(t_route(rib, "10.1.0.0/16")->has_backup_via);
	/* a default route from the VPN is a cover too */
	t_bgp(rib, vpn, "0.0.0.0/0", "169.254.21.1", 2);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), VPN);
	rib_free(rib);
}

static struct rib_journal_entry
t_fail_n(int n, struct rib_stats *before, struct rib_stats *after)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	rib_source_id v2 =
	    t_src(rib, "vpn2 t1", "vpn2", VPN, RIB_VPN_CLOUD, "169.254.22.1", true);
	struct rib_journal_entry e;

	t_many(rib, cir, "10.255.0.1", n, 1);
	t_many(rib, vpn, "169.254.21.1", n, 1);
	/* a second backup set: a different group */
	t_bgp(rib, cir, "172.16.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, v2, "172.16.0.0/16", "169.254.22.1", 2);
	rib_settle(rib);
	rib_stats_get(rib, before);
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	e = t_last(rib);
	rib_settle(rib);
	rib_stats_get(rib, after);
	rib_free(rib);
	return e;
}

static void
test_group_sharing(void **state)
{
	struct rib_stats	 b, a;
	struct rib_journal_entry e;

	(void)state;
	e = t_fail_n(10, &b, &a);
	assert_int_equal(b.prefixes, 11);
	assert_int_equal(b.groups, 2); /* 10 prefixes share one group */
	assert_int_equal(e.groups_rewritten, 2);
	assert_int_equal(e.prefixes_moved, 11);
	assert_int_equal(a.groups, 2); /* re-keyed, not re-created */

	e = t_fail_n(2000, &b, &a);
	assert_int_equal(b.prefixes, 2001);
	assert_int_equal(b.groups, 2);
	assert_int_equal(e.groups_rewritten, 2); /* independent of N */
	assert_int_equal(e.prefixes_moved, 2001);
	assert_int_equal(a.groups, 2);
	assert_int_equal(a.pending, 0);
}

static void
test_ecmp_partial(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 2, 0);
	rib_source_id c1 = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id c2 = t_src(rib, "er1 secondary", "er1", CIR, 0, "10.255.0.5", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_journal_entry e;
	struct rib_stats	 st;
	uint32_t		 grp;

	(void)state;
	t_many(rib, c1, "10.255.0.1", 50, 1);
	t_many(rib, c2, "10.255.0.5", 50, 1);
	t_many(rib, vpn, "169.254.21.1", 50, 1);
	assert_int_equal(t_n_nh(rib, "10.1.7.0/24"), 2);
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);
	rib_source_bfd(rib, c1, false); /* needs_bfd off: ignored */
	rib_source_bgp(rib, c1, false, RIB_TRIG_LINK);
	e = t_last(rib);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, 50);
	assert_int_equal(e.to_class, CIR); /* survivor of the ECMP set */
	assert_int_equal(t_cls(rib, "10.1.7.0/24"), CIR);
	assert_int_equal(t_n_nh(rib, "10.1.7.0/24"), 1);
	assert_true(t_has_nh(rib, "10.1.7.0/24", "10.255.0.5"));
	rib_source_bgp(rib, c2, false, RIB_TRIG_LINK);
	e = t_last(rib);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.to_class, VPN);
	assert_int_equal(t_cls(rib, "10.1.7.0/24"), VPN);
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);
	/* both back (no damping): one group again, ECMP, the same group */
	grp = t_route(rib, "10.1.7.0/24")->fib_group;
	rib_source_bgp(rib, c1, true, RIB_TRIG_BGP_UP);
	rib_source_bgp(rib, c2, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_n_nh(rib, "10.1.7.0/24"), 2);
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(t_route(rib, "10.1.7.0/24")->fib_group, grp);
	rib_free(rib);
}

/* A tunnel source (needs BGP inside it and the tunnel itself), as the
 * gateway makes one per IPsec tunnel; brought up. */
static rib_source_id
t_tunnel(struct rib *rib, const char *name, const char *nh)
{
	struct rib_source_cfg c;
	rib_source_id	      id;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.connection = "vpn1";
	c.cls = VPN;
	c.role = RIB_VPN_CLOUD;
	c.needs_bgp = c.needs_tunnel = true;
	c.nexthop = A(nh);
	assert_int_equal(rib_source_add(rib, &c, &id), 0);
	rib_source_bgp(rib, id, true, RIB_TRIG_BGP_UP);
	rib_source_tunnel(rib, id, true, RIB_TRIG_TUNNEL_UP);
	return id;
}

/*
 * Two active-active tunnels of one connection, the circuit down: ECMP over
 * both. A tunnel's death (DPD; then an SA deletion) shrinks the group in
 * place: one group rewritten whatever the number of prefixes, nothing
 * re-selected before the rewrite, the journal says why. Its return is
 * damped by failback-delay, and a BGP session still Established inside a
 * dead tunnel does not keep it eligible.
 */
static void
test_tunnel_down_shrinks_ecmp(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 2, 30);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id t1 = t_tunnel(rib, "vpn1 t1", "169.254.21.1");
	rib_source_id t2 = t_tunnel(rib, "vpn1 t2", "169.254.22.1");
	struct rib_journal_entry e;
	struct rib_stats	 st;
	uint32_t		 grp;

	(void)state;
	t_many(rib, cir, "10.255.0.1", 300, 1);
	t_many(rib, t1, "169.254.21.1", 300, 1);
	t_many(rib, t2, "169.254.22.1", 300, 1);
	assert_int_equal(t_cls(rib, "10.1.7.0/24"), CIR);
	rib_source_bgp(rib, cir, false, RIB_TRIG_HOLD_TIMER);
	rib_settle(rib);
	assert_int_equal(t_cls(rib, "11.1.20.0/24"), VPN);
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 2);
	grp = t_route(rib, "11.1.20.0/24")->fib_group;
	assert_int_not_equal(grp, 0);

	/* t1's peer stops answering: the group loses it at once */
	rib_source_tunnel(rib, t1, false, RIB_TRIG_DPD);
	e = t_last(rib);
	assert_int_equal(e.trigger, RIB_TRIG_DPD);
	assert_string_equal(e.source, "vpn1 t1");
	assert_string_equal(e.connection, "vpn1");
	assert_int_equal(e.from_class, VPN);
	assert_int_equal(e.to_class, VPN);
	assert_int_equal(e.groups_rewritten, 1);
	assert_int_equal(e.prefixes_moved, 300);
	rib_settle(rib);
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 1);
	assert_true(t_has_nh(rib, "11.1.20.0/24", "169.254.22.1"));
	assert_int_equal(t_route(rib, "11.1.20.0/24")->fib_group, grp); /* in place */
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);

	/* t1 back (BGP never went down inside): damped for 30 s */
	rib_clock_set_for_test(rib, 5000);
	rib_source_tunnel(rib, t1, true, RIB_TRIG_TUNNEL_UP);
	rib_settle(rib);
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 1);
	rib_clock_set_for_test(rib, 34999);
	rib_settle(rib);
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 1);
	rib_clock_set_for_test(rib, 35000);
	rib_settle(rib);
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 2);
	assert_int_equal(t_last(rib).trigger, RIB_TRIG_FAILBACK);

	/* t2's SA deleted by the peer: tunnel-down; then t1 by DPD: no path */
	rib_source_tunnel(rib, t2, false, RIB_TRIG_TUNNEL_DOWN);
	e = t_last(rib);
	assert_int_equal(e.trigger, RIB_TRIG_TUNNEL_DOWN);
	assert_string_equal(e.source, "vpn1 t2");
	assert_int_equal(e.groups_rewritten, 1);
	rib_settle(rib);
	assert_true(t_has_nh(rib, "11.1.20.0/24", "169.254.21.1"));
	assert_int_equal(t_n_nh(rib, "11.1.20.0/24"), 1);
	rib_source_tunnel(rib, t1, false, RIB_TRIG_DPD);
	rib_settle(rib);
	assert_int_equal(t_cls(rib, "11.1.20.0/24"), -1);
	rib_free(rib);
}

static int
t_whatif_cb(void *arg, const struct rib_whatif *w)
{
	int *n = arg;

	assert_int_equal(w->from_class, CIR);
	if (!w->has_to) {
		assert_int_equal(w->n_nh, 0);
		return 0;
	}
	assert_int_equal(w->to_class, VPN);
	assert_int_equal(w->n_nh, 1);
	(*n)++;
	return 0;
}

static void
test_whatif_and_source_del(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_stats st;
	int		 n = 0;

	(void)state;
	t_many(rib, cir, "10.255.0.1", 20, 1);
	t_many(rib, vpn, "169.254.21.1", 10, 1);
	t_bgp(rib, vpn, "10.99.0.0/16", "169.254.21.1", 2);
	rib_settle(rib);
	assert_int_equal(rib_whatif(rib, "er1", t_whatif_cb, &n), 20);
	assert_int_equal(n, 10); /* 10 move to the VPN; cb asserts; 10 vanish */
	assert_int_equal(rib_whatif(rib, "nope", NULL, NULL), -ENOENT);
	assert_int_equal(t_cls(rib, "10.1.3.0/24"), CIR); /* nothing changed */
	assert_int_equal(rib_source_del(rib, cir), 0);
	assert_int_equal(t_cls(rib, "10.1.3.0/24"), VPN);
	assert_null(t_route(rib, "10.1.15.0/24"));
	rib_stats_get(rib, &st);
	assert_int_equal(st.prefixes, 11);
	assert_int_equal(st.paths, 11);
	assert_int_equal(rib_source_del(rib, cir), -ENOENT);
	rib_free(rib);
}

static int
t_whatif_count(void *arg, const struct rib_whatif *w)
{
	(void)w;
	(*(int *)arg)++;
	return 0;
}

static void
test_stale_sweep(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	int	      n = 0;

	(void)state;
	t_many(rib, cir, "10.255.0.1", 10, 1);
	rib_source_mark_stale(rib, cir);
	t_bgp(rib, cir, "10.1.3.0/24", "10.255.0.1", 2);  /* refreshed */
	assert_int_equal(t_cls(rib, "10.1.4.0/24"), CIR); /* stale still used */
	rib_source_sweep_stale(rib, cir);
	assert_int_equal(t_cls(rib, "10.1.3.0/24"), CIR);
	assert_null(t_route(rib, "10.1.4.0/24"));
	assert_int_equal(rib_whatif(rib, "er1", t_whatif_count, &n), 1);
	rib_free(rib);
}

static void
test_nexthop_change_regroups(void **state)
{
	struct rib	*rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id	 cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	struct rib_stats st;

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/24", "10.255.0.1", 2);
	t_bgp(rib, cir, "10.2.0.0/24", "10.255.0.1", 2);
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(st.nexthops, 1);
	t_bgp(rib, cir, "10.2.0.0/24", "10.255.0.2", 2);
	assert_true(t_has_nh(rib, "10.2.0.0/24", "10.255.0.2"));
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 2);
	assert_int_equal(st.nexthops, 2);
	t_del(rib, cir, "10.2.0.0/24");
	rib_settle(rib);
	rib_stats_get(rib, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(st.nexthops, 1);
	rib_free(rib);
}

static void
test_covering_nexthop_change(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_route_state *st;
	struct ipaddr		want = A("169.254.21.9");

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.0.0.0/8", "169.254.21.1", 2);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), VPN);
	/* the aggregate's next hop moves: the /16's backup follows */
	t_bgp(rib, vpn, "10.0.0.0/8", "169.254.21.9", 2);
	st = t_route(rib, "10.1.0.0/16");
	assert_int_equal(st->n_backup, 1);
	assert_int_equal(ipaddr_cmp(&st->backup_nh[0], &want), 0);
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	st = t_route(rib, "10.1.0.0/16");
	assert_false(st->has_active);
	st = t_route(rib, "10.0.0.0/8");
	assert_true(t_has_nh(rib, "10.0.0.0/8", "169.254.21.9"));
	rib_free(rib);
}

static void
test_drain_journal(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	struct rib_journal_entry e;
	uint32_t		 grp;
	int			 n = 0;

	(void)state;
	t_many(rib, cir, "10.255.0.1", 30, 1);
	t_many(rib, vpn, "169.254.21.1", 30, 1);
	grp = t_route(rib, "10.1.3.0/24")->fib_group;
	assert_int_equal(rib_connection_drain(rib, "er1", true), 0);
	rib_settle(rib);
	e = t_last(rib);
	assert_int_equal(e.trigger, RIB_TRIG_DRAIN);
	assert_string_equal(e.connection, "er1");
	assert_int_equal(e.prefixes_moved, 30);
	assert_int_equal(e.groups_rewritten, 1); /* graceful, and still in place */
	assert_true(e.has_to);
	assert_int_equal(e.to_class, VPN);
	assert_int_equal(t_route(rib, "10.1.3.0/24")->fib_group, grp);
	assert_int_equal(t_bak(rib, "10.1.3.0/24"), CIR);
	/* what-if on the drained connection: nothing rides on it */
	assert_int_equal(rib_whatif(rib, "er1", t_whatif_count, &n), 0);
	assert_int_equal(rib_whatif(rib, "vpn1", t_whatif_count, &n), 30);
	assert_int_equal(n, 30); /* all would go back to the drained circuit */
	rib_free(rib);
}

static void
test_fib_error_shown(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	struct prefix p = P("10.1.0.0/24");

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/24", "10.255.0.1", 2);
	rib_settle(rib);
	rib_fib_error(rib, &p, -ENETUNREACH);
	assert_int_equal(t_route(rib, "10.1.0.0/24")->fib_error, -ENETUNREACH);
	rib_free(rib);
}

/* rib_source_walk: what each source waits for, and the failback delay left. */
struct t_sources {
	size_t			n;
	struct rib_source_state s[4];
};

static int
t_sources_cb(void *arg, const struct rib_source_state *st)
{
	struct t_sources *a = arg;

	if (a->n == 4)
		return 7; /* stop */
	a->s[a->n++] = *st;
	return 0;
}

static const struct rib_source_state *
t_sources(struct rib *rib, size_t want)
{
	static struct t_sources a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(rib_source_walk(rib, t_sources_cb, &a), 0);
	assert_int_equal(a.n, want);
	return a.s;
}

static void
test_source_state(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 30);
	rib_source_id cir = t_src(rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", false);
	const struct rib_source_state *s;
	struct t_sources	       full = { .n = 4 };

	(void)state;
	t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, cir, "10.2.0.0/16", "10.255.0.1", 2);
	s = t_sources(rib, 2);
	assert_string_equal(s[0].name, "er1 primary");
	assert_string_equal(s[0].connection, "er1");
	assert_int_equal(s[0].cls, CIR);
	assert_false(s[0].healthy);
	assert_true(s[0].bgp_down);
	assert_false(s[0].bfd_down || s[0].tunnel_down || s[0].link_down);
	assert_int_equal(s[0].paths, 2);
	assert_string_equal(s[1].name, "vpn1 t1");
	assert_true(s[1].healthy);
	assert_false(s[1].damped || s[1].bgp_down);

	/* up for the first time: preferred at once, nothing pending */
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	s = t_sources(rib, 2);
	assert_true(s[0].healthy);
	assert_false(s[0].damped);
	/* lost, then back at t=2000: pending until t=32000 */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	rib_clock_set_for_test(rib, 2000);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	rib_clock_set_for_test(rib, 12000);
	s = t_sources(rib, 2);
	assert_true(s[0].healthy);
	assert_true(s[0].damped);
	assert_int_equal(s[0].failback_in_ms, 20000);
	assert_false(s[0].drained);
	rib_source_drain(rib, cir, true);
	s = t_sources(rib, 2);
	assert_true(s[0].drained);
	rib_clock_set_for_test(rib, 32000);
	s = t_sources(rib, 2);
	assert_false(s[0].damped);
	assert_int_equal(s[0].failback_in_ms, 0);
	/* the callback's stop is returned */
	assert_int_equal(rib_source_walk(rib, t_sources_cb, &full), 7);
	rib_free(rib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failover_immediate),
		cmocka_unit_test(test_failback_damped),
		cmocka_unit_test(test_failback_zero_delay),
		cmocka_unit_test(test_backup_covering),
		cmocka_unit_test(test_group_sharing),
		cmocka_unit_test(test_ecmp_partial),
		cmocka_unit_test(test_tunnel_down_shrinks_ecmp),
		cmocka_unit_test(test_whatif_and_source_del),
		cmocka_unit_test(test_stale_sweep),
		cmocka_unit_test(test_nexthop_change_regroups),
		cmocka_unit_test(test_covering_nexthop_change),
		cmocka_unit_test(test_drain_journal),
		cmocka_unit_test(test_fib_error_shown),
		cmocka_unit_test(test_source_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
