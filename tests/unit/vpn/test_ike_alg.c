/* tests/unit/vpn/test_ike_alg.c - algorithm facts: key, IV, block and ICV sizes (RFC 3602, 4868, 5282), OpenSSL mappings. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "vpn/ike_crypto.h"
#include "vpn/ike_local.h"

static void
test_encr(void **state)
{
	static const uint16_t bits[] = { 128, 192, 256 };

	for (size_t i = 0; i < 3; i++) {
		const EVP_CIPHER *c;

		assert_true(ike_encr_supported(IKE_ENCR_AES_CBC, bits[i]));
		assert_true(ike_encr_supported(IKE_ENCR_AES_GCM_16, bits[i]));
		assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_CBC, bits[i]), bits[i] / 8);
		/* GCM keys carry a 4-byte salt (RFC 5282 7.1, RFC 4106 8.1) */
		assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_GCM_16, bits[i]),
		    bits[i] / 8 + 4);
		c = ike_encr_evp(IKE_ENCR_AES_CBC, bits[i]);
		assert_non_null(c);
		assert_int_equal(EVP_CIPHER_get_key_length(c), bits[i] / 8);
		assert_int_equal(EVP_CIPHER_get_mode(c), EVP_CIPH_CBC_MODE);
		c = ike_encr_evp(IKE_ENCR_AES_GCM_16, bits[i]);
		assert_int_equal(EVP_CIPHER_get_key_length(c), bits[i] / 8);
		assert_int_equal(EVP_CIPHER_get_mode(c), EVP_CIPH_GCM_MODE);
	}
	assert_int_equal(ike_encr_iv_len(IKE_ENCR_AES_CBC), 16);
	assert_int_equal(ike_encr_block_len(IKE_ENCR_AES_CBC), 16);
	assert_int_equal(ike_encr_icv_len(IKE_ENCR_AES_CBC), 0);
	assert_int_equal(ike_encr_iv_len(IKE_ENCR_AES_GCM_16), 8);
	assert_int_equal(ike_encr_block_len(IKE_ENCR_AES_GCM_16), 1);
	assert_int_equal(ike_encr_icv_len(IKE_ENCR_AES_GCM_16), 16);
	assert_true(ike_encr_is_aead(IKE_ENCR_AES_GCM_16));
	assert_true(ike_encr_is_aead(IKE_ENCR_AES_GCM_8));
	assert_true(ike_encr_is_aead(IKE_ENCR_CHACHA20_POLY1305));
	assert_false(ike_encr_is_aead(IKE_ENCR_AES_CBC));
	/* what we do not run */
	assert_false(ike_encr_supported(IKE_ENCR_AES_CBC, 0));
	assert_false(ike_encr_supported(IKE_ENCR_AES_CBC, 100));
	assert_false(ike_encr_supported(IKE_ENCR_3DES, 0));
	assert_false(ike_encr_supported(IKE_ENCR_AES_GCM_8, 128));
	assert_int_equal(ike_encr_key_len(IKE_ENCR_3DES, 192), 0);
	assert_int_equal(ike_encr_iv_len(IKE_ENCR_DES), 0);
	assert_null(ike_encr_evp(IKE_ENCR_AES_CTR, 128));
}

static void
test_integ_prf(void **state)
{
	static const struct {
		uint16_t    id;
		size_t	    key, icv;
		const char *md;
	} integ[] = {
		/* RFC 2404, RFC 4868 2.1 */
		{ IKE_INTEG_HMAC_SHA1_96, 20, 12, "SHA1" },
		{ IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "SHA256" },
		{ IKE_INTEG_HMAC_SHA2_384_192, 48, 24, "SHA384" },
		{ IKE_INTEG_HMAC_SHA2_512_256, 64, 32, "SHA512" },
	};
	static const struct {
		uint16_t id;
		size_t	 len;
	} prf[] = {
		{ IKE_PRF_HMAC_SHA1, 20 },
		{ IKE_PRF_HMAC_SHA2_256, 32 },
		{ IKE_PRF_HMAC_SHA2_384, 48 },
		{ IKE_PRF_HMAC_SHA2_512, 64 },
	};

	for (size_t i = 0; i < 4; i++) {
		EVP_MD *md;

		assert_true(ike_integ_supported(integ[i].id));
		assert_int_equal(ike_integ_key_len(integ[i].id), integ[i].key);
		assert_int_equal(ike_integ_icv_len(integ[i].id), integ[i].icv);
		assert_string_equal(ike_integ_digest(integ[i].id), integ[i].md);
		/* the key is as long as the digest, the ICV half of it (SHA-2) */
		md = EVP_MD_fetch(NULL, integ[i].md, NULL);
		assert_non_null(md);
		assert_int_equal(EVP_MD_get_size(md), integ[i].key);
		EVP_MD_free(md);
		assert_true(ike_prf_supported(prf[i].id));
		assert_int_equal(ike_prf_len(prf[i].id), prf[i].len);
		assert_non_null(ike_prf_digest(prf[i].id));
	}
	assert_false(ike_integ_supported(IKE_INTEG_NONE));
	assert_false(ike_integ_supported(IKE_INTEG_HMAC_MD5_96));
	assert_false(ike_integ_supported(IKE_INTEG_AES_XCBC_96));
	assert_int_equal(ike_integ_icv_len(IKE_INTEG_NONE), 0);
	assert_false(ike_prf_supported(IKE_PRF_HMAC_MD5));
	assert_false(ike_prf_supported(IKE_PRF_AES128_XCBC));
	assert_int_equal(ike_prf_len(0), 0);
	assert_null(ike_prf_digest(IKE_PRF_AES128_XCBC));
	assert_null(ike_integ_digest(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encr),
		cmocka_unit_test(test_integ_prf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
