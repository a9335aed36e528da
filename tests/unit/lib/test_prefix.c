/* tests/unit/lib/test_prefix.c - lib/prefix.c: strict parsing, printing, containment, order, hash. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "lib/prefix.h"

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static void
test_round_trip(void **state)
{
	static const struct {
		const char *in, *out;
		uint8_t	    family, len;
	} v[] = {
		{ "10.0.0.0/8", "10.0.0.0/8", AF_INET, 8 },
		{ "0.0.0.0/0", "0.0.0.0/0", AF_INET, 0 },
		{ "192.0.2.1/32", "192.0.2.1/32", AF_INET, 32 },
		{ "192.0.2.1", "192.0.2.1/32", AF_INET, 32 },
		{ "255.255.255.254/31", "255.255.255.254/31", AF_INET, 31 },
		{ "172.16.0.0/12", "172.16.0.0/12", AF_INET, 12 },
		{ "10.0.0.0/08", "10.0.0.0/8", AF_INET, 8 },
		{ "2001:db8::/32", "2001:db8::/32", AF_INET6, 32 },
		{ "::/0", "::/0", AF_INET6, 0 },
		{ "::1", "::1/128", AF_INET6, 128 },
		{ "2001:DB8:0:0:0:0:0:1/128", "2001:db8::1/128", AF_INET6, 128 },
		{ "fe80::/10", "fe80::/10", AF_INET6, 10 },
		{ "2001:db8:1:2::/63", "2001:db8:1:2::/63", AF_INET6, 63 },
		{ "::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120", AF_INET6, 120 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", AF_INET6, 127 },
	};
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct prefix p, q;

		memset(&p, 0xaa, sizeof(p));
		assert_int_equal(prefix_parse(v[i].in, &p), 0);
		assert_int_equal(p.family, v[i].family);
		assert_int_equal(p.len, v[i].len);
		if (p.family == AF_INET) /* unused bytes are zero */
			for (size_t k = 4; k < 16; k++)
				assert_int_equal(p.bytes[k], 0);
		assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), v[i].out);
		assert_int_equal(prefix_parse(buf, &q), 0);
		assert_true(prefix_equal(&p, &q));
		assert_int_equal(prefix_cmp(&p, &q), 0);
		assert_int_equal(prefix_hash(&p), prefix_hash(&q));
	}
	/* the longest possible text fits PREFIX_STRLEN */
	{
		struct prefix p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");

		prefix_fmt(&p, buf, sizeof(buf));
		assert_true(strlen(buf) < PREFIX_STRLEN);
		prefix_fmt(&p, buf, 8); /* truncated, still terminated */
		assert_int_equal(strlen(buf), 7);
	}
}

static void
test_reject(void **state)
{
	/* clang-format off */
	static const char *const bad[] = {
		"", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
		"10.0.0.0/8 ", " 10.0.0.0/8", "10.0.0.0 /8", "10.0.0.0/ 8", "10.0.0.0/8/8",
		"10.0.0.0/0008", "10.0.0/8", "10.0.0.0.0/8", "256.0.0.0/8", "10.0.0.0/x",
		"010.0.0.0/8", "1.2.3.4.", "2001:db8::/129", "2001:db8:::/32", "2001:db8::g/32",
		"12345::/16", "::/1000", "abc", "10.0.0.0/8x", "2001:db8::/32/",
		"10.0.0.0/4294967304", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		/* host bits set: strict */
		"10.0.0.1/8", "10.128.0.0/8", "192.0.2.1/31", "0.0.0.1/0", "128.0.0.0/0",
		"2001:db8::1/64", "2001:db8::/16", "::1/127", "8000::/0",
	};
	/* clang-format on */
	struct prefix p, keep = pfx("198.51.100.0/24");
	struct ipaddr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = keep;
		if (prefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(prefix_equal(&p, &keep)); /* untouched on error */
	}
	assert_int_equal(prefix_parse(NULL, &p), -EINVAL);
	assert_int_equal(ipaddr_parse("10.0.0.0/8", &a), -EINVAL);
	assert_int_equal(ipaddr_parse("", &a), -EINVAL);
	assert_int_equal(ipaddr_parse("1.2.3", &a), -EINVAL);
	assert_int_equal(ipaddr_parse("::g", &a), -EINVAL);
	assert_int_equal(ipaddr_parse(NULL, &a), -EINVAL);
}

static void
test_ipaddr(void **state)
{
	struct ipaddr a, b;
	char	      buf[IPADDR_STRLEN];

	assert_int_equal(ipaddr_parse("192.0.2.7", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, ((uint8_t[16]){ 192, 0, 2, 7 }), 16);
	assert_string_equal(ipaddr_fmt(&a, buf, sizeof(buf)), "192.0.2.7");
	assert_int_equal(ipaddr_parse("2001:db8::7", &b), 0);
	assert_int_equal(b.family, AF_INET6);
	assert_string_equal(ipaddr_fmt(&b, buf, sizeof(buf)), "2001:db8::7");
	assert_true(ipaddr_cmp(&a, &b) < 0); /* AF_INET < AF_INET6 */
	assert_true(ipaddr_cmp(&b, &a) > 0);
	assert_int_equal(ipaddr_cmp(&a, &a), 0);
	assert_int_equal(ipaddr_parse("192.0.2.8", &b), 0);
	assert_true(ipaddr_cmp(&a, &b) < 0);
	memset(&b, 0, sizeof(b));
	assert_string_equal(ipaddr_fmt(&b, buf, sizeof(buf)), "-");
	/* a longest IPv6 text fits IPADDR_STRLEN */
	assert_int_equal(ipaddr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &b), 0);
	ipaddr_fmt(&b, buf, sizeof(buf));
	assert_true(strlen(buf) < IPADDR_STRLEN);
}

static void
test_from_bytes_and_mask(void **state)
{
	static const uint8_t raw[16] = { 0xc0, 0xa8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct prefix	     p;
	struct ipaddr	     a;
	char		     buf[PREFIX_STRLEN];

	assert_int_equal(prefix_from_bytes(&p, AF_INET, raw, 20), 0);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "192.168.240.0/20");
	assert_int_equal(p.bytes[3], 0);
	assert_int_equal(prefix_from_bytes(&p, AF_INET, raw, 0), 0);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
	assert_int_equal(prefix_from_bytes(&p, AF_INET, raw, 32), 0);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "192.168.255.255/32");
	assert_int_equal(prefix_from_bytes(&p, AF_INET, raw, 33), -EINVAL);
	assert_int_equal(prefix_from_bytes(&p, AF_INET6, raw, 129), -EINVAL);
	assert_int_equal(prefix_from_bytes(&p, 0, raw, 8), -EINVAL);
	assert_int_equal(prefix_from_bytes(&p, AF_INET6, raw, 17), 0);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "c0a8:8000::/17");
	assert_int_equal(prefix_from_bytes(&p, AF_INET6, raw, 128), 0);
	assert_int_equal(p.bytes[15], 0xff);
	/* copies only ceil(len/8) bytes: a 1-byte NLRI for a /8 is enough */
	{
		uint8_t *one = malloc(1);

		assert_non_null(one);
		one[0] = 10;
		assert_int_equal(prefix_from_bytes(&p, AF_INET, one, 8), 0);
		assert_true(prefix_equal(&p,
		    &(struct prefix){ .family = AF_INET, .len = 8, .bytes = { 10 } }));
		free(one);
		assert_int_equal(prefix_from_bytes(&p, AF_INET, NULL, 0), 0);
	}
	/* mask */
	p = (struct prefix){ .family = AF_INET, .len = 9, .bytes = { 10, 0xff, 0xff, 0xff } };
	prefix_mask(&p);
	assert_memory_equal(p.bytes, ((uint8_t[16]){ 10, 0x80 }), 16);
	p.len = 0;
	prefix_mask(&p);
	assert_memory_equal(p.bytes, ((uint8_t[16]){ 0 }), 16);
	memset(p.bytes, 0xff, 16);
	p.family = AF_INET6;
	p.len = 128;
	prefix_mask(&p);
	assert_int_equal(p.bytes[15], 0xff);
	p.len = 127;
	prefix_mask(&p);
	assert_int_equal(p.bytes[15], 0xfe);
	/* from_addr */
	assert_int_equal(ipaddr_parse("2001:db8::5", &a), 0);
	prefix_from_addr(&p, &a);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::5/128");
	assert_true(prefix_contains_addr(&p, &a));
	assert_int_equal(ipaddr_parse("198.51.100.9", &a), 0);
	prefix_from_addr(&p, &a);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "198.51.100.9/32");
}

static void
test_contains(void **state)
{
	struct prefix p8 = pfx("10.0.0.0/8"), p16 = pfx("10.1.0.0/16"),
		      o16 = pfx("11.1.0.0/16"), d4 = pfx("0.0.0.0/0"), d6 = pfx("::/0"),
		      v6 = pfx("2001:db8::/32"), v6b = pfx("2001:db8:8000::/33"),
		      p9 = pfx("10.128.0.0/9");
	struct ipaddr a;

	assert_true(prefix_contains(&p8, &p16));
	assert_false(prefix_contains(&p16, &p8));
	assert_true(prefix_contains(&p8, &p8));
	assert_false(prefix_contains(&p8, &o16));
	assert_true(prefix_contains(&d4, &p16));
	assert_true(prefix_contains(&d4, &d4));
	assert_false(prefix_contains(&d4, &v6)); /* families never mix */
	assert_false(prefix_contains(&d6, &p8));
	assert_true(prefix_contains(&d6, &v6));
	assert_true(prefix_contains(&v6, &v6b));
	assert_false(prefix_contains(&v6b, &v6));
	assert_true(prefix_contains(&p8, &p9));
	assert_false(prefix_contains(&p9, &p16)); /* 10.1 has bit 8 clear */
	assert_true(prefix_is_default(&d4));
	assert_true(prefix_is_default(&d6));
	assert_false(prefix_is_default(&p8));

	assert_int_equal(ipaddr_parse("10.1.2.3", &a), 0);
	assert_true(prefix_contains_addr(&p8, &a));
	assert_true(prefix_contains_addr(&p16, &a));
	assert_true(prefix_contains_addr(&d4, &a));
	assert_false(prefix_contains_addr(&d6, &a));
	assert_false(prefix_contains_addr(&p9, &a));
	assert_int_equal(ipaddr_parse("10.128.0.1", &a), 0);
	assert_true(prefix_contains_addr(&p9, &a));
	assert_int_equal(ipaddr_parse("2001:db8:ffff::1", &a), 0);
	assert_true(prefix_contains_addr(&v6b, &a));
	assert_true(prefix_contains_addr(&v6, &a));
	assert_int_equal(ipaddr_parse("2001:db8:7fff::1", &a), 0);
	assert_false(prefix_contains_addr(&v6b, &a));
}

static int
cmp_qsort(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void
test_cmp_order(void **state)
{
	/* the order prefix_cmp must produce: family, address, then shorter first */
	/* clang-format off */
	static const char *const sorted[] = {
		"0.0.0.0/0", "0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "10.0.0.0/9",
		"10.0.0.0/16", "10.0.0.0/24", "10.0.0.1/32", "10.1.0.0/16", "10.128.0.0/9",
		"11.0.0.0/8", "192.0.2.0/24", "255.255.255.255/32",
		"::/0", "::/128", "::1/128", "2001:db8::/32", "2001:db8::/48",
		"2001:db8:0:1::/64", "2001:db8:8000::/33", "fe80::/10",
	};
	/* clang-format on */
	size_t	      n = sizeof(sorted) / sizeof(sorted[0]);
	struct prefix v[sizeof(sorted) / sizeof(sorted[0])];
	char	      buf[PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++)
		v[i] = pfx(sorted[(i * 5) % n]); /* 5 is prime to 21: a shuffle */
	qsort(v, n, sizeof(v[0]), cmp_qsort);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(prefix_fmt(&v[i], buf, sizeof(buf)), sorted[i]);
		if (i > 0) {
			assert_true(prefix_cmp(&v[i - 1], &v[i]) < 0);
			assert_true(prefix_cmp(&v[i], &v[i - 1]) > 0);
			assert_false(prefix_equal(&v[i - 1], &v[i]));
		}
		assert_int_equal(prefix_cmp(&v[i], &v[i]), 0);
		assert_true(prefix_equal(&v[i], &v[i]));
	}
}

static void
test_hash(void **state)
{
	/* a real hash: 64k prefixes spread evenly over 256 buckets */
	unsigned      buckets[256] = { 0 }, lo = ~0u, hi = 0;
	struct prefix p, q;

	for (unsigned i = 0; i < 65536; i++) {
		uint8_t b[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 0 };

		assert_int_equal(prefix_from_bytes(&p, AF_INET, b, 24), 0);
		buckets[prefix_hash(&p) & 255]++;
	}
	for (unsigned i = 0; i < 256; i++) {
		lo = buckets[i] < lo ? buckets[i] : lo;
		hi = buckets[i] > hi ? buckets[i] : hi;
	}
	assert_true(lo > 256 - 80 && hi < 256 + 80);
	/* length and family take part */
	p = pfx("10.0.0.0/8");
	q = pfx("10.0.0.0/9");
	assert_int_not_equal(prefix_hash(&p), prefix_hash(&q));
	p = pfx("::/0");
	q = pfx("0.0.0.0/0");
	assert_int_not_equal(prefix_hash(&p), prefix_hash(&q));
	/* only the family's bytes count */
	p = pfx("10.0.0.0/8");
	q = p;
	q.bytes[12] = 0x55;
	assert_int_equal(prefix_hash(&p), prefix_hash(&q));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_ipaddr),
		cmocka_unit_test(test_from_bytes_and_mask),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_cmp_order),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
