/* tests/unit/vpn/test_ike_sk.c - SK/SKF protection: GCM spec vectors, round trips per suite, tampering, padding, fragments. */
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

#include <openssl/evp.h>

#include "tests/unit/include/test_hex.h"
#include "vpn/ike_crypto.h"
#include "vpn/ike_local.h"

/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test
 * cases 3 and 4 (AES-128), 15 and 16 (AES-256): the 96-bit IV split as
 * the SK payload splits it, 4-byte salt | 8-byte IV. */
#define GCM_P64                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define GCM_P60                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_A	 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_K128 "feffe9928665731c6d6a8f9467308308"
#define GCM_K256 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"

/* clang-format off */
static const struct {
	const char	*name, *key, *aad, *pt, *ct, *tag;
} gcm_vec[] = {
	{ "case 3", GCM_K128, "", GCM_P64,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "case 4", GCM_K128, GCM_A, GCM_P60,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "case 15", GCM_K256, "", GCM_P64,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "case 16", GCM_K256, GCM_A, GCM_P60,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};
/* clang-format on */

static void
test_gcm_vectors(void **state)
{
	static const uint8_t salt[4] = { 0xca, 0xfe, 0xba, 0xbe };
	static const uint8_t iv[8] = { 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88 };

	for (size_t i = 0; i < sizeof(gcm_vec) / sizeof(gcm_vec[0]); i++) {
		uint8_t key[32], aad[32], pt[64], ct[64], tag[16], out[64], t[16];
		size_t	kl = hex2bin(gcm_vec[i].key, key, sizeof(key));
		size_t	al = hex2bin(gcm_vec[i].aad, aad, sizeof(aad));
		size_t	pl = hex2bin(gcm_vec[i].pt, pt, sizeof(pt));
		size_t	cl = hex2bin(gcm_vec[i].ct, ct, sizeof(ct));

		assert_int_equal(hex2bin(gcm_vec[i].tag, tag, sizeof(tag)), 16);
		assert_int_equal(cl, pl);
		assert_int_equal(ike_gcm_seal(key, kl, salt, iv, aad, al, pt, pl, out, t), 0);
		if (memcmp(out, ct, cl) != 0 || memcmp(t, tag, 16) != 0)
			fail_msg("GCM %s: wrong ciphertext or tag", gcm_vec[i].name);
		assert_int_equal(ike_gcm_open(key, kl, salt, iv, aad, al, ct, cl, tag, out), 0);
		assert_memory_equal(out, pt, pl);
		tag[15] ^= 1;
		assert_int_equal(ike_gcm_open(key, kl, salt, iv, aad, al, ct, cl, tag, out),
		    -EBADMSG);
		tag[15] ^= 1;
		if (al > 0) {
			aad[0] ^= 0x80; /* the AAD is authenticated */
			assert_int_equal(ike_gcm_open(key, kl, salt, iv, aad, al, ct, cl, tag,
					     out),
			    -EBADMSG);
		}
	}
}

/* ---- a pair of SAs over keys derived the real way ---- */

struct pair {
	struct ike_suite s;
	struct ike_sk	 i, r; /* initiator's and responder's view */
};

static void
pair_init(struct pair *p, uint16_t encr, uint16_t keylen, uint16_t integ)
{
	struct ike_keys *k = malloc(sizeof(*k));
	struct secret	 g;
	uint8_t		 ni[32], nr[32];

	assert_non_null(k);
	memset(p, 0, sizeof(*p));
	p->s = (struct ike_suite){ .proto = IPSEC_PROTO_IKE,
		.encr = encr,
		.encr_keylen = keylen,
		.integ = integ,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.dh = IKE_DH_ECP256 };
	memset(ni, 0x11, sizeof(ni));
	memset(nr, 0x22, sizeof(nr));
	assert_int_equal(secret_set(&g, "shared secret of the test", 25), 0);
	assert_int_equal(ike_keys_from_dh(&p->s, &g, wire_rd_init(ni, 32), wire_rd_init(nr, 32),
			     0x0102030405060708ULL, 0x1112131415161718ULL, k),
	    0);
	assert_int_equal(ike_sk_init(&p->i, &p->s, k, true), 0);
	assert_int_equal(ike_sk_init(&p->r, &p->s, k, false), 0);
	ike_keys_wipe(k);
	secret_wipe(&g);
	free(k);
}

static void
pair_fini(struct pair *p)
{
	ike_sk_wipe(&p->i);
	ike_sk_wipe(&p->r);
}

/* An IKE_AUTH-like request with inner payloads of inner_len nonce bytes
 * (16..256) and an ID; returns the message length. */
static size_t
seal_msg(struct ike_sk_dir *d, uint8_t *buf, size_t cap, size_t nonce_len, int *rc)
{
	struct wire_wr w = wire_wr_init(buf, cap);
	struct ike_enc e;
	struct ike_hdr h = { .ispi = 0x0102030405060708ULL,
		.rspi = 0x1112131415161718ULL,
		.exchange = IKE_AUTH,
		.flags = IKE_FLAG_INITIATOR,
		.msgid = 1 };
	uint8_t	       nonce[256];

	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(i + 1);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, d);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, "a.example", 9);
	ike_enc_nonce(&e, nonce, nonce_len);
	*rc = ike_sk_seal(d, &e);
	return wire_wr_len(&w);
}

/* Decode + open; 0 and the inner chain decoded, or the failure. */
static int
open_msg(const struct ike_sk_dir *d, const uint8_t *msg, size_t len, struct ike_msg *m,
    uint8_t *plain, size_t cap)
{
	struct wire_rd inner;
	int	       rc;

	if (ike_msg_decode(wire_rd_init(msg, len), m) != IKE_OK)
		return -EPROTO;
	if ((rc = ike_sk_open(d, m, plain, cap, &inner)) != 0)
		return rc;
	return ike_msg_decode_inner(m, m->sk.first, inner) == IKE_OK ? 0 : -EPROTO;
}

static const struct {
	uint16_t encr, keylen, integ;
} suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, 0 },
	{ IKE_ENCR_AES_GCM_16, 192, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_512_256 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_512_256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
};

static void
test_roundtrip(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t		a[1024], b[1024], plain[1024];

	assert_non_null(m);
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		struct pair p;
		size_t	    icv = suites[c].integ ? ike_integ_icv_len(suites[c].integ) : 16;
		size_t	    ivl = suites[c].integ ? 16 : 8;

		pair_init(&p, suites[c].encr, suites[c].keylen, suites[c].integ);
		/* every padding length (CBC blocks of 16) */
		for (size_t nl = 16; nl < 16 + 17; nl++) {
			int    rc;
			size_t la = seal_msg(&p.i.out, a, sizeof(a), nl, &rc), lb,
			       inner = 17 + 4 + nl;

			assert_int_equal(rc, 0);
			assert_int_equal(open_msg(&p.r.in, a, la, m, plain, sizeof(plain)), 0);
			assert_int_equal(m->idi.type, IKE_ID_FQDN);
			assert_int_equal(wire_left(&m->nonce), nl);
			assert_int_equal(m->nonce.p[nl - 1], (uint8_t)nl);
			/* the layout: header, SK header, IV, inner + pad + 1, ICV */
			assert_int_equal(a[16], IKE_PL_SK);
			assert_int_equal(a[IKE_HDR_LEN], IKE_PL_IDI);
			if (suites[c].integ)
				assert_int_equal((la - IKE_HDR_LEN - 4 - ivl - icv) % 16, 0);
			else /* GCM: no padding at all, only the pad length */
				assert_int_equal(la, IKE_HDR_LEN + 4 + ivl + inner + 1 + icv);
			assert_true(la - IKE_HDR_LEN - inner <= ike_sk_overhead(&p.i.out));
			/* the same message twice: a different IV and ciphertext */
			lb = seal_msg(&p.i.out, b, sizeof(b), nl, &rc);
			assert_int_equal(rc, 0);
			assert_int_equal(lb, la);
			assert_memory_not_equal(a + IKE_HDR_LEN + 4, b + IKE_HDR_LEN + 4, ivl);
			/* our own message does not open with our inbound keys */
			assert_int_equal(open_msg(&p.i.in, a, la, m, plain, sizeof(plain)),
			    -EBADMSG);
			/* the answer goes the other way */
			lb = seal_msg(&p.r.out, b, sizeof(b), nl, &rc);
			assert_int_equal(open_msg(&p.i.in, b, lb, m, plain, sizeof(plain)), 0);
			/* too small an output buffer */
			assert_int_equal(ike_msg_decode(wire_rd_init(a, la), m), IKE_OK);
			{
				struct wire_rd in;

				assert_int_equal(ike_sk_open(&p.r.in, m, plain, inner, &in),
				    -EMSGSIZE);
			}
		}
		pair_fini(&p);
	}
	free(m);
}

/* Every byte of a protected message matters: flip one bit anywhere and
 * the message either does not decode or does not open. */
static void
test_tamper(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t		a[1024], t[1024], plain[1024];

	assert_non_null(m);
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		struct pair p;
		int	    rc;
		size_t	    la;

		pair_init(&p, suites[c].encr, suites[c].keylen, suites[c].integ);
		la = seal_msg(&p.i.out, a, sizeof(a), 23, &rc);
		assert_int_equal(rc, 0);
		for (size_t k = 0; k < la; k++) {
			for (int bit = 0; bit < 8; bit += 7) {
				memcpy(t, a, la);
				t[k] ^= (uint8_t)(1 << bit);
				rc = open_msg(&p.r.in, t, la, m, plain, sizeof(plain));
				if (rc == 0)
					fail_msg(
					    "suite %zu: flipping bit %d of byte %zu went unnoticed",
					    c, bit, k);
			}
		}
		/* cut short (length field patched) */
		for (size_t k = IKE_HDR_LEN; k < la; k++) {
			memcpy(t, a, k);
			t[26] = (uint8_t)(k >> 8);
			t[27] = (uint8_t)k;
			assert_int_not_equal(open_msg(&p.r.in, t, k, m, plain, sizeof(plain)),
			    0);
		}
		pair_fini(&p);
	}
	free(m);
}

/*
 * Receive side padding rules (RFC 7296 3.14): any padding content is
 * fine, a pad length that does not fit is not. The messages are made by
 * hand here with the raw primitives, from the same keys.
 */
static size_t
hand_seal(const struct ike_sk_dir *d, const uint8_t *inner, size_t ilen, const uint8_t *pad,
    size_t padlen, uint8_t padbyte, uint8_t *out)
{
	size_t	 ivl = ike_sk_iv_len(d), icv = d->integ ? ike_integ_icv_len(d->integ) : 16;
	size_t	 ctlen = ilen + padlen + 1, len = IKE_HDR_LEN + 4 + ivl + ctlen + icv;
	uint8_t *iv = out + IKE_HDR_LEN + 4, *ct = iv + ivl, pt[512];
	static const uint8_t hdr[IKE_HDR_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7,
		8, IKE_PL_SK, 0x20, IKE_AUTH, IKE_FLAG_INITIATOR, 0, 0, 0, 1 };

	memcpy(out, hdr, IKE_HDR_LEN);
	out[24] = out[25] = 0;
	out[26] = (uint8_t)(len >> 8);
	out[27] = (uint8_t)len;
	out[IKE_HDR_LEN] = IKE_PL_NONCE;
	out[IKE_HDR_LEN + 1] = 0;
	out[IKE_HDR_LEN + 2] = (uint8_t)((len - IKE_HDR_LEN) >> 8);
	out[IKE_HDR_LEN + 3] = (uint8_t)(len - IKE_HDR_LEN);
	memcpy(pt, inner, ilen);
	memcpy(pt + ilen, pad, padlen);
	pt[ilen + padlen] = padbyte;
	memset(iv, 0x5a, ivl);
	if (d->integ == IKE_INTEG_NONE) {
		size_t kl = secret_len(&d->ek);

		assert_int_equal(ike_gcm_seal(secret_data(&d->ek), kl - 4,
				     secret_data(&d->ek) + kl - 4, iv, out, (size_t)(iv - out),
				     pt, ctlen, ct, ct + ctlen),
		    0);
	} else {
		EVP_CIPHER_CTX	 *cc = EVP_CIPHER_CTX_new();
		const EVP_CIPHER *cp = d->keylen == 128 ? EVP_aes_128_cbc() :
		    d->keylen == 192			? EVP_aes_192_cbc() :
							  EVP_aes_256_cbc();
		const char	 *md = d->integ == IKE_INTEG_HMAC_SHA1_96 ? "SHA1" :
			  d->integ == IKE_INTEG_HMAC_SHA2_256_128	  ? "SHA256" :
			  d->integ == IKE_INTEG_HMAC_SHA2_384_192	  ? "SHA384" :
									    "SHA512";
		uint8_t		  mac[64];
		size_t		  ml;
		int		  n;

		assert_int_equal(ctlen % 16, 0);
		assert_non_null(cc);
		assert_true(EVP_EncryptInit_ex(cc, cp, NULL, secret_data(&d->ek), iv));
		EVP_CIPHER_CTX_set_padding(cc, 0);
		assert_true(EVP_EncryptUpdate(cc, ct, &n, pt, (int)ctlen));
		EVP_CIPHER_CTX_free(cc);
		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, secret_data(&d->ak),
		    secret_len(&d->ak), out, len - icv, mac, sizeof(mac), &ml));
		memcpy(ct + ctlen, mac, icv);
	}
	return len;
}

static void
test_padding_rules(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t		inner[20], pad[64], msg[512], plain[512];
	struct wire_rd	in;

	assert_non_null(m);
	/* a nonce payload of 16 bytes is the inner chain */
	inner[0] = 0;
	inner[1] = 0;
	inner[2] = 0;
	inner[3] = 20;
	memset(inner + 4, 0x77, 16);
	memset(pad, 0xc3, sizeof(pad)); /* padding that is not zeros */
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		struct pair p;
		size_t	    len, padlen = suites[c].integ ? 11 : 7;

		pair_init(&p, suites[c].encr, suites[c].keylen, suites[c].integ);
		/* any content, even a longer padding than needed: accepted */
		len = hand_seal(&p.i.out, inner, 20, pad, padlen + (suites[c].integ ? 16 : 0),
		    (uint8_t)(padlen + (suites[c].integ ? 16 : 0)), msg);
		assert_int_equal(ike_msg_decode(wire_rd_init(msg, len), m), IKE_OK);
		assert_int_equal(ike_sk_open(&p.r.in, m, plain, sizeof(plain), &in), 0);
		assert_int_equal(wire_left(&in), 20);
		assert_memory_equal(in.p, inner, 20);
		/* a pad length beyond the plaintext: refused */
		len = hand_seal(&p.i.out, inner, 20, pad, padlen, 0xff, msg);
		assert_int_equal(ike_msg_decode(wire_rd_init(msg, len), m), IKE_OK);
		assert_int_equal(ike_sk_open(&p.r.in, m, plain, sizeof(plain), &in), -EBADMSG);
		pair_fini(&p);
	}
	free(m);
}

/* Short bodies and CBC bodies that are not whole blocks are refused
 * before any crypto. */
static void
test_short_bodies(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t		msg[256], plain[256];
	struct wire_rd	in;
	struct pair	g, c;

	assert_non_null(m);
	pair_init(&g, IKE_ENCR_AES_GCM_16, 128, 0);
	pair_init(&c, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128);
	for (size_t body = 1; body < 64; body++) {
		size_t len = IKE_HDR_LEN + 4 + body;

		memset(msg, 0, sizeof(msg));
		msg[0] = 1;
		msg[16] = IKE_PL_SK;
		msg[17] = 0x20;
		msg[18] = IKE_AUTH;
		msg[27] = (uint8_t)len;
		msg[IKE_HDR_LEN + 3] = (uint8_t)(4 + body);
		assert_int_equal(ike_msg_decode(wire_rd_init(msg, len), m), IKE_OK);
		/* GCM needs IV 8 + 1 + ICV 16; CBC IV 16 + blocks + ICV 16 */
		if (body < 25)
			assert_int_equal(ike_sk_open(&g.r.in, m, plain, sizeof(plain), &in),
			    -EBADMSG);
		if (body < 48 || (body - 32) % 16 != 0)
			assert_int_equal(ike_sk_open(&c.r.in, m, plain, sizeof(plain), &in),
			    -EBADMSG);
	}
	/* a message without SK is not for ike_sk_open */
	{
		size_t len = IKE_HDR_LEN;

		memset(msg, 0, sizeof(msg));
		msg[0] = 1;
		msg[17] = 0x20;
		msg[27] = (uint8_t)len;
		assert_int_equal(ike_msg_decode(wire_rd_init(msg, len), m), IKE_OK);
		assert_int_equal(ike_sk_open(&g.r.in, m, plain, sizeof(plain), &in), -EINVAL);
	}
	pair_fini(&g);
	pair_fini(&c);
	free(m);
}

/* RFC 7383: each fragment protected alone; the fragment number and
 * total are covered. */
static void
test_fragments(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t		chain[64], msg[512], plain[512], reasm[128];
	size_t		reasm_len = 0;
	struct wire_rd	in;

	assert_non_null(m);
	/* an inner chain (one Nonce payload) cut into three pieces */
	chain[0] = 0;
	chain[1] = 0;
	chain[2] = 0;
	chain[3] = 40;
	for (int i = 0; i < 36; i++)
		chain[4 + i] = (uint8_t)(0xa0 + i);
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		struct pair p;

		pair_init(&p, suites[c].encr, suites[c].keylen, suites[c].integ);
		reasm_len = 0;
		for (uint16_t f = 1; f <= 3; f++) {
			struct wire_wr w = wire_wr_init(msg, sizeof(msg));
			struct ike_enc e;
			struct ike_hdr h = { .ispi = 1,
				.rspi = 2,
				.exchange = IKE_AUTH,
				.flags = IKE_FLAG_INITIATOR,
				.msgid = 1 };
			size_t	       len, take = f < 3 ? 15 : 10, k;

			ike_enc_init(&e, &w, &h);
			ike_enc_skf_begin(&e, ike_sk_iv_len(&p.i.out),
			    f == 1 ? IKE_PL_NONCE : 0, f, 3);
			ike_enc_bytes(&e, chain + 15 * (f - 1), take);
			assert_int_equal(ike_sk_seal(&p.i.out, &e), 0);
			len = wire_wr_len(&w);
			assert_int_equal(ike_msg_decode(wire_rd_init(msg, len), m), IKE_OK);
			assert_int_equal(m->sk.frag_num, f);
			assert_int_equal(m->sk.frag_total, 3);
			assert_int_equal(m->sk.first, f == 1 ? IKE_PL_NONCE : 0);
			assert_int_equal(ike_sk_open(&p.r.in, m, plain, sizeof(plain), &in), 0);
			assert_int_equal(wire_left(&in), take);
			memcpy(reasm + reasm_len, in.p, take);
			reasm_len += take;
			/* the fragment number and total are authenticated */
			for (k = IKE_HDR_LEN + 4; k < IKE_HDR_LEN + 8; k++) {
				msg[k] ^= 0x01;
				if (ike_msg_decode(wire_rd_init(msg, len), m) == IKE_OK)
					assert_int_equal(ike_sk_open(&p.r.in, m, plain,
							     sizeof(plain), &in),
					    -EBADMSG);
				msg[k] ^= 0x01;
			}
		}
		/* the pieces make the chain again */
		assert_int_equal(reasm_len, 40);
		memset(m, 0, sizeof(*m));
		assert_int_equal(ike_msg_decode_inner(m, IKE_PL_NONCE, wire_rd_init(reasm, 40)),
		    IKE_OK);
		assert_int_equal(wire_left(&m->nonce), 36);
		pair_fini(&p);
	}
	free(m);
}

static void
test_init_errors(void **state)
{
	struct ike_keys *k = calloc(1, sizeof(*k));
	struct ike_suite s = { .proto = IPSEC_PROTO_IKE,
		.encr = IKE_ENCR_AES_GCM_16,
		.encr_keylen = 256,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.dh = 19 };
	struct ike_sk	 sk;
	uint8_t		 z[64] = { 0 };
	struct ike_enc	 e;
	struct wire_wr	 w;
	uint8_t		 buf[64];
	struct ike_hdr	 h = { .ispi = 1 };

	assert_non_null(k);
	secret_set(&k->ei, z, 36);
	secret_set(&k->er, z, 36);
	assert_int_equal(ike_sk_init(&sk, &s, k, true), 0);
	ike_sk_wipe(&sk);
	secret_set(&k->er, z, 32); /* salt missing */
	assert_int_equal(ike_sk_init(&sk, &s, k, true), -EINVAL);
	assert_int_equal(secret_len(&sk.out.ek), 0);
	s.integ = IKE_INTEG_HMAC_SHA2_256_128; /* AEAD with integrity */
	assert_int_equal(ike_sk_init(&sk, &s, k, false), -EINVAL);
	s.encr = IKE_ENCR_3DES;
	assert_int_equal(ike_sk_init(&sk, &s, k, false), -ENOTSUP);
	/* sealing without an open SK, or into too small a buffer */
	s = (struct ike_suite){ .proto = IPSEC_PROTO_IKE,
		.encr = IKE_ENCR_AES_GCM_16,
		.encr_keylen = 256,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.dh = 19 };
	secret_set(&k->er, z, 36);
	assert_int_equal(ike_sk_init(&sk, &s, k, true), 0);
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	assert_int_equal(ike_sk_seal(&sk.out, &e), -EINVAL);
	w = wire_wr_init(buf, 50);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sk.out);
	ike_enc_vendor(&e, z, 8);
	assert_int_equal(ike_sk_seal(&sk.out, &e), -EMSGSIZE);
	ike_sk_wipe(&sk);
	free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_vectors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_padding_rules),
		cmocka_unit_test(test_short_bodies),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
