/* bgp/bgp_aspath.c - AS_PATH / AS4_PATH: parse, merge (RFC 6793), length, format, prepend. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bgp/bgp_codec_local.h"

int
bgp_aspath_parse(struct wire_rd v, unsigned asn_size, bool allow_confed, uint32_t *out,
    size_t cap)
{
	size_t	 n = 0;
	uint8_t	 type, count;
	uint16_t a16;
	uint32_t asn;
	bool	 plain_seen = false;

	while (!wire_empty(&v)) {
		/* RFC 7606 7.2: a lone octet is an underrun, a short segment an overrun */
		if (!wire_get_u8(&v, &type) || !wire_get_u8(&v, &count))
			return -EBADMSG;
		if (count == 0 || wire_left(&v) < (size_t)count * asn_size)
			return -EBADMSG;
		switch (type) {
		case BGP_ASSEG_SET:
		case BGP_ASSEG_SEQUENCE:
			plain_seen = true;
			break;
		case BGP_ASSEG_CONFED_SEQ:
		case BGP_ASSEG_CONFED_SET:
			/* RFC 5065 5: confederation segments lead the path */
			if (allow_confed && !plain_seen)
				break;
			return -EBADMSG;
		default:
			return -EBADMSG;
		}
		if (n + 1 + count > cap)
			return -EBADMSG;
		out[n++] = BGP_ASSEG_HDR(type, count);
		for (unsigned i = 0; i < count; i++) {
			if (asn_size == 2) {
				if (!wire_get_u16(&v, &a16))
					return -EBADMSG;
				asn = a16;
			} else if (!wire_get_u32(&v, &asn))
				return -EBADMSG;
			if (asn == 0) /* RFC 7607 */
				return -EBADMSG;
			out[n++] = asn;
		}
	}
	return (int)n;
}

unsigned
bgp_aspath_words_len(const uint32_t *w, size_t n)
{
	unsigned len = 0;
	size_t	 i = 0;

	while (i < n) {
		uint8_t type = BGP_ASSEG_TYPE(w[i]);
		uint8_t count = BGP_ASSEG_COUNT(w[i]);

		if (type == BGP_ASSEG_SEQUENCE)
			len += count;
		else if (type == BGP_ASSEG_SET)
			len += 1;
		/* RFC 5065 5.3: confederation segments do not count */
		i += 1 + (size_t)count;
	}
	return len;
}

/* Append a segment; join consecutive AS_SEQUENCEs while they fit one segment. */
static size_t
aspath_append(uint32_t *out, size_t n, size_t cap, size_t *last_hdr, uint8_t type,
    const uint32_t *asns, size_t count)
{
	while (count > 0) {
		size_t room, take;

		if (type == BGP_ASSEG_SEQUENCE && *last_hdr != SIZE_MAX &&
		    BGP_ASSEG_TYPE(out[*last_hdr]) == BGP_ASSEG_SEQUENCE &&
		    BGP_ASSEG_COUNT(out[*last_hdr]) < 255) {
			room = 255 - BGP_ASSEG_COUNT(out[*last_hdr]);
			take = count < room ? count : room;
			if (n + take > cap)
				return n;
			memcpy(out + n, asns, take * sizeof(*asns));
			out[*last_hdr] =
			    BGP_ASSEG_HDR(type, BGP_ASSEG_COUNT(out[*last_hdr]) + take);
		} else {
			take = count < 255 ? count : 255;
			if (n + 1 + take > cap)
				return n;
			*last_hdr = n;
			out[n++] = BGP_ASSEG_HDR(type, take);
			memcpy(out + n, asns, take * sizeof(*asns));
		}
		n += take;
		asns += take;
		count -= take;
	}
	return n;
}

size_t
bgp_aspath_merge(const uint32_t *as, size_t nas, const uint32_t *as4, size_t nas4,
    uint32_t *out, size_t cap)
{
	unsigned len_as = bgp_aspath_words_len(as, nas);
	unsigned len_as4 = bgp_aspath_words_len(as4, nas4);
	unsigned need;
	size_t	 n = 0, i = 0, last = SIZE_MAX;

	/* RFC 6793 4.2.3: an AS4_PATH longer than AS_PATH is ignored */
	if (len_as < len_as4) {
		if (nas > cap)
			nas = cap;
		memcpy(out, as, nas * sizeof(*as));
		return nas;
	}
	need = len_as - len_as4;
	while (i < nas) {
		uint8_t type = BGP_ASSEG_TYPE(as[i]);
		uint8_t count = BGP_ASSEG_COUNT(as[i]);
		size_t	take = count;

		if (type == BGP_ASSEG_SEQUENCE) {
			if (need == 0)
				break;
			if (take > need)
				take = need;
			need -= (unsigned)take;
		} else if (type == BGP_ASSEG_SET) {
			if (need == 0)
				break;
			need -= 1;
		}
		n = aspath_append(out, n, cap, &last, type, as + i + 1, take);
		i += 1 + (size_t)count;
	}
	for (i = 0; i < nas4; i += 1 + (size_t)BGP_ASSEG_COUNT(as4[i]))
		n = aspath_append(out, n, cap, &last, BGP_ASSEG_TYPE(as4[i]), as4 + i + 1,
		    BGP_ASSEG_COUNT(as4[i]));
	return n;
}

unsigned
bgp_aspath_len(const struct bgp_attrs *a)
{
	if (a == NULL)
		return 0;
	return bgp_aspath_words_len(a->aspath, a->aspath_words);
}

uint32_t
bgp_aspath_first(const struct bgp_attrs *a)
{
	size_t i = 0;

	if (a == NULL)
		return 0;
	while (i < a->aspath_words) {
		uint8_t type = BGP_ASSEG_TYPE(a->aspath[i]);
		uint8_t count = BGP_ASSEG_COUNT(a->aspath[i]);

		if (type == BGP_ASSEG_SEQUENCE && count > 0)
			return a->aspath[i + 1];
		if (type != BGP_ASSEG_CONFED_SEQ && type != BGP_ASSEG_CONFED_SET)
			return 0;
		i += 1 + (size_t)count;
	}
	return 0;
}

bool
bgp_aspath_contains(const struct bgp_attrs *a, uint32_t asn)
{
	size_t i = 0;

	if (a == NULL)
		return false;
	while (i < a->aspath_words) {
		uint8_t count = BGP_ASSEG_COUNT(a->aspath[i]);

		for (size_t k = 1; k <= count; k++)
			if (a->aspath[i + k] == asn)
				return true;
		i += 1 + (size_t)count;
	}
	return false;
}

size_t
bgp_aspath_fmt(const struct bgp_attrs *a, char *buf, size_t len)
{
	size_t off = 0, i = 0;
	int    r;

#define FMT_PUT(...)                                                                  \
	do {                                                                          \
		r = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, \
		    __VA_ARGS__);                                                     \
		if (r > 0)                                                            \
			off += (size_t)r;                                             \
	} while (0)

	if (len > 0)
		buf[0] = '\0';
	if (a == NULL)
		return 0;
	while (i < a->aspath_words) {
		uint8_t	    type = BGP_ASSEG_TYPE(a->aspath[i]);
		uint8_t	    count = BGP_ASSEG_COUNT(a->aspath[i]);
		const char *open = "", *close = "", *sep = " ";

		switch (type) {
		case BGP_ASSEG_SET:
			open = "{", close = "}", sep = ",";
			break;
		case BGP_ASSEG_CONFED_SEQ:
			open = "(", close = ")";
			break;
		case BGP_ASSEG_CONFED_SET:
			open = "[", close = "]", sep = ",";
			break;
		}
		FMT_PUT("%s%s", i > 0 ? " " : "", open);
		for (size_t k = 1; k <= count; k++)
			FMT_PUT("%s%u", k > 1 ? sep : "", a->aspath[i + k]);
		FMT_PUT("%s", close);
		i += 1 + (size_t)count;
	}
#undef FMT_PUT
	return off;
}

static void
aspath_put_asn(struct wire_wr *w, uint32_t asn, unsigned asn_size)
{
	if (asn_size == 4)
		wire_put_u32(w, asn);
	else
		wire_put_u16(w, asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn);
}

void
bgp_aspath_put(struct wire_wr *w, const uint32_t *words, size_t n, uint32_t prepend_as,
    unsigned prepend_n, unsigned asn_size, bool strip_confed)
{
	size_t i = 0;

	/* RFC 6793 4.2.2: AS4_PATH carries no confederation segments, nor does
	 * a path leaving for another AS (RFC 5065 5.3); they lead the path
	 * (checked on receipt), so dropping them keeps the rest intact. */
	while ((strip_confed || prepend_n > 0) && i < n &&
	    (BGP_ASSEG_TYPE(words[i]) == BGP_ASSEG_CONFED_SEQ ||
		BGP_ASSEG_TYPE(words[i]) == BGP_ASSEG_CONFED_SET))
		i += 1 + (size_t)BGP_ASSEG_COUNT(words[i]);

	/* Prepends join the first AS_SEQUENCE when it has room (RFC 4271 5.1.2). */
	if (prepend_n > 0 && i < n && BGP_ASSEG_TYPE(words[i]) == BGP_ASSEG_SEQUENCE &&
	    BGP_ASSEG_COUNT(words[i]) + prepend_n <= 255) {
		uint8_t count = BGP_ASSEG_COUNT(words[i]);

		wire_put_u8(w, BGP_ASSEG_SEQUENCE);
		wire_put_u8(w, (uint8_t)(count + prepend_n));
		for (unsigned k = 0; k < prepend_n; k++)
			aspath_put_asn(w, prepend_as, asn_size);
		for (size_t k = 1; k <= count; k++)
			aspath_put_asn(w, words[i + k], asn_size);
		i += 1 + (size_t)count;
		prepend_n = 0;
	}
	while (prepend_n > 0) {
		unsigned take = prepend_n < 255 ? prepend_n : 255;

		wire_put_u8(w, BGP_ASSEG_SEQUENCE);
		wire_put_u8(w, (uint8_t)take);
		for (unsigned k = 0; k < take; k++)
			aspath_put_asn(w, prepend_as, asn_size);
		prepend_n -= take;
	}
	while (i < n) {
		uint8_t count = BGP_ASSEG_COUNT(words[i]);

		wire_put_u8(w, BGP_ASSEG_TYPE(words[i]));
		wire_put_u8(w, count);
		for (size_t k = 1; k <= count; k++)
			aspath_put_asn(w, words[i + k], asn_size);
		i += 1 + (size_t)count;
	}
}

bool
bgp_aspath_needs_as4(const uint32_t *words, size_t n, uint32_t prepend_as, unsigned prepend_n)
{
	size_t i = 0;

	if (prepend_n > 0 && prepend_as > 0xffff)
		return true;
	while (i < n) {
		uint8_t count = BGP_ASSEG_COUNT(words[i]);

		for (size_t k = 1; k <= count; k++)
			if (words[i + k] > 0xffff)
				return true;
		i += 1 + (size_t)count;
	}
	return false;
}
