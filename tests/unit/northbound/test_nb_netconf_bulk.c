/* tests/unit/northbound/test_nb_netconf_bulk.c - northbound/nb_netconf_bulk.c: the text buffer of a bulk list grows, and refuses a size that would wrap it. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_bulk.h"

/* Puts accumulate, past the first allocation, byte for byte. */
static void
test_put_grows(void **state)
{
	static char	 big[200000];
	struct nbnc_bulk b;

	memset(&b, 0, sizeof(b));
	memset(big, 'x', sizeof(big));
	nbnc_bulk_put(&b, "<a>", 3);
	nbnc_bulk_put(&b, big, sizeof(big));
	nbnc_bulk_put(&b, "</a>", 4);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 3 + sizeof(big) + 4);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.buf, "<a>", 3);
	assert_memory_equal(b.buf + 3, big, sizeof(big));
	assert_memory_equal(b.buf + 3 + sizeof(big), "</a>", 4);
	free(b.buf);
}

/* A length near SIZE_MAX is refused (sticky -ENOMEM), never taken for
 * "it fits" by a wrapped sum: nothing is written, before or after. */
static void
test_put_huge_refused(void **state)
{
	struct nbnc_bulk b;
	const size_t	 huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2, SIZE_MAX / 4 + 1 };

	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		memset(&b, 0, sizeof(b));
		nbnc_bulk_put(&b, "x", huge[i]);
		assert_int_equal(b.err, -ENOMEM);
		assert_int_equal(b.len, 0);
		assert_null(b.buf);
		/* sticky: a later small put does nothing either */
		nbnc_bulk_put(&b, "<a>", 3);
		assert_int_equal(b.len, 0);
		assert_null(b.buf);
	}
	/* and with text in it already */
	memset(&b, 0, sizeof(b));
	nbnc_bulk_put(&b, "<a>", 3);
	nbnc_bulk_put(&b, "x", SIZE_MAX - 2);
	assert_int_equal(b.err, -ENOMEM);
	assert_int_equal(b.len, 3);
	free(b.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_grows),
		cmocka_unit_test(test_put_huge_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
