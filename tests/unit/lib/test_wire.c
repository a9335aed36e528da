/* tests/unit/lib/test_wire.c - lib/wire.c: every get/put, every truncation, sticky overflow, length marks. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/wire.h"

/* Hex to bytes in a heap buffer of exactly the decoded size (so ASan sees any
 * read past the end); *len receives the size. */
static uint8_t *
unhex(const char *hex, size_t *len)
{
	size_t	 n = strlen(hex) / 2;
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	assert_int_equal(strlen(hex) % 2, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned x;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &x), 1);
		b[i] = (uint8_t)x;
	}
	*len = n;
	return b;
}

/* ---- getters, one by one ---- */

static void
test_get_each(void **state)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xfa,
		0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x80 };
	struct wire_rd	     r = wire_rd_init(b, sizeof(b)), s;
	uint8_t		     u8, out[4];
	uint16_t	     u16;
	uint32_t	     u32;
	uint64_t	     u64;

	assert_true(wire_peek_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_int_equal(wire_left(&r), 16); /* peek consumes nothing */
	assert_true(wire_get_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_true(wire_get_u16(&r, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(wire_get_u24(&r, &u32));
	assert_int_equal(u32, 0x040506);
	assert_true(wire_get_u32(&r, &u32));
	assert_int_equal(u32, 0x070809fa);
	assert_int_equal(wire_left(&r), 6);
	s = r;
	assert_true(wire_get_bytes(&r, out, 2));
	assert_memory_equal(out, b + 10, 2);
	assert_true(wire_skip(&r, 1));
	assert_true(wire_get_sub(&r, 2, &s));
	assert_int_equal(wire_left(&s), 2);
	assert_ptr_equal(s.p, b + 13); /* a view, not a copy */
	assert_true(wire_get_u16(&s, &u16));
	assert_int_equal(u16, 0xfeff);
	assert_true(wire_empty(&s));
	assert_true(wire_get_bytes(&r, out, 0)); /* zero-length get is fine */
	assert_true(wire_get_u8(&r, &u8));
	assert_int_equal(u8, 0x80);
	assert_true(wire_empty(&r));

	/* u64 and the top bit of every width (no sign extension) */
	r = wire_rd_init(b + 8, 8);
	assert_true(wire_get_u64(&r, &u64));
	assert_true(u64 == 0x09fafbfcfdfeff80ULL);
	r = wire_rd_init(b + 12, 4);
	assert_true(wire_get_u32(&r, &u32));
	assert_int_equal(u32, 0xfdfeff80u);
	r = wire_rd_init(b + 12, 3);
	assert_true(wire_get_u24(&r, &u32));
	assert_int_equal(u32, 0xfdfeff);

	/* an empty reader, even with a NULL pointer */
	r = wire_rd_init(NULL, 0);
	assert_true(wire_empty(&r));
	assert_false(wire_peek_u8(&r, &u8));
	assert_true(wire_skip(&r, 0));
	assert_true(wire_get_sub(&r, 0, &s));
	assert_true(wire_empty(&s));
}

/* Every getter, given one byte too few, fails and changes neither reader nor output. */
static void
test_get_short(void **state)
{
	static const size_t width[] = { 1, 2, 3, 4, 8 };
	uint8_t		   *b = malloc(8);

	assert_non_null(b);
	memset(b, 0x5a, 8);
	for (size_t w = 0; w < sizeof(width) / sizeof(width[0]); w++) {
		for (size_t have = 0; have < width[w]; have++) {
			const uint8_t *base = b + 8 - have; /* ends exactly at the buffer end */
			struct wire_rd r = wire_rd_init(base, have), sub = { NULL, 77 };
			uint8_t	       u8 = 0xee, out[8];
			uint16_t       u16 = 0xeeee;
			uint32_t       u32 = 0xeeeeeeee;
			uint64_t       u64 = 0xeeeeeeeeeeeeeeeeULL;
			bool	       ok = true;

			memset(out, 0xee, sizeof(out));
			switch (width[w]) {
			case 1:
				ok = wire_get_u8(&r, &u8) || wire_peek_u8(&r, &u8);
				break;
			case 2:
				ok = wire_get_u16(&r, &u16);
				break;
			case 3:
				ok = wire_get_u24(&r, &u32);
				break;
			case 4:
				ok = wire_get_u32(&r, &u32);
				break;
			case 8:
				ok = wire_get_u64(&r, &u64);
				break;
			}
			assert_false(ok);
			assert_false(wire_get_bytes(&r, out, width[w]));
			assert_false(wire_skip(&r, width[w]));
			assert_false(wire_get_sub(&r, width[w], &sub));
			assert_ptr_equal(r.p, base);
			assert_int_equal(r.len, have);
			assert_int_equal(u8, 0xee);
			assert_int_equal(u16, 0xeeee);
			assert_int_equal(u32, 0xeeeeeeee);
			assert_true(u64 == 0xeeeeeeeeeeeeeeeeULL);
			for (size_t i = 0; i < sizeof(out); i++)
				assert_int_equal(out[i], 0xee);
			assert_null(sub.p);
			assert_int_equal(sub.len, 77);
		}
	}
	free(b);
}

/* ---- chained decoders over framed formats ---- */

/* Each get inside a decoder either succeeds or fails without consuming. */
#define TRY(rd, call)                                           \
	do {                                                    \
		struct wire_rd snap_ = *(rd);                   \
		if (!(call)) {                                  \
			assert_ptr_equal((rd)->p, snap_.p);     \
			assert_int_equal((rd)->len, snap_.len); \
			return false;                           \
		}                                               \
	} while (0)

struct fixed_msg {
	uint8_t	 a;
	uint16_t b;
	uint32_t c, d;
	uint64_t e;
	uint8_t	 f[3];
	uint8_t	 g;
};

/* A fixed 22-byte record: u8 u16 u24 u32 u64 bytes[3], a peeked-then-skipped u8. */
static bool
dec_fixed(struct wire_rd r, struct fixed_msg *m)
{
	TRY(&r, wire_get_u8(&r, &m->a));
	TRY(&r, wire_get_u16(&r, &m->b));
	TRY(&r, wire_get_u24(&r, &m->c));
	TRY(&r, wire_get_u32(&r, &m->d));
	TRY(&r, wire_get_u64(&r, &m->e));
	TRY(&r, wire_get_bytes(&r, m->f, sizeof(m->f)));
	TRY(&r, wire_peek_u8(&r, &m->g));
	TRY(&r, wire_skip(&r, 1));
	return wire_empty(&r);
}

struct tlv_msg {
	unsigned ntlv;
	uint32_t sum;
};

/* u16 total length, then TLVs (u8 type, u8 length, value); type 1 holds one
 * u32, type 2 a u16 count and count u16s, type 3 anything (skipped). */
static bool
dec_tlv(struct wire_rd r, struct tlv_msg *m)
{
	struct wire_rd body, val;
	uint16_t       total, cnt, x;
	uint8_t	       type, len;
	uint32_t       v;

	m->ntlv = 0;
	m->sum = 0;
	TRY(&r, wire_get_u16(&r, &total));
	TRY(&r, wire_get_sub(&r, total, &body));
	if (!wire_empty(&r))
		return false;
	while (!wire_empty(&body)) {
		TRY(&body, wire_get_u8(&body, &type));
		TRY(&body, wire_get_u8(&body, &len));
		TRY(&body, wire_get_sub(&body, len, &val));
		switch (type) {
		case 1:
			TRY(&val, wire_get_u32(&val, &v));
			m->sum += v;
			break;
		case 2:
			TRY(&val, wire_get_u16(&val, &cnt));
			while (cnt--) {
				TRY(&val, wire_get_u16(&val, &x));
				m->sum += x;
			}
			break;
		default:
			TRY(&val, wire_skip(&val, wire_left(&val)));
			break;
		}
		if (!wire_empty(&val))
			return false;
		m->ntlv++;
	}
	return true;
}

/* clang-format off */
static const struct {
	const char	*hex;
	bool		 ok;
	unsigned	 ntlv;
	uint32_t	 sum;
} tlv_vec[] = {
	{ "0000", true, 0, 0 },
	{ "00060104000000ff", true, 1, 0xff },
	{ "00110104000000010206000200100020030100", true, 3, 0x31 },
	{ "0003030200ff", false, 0, 0 },		/* total < body */
	{ "0007010400000001", false, 0, 0 },		/* total > body */
	{ "000601040000000100", false, 0, 0 },		/* trailing byte */
	{ "0007010500000001ff", false, 0, 0 },		/* junk inside a TLV */
	{ "00060105000000ff", false, 0, 0 },		/* TLV longer than body */
	{ "00080206000300010002", false, 0, 0 },	/* count > value */
	{ "0002ff", false, 0, 0 },			/* total > what follows */
};
/* clang-format on */

static void
check_truncations(const uint8_t *full, size_t len, bool (*dec)(const uint8_t *, size_t))
{
	/* Every shorter prefix, copied to a buffer of exactly its size. */
	for (size_t k = 0; k < len; k++) {
		uint8_t *b = malloc(k ? k : 1);

		assert_non_null(b);
		memcpy(b, full, k);
		if (dec(b, k))
			fail_msg("a %zu-byte truncation of %zu bytes decoded", k, len);
		free(b);
	}
}

static bool
run_tlv(const uint8_t *b, size_t len)
{
	struct tlv_msg m;
	struct wire_rd r = wire_rd_init(b, len);
	bool	       ok = dec_tlv(r, &m);

	/* the caller's view is untouched whatever happened */
	assert_ptr_equal(r.p, b);
	assert_int_equal(r.len, len);
	return ok;
}

static bool
run_fixed(const uint8_t *b, size_t len)
{
	struct fixed_msg m;

	return dec_fixed(wire_rd_init(b, len), &m);
}

static void
test_vectors_tlv(void **state)
{
	for (size_t i = 0; i < sizeof(tlv_vec) / sizeof(tlv_vec[0]); i++) {
		size_t	       len;
		uint8_t	      *b = unhex(tlv_vec[i].hex, &len);
		struct tlv_msg m;

		if (dec_tlv(wire_rd_init(b, len), &m) != tlv_vec[i].ok)
			fail_msg("vector %zu (%s): wrong verdict", i, tlv_vec[i].hex);
		if (tlv_vec[i].ok) {
			assert_int_equal(m.ntlv, tlv_vec[i].ntlv);
			assert_int_equal(m.sum, tlv_vec[i].sum);
			check_truncations(b, len, run_tlv);
		}
		free(b);
	}
}

static void
test_vectors_fixed(void **state)
{
	static const char *const good[] = {
		"01020304050607080900010203040506070809aabbccdd",
		"ffffffffffffffffffffffffffffffffffffffffffffff",
		"0000000000000000000000000000000000000000000000",
	};
	struct fixed_msg m;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t	 len;
		uint8_t *b = unhex(good[i], &len);

		/* 23 bytes: one too many for the 22-byte record */
		assert_int_equal(len, 23);
		assert_false(run_fixed(b, len));
		assert_true(run_fixed(b, len - 1));
		check_truncations(b, len - 1, run_fixed);
		free(b);
	}
	{
		size_t	 len;
		uint8_t *b = unhex(good[0], &len);

		assert_true(dec_fixed(wire_rd_init(b, 22), &m));
		assert_int_equal(m.a, 0x01);
		assert_int_equal(m.b, 0x0203);
		assert_int_equal(m.c, 0x040506);
		assert_int_equal(m.d, 0x07080900);
		assert_true(m.e == 0x0102030405060708ULL);
		assert_memory_equal(m.f, "\x09\xaa\xbb", 3);
		assert_int_equal(m.g, 0xcc);
		free(b);
	}
}

/* ---- writers ---- */

static void
test_put_each(void **state)
{
	uint8_t		     buf[32];
	struct wire_wr	     w = wire_wr_init(buf, sizeof(buf));
	static const uint8_t want[] = { 0xab, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xde, 0xad, 0xbe,
		0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'h', 'i', 0, 0, 0 };

	memset(buf, 0xee, sizeof(buf));
	wire_put_u8(&w, 0xab);
	wire_put_u16(&w, 0x1234);
	wire_put_u24(&w, 0xff56789a); /* only the low 24 bits */
	wire_put_u32(&w, 0xdeadbeef);
	wire_put_u64(&w, 0x0102030405060708ULL);
	wire_put_bytes(&w, "hi", 2);
	wire_put_bytes(&w, NULL, 0);
	wire_put_zero(&w, 3);
	wire_put_zero(&w, 0);
	assert_true(wire_wr_ok(&w));
	assert_int_equal(wire_wr_len(&w), sizeof(want));
	assert_int_equal(wire_wr_room(&w), sizeof(buf) - sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[sizeof(want)], 0xee);

	/* and what was written reads back */
	{
		struct wire_rd r = wire_rd_init(buf, wire_wr_len(&w));
		uint8_t	       u8;
		uint16_t       u16;
		uint32_t       u32;
		uint64_t       u64;

		assert_true(wire_get_u8(&r, &u8) && u8 == 0xab);
		assert_true(wire_get_u16(&r, &u16) && u16 == 0x1234);
		assert_true(wire_get_u24(&r, &u32) && u32 == 0x56789a);
		assert_true(wire_get_u32(&r, &u32) && u32 == 0xdeadbeef);
		assert_true(wire_get_u64(&r, &u64) && u64 == 0x0102030405060708ULL);
		assert_true(wire_skip(&r, 5));
		assert_true(wire_empty(&r));
	}
}

enum put_kind { PUT_U8, PUT_U16, PUT_U24, PUT_U32, PUT_U64, PUT_BYTES, PUT_ZERO, PUT_N };

static size_t
put_one(struct wire_wr *w, enum put_kind k)
{
	static const uint8_t five[5] = { 1, 2, 3, 4, 5 };

	switch (k) {
	case PUT_U8:
		wire_put_u8(w, 0x11);
		return 1;
	case PUT_U16:
		wire_put_u16(w, 0x1111);
		return 2;
	case PUT_U24:
		wire_put_u24(w, 0x111111);
		return 3;
	case PUT_U32:
		wire_put_u32(w, 0x11111111);
		return 4;
	case PUT_U64:
		wire_put_u64(w, 0x1111111111111111ULL);
		return 8;
	case PUT_BYTES:
		wire_put_bytes(w, five, 5);
		return 5;
	case PUT_ZERO:
		wire_put_zero(w, 6);
		return 6;
	default:
		break;
	}
	return 0;
}

/* Each putter one byte short: overflow, nothing written; afterwards every
 * put (even one that would fit) does nothing. */
static void
test_overflow_sticky(void **state)
{
	for (int k = 0; k < PUT_N; k++) {
		uint8_t	       buf[16];
		struct wire_wr w;
		size_t	       need;

		memset(buf, 0xee, sizeof(buf));
		w = wire_wr_init(buf, 2);
		wire_put_u8(&w, 0x42);
		need = put_one(&w, k);
		if (need <= 1) {
			assert_true(wire_wr_ok(&w)); /* u8 fits exactly */
			wire_put_u8(&w, 0x43);
			assert_false(wire_wr_ok(&w));
		} else
			assert_false(wire_wr_ok(&w));
		assert_int_equal(wire_wr_room(&w), 0);
		for (int j = 0; j < PUT_N; j++)
			put_one(&w, j);
		wire_put_bytes(&w, NULL, 0);
		wire_put_zero(&w, 0);
		assert_false(wire_wr_ok(&w));
		assert_int_equal(wire_wr_room(&w), 0);
		assert_int_equal(buf[0], 0x42);
		for (size_t i = need <= 1 ? 2 : 1; i < sizeof(buf); i++)
			if (buf[i] != 0xee)
				fail_msg("putter %d wrote byte %zu after overflow", k, i);
		/* nothing was counted past the overflow */
		assert_true(wire_wr_len(&w) <= 2);
	}
	/* a zero-capacity writer */
	{
		struct wire_wr w = wire_wr_init(NULL, 0);

		wire_put_bytes(&w, NULL, 0);
		assert_true(wire_wr_ok(&w));
		wire_put_u8(&w, 1);
		assert_false(wire_wr_ok(&w));
		assert_int_equal(wire_wr_len(&w), 0);
	}
}

static void
test_len_marks(void **state)
{
	uint8_t	      *buf = malloc(70000);
	struct wire_wr w;
	size_t	       m8, m16;

	assert_non_null(buf);
	/* nested: u16 length around a u8 length around 3 bytes */
	w = wire_wr_init(buf, 64);
	wire_put_u8(&w, 0x01);
	m16 = wire_mark_len16(&w);
	wire_put_u8(&w, 0x02);
	m8 = wire_mark_len8(&w);
	wire_put_bytes(&w, "abc", 3);
	wire_patch_len8(&w, m8);
	wire_patch_len16(&w, m16);
	assert_true(wire_wr_ok(&w));
	assert_int_equal(wire_wr_len(&w), 8);
	assert_memory_equal(buf,
	    "\x01\x00\x05\x02\x03"
	    "abc",
	    8);
	/* empty contents give zero */
	m8 = wire_mark_len8(&w);
	wire_patch_len8(&w, m8);
	m16 = wire_mark_len16(&w);
	wire_patch_len16(&w, m16);
	assert_true(wire_wr_ok(&w));
	assert_memory_equal(buf + 8, "\x00\x00\x00", 3);
	/* header length patched at an absolute offset */
	wire_patch_u16(&w, 1, 0xbeef);
	assert_true(wire_wr_ok(&w));
	assert_int_equal(buf[1], 0xbe);
	assert_int_equal(buf[2], 0xef);

	/* len8: 255 fits, 256 does not */
	w = wire_wr_init(buf, 70000);
	m8 = wire_mark_len8(&w);
	wire_put_zero(&w, 255);
	wire_patch_len8(&w, m8);
	assert_true(wire_wr_ok(&w));
	assert_int_equal(buf[0], 255);
	w = wire_wr_init(buf, 70000);
	m8 = wire_mark_len8(&w);
	wire_put_zero(&w, 256);
	wire_patch_len8(&w, m8);
	assert_false(wire_wr_ok(&w));
	/* len16: 65535 fits, 65536 does not */
	w = wire_wr_init(buf, 70000);
	m16 = wire_mark_len16(&w);
	wire_put_zero(&w, 65535);
	wire_patch_len16(&w, m16);
	assert_true(wire_wr_ok(&w));
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[1], 0xff);
	w = wire_wr_init(buf, 70000);
	m16 = wire_mark_len16(&w);
	wire_put_zero(&w, 65536);
	wire_patch_len16(&w, m16);
	assert_false(wire_wr_ok(&w));

	/* a mark that did not fit: overflow, and the patch writes nothing */
	memset(buf, 0xee, 8);
	w = wire_wr_init(buf, 1);
	m16 = wire_mark_len16(&w);
	assert_false(wire_wr_ok(&w));
	wire_patch_len16(&w, m16);
	assert_int_equal(buf[0], 0xee);
	w = wire_wr_init(buf, 0);
	m8 = wire_mark_len8(&w);
	wire_patch_len8(&w, m8);
	assert_false(wire_wr_ok(&w));

	/* patch_u16 only over bytes already written */
	w = wire_wr_init(buf, 16);
	wire_put_u8(&w, 0);
	wire_put_u8(&w, 0);
	wire_put_u8(&w, 0);
	wire_patch_u16(&w, 1, 0x0102);
	assert_true(wire_wr_ok(&w));
	wire_patch_u16(&w, 2, 0x0304); /* would write byte 3: not written yet */
	assert_false(wire_wr_ok(&w));
	assert_int_equal(buf[2], 0x02);
	w = wire_wr_init(buf, 16);
	wire_put_u16(&w, 0);
	wire_patch_u16(&w, SIZE_MAX - 1, 0xffff); /* must not wrap around */
	assert_false(wire_wr_ok(&w));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_each),
		cmocka_unit_test(test_get_short),
		cmocka_unit_test(test_vectors_fixed),
		cmocka_unit_test(test_vectors_tlv),
		cmocka_unit_test(test_put_each),
		cmocka_unit_test(test_overflow_sticky),
		cmocka_unit_test(test_len_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
