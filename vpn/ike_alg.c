/* vpn/ike_alg.c - facts about the IKE/ESP algorithms we run: key, IV, block and ICV sizes, OpenSSL names. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"
#include "vpn/ike_local.h"

#include <openssl/evp.h>

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 3602 (AES-CBC: 16-byte IV and block), RFC 5282 (AES-GCM in IKE:
 * 8-byte explicit IV, 4-byte salt, 16-byte ICV; no alignment, so a block
 * of 1 and no padding bytes beyond the pad length). */
static const struct encr_info {
	uint16_t id;
	bool	 aead;
	uint8_t	 iv, block, salt, icv;
} encr_tab[] = {
	{ IKE_ENCR_AES_CBC, false, 16, 16, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, true, 8, 1, 4, 16 },
};

/* RFC 2404 (SHA1-96), RFC 4868 (SHA-2: key = digest length, ICV half). */
/* clang-format off */
static const struct integ_info {
	uint16_t	 id;
	uint8_t		 key, icv;
	const char	*md;
} integ_tab[] = {
	{ IKE_INTEG_HMAC_SHA1_96,	20, 12, "SHA1" },
	{ IKE_INTEG_HMAC_SHA2_256_128,	32, 16, "SHA256" },
	{ IKE_INTEG_HMAC_SHA2_384_192,	48, 24, "SHA384" },
	{ IKE_INTEG_HMAC_SHA2_512_256,	64, 32, "SHA512" },
};
/* clang-format on */

/* RFC 2104 / RFC 4868: output length = preferred key length. */
/* clang-format off */
static const struct prf_info {
	uint16_t	 id;
	uint8_t		 len;
	const char	*md;
} prf_tab[] = {
	{ IKE_PRF_HMAC_SHA1,		20, "SHA1" },
	{ IKE_PRF_HMAC_SHA2_256,	32, "SHA256" },
	{ IKE_PRF_HMAC_SHA2_384,	48, "SHA384" },
	{ IKE_PRF_HMAC_SHA2_512,	64, "SHA512" },
};
/* clang-format on */

static const struct encr_info *
encr_find(uint16_t id)
{
	for (size_t i = 0; i < NITEMS(encr_tab); i++)
		if (encr_tab[i].id == id)
			return &encr_tab[i];
	return NULL;
}

static const struct integ_info *
integ_find(uint16_t id)
{
	for (size_t i = 0; i < NITEMS(integ_tab); i++)
		if (integ_tab[i].id == id)
			return &integ_tab[i];
	return NULL;
}

static const struct prf_info *
prf_find(uint16_t id)
{
	for (size_t i = 0; i < NITEMS(prf_tab); i++)
		if (prf_tab[i].id == id)
			return &prf_tab[i];
	return NULL;
}

bool
ike_encr_supported(uint16_t encr, uint16_t keybits)
{
	return encr_find(encr) != NULL && (keybits == 128 || keybits == 192 || keybits == 256);
}

bool
ike_encr_is_aead(uint16_t encr)
{
	const struct encr_info *e = encr_find(encr);

	/* the other AEAD ids too, so a proposal naming them is judged right */
	if (encr == IKE_ENCR_AES_GCM_8 || encr == IKE_ENCR_AES_GCM_12 ||
	    encr == IKE_ENCR_CHACHA20_POLY1305)
		return true;
	return e != NULL && e->aead;
}

size_t
ike_encr_key_len(uint16_t encr, uint16_t keybits)
{
	if (!ike_encr_supported(encr, keybits))
		return 0;
	return keybits / 8u + encr_find(encr)->salt;
}

size_t
ike_encr_iv_len(uint16_t encr)
{
	const struct encr_info *e = encr_find(encr);

	return e ? e->iv : 0;
}

size_t
ike_encr_block_len(uint16_t encr)
{
	const struct encr_info *e = encr_find(encr);

	return e ? e->block : 0;
}

size_t
ike_encr_icv_len(uint16_t encr)
{
	const struct encr_info *e = encr_find(encr);

	return e ? e->icv : 0;
}

bool
ike_integ_supported(uint16_t integ)
{
	return integ_find(integ) != NULL;
}

size_t
ike_integ_key_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->key : 0;
}

size_t
ike_integ_icv_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->icv : 0;
}

bool
ike_prf_supported(uint16_t prf)
{
	return prf_find(prf) != NULL;
}

size_t
ike_prf_len(uint16_t prf)
{
	const struct prf_info *p = prf_find(prf);

	return p ? p->len : 0;
}

const char *
ike_prf_digest(uint16_t prf)
{
	const struct prf_info *p = prf_find(prf);

	return p ? p->md : NULL;
}

const char *
ike_integ_digest(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->md : NULL;
}

const EVP_CIPHER *
ike_encr_evp(uint16_t encr, uint16_t keybits)
{
	if (!ike_encr_supported(encr, keybits))
		return NULL;
	if (encr == IKE_ENCR_AES_CBC)
		return keybits == 128 ? EVP_aes_128_cbc() :
		    keybits == 192    ? EVP_aes_192_cbc() :
					EVP_aes_256_cbc();
	return keybits == 128 ? EVP_aes_128_gcm() :
	    keybits == 192    ? EVP_aes_192_gcm() :
				EVP_aes_256_gcm();
}
