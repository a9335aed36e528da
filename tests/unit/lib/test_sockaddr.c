/* tests/unit/lib/test_sockaddr.c - ipaddr <-> sockaddr conversions, both families, scope and v4-mapped. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/sockaddr.h"

static void
roundtrip(const char *txt, uint16_t port, unsigned scope, unsigned want_scope)
{
	struct ipaddr		a, b;
	struct sockaddr_storage ss;
	uint16_t		p = 0;
	socklen_t		len;

	assert_int_equal(ipaddr_parse(txt, &a), 0);
	len = ipaddr_to_sockaddr(&ss, &a, port, scope);
	if (a.family == AF_INET6) {
		assert_int_equal(len, sizeof(struct sockaddr_in6));
		assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, want_scope);
	} else
		assert_int_equal(len, sizeof(struct sockaddr_in));
	ipaddr_from_sockaddr(&b, &p, (struct sockaddr *)&ss);
	assert_int_equal(ipaddr_cmp(&a, &b), 0);
	assert_int_equal(p, port);
}

static void
test_roundtrips(void **state)
{
	roundtrip("192.0.2.1", 179, 7, 0);
	roundtrip("2001:db8::1", 3784, 7, 0); /* global: no scope */
	roundtrip("fe80::1", 179, 7, 7);      /* link-local keeps it */
	roundtrip("0.0.0.0", 0, 0, 0);
}

static void
test_v4_mapped_and_unknown(void **state)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(179) };
	struct sockaddr	    unk = { .sa_family = AF_UNIX };
	struct ipaddr	    a, want;
	uint16_t	    port = 0;

	inet_pton(AF_INET6, "::ffff:198.51.100.7", &s6.sin6_addr);
	ipaddr_from_sockaddr(&a, &port, (struct sockaddr *)&s6);
	ipaddr_parse("198.51.100.7", &want);
	assert_int_equal(ipaddr_cmp(&a, &want), 0);
	assert_int_equal(port, 179);
	ipaddr_from_sockaddr(&a, NULL, &unk);
	assert_int_equal(a.family, 0);
	ipaddr_parse("fe80::1", &a);
	assert_true(ipaddr_is_link_local6(&a));
	ipaddr_parse("fec0::1", &a);
	assert_false(ipaddr_is_link_local6(&a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_v4_mapped_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
