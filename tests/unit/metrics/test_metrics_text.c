/* tests/unit/metrics/test_metrics_text.c - the exposition format: label escaping and truncation, samples, histograms. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

static void
test_labels_escape(void **state)
{
	char l[128];

	metrics_labels(l, sizeof(l), "name", "a\"b\\c\nd", "x", "y", NULL);
	assert_string_equal(l, "name=\"a\\\"b\\\\c\\nd\",x=\"y\"");
	metrics_labels(l, sizeof(l), NULL);
	assert_string_equal(l, "");
}

static void
test_labels_truncate(void **state)
{
	char l[16];

	/* the second pair does not fit: it is left out whole */
	metrics_labels(l, sizeof(l), "a", "1", "bbbbbb", "22222", NULL);
	assert_string_equal(l, "a=\"1\"");
	metrics_labels(l, 4, "abc", "1", NULL);
	assert_string_equal(l, "");
}

static char *
capture(void (*fn)(FILE *, void *), void *arg)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void
write_family(FILE *f, void *arg)
{
	metrics_family(f, "x_total", "counter", "line\none \\ two");
	metrics_sample_u64(f, "x_total", "a=\"b\"", 18446744073709551615ull);
	metrics_sample(f, "y", NULL, 0.5);
}

static void
test_family(void **state)
{
	char *s = capture(write_family, NULL);

	assert_string_equal(s,
	    "# HELP x_total line\\none \\\\ two\n# TYPE x_total counter\n"
	    "x_total{a=\"b\"} 18446744073709551615\ny 0.5\n");
	free(s);
}

static const uint64_t bounds[] = { 1000, 500000 };

static void
write_histo_h(FILE *f, void *arg)
{
	metrics_histo(f, "lat_seconds", "k=\"v\"", arg);
}

static void
test_histo(void **state)
{
	struct histo h;
	char	    *s;

	assert_int_equal(histo_init(&h, bounds, 2), 0);
	histo_add(&h, 500);
	histo_add(&h, 2000);
	histo_add(&h, 3000000);
	s = capture(write_histo_h, &h);
	assert_string_equal(s,
	    "lat_seconds_bucket{k=\"v\",le=\"0.001\"} 1\n"
	    "lat_seconds_bucket{k=\"v\",le=\"0.5\"} 2\n"
	    "lat_seconds_bucket{k=\"v\",le=\"+Inf\"} 3\n"
	    "lat_seconds_sum{k=\"v\"} 3.002500\n"
	    "lat_seconds_count{k=\"v\"} 3\n");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_escape),
		cmocka_unit_test(test_labels_truncate),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_histo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
