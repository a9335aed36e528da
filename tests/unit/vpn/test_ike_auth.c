/* tests/unit/vpn/test_ike_auth.c - AUTH: PSK against a plain re-computation, RFC 7427 RSA/ECDSA signatures, legacy methods, hash notify. */
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
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "tests/unit/vpn/vpn_test_pki.h"
#include "vpn/ike_crypto.h"

/* What one side signs: a stand-in first message, the peer's nonce, an ID
 * body and SK_p. */
static uint8_t	     first_msg[300], nonce[32], id_body[4 + 14];
static struct secret sk_p;
static EVP_PKEY	    *rsa, *rsa_other, *p256, *p384, *p521;
static X509	    *rsa_cert, *p256_cert;

static int
setup(void **state)
{
	uint8_t k[32];

	for (size_t i = 0; i < sizeof(first_msg); i++)
		first_msg[i] = (uint8_t)(i * 3);
	memset(nonce, 0x4e, sizeof(nonce));
	memcpy(id_body,
	    "\x02\x00\x00\x00"
	    "gw.example.net",
	    sizeof(id_body));
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(0x80 | i);
	secret_set(&sk_p, k, sizeof(k));
	rsa = pki_key("RSA");
	rsa_other = pki_key("RSA");
	p256 = pki_key("P-256");
	p384 = pki_key("P-384");
	p521 = pki_key("P-521");
	rsa_cert =
	    pki_cert(rsa, "C=CH,O=ex,CN=rsa", NULL, NULL, false, "DNS:rsa.example.net", 0, 30);
	p256_cert = pki_cert(p256, "C=CH,O=ex,CN=ec", NULL, NULL, false, NULL, 0, 30);
	return 0;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa_other);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	X509_free(rsa_cert);
	X509_free(p256_cert);
	secret_wipe(&sk_p);
	return 0;
}

static struct ike_auth_data
auth_data(void)
{
	struct ike_auth_data a = {
		.prf = IKE_PRF_HMAC_SHA2_256,
		.sk_p = &sk_p,
		.msg = wire_rd_init(first_msg, sizeof(first_msg)),
		.nonce = wire_rd_init(nonce, sizeof(nonce)),
		.id = wire_rd_init(id_body, sizeof(id_body)),
	};

	return a;
}

/* The signed octets (RFC 7296 2.15) assembled by hand. */
static size_t
octets(uint8_t *out)
{
	size_t n = 0, ml = 0;

	memcpy(out, first_msg, sizeof(first_msg));
	memcpy(out + sizeof(first_msg), nonce, sizeof(nonce));
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret_data(&sk_p),
	    secret_len(&sk_p), id_body, sizeof(id_body),
	    out + sizeof(first_msg) + sizeof(nonce), 64, &ml));
	n = sizeof(first_msg) + sizeof(nonce) + ml;
	return n;
}

static void
test_psk(void **state)
{
	struct ike_auth_data a = auth_data();
	struct secret	     psk, bad;
	uint8_t		     oct[512], kp[64], want[64], got[64];
	size_t		     on = octets(oct), kl, wl, gl;

	secret_set_str(&psk, "correct horse battery staple");
	secret_set_str(&bad, "correct horse battery stapler");
	/* prf(prf(PSK, "Key Pad for IKEv2"), octets) */
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret_data(&psk),
	    secret_len(&psk), (const uint8_t *)"Key Pad for IKEv2", 17, kp, sizeof(kp), &kl));
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, kp, kl, oct, on, want,
	    sizeof(want), &wl));
	assert_int_equal(ike_auth_psk(&a, &psk, got, sizeof(got), &gl), 0);
	assert_int_equal(gl, 32);
	assert_memory_equal(got, want, wl);
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(got, gl)), 0);
	/* wrong key, changed octets, short or long AUTH data */
	assert_int_equal(ike_auth_psk_verify(&a, &bad, wire_rd_init(got, gl)), -EBADMSG);
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(got, gl - 1)), -EBADMSG);
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(oct, gl + 1)), -EBADMSG);
	nonce[0] ^= 1;
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(got, gl)), -EBADMSG);
	nonce[0] ^= 1;
	id_body[5] ^= 1;
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(got, gl)), -EBADMSG);
	id_body[5] ^= 1;
	assert_int_equal(ike_auth_psk_verify(&a, &psk, wire_rd_init(got, gl)), 0);
	/* other PRFs: the output is the PRF's length */
	a.prf = IKE_PRF_HMAC_SHA2_512;
	assert_int_equal(ike_auth_psk(&a, &psk, got, sizeof(got), &gl), 0);
	assert_int_equal(gl, 64);
	assert_int_equal(ike_auth_psk(&a, &psk, got, 63, &gl), -EMSGSIZE);
	/* no empty PSK, no unknown PRF */
	secret_wipe(&bad);
	assert_int_equal(ike_auth_psk(&a, &bad, got, sizeof(got), &gl), -EINVAL);
	a.prf = IKE_PRF_HMAC_MD5;
	assert_int_equal(ike_auth_psk(&a, &psk, got, sizeof(got), &gl), -ENOTSUP);
	secret_wipe(&psk);
}

/* The AlgorithmIdentifier OpenSSL itself encodes for a signature OID. */
static size_t
algid_der(int nid, bool null_params, uint8_t *out)
{
	X509_ALGOR *alg = X509_ALGOR_new();
	uint8_t	   *p = out;
	int	    n;

	assert_non_null(alg);
	assert_true(X509_ALGOR_set0(alg, OBJ_nid2obj(nid),
	    null_params ? V_ASN1_NULL : V_ASN1_UNDEF, NULL));
	n = i2d_X509_ALGOR(alg, &p);
	X509_ALGOR_free(alg);
	assert_true(n > 0);
	return (size_t)n;
}

static void
sign_verify(EVP_PKEY *key, EVP_PKEY *pub, uint16_t hash, int nid, bool null_params)
{
	struct ike_auth_data a = auth_data();
	uint8_t		     out[IKE_AUTH_MAX], der[32];
	size_t		     len, dl = algid_der(nid, null_params, der);

	assert_int_equal(ike_auth_sign(&a, key, IKE_AUTH_DIGITAL_SIG, hash, 0, out, sizeof(out),
			     &len),
	    0);
	/* RFC 7427 3: ASN.1 length, AlgorithmIdentifier, signature */
	assert_int_equal(out[0], dl);
	assert_memory_equal(out + 1, der, dl);
	assert_true(len > 1 + dl + 32);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    0);
	/* the signature covers every piece of the octets */
	first_msg[100] ^= 1;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -EBADMSG);
	first_msg[100] ^= 1;
	nonce[31] ^= 1;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -EBADMSG);
	nonce[31] ^= 1;
	id_body[0] ^= 1;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -EBADMSG);
	id_body[0] ^= 1;
	out[len - 1] ^= 1;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -EBADMSG);
	out[len - 1] ^= 1;
	/* truncated: no signature, half an identifier */
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG,
			     wire_rd_init(out, 1 + dl), 0),
	    -EBADMSG);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, 5),
			     0),
	    -EBADMSG);
	/* an identifier we do not know */
	out[dl] ^= 0x40;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -ENOTSUP);
	out[dl] ^= 0x40;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    0);
}

static void
test_rsa(void **state)
{
	struct ike_auth_data a = auth_data();
	uint8_t		     out[IKE_AUTH_MAX];
	size_t		     len;
	EVP_PKEY	    *pub = X509_get0_pubkey(rsa_cert);

	sign_verify(rsa, pub, IKE_HASH_SHA2_256, NID_sha256WithRSAEncryption, true);
	sign_verify(rsa, pub, IKE_HASH_SHA2_384, NID_sha384WithRSAEncryption, true);
	sign_verify(rsa, pub, IKE_HASH_SHA2_512, NID_sha512WithRSAEncryption, true);
	/* another key's certificate does not verify it */
	assert_int_equal(ike_auth_sign(&a, rsa_other, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_256,
			     0, out, sizeof(out), &len),
	    0);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -EBADMSG);
	/* an RSA signature offered against an EC certificate */
	assert_int_equal(ike_auth_verify(&a, X509_get0_pubkey(p256_cert), IKE_AUTH_DIGITAL_SIG,
			     wire_rd_init(out, len), 0),
	    -EBADMSG);
	/* SHA-1 only when configured, both ways */
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA1, 0, out,
			     sizeof(out), &len),
	    -ENOTSUP);
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA1,
			     IKE_AUTH_ALLOW_SHA1, out, sizeof(out), &len),
	    0);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     0),
	    -ENOTSUP);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, len),
			     IKE_AUTH_ALLOW_SHA1),
	    0);
	/* legacy method 1 (RSA, SHA-1, bare signature) likewise */
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_RSA_SIG, 0, 0, out, sizeof(out), &len),
	    -ENOTSUP);
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_RSA_SIG, 0, IKE_AUTH_ALLOW_SHA1, out,
			     sizeof(out), &len),
	    0);
	assert_int_equal(len, 256);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_RSA_SIG, wire_rd_init(out, len), 0),
	    -ENOTSUP);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_RSA_SIG, wire_rd_init(out, len),
			     IKE_AUTH_ALLOW_SHA1),
	    0);
	out[7] ^= 1;
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_RSA_SIG, wire_rd_init(out, len),
			     IKE_AUTH_ALLOW_SHA1),
	    -EBADMSG);
	/* too small an output buffer */
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_256, 0, out,
			     100, &len),
	    -EMSGSIZE);
	/* PSK is not a signature method */
	assert_int_equal(ike_auth_sign(&a, rsa, IKE_AUTH_PSK, 0, 0, out, sizeof(out), &len),
	    -ENOTSUP);
	assert_int_equal(ike_auth_verify(&a, pub, IKE_AUTH_PSK, wire_rd_init(out, 32), 0),
	    -ENOTSUP);
}

static void
test_rsa_small_refused(void **state)
{
	struct ike_auth_data a = auth_data();
	EVP_PKEY	    *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	uint8_t		     out[IKE_AUTH_MAX];
	size_t		     len;

	assert_non_null(small);
	assert_int_equal(ike_auth_sign(&a, small, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_256, 0,
			     out, sizeof(out), &len),
	    -ENOTSUP);
	assert_int_equal(ike_auth_verify(&a, small, IKE_AUTH_DIGITAL_SIG, wire_rd_init(out, 20),
			     0),
	    -ENOTSUP);
	EVP_PKEY_free(small);
}

static void
test_ecdsa(void **state)
{
	EVP_PKEY *pub = X509_get0_pubkey(p256_cert);

	sign_verify(p256, pub, IKE_HASH_SHA2_256, NID_ecdsa_with_SHA256, false);
	sign_verify(p256, pub, IKE_HASH_SHA2_384, NID_ecdsa_with_SHA384, false);
	sign_verify(p256, pub, IKE_HASH_SHA2_512, NID_ecdsa_with_SHA512, false);
	sign_verify(p384, p384, IKE_HASH_SHA2_384, NID_ecdsa_with_SHA384, false);
	sign_verify(p521, p521, IKE_HASH_SHA2_512, NID_ecdsa_with_SHA512, false);
	/* no SHA-1 with ECDSA at all */
	{
		struct ike_auth_data a = auth_data();
		uint8_t		     out[IKE_AUTH_MAX];
		size_t		     len;

		assert_int_equal(ike_auth_sign(&a, p256, IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA1,
				     IKE_AUTH_ALLOW_SHA1, out, sizeof(out), &len),
		    -ENOTSUP);
		/* nor the legacy methods for signing */
		assert_int_equal(ike_auth_sign(&a, p256, IKE_AUTH_ECDSA_256, 0, 0, out,
				     sizeof(out), &len),
		    -ENOTSUP);
	}
}

/* RFC 4754: methods 9/10/11 carry r | s; made here with OpenSSL over the
 * hand-assembled octets. */
static size_t
legacy_sig(EVP_PKEY *key, const char *md, size_t coord, uint8_t *out)
{
	uint8_t	       oct[512], der[200];
	const uint8_t *p = der;
	size_t	       on = octets(oct), dl = sizeof(der);
	EVP_MD_CTX    *ctx = EVP_MD_CTX_new();
	ECDSA_SIG     *sig;

	assert_non_null(ctx);
	assert_true(EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) > 0);
	assert_true(EVP_DigestSign(ctx, der, &dl, oct, on) > 0);
	EVP_MD_CTX_free(ctx);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	assert_non_null(sig);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, (int)coord), (int)coord);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + coord, (int)coord),
	    (int)coord);
	ECDSA_SIG_free(sig);
	return 2 * coord;
}

static void
test_ecdsa_legacy(void **state)
{
	struct ike_auth_data a = auth_data();
	uint8_t		     sig[200];
	size_t		     n;

	n = legacy_sig(p256, "SHA256", 32, sig);
	assert_int_equal(ike_auth_verify(&a, p256, IKE_AUTH_ECDSA_256, wire_rd_init(sig, n), 0),
	    0);
	/* the method fixes the curve */
	assert_int_equal(ike_auth_verify(&a, p256, IKE_AUTH_ECDSA_384, wire_rd_init(sig, n), 0),
	    -EBADMSG);
	assert_int_equal(ike_auth_verify(&a, rsa, IKE_AUTH_ECDSA_256, wire_rd_init(sig, n), 0),
	    -EBADMSG);
	/* r | s must be exactly twice the coordinate size */
	assert_int_equal(ike_auth_verify(&a, p256, IKE_AUTH_ECDSA_256, wire_rd_init(sig, n - 1),
			     0),
	    -EBADMSG);
	sig[40] ^= 1;
	assert_int_equal(ike_auth_verify(&a, p256, IKE_AUTH_ECDSA_256, wire_rd_init(sig, n), 0),
	    -EBADMSG);
	n = legacy_sig(p384, "SHA384", 48, sig);
	assert_int_equal(ike_auth_verify(&a, p384, IKE_AUTH_ECDSA_384, wire_rd_init(sig, n), 0),
	    0);
	n = legacy_sig(p521, "SHA512", 66, sig);
	assert_int_equal(ike_auth_verify(&a, p521, IKE_AUTH_ECDSA_521, wire_rd_init(sig, n), 0),
	    0);
}

static void
test_hash_pick(void **state)
{
	const uint32_t s1 = 1u << IKE_HASH_SHA1, s256 = 1u << IKE_HASH_SHA2_256;
	const uint32_t s384 = 1u << IKE_HASH_SHA2_384, s512 = 1u << IKE_HASH_SHA2_512;

	assert_int_equal(ike_auth_hash_pick(p256, 0), IKE_HASH_SHA2_256);
	assert_int_equal(ike_auth_hash_pick(p384, 0), IKE_HASH_SHA2_384);
	assert_int_equal(ike_auth_hash_pick(p521, s256 | s384 | s512), IKE_HASH_SHA2_512);
	assert_int_equal(ike_auth_hash_pick(p384, s256 | s512), IKE_HASH_SHA2_256);
	assert_int_equal(ike_auth_hash_pick(rsa, s384 | s512), IKE_HASH_SHA2_384);
	assert_int_equal(ike_auth_hash_pick(rsa, s256 | s384 | s512), IKE_HASH_SHA2_256);
	assert_int_equal(ike_auth_hash_pick(rsa, s1), 0);
	assert_int_equal(ike_auth_hash_pick(p256, 1u << 5), 0);
}

static void
test_sighash_notify(void **state)
{
	uint8_t	 buf[16];
	uint32_t mask;
	size_t	 n;

	n = ike_sighash_encode(buf, sizeof(buf), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "\x00\x02\x00\x03\x00\x04", 6);
	n = ike_sighash_encode(buf, sizeof(buf), IKE_AUTH_ALLOW_SHA1);
	assert_int_equal(n, 8);
	assert_memory_equal(buf + 6, "\x00\x01", 2);
	assert_int_equal(ike_sighash_encode(buf, 5, 0), 0);
	assert_int_equal(ike_sighash_decode(wire_rd_init(buf, 8), &mask), IKE_OK);
	assert_int_equal(mask, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4));
	/* unknown ids (Identity 5, large ones) are fine and ignored above 31 */
	assert_int_equal(ike_sighash_decode(wire_rd_init("\x00\x05\x12\x34", 4), &mask),
	    IKE_OK);
	assert_int_equal(mask, 1u << 5);
	assert_int_equal(ike_sighash_decode(wire_rd_init("\x00\x02\x00", 3), &mask),
	    IKE_ERR_SYNTAX);
	assert_int_equal(ike_sighash_decode(wire_rd_init(buf, 0), &mask), IKE_OK);
	assert_int_equal(mask, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psk),
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_rsa_small_refused),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_ecdsa_legacy),
		cmocka_unit_test(test_hash_pick),
		cmocka_unit_test(test_sighash_notify),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
