/* tests/unit/include/test_hex.h - hex text -> bytes for wire test vectors (cmocka asserts). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_HEX_H
#define HGW_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Whitespace and other non-hex characters are ignored; an odd digit count fails. */
static inline size_t
hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int    hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

#endif
