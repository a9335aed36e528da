/* tests/unit/vpn/test_esp_codec.c - vpn/esp_codec.c: GCM ESP vectors (draft-mcgrew-gcm-test-01), every cipher/integ/ESN round trip, independent framing checks, truncations, flipped bytes, padding and inner-packet errors. */
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

#include "tests/unit/include/test_hex.h"
#include "vpn/esp_local.h"

/* --- helpers ---------------------------------------------------------- */

static uint32_t
be_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
be_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
cfg_gcm(struct esp_sa_cfg *c, uint32_t spi, unsigned bits, const char *keyhex,
    const char *salthex, bool esn)
{
	uint8_t k[36];
	size_t	n;

	esp_sa_cfg_init(c);
	c->spi = spi;
	c->encr = IKE_ENCR_AES_GCM_16;
	c->encr_bits = (uint16_t)bits;
	c->integ = IKE_INTEG_NONE;
	c->esn = esn;
	n = hex2bin(keyhex, k, sizeof(k));
	n += hex2bin(salthex, k + n, sizeof(k) - n);
	assert_int_equal(secret_set(&c->encr_key, k, n), 0);
}

static void
fill_key(struct secret *s, size_t n, uint8_t seed)
{
	uint8_t k[64];

	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(seed + i * 13);
	assert_int_equal(secret_set(s, k, n), 0);
}

struct algo {
	const char *name;
	uint16_t    encr, bits, integ;
	size_t	    ikey;
};

static const struct algo algos[] = {
	{ "aes128gcm16", IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0 },
	{ "aes192gcm16", IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE, 0 },
	{ "aes256gcm16", IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0 },
	{ "aes128-sha1", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 20 },
	{ "aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 32 },
	{ "aes128-sha384", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, 48 },
	{ "aes128-sha512", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_512_256, 64 },
	{ "aes192-sha256", IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_256_128, 32 },
	{ "aes256-sha1", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 20 },
	{ "aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32 },
	{ "aes256-sha384", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, 48 },
	{ "aes256-sha512", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 64 },
};

static void
cfg_algo(struct esp_sa_cfg *c, const struct algo *a, uint32_t spi, bool esn)
{
	esp_sa_cfg_init(c);
	c->spi = spi;
	c->encr = a->encr;
	c->encr_bits = a->bits;
	c->integ = a->integ;
	c->esn = esn;
	fill_key(&c->encr_key, a->bits / 8 + (a->encr == IKE_ENCR_AES_GCM_16 ? 4 : 0), 1);
	if (a->ikey)
		fill_key(&c->integ_key, a->ikey, 99);
}

/* Sender and receiver state for one SA. */
struct pair {
	struct esp_sa_cfg cfg;
	struct esp_xf	  xf;
	struct esp_cx	  enc, dec;
	struct esp_replay rp;
};

static void
pair_init(struct pair *p, const struct esp_sa_cfg *c)
{
	p->cfg = *c;
	assert_int_equal(esp_xf_init(&p->xf, c), 0);
	assert_int_equal(esp_cx_init(&p->enc, &p->xf, c, true), 0);
	assert_int_equal(esp_cx_init(&p->dec, &p->xf, c, false), 0);
	assert_int_equal(esp_replay_init(&p->rp, c->replay_window, c->esn), 0);
}

static void
pair_fini(struct pair *p)
{
	esp_cx_fini(&p->enc);
	esp_cx_fini(&p->dec);
	esp_xf_fini(&p->xf);
	esp_sa_cfg_wipe(&p->cfg);
}

/* A valid inner packet: IPv4 (UDP) or IPv6 of exactly len bytes. */
static size_t
mk_inner(uint8_t *p, bool v4, size_t len)
{
	memset(p, 0, len);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + 7);
	if (v4) {
		uint32_t acc = 0;

		p[0] = 0x45;
		p[1] = 0;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[6] = 0x40;
		p[7] = 0;
		p[8] = 64;
		p[9] = 17;
		p[10] = p[11] = 0;
		for (int i = 0; i < 20; i += 2)
			acc += (uint32_t)(p[i] << 8 | p[i + 1]);
		while (acc >> 16)
			acc = (acc & 0xffff) + (acc >> 16);
		p[10] = (uint8_t)(~acc >> 8);
		p[11] = (uint8_t)~acc;
	} else {
		p[0] = 0x60;
		p[1] = p[2] = p[3] = 0;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
	}
	return len;
}

static uint8_t buf[70000], out[70000], inner[70000];

/* Encapsulate `len` bytes of inner at seq; returns the ESP length. */
static size_t
seal(struct pair *p, uint64_t seq, const uint8_t *in, size_t len, uint8_t nh)
{
	uint8_t iv[ESP_IV_MAX];
	size_t	n;

	for (size_t i = 0; i < sizeof(iv); i++)
		iv[i] = (uint8_t)(seq * 3 + i);
	memcpy(buf + esp_hdr_len(&p->xf), in, len);
	assert_int_equal(esp_encap(&p->xf, &p->enc, seq, nh, iv, buf, len, sizeof(buf), &n), 0);
	assert_int_equal(n, esp_encap_len(&p->xf, len));
	return n;
}

/* --- RFC 4106 / draft-mcgrew-gcm-test-01 vectors ---------------------- */

static const struct gcm_vec {
	const char *name;
	unsigned    bits;
	const char *key, *salt;
	uint32_t    spi;
	uint64_t    seq;
	bool	    esn;
	const char *iv, *ctag, *plain;
} gcm_vecs[] = {
	{ "128 esn", 128, "4c80cdefbb5d10da906ac73c3613a634", "2e443b68", 0x00004321,
	    0x8765432100000000ULL, true, "4956ed7e3b244cfe",
	    "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	    "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	    "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4",
	    "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	    "00000000045f736970045f756470037369700963796265726369747902646b00"
	    "0021000101020201" },
	{ "128 esn icmp", 128, "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f,
	    0x1010101010101010ULL, true, "4e280000a2fca1a3",
	    "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917"
	    "65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a"
	    "e0d731cc978ecafaeae88f00e80d6e48",
	    "4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
	    "65666768696a6b6c6d6e6f70717273747576776162636465666768690102020"
	    "1" },
	{ "192", 192, "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabe",
	    0x0000a5f8, 0x0a, false, "facedbaddecaf888",
	    "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0"
	    "315b27452144cc77"
	    "95457b9652037f5318027b5b4cd7a636",
	    "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e"
	    "501016d075680001" },
	{ "256 esn", 256, "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	    "73616c74", 0x17405e67, 0x156f3126dd0db99bULL, true, "616e640169766563",
	    "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f"
	    "f4d3a31ce673119e451626c2415771e3b7eebca614c89b35",
	    "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602"
	    "50101f646d540001" },
	{ "256 esn last seq", 256,
	    "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", "7475726e",
	    0x796b6963, 0xffffffffffffffffULL, true, "333021696765746d",
	    "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86"
	    "4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9d0937ba2945f669368661a32"
	    "9fb4c053",
	    "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	    "65666768696a6b6c6d6e6f70717273740102020"
	    "1" },
};

/*
 * The draft's packets decrypt and authenticate exactly; their trailers say
 * next header 1 (they were made for transport mode), which a tunnel-mode
 * receiver refuses after authentication: ESP_ERR_NEXT_HDR, and the window
 * moves (the packet was authentic).
 */
static void
test_gcm_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(gcm_vecs) / sizeof(gcm_vecs[0]); i++) {
		const struct gcm_vec *v = &gcm_vecs[i];
		struct esp_sa_cfg     c;
		struct pair	      p;
		struct esp_inner      res;
		uint8_t		      plain[256];
		size_t		      n = 0, plen;
		uint64_t	      seq;
		struct wire_wr	      w = wire_wr_init(buf, sizeof(buf));

		cfg_gcm(&c, v->spi, v->bits, v->key, v->salt, v->esn);
		pair_init(&p, &c);
		wire_put_u32(&w, v->spi);
		wire_put_u32(&w, (uint32_t)v->seq);
		n = wire_wr_len(&w);
		n += hex2bin(v->iv, buf + n, sizeof(buf) - n);
		n += hex2bin(v->ctag, buf + n, sizeof(buf) - n);
		plen = hex2bin(v->plain, plain, sizeof(plain));
		assert_int_equal(n, 8 + 8 + plen + 16);
		esp_replay_set_top(&p.rp, v->seq - 1);
		memset(out, 0, sizeof(out));
		assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n), out,
				     sizeof(out), &res, &seq),
		    ESP_ERR_NEXT_HDR);
		assert_int_equal(seq, v->seq);
		assert_memory_equal(out, plain, plen);
		assert_int_equal(esp_replay_top(&p.rp), v->seq);
		/* once more: a replay */
		assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n), out,
				     sizeof(out), &res, &seq),
		    ESP_ERR_REPLAY);
		/* a flipped tag bit fails authentication */
		esp_replay_set_top(&p.rp, v->seq - 1);
		buf[n - 1] ^= 1;
		assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n), out,
				     sizeof(out), &res, &seq),
		    ESP_ERR_AUTH);
		assert_int_equal(esp_replay_top(&p.rp), v->seq - 1);
		pair_fini(&p);
		esp_sa_cfg_wipe(&c);
	}
}

/* --- round trips ------------------------------------------------------ */

static void
test_roundtrip_all(void **state)
{
	static const size_t sizes[] = { 40, 41, 42, 43, 44, 45, 46, 47, 48, 55, 63, 64, 100,
		576, 1279, 1280, 1400, 9000, 65000 };

	for (size_t a = 0; a < sizeof(algos) / sizeof(algos[0]); a++)
		for (int esn = 0; esn < 2; esn++) {
			struct esp_sa_cfg c;
			struct pair	  p;
			uint64_t	  seq = esn ? 0xfffffff0ULL : 1, got;

			cfg_algo(&c, &algos[a], 0x1000 + (uint32_t)a, esn);
			pair_init(&p, &c);
			if (esn)
				esp_replay_set_top(&p.rp, seq - 1);
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
				for (int v4 = 0; v4 < 2; v4++, seq++) {
					struct esp_inner res;
					size_t		 len, n;

					len = mk_inner(inner, v4, sizes[k]);
					n = seal(&p, seq, inner, len,
					    v4 ? ESP_NH_IPV4 : ESP_NH_IPV6);
					/* RFC 4303 2.4: aligned payload */
					assert_int_equal((n - esp_hdr_len(&p.xf) -
							     p.xf.icv_len) %
						p.xf.align,
					    0);
					assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp,
							     wire_rd_init(buf, n), out,
							     sizeof(out), &res, &got),
					    ESP_OK);
					assert_int_equal(got, seq);
					assert_int_equal(res.len, len);
					assert_int_equal(res.nh,
					    v4 ? ESP_NH_IPV4 : ESP_NH_IPV6);
					assert_memory_equal(out, inner, len);
				}
			pair_fini(&p);
		}
}

static void
test_xf_refused(void **state)
{
	struct esp_sa_cfg c;
	struct esp_xf	  x;

	cfg_algo(&c, &algos[0], 1, false);
	c.integ = IKE_INTEG_HMAC_SHA2_256_128; /* GCM with an integ transform */
	assert_int_equal(esp_xf_init(&x, &c), -ENOTSUP);
	cfg_algo(&c, &algos[0], 1, false);
	c.encr_bits = 64;
	assert_int_equal(esp_xf_init(&x, &c), -ENOTSUP);
	cfg_algo(&c, &algos[0], 1, false);
	c.encr = IKE_ENCR_3DES;
	assert_int_equal(esp_xf_init(&x, &c), -ENOTSUP);
	cfg_algo(&c, &algos[0], 1, false);
	fill_key(&c.encr_key, 16, 1); /* no salt */
	assert_int_equal(esp_xf_init(&x, &c), -EINVAL);
	cfg_algo(&c, &algos[4], 1, false);
	c.integ = IKE_INTEG_HMAC_MD5_96;
	assert_int_equal(esp_xf_init(&x, &c), -ENOTSUP);
	cfg_algo(&c, &algos[4], 1, false);
	fill_key(&c.integ_key, 20, 1); /* SHA-256 wants 32 bytes (RFC 4868 2.1.1) */
	assert_int_equal(esp_xf_init(&x, &c), -EINVAL);
	cfg_algo(&c, &algos[4], 1, false);
	c.integ = IKE_INTEG_NONE; /* CBC without integrity */
	assert_int_equal(esp_xf_init(&x, &c), -ENOTSUP);
	esp_sa_cfg_wipe(&c);
	assert_true(secret_empty(&c.encr_key));
}

/* --- independent framing checks (raw OpenSSL, not the codec) ---------- */

static void
test_gcm_framing(void **state)
{
	for (int esn = 0; esn < 2; esn++) {
		struct esp_sa_cfg c;
		struct pair	  p;
		uint64_t	  seq = 0x0000000500000007ULL;
		uint8_t		  nonce[12], aad[12], pt[2048];
		size_t		  len = mk_inner(inner, true, 101), n, ct;
		int		  m, k;
		EVP_CIPHER_CTX	 *e = EVP_CIPHER_CTX_new();

		cfg_algo(&c, &algos[0], 0xdeadbeef, esn);
		pair_init(&p, &c);
		n = seal(&p, seq, inner, len, ESP_NH_IPV4);
		/* header: SPI, low sequence number, IV = the full sequence number */
		assert_int_equal(be_get32(buf), 0xdeadbeef);
		assert_int_equal(be_get32(buf + 4), 7);
		assert_int_equal(be_get32(buf + 8), 5);
		assert_int_equal(be_get32(buf + 12), 7);
		/* nonce = salt || IV; AAD = SPI || [hi ||] lo (RFC 4106 4, 5) */
		memcpy(nonce, secret_data(&c.encr_key) + 16, 4);
		memcpy(nonce + 4, buf + 8, 8);
		memcpy(aad, buf, 4);
		if (esn) {
			be_put32(aad + 4, 5);
			be_put32(aad + 8, 7);
		} else
			memcpy(aad + 4, buf + 4, 4);
		ct = n - 16 - 16;
		assert_true(EVP_DecryptInit_ex2(e, EVP_aes_128_gcm(), secret_data(&c.encr_key),
		    nonce, NULL));
		assert_true(EVP_DecryptUpdate(e, NULL, &m, aad, esn ? 12 : 8));
		assert_true(EVP_DecryptUpdate(e, pt, &m, buf + 16, (int)ct));
		assert_true(EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_SET_TAG, 16, buf + n - 16));
		assert_true(EVP_DecryptFinal_ex(e, pt + m, &k) > 0);
		/* inner, padding 1..n to 4 bytes, pad length, next header */
		assert_memory_equal(pt, inner, len);
		assert_int_equal(ct, 104);
		assert_int_equal(pt[101], 1);
		assert_int_equal(pt[102], 1);
		assert_int_equal(pt[103], 4);
		EVP_CIPHER_CTX_free(e);
		pair_fini(&p);
	}
}

static void
test_cbc_framing(void **state)
{
	for (size_t a = 3; a < sizeof(algos) / sizeof(algos[0]); a++)
		for (int esn = 0; esn < 2; esn++) {
			const struct algo *al = &algos[a];
			struct esp_sa_cfg  c;
			struct pair	   p;
			uint64_t	   seq = 0x0000000900000003ULL;
			uint8_t		   pt[2048], mac[64], data[2048];
			size_t		   len = mk_inner(inner, false, 77), n, ct, icv, maclen;
			int		   m, k;
			EVP_CIPHER_CTX	  *e = EVP_CIPHER_CTX_new();
			const char	  *dg = al->ikey == 20 ? "SHA1" :
				   al->ikey == 32	       ? "SHA2-256" :
				   al->ikey == 48	       ? "SHA2-384" :
								 "SHA2-512";
			const EVP_CIPHER  *ci = al->bits == 128 ? EVP_aes_128_cbc() :
			     al->bits == 192			? EVP_aes_192_cbc() :
								  EVP_aes_256_cbc();

			cfg_algo(&c, al, 0x01020304, esn);
			pair_init(&p, &c);
			n = seal(&p, seq, inner, len, ESP_NH_IPV6);
			icv = al->ikey == 20 ? 12 : al->ikey / 2; /* RFC 2404, 4868 */
			assert_int_equal(p.xf.icv_len, icv);
			assert_int_equal(be_get32(buf), 0x01020304);
			assert_int_equal(be_get32(buf + 4), 3);
			/* HMAC over SPI..ciphertext (|| seq hi with ESN), truncated */
			memcpy(data, buf, n - icv);
			maclen = n - icv;
			if (esn) {
				be_put32(data + maclen, 9);
				maclen += 4;
			}
			assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, dg, NULL,
			    secret_data(&c.integ_key), secret_len(&c.integ_key), data, maclen,
			    mac, sizeof(mac), NULL));
			assert_memory_equal(mac, buf + n - icv, icv);
			/* CBC with the IV from the packet, then the trailer */
			ct = n - 8 - 16 - icv;
			assert_int_equal(ct % 16, 0);
			assert_true(EVP_DecryptInit_ex2(e, ci, secret_data(&c.encr_key),
			    buf + 8, NULL));
			EVP_CIPHER_CTX_set_padding(e, 0);
			assert_true(EVP_DecryptUpdate(e, pt, &m, buf + 24, (int)ct));
			assert_true(EVP_DecryptFinal_ex(e, pt + m, &k));
			assert_memory_equal(pt, inner, len);
			assert_int_equal(ct, 80);
			for (unsigned i = 1; i <= 1; i++)
				assert_int_equal(pt[len + i - 1], i);
			assert_int_equal(pt[ct - 2], 80 - 77 - 2);
			assert_int_equal(pt[ct - 1], ESP_NH_IPV6);
			EVP_CIPHER_CTX_free(e);
			pair_fini(&p);
		}
}

/* --- rejection: truncations, flips, padding, inner ------------------ */

static enum esp_err
want_trunc(const struct esp_xf *x, size_t n)
{
	size_t fixed = esp_hdr_len(x) + x->icv_len;

	if (n < 8 || n < fixed + x->align)
		return ESP_ERR_SHORT;
	if ((n - fixed) % x->align)
		return ESP_ERR_LENGTH;
	return ESP_ERR_AUTH;
}

static void
test_truncations_and_flips(void **state)
{
	for (size_t a = 0; a < sizeof(algos) / sizeof(algos[0]); a++)
		for (int esn = 0; esn < 2; esn++) {
			struct esp_sa_cfg c;
			struct pair	  p;
			struct esp_inner  res;
			uint64_t	  seq = 0x80000001ULL, got;
			size_t		  len = mk_inner(inner, true, 60), n;

			cfg_algo(&c, &algos[a], 0x51515151, esn);
			pair_init(&p, &c);
			n = seal(&p, seq, inner, len, ESP_NH_IPV4);
			for (size_t t = 0; t < n; t++) {
				assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp,
						     wire_rd_init(buf, t), out, sizeof(out),
						     &res, &got),
				    want_trunc(&p.xf, t));
				assert_int_equal(esp_replay_top(&p.rp), 0);
			}
			for (size_t i = 0; i < n; i++)
				for (int bit = 0; bit < 8; bit += 7) {
					enum esp_err e;

					buf[i] ^= (uint8_t)(1 << bit);
					e = esp_input(&p.xf, &p.dec, &p.rp,
					    wire_rd_init(buf, n), out, sizeof(out), &res, &got);
					buf[i] ^= (uint8_t)(1 << bit);
					assert_int_equal(e,
					    i < 4 ? ESP_ERR_NO_SA : ESP_ERR_AUTH);
					assert_int_equal(esp_replay_top(&p.rp), 0);
				}
			/* and the packet itself is still good, once */
			assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n),
					     out, sizeof(out), &res, &got),
			    ESP_OK);
			assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n),
					     out, sizeof(out), &res, &got),
			    ESP_ERR_REPLAY);
			pair_fini(&p);
		}
}

/*
 * Authentic packets with a bad inside: sealed by hand with raw OpenSSL
 * (AES-GCM, RFC 4106 framing), so only the trailer or inner packet is wrong.
 */
static size_t
seal_raw(const struct esp_sa_cfg *c, uint64_t seq, const uint8_t *pt, size_t ptlen)
{
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	uint8_t		nonce[12], aad[8];
	int		m, k;

	be_put32(buf, c->spi);
	be_put32(buf + 4, (uint32_t)seq);
	be_put32(buf + 8, (uint32_t)(seq >> 32));
	be_put32(buf + 12, (uint32_t)seq);
	memcpy(nonce, secret_data(&c->encr_key) + 16, 4);
	memcpy(nonce + 4, buf + 8, 8);
	memcpy(aad, buf, 8);
	assert_true(EVP_EncryptInit_ex2(e, EVP_aes_128_gcm(), secret_data(&c->encr_key), nonce,
	    NULL));
	assert_true(EVP_EncryptUpdate(e, NULL, &m, aad, 8));
	assert_true(EVP_EncryptUpdate(e, buf + 16, &m, pt, (int)ptlen));
	assert_true(EVP_EncryptFinal_ex(e, buf + 16 + m, &k));
	assert_true(EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, buf + 16 + ptlen));
	EVP_CIPHER_CTX_free(e);
	return 16 + ptlen + 16;
}

static void
test_bad_insides(void **state)
{
	static const struct {
		const char  *name;
		int	     inner; /* 4, 6: a valid packet of that version; 0: none */
		size_t	     inner_len;
		const char  *trailer; /* hex, appended */
		int	     fix;     /* 1: tot_len += 4; 2: bad IPv4 header checksum */
		enum esp_err want;
	} cases[] = {
		{ "good, no padding", 4, 42, "0004", 0, ESP_OK },
		{ "good, three pad", 4, 39, "0102030304", 0, ESP_OK },
		{ "pad bytes wrong", 4, 39, "0103030304", 0, ESP_ERR_PAD },
		{ "pad bytes zero", 4, 39, "0000000304", 0, ESP_ERR_PAD },
		{ "pad length too long", 4, 2, "ff04", 0, ESP_ERR_PAD },
		{ "next header udp", 4, 42, "0011", 0, ESP_ERR_NEXT_HDR },
		{ "next header 0", 4, 42, "0000", 0, ESP_ERR_NEXT_HDR },
		{ "dummy packet", 4, 42, "003b", 0, ESP_ERR_DUMMY },
		{ "v6 said, v4 inside", 4, 42, "0029", 0, ESP_ERR_INNER },
		{ "v4 said, v6 inside", 6, 42, "0004", 0, ESP_ERR_INNER },
		{ "v4 too short a claim", 4, 42, "0004", 1, ESP_ERR_INNER },
		{ "v4 header checksum", 4, 42, "0004", 2, ESP_ERR_INNER },
		{ "no inner at all", 0, 2, "0004", 0, ESP_ERR_INNER },
		{ "v6 shorter than 40", 6, 42, "0029", 3, ESP_ERR_INNER },
		{ "good v6", 6, 42, "0029", 0, ESP_OK },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct esp_sa_cfg c;
		struct pair	  p;
		struct esp_inner  res;
		uint8_t		  pt[256];
		size_t		  n, plen;
		uint64_t	  got;

		cfg_algo(&c, &algos[0], 0x777, false);
		pair_init(&p, &c);
		if (cases[i].inner)
			plen = mk_inner(pt, cases[i].inner == 4, cases[i].inner_len);
		else {
			memset(pt, 0, cases[i].inner_len);
			plen = cases[i].inner_len;
		}
		if (cases[i].fix == 1)
			pt[3] += 4;
		if (cases[i].fix == 2)
			pt[11] ^= 0x10;
		if (cases[i].fix == 3) {
			plen = 30;
		}
		plen += hex2bin(cases[i].trailer, pt + plen, sizeof(pt) - plen);
		n = seal_raw(&c, 5, pt, plen);
		assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n), out,
				     sizeof(out), &res, &got),
		    cases[i].want);
		/* authentic in every case: the window moved */
		assert_int_equal(esp_replay_top(&p.rp), 5);
		if (cases[i].want == ESP_OK)
			assert_int_equal(res.len, cases[i].inner_len);
		pair_fini(&p);
	}
}

/* TFC padding (RFC 4303 2.7): bytes after the inner packet are not part of it. */
static void
test_tfc_padding(void **state)
{
	struct esp_sa_cfg c;
	struct pair	  p;
	struct esp_inner  res;
	uint8_t		  pt[256];
	size_t		  n, plen = mk_inner(pt, true, 60);
	uint64_t	  got;

	memset(pt + plen, 0xee, 31);
	plen += 31;
	plen += hex2bin("0102030304", pt + plen, sizeof(pt) - plen);
	cfg_algo(&c, &algos[0], 0x888, false);
	pair_init(&p, &c);
	n = seal_raw(&c, 9, pt, plen);
	assert_int_equal(esp_input(&p.xf, &p.dec, &p.rp, wire_rd_init(buf, n), out, sizeof(out),
			     &res, &got),
	    ESP_OK);
	assert_int_equal(res.len, 60);
	assert_int_equal(res.nh, ESP_NH_IPV4);
	pair_fini(&p);
}

static void
test_encap_room(void **state)
{
	struct esp_sa_cfg c;
	struct pair	  p;
	size_t		  len = mk_inner(inner, true, 100), n;
	uint8_t		  iv[16] = { 0 };

	cfg_algo(&c, &algos[4], 1, false);
	pair_init(&p, &c);
	memcpy(buf + esp_hdr_len(&p.xf), inner, len);
	assert_int_equal(esp_encap(&p.xf, &p.enc, 1, 4, iv, buf, len,
			     esp_encap_len(&p.xf, len) - 1, &n),
	    -EMSGSIZE);
	assert_int_equal(esp_encap(&p.xf, &p.enc, 1, 4, iv, buf, len, esp_encap_len(&p.xf, len),
			     &n),
	    0);
	pair_fini(&p);
	assert_string_equal(esp_err_str(ESP_ERR_AUTH), "authentication");
	assert_string_equal(esp_err_str((enum esp_err)99), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_vectors),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_xf_refused),
		cmocka_unit_test(test_gcm_framing),
		cmocka_unit_test(test_cbc_framing),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_bad_insides),
		cmocka_unit_test(test_tfc_padding),
		cmocka_unit_test(test_encap_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
