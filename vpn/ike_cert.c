/* vpn/ike_cert.c - certificates for IKE: PEM/DER loading with precise errors, CA stores, peer chain verification, CERTREQ key ids. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_cert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define FILE_MAX     (1 << 20) /* a PEM bundle is never bigger */
#define RSA_MIN_BITS 2048

static __attribute__((format(printf, 4, 5))) int
cerr(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error(); /* OpenSSL's queue must not leak into the next call */
	return rc;
}

/* The whole file in memory, NUL-terminated (so its text can be searched
 * for what it holds instead), and its length in *len; the caller frees
 * it. NULL when it cannot be read, with *rc (-errno) and err set: the
 * pointer, not *rc, says whether there is a file to look at. */
static char *
file_read(const char *path, size_t *len, int *rc, char *err, size_t errlen)
{
	FILE	   *f;
	struct stat st;
	char	   *buf = NULL;

	if ((f = fopen(path, "rb")) == NULL) {
		*rc = cerr(-errno, err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0) {
		*rc = cerr(-errno, err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*rc = cerr(-EINVAL, err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0 || st.st_size > FILE_MAX) {
		*rc = cerr(-EINVAL, err, errlen, "%s: %s", path,
		    st.st_size == 0 ? "empty file" : "too big for a certificate or key file");
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		*rc = -ENOMEM;
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	if (*len != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		*rc = cerr(-EIO, err, errlen, "%s: short read", path);
	}
out:
	fclose(f);
	return buf;
}

/* What a file that is not what was asked for holds instead. */
static const char *
file_holds(const char *text)
{
	if (strstr(text, "ENCRYPTED") != NULL)
		return "an encrypted private key (passphrases are not supported)";
	if (strstr(text, "PRIVATE KEY-----") != NULL)
		return "a private key";
	if (strstr(text, "-----BEGIN CERTIFICATE-----") != NULL)
		return "a certificate";
	if (strstr(text, "-----BEGIN X509 CRL-----") != NULL)
		return "a CRL";
	if (strstr(text, "-----BEGIN CERTIFICATE REQUEST-----") != NULL)
		return "a certificate request";
	if (strstr(text, "-----BEGIN") != NULL)
		return "an unknown PEM block";
	return NULL;
}

int
ike_cert_load(const char *path, X509 **out, char *err, size_t errlen)
{
	char	      *text;
	size_t	       len;
	BIO	      *bio = NULL;
	const uint8_t *p;
	const char    *holds;
	int	       rc = 0;

	*out = NULL;
	if ((text = file_read(path, &len, &rc, err, errlen)) == NULL)
		return rc;
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (strstr(text, "-----BEGIN CERTIFICATE-----") != NULL) {
		if ((*out = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
			rc = cerr(-EINVAL, err, errlen,
			    "%s: the PEM certificate does not parse (damaged base64 or DER)",
			    path);
		goto out;
	}
	/* no PEM certificate: perhaps DER, or something else entirely */
	p = (const uint8_t *)text;
	if ((*out = d2i_X509(NULL, &p, (long)len)) != NULL)
		goto out;
	holds = file_holds(text);
	rc = cerr(-EINVAL, err, errlen,
	    "%s: no certificate (no -----BEGIN CERTIFICATE----- and "
	    "not DER)%s%s",
	    path, holds ? "; the file holds " : "", holds ? holds : "");
out:
	BIO_free(bio);
	free(text);
	ERR_clear_error();
	return rc;
}

/* RSA of 2048 bits and more, EC on the curves IKE names. */
static const char *
key_unusable(EVP_PKEY *k)
{
	char   curve[64];
	size_t n;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(k) < RSA_MIN_BITS ? "RSA key shorter than 2048 bits" :
							     NULL;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, curve,
			sizeof(curve), &n))
			return "EC key without a named curve";
		if (strcmp(curve, "prime256v1") && strcmp(curve, "secp384r1") &&
		    strcmp(curve, "secp521r1"))
			return "EC key on a curve other than P-256, P-384, P-521";
		return NULL;
	}
	return "key type other than RSA or EC";
}

/* Refuse to be asked for a passphrase: keys are stored unencrypted. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

int
ike_key_load(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	char	   *text;
	size_t	    len;
	BIO	   *bio = NULL;
	const char *holds, *bad;
	int	    rc = 0;

	*out = NULL;
	if ((text = file_read(path, &len, &rc, err, errlen)) == NULL)
		return rc;
	holds = file_holds(text);
	if (holds != NULL && strstr(holds, "encrypted") != NULL) {
		rc = cerr(-EINVAL, err, errlen, "%s: %s", path, holds);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
		rc = cerr(-EINVAL, err, errlen, "%s: no private key%s%s", path,
		    holds ? "; the file holds " : " (no PEM private key block)",
		    holds ? holds : "");
		goto out;
	}
	if ((bad = key_unusable(*out)) != NULL) {
		EVP_PKEY_free(*out);
		*out = NULL;
		rc = cerr(-EINVAL, err, errlen, "%s: %s", path, bad);
	}
out:
	BIO_free(bio);
	OPENSSL_cleanse(text, len);
	free(text);
	ERR_clear_error();
	return rc;
}

int
ike_cred_load(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key,
    char *err, size_t errlen)
{
	int rc;

	*cert = NULL;
	*key = NULL;
	if ((rc = ike_cert_load(cert_path, cert, err, errlen)) != 0 ||
	    (rc = ike_key_load(key_path, key, err, errlen)) != 0)
		goto out;
	if (X509_check_private_key(*cert, *key) != 1)
		rc = cerr(-EINVAL, err, errlen,
		    "%s: private key does not belong to the "
		    "certificate in %s",
		    key_path, cert_path);
out:
	if (rc != 0) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		*cert = NULL;
		*key = NULL;
	}
	ERR_clear_error();
	return rc;
}

static int
pem_count(const char *text, const char *marker)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, marker)) != NULL; p += strlen(marker))
		n++;
	return n;
}

static void
subject_text(X509 *c, char *buf, size_t len)
{
	X509_NAME_oneline(X509_get_subject_name(c), buf, (int)len);
}

int
ike_ca_load(const char *path, X509_STORE **out, char *err, size_t errlen)
{
	char  *text, subj[256];
	size_t len;
	BIO   *bio = NULL;
	X509  *c;
	int    rc = 0, n = 0;

	*out = NULL;
	if ((text = file_read(path, &len, &rc, err, errlen)) == NULL)
		return rc;
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL ||
	    (*out = X509_STORE_new()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		n++;
		/* RFC 5280 4.2.1.9: only a CA may vouch for others */
		if (X509_check_ca(c) < 1) {
			subject_text(c, subj, sizeof(subj));
			rc = cerr(-EINVAL, err, errlen,
			    "%s: certificate %d (%s) is not a CA "
			    "(no basicConstraints CA:TRUE)",
			    path, n, subj);
			X509_free(c);
			goto out;
		}
		if (!X509_STORE_add_cert(*out, c)) {
			X509_free(c);
			rc = cerr(-EINVAL, err, errlen, "%s: certificate %d could not be added",
			    path, n);
			goto out;
		}
		X509_free(c); /* the store holds its own reference */
	}
	if (n == 0) {
		const char *holds = file_holds(text);

		rc = cerr(-EINVAL, err, errlen, "%s: no PEM CA certificate%s%s", path,
		    holds ? "; the file holds " : "", holds ? holds : "");
	} else if (pem_count(text, "-----BEGIN CERTIFICATE-----") != n) {
		/* the reader stops quietly at a damaged block */
		rc = cerr(-EINVAL, err, errlen,
		    "%s: certificate %d does not parse (damaged "
		    "base64 or DER)",
		    path, n + 1);
	}
out:
	if (rc != 0) {
		X509_STORE_free(*out);
		*out = NULL;
	}
	BIO_free(bio);
	free(text);
	ERR_clear_error();
	return rc;
}

/* Exactly one DER certificate, nothing after it. */
static X509 *
der_cert(struct wire_rd der)
{
	const uint8_t *p = der.p;
	X509	      *c;

	if (der.len == 0 || der.len > (size_t)INT32_MAX)
		return NULL;
	if ((c = d2i_X509(NULL, &p, (long)der.len)) == NULL)
		return NULL;
	/* OpenSSL keeps the received encoding: re-encoding gives its length */
	if (i2d_X509(c, NULL) != (int)der.len) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int
ike_cert_verify(X509_STORE *store, struct wire_rd der, const struct wire_rd *chain,
    size_t nchain, X509 **out, char *err, size_t errlen)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	X509 *ee, *bad;
	char  subj[256];
	int   rc, e;

	*out = NULL;
	if ((ee = der_cert(der)) == NULL)
		return cerr(-EBADMSG, err, errlen, "the peer's certificate is not valid DER");
	if ((untrusted = sk_X509_new_null()) == NULL || (ctx = X509_STORE_CTX_new()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nchain; i++) {
		X509 *c = der_cert(chain[i]);

		if (c == NULL) {
			rc = cerr(-EBADMSG, err, errlen,
			    "the peer's certificate %zu is not valid "
			    "DER",
			    i + 2);
			goto out;
		}
		if (!sk_X509_push(untrusted, c)) {
			X509_free(c);
			rc = -ENOMEM;
			goto out;
		}
	}
	if (!X509_STORE_CTX_init(ctx, store, ee, untrusted)) {
		rc = -ENOMEM;
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		e = X509_STORE_CTX_get_error(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		subj[0] = '\0';
		if (bad != NULL)
			subject_text(bad, subj, sizeof(subj));
		rc = cerr(-EACCES, err, errlen, "certificate %s: %s", subj[0] ? subj : "(peer)",
		    X509_verify_cert_error_string(e));
		goto out;
	}
	*out = ee;
	ee = NULL;
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(ee);
	ERR_clear_error();
	return rc;
}

int
ike_cert_der(X509 *cert, uint8_t *buf, size_t cap, size_t *len)
{
	int n = i2d_X509(cert, NULL);

	*len = 0;
	if (n <= 0)
		return -EINVAL;
	if ((size_t)n > cap)
		return -EMSGSIZE;
	n = i2d_X509(cert, &buf);
	*len = (size_t)n;
	return 0;
}

int
ike_ca_keyid(X509 *ca, uint8_t out[IKE_CA_KEYID_LEN])
{
	uint8_t *spki = NULL;
	unsigned n = 0;
	int	 len, rc = -EIO;

	/* RFC 7296 3.7: over the whole SubjectPublicKeyInfo, not only the key */
	if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki)) <= 0)
		return -EINVAL;
	if (EVP_Digest(spki, (size_t)len, out, &n, EVP_sha1(), NULL) && n == IKE_CA_KEYID_LEN)
		rc = 0;
	OPENSSL_free(spki);
	return rc;
}

bool
ike_certreq_has(struct wire_rd data, const uint8_t keyid[IKE_CA_KEYID_LEN])
{
	uint8_t h[IKE_CA_KEYID_LEN];

	while (wire_get_bytes(&data, h, sizeof(h)))
		if (memcmp(h, keyid, sizeof(h)) == 0)
			return true;
	return false;
}
