/* lib/secret.c - key material storage: set, copy, wipe, constant-time compare. */
/* SPDX-License-Identifier: ISC */
#include "lib/secret.h"

#include <errno.h>
#include <string.h>

int
secret_set(struct secret *s, const void *p, size_t len)
{
	secret_wipe(s);
	if (len > SECRET_MAX)
		return -EMSGSIZE;
	memcpy(s->b, p, len);
	s->len = (uint16_t)len;
	return 0;
}

int
secret_set_str(struct secret *s, const char *str)
{
	return secret_set(s, str, strlen(str));
}

void
secret_copy(struct secret *dst, const struct secret *src)
{
	if (dst == src)
		return;
	secret_wipe(dst);
	memcpy(dst->b, src->b, src->len);
	dst->len = src->len;
}

void
secret_wipe(struct secret *s)
{
	explicit_bzero(s, sizeof(*s));
}

bool
secret_eq(const struct secret *a, const struct secret *b)
{
	volatile uint8_t acc = 0;

	/* The whole storage, so neither the length nor the first differing
	 * byte shows in the time taken (bytes past len are kept zero). */
	for (size_t i = 0; i < SECRET_MAX; i++)
		acc |= a->b[i] ^ b->b[i];
	acc |= (uint8_t)((a->len ^ b->len) | ((a->len ^ b->len) >> 8));
	return acc == 0;
}
