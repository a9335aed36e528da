/* tests/fuzz/fuzz_bgp_attr.c - fuzz the path attribute decoder; accepted sets must re-encode and decode to themselves. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bgp_upd_scratch scratch, scratch2;

/* A 4-octet AS inside a confederation segment cannot survive a 2-octet
 * hop (AS4_PATH has no confederation segments, RFC 6793 4.2.2). */
static bool
confed_as4(const struct bgp_attrs *a)
{
	for (size_t i = 0; i < a->aspath_words; i += 1 + (a->aspath[i] & 0xff)) {
		uint32_t type = a->aspath[i] >> 8;

		if (type != BGP_ASSEG_CONFED_SEQ && type != BGP_ASSEG_CONFED_SET)
			continue;
		for (size_t k = 1; k <= (a->aspath[i] & 0xff); k++)
			if (a->aspath[i + k] > 0xffff)
				return true;
	}
	return false;
}
static uint8_t buf[BGP_MAX_EXT_MSG];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_neg	    neg;
	struct bgp_export   ex;
	struct bgp_update   u, d;
	struct bgp_attrs   *a, want;
	struct wire_wr	    w;
	enum bgp_upd_action act;
	bool		    has_nlri;

	if (size < 1)
		return 0;
	memset(&neg, 0, sizeof(neg));
	neg.as4 = data[0] & 1;
	neg.ipv4 = neg.ipv6 = true;
	neg.local_as = neg.peer_as = 65000; /* iBGP: every attribute is kept */
	has_nlri = data[0] & 2;
	memset(&u, 0, sizeof(u));
	act = bgp_attrs_decode(wire_rd_init(data + 1, size - 1), has_nlri, &neg, &scratch, &u);
	if (act != u.action)
		abort();
	if (act == BGP_UPD_SESSION_RESET || act == BGP_UPD_TREAT_AS_WITHDRAW)
		return 0;
	a = bgp_attrs_intern(&u.attrs);
	if (a == NULL)
		abort();

	/* Encode toward an iBGP peer of the same kind and decode it back. */
	memset(&ex, 0, sizeof(ex));
	memcpy(ex.nh4, "\x0a\x00\x00\x01", 4);
	w = wire_wr_init(buf, sizeof(buf));
	if (bgp_attrs_encode(&w, a, &neg, &ex, AF_INET) == 0) {
		memset(&d, 0, sizeof(d));
		if (bgp_attrs_decode(wire_rd_init(buf, wire_wr_len(&w)), true, &neg, &scratch2,
			&d) != BGP_UPD_OK)
			abort();
		/* what the encoder adds: mandatory defaults, LOCAL_PREF; no MP next hop */
		want = *a;
		want.flags |= BGP_ATTRS_ORIGIN | BGP_ATTRS_AS_PATH | BGP_ATTRS_NEXT_HOP |
		    BGP_ATTRS_LOCAL_PREF;
		want.flags &= (uint16_t) ~(BGP_ATTRS_MP_NH | BGP_ATTRS_NH6_LL);
		if (!(a->flags & BGP_ATTRS_NEXT_HOP))
			memcpy(want.nexthop4, ex.nh4, 4);
		if (!(a->flags & BGP_ATTRS_LOCAL_PREF))
			want.local_pref = 100;
		if (!bgp_attrs_equal(&want, &d.attrs) && !(!neg.as4 && confed_as4(a)))
			abort();
	}
	bgp_attrs_put(a);
	if (bgp_attrs_intern_count() != 0)
		abort();
	return 0;
}
