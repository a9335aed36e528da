/* tests/unit/northbound/test_nb_edit.c - edit-config operations, subtree/XPath filters and secret hiding of the NETCONF server, without a server. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "northbound/nb_netconf_local.h"

#define NS	 "urn:hybridgw:params:xml:ns:yang:hybridgw"
#define NSNC	 "urn:hybridgw:params:xml:ns:yang:hybridgw-netconf"
#define BASE	 "urn:ietf:params:xml:ns:netconf:base:1.0"
#define GW(body) "<gateway xmlns=\"" NS "\" xmlns:nc=\"" BASE "\">" body "</gateway>"

static const char *base_cfg = GW(
    "<router-id>192.0.2.1</router-id><as>65010</as>"
    "<circuit><name>er1</name><link><name>a</name><local-address>172.16.1.1</local-address>"
    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>"
    "<md5-key>s3cret-key</md5-key></bgp></link></circuit>"
    "<lan><local-prefix>10.1.0.0/16</local-prefix><local-prefix>10.2.0.0/16</local-prefix></lan>");

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

static const char *
val(const struct lyd_node *t, const char *xpath)
{
	struct ly_set *s = NULL;
	const char    *v = NULL;

	if (lyd_find_xpath(t, xpath, &s) == LY_SUCCESS && s->count)
		v = lyd_get_value(s->dnodes[0]);
	ly_set_free(s, NULL);
	return v;
}

static uint32_t
count(const struct lyd_node *t, const char *xpath)
{
	struct ly_set *s = NULL;
	uint32_t       n = 0;

	if (lyd_find_xpath(t, xpath, &s) == LY_SUCCESS)
		n = s->count;
	ly_set_free(s, NULL);
	return n;
}

#define PFX "/hybridgw:gateway/lan/local-prefix"

static int
edit(struct lyd_node **t, const char *xml, const char *dop, enum nbnc_erropt eo,
    struct nbnc_errs *errs)
{
	memset(errs, 0, sizeof(*errs));
	return nbnc_edit_apply(t, xml, dop, eo, errs);
}

static void
test_merge_replace_create(void **state)
{
	struct lyd_node *t = base();
	struct nbnc_errs errs;

	/* merge: a new leaf-list entry and a changed leaf */
	assert_int_equal(edit(&t,
			     GW("<router-id>192.0.2.9</router-id><lan><local-prefix>10.3.0.0/16"
				"</local-prefix></lan>"),
			     "merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_string_equal(val(t, "/hybridgw:gateway/router-id"), "192.0.2.9");
	assert_int_equal(count(t, PFX), 3);
	nbnc_errs_free(&errs);
	/* replace: the container's content is exactly the edit */
	assert_int_equal(edit(&t,
			     GW("<lan nc:operation=\"replace\"><local-prefix>10.9.0.0/16"
				"</local-prefix></lan>"),
			     "merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(count(t, PFX), 1);
	assert_string_equal(val(t, PFX), "10.9.0.0/16");
	nbnc_errs_free(&errs);
	/* create of something that exists: data-exists, path of the node */
	assert_int_not_equal(edit(&t,
				 GW("<lan><local-prefix nc:operation=\"create\">10.9.0.0/16"
				    "</local-prefix></lan>"),
				 "merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].tag, NC_ERR_DATA_EXISTS);
	assert_non_null(strstr(errs.v[0].path, "local-prefix"));
	nbnc_errs_free(&errs);
	/* create of a list entry with its children */
	assert_int_equal(
	    edit(&t,
		GW("<circuit nc:operation=\"create\"><name>er2</name><link>"
		   "<name>b</name><local-address>172.16.2.1</local-address></link></circuit>"),
		"merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_string_equal(val(t,
				"/hybridgw:gateway/circuit[name='er2']/link[name='b']/"
				"local-address"),
	    "172.16.2.1");
	nbnc_errs_free(&errs);
	lyd_free_all(t);
}

static void
test_delete_remove_none(void **state)
{
	struct lyd_node *t = base();
	struct nbnc_errs errs;

	/* delete of a leaf written without a value (opaque in the edit) */
	assert_int_equal(edit(&t,
			     GW("<circuit><name>er1</name><link><name>a</name><bgp>"
				"<md5-key nc:operation=\"delete\"/></bgp></link></circuit>"),
			     "none", NBNC_ERR_STOP, &errs),
	    0);
	assert_null(val(t, "/hybridgw:gateway/circuit/link/bgp/md5-key"));
	nbnc_errs_free(&errs);
	/* again: data-missing; remove: fine */
	assert_int_not_equal(
	    edit(&t,
		GW("<circuit><name>er1</name><link><name>a</name><bgp>"
		   "<md5-key nc:operation=\"delete\"/></bgp></link></circuit>"),
		"none", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.v[0].tag, NC_ERR_DATA_MISSING);
	nbnc_errs_free(&errs);
	assert_int_equal(edit(&t,
			     GW("<circuit><name>er1</name><link><name>a</name><bgp>"
				"<md5-key nc:operation=\"remove\"/></bgp></link></circuit>"),
			     "none", NBNC_ERR_STOP, &errs),
	    0);
	nbnc_errs_free(&errs);
	/* none: the router-id is only a path, not a change */
	assert_int_equal(edit(&t,
			     GW("<router-id>192.0.2.77</router-id><lan><local-prefix "
				"nc:operation=\"delete\">10.1.0.0/16</local-prefix></lan>"),
			     "none", NBNC_ERR_STOP, &errs),
	    0);
	assert_string_equal(val(t, "/hybridgw:gateway/router-id"), "192.0.2.1");
	assert_int_equal(count(t, PFX), 1);
	nbnc_errs_free(&errs);
	/* none on a list entry that does not exist: nothing left behind */
	assert_int_equal(edit(&t,
			     GW("<circuit><name>er7</name><link><name>z</name><bgp>"
				"<md5-key nc:operation=\"remove\"/></bgp></link></circuit>"),
			     "none", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(count(t, "/hybridgw:gateway/circuit"), 1);
	nbnc_errs_free(&errs);
	/* delete a whole list entry */
	assert_int_equal(edit(&t,
			     GW("<circuit nc:operation=\"delete\"><name>er1</name></circuit>"),
			     "merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(count(t, "/hybridgw:gateway/circuit"), 0);
	nbnc_errs_free(&errs);
	lyd_free_all(t);
}

static void
test_errors_and_error_options(void **state)
{
	struct lyd_node *t = base();
	struct nbnc_errs errs;

	assert_int_not_equal(edit(&t, GW("<router-id>300.0.0.1</router-id>"), "merge",
				 NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.v[0].tag, NC_ERR_INVALID_VALUE);
	assert_string_equal(errs.v[0].path, "/hybridgw:gateway/router-id");
	assert_non_null(strstr(errs.v[0].msg, "300.0.0.1"));
	nbnc_errs_free(&errs);
	assert_int_not_equal(edit(&t, GW("<no-such-leaf>1</no-such-leaf>"), "merge",
				 NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.v[0].tag, NC_ERR_UNKNOWN_ELEM);
	assert_string_equal(errs.v[0].bad_elem, "no-such-leaf");
	nbnc_errs_free(&errs);
	assert_int_not_equal(edit(&t, GW("<lan nc:operation=\"frobnicate\"/>"), "merge",
				 NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.v[0].tag, NC_ERR_BAD_ATTR);
	nbnc_errs_free(&errs);
	/* continue-on-error: both errors reported, the good edit in between done */
	assert_int_not_equal(
	    edit(&t,
		GW("<lan><local-prefix nc:operation=\"create\">10.1.0.0/16"
		   "</local-prefix><local-prefix>10.5.0.0/16</local-prefix><local-prefix "
		   "nc:operation=\"delete\">10.6.0.0/16</local-prefix></lan>"),
		"merge", NBNC_ERR_CONTINUE, &errs),
	    0);
	assert_int_equal(errs.n, 2);
	assert_int_equal(count(t, PFX), 3);
	nbnc_errs_free(&errs);
	/* stop: the first error ends it */
	assert_int_not_equal(
	    edit(&t,
		GW("<lan><local-prefix nc:operation=\"create\">10.1.0.0/16"
		   "</local-prefix><local-prefix nc:operation=\"delete\">10.6.0.0/16</local-prefix></lan>"),
		"merge", NBNC_ERR_STOP, &errs),
	    0);
	assert_int_equal(errs.n, 1);
	nbnc_errs_free(&errs);
	/* state data is not configuration */
	assert_int_not_equal(edit(&t,
				 "<gateway-state xmlns=\"" NS "\"><version>1</version>"
				 "</gateway-state>",
				 "merge", NBNC_ERR_STOP, &errs),
	    0);
	nbnc_errs_free(&errs);
	lyd_free_all(t);
}

/* Parse an RPC with a filter the way libnetconf2 hands it over. */
static struct lyd_node *
get_config_rpc(const char *filter_xml)
{
	struct ly_in	*in = NULL;
	struct lyd_node *rpc = NULL;
	char		 xml[4096];

	snprintf(xml, sizeof(xml),
	    "<get-config xmlns=\"" BASE "\"><source><running/></source>%s"
	    "</get-config>",
	    filter_xml);
	assert_int_equal(ly_in_new_memory(xml, &in), LY_SUCCESS);
	assert_int_equal(lyd_parse_op(nb_ctx(), NULL, in, LYD_XML, LYD_TYPE_RPC_YANG, &rpc,
			     NULL),
	    LY_SUCCESS);
	ly_in_free(in, 0);
	return rpc;
}

static struct lyd_node *
filtered(const char *filter_xml, bool admin, struct nbnc_filter *flt_out)
{
	struct lyd_node	  *rpc = get_config_rpc(filter_xml), *f = NULL, *out = NULL;
	struct nbnc_filter flt;
	struct nbnc_errs   errs = { 0 };

	assert_int_equal(lyd_find_path(rpc, "filter", 0, &f), LY_SUCCESS);
	assert_int_equal(nbnc_filter_parse(f, &flt, &errs), 0);
	assert_int_equal(nbnc_filter_apply(&flt, base(), &out, &errs), 0);
	nbnc_secrets_strip(out, &flt, admin);
	if (flt_out)
		*flt_out = flt;
	else
		nbnc_filter_free(&flt);
	nbnc_errs_free(&errs);
	lyd_free_all(rpc);
	return out;
}

static void
test_subtree_filters(void **state)
{
	struct lyd_node *o;

	/* content match on a key + selection of one leaf */
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS
		     "\"><circuit><name>er1</name>"
		     "<link><local-address/></link></circuit></gateway></filter>",
	    false, NULL);
	assert_string_equal(val(o, "/hybridgw:gateway/circuit/link/local-address"),
	    "172.16.1.1");
	assert_int_equal(count(o, "/hybridgw:gateway/circuit/link/bgp"), 0);
	assert_int_equal(count(o, "/hybridgw:gateway/router-id"), 0);
	lyd_free_all(o);
	/* no match */
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS
		     "\"><circuit><name>zz</name>"
		     "</circuit></gateway></filter>",
	    false, NULL);
	assert_int_equal(count(o, "/hybridgw:gateway/circuit"), 0);
	lyd_free_all(o);
	/* only content match nodes in a sibling set: the whole matching parent
	 * (RFC 6241 6.2.5), here both prefixes of the lan */
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS "\"><lan><local-prefix>"
		     "10.2.0.0/16</local-prefix></lan></gateway></filter>",
	    false, NULL);
	assert_int_equal(count(o, PFX), 2);
	lyd_free_all(o);
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS "\"><lan><local-prefix>"
		     "10.7.0.0/16</local-prefix></lan></gateway></filter>",
	    false, NULL);
	assert_int_equal(count(o, PFX), 0);
	lyd_free_all(o);
	/* secrets: hidden for a whole-subtree request, shown when named by an admin */
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS "\"/></filter>", true,
	    NULL);
	assert_int_equal(count(o, "//md5-key"), 0);
	assert_string_equal(val(o, "/hybridgw:gateway/router-id"), "192.0.2.1");
	lyd_free_all(o);
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS "\"><circuit><link><bgp>"
		     "<md5-key/></bgp></link></circuit></gateway></filter>",
	    true, NULL);
	assert_string_equal(val(o, "//md5-key"), "s3cret-key");
	lyd_free_all(o);
	o = filtered("<filter type=\"subtree\"><gateway xmlns=\"" NS "\"><circuit><link><bgp>"
		     "<md5-key/></bgp></link></circuit></gateway></filter>",
	    false, NULL);
	assert_int_equal(count(o, "//md5-key"), 0);
	lyd_free_all(o);
}

static void
test_xpath_filters_and_hint(void **state)
{
	struct nbnc_filter flt;
	struct lyd_node	  *o;
	char		  *hint;

	o = filtered("<filter type=\"xpath\" xmlns:h=\"" NS "\" select=\"/h:gateway/h:lan\"/>",
	    true, NULL);
	assert_int_equal(count(o, PFX), 2);
	assert_int_equal(count(o, "/hybridgw:gateway/circuit"), 0);
	lyd_free_all(o);
	o = filtered("<filter type=\"xpath\" select=\"//*\"/>", true, NULL);
	assert_int_equal(count(o, "//md5-key"), 0); /* wildcards never name a secret */
	lyd_free_all(o);
	o = filtered("<filter type=\"xpath\" xmlns:h=\"" NS "\" select=\"//h:md5-key\"/>", true,
	    NULL);
	assert_string_equal(val(o, "//md5-key"), "s3cret-key");
	lyd_free_all(o);
	/* the state hint of a subtree filter: the branches it walks, keys as predicates */
	o = filtered(
	    "<filter type=\"subtree\"><gateway-state xmlns=\"" NS "\"><bgp><neighbor>"
	    "<address>10.0.0.2</address><route><direction>received</direction></route></neighbor>"
	    "</bgp><rib/></gateway-state></filter>",
	    false, &flt);
	hint = nbnc_filter_state_hint(&flt);
	assert_non_null(hint);
	assert_string_equal(hint,
	    "/hybridgw:gateway-state/bgp/neighbor[address='10.0.0.2']/"
	    "route[direction='received'] | /hybridgw:gateway-state/rib");
	free(hint);
	nbnc_filter_free(&flt);
	lyd_free_all(o);
}

/* An XPath <filter> (prefix h: for hybridgw) as a <get-config> carries it,
 * parsed. */
static void
xpath_filter(const char *select, struct nbnc_filter *flt, struct nbnc_errs *errs)
{
	char		 xml[512];
	struct lyd_node *rpc, *f = NULL;

	snprintf(xml, sizeof(xml), "<filter type=\"xpath\" xmlns:h=\"" NS "\" select=\"%s\"/>",
	    select);
	rpc = get_config_rpc(xml);
	assert_int_equal(lyd_find_path(rpc, "filter", 0, &f), LY_SUCCESS);
	assert_int_equal(nbnc_filter_parse(f, flt, errs), 0);
	lyd_free_all(rpc); /* the filter keeps its own rewritten copy */
}

/* Which top-level trees a <get> copies for an XPath filter: a name counts
 * only whole, wildcards and descendant steps may reach anything. */
static bool
xpath_wants(const char *select, const char *top)
{
	struct nbnc_filter flt;
	struct nbnc_errs   errs = { 0 };
	bool		   w;

	xpath_filter(select, &flt, &errs);
	w = nbnc_filter_wants(&flt, "hybridgw", top);
	nbnc_filter_free(&flt);
	return w;
}

static void
test_xpath_filter_wants(void **state)
{
	assert_false(xpath_wants("/h:gateway-state/h:rib", "gateway"));
	assert_true(xpath_wants("/h:gateway-state/h:rib", "gateway-state"));
	assert_true(xpath_wants("/h:gateway/h:lan", "gateway"));
	assert_false(xpath_wants("/h:gateway/h:lan", "gateway-state"));
	assert_true(xpath_wants("/gateway", "gateway"));
	assert_false(xpath_wants("/h:gateways", "gateway"));
	assert_true(xpath_wants("/h:gateway-state | /h:gateway", "gateway"));
	assert_true(xpath_wants("/h:gateway-state//h:rib", "gateway"));
	assert_true(xpath_wants("/*/h:lan", "gateway"));
}

/* An XPath filter through the evaluator process (nb_nc_xpath.c): nodes
 * matched by a predicate, an expression libyang cannot evaluate, one past
 * the time limit. */
static int
xpath_apply(const char *select, struct lyd_node **out, struct nbnc_errs *errs)
{
	struct nbnc_filter flt;
	int		   rc;

	xpath_filter(select, &flt, errs);
	rc = nbnc_filter_apply(&flt, base(), out, errs);
	nbnc_filter_free(&flt);
	return rc;
}

static void
test_xpath_filter_limits(void **state)
{
	struct nbnc_errs errs = { 0 };
	struct lyd_node *o = NULL;
	struct timespec	 t0, t1;
	long		 ms;

	assert_int_equal(xpath_apply("/h:gateway/h:lan/h:local-prefix[.='10.2.0.0/16']", &o,
			     &errs),
	    0);
	assert_int_equal(count(o, PFX), 1);
	assert_string_equal(val(o, PFX), "10.2.0.0/16");
	lyd_free_all(o);
	/* the same through the child (a function): its positions, our nodes */
	assert_int_equal(xpath_apply("/h:gateway/h:lan/h:local-prefix[contains(., '10.2.')]",
			     &o, &errs),
	    0);
	assert_int_equal(count(o, PFX), 1);
	assert_string_equal(val(o, PFX), "10.2.0.0/16");
	assert_int_equal(count(o, "/hybridgw:gateway/router-id"), 0);
	lyd_free_all(o);
	o = NULL;
	/* valid XPath 1.0 (the RPC's parse checks that), wrong to evaluate */
	assert_int_equal(xpath_apply("count(1)", &o, &errs), -EINVAL);
	assert_null(o);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].tag, NC_ERR_INVALID_VALUE);
	nbnc_errs_free(&errs);
	/* n^7 steps over this tree: hours, stopped at 200 ms */
	nbnc_xpath_set_limit(200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(xpath_apply("//*[//*[//*[//*[//*[//*[//*]]]]]]", &o, &errs),
	    -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nbnc_xpath_set_limit(0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 200);
	assert_null(o);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].tag, NC_ERR_RES_DENIED);
	assert_non_null(strstr(errs.v[0].msg, "did not finish within 200 ms"));
	nbnc_errs_free(&errs);
}

/* Requests' evaluators in their own process are bounded (one NETCONF poll
 * thread stays free); a subscription's and simple expressions need no slot,
 * and a slot comes back however the evaluation ended. */
static void
test_xpath_slots(void **state)
{
	static const char *fn = "/hybridgw:gateway/lan/local-prefix[contains(., '10.2.')]";
	struct lyd_node	  *d = base();
	struct nbnc_errs   errs = { 0 };
	struct ly_set	  *set = NULL;

	(void)state;
	nbnc_xpath_set_slots(0);
	assert_int_equal(nbnc_xpath_select(d, fn, true, &set, &errs), -EBUSY);
	assert_null(set);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].tag, NC_ERR_RES_DENIED);
	assert_non_null(strstr(errs.v[0].msg, "try again when one has finished"));
	nbnc_errs_free(&errs);
	assert_int_equal(nbnc_xpath_select(d, fn, false, &set, &errs), 0);
	assert_int_equal(set->count, 1);
	ly_set_free(set, NULL);
	assert_int_equal(nbnc_xpath_select(d, "/hybridgw:gateway/lan/local-prefix", true, &set,
			     &errs),
	    0);
	assert_int_equal(set->count, 2);
	ly_set_free(set, NULL);
	/* one slot: taken and given back by a timeout, an error, a success */
	nbnc_xpath_set_slots(1);
	nbnc_xpath_set_limit(200);
	assert_int_equal(nbnc_xpath_select(d, "//*[//*[//*[//*[//*[//*[//*]]]]]]", true, &set,
			     &errs),
	    -ETIMEDOUT);
	nbnc_xpath_set_limit(0);
	nbnc_errs_free(&errs);
	assert_int_equal(nbnc_xpath_select(d, "count(1)", true, &set, &errs), -EINVAL);
	nbnc_errs_free(&errs);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(nbnc_xpath_select(d, fn, true, &set, &errs), 0);
		assert_int_equal(set->count, 1);
		ly_set_free(set, NULL);
	}
	assert_int_equal(errs.n, 0);
	nbnc_xpath_set_slots(2);
	lyd_free_all(d);
}

/* Which expressions are evaluated in-process (they cannot take long). */
static void
test_xpath_simple(void **state)
{
	static const char *simple[] = { "/h:gateway-state/h:rib", "//h:route",
		"/h:gateway/h:circuit[h:name='er1']/h:link[name=\"a\"]/*", "//*", "/a/b | //c",
		"//route[prefix='10.0.0.0/8' and direction='received']", "/a[1]", "/a[.='x']",
		"/a[b='(::)[/']", "/a/../b", "@x" };
	static const char *costly[] = { "count(//a)", "//*[//*]", "/a[b=c]", "/a[b/c='x']",
		"/a[b[c]]", "/a[..='x']", "/a[*=*]", "//* = //*", "child::a",
		"/a/descendant::b", "/a['unterminated]", "//a//a//a//a//a//a//a//a//a" };

	(void)state;
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!nbnc_xpath_is_simple(simple[i]))
			fail_msg("not simple: %s", simple[i]);
	for (size_t i = 0; i < sizeof(costly) / sizeof(costly[0]); i++)
		if (nbnc_xpath_is_simple(costly[i]))
			fail_msg("simple: %s", costly[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_replace_create),
		cmocka_unit_test(test_delete_remove_none),
		cmocka_unit_test(test_errors_and_error_options),
		cmocka_unit_test(test_subtree_filters),
		cmocka_unit_test(test_xpath_filters_and_hint),
		cmocka_unit_test(test_xpath_filter_limits),
		cmocka_unit_test(test_xpath_filter_wants),
		cmocka_unit_test(test_xpath_slots),
		cmocka_unit_test(test_xpath_simple),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
