/* vpn/ike_sk.c - the SK and SKF payloads: AES-GCM (RFC 5282) or AES-CBC + HMAC (RFC 7296 3.14, RFC 4868), padding. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"
#include "vpn/ike_local.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define GCM_SALT 4
#define GCM_IV	 8
#define GCM_ICV	 16

static const EVP_CIPHER *
gcm_cipher(size_t keylen)
{
	switch (keylen) {
	case 16:
		return EVP_aes_128_gcm();
	case 24:
		return EVP_aes_192_gcm();
	case 32:
		return EVP_aes_256_gcm();
	}
	return NULL;
}

/* RFC 5282 4: the 12-byte nonce is salt | explicit IV. */
static EVP_CIPHER_CTX *
gcm_ctx(const uint8_t *key, size_t keylen, const uint8_t salt[4], const uint8_t iv[8], bool enc)
{
	const EVP_CIPHER *c = gcm_cipher(keylen);
	EVP_CIPHER_CTX	 *ctx;
	uint8_t		  nonce[GCM_SALT + GCM_IV];

	if (c == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	memcpy(nonce, salt, GCM_SALT);
	memcpy(nonce + GCM_SALT, iv, GCM_IV);
	if (!EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) ||
	    !EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
ike_gcm_seal(const uint8_t *key, size_t keylen, const uint8_t salt[4], const uint8_t iv[8],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = gcm_ctx(key, keylen, salt, iv, true);
	int		n, rc = -EIO;

	if (ctx == NULL)
		return -EIO;
	if ((aadlen > 0 && !EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen)) ||
	    (len > 0 && !EVP_EncryptUpdate(ctx, out, &n, in, (int)len)) ||
	    !EVP_EncryptFinal_ex(ctx, out + len, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_ICV, tag))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
	return rc;
}

int
ike_gcm_open(const uint8_t *key, size_t keylen, const uint8_t salt[4], const uint8_t iv[8],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, const uint8_t tag[16],
    uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = gcm_ctx(key, keylen, salt, iv, false);
	uint8_t		t[GCM_ICV];
	int		n, rc = -EIO;

	if (ctx == NULL)
		return -EIO;
	memcpy(t, tag, sizeof(t));
	if ((aadlen > 0 && !EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen)) ||
	    (len > 0 && !EVP_DecryptUpdate(ctx, out, &n, in, (int)len)) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_ICV, t))
		goto out;
	/* the tag check; the output is not to be used before it passes */
	if (EVP_DecryptFinal_ex(ctx, out + len, &n) <= 0) {
		OPENSSL_cleanse(out, len);
		rc = -EBADMSG;
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* AES-CBC over whole blocks, in place or not, without OpenSSL padding
 * (IKE pads itself). */
static int
cbc(uint16_t keybits, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t *out, bool enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int		n, rc = -EIO;

	if (ctx == NULL)
		return -EIO;
	if (!EVP_CipherInit_ex(ctx, ike_encr_evp(IKE_ENCR_AES_CBC, keybits), NULL, key, iv,
		enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)len) || (size_t)n != len ||
	    !EVP_CipherFinal_ex(ctx, out + len, &n))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static bool
dir_aead(const struct ike_sk_dir *d)
{
	return ike_encr_is_aead(d->encr);
}

static size_t
dir_icv(const struct ike_sk_dir *d)
{
	return dir_aead(d) ? ike_encr_icv_len(d->encr) : ike_integ_icv_len(d->integ);
}

/* One direction's keys, checked against what the suite says they are. */
static int
dir_init(struct ike_sk_dir *d, const struct ike_suite *s, const struct secret *ek,
    const struct secret *ak)
{
	size_t elen = ike_encr_key_len(s->encr, s->encr_keylen);
	size_t alen = s->integ ? ike_integ_key_len(s->integ) : 0;

	memset(d, 0, sizeof(*d));
	if (elen == 0 || (s->integ != IKE_INTEG_NONE && alen == 0))
		return -ENOTSUP;
	if (ike_encr_is_aead(s->encr) != (s->integ == IKE_INTEG_NONE) ||
	    secret_len(ek) != elen || secret_len(ak) != alen)
		return -EINVAL;
	d->encr = s->encr;
	d->keylen = s->encr_keylen;
	d->integ = s->integ;
	secret_copy(&d->ek, ek);
	secret_copy(&d->ak, ak);
	return 0;
}

int
ike_sk_init(struct ike_sk *sk, const struct ike_suite *s, const struct ike_keys *k,
    bool initiator)
{
	int rc;

	/* RFC 7296 2.14: SK_ei/SK_ai protect what the initiator sends */
	rc = dir_init(&sk->out, s, initiator ? &k->ei : &k->er, initiator ? &k->ai : &k->ar);
	if (rc == 0)
		rc = dir_init(&sk->in, s, initiator ? &k->er : &k->ei,
		    initiator ? &k->ar : &k->ai);
	if (rc != 0)
		ike_sk_wipe(sk);
	return rc;
}

void
ike_sk_wipe(struct ike_sk *sk)
{
	secret_wipe(&sk->out.ek);
	secret_wipe(&sk->out.ak);
	secret_wipe(&sk->in.ek);
	secret_wipe(&sk->in.ak);
	memset(sk, 0, sizeof(*sk));
}

size_t
ike_sk_iv_len(const struct ike_sk_dir *d)
{
	return ike_encr_iv_len(d->encr);
}

size_t
ike_sk_overhead(const struct ike_sk_dir *d)
{
	return IKE_PL_HDR_LEN + ike_sk_iv_len(d) + ike_encr_block_len(d->encr) - 1 + 1 +
	    dir_icv(d);
}

void
ike_sk_begin(struct ike_enc *e, const struct ike_sk_dir *d)
{
	ike_enc_sk_begin(e, ike_sk_iv_len(d));
}

int
ike_sk_seal(struct ike_sk_dir *d, struct ike_enc *e)
{
	struct wire_wr *w = e->w;
	size_t		ivl = ike_sk_iv_len(d), block = ike_encr_block_len(d->encr);
	size_t		icv = dir_icv(d), klen = secret_len(&d->ek), plen, pad, ctlen, mlen;
	uint8_t	       *msg, *iv, *pt, *icvp, mac[IKE_PRF_MAX_LEN];
	int		rc;

	if (!e->in_sk || block == 0 || icv == 0)
		return -EINVAL;
	if (w->overflow || e->failed || w->off < e->sk_iv + ivl)
		return -EMSGSIZE;
	/* RFC 7296 3.14: pad so that padding + pad length fill the block;
	 * the padding bytes may be anything, we send zeros */
	plen = w->off - (e->sk_iv + ivl);
	pad = (block - (plen + 1) % block) % block;
	wire_put_zero(w, pad);
	wire_put_u8(w, (uint8_t)pad);
	wire_put_zero(w, icv);
	if ((rc = ike_enc_close_sk(e)) != 0)
		return rc;
	/* the lengths are final: what follows covers them */
	msg = w->p + e->start;
	mlen = w->off - e->start;
	iv = w->p + e->sk_iv;
	pt = iv + ivl;
	ctlen = plen + pad + 1;
	icvp = pt + ctlen;
	if (dir_aead(d)) {
		/* RFC 5282 3.1, 4: the IV must never repeat under one key;
		 * a counter guarantees it */
		for (size_t i = 0; i < GCM_IV; i++)
			iv[i] = (uint8_t)(d->iv_seq >> (8 * (GCM_IV - 1 - i)));
		d->iv_seq++;
		/* RFC 5282 5.1: the AAD is everything before the IV */
		rc = ike_gcm_seal(secret_data(&d->ek), klen - GCM_SALT,
		    secret_data(&d->ek) + klen - GCM_SALT, iv, msg, (size_t)(iv - msg), pt,
		    ctlen, pt, icvp);
	} else {
		struct wire_rd all = wire_rd_init(msg, mlen - icv);
		size_t	       n;

		/* RFC 7296 3.14: a fresh unpredictable IV for CBC */
		if (RAND_bytes(iv, (int)ivl) != 1)
			return -EIO;
		if ((rc = cbc(d->keylen, secret_data(&d->ek), iv, pt, ctlen, pt, true)) != 0)
			return rc;
		/* the ICV covers the whole message up to itself (RFC 4868 2.1:
		 * the HMAC output truncated to the first icv bytes) */
		rc = ike_hmac(ike_integ_digest(d->integ), secret_data(&d->ak),
		    secret_len(&d->ak), &all, 1, mac, &n);
		if (rc == 0)
			memcpy(icvp, mac, icv);
		OPENSSL_cleanse(mac, sizeof(mac));
	}
	return rc;
}

int
ike_sk_open(const struct ike_sk_dir *d, const struct ike_msg *m, uint8_t *buf, size_t cap,
    struct wire_rd *inner)
{
	struct wire_rd body = m->sk.body, raw = m->raw, iv, ct, icv, aad, covered;
	size_t	ivl = ike_sk_iv_len(d), icvl = dir_icv(d), block = ike_encr_block_len(d->encr);
	size_t	ctlen, prefix, n;
	uint8_t mac[IKE_PRF_MAX_LEN], padlen;
	int	rc;

	*inner = wire_rd_init(buf, 0);
	if (block == 0 || icvl == 0)
		return -EINVAL;
	if (!ike_msg_has(m, IKE_PL_SK) && !ike_msg_has(m, IKE_PL_SKF))
		return -EINVAL;
	/* at least the pad length byte; CBC whole blocks */
	if (wire_left(&body) < ivl + 1 + icvl)
		return -EBADMSG;
	ctlen = wire_left(&body) - ivl - icvl;
	if (ctlen % block != 0)
		return -EBADMSG;
	if (cap < ctlen)
		return -EMSGSIZE;
	/* SK/SKF is the last payload: its body runs to the end of the
	 * message, so what comes before it is a prefix of known length */
	prefix = wire_left(&raw) - wire_left(&body);
	if (!wire_get_sub(&body, ivl, &iv) || !wire_get_sub(&body, ctlen, &ct) ||
	    !wire_get_sub(&body, icvl, &icv) || !wire_get_sub(&raw, prefix, &aad))
		return -EBADMSG;
	if (dir_aead(d)) {
		size_t klen = secret_len(&d->ek);

		rc = ike_gcm_open(secret_data(&d->ek), klen - GCM_SALT,
		    secret_data(&d->ek) + klen - GCM_SALT, iv.p, aad.p, aad.len, ct.p, ctlen,
		    icv.p, buf);
		if (rc != 0)
			return rc;
	} else {
		covered = wire_rd_init(m->raw.p, m->raw.len - icvl);
		if ((rc = ike_hmac(ike_integ_digest(d->integ), secret_data(&d->ak),
			 secret_len(&d->ak), &covered, 1, mac, &n)) != 0)
			return rc;
		/* constant time, and before a single byte is decrypted */
		rc = CRYPTO_memcmp(mac, icv.p, icvl) == 0 ? 0 : -EBADMSG;
		OPENSSL_cleanse(mac, sizeof(mac));
		if (rc != 0)
			return rc;
		if ((rc = cbc(d->keylen, secret_data(&d->ek), iv.p, ct.p, ctlen, buf, false)) !=
		    0)
			return rc;
	}
	/* RFC 7296 3.14: any padding content is accepted; its length must fit */
	padlen = buf[ctlen - 1];
	if ((size_t)padlen + 1 > ctlen) {
		OPENSSL_cleanse(buf, ctlen);
		return -EBADMSG;
	}
	*inner = wire_rd_init(buf, ctlen - 1 - padlen);
	return 0;
}
