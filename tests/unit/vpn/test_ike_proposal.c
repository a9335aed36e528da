/* tests/unit/vpn/test_ike_proposal.c - proposals: keywords, parse/print, defaults, responder selection, reply checks. */
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

#include "vpn/ike_proposal.h"

static void
parse_ok(const char *s, uint8_t proto, struct ike_proposal *p)
{
	char err[256] = "";

	if (ike_prop_parse(s, proto, p, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
}

static void
assert_prints(const struct ike_proposal *p, const char *want)
{
	char buf[512];
	int  n = ike_prop_print(p, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void
test_parse_print(void **state)
{
	struct ike_proposal p;
	char		    small[8];

	parse_ok("aes256gcm16-prfsha384-ecp384", IPSEC_PROTO_IKE, &p);
	assert_int_equal(p.proto, IPSEC_PROTO_IKE);
	assert_int_equal(p.n[IKE_XF_ENCR], 1);
	assert_int_equal(p.alg[IKE_XF_ENCR][0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(p.alg[IKE_XF_ENCR][0].keylen, 256);
	assert_int_equal(p.n[IKE_XF_INTEG], 0);
	assert_int_equal(p.alg[IKE_XF_PRF][0].id, IKE_PRF_HMAC_SHA2_384);
	assert_int_equal(p.alg[IKE_XF_DH][0].id, IKE_DH_ECP384);
	assert_prints(&p, "aes256gcm16-prfsha384-ecp384");

	/* no PRF named: the integrity list names it (strongSwan's rule) */
	parse_ok("aes128-sha256-modp2048", IPSEC_PROTO_IKE, &p);
	assert_int_equal(p.alg[IKE_XF_ENCR][0].id, IKE_ENCR_AES_CBC);
	assert_int_equal(p.alg[IKE_XF_ENCR][0].keylen, 128);
	assert_int_equal(p.alg[IKE_XF_INTEG][0].id, IKE_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(p.n[IKE_XF_PRF], 1);
	assert_int_equal(p.alg[IKE_XF_PRF][0].id, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(p.alg[IKE_XF_DH][0].id, IKE_DH_MODP2048);
	assert_prints(&p, "aes128-sha256-prfsha256-modp2048");

	/* with AEAD the integrity words only name PRFs */
	parse_ok("aes256gcm16-sha384-sha256-x25519", IPSEC_PROTO_IKE, &p);
	assert_int_equal(p.n[IKE_XF_INTEG], 0);
	assert_int_equal(p.n[IKE_XF_PRF], 2);
	assert_prints(&p, "aes256gcm16-prfsha384-prfsha256-x25519");

	/* aliases print under their own name; case does not matter */
	parse_ok("AES128GCM-prfsha256-curve25519-modp2048s256", IPSEC_PROTO_IKE, &p);
	assert_prints(&p, "aes128gcm16-prfsha256-x25519-modp2048s256");
	parse_ok(
	    "aes192-sha2_512-sha1-prfsha512-modp768-modp1024-modp1536-modp3072-modp4096-ecp521",
	    IPSEC_PROTO_IKE, &p);
	assert_prints(&p,
	    "aes192-sha512-sha1-prfsha512-modp768-modp1024-modp1536-modp3072-"
	    "modp4096-ecp521");

	/* ESP: no PRF, ESN defaults to noesn, DH is PFS */
	parse_ok("aes128gcm16", IPSEC_PROTO_ESP, &p);
	assert_int_equal(p.n[IKE_XF_ESN], 1);
	assert_int_equal(p.alg[IKE_XF_ESN][0].id, IKE_ESN_NO);
	assert_int_equal(p.n[IKE_XF_DH], 0);
	assert_prints(&p, "aes128gcm16-noesn");
	parse_ok("aes256-sha256-modp2048-esn-noesn", IPSEC_PROTO_ESP, &p);
	assert_int_equal(p.alg[IKE_XF_ESN][0].id, IKE_ESN_YES);
	assert_prints(&p, "aes256-sha256-modp2048-esn-noesn");

	/* print truncates like snprintf and says how long it would be */
	parse_ok("aes256gcm16-prfsha384-ecp384", IPSEC_PROTO_IKE, &p);
	assert_int_equal(ike_prop_print(&p, small, sizeof(small)), 28);
	assert_string_equal(small, "aes256g");
	assert_string_equal(ike_alg_name(IKE_XF_DH, IKE_DH_CURVE25519, 0), "x25519");
	assert_null(ike_alg_name(IKE_XF_ENCR, IKE_ENCR_3DES, 0));
}

static const struct {
	const char *s;
	uint8_t	    proto;
	const char *must_say; /* a substring of the error */
} bad[] = {
	{ "aes256gcm16-prfsha384-ecp999", IPSEC_PROTO_IKE, "unknown algorithm 'ecp999'" },
	{ "3des-sha1-modp1024", IPSEC_PROTO_IKE, "'3des'" },
	{ "aes128-md5-modp1024", IPSEC_PROTO_IKE, "'md5'" },
	{ "aes128-sha256", IPSEC_PROTO_IKE, "no key exchange group" },
	{ "aes128-modp2048", IPSEC_PROTO_IKE, "no PRF" },
	{ "aes128-prfsha256-modp2048", IPSEC_PROTO_IKE, "no integrity algorithm for 'aes128'" },
	{ "aes128-modp2048", IPSEC_PROTO_ESP, "no integrity algorithm for 'aes128'" },
	{ "aes128gcm16-sha256", IPSEC_PROTO_ESP,
	    "integrity algorithm 'sha256' with AEAD cipher 'aes128gcm16'" },
	{ "aes128gcm16-prfsha256-sha256-ecp256", IPSEC_PROTO_IKE, "'sha256' with AEAD" },
	{ "aes128-aes128gcm16-sha256-ecp256", IPSEC_PROTO_IKE,
	    "'aes128gcm16' (AEAD) and 'aes128'" },
	{ "aes128gcm16-prfsha256-ecp256-esn", IPSEC_PROTO_IKE, "'esn' is for ESP" },
	{ "aes128gcm16-prfsha256", IPSEC_PROTO_ESP, "'prfsha256' is a PRF" },
	{ "aes128-aes128-sha256-ecp256", IPSEC_PROTO_IKE, "'aes128' named twice" },
	{ "x25519-curve25519-aes128gcm16-prfsha256", IPSEC_PROTO_IKE,
	    "'curve25519' named twice" },
	{ "", IPSEC_PROTO_IKE, "empty proposal" },
	{ "aes128--sha256-ecp256", IPSEC_PROTO_IKE, "empty algorithm name" },
	{ "aes128-sha256-ecp256-", IPSEC_PROTO_IKE, "empty algorithm name" },
	{ "sha256-ecp256", IPSEC_PROTO_IKE, "no encryption algorithm" },
	{ "aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_AH, "IKE or ESP" },
};

static void
test_parse_errors(void **state)
{
	struct ike_proposal p;
	char		    err[256], longs[700];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ike_prop_parse(bad[i].s, bad[i].proto, &p, err, sizeof(err)),
		    -EINVAL);
		if (strstr(err, bad[i].must_say) == NULL)
			fail_msg("'%s': error '%s' does not say '%s'", bad[i].s, err,
			    bad[i].must_say);
	}
	/* every group we know fits one proposal */
	assert_int_equal(
	    ike_prop_parse(
		"aes128gcm16-prfsha256-modp768-modp1024-modp1536-"
		"modp2048-modp3072-modp4096-ecp256-ecp384-ecp521-modp2048s256-x25519",
		IPSEC_PROTO_IKE, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.n[IKE_XF_DH], 11);
	memset(longs, 'a', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_int_equal(ike_prop_parse(longs, IPSEC_PROTO_IKE, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	/* a NULL error buffer is fine */
	assert_int_equal(ike_prop_parse("nope", IPSEC_PROTO_IKE, &p, NULL, 0), -EINVAL);
}

static void
test_parse_list(void **state)
{
	struct ike_proposal p[IKE_PROP_MAX];
	char		    err[256];

	assert_int_equal(
	    ike_prop_parse_list("aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048",
		IPSEC_PROTO_IKE, p, IKE_PROP_MAX, err, sizeof(err)),
	    2);
	assert_prints(&p[1], "aes128-sha256-prfsha256-modp2048");
	assert_int_equal(ike_prop_parse_list("aes256gcm16-prfsha384-ecp384,aes128-sha256-bogus",
			     IPSEC_PROTO_IKE, p, IKE_PROP_MAX, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "'bogus'"));
	assert_int_equal(ike_prop_parse_list("aes128gcm16,", IPSEC_PROTO_ESP, p, IKE_PROP_MAX,
			     err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "empty proposal"));
	assert_int_equal(ike_prop_parse_list("aes128gcm16,,aes256gcm16", IPSEC_PROTO_ESP, p,
			     IKE_PROP_MAX, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(ike_prop_parse_list("aes128gcm16,aes256gcm16,aes192gcm16",
			     IPSEC_PROTO_ESP, p, 2, err, sizeof(err)),
	    -E2BIG);
	assert_non_null(strstr(err, "more than 2 proposals"));
}

static void
test_defaults(void **state)
{
	struct ike_proposal   p[IKE_PROP_MAX];
	static const uint16_t dh_order[] = { 20, 19, 31, 14, 24, 21 };
	char		      buf[512], all[1024];
	int		      n;

	n = ike_prop_defaults(IPSEC_PROTO_IKE, p, IKE_PROP_MAX);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		assert_int_equal(p[i].n[IKE_XF_DH], 6);
		for (unsigned k = 0; k < 6; k++)
			assert_int_equal(p[i].alg[IKE_XF_DH][k].id, dh_order[k]);
		/* nothing broken: no SHA-1 integrity or PRF, no small groups */
		for (unsigned k = 0; k < p[i].n[IKE_XF_INTEG]; k++)
			assert_int_not_equal(p[i].alg[IKE_XF_INTEG][k].id,
			    IKE_INTEG_HMAC_SHA1_96);
		for (unsigned k = 0; k < p[i].n[IKE_XF_PRF]; k++)
			assert_int_not_equal(p[i].alg[IKE_XF_PRF][k].id, IKE_PRF_HMAC_SHA1);
		assert_int_equal(p[i].alg[IKE_XF_PRF][0].id, IKE_PRF_HMAC_SHA2_512);
	}
	assert_int_equal(p[0].alg[IKE_XF_ENCR][0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(p[0].alg[IKE_XF_ENCR][0].keylen, 256);
	assert_int_equal(p[0].alg[IKE_XF_ENCR][1].keylen, 128);
	assert_int_equal(p[1].n[IKE_XF_ENCR], 3);
	assert_int_equal(p[1].alg[IKE_XF_INTEG][0].id, IKE_INTEG_HMAC_SHA2_512_256);
	/* printing them gives the documented strings back */
	ike_prop_print(&p[0], buf, sizeof(buf));
	snprintf(all, sizeof(all), "%s,", buf);
	ike_prop_print(&p[1], buf, sizeof(buf));
	strncat(all, buf, sizeof(all) - strlen(all) - 1);
	assert_string_equal(all, ike_prop_default_ike);

	n = ike_prop_defaults(IPSEC_PROTO_ESP, p, IKE_PROP_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].n[IKE_XF_DH], 0);
	assert_int_equal(p[0].alg[IKE_XF_ESN][0].id, IKE_ESN_NO);
	assert_int_equal(p[1].n[IKE_XF_INTEG], 3);
}

/* The peer's offer as it arrives: its proposal strings, numbered from 1. */
static void
offer_from(const char *list, uint8_t proto, uint8_t spi_size, uint64_t spi,
    struct ike_sa_pl *sa)
{
	struct ike_proposal p[IKE_PROP_MAX];
	char		    err[256] = "";
	int n = ike_prop_parse_list(list, proto, p, IKE_PROP_MAX, err, sizeof(err));

	if (n < 1)
		fail_msg("offer '%s': %s", list, err);
	assert_int_equal(ike_prop_to_sa(p, (size_t)n, spi_size, spi, 0, sa), 0);
}

static void
assert_suite(const struct ike_suite *s, const char *want)
{
	char buf[256];

	ike_suite_print(s, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_select(void **state)
{
	struct ike_proposal ours[IKE_PROP_MAX];
	struct ike_sa_pl   *offer = malloc(sizeof(*offer));
	struct ike_suite    s;
	int		    n;

	assert_non_null(offer);
	n = ike_prop_defaults(IPSEC_PROTO_IKE, ours, IKE_PROP_MAX);

	/* strongSwan-style offer: our second proposal, our first group it has */
	offer_from("aes128-sha256-prfsha256-x25519-ecp256-modp2048", IPSEC_PROTO_IKE, 0, 0,
	    offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_suite(&s, "aes128-sha256-prfsha256-ecp256");
	assert_int_equal(s.peer_num, 1);
	assert_int_equal(s.proto, IPSEC_PROTO_IKE);
	assert_int_equal(s.spi_size, 0);

	/* our order wins over the peer's within a type */
	offer_from("aes128gcm16-aes256gcm16-prfsha256-prfsha512-ecp256-ecp384", IPSEC_PROTO_IKE,
	    0, 0, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_suite(&s, "aes256gcm16-prfsha512-ecp384");

	/* our first proposal wins over the peer's first */
	offer_from("aes128-sha256-ecp256,aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 0, 0,
	    offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_suite(&s, "aes128gcm16-prfsha256-ecp256");
	assert_int_equal(s.peer_num, 2);

	/* nothing in common */
	offer_from("aes128-sha1-modp1024", IPSEC_PROTO_IKE, 0, 0, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	/* a configured legacy proposal takes it */
	{
		struct ike_proposal legacy;

		parse_ok("aes128-sha1-modp1024", IPSEC_PROTO_IKE, &legacy);
		assert_int_equal(ike_prop_select(&legacy, 1, offer, 0, &s), IKE_OK);
		assert_suite(&s, "aes128-sha1-prfsha1-modp1024");
	}
	/* an ESP offer does not answer an IKE selection */
	offer_from("aes128gcm16", IPSEC_PROTO_ESP, 4, 0x1234, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	/* an offer must number from 1 */
	offer_from("aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	offer->prop[0].num = 2;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_SYNTAX);
	/* IKE rekey: the peer's 8-byte SPI comes back */
	offer_from("aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 8, 0x0102030405060708ULL,
	    offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_int_equal(s.spi_size, 8);
	assert_true(s.spi == 0x0102030405060708ULL);
	free(offer);
}

/* Offers that cannot come from our parser: hand-built transforms. */
static void
test_select_crafted(void **state)
{
	struct ike_proposal ours[IKE_PROP_MAX], hand;
	struct ike_sa_pl   *offer = malloc(sizeof(*offer));
	struct ike_suite    s;
	int		    n = ike_prop_defaults(IPSEC_PROTO_IKE, ours, IKE_PROP_MAX);

	assert_non_null(offer);
	/* AEAD with an integrity transform and no NONE: not ours */
	offer_from("aes256gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	offer->xf[offer->nxf++] =
	    (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = IKE_INTEG_HMAC_SHA2_256_128 };
	offer->prop[0].nxf++;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	/* ... but with NONE among them it is */
	offer->xf[offer->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = 0 };
	offer->prop[0].nxf++;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_int_equal(s.integ, IKE_INTEG_NONE);

	/* our own (hand-built) AEAD + integrity proposal is never selected */
	parse_ok("aes256gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, &hand);
	hand.alg[IKE_XF_INTEG][hand.n[IKE_XF_INTEG]++] =
	    (struct ike_alg){ IKE_INTEG_HMAC_SHA2_256_128, 0 };
	offer_from("aes256gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	offer->xf[offer->nxf++] =
	    (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = IKE_INTEG_HMAC_SHA2_256_128 };
	offer->prop[0].nxf++;
	assert_int_equal(ike_prop_select(&hand, 1, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	/* nor a cipher without integrity */
	parse_ok("aes256-sha256-ecp256", IPSEC_PROTO_IKE, &hand);
	hand.n[IKE_XF_INTEG] = 0;
	offer_from("aes256-sha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	assert_int_equal(offer->xf[2].type, IKE_XF_INTEG);
	offer->xf[2].id = 0; /* the peer says integrity NONE */
	assert_int_equal(ike_prop_select(&hand, 1, offer, 0, &s), IKE_ERR_NO_PROPOSAL);

	/* a transform type we do not know rejects the whole proposal (3.3.6) */
	offer_from("aes256gcm16-prfsha256-ecp256,aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE,
	    0, 0, offer);
	offer->xf[0].type = 6; /* proposal 1's ENCR becomes type 6 */
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_int_equal(s.peer_num, 2);
	assert_int_equal(s.encr_keylen, 128);
	/* a transform with an attribute we do not know is not chosen */
	offer_from("aes256gcm16-aes128gcm16-prfsha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	offer->xf[0].unknown_attr = true;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_int_equal(s.encr_keylen, 128);
	/* AES without its key length matches nothing */
	offer_from("aes128-sha256-ecp256", IPSEC_PROTO_IKE, 0, 0, offer);
	offer->xf[0].keylen = 0;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	free(offer);
}

static void
test_select_esp(void **state)
{
	struct ike_proposal ours[IKE_PROP_MAX], pfs;
	struct ike_sa_pl   *offer = malloc(sizeof(*offer));
	struct ike_suite    s;
	int		    n = ike_prop_defaults(IPSEC_PROTO_ESP, ours, IKE_PROP_MAX);

	assert_non_null(offer);
	offer_from("aes256gcm16-esn-noesn", IPSEC_PROTO_ESP, 4, 0xc1c2c3c4, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_suite(&s, "aes256gcm16-noesn");
	assert_int_equal(s.spi_size, 4);
	assert_true(s.spi == 0xc1c2c3c4);
	assert_int_equal(s.prf, 0);
	/* a peer that insists on ESN finds nothing */
	offer_from("aes256gcm16-esn", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	offer_from("aes128-sha1", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	offer_from("aes192-sha384-sha256", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_suite(&s, "aes192-sha384-noesn");

	/* PFS configured: an offer without a group does not do */
	parse_ok("aes256gcm16-ecp256", IPSEC_PROTO_ESP, &pfs);
	offer_from("aes256gcm16", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(&pfs, 1, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	/* ... except in IKE_AUTH, where DH is not negotiated at all */
	assert_int_equal(ike_prop_select(&pfs, 1, offer, IKE_SEL_NO_DH, &s), IKE_OK);
	assert_int_equal(s.dh, 0);
	offer_from("aes256gcm16-modp2048-ecp256", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(&pfs, 1, offer, 0, &s), IKE_OK);
	assert_int_equal(s.dh, IKE_DH_ECP256);
	assert_suite(&s, "aes256gcm16-ecp256-noesn");
	/* no PFS here: a peer demanding a group finds nothing, unless NONE */
	offer_from("aes256gcm16-ecp256", IPSEC_PROTO_ESP, 4, 1, offer);
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_ERR_NO_PROPOSAL);
	offer->xf[offer->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_DH, .id = 0 };
	offer->prop[0].nxf++;
	assert_int_equal(ike_prop_select(ours, (size_t)n, offer, 0, &s), IKE_OK);
	assert_int_equal(s.dh, 0);
	free(offer);
}

static void
test_check_reply(void **state)
{
	struct ike_proposal ours[IKE_PROP_MAX];
	struct ike_sa_pl   *offer = malloc(sizeof(*offer)), *reply = malloc(sizeof(*reply));
	struct ike_suite    s, got;
	int		    n = ike_prop_defaults(IPSEC_PROTO_IKE, ours, IKE_PROP_MAX);

	assert_non_null(offer);
	assert_non_null(reply);
	/* what a responder running our own selection answers is accepted */
	assert_int_equal(ike_prop_to_sa(ours, (size_t)n, 0, 0, 0, offer), 0);
	assert_int_equal(ike_prop_select(&ours[1], 1, offer, 0, &s), IKE_OK);
	assert_int_equal(s.peer_num, 2);
	ike_suite_to_sa(&s, 0, 0, reply);
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got), IKE_OK);
	assert_suite(&got, "aes256-sha512-prfsha512-ecp384");
	assert_int_equal(got.peer_num, 2);

	/* not one proposal */
	reply->nprop = 2;
	reply->prop[1] = reply->prop[0];
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* a number we did not use */
	ike_suite_to_sa(&s, 0, 0, reply);
	reply->prop[0].num = 3;
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* GCM under number 2 (our CBC proposal) was never offered there */
	ike_suite_to_sa(&s, 0, 0, reply);
	reply->xf[0] = (struct ike_xform_pl){ .type = IKE_XF_ENCR,
		.id = IKE_ENCR_AES_GCM_16,
		.keylen = 256 };
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* two transforms of one type */
	ike_suite_to_sa(&s, 0, 0, reply);
	reply->xf[reply->nxf++] =
	    (struct ike_xform_pl){ .type = IKE_XF_DH, .id = IKE_DH_ECP256 };
	reply->prop[0].nxf++;
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* a type we required is missing (DH dropped) */
	ike_suite_to_sa(&s, 0, 0, reply);
	reply->prop[0].nxf--;
	assert_int_equal(reply->xf[reply->nxf - 1].type, IKE_XF_DH);
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* a group we never offered */
	ike_suite_to_sa(&s, 0, 0, reply);
	reply->xf[reply->nxf - 1].id = IKE_DH_MODP1024;
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);
	/* AEAD answer with an integrity transform */
	assert_int_equal(ike_prop_select(&ours[0], 1, offer, 0, &s), IKE_OK);
	ike_suite_to_sa(&s, 0, 0, reply);
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got), IKE_OK);
	reply->xf[reply->nxf++] =
	    (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = IKE_INTEG_HMAC_SHA2_256_128 };
	reply->prop[0].nxf++;
	assert_int_equal(ike_prop_check_reply(ours, (size_t)n, reply, 0, &got),
	    IKE_ERR_NO_PROPOSAL);

	/* ESP answer without ESN, and IKE_AUTH's DH rule */
	{
		struct ike_proposal esp;

		parse_ok("aes128gcm16-ecp256", IPSEC_PROTO_ESP, &esp);
		assert_int_equal(ike_prop_to_sa(&esp, 1, 4, 0xaabbccdd, IKE_SEL_NO_DH, offer),
		    0);
		assert_int_equal(offer->prop[0].nxf, 2); /* no DH transform sent */
		assert_int_equal(ike_prop_select(&esp, 1, offer, IKE_SEL_NO_DH, &s), IKE_OK);
		ike_suite_to_sa(&s, 4, 0x11223344, reply);
		assert_int_equal(ike_prop_check_reply(&esp, 1, reply, IKE_SEL_NO_DH, &got),
		    IKE_OK);
		assert_true(got.spi == 0x11223344);
		assert_int_equal(ike_prop_check_reply(&esp, 1, reply, 0, &got),
		    IKE_ERR_NO_PROPOSAL);
		reply->prop[0].nxf--; /* drop the ESN transform */
		assert_int_equal(ike_prop_check_reply(&esp, 1, reply, IKE_SEL_NO_DH, &got),
		    IKE_ERR_NO_PROPOSAL);
	}
	free(offer);
	free(reply);
}

/* Offer -> SA payload bytes -> decode -> selection: the whole path. */
static void
test_wire_path(void **state)
{
	struct ike_proposal ours[IKE_PROP_MAX], peer[IKE_PROP_MAX];
	struct ike_sa_pl   *sa = malloc(sizeof(*sa));
	struct ike_msg	   *m = malloc(sizeof(*m));
	uint8_t		    buf[2048];
	struct wire_wr	    w = wire_wr_init(buf, sizeof(buf));
	struct ike_enc	    e;
	struct ike_hdr h = { .ispi = 7, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_INITIATOR };
	struct ike_suite s;
	int		 n = ike_prop_defaults(IPSEC_PROTO_IKE, ours, IKE_PROP_MAX);
	int		 np = ike_prop_defaults(IPSEC_PROTO_IKE, peer, IKE_PROP_MAX);

	assert_non_null(sa);
	assert_non_null(m);
	assert_int_equal(ike_prop_to_sa(peer, (size_t)np, 0, 0, 0, sa), 0);
	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sa);
	assert_int_equal(ike_enc_end(&e), 0);
	assert_int_equal(ike_msg_decode(wire_rd_init(buf, wire_wr_len(&w)), m), IKE_OK);
	assert_int_equal(ike_prop_select(ours, (size_t)n, &m->sa, 0, &s), IKE_OK);
	assert_suite(&s, "aes256gcm16-prfsha512-ecp384");

	/* too many proposals for one SA payload */
	{
		struct ike_proposal *many = calloc(IKE_MAX_PROPOSALS + 1, sizeof(*many));

		assert_non_null(many);
		for (int i = 0; i <= IKE_MAX_PROPOSALS; i++)
			many[i] = ours[0];
		assert_int_equal(ike_prop_to_sa(many, IKE_MAX_PROPOSALS + 1, 0, 0, 0, sa),
		    -E2BIG);
		/* 32 x 11 transforms overflow the transform pool too */
		assert_int_equal(ike_prop_to_sa(many, IKE_MAX_PROPOSALS, 0, 0, 0, sa), -E2BIG);
		free(many);
	}
	free(sa);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_crafted),
		cmocka_unit_test(test_select_esp),
		cmocka_unit_test(test_check_reply),
		cmocka_unit_test(test_wire_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
