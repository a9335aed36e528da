/* tests/unit/vpn/test_ike_codec.c - IKEv2 codec: hex vector, round trips, every truncation, malformed payloads. */
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

#include "tests/unit/include/test_hex.h"
#include "vpn/ike_codec.h"

#define HDR_INIT(next, len) "0102030405060708 0000000000000000" next "20 22 08 00000000" len

/* A hand-assembled IKE_SA_INIT request (RFC 7296 1.2): SA with one IKE
 * proposal (AES-GCM-16/256, PRF-HMAC-SHA2-512, DH 19 and 31), KE group 19,
 * a 16-byte nonce. Built independently of the encoder. */
static const char *init_hex = HDR_INIT("21",
    "000000a8") "22 00 0030"			 /* SA */
		"00 00 002c 01 01 00 04"	 /* proposal 1, IKE */
		"03 00 000c 01 00 0014 800e0100" /* ENCR 20, 256 */
		"03 00 0008 02 00 0007"		 /* PRF 7 */
		"03 00 0008 04 00 0013"		 /* DH 19 */
		"00 00 0008 04 00 001f"		 /* DH 31 */
		"28 00 0048 0013 0000"		 /* KE */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"00 00 0014 11111111111111111111111111111111"; /* Nonce */

/* Copy into a heap buffer of exactly n bytes, so ASan sees overreads. */
static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	if (n)
		memcpy(b, p, n);
	return b;
}

static enum ike_err
decode_exact(const uint8_t *p, size_t n, struct ike_msg *m)
{
	uint8_t	    *b = dup_exact(p, n);
	enum ike_err err = ike_msg_decode(wire_rd_init(b, n), m);

	/* views point into b: callers only look at scalar fields after this */
	free(b);
	return err;
}

static void
set_len32(uint8_t *msg, size_t n)
{
	msg[24] = (uint8_t)(n >> 24);
	msg[25] = (uint8_t)(n >> 16);
	msg[26] = (uint8_t)(n >> 8);
	msg[27] = (uint8_t)n;
}

/*
 * Every truncation of a valid message must fail: as a short datagram
 * (header length disagrees: DROP), and with the length field patched to
 * the cut (the chain must notice: never OK).
 */
static void
check_truncations(const uint8_t *msg, size_t len)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t	       *b;

	assert_non_null(m);
	for (size_t k = 0; k < len; k++) {
		assert_int_equal(decode_exact(msg, k, m), IKE_ERR_DROP);
		if (k < IKE_HDR_LEN)
			continue;
		b = dup_exact(msg, k);
		set_len32(b, k);
		if (ike_msg_decode(wire_rd_init(b, k), m) == IKE_OK)
			fail_msg("truncation to %zu of %zu decoded as OK", k, len);
		free(b);
	}
	free(m);
}

static void
test_hex_vector(void **state)
{
	uint8_t		buf[512];
	size_t		n = hex2bin(init_hex, buf, sizeof(buf));
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(n, 168);
	assert_int_equal(ike_msg_decode(wire_rd_init(buf, n), m), IKE_OK);
	assert_true(m->hdr.ispi == 0x0102030405060708ULL);
	assert_true(m->hdr.rspi == 0);
	assert_int_equal(m->hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m->hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(m->hdr.length, 168);
	assert_true(ike_msg_has(m, IKE_PL_SA) && ike_msg_has(m, IKE_PL_KE) &&
	    ike_msg_has(m, IKE_PL_NONCE));
	assert_false(ike_msg_has(m, IKE_PL_AUTH));
	assert_int_equal(m->sa.nprop, 1);
	assert_int_equal(m->sa.prop[0].num, 1);
	assert_int_equal(m->sa.prop[0].proto, IPSEC_PROTO_IKE);
	assert_int_equal(m->sa.prop[0].spi_size, 0);
	assert_int_equal(m->sa.prop[0].nxf, 4);
	assert_int_equal(m->sa.xf[0].type, IKE_XF_ENCR);
	assert_int_equal(m->sa.xf[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(m->sa.xf[0].keylen, 256);
	assert_int_equal(m->sa.xf[1].type, IKE_XF_PRF);
	assert_int_equal(m->sa.xf[1].keylen, 0);
	assert_int_equal(m->sa.xf[3].id, IKE_DH_CURVE25519);
	assert_int_equal(m->ke.group, 19);
	assert_int_equal(wire_left(&m->ke.data), 64);
	assert_int_equal(m->ke.data.p[0], 0xaa);
	assert_int_equal(wire_left(&m->nonce), 16);
	assert_int_equal(m->nonce.p[15], 0x11);
	check_truncations(buf, n);
	free(m);
}

/* An IKE_SA_INIT request as our encoder writes it, with every outer
 * payload kind a real one carries. */
static size_t
build_init(uint8_t *buf, size_t cap, struct ike_sa_pl *sa)
{
	struct wire_wr w = wire_wr_init(buf, cap);
	struct ike_enc e;
	struct ike_hdr h = { .ispi = 0x1122334455667788ULL,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR };
	uint8_t	       ke[32], nonce[32], natd[20], vid[16];
	uint8_t	       sighash[] = { 0, 2, 0, 3, 0, 4 };
	uint8_t	       careq[40];

	memset(sa, 0, sizeof(*sa));
	sa->nprop = 2;
	sa->prop[0] =
	    (struct ike_prop_pl){ .num = 1, .proto = IPSEC_PROTO_IKE, .first = 0, .nxf = 5 };
	sa->xf[0] = (struct ike_xform_pl){ .type = IKE_XF_ENCR,
		.id = IKE_ENCR_AES_GCM_16,
		.keylen = 256 };
	sa->xf[1] = (struct ike_xform_pl){ .type = IKE_XF_ENCR,
		.id = IKE_ENCR_AES_GCM_16,
		.keylen = 128 };
	sa->xf[2] = (struct ike_xform_pl){ .type = IKE_XF_PRF, .id = IKE_PRF_HMAC_SHA2_384 };
	sa->xf[3] = (struct ike_xform_pl){ .type = IKE_XF_DH, .id = IKE_DH_ECP384 };
	sa->xf[4] = (struct ike_xform_pl){ .type = IKE_XF_DH, .id = IKE_DH_CURVE25519 };
	sa->prop[1] =
	    (struct ike_prop_pl){ .num = 2, .proto = IPSEC_PROTO_IKE, .first = 5, .nxf = 4 };
	sa->xf[5] =
	    (struct ike_xform_pl){ .type = IKE_XF_ENCR, .id = IKE_ENCR_AES_CBC, .keylen = 128 };
	sa->xf[6] =
	    (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = IKE_INTEG_HMAC_SHA2_256_128 };
	sa->xf[7] = (struct ike_xform_pl){ .type = IKE_XF_PRF, .id = IKE_PRF_HMAC_SHA2_256 };
	sa->xf[8] = (struct ike_xform_pl){ .type = IKE_XF_DH, .id = IKE_DH_MODP2048 };
	sa->nxf = 9;

	memset(ke, 0x5a, sizeof(ke));
	memset(nonce, 0x6b, sizeof(nonce));
	memset(natd, 0x7c, sizeof(natd));
	memset(vid, 0x8d, sizeof(vid));
	memset(careq, 0x9e, sizeof(careq));
	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sa);
	ike_enc_ke(&e, IKE_DH_CURVE25519, ke, sizeof(ke));
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_notify(&e, 0, IKE_N_NAT_DETECTION_SOURCE_IP, NULL, 0, natd, sizeof(natd));
	ike_enc_notify(&e, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, natd, sizeof(natd));
	ike_enc_notify(&e, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	ike_enc_notify(&e, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, sighash,
	    sizeof(sighash));
	ike_enc_certreq(&e, IKE_CERT_X509_SIGNATURE, careq, sizeof(careq));
	ike_enc_vendor(&e, vid, sizeof(vid));
	assert_int_equal(ike_enc_end(&e), 0);
	return wire_wr_len(&w);
}

static void
assert_sa_equal(const struct ike_sa_pl *a, const struct ike_sa_pl *b)
{
	assert_int_equal(a->nprop, b->nprop);
	assert_int_equal(a->nxf, b->nxf);
	for (unsigned i = 0; i < a->nprop; i++) {
		assert_int_equal(a->prop[i].num, b->prop[i].num);
		assert_int_equal(a->prop[i].proto, b->prop[i].proto);
		assert_int_equal(a->prop[i].spi_size, b->prop[i].spi_size);
		assert_true(a->prop[i].spi == b->prop[i].spi);
		assert_int_equal(a->prop[i].first, b->prop[i].first);
		assert_int_equal(a->prop[i].nxf, b->prop[i].nxf);
	}
	for (unsigned i = 0; i < a->nxf; i++) {
		assert_int_equal(a->xf[i].type, b->xf[i].type);
		assert_int_equal(a->xf[i].id, b->xf[i].id);
		assert_int_equal(a->xf[i].keylen, b->xf[i].keylen);
		assert_int_equal(a->xf[i].unknown_attr, b->xf[i].unknown_attr);
	}
}

static void
test_init_roundtrip(void **state)
{
	uint8_t			    buf[1024];
	struct ike_sa_pl	   *sa = malloc(sizeof(*sa));
	struct ike_msg		   *m = malloc(sizeof(*m));
	const struct ike_notify_pl *n;
	size_t			    len;

	assert_non_null(sa);
	assert_non_null(m);
	len = build_init(buf, sizeof(buf), sa);
	assert_int_equal(buf[16], IKE_PL_SA); /* header's next payload */
	assert_int_equal(buf[17], IKE_VERSION_2);
	assert_int_equal(ike_msg_decode(wire_rd_init(buf, len), m), IKE_OK);
	assert_int_equal(m->hdr.length, len);
	assert_true(m->hdr.ispi == 0x1122334455667788ULL);
	assert_sa_equal(&m->sa, sa);
	assert_int_equal(m->ke.group, IKE_DH_CURVE25519);
	assert_int_equal(wire_left(&m->ke.data), 32);
	assert_int_equal(wire_left(&m->nonce), 32);
	assert_int_equal(m->nnotify, 4);
	n = ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(n);
	assert_int_equal(wire_left(&n->data), 6);
	assert_int_equal(n->data.p[5], 4);
	assert_non_null(ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED));
	assert_null(ike_msg_notify(m, IKE_N_COOKIE));
	assert_null(ike_msg_notify_error(m));
	assert_int_equal(m->ncertreq, 1);
	assert_int_equal(m->certreq[0].encoding, IKE_CERT_X509_SIGNATURE);
	assert_int_equal(wire_left(&m->certreq[0].data), 40);
	assert_int_equal(m->nvendor, 1);
	assert_int_equal(wire_left(&m->vendor[0]), 16);
	check_truncations(buf, len);
	free(sa);
	free(m);
}

/* The inner payloads of an IKE_AUTH request, written as a plain chain
 * (what ike_sk_open hands back after decryption). */
static size_t
build_auth_inner(uint8_t *buf, size_t cap, uint8_t *first)
{
	struct wire_wr	  w = wire_wr_init(buf, cap);
	struct ike_enc	  e;
	struct ike_hdr	  h = { .ispi = 1,
		   .rspi = 2,
		   .exchange = IKE_AUTH,
		   .flags = IKE_FLAG_INITIATOR,
		   .msgid = 1 };
	struct ike_sa_pl *sa = calloc(1, sizeof(*sa));
	struct ike_ts	  ts[2];
	uint8_t		  cert[300], auth[64];
	uint32_t	  spi = 0xc0ffee01;
	size_t		  n;

	assert_non_null(sa);
	memset(cert, 0x30, sizeof(cert));
	memset(auth, 0x41, sizeof(auth));
	sa->nprop = 1;
	sa->prop[0] = (struct ike_prop_pl){ .num = 1,
		.proto = IPSEC_PROTO_ESP,
		.spi_size = 4,
		.spi = 0xdeadbeef,
		.nxf = 2 };
	sa->xf[0] = (struct ike_xform_pl){ .type = IKE_XF_ENCR,
		.id = IKE_ENCR_AES_GCM_16,
		.keylen = 256 };
	sa->xf[1] = (struct ike_xform_pl){ .type = IKE_XF_ESN, .id = IKE_ESN_NO };
	sa->nxf = 2;
	memset(ts, 0, sizeof(ts));
	ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	ts[0].eport = 65535;
	memcpy(ts[0].start, "\x0a\x00\x00\x00", 4);
	memcpy(ts[0].end, "\x0a\x00\xff\xff", 4);
	ts[1].type = IKE_TS_IPV6_ADDR_RANGE;
	ts[1].ipproto = 6;
	ts[1].sport = 65535; /* OPAQUE */
	ts[1].eport = 0;
	memset(ts[1].end, 0xff, 16);

	ike_enc_init(&e, &w, &h);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, "gw.example.net", 14);
	ike_enc_cert(&e, IKE_CERT_X509_SIGNATURE, cert, sizeof(cert));
	ike_enc_notify(&e, 0, IKE_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike_enc_id(&e, IKE_PL_IDR, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4);
	ike_enc_auth(&e, IKE_AUTH_DIGITAL_SIG, auth, sizeof(auth));
	ike_enc_sa(&e, sa);
	ike_enc_ts(&e, IKE_PL_TSI, ts, 2);
	ike_enc_ts(&e, IKE_PL_TSR, ts, 1);
	ike_enc_notify(&e, IPSEC_PROTO_ESP, IKE_N_REKEY_SA, &spi, 4, NULL, 0);
	ike_enc_delete(&e, IPSEC_PROTO_ESP, 4, 1, &spi);
	ike_enc_delete(&e, IPSEC_PROTO_IKE, 0, 0, NULL);
	assert_int_equal(ike_enc_end(&e), 0);
	n = wire_wr_len(&w) - IKE_HDR_LEN;
	*first = buf[16];
	memmove(buf, buf + IKE_HDR_LEN, n);
	free(sa);
	return n;
}

static void
test_inner_roundtrip(void **state)
{
	uint8_t		buf[2048], first, *b;
	struct ike_msg *m = malloc(sizeof(*m));
	size_t		n = build_auth_inner(buf, sizeof(buf), &first);

	assert_non_null(m);
	assert_int_equal(first, IKE_PL_IDI);
	memset(m, 0, sizeof(*m));
	assert_int_equal(ike_msg_decode_inner(m, first, wire_rd_init(buf, n)), IKE_OK);
	assert_int_equal(m->idi.type, IKE_ID_FQDN);
	assert_int_equal(wire_left(&m->idi.data), 14);
	assert_memory_equal(m->idi.data.p, "gw.example.net", 14);
	/* the ID body for AUTH (RFC 7296 2.15): type, 3 reserved, data */
	assert_int_equal(wire_left(&m->idi.body), 18);
	assert_int_equal(m->idi.body.p[0], IKE_ID_FQDN);
	assert_int_equal(m->idr.type, IKE_ID_IPV4_ADDR);
	assert_int_equal(m->ncert, 1);
	assert_int_equal(wire_left(&m->cert[0].data), 300);
	assert_int_equal(m->auth.method, IKE_AUTH_DIGITAL_SIG);
	assert_int_equal(wire_left(&m->auth.data), 64);
	assert_int_equal(m->sa.prop[0].proto, IPSEC_PROTO_ESP);
	assert_true(m->sa.prop[0].spi == 0xdeadbeef);
	assert_int_equal(m->tsi.n, 2);
	assert_int_equal(m->tsr.n, 1);
	assert_int_equal(m->tsi.ts[0].eport, 65535);
	assert_int_equal(m->tsi.ts[0].end[2], 0xff);
	assert_int_equal(m->tsi.ts[1].type, IKE_TS_IPV6_ADDR_RANGE);
	assert_int_equal(m->tsi.ts[1].ipproto, 6);
	assert_int_equal(m->tsi.ts[1].sport, 65535);
	assert_int_equal(m->nnotify, 2);
	assert_int_equal(m->notify[1].type, IKE_N_REKEY_SA);
	assert_int_equal(m->notify[1].proto, IPSEC_PROTO_ESP);
	assert_int_equal(wire_left(&m->notify[1].spi), 4);
	assert_int_equal(m->ndelete, 2);
	assert_int_equal(m->del[0].nspi, 1);
	assert_int_equal(m->del[1].proto, IPSEC_PROTO_IKE);
	/* a second inner decode of the same message is refused */
	assert_int_equal(ike_msg_decode_inner(m, first, wire_rd_init(buf, n)), IKE_ERR_SYNTAX);

	/* every truncation of the inner chain fails */
	for (size_t k = 0; k < n; k++) {
		b = dup_exact(buf, k);
		memset(m, 0, sizeof(*m));
		if (ike_msg_decode_inner(m, first, wire_rd_init(b, k)) == IKE_OK)
			fail_msg("inner truncation to %zu of %zu decoded", k, n);
		free(b);
	}
	free(m);
}

/* Every truncation of the SA payload body alone, and its round trip. */
static void
test_sa_truncations(void **state)
{
	uint8_t		  buf[1024];
	struct ike_sa_pl *sa = malloc(sizeof(*sa)), *d = malloc(sizeof(*d));
	size_t		  len;
	uint16_t	  salen;
	uint8_t		 *b;

	assert_non_null(sa);
	assert_non_null(d);
	len = build_init(buf, sizeof(buf), sa);
	assert_true(len > 32);
	/* the SA is the first payload: its body starts after its header */
	salen = (uint16_t)(buf[30] << 8 | buf[31]);
	assert_int_equal(ike_sa_decode(wire_rd_init(buf + 32, salen - 4u), d), IKE_OK);
	assert_sa_equal(d, sa);
	for (size_t k = 0; k < salen - 4u; k++) {
		b = dup_exact(buf + 32, k);
		if (ike_sa_decode(wire_rd_init(b, k), d) == IKE_OK)
			fail_msg("SA truncation to %zu decoded", k);
		free(b);
	}
	free(sa);
	free(d);
}

/* ---- header ---- */

static void
test_header(void **state)
{
	uint8_t		buf[512];
	size_t		n = hex2bin(init_hex, buf, sizeof(buf));
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	buf[17] = 0x21; /* minor version 1: ignored (RFC 7296 2.5) */
	assert_int_equal(decode_exact(buf, n, m), IKE_OK);
	buf[17] = 0x30; /* IKEv3 */
	assert_int_equal(decode_exact(buf, n, m), IKE_ERR_MAJOR_VERSION);
	assert_int_equal(m->hdr.exchange, IKE_SA_INIT); /* enough to answer */
	buf[17] = 0x10;					/* IKEv1 */
	assert_int_equal(decode_exact(buf, n, m), IKE_ERR_MAJOR_VERSION);
	buf[17] = 0x20;
	buf[19] = 0xff; /* reserved flag bits are ignored */
	assert_int_equal(decode_exact(buf, n, m), IKE_OK);
	buf[19] = IKE_FLAG_INITIATOR;
	set_len32(buf, n + 1);
	assert_int_equal(decode_exact(buf, n, m), IKE_ERR_DROP);
	set_len32(buf, n - 1);
	assert_int_equal(decode_exact(buf, n, m), IKE_ERR_DROP);
	set_len32(buf, n);
	memset(buf, 0, 8); /* initiator SPI zero */
	assert_int_equal(decode_exact(buf, n, m), IKE_ERR_DROP);
	free(m);
}

/* ---- malformed payloads: a header plus a chain in hex ---- */

static enum ike_err
decode_chain(const char *first_hex, const char *chain_hex, struct ike_msg *m)
{
	uint8_t buf[2048];
	size_t	n;

	n = hex2bin("0102030405060708 0000000000000000", buf, sizeof(buf));
	n += hex2bin(first_hex, buf + n, sizeof(buf) - n);
	n += hex2bin("20 22 08 00000000 00000000", buf + n, sizeof(buf) - n);
	n += hex2bin(chain_hex, buf + n, sizeof(buf) - n);
	set_len32(buf, n);
	return decode_exact(buf, n, m);
}

#define NONCE16 "00 00 0014 00112233445566778899aabbccddeeff"

/* clang-format off */
static const struct {
	const char	*name, *first, *chain;
	enum ike_err	 want;
} chain_vec[] = {
	{ "empty message", "00", "", IKE_OK },
	{ "nonce only", "28", NONCE16, IKE_OK },
	{ "trailing byte", "28", NONCE16 "00", IKE_ERR_SYNTAX },
	{ "next names a missing payload", "28", "29 00 0014 00112233445566778899aabbccddeeff",
	    IKE_ERR_SYNTAX },
	{ "payload length < 4", "28", "00 00 0003", IKE_ERR_SYNTAX },
	{ "payload length past the end", "28", "00 00 0015 00112233445566778899aabbccddeeff",
	    IKE_ERR_SYNTAX },
	{ "nonce 15 bytes", "28", "00 00 0013 00112233445566778899aabbccddee", IKE_ERR_SYNTAX },
	{ "two nonces", "28", "28 00 0014 00112233445566778899aabbccddeeff" NONCE16,
	    IKE_ERR_SYNTAX },
	{ "critical bit on a known type", "28", "00 80 0014 00112233445566778899aabbccddeeff",
	    IKE_OK },
	{ "unknown type, not critical: skipped", "63", "28 00 0006 abcd" NONCE16, IKE_OK },
	{ "unknown type, critical", "28", "63 00 0014 00112233445566778899aabbccddeeff"
	    "00 80 0006 abcd", IKE_ERR_UNSUPPORTED_CRITICAL },
	{ "reserved flag bits ignored", "28", "00 7f 0014 00112233445566778899aabbccddeeff",
	    IKE_OK },
	{ "KE without data", "22", "00 00 0008 0013 0000", IKE_ERR_SYNTAX },
	{ "KE", "22", "00 00 0009 0013 0000 aa", IKE_OK },
	{ "ID without data", "23", "00 00 0008 02 000000", IKE_ERR_SYNTAX },
	{ "AUTH without data", "27", "00 00 0008 02 000000", IKE_ERR_SYNTAX },
	{ "CERT without data", "25", "00 00 0005 04", IKE_ERR_SYNTAX },
	{ "CERTREQ naming no CA", "26", "00 00 0005 04", IKE_OK },
	{ "notify SPI longer than payload", "29", "00 00 000a 03 04 4000 aabb", IKE_ERR_SYNTAX },
	{ "notify with ESP SPI and data", "29", "00 00 000e 03 04 4009 aabbccdd eeff", IKE_OK },
	{ "delete IKE", "2a", "00 00 0008 01 00 0000", IKE_OK },
	{ "delete IKE with an SPI size", "2a", "00 00 0008 01 08 0000", IKE_ERR_SYNTAX },
	{ "delete ESP two SPIs", "2a", "00 00 0010 03 04 0002 11111111 22222222", IKE_OK },
	{ "delete ESP SPI count too big", "2a", "00 00 0010 03 04 0003 11111111 22222222",
	    IKE_ERR_SYNTAX },
	{ "delete ESP extra byte", "2a", "00 00 0011 03 04 0002 11111111 22222222 00",
	    IKE_ERR_SYNTAX },
	{ "delete ESP SPI size 8", "2a", "00 00 0010 03 08 0001 1111111122222222", IKE_ERR_SYNTAX },
	{ "delete unknown protocol", "2a", "00 00 000c 07 04 0001 11111111", IKE_ERR_SYNTAX },
	{ "vendor ID empty", "2b", "00 00 0004", IKE_OK },
	{ "TS v4", "2c", "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000000 0a0000ff", IKE_OK },
	{ "TS v4 start > end", "2c", "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000100 0a0000ff",
	    IKE_ERR_SYNTAX },
	{ "TS ports reversed", "2c", "00 00 0018 01 000000 07 00 0010 0050 0010 0a000000 0a0000ff",
	    IKE_ERR_SYNTAX },
	{ "TS OPAQUE ports", "2c", "00 00 0018 01 000000 07 11 0010 ffff 0000 0a000000 0a0000ff",
	    IKE_OK },
	{ "TS v4 with v6 length", "2c", "00 00 0018 01 000000 07 00 0014 0000 ffff 0a000000 0a0000ff",
	    IKE_ERR_SYNTAX },
	{ "TS count 0", "2c", "00 00 0018 00 000000 07 00 0010 0000 ffff 0a000000 0a0000ff",
	    IKE_ERR_SYNTAX },
	{ "TS count says 2, one present", "2c",
	    "00 00 0018 02 000000 07 00 0010 0000 ffff 0a000000 0a0000ff", IKE_ERR_SYNTAX },
	{ "TS unknown type skipped", "2c",
	    "00 00 0020 02 000000 09 00 0008 00000000 07 00 0010 0000 ffff 0a000000 0a0000ff", IKE_OK },
	{ "TS v6 start > end", "2d", "00 00 0030 01 000000 08 00 0028 0000 ffff"
	    "20010db8000000000000000000000002 20010db8000000000000000000000001", IKE_ERR_SYNTAX },
	{ "SK last", "2e", "28 00 0014 00112233445566778899aabbccddeeff", IKE_OK },
	{ "SK then another payload", "2e", "28 00 0014 00112233445566778899aabbccddeeff" NONCE16,
	    IKE_ERR_SYNTAX },
	{ "SK empty body", "2e", "28 00 0004", IKE_ERR_SYNTAX },
	{ "SKF 1/2", "35", "28 00 000c 0001 0002 aabbccdd", IKE_OK },
	{ "SKF 3/2", "35", "28 00 000c 0003 0002 aabbccdd", IKE_ERR_DROP },
	{ "SKF 0/2", "35", "28 00 000c 0000 0002 aabbccdd", IKE_ERR_DROP },
	{ "SKF no body", "35", "28 00 0008 0001 0002", IKE_ERR_SYNTAX },
	{ "SA empty", "21", "00 00 0004", IKE_ERR_SYNTAX },
	{ "CP carried", "2f", "00 00 0008 01 000000", IKE_OK },
};
/* clang-format on */

static void
test_chain_vectors(void **state)
{
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	for (size_t i = 0; i < sizeof(chain_vec) / sizeof(chain_vec[0]); i++) {
		enum ike_err got = decode_chain(chain_vec[i].first, chain_vec[i].chain, m);

		if (got != chain_vec[i].want)
			fail_msg("%s: got %d want %d", chain_vec[i].name, got,
			    chain_vec[i].want);
	}
	/* the critical unknown payload's type is reported for the notify */
	assert_int_equal(decode_chain("28",
			     "63 00 0014 00112233445566778899aabbccddeeff"
			     "00 80 0006 abcd",
			     m),
	    IKE_ERR_UNSUPPORTED_CRITICAL);
	assert_int_equal(m->err_payload, 0x63);
	/* an SKF other than the first names no inner payload */
	assert_int_equal(decode_chain("35", "28 00 000c 0002 0002 aabbccdd", m), IKE_OK);
	assert_int_equal(m->sk.first, IKE_PL_NONE);
	assert_int_equal(m->sk.frag_num, 2);
	assert_int_equal(m->sk.frag_total, 2);
	assert_int_equal(decode_chain("35", "28 00 000c 0001 0002 aabbccdd", m), IKE_OK);
	assert_int_equal(m->sk.first, IKE_PL_NONCE);
	assert_int_equal(decode_chain("2e", "21 00 0008 aabbccdd", m), IKE_OK);
	assert_int_equal(m->sk.first, IKE_PL_SA);
	assert_int_equal(wire_left(&m->sk.body), 4);
	assert_int_equal(m->sk.frag_num, 1);
	/* TS unknown type counted, not stored */
	assert_int_equal(decode_chain("2c",
			     "00 00 0020 02 000000 09 00 0008 00000000"
			     "07 00 0010 0000 ffff 0a000000 0a0000ff",
			     m),
	    IKE_OK);
	assert_int_equal(m->tsi.n, 1);
	assert_int_equal(m->tsi.skipped, 1);
	free(m);
}

/* Payloads inside SK: SK and SKF may not nest. */
static void
test_inner_rules(void **state)
{
	uint8_t		buf[64];
	struct ike_msg *m = malloc(sizeof(*m));
	size_t		n;

	assert_non_null(m);
	n = hex2bin("00 00 0008 aabbccdd", buf, sizeof(buf));
	memset(m, 0, sizeof(*m));
	assert_int_equal(ike_msg_decode_inner(m, IKE_PL_SK, wire_rd_init(buf, n)),
	    IKE_ERR_SYNTAX);
	memset(m, 0, sizeof(*m));
	assert_int_equal(ike_msg_decode_inner(m, IKE_PL_VENDOR, wire_rd_init(buf, n)), IKE_OK);
	/* an inner payload of a kind the outer chain already had counts */
	n = hex2bin(NONCE16, buf, sizeof(buf));
	assert_int_equal(decode_chain("28", NONCE16, m), IKE_OK);
	m->inner_done = false;
	assert_int_equal(ike_msg_decode_inner(m, IKE_PL_NONCE, wire_rd_init(buf, n)),
	    IKE_ERR_SYNTAX);
	free(m);
}

/* k notifies chained, in hex */
static void
notify_chain(char *out, size_t cap, int k)
{
	size_t off = 0;

	out[0] = '\0';
	for (int i = 0; i < k; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s 00 0008 00 00 4000 ",
		    i + 1 < k ? "29" : "00");
}

/* Too many of a repeatable kind: exactly the maximum is fine. */
static void
test_limits(void **state)
{
	char		chain[4096];
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	notify_chain(chain, sizeof(chain), IKE_MAX_NOTIFY);
	assert_int_equal(decode_chain("29", chain, m), IKE_OK);
	assert_int_equal(m->nnotify, IKE_MAX_NOTIFY);
	notify_chain(chain, sizeof(chain), IKE_MAX_NOTIFY + 1);
	assert_int_equal(decode_chain("29", chain, m), IKE_ERR_SYNTAX);
	free(m);
}

/* ---- SA payload rules (RFC 7296 3.3) ---- */

/* clang-format off */
static const struct {
	const char	*name, *hex;	/* SA body */
	enum ike_err	 want;
} sa_vec[] = {
	{ "one IKE proposal", "00 00 0010 01 01 00 01 00 00 0008 01 00 000c", IKE_OK },
	{ "ESP with SPI", "00 00 0014 01 03 04 01 11223344 00 00 0008 01 00 000c", IKE_OK },
	{ "IKE rekey SPI 8", "00 00 0018 01 01 08 01 1122334455667788 00 00 0008 01 00 000c", IKE_OK },
	{ "IKE SPI size 4", "00 00 0014 01 01 04 01 11223344 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "ESP SPI size 0", "00 00 0010 01 03 00 01 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "proposal number 0", "00 00 0010 00 01 00 01 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "answer with proposal 3", "00 00 0010 03 01 00 01 00 00 0008 01 00 000c", IKE_OK },
	{ "proposals 1, 2", "02 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 02 01 00 01 00 00 0008 01 00 000c", IKE_OK },
	{ "proposals 1, 3", "02 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 03 01 00 01 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "first says last", "00 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 02 01 00 01 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "last says more", "02 00 0010 01 01 00 01 00 00 0008 01 00 000c", IKE_ERR_SYNTAX },
	{ "no transforms", "00 00 0008 01 01 00 00", IKE_ERR_SYNTAX },
	{ "transform count 2, one present", "00 00 0010 01 01 00 02 00 00 0008 01 00 000c",
	    IKE_ERR_SYNTAX },
	{ "transform count 1, two present", "00 00 0018 01 01 00 01 03 00 0008 01 00 000c"
	    "00 00 0008 02 00 0005", IKE_ERR_SYNTAX },
	{ "transform says last, one more follows", "00 00 0018 01 01 00 02 00 00 0008 01 00 000c"
	    "00 00 0008 02 00 0005", IKE_ERR_SYNTAX },
	{ "transform length 7", "00 00 0010 01 01 00 01 00 00 0007 01 00 000c", IKE_ERR_SYNTAX },
	{ "proposal length 7", "00 00 0007 01 01 00", IKE_ERR_SYNTAX },
	{ "key length TV", "00 00 0014 01 01 00 01 00 00 000c 01 00 000c 800e 0080", IKE_OK },
	{ "key length TLV", "00 00 0016 01 01 00 01 00 00 000e 01 00 000c 000e 0002 0080",
	    IKE_ERR_SYNTAX },
	{ "key length 0", "00 00 0014 01 01 00 01 00 00 000c 01 00 000c 800e 0000", IKE_ERR_SYNTAX },
	{ "key length twice", "00 00 0018 01 01 00 01 00 00 0010 01 00 000c 800e 0080 800e 0100",
	    IKE_ERR_SYNTAX },
	{ "unknown TV attribute", "00 00 0014 01 01 00 01 00 00 000c 01 00 000c 8001 0001", IKE_OK },
	{ "unknown TLV attribute", "00 00 0017 01 01 00 01 00 00 000f 01 00 000c 0001 0003 aabbcc",
	    IKE_OK },
	{ "TLV attribute overruns", "00 00 0015 01 01 00 01 00 00 000d 01 00 000c 0001 0003 aa",
	    IKE_ERR_SYNTAX },
	{ "half an attribute", "00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e", IKE_ERR_SYNTAX },
	{ "unknown protocol kept", "00 00 0010 01 07 00 01 00 00 0008 01 00 000c", IKE_OK },
};
/* clang-format on */

static void
test_sa_vectors(void **state)
{
	struct ike_sa_pl *sa = malloc(sizeof(*sa));
	uint8_t		  buf[256], *b;

	assert_non_null(sa);
	for (size_t i = 0; i < sizeof(sa_vec) / sizeof(sa_vec[0]); i++) {
		size_t	     n = hex2bin(sa_vec[i].hex, buf, sizeof(buf));
		enum ike_err got;

		b = dup_exact(buf, n);
		got = ike_sa_decode(wire_rd_init(b, n), sa);
		free(b);
		if (got != sa_vec[i].want)
			fail_msg("%s: got %d want %d", sa_vec[i].name, got, sa_vec[i].want);
	}
	{
		size_t n =
		    hex2bin("00 00 0017 01 01 00 01 00 00 000f 01 00 000c 0001 0003 aabbcc",
			buf, sizeof(buf));

		assert_int_equal(ike_sa_decode(wire_rd_init(buf, n), sa), IKE_OK);
		assert_true(sa->xf[0].unknown_attr);
		n = hex2bin("00 00 0014 01 03 04 01 11223344 00 00 0008 01 00 000c", buf,
		    sizeof(buf));
		assert_int_equal(ike_sa_decode(wire_rd_init(buf, n), sa), IKE_OK);
		assert_true(sa->prop[0].spi == 0x11223344);
		assert_false(sa->xf[0].unknown_attr);
	}
	free(sa);
}

/* Bounds: IKE_MAX_PROPOSALS proposals decode, one more does not. */
static void
test_sa_limits(void **state)
{
	struct ike_sa_pl *sa = calloc(1, sizeof(*sa)), *d = malloc(sizeof(*d));
	uint8_t		  buf[4096];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct ike_enc	  e;
	struct ike_hdr	  h = { .ispi = 9, .exchange = IKE_SA_INIT };

	assert_non_null(sa);
	assert_non_null(d);
	sa->nprop = IKE_MAX_PROPOSALS;
	for (unsigned i = 0; i < IKE_MAX_PROPOSALS; i++) {
		sa->prop[i] = (struct ike_prop_pl){ .num = (uint8_t)(i + 1),
			.proto = IPSEC_PROTO_IKE,
			.first = (uint16_t)i,
			.nxf = 1 };
		sa->xf[i] =
		    (struct ike_xform_pl){ .type = IKE_XF_ENCR, .id = 12, .keylen = 128 };
	}
	sa->nxf = IKE_MAX_PROPOSALS;
	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sa);
	assert_int_equal(ike_enc_end(&e), 0);
	assert_int_equal(ike_sa_decode(wire_rd_init(buf + 32, wire_wr_len(&w) - 32), d),
	    IKE_OK);
	assert_sa_equal(d, sa);
	/* the encoder refuses more than the decoder takes */
	sa->nprop = IKE_MAX_PROPOSALS + 1;
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sa);
	assert_int_equal(ike_enc_end(&e), -EMSGSIZE);
	free(sa);
	free(d);
}

/* ---- encoder misuse and overflow ---- */

static void
test_encoder_edges(void **state)
{
	uint8_t	       buf[256], nonce[16] = { 0 };
	struct wire_wr w;
	struct ike_enc e;
	struct ike_hdr h = { .ispi = 1, .exchange = IKE_INFORMATIONAL };

	/* overflow is reported once, at the end */
	w = wire_wr_init(buf, 40);
	ike_enc_init(&e, &w, &h);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	assert_int_equal(ike_enc_end(&e), -EMSGSIZE);
	/* a nonce of the wrong size is a misuse */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_nonce(&e, nonce, 8);
	assert_int_equal(ike_enc_end(&e), -EMSGSIZE);
	/* an open SK payload must be sealed, not ended */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_sk_begin(&e, 8);
	assert_int_equal(ike_enc_end(&e), -EINVAL);
	/* an empty message is fine and is exactly a header */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	assert_int_equal(ike_enc_end(&e), 0);
	assert_int_equal(wire_wr_len(&w), IKE_HDR_LEN);
	assert_int_equal(buf[16], IKE_PL_NONE);
	assert_int_equal(buf[27], IKE_HDR_LEN);
	/* a message written after a non-ESP marker starts there */
	w = wire_wr_init(buf, sizeof(buf));
	wire_put_u32(&w, 0);
	ike_enc_init(&e, &w, &h);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	assert_int_equal(ike_enc_end(&e), 0);
	assert_int_equal(wire_wr_len(&w), 4 + IKE_HDR_LEN + 20);
	assert_int_equal(buf[4 + 27], IKE_HDR_LEN + 20);
	assert_int_equal(buf[4 + 16], IKE_PL_NONCE);
	/* a critical raw payload keeps its flag */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_raw(&e, 0x63, true, "\xab\xcd", 2);
	assert_int_equal(ike_enc_end(&e), 0);
	assert_int_equal(buf[IKE_HDR_LEN + 1], IKE_PL_FLAG_CRITICAL);
	/* TS of an unknown type cannot be written */
	{
		struct ike_ts ts = { .type = 9 };

		w = wire_wr_init(buf, sizeof(buf));
		ike_enc_init(&e, &w, &h);
		ike_enc_ts(&e, IKE_PL_TSI, &ts, 1);
		assert_int_equal(ike_enc_end(&e), -EMSGSIZE);
	}
}

/* The SK payload as the encoder lays it out: its next-payload field names
 * the first inner payload, IV space right after the header. */
static void
test_sk_layout(void **state)
{
	uint8_t		buf[256], nonce[16];
	struct wire_wr	w = wire_wr_init(buf, sizeof(buf));
	struct ike_enc	e;
	struct ike_hdr	h = { .ispi = 1, .rspi = 2, .exchange = IKE_INFORMATIONAL };
	struct ike_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	memset(nonce, 1, sizeof(nonce));
	ike_enc_init(&e, &w, &h);
	ike_enc_sk_begin(&e, 8);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_delete(&e, IPSEC_PROTO_IKE, 0, 0, NULL);
	assert_int_equal(e.sk_at, IKE_HDR_LEN);
	assert_int_equal(e.sk_iv, IKE_HDR_LEN + 4);
	assert_int_equal(ike_enc_close_sk(&e), 0);
	assert_int_equal(buf[16], IKE_PL_SK);
	assert_int_equal(buf[IKE_HDR_LEN], IKE_PL_NONCE);
	/* the plain "ciphertext" here is the inner chain after 8 IV bytes */
	assert_int_equal(ike_msg_decode(wire_rd_init(buf, wire_wr_len(&w)), m), IKE_OK);
	assert_int_equal(m->sk.first, IKE_PL_NONCE);
	assert_int_equal(wire_left(&m->sk.body), 8 + 20 + 8);
	{
		struct wire_rd inner = m->sk.body;

		assert_true(wire_skip(&inner, 8));
		assert_int_equal(ike_msg_decode_inner(m, m->sk.first, inner), IKE_OK);
		assert_int_equal(m->ndelete, 1);
		assert_int_equal(wire_left(&m->nonce), 16);
	}
	/* SKF: first only in fragment 1, then raw bytes */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_skf_begin(&e, 8, IKE_PL_NONCE, 1, 3);
	ike_enc_bytes(&e, "\x01\x02\x03", 3);
	assert_int_equal(ike_enc_close_sk(&e), 0);
	assert_int_equal(buf[16], IKE_PL_SKF);
	assert_int_equal(ike_msg_decode(wire_rd_init(buf, wire_wr_len(&w)), m), IKE_OK);
	assert_int_equal(m->sk.frag_num, 1);
	assert_int_equal(m->sk.frag_total, 3);
	assert_int_equal(m->sk.first, IKE_PL_NONCE);
	assert_int_equal(wire_left(&m->sk.body), 11);
	/* no payload may be chained after an SKF */
	w = wire_wr_init(buf, sizeof(buf));
	ike_enc_init(&e, &w, &h);
	ike_enc_skf_begin(&e, 8, 0, 2, 3);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	assert_int_equal(ike_enc_close_sk(&e), -EMSGSIZE);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_vector),
		cmocka_unit_test(test_init_roundtrip),
		cmocka_unit_test(test_inner_roundtrip),
		cmocka_unit_test(test_sa_truncations),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_chain_vectors),
		cmocka_unit_test(test_inner_rules),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sa_vectors),
		cmocka_unit_test(test_sa_limits),
		cmocka_unit_test(test_encoder_edges),
		cmocka_unit_test(test_sk_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
