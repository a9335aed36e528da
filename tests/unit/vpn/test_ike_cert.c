/* tests/unit/vpn/test_ike_cert.c - certificates: PEM/DER loading and its errors, CA stores, chain verification, CERTREQ key ids. */
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
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tests/unit/vpn/vpn_test_pki.h"
#include "vpn/ike_cert.h"

static char	 dir[64];
static EVP_PKEY *ca1_key, *ca2_key, *int_key, *ee_key, *rsa_key, *small_key;
static X509	*ca1, *ca2, *inter, *ee1, *ee2, *ee3, *expired, *notyet;

static const char *
path(const char *name)
{
	static char p[4][128];
	static int  k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static int
setup(void **state)
{
	FILE *f;

	pki_tmp(dir, sizeof(dir));
	ca1_key = pki_key("P-256");
	ca2_key = pki_key("P-384");
	int_key = pki_key("P-256");
	ee_key = pki_key("P-256");
	rsa_key = pki_key("RSA");
	small_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ca1 = pki_cert(ca1_key, "C=CH,O=ex,CN=Root One", NULL, NULL, true, NULL, -1, 3650);
	ca2 = pki_cert(ca2_key, "C=CH,O=other,CN=Root Two", NULL, NULL, true, NULL, -1, 3650);
	inter =
	    pki_cert(int_key, "C=CH,O=ex,CN=Intermediate", ca1, ca1_key, true, NULL, -1, 3650);
	ee1 = pki_cert(ee_key, "C=CH,O=ex,CN=gw", ca1, ca1_key, false,
	    "DNS:gw.example.net,IP:10.0.0.1", -1, 365);
	ee2 = pki_cert(ee_key, "C=CH,O=ex,CN=gw", ca2, ca2_key, false, NULL, -1, 365);
	ee3 = pki_cert(rsa_key, "C=CH,O=ex,CN=gw3", inter, int_key, false, NULL, -1, 365);
	expired = pki_cert(ee_key, "C=CH,O=ex,CN=old", ca1, ca1_key, false, NULL, -10, -1);
	notyet = pki_cert(ee_key, "C=CH,O=ex,CN=new", ca1, ca1_key, false, NULL, 2, 10);

	pki_write_cert(path("ca1.pem"), ca1);
	pki_write_cert(path("ee1.pem"), ee1);
	pki_write_key(path("ee.key"), ee_key);
	pki_write_key(path("rsa.key"), rsa_key);
	pki_write_key(path("small.key"), small_key);
	pki_write_cert(path("ca12.pem"), ca1);
	f = fopen(path("ca12.pem"), "a");
	assert_non_null(f);
	assert_true(PEM_write_X509(f, ca2));
	fclose(f);
	/* a CA file with an end-entity certificate in it */
	pki_write_cert(path("notca.pem"), ca1);
	f = fopen(path("notca.pem"), "a");
	assert_true(PEM_write_X509(f, ee1));
	fclose(f);
	/* DER */
	f = fopen(path("ee1.der"), "wb");
	assert_true(i2d_X509_fp(f, ee1));
	fclose(f);
	/* an encrypted key */
	f = fopen(path("enc.key"), "w");
	assert_true(PEM_write_PrivateKey(f, ee_key, EVP_aes_128_cbc(), NULL, 0, NULL,
	    (void *)"secret"));
	fclose(f);
	pki_write_text(path("garbage.pem"), "this is not a certificate\n");
	pki_write_text(path("empty.pem"), "");
	/* the second certificate damaged in the middle of its base64 */
	{
		char   buf[8192];
		size_t n;
		char  *second;

		f = fopen(path("ca12.pem"), "r");
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		second = strstr(buf + 10, "-----BEGIN CERTIFICATE-----");
		assert_non_null(second);
		memcpy(second + 100, "!!!!", 4);
		pki_write_text(path("damaged.pem"), buf);
	}
	return 0;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(ca1_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(ee_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(small_key);
	X509_free(ca1);
	X509_free(ca2);
	X509_free(inter);
	X509_free(ee1);
	X509_free(ee2);
	X509_free(ee3);
	X509_free(expired);
	X509_free(notyet);
	pki_tmp_clean(dir);
	return 0;
}

#define assert_err_says(e, s)                                               \
	do {                                                                \
		if (strstr((e), (s)) == NULL)                               \
			fail_msg("error '%s' does not say '%s'", (e), (s)); \
	} while (0)

static void
test_cert_load(void **state)
{
	char  err[512];
	X509 *c;

	assert_int_equal(ike_cert_load(path("ee1.pem"), &c, err, sizeof(err)), 0);
	assert_int_equal(X509_cmp(c, ee1), 0);
	X509_free(c);
	assert_int_equal(ike_cert_load(path("ee1.der"), &c, err, sizeof(err)), 0);
	assert_int_equal(X509_cmp(c, ee1), 0);
	X509_free(c);

	assert_int_equal(ike_cert_load(path("missing.pem"), &c, err, sizeof(err)), -ENOENT);
	assert_null(c);
	assert_err_says(err, path("missing.pem"));
	assert_err_says(err, "No such file");
	assert_int_equal(ike_cert_load(path("ee.key"), &c, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "ee.key: no certificate");
	assert_err_says(err, "holds a private key");
	assert_int_equal(ike_cert_load(path("garbage.pem"), &c, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "garbage.pem: no certificate");
	assert_int_equal(ike_cert_load(path("empty.pem"), &c, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "empty.pem: empty file");
	assert_int_equal(ike_cert_load(dir, &c, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "not a regular file");
	/* damaged PEM: the first certificate of damaged.pem is fine, so
	 * damage a single-certificate file */
	{
		char   buf[4096];
		size_t n;
		FILE  *f = fopen(path("ee1.pem"), "r");

		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		memcpy(buf + 80, "####", 4);
		pki_write_text(path("bad1.pem"), buf);
		assert_int_equal(ike_cert_load(path("bad1.pem"), &c, err, sizeof(err)),
		    -EINVAL);
		assert_err_says(err, "does not parse");
	}
	/* no error buffer is fine */
	assert_int_equal(ike_cert_load(path("garbage.pem"), &c, NULL, 0), -EINVAL);
}

static void
test_key_load(void **state)
{
	char	  err[512];
	EVP_PKEY *k;
	X509	 *c;

	assert_int_equal(ike_key_load(path("ee.key"), &k, err, sizeof(err)), 0);
	assert_int_equal(EVP_PKEY_eq(k, ee_key), 1);
	EVP_PKEY_free(k);
	assert_int_equal(ike_key_load(path("rsa.key"), &k, err, sizeof(err)), 0);
	EVP_PKEY_free(k);
	assert_int_equal(ike_key_load(path("small.key"), &k, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "small.key: RSA key shorter than 2048 bits");
	assert_int_equal(ike_key_load(path("enc.key"), &k, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "enc.key: an encrypted private key");
	assert_int_equal(ike_key_load(path("ee1.pem"), &k, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "ee1.pem: no private key; the file holds a certificate");
	assert_null(k);

	assert_int_equal(ike_cred_load(path("ee1.pem"), path("ee.key"), &c, &k, err,
			     sizeof(err)),
	    0);
	X509_free(c);
	EVP_PKEY_free(k);
	assert_int_equal(ike_cred_load(path("ee1.pem"), path("rsa.key"), &c, &k, err,
			     sizeof(err)),
	    -EINVAL);
	assert_err_says(err, "rsa.key: private key does not belong to the certificate in");
	assert_err_says(err, "ee1.pem");
	assert_null(c);
	assert_null(k);
}

static void
test_ca_load(void **state)
{
	char	    err[512];
	X509_STORE *s;

	assert_int_equal(ike_ca_load(path("ca12.pem"), &s, err, sizeof(err)), 0);
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(s)), 2);
	X509_STORE_free(s);
	assert_int_equal(ike_ca_load(path("notca.pem"), &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	assert_err_says(err, "notca.pem: certificate 2 (/C=CH/O=ex/CN=gw) is not a CA");
	assert_int_equal(ike_ca_load(path("damaged.pem"), &s, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "damaged.pem: certificate 2 does not parse");
	assert_int_equal(ike_ca_load(path("ee.key"), &s, err, sizeof(err)), -EINVAL);
	assert_err_says(err, "ee.key: no PEM CA certificate; the file holds a private key");
	assert_int_equal(ike_ca_load(path("nope.pem"), &s, err, sizeof(err)), -ENOENT);
}

static int
verify(const char *ca_file, X509 *c, X509 **chain, size_t n, char *err, size_t errlen)
{
	X509_STORE    *s;
	uint8_t	      *der[4];
	struct wire_rd cd[4];
	size_t	       len, l2;
	uint8_t	      *d = pki_der(c, &len);
	X509	      *out = NULL;
	int	       rc;

	assert_int_equal(ike_ca_load(path(ca_file), &s, err, errlen), 0);
	for (size_t i = 0; i < n; i++) {
		der[i] = pki_der(chain[i], &l2);
		cd[i] = wire_rd_init(der[i], l2);
	}
	rc = ike_cert_verify(s, wire_rd_init(d, len), cd, n, &out, err, errlen);
	if (rc == 0) {
		assert_int_equal(X509_cmp(out, c), 0);
		X509_free(out);
	} else {
		assert_null(out);
	}
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	OPENSSL_free(d);
	X509_STORE_free(s);
	return rc;
}

static void
test_verify(void **state)
{
	char	    err[512];
	X509_STORE *s;
	X509	   *out;
	uint8_t	   *d, *junk;
	size_t	    len;

	assert_int_equal(verify("ca1.pem", ee1, NULL, 0, err, sizeof(err)), 0);
	/* signed by another CA */
	assert_int_equal(verify("ca1.pem", ee2, NULL, 0, err, sizeof(err)), -EACCES);
	assert_err_says(err, "unable to get local issuer certificate");
	assert_int_equal(verify("ca12.pem", ee2, NULL, 0, err, sizeof(err)), 0);
	/* through an intermediate the peer sends along */
	assert_int_equal(verify("ca1.pem", ee3, &inter, 1, err, sizeof(err)), 0);
	assert_int_equal(verify("ca1.pem", ee3, NULL, 0, err, sizeof(err)), -EACCES);
	assert_int_equal(verify("ca12.pem", ee3, &ca2, 1, err, sizeof(err)), -EACCES);
	/* out of its validity period */
	assert_int_equal(verify("ca1.pem", expired, NULL, 0, err, sizeof(err)), -EACCES);
	assert_err_says(err, "certificate has expired");
	assert_err_says(err, "CN=old");
	assert_int_equal(verify("ca1.pem", notyet, NULL, 0, err, sizeof(err)), -EACCES);
	assert_err_says(err, "not yet valid");

	/* bytes that are not exactly one certificate */
	assert_int_equal(ike_ca_load(path("ca1.pem"), &s, err, sizeof(err)), 0);
	d = pki_der(ee1, &len);
	junk = malloc(len + 1);
	memcpy(junk, d, len);
	junk[len] = 0;
	assert_int_equal(ike_cert_verify(s, wire_rd_init(junk, len + 1), NULL, 0, &out, err,
			     sizeof(err)),
	    -EBADMSG);
	for (size_t k = 0; k < len; k += 37)
		assert_int_equal(ike_cert_verify(s, wire_rd_init(junk, k), NULL, 0, &out, err,
				     sizeof(err)),
		    -EBADMSG);
	assert_int_equal(ike_cert_verify(s, wire_rd_init(d, len), NULL, 0, &out, err,
			     sizeof(err)),
	    0);
	X509_free(out);
	/* a broken intermediate */
	{
		struct wire_rd bad = wire_rd_init(junk, 10);

		assert_int_equal(ike_cert_verify(s, wire_rd_init(d, len), &bad, 1, &out, err,
				     sizeof(err)),
		    -EBADMSG);
		assert_err_says(err, "certificate 2 is not valid DER");
	}
	/* a signature byte changed */
	junk[len - 3] ^= 0x01;
	assert_int_equal(ike_cert_verify(s, wire_rd_init(junk, len), NULL, 0, &out, err,
			     sizeof(err)),
	    -EACCES);
	free(junk);
	OPENSSL_free(d);
	X509_STORE_free(s);
}

static void
test_der_and_keyid(void **state)
{
	uint8_t	 buf[2048], id[20], other[20], req[60];
	size_t	 len, dl;
	uint8_t *d = pki_der(ee1, &dl);
	char	 cmd[512], out[128];
	FILE	*p;

	assert_int_equal(ike_cert_der(ee1, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, dl);
	assert_memory_equal(buf, d, dl);
	assert_int_equal(ike_cert_der(ee1, buf, dl - 1, &len), -EMSGSIZE);
	OPENSSL_free(d);

	/* RFC 7296 3.7: SHA-1 of the SubjectPublicKeyInfo, checked against
	 * the openssl command line */
	assert_int_equal(ike_ca_keyid(ca1, id), 0);
	snprintf(cmd, sizeof(cmd),
	    "openssl x509 -in '%s' -noout -pubkey | openssl pkey -pubin "
	    "-outform DER | sha1sum",
	    path("ca1.pem"));
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), p));
	pclose(p);
	for (int i = 0; i < 20; i++) {
		char h[3];

		snprintf(h, sizeof(h), "%02x", id[i]);
		assert_memory_equal(h, out + 2 * i, 2);
	}
	assert_int_equal(ike_ca_keyid(ca2, other), 0);
	assert_memory_not_equal(id, other, 20);
	memset(req, 0xaa, 20);
	memcpy(req + 20, id, 20);
	assert_true(ike_certreq_has(wire_rd_init(req, 40), id));
	assert_false(ike_certreq_has(wire_rd_init(req, 40), other));
	assert_false(ike_certreq_has(wire_rd_init(req, 39), id)); /* no partial hash */
	assert_false(ike_certreq_has(wire_rd_init(req, 0), id));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_load),
		cmocka_unit_test(test_key_load),
		cmocka_unit_test(test_ca_load),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_der_and_keyid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
