/* vpn/ike_prf.c - RFC 7296 2.13-2.18: prf, prf+, SKEYSEED, the IKE SA keys, Child SA KEYMAT, IKE SA rekey. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"
#include "vpn/ike_local.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define NONCES_MAX     (2 * IKE_NONCE_MAX)
#define SEED_PARTS_MAX 8

int
ike_hmac(const char *digest, const uint8_t *key, size_t keylen, const struct wire_rd *parts,
    size_t nparts, uint8_t *out, size_t *outlen)
{
	static const uint8_t nokey[1];
	EVP_MAC		    *mac = NULL;
	EVP_MAC_CTX	    *ctx = NULL;
	OSSL_PARAM	     params[2];
	int		     rc = -EIO;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* a NULL key would mean "keep the previous one" to OpenSSL */
	if (!EVP_MAC_init(ctx, keylen ? key : nokey, keylen, params))
		goto out;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].len > 0 && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, outlen, IKE_PRF_MAX_LEN))
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx); /* frees (and cleanses) the keyed state */
	EVP_MAC_free(mac);
	return rc;
}

int
ike_prf(uint16_t prf, const uint8_t *key, size_t keylen, const struct wire_rd *parts,
    size_t nparts, uint8_t *out)
{
	const char *md = ike_prf_digest(prf);
	size_t	    n;

	if (md == NULL)
		return -ENOTSUP;
	return ike_hmac(md, key, keylen, parts, nparts, out, &n);
}

/*
 * RFC 7296 2.13: prf+ (K,S) = T1 | T2 | T3 | ...
 *   T1 = prf (K, S | 0x01), Tn = prf (K, Tn-1 | S | n)
 * The counter is one octet, hence at most 255 blocks.
 */
int
ike_prfplus(uint16_t prf, const uint8_t *key, size_t keylen, const struct wire_rd *seed,
    size_t nseed, uint8_t *out, size_t len)
{
	struct wire_rd parts[SEED_PARTS_MAX + 2];
	uint8_t	       t[IKE_PRF_MAX_LEN], ctr;
	size_t	       hl = ike_prf_len(prf), off = 0, np;
	int	       rc = 0;

	if (hl == 0)
		return -ENOTSUP;
	if (nseed > SEED_PARTS_MAX || len > 255 * hl)
		return -EINVAL;
	for (ctr = 1; off < len; ctr++) {
		size_t take = len - off < hl ? len - off : hl;

		np = 0;
		if (ctr > 1)
			parts[np++] = wire_rd_init(t, hl);
		for (size_t i = 0; i < nseed; i++)
			parts[np++] = seed[i];
		parts[np++] = wire_rd_init(&ctr, 1);
		if ((rc = ike_prf(prf, key, keylen, parts, np, t)) != 0)
			goto out;
		memcpy(out + off, t, take);
		off += take;
	}
out:
	OPENSSL_cleanse(t, sizeof(t));
	if (rc != 0)
		OPENSSL_cleanse(out, len);
	return rc;
}

/* Ni | Nr into buf (the HMAC key of SKEYSEED, RFC 7296 2.14: for HMAC
 * PRFs the whole nonces). */
static int
nonces_cat(struct wire_rd ni, struct wire_rd nr, uint8_t *buf, size_t *len)
{
	if (ni.len > IKE_NONCE_MAX || nr.len > IKE_NONCE_MAX)
		return -EINVAL;
	memcpy(buf, ni.p, ni.len);
	memcpy(buf + ni.len, nr.p, nr.len);
	*len = ni.len + nr.len;
	return 0;
}

int
ike_skeyseed(uint16_t prf, struct wire_rd ni, struct wire_rd nr, const struct secret *g_ir,
    struct secret *skeyseed)
{
	uint8_t	       key[NONCES_MAX], out[IKE_PRF_MAX_LEN];
	struct wire_rd data = wire_rd_init(secret_data(g_ir), secret_len(g_ir));
	size_t	       klen;
	int	       rc;

	secret_wipe(skeyseed);
	if ((rc = nonces_cat(ni, nr, key, &klen)) != 0)
		return rc;
	if ((rc = ike_prf(prf, key, klen, &data, 1, out)) == 0)
		rc = secret_set(skeyseed, out, ike_prf_len(prf));
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
ike_skeyseed_rekey(uint16_t old_prf, const struct secret *old_sk_d, const struct secret *g_ir,
    struct wire_rd ni, struct wire_rd nr, struct secret *skeyseed)
{
	/* clang-format off */
	struct wire_rd	 data[3] = {
		wire_rd_init(secret_data(g_ir), secret_len(g_ir)), ni, nr };
	uint8_t		 out[IKE_PRF_MAX_LEN];
	int		 rc;

	secret_wipe(skeyseed);
	rc = ike_prf(old_prf, secret_data(old_sk_d), secret_len(old_sk_d), data, 3, out);
	if (rc == 0)
		rc = secret_set(skeyseed, out, ike_prf_len(old_prf));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

/* Cut the next n bytes of km into s. */
static int
take(struct secret *s, const uint8_t *km, size_t *off, size_t n)
{
	int	 rc = secret_set(s, km + *off, n);

	*off += n;
	return rc;
}

/* Key lengths of an SA: 0, or -ENOTSUP for an algorithm we cannot run
 * and -EINVAL for integrity present with AEAD or missing without. */
static int
suite_lens(const struct ike_suite *s, size_t *elen, size_t *alen)
{
	*elen = ike_encr_key_len(s->encr, s->encr_keylen);
	*alen = s->integ == IKE_INTEG_NONE ? 0 : ike_integ_key_len(s->integ);
	if (*elen == 0 || (s->integ != IKE_INTEG_NONE && *alen == 0))
		return -ENOTSUP;
	if (ike_encr_is_aead(s->encr) != (s->integ == IKE_INTEG_NONE))
		return -EINVAL;
	return 0;
}

int
ike_keys_derive(const struct ike_suite *s, const struct secret *skeyseed, struct wire_rd ni,
    struct wire_rd nr, uint64_t spii, uint64_t spir, struct ike_keys *k)
{
	uint8_t		 km[SECRET_MAX], spis[16];
	struct wire_rd	 seed[3];
	size_t		 plen = ike_prf_len(s->prf), elen, alen, total, off = 0;
	int		 rc;

	ike_keys_wipe(k);
	if (plen == 0)
		return -ENOTSUP;
	if ((rc = suite_lens(s, &elen, &alen)) != 0)
		return rc;
	total = 3 * plen + 2 * alen + 2 * elen;
	if (total > sizeof(km))
		return -EMSGSIZE;
	for (int i = 0; i < 8; i++) {
		spis[i] = (uint8_t)(spii >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spir >> (56 - 8 * i));
	}
	seed[0] = ni;
	seed[1] = nr;
	seed[2] = wire_rd_init(spis, sizeof(spis));
	if ((rc = ike_prfplus(s->prf, secret_data(skeyseed), secret_len(skeyseed), seed, 3,
	    km, total)) != 0)
		goto out;
	/* RFC 7296 2.14: in this order */
	if ((rc = take(&k->d, km, &off, plen)) != 0 || (rc = take(&k->ai, km, &off, alen)) != 0 ||
	    (rc = take(&k->ar, km, &off, alen)) != 0 || (rc = take(&k->ei, km, &off, elen)) != 0 ||
	    (rc = take(&k->er, km, &off, elen)) != 0 || (rc = take(&k->pi, km, &off, plen)) != 0 ||
	    (rc = take(&k->pr, km, &off, plen)) != 0)
		goto out;
out:
	OPENSSL_cleanse(km, sizeof(km));
	if (rc != 0)
		ike_keys_wipe(k);
	return rc;
}

int
ike_keys_from_dh(const struct ike_suite *s, const struct secret *g_ir, struct wire_rd ni,
    struct wire_rd nr, uint64_t spii, uint64_t spir, struct ike_keys *k)
{
	struct secret	 skeyseed;
	int		 rc;

	ike_keys_wipe(k);
	if ((rc = ike_skeyseed(s->prf, ni, nr, g_ir, &skeyseed)) == 0)
		rc = ike_keys_derive(s, &skeyseed, ni, nr, spii, spir, k);
	secret_wipe(&skeyseed);
	return rc;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	secret_wipe(&k->d);
	secret_wipe(&k->ai);
	secret_wipe(&k->ar);
	secret_wipe(&k->ei);
	secret_wipe(&k->er);
	secret_wipe(&k->pi);
	secret_wipe(&k->pr);
}

int
ike_child_keys_derive(uint16_t prf, const struct secret *sk_d, const struct secret *g_ir,
    struct wire_rd ni, struct wire_rd nr, const struct ike_suite *child,
    struct ike_child_keys *k)
{
	uint8_t		 km[SECRET_MAX];
	struct wire_rd	 seed[3];
	size_t		 elen, alen, total, off = 0, ns = 0;
	int		 rc;

	ike_child_keys_wipe(k);
	if ((rc = suite_lens(child, &elen, &alen)) != 0)
		return rc;
	total = 2 * (elen + alen);
	if (total > sizeof(km))
		return -EMSGSIZE;
	if (g_ir != NULL)	/* PFS: the new shared secret comes first */
		seed[ns++] = wire_rd_init(secret_data(g_ir), secret_len(g_ir));
	seed[ns++] = ni;
	seed[ns++] = nr;
	if ((rc = ike_prfplus(prf, secret_data(sk_d), secret_len(sk_d), seed, ns, km,
	    total)) != 0)
		goto out;
	/* RFC 7296 2.17: encryption before integrity, initiator's SA first */
	if ((rc = take(&k->ei, km, &off, elen)) != 0 || (rc = take(&k->ai, km, &off, alen)) != 0 ||
	    (rc = take(&k->er, km, &off, elen)) != 0 || (rc = take(&k->ar, km, &off, alen)) != 0)
		goto out;
out:
	OPENSSL_cleanse(km, sizeof(km));
	if (rc != 0)
		ike_child_keys_wipe(k);
	return rc;
}

void
ike_child_keys_wipe(struct ike_child_keys *k)
{
	secret_wipe(&k->ei);
	secret_wipe(&k->ai);
	secret_wipe(&k->er);
	secret_wipe(&k->ar);
}

/* clang-format on */