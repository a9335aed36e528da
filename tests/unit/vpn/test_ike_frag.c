/* tests/unit/vpn/test_ike_frag.c - SKF: fragment sizing, protected fragments reassembled in any order, RFC 7383 restart rules, bounds. */
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

#include "vpn/ike_crypto.h"

static struct ike_frag *f;

static int
setup(void **state)
{
	f = calloc(1, sizeof(*f));
	return f ? 0 : -1;
}

static int
teardown(void **state)
{
	free(f);
	return 0;
}

/* A message that decoded as fragment num/total (only what ike_frag_add reads). */
static struct ike_msg *
frag_msg(uint32_t msgid, uint8_t exchange, uint16_t num, uint16_t total, uint8_t first)
{
	static struct ike_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.msgid = msgid;
	m.hdr.exchange = exchange;
	m.count[IKE_PL_SKF] = 1;
	m.sk.frag_num = num;
	m.sk.frag_total = total;
	m.sk.first = num == 1 ? first : 0;
	return &m;
}

static int
add(uint32_t msgid, uint16_t num, uint16_t total, const char *piece, uint8_t *out, size_t cap,
    struct wire_rd *whole, uint8_t *first)
{
	return ike_frag_add(f, frag_msg(msgid, IKE_AUTH, num, total, IKE_PL_IDI),
	    wire_rd_init(piece, strlen(piece)), out, cap, whole, first);
}

static void
test_rules(void **state)
{
	uint8_t	       out[256], first;
	struct wire_rd w;

	ike_frag_reset(f);
	/* any order, duplicates ignored */
	assert_int_equal(add(1, 3, 3, "cc", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(1, 1, 3, "aaa", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(1, 3, 3, "XX", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(1, 2, 3, "b", out, sizeof(out), &w, &first), 1);
	assert_int_equal(wire_left(&w), 6);
	assert_memory_equal(w.p, "aaabcc", 6);
	assert_int_equal(first, IKE_PL_IDI);
	assert_false(f->active); /* reset after completion */

	/* another message ID starts over */
	assert_int_equal(add(5, 1, 2, "old", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(6, 2, 2, "new2", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(6, 1, 2, "new1", out, sizeof(out), &w, &first), 1);
	assert_memory_equal(w.p, "new1new2", 8);
	/* ... so does another exchange under the same ID */
	assert_int_equal(add(7, 1, 2, "x", out, sizeof(out), &w, &first), 0);
	assert_int_equal(ike_frag_add(f, frag_msg(7, IKE_INFORMATIONAL, 2, 2, 0),
			     wire_rd_init("y", 1), out, sizeof(out), &w, &first),
	    0);
	assert_int_equal(f->exchange, IKE_INFORMATIONAL);
	assert_int_equal(f->have, 1);

	/* RFC 7383 2.6: more pieces restart the set, fewer are stale */
	ike_frag_reset(f);
	assert_int_equal(add(9, 1, 2, "AAAA", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(9, 1, 3, "aa", out, sizeof(out), &w, &first), 0);
	assert_int_equal(f->total, 3);
	assert_int_equal(f->have, 1);
	assert_int_equal(add(9, 2, 2, "BBBB", out, sizeof(out), &w, &first), 0);
	assert_int_equal(f->have, 1);
	assert_int_equal(add(9, 2, 3, "bb", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(9, 3, 3, "cc", out, sizeof(out), &w, &first), 1);
	assert_memory_equal(w.p, "aabbcc", 6);

	/* a single fragment is a whole message */
	assert_int_equal(add(10, 1, 1, "solo", out, sizeof(out), &w, &first), 1);
	assert_int_equal(wire_left(&w), 4);

	/* not a fragment, or impossible numbering: nothing happens */
	{
		struct ike_msg *m = frag_msg(11, IKE_AUTH, 1, 2, 0);

		m->count[IKE_PL_SKF] = 0;
		assert_int_equal(ike_frag_add(f, m, wire_rd_init("z", 1), out, sizeof(out), &w,
				     &first),
		    0);
		assert_false(f->active);
		assert_int_equal(add(11, 3, 2, "z", out, sizeof(out), &w, &first), 0);
		assert_false(f->active);
	}
}

static void
test_bounds(void **state)
{
	static uint8_t piece[600], out[IKE_FRAG_BUF];
	uint8_t	       first;
	struct wire_rd w;
	int	       rc = 0;

	ike_frag_reset(f);
	/* too many fragments for the bound */
	assert_int_equal(add(1, 1, IKE_FRAG_MAX + 1, "a", out, sizeof(out), &w, &first),
	    -EMSGSIZE);
	assert_false(f->active);
	/* the most fragments we take */
	for (uint16_t i = 1; i <= IKE_FRAG_MAX; i++)
		rc = add(2, i, IKE_FRAG_MAX, "x", out, sizeof(out), &w, &first);
	assert_int_equal(rc, 1);
	assert_int_equal(wire_left(&w), IKE_FRAG_MAX);
	/* more bytes than the buffer: the set is dropped */
	memset(piece, 'p', sizeof(piece));
	for (uint16_t i = 1; i <= IKE_FRAG_MAX; i++) {
		rc = ike_frag_add(f, frag_msg(3, IKE_AUTH, i, IKE_FRAG_MAX, IKE_PL_IDI),
		    wire_rd_init(piece, sizeof(piece)), out, sizeof(out), &w, &first);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, -EMSGSIZE);
	assert_false(f->active);
	assert_int_equal(f->used, 0);
	/* an output buffer too small for the whole message */
	assert_int_equal(add(4, 1, 2, "abc", out, sizeof(out), &w, &first), 0);
	assert_int_equal(add(4, 2, 2, "def", out, 5, &w, &first), -EMSGSIZE);
	assert_false(f->active);
}

/* The whole path: an inner chain cut to fit a size, each piece sealed,
 * delivered backwards, opened and reassembled. */
static void
test_sealed(void **state)
{
	static const struct {
		uint16_t encr, keylen, integ;
	} suites[] = {
		{ IKE_ENCR_AES_GCM_16, 256, 0 },
		{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	};
	uint8_t		chain[700], pieces[16][600], plain[600], out[1024], first;
	size_t		plen[16];
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	/* three Vendor ID payloads of 227 bytes each */
	for (int v = 0; v < 3; v++) {
		uint8_t *p = chain + 231 * v;

		p[0] = v < 2 ? IKE_PL_VENDOR : 0;
		p[1] = 0;
		p[2] = 0;
		p[3] = 231;
		memset(p + 4, 'a' + v, 227);
	}
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		struct ike_suite s = { .proto = IPSEC_PROTO_IKE,
			.encr = suites[c].encr,
			.encr_keylen = suites[c].keylen,
			.integ = suites[c].integ,
			.prf = IKE_PRF_HMAC_SHA2_256,
			.dh = IKE_DH_ECP256 };
		struct ike_keys *k = malloc(sizeof(*k));
		struct ike_sk	 sk;
		struct secret	 g;
		size_t		 chunk, msg_max = 280, n, off = 0;
		uint16_t	 total;
		int		 rc = 0;

		assert_non_null(k);
		secret_set(&g, "g", 1);
		assert_int_equal(ike_keys_from_dh(&s, &g, wire_rd_init("0123456789abcdef", 16),
				     wire_rd_init("fedcba9876543210", 16), 1, 2, k),
		    0);
		assert_int_equal(ike_sk_init(&sk, &s, k, true), 0);
		chunk = ike_frag_chunk_len(&sk.out, msg_max);
		assert_true(chunk > 100);
		total = (uint16_t)((sizeof(chain) - 7 + chunk - 1) / chunk);
		for (uint16_t i = 1; i <= total; i++) {
			struct wire_wr w = wire_wr_init(pieces[i - 1], sizeof(pieces[0]));
			struct ike_enc e;
			struct ike_hdr h = { .ispi = 1,
				.rspi = 2,
				.exchange = IKE_AUTH,
				.flags = IKE_FLAG_INITIATOR,
				.msgid = 1 };
			size_t	       take = 693 - off < chunk ? 693 - off : chunk;

			ike_enc_init(&e, &w, &h);
			ike_enc_skf_begin(&e, ike_sk_iv_len(&sk.out),
			    i == 1 ? IKE_PL_VENDOR : 0, i, total);
			ike_enc_bytes(&e, chain + off, take);
			off += take;
			assert_int_equal(ike_sk_seal(&sk.out, &e), 0);
			plen[i - 1] = wire_wr_len(&w);
			/* within the size, and a full piece leaves less than a block */
			assert_true(plen[i - 1] <= msg_max);
			if (take == chunk)
				assert_true(plen[i - 1] > msg_max - ike_encr_block_len(s.encr));
		}
		assert_int_equal(off, 693);
		/* backwards, through decode and open */
		ike_frag_reset(f);
		for (uint16_t i = total; i >= 1; i--) {
			struct wire_rd in, whole;

			assert_int_equal(ike_msg_decode(wire_rd_init(pieces[i - 1],
							    plen[i - 1]),
					     m),
			    IKE_OK);
			assert_int_equal(ike_sk_open(&sk.out, m, plain, sizeof(plain), &in), 0);
			rc = ike_frag_add(f, m, in, out, sizeof(out), &whole, &first);
			if (i > 1) {
				assert_int_equal(rc, 0);
				continue;
			}
			assert_int_equal(rc, 1);
			assert_int_equal(first, IKE_PL_VENDOR);
			assert_int_equal(wire_left(&whole), 693);
			assert_memory_equal(whole.p, chain, 693);
			memset(m, 0, sizeof(*m));
			assert_int_equal(ike_msg_decode_inner(m, first, whole), IKE_OK);
			assert_int_equal(m->nvendor, 3);
			n = wire_left(&m->vendor[2]);
			assert_int_equal(n, 227);
		}
		ike_sk_wipe(&sk);
		ike_keys_wipe(k);
		free(k);
	}
	/* too small a size for any piece */
	{
		struct ike_sk_dir d = { .encr = IKE_ENCR_AES_GCM_16, .keylen = 128 };

		assert_int_equal(ike_frag_chunk_len(&d, 50), 0);
		assert_int_equal(ike_frag_chunk_len(&d, 28 + 8 + 8 + 16 + 2), 1);
	}
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_sealed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
