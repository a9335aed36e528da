/* vpn/esp_csum.c - the Internet checksum (RFC 1071) for the inner packets the dataplane rewrites. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <arpa/inet.h>
#include <string.h>

/*
 * The one's-complement sum does not depend on byte order (RFC 1071 2(B)):
 * sum host-order words of the raw bytes and swap once at the end. 32-bit
 * loads into a 64-bit accumulator cannot overflow for any packet we see
 * (2^32 loads), so there is no carry to track inside the loop.
 */
uint64_t
esp_csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t       w;
	uint16_t       h;
	uint8_t	       last[2] = { 0, 0 };

	while (len >= 16) {
		uint32_t a, b, c, d;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		sum += (uint64_t)a + b + c + d;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		last[0] = *p;
		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

uint16_t
esp_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ntohs((uint16_t)sum);
}

uint64_t
esp_csum_pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
	size_t	 alen = family == AF_INET ? 4 : 16;
	uint8_t	 tail[8];
	uint64_t sum = 0;

	sum = esp_csum_add(sum, src, alen);
	sum = esp_csum_add(sum, dst, alen);
	/* IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, three
	 * zeroes, next header. Summed the same either way. */
	tail[0] = (uint8_t)(len >> 24);
	tail[1] = (uint8_t)(len >> 16);
	tail[2] = (uint8_t)(len >> 8);
	tail[3] = (uint8_t)len;
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return esp_csum_add(sum, tail, sizeof(tail));
}
