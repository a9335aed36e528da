/* tests/unit/lib/test_log.c - lib/log.c: debug flag parsing and what reaches stderr. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"

static void
flags_get(bool out[LOG_MOD_COUNT])
{
	for (int m = 0; m < LOG_MOD_COUNT; m++)
		out[m] = log_debug_on((enum log_mod)m);
}

static void
test_set_debug(void **state)
{
	bool f[LOG_MOD_COUNT], before[LOG_MOD_COUNT];

	assert_int_equal(log_set_debug("bgp,fib"), 0);
	flags_get(f);
	for (int m = 0; m < LOG_MOD_COUNT; m++)
		assert_int_equal(f[m], m == LOG_MOD_BGP || m == LOG_MOD_FIB);

	assert_int_equal(log_set_debug("all"), 0);
	flags_get(f);
	for (int m = 0; m < LOG_MOD_COUNT; m++)
		assert_true(f[m]);

	/* a list replaces, it does not add */
	assert_int_equal(log_set_debug("vpn"), 0);
	flags_get(f);
	for (int m = 0; m < LOG_MOD_COUNT; m++)
		assert_int_equal(f[m], m == LOG_MOD_VPN);

	/* every module by its name */
	for (int m = 0; m < LOG_MOD_COUNT; m++) {
		assert_int_equal(log_set_debug(log_mod_name((enum log_mod)m)), 0);
		assert_true(log_debug_on((enum log_mod)m));
	}

	/* unknown names: -EINVAL and the flags stay exactly as they were */
	assert_int_equal(log_set_debug("bgp,bfd"), 0);
	flags_get(before);
	static const char *const bad[] = {
		"bogus",
		"bgp,bogus",
		"fib,,nope",
		"BGP",
		"bgp ",
		" bgp",
		"al",
		"allx",
		"bgp;fib",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (log_set_debug(bad[i]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		flags_get(f);
		assert_memory_equal(f, before, sizeof(f));
	}
	{
		/* too long for the parser: refused, not truncated */
		char lng[600];

		memset(lng, 'a', sizeof(lng) - 1);
		lng[sizeof(lng) - 1] = '\0';
		assert_int_equal(log_set_debug(lng), -EINVAL);
		flags_get(f);
		assert_memory_equal(f, before, sizeof(f));
	}
	/* separators are forgiving: repeated and trailing commas */
	assert_int_equal(log_set_debug("core,,nb,"), 0);
	assert_true(log_debug_on(LOG_MOD_CORE));
	assert_true(log_debug_on(LOG_MOD_NB));
	assert_false(log_debug_on(LOG_MOD_BGP));

	/* one at a time, and out-of-range modules are never on */
	log_debug_enable(LOG_MOD_FAILOVER, true);
	assert_true(log_debug_on(LOG_MOD_FAILOVER));
	log_debug_enable(LOG_MOD_FAILOVER, false);
	assert_false(log_debug_on(LOG_MOD_FAILOVER));
	log_debug_enable(LOG_MOD_COUNT, true);
	assert_false(log_debug_on(LOG_MOD_COUNT));
	assert_string_equal(log_mod_name(LOG_MOD_BGP), "bgp");
	assert_string_equal(log_mod_name(LOG_MOD_COUNT), "?");
}

/* Run fn with stderr redirected to a temp file; return what was written. */
static char *
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int   saved = dup(STDERR_FILENO);
	char *out;
	long  n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = (long)lseek(fileno(tmp), 0, SEEK_END);
	assert_true(n >= 0);
	out = calloc(1, (size_t)n + 1);
	assert_non_null(out);
	assert_int_equal(pread(fileno(tmp), out, (size_t)n, 0), n);
	fclose(tmp);
	return out;
}

static void
emit(void)
{
	log_set_level(LOG_LVL_INFO);
	log_set_debug("bgp");
	log_info(LOG_MOD_CORE, "hello %d", 42);
	log_err(LOG_MOD_FIB, "broken %s", "route");
	log_debug(LOG_MOD_BGP, "bgp detail");
	log_debug(LOG_MOD_BFD, "bfd detail"); /* flag off: silent */
	log_set_level(LOG_LVL_WARN);
	log_info(LOG_MOD_CORE, "quiet info"); /* below the level: silent */
	log_warn(LOG_MOD_VPN, "loud warning");
}

static void
test_output(void **state)
{
	char *out;

	log_init("hgw-test", LOG_LVL_INFO, true);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	out = capture(emit);
	assert_non_null(strstr(out, " info core: hello 42\n"));
	assert_non_null(strstr(out, " error fib: broken route\n"));
	assert_non_null(strstr(out, " debug bgp: bgp detail\n"));
	assert_null(strstr(out, "bfd detail"));
	assert_null(strstr(out, "quiet info"));
	assert_non_null(strstr(out, " warning vpn: loud warning\n"));
	/* every line starts with a HH:MM:SS.mmm time stamp */
	for (char *l = out; *l; l = strchr(l, '\n') + 1) {
		unsigned h, m, s, ms;

		assert_int_equal(sscanf(l, "%2u:%2u:%2u.%3u ", &h, &m, &s, &ms), 4);
		assert_true(h < 24 && m < 60 && s < 61 && ms < 1000);
	}
	free(out);
	log_set_level(LOG_LVL_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_debug),
		cmocka_unit_test(test_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
