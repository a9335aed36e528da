/* tests/unit/northbound/test_nb_fastedit.c - an edit of list entries alone (nb_netconf_fast.c) gives what the whole-tree edit + validation gives. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_local.h"
#include "northbound/nb_netconf_local.h"

#define NS	 "urn:hybridgw:params:xml:ns:yang:hybridgw"
#define NSNC	 "urn:hybridgw:params:xml:ns:yang:hybridgw-netconf"
#define BASE	 "urn:ietf:params:xml:ns:netconf:base:1.0"
#define GW(body) "<gateway xmlns=\"" NS "\" xmlns:nc=\"" BASE "\">" body "</gateway>"

#define VPN(n, extra)                                                                   \
	"<vpn-connection><name>" n "</name><description>d</description>"                \
	"<role>site</role><ike><pre-shared-key>psk-" n "-secret</pre-shared-key></ike>" \
	"<remote-prefix>100.0." n ".0/24</remote-prefix>" extra                         \
	"<tunnel><name>t1</name><local-address>192.0.2.1</local-address>"               \
	"<remote-address>198.51.100." n "</remote-address><interface>lan0</interface>"  \
	"</tunnel></vpn-connection>"

static const char *base_cfg = GW(
    "<router-id>192.0.2.1</router-id><as>65010</as>"
    "<circuit><name>er1</name><link><name>a</name><local-address>172.16.1.1</local-address>"
    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as></bgp></link></circuit>" VPN(
	"1", "") VPN("2", "<remote-prefix>100.1.2.0/24</remote-prefix>")
	VPN("3", "") "<lan><local-prefix>10.1.0.0/16</local-prefix></lan>");

static int
setup(void **state)
{
	struct nb_err e = { 0 };

	if (nb_init(HGW_YANG_DIR, &e) != 0 || nb_netconf_init(&e) != 0) {
		fprintf(stderr, "init: %s: %s\n", e.path, e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	nb_fini();
	return 0;
}

static struct lyd_node *
base(void)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e = { 0 };

	assert_int_equal(nb_config_parse_mem(base_cfg, LYD_XML, &t, &e), 0);
	return t;
}

static char *
print(const struct lyd_node *t)
{
	char *s = NULL;

	assert_int_equal(lyd_print_mem(&s, t, LYD_XML,
			     LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL_TAG),
	    LY_SUCCESS);
	return s ? s : strdup("");
}

/* The whole-tree path of op_edit_config (test-then-set). */
static int
slow(struct lyd_node **t, const char *xml, const char *dop, enum nbnc_erropt eo,
    struct nbnc_errs *errs)
{
	int rc = nbnc_edit_apply(t, xml, dop, eo, errs);

	if (rc != 0 && eo != NBNC_ERR_CONTINUE)
		return rc;
	if (lyd_validate_all(t, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		nbnc_errs_from_ly(errs, NULL);
		nbnc_err_locate(errs->v[errs->n - 1].path, sizeof(errs->v[0].path),
		    errs->v[errs->n - 1].msg, *t);
		return -EINVAL;
	}
	return rc;
}

/* Runs xml both ways; returns what the fast path said (-EAGAIN: declined). */
static int
both(const char *xml, const char *dop, enum nbnc_erropt eo)
{
	struct lyd_node	   *a = base(), *b = base(), *edit = NULL;
	struct nbnc_errs    ea = { 0 }, eb = { 0 };
	struct nbnc_touched tt = { .valid = true };
	int		    ra, rb;

	ra = slow(&a, xml, dop, eo, &ea);
	assert_int_equal(nbnc_edit_parse(xml, &edit, &eb), 0);
	rb = nbnc_fast_edit(b, edit, dop, eo, &eb, &tt);
	lyd_free_all(edit);
	if (rb != -EAGAIN) {
		char *pa = print(a), *pb = print(b);

		/* same errors, and the same tree when the edit went through */
		assert_int_equal(ea.n, eb.n);
		for (size_t i = 0; i < ea.n; i++) {
			assert_int_equal(ea.v[i].tag, eb.v[i].tag);
			assert_string_equal(ea.v[i].path, eb.v[i].path);
			assert_string_equal(ea.v[i].msg, eb.v[i].msg);
		}
		if (ra == 0 || (eo == NBNC_ERR_CONTINUE && ea.n && rb == 0)) {
			struct lyd_node *r0 = base();
			char		*pr;

			assert_string_equal(pa, pb);
			/* a copy of the old tree patched with what changed */
			assert_int_equal(nbnc_fast_patch(r0, b, &tt), 0);
			pr = print(r0);
			assert_string_equal(pr, pb);
			free(pr);
			lyd_free_all(r0);
		} else {
			char		*p0;
			struct lyd_node *t0 = base();

			p0 = print(t0);
			assert_string_equal(pb, p0); /* refused: untouched */
			free(p0);
			lyd_free_all(t0);
		}
		free(pa);
		free(pb);
	} else
		assert_int_equal(eb.n, 0);
	nbnc_touched_clear(&tt);
	nbnc_errs_free(&ea);
	nbnc_errs_free(&eb);
	lyd_free_all(a);
	lyd_free_all(b);
	return rb;
}

static void
test_fast_leaf_changes(void **state)
{
	assert_int_equal(both(GW("<vpn-connection><name>2</name><description>x</description>"
				 "</vpn-connection>"),
			     "merge", NBNC_ERR_STOP),
	    0);
	assert_int_equal(
	    both(GW("<vpn-connection><name>1</name><description>x</description>"
		    "</vpn-connection><vpn-connection><name>3</name><role>cloud</role>"
		    "</vpn-connection><as>65011</as>"),
		"merge", NBNC_ERR_STOP),
	    0);
	/* leaf-list values added and removed, a default set then removed */
	assert_int_equal(
	    both(GW("<vpn-connection><name>2</name>"
		    "<remote-prefix>100.9.9.0/24</remote-prefix>"
		    "<remote-prefix nc:operation=\"delete\">100.0.2.0/24</remote-prefix>"
		    "</vpn-connection>"),
		"merge", NBNC_ERR_STOP),
	    0);
	assert_int_equal(
	    both(GW("<vpn-connection><name>3</name><tunnel><name>t1</name>"
		    "<interface nc:operation=\"remove\"/></tunnel></vpn-connection>"
		    "<kernel-table>100</kernel-table>"),
		"merge", NBNC_ERR_STOP),
	    0);
	/* a tunnel added inside an entry; the circuit's link replaced */
	assert_int_equal(
	    both(
		GW("<vpn-connection><name>1</name><tunnel><name>t2</name>"
		   "<local-address>192.0.2.1</local-address><remote-address>198.51.101.1</remote-address>"
		   "</tunnel></vpn-connection>"
		   "<circuit><name>er1</name><link nc:operation=\"replace\"><name>a</name>"
		   "<local-address>172.16.9.1</local-address><bgp><peer-address>172.16.9.2</peer-address>"
		   "<peer-as>12076</peer-as></bgp></link></circuit>"),
		"merge", NBNC_ERR_STOP),
	    0);
	/* other children of gateway: policy and lan */
	assert_int_equal(
	    both(
		GW("<policy><preference>vpn</preference></policy>"
		   "<lan nc:operation=\"replace\"><local-prefix>10.9.0.0/16</local-prefix></lan>"),
		"merge", NBNC_ERR_STOP),
	    0);
	assert_int_equal(both(GW("<vpn-connection><name>2</name><description>y</description>"
				 "</vpn-connection>"),
			     "none", NBNC_ERR_STOP),
	    0);
}

/* Refused by the fast path itself (not declined to the whole-tree path). */
#define refused(rc) refused_at((rc), __LINE__)
static void
refused_at(int rc, int line)
{
	assert_int_not_equal(rc, 0);
	if (rc == -EAGAIN)
		fprintf(stderr, "declined at line %d\n", line);
	assert_int_not_equal(rc, -EAGAIN);
}

static void
test_fast_errors(void **state)
{
	/* invalid value, missing mandatory leaf after a removal, bad operation */
	/* (a value libyang cannot store leaves an opaque node: declined) */
	assert_int_not_equal(both(GW("<vpn-connection><name>2</name><role>nope</role>"
				     "</vpn-connection>"),
				 "merge", NBNC_ERR_STOP),
	    0);
	refused(both(GW("<vpn-connection><name>2</name><tunnel><name>t1</name>"
			"<remote-address nc:operation=\"delete\"/></tunnel></vpn-connection>"),
	    "merge", NBNC_ERR_STOP));
	refused(
	    both(GW("<vpn-connection><name>2</name>"
		    "<description nc:operation=\"create\">z</description></vpn-connection>"),
		"merge", NBNC_ERR_STOP));
	refused(both(GW("<router-id nc:operation=\"delete\">192.0.2.1</router-id>"), "merge",
	    NBNC_ERR_STOP));
	/* continue-on-error keeps what went through */
	assert_int_equal(both(GW("<vpn-connection><name>2</name>"
				 "<description nc:operation=\"create\">z</description>"
				 "<role>cloud</role></vpn-connection>"),
			     "merge", NBNC_ERR_CONTINUE),
	    0);
}

static void
test_fast_declines(void **state)
{
	/* entries created or deleted, a whole replace, unknown entries */
	assert_int_equal(both(GW(VPN("7", "")), "merge", NBNC_ERR_STOP), -EAGAIN);
	assert_int_equal(both(GW("<vpn-connection nc:operation=\"delete\"><name>2</name>"
				 "</vpn-connection>"),
			     "merge", NBNC_ERR_STOP),
	    -EAGAIN);
	assert_int_equal(both(GW("<vpn-connection><name>2</name><description>x</description>"
				 "</vpn-connection>"),
			     "replace", NBNC_ERR_STOP),
	    -EAGAIN);
	assert_int_equal(both(GW("<vpn-connection><name>9</name><description>x</description>"
				 "</vpn-connection>"),
			     "merge", NBNC_ERR_STOP),
	    -EAGAIN);
	assert_int_equal(both("<gateway xmlns=\"" NS "\"><bogus>1</bogus></gateway>", "merge",
			     NBNC_ERR_STOP),
	    -EAGAIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_leaf_changes),
		cmocka_unit_test(test_fast_errors),
		cmocka_unit_test(test_fast_declines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
