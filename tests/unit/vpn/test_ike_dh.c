/* tests/unit/vpn/test_ike_dh.c - Diffie-Hellman: RFC 5903/7748/5114 vectors, agreement in every group, peer value checks. */
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

#include <openssl/bn.h>

#include "tests/unit/include/test_hex.h"
#include "vpn/ike_crypto.h"

/* RFC 5903 section 8: i, g^i = (gix, giy), r, g^r, the KE payloads
 * (generic header included) and the shared x coordinate. */
/* clang-format off */
static const struct {
	uint16_t	 group;
	const char	*i, *gi, *kei, *r, *gr, *girx;
} rfc5903[] = {
	{ IKE_DH_ECP256,
	  "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
	  "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
	  "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
	  "00000048 00130000 DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF"
	  "945D0C37 72581180 5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58"
	  "389E0577 B8990BB3",
	  "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
	  "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
	  "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
	  "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE" },
	{ IKE_DH_ECP384,
	  "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
	  "E35B5380 41E649EE 3FAEF896 783AB194",
	  "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
	  "DE3AC808 ACB4BDB4 C88732AE E95F41AA 9482ED1F C0EEB9CA FC498462 5CCFC23F"
	  "65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	  "00000068 00140000 667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3"
	  "1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA 9482ED1F C0EEB9CA"
	  "FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA"
	  "E69B4C63 4573A81C",
	  "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
	  "E0308312 916B8ED2 960E4BD5 5A7448FC",
	  "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
	  "0D1AC43A 0336DEF9 6FDA41D0 774A3571 DCFBEC7A ACF31964 72169E83 8430367F"
	  "66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
	  "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
	  "D6031355 69B9E9D0 9CF5D4A2 70F59746" },
	{ IKE_DH_ECP521,
	  "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
	  "95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D"
	  "4A52",
	  "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
	  "E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C"
	  "ED3E"
	  "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
	  "D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F"
	  "9582",
	  "0000008C 00150000 0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B"
	  "D98BAB43 57C9ECBE E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4"
	  "601723C4 195D176C ED3E017C AE20B664 1D2EEB69 5786D8C9 46146239 D099E18E"
	  "1D5A514C 739D7CB4 A10AD8A7 88015AC4 05D7799D C75E7B7D 5B6CF226 1A6A7F15"
	  "07438BF0 1BEB6CA3 926F9582",
	  "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
	  "9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168"
	  "5EB9",
	  "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
	  "9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9"
	  "460F"
	  "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
	  "220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F"
	  "C56A",
	  "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
	  "D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3"
	  "DDEA" },
};
/* clang-format on */

/* RFC 7748 6.1 (X25519: scalars and u-coordinates little-endian). */
static const char *x25519_a =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char *x25519_ga =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char *x25519_b =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char *x25519_gb =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char *x25519_k =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

/* RFC 5114 appendix A.3, the 2048-bit MODP group with 256-bit subgroup
 * (IKE group 24): xA, yA, xB, yB, ZZ. */
static const char *g24_xa = "0881382cdb87660c6dc13e614938d5b9c8b2f248581cc5e31b35454397fce50e";
static const char *g24_ya = "2e9380c8323af97545bc4941deb0ec3742c62fe0ece824a6abdbe66c59bee024"
			    "2911bfb967235ceba35ae13e4ec752be630b92dc4bde2847a9c62cb815274542"
			    "1fb7eb60a63c0fe9159fcce726ce7cd8523d7450667ef840e4919121eb5f01c8"
			    "c9b0d3d648a93bfb75689e8244ac134af544711ce79a02dcc34226684780dddc"
			    "b498594106c37f5bc79856487af5ab022a2e5e42f09897c1a85a11ea0212af04"
			    "d9b4cebc937c3c1a3e15a8a0342e337615c84e7fe3b8b9b87fb1e73a15af12a3"
			    "0d746e06dfc34f290d797ce51aa13aa785bf6658aff5e4b093003cbeaf665b3c"
			    "2e113a3a4e905269341dc0711426685f4ef37e868a8126ff3f2279b57ca67e29";
static const char *g24_xb = "7d62a7e3ef36de617b13d1afb82c780d83a23bd4ee6705645121f371f546a53d";
static const char *g24_yb = "575f0351bd2b1b817448bdf87a6c362c1e289d3903a30b9832c5741fa250363e"
			    "7acbc7f77f3dacbc1f131add8e03367eff8fbbb3e1c5784424809b25afe4d226"
			    "2a1a6fd2fab64105ca30a674e07f7809852088632fc049233791ad4edd083a97"
			    "8b883ee618bc5e0dd047415f2d95e683cf14826b5fbe10d3ce41c6c120c78ab2"
			    "0008c698bf7f0bcab9d7f407bed0f43afb2970f57f8d12043963e66ddd320d59"
			    "9ad9936c8f44137c08b180ec5e985cebe186f3d549677e80607331ee17af3380"
			    "a725b0782317d7dd43f59d7af9568a9bb63a84d365f92244ed120988219302f4"
			    "2924c7ca90b89d24f71b0ab697823d7deb1aff5b0e8e4a45d49f7f53757e1913";
static const char *g24_zz = "86c70bf8d0bb81bb01078a17219cb7d27203db2a19c877f1d1f19fd7d77ef225"
			    "46a68f005ad52dc84553b78fc60330be51ea7c0672cac1515e4b35c047b9a551"
			    "b88f39dc26da14a09ef74774d47c762dd177f9ed5bc2f11e52c879bd95098504"
			    "cd9eecd8a8f9b3efbd1f008ac5853097d9d1837f2b18f77cd7be01af80a7c7b5"
			    "ea3ca54cc02d0c116fee3f95bb87399385875d7e86747e676e728938acbff709"
			    "8e05be4dcfb24052b83aeffb14783f029adbde7f53fae92084224090e007cee9"
			    "4d4bf2bace9ffd4b57d2af7c724d0caa19bf0501f6f17b4aa10f425e3ea76080"
			    "b4b9d6b3cefea115b2ceb8789bb8a3b0ea87febe63b6c8f846ec6db0c26c5d7c";

static const uint16_t all_groups[] = {
	IKE_DH_MODP768,
	IKE_DH_MODP1024,
	IKE_DH_MODP1536,
	IKE_DH_MODP2048,
	IKE_DH_MODP3072,
	IKE_DH_MODP4096,
	IKE_DH_MODP2048_256,
	IKE_DH_ECP256,
	IKE_DH_ECP384,
	IKE_DH_ECP521,
	IKE_DH_CURVE25519,
};

static struct ike_dh *
dh_from_hex(uint16_t group, const char *priv_hex)
{
	uint8_t	       priv[80];
	size_t	       n = hex2bin(priv_hex, priv, sizeof(priv));
	struct ike_dh *dh = NULL;

	assert_int_equal(ike_dh_new_from_private(group, priv, n, &dh), 0);
	return dh;
}

static void
assert_public(const struct ike_dh *dh, const char *want_hex)
{
	uint8_t want[600], got[600];
	size_t	wl = hex2bin(want_hex, want, sizeof(want)), gl = 0;

	assert_int_equal(ike_dh_public(dh, got, sizeof(got), &gl), 0);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
}

static void
assert_shared(struct ike_dh *dh, const char *peer_hex, const char *want_hex)
{
	uint8_t	      peer[600], want[600];
	size_t	      pl = hex2bin(peer_hex, peer, sizeof(peer));
	size_t	      wl = hex2bin(want_hex, want, sizeof(want));
	struct secret z;

	assert_int_equal(ike_dh_derive(dh, peer, pl, &z), 0);
	assert_int_equal(secret_len(&z), wl);
	assert_memory_equal(secret_data(&z), want, wl);
	secret_wipe(&z);
}

static void
test_rfc5903(void **state)
{
	for (size_t v = 0; v < sizeof(rfc5903) / sizeof(rfc5903[0]); v++) {
		struct ike_dh *i = dh_from_hex(rfc5903[v].group, rfc5903[v].i);
		struct ike_dh *r = dh_from_hex(rfc5903[v].group, rfc5903[v].r);
		uint8_t	       pub[200], buf[300], want[300];
		size_t	       pl, wl;
		struct wire_wr w = wire_wr_init(buf, sizeof(buf));
		struct ike_enc e;
		struct ike_hdr h = { .ispi = 1, .exchange = IKE_SA_INIT };

		assert_int_equal(ike_dh_group(i), rfc5903[v].group);
		assert_public(i, rfc5903[v].gi);
		assert_public(r, rfc5903[v].gr);
		assert_shared(i, rfc5903[v].gr, rfc5903[v].girx);
		assert_shared(r, rfc5903[v].gi, rfc5903[v].girx);
		/* the KE payload the RFC shows is what the encoder writes */
		assert_int_equal(ike_dh_public(i, pub, sizeof(pub), &pl), 0);
		ike_enc_init(&e, &w, &h);
		ike_enc_ke(&e, rfc5903[v].group, pub, pl);
		assert_int_equal(ike_enc_end(&e), 0);
		wl = hex2bin(rfc5903[v].kei, want, sizeof(want));
		assert_int_equal(wire_wr_len(&w) - IKE_HDR_LEN, wl);
		assert_memory_equal(buf + IKE_HDR_LEN, want, wl);
		ike_dh_free(i);
		ike_dh_free(r);
	}
}

static void
test_rfc7748(void **state)
{
	struct ike_dh *a = dh_from_hex(IKE_DH_CURVE25519, x25519_a);
	struct ike_dh *b = dh_from_hex(IKE_DH_CURVE25519, x25519_b);

	assert_public(a, x25519_ga);
	assert_public(b, x25519_gb);
	assert_shared(a, x25519_gb, x25519_k);
	assert_shared(b, x25519_ga, x25519_k);
	ike_dh_free(a);
	ike_dh_free(b);
}

static void
test_rfc5114(void **state)
{
	struct ike_dh *a = dh_from_hex(IKE_DH_MODP2048_256, g24_xa);
	struct ike_dh *b = dh_from_hex(IKE_DH_MODP2048_256, g24_xb);

	assert_public(a, g24_ya);
	assert_public(b, g24_yb);
	assert_shared(a, g24_yb, g24_zz);
	assert_shared(b, g24_ya, g24_zz);
	ike_dh_free(a);
	ike_dh_free(b);
}

/* Two fresh key pairs agree in every group, with the group's lengths. */
static void
test_agreement(void **state)
{
	for (size_t g = 0; g < sizeof(all_groups) / sizeof(all_groups[0]); g++) {
		uint16_t       grp = all_groups[g];
		struct ike_dh *a = NULL, *b = NULL;
		uint8_t	       pa[600], pb[600];
		size_t	       la, lb, zl;
		struct secret  za, zb;

		assert_true(ike_dh_supported(grp));
		assert_int_equal(ike_dh_new(grp, &a), 0);
		assert_int_equal(ike_dh_new(grp, &b), 0);
		assert_int_equal(ike_dh_public(a, pa, sizeof(pa), &la), 0);
		assert_int_equal(ike_dh_public(b, pb, sizeof(pb), &lb), 0);
		assert_int_equal(la, ike_dh_public_len(grp));
		assert_int_equal(lb, la);
		assert_memory_not_equal(pa, pb, la);
		assert_int_equal(ike_dh_derive(a, pb, lb, &za), 0);
		assert_int_equal(ike_dh_derive(b, pa, la, &zb), 0);
		assert_true(secret_eq(&za, &zb));
		/* MODP secrets are padded to the prime, ECP is x alone */
		zl = grp == IKE_DH_ECP256 || grp == IKE_DH_ECP384 || grp == IKE_DH_ECP521 ?
		    la / 2 :
		    la;
		assert_int_equal(secret_len(&za), zl);
		/* too small an output buffer */
		assert_int_equal(ike_dh_public(a, pa, la - 1, &la), -EMSGSIZE);
		secret_wipe(&za);
		secret_wipe(&zb);
		ike_dh_free(a);
		ike_dh_free(b);
	}
	ike_dh_free(NULL);
}

static void
test_unsupported(void **state)
{
	static const uint16_t no[] = { 0, 3, 17, 22, 23, 25, 26, 30, 32, 65535 };
	struct ike_dh	     *dh = (struct ike_dh *)&dh;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_false(ike_dh_supported(no[i]));
		assert_int_equal(ike_dh_public_len(no[i]), 0);
		assert_int_equal(ike_dh_new(no[i], &dh), -ENOTSUP);
		assert_null(dh);
	}
}

/* Derive from a value that must be refused; the secret stays empty. */
static void
refuse(struct ike_dh *dh, const uint8_t *v, size_t len, const char *what)
{
	struct secret z;

	secret_set(&z, "junk", 4);
	if (ike_dh_derive(dh, v, len, &z) != -EBADMSG)
		fail_msg("group %u accepted %s", ike_dh_group(dh), what);
	assert_int_equal(secret_len(&z), 0);
}

static BIGNUM *
prime_of(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP768:
		return BN_get_rfc2409_prime_768(NULL);
	case IKE_DH_MODP1024:
		return BN_get_rfc2409_prime_1024(NULL);
	case IKE_DH_MODP1536:
		return BN_get_rfc3526_prime_1536(NULL);
	case IKE_DH_MODP2048:
		return BN_get_rfc3526_prime_2048(NULL);
	case IKE_DH_MODP3072:
		return BN_get_rfc3526_prime_3072(NULL);
	case IKE_DH_MODP4096:
		return BN_get_rfc3526_prime_4096(NULL);
	}
	return NULL;
}

/* RFC 7296 2.12 / RFC 6989: 0, 1, p-1, p, too short, too long. */
static void
test_modp_validation(void **state)
{
	static const uint16_t modp[] = { IKE_DH_MODP768, IKE_DH_MODP1024, IKE_DH_MODP1536,
		IKE_DH_MODP2048, IKE_DH_MODP3072, IKE_DH_MODP4096, IKE_DH_MODP2048_256 };
	uint8_t		      v[513];

	for (size_t g = 0; g < sizeof(modp) / sizeof(modp[0]); g++) {
		struct ike_dh *dh = NULL;
		size_t	       len = ike_dh_public_len(modp[g]);
		BIGNUM	      *p = modp[g] == IKE_DH_MODP2048_256 ? NULL : prime_of(modp[g]);
		struct secret  z;

		assert_int_equal(ike_dh_new(modp[g], &dh), 0);
		memset(v, 0, len);
		refuse(dh, v, len, "0");
		v[len - 1] = 1;
		refuse(dh, v, len, "1");
		refuse(dh, v, len - 1, "a short value");
		refuse(dh, v, len + 1, "a long value");
		memset(v, 0xff, len);
		refuse(dh, v, len, "2^n - 1 (> p)");
		if (p != NULL) {
			assert_int_equal(BN_bn2binpad(p, v, (int)len), (int)len);
			refuse(dh, v, len, "p");
			assert_true(BN_sub_word(p, 1));
			assert_int_equal(BN_bn2binpad(p, v, (int)len), (int)len);
			refuse(dh, v, len, "p - 1");
			BN_free(p);
		}
		/* 4 = 2^2 is in range and in the subgroup of the safe primes */
		memset(v, 0, len);
		v[len - 1] = 4;
		if (modp[g] == IKE_DH_MODP2048_256) /* its g is not 2 */
			refuse(dh, v, len, "4 outside the subgroup of order q");
		else
			assert_int_equal(ike_dh_derive(dh, v, len, &z), 0);
		secret_wipe(&z);
		ike_dh_free(dh);
	}
}

static void
test_ecp_validation(void **state)
{
	for (size_t k = 0; k < sizeof(rfc5903) / sizeof(rfc5903[0]); k++) {
		struct ike_dh *dh = NULL;
		uint8_t	       v[200];
		size_t	       len = hex2bin(rfc5903[k].gr, v, sizeof(v));
		struct secret  z;

		assert_int_equal(ike_dh_new(rfc5903[k].group, &dh), 0);
		assert_int_equal(len, ike_dh_public_len(rfc5903[k].group));
		assert_int_equal(ike_dh_derive(dh, v, len, &z), 0);
		refuse(dh, v, len - 1, "a short point");
		v[len - 1] ^= 1; /* y off by one: not on the curve */
		refuse(dh, v, len, "a point off the curve");
		v[len - 1] ^= 1;
		v[0] ^= 0x10; /* x changed */
		refuse(dh, v, len, "a point off the curve (x)");
		memset(v, 0, len);
		refuse(dh, v, len, "(0, 0)");
		memset(v, 0xff, len);
		refuse(dh, v, len, "coordinates >= p");
		secret_wipe(&z);
		ike_dh_free(dh);
	}
}

static void
test_x25519_validation(void **state)
{
	struct ike_dh *dh = NULL;
	uint8_t	       v[33] = { 0 };

	assert_int_equal(ike_dh_new(IKE_DH_CURVE25519, &dh), 0);
	refuse(dh, v, 31, "a short value");
	refuse(dh, v, 33, "a long value");
	refuse(dh, v, 32, "u = 0 (all-zero secret)");
	v[0] = 1;
	refuse(dh, v, 32, "u = 1 (all-zero secret)");
	ike_dh_free(dh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5903),
		cmocka_unit_test(test_rfc7748),
		cmocka_unit_test(test_rfc5114),
		cmocka_unit_test(test_agreement),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_modp_validation),
		cmocka_unit_test(test_ecp_validation),
		cmocka_unit_test(test_x25519_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
