/* tests/unit/bgp/test_bgp_attr.c - path attributes: RFC 7606 actions per rule, AS4 handling, encode with export rules. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bgp/bgp_codec.h"
#include "tests/unit/include/test_hex.h"

static struct bgp_upd_scratch *scratch;
static uint8_t		       body[70000];

static int
setup(void **state)
{
	scratch = malloc(sizeof(*scratch));
	return scratch ? 0 : -1;
}

static int
teardown(void **state)
{
	free(scratch);
	return 0;
}

static void
neg_default(struct bgp_neg *neg)
{
	memset(neg, 0, sizeof(*neg));
	neg->as4 = true;
	neg->ipv4 = neg->ipv6 = true;
	neg->ebgp = true;
	neg->enforce_first_as = true;
	neg->local_as = 65000;
	neg->peer_as = 65001;
}

/* An UPDATE body: no withdrawn routes, attrs (raw bytes), NLRI (raw bytes). */
static size_t
body_build(const uint8_t *attrs, size_t alen, const uint8_t *nlri, size_t nlen)
{
	body[0] = 0;
	body[1] = 0;
	body[2] = (uint8_t)(alen >> 8);
	body[3] = (uint8_t)alen;
	memcpy(body + 4, attrs, alen);
	memcpy(body + 4 + alen, nlri, nlen);
	return 4 + alen + nlen;
}

#define ORIGIN	"40010100"
#define ASPATH	"400206 0201 0000fde9"
#define NEXTHOP "400304 0a000001"
#define BASE	ORIGIN ASPATH NEXTHOP
#define NLRI	"180a0100"

static enum bgp_upd_action
decode_hex(const struct bgp_neg *neg, const char *attrs_hex, const char *nlri_hex,
    struct bgp_update *u)
{
	uint8_t a[4096], nl[256];
	size_t	alen = hex2bin(attrs_hex, a, sizeof(a));
	size_t	nlen = hex2bin(nlri_hex, nl, sizeof(nl));
	size_t	n = body_build(a, alen, nl, nlen);

	bgp_update_decode(wire_rd_init(body, n), neg, scratch, u);
	return u->action;
}

enum neg_kind { EBGP4, IBGP4, EBGP2 };

/* clang-format off */
static const struct rfc7606_case {
	const char		*name;
	enum neg_kind		 neg;
	const char		*attrs, *nlri;
	enum bgp_upd_action	 act;
	uint8_t			 sub;
} cases[] = {
	/* RFC 7606 7.1 ORIGIN */
	{ "origin ok", EBGP4, BASE, NLRI, BGP_UPD_OK, 0 },
	{ "origin len 2", EBGP4, "4001020000" ASPATH NEXTHOP, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 6 },
	{ "origin len 0", EBGP4, "400100" ASPATH NEXTHOP, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 6 },
	{ "origin value 3", EBGP4, "40010103" ASPATH NEXTHOP, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 6 },
	/* RFC 7606 7.2 AS_PATH */
	{ "aspath overrun", EBGP4, ORIGIN "400206 0202 0000fde9" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath zero seg", EBGP4, ORIGIN "400208 0200 0201 0000fde9" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath bad type", EBGP4, ORIGIN "400206 0501 0000fde9" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath underrun", EBGP4, ORIGIN "400207 0201 0000fde9 02" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath as 0", EBGP4, ORIGIN "400206 0201 00000000" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath first as", EBGP4, ORIGIN "400206 0201 0000fdea" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath empty ebgp", EBGP4, ORIGIN "400200" NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath empty ibgp", IBGP4, ORIGIN "400200" NEXTHOP, NLRI, BGP_UPD_OK, 0 },
	{ "aspath confed ebgp", EBGP4, ORIGIN "40020c 0301 0000fdea 0201 0000fde9" NEXTHOP,
	    NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 11 },
	{ "aspath confed ibgp", IBGP4, ORIGIN "40020c 0301 0000fdea 0201 0000fde9" NEXTHOP,
	    NLRI, BGP_UPD_OK, 0 },
	/* RFC 7606 7.3 NEXT_HOP */
	{ "nexthop len 5", EBGP4, ORIGIN ASPATH "400305 0a00000100", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "nexthop 0.0.0.0", EBGP4, ORIGIN ASPATH "400304 00000000", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 8 },
	{ "nexthop multicast", EBGP4, ORIGIN ASPATH "400304 e0000001", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 8 },
	{ "nexthop loopback", EBGP4, ORIGIN ASPATH "400304 7f000001", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 8 },
	/* RFC 7606 7.4 MED */
	{ "med ok", EBGP4, BASE "800404 00000064", NLRI, BGP_UPD_OK, 0 },
	{ "med len 3", EBGP4, BASE "800403 000064", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	/* RFC 7606 7.5 LOCAL_PREF */
	{ "lpref ibgp ok", IBGP4, BASE "400504 000000c8", NLRI, BGP_UPD_OK, 0 },
	{ "lpref ibgp len 5", IBGP4, BASE "400505 000000c800", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "lpref ebgp ignored", EBGP4, BASE "400505 000000c800", NLRI, BGP_UPD_OK, 0 },
	{ "lpref ebgp bad flags ignored", EBGP4, BASE "c00504 000000c8", NLRI,
	    BGP_UPD_OK, 0 },
	{ "lpref ibgp bad flags", IBGP4, BASE "c00504 000000c8", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 4 },
	/* RFC 7606 7.6 ATOMIC_AGGREGATE */
	{ "atomic ok", EBGP4, BASE "400600", NLRI, BGP_UPD_OK, 0 },
	{ "atomic len 1", EBGP4, BASE "40060100", NLRI, BGP_UPD_ATTR_DISCARD, 5 },
	/* RFC 7606 7.7 AGGREGATOR */
	{ "aggregator ok", EBGP4, BASE "c00708 0000fde9 0a000001", NLRI, BGP_UPD_OK, 0 },
	{ "aggregator len 6 on as4", EBGP4, BASE "c00706 fde9 0a000001", NLRI,
	    BGP_UPD_ATTR_DISCARD, 5 },
	{ "aggregator as 0", EBGP4, BASE "c00708 00000000 0a000001", NLRI,
	    BGP_UPD_ATTR_DISCARD, 5 },
	{ "aggregator 2-octet ok", EBGP2, ORIGIN "400204 0201 fde9" NEXTHOP
	    "c00706 fde9 0a000001", NLRI, BGP_UPD_OK, 0 },
	/* RFC 7606 7.8 COMMUNITIES */
	{ "communities ok", EBGP4, BASE "c00808 ffffff01 fde90064", NLRI, BGP_UPD_OK, 0 },
	{ "communities len 3", EBGP4, BASE "c00803 ffffff", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 9 },
	{ "communities len 0", EBGP4, BASE "c00800", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 9 },
	/* RFC 8092 6 LARGE_COMMUNITIES */
	{ "large ok", EBGP4, BASE "c0200c 0000fde9 00000001 00000002", NLRI, BGP_UPD_OK, 0 },
	{ "large len 11", EBGP4, BASE "c0200b 0000fde9 00000001 000000", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 9 },
	/* RFC 7606 7.9, 7.10 route reflection */
	{ "originator ok", IBGP4, BASE "800904 0a000009", NLRI, BGP_UPD_OK, 0 },
	{ "originator len 3", IBGP4, BASE "800903 0a0000", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "cluster list len 0", IBGP4, BASE "800a00", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "cluster list len 6", IBGP4, BASE "800a06 0a0000010a00", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "cluster list ok", IBGP4, BASE "800a08 0a0000010a000002", NLRI, BGP_UPD_OK, 0 },
	/* RFC 7606 7.13, 7.15, 7.16: not interpreted here; passed on opaque as
	 * unknown optional transitive attributes (RFC 4271 5), so any length */
	{ "te attr opaque", EBGP4, BASE "c01803 abcdef", NLRI, BGP_UPD_OK, 0 },
	{ "ipv6 ext comm opaque", EBGP4, BASE "c01905 0002000000", NLRI, BGP_UPD_OK, 0 },
	{ "attr_set opaque", EBGP4, BASE "c08003 000001", NLRI, BGP_UPD_OK, 0 },
	/* RFC 7606 7.14 extended communities */
	{ "ext comm ok", EBGP4, BASE "c01008 0002fde900000064", NLRI, BGP_UPD_OK, 0 },
	{ "ext comm len 7", EBGP4, BASE "c01007 0002fde9000000", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 9 },
	/* RFC 7606 3(g) duplicates */
	{ "dup origin", EBGP4, BASE "40010101", NLRI, BGP_UPD_ATTR_DISCARD, 1 },
	{ "dup mp_reach", EBGP4, BASE "800e15 00020110 20010db8000000000000000000000001 00"
	    "800e15 00020110 20010db8000000000000000000000001 00", NLRI,
	    BGP_UPD_SESSION_RESET, 1 },
	{ "dup mp_unreach", EBGP4, "800f03000201 800f03000201", "", BGP_UPD_SESSION_RESET, 1 },
	/* RFC 7606 7.11, 7.12 MP_REACH / MP_UNREACH */
	{ "mp_reach nh len 8", EBGP4, ORIGIN ASPATH
	    "800e14 000201 08 2001db8000000000 00 3020010db8000a", "",
	    BGP_UPD_SESSION_RESET, 9 },
	{ "mp_reach bad nlri", EBGP4, ORIGIN ASPATH
	    "800e16 000201 10 20010db8000000000000000000000001 00 81", "",
	    BGP_UPD_SESSION_RESET, 9 },
	{ "mp_reach short", EBGP4, ORIGIN ASPATH "800e02 0002", "", BGP_UPD_SESSION_RESET, 9 },
	{ "mp_unreach bad nlri", EBGP4, "800f04 000201 81", "", BGP_UPD_SESSION_RESET, 9 },
	{ "mp_reach flags", EBGP4, ORIGIN ASPATH
	    "c00e15 000201 10 20010db8000000000000000000000001 00", "",
	    BGP_UPD_SESSION_RESET, 4 },
	{ "mp_reach v6 ok", EBGP4, ORIGIN ASPATH
	    "800e1c 000201 10 20010db8000000000000000000000001 00 3020010db8000a", "",
	    BGP_UPD_OK, 0 },
	{ "mp_reach v6 missing origin", EBGP4, ASPATH
	    "800e1c 000201 10 20010db8000000000000000000000001 00 3020010db8000a", "",
	    BGP_UPD_TREAT_AS_WITHDRAW, 3 },
	{ "mp_reach v6 no next_hop needed", EBGP4, ORIGIN ASPATH
	    "800e1c 000201 10 20010db8000000000000000000000001 00 3020010db8000a"
	    "400304 00000000", "", BGP_UPD_OK, 0 },
	{ "mp_reach safi 128 skipped", EBGP4, ORIGIN ASPATH
	    "800e15 000280 10 20010db8000000000000000000000001 00", "", BGP_UPD_OK, 0 },
	/* RFC 7606 3(d) missing well-known */
	{ "missing origin", EBGP4, ASPATH NEXTHOP, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 3 },
	{ "missing aspath", EBGP4, ORIGIN NEXTHOP, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 3 },
	{ "missing nexthop", EBGP4, ORIGIN ASPATH, NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 3 },
	{ "no nlri, no mandatory", EBGP4, "800404 00000064", "", BGP_UPD_OK, 0 },
	/* RFC 4271 6.3 flags and unknowns; RFC 7606 3(c) */
	{ "origin optional flag", EBGP4, "c0010100" ASPATH NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 4 },
	{ "origin partial flag", EBGP4, "60010100" ASPATH NEXTHOP, NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 4 },
	{ "med transitive flag", EBGP4, BASE "c00404 00000064", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 4 },
	{ "aggregator well-known flag", EBGP4, BASE "400708 0000fde9 0a000001", NLRI,
	    BGP_UPD_ATTR_DISCARD, 4 },
	{ "communities partial ok", EBGP4, BASE "e00804 ffffff01", NLRI, BGP_UPD_OK, 0 },
	{ "unknown well-known", EBGP4, BASE "406302 abcd", NLRI, BGP_UPD_SESSION_RESET, 2 },
	{ "unknown opt transitive", EBGP4, BASE "c06302 abcd", NLRI, BGP_UPD_OK, 0 },
	{ "unknown opt non-transitive", EBGP4, BASE "806302 abcd", NLRI, BGP_UPD_OK, 0 },
	{ "unknown extended length", EBGP4, BASE "d0630002 abcd", NLRI, BGP_UPD_OK, 0 },
	/* RFC 7606 4: overruns of the attributes field */
	{ "last attr overruns", EBGP4, BASE "c0080a ffffff01", NLRI,
	    BGP_UPD_TREAT_AS_WITHDRAW, 5 },
	{ "two octets left", EBGP4, BASE "c008", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 1 },
	{ "ext len header cut", EBGP4, BASE "d00800", NLRI, BGP_UPD_TREAT_AS_WITHDRAW, 1 },
	/* RFC 6793 AS4 from a 2-octet peer */
	{ "as4_path ok", EBGP2, ORIGIN "400208 0203 fde9 5ba0 5ba0" NEXTHOP
	    "c0110a 0202 00010000 00010001", NLRI, BGP_UPD_OK, 0 },
	{ "as4_path malformed", EBGP2, ORIGIN "400208 0203 fde9 5ba0 5ba0" NEXTHOP
	    "c0110a 0203 00010000 00010001", NLRI, BGP_UPD_ATTR_DISCARD, 9 },
	{ "as4_path confed", EBGP2, ORIGIN "400208 0203 fde9 5ba0 5ba0" NEXTHOP
	    "c0110a 0302 00010000 00010001", NLRI, BGP_UPD_ATTR_DISCARD, 9 },
	{ "as4_aggregator len 6", EBGP2, ORIGIN "400204 0201 fde9" NEXTHOP
	    "c00706 5ba0 0a000001 c01206 00010000 0a00", NLRI, BGP_UPD_ATTR_DISCARD, 9 },
};
/* clang-format on */

static void
neg_for(struct bgp_neg *neg, enum neg_kind k)
{
	neg_default(neg);
	if (k == IBGP4) {
		neg->ebgp = false;
		neg->enforce_first_as = false;
		neg->peer_as = neg->local_as;
	} else if (k == EBGP2)
		neg->as4 = false;
}

static void
test_rfc7606(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rfc7606_case *c = &cases[i];
		struct bgp_neg		   neg;
		struct bgp_update	   u;
		enum bgp_upd_action	   act;

		neg_for(&neg, c->neg);
		act = decode_hex(&neg, c->attrs, c->nlri, &u);
		if (act != c->act)
			fail_msg("%s: action %d, want %d (%u/%u)", c->name, act, c->act,
			    u.notify.code, u.notify.subcode);
		if (act != BGP_UPD_OK &&
		    (u.notify.code != BGP_ERR_UPDATE || u.notify.subcode != c->sub))
			fail_msg("%s: notify %u/%u, want 3/%u", c->name, u.notify.code,
			    u.notify.subcode, c->sub);
		/* treat-as-withdraw still locates the NLRI */
		if (act == BGP_UPD_TREAT_AS_WITHDRAW && strlen(c->nlri) > 0)
			assert_int_equal(bgp_nlri_count(u.nlri, AF_INET), 1);
	}
}

/* Every truncation of each valid attribute, sent as the last attribute with
 * its length unchanged, must not decode as OK (RFC 7606 4). */
static void
test_attr_truncations(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rfc7606_case *c = &cases[i];
		uint8_t			   a[4096], nl[16], base[64];
		size_t			   alen, nlen, base_len;
		struct bgp_neg		   neg;

		if (c->act != BGP_UPD_OK || strlen(c->nlri) == 0)
			continue;
		neg_for(&neg, c->neg);
		alen = hex2bin(c->attrs, a, sizeof(a));
		nlen = hex2bin(c->nlri, nl, sizeof(nl));
		base_len = hex2bin(BASE, base, sizeof(base));
		/* only the extra attribute after the mandatory ones is cut */
		if (alen <= base_len || memcmp(a, base, base_len) != 0)
			continue;
		for (size_t k = base_len + 1; k < alen; k++) {
			struct bgp_update u;
			/* the attribute field ends at k: the NLRI moves up */
			size_t n = body_build(a, k, nl, nlen);

			bgp_update_decode(wire_rd_init(body, n), &neg, scratch, &u);
			if (u.action == BGP_UPD_OK)
				fail_msg("%s: cut at %zu decoded OK", c->name, k);
		}
	}
}

static void
test_values(void **state)
{
	struct bgp_neg	  neg;
	struct bgp_update u;
	char		  s[128];

	neg_default(&neg);
	assert_int_equal(decode_hex(&neg,
			     BASE "800404 00000064 400600 c00708 0000fde9 0a000001"
				  "c00808 ffffff01 fde90064 c0200c 0000fde9 00000001 00000002"
				  "c06302 abcd 806502 abcd d0640002 ef01",
			     NLRI, &u),
	    BGP_UPD_OK);
	assert_int_equal(u.attrs.med, 100);
	assert_true(u.attrs.flags & BGP_ATTRS_MED);
	assert_true(u.attrs.flags & BGP_ATTRS_ATOMIC_AGG);
	assert_int_equal(u.attrs.aggregator_as, 65001);
	assert_int_equal(u.attrs.aggregator_id, 0x0a000001);
	assert_int_equal(u.attrs.ncomm, 2);
	assert_true(bgp_attrs_no_export(&u.attrs));
	assert_false(bgp_attrs_no_advertise(&u.attrs));
	assert_false(bgp_attrs_no_peer(&u.attrs));
	assert_false(bgp_attrs_no_export_subconfed(&u.attrs));
	assert_int_equal(u.attrs.comm[1], 0xfde90064);
	assert_int_equal(u.attrs.nlcomm, 1);
	assert_int_equal(u.attrs.lcomm[0].global, 65001);
	assert_int_equal(u.attrs.lcomm[0].local2, 2);
	/* unknown optional transitive kept with Partial; non-transitive dropped */
	assert_int_equal(u.attrs.unknown_len, 5 + 6);
	assert_memory_equal(u.attrs.unknown, "\xe0\x63\x02\xab\xcd\xf0\x64\x00\x02\xef\x01",
	    11);

	/* duplicate: the first one wins */
	assert_int_equal(decode_hex(&neg, BASE "40010102", NLRI, &u), BGP_UPD_ATTR_DISCARD);
	assert_int_equal(u.attrs.origin, 0);
	assert_int_equal(u.discarded, 1);
	/* discarded aggregator is absent, the rest stays */
	assert_int_equal(decode_hex(&neg, BASE "c00706 fde9 0a000001", NLRI, &u),
	    BGP_UPD_ATTR_DISCARD);
	assert_false(u.attrs.flags & BGP_ATTRS_AGGREGATOR);
	assert_true(u.attrs.flags & BGP_ATTRS_NEXT_HOP);
	/* LOCAL_PREF from eBGP is ignored, from iBGP kept */
	assert_int_equal(decode_hex(&neg, BASE "400504 000000c8", NLRI, &u), BGP_UPD_OK);
	assert_false(u.attrs.flags & BGP_ATTRS_LOCAL_PREF);
	neg.ebgp = false;
	neg.peer_as = neg.local_as;
	assert_int_equal(decode_hex(&neg, BASE "400504 000000c8", NLRI, &u), BGP_UPD_OK);
	assert_int_equal(u.attrs.local_pref, 200);
	(void)s;
}

static void
test_as4_merge(void **state)
{
	struct bgp_neg	  neg;
	struct bgp_update u;
	char		  s[128];

	neg_for(&neg, EBGP2);
	/* 65001 AS_TRANS AS_TRANS + AS4_PATH 65536 65537 */
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "400208 0203 fde9 5ba0 5ba0" NEXTHOP
				    "c0110a 0202 00010000 00010001",
			     NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 65536 65537");
	assert_int_equal(bgp_aspath_len(&u.attrs), 3);

	/* AS4_PATH longer than AS_PATH: ignored */
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "400204 0201 fde9" NEXTHOP "c0110a 0202 00010000 00010001",
			     NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001");

	/* with a set: 65001 23456 {23456,65002} vs AS4 65536 {65536,65002} */
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "40020c 0202 fde9 5ba0 0102 5ba0 fdea" NEXTHOP
				    "c01110 0201 00010000 0102 00010000 0000fdea",
			     NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 65536 {65536,65002}");
	assert_int_equal(bgp_aspath_len(&u.attrs), 3);

	/* malformed AS4_PATH: discarded, AS_PATH as is */
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "400206 0202 fde9 5ba0" NEXTHOP "c01106 0202 00010000",
			     NLRI, &u),
	    BGP_UPD_ATTR_DISCARD);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 23456");

	/* AGGREGATOR not AS_TRANS: AS4_PATH and AS4_AGGREGATOR ignored */
	assert_int_equal(
	    decode_hex(&neg,
		ORIGIN
		"400206 0202 fde9 5ba0" NEXTHOP
		"c00706 fdea 0a000001 c0110a 0202 0000fde9 00010000 c01208 00010001 0a000002",
		NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 23456");
	assert_int_equal(u.attrs.aggregator_as, 65002);
	/* AGGREGATOR AS_TRANS: both used */
	assert_int_equal(
	    decode_hex(&neg,
		ORIGIN "400206 0202 fde9 5ba0" NEXTHOP
		       "c00706 5ba0 0a000001 c01106 0201 00010000 c01208 00010001 0a000002",
		NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 65536");
	assert_int_equal(u.attrs.aggregator_as, 65537);
	assert_int_equal(u.attrs.aggregator_id, 0x0a000002);

	/* a 4-octet session ignores AS4_PATH */
	neg_default(&neg);
	assert_int_equal(decode_hex(&neg, BASE "c0110a 0202 00010000 00010001", NLRI, &u),
	    BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001");
}

static void
test_mp_nexthops(void **state)
{
	struct bgp_neg	     neg;
	struct bgp_update    u;
	struct bgp_path_info pi;
	char		     s[IPADDR_STRLEN];
	struct prefix	     p;
	struct wire_rd	     r;

	neg_default(&neg);
	/* global only */
	assert_int_equal(
	    decode_hex(&neg,
		ORIGIN ASPATH
		"800e1c 000201 10 20010db8000000000000000000000009 00 3020010db8000a",
		"", &u),
	    BGP_UPD_OK);
	assert_true(u.attrs.flags & BGP_ATTRS_MP_NH);
	assert_false(u.attrs.flags & BGP_ATTRS_NH6_LL);
	bgp_path_info_fill(&pi, &u.attrs, AF_INET6, &neg, 1, NULL);
	assert_string_equal(ipaddr_fmt(&pi.nexthop, s, sizeof(s)), "2001:db8::9");
	/* "::" global plus link-local (RFC 2545 3): the link-local is the next hop */
	assert_int_equal(decode_hex(&neg,
			     ORIGIN ASPATH
			     "800e2c 000201 20 00000000000000000000000000000000"
			     " fe800000000000000000000000000009 00 3020010db8000a",
			     "", &u),
	    BGP_UPD_OK);
	bgp_path_info_fill(&pi, &u.attrs, AF_INET6, &neg, 1, NULL);
	assert_string_equal(ipaddr_fmt(&pi.nexthop, s, sizeof(s)), "fe80::9");
	/* IPv4 unicast inside MP_REACH_NLRI: its next hop serves */
	assert_int_equal(decode_hex(&neg, ORIGIN ASPATH "800e0d 000101 04 0a000007 00 180a0900",
			     "", &u),
	    BGP_UPD_OK);
	assert_int_equal(u.mp_reach_family, AF_INET);
	assert_memory_equal(u.attrs.nexthop4, "\x0a\x00\x00\x07", 4);
	r = u.mp_reach_nlri;
	assert_true(bgp_nlri_next(&r, AF_INET, &p));
	assert_int_equal(p.len, 24);
	bgp_path_info_fill(&pi, &u.attrs, AF_INET, &neg, 1, NULL);
	assert_string_equal(ipaddr_fmt(&pi.nexthop, s, sizeof(s)), "10.0.0.7");
	/* IPv4 MP next hop of the wrong size: fatal (RFC 7606 7.11) */
	assert_int_equal(decode_hex(&neg, ORIGIN ASPATH "800e0c 000101 03 0a0000 00 180a0900",
			     "", &u),
	    BGP_UPD_SESSION_RESET);
	/* iBGP path info: LOCAL_PREF and MED carried, neighbour AS ours when empty */
	neg.ebgp = false;
	neg.peer_as = neg.local_as;
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "400200" NEXTHOP "800404 00000007"
				    "400504 0000012c",
			     NLRI, &u),
	    BGP_UPD_OK);
	bgp_path_info_fill(&pi, &u.attrs, AF_INET, &neg, 1, NULL);
	assert_int_equal(pi.local_pref, 300);
	assert_true(pi.has_med);
	assert_int_equal(pi.med, 7);
	assert_int_equal(pi.as_path_len, 0);
	assert_int_equal(pi.neighbor_as, 65000);
	assert_false(pi.ebgp);
}

static void
test_aspath_fmt(void **state)
{
	struct bgp_neg	  neg;
	struct bgp_update u;
	char		  s[128], tiny[8];
	size_t		  need;

	neg_for(&neg, IBGP4);
	assert_int_equal(decode_hex(&neg,
			     ORIGIN "40021a 0301 0000fded 0202 0000fde9 0000fdea"
				    " 0102 0000fdeb 0000fdec" NEXTHOP,
			     NLRI, &u),
	    BGP_UPD_OK);
	need = bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "(65005) 65001 65002 {65003,65004}");
	assert_int_equal(need, strlen(s));
	assert_int_equal(bgp_aspath_len(&u.attrs), 3);
	assert_int_equal(bgp_aspath_first(&u.attrs), 65001);
	assert_true(bgp_aspath_contains(&u.attrs, 65004));
	assert_false(bgp_aspath_contains(&u.attrs, 65006));
	/* truncation keeps a terminated string and reports the full need */
	assert_int_equal(bgp_aspath_fmt(&u.attrs, tiny, sizeof(tiny)), need);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	/* confederation segments after a plain one: malformed (RFC 5065 5) */
	assert_int_equal(decode_hex(&neg, ORIGIN "40020c 0201 0000fde9 0301 0000fded" NEXTHOP,
			     NLRI, &u),
	    BGP_UPD_TREAT_AS_WITHDRAW);
	assert_int_equal(bgp_aspath_len(NULL), 0);
	assert_int_equal(bgp_aspath_fmt(NULL, s, sizeof(s)), 0);
	assert_string_equal(s, "");
}

/* Encode a tmp set toward a peer, decode it as that peer would. */
static void
encode_decode(const struct bgp_attrs *a, const struct bgp_neg *out_neg,
    const struct bgp_export *ex, const struct bgp_neg *in_neg, struct bgp_update *u)
{
	uint8_t	       attrs[4096], nl[4];
	struct wire_wr w = wire_wr_init(attrs, sizeof(attrs));
	size_t	       n, nlen = hex2bin(NLRI, nl, sizeof(nl));

	assert_int_equal(bgp_attrs_encode(&w, a, out_neg, ex, AF_INET), 0);
	n = body_build(attrs, wire_wr_len(&w), nl, nlen);
	assert_int_equal(bgp_update_decode(wire_rd_init(body, n), in_neg, scratch, u), 0);
}

static void
test_encode_export(void **state)
{
	static const uint32_t path[] = { 0x0203, 65001, 4200000000u, 65003, 0x0102, 65010,
		65011 };
	static const uint32_t comm[] = { BGP_COMM_NO_EXPORT, 0xfde90001 };
	static const struct bgp_lcomm lc[] = { { 65001, 1, 2 } };
	static const uint8_t	      unk[] = { 0xe0, 0x63, 0x02, 0xab, 0xcd };
	struct bgp_attrs	      a;
	struct bgp_export	      ex;
	struct bgp_neg		      out, in;
	struct bgp_update	      u;
	char			      s[128];

	memset(&a, 0, sizeof(a));
	a.flags = BGP_ATTRS_ORIGIN | BGP_ATTRS_AS_PATH | BGP_ATTRS_NEXT_HOP | BGP_ATTRS_MED |
	    BGP_ATTRS_LOCAL_PREF | BGP_ATTRS_ATOMIC_AGG | BGP_ATTRS_AGGREGATOR;
	a.origin = BGP_ORIGIN_EGP;
	a.aspath = path;
	a.aspath_words = sizeof(path) / sizeof(path[0]);
	memcpy(a.nexthop4, "\x0a\x00\x00\x09", 4);
	a.med = 50;
	a.local_pref = 300;
	a.aggregator_as = 4200000001u;
	a.aggregator_id = 0x0a0a0a0a;
	a.comm = comm;
	a.ncomm = 2;
	a.lcomm = lc;
	a.nlcomm = 1;
	a.unknown = unk;
	a.unknown_len = sizeof(unk);
	memset(&ex, 0, sizeof(ex));
	memcpy(ex.nh4, "\xc0\x00\x02\x01", 4);
	ex.prepend = 2;

	/* eBGP, 4-octet: prepend 1+2, next hop self, no LOCAL_PREF, no MED */
	neg_default(&out);
	neg_default(&in);
	in.peer_as = out.local_as;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.action, BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65000 65000 65000 65001 4200000000 65003 {65010,65011}");
	assert_int_equal(bgp_aspath_len(&u.attrs), 7);
	assert_memory_equal(u.attrs.nexthop4, ex.nh4, 4);
	assert_false(u.attrs.flags & BGP_ATTRS_MED);
	assert_int_equal(u.attrs.origin, BGP_ORIGIN_EGP);
	assert_true(u.attrs.flags & BGP_ATTRS_ATOMIC_AGG);
	assert_int_equal(u.attrs.aggregator_as, 4200000001u);
	assert_int_equal(u.attrs.ncomm, 2);
	assert_int_equal(u.attrs.nlcomm, 1);
	assert_int_equal(u.attrs.unknown_len, sizeof(unk));
	assert_memory_equal(u.attrs.unknown, unk, sizeof(unk));
	/* send_med passes it on */
	ex.send_med = true;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.attrs.med, 50);
	ex.send_med = false;

	/* eBGP toward a 2-octet peer: AS_TRANS + AS4_PATH, AS4_AGGREGATOR */
	out.as4 = in.as4 = false;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.action, BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65000 65000 65000 65001 4200000000 65003 {65010,65011}");
	assert_int_equal(u.attrs.aggregator_as, 4200000001u);
	/* and without a 4-octet AS nothing extra is needed */
	{
		static const uint32_t short_path[] = { 0x0201, 65001 };
		struct bgp_attrs      b = a;
		uint8_t		      buf[512];
		struct wire_wr	      w = wire_wr_init(buf, sizeof(buf));
		struct wire_rd	      r;
		uint8_t		      fl, ty, len;

		b.aspath = short_path;
		b.aspath_words = 2;
		b.flags &= (uint16_t)~BGP_ATTRS_AGGREGATOR;
		assert_int_equal(bgp_attrs_encode(&w, &b, &out, &ex, AF_INET), 0);
		r = wire_rd_init(buf, wire_wr_len(&w));
		while (wire_get_u8(&r, &fl) && wire_get_u8(&r, &ty) && wire_get_u8(&r, &len)) {
			assert_int_not_equal(ty, BGP_ATTR_AS4_PATH);
			assert_int_not_equal(ty, BGP_ATTR_AS4_AGGREGATOR);
			assert_true(wire_skip(&r, len));
		}
	}

	/* iBGP: no prepend, next hop kept, LOCAL_PREF and MED kept */
	neg_for(&out, IBGP4);
	neg_for(&in, IBGP4);
	encode_decode(&a, &out, &ex, &in, &u);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65001 4200000000 65003 {65010,65011}");
	assert_memory_equal(u.attrs.nexthop4, "\x0a\x00\x00\x09", 4);
	assert_int_equal(u.attrs.local_pref, 300);
	assert_int_equal(u.attrs.med, 50);
	/* iBGP without LOCAL_PREF: default 100, or the configured default */
	a.flags &= (uint16_t)~BGP_ATTRS_LOCAL_PREF;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.attrs.local_pref, 100);
	ex.default_local_pref = 150;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.attrs.local_pref, 150);
	ex.nexthop_self = true;
	encode_decode(&a, &out, &ex, &in, &u);
	assert_memory_equal(u.attrs.nexthop4, ex.nh4, 4);

	/* locally originated (NULL): ORIGIN IGP, our AS only */
	neg_default(&out);
	neg_default(&in);
	in.peer_as = out.local_as;
	ex.prepend = 0;
	encode_decode(NULL, &out, &ex, &in, &u);
	assert_int_equal(u.attrs.origin, BGP_ORIGIN_IGP);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "65000");
	assert_int_equal(u.attrs.ncomm, 0);
}

static void
test_prepend_long(void **state)
{
	static uint32_t	  path[1 + 254];
	struct bgp_attrs  a;
	struct bgp_export ex;
	struct bgp_neg	  out, in;
	struct bgp_update u;

	path[0] = 0x0200 | 254;
	for (int i = 1; i <= 254; i++)
		path[i] = 65001;
	memset(&a, 0, sizeof(a));
	a.flags = BGP_ATTRS_ORIGIN | BGP_ATTRS_AS_PATH;
	a.aspath = path;
	a.aspath_words = 255;
	memset(&ex, 0, sizeof(ex));
	memcpy(ex.nh4, "\xc0\x00\x02\x01", 4);
	ex.prepend = 3;
	neg_default(&out);
	neg_default(&in);
	in.peer_as = out.local_as;
	/* 4 prepends do not fit the first segment: a new one in front */
	encode_decode(&a, &out, &ex, &in, &u);
	assert_int_equal(u.action, BGP_UPD_OK);
	assert_int_equal(bgp_aspath_len(&u.attrs), 258);
	assert_int_equal(bgp_aspath_first(&u.attrs), 65000);
	assert_int_equal(u.attrs.aspath[0], 0x0200 | 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7606),
		cmocka_unit_test(test_attr_truncations),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_as4_merge),
		cmocka_unit_test(test_mp_nexthops),
		cmocka_unit_test(test_aspath_fmt),
		cmocka_unit_test(test_encode_export),
		cmocka_unit_test(test_prepend_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
