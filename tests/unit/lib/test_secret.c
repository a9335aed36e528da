/* tests/unit/lib/test_secret.c - the key type: set, copy, compare, wipe, limits. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lib/secret.h"

static bool
all_zero(const struct secret *s)
{
	for (size_t i = 0; i < sizeof(s->b); i++)
		if (s->b[i])
			return false;
	return s->len == 0;
}

static void
test_set_copy_eq(void **state)
{
	struct secret a, b, c;

	memset(&a, 0xaa, sizeof(a)); /* whatever was there before */
	assert_int_equal(secret_set_str(&a, "MD5-key"), 0);
	assert_int_equal(secret_len(&a), 7);
	assert_memory_equal(secret_data(&a), "MD5-key", 7);
	memset(&b, 0x55, sizeof(b));
	secret_copy(&b, &a);
	assert_true(secret_eq(&a, &b));
	assert_int_equal(secret_set_str(&c, "MD5-kez"), 0);
	assert_false(secret_eq(&a, &c));
	assert_int_equal(secret_set_str(&c, "MD5-ke"), 0); /* a prefix is not equal */
	assert_false(secret_eq(&a, &c));
	assert_int_equal(secret_set(&c, "", 0), 0);
	assert_true(secret_empty(&c));
	assert_false(secret_eq(&a, &c));
	secret_copy(&a, &a); /* self-copy keeps it */
	assert_true(secret_eq(&a, &b));
	secret_wipe(&a);
	secret_wipe(&b);
	secret_wipe(&c);
}

static void
test_wipe_and_limits(void **state)
{
	struct secret s;
	uint8_t	      big[SECRET_MAX + 1];

	memset(big, 7, sizeof(big));
	assert_int_equal(secret_set(&s, big, SECRET_MAX), 0);
	assert_int_equal(secret_len(&s), SECRET_MAX);
	assert_int_equal(secret_set(&s, big, sizeof(big)), -EMSGSIZE);
	assert_true(all_zero(&s)); /* refused: left empty, not truncated */
	assert_int_equal(secret_set_str(&s, "longer-key"), 0);
	assert_int_equal(secret_set_str(&s, "k"), 0); /* shorter: the tail is gone */
	for (size_t i = 1; i < SECRET_MAX; i++)
		assert_int_equal(s.b[i], 0);
	secret_wipe(&s);
	assert_true(all_zero(&s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_copy_eq),
		cmocka_unit_test(test_wipe_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
