/* vpn/ike_local.h - private helpers shared by the IKE crypto files (not for other modules). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_IKE_LOCAL_H
#define HGW_VPN_IKE_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "lib/wire.h"

/* Nothing here allocates what the caller must free: EVP_CIPHER pointers
 * are OpenSSL's static objects, names are constants, keys and buffers
 * are borrowed for the call. */

/* OpenSSL digest name behind a PRF / an integrity transform, or NULL. */
const char *ike_prf_digest(uint16_t prf);
const char *ike_integ_digest(uint16_t integ);
/* The EVP cipher of an ENCR transform with that key size, or NULL. */
const EVP_CIPHER *ike_encr_evp(uint16_t encr, uint16_t keybits);

/* HMAC over the concatenation of parts with EVP_MAC; *outlen gets the full
 * digest length (out must hold 64 bytes). 0 or -EIO. */
int ike_hmac(const char *digest, const uint8_t *key, size_t keylen, const struct wire_rd *parts,
    size_t nparts, uint8_t *out, size_t *outlen);

/* Raw AES-GCM with a 16-byte tag and a nonce of salt (4) | iv (8), as the
 * SK payload uses it (RFC 5282); exposed for the published test vectors.
 * key is the AES key alone (16, 24 or 32 bytes). seal: in -> out (same
 * length, may alias) + tag; open: 0, or -EBADMSG when the tag is wrong. */
int ike_gcm_seal(const uint8_t *key, size_t keylen, const uint8_t salt[4], const uint8_t iv[8],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[16]);
int ike_gcm_open(const uint8_t *key, size_t keylen, const uint8_t salt[4], const uint8_t iv[8],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, const uint8_t tag[16],
    uint8_t *out);

#endif
