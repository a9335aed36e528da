/* vpn/ike_crypto.h - IKEv2 crypto: algorithm facts, prf/prf+, key derivation, Diffie-Hellman, SK protection, AUTH. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_IKE_CRYPTO_H
#define HGW_VPN_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "lib/secret.h"
#include "lib/wire.h"
#include "vpn/ike_codec.h"
#include "vpn/ike_proposal.h"

/*
 * Ownership in one paragraph:
 * - Every key is a struct secret inside a caller-owned struct (struct
 *   ike_keys, struct ike_child_keys, struct ike_sk); the owner wipes it
 *   with the matching *_wipe(). Temporaries are wiped here before return.
 * - struct ike_dh is allocated by ike_dh_new() and freed (wiped) by
 *   ike_dh_free(); it holds our private value for one exchange.
 * - EVP_PKEY arguments are borrowed: the caller keeps and frees them.
 * - Byte views (struct wire_rd) are borrowed for the duration of the call.
 * Functions return 0 or -errno. -EBADMSG always means "the peer sent
 * something invalid": the caller answers INVALID_SYNTAX (DH values), drops
 * the message (SK integrity), or answers AUTHENTICATION_FAILED (AUTH).
 * Nothing here logs.
 */

/* ---- algorithm facts (vpn/ike_alg.c) ---- */

bool ike_encr_supported(uint16_t encr, uint16_t keybits);
bool ike_encr_is_aead(uint16_t encr);
/* Key material bytes: the key plus, for AES-GCM, its 4-byte salt
 * (RFC 5282 7.1 for IKE, RFC 4106 8.1 for ESP). 0 if unsupported. */
size_t ike_encr_key_len(uint16_t encr, uint16_t keybits);
size_t ike_encr_iv_len(uint16_t encr);	  /* explicit IV in SK */
size_t ike_encr_block_len(uint16_t encr); /* padding alignment */
size_t ike_encr_icv_len(uint16_t encr);	  /* AEAD tag; 0 otherwise */
bool   ike_integ_supported(uint16_t integ);
size_t ike_integ_key_len(uint16_t integ);
size_t ike_integ_icv_len(uint16_t integ); /* truncated output (RFC 4868) */
bool   ike_prf_supported(uint16_t prf);
/* HMAC PRFs: output length, which is also the preferred key length that
 * SK_d, SK_pi and SK_pr get (RFC 7296 2.13, 2.14). */
size_t ike_prf_len(uint16_t prf);
bool   ike_dh_supported(uint16_t group);
size_t ike_dh_public_len(uint16_t group); /* KE data length */

/* ---- prf, prf+, key derivation (vpn/ike_prf.c) ---- */

#define IKE_PRF_MAX_LEN 64

/* prf(key, parts[0] | parts[1] | ...) into out (ike_prf_len(prf) bytes). */
int ike_prf(uint16_t prf, const uint8_t *key, size_t keylen, const struct wire_rd *parts,
    size_t nparts, uint8_t *out);
/* RFC 7296 2.13: prf+(key, seed) truncated to len bytes (at most 255
 * blocks); seed is the concatenation of the parts. */
int ike_prfplus(uint16_t prf, const uint8_t *key, size_t keylen, const struct wire_rd *seed,
    size_t nseed, uint8_t *out, size_t len);

struct ike_keys { /* RFC 7296 2.14 */
	struct secret d, ai, ar, ei, er, pi, pr;
};

struct ike_child_keys {		      /* RFC 7296 2.17 */
	struct secret ei, ai, er, ar; /* ei/ai protect initiator -> responder */
};

/* SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 2.14). */
int ike_skeyseed(uint16_t prf, struct wire_rd ni, struct wire_rd nr, const struct secret *g_ir,
    struct secret *skeyseed);
/* IKE SA rekey (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir (new) |
 * Ni | Nr) with the old SA's PRF and the CREATE_CHILD_SA nonces. */
int ike_skeyseed_rekey(uint16_t old_prf, const struct secret *old_sk_d,
    const struct secret *g_ir, struct wire_rd ni, struct wire_rd nr, struct secret *skeyseed);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), lengths from the suite. */
int ike_keys_derive(const struct ike_suite *s, const struct secret *skeyseed, struct wire_rd ni,
    struct wire_rd nr, uint64_t spii, uint64_t spir, struct ike_keys *k);
/* Both steps of an IKE_SA_INIT: SKEYSEED never leaves the call. */
int  ike_keys_from_dh(const struct ike_suite *s, const struct secret *g_ir, struct wire_rd ni,
     struct wire_rd nr, uint64_t spii, uint64_t spir, struct ike_keys *k);
void ike_keys_wipe(struct ike_keys *k);
/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), taken as encryption key
 * then integrity key, initiator->responder SA first (RFC 7296 2.17);
 * g_ir is NULL without PFS. child->encr/integ give the lengths (ESP
 * AES-GCM keys carry their salt, RFC 4106 8.1). */
int  ike_child_keys_derive(uint16_t prf, const struct secret *sk_d, const struct secret *g_ir,
     struct wire_rd ni, struct wire_rd nr, const struct ike_suite *child,
     struct ike_child_keys *k);
void ike_child_keys_wipe(struct ike_child_keys *k);

/* ---- Diffie-Hellman (vpn/ike_dh.c) ---- */

struct ike_dh;

/* A fresh key pair for group. -ENOTSUP for a group we do not run. */
int ike_dh_new(uint16_t group, struct ike_dh **out);
/* A key pair from a given private value (big-endian; little-endian
 * scalar for X25519): known-answer tests only. */
int	 ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len,
	 struct ike_dh **out);
uint16_t ike_dh_group(const struct ike_dh *dh);
/* Our public value as the KE payload carries it (RFC 7296 3.4, RFC 5903
 * 7: x | y for ECP, RFC 8031 for X25519); exactly ike_dh_public_len(). */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap, size_t *len);
/* The shared secret g^ir from the peer's KE data, padded to the group's
 * length (RFC 7296 2.14; the x coordinate for ECP, RFC 5903 7). The peer
 * value is checked first (RFC 7296 2.12, RFC 6989): -EBADMSG for a wrong
 * length, 0, 1, p-1, >= p, a point not on the curve, a MODP-2048-256
 * value outside the subgroup, or an all-zero X25519 result. */
int  ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len, struct secret *shared);
void ike_dh_free(struct ike_dh *dh);

/* ---- SK payload protection (vpn/ike_sk.c) ---- */

/* One direction of an IKE SA's protection (RFC 7296 3.14). */
struct ike_sk_dir {
	uint16_t      encr, keylen, integ;
	struct secret ek;     /* SK_e (+ salt for AES-GCM) */
	struct secret ak;     /* SK_a; empty with AEAD */
	uint64_t      iv_seq; /* AEAD IVs we send: a counter, never reused */
};

struct ike_sk {
	struct ike_sk_dir out, in;
};

/* Pick SK_ei/SK_ai or SK_er/SK_ar for each direction by our role. */
int    ike_sk_init(struct ike_sk *sk, const struct ike_suite *s, const struct ike_keys *k,
       bool initiator);
void   ike_sk_wipe(struct ike_sk *sk);
size_t ike_sk_iv_len(const struct ike_sk_dir *d);
/* Most bytes protection adds to the inner payloads (SK header, IV,
 * padding, pad length, ICV): for sizing buffers and fragments. */
size_t ike_sk_overhead(const struct ike_sk_dir *d);
/* ike_enc_sk_begin() with this direction's IV length. */
void ike_sk_begin(struct ike_enc *e, const struct ike_sk_dir *d);
/* Pad, encrypt in place and append the ICV of the SK or SKF payload e
 * has open, then patch the lengths: the message is ready to send. 0,
 * -EMSGSIZE (no room), -EIO (crypto library failure). */
int ike_sk_seal(struct ike_sk_dir *d, struct ike_enc *e);
/* Check the ICV over the whole message (constant time, before anything
 * is decrypted) and decrypt m->sk.body into buf (cap >= its length);
 * *inner is the plaintext inner chain without padding. 0, or -EBADMSG
 * (integrity or padding: drop and count), -EIO. */
int ike_sk_open(const struct ike_sk_dir *d, const struct ike_msg *m, uint8_t *buf, size_t cap,
    struct wire_rd *inner);

/* ---- SKF fragments (vpn/ike_frag.c, RFC 7383) ---- */

#define IKE_FRAG_MAX 64	   /* fragments of one message */
#define IKE_FRAG_BUF 32768 /* inner payload bytes of one message */

/*
 * One message being reassembled. The owner (an IKE SA, for what it
 * receives) allocates it with the SA and wipes it with ike_frag_reset();
 * the memory it ever uses is this struct. Fragments are added after
 * ike_sk_open() verified them, in any order.
 */
struct ike_frag {
	bool	 active;
	uint8_t	 exchange, first;
	uint32_t msgid;
	uint16_t total, have;
	uint64_t seen; /* bit n-1: fragment n stored */
	size_t	 used;
	uint16_t off[IKE_FRAG_MAX], len[IKE_FRAG_MAX];
	uint8_t	 buf[IKE_FRAG_BUF];
};

void ike_frag_reset(struct ike_frag *f);
/*
 * Add the decrypted inner bytes of fragment m (its header gives message
 * ID, exchange, number and total). Returns 0 while the message is
 * incomplete (also for a duplicate or a stale fragment, which are
 * ignored, RFC 7383 2.6), 1 when it is complete: *whole is the inner
 * chain in out (cap >= what was gathered) and *first its first payload
 * type, and f is reset. A fragment of another message ID or exchange
 * starts over; a larger total restarts the set (the sender fragmented
 * again), a smaller one is ignored. -EMSGSIZE when the message would not
 * fit the bounds (the set is dropped).
 */
int ike_frag_add(struct ike_frag *f, const struct ike_msg *m, struct wire_rd plain,
    uint8_t *out, size_t cap, struct wire_rd *whole, uint8_t *first);
/* The most inner bytes one fragment can carry so that the protected
 * message is at most msg_max bytes (header and SKF payload included). */
size_t ike_frag_chunk_len(const struct ike_sk_dir *d, size_t msg_max);

/* ---- AUTH (vpn/ike_auth.c) ---- */

/*
 * What one side's AUTH covers (RFC 7296 2.15): its own first message as
 * sent (IKE_SA_INIT request for the initiator, response for the
 * responder), the other side's nonce data, and prf(SK_p, ID body) with
 * its own SK_pi/SK_pr and ID payload body (type, reserved, data).
 */
struct ike_auth_data {
	uint16_t	     prf;
	const struct secret *sk_p;
	struct wire_rd	     msg;
	struct wire_rd	     nonce;
	struct wire_rd	     id;
};

#define IKE_AUTH_MAX 1024 /* largest AUTH data we produce */

/* Policy flags for signatures */
#define IKE_AUTH_ALLOW_SHA1 0x1 /* RSA with SHA-1: method 1 and in 14 */

/* prf(prf(PSK, "Key Pad for IKEv2"), octets) (RFC 7296 2.15). */
int ike_auth_psk(const struct ike_auth_data *a, const struct secret *psk, uint8_t *out,
    size_t cap, size_t *len);
/* Compare in constant time: 0, or -EBADMSG (AUTHENTICATION_FAILED). */
int ike_auth_psk_verify(const struct ike_auth_data *a, const struct secret *psk,
    struct wire_rd auth);
/* Sign with method IKE_AUTH_DIGITAL_SIG (RFC 7427 3: ASN.1 length,
 * AlgorithmIdentifier, signature) and hash (enum ike_hash_alg), or with
 * the legacy IKE_AUTH_RSA_SIG (SHA-1, needs IKE_AUTH_ALLOW_SHA1). RSA
 * keys sign PKCS#1 v1.5, EC keys ECDSA. -ENOTSUP for a combination we do
 * not offer. */
int ike_auth_sign(const struct ike_auth_data *a, EVP_PKEY *key, uint8_t method, uint16_t hash,
    unsigned flags, uint8_t *out, size_t cap, size_t *len);
/* Verify the peer's AUTH with its public key: methods 14 (RSA PKCS#1
 * v1.5 and ECDSA with SHA-256/384/512), 9/10/11 (ECDSA, RFC 4754) and 1
 * only with IKE_AUTH_ALLOW_SHA1. 0, -EBADMSG (AUTHENTICATION_FAILED), or
 * -ENOTSUP for a method/algorithm we refuse. */
int ike_auth_verify(const struct ike_auth_data *a, EVP_PKEY *pub, uint8_t method,
    struct wire_rd auth, unsigned flags);
/* The hash to sign with for key, given the peer's SIGNATURE_HASH_ALGORITHMS
 * (a mask of 1 << enum ike_hash_alg; 0 if it sent none): the curve's own
 * hash for ECDSA, SHA-256 first for RSA. 0 when nothing fits. */
uint16_t ike_auth_hash_pick(EVP_PKEY *key, uint32_t peer_mask);
/* RFC 7427 4: SIGNATURE_HASH_ALGORITHMS notify data we send (SHA2-256,
 * -384, -512, and SHA-1 with IKE_AUTH_ALLOW_SHA1). Returns the length. */
size_t ike_sighash_encode(uint8_t *buf, size_t cap, unsigned flags);
/* The peer's list as a mask of 1 << id (ids above 31 are ignored).
 * IKE_ERR_SYNTAX for an odd length. */
enum ike_err ike_sighash_decode(struct wire_rd data, uint32_t *mask);

#endif
