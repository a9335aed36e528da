/* tests/unit/failover/test_rib_select.c - selection: class order, static, RFC 4271 best path, ECMP, health. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#define LAN RIB_CLASS_LAN
#define CIR RIB_CLASS_CIRCUIT
#define VPN RIB_CLASS_VPN

static void
test_class_order_circuit(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id lan = t_src(rib, "lan1", "lan", LAN, RIB_VPN_NONE, "192.168.1.1", true);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);

	(void)state;
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 1);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 5);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), VPN);
	t_bgp(rib, lan, "10.1.0.0/16", "192.168.1.1", 9);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), LAN);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), CIR);
	t_del(rib, lan, "10.1.0.0/16");
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	t_del(rib, cir, "10.1.0.0/16");
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), -1);
	t_del(rib, vpn, "10.1.0.0/16");
	assert_null(t_route(rib, "10.1.0.0/16"));
	rib_free(rib);
}

static void
test_class_order_vpn(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_VPN, 1, 0);
	rib_source_id lan = t_src(rib, "lan1", "lan", LAN, RIB_VPN_NONE, "192.168.1.1", true);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 1);
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 5);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), CIR);
	t_bgp(rib, lan, "10.1.0.0/16", "192.168.1.1", 9);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), LAN); /* LAN first still */
	assert_int_equal(t_bak(rib, "10.1.0.0/16"), VPN);
	rib_free(rib);
}

static void
test_class_order_aspath(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_ASPATH, 1, 0);
	rib_source_id lan = t_src(rib, "lan1", "lan", LAN, RIB_VPN_NONE, "192.168.1.1", true);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);

	(void)state;
	t_bgp(rib, cir, "10.1.0.0/16", "10.255.0.1", 3);
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN); /* shorter AS_PATH */
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 3);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR); /* tie -> circuit */
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 4);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	t_bgp(rib, lan, "10.1.0.0/16", "192.168.1.1", 9);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), LAN);
	/* the mode can change at run time; everything is re-selected */
	t_del(rib, lan, "10.1.0.0/16");
	t_bgp(rib, vpn, "10.1.0.0/16", "169.254.21.1", 1);
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), VPN);
	{
		struct rib_policy pol = { RIB_PREF_CIRCUIT, 0, 1, false, false };

		rib_policy_set(rib, &pol);
	}
	assert_int_equal(t_cls(rib, "10.1.0.0/16"), CIR);
	rib_free(rib);
}

static void
test_static_beats_bgp(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 4, 0);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);
	rib_source_id v1 =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	rib_source_id v2 =
	    t_src(rib, "vpn2 t1", "vpn2", VPN, RIB_VPN_CLOUD, "169.254.22.1", true);

	(void)state;
	t_bgp(rib, v1, "10.2.0.0/16", "169.254.21.1", 1);
	t_static(rib, v2, "10.2.0.0/16");
	assert_int_equal(t_cls(rib, "10.2.0.0/16"), VPN);
	assert_true(t_has_nh(rib, "10.2.0.0/16",
	    "169.254.22.1"));				 /* static, source's nexthop */
	assert_int_equal(t_n_nh(rib, "10.2.0.0/16"), 1); /* no ECMP with BGP */
	assert_string_equal(t_route(rib, "10.2.0.0/16")->active_source, "vpn2 t1");
	/* but class order comes first: circuit BGP beats VPN static */
	t_bgp(rib, cir, "10.2.0.0/16", "10.255.0.1", 7);
	assert_int_equal(t_cls(rib, "10.2.0.0/16"), CIR);
	assert_int_equal(t_bak(rib, "10.2.0.0/16"), VPN);
	assert_int_equal(t_route(rib, "10.2.0.0/16")->n_backup, 1);
	rib_free(rib);
}

/* Two circuit sessions; path b is made better at exactly one step. */
static int
t_pick(struct rib_path_info *a, struct rib_path_info *b, uint8_t maxpaths)
{
	struct rib	       *rib = t_rib(RIB_PREF_CIRCUIT, maxpaths, 0);
	rib_source_id		sa = t_src(rib, "a", "er1", CIR, RIB_VPN_NONE, NULL, true);
	rib_source_id		sb = t_src(rib, "b", "er1", CIR, RIB_VPN_NONE, NULL, true);
	struct prefix		p = P("10.9.0.0/16");
	struct rib_route_state *st;
	int			r;

	a->nexthop = A("10.255.0.1");
	b->nexthop = A("10.255.0.5");
	assert_int_equal(rib_path_add(rib, sa, &p, a), 0);
	assert_int_equal(rib_path_add(rib, sb, &p, b), 0);
	st = t_route(rib, "10.9.0.0/16");
	assert_non_null(st);
	if (st->n_active == 2)
		r = 2;
	else
		r = strcmp(st->active_source, "a") == 0 ? 0 : 1;
	rib_free(rib);
	return r;
}

static void
test_best_path_steps(void **state)
{
	struct rib_path_info a, b;

	(void)state;
#define BASE()                                           \
	do {                                             \
		a = t_bgp_info("10.255.0.1", 100, 3, 5); \
		b = a;                                   \
		a.peer_addr = A("10.255.0.1");           \
		b.peer_addr = A("10.255.0.5");           \
	} while (0)
	BASE();
	b.local_pref = 200;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	b.local_pref = 200;
	b.as_path_len = 9;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	b.as_path_len = 2;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	a.origin = 2;
	b.origin = 1;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	a.has_med = b.has_med = true;
	a.med = 50;
	b.med = 10;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	/* missing MED = lowest (RFC 4271 9.1.2.2 c) */
	BASE();
	a.has_med = true;
	a.med = 50;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	/* MED only between paths from the same neighbouring AS: falls to the
	 * router id (a has the lower one) */
	BASE();
	a.has_med = b.has_med = true;
	a.med = 50;
	b.med = 10;
	b.neighbor_as = 65001;
	a.peer_router_id = 1;
	b.peer_router_id = 2;
	assert_int_equal(t_pick(&a, &b, 1), 0);
	BASE();
	a.ebgp = false;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	a.peer_router_id = 9;
	b.peer_router_id = 3;
	assert_int_equal(t_pick(&a, &b, 1), 1);
	BASE();
	a.peer_router_id = 3;
	b.peer_router_id = 9;
	assert_int_equal(t_pick(&a, &b, 1), 0);
	/* equal router id: lowest peer address */
	BASE();
	a.peer_addr = A("10.255.0.9");
	assert_int_equal(t_pick(&a, &b, 1), 1);
	/* equal up to the router-id step: ECMP when allowed */
	BASE();
	a.peer_router_id = 3;
	b.peer_router_id = 9;
	assert_int_equal(t_pick(&a, &b, 2), 2);
	BASE();
	b.local_pref = 101;
	assert_int_equal(t_pick(&a, &b, 2), 1);
	BASE();
	a.ebgp = false;
	assert_int_equal(t_pick(&a, &b, 2), 1);
#undef BASE
}

static void
test_ecmp_limit(void **state)
{
	struct rib	    *rib = t_rib(RIB_PREF_CIRCUIT, 2, 0);
	rib_source_id	     s[4];
	struct rib_path_info i;
	struct prefix	     p = P("10.3.0.0/16");
	char		     nh[32], name[16];
	int		     k;

	(void)state;
	for (k = 0; k < 4; k++) {
		snprintf(nh, sizeof(nh), "169.254.%d.1", 20 + k);
		snprintf(name, sizeof(name), "t%d", k);
		s[k] = t_src(rib, name, "vpn1", VPN, RIB_VPN_CLOUD, nh, true);
		i = t_bgp_info(nh, 100, 2, (uint32_t)(10 - k)); /* t3 has the lowest id */
		assert_int_equal(rib_path_add(rib, s[k], &p, &i), 0);
	}
	assert_int_equal(t_n_nh(rib, "10.3.0.0/16"), 2);
	assert_true(t_has_nh(rib, "10.3.0.0/16", "169.254.23.1"));
	assert_true(t_has_nh(rib, "10.3.0.0/16", "169.254.22.1"));
	{
		struct rib_policy pol = { RIB_PREF_CIRCUIT, 0, 3, false, false };

		rib_policy_set(rib, &pol);
	}
	assert_int_equal(t_n_nh(rib, "10.3.0.0/16"), 3);
	{
		struct rib_policy pol = { RIB_PREF_CIRCUIT, 0, 1, false, false };

		rib_policy_set(rib, &pol);
	}
	assert_int_equal(t_n_nh(rib, "10.3.0.0/16"), 1);
	assert_true(t_has_nh(rib, "10.3.0.0/16", "169.254.23.1"));
	rib_free(rib);
}

static void
test_health_gating(void **state)
{
	struct rib	     *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	struct rib_source_cfg c;
	rib_source_id	      cir, vpn;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "er1 primary";
	c.connection = "er1";
	c.cls = CIR;
	c.needs_bgp = c.needs_bfd = true;
	c.nexthop = A("10.255.0.1");
	assert_int_equal(rib_source_add(rib, &c, &cir), 0);
	memset(&c, 0, sizeof(c));
	c.name = "vpn1 t1";
	c.connection = "vpn1";
	c.cls = VPN;
	c.role = RIB_VPN_CLOUD;
	c.needs_bgp = c.needs_tunnel = true;
	c.nexthop = A("169.254.21.1");
	assert_int_equal(rib_source_add(rib, &c, &vpn), 0);
	t_bgp(rib, cir, "10.4.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.4.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), -1); /* new sources start down */
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), -1); /* BFD not up yet */
	rib_source_bfd(rib, cir, true);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	assert_int_equal(t_bak(rib, "10.4.0.0/16"), -1);
	rib_source_bgp(rib, vpn, true, RIB_TRIG_BGP_UP);
	assert_int_equal(t_bak(rib, "10.4.0.0/16"), -1); /* tunnel down */
	rib_source_tunnel(rib, vpn, true, RIB_TRIG_TUNNEL_UP);
	assert_int_equal(t_bak(rib, "10.4.0.0/16"), VPN);
	rib_source_bfd(rib, cir, false); /* BFD down alone fails it */
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), VPN);
	rib_source_bfd(rib, cir, true);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	rib_source_bgp(rib, cir, false, RIB_TRIG_HOLD_TIMER); /* BGP down alone too */
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), VPN);
	rib_source_tunnel(rib, vpn, false, RIB_TRIG_DPD);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), -1);
	rib_free(rib);
}

static void
test_link_state(void **state)
{
	struct rib	     *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	struct rib_source_cfg c;
	rib_source_id	      cir, vpn;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "er1 primary";
	c.connection = "er1";
	c.cls = CIR;
	c.needs_bgp = true;
	c.nexthop = A("10.255.0.1");
	snprintf(c.ifname, sizeof(c.ifname), "eth1");
	assert_int_equal(rib_source_add(rib, &c, &cir), 0);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	vpn = t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	t_bgp(rib, cir, "10.4.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, vpn, "10.4.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	rib_link(rib, "eth9", false); /* another interface */
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	rib_link(rib, "eth1", false); /* carrier lost */
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), VPN);
	rib_link(rib, "eth1", true);
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	rib_free(rib);
}

static void
test_bfd_not_needed(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);

	(void)state;
	t_bgp(rib, cir, "10.4.0.0/16", "10.255.0.1", 2);
	rib_source_bfd(rib, cir, false); /* ignored: needs_bfd is off */
	assert_int_equal(t_cls(rib, "10.4.0.0/16"), CIR);
	rib_free(rib);
}

static void
test_drain(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 2, 0);
	rib_source_id c1 =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "10.255.0.1", true);
	rib_source_id c2 =
	    t_src(rib, "er1 secondary", "er1", CIR, RIB_VPN_NONE, "10.255.0.5", true);
	rib_source_id vpn =
	    t_src(rib, "vpn1 t1", "vpn1", VPN, RIB_VPN_CLOUD, "169.254.21.1", true);

	(void)state;
	t_bgp(rib, c1, "10.5.0.0/16", "10.255.0.1", 2);
	t_bgp(rib, c2, "10.5.0.0/16", "10.255.0.5", 2);
	t_bgp(rib, vpn, "10.5.0.0/16", "169.254.21.1", 2);
	assert_int_equal(t_n_nh(rib, "10.5.0.0/16"), 2);
	rib_source_drain(rib, c1, true); /* one link in maintenance */
	assert_int_equal(t_cls(rib, "10.5.0.0/16"), CIR);
	assert_int_equal(t_n_nh(rib, "10.5.0.0/16"), 1);
	assert_true(t_has_nh(rib, "10.5.0.0/16", "10.255.0.5"));
	assert_int_equal(rib_connection_drain(rib, "er1", true), 0);
	assert_int_equal(t_cls(rib, "10.5.0.0/16"), VPN); /* drained: least preferred */
	assert_int_equal(t_bak(rib, "10.5.0.0/16"), CIR); /* ... but still usable */
	rib_source_bgp(rib, vpn, false, RIB_TRIG_BGP_DOWN);
	assert_int_equal(t_cls(rib, "10.5.0.0/16"), CIR);
	assert_int_equal(rib_connection_drain(rib, "er1", false), 0);
	assert_int_equal(rib_connection_drain(rib, "nope", true), -ENOENT);
	assert_int_equal(t_n_nh(rib, "10.5.0.0/16"), 2);
	rib_free(rib);
}

static void
test_ipv6_and_local(void **state)
{
	struct rib   *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	rib_source_id loc = t_local(rib);
	rib_source_id cir =
	    t_src(rib, "er1 primary", "er1", CIR, RIB_VPN_NONE, "fe80::1", true);
	struct rib_route_state *st;

	(void)state;
	t_bgp(rib, cir, "2001:db8:1::/48", "fe80::1", 2);
	assert_int_equal(t_cls(rib, "2001:db8:1::/48"), CIR);
	assert_true(t_route(rib, "2001:db8:1::/48")->fib_group != 0);
	t_static(rib, loc, "2001:db8:1::/48");
	st = t_route(rib, "2001:db8:1::/48");
	assert_int_equal(st->active_class, LAN);
	assert_true(st->local);
	assert_int_equal(st->fib_group, 0); /* local prefixes are never programmed */
	assert_int_equal(st->n_active, 0);
	rib_free(rib);
}

static void
test_interface_only_static(void **state)
{
	struct rib	       *rib = t_rib(RIB_PREF_CIRCUIT, 1, 0);
	struct rib_source_cfg	c;
	struct rib_route_state *st;
	rib_source_id		tun;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "vpn2 t1";
	c.connection = "vpn2";
	c.cls = VPN;
	c.role = RIB_VPN_SITE;
	c.needs_tunnel = true;
	snprintf(c.ifname, sizeof(c.ifname), "tun0"); /* no gateway: a device route */
	assert_int_equal(rib_source_add(rib, &c, &tun), 0);
	t_static(rib, tun, "10.60.0.0/16");
	assert_int_equal(t_cls(rib, "10.60.0.0/16"), -1); /* tunnel not up */
	rib_source_tunnel(rib, tun, true, RIB_TRIG_TUNNEL_UP);
	st = t_route(rib, "10.60.0.0/16");
	assert_int_equal(st->active_class, VPN);
	assert_false(st->local);
	assert_int_not_equal(st->fib_group, 0); /* programmed */
	assert_int_equal(st->n_active, 0);	/* no address to show */
	rib_free(rib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_order_circuit),
		cmocka_unit_test(test_class_order_vpn),
		cmocka_unit_test(test_class_order_aspath),
		cmocka_unit_test(test_static_beats_bgp),
		cmocka_unit_test(test_best_path_steps),
		cmocka_unit_test(test_ecmp_limit),
		cmocka_unit_test(test_health_gating),
		cmocka_unit_test(test_link_state),
		cmocka_unit_test(test_bfd_not_needed),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_ipv6_and_local),
		cmocka_unit_test(test_interface_only_static),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
