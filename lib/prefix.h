/* lib/prefix.h - IPv4/IPv6 addresses and prefixes: parse, print, compare, contain. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_PREFIX_H
#define HGW_LIB_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

/* An address of either family; bytes in network order, unused bytes zero. */
struct ipaddr {
	uint8_t family; /* AF_INET or AF_INET6; 0 = none */
	uint8_t bytes[16];
};

/* A prefix: host bits beyond len are always zero (constructors mask them). */
struct prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;	/* 0..32 or 0..128 */
	uint8_t bytes[16];
};

#define PREFIX_STRLEN 50 /* "ffff:...:ffff/128" plus NUL, with room */
#define IPADDR_STRLEN 46

static inline unsigned
prefix_family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (host prefix).
 * Returns 0, or -EINVAL when malformed or host bits are set (strict) . */
int prefix_parse(const char *, struct prefix *);
int ipaddr_parse(const char *, struct ipaddr *);
/* Print into buf (at least PREFIX_STRLEN / IPADDR_STRLEN); returns buf. */
char *prefix_fmt(const struct prefix *, char *buf, size_t len);
char *ipaddr_fmt(const struct ipaddr *, char *buf, size_t len);

/* Build from raw bytes (e.g. BGP NLRI): copies ceil(len/8) bytes, masks the rest.
 * Returns -EINVAL if len is too long for the family. */
int  prefix_from_bytes(struct prefix *, uint8_t family, const uint8_t *, uint8_t len);
void prefix_from_addr(struct prefix *, const struct ipaddr *); /* host prefix */
void prefix_mask(struct prefix *);			       /* zero host bits */

/* Total order: family, then address bytes, then length (shorter first). */
int  prefix_cmp(const struct prefix *, const struct prefix *);
bool prefix_equal(const struct prefix *, const struct prefix *);
/* Does a contain b (a.len <= b.len, same family, b's first a.len bits match)? */
bool prefix_contains(const struct prefix *a, const struct prefix *b);
bool prefix_contains_addr(const struct prefix *, const struct ipaddr *);
int  ipaddr_cmp(const struct ipaddr *, const struct ipaddr *);
bool prefix_is_default(const struct prefix *);
/* Bit i (0 = most significant) of the prefix's address. */
static inline unsigned
prefix_bit(const uint8_t *bytes, unsigned i)
{
	return (bytes[i >> 3] >> (7 - (i & 7))) & 1;
}
uint32_t prefix_hash(const struct prefix *);

#endif
