/* lib/secret.h - the one type that holds key material: fixed storage, wiped, compared in constant time. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_SECRET_H
#define HGW_LIB_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every key the gateway holds (TCP MD5 and BFD keys, IKE pre-shared keys,
 * IKE and ESP key material) lives in a struct secret. The storage is inline,
 * so a secret never allocates and never leaves a copy behind on the heap;
 * the owner wipes it with secret_wipe() (explicit_bzero, which the compiler
 * may not drop) when it is done, and copies are made only with
 * secret_copy(), never by struct assignment of a live key into a place that
 * is not wiped. There is deliberately no way to format a secret: nothing
 * can log one by accident.
 *
 * SECRET_MAX covers the largest material IKEv2 derives in one piece here
 * (prf+ output for seven keys of an HMAC-SHA2-512 / AES-256 SA, 392 bytes)
 * and a 4096-bit Diffie-Hellman shared secret.
 */
#define SECRET_MAX 512

struct secret {
	uint16_t len;
	uint8_t	 b[SECRET_MAX];
};

/* Replace the contents; -EMSGSIZE (and the secret left empty) if too long. */
int  secret_set(struct secret *, const void *, size_t);
int  secret_set_str(struct secret *, const char *); /* without the NUL */
void secret_copy(struct secret *dst, const struct secret *src);
/* Wipe every byte of the storage, not only the used part. */
void secret_wipe(struct secret *);
/* Equal length and bytes; time depends on neither the contents nor where
 * they differ (only on SECRET_MAX). */
bool secret_eq(const struct secret *, const struct secret *);

static inline bool
secret_empty(const struct secret *s)
{
	return s->len == 0;
}
static inline size_t
secret_len(const struct secret *s)
{
	return s->len;
}
static inline const uint8_t *
secret_data(const struct secret *s)
{
	return s->b;
}

#endif
