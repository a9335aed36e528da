/* northbound/nb_nc_frame.c - NETCONF framing checker: end-of-message for <hello> and 1.0, chunks for 1.1 (RFC 6242 4). */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_nc_frame.h"

#include <errno.h>
#include <string.h>

enum {
	S_EOM,	  /* end-of-message framing: text up to "]]>]]>" */
	S_LF,	  /* chunked: expect the LF that starts a chunk or the end */
	S_HASH,	  /* after LF: expect '#' */
	S_SIZE1,  /* after "#": first digit (1-9), or '#' for end-of-chunks */
	S_SIZE,	  /* more digits, or LF */
	S_DATA,	  /* chunk-data: size bytes left */
	S_END_LF, /* after "##": expect LF */
	S_ERR,
};

static const char eom_marker[] = "]]>]]>";
static const char base11[] = "urn:ietf:params:netconf:base:1.1";

void
ncf_init(struct ncf *f)
{
	memset(f, 0, sizeof(*f));
	f->state = S_EOM;
	f->max = NCF_MSG_MAX;
}

static int
fail(struct ncf *f, const char *why)
{
	f->state = S_ERR;
	f->err = why;
	return -EPROTO;
}

/* One step of a streaming match of pat: m bytes matched so far, c next.
 * On a mismatch, the longest prefix of pat that ends the text seen (the
 * patterns are short and only the <hello> and 1.0 sessions pay for it). */
static uint8_t
match_step(const char *pat, size_t plen, uint8_t m, uint8_t c)
{
	if (m < plen && (uint8_t)pat[m] == c)
		return (uint8_t)(m + 1);
	for (size_t k = m < plen ? m : plen - 1; k > 0; k--)
		if ((uint8_t)pat[k - 1] == c && memcmp(pat, pat + m - k + 1, k - 1) == 0)
			return (uint8_t)k;
	return 0;
}

/* One byte of end-of-message framed text; *end when it completed the marker. */
static int
eom_byte(struct ncf *f, uint8_t c, bool *end)
{
	if (!f->hello_done && f->cap < sizeof(base11) - 1)
		f->cap = match_step(base11, sizeof(base11) - 1, f->cap, c);
	f->eom = match_step(eom_marker, sizeof(eom_marker) - 1, f->eom, c);
	if (++f->msg_len > f->max + sizeof(eom_marker))
		return fail(f, "message longer than the server accepts");
	if (f->eom < sizeof(eom_marker) - 1)
		return 0;
	*end = true;
	f->eom = 0;
	f->msg_len = 0;
	f->messages++;
	f->last_eom = true;
	if (!f->hello_done) {
		f->hello_done = true;
		f->chunked = f->cap == sizeof(base11) - 1;
		if (f->chunked)
			f->state = S_LF;
	}
	return 0;
}

long
ncf_scan(struct ncf *f, const uint8_t *p, size_t n, bool *end, ncf_sink sink, void *arg)
{
	size_t i;

	*end = false;
	for (i = 0; i < n && !*end; i++) {
		uint8_t c = p[i];

		switch (f->state) {
		case S_ERR:
			return -EPROTO;
		case S_EOM:
			if (eom_byte(f, c, end) != 0)
				return -EPROTO;
			if (sink)
				sink(arg, p + i, 1);
			break;
		case S_LF:
			if (c != '\n')
				return fail(f,
				    f->any_chunk ?
					"a chunk must start with LF '#'" :
					"base:1.1 was agreed: messages must be chunked");
			f->state = S_HASH;
			break;
		case S_HASH:
			if (c != '#')
				return fail(f, "a chunk must start with LF '#'");
			f->state = S_SIZE1;
			break;
		case S_SIZE1:
			if (c == '#') {
				if (!f->any_chunk)
					return fail(f, "end-of-chunks before any chunk");
				f->state = S_END_LF;
			} else if (c >= '1' && c <= '9') {
				f->size = (uint64_t)(c - '0');
				f->ndigits = 1;
				f->state = S_SIZE;
			} else {
				return fail(f,
				    c == '0' ? "chunk size with a leading zero" :
					       "chunk size is not a number");
			}
			break;
		case S_SIZE:
			if (c == '\n') {
				if (f->msg_len + f->size > f->max)
					return fail(f,
					    "message longer than the server accepts");
				f->msg_len += f->size;
				f->any_chunk = true;
				f->state = S_DATA;
			} else if (c >= '0' && c <= '9') {
				f->size = f->size * 10 + (uint64_t)(c - '0');
				if (++f->ndigits > 10 || f->size > NCF_CHUNK_MAX)
					return fail(f, "chunk size above 4294967295");
			} else {
				return fail(f, "chunk size is not a number");
			}
			break;
		case S_DATA: {
			size_t take = n - i;

			if (take > f->size)
				take = (size_t)f->size;
			if (sink)
				sink(arg, p + i, take);
			f->size -= take;
			i += take - 1;
			if (f->size == 0)
				f->state = S_LF;
			break;
		}
		case S_END_LF:
			if (c != '\n')
				return fail(f, "end-of-chunks must be LF '##' LF");
			*end = true;
			f->messages++;
			f->msg_len = 0;
			f->any_chunk = false;
			f->last_eom = false;
			f->state = S_LF;
			break;
		}
	}
	return (long)i;
}

int
ncf_feed(struct ncf *f, const uint8_t *p, size_t n)
{
	while (n) {
		bool end;
		long used = ncf_scan(f, p, n, &end, NULL, NULL);

		if (used < 0)
			return -EPROTO;
		p += used;
		n -= (size_t)used;
	}
	return f->state == S_ERR ? -EPROTO : 0;
}
