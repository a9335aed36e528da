/* tests/unit/northbound/test_nb_config.c - config parsing, validation errors with paths, secrets stripped, atomic save. */
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

#include "northbound/nb_local.h"
#include "northbound/northbound.h"

#include "tests/unit/include/test_nb.h"

static void
test_bad_value_names_leaf(void **state)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(
	    parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
		  "<as>65010</as><policy><maximum-paths>0</maximum-paths></policy></gateway>",
		&t, &e),
	    0);
	assert_null(t);
	assert_non_null(strstr(e.path, "/hybridgw:gateway/policy/maximum-paths"));
	assert_true(strlen(e.msg) > 0);
}

static void
test_missing_mandatory_names_leaf(void **state)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
				   "</gateway>",
				 &t, &e),
	    0);
	assert_non_null(strstr(e.path, "as"));
	assert_non_null(strstr(e.msg, "andatory"));
}

static void
test_unknown_element_refused(void **state)
{
	struct lyd_node *t = NULL;
	struct nb_err	 e;

	assert_int_not_equal(parse("<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id>"
				   "<as>65010</as><bogus>1</bogus></gateway>",
				 &t, &e),
	    0);
	assert_non_null(strstr(e.msg, "bogus"));
}

static void
test_secrets_stripped(void **state)
{
	struct lyd_node *t = NULL;
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
	char  path[] = "/tmp/hgw-nb-test-XXXXXX", buf[64];
	int   fd = mkstemp(path);
	FILE *f;

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
		cmocka_unit_test(test_bad_value_names_leaf),
		cmocka_unit_test(test_missing_mandatory_names_leaf),
		cmocka_unit_test(test_unknown_element_refused),
		cmocka_unit_test(test_secrets_stripped),
		cmocka_unit_test(test_atomic_write),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
