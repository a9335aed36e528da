/* tests/unit/bgp/test_bgp_msg.c - BGP message codec: hex vectors, truncations, round trips, builders. */
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

/* A whole message from a type and a body in hex. */
static size_t
msg_from_body(uint8_t type, const char *body_hex, uint8_t *out, size_t cap)
{
	size_t n;

	memset(out, 0xff, 16);
	n = hex2bin(body_hex, out + BGP_HDR_LEN, cap - BGP_HDR_LEN) + BGP_HDR_LEN;
	out[16] = (uint8_t)(n >> 8);
	out[17] = (uint8_t)n;
	out[18] = type;
	return n;
}

static struct bgp_upd_scratch *scratch;

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
	neg->hold_time = 90;
}

/* --- header / framing --- */

static void
test_hdr(void **state)
{
	static const struct {
		const char *hex;
		size_t	    max;
		int	    rc;
		uint8_t	    code, sub;
	} v[] = {
		{ "ffffffffffffffffffffffffffffffff001304", 4096, 0, 0, 0 },
		{ "ffffffffffffffffffffffffffffff7f001304", 4096, -EBADMSG, 1, 1 },
		{ "ffffffffffffffffffffffffffffffff001204", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff001404", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff001306", 4096, -EBADMSG, 1, 3 },
		{ "ffffffffffffffffffffffffffffffff001c01", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff001601", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff100102", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff100102", 65535, 0, 0, 0 },
		{ "ffffffffffffffffffffffffffffffff100101", 65535, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff001405", 4096, -EBADMSG, 1, 2 },
		{ "ffffffffffffffffffffffffffffffff001403", 4096, -EBADMSG, 1, 2 },
	};
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t		  n = hex2bin(v[i].hex, buf, sizeof(buf));
		struct wire_rd	  r = wire_rd_init(buf, n);
		struct bgp_hdr	  h;
		struct bgp_notify nt;

		memset(&nt, 0, sizeof(nt));
		assert_int_equal(bgp_hdr_decode(&r, v[i].max, &h, &nt), v[i].rc);
		assert_int_equal(nt.code, v[i].code);
		assert_int_equal(nt.subcode, v[i].sub);
		if (v[i].rc == 0) {
			/* every truncation is incomplete, never a message */
			for (size_t k = 0; k < n; k++) {
				r = wire_rd_init(buf, k);
				assert_int_equal(bgp_hdr_decode(&r, v[i].max, &h, &nt),
				    -EAGAIN);
				assert_int_equal(wire_left(&r), k);
			}
		}
	}
}

static void
test_frame_stream(void **state)
{
	uint8_t		  buf[128];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;
	struct bgp_notify nt;
	struct bgp_rr	  rr = { BGP_AFI_IPV6, BGP_RR_NORMAL, BGP_SAFI_UNICAST };
	size_t		  total;

	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_int_equal(bgp_rr_encode(&w, &rr), 0);
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	total = wire_wr_len(&w);
	assert_int_equal(total, 19 + 23 + 19);
	/* every prefix of the stream frames only the whole messages in it */
	for (size_t k = 0; k <= total; k++) {
		size_t msgs = 0;

		s = wire_rd_init(buf, k);
		while (bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt) == 0)
			msgs++;
		assert_int_equal(msgs, k >= 61 ? 3 : k >= 42 ? 2 : k >= 19 ? 1 : 0);
	}
	s = wire_rd_init(buf, total);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(h.type, BGP_MSG_KEEPALIVE);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(h.type, BGP_MSG_ROUTE_REFRESH);
	memset(&rr, 0, sizeof(rr));
	assert_int_equal(bgp_rr_decode(body, &rr, &nt), 0);
	assert_int_equal(rr.afi, BGP_AFI_IPV6);
	assert_int_equal(rr.safi, 1);
	assert_true(wire_empty(&s) == false);
}

/* --- OPEN --- */

#define OPEN_CAPS_HEX                                       \
	"04 5ba0 00b4 c0000201 24 02 22"                    \
	" 0104 0001 0001  0104 0002 0001  0200  4600  0600" \
	" 4006 8078 0001 0180  4104 0001 0000  aa00"

/* clang-format off */
static const struct {
	const char	*name, *hex;
	int		 rc;
	uint8_t		 sub;
} open_vec[] = {
	{ "minimal", "04fde8005a0a00000100", 0, 0 },
	{ "all caps", OPEN_CAPS_HEX, 0, 0 },
	{ "rfc9072 ext params", "04fde8005a0a000001ffff0009020006010400010001", 0, 0 },
	{ "bad version", "03fde8005a0a00000100", -EBADMSG, BGP_ERR_OPEN_VERSION },
	{ "hold time 1", "04fde800010a00000100", -EBADMSG, BGP_ERR_OPEN_HOLDTIME },
	{ "hold time 2", "04fde800020a00000100", -EBADMSG, BGP_ERR_OPEN_HOLDTIME },
	{ "hold time 0 ok", "04fde800000a00000100", 0, 0 },
	{ "bgp id 0", "04fde8005a0000000000", -EBADMSG, BGP_ERR_OPEN_BGPID },
	{ "as 0", "040000005a0a00000100", -EBADMSG, BGP_ERR_OPEN_PEER_AS },
	{ "as4 cap 0", "045ba0005a0a0000010802064104" "00000000", -EBADMSG,
	    BGP_ERR_OPEN_PEER_AS },
	{ "opt param 1", "04fde8005a0a0000010401020000", -EBADMSG, BGP_ERR_OPEN_OPTPARAM },
	{ "optlen > body", "04fde8005a0a0000010602", -EBADMSG, BGP_ERR_OPEN_UNSPEC },
	{ "trailing byte", "04fde8005a0a0000010000", -EBADMSG, BGP_ERR_OPEN_UNSPEC },
	{ "mp cap short", "04fde8005a0a000001 07 02 05 0103 000100", -EBADMSG, BGP_ERR_OPEN_UNSPEC },
	{ "gr cap odd", "04fde8005a0a000001050203400100", -EBADMSG, BGP_ERR_OPEN_UNSPEC },
	{ "cap overruns param", "04fde8005a0a00000104020241" "04", -EBADMSG,
	    BGP_ERR_OPEN_UNSPEC },
};
/* clang-format on */

static void
test_open_vectors(void **state)
{
	uint8_t buf[256];

	for (size_t i = 0; i < sizeof(open_vec) / sizeof(open_vec[0]); i++) {
		size_t		  n = hex2bin(open_vec[i].hex, buf, sizeof(buf));
		struct bgp_open	  o;
		struct bgp_notify nt;
		int		  rc;

		rc = bgp_open_decode(wire_rd_init(buf, n), &o, &nt);
		if (rc != open_vec[i].rc)
			fail_msg("%s: rc %d", open_vec[i].name, rc);
		if (rc != 0) {
			assert_int_equal(nt.code, BGP_ERR_OPEN);
			if (nt.subcode != open_vec[i].sub)
				fail_msg("%s: subcode %u", open_vec[i].name, nt.subcode);
			continue;
		}
		/* every truncation of a valid OPEN fails */
		for (size_t k = 0; k < n; k++)
			if (bgp_open_decode(wire_rd_init(buf, k), &o, &nt) == 0)
				fail_msg("%s: truncation to %zu decoded", open_vec[i].name, k);
	}
}

static void
test_open_caps(void **state)
{
	uint8_t		  buf[256];
	size_t		  n = hex2bin(OPEN_CAPS_HEX, buf, sizeof(buf));
	struct bgp_open	  o;
	struct bgp_notify nt;

	assert_int_equal(bgp_open_decode(wire_rd_init(buf, n), &o, &nt), 0);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(o.asn, 65536);
	assert_int_equal(o.hold_time, 180);
	assert_int_equal(o.bgp_id, 0xc0000201);
	assert_true(o.caps.mp_seen && o.caps.mp_ipv4 && o.caps.mp_ipv6);
	assert_true(o.caps.route_refresh && o.caps.enhanced_rr && o.caps.ext_msg);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags, BGP_GR_F_RESTART);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_af_count, 1);
	assert_int_equal(o.caps.gr_af[0].afi, 1);
	assert_int_equal(o.caps.gr_af[0].flags, BGP_GR_AF_F_FORWARDING);
	assert_true(o.caps.as4);
	assert_int_equal(o.caps.unknown_count, 1);
	assert_int_equal(o.caps.unknown_first, 0xaa);

	/* the version error carries our version */
	n = hex2bin("05fde8005a0a00000100", buf, sizeof(buf));
	assert_int_equal(bgp_open_decode(wire_rd_init(buf, n), &o, &nt), -EBADMSG);
	assert_int_equal(nt.inl_len, 2);
	assert_int_equal(nt.inl[1], 4);
}

static void
test_open_roundtrip(void **state)
{
	uint8_t		  buf[BGP_MAX_MSG];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct wire_rd	  s, body;
	struct bgp_open	  o, d;
	struct bgp_hdr	  h;
	struct bgp_notify nt;

	memset(&o, 0, sizeof(o));
	o.asn = 4200000001u;
	o.hold_time = 90;
	o.bgp_id = 0x0a000001;
	o.caps.mp_ipv4 = o.caps.mp_ipv6 = true;
	o.caps.route_refresh = o.caps.enhanced_rr = o.caps.ext_msg = true;
	o.caps.as4 = true;
	o.caps.gr = true;
	o.caps.gr_flags = BGP_GR_F_RESTART | BGP_GR_F_NOTIFICATION;
	o.caps.gr_time = 300;
	o.caps.gr_af_count = 2;
	o.caps.gr_af[0] = (struct bgp_gr_af){ 1, 1, BGP_GR_AF_F_FORWARDING };
	o.caps.gr_af[1] = (struct bgp_gr_af){ 2, 1, 0 };
	assert_int_equal(bgp_open_encode(&w, &o), 0);

	s = wire_rd_init(buf, wire_wr_len(&w));
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(h.type, BGP_MSG_OPEN);
	assert_true(wire_empty(&s));
	assert_int_equal(bgp_open_decode(body, &d, &nt), 0);
	assert_int_equal(d.my_as, BGP_AS_TRANS);
	assert_int_equal(d.asn, 4200000001u);
	assert_int_equal(d.hold_time, 90);
	assert_int_equal(d.bgp_id, 0x0a000001);
	assert_true(d.caps.mp_ipv4 && d.caps.mp_ipv6 && d.caps.route_refresh);
	assert_true(d.caps.enhanced_rr && d.caps.ext_msg && d.caps.as4 && d.caps.gr);
	assert_int_equal(d.caps.gr_flags, BGP_GR_F_RESTART | BGP_GR_F_NOTIFICATION);
	assert_int_equal(d.caps.gr_time, 300);
	assert_int_equal(d.caps.gr_af_count, 2);
	assert_int_equal(d.caps.gr_af[1].afi, 2);
	assert_int_equal(d.caps.unknown_count, 0);
	/* every truncation of the encoded OPEN body fails */
	for (size_t k = 0; k < wire_left(&body); k++) {
		struct bgp_open t;

		assert_int_not_equal(bgp_open_decode(wire_rd_init(body.p, k), &t, &nt), 0);
	}

	/* negotiation */
	{
		struct bgp_caps local = o.caps;
		struct bgp_neg	neg;

		local.ext_msg = false;
		d.hold_time = 30;
		bgp_neg_init(&neg, &local, 90, &d, 65000);
		assert_true(neg.as4 && neg.ipv4 && neg.ipv6 && neg.route_refresh);
		assert_false(neg.ext_msg);
		assert_int_equal(bgp_neg_max_msg(&neg), 4096);
		assert_true(neg.ebgp);
		assert_int_equal(neg.peer_as, 4200000001u);
		assert_int_equal(neg.hold_time, 30);
		local.ext_msg = true;
		bgp_neg_init(&neg, &local, 90, &d, 4200000001u);
		assert_int_equal(bgp_neg_max_msg(&neg), 65535);
		assert_false(neg.ebgp);
	}
}

static void
test_open_check(void **state)
{
	struct bgp_open	  o;
	struct bgp_caps	  want;
	struct bgp_notify nt;

	memset(&o, 0, sizeof(o));
	memset(&want, 0, sizeof(want));
	o.asn = 65001;
	o.bgp_id = 0x01020304;
	want.mp_ipv4 = true;
	assert_int_equal(bgp_open_check(&o, 65001, 65000, 0x0a000001, &want, &nt), 0);
	assert_int_equal(bgp_open_check(&o, 65002, 65000, 0x0a000001, &want, &nt), -EBADMSG);
	assert_int_equal(nt.subcode, BGP_ERR_OPEN_PEER_AS);
	/* same identifier: fine from another AS (RFC 6286), not from our own */
	assert_int_equal(bgp_open_check(&o, 0, 65000, 0x01020304, &want, &nt), 0);
	assert_int_equal(bgp_open_check(&o, 0, 65001, 0x01020304, &want, &nt), -EBADMSG);
	assert_int_equal(nt.subcode, BGP_ERR_OPEN_BGPID);
	/* peer offers only IPv6, we want only IPv4 */
	o.caps.mp_seen = o.caps.mp_ipv6 = true;
	assert_int_equal(bgp_open_check(&o, 0, 65000, 1, &want, &nt), -EBADMSG);
	assert_int_equal(nt.subcode, BGP_ERR_OPEN_CAPABILITY);
	assert_int_equal(nt.inl_len, 6);
	want.mp_ipv6 = true;
	assert_int_equal(bgp_open_check(&o, 0, 65000, 1, &want, &nt), 0);
}

/* --- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH --- */

static void
test_notify(void **state)
{
	uint8_t		  buf[BGP_MAX_MSG + 64], data[5000];
	size_t		  n = hex2bin("0602 05 68656c6c6f", buf, sizeof(buf));
	struct bgp_notify nt, d;
	struct wire_wr	  w;
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;
	char		  msg[64];

	assert_int_equal(bgp_notify_decode(wire_rd_init(buf, n), &nt), 0);
	assert_int_equal(nt.code, 6);
	assert_int_equal(nt.subcode, 2);
	assert_int_equal(nt.data_len, 6);
	assert_int_equal(bgp_notify_shutdown_msg(&nt, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "hello");
	assert_string_equal(bgp_notify_str(6, 2), "Administrative Shutdown");
	assert_string_equal(bgp_notify_str(3, 11), "Malformed AS_PATH");
	assert_string_equal(bgp_notify_str(2, 99), "OPEN Message Error");
	assert_string_equal(bgp_notify_str(4, 0), "Hold Timer Expired");
	/* our own shutdown communication round trip (RFC 9003) */
	{
		uint8_t	       sbuf[256], mbuf[300];
		struct wire_wr mw = wire_wr_init(mbuf, sizeof(mbuf));
		struct wire_rd ms, mb;
		struct bgp_hdr mh;
		char	       longtxt[400];

		bgp_notify_set_shutdown(&nt, BGP_ERR_CEASE_SHUTDOWN,
		    "maintenance \xc3\xa9t\xc3\xa9", sbuf, sizeof(sbuf));
		assert_int_equal(bgp_notify_encode(&mw, &nt, BGP_MAX_MSG), 0);
		ms = wire_rd_init(mbuf, wire_wr_len(&mw));
		assert_int_equal(bgp_msg_frame(&ms, BGP_MAX_MSG, &mh, &mb, &d), 0);
		assert_int_equal(bgp_notify_decode(mb, &d), 0);
		assert_int_equal(bgp_notify_shutdown_msg(&d, msg, sizeof(msg)), 0);
		assert_string_equal(msg, "maintenance \xc3\xa9t\xc3\xa9"); /* UTF-8 kept */
		/* cut at 255 octets, not inside a UTF-8 sequence */
		memset(longtxt, 'a', sizeof(longtxt));
		longtxt[254] = '\xc3';
		longtxt[255] = '\xa9';
		longtxt[399] = '\0';
		bgp_notify_set_shutdown(&nt, BGP_ERR_CEASE_RESET, longtxt, sbuf, sizeof(sbuf));
		assert_int_equal(nt.data_len, 1 + 254);
		assert_int_equal(sbuf[0], 254);
	}
	/* a lying shutdown length is not a message */
	n = hex2bin("0602 09 68656c6c6f", buf, sizeof(buf));
	assert_int_equal(bgp_notify_decode(wire_rd_init(buf, n), &nt), 0);
	assert_int_equal(bgp_notify_shutdown_msg(&nt, msg, sizeof(msg)), -ENOENT);
	/* truncations */
	for (size_t k = 0; k < 2; k++)
		assert_int_equal(bgp_notify_decode(wire_rd_init(buf, k), &nt), -EBADMSG);

	/* round trip with inline + borrowed data */
	bgp_notify_set(&nt, BGP_ERR_UPDATE, BGP_ERR_UPD_MISSING);
	nt.inl[0] = 1;
	nt.inl_len = 1;
	nt.data = (const uint8_t *)"\x40\x01";
	nt.data_len = 2;
	w = wire_wr_init(buf, sizeof(buf));
	assert_int_equal(bgp_notify_encode(&w, &nt, BGP_MAX_MSG), 0);
	assert_int_equal(wire_wr_len(&w), 19 + 2 + 3);
	s = wire_rd_init(buf, wire_wr_len(&w));
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &d), 0);
	assert_int_equal(h.type, BGP_MSG_NOTIFICATION);
	assert_int_equal(bgp_notify_decode(body, &d), 0);
	assert_int_equal(d.code, 3);
	assert_int_equal(d.subcode, 3);
	assert_memory_equal(d.data, "\x01\x40\x01", 3);

	/* data longer than a message is cut to fit */
	memset(data, 0xab, sizeof(data));
	nt.data = data;
	nt.data_len = sizeof(data);
	w = wire_wr_init(buf, sizeof(buf));
	assert_int_equal(bgp_notify_encode(&w, &nt, BGP_MAX_MSG), 0);
	assert_int_equal(wire_wr_len(&w), BGP_MAX_MSG);
	s = wire_rd_init(buf, wire_wr_len(&w));
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &d), 0);
}

static void
test_keepalive(void **state)
{
	uint8_t	       buf[19];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));
	uint8_t	       want[19];

	assert_int_equal(bgp_keepalive_encode(&w), 0);
	hex2bin("ffffffffffffffffffffffffffffffff001304", want, sizeof(want));
	assert_memory_equal(buf, want, 19);
	w = wire_wr_init(buf, 18);
	assert_int_equal(bgp_keepalive_encode(&w), -ENOSPC);
}

static void
test_route_refresh(void **state)
{
	/* clang-format off */
	static const struct {
		const char	*hex;
		int		 rc;
		uint8_t		 subtype;
	} v[] = {
		{ "00010001", 0, 0 },
		{ "00020101", 0, 1 },
		{ "00020201", 0, 2 },
		{ "00010001 01 00 0005 0102030405", 0, 0 },	/* ORF: ignored */
		{ "0002020100", -EBADMSG, 0 },
		{ "00020101ff", -EBADMSG, 0 },
		{ "000200", -EBADMSG, 0 },
		{ "00020301", 0, 3 },	/* unknown subtype: FSM ignores it */
	};
	/* clang-format on */
	uint8_t buf[32];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t		  n = hex2bin(v[i].hex, buf, sizeof(buf));
		struct bgp_rr	  rr;
		struct bgp_notify nt;

		assert_int_equal(bgp_rr_decode(wire_rd_init(buf, n), &rr, &nt), v[i].rc);
		if (v[i].rc != 0) {
			assert_int_equal(nt.code, BGP_ERR_ROUTE_REFRESH);
			assert_int_equal(nt.subcode, BGP_ERR_RR_LEN);
			continue;
		}
		assert_int_equal(rr.subtype, v[i].subtype);
		for (size_t k = 0; k < 4; k++)
			assert_int_equal(bgp_rr_decode(wire_rd_init(buf, k), &rr, &nt),
			    -EBADMSG);
	}
}

/* --- UPDATE framing and NLRI --- */

#define UPD_V4_HEX                                                 \
	"0000 0014 400101 00 400206 0201 0000fde9 400304 0a000001" \
	" 180a0100 100a02 00"
#define UPD_V6_HEX                                                       \
	"0000 003d 900e002c 0002 01 20 20010db8000000000000000000000001" \
	" fe800000000000000000000000000001 00 30 20010db8000a"           \
	" 400101 02 400206 0201 0000fde9"

/* clang-format off */
static const struct {
	const char		*name, *hex;
	enum bgp_upd_action	 act;
	uint8_t			 sub;
	int			 nlri, wd, mp_reach, mp_unreach, eor;
} upd_vec[] = {
	{ "v4 announce", UPD_V4_HEX, BGP_UPD_OK, 0, 3, 0, 0, 0, 0 },
	{ "v6 announce", UPD_V6_HEX, BGP_UPD_OK, 0, 0, 0, 1, 0, 0 },
	{ "v4 withdraw", "0004 180a0100 0000", BGP_UPD_OK, 0, 0, 1, 0, 0, 0 },
	{ "v6 withdraw", "0000 000d 800f0a 000201 30 20010db8000a", BGP_UPD_OK, 0,
	    0, 0, 0, 1, 0 },
	{ "v4 eor", "00000000", BGP_UPD_OK, 0, 0, 0, 0, 0, AF_INET },
	{ "v6 eor", "0000 0006 800f03 000201", BGP_UPD_OK, 0, 0, 0, 0, 0, AF_INET6 },
	{ "withdrawn overrun", "0005 180a0100 0000", BGP_UPD_SESSION_RESET,
	    BGP_ERR_UPD_ATTR_LIST, 0, 0, 0, 0, 0 },
	{ "attr len overrun", "0000 0015 400101 00", BGP_UPD_SESSION_RESET,
	    BGP_ERR_UPD_ATTR_LIST, 0, 0, 0, 0, 0 },
	{ "withdrawn /33", "0006 210a01010100 0000", BGP_UPD_SESSION_RESET,
	    BGP_ERR_UPD_NETWORK, 0, 0, 0, 0, 0 },
	{ "nlri /33", "0000 0014 400101 00 400206 0201 0000fde9 400304 0a000001"
	    " 210a010101 00", BGP_UPD_SESSION_RESET, BGP_ERR_UPD_NETWORK, 0, 0, 0, 0, 0 },
	{ "nlri cut prefix", "0000 0014 400101 00 400206 0201 0000fde9 400304 0a000001"
	    " 180a01", BGP_UPD_SESSION_RESET, BGP_ERR_UPD_NETWORK, 0, 0, 0, 0, 0 },
	{ "nlri without attrs", "0000 0000 180a0100", BGP_UPD_TREAT_AS_WITHDRAW,
	    BGP_ERR_UPD_MISSING, 1, 0, 0, 0, 0 },
};
/* clang-format on */

static void
count_update(const struct bgp_update *u, int *nlri, int *wd, int *mr, int *mu)
{
	struct prefix  p;
	struct wire_rd r;

	*nlri = *wd = *mr = *mu = 0;
	for (r = u->nlri; bgp_nlri_next(&r, AF_INET, &p);)
		(*nlri)++;
	assert_true(wire_empty(&r));
	for (r = u->withdrawn; bgp_nlri_next(&r, AF_INET, &p);)
		(*wd)++;
	assert_true(wire_empty(&r));
	if (u->mp_reach_family) {
		for (r = u->mp_reach_nlri; bgp_nlri_next(&r, u->mp_reach_family, &p);)
			(*mr)++;
		assert_true(wire_empty(&r));
	}
	if (u->mp_unreach_family) {
		for (r = u->mp_unreach_nlri; bgp_nlri_next(&r, u->mp_unreach_family, &p);)
			(*mu)++;
		assert_true(wire_empty(&r));
	}
}

static void
test_update_vectors(void **state)
{
	uint8_t	       msg[512];
	struct bgp_neg neg;

	neg_default(&neg);
	for (size_t i = 0; i < sizeof(upd_vec) / sizeof(upd_vec[0]); i++) {
		size_t n = msg_from_body(BGP_MSG_UPDATE, upd_vec[i].hex, msg, sizeof(msg));
		struct wire_rd	  s = wire_rd_init(msg, n), body;
		struct bgp_hdr	  h;
		struct bgp_notify nt;
		struct bgp_update u;
		int		  rc, nl, wd, mr, mu;

		assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
		rc = bgp_update_decode(body, &neg, scratch, &u);
		if (u.action != upd_vec[i].act)
			fail_msg("%s: action %d (%u/%u)", upd_vec[i].name, u.action,
			    u.notify.code, u.notify.subcode);
		assert_int_equal(rc, u.action == BGP_UPD_SESSION_RESET ? -EBADMSG : 0);
		if (u.action != BGP_UPD_OK) {
			assert_int_equal(u.notify.code, BGP_ERR_UPDATE);
			if (u.notify.subcode != upd_vec[i].sub)
				fail_msg("%s: subcode %u", upd_vec[i].name, u.notify.subcode);
		}
		if (u.action != BGP_UPD_SESSION_RESET) {
			count_update(&u, &nl, &wd, &mr, &mu);
			if (nl != upd_vec[i].nlri || wd != upd_vec[i].wd ||
			    mr != upd_vec[i].mp_reach || mu != upd_vec[i].mp_unreach)
				fail_msg("%s: counts %d %d %d %d", upd_vec[i].name, nl, wd, mr,
				    mu);
			assert_int_equal(u.eor_family, upd_vec[i].eor);
		}
		if (upd_vec[i].act != BGP_UPD_OK)
			continue;
		/* every truncation of the message is incomplete: never a message */
		for (size_t k = 0; k < n; k++) {
			s = wire_rd_init(msg, k);
			assert_int_not_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
		}
		/* every truncation of the body alone: either not OK, or OK only
		 * when cut at an NLRI boundary (fewer prefixes), never a crash */
		for (size_t k = 0; k < wire_left(&body); k++) {
			struct bgp_update t;

			bgp_update_decode(wire_rd_init(body.p, k), &neg, scratch, &t);
			if (t.action == BGP_UPD_OK || t.action == BGP_UPD_ATTR_DISCARD) {
				count_update(&t, &nl, &wd, &mr, &mu);
				if (nl + wd + mr + mu >= upd_vec[i].nlri + upd_vec[i].wd +
					    upd_vec[i].mp_reach + upd_vec[i].mp_unreach &&
				    t.eor_family == upd_vec[i].eor)
					fail_msg("%s: body cut at %zu decoded whole",
					    upd_vec[i].name, k);
			}
		}
	}
}

static void
test_update_v4_content(void **state)
{
	uint8_t		  body[128];
	size_t		  n = hex2bin(UPD_V4_HEX, body, sizeof(body));
	struct bgp_neg	  neg;
	struct bgp_update u;
	struct wire_rd	  r;
	struct prefix	  p;
	char		  s[PREFIX_STRLEN];

	neg_default(&neg);
	assert_int_equal(bgp_update_decode(wire_rd_init(body, n), &neg, scratch, &u), 0);
	assert_int_equal(u.action, BGP_UPD_OK);
	assert_int_equal(u.attrs.origin, BGP_ORIGIN_IGP);
	assert_int_equal(bgp_aspath_len(&u.attrs), 1);
	assert_int_equal(bgp_aspath_first(&u.attrs), 65001);
	assert_memory_equal(u.attrs.nexthop4, "\x0a\x00\x00\x01", 4);
	assert_int_equal(bgp_nlri_count(u.nlri, AF_INET), 3);
	r = u.nlri;
	assert_true(bgp_nlri_next(&r, AF_INET, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "10.1.0.0/24");
	assert_true(bgp_nlri_next(&r, AF_INET, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "10.2.0.0/16");
	assert_true(bgp_nlri_next(&r, AF_INET, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "0.0.0.0/0");
	assert_false(bgp_nlri_next(&r, AF_INET, &p));
}

static void
test_update_v6_content(void **state)
{
	uint8_t		     body[128];
	size_t		     n = hex2bin(UPD_V6_HEX, body, sizeof(body));
	struct bgp_neg	     neg;
	struct bgp_update    u;
	struct wire_rd	     r;
	struct prefix	     p;
	char		     s[PREFIX_STRLEN];
	struct bgp_path_info pi;
	struct ipaddr	     peer;

	neg_default(&neg);
	assert_int_equal(bgp_update_decode(wire_rd_init(body, n), &neg, scratch, &u), 0);
	assert_int_equal(u.mp_reach_family, AF_INET6);
	assert_true(u.attrs.flags & BGP_ATTRS_MP_NH);
	assert_true(u.attrs.flags & BGP_ATTRS_NH6_LL);
	assert_int_equal(u.attrs.origin, BGP_ORIGIN_INCOMPLETE);
	r = u.mp_reach_nlri;
	assert_true(bgp_nlri_next(&r, AF_INET6, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "2001:db8:a::/48");
	ipaddr_parse("2001:db8::2", &peer);
	bgp_path_info_fill(&pi, &u.attrs, AF_INET6, &neg, 0x01020304, &peer);
	assert_int_equal(pi.nexthop.family, AF_INET6);
	assert_string_equal(ipaddr_fmt(&pi.nexthop, s, sizeof(s)), "2001:db8::1");
	assert_int_equal(pi.origin, 2);
	assert_int_equal(pi.as_path_len, 1);
	assert_int_equal(pi.neighbor_as, 65001);
	assert_true(pi.ebgp);
	assert_int_equal(pi.local_pref, 100);
	assert_false(pi.has_med);

	/* IPv6 not negotiated: the MP attribute is skipped, nothing announced */
	neg.ipv6 = false;
	assert_int_equal(bgp_update_decode(wire_rd_init(body, n), &neg, scratch, &u), 0);
	assert_int_equal(u.mp_reach_family, 0);
	assert_true(u.mp_ignored);
}

/* --- UPDATE builders --- */

static void
export_default(struct bgp_export *ex)
{
	memset(ex, 0, sizeof(*ex));
	memcpy(ex->nh4, "\xc0\x00\x02\x01", 4);
	memcpy(ex->nh6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(ex->nh6_ll, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
}

static struct prefix
pfx_n(uint8_t family, uint32_t i)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	if (family == AF_INET) {
		p.len = 24;
		p.bytes[0] = 10;
		p.bytes[1] = (uint8_t)(i >> 8);
		p.bytes[2] = (uint8_t)i;
	} else {
		p.len = 48;
		p.bytes[0] = 0x20;
		p.bytes[1] = 0x01;
		p.bytes[2] = 0x0d;
		p.bytes[3] = 0xb8;
		p.bytes[4] = (uint8_t)(i >> 8);
		p.bytes[5] = (uint8_t)i;
	}
	return p;
}

/* Build announcements (or withdrawals) of n prefixes, decode them back. */
static void
build_and_check(const struct bgp_neg *neg, uint8_t family, bool withdraw, uint32_t n,
    size_t *msgs_out)
{
	static uint8_t		buf[BGP_MAX_EXT_MSG];
	struct bgp_export	ex;
	struct bgp_upd_builder	b;
	uint32_t		next = 0, seen = 0;
	size_t			msgs = 0;
	const struct bgp_attrs *attrs = NULL;

	export_default(&ex);
	while (next < n) {
		size_t		  len;
		struct wire_rd	  s, body, r;
		struct bgp_hdr	  h;
		struct bgp_notify nt;
		struct bgp_update u;
		struct prefix	  p, want;

		if (withdraw)
			assert_int_equal(bgp_upd_start_withdraw(&b, buf, sizeof(buf), neg,
					     family),
			    0);
		else
			assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), neg, &ex, attrs,
					     family),
			    0);
		while (next < n) {
			p = pfx_n(family, next);
			if (bgp_upd_add(&b, &p) == -ENOSPC)
				break;
			next++;
		}
		len = bgp_upd_finish(&b);
		assert_true(len > 0 && len <= bgp_neg_max_msg(neg));
		msgs++;
		s = wire_rd_init(buf, len);
		assert_int_equal(bgp_msg_frame(&s, bgp_neg_max_msg(neg), &h, &body, &nt), 0);
		assert_true(wire_empty(&s));
		assert_int_equal(bgp_update_decode(body, neg, scratch, &u), 0);
		assert_int_equal(u.action, BGP_UPD_OK);
		if (!withdraw) {
			assert_int_equal(bgp_aspath_len(&u.attrs), 1);
			assert_int_equal(bgp_aspath_first(&u.attrs), neg->local_as);
			assert_false(u.attrs.flags & BGP_ATTRS_LOCAL_PREF);
		}
		if (family == AF_INET)
			r = withdraw ? u.withdrawn : u.nlri;
		else {
			assert_int_equal(withdraw ? u.mp_unreach_family : u.mp_reach_family,
			    AF_INET6);
			r = withdraw ? u.mp_unreach_nlri : u.mp_reach_nlri;
		}
		while (bgp_nlri_next(&r, family, &p)) {
			want = pfx_n(family, seen++);
			assert_true(prefix_equal(&p, &want));
		}
		/* a full message: the next prefix would not have fitted */
		if (next < n)
			assert_true(len + 1 + (family == AF_INET ? 3 : 6) >
			    bgp_neg_max_msg(neg));
	}
	assert_int_equal(seen, n);
	*msgs_out = msgs;
}

static void
test_builders(void **state)
{
	struct bgp_neg neg;
	size_t	       msgs;

	/* the peer is 65000's neighbour: decoding our own output as the peer
	 * would, so swap the ASes */
	neg_default(&neg);
	neg.enforce_first_as = true;
	neg.peer_as = neg.local_as;
	build_and_check(&neg, AF_INET, false, 3000, &msgs);
	assert_int_equal(msgs, 3); /* ~1000 /24s per 4096 octets */
	build_and_check(&neg, AF_INET6, false, 3000, &msgs);
	assert_int_equal(msgs, 6);
	build_and_check(&neg, AF_INET, true, 3000, &msgs);
	assert_int_equal(msgs, 3);
	build_and_check(&neg, AF_INET6, true, 3000, &msgs);
	assert_int_equal(msgs, 6);
	neg.ext_msg = true;
	build_and_check(&neg, AF_INET, false, 40000, &msgs);
	assert_int_equal(msgs, 3);
	build_and_check(&neg, AF_INET6, true, 40000, &msgs);
	assert_int_equal(msgs, 5);
}

static void
test_builder_edges(void **state)
{
	uint8_t		       buf[BGP_MAX_MSG];
	struct bgp_neg	       neg;
	struct bgp_export      ex;
	struct bgp_upd_builder b;
	struct prefix	       p = pfx_n(AF_INET, 1);

	neg_default(&neg);
	export_default(&ex);
	neg.ipv6 = false;
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET6),
	    -EINVAL);
	assert_int_equal(bgp_upd_start_withdraw(&b, buf, sizeof(buf), &neg, AF_INET6), -EINVAL);
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET), 0);
	assert_int_equal(bgp_upd_finish(&b), 0); /* nothing added */
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET), 0);
	p.family = AF_INET6;
	assert_int_equal(bgp_upd_add(&b, &p), -EINVAL);
	/* a tiny buffer limits the message */
	assert_int_equal(bgp_upd_start(&b, buf, 60, &neg, &ex, NULL, AF_INET), 0);
	p = pfx_n(AF_INET, 1);
	while (bgp_upd_add(&b, &p) == 0)
		;
	assert_true(bgp_upd_finish(&b) <= 60);
	assert_int_equal(bgp_upd_start(&b, buf, 30, &neg, &ex, NULL, AF_INET), -ENOSPC);
}

static void
test_eor(void **state)
{
	uint8_t		  buf[64], want[64];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct bgp_neg	  neg;
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;
	struct bgp_notify nt;
	struct bgp_update u;
	size_t		  n;

	neg_default(&neg);
	assert_int_equal(bgp_eor_encode(&w, AF_INET), 0);
	assert_int_equal(bgp_eor_encode(&w, AF_INET6), 0);
	n = msg_from_body(BGP_MSG_UPDATE, "00000000", want, sizeof(want));
	assert_memory_equal(buf, want, n);
	n = msg_from_body(BGP_MSG_UPDATE, "0000 0006 800f03 000201", want, sizeof(want));
	assert_memory_equal(buf + 23, want, n);
	s = wire_rd_init(buf, wire_wr_len(&w));
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.eor_family, AF_INET);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.eor_family, AF_INET6);
}

/* Exact bytes of what we send, so a change in encoding is a visible change. */
static void
test_encode_bytes(void **state)
{
	uint8_t		       buf[BGP_MAX_MSG], want[128];
	struct wire_wr	       w = wire_wr_init(buf, sizeof(buf));
	struct bgp_open	       o;
	struct bgp_neg	       neg;
	struct bgp_export      ex;
	struct bgp_upd_builder b;
	struct prefix	       p;
	size_t		       n, len;

	memset(&o, 0, sizeof(o));
	o.asn = 65001;
	o.hold_time = 90;
	o.bgp_id = 0x0a000001;
	o.caps.mp_ipv4 = o.caps.route_refresh = o.caps.as4 = true;
	assert_int_equal(bgp_open_encode(&w, &o), 0);
	n = msg_from_body(BGP_MSG_OPEN,
	    "04 fde9 005a 0a000001 10 020e 0104 00010001"
	    " 0200 4104 0000fde9",
	    want, sizeof(want));
	assert_int_equal(wire_wr_len(&w), n);
	assert_memory_equal(buf, want, n);

	neg_default(&neg);
	export_default(&ex);
	prefix_parse("10.1.0.0/24", &p);
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	n = msg_from_body(BGP_MSG_UPDATE,
	    "0000 0014 40010100 400206 0201 0000fde8"
	    " 400304 c0000201 180a0100",
	    want, sizeof(want));
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);

	prefix_parse("2001:db8:1::/48", &p);
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET6), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	n = msg_from_body(BGP_MSG_UPDATE,
	    "0000 003d 900e002c 000201 20"
	    " 20010db8000000000000000000000001 fe800000000000000000000000000001 00"
	    " 30 20010db80001 40010100 400206 0201 0000fde8",
	    want, sizeof(want));
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);

	assert_int_equal(bgp_upd_start_withdraw(&b, buf, sizeof(buf), &neg, AF_INET6), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	n = msg_from_body(BGP_MSG_UPDATE, "0000 000e 900f000a 000201 30 20010db80001", want,
	    sizeof(want));
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);

	prefix_parse("10.1.0.0/24", &p);
	assert_int_equal(bgp_upd_start_withdraw(&b, buf, sizeof(buf), &neg, AF_INET), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	n = msg_from_body(BGP_MSG_UPDATE, "0004 180a0100 0000", want, sizeof(want));
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);
}

/*
 * Messages captured from FRR 8.4 (bgpd in a network namespace, AS 4200000001)
 * toward a 2-octet peer (AS 65002, IPv4) and a 4-octet one (AS 65003, IPv6).
 */
#define FRR_OPEN                                                                     \
	"ffffffffffffffffffffffffffffffff006801045ba000b40a4d00014b0206010400010001" \
	"02028000020202000202460002064104fa56ea010202060002064504000101010210490e0c" \
	"6672722d626770636f6465630002044002c0780209470700010180000000"
#define FRR_UPD4_AGG                                                                 \
	"ffffffffffffffffffffffffffffffff00530200000038400101005002000402015ba04003" \
	"040a4d000180040400000000c007065ba00a4d0001d01100060201fa56ea01c01208fa56ea" \
	"010a4d000118cb0071"
#define FRR_UPD4                                                                     \
	"ffffffffffffffffffffffffffffffff00640200000049400101025002000402015ba04003" \
	"040a4d000180040400000032c00808fde90064fde900c8c0200cfa56ea0100000001000000" \
	"02c010080002fde900000007d01100060201fa56ea0118c00002"
#define FRR_UPD6                                                                     \
	"ffffffffffffffffffffffffffffffff0071020000005a900e001c00020110fd7700000000" \
	"00000000000000000001003020010db8007740010102500200060201fa56ea018004040000" \
	"0032c00808fde90064fde900c8c0200cfa56ea010000000100000002c010080002fde90000" \
	"0007"

static void
frr_frame(const char *hex, uint8_t *buf, size_t cap, struct wire_rd *body, uint8_t type)
{
	size_t		  n = hex2bin(hex, buf, cap);
	struct wire_rd	  s = wire_rd_init(buf, n);
	struct bgp_hdr	  h;
	struct bgp_notify nt;

	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, body, &nt), 0);
	assert_true(wire_empty(&s));
	assert_int_equal(h.type, type);
	for (size_t k = 0; k < n; k++) {
		s = wire_rd_init(buf, k);
		assert_int_not_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, body, &nt), 0);
	}
	s = wire_rd_init(buf, n);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, body, &nt), 0);
}

static void
test_frr_vectors(void **state)
{
	uint8_t		  buf[512];
	struct wire_rd	  body, r;
	struct bgp_open	  o;
	struct bgp_notify nt;
	struct bgp_neg	  neg;
	struct bgp_update u;
	struct prefix	  p;
	char		  s[128];

	frr_frame(FRR_OPEN, buf, sizeof(buf), &body, BGP_MSG_OPEN);
	assert_int_equal(bgp_open_decode(body, &o, &nt), 0);
	assert_int_equal(o.asn, 4200000001u);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(o.hold_time, 180);
	assert_true(o.caps.mp_ipv4 && !o.caps.mp_ipv6);
	assert_true(o.caps.route_refresh && o.caps.enhanced_rr && o.caps.ext_msg);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags, BGP_GR_F_RESTART | BGP_GR_F_NOTIFICATION);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_af_count, 0);
	assert_int_equal(o.caps.unknown_count, 3); /* add-path, FQDN, LLGR */
	assert_int_equal(o.caps.unknown_first, 0x45);

	/* toward the 2-octet peer: AS_TRANS + AS4_PATH */
	neg_default(&neg);
	neg.as4 = false;
	neg.peer_as = 4200000001u;
	neg.local_as = 65002;
	frr_frame(FRR_UPD4, buf, sizeof(buf), &body, BGP_MSG_UPDATE);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.action, BGP_UPD_OK);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "4200000001");
	assert_int_equal(u.attrs.origin, BGP_ORIGIN_INCOMPLETE);
	assert_int_equal(u.attrs.med, 50);
	assert_memory_equal(u.attrs.nexthop4, "\x0a\x4d\x00\x01", 4);
	assert_int_equal(u.attrs.ncomm, 2);
	assert_int_equal(u.attrs.comm[1], 0xfde900c8);
	assert_int_equal(u.attrs.nlcomm, 1);
	assert_int_equal(u.attrs.lcomm[0].global, 4200000001u);
	assert_int_equal(u.attrs.unknown_len, 11); /* the route target, as received */
	assert_memory_equal(u.attrs.unknown, "\xc0\x10\x08\x00\x02\xfd\xe9", 7);
	r = u.nlri;
	assert_true(bgp_nlri_next(&r, AF_INET, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "192.0.2.0/24");
	assert_false(bgp_nlri_next(&r, AF_INET, &p));

	frr_frame(FRR_UPD4_AGG, buf, sizeof(buf), &body, BGP_MSG_UPDATE);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.action, BGP_UPD_OK);
	assert_int_equal(u.attrs.aggregator_as, 4200000001u);
	assert_int_equal(u.attrs.aggregator_id, 0x0a4d0001);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "4200000001");

	/* toward the 4-octet peer: IPv6 in MP_REACH_NLRI */
	neg_default(&neg);
	neg.peer_as = 4200000001u;
	neg.local_as = 65003;
	frr_frame(FRR_UPD6, buf, sizeof(buf), &body, BGP_MSG_UPDATE);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.action, BGP_UPD_OK);
	assert_int_equal(u.mp_reach_family, AF_INET6);
	r = u.mp_reach_nlri;
	assert_true(bgp_nlri_next(&r, AF_INET6, &p));
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "2001:db8:77::/48");
	assert_memory_equal(u.attrs.nh6_global, "\xfd\x77\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_false(u.attrs.flags & BGP_ATTRS_NH6_LL);
	bgp_aspath_fmt(&u.attrs, s, sizeof(s));
	assert_string_equal(s, "4200000001");
	assert_int_equal(u.attrs.ncomm, 2);
	/* the same attributes through either session intern to one set */
	{
		struct bgp_attrs *a6 = bgp_attrs_intern(&u.attrs), *again;

		again = bgp_attrs_intern(&u.attrs);
		assert_ptr_equal(a6, again);
		bgp_attrs_put(again);
		bgp_attrs_put(a6);
	}
}

/* UPDATEs and OPENs captured from BIRD 2.0.12 and GoBGP 3.10 the same way. */
/* clang-format off */
static const struct peer_vec {
	const char	*name, *hex;
	bool		 as4;		/* session flavour */
	const char	*path;		/* expected AS path, NULL for OPEN / EoR */
	uint8_t		 family;	/* of the announced prefix; EoR family for EoRs */
	const char	*prefix;
	int		 ncomm, nlcomm;
	bool		 med;
	uint16_t	 unknown_caps;
} peer_vec[] = {
	{ "bird open", "ffffffffffffffffffffffffffffffff003501045ba000f00a4d000118021601040001"
	    "00010200400200784104fa56ea0146004700", true, NULL, 0, NULL, 0, 0, false, 1 },
	{ "bird v4 2-octet", "ffffffffffffffffffffffffffffffff00500200000035400101024002040201"
	    "5ba04003040a4d0001c00808fde90064fde900c8c011060201fa56ea01c0200cfa56ea0100000001"
	    "0000000218c00002", false, "4200000001", AF_INET, "192.0.2.0/24", 2, 1, false, 0 },
	{ "bird v4 eor", "ffffffffffffffffffffffffffffffff00170200000000", false, NULL,
	    AF_INET, NULL, 0, 0, false, 0 },
	{ "bird v6", "ffffffffffffffffffffffffffffffff005a0200000043900e001c00020110fd770000"
	    "000000000000000000000001003020010db80077400101004002060201fa56ea01c00804fde90064"
	    "c0200cfa56ea010000000100000002", true, "4200000001", AF_INET6, "2001:db8:77::/48",
	    1, 1, false, 0 },
	{ "bird v6 eor", "ffffffffffffffffffffffffffffffff001d0200000006800f03000201", true,
	    NULL, AF_INET6, NULL, 0, 0, false, 0 },
	{ "gobgp open", "ffffffffffffffffffffffffffffffff003b01045ba0005a0a4d00011e021c020049"
	    "0402766d000104000100014104fa56ea010506000100010002", true, NULL, 0, NULL, 0, 0,
	    false, 2 },
	{ "gobgp v4 2-octet", "ffffffffffffffffffffffffffffffff0057020000003c40010102400204"
	    "02015ba04003040a4d000180040400000032c00808fde90064fde900c8c0200cfa56ea0100000001"
	    "00000002c011060201fa56ea0118c00002", false, "4200000001", AF_INET, "192.0.2.0/24",
	    2, 1, true, 0 },
	{ "gobgp v6 mp_reach last", "ffffffffffffffffffffffffffffffff004a0200000033400101024002"
	    "060201fa56ea01c00804fde90064800e1c00020110fd770000000000000000000000000001003020"
	    "010db80077", true, "4200000001", AF_INET6, "2001:db8:77::/48", 1, 0, false, 0 },
};
/* clang-format on */

static void
test_peer_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(peer_vec) / sizeof(peer_vec[0]); i++) {
		const struct peer_vec *v = &peer_vec[i];
		uint8_t		       buf[512];
		struct wire_rd	       body, r;
		struct bgp_hdr	       h;
		struct bgp_notify      nt;
		struct bgp_neg	       neg;
		struct bgp_update      u;
		struct bgp_open	       o;
		struct prefix	       p;
		char		       s[128];
		size_t		       n = hex2bin(v->hex, buf, sizeof(buf));

		r = wire_rd_init(buf, n);
		assert_int_equal(bgp_msg_frame(&r, BGP_MAX_MSG, &h, &body, &nt), 0);
		assert_true(wire_empty(&r));
		for (size_t k = 0; k < n; k++) {
			struct wire_rd t = wire_rd_init(buf, k), tb;

			assert_int_not_equal(bgp_msg_frame(&t, BGP_MAX_MSG, &h, &tb, &nt), 0);
		}
		if (h.type == BGP_MSG_OPEN) {
			assert_int_equal(bgp_open_decode(body, &o, &nt), 0);
			assert_int_equal(o.asn, 4200000001u);
			assert_true(o.caps.as4);
			assert_int_equal(o.caps.unknown_count, v->unknown_caps);
			continue;
		}
		neg_default(&neg);
		neg.as4 = v->as4;
		neg.peer_as = 4200000001u;
		if (bgp_update_decode(body, &neg, scratch, &u) != 0 || u.action != BGP_UPD_OK)
			fail_msg("%s: action %d %u/%u", v->name, u.action, u.notify.code,
			    u.notify.subcode);
		if (v->path == NULL) {
			assert_int_equal(u.eor_family, v->family);
			continue;
		}
		assert_int_equal(u.eor_family, 0);
		bgp_aspath_fmt(&u.attrs, s, sizeof(s));
		assert_string_equal(s, v->path);
		r = v->family == AF_INET ? u.nlri : u.mp_reach_nlri;
		if (v->family == AF_INET6)
			assert_int_equal(u.mp_reach_family, AF_INET6);
		assert_true(bgp_nlri_next(&r, v->family, &p));
		assert_string_equal(prefix_fmt(&p, s, sizeof(s)), v->prefix);
		assert_false(bgp_nlri_next(&r, v->family, &p));
		assert_int_equal(u.attrs.ncomm, v->ncomm);
		assert_int_equal(u.attrs.nlcomm, v->nlcomm);
		assert_int_equal((u.attrs.flags & BGP_ATTRS_MED) != 0, v->med);
	}
}

/* iBGP over IPv6: the learned global next hop goes on, never a link-local. */
static void
test_builder_ibgp_v6(void **state)
{
	static uint8_t	       buf[BGP_MAX_MSG];
	static const uint32_t  path[] = { 0x0201, 65001 };
	struct bgp_neg	       neg;
	struct bgp_export      ex;
	struct bgp_upd_builder b;
	struct bgp_attrs       a;
	struct bgp_update      u;
	struct wire_rd	       s, body;
	struct bgp_hdr	       h;
	struct bgp_notify      nt;
	struct prefix	       p;
	size_t		       len;

	neg_default(&neg);
	neg.ebgp = false;
	neg.enforce_first_as = false;
	neg.peer_as = neg.local_as;
	export_default(&ex);
	memset(&a, 0, sizeof(a));
	a.flags = BGP_ATTRS_ORIGIN | BGP_ATTRS_AS_PATH | BGP_ATTRS_MP_NH | BGP_ATTRS_NH6_LL |
	    BGP_ATTRS_MED;
	a.aspath = path;
	a.aspath_words = 2;
	a.med = 9;
	memcpy(a.nh6_global, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x42", 16);
	memcpy(a.nh6_ll, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x42", 16);
	prefix_parse("2001:db8:5::/48", &p);
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, &a, AF_INET6), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	s = wire_rd_init(buf, len);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_int_equal(u.action, BGP_UPD_OK);
	assert_memory_equal(u.attrs.nh6_global, a.nh6_global, 16);
	assert_false(u.attrs.flags & BGP_ATTRS_NH6_LL);
	assert_int_equal(u.attrs.med, 9);
	assert_int_equal(u.attrs.local_pref, 100);
	assert_int_equal(bgp_aspath_first(&u.attrs), 65001);
	/* next-hop-self: ours, with our link-local */
	ex.nexthop_self = true;
	assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, &a, AF_INET6), 0);
	assert_int_equal(bgp_upd_add(&b, &p), 0);
	len = bgp_upd_finish(&b);
	s = wire_rd_init(buf, len);
	assert_int_equal(bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &nt), 0);
	assert_int_equal(bgp_update_decode(body, &neg, scratch, &u), 0);
	assert_memory_equal(u.attrs.nh6_global, ex.nh6, 16);
	assert_memory_equal(u.attrs.nh6_ll, ex.nh6_ll, 16);
}

static void
test_gr_caps(void **state)
{
	uint8_t		  buf[256];
	size_t		  n;
	struct bgp_open	  o;
	struct bgp_notify nt;

	/* 5 families: the first 4 are kept, the message is still fine */
	n = hex2bin("04fde8005a0a000001 1a 02 18 4016 4078 00010180 00020100 00010280"
		    " 00020280 00190141",
	    buf, sizeof(buf));
	assert_int_equal(bgp_open_decode(wire_rd_init(buf, n), &o, &nt), 0);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags, BGP_GR_F_NOTIFICATION);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_af_count, 4);
	assert_int_equal(o.caps.gr_af[0].flags, BGP_GR_AF_F_FORWARDING);
	assert_int_equal(o.caps.gr_af[1].afi, 2);
	assert_int_equal(o.caps.gr_af[1].flags, 0);
	assert_int_equal(o.caps.gr_af[3].safi, 2);
	/* a helper-only speaker: no families at all */
	n = hex2bin("04fde8005a0a000001 06 02 04 4002 0000", buf, sizeof(buf));
	assert_int_equal(bgp_open_decode(wire_rd_init(buf, n), &o, &nt), 0);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_af_count, 0);
	assert_int_equal(o.caps.gr_time, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_frame_stream),
		cmocka_unit_test(test_open_vectors),
		cmocka_unit_test(test_open_caps),
		cmocka_unit_test(test_open_roundtrip),
		cmocka_unit_test(test_open_check),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_update_vectors),
		cmocka_unit_test(test_update_v4_content),
		cmocka_unit_test(test_update_v6_content),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_builder_edges),
		cmocka_unit_test(test_eor),
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_frr_vectors),
		cmocka_unit_test(test_peer_vectors),
		cmocka_unit_test(test_builder_ibgp_v6),
		cmocka_unit_test(test_gr_caps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
