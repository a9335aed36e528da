/* vpn/esp_codec.c - ESP tunnel-mode encapsulation and decapsulation (RFC 4303) with AES-GCM (RFC 4106) and AES-CBC + HMAC (RFC 3602, 4868, 2404). */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#define GCM_ICV_LEN  16 /* ENCR_AES_GCM_16 */
#define GCM_IV_LEN   8	/* RFC 4106 3.1 */
#define GCM_SALT_LEN 4	/* RFC 4106 8.1 */
#define CBC_IV_LEN   16
#define HMAC_MAX     64

static const char *const err_names[ESP_ERR__MAX] = {
	[ESP_OK] = "ok",
	[ESP_ERR_SHORT] = "short",
	[ESP_ERR_NO_SA] = "no SA",
	[ESP_ERR_LENGTH] = "length",
	[ESP_ERR_REPLAY] = "replay",
	[ESP_ERR_AUTH] = "authentication",
	[ESP_ERR_PAD] = "padding",
	[ESP_ERR_NEXT_HDR] = "next header",
	[ESP_ERR_INNER] = "inner packet",
	[ESP_ERR_DUMMY] = "dummy",
	[ESP_ERR_CRYPTO] = "crypto",
};

const char *
esp_err_str(enum esp_err e)
{
	return (unsigned)e < ESP_ERR__MAX ? err_names[e] : "?";
}

void
esp_sa_cfg_init(struct esp_sa_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->replay_window = ESP_REPLAY_DEFAULT;
}

void
esp_sa_cfg_wipe(struct esp_sa_cfg *c)
{
	secret_wipe(&c->encr_key);
	secret_wipe(&c->integ_key);
}

/* HMAC transforms: key and ICV lengths (RFC 2404 2, RFC 4868 2.1-2.3). */
static const struct {
	uint16_t    id;
	const char *digest;
	uint8_t	    key_len, icv_len;
} integs[] = {
	{ IKE_INTEG_HMAC_SHA1_96, "SHA1", 20, 12 },
	{ IKE_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16 },
	{ IKE_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24 },
	{ IKE_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32 },
};

int
esp_xf_init(struct esp_xf *x, const struct esp_sa_cfg *c)
{
	char	    name[32];
	const char *mode;
	int	    rc = 0;

	memset(x, 0, sizeof(*x));
	x->spi = c->spi;
	x->encr = c->encr;
	x->encr_bits = c->encr_bits;
	x->integ = c->integ;
	x->esn = c->esn;
	if (c->encr_bits != 128 && c->encr_bits != 192 && c->encr_bits != 256)
		return -ENOTSUP;
	x->key_len = (uint8_t)(c->encr_bits / 8);
	switch (c->encr) {
	case IKE_ENCR_AES_GCM_16:
		if (c->integ != IKE_INTEG_NONE)
			return -ENOTSUP; /* RFC 4106 5: integrity is GCM's */
		if (secret_len(&c->encr_key) != (size_t)x->key_len + GCM_SALT_LEN)
			return -EINVAL;
		x->aead = true;
		x->iv_len = GCM_IV_LEN;
		x->icv_len = GCM_ICV_LEN;
		x->align = 4;
		memcpy(x->salt, secret_data(&c->encr_key) + x->key_len, GCM_SALT_LEN);
		mode = "GCM";
		break;
	case IKE_ENCR_AES_CBC:
		for (size_t i = 0; i < sizeof(integs) / sizeof(integs[0]); i++)
			if (integs[i].id == c->integ) {
				x->digest = integs[i].digest;
				x->icv_len = integs[i].icv_len;
				if (secret_len(&c->integ_key) != integs[i].key_len)
					return -EINVAL;
			}
		if (x->digest == NULL)
			return -ENOTSUP;
		if (secret_len(&c->encr_key) != x->key_len)
			return -EINVAL;
		x->iv_len = CBC_IV_LEN;
		x->align = 16;
		mode = "CBC";
		break;
	default:
		return -ENOTSUP;
	}
	snprintf(name, sizeof(name), "AES-%u-%s", (unsigned)c->encr_bits, mode);
	if (!(x->cipher = EVP_CIPHER_fetch(NULL, name, NULL))) {
		rc = -ENOTSUP;
		goto out;
	}
	if (!x->aead && !(x->mac = EVP_MAC_fetch(NULL, "HMAC", NULL))) {
		rc = -ENOTSUP;
		goto out;
	}
out:
	if (rc != 0)
		esp_xf_fini(x);
	return rc;
}

void
esp_xf_fini(struct esp_xf *x)
{
	EVP_CIPHER_free(x->cipher);
	EVP_MAC_free(x->mac);
	x->cipher = NULL;
	x->mac = NULL;
	OPENSSL_cleanse(x->salt, sizeof(x->salt));
}

int
esp_cx_init(struct esp_cx *cx, const struct esp_xf *x, const struct esp_sa_cfg *c, bool encrypt)
{
	OSSL_PARAM p[2];
	int	   rc = -ENOMEM;

	memset(cx, 0, sizeof(*cx));
	if (!(cx->c = EVP_CIPHER_CTX_new()))
		goto out;
	/* The key schedule is made here, once; packets only set the IV. */
	if (!EVP_CipherInit_ex2(cx->c, x->cipher, secret_data(&c->encr_key), NULL,
		encrypt ? 1 : 0, NULL)) {
		rc = -EIO;
		goto out;
	}
	if (!x->aead) {
		EVP_CIPHER_CTX_set_padding(cx->c, 0); /* ESP pads itself */
		if (!(cx->m = EVP_MAC_CTX_new(x->mac)))
			goto out;
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)x->digest, 0);
		p[1] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_init(cx->m, secret_data(&c->integ_key), secret_len(&c->integ_key),
			p)) {
			rc = -EIO;
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		esp_cx_fini(cx);
	return rc;
}

void
esp_cx_fini(struct esp_cx *cx)
{
	EVP_CIPHER_CTX_free(cx->c); /* both cleanse the key material */
	EVP_MAC_CTX_free(cx->m);
	cx->c = NULL;
	cx->m = NULL;
}

/* Payload + padding + pad length + next header, aligned (RFC 4303 2.4). */
static size_t
esp_padded(const struct esp_xf *x, size_t inner)
{
	return (inner + 2 + x->align - 1) / x->align * x->align;
}

size_t
esp_encap_len(const struct esp_xf *x, size_t inner)
{
	return esp_hdr_len(x) + esp_padded(x, inner) + x->icv_len;
}

/* The AAD of RFC 4106 5: SPI || seq (low), or SPI || seq high || seq low. */
static size_t
gcm_aad(const struct esp_xf *x, uint64_t seq, uint8_t aad[12])
{
	struct wire_wr w = wire_wr_init(aad, 12);

	wire_put_u32(&w, x->spi);
	if (x->esn)
		wire_put_u32(&w, (uint32_t)(seq >> 32));
	wire_put_u32(&w, (uint32_t)seq);
	return wire_wr_len(&w);
}

/* Salt || explicit IV (RFC 4106 4). */
static void
gcm_nonce(const struct esp_xf *x, struct wire_rd iv, uint8_t nonce[12])
{
	memcpy(nonce, x->salt, GCM_SALT_LEN);
	(void)wire_get_bytes(&iv, nonce + GCM_SALT_LEN, GCM_IV_LEN);
}

/* HMAC over the authenticated bytes, with the high sequence bits appended
 * under ESN (RFC 4303 2.2.1, 3.3.2.2: they are not sent but authenticated). */
static int
hmac_icv(const struct esp_xf *x, struct esp_cx *cx, const uint8_t *p, size_t len, uint64_t seq,
    uint8_t mac[HMAC_MAX])
{
	uint8_t	       hi[4];
	size_t	       n;
	struct wire_wr w = wire_wr_init(hi, sizeof(hi));

	wire_put_u32(&w, (uint32_t)(seq >> 32));
	if (!EVP_MAC_init(cx->m, NULL, 0, NULL) || !EVP_MAC_update(cx->m, p, len) ||
	    (x->esn && !EVP_MAC_update(cx->m, hi, sizeof(hi))) ||
	    !EVP_MAC_final(cx->m, mac, &n, HMAC_MAX) || n < x->icv_len)
		return -EIO;
	return 0;
}

int
esp_encap(const struct esp_xf *x, struct esp_cx *cx, uint64_t seq, uint8_t nh,
    const uint8_t *iv, uint8_t *buf, size_t inner, size_t cap, size_t *len)
{
	size_t	       hdr = esp_hdr_len(x), body = esp_padded(x, inner);
	size_t	       total = hdr + body + x->icv_len;
	uint8_t	       nonce[12], aad[12], mac[HMAC_MAX];
	struct wire_wr w;
	int	       n, rc = -EIO;
	uint8_t	       pad = (uint8_t)(body - inner - 2);

	if (total > cap)
		return -EMSGSIZE;
	w = wire_wr_init(buf, hdr);
	wire_put_u32(&w, x->spi);
	wire_put_u32(&w, (uint32_t)seq);
	if (x->aead)
		wire_put_u64(&w, seq);
	else
		wire_put_bytes(&w, iv, x->iv_len);
	/* RFC 4303 2.4: pad bytes 1, 2, 3, ...; then pad length, next header. */
	w = wire_wr_init(buf + hdr + inner, body - inner);
	for (uint8_t i = 1; i <= pad; i++)
		wire_put_u8(&w, i);
	wire_put_u8(&w, pad);
	wire_put_u8(&w, nh);
	if (x->aead) {
		gcm_nonce(x, wire_rd_init(buf + ESP_HDR_LEN, GCM_IV_LEN), nonce);
		if (!EVP_EncryptInit_ex2(cx->c, NULL, NULL, nonce, NULL) ||
		    !EVP_EncryptUpdate(cx->c, NULL, &n, aad, (int)gcm_aad(x, seq, aad)) ||
		    !EVP_EncryptUpdate(cx->c, buf + hdr, &n, buf + hdr, (int)body) ||
		    !EVP_EncryptFinal_ex(cx->c, buf + hdr + n, &n) ||
		    !EVP_CIPHER_CTX_ctrl(cx->c, EVP_CTRL_GCM_GET_TAG, GCM_ICV_LEN,
			buf + hdr + body))
			goto out;
	} else {
		if (!EVP_EncryptInit_ex2(cx->c, NULL, NULL, iv, NULL) ||
		    !EVP_EncryptUpdate(cx->c, buf + hdr, &n, buf + hdr, (int)body) ||
		    (size_t)n != body || !EVP_EncryptFinal_ex(cx->c, buf + hdr + n, &n) ||
		    n != 0)
			goto out;
		if (hmac_icv(x, cx, buf, hdr + body, seq, mac) != 0)
			goto out;
		memcpy(buf + hdr + body, mac, x->icv_len); /* truncated (RFC 4868 2.6) */
	}
	*len = total;
	rc = 0;
out:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

enum esp_err
esp_hdr_decode(struct wire_rd pkt, uint32_t *spi, uint32_t *seq)
{
	if (!wire_get_u32(&pkt, spi) || !wire_get_u32(&pkt, seq))
		return ESP_ERR_SHORT;
	return ESP_OK;
}

enum esp_err
esp_len_check(const struct esp_xf *x, struct wire_rd pkt)
{
	size_t n = wire_left(&pkt), fixed = esp_hdr_len(x) + x->icv_len;

	/* At least one aligned block holding the pad length and next header. */
	if (n < fixed + x->align)
		return ESP_ERR_SHORT;
	if ((n - fixed) % x->align != 0)
		return ESP_ERR_LENGTH;
	return ESP_OK;
}

enum esp_err
esp_inner_check(struct wire_rd r, uint8_t nh, size_t *ip_len)
{
	struct wire_rd all = r, hdr;
	uint8_t	       vihl;
	uint16_t       len;
	size_t	       avail = wire_left(&r);

	if (!wire_peek_u8(&r, &vihl))
		return ESP_ERR_INNER;
	if (nh == ESP_NH_IPV4) {
		/* RFC 791 3.1: the header checksum too, the kernel would drop
		 * the packet anyway and the counters should say why. */
		if (vihl >> 4 != 4 || (vihl & 0xf) < 5 || !wire_skip(&r, 2) ||
		    !wire_get_u16(&r, &len) || len < (vihl & 0xf) * 4 || len > avail ||
		    !wire_get_sub(&all, (vihl & 0xf) * 4u, &hdr) ||
		    esp_csum_fold(esp_csum_add(0, hdr.p, wire_left(&hdr))) != 0xffff)
			return ESP_ERR_INNER;
		*ip_len = len;
	} else {
		/* RFC 8200 3 */
		if (vihl >> 4 != 6 || !wire_skip(&r, 4) || !wire_get_u16(&r, &len) ||
		    avail < 40 || (size_t)len + 40 > avail)
			return ESP_ERR_INNER;
		*ip_len = (size_t)len + 40;
	}
	return ESP_OK;
}

/* Padding and next header of a verified plaintext; *content: the bytes
 * before the padding. */
static enum esp_err
esp_trailer(struct wire_rd pt, uint8_t *nhp, size_t *content)
{
	struct wire_rd body, pad;
	uint8_t	       padlen, nh, b;

	if (!wire_get_sub(&pt, wire_left(&pt) - 2, &body) || !wire_get_u8(&pt, &padlen) ||
	    !wire_get_u8(&pt, &nh))
		return ESP_ERR_PAD;
	if (padlen > wire_left(&body))
		return ESP_ERR_PAD;
	*content = wire_left(&body) - padlen;
	if (!wire_skip(&body, *content) || !wire_get_sub(&body, padlen, &pad))
		return ESP_ERR_PAD;
	for (unsigned i = 1; i <= padlen; i++)
		if (!wire_get_u8(&pad, &b) || b != i) /* RFC 4303 2.4 */
			return ESP_ERR_PAD;
	if (nh == ESP_NH_NONE)
		return ESP_ERR_DUMMY;
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)
		return ESP_ERR_NEXT_HDR;
	*nhp = nh;
	return ESP_OK;
}

enum esp_err
esp_decap(const struct esp_xf *x, struct esp_cx *cx, uint64_t seq, struct wire_rd pkt,
    uint8_t *out, size_t cap, struct esp_inner *res)
{
	struct wire_rd all = pkt, authed, iv, ct, icv;
	uint8_t	       nonce[12], aad[12], tag[ESP_ICV_MAX], mac[HMAC_MAX];
	size_t	       ctlen, content;
	int	       n, m;
	enum esp_err   e;

	if ((e = esp_len_check(x, pkt)) != ESP_OK)
		return e;
	ctlen = wire_left(&pkt) - esp_hdr_len(x) - x->icv_len;
	if (cap < ctlen)
		return ESP_ERR_SHORT;
	if (!wire_get_sub(&all, esp_hdr_len(x) + ctlen, &authed) || !wire_skip(&pkt, 8) ||
	    !wire_get_sub(&pkt, x->iv_len, &iv) || !wire_get_sub(&pkt, ctlen, &ct) ||
	    !wire_get_sub(&pkt, x->icv_len, &icv) || !wire_empty(&pkt) ||
	    !wire_get_bytes(&icv, tag, x->icv_len))
		return ESP_ERR_SHORT;
	if (x->aead) {
		/* Decrypt and verify in one pass; nothing reads the plaintext
		 * unless the tag matched (OpenSSL compares in constant time). */
		gcm_nonce(x, iv, nonce);
		if (!EVP_DecryptInit_ex2(cx->c, NULL, NULL, nonce, NULL) ||
		    !EVP_DecryptUpdate(cx->c, NULL, &n, aad, (int)gcm_aad(x, seq, aad)) ||
		    !EVP_DecryptUpdate(cx->c, out, &n, ct.p, (int)ctlen) ||
		    !EVP_CIPHER_CTX_ctrl(cx->c, EVP_CTRL_GCM_SET_TAG, GCM_ICV_LEN, tag))
			return ESP_ERR_CRYPTO;
		if (EVP_DecryptFinal_ex(cx->c, out + n, &m) <= 0)
			return ESP_ERR_AUTH;
	} else {
		/* RFC 4303 3.4.4: integrity before decryption. */
		if (hmac_icv(x, cx, authed.p, wire_left(&authed), seq, mac) != 0)
			return ESP_ERR_CRYPTO;
		if (CRYPTO_memcmp(mac, tag, x->icv_len) != 0)
			return ESP_ERR_AUTH;
		if (!EVP_DecryptInit_ex2(cx->c, NULL, NULL, iv.p, NULL) ||
		    !EVP_DecryptUpdate(cx->c, out, &n, ct.p, (int)ctlen) ||
		    (size_t)n != ctlen || !EVP_DecryptFinal_ex(cx->c, out + n, &m) || m != 0)
			return ESP_ERR_CRYPTO;
	}
	if ((e = esp_trailer(wire_rd_init(out, ctlen), &res->nh, &content)) != ESP_OK)
		return e;
	return esp_inner_check(wire_rd_init(out, content), res->nh, &res->len);
}

enum esp_err
esp_input(const struct esp_xf *x, struct esp_cx *cx, struct esp_replay *rp, struct wire_rd pkt,
    uint8_t *out, size_t cap, struct esp_inner *res, uint64_t *seq)
{
	uint32_t     spi, lo;
	enum esp_err e;

	if ((e = esp_hdr_decode(pkt, &spi, &lo)) != ESP_OK)
		return e;
	if (spi != x->spi)
		return ESP_ERR_NO_SA;
	if ((e = esp_len_check(x, pkt)) != ESP_OK)
		return e;
	/* RFC 4303 3.4.3: the cheap duplicate check before the costly one. */
	if ((e = esp_replay_check(rp, lo, seq)) != ESP_OK)
		return e;
	e = esp_decap(x, cx, *seq, pkt, out, cap, res);
	if (e != ESP_OK && e != ESP_ERR_DUMMY && e != ESP_ERR_PAD && e != ESP_ERR_NEXT_HDR &&
	    e != ESP_ERR_INNER)
		return e;
	/* Authentic from here on (even if its content is refused): the window moves. */
	if (esp_replay_update(rp, *seq) != ESP_OK)
		return ESP_ERR_REPLAY;
	return e;
}
