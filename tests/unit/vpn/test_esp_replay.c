/* tests/unit/vpn/test_esp_replay.c - vpn/esp_replay.c: in order, reordered, duplicates, too old, jumps, ESN inference and wrap, against a plain model. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vpn/esp_local.h"

/* Check then update, as the receive path does for an authentic packet. */
static enum esp_err
rx(struct esp_replay *r, uint32_t lo, uint64_t *full)
{
	enum esp_err e;
	uint64_t     f;

	if ((e = esp_replay_check(r, lo, &f)) != ESP_OK)
		return e;
	if (full)
		*full = f;
	return esp_replay_update(r, f);
}

static void
test_in_order(void **state)
{
	struct esp_replay r;

	assert_int_equal(esp_replay_init(&r, 64, false), 0);
	for (uint32_t s = 1; s <= 10000; s++)
		assert_int_equal(rx(&r, s, NULL), ESP_OK);
	assert_int_equal(esp_replay_top(&r), 10000);
	/* every one of them again is a duplicate or too old */
	for (uint32_t s = 1; s <= 10000; s++)
		assert_int_equal(rx(&r, s, NULL), ESP_ERR_REPLAY);
}

static void
test_zero_never(void **state)
{
	struct esp_replay r;
	uint64_t	  f;

	assert_int_equal(esp_replay_init(&r, 64, false), 0);
	assert_int_equal(esp_replay_check(&r, 0, &f), ESP_ERR_REPLAY);
	assert_int_equal(esp_replay_init(&r, 0, false), 0);
	assert_int_equal(esp_replay_check(&r, 0, &f), ESP_ERR_REPLAY);
}

static void
test_window_edges(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 32, 63, 64, 65, 128, 1024, 4096, 8192 };
	struct esp_replay     r;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t w = sizes[i];
		uint32_t top = 100000;

		assert_int_equal(esp_replay_init(&r, w, false), 0);
		assert_int_equal(rx(&r, top, NULL), ESP_OK);
		/* the oldest number inside the window is accepted once */
		if (w > 1) {
			assert_int_equal(rx(&r, top - w + 1, NULL), ESP_OK);
			assert_int_equal(rx(&r, top - w + 1, NULL), ESP_ERR_REPLAY);
		}
		/* one older is outside */
		assert_int_equal(rx(&r, top - w, NULL), ESP_ERR_REPLAY);
		assert_int_equal(rx(&r, 1, NULL), ESP_ERR_REPLAY);
		/* the top itself is a duplicate */
		assert_int_equal(rx(&r, top, NULL), ESP_ERR_REPLAY);
	}
	assert_int_equal(esp_replay_init(&r, ESP_REPLAY_MAX + 1, false), -EINVAL);
}

static void
test_reorder_within_window(void **state)
{
	struct esp_replay r;
	uint32_t	  perm[1024];

	/* a window's worth, delivered backwards after its last: all accepted */
	assert_int_equal(esp_replay_init(&r, 1024, false), 0);
	assert_int_equal(rx(&r, 2048, NULL), ESP_OK);
	for (uint32_t s = 2047; s > 2048 - 1024; s--)
		assert_int_equal(rx(&r, s, NULL), ESP_OK);
	for (uint32_t s = 2048; s > 2048 - 1024; s--)
		assert_int_equal(rx(&r, s, NULL), ESP_ERR_REPLAY);
	/* a shuffled block */
	assert_int_equal(esp_replay_init(&r, 1024, false), 0);
	for (uint32_t i = 0; i < 1024; i++)
		perm[i] = i + 1;
	srand(7);
	for (uint32_t i = 1023; i > 0; i--) {
		uint32_t j = (uint32_t)rand() % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint32_t i = 0; i < 1024; i++)
		assert_int_equal(rx(&r, perm[i], NULL), ESP_OK);
	for (uint32_t i = 0; i < 1024; i++)
		assert_int_equal(rx(&r, perm[i], NULL), ESP_ERR_REPLAY);
}

static void
test_big_jumps(void **state)
{
	struct esp_replay r;

	assert_int_equal(esp_replay_init(&r, 128, false), 0);
	assert_int_equal(rx(&r, 5, NULL), ESP_OK);
	assert_int_equal(rx(&r, 3, NULL), ESP_OK);
	/* far ahead: the whole ring is cleared, old bits must not linger */
	assert_int_equal(rx(&r, 5 + 64 * ESP_REPLAY_WORDS, NULL), ESP_OK);
	for (uint32_t s = 5 + 64 * ESP_REPLAY_WORDS - 127; s < 5 + 64 * ESP_REPLAY_WORDS; s++)
		assert_int_equal(rx(&r, s, NULL), ESP_OK);
	assert_int_equal(rx(&r, 5, NULL), ESP_ERR_REPLAY);
	/* a jump of exactly the ring's span, and to the end of the space */
	assert_int_equal(rx(&r, 0x7fffffff, NULL), ESP_OK);
	assert_int_equal(rx(&r, 0x7fffffff - 100, NULL), ESP_OK);
	assert_int_equal(rx(&r, 0xffffffff, NULL), ESP_OK);
	assert_int_equal(rx(&r, 0xffffffff - 127, NULL), ESP_OK);
	assert_int_equal(rx(&r, 0xffffffff - 128, NULL), ESP_ERR_REPLAY);
	assert_int_equal(rx(&r, 0x7fffffff - 99, NULL), ESP_ERR_REPLAY);
}

static void
test_window_off(void **state)
{
	struct esp_replay r;

	assert_int_equal(esp_replay_init(&r, 0, false), 0);
	for (int k = 0; k < 3; k++)
		for (uint32_t s = 1; s < 100; s++)
			assert_int_equal(rx(&r, s, NULL), ESP_OK);
}

/* The check alone does not move the window: an unauthenticated packet
 * must not (RFC 4303 3.4.3). */
static void
test_check_does_not_move(void **state)
{
	struct esp_replay r;
	uint64_t	  f;

	assert_int_equal(esp_replay_init(&r, 64, false), 0);
	assert_int_equal(rx(&r, 10, NULL), ESP_OK);
	assert_int_equal(esp_replay_check(&r, 1000000, &f), ESP_OK);
	assert_int_equal(esp_replay_top(&r), 10);
	assert_int_equal(rx(&r, 9, NULL), ESP_OK);
	/* a duplicate racing: both checks pass, only one update wins */
	assert_int_equal(esp_replay_check(&r, 11, &f), ESP_OK);
	assert_int_equal(esp_replay_check(&r, 11, &f), ESP_OK);
	assert_int_equal(esp_replay_update(&r, 11), ESP_OK);
	assert_int_equal(esp_replay_update(&r, 11), ESP_ERR_REPLAY);
	/* and a number the window left between check and update */
	assert_int_equal(esp_replay_check(&r, 12, &f), ESP_OK);
	assert_int_equal(rx(&r, 500, NULL), ESP_OK);
	assert_int_equal(esp_replay_update(&r, 12), ESP_ERR_REPLAY);
}

/* A random walk against a model that remembers everything. */
static void
test_random_vs_model(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 31, 64, 100, 1024, 4096 };
	enum { SPAN = 60000 };
	static bool seen[SPAN + 8192];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t	  w = sizes[k];
		struct esp_replay r;
		uint64_t	  top = 0, base = 1;

		memset(seen, 0, sizeof(seen));
		assert_int_equal(esp_replay_init(&r, w, false), 0);
		srand(1000 + (unsigned)k);
		for (int i = 0; i < 200000; i++) {
			uint32_t s;
			bool	 want;
			int	 what = rand() % 100;

			if (what < 60)
				s = (uint32_t)(base +
				    (uint64_t)(rand() % 8)); /* mostly forward */
			else if (what < 90)
				s = (uint32_t)(top > 2000 ? top - (uint64_t)(rand() % 2000) :
							    (uint64_t)(rand() % 2000));
			else
				s = (uint32_t)(top + (uint64_t)(rand() % 5000));
			if (s >= SPAN)
				break;
			want = s != 0 && (w == 0 || s > top || (top - s < w && !seen[s]));
			assert_int_equal(rx(&r, s, NULL), want ? ESP_OK : ESP_ERR_REPLAY);
			if (want) {
				seen[s] = true;
				if (s > top)
					top = s;
			}
			base = top + 1 > 4 ? top - 3 : 1;
		}
		assert_int_equal(esp_replay_top(&r), top);
	}
}

/* RFC 4303 A2: the high half follows the sender across 2^32. */
static void
test_esn_across_wrap(void **state)
{
	struct esp_replay r;
	uint64_t	  full, start = 0xffffff00ULL;

	assert_int_equal(esp_replay_init(&r, 128, true), 0);
	esp_replay_set_top(&r, start);
	for (uint64_t s = start + 1; s < start + 1000; s++) {
		assert_int_equal(rx(&r, (uint32_t)s, &full), ESP_OK);
		assert_int_equal(full, s);
	}
	/* late packets from before the wrap, still inside the window (Case B) */
	esp_replay_set_top(&r, 0x100000010ULL);
	assert_int_equal(rx(&r, 0xfffffff0, &full), ESP_OK);
	assert_int_equal(full, 0xfffffff0ULL);
	assert_int_equal(rx(&r, 0x00000005, &full), ESP_OK);
	assert_int_equal(full, 0x100000005ULL);
	assert_int_equal(rx(&r, 0xfffffff0, &full), ESP_ERR_REPLAY);
	/* Older than the window across the wrap: A2 can only read it as the
	 * next subspace (its integrity check then fails, since the sender
	 * authenticated another high half). */
	assert_int_equal(esp_replay_check(&r, 0xffffff00, &full), ESP_OK);
	assert_int_equal(full, 0x1ffffff00ULL);
	/* Case A: a low number far below the window means the next subspace */
	esp_replay_set_top(&r, 0x5fffff000ULL);
	assert_int_equal(rx(&r, 0x10, &full), ESP_OK);
	assert_int_equal(full, 0x600000010ULL);
	/* and reordering within the window in Case A */
	assert_int_equal(rx(&r, 0x8, &full), ESP_OK);
	assert_int_equal(full, 0x600000008ULL);
}

static void
test_esn_start_and_end(void **state)
{
	struct esp_replay r;
	uint64_t	  full;

	/* At the start the window spans "below zero": nothing lies there. */
	assert_int_equal(esp_replay_init(&r, 64, true), 0);
	assert_int_equal(rx(&r, 3, &full), ESP_OK);
	assert_int_equal(full, 3);
	assert_int_equal(esp_replay_check(&r, 0xfffffff0, &full), ESP_ERR_REPLAY);
	assert_int_equal(rx(&r, 1, &full), ESP_OK);
	assert_int_equal(full, 1);
	/* At the very end of the 64-bit space there is no next subspace. */
	esp_replay_set_top(&r, 0xffffffff00000100ULL);
	assert_int_equal(esp_replay_check(&r, 0x10, &full), ESP_ERR_REPLAY);
	assert_int_equal(rx(&r, 0x101, &full), ESP_OK);
	assert_int_equal(full, 0xffffffff00000101ULL);
	/* ESN with the window off still infers */
	assert_int_equal(esp_replay_init(&r, 0, true), 0);
	esp_replay_set_top(&r, 0x1fffffff0ULL);
	assert_int_equal(rx(&r, 0x20, &full), ESP_OK);
	assert_int_equal(full, 0x200000020ULL);
	assert_int_equal(rx(&r, 0x20, &full), ESP_OK); /* off: duplicates pass */
}

/* A long ESN run over several wraps, with reordering inside the window. */
static void
test_esn_long_run(void **state)
{
	struct esp_replay r;
	uint64_t	  full, s = 0xfffff000ULL;

	assert_int_equal(esp_replay_init(&r, 256, true), 0);
	esp_replay_set_top(&r, s);
	srand(42);
	for (int i = 0; i < 300000; i++) {
		uint64_t n = s + 1 + (uint64_t)(rand() % 16);

		if (i % 2 == 0) {
			assert_int_equal(rx(&r, (uint32_t)n, &full), ESP_OK);
			assert_int_equal(full, n);
			s = n;
		}
		/* and one from behind, inside the window, fresh or not */
		n = s - (uint64_t)(rand() % 200);
		if (esp_replay_check(&r, (uint32_t)n, &full) == ESP_OK)
			assert_int_equal(full, n);
		if (i % 97 == 0) {
			s += 0x10000000ULL; /* jumps carry us across 2^32 often */
			assert_int_equal(rx(&r, (uint32_t)s, &full), ESP_OK);
			assert_int_equal(full, s);
		}
	}
	assert_true(s > 0x1000000000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_zero_never),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_reorder_within_window),
		cmocka_unit_test(test_big_jumps),
		cmocka_unit_test(test_window_off),
		cmocka_unit_test(test_check_does_not_move),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_esn_across_wrap),
		cmocka_unit_test(test_esn_start_and_end),
		cmocka_unit_test(test_esn_long_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
