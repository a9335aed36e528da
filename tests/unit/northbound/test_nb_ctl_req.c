/* tests/unit/northbound/test_nb_ctl_req.c - the hybridgwctl request decoder: words, body, every refusal, every truncation. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_ctl_req.h"

static enum nb_ctl_err
decode(const char *s, size_t len, struct nb_ctl_req *r)
{
	return nb_ctl_req_decode(wire_rd_init(s, len), r);
}

static void
assert_word(const struct nb_ctl_req *r, int i, const char *want)
{
	assert_true(i < r->nw);
	assert_int_equal(r->word[i].len, strlen(want));
	assert_memory_equal(r->word[i].p, want, strlen(want));
}

/* clang-format off */
static const struct {
	const char	*name, *req;
	enum nb_ctl_err	 want;
	int		 nw;
	size_t		 body;
} vec[] = {
	{ "show",		"show version\n",		NB_CTL_OK, 2, 0 },
	{ "flags",		"show bgp --json\n",		NB_CTL_OK, 3, 0 },
	{ "tabs, blanks",	"\t show \t routes  \n",	NB_CTL_OK, 2, 0 },
	{ "crlf",		"show version\r\n",		NB_CTL_OK, 2, 0 },
	{ "body",		"config apply f.xml\n<gateway/>\n", NB_CTL_OK, 3, 11 },
	{ "empty line",		"\n",				NB_CTL_ERR_EMPTY, 0, 0 },
	{ "blank line",		" \t\r\n",			NB_CTL_ERR_EMPTY, 0, 0 },
	{ "no newline",		"show version",			NB_CTL_ERR_NO_EOL, 0, 0 },
	{ "nothing",		"",				NB_CTL_ERR_NO_EOL, 0, 0 },
	{ "cr inside",		"show\rversion\n",		NB_CTL_ERR_BYTE, 0, 0 },
	{ "escape",		"show \x1b[2J\n",		NB_CTL_ERR_BYTE, 0, 0 },
	{ "del",		"show \x7f\n",			NB_CTL_ERR_BYTE, 0, 0 },
	{ "17 words",		"a b c d e f g h i j k l m n o p q\n", NB_CTL_ERR_WORDS, 0, 0 },
	{ "16 words",		"a b c d e f g h i j k l m n o p\n", NB_CTL_OK, 16, 0 },
};
/* clang-format on */

static void
test_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		struct nb_ctl_req r;
		enum nb_ctl_err	  e = decode(vec[i].req, strlen(vec[i].req), &r);

		if (e != vec[i].want)
			fail_msg("%s: %s, want %s", vec[i].name, nb_ctl_err_str(e),
			    nb_ctl_err_str(vec[i].want));
		if (e != NB_CTL_OK)
			continue;
		assert_int_equal(r.nw, vec[i].nw);
		assert_int_equal(r.body.len, vec[i].body);
		for (int w = 0; w < r.nw; w++) {
			assert_true(r.word[w].len > 0);
			for (size_t k = 0; k < r.word[w].len; k++)
				assert_true(r.word[w].p[k] > ' ');
		}
	}
}

static void
test_words_and_body(void **state)
{
	const char	 *s = "config  validate\t/tmp/x.xml\n<a>\n b</a>";
	struct nb_ctl_req r;

	assert_int_equal(decode(s, strlen(s), &r), NB_CTL_OK);
	assert_int_equal(r.nw, 3);
	assert_word(&r, 0, "config");
	assert_word(&r, 1, "validate");
	assert_word(&r, 2, "/tmp/x.xml");
	assert_int_equal(r.body.len, 10);
	assert_memory_equal(r.body.p, "<a>\n b</a>", 10);
	/* only the first newline ends the line: the body may hold more */
	s = "show version\n\n\n";
	assert_int_equal(decode(s, strlen(s), &r), NB_CTL_OK);
	assert_int_equal(r.nw, 2);
	assert_int_equal(r.body.len, 2);
}

/* Every truncation of a good request: the line cut short has no newline
 * (refused); once the newline is there, the body is whatever follows. */
static void
test_truncations(void **state)
{
	const char *s = "config apply f.xml\n<gateway xmlns=\"x\"/>";
	size_t	    eol = strchr(s, '\n') - s;

	for (size_t n = 0; n <= strlen(s); n++) {
		struct nb_ctl_req r;
		enum nb_ctl_err	  e = decode(s, n, &r);

		if (n <= eol) {
			assert_int_equal(e, NB_CTL_ERR_NO_EOL);
			continue;
		}
		assert_int_equal(e, NB_CTL_OK);
		assert_int_equal(r.nw, 3);
		assert_int_equal(r.body.len, n - eol - 1);
	}
}

static void
test_nul_and_limits(void **state)
{
	static const char nul_line[] = "show\0version\n";
	static const char nul_body[] = "config apply f\n<a>\0</a>";
	struct nb_ctl_req r;
	char		 *big;

	assert_int_equal(decode(nul_line, sizeof(nul_line) - 1, &r), NB_CTL_ERR_BYTE);
	assert_int_equal(decode(nul_body, sizeof(nul_body) - 1, &r), NB_CTL_ERR_BYTE);
	/* a line over the limit is refused whether or not a newline follows */
	big = malloc(NB_CTL_MAX_LINE + 2);
	assert_non_null(big);
	memset(big, 'a', NB_CTL_MAX_LINE + 1);
	big[NB_CTL_MAX_LINE + 1] = '\n';
	assert_int_equal(decode(big, NB_CTL_MAX_LINE + 2, &r), NB_CTL_ERR_TOO_LONG);
	assert_int_equal(decode(big, NB_CTL_MAX_LINE + 1, &r), NB_CTL_ERR_TOO_LONG);
	/* just at the limit it is one word */
	big[NB_CTL_MAX_LINE] = '\n';
	assert_int_equal(decode(big, NB_CTL_MAX_LINE + 1, &r), NB_CTL_OK);
	assert_int_equal(r.nw, 1);
	assert_int_equal(r.word[0].len, NB_CTL_MAX_LINE);
	free(big);
	/* the whole request: checked before anything is read */
	assert_int_equal(nb_ctl_req_decode(wire_rd_init("x\n", (size_t)NB_CTL_MAX_REQ + 1), &r),
	    NB_CTL_ERR_TOO_LONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_words_and_body),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_nul_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
