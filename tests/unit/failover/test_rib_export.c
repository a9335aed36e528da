/* tests/unit/failover/test_rib_export.c - export sets per target role, cover, cap, transit, attrs. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#define LAN RIB_CLASS_LAN
#define CIR RIB_CLASS_CIRCUIT
#define VPN RIB_CLASS_VPN

/* The exporter's attribute set, as far as the RIB is concerned: refcounted. */
struct rib_attr {
	int refs;
	int id;
};
static int attr_gets, attr_puts;
static void
t_attr_get(struct rib_attr *a)
{
	a->refs++;
	attr_gets++;
}
static void
t_attr_put(struct rib_attr *a)
{
	assert_true(a->refs > 0);
	a->refs--;
	attr_puts++;
}
static const struct rib_attr_ops t_attr_ops = { t_attr_get, t_attr_put };

/* A target that records what it was sent. */
#define T_MAX 64
struct t_peer {
	struct prefix	 pfx[T_MAX];
	struct rib_attr *attr[T_MAX];
	size_t		 n, max_n;
	unsigned	 announces, withdraws;
};

static void
t_announce(void *ctx, const struct prefix *p, struct rib_attr *a)
{
	struct t_peer *t = ctx;
	size_t	       i;

	t->announces++;
	for (i = 0; i < t->n; i++)
		if (prefix_equal(&t->pfx[i], p)) {
			t->attr[i] = a;
			return;
		}
	assert_true(t->n < T_MAX);
	t->pfx[t->n] = *p;
	t->attr[t->n++] = a;
	if (t->n > t->max_n)
		t->max_n = t->n;
}

static void
t_withdraw(void *ctx, const struct prefix *p)
{
	struct t_peer *t = ctx;
	size_t	       i;

	t->withdraws++;
	for (i = 0; i < t->n; i++)
		if (prefix_equal(&t->pfx[i], p)) {
			t->pfx[i] = t->pfx[t->n - 1];
			t->attr[i] = t->attr[t->n - 1];
			t->n--;
			return;
		}
	fail_msg("withdraw of a prefix never announced");
}

static const struct rib_export_ops t_ops = { t_announce, t_withdraw };

static bool
t_sent(struct t_peer *t, const char *pfx)
{
	struct prefix p = P(pfx);
	size_t	      i;

	for (i = 0; i < t->n; i++)
		if (prefix_equal(&t->pfx[i], &p))
			return true;
	return false;
}

static struct rib_attr *
t_sent_attr(struct t_peer *t, const char *pfx)
{
	struct prefix p = P(pfx);
	size_t	      i;

	for (i = 0; i < t->n; i++)
		if (prefix_equal(&t->pfx[i], &p))
			return t->attr[i];
	return NULL;
}

struct t_net {
	struct rib     *rib;
	rib_source_id	local, lanpeer, cir, cir2, cloud, br1, br2;
	struct rib_attr a_lan, a_cir, a_cloud, a_br1, a_br2;
};

static void
t_path(struct t_net *n, rib_source_id s, const char *pfx, const char *nh, struct rib_attr *a)
{
	struct rib_path_info i = t_bgp_info(nh, 100, 2, 1);
	struct prefix	     p = P(pfx);

	i.attr = a;
	assert_int_equal(rib_path_add(n->rib, s, &p, &i), 0);
}

static void
t_net_init(struct t_net *n, bool transit, bool b2b)
{
	struct rib_cfg cfg;

	memset(n, 0, sizeof(*n));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy.mode = RIB_PREF_CIRCUIT;
	cfg.policy.maximum_paths = 1;
	cfg.policy.allow_transit = transit;
	cfg.policy.branch_to_branch = b2b;
	cfg.attr_ops = &t_attr_ops;
	n->rib = rib_new(&cfg);
	assert_non_null(n->rib);
	n->a_lan.id = 1;
	n->a_cir.id = 2;
	n->a_cloud.id = 3;
	n->a_br1.id = 4;
	n->a_br2.id = 5;
	n->local = t_local(n->rib);
	n->lanpeer = t_src(n->rib, "lan r1", "lan", LAN, 0, "192.168.1.1", true);
	n->cir = t_src(n->rib, "er1 primary", "er1", CIR, 0, "10.255.0.1", true);
	n->cir2 = t_src(n->rib, "er1 secondary", "er1", CIR, 0, "10.255.0.5", true);
	n->cloud = t_src(n->rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	n->br1 =
	    t_src(n->rib, "branch1 t1", "branch1", VPN, RIB_VPN_SITE, "169.254.31.1", true);
	n->br2 =
	    t_src(n->rib, "branch2 t1", "branch2", VPN, RIB_VPN_SITE, "169.254.32.1", true);
	/* local: configured + LAN-learned */
	t_static(n->rib, n->local, "192.168.0.0/16");
	t_path(n, n->lanpeer, "192.168.100.0/24", "192.168.1.1", &n->a_lan);
	/* cloud: from the circuit and from the cloud VPN */
	t_path(n, n->cir, "10.1.0.0/16", "10.255.0.1", &n->a_cir);
	t_path(n, n->cloud, "10.1.0.0/16", "169.254.21.1", &n->a_cloud);
	t_path(n, n->cloud, "10.2.0.0/16", "169.254.21.1", &n->a_cloud);
	t_path(n, n->cir, "0.0.0.0/0", "10.255.0.1", &n->a_cir);
	/* sites */
	t_path(n, n->br1, "10.50.0.0/16", "169.254.31.1", &n->a_br1);
	t_path(n, n->br1, "10.1.5.0/24", "169.254.31.1",
	    &n->a_br1); /* inside the cloud's /16 */
	t_path(n, n->br2, "10.70.0.0/16", "169.254.32.1", &n->a_br2);
	rib_settle(n->rib);
}

static rib_export_id
t_target(struct t_net *n, enum rib_export_role role, rib_source_id own, uint32_t cap,
    struct t_peer *peer)
{
	struct rib_export_cfg c;
	rib_export_id	      id;

	memset(peer, 0, sizeof(*peer));
	memset(&c, 0, sizeof(c));
	c.role = role;
	c.own_source = own;
	c.cap = cap;
	c.ops = &t_ops;
	c.ctx = peer;
	c.name = "t";
	assert_int_equal(rib_export_add(n->rib, &c, &id), 0);
	return id;
}

static void
t_net_fini(struct t_net *n)
{
	rib_free(n->rib);
	assert_int_equal(attr_gets, attr_puts); /* every reference returned */
	assert_int_equal(n->a_lan.refs + n->a_cir.refs + n->a_cloud.refs + n->a_br1.refs +
		n->a_br2.refs,
	    0);
}

static void
test_export_circuit(void **state)
{
	struct t_net  n;
	struct t_peer pc;

	(void)state;
	t_net_init(&n, false, false);
	t_target(&n, RIB_EXP_CIRCUIT, n.cir, 0, &pc);
	assert_true(t_sent(&pc, "192.168.0.0/16"));
	assert_null(t_sent_attr(&pc, "192.168.0.0/16")); /* configured: no attr */
	assert_true(t_sent(&pc, "192.168.100.0/24"));
	assert_ptr_equal(t_sent_attr(&pc, "192.168.100.0/24"), &n.a_lan);
	assert_true(t_sent(&pc, "10.50.0.0/16")); /* a site */
	assert_ptr_equal(t_sent_attr(&pc, "10.50.0.0/16"), &n.a_br1);
	assert_true(t_sent(&pc, "10.70.0.0/16")); /* the default route is no cover */
	assert_false(t_sent(&pc, "10.1.5.0/24")); /* covered by the circuit's /16 */
	assert_false(t_sent(&pc, "10.1.0.0/16")); /* no transit */
	assert_false(t_sent(&pc, "10.2.0.0/16"));
	assert_false(t_sent(&pc, "0.0.0.0/0"));
	assert_int_equal(pc.n, 4);
	/* the circuit starts covering a site: withdrawn at once ... */
	t_path(&n, n.cir, "10.48.0.0/12", "10.255.0.1", &n.a_cir);
	rib_settle(n.rib);
	assert_false(t_sent(&pc, "10.50.0.0/16"));
	/* ... and advertised again when the cover goes */
	t_del(n.rib, n.cir, "10.48.0.0/12");
	rib_settle(n.rib);
	assert_true(t_sent(&pc, "10.50.0.0/16"));
	/* the cover of 10.1.5.0/24 fails with the circuit: covered only by an
	 * eligible circuit route (the VPN now carries 10.1.0.0/16) */
	rib_source_bgp(n.rib, n.cir, false, RIB_TRIG_BGP_DOWN);
	rib_settle(n.rib);
	assert_true(t_sent(&pc, "10.1.5.0/24"));
	assert_false(t_sent(&pc, "10.1.0.0/16")); /* cloud VPN route: no transit */
	rib_source_bgp(n.rib, n.cir, true, RIB_TRIG_BGP_UP);
	rib_settle(n.rib);
	assert_false(t_sent(&pc, "10.1.5.0/24"));
	/* a site prefix that is also local is advertised once, as local */
	t_static(n.rib, n.local, "10.70.0.0/16");
	rib_settle(n.rib);
	assert_true(t_sent(&pc, "10.70.0.0/16"));
	assert_null(t_sent_attr(&pc, "10.70.0.0/16"));
	t_net_fini(&n);
}

static void
test_export_transit(void **state)
{
	struct t_net  n;
	struct t_peer pc;

	(void)state;
	t_net_init(&n, true, false);
	t_target(&n, RIB_EXP_CIRCUIT, n.cir, 0, &pc);
	assert_true(t_sent(&pc, "10.2.0.0/16"));  /* cloud VPN route: transit allowed */
	assert_false(t_sent(&pc, "10.1.0.0/16")); /* but never back to the circuit */
	assert_false(t_sent(&pc, "0.0.0.0/0"));
	t_net_fini(&n);
}

static void
test_export_cloud_vpn(void **state)
{
	struct t_net  n;
	struct t_peer pv;

	(void)state;
	t_net_init(&n, false, false);
	t_target(&n, RIB_EXP_VPN_CLOUD, n.cloud, 0, &pv);
	assert_int_equal(pv.n, 2); /* local prefixes only */
	assert_true(t_sent(&pv, "192.168.0.0/16"));
	assert_true(t_sent(&pv, "192.168.100.0/24"));
	t_net_fini(&n);
}

static void
test_export_site_vpn(void **state)
{
	struct t_net  n;
	struct t_peer ps, ps2;

	(void)state;
	t_net_init(&n, false, false);
	t_target(&n, RIB_EXP_VPN_SITE, n.br1, 0, &ps);
	assert_true(t_sent(&ps, "192.168.0.0/16"));
	assert_true(t_sent(&ps, "192.168.100.0/24"));
	assert_true(t_sent(&ps, "10.1.0.0/16"));
	assert_ptr_equal(t_sent_attr(&ps, "10.1.0.0/16"), &n.a_cir); /* active path's attr */
	assert_true(t_sent(&ps, "10.2.0.0/16"));
	assert_true(t_sent(&ps, "0.0.0.0/0"));
	assert_false(t_sent(&ps, "10.50.0.0/16")); /* its own */
	assert_false(t_sent(&ps, "10.70.0.0/16")); /* no branch-to-branch */
	assert_int_equal(ps.n, 5);
	/* failover changes the attribute set sent for 10.1.0.0/16 */
	rib_source_bgp(n.rib, n.cir, false, RIB_TRIG_BFD_DOWN);
	rib_settle(n.rib);
	assert_ptr_equal(t_sent_attr(&ps, "10.1.0.0/16"), &n.a_cloud);
	assert_false(t_sent(&ps, "0.0.0.0/0"));
	rib_source_bgp(n.rib, n.cir, true, RIB_TRIG_BGP_UP);
	rib_settle(n.rib);
	assert_ptr_equal(t_sent_attr(&ps, "10.1.0.0/16"), &n.a_cir);
	rib_free(n.rib);

	t_net_init(&n, false, true);
	t_target(&n, RIB_EXP_VPN_SITE, n.br1, 0, &ps);
	t_target(&n, RIB_EXP_VPN_SITE, n.br2, 0, &ps2);
	assert_true(t_sent(&ps, "10.70.0.0/16")); /* branch to branch */
	assert_false(t_sent(&ps, "10.50.0.0/16"));
	assert_true(t_sent(&ps2, "10.50.0.0/16"));
	assert_true(t_sent(&ps2, "10.1.5.0/24"));
	assert_false(t_sent(&ps2, "10.70.0.0/16"));
	t_net_fini(&n);
}

static void
test_export_lan(void **state)
{
	struct t_net  n;
	struct t_peer pl;
	unsigned      ann;

	(void)state;
	t_net_init(&n, false, false);
	t_target(&n, RIB_EXP_LAN, n.lanpeer, 0, &pl);
	assert_false(t_sent(&pl, "192.168.0.0/16"));
	assert_false(t_sent(&pl, "192.168.100.0/24"));
	assert_true(t_sent(&pl, "10.1.0.0/16"));
	assert_true(t_sent(&pl, "10.2.0.0/16"));
	assert_true(t_sent(&pl, "0.0.0.0/0"));
	assert_true(t_sent(&pl, "10.50.0.0/16"));
	assert_true(t_sent(&pl, "10.1.5.0/24"));
	assert_true(t_sent(&pl, "10.70.0.0/16"));
	assert_int_equal(pl.n, 6);
	/* a route learned from the LAN peer is never sent back to it, even
	 * when it wins for a cloud prefix */
	t_path(&n, n.lanpeer, "10.2.0.0/16", "192.168.1.1", &n.a_lan);
	rib_settle(n.rib);
	assert_false(t_sent(&pl, "10.2.0.0/16"));
	/* resync replays the set */
	ann = pl.announces;
	rib_export_resync(n.rib, 1);
	assert_int_equal(pl.announces - ann, pl.n);
	t_net_fini(&n);
}

static int
t_alarm_cb(void *arg, const struct rib_alarm *a)
{
	*(struct rib_alarm *)arg = *a;
	return 0;
}

static void
test_export_cap(void **state)
{
	struct t_net	 n;
	struct t_peer	 pc;
	struct rib_alarm al;
	rib_export_id	 id;
	const char	*sites[] = { "10.90.0.0/16", "10.80.0.0/16", "10.85.0.0/16",
		     "10.60.0.0/16" };
	size_t		 i;

	(void)state;
	t_net_init(&n, false, false);
	/* cap 5: 2 local + sites 10.50, 10.70 fit; add 4 more sites */
	id = t_target(&n, RIB_EXP_CIRCUIT, n.cir, 5, &pc);
	assert_int_equal(pc.n, 4);
	memset(&al, 0, sizeof(al));
	rib_alarm_walk(n.rib, t_alarm_cb, &al);
	assert_int_equal(al.target, 0);
	for (i = 0; i < 4; i++) {
		t_path(&n, n.br2, sites[i], "169.254.32.1", &n.a_br2);
		rib_settle(n.rib);
	}
	assert_int_equal(pc.n, 5);
	assert_true(pc.max_n <= 5); /* never above the cap */
	/* local first, then the lowest site prefixes in prefix order */
	assert_true(t_sent(&pc, "192.168.0.0/16"));
	assert_true(t_sent(&pc, "192.168.100.0/24"));
	assert_true(t_sent(&pc, "10.50.0.0/16"));
	assert_true(t_sent(&pc, "10.60.0.0/16"));
	assert_true(t_sent(&pc, "10.70.0.0/16"));
	assert_false(t_sent(&pc, "10.80.0.0/16"));
	rib_alarm_walk(n.rib, t_alarm_cb, &al);
	assert_int_equal(al.target, id);
	assert_int_equal(al.wanted, 8);
	assert_int_equal(al.cap, 5);
	assert_int_equal(al.role, RIB_EXP_CIRCUIT);
	/* one site gets covered by the circuit: the next in line moves up */
	t_path(&n, n.cir, "10.60.0.0/14", "10.255.0.1", &n.a_cir);
	rib_settle(n.rib);
	assert_false(t_sent(&pc, "10.60.0.0/16"));
	assert_true(t_sent(&pc, "10.80.0.0/16"));
	assert_int_equal(pc.n, 5);
	assert_true(pc.max_n <= 5);
	/* the same set whatever the arrival order: a fresh target agrees */
	{
		struct t_peer pc2;

		t_target(&n, RIB_EXP_CIRCUIT, n.cir, 5, &pc2);
		assert_int_equal(pc2.n, 5);
		for (i = 0; i < pc.n; i++) {
			char b[PREFIX_STRLEN];

			assert_true(t_sent(&pc2, prefix_fmt(&pc.pfx[i], b, sizeof(b))));
		}
		rib_export_del(n.rib, 2);
	}
	/* back under the cap: alarm clears, everything sent */
	for (i = 0; i < 4; i++)
		t_del(n.rib, n.br2, sites[i]);
	rib_settle(n.rib);
	memset(&al, 0, sizeof(al));
	rib_alarm_walk(n.rib, t_alarm_cb, &al);
	assert_int_equal(al.target, 0);
	assert_int_equal(pc.n, 4);
	assert_true(t_sent(&pc, "10.70.0.0/16"));
	t_net_fini(&n);
}

static void
test_export_cap_from_source(void **state)
{
	struct t_net	      n;
	struct t_peer	      pc;
	struct rib_source_cfg c;
	rib_source_id	      link;

	(void)state;
	t_net_init(&n, false, false);
	memset(&c, 0, sizeof(c));
	c.name = "er2 primary";
	c.connection = "er2";
	c.cls = CIR;
	c.needs_bgp = true;
	c.outbound_cap = 3; /* the circuit's configured limit */
	assert_int_equal(rib_source_add(n.rib, &c, &link), 0);
	t_target(&n, RIB_EXP_CIRCUIT, link, 0, &pc);
	assert_int_equal(pc.n, 3); /* 4 wanted */
	assert_true(t_sent(&pc, "192.168.0.0/16"));
	assert_true(t_sent(&pc, "192.168.100.0/24"));
	assert_true(t_sent(&pc, "10.50.0.0/16"));
	t_net_fini(&n);
}

static void
test_export_withdraw_on_failure(void **state)
{
	struct t_net  n;
	struct t_peer pc;

	(void)state;
	t_net_init(&n, false, false);
	t_target(&n, RIB_EXP_CIRCUIT, n.cir, 0, &pc);
	assert_true(t_sent(&pc, "10.50.0.0/16"));
	rib_source_tunnel(n.rib, n.br1, false, RIB_TRIG_TUNNEL_DOWN); /* not needed */
	rib_source_bgp(n.rib, n.br1, false, RIB_TRIG_BGP_DOWN);
	rib_settle(n.rib);
	assert_false(t_sent(&pc, "10.50.0.0/16"));
	rib_source_del(n.rib, n.br2);
	rib_settle(n.rib);
	assert_false(t_sent(&pc, "10.70.0.0/16"));
	assert_int_equal(pc.n, 2);
	t_net_fini(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_circuit),
		cmocka_unit_test(test_export_transit),
		cmocka_unit_test(test_export_cloud_vpn),
		cmocka_unit_test(test_export_site_vpn),
		cmocka_unit_test(test_export_lan),
		cmocka_unit_test(test_export_cap),
		cmocka_unit_test(test_export_cap_from_source),
		cmocka_unit_test(test_export_withdraw_on_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
