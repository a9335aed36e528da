/* tests/unit/failover/test_bfd_codec.c - failover/bfd_codec.c: vectors, truncations, invalid fields. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "failover/bfd_codec.h"

/* Header pieces, so each vector reads as its fields. */
#define DISCR1 "11223344"
#define DISCR2 "55667788"
#define T1S    "000f4240" /* 1,000,000 us */
#define T50    "0000c350" /* 50,000 us */
#define ZERO4  "00000000"
#define SHA20  "0102030405060708090a0b0c0d0e0f1011121314"
#define MD16   "a1a2a3a4a5a6a7a8a9aaabacadaeafb0"

/* clang-format off */
static const struct vec {
	const char	*name, *hex;
	enum bfd_err	 want;
	bool		 roundtrip;	/* encode(decode(x)) == x */
} vecs[] = {
	/* valid */
	{ "down, slow start", "20400318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_OK, true },
	{ "admin down, your 0", "27000318" DISCR1 ZERO4 T1S T1S ZERO4, BFD_OK, true },
	{ "init", "20800318" DISCR1 DISCR2 T1S T50 ZERO4, BFD_OK, true },
	{ "up with poll", "20e00318" DISCR1 DISCR2 T50 T50 ZERO4, BFD_OK, true },
	{ "up with final", "20d00318" DISCR1 DISCR2 T50 T50 ZERO4, BFD_OK, true },
	{ "down diag 1", "21400118" DISCR1 DISCR2 T1S T50 ZERO4, BFD_OK, true },
	{ "up C and D", "20ca0f18" DISCR1 DISCR2 T50 T50 T50, BFD_OK, true },
	{ "simple password", "20c4031f" DISCR1 DISCR2 T50 T50 ZERO4 "01" "07" "05" "61626364",
	    BFD_OK, true },
	{ "simple password 16", "20c4032b" DISCR1 DISCR2 T50 T50 ZERO4 "01" "13" "05"
	    "3132333435363738393031323334353f", BFD_OK, true },
	{ "keyed md5", "20c40330" DISCR1 DISCR2 T50 T50 ZERO4 "02" "18" "07" "00" "00000009" MD16,
	    BFD_OK, true },
	{ "meticulous md5", "20c40330" DISCR1 DISCR2 T50 T50 ZERO4 "03" "18" "07" "00" "0000000a" MD16,
	    BFD_OK, true },
	{ "keyed sha1", "20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "04" "1c" "02" "00" "fffffffe" SHA20,
	    BFD_OK, true },
	{ "meticulous sha1", "20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "05" "1c" "02" "5a" "00000001" SHA20,
	    BFD_OK, true },
	{ "trailing after length", "20400318" DISCR1 ZERO4 T1S T50 ZERO4 "deadbeef", BFD_OK, false },
	/* invalid: one field each (RFC 5880 6.8.6) */
	{ "version 0", "00400318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_VERSION, false },
	{ "version 2", "40400318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_VERSION, false },
	{ "version 7", "e0400318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_VERSION, false },
	{ "length 0", "20400300" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_LENGTH, false },
	{ "length 23", "20400317" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_LENGTH, false },
	{ "length 25 no auth", "20400319" DISCR1 ZERO4 T1S T50 ZERO4 "00", BFD_ERR_LENGTH, false },
	{ "A bit, length 24", "20440318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_LENGTH, false },
	{ "A bit, length 25", "20440319" DISCR1 ZERO4 T1S T50 ZERO4 "04", BFD_ERR_LENGTH, false },
	{ "length > payload", "20400319" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_SHORT, false },
	{ "length 255", "204003ff" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_SHORT, false },
	{ "detect mult 0", "20400018" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_MULT, false },
	{ "multipoint", "20410318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_MULTIPOINT, false },
	{ "my discr 0", "20400318" ZERO4 ZERO4 T1S T50 ZERO4, BFD_ERR_MY_DISCR, false },
	{ "your discr 0 in init", "20800318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_YOUR_DISCR, false },
	{ "your discr 0 in up", "20c00318" DISCR1 ZERO4 T1S T50 ZERO4, BFD_ERR_YOUR_DISCR, false },
	{ "auth type 0", "20c4031a" DISCR1 DISCR2 T50 T50 ZERO4 "00" "02", BFD_ERR_AUTH_TYPE, false },
	{ "auth type 6", "20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "06" "1c" "02" "00" "00000001" SHA20,
	    BFD_ERR_AUTH_TYPE, false },
	{ "auth len != rest", "20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "04" "1b" "02" "00" "00000001" SHA20,
	    BFD_ERR_AUTH_LEN, false },
	{ "sha1 auth len 27", "20c40333" DISCR1 DISCR2 T50 T50 ZERO4 "04" "1b" "02" "00" "00000001"
	    "0102030405060708090a0b0c0d0e0f10111213", BFD_ERR_AUTH_LEN, false },
	{ "sha1 with md5 length", "20c40330" DISCR1 DISCR2 T50 T50 ZERO4 "04" "18" "07" "00" "00000009"
	    MD16, BFD_ERR_AUTH_LEN, false },
	{ "md5 with sha1 length", "20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "02" "1c" "02" "00" "00000001"
	    SHA20, BFD_ERR_AUTH_LEN, false },
	{ "simple, empty password", "20c4031b" DISCR1 DISCR2 T50 T50 ZERO4 "01" "03" "05",
	    BFD_ERR_AUTH_LEN, false },
	{ "simple, password 17", "20c4032c" DISCR1 DISCR2 T50 T50 ZERO4 "01" "14" "05"
	    "3132333435363738393031323334353637", BFD_ERR_AUTH_LEN, false },
};
/* clang-format on */

static size_t
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(strlen(hex) % 2 == 0);
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
test_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		uint8_t		  buf[128], out[128];
		struct bfd_pkt	  p;
		struct wire_wr	  w = wire_wr_init(out, sizeof(out));
		size_t		  n;
		enum bfd_err	  e;

		n = hex_decode(v->hex, buf, sizeof(buf));
		e = bfd_pkt_decode(wire_rd_init(buf, n), &p);
		if (e != v->want)
			fail_msg("%s: got %s, want %s", v->name, bfd_err_str(e),
			    bfd_err_str(v->want));
		if (!v->roundtrip)
			continue;
		assert_int_equal(bfd_pkt_encode(&p, &w), 0);
		if (wire_wr_len(&w) != n || memcmp(out, buf, n) != 0)
			fail_msg("%s: re-encoding differs", v->name);
	}
}

/* Every proper prefix of a valid packet is refused as truncated. */
static void
test_truncations(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		uint8_t		  buf[128];
		struct bfd_pkt	  p;
		size_t		  n;

		if (v->want != BFD_OK || !v->roundtrip)
			continue;
		n = hex_decode(v->hex, buf, sizeof(buf));
		for (size_t k = 0; k < n; k++) {
			enum bfd_err e = bfd_pkt_decode(wire_rd_init(buf, k), &p);

			if (e != BFD_ERR_SHORT)
				fail_msg("%s cut to %zu: got %s", v->name, k, bfd_err_str(e));
		}
	}
}

static void
test_fields(void **state)
{
	uint8_t	       buf[128];
	struct bfd_pkt p;
	size_t	       n;

	n = hex_decode("21e20518" DISCR1 DISCR2 T50 T1S "00000007", buf, sizeof(buf));
	assert_int_equal(bfd_pkt_decode(wire_rd_init(buf, n), &p), BFD_OK);
	assert_int_equal(p.diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(p.state, BFD_STATE_UP);
	assert_true(p.poll);
	assert_false(p.final);
	assert_false(p.cpi);
	assert_true(p.demand);
	assert_false(p.multipoint);
	assert_int_equal(p.detect_mult, 5);
	assert_int_equal(p.my_discr, 0x11223344);
	assert_int_equal(p.your_discr, 0x55667788);
	assert_int_equal(p.desired_min_tx_us, 50000);
	assert_int_equal(p.required_min_rx_us, 1000000);
	assert_int_equal(p.required_min_echo_rx_us, 7);
	assert_int_equal(p.auth.type, BFD_AUTH_NONE);

	n = hex_decode("20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "04"
		       "1c"
		       "02"
		       "00"
		       "fffffffe" SHA20,
	    buf, sizeof(buf));
	assert_int_equal(bfd_pkt_decode(wire_rd_init(buf, n), &p), BFD_OK);
	assert_int_equal(p.auth.type, BFD_AUTH_KEYED_SHA1);
	assert_int_equal(p.auth.key_id, 2);
	assert_int_equal(p.auth.seq, 0xfffffffe);
	assert_int_equal(p.auth.data_len, BFD_SHA1_LEN);
	assert_int_equal(p.auth.data[0], 0x01);
	assert_int_equal(p.auth.data[19], 0x14);

	n = hex_decode("20c4031f" DISCR1 DISCR2 T50 T50 ZERO4 "01"
		       "07"
		       "05"
		       "61626364",
	    buf, sizeof(buf));
	assert_int_equal(bfd_pkt_decode(wire_rd_init(buf, n), &p), BFD_OK);
	assert_int_equal(p.auth.type, BFD_AUTH_SIMPLE);
	assert_int_equal(p.auth.key_id, 5);
	assert_int_equal(p.auth.data_len, 4);
	assert_memory_equal(p.auth.data, "abcd", 4);
}

/* A flipped bit is refused with a code, or accepted where the field takes
 * any value (discriminators stay non-zero, intervals, key id, seq, hash). */
static void
test_bitflips(void **state)
{
	uint8_t	       buf[128], m[128];
	struct bfd_pkt p;
	size_t	       n;

	n = hex_decode("20c40334" DISCR1 DISCR2 T50 T50 ZERO4 "04"
		       "1c"
		       "02"
		       "00"
		       "fffffffe" SHA20,
	    buf, sizeof(buf));
	for (size_t bit = 0; bit < n * 8; bit++) {
		enum bfd_err e;

		memcpy(m, buf, n);
		m[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		e = bfd_pkt_decode(wire_rd_init(m, n), &p);
		assert_true((unsigned)e < BFD_ERR_COUNT);
		if (bit / 8 >= 4 && bit / 8 != 24 && bit / 8 != 25)
			assert_int_equal(e, BFD_OK);
		if (bit / 8 == 25)
			assert_int_equal(e, BFD_ERR_AUTH_LEN);
	}
}

static void
test_encode(void **state)
{
	struct bfd_pkt p;
	uint8_t	       out[BFD_PKT_MAX], again[BFD_PKT_MAX];
	struct wire_wr w;
	struct bfd_pkt q;

	memset(&p, 0, sizeof(p));
	p.state = BFD_STATE_UP;
	p.final = true;
	p.detect_mult = 3;
	p.my_discr = 1;
	p.your_discr = 2;
	p.desired_min_tx_us = 50000;
	p.required_min_rx_us = 50000;

	w = wire_wr_init(out, sizeof(out));
	assert_int_equal(bfd_pkt_encode(&p, &w), 0);
	assert_int_equal(wire_wr_len(&w), 24);
	assert_int_equal(out[0], 0x20);
	assert_int_equal(out[1], 0xd0);
	assert_int_equal(out[3], 24);

	/* too small a buffer */
	w = wire_wr_init(out, 23);
	assert_int_equal(bfd_pkt_encode(&p, &w), -ENOSPC);

	/* keyed SHA1: 52 bytes, decodes back to the same */
	p.auth.type = BFD_AUTH_KEYED_SHA1;
	p.auth.key_id = 9;
	p.auth.seq = 77;
	p.auth.data_len = BFD_SHA1_LEN;
	memset(p.auth.data, 0xab, BFD_SHA1_LEN);
	w = wire_wr_init(out, sizeof(out));
	assert_int_equal(bfd_pkt_encode(&p, &w), 0);
	assert_int_equal(wire_wr_len(&w), 52);
	assert_int_equal(out[1], 0xd4);
	assert_int_equal(bfd_pkt_decode(wire_rd_init(out, 52), &q), BFD_OK);
	assert_int_equal(q.auth.seq, 77);
	assert_int_equal(q.auth.key_id, 9);
	w = wire_wr_init(again, sizeof(again));
	assert_int_equal(bfd_pkt_encode(&q, &w), 0);
	assert_memory_equal(out, again, 52);
	w = wire_wr_init(out, 51);
	assert_int_equal(bfd_pkt_encode(&p, &w), -ENOSPC);

	/* auth sections that cannot exist */
	p.auth.data_len = 16;
	w = wire_wr_init(out, sizeof(out));
	assert_int_equal(bfd_pkt_encode(&p, &w), -EINVAL);
	p.auth.type = BFD_AUTH_KEYED_MD5;
	p.auth.data_len = 20;
	assert_int_equal(bfd_pkt_encode(&p, &w), -EINVAL);
	p.auth.type = BFD_AUTH_SIMPLE;
	p.auth.data_len = 0;
	assert_int_equal(bfd_pkt_encode(&p, &w), -EINVAL);
	p.auth.data_len = 17;
	assert_int_equal(bfd_pkt_encode(&p, &w), -EINVAL);
	p.auth.type = 9;
	assert_int_equal(bfd_pkt_encode(&p, &w), -EINVAL);
}

static void
test_strings(void **state)
{
	assert_string_equal(bfd_state_str(BFD_STATE_ADMIN_DOWN), "AdminDown");
	assert_string_equal(bfd_state_str(BFD_STATE_DOWN), "Down");
	assert_string_equal(bfd_state_str(BFD_STATE_INIT), "Init");
	assert_string_equal(bfd_state_str(BFD_STATE_UP), "Up");
	assert_string_equal(bfd_state_str(4), "?");
	assert_string_equal(bfd_diag_str(1), "Control Detection Time Expired");
	assert_string_equal(bfd_diag_str(3), "Neighbor Signaled Session Down");
	assert_string_equal(bfd_diag_str(7), "Administratively Down");
	assert_string_equal(bfd_diag_str(31), "Reserved");
	for (int e = 0; e < BFD_ERR_COUNT; e++)
		assert_non_null(bfd_err_str((enum bfd_err)e));
	assert_string_equal(bfd_err_str(BFD_ERR_COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
