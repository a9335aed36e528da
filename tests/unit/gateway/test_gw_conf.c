/* tests/unit/gateway/test_gw_conf.c - config tree -> path specs: values, defaults, the checks YANG cannot express, keys. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/gw_local.h"
#include "northbound/northbound.h"

#include "tests/unit/include/test_nb.h"

static void
test_valid_config_builds_specs(void **state)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;
	struct gw_conf	*c = calloc(1, sizeof(*c));

	assert_int_equal(parse(base_ok, &t, &e), 0);
	assert_int_equal(gw_conf_build(t, c, &e), 0);
	assert_int_equal(c->as, 65010);
	assert_int_equal(c->router_id, 0xc0000201);
	assert_true(c->pic); /* prefix-independent-convergence default */
	assert_int_equal(c->kernel_table, 254);
	assert_int_equal(c->nspecs, 2); /* the link + local prefixes */
	assert_string_equal(c->specs[0].key, "circuit/er1/a");
	assert_true(c->specs[0].has_bgp);
	assert_true(c->specs[0].has_bfd);
	assert_true(c->specs[0].src.needs_bfd);
	assert_int_equal(c->specs[0].bgp.hold_time, 180); /* YANG default */
	assert_int_equal(secret_len(&c->specs[0].bgp.md5_key), 10);
	assert_memory_equal(secret_data(&c->specs[0].bgp.md5_key), "s3cret-key", 10);
	assert_int_equal(c->specs[0].exp_cap, 4000);
	assert_string_equal(c->specs[1].key, "local");
	assert_int_equal(c->specs[1].nstatic, 1);
	assert_true(c->specs[1].src.no_fib);
	gw_conf_free(c);
	lyd_free_all(t);
}

static void
check_semantic(const char *xml, const char *want_path, const char *want_msg)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;

	assert_int_equal(parse(xml, &t, &e), 0);
	memset(&e, 0, sizeof(e));
	assert_int_not_equal(gw_conf_check(NULL, t, &e), 0);
	if (!strstr(e.path, want_path) || !strstr(e.msg, want_msg))
		fail_msg("got '%s: %s', want path ~ '%s', msg ~ '%s'", e.path, e.msg, want_path,
		    want_msg);
	lyd_free_all(t);
}

static void
test_semantic_errors(void **state)
{
	check_semantic("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
		       "<as>23456</as></gateway>",
	    "/hybridgw:gateway/as", "reserved");
	check_semantic("<gateway xmlns=\"" NS "\"><router-id>0.0.0.0</router-id>"
		       "<as>65010</as></gateway>",
	    "router-id", "not usable");
	check_semantic(
	    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
	    "<lan><peer><name>a</name><bgp><peer-address>10.0.0.1</peer-address>"
	    "<peer-as>65010</peer-as></bgp></peer><peer><name>b</name><bgp>"
	    "<peer-address>10.0.0.1</peer-address><peer-as>65011</peer-as></bgp></peer></lan>"
	    "</gateway>",
	    "/hybridgw:gateway", "used by both");
	check_semantic(
	    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
	    "<circuit><name>c</name><link><name>a</name><local-address>2001:db8::1</local-address>"
	    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as></bgp></link>"
	    "</circuit></gateway>",
	    "peer-address", "family");
}

/* Keys are compared in constant time, the rest of a session's parameters
 * as bytes: a changed key alone is a change. */
static void
test_session_params_same(void **state)
{
	struct bgp_peer_cfg    a, b;
	struct bfd_session_cfg x, y;

	memset(&a, 0, sizeof(a));
	memset(&x, 0, sizeof(x));
	a.remote_as = 65001;
	assert_int_equal(secret_set_str(&a.md5_key, "key-1"), 0);
	b = a;
	assert_true(gw_bgp_cfg_same(&a, &b));
	assert_int_equal(secret_set_str(&b.md5_key, "key-2"), 0);
	assert_false(gw_bgp_cfg_same(&a, &b));
	assert_int_equal(secret_set_str(&b.md5_key, "key-1"), 0);
	b.hold_time = 9; /* after the key in the struct */
	assert_false(gw_bgp_cfg_same(&a, &b));
	b.hold_time = a.hold_time;
	b.remote_as = 65002; /* before it */
	assert_false(gw_bgp_cfg_same(&a, &b));
	x.multiplier = 3;
	y = x;
	assert_true(gw_bfd_cfg_same(&x, &y));
	assert_int_equal(secret_set_str(&y.auth_key, "k"), 0);
	assert_false(gw_bfd_cfg_same(&x, &y));
	secret_wipe(&y.auth_key);
	y.auth_key_id = 2;
	assert_false(gw_bfd_cfg_same(&x, &y));
	secret_wipe(&a.md5_key);
	secret_wipe(&b.md5_key);
}

/* A spec's keys are gone from the old place when it moves or clears. */
static void
test_spec_move_wipes(void **state)
{
	struct gw_spec a, b;
	struct secret  zero;

	memset(&a, 0, sizeof(a));
	memset(&zero, 0, sizeof(zero));
	snprintf(a.name, sizeof(a.name), "circuit er1 link a");
	assert_int_equal(secret_set_str(&a.bgp.md5_key, "s3cret"), 0);
	assert_int_equal(secret_set_str(&a.bfd.auth_key, "bfd-k"), 0);
	gw_spec_move(&b, &a);
	assert_memory_equal(&a.bgp.md5_key, &zero, sizeof(zero));
	assert_memory_equal(&a.bfd.auth_key, &zero, sizeof(zero));
	assert_int_equal(secret_len(&b.bgp.md5_key), 6);
	assert_ptr_equal(b.src.name, b.name); /* points into the new place */
	gw_spec_clear(&b);
	assert_memory_equal(&b.bgp.md5_key, &zero, sizeof(zero));
	assert_memory_equal(&b.bfd.auth_key, &zero, sizeof(zero));
}

static const char *
vpn_cfg(const char *key, const char *hold)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
	    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
	    "<as>65010</as><vpn-connection><name>azure</name><role>cloud</role>"
	    "<ike><pre-shared-key>psk-1</pre-shared-key></ike><tunnel><name>t1</name>"
	    "<local-address>198.51.100.1</local-address><remote-address>203.0.113.1"
	    "</remote-address><interface>vpn-t1</interface><inside-address>169.254.21.2/30"
	    "</inside-address><bgp><peer-address>169.254.21.1</peer-address><peer-as>65515"
	    "</peer-as><hold-time>%s</hold-time><md5-key>%s</md5-key></bgp></tunnel>"
	    "</vpn-connection></gateway>",
	    hold, key);
	return buf;
}

/* The specs of an unchanged vpn-connection come from the memo; a change of
 * any leaf, a key too, builds them again. */
static void
vpn_build(const char *key, const char *hold, const char *want_key, uint16_t want_hold)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;
	struct gw_conf	*c = calloc(1, sizeof(*c));

	assert_int_equal(parse(vpn_cfg(key, hold), &t, &e), 0);
	assert_int_equal(gw_conf_build(t, c, &e), 0);
	assert_int_equal(c->nspecs, 2); /* the tunnel + local */
	assert_string_equal(c->specs[0].key, "vpn/azure/t1");
	/* a tunnel hybridgw runs gates its path: Child SA and BGP inside */
	assert_true(c->specs[0].has_tunnel);
	assert_true(c->specs[0].src.needs_tunnel);
	assert_true(c->specs[0].src.needs_bgp);
	assert_false(c->specs[0].src.needs_bfd);
	assert_string_equal(c->specs[0].src.ifname, "vpn-t1");
	assert_int_equal(c->specs[0].bgp.hold_time, want_hold);
	assert_int_equal(secret_len(&c->specs[0].bgp.md5_key), strlen(want_key));
	assert_memory_equal(secret_data(&c->specs[0].bgp.md5_key), want_key, strlen(want_key));
	gw_conf_free(c);
	lyd_free_all(t);
}

static void
test_vpn_memo(void **state)
{
	vpn_build("key-one", "90", "key-one", 90);
	vpn_build("key-one", "90", "key-one", 90); /* memoised */
	vpn_build("key-two", "90", "key-two", 90); /* only the key changed */
	vpn_build("key-two", "30", "key-two", 30);
	vpn_build("key-two", "30", "key-two", 30);
	gw_conf_memo_free();
	vpn_build("key-one", "90", "key-one", 90);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_config_builds_specs),
		cmocka_unit_test(test_semantic_errors),
		cmocka_unit_test(test_session_params_same),
		cmocka_unit_test(test_spec_move_wipes),
		cmocka_unit_test(test_vpn_memo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
