/* tests/unit/vpn/vpn_test_pki.h - keys and X.509 certificates made at test time with the OpenSSL API, PEM files in a temp dir. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_TEST_PKI_H
#define HGW_VPN_TEST_PKI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/unit/vpn/vpn_test_rsa.h"

/* "RSA" (2048 bits), "P-256", "P-384" or "P-521". Caller frees. RSA keys
 * come from vpn_test_rsa.h, a different one per call (the process's
 * first three), since a prime search under valgrind takes half a minute. */
static inline __attribute__((unused)) EVP_PKEY *
pki_key(const char *type)
{
	static unsigned nrsa;
	EVP_PKEY       *k;

	if (strcmp(type, "RSA") == 0 &&
	    nrsa < sizeof(vpn_test_rsa_pem) / sizeof(vpn_test_rsa_pem[0])) {
		BIO *b = BIO_new_mem_buf(vpn_test_rsa_pem[nrsa++], -1);

		assert_non_null(b);
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	} else if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", type);
	assert_non_null(k);
	return k;
}

/* "C=CH,O=ex,CN=gw" (no escapes) as a name; caller frees. */
static inline __attribute__((unused)) X509_NAME *
pki_name(const char *dn)
{
	X509_NAME *n = X509_NAME_new();
	char	   buf[512], *tok, *save = NULL;

	assert_non_null(n);
	snprintf(buf, sizeof(buf), "%s", dn);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		assert_non_null(eq);
		*eq = '\0';
		while (*tok == ' ')
			tok++;
		assert_true(X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8,
		    (const unsigned char *)eq + 1, -1, -1, 0));
	}
	return n;
}

static inline void
pki_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_true(X509_add_ext(c, ext, -1));
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for key, issued by issuer/issuer_key (self-signed when
 * issuer is NULL), valid from now + from_days to now + to_days. san is a
 * subjectAltName value ("DNS:a,IP:10.0.0.1,email:x@y") or NULL.
 */
static inline __attribute__((unused)) X509 *
pki_cert(EVP_PKEY *key, const char *dn, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
    const char *san, long from_days, long to_days)
{
	static long serial = 1;
	X509	   *c = X509_new();
	X509_NAME  *n = pki_name(dn);

	assert_non_null(c);
	assert_true(X509_set_version(c, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(c), serial++));
	assert_true(X509_set_subject_name(c, n));
	assert_true(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n));
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(c), (int)from_days, 0, NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(c), (int)to_days, 0, NULL));
	assert_true(X509_set_pubkey(c, key));
	if (ca) {
		pki_ext(c, issuer ? issuer : c, NID_basic_constraints, "critical,CA:TRUE");
		pki_ext(c, issuer ? issuer : c, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		pki_ext(c, issuer ? issuer : c, NID_basic_constraints, "CA:FALSE");
	}
	pki_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash");
	if (san != NULL)
		pki_ext(c, issuer ? issuer : c, NID_subject_alt_name, san);
	assert_true(X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

static inline __attribute__((unused)) void
pki_write_cert(const char *path, X509 *c)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(PEM_write_X509(f, c));
	fclose(f);
}

static inline __attribute__((unused)) void
pki_write_key(const char *path, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
}

static inline __attribute__((unused)) void
pki_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* DER of a certificate in a heap buffer of exactly its size. */
static inline __attribute__((unused)) uint8_t *
pki_der(X509 *c, size_t *len)
{
	uint8_t *b = NULL;
	int	 n = i2d_X509(c, &b);

	assert_true(n > 0);
	*len = (size_t)n;
	return b; /* OPENSSL_free() */
}

/* A private temp dir named after the branch; pki_tmp_clean removes it. */
static inline __attribute__((unused)) void
pki_tmp(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/ike-core-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static inline __attribute__((unused)) void
pki_tmp_clean(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
