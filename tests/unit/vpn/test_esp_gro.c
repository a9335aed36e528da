/* tests/unit/vpn/test_esp_gro.c - vpn/esp_gro.c: which decrypted TCP segments merge into one TUN write, and that the super-packet cuts back into the same segments. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "vpn/esp_local.h"

/* The reference checksum (RFC 1071 4.1), independent of esp_csum.c. */
static uint16_t
ref_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)(v >> 16));
	set16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
pseudo(const uint8_t *p, bool v4, size_t l4len)
{
	uint8_t ph[40];

	if (v4) {
		memcpy(ph, p + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_TCP;
		set16(ph + 10, (uint16_t)l4len);
		return ref_sum(ph, 12, 0);
	}
	memcpy(ph, p + 8, 32);
	set32(ph + 32, (uint32_t)l4len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = IPPROTO_TCP;
	return ref_sum(ph, 40, 0);
}

static void
fix_csums(uint8_t *p, size_t len)
{
	bool   v4 = p[0] >> 4 == 4;
	size_t l3 = v4 ? (size_t)(p[0] & 0xf) * 4 : 40;

	if (v4) {
		set16(p + 10, 0);
		set16(p + 10, (uint16_t)~ref_sum(p, l3, 0));
	}
	set16(p + l3 + 16, 0);
	set16(p + l3 + 16, (uint16_t)~ref_sum(p + l3, len - l3, pseudo(p, v4, len - l3)));
}

static bool
tcp_csum_ok(const uint8_t *p, size_t len)
{
	bool   v4 = p[0] >> 4 == 4;
	size_t l3 = v4 ? (size_t)(p[0] & 0xf) * 4 : 40;

	return ref_sum(p + l3, len - l3, pseudo(p, v4, len - l3)) == 0xffff;
}

#define NPKT 80
static uint8_t	      store[NPKT][2048];
static struct esp_buf bufs[NPKT];

/* Segment i of a burst: seq = 1000 + i * mss, payload a pattern. */
static size_t
mk_seg(uint8_t *p, bool v4, unsigned i, size_t mss, size_t plen, uint8_t flags, size_t opts)
{
	size_t	 l3 = v4 ? 20 : 40, l4 = 20 + opts, len = l3 + l4 + plen;
	uint8_t *t = p + l3;

	memset(p, 0, l3 + l4);
	if (v4) {
		p[0] = 0x45;
		set16(p + 2, (uint16_t)len);
		set16(p + 4, (uint16_t)(0x100 + i));
		set16(p + 6, 0x4000);
		p[8] = 63;
		p[9] = IPPROTO_TCP;
		p[12] = 10;
		p[13] = 1;
		p[15] = 2;
		p[16] = 10;
		p[17] = 2;
		p[19] = 2;
	} else {
		p[0] = 0x60;
		set16(p + 4, (uint16_t)(len - 40));
		p[6] = IPPROTO_TCP;
		p[7] = 63;
		p[8] = 0xfd;
		p[23] = 2;
		p[24] = 0xfd;
		p[25] = 2;
		p[39] = 2;
	}
	set16(t, 33000);
	set16(t + 2, 5201);
	set32(t + 4, (uint32_t)(0xffffff00u + i * mss)); /* wraps in the burst */
	set32(t + 8, 0x12345678);
	t[12] = (uint8_t)((l4 / 4) << 4);
	t[13] = flags;
	set16(t + 14, 1000);
	for (size_t k = 0; k + 10 <= opts; k += 12) { /* NOP NOP TS */
		t[20 + k] = 1;
		t[21 + k] = 1;
		t[22 + k] = 8;
		t[23 + k] = 10;
		set32(t + 24 + k, 0xaabbccdd);
		set32(t + 28 + k, 0x11223344);
	}
	for (size_t k = 0; k < plen; k++)
		p[l3 + l4 + k] = (uint8_t)(i * 131 + k * 7);
	fix_csums(p, len);
	return len;
}

/* n segments of mss bytes (the last `last` bytes if nonzero), flags ACK,
 * PSH on the last if psh. */
static void
mk_burst(bool v4, unsigned n, size_t mss, size_t last, bool psh, size_t opts)
{
	for (unsigned i = 0; i < n; i++) {
		bool end = i == n - 1;

		bufs[i].p = store[i];
		bufs[i].len = mk_seg(store[i], v4, i, mss, end && last ? last : mss,
		    (uint8_t)(0x10 | (end && psh ? 0x08 : 0)), opts);
	}
}

static void
check_build(bool v4, unsigned k, size_t mss, size_t opts)
{
	static uint8_t	lin[70000], seg[2048];
	uint8_t		vnet[ESP_VNET_LEN];
	struct iovec	iov[NPKT + 1];
	uint8_t		orig[NPKT][2048];
	size_t		olen[NPKT], len = 0, l3 = v4 ? 20 : 40, hdrs = l3 + 20 + opts;
	struct esp_vnet v;
	struct esp_seg	s;
	int		n;

	for (unsigned i = 0; i < k; i++) {
		memcpy(orig[i], bufs[i].p, bufs[i].len);
		olen[i] = bufs[i].len;
	}
	assert_int_equal(esp_gro_build(bufs, k, vnet, iov), 0);
	esp_vnet_decode(vnet, &v);
	assert_int_equal(v.flags, ESP_VNET_F_NEEDS_CSUM);
	assert_int_equal(v.gso_type, v4 ? ESP_GSO_TCPV4 : ESP_GSO_TCPV6);
	assert_int_equal(v.gso_size, mss);
	assert_int_equal(v.hdr_len, hdrs);
	assert_int_equal(v.csum_start, l3);
	assert_int_equal(v.csum_offset, 16);
	assert_ptr_equal(iov[0].iov_base, vnet);
	for (unsigned i = 1; i <= k; i++) {
		memcpy(lin + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	/* lengths of the whole; IPv4 header checksum right; the TCP field
	 * holds the pseudo-header sum over the whole length */
	if (v4) {
		assert_int_equal(get16(lin + 2), len);
		assert_int_equal(ref_sum(lin, 20, 0), 0xffff);
	} else
		assert_int_equal(get16(lin + 4), len - 40);
	assert_int_equal(get16(lin + l3 + 16), pseudo(lin, v4, len - l3));
	assert_int_equal(lin[l3 + 13], orig[k - 1][l3 + 13]);
	/* and our own segmenter cuts it back into the very same packets */
	assert_int_equal(esp_seg_init(&s, &v, lin, len, 1500), 0);
	assert_int_equal(esp_seg_left(&s), k);
	for (unsigned i = 0; i < k; i++) {
		n = esp_seg_next(&s, seg, sizeof(seg));
		assert_int_equal(n, olen[i]);
		assert_memory_equal(seg, orig[i], olen[i]);
		assert_true(tcp_csum_ok(seg, (size_t)n));
	}
	assert_int_equal(esp_seg_next(&s, seg, sizeof(seg)), 0);
}

static void
test_burst_merges(void **state)
{
	for (int v4 = 0; v4 < 2; v4++) {
		mk_burst(v4, 11, 1000, 500, true, 0);
		assert_int_equal(esp_gro_span(bufs, 11), 11);
		check_build(v4, 11, 1000, 0);
		/* with timestamps, all full size */
		mk_burst(v4, 45, 1348, 0, false, 12);
		assert_int_equal(esp_gro_span(bufs, 45), 45);
		check_build(v4, 45, 1348, 12);
		/* two segments are enough */
		mk_burst(v4, 2, 700, 0, false, 0);
		assert_int_equal(esp_gro_span(bufs, 2), 2);
		check_build(v4, 2, 700, 0);
	}
}

static void
test_span_limits(void **state)
{
	/* at most 64 segments, and 64 KB in all */
	mk_burst(true, 70, 100, 0, false, 0);
	assert_int_equal(esp_gro_span(bufs, 70), 64);
	mk_burst(true, 60, 1400, 0, false, 0);
	assert_int_equal(esp_gro_span(bufs, 60), (65535 - 40) / 1400);
	/* one alone, or the first of a list of one */
	assert_int_equal(esp_gro_span(bufs, 1), 1);
	assert_int_equal(esp_gro_span(bufs, 0), 1);
}

/* Each case breaks the burst at segment `at`: the span stops there. */
static void
test_span_breaks(void **state)
{
	static const struct {
		const char *name;
		unsigned    at;
		int	    what;
	} cases[] = {
		{ "seq gap", 3, 0 },
		{ "other ack", 3, 1 },
		{ "other window", 3, 2 },
		{ "other options", 3, 3 },
		{ "FIN", 3, 4 },
		{ "RST", 3, 5 },
		{ "URG", 3, 6 },
		{ "other port", 3, 7 },
		{ "other TTL", 3, 8 },
		{ "bad checksum", 3, 9 },
		{ "longer", 3, 10 },
		{ "other address", 3, 11 },
		{ "no DF", 3, 12 },
		{ "CWR", 3, 13 },
		{ "other TOS", 3, 14 },
		{ "UDP", 3, 15 },
		{ "IPv4 options", 3, 16 },
		{ "pure ACK", 3, 17 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int v4 = 0; v4 < 2; v4++) {
			unsigned at = cases[c].at;
			uint8_t *p;
			size_t	 l3 = v4 ? 20 : 40;
			bool	 refix = true;

			mk_burst(v4, 8, 1000, 0, false, 12);
			p = store[at];
			switch (cases[c].what) {
			case 0:
				p[l3 + 7] += 1;
				break;
			case 1:
				p[l3 + 11] ^= 1;
				break;
			case 2:
				p[l3 + 15] ^= 1;
				break;
			case 3:
				p[l3 + 30] ^= 1;
				break;
			case 4:
				p[l3 + 13] |= 0x01;
				break;
			case 5:
				p[l3 + 13] |= 0x04;
				break;
			case 6:
				p[l3 + 13] |= 0x20;
				break;
			case 7:
				p[l3 + 3] ^= 1;
				break;
			case 8:
				p[v4 ? 8 : 7] ^= 1;
				break;
			case 9:
				p[l3 + 40] ^= 1;
				refix = false;
				break;
			case 10:
				bufs[at].len = mk_seg(p, v4, at, 1000, 1001, 0x10, 12);
				refix = false;
				break;
			case 11:
				p[v4 ? 19 : 39] ^= 1;
				break;
			case 12:
				if (!v4)
					p[1] ^= 0x10; /* (IPv6: traffic class instead) */
				else
					set16(p + 6, 0);
				break;
			case 13:
				p[l3 + 13] |= 0x80;
				break;
			case 14:
				p[1] ^= 0x04;
				break;
			case 15:
				p[v4 ? 9 : 6] = IPPROTO_UDP;
				break;
			case 16:
				if (v4)
					p[0] = 0x46;
				else
					p[6] = 0; /* hop-by-hop: an extension header */
				refix = false;
				break;
			case 17:
				bufs[at].len = l3 + 32;
				refix = false;
				break;
			}
			if (refix)
				fix_csums(p, bufs[at].len);
			assert_int_equal(esp_gro_span(bufs, 8), at);
			/* and the rest merge among themselves from there on,
			 * unless the breaker itself cannot lead */
			(void)esp_gro_span(&bufs[at], 8 - at);
		}
}

static void
test_span_heads(void **state)
{
	/* A head with PSH, or a bad checksum, merges nothing. */
	mk_burst(true, 5, 1000, 0, false, 0);
	store[0][33] |= 0x08;
	fix_csums(store[0], bufs[0].len);
	assert_int_equal(esp_gro_span(bufs, 5), 1);
	mk_burst(true, 5, 1000, 0, false, 0);
	store[0][60] ^= 0xff;
	assert_int_equal(esp_gro_span(bufs, 5), 1);
	/* a short segment or PSH ends the burst, including itself */
	mk_burst(false, 6, 1000, 0, false, 0);
	bufs[2].len = mk_seg(store[2], false, 2, 1000, 400, 0x10, 0);
	assert_int_equal(esp_gro_span(bufs, 6), 3);
	mk_burst(false, 6, 1000, 0, false, 0);
	store[3][53] |= 0x08;
	fix_csums(store[3], bufs[3].len);
	assert_int_equal(esp_gro_span(bufs, 6), 4);
	check_build(false, 4, 1000, 0);
	/* mixed families */
	mk_burst(true, 3, 1000, 0, false, 0);
	bufs[1].len = mk_seg(store[1], false, 1, 1000, 1000, 0x10, 0);
	assert_int_equal(esp_gro_span(bufs, 3), 1);
	/* truncated packets never merge and never read past their end */
	mk_burst(true, 3, 1000, 0, false, 0);
	for (size_t n = 0; n < 41; n++) {
		bufs[1].len = n;
		assert_int_equal(esp_gro_span(bufs, 3), 1);
		bufs[0].len = n;
		assert_int_equal(esp_gro_span(bufs, 3), 1);
		bufs[0].len = 1040;
	}
}

/* A build esp_gro_span() would not have allowed is refused, every byte
 * left as it was: fewer than two, or a head or tail that is no segment. */
static void
test_build_refuses(void **state)
{
	uint8_t	     vnet[ESP_VNET_LEN], before[3][2048];
	struct iovec iov[4];

	mk_burst(true, 3, 1000, 0, false, 0);
	for (unsigned i = 0; i < 3; i++)
		memcpy(before[i], store[i], bufs[i].len);
	assert_int_equal(esp_gro_build(bufs, 1, vnet, iov), -EINVAL);
	assert_int_equal(esp_gro_build(bufs, 0, vnet, iov), -EINVAL);
	bufs[2].len = 40; /* the tail: headers, no payload */
	assert_int_equal(esp_gro_build(bufs, 3, vnet, iov), -EINVAL);
	bufs[2].len = 1040;
	store[0][0] = 0x46; /* the head: IPv4 with options */
	assert_int_equal(esp_gro_build(bufs, 3, vnet, iov), -EINVAL);
	store[0][0] = 0x45;
	for (unsigned i = 0; i < 3; i++)
		assert_memory_equal(store[i], before[i], bufs[i].len);
	/* and the same burst, whole, builds */
	assert_int_equal(esp_gro_build(bufs, 3, vnet, iov), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_merges),
		cmocka_unit_test(test_span_limits),
		cmocka_unit_test(test_span_breaks),
		cmocka_unit_test(test_span_heads),
		cmocka_unit_test(test_build_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
