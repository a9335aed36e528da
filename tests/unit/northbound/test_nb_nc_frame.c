/* tests/unit/northbound/test_nb_nc_frame.c - the NETCONF framing checker: hello, 1.0 and 1.1 streams, every violation, any split. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "northbound/nb_nc_frame.h"

#define HELLO10                                                                   \
	"<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities>" \
	"<capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>"
#define HELLO11                                                                   \
	"<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities>" \
	"<capability>urn:ietf:params:netconf:base:1.0</capability>"               \
	"<capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>]]>]]>"
#define RPC \
	"<rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><get/></rpc>"

/* Feed s whole, then again byte by byte: the verdict must not depend on how
 * the transport split it. Returns the verdict; *f holds the last run. */
static int
feed_both(struct ncf *f, const char *s)
{
	struct ncf g;
	int	   whole, split = 0;

	ncf_init(f);
	whole = ncf_feed(f, (const uint8_t *)s, strlen(s));
	ncf_init(&g);
	for (size_t i = 0; s[i] && split == 0; i++)
		split = ncf_feed(&g, (const uint8_t *)s + i, 1);
	assert_int_equal(whole, split);
	assert_int_equal(f->messages, g.messages);
	return whole;
}

static void
test_hello_and_10(void **state)
{
	struct ncf f;

	assert_int_equal(feed_both(&f, HELLO10 RPC "]]>]]>" RPC "]]>]]>"), 0);
	assert_false(ncf_chunked(&f));
	assert_int_equal(f.messages, 3);
	/* the marker's own prefix repeated before it still ends the message */
	assert_int_equal(feed_both(&f,
			     HELLO10 "a]]]>]]>"
				     "]]>]]]>]]>"),
	    0);
	assert_int_equal(f.messages, 3);
	/* a hello split anywhere, base:1.1 announced: chunked afterwards */
	assert_int_equal(feed_both(&f, HELLO11), 0);
	assert_true(ncf_chunked(&f));
	/* base:1.1 after the hello does not switch */
	assert_int_equal(feed_both(&f, HELLO10 "urn:ietf:params:netconf:base:1.1]]>]]>"), 0);
	assert_false(ncf_chunked(&f));
	/* an almost-URI does not count */
	assert_int_equal(feed_both(&f,
			     "<hello>urn:ietf:params:netconf:base:1.11urn:ietf:params:"
			     "netconf:base:1.</hello>]]>]]>"),
	    0);
	assert_true(ncf_chunked(&f)); /* the first one is a full match */
	assert_int_equal(feed_both(&f, "<hello>urn:ietf:params:netconf:base:1.0</hello>]]>]]>"),
	    0);
	assert_false(ncf_chunked(&f));
}

static void
test_chunked_valid(void **state)
{
	struct ncf f;
	char	   buf[512];

	snprintf(buf, sizeof(buf), "%s\n#%zu\n%s\n##\n\n#4\nabcd\n#1\ne\n##\n", HELLO11,
	    strlen(RPC), RPC);
	assert_int_equal(feed_both(&f, buf), 0);
	assert_int_equal(f.messages, 3);
	/* a chunk's data may hold anything, framing characters included */
	assert_int_equal(feed_both(&f, HELLO11 "\n#6\n\n##\n#\n\n##\n"), 0);
	assert_int_equal(f.messages, 2);
	/* the largest chunk size is a valid header (data still to come) */
	assert_int_equal(feed_both(&f, HELLO11 "\n#4294967295"), 0);
}

static void
expect_err(const char *s, const char *why)
{
	struct ncf f;

	assert_int_equal(feed_both(&f, s), -EPROTO);
	assert_non_null(f.err);
	if (!strstr(f.err, why))
		fail_msg("'%s': want '%s', got '%s'", s, why, f.err);
	/* an error sticks */
	assert_int_equal(ncf_feed(&f, (const uint8_t *)"\n##\n", 4), -EPROTO);
}

static void
test_chunked_violations(void **state)
{
	expect_err(HELLO11 "\n#x12\n" RPC "\n##\n", "not a number");
	expect_err(HELLO11 RPC "\n##\n", "must be chunked"); /* no header */
	expect_err(HELLO11 RPC "]]>]]>", "must be chunked"); /* 1.0 framing after 1.1 */
	expect_err(HELLO11 "\n#07\nabcdefg\n##\n", "leading zero");
	expect_err(HELLO11 "\n#0\n\n##\n", "leading zero");
	expect_err(HELLO11 "\n#4294967296\n", "above 4294967295");
	expect_err(HELLO11 "\n#99999999999\n", "above 4294967295");
	expect_err(HELLO11 "\n#12a\n", "not a number");
	expect_err(HELLO11 "\n#-1\n", "not a number");
	expect_err(HELLO11 "\n#\n", "not a number");
	expect_err(HELLO11 "\n##\n", "before any chunk");
	expect_err(HELLO11 "\n#2\nab\n##x", "LF '##' LF");
	expect_err(HELLO11 "\n#2\nabc", "LF '#'");	       /* data past the size */
	expect_err(HELLO11 "#2\nab\n##\n", "must be chunked"); /* LF missing */
	expect_err(HELLO11 "\n!2\nab\n##\n", "LF '#'");
}

static void
test_size_cap(void **state)
{
	static const uint8_t block[1 << 16];
	struct ncf	     f;
	char		     hdr[64];

	ncf_init(&f);
	assert_int_equal(f.max, NCF_MSG_MAX);
	f.max = 16 * sizeof(block); /* the same rule, less to feed */
	assert_int_equal(ncf_feed(&f, (const uint8_t *)HELLO11, strlen(HELLO11)), 0);
	snprintf(hdr, sizeof(hdr), "\n#%llu\n", (unsigned long long)f.max);
	assert_int_equal(ncf_feed(&f, (const uint8_t *)hdr, strlen(hdr)), 0);
	/* a full message's worth in one chunk is fine ... */
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(ncf_feed(&f, block, sizeof(block)), 0);
	/* ... one byte more in the next chunk is not */
	assert_int_equal(ncf_feed(&f, (const uint8_t *)"\n#1\n", 4), -EPROTO);
	assert_non_null(strstr(f.err, "longer"));
	/* end-of-message framing: an endless hello */
	ncf_init(&f);
	f.max = 16 * sizeof(block);
	for (uint32_t i = 0; i <= 16; i++)
		if (ncf_feed(&f, block, sizeof(block)) != 0)
			break;
	assert_non_null(f.err);
	assert_non_null(strstr(f.err, "longer"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_and_10),
		cmocka_unit_test(test_chunked_valid),
		cmocka_unit_test(test_chunked_violations),
		cmocka_unit_test(test_size_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
