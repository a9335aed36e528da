/* tests/fuzz/fuzz_vpn_esp.c - libFuzzer harness for the ESP input path: port-4500 demux, decapsulation with fixed keys, replay window, inner-packet checks, receive coalescing. */
/* SPDX-License-Identifier: ISC */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vpn/esp_local.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Input: one byte, then data. The byte's high nibble picks what the data is:
 *  0: a datagram on the ESP-in-UDP port, decapsulated on SA (low bits);
 *     its SPI is set to the SA's so that it gets past the lookup;
 *  1: the plaintext of an ESP payload (inner packet, padding, pad length,
 *     next header: anything), sealed here with the SA's keys so that the
 *     code behind the integrity check is reached; what decodes is then
 *     coalesced with copies of itself;
 *  2: sequence numbers (4 bytes each) for a replay window.
 */

#define NSA 4

static struct sa {
	struct esp_sa_cfg cfg;
	struct esp_xf	  xf;
	struct esp_cx	  dec;
} sas[NSA];

static void
sa_init(struct sa *s, uint16_t encr, uint16_t bits, uint16_t integ, size_t ilen, bool esn)
{
	uint8_t k[64];

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i * 29 + bits);
	esp_sa_cfg_init(&s->cfg);
	s->cfg.spi = 0x1000u + bits + integ;
	s->cfg.encr = encr;
	s->cfg.encr_bits = bits;
	s->cfg.integ = integ;
	s->cfg.esn = esn;
	(void)secret_set(&s->cfg.encr_key, k, bits / 8 + (encr == IKE_ENCR_AES_GCM_16 ? 4 : 0));
	if (ilen)
		(void)secret_set(&s->cfg.integ_key, k + 7, ilen);
	if (esp_xf_init(&s->xf, &s->cfg) != 0 ||
	    esp_cx_init(&s->dec, &s->xf, &s->cfg, false) != 0)
		abort();
}

static void
init_once(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	sa_init(&sas[0], IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, false);
	sa_init(&sas[1], IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, true);
	sa_init(&sas[2], IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 32, false);
	sa_init(&sas[3], IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 20, true);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint8_t pkt[70000], out[70000];

/* Seal pt as the ESP payload of sequence number seq, by hand (so that the
 * trailer is whatever the input says). Returns the packet length. */
static size_t
seal(const struct sa *s, uint64_t seq, const uint8_t *pt, size_t len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const uint8_t  *key = secret_data(&s->cfg.encr_key);
	size_t		hdr = esp_hdr_len(&s->xf), n;
	uint8_t		nonce[12], aad[12], mac[64];
	int		m;

	if (!c)
		abort();
	put32(pkt, s->cfg.spi);
	put32(pkt + 4, (uint32_t)seq);
	for (size_t i = 0; i < s->xf.iv_len; i++)
		pkt[8 + i] = (uint8_t)(seq + i);
	if (!EVP_EncryptInit_ex2(c, s->xf.cipher, key, NULL, NULL))
		abort();
	if (s->xf.aead) {
		memcpy(nonce, key + s->xf.key_len, 4);
		memcpy(nonce + 4, pkt + 8, 8);
		put32(aad, s->cfg.spi);
		n = 4;
		if (s->cfg.esn) {
			put32(aad + n, (uint32_t)(seq >> 32));
			n += 4;
		}
		put32(aad + n, (uint32_t)seq);
		n += 4;
		if (!EVP_EncryptInit_ex2(c, NULL, NULL, nonce, NULL) ||
		    !EVP_EncryptUpdate(c, NULL, &m, aad, (int)n) ||
		    !EVP_EncryptUpdate(c, pkt + hdr, &m, pt, (int)len) ||
		    !EVP_EncryptFinal_ex(c, pkt + hdr + len, &m) ||
		    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, pkt + hdr + len))
			abort();
		n = hdr + len + 16;
	} else {
		EVP_CIPHER_CTX_set_padding(c, 0);
		if (!EVP_EncryptInit_ex2(c, NULL, NULL, pkt + 8, NULL) ||
		    !EVP_EncryptUpdate(c, pkt + hdr, &m, pt, (int)len) ||
		    !EVP_EncryptFinal_ex(c, pkt + hdr + len, &m))
			abort();
		n = hdr + len;
		if (s->cfg.esn) {
			put32(pkt + n, (uint32_t)(seq >> 32));
			if (!EVP_Q_mac(NULL, "HMAC", NULL, s->xf.digest, NULL,
				secret_data(&s->cfg.integ_key), secret_len(&s->cfg.integ_key),
				pkt, n + 4, mac, sizeof(mac), NULL))
				abort();
		} else if (!EVP_Q_mac(NULL, "HMAC", NULL, s->xf.digest, NULL,
			       secret_data(&s->cfg.integ_key), secret_len(&s->cfg.integ_key),
			       pkt, n, mac, sizeof(mac), NULL))
			abort();
		memcpy(pkt + n, mac, s->xf.icv_len);
		n += s->xf.icv_len;
	}
	EVP_CIPHER_CTX_free(c);
	return n;
}

static void
check_inner(const struct esp_inner *res, size_t max)
{
	size_t	       again;
	struct esp_buf b[3];
	uint8_t	       vnet[ESP_VNET_LEN];
	struct iovec   iov[4];
	unsigned       k;
	static uint8_t copy[2][70000];

	if (res->len > max || (res->nh != ESP_NH_IPV4 && res->nh != ESP_NH_IPV6))
		abort();
	if (esp_inner_check(wire_rd_init(out, res->len), res->nh, &again) != ESP_OK ||
	    again != res->len)
		abort();
	(void)esp_mss_clamp(out, res->len, 1350, 1400);
	/* a burst of three: the packet and two copies (the second one seen
	 * as its successor when the fields say so) */
	memcpy(copy[0], out, res->len);
	memcpy(copy[1], out, res->len);
	b[0] = (struct esp_buf){ out, res->len };
	b[1] = (struct esp_buf){ copy[0], res->len };
	b[2] = (struct esp_buf){ copy[1], res->len };
	k = esp_gro_span(b, 3);
	if (k < 1 || k > 3)
		abort();
	/* what the span accepted, the build takes */
	if (k >= 2 && esp_gro_build(b, k, vnet, iov) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sa	 *s;
	struct esp_replay rp;
	struct esp_inner  res;
	uint64_t	  seq;
	enum esp_err	  e;
	size_t		  n;

	init_once();
	if (len < 1 || len > 65000)
		return 0;
	s = &sas[data[0] & (NSA - 1)];
	switch (data[0] >> 4) {
	case 0:
		memcpy(pkt, data + 1, len - 1);
		n = len - 1;
		if (esp_udp_classify(wire_rd_init(pkt, n)) != ESP_UDP_ESP)
			return 0;
		put32(pkt, s->cfg.spi);
		if (esp_replay_init(&rp, 64, s->cfg.esn) != 0)
			abort();
		e = esp_input(&s->xf, &s->dec, &rp, wire_rd_init(pkt, n), out, sizeof(out),
		    &res, &seq);
		if (e == ESP_OK)
			check_inner(&res, n);
		break;
	case 1:
		n = (len - 1) / s->xf.align * s->xf.align;
		if (n == 0)
			return 0;
		if (esp_replay_init(&rp, 1024, s->cfg.esn) != 0)
			abort();
		seq = 1 + data[0] % 7;
		if (s->cfg.esn)
			seq += 0xfffffff0ULL;
		esp_replay_set_top(&rp, seq - 1);
		n = seal(s, seq, data + 1, n);
		e = esp_input(&s->xf, &s->dec, &rp, wire_rd_init(pkt, n), out, sizeof(out),
		    &res, &seq);
		/* sealed right: never an integrity or length failure */
		if (e == ESP_ERR_AUTH || e == ESP_ERR_SHORT || e == ESP_ERR_LENGTH ||
		    e == ESP_ERR_REPLAY || e == ESP_ERR_CRYPTO)
			abort();
		if (e == ESP_OK)
			check_inner(&res, n);
		/* and once more it is a replay */
		if (esp_input(&s->xf, &s->dec, &rp, wire_rd_init(pkt, n), out, sizeof(out),
			&res, &seq) != ESP_ERR_REPLAY)
			abort();
		break;
	case 2:
		if (len < 2)
			return 0;
		if (esp_replay_init(&rp, (uint32_t)data[1] * 32, data[0] & 1) != 0)
			abort();
		for (size_t i = 2; i + 4 <= len; i += 4) {
			uint32_t lo = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
			    (uint32_t)data[i + 2] << 8 | data[i + 3];

			if (esp_replay_check(&rp, lo, &seq) != ESP_OK)
				continue;
			if (esp_replay_update(&rp, seq) != ESP_OK)
				abort();
			/* just accepted: a duplicate now, unless the window is off */
			if (rp.window && esp_replay_check(&rp, lo, &seq) != ESP_ERR_REPLAY)
				abort();
		}
		break;
	}
	return 0;
}
