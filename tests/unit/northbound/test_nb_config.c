/* tests/unit/northbound/test_nb_config.c - config parsing, validation errors with paths, secrets, atomic save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "northbound/nb_gw_local.h"
#include "northbound/nb_local.h"
#include "northbound/northbound.h"

#define NS	"urn:hybridgw:params:xml:ns:yang:hybridgw"

static const char *base_ok =
    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
    "<circuit><name>er1</name><link><name>a</name><local-address>172.16.1.1</local-address>"
    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>"
    "<md5-key>s3cret-key</md5-key></bgp><bfd/></link></circuit>"
    "<lan><local-prefix>10.1.0.0/16</local-prefix></lan></gateway>";

static int
setup(void **state)
{
	struct nb_err	 e = { 0 };

	if (nb_init(HGW_YANG_DIR, &e) != 0) {
		fprintf(stderr, "nb_init: %s: %s\n", e.path, e.msg);
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

static int
parse(const char *xml, struct lyd_node **t, struct nb_err *e)
{
	memset(e, 0, sizeof(*e));
	return nb_config_parse_mem(xml, LYD_XML, t, e);
}

static void
test_valid_config_builds_specs(void **state)
{
	struct lyd_node	*t = NULL;
	struct nb_err	 e;
	struct gw_conf	*c = calloc(1, sizeof(*c));

	assert_int_equal(parse(base_ok, &t, &e), 0);
	assert_int_equal(gw_conf_build(t, c, &e), 0);
	assert_int_equal(c->as, 65010);
	assert_int_equal(c->router_id, 0xc0000201);
	assert_true(c->pic);			/* prefix-independent-convergence default */
	assert_int_equal(c->kernel_table, 254);
	assert_int_equal(c->nspecs, 2);		/* the link + local prefixes */
	assert_string_equal(c->specs[0].key, "circuit/er1/a");
	assert_true(c->specs[0].has_bgp);
	assert_true(c->specs[0].has_bfd);
	assert_true(c->specs[0].src.needs_bfd);
	assert_int_equal(c->specs[0].bgp.hold_time, 180);	/* YANG default */
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
test_bad_value_names_leaf(void **state)
{
	struct lyd_node	*t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
	    "<as>65010</as><policy><maximum-paths>0</maximum-paths></policy></gateway>", &t, &e), 0);
	assert_null(t);
	assert_non_null(strstr(e.path, "/hybridgw:gateway/policy/maximum-paths"));
	assert_true(strlen(e.msg) > 0);
}

static void
test_missing_mandatory_names_leaf(void **state)
{
	struct lyd_node	*t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
	    "</gateway>", &t, &e), 0);
	assert_non_null(strstr(e.path, "as"));
	assert_non_null(strstr(e.msg, "andatory"));
}

static void
test_unknown_element_refused(void **state)
{
	struct lyd_node	*t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
	    "<as>65010</as><bogus>1</bogus></gateway>", &t, &e), 0);
	assert_non_null(strstr(e.msg, "bogus"));
}

static void
check_semantic(const char *xml, const char *want_path, const char *want_msg)
{
	struct lyd_node	*t = NULL;
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
	    "<as>23456</as></gateway>", "/hybridgw:gateway/as", "reserved");
	check_semantic("<gateway xmlns=\"" NS "\"><router-id>0.0.0.0</router-id>"
	    "<as>65010</as></gateway>", "router-id", "not usable");
	check_semantic("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
	    "<lan><peer><name>a</name><bgp><peer-address>10.0.0.1</peer-address>"
	    "<peer-as>65010</peer-as></bgp></peer><peer><name>b</name><bgp>"
	    "<peer-address>10.0.0.1</peer-address><peer-as>65011</peer-as></bgp></peer></lan>"
	    "</gateway>", "/hybridgw:gateway", "used by both");
	check_semantic("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
	    "<circuit><name>c</name><link><name>a</name><local-address>2001:db8::1</local-address>"
	    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as></bgp></link>"
	    "</circuit></gateway>", "peer-address", "family");
}

static void
test_secrets_stripped(void **state)
{
	struct lyd_node	*t = NULL;
	struct nb_err	 e;
	char		*s = NULL;

	assert_int_equal(parse(base_ok, &t, &e), 0);
	nb_tree_strip_secrets(t);
	assert_int_equal(lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
	assert_null(strstr(s, "s3cret-key"));
	assert_null(strstr(s, "md5-key"));
	assert_non_null(strstr(s, "172.16.1.2"));
	free(s);
	lyd_free_all(t);
}

static void
test_atomic_write(void **state)
{
	char	 path[] = "/tmp/hgw-nb-test-XXXXXX", buf[64];
	int	 fd = mkstemp(path);
	FILE	*f;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nb_file_write_atomic(path, "hello\n", 6), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "hello\n");
	/* A folder that does not exist: error, and nothing left behind. */
	assert_true(nb_file_write_atomic("/nonexistent-dir/x.xml", "x", 1) < 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_config_builds_specs),
		cmocka_unit_test(test_bad_value_names_leaf),
		cmocka_unit_test(test_missing_mandatory_names_leaf),
		cmocka_unit_test(test_unknown_element_refused),
		cmocka_unit_test(test_semantic_errors),
		cmocka_unit_test(test_secrets_stripped),
		cmocka_unit_test(test_atomic_write),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
