/* vpn/ike_auth.c - AUTH payload data: signed octets (RFC 7296 2.15), PSK, RFC 7427 signatures, SIGNATURE_HASH_ALGORITHMS. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#define NITEMS(a)    (sizeof(a) / sizeof((a)[0]))
#define KEY_PAD	     "Key Pad for IKEv2" /* RFC 7296 2.15, no NUL */
#define RSA_MIN_BITS 2048

/*
 * RFC 7427 3 and appendix A: the AlgorithmIdentifier DER that precedes
 * the signature in a Digital Signature (method 14) AUTH payload. RSA
 * identifiers carry NULL parameters, ECDSA ones none (RFC 5758 3.2).
 * A received identifier must be one of these byte for byte.
 */
/* clang-format off */
static const struct sig_alg {
	uint16_t	 hash;		/* enum ike_hash_alg */
	int		 key;		/* EVP_PKEY_RSA / EVP_PKEY_EC */
	const char	*md;
	uint8_t		 len;
	uint8_t		 der[15];
} sig_algs[] = {
	{ IKE_HASH_SHA2_256, EVP_PKEY_RSA, "SHA256", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 } },
	{ IKE_HASH_SHA2_384, EVP_PKEY_RSA, "SHA384", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 } },
	{ IKE_HASH_SHA2_512, EVP_PKEY_RSA, "SHA512", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 } },
	{ IKE_HASH_SHA1, EVP_PKEY_RSA, "SHA1", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00 } },
	{ IKE_HASH_SHA2_256, EVP_PKEY_EC, "SHA256", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	    0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 } },
	{ IKE_HASH_SHA2_384, EVP_PKEY_EC, "SHA384", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	    0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 } },
	{ IKE_HASH_SHA2_512, EVP_PKEY_EC, "SHA512", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	    0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 } },
};
/* clang-format on */

/* RFC 4754: the legacy ECDSA methods fix curve and hash. */
static const struct {
	uint8_t	    method;
	const char *curve, *md;
	size_t	    coord;
} ecdsa_legacy[] = {
	{ IKE_AUTH_ECDSA_256, "prime256v1", "SHA256", 32 },
	{ IKE_AUTH_ECDSA_384, "secp384r1", "SHA384", 48 },
	{ IKE_AUTH_ECDSA_521, "secp521r1", "SHA512", 66 },
};

/* The three pieces the AUTH covers; maced_id is prf(SK_p, ID body). */
static int
auth_octets(const struct ike_auth_data *a, uint8_t *maced_id, struct wire_rd parts[3])
{
	int rc;

	if (a->sk_p == NULL || ike_prf_len(a->prf) == 0)
		return -ENOTSUP;
	if ((rc = ike_prf(a->prf, secret_data(a->sk_p), secret_len(a->sk_p), &a->id, 1,
		 maced_id)) != 0)
		return rc;
	parts[0] = a->msg;
	parts[1] = a->nonce;
	parts[2] = wire_rd_init(maced_id, ike_prf_len(a->prf));
	return 0;
}

int
ike_auth_psk(const struct ike_auth_data *a, const struct secret *psk, uint8_t *out, size_t cap,
    size_t *len)
{
	struct wire_rd pad = wire_rd_init(KEY_PAD, sizeof(KEY_PAD) - 1), parts[3];
	uint8_t	       kp[IKE_PRF_MAX_LEN], mid[IKE_PRF_MAX_LEN];
	size_t	       hl = ike_prf_len(a->prf);
	int	       rc;

	*len = 0;
	if (hl == 0)
		return -ENOTSUP;
	if (secret_empty(psk))
		return -EINVAL;
	if (cap < hl)
		return -EMSGSIZE;
	/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
	if ((rc = ike_prf(a->prf, secret_data(psk), secret_len(psk), &pad, 1, kp)) != 0 ||
	    (rc = auth_octets(a, mid, parts)) != 0 ||
	    (rc = ike_prf(a->prf, kp, hl, parts, 3, out)) != 0)
		goto out;
	*len = hl;
out:
	OPENSSL_cleanse(kp, sizeof(kp));
	OPENSSL_cleanse(mid, sizeof(mid));
	return rc;
}

int
ike_auth_psk_verify(const struct ike_auth_data *a, const struct secret *psk,
    struct wire_rd auth)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t	n;
	int	rc;

	if ((rc = ike_auth_psk(a, psk, want, sizeof(want), &n)) != 0)
		return rc;
	/* the length is public (the PRF's); the bytes compare in constant time */
	rc = auth.len == n && CRYPTO_memcmp(want, auth.p, n) == 0 ? 0 : -EBADMSG;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

static const struct sig_alg *
sig_alg_find(uint16_t hash, int key)
{
	for (size_t i = 0; i < NITEMS(sig_algs); i++)
		if (sig_algs[i].hash == hash && sig_algs[i].key == key)
			return &sig_algs[i];
	return NULL;
}

/* RSA or EC, and RSA big enough; other key types are not ours to use. */
static int
key_kind(EVP_PKEY *key)
{
	int t = EVP_PKEY_get_base_id(key);

	if (t == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < RSA_MIN_BITS)
		return -1;
	return t == EVP_PKEY_RSA || t == EVP_PKEY_EC ? t : -1;
}

static bool
ec_curve_is(EVP_PKEY *key, const char *curve)
{
	char   name[64];
	size_t n;

	return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name,
		   sizeof(name), &n) &&
	    strcmp(name, curve) == 0;
}

/* Sign the octets with PKCS#1 v1.5 (RSA) or ECDSA (DER), the default
 * padding and encoding of these key types. */
static int
sign_octets(EVP_PKEY *key, const char *md, const struct wire_rd parts[3], uint8_t *sig,
    size_t cap, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t	    need = 0;
	int	    rc = -EIO;

	if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) <= 0)
		goto out;
	for (int i = 0; i < 3; i++)
		if (parts[i].len > 0 &&
		    EVP_DigestSignUpdate(ctx, parts[i].p, parts[i].len) <= 0)
			goto out;
	if (EVP_DigestSignFinal(ctx, NULL, &need) <= 0)
		goto out;
	if (need > cap) {
		rc = -EMSGSIZE;
		goto out;
	}
	*siglen = cap;
	if (EVP_DigestSignFinal(ctx, sig, siglen) <= 0)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int
verify_octets(EVP_PKEY *key, const char *md, const struct wire_rd parts[3], const uint8_t *sig,
    size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int	    rc = -EIO;

	if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) <= 0)
		goto out;
	for (int i = 0; i < 3; i++)
		if (parts[i].len > 0 &&
		    EVP_DigestVerifyUpdate(ctx, parts[i].p, parts[i].len) <= 0)
			goto out;
	/* 0 is a wrong signature, < 0 one that does not even parse */
	rc = EVP_DigestVerifyFinal(ctx, sig, siglen) == 1 ? 0 : -EBADMSG;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
ike_auth_sign(const struct ike_auth_data *a, EVP_PKEY *key, uint8_t method, uint16_t hash,
    unsigned flags, uint8_t *out, size_t cap, size_t *len)
{
	const struct sig_alg *alg = NULL;
	struct wire_rd	      parts[3];
	uint8_t		      mid[IKE_PRF_MAX_LEN];
	size_t		      hdr = 0, siglen;
	const char	     *md;
	int		      kind = key_kind(key), rc;

	*len = 0;
	if (kind < 0)
		return -ENOTSUP;
	switch (method) {
	case IKE_AUTH_DIGITAL_SIG:
		if ((alg = sig_alg_find(hash, kind)) == NULL ||
		    (hash == IKE_HASH_SHA1 && !(flags & IKE_AUTH_ALLOW_SHA1)))
			return -ENOTSUP;
		md = alg->md;
		hdr = 1 + alg->len;
		break;
	case IKE_AUTH_RSA_SIG: /* RFC 7296 3.8: PKCS#1 v1.5, SHA-1 */
		if (kind != EVP_PKEY_RSA || !(flags & IKE_AUTH_ALLOW_SHA1))
			return -ENOTSUP;
		md = "SHA1";
		break;
	default:
		return -ENOTSUP;
	}
	if (cap < hdr)
		return -EMSGSIZE;
	if ((rc = auth_octets(a, mid, parts)) != 0)
		goto out;
	if ((rc = sign_octets(key, md, parts, out + hdr, cap - hdr, &siglen)) != 0)
		goto out;
	if (alg != NULL) {
		out[0] = alg->len; /* RFC 7427 3: ASN.1 Length */
		memcpy(out + 1, alg->der, alg->len);
	}
	*len = hdr + siglen;
out:
	OPENSSL_cleanse(mid, sizeof(mid));
	return rc;
}

/* RFC 4754 7: r | s, each the curve's size, to the DER that OpenSSL
 * verifies. */
static int
ecdsa_raw_to_der(const uint8_t *raw, size_t len, size_t coord, uint8_t *der, size_t cap,
    size_t *dlen)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM	  *r = NULL, *s = NULL;
	uint8_t	  *p = der;
	int	   n, rc = -EBADMSG;

	if (len != 2 * coord)
		return -EBADMSG;
	if ((sig = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(raw, (int)coord, NULL)) == NULL ||
	    (s = BN_bin2bn(raw + coord, (int)coord, NULL)) == NULL ||
	    !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		rc = -ENOMEM;
		goto out;
	}
	if ((n = i2d_ECDSA_SIG(sig, NULL)) <= 0 || (size_t)n > cap)
		goto out;
	*dlen = (size_t)i2d_ECDSA_SIG(sig, &p);
	rc = 0;
out:
	ECDSA_SIG_free(sig);
	return rc;
}

int
ike_auth_verify(const struct ike_auth_data *a, EVP_PKEY *pub, uint8_t method,
    struct wire_rd auth, unsigned flags)
{
	const struct sig_alg *alg = NULL;
	struct wire_rd	      parts[3], algid;
	uint8_t		      mid[IKE_PRF_MAX_LEN], der[160], alen;
	const char	     *md = NULL;
	const uint8_t	     *sig;
	size_t		      siglen = 0;
	int		      kind = key_kind(pub), rc;

	if (kind < 0)
		return -ENOTSUP;
	switch (method) {
	case IKE_AUTH_DIGITAL_SIG:
		if (!wire_get_u8(&auth, &alen) || !wire_get_sub(&auth, alen, &algid) ||
		    wire_empty(&auth))
			return -EBADMSG;
		for (size_t i = 0; i < NITEMS(sig_algs); i++)
			if (sig_algs[i].len == algid.len &&
			    memcmp(sig_algs[i].der, algid.p, algid.len) == 0)
				alg = &sig_algs[i];
		if (alg == NULL ||
		    (alg->hash == IKE_HASH_SHA1 && !(flags & IKE_AUTH_ALLOW_SHA1)))
			return -ENOTSUP;
		/* the algorithm must fit the certificate's key */
		if (alg->key != kind)
			return -EBADMSG;
		md = alg->md;
		sig = auth.p;
		siglen = auth.len;
		break;
	case IKE_AUTH_RSA_SIG:
		if (!(flags & IKE_AUTH_ALLOW_SHA1))
			return -ENOTSUP;
		if (kind != EVP_PKEY_RSA || wire_empty(&auth))
			return -EBADMSG;
		md = "SHA1";
		sig = auth.p;
		siglen = auth.len;
		break;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521: {
		size_t i = 0;

		while (ecdsa_legacy[i].method != method) /* all three are listed */
			i++;
		if (kind != EVP_PKEY_EC || !ec_curve_is(pub, ecdsa_legacy[i].curve))
			return -EBADMSG;
		if ((rc = ecdsa_raw_to_der(auth.p, auth.len, ecdsa_legacy[i].coord, der,
			 sizeof(der), &siglen)) != 0)
			return rc;
		md = ecdsa_legacy[i].md;
		sig = der;
		break;
	}
	default:
		return -ENOTSUP;
	}
	if ((rc = auth_octets(a, mid, parts)) == 0)
		rc = verify_octets(pub, md, parts, sig, siglen);
	OPENSSL_cleanse(mid, sizeof(mid));
	return rc;
}

uint16_t
ike_auth_hash_pick(EVP_PKEY *key, uint32_t peer_mask)
{
	static const uint16_t order[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384,
		IKE_HASH_SHA2_512 };
	uint16_t	      want = IKE_HASH_SHA2_256;
	int		      kind = key_kind(key);

	if (kind < 0)
		return 0;
	/* ECDSA: the hash that matches the curve's strength */
	if (kind == EVP_PKEY_EC) {
		if (ec_curve_is(key, "secp384r1"))
			want = IKE_HASH_SHA2_384;
		else if (ec_curve_is(key, "secp521r1"))
			want = IKE_HASH_SHA2_512;
	}
	/* a peer that announced nothing still gets RFC 7427 with SHA-256 or
	 * the curve's hash: strongSwan and every current stack take it */
	if (peer_mask == 0 || (peer_mask & (1u << want)))
		return want;
	for (size_t i = 0; i < NITEMS(order); i++)
		if (peer_mask & (1u << order[i]))
			return order[i];
	return 0;
}

size_t
ike_sighash_encode(uint8_t *buf, size_t cap, unsigned flags)
{
	struct wire_wr w = wire_wr_init(buf, cap);

	wire_put_u16(&w, IKE_HASH_SHA2_256);
	wire_put_u16(&w, IKE_HASH_SHA2_384);
	wire_put_u16(&w, IKE_HASH_SHA2_512);
	if (flags & IKE_AUTH_ALLOW_SHA1)
		wire_put_u16(&w, IKE_HASH_SHA1);
	return wire_wr_ok(&w) ? wire_wr_len(&w) : 0;
}

enum ike_err
ike_sighash_decode(struct wire_rd data, uint32_t *mask)
{
	uint16_t id;

	*mask = 0;
	if (wire_left(&data) % 2 != 0) /* RFC 7427 4: 2-octet ids */
		return IKE_ERR_SYNTAX;
	while (wire_get_u16(&data, &id))
		if (id < 32)
			*mask |= 1u << id;
	return IKE_OK;
}
