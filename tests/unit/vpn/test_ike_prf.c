/* tests/unit/vpn/test_ike_prf.c - prf (RFC 2202/4231 vectors), prf+ against a plain re-computation, SKEYSEED, SA keys, KEYMAT, rekey. */
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

/* RFC 2202 (HMAC-SHA-1) and RFC 4231 (HMAC-SHA-2) test cases 1, 2 and 6:
 * short key, short "Jefe" key, and a key longer than the hash block (as
 * Ni | Nr is for SKEYSEED). */
static const struct {
	uint16_t    prf;
	const char *key, *data, *mac;
} hmac_vec[] = {
	{ IKE_PRF_HMAC_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	    "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ IKE_PRF_HMAC_SHA1, "4a656665", "what do ya want for nothing?",
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ IKE_PRF_HMAC_SHA1, "aa*80", "Test Using Larger Than Block-Size Key - Hash Key First",
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ IKE_PRF_HMAC_SHA2_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ IKE_PRF_HMAC_SHA2_256, "4a656665", "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ IKE_PRF_HMAC_SHA2_256, "aa*131",
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ IKE_PRF_HMAC_SHA2_384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	    "faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ IKE_PRF_HMAC_SHA2_384, "4a656665", "what do ya want for nothing?",
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649" },
	{ IKE_PRF_HMAC_SHA2_384, "aa*131",
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	    "0c2ef6ab4030fe8296248df163f44952" },
	{ IKE_PRF_HMAC_SHA2_512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ IKE_PRF_HMAC_SHA2_512, "4a656665", "what do ya want for nothing?",
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ IKE_PRF_HMAC_SHA2_512, "aa*131",
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
};

static const char *
prf_md(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	}
	fail();
	return NULL;
}

/* The reference: OpenSSL's one-shot MAC, a different path from ours. */
static size_t
ref_hmac(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *d, size_t dlen,
    uint8_t *out)
{
	size_t n = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, prf_md(prf), NULL, key, klen, d, dlen,
	    out, 64, &n));
	return n;
}

/* prf+ written out the plain way: build T(n-1) | S | n, MAC it, append. */
static void
ref_prfplus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *s, size_t slen,
    uint8_t *out, size_t len)
{
	uint8_t *msg = malloc(64 + slen + 1), t[64], *all = malloc(255 * 64);
	size_t	 tl = 0, have = 0;

	assert_non_null(msg);
	assert_non_null(all);
	for (unsigned n = 1; have < len; n++) {
		size_t ml = 0;

		memcpy(msg, t, tl);
		ml += tl;
		memcpy(msg + ml, s, slen);
		ml += slen;
		msg[ml++] = (uint8_t)n;
		tl = ref_hmac(prf, key, klen, msg, ml, t);
		memcpy(all + have, t, tl);
		have += tl;
	}
	memcpy(out, all, len);
	free(msg);
	free(all);
}

static size_t
key_of(const char *spec, uint8_t *out, size_t cap)
{
	unsigned x, n;

	if (sscanf(spec, "%2x*%u", &x, &n) == 2) {
		assert_true(n <= cap);
		memset(out, (int)x, n);
		return n;
	}
	return hex2bin(spec, out, cap);
}

static void
test_prf_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(hmac_vec) / sizeof(hmac_vec[0]); i++) {
		uint8_t	       key[200], want[64], got[64];
		size_t	       kl = key_of(hmac_vec[i].key, key, sizeof(key));
		size_t	       wl = hex2bin(hmac_vec[i].mac, want, sizeof(want));
		const char    *d = hmac_vec[i].data;
		struct wire_rd whole = wire_rd_init(d, strlen(d));
		struct wire_rd split[3] = { wire_rd_init(d, 3), wire_rd_init(d + 3, 0),
			wire_rd_init(d + 3, strlen(d) - 3) };

		assert_int_equal(ike_prf_len(hmac_vec[i].prf), wl);
		memset(got, 0, sizeof(got));
		assert_int_equal(ike_prf(hmac_vec[i].prf, key, kl, &whole, 1, got), 0);
		assert_memory_equal(got, want, wl);
		/* the parts are one message however they are cut */
		memset(got, 0, sizeof(got));
		assert_int_equal(ike_prf(hmac_vec[i].prf, key, kl, split, 3, got), 0);
		assert_memory_equal(got, want, wl);
	}
	{
		uint8_t	       out[64];
		struct wire_rd d = wire_rd_init("x", 1);

		assert_int_equal(ike_prf(IKE_PRF_HMAC_MD5, (const uint8_t *)"k", 1, &d, 1, out),
		    -ENOTSUP);
		assert_int_equal(ike_prf(IKE_PRF_AES128_XCBC, (const uint8_t *)"k", 1, &d, 1,
				     out),
		    -ENOTSUP);
	}
}

static const uint16_t prfs[] = {
	IKE_PRF_HMAC_SHA1,
	IKE_PRF_HMAC_SHA2_256,
	IKE_PRF_HMAC_SHA2_384,
	IKE_PRF_HMAC_SHA2_512,
};

static void
test_prfplus(void **state)
{
	static const size_t lens[] = { 1, 19, 20, 21, 31, 32, 33, 63, 64, 65, 100, 392, 1000 };
	uint8_t	       key[48], seed[70], *got = malloc(255 * 64 + 1), *want = malloc(255 * 64);
	struct wire_rd parts[3];

	assert_non_null(got);
	assert_non_null(want);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0xa0 ^ i);
	parts[0] = wire_rd_init(seed, 32);
	parts[1] = wire_rd_init(seed + 32, 22);
	parts[2] = wire_rd_init(seed + 54, 16);
	for (size_t p = 0; p < sizeof(prfs) / sizeof(prfs[0]); p++) {
		size_t hl = ike_prf_len(prfs[p]);

		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			ref_prfplus(prfs[p], key, sizeof(key), seed, sizeof(seed), want,
			    lens[l]);
			memset(got, 0, lens[l]);
			assert_int_equal(ike_prfplus(prfs[p], key, sizeof(key), parts, 3, got,
					     lens[l]),
			    0);
			assert_memory_equal(got, want, lens[l]);
		}
		/* the counter is one octet: 255 blocks at most */
		assert_int_equal(ike_prfplus(prfs[p], key, sizeof(key), parts, 3, got,
				     255 * hl),
		    0);
		ref_prfplus(prfs[p], key, sizeof(key), seed, sizeof(seed), want, 255 * hl);
		assert_memory_equal(got, want, 255 * hl);
		assert_int_equal(ike_prfplus(prfs[p], key, sizeof(key), parts, 3, got,
				     255 * hl + 1),
		    -EINVAL);
	}
	/* T1 is prf(K, S | 0x01): the first block alone, by hand */
	{
		uint8_t m[71], t1[64];

		memcpy(m, seed, sizeof(seed));
		m[70] = 1;
		ref_hmac(IKE_PRF_HMAC_SHA2_256, key, sizeof(key), m, sizeof(m), t1);
		assert_int_equal(ike_prfplus(IKE_PRF_HMAC_SHA2_256, key, sizeof(key), parts, 3,
				     got, 32),
		    0);
		assert_memory_equal(got, t1, 32);
	}
	free(got);
	free(want);
}

/* Fixed inputs of an IKE_SA_INIT: nonces, g^ir, SPIs. */
static uint8_t	      ni[32], nr[48];
static struct secret  gir;
static const uint64_t spii = 0x8899aabbccddeeffULL, spir = 0x0011223344556677ULL;

static int
setup(void **state)
{
	uint8_t g[256];

	for (size_t i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(nr); i++)
		nr[i] = (uint8_t)(i * 13 + 5);
	for (size_t i = 0; i < sizeof(g); i++)
		g[i] = (uint8_t)(i ^ 0x5c);
	return secret_set(&gir, g, sizeof(g));
}

static void
test_skeyseed(void **state)
{
	uint8_t	      key[80], want[64];
	struct secret s;

	for (size_t p = 0; p < sizeof(prfs) / sizeof(prfs[0]); p++) {
		size_t wl;

		/* RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
		memcpy(key, ni, sizeof(ni));
		memcpy(key + sizeof(ni), nr, sizeof(nr));
		wl = ref_hmac(prfs[p], key, sizeof(key), secret_data(&gir), secret_len(&gir),
		    want);
		assert_int_equal(ike_skeyseed(prfs[p], wire_rd_init(ni, sizeof(ni)),
				     wire_rd_init(nr, sizeof(nr)), &gir, &s),
		    0);
		assert_int_equal(secret_len(&s), wl);
		assert_memory_equal(secret_data(&s), want, wl);
	}
	/* nonces out of range are refused, nothing left behind */
	{
		uint8_t big[300] = { 0 };

		assert_int_equal(ike_skeyseed(IKE_PRF_HMAC_SHA2_256,
				     wire_rd_init(big, sizeof(big)),
				     wire_rd_init(nr, sizeof(nr)), &gir, &s),
		    -EINVAL);
		assert_int_equal(secret_len(&s), 0);
	}
}

struct suite_case {
	const char	*name;
	struct ike_suite s;
	size_t		 plen, alen, elen;
};

/* clang-format off */
static const struct suite_case suites[] = {
	{ "aes256gcm16-prfsha512", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_GCM_16,
	    .encr_keylen = 256, .prf = IKE_PRF_HMAC_SHA2_512, .dh = 20 }, 64, 0, 36 },
	{ "aes128gcm16-prfsha256", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_GCM_16,
	    .encr_keylen = 128, .prf = IKE_PRF_HMAC_SHA2_256, .dh = 19 }, 32, 0, 20 },
	{ "aes128-sha256-prfsha256", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_CBC,
	    .encr_keylen = 128, .integ = IKE_INTEG_HMAC_SHA2_256_128, .prf = IKE_PRF_HMAC_SHA2_256,
	    .dh = 14 }, 32, 32, 16 },
	{ "aes192-sha384-prfsha384", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_CBC,
	    .encr_keylen = 192, .integ = IKE_INTEG_HMAC_SHA2_384_192, .prf = IKE_PRF_HMAC_SHA2_384,
	    .dh = 20 }, 48, 48, 24 },
	{ "aes256-sha512-prfsha512", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_CBC,
	    .encr_keylen = 256, .integ = IKE_INTEG_HMAC_SHA2_512_256, .prf = IKE_PRF_HMAC_SHA2_512,
	    .dh = 21 }, 64, 64, 32 },
	{ "aes128-sha1-prfsha1", { .proto = IPSEC_PROTO_IKE, .encr = IKE_ENCR_AES_CBC,
	    .encr_keylen = 128, .integ = IKE_INTEG_HMAC_SHA1_96, .prf = IKE_PRF_HMAC_SHA1,
	    .dh = 2 }, 20, 20, 16 },
};
/* clang-format on */

static void
assert_slice(const struct secret *k, const uint8_t *km, size_t *off, size_t len)
{
	assert_int_equal(secret_len(k), len);
	if (len)
		assert_memory_equal(secret_data(k), km + *off, len);
	*off += len;
}

static void
test_keys(void **state)
{
	struct ike_keys *k = malloc(sizeof(*k)), *k2 = malloc(sizeof(*k2));
	uint8_t		 seed[32 + 48 + 16], km[600];
	struct secret	 sks;

	assert_non_null(k);
	assert_non_null(k2);
	memcpy(seed, ni, 32);
	memcpy(seed + 32, nr, 48);
	for (int i = 0; i < 8; i++) {
		seed[80 + i] = (uint8_t)(spii >> (56 - 8 * i));
		seed[88 + i] = (uint8_t)(spir >> (56 - 8 * i));
	}
	for (size_t c = 0; c < sizeof(suites) / sizeof(suites[0]); c++) {
		const struct suite_case *sc = &suites[c];
		size_t total = 3 * sc->plen + 2 * sc->alen + 2 * sc->elen, off = 0;

		assert_int_equal(ike_skeyseed(sc->s.prf, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), &gir, &sks),
		    0);
		assert_int_equal(ike_keys_derive(&sc->s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    0);
		/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
		 *     prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
		ref_prfplus(sc->s.prf, secret_data(&sks), secret_len(&sks), seed, sizeof(seed),
		    km, total);
		assert_slice(&k->d, km, &off, sc->plen);
		assert_slice(&k->ai, km, &off, sc->alen);
		assert_slice(&k->ar, km, &off, sc->alen);
		assert_slice(&k->ei, km, &off, sc->elen);
		assert_slice(&k->er, km, &off, sc->elen);
		assert_slice(&k->pi, km, &off, sc->plen);
		assert_slice(&k->pr, km, &off, sc->plen);
		assert_int_equal(off, total);
		/* both steps at once give the same keys */
		assert_int_equal(ike_keys_from_dh(&sc->s, &gir, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k2),
		    0);
		assert_true(secret_eq(&k->d, &k2->d) && secret_eq(&k->ei, &k2->ei) &&
		    secret_eq(&k->pr, &k2->pr) && secret_eq(&k->ar, &k2->ar));
		/* swapping the SPIs changes everything */
		assert_int_equal(ike_keys_from_dh(&sc->s, &gir, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spir, spii, k2),
		    0);
		assert_false(secret_eq(&k->d, &k2->d));
	}
	/* suites we cannot run */
	{
		struct ike_suite s = suites[0].s;

		s.integ = IKE_INTEG_HMAC_SHA2_256_128; /* AEAD + integrity */
		assert_int_equal(ike_keys_derive(&s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    -EINVAL);
		assert_int_equal(secret_len(&k->d), 0);
		s = suites[2].s;
		s.integ = IKE_INTEG_NONE; /* CBC without integrity */
		assert_int_equal(ike_keys_derive(&s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    -EINVAL);
		s = suites[2].s;
		s.prf = IKE_PRF_AES128_XCBC;
		assert_int_equal(ike_keys_derive(&s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    -ENOTSUP);
		s = suites[2].s;
		s.encr = IKE_ENCR_3DES;
		assert_int_equal(ike_keys_derive(&s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    -ENOTSUP);
		s = suites[2].s;
		s.encr_keylen = 0; /* AES without a key length */
		assert_int_equal(ike_keys_derive(&s, &sks, wire_rd_init(ni, 32),
				     wire_rd_init(nr, 48), spii, spir, k),
		    -ENOTSUP);
	}
	ike_keys_wipe(k);
	assert_int_equal(secret_len(&k->pi), 0);
	secret_wipe(&sks);
	free(k);
	free(k2);
}

static void
test_child_keys(void **state)
{
	static const struct ike_suite esp[] = {
		{ .proto = IPSEC_PROTO_ESP, .encr = IKE_ENCR_AES_GCM_16, .encr_keylen = 256 },
		{ .proto = IPSEC_PROTO_ESP, .encr = IKE_ENCR_AES_GCM_16, .encr_keylen = 128 },
		{ .proto = IPSEC_PROTO_ESP,
		    .encr = IKE_ENCR_AES_CBC,
		    .encr_keylen = 128,
		    .integ = IKE_INTEG_HMAC_SHA2_256_128 },
		{ .proto = IPSEC_PROTO_ESP,
		    .encr = IKE_ENCR_AES_CBC,
		    .encr_keylen = 256,
		    .integ = IKE_INTEG_HMAC_SHA2_512_256 },
	};
	static const size_t   elen[] = { 36, 20, 16, 32 }, alen[] = { 0, 0, 32, 64 };
	struct ike_child_keys k;
	struct secret	      skd;
	uint8_t		      km[400], seed[256 + 32 + 48], d[64];

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(0x99 - i);
	assert_int_equal(secret_set(&skd, d, 48), 0);
	for (size_t c = 0; c < sizeof(esp) / sizeof(esp[0]); c++) {
		size_t total = 2 * (elen[c] + alen[c]);

		for (int pfs = 0; pfs < 2; pfs++) {
			size_t sl = 0, off = 0;

			/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
			if (pfs) {
				memcpy(seed, secret_data(&gir), secret_len(&gir));
				sl = secret_len(&gir);
			}
			memcpy(seed + sl, ni, 32);
			memcpy(seed + sl + 32, nr, 48);
			sl += 80;
			ref_prfplus(IKE_PRF_HMAC_SHA2_384, d, 48, seed, sl, km, total);
			assert_int_equal(ike_child_keys_derive(IKE_PRF_HMAC_SHA2_384, &skd,
					     pfs ? &gir : NULL, wire_rd_init(ni, 32),
					     wire_rd_init(nr, 48), &esp[c], &k),
			    0);
			/* encryption then integrity; initiator->responder first */
			assert_slice(&k.ei, km, &off, elen[c]);
			assert_slice(&k.ai, km, &off, alen[c]);
			assert_slice(&k.er, km, &off, elen[c]);
			assert_slice(&k.ar, km, &off, alen[c]);
		}
	}
	ike_child_keys_wipe(&k);
	assert_int_equal(secret_len(&k.ei), 0);
	secret_wipe(&skd);
}

static void
test_rekey(void **state)
{
	struct secret skd, s;
	uint8_t	      d[64], msg[256 + 32 + 48], want[64];
	size_t	      wl;

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i + 3);
	assert_int_equal(secret_set(&skd, d, 64), 0);
	/* RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	memcpy(msg, secret_data(&gir), 256);
	memcpy(msg + 256, ni, 32);
	memcpy(msg + 288, nr, 48);
	wl = ref_hmac(IKE_PRF_HMAC_SHA2_512, d, 64, msg, sizeof(msg), want);
	assert_int_equal(ike_skeyseed_rekey(IKE_PRF_HMAC_SHA2_512, &skd, &gir,
			     wire_rd_init(ni, 32), wire_rd_init(nr, 48), &s),
	    0);
	assert_int_equal(secret_len(&s), wl);
	assert_memory_equal(secret_data(&s), want, wl);
	secret_wipe(&s);
	secret_wipe(&skd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_vectors),
		cmocka_unit_test(test_prfplus),
		cmocka_unit_test(test_skeyseed),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_child_keys),
		cmocka_unit_test(test_rekey),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
