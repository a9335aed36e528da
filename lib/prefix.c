/* lib/prefix.c - IPv4/IPv6 addresses and prefixes: strict parsing, printing, ordering. */
/* SPDX-License-Identifier: ISC */
#include "lib/prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static unsigned
family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

static bool
family_ok(uint8_t family)
{
	return family == AF_INET || family == AF_INET6;
}

/* Do the first len bits of a and b agree? */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len >> 3, rem = len & 7;

	if (full > 0 && memcmp(a, b, full) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff00u >> rem)) == 0;
}

/* Parse an address of a known family; the string must be exactly the address. */
static int
addr_pton(const char *s, uint8_t family, uint8_t *bytes)
{
	uint8_t tmp[16];

	if (inet_pton(family, s, tmp) != 1)
		return -EINVAL;
	memset(bytes, 0, 16);
	memcpy(bytes, tmp, family_bytes(family));
	return 0;
}

int
ipaddr_parse(const char *s, struct ipaddr *a)
{
	struct ipaddr tmp = { 0 };

	if (s == NULL)
		return -EINVAL;
	tmp.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (addr_pton(s, tmp.family, tmp.bytes) != 0)
		return -EINVAL;
	*a = tmp;
	return 0;
}

/* A prefix length: 1 to 3 decimal digits, nothing else, at most max. */
static int
len_parse(const char *s, unsigned max, uint8_t *len)
{
	unsigned v = 0;
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -EINVAL;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*len = (uint8_t)v;
	return 0;
}

int
prefix_parse(const char *s, struct prefix *p)
{
	char	      addr[INET6_ADDRSTRLEN];
	const char   *slash;
	struct prefix tmp = { 0 };
	size_t	      alen;
	unsigned      bits;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	tmp.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	bits = prefix_family_bits(tmp.family);
	if (addr_pton(addr, tmp.family, tmp.bytes) != 0)
		return -EINVAL;
	if (slash == NULL)
		tmp.len = (uint8_t)bits;
	else if (len_parse(slash + 1, bits, &tmp.len) != 0)
		return -EINVAL;
	/* Strict: "10.0.0.1/8" is a typo, not 10.0.0.0/8. */
	{
		struct prefix masked = tmp;

		prefix_mask(&masked);
		if (memcmp(masked.bytes, tmp.bytes, sizeof(tmp.bytes)) != 0)
			return -EINVAL;
	}
	*p = tmp;
	return 0;
}

char *
ipaddr_fmt(const struct ipaddr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (!family_ok(a->family) || inet_ntop(a->family, a->bytes, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (!family_ok(p->family) || inet_ntop(p->family, p->bytes, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/%u", tmp, p->len);
	return buf;
}

int
prefix_from_bytes(struct prefix *p, uint8_t family, const uint8_t *bytes, uint8_t len)
{
	if (!family_ok(family) || len > prefix_family_bits(family))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	if (len > 0)
		memcpy(p->bytes, bytes, (len + 7u) / 8u);
	prefix_mask(p);
	return 0;
}

void
prefix_from_addr(struct prefix *p, const struct ipaddr *a)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->len = (uint8_t)prefix_family_bits(a->family);
	memcpy(p->bytes, a->bytes, family_bytes(a->family));
}

void
prefix_mask(struct prefix *p)
{
	unsigned full = p->len >> 3, rem = p->len & 7;

	if (full >= sizeof(p->bytes))
		return;
	if (rem) {
		p->bytes[full] &= (uint8_t)(0xff00u >> rem);
		full++;
	}
	memset(p->bytes + full, 0, sizeof(p->bytes) - full);
}

int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->bytes, b->bytes, family_bytes(a->family));
	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

bool
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->bytes, b->bytes, family_bytes(a->family)) == 0;
}

bool
prefix_contains(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len <= b->len &&
	    bits_equal(a->bytes, b->bytes, a->len);
}

bool
prefix_contains_addr(const struct prefix *p, const struct ipaddr *a)
{
	return p->family == a->family && bits_equal(p->bytes, a->bytes, p->len);
}

int
ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->bytes, b->bytes, family_bytes(a->family));
	return c < 0 ? -1 : c > 0;
}

bool
prefix_is_default(const struct prefix *p)
{
	return p->len == 0;
}

static inline uint64_t
hash_mix64(uint64_t h)
{
	/* murmur3 fmix64 finalizer: full avalanche in a few cycles */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t
prefix_hash(const struct prefix *p)
{
	uint64_t w0 = 0, w1 = 0, h;

	/* only the family's bytes: equal prefixes hash equal whatever the tail holds */
	if (p->family == AF_INET) {
		uint32_t v4;

		memcpy(&v4, p->bytes, 4);
		w0 = v4;
	} else {
		memcpy(&w0, p->bytes, 8);
		memcpy(&w1, p->bytes + 8, 8);
	}
	h = ((uint64_t)p->family << 8 | p->len) * 0x9e3779b97f4a7c15ULL;
	h = hash_mix64(h ^ w0);
	h = hash_mix64(h ^ (w1 + 0x9e3779b97f4a7c15ULL));
	return (uint32_t)(h ^ (h >> 32));
}
