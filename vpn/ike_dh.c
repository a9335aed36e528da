/* vpn/ike_dh.c - Diffie-Hellman for IKEv2: MODP (RFC 2409, 3526, 5114), ECP (RFC 5903), X25519 (RFC 8031), peer value checks. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#define NITEMS(a)  (sizeof(a) / sizeof((a)[0]))
#define DH_PUB_MAX 512 /* MODP-4096 */

/* RFC 5114 2.3, 2048-bit MODP group with a 256-bit prime order subgroup. */
static const char g24_p[] = "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00"
			    "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C"
			    "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
			    "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76"
			    "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E"
			    "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
			    "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103"
			    "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597";
static const char g24_g[] = "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125"
			    "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62"
			    "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
			    "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193"
			    "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A"
			    "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
			    "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3"
			    "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659";
static const char g24_q[] = "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3";

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

/*
 * The groups we run. MODP primes are RFC 2409 (1, 2) and RFC 3526 (5,
 * 14-16), taken from OpenSSL's own copies of those RFC constants, with
 * generator 2; group 24 carries its subgroup order q, which makes the
 * RFC 6989 2.2 membership check possible.
 */
/* clang-format off */
static const struct dh_info {
	uint16_t	 group;
	enum dh_kind	 kind;
	uint16_t	 len;		/* public value bytes */
	BIGNUM		*(*prime)(BIGNUM *);
	int		 nid;		/* ECP curve */
} dh_tab[] = {
	{ IKE_DH_MODP768,	DH_MODP,	96,	BN_get_rfc2409_prime_768, 0 },
	{ IKE_DH_MODP1024,	DH_MODP,	128,	BN_get_rfc2409_prime_1024, 0 },
	{ IKE_DH_MODP1536,	DH_MODP,	192,	BN_get_rfc3526_prime_1536, 0 },
	{ IKE_DH_MODP2048,	DH_MODP,	256,	BN_get_rfc3526_prime_2048, 0 },
	{ IKE_DH_MODP3072,	DH_MODP,	384,	BN_get_rfc3526_prime_3072, 0 },
	{ IKE_DH_MODP4096,	DH_MODP,	512,	BN_get_rfc3526_prime_4096, 0 },
	{ IKE_DH_MODP2048_256,	DH_MODP,	256,	NULL, 0 },
	{ IKE_DH_ECP256,	DH_ECP,		64,	NULL, NID_X9_62_prime256v1 },
	{ IKE_DH_ECP384,	DH_ECP,		96,	NULL, NID_secp384r1 },
	{ IKE_DH_ECP521,	DH_ECP,		132,	NULL, NID_secp521r1 },
	{ IKE_DH_CURVE25519,	DH_X25519,	32,	NULL, 0 },
};
/* clang-format on */

struct ike_dh {
	const struct dh_info *info;
	EVP_PKEY	     *key; /* ours, private part included */
	size_t		      publen;
	uint8_t		      pub[DH_PUB_MAX];
};

static const struct dh_info *
dh_find(uint16_t group)
{
	for (size_t i = 0; i < NITEMS(dh_tab); i++)
		if (dh_tab[i].group == group)
			return &dh_tab[i];
	return NULL;
}

bool
ike_dh_supported(uint16_t group)
{
	return dh_find(group) != NULL;
}

size_t
ike_dh_public_len(uint16_t group)
{
	const struct dh_info *i = dh_find(group);

	return i ? i->len : 0;
}

uint16_t
ike_dh_group(const struct ike_dh *dh)
{
	return dh->info->group;
}

/* p, g and (group 24 only) q of a MODP group; the caller frees them. */
static int
modp_params(const struct dh_info *i, BIGNUM **p, BIGNUM **g, BIGNUM **q)
{
	*p = *g = *q = NULL;
	if (i->prime != NULL) {
		*p = i->prime(NULL);
		*g = BN_new();
		if (*p == NULL || *g == NULL || !BN_set_word(*g, 2))
			goto fail;
		return 0;
	}
	if (!BN_hex2bn(p, g24_p) || !BN_hex2bn(g, g24_g) || !BN_hex2bn(q, g24_q))
		goto fail;
	return 0;
fail:
	BN_free(*p);
	BN_free(*g);
	BN_free(*q);
	*p = *g = *q = NULL;
	return -ENOMEM;
}

static const char *
ec_name(const struct dh_info *i)
{
	return OBJ_nid2sn(i->nid);
}

/*
 * A DH key from parameters and optionally a key pair (priv may be NULL:
 * then only the public part, for the peer). OSSL_PARAM_BLD copies the
 * numbers and clears its copy of the private one when freed.
 */
static int
modp_key(const struct dh_info *i, const BIGNUM *priv, const BIGNUM *pub, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM     *params = NULL;
	EVP_PKEY_CTX   *ctx = NULL;
	BIGNUM	       *p, *g, *q;
	int		rc, sel;

	*out = NULL;
	if ((rc = modp_params(i, &p, &g, &q)) != 0)
		return rc;
	rc = -EIO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
	    (q != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q)) ||
	    (pub != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub)) ||
	    (priv != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	sel = priv != NULL ? EVP_PKEY_KEYPAIR :
	    pub != NULL	   ? EVP_PKEY_PUBLIC_KEY :
			     EVP_PKEY_KEY_PARAMETERS;
	if (EVP_PKEY_fromdata(ctx, out, sel, params) <= 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	BN_free(q);
	return rc;
}

static int
gen_from(EVP_PKEY_CTX *ctx, EVP_PKEY **key)
{
	return ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_generate(ctx, key) > 0 ?
	    0 :
	    -EIO;
}

static int
dh_generate(const struct dh_info *i, EVP_PKEY **key)
{
	EVP_PKEY     *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int	      rc = -EIO;

	*key = NULL;
	switch (i->kind) {
	case DH_MODP:
		if ((rc = modp_key(i, NULL, NULL, &params)) != 0)
			return rc;
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		rc = gen_from(ctx, key);
		break;
	case DH_ECP:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_group_name(ctx, ec_name(i)) <= 0 ||
		    EVP_PKEY_generate(ctx, key) <= 0)
			rc = -EIO;
		else
			rc = 0;
		break;
	case DH_X25519:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
		rc = gen_from(ctx, key);
		break;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return rc;
}

/* Our public value as it goes into KE: MODP left-padded to the prime's
 * length (RFC 7296 3.4), ECP x | y without the 0x04 (RFC 5903 7). */
static int
dh_encode_public(struct ike_dh *dh)
{
	const struct dh_info *i = dh->info;
	uint8_t		      pt[1 + DH_PUB_MAX];
	BIGNUM		     *y = NULL;
	size_t		      n = 0;
	int		      rc = -EIO;

	switch (i->kind) {
	case DH_MODP:
		if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) ||
		    BN_bn2binpad(y, dh->pub, i->len) != i->len)
			goto out;
		break;
	case DH_ECP:
		if (!EVP_PKEY_get_octet_string_param(dh->key,
			OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) ||
		    n != 1u + i->len || pt[0] != POINT_CONVERSION_UNCOMPRESSED)
			goto out;
		memcpy(dh->pub, pt + 1, i->len);
		break;
	case DH_X25519:
		n = sizeof(dh->pub);
		if (!EVP_PKEY_get_raw_public_key(dh->key, dh->pub, &n) || n != i->len)
			goto out;
		break;
	}
	dh->publen = i->len;
	rc = 0;
out:
	BN_free(y);
	return rc;
}

static int
dh_alloc(uint16_t group, struct ike_dh **out)
{
	const struct dh_info *i = dh_find(group);

	*out = NULL;
	if (i == NULL)
		return -ENOTSUP;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return -ENOMEM;
	(*out)->info = i;
	return 0;
}

int
ike_dh_new(uint16_t group, struct ike_dh **out)
{
	struct ike_dh *dh;
	int	       rc;

	*out = NULL;
	if ((rc = dh_alloc(group, &dh)) != 0)
		return rc;
	if ((rc = dh_generate(dh->info, &dh->key)) != 0 || (rc = dh_encode_public(dh)) != 0) {
		ike_dh_free(dh);
		return rc;
	}
	*out = dh;
	return 0;
}

/* An EC key pair from a scalar: the public point d * G computed here,
 * since OpenSSL's import does not derive it. */
static int
ecp_key_from_private(const struct dh_info *i, const BIGNUM *d, EVP_PKEY **out)
{
	EC_GROUP       *grp = NULL;
	EC_POINT       *pt = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM     *params = NULL;
	EVP_PKEY_CTX   *ctx = NULL;
	uint8_t		enc[1 + DH_PUB_MAX];
	size_t		n;
	int		rc = -EIO;

	*out = NULL;
	if ((grp = EC_GROUP_new_by_curve_name(i->nid)) == NULL ||
	    (pt = EC_POINT_new(grp)) == NULL || !EC_POINT_mul(grp, pt, d, NULL, NULL, NULL) ||
	    (n = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, enc, sizeof(enc),
		 NULL)) == 0 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ec_name(i), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) <= 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return rc;
}

/* A MODP key pair from x: y = g^x mod p computed here. */
static int
modp_key_from_private(const struct dh_info *i, const BIGNUM *x, EVP_PKEY **out)
{
	BIGNUM *p, *g, *q, *y = BN_new();
	BN_CTX *bn = BN_CTX_new();
	int	rc;

	*out = NULL;
	if ((rc = modp_params(i, &p, &g, &q)) != 0)
		goto out;
	rc = -EIO;
	if (y == NULL || bn == NULL || !BN_mod_exp(y, g, x, p, bn))
		goto out;
	rc = modp_key(i, x, y, out);
out:
	BN_free(p);
	BN_free(g);
	BN_free(q);
	BN_free(y);
	BN_CTX_free(bn);
	return rc;
}

int
ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len, struct ike_dh **out)
{
	struct ike_dh *dh;
	BIGNUM	      *x = NULL;
	int	       rc;

	*out = NULL;
	if ((rc = dh_alloc(group, &dh)) != 0)
		return rc;
	rc = -EIO;
	switch (dh->info->kind) {
	case DH_MODP:
	case DH_ECP:
		if ((x = BN_secure_new()) == NULL || BN_bin2bn(priv, (int)len, x) == NULL)
			goto out;
		rc = dh->info->kind == DH_MODP ? modp_key_from_private(dh->info, x, &dh->key) :
						 ecp_key_from_private(dh->info, x, &dh->key);
		break;
	case DH_X25519:
		dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, len);
		rc = dh->key != NULL ? 0 : -EINVAL;
		break;
	}
	if (rc == 0)
		rc = dh_encode_public(dh);
out:
	BN_clear_free(x);
	if (rc != 0) {
		ike_dh_free(dh);
		return rc;
	}
	*out = dh;
	return 0;
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap, size_t *len)
{
	if (cap < dh->publen)
		return -EMSGSIZE;
	memcpy(out, dh->pub, dh->publen);
	*len = dh->publen;
	return 0;
}

/*
 * The peer's MODP value as a key, after RFC 7296 2.12 / RFC 6989 2.1:
 * 1 < y < p-1, and for the group with a known subgroup order q,
 * y^q = 1 mod p (RFC 6989 2.2).
 */
static int
modp_peer(const struct dh_info *i, const uint8_t *v, size_t len, EVP_PKEY **out)
{
	BIGNUM *p, *g, *q, *y = NULL, *pm1 = NULL, *t = NULL;
	BN_CTX *bn = NULL;
	int	rc;

	*out = NULL;
	if ((rc = modp_params(i, &p, &g, &q)) != 0)
		return rc;
	rc = -ENOMEM;
	if ((y = BN_bin2bn(v, (int)len, NULL)) == NULL || (pm1 = BN_dup(p)) == NULL ||
	    (t = BN_new()) == NULL || (bn = BN_CTX_new()) == NULL || !BN_sub_word(pm1, 1))
		goto out;
	rc = -EBADMSG;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	if (q != NULL) {
		if (!BN_mod_exp(t, y, q, p, bn)) {
			rc = -EIO;
			goto out;
		}
		if (!BN_is_one(t))
			goto out;
	}
	rc = modp_key(i, NULL, y, out);
out:
	BN_free(p);
	BN_free(g);
	BN_free(q);
	BN_free(y);
	BN_free(pm1);
	BN_free(t);
	BN_CTX_free(bn);
	return rc;
}

/* The peer's x | y as an EC key; OpenSSL refuses points off the curve
 * when importing, and the public check repeats it (RFC 5903 does not
 * allow skipping it: invalid-curve attacks). */
static int
ecp_peer(const struct dh_info *i, const uint8_t *v, size_t len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM     *params = NULL;
	EVP_PKEY_CTX   *ctx = NULL, *chk = NULL;
	uint8_t		enc[1 + DH_PUB_MAX];
	int		rc = -EIO;

	*out = NULL;
	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(enc + 1, v, len);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ec_name(i), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, len + 1) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	rc = -EBADMSG;
	if (EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0 ||
	    (chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) <= 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int
ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len, struct secret *shared)
{
	const struct dh_info *i = dh->info;
	EVP_PKEY	     *pk = NULL;
	EVP_PKEY_CTX	     *ctx = NULL;
	uint8_t		      z[DH_PUB_MAX];
	size_t		      zlen = sizeof(z), want;
	int		      rc;

	secret_wipe(shared);
	/* RFC 7296 3.4: exactly the group's length */
	if (len != i->len)
		return -EBADMSG;
	switch (i->kind) {
	case DH_MODP:
		rc = modp_peer(i, peer, len, &pk);
		want = i->len;
		break;
	case DH_ECP:
		rc = ecp_peer(i, peer, len, &pk);
		want = i->len / 2; /* the x coordinate (RFC 5903 7) */
		break;
	default:
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, len);
		rc = pk != NULL ? 0 : -EBADMSG;
		want = i->len;
		break;
	}
	if (rc != 0)
		goto out;
	rc = -EIO;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    (i->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0))
		goto out;
	/* OpenSSL checks the peer key once more; where it knows the
	 * group's q (the RFC 3526 safe primes) that includes subgroup
	 * membership, which honest values (powers of 2, a square there)
	 * always pass. A refusal is the peer's value. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0) {
		rc = -EBADMSG;
		goto out;
	}
	if (EVP_PKEY_derive(ctx, z, &zlen) <= 0) {
		/* for X25519 only the input can make this fail: a small-order
		 * point gives the all-zero secret (RFC 8031 2.3) */
		rc = i->kind == DH_X25519 ? -EBADMSG : -EIO;
		goto out;
	}
	if (zlen != want)
		goto out;
	if (i->kind == DH_X25519) {
		uint8_t acc = 0;

		for (size_t k = 0; k < zlen; k++)
			acc |= z[k];
		if (acc == 0) {
			rc = -EBADMSG;
			goto out;
		}
	}
	rc = secret_set(shared, z, zlen);
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key); /* clears the private value */
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}
