/* tests/unit/vpn/test_esp_seg.c - vpn/esp_seg.c + esp_inner.c: TSO/USO segmentation field by field, checksum completion, MSS clamp, ICMP too-big. */
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

/* Checksums are recomputed here the slow, obvious way (RFC 1071 4.1), so a
 * bug in esp_csum.c cannot hide itself. */
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

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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

/* Is the L4 checksum of this (IPv4 or IPv6, no options/extensions) packet right? */
static bool
l4_ok(const uint8_t *p, size_t len)
{
	bool	 v4 = p[0] >> 4 == 4;
	size_t	 l3 = v4 ? (size_t)(p[0] & 0xf) * 4 : 40;
	uint8_t	 proto = v4 ? p[9] : p[6];
	uint32_t acc = 0;
	uint8_t	 ph[40];
	size_t	 phl;

	if (v4) {
		memcpy(ph, p + 12, 8);
		ph[8] = 0;
		ph[9] = proto;
		set16(ph + 10, (uint16_t)(len - l3));
		phl = 12;
	} else {
		memcpy(ph, p + 8, 32);
		set32(ph + 32, (uint32_t)(len - l3));
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		phl = 40;
	}
	acc = ref_sum(ph, phl, 0);
	return ref_sum(p + l3, len - l3, acc) == 0xffff;
}

static bool
ip4_hdr_ok(const uint8_t *p)
{
	return ref_sum(p, (size_t)(p[0] & 0xf) * 4, 0) == 0xffff;
}

static const uint8_t SRC4[4] = { 10, 1, 0, 1 }, DST4[4] = { 10, 2, 0, 7 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };

/* An IP + TCP/UDP packet with `payload` bytes of a counting pattern; the
 * L4 checksum field holds the pseudo-header sum, as TUN hands it over
 * with NEEDS_CSUM. Returns the length. */
static size_t
mk_pkt(uint8_t *p, bool v4, uint8_t proto, size_t payload, uint8_t tcp_flags, size_t tcp_opts,
    bool df)
{
	size_t	 l3 = v4 ? 20 : 40, l4 = proto == IPPROTO_TCP ? 20 + tcp_opts : 8;
	size_t	 len = l3 + l4 + payload;
	uint8_t *t = p + l3;

	memset(p, 0, l3 + l4);
	if (v4) {
		p[0] = 0x45;
		set16(p + 2, (uint16_t)len);
		set16(p + 4, 0x1234);
		set16(p + 6, df ? 0x4000 : 0);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, SRC4, 4);
		memcpy(p + 16, DST4, 4);
		set16(p + 10, (uint16_t)~ref_sum(p, 20, 0));
	} else {
		p[0] = 0x60;
		set16(p + 4, (uint16_t)(len - 40));
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, SRC6, 16);
		memcpy(p + 24, DST6, 16);
	}
	set16(t, 40000);
	set16(t + 2, 5201);
	if (proto == IPPROTO_TCP) {
		set32(t + 4, 0xfffff000); /* wraps inside the burst */
		set32(t + 8, 0xabcdef01);
		t[12] = (uint8_t)((l4 / 4) << 4);
		t[13] = tcp_flags;
		set16(t + 14, 512);
		for (size_t i = 0; i < tcp_opts; i++)
			t[20 + i] = 1; /* NOPs */
	} else
		set16(t + 4, (uint16_t)(l4 + payload));
	for (size_t i = 0; i < payload; i++)
		p[l3 + l4 + i] = (uint8_t)(i * 7 + i / 251);
	/* pseudo-header sum, not complemented (what CHECKSUM_PARTIAL leaves) */
	{
		uint8_t ph[40];
		size_t	phl;

		if (v4) {
			memcpy(ph, p + 12, 8);
			ph[8] = 0;
			ph[9] = proto;
			set16(ph + 10, (uint16_t)(l4 + payload));
			phl = 12;
		} else {
			memcpy(ph, p + 8, 32);
			set32(ph + 32, (uint32_t)(l4 + payload));
			ph[36] = ph[37] = ph[38] = 0;
			ph[39] = proto;
			phl = 40;
		}
		set16(t + (proto == IPPROTO_TCP ? 16 : 6), ref_sum(ph, phl, 0));
	}
	return len;
}

static uint8_t in[70000], out[70000], seg[2048];

static void
check_gso(bool v4, uint8_t proto, size_t payload, uint16_t gso, unsigned mtu, uint8_t flags,
    size_t opts)
{
	struct esp_vnet v = { 0 };
	struct esp_seg	s;
	size_t		len = mk_pkt(in, v4, proto, payload, flags, opts, true);
	size_t		l3 = v4 ? 20 : 40, l4 = proto == IPPROTO_TCP ? 20 + opts : 8;
	size_t		mss, done = 0, want_n;
	unsigned	i = 0;
	int		n;

	v.flags = ESP_VNET_F_NEEDS_CSUM;
	v.gso_type = proto == IPPROTO_UDP ? ESP_GSO_UDP_L4 : v4 ? ESP_GSO_TCPV4 : ESP_GSO_TCPV6;
	v.gso_size = gso;
	v.hdr_len = (uint16_t)(l3 + l4);
	v.csum_start = (uint16_t)l3;
	v.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
	assert_int_equal(esp_seg_init(&s, &v, in, len, mtu), 0);
	mss = l3 + l4 + gso > mtu ? mtu - l3 - l4 : gso;
	want_n = (payload + mss - 1) / mss;
	assert_int_equal(esp_seg_left(&s), want_n);
	while ((n = esp_seg_next(&s, seg, sizeof(seg))) > 0) {
		size_t	       plen = (size_t)n - l3 - l4;
		const uint8_t *t = seg + l3;
		bool	       last = i == want_n - 1;

		assert_true((size_t)n <= mtu);
		assert_int_equal(plen, last ? payload - done : mss);
		/* the payload is the right slice */
		assert_memory_equal(seg + l3 + l4, in + l3 + l4 + done, plen);
		if (v4) {
			assert_int_equal(be16(seg + 2), n);
			assert_int_equal(be16(seg + 4), (uint16_t)(0x1234 + i));
			assert_int_equal(be16(seg + 6), 0x4000);
			assert_true(ip4_hdr_ok(seg));
		} else
			assert_int_equal(be16(seg + 4), n - 40);
		assert_int_equal(be16(t), 40000);
		assert_int_equal(be16(t + 2), 5201);
		if (proto == IPPROTO_TCP) {
			uint8_t f = flags;

			assert_int_equal(be32(t + 4), (uint32_t)(0xfffff000 + done));
			assert_int_equal(be32(t + 8), 0xabcdef01);
			if (!last)
				f &= (uint8_t)~0x09; /* FIN, PSH */
			if (i > 0)
				f &= (uint8_t)~0x80; /* CWR */
			assert_int_equal(t[13], f);
			/* options copied */
			for (size_t k = 0; k < opts; k++)
				assert_int_equal(t[20 + k], 1);
		} else
			assert_int_equal(be16(t + 4), 8 + plen);
		assert_true(l4_ok(seg, (size_t)n));
		assert_int_equal(esp_seg_left(&s), want_n - i - 1);
		done += plen;
		i++;
	}
	assert_int_equal(n, 0);
	assert_int_equal(i, want_n);
	assert_int_equal(done, payload);
	assert_int_equal(esp_seg_left(&s), 0);
	assert_int_equal(esp_seg_peek_len(&s), 0);
}

static void
test_tso4(void **state)
{
	check_gso(true, IPPROTO_TCP, 65000, 1348, 1400, 0x18, 0);     /* ACK|PSH */
	check_gso(true, IPPROTO_TCP, 1348 * 3, 1348, 1400, 0x19, 12); /* FIN too, options */
	check_gso(true, IPPROTO_TCP, 1, 1348, 1400, 0x98, 0);	      /* CWR, one segment */
	check_gso(true, IPPROTO_TCP, 30001, 1460, 1400, 0x10, 0);     /* cut to the MTU */
	check_gso(true, IPPROTO_TCP, 5000, 536, 1400, 0x10, 40);
}

static void
test_tso6(void **state)
{
	check_gso(false, IPPROTO_TCP, 64000, 1328, 1400, 0x18, 0);
	check_gso(false, IPPROTO_TCP, 9999, 1440, 1400, 0x99, 12);
	check_gso(false, IPPROTO_TCP, 7, 1328, 1400, 0x10, 0);
}

static void
test_uso(void **state)
{
	check_gso(true, IPPROTO_UDP, 60000, 1200, 1400, 0, 0);
	check_gso(true, IPPROTO_UDP, 1201, 1200, 1400, 0, 0);
	check_gso(false, IPPROTO_UDP, 40001, 1000, 1400, 0, 0);
	check_gso(true, IPPROTO_UDP, 999, 333, 1400, 0, 0); /* odd sizes */
}

static void
test_gso_refused(void **state)
{
	struct esp_vnet v = { 0 };
	struct esp_seg	s;
	size_t		len = mk_pkt(in, true, IPPROTO_UDP, 3000, 0, 0, true);

	/* a UDP datagram bigger than the MTU cannot be cut finer */
	v.gso_type = ESP_GSO_UDP_L4;
	v.gso_size = 1500;
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	/* UFO, a wrong family or protocol for the type, gso_size 0 */
	v.gso_size = 1000;
	v.gso_type = ESP_GSO_UDP;
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	v.gso_type = ESP_GSO_TCPV4;
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	len = mk_pkt(in, true, IPPROTO_TCP, 3000, 0x10, 0, true);
	v.gso_type = ESP_GSO_TCPV6;
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	v.gso_type = ESP_GSO_TCPV4;
	v.gso_size = 0;
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	/* a fragment */
	v.gso_size = 1000;
	set16(in + 6, 0x2000);
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EINVAL);
	/* every truncation of the headers (and a header-only packet) */
	len = mk_pkt(in, true, IPPROTO_TCP, 3000, 0x10, 0, true);
	for (size_t n = 0; n <= 40; n++)
		assert_int_equal(esp_seg_init(&s, &v, in, n, 1400), -EINVAL);
	len = mk_pkt(in, false, IPPROTO_TCP, 3000, 0x10, 0, true);
	v.gso_type = ESP_GSO_TCPV6;
	for (size_t n = 0; n <= 60; n++)
		assert_int_equal(esp_seg_init(&s, &v, in, n, 1400), -EINVAL);
	(void)len;
}

static void
test_csum_completion(void **state)
{
	struct esp_vnet v = { 0 };
	struct esp_seg	s;
	size_t		len;
	int		n;

	for (int k = 0; k < 4; k++) {
		bool	v4 = k & 1;
		uint8_t proto = k & 2 ? IPPROTO_UDP : IPPROTO_TCP;

		len = mk_pkt(in, v4, proto, 1001, 0x18, 0, true);
		assert_false(l4_ok(in, len));
		v.flags = ESP_VNET_F_NEEDS_CSUM;
		v.csum_start = v4 ? 20 : 40;
		v.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
		assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), 0);
		assert_true(l4_ok(in, len));
		assert_int_equal(esp_seg_left(&s), 1);
		n = esp_seg_next(&s, seg, sizeof(seg));
		assert_int_equal(n, len);
		assert_memory_equal(seg, in, len);
		assert_int_equal(esp_seg_next(&s, seg, sizeof(seg)), 0);
	}
	/* the offset past the end is refused */
	v.csum_start = 1000;
	v.csum_offset = 16;
	assert_int_equal(esp_seg_init(&s, &v, in, 1010, 1400), -EINVAL);
	/* a plain packet needs nothing */
	len = mk_pkt(in, true, IPPROTO_UDP, 100, 0, 0, true);
	memset(&v, 0, sizeof(v));
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), 0);
	/* too big for the MTU */
	len = mk_pkt(in, true, IPPROTO_UDP, 1500, 0, 0, true);
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), -EMSGSIZE);
	/* too small an output buffer */
	len = mk_pkt(in, true, IPPROTO_UDP, 100, 0, 0, true);
	assert_int_equal(esp_seg_init(&s, &v, in, len, 1400), 0);
	assert_int_equal(esp_seg_next(&s, seg, 50), -EMSGSIZE);
}

static void
test_csum_lib(void **state)
{
	/* esp_csum against the reference over many lengths and offsets */
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 131 + 17);
	for (size_t off = 0; off < 8; off += 2)
		for (size_t n = 0; n < 300; n++)
			assert_int_equal(esp_csum_fold(esp_csum_add(0, in + off, n)),
			    ref_sum(in + off, n, 0));
	assert_int_equal(esp_csum_fold(esp_csum_add(0, in, 65535)), ref_sum(in, 65535, 0));
	memset(in, 0xff, 64);
	assert_int_equal(esp_csum_fold(esp_csum_add(0, in, 64)), 0xffff);
}

/* A SYN with options: MSS first after NOPs and a timestamp. */
static size_t
mk_syn(uint8_t *p, bool v4, uint16_t mss, uint8_t flags)
{
	size_t		l3 = v4 ? 20 : 40, len = mk_pkt(p, v4, IPPROTO_TCP, 0, flags, 20, true);
	uint8_t	       *o = p + l3 + 20;
	struct esp_vnet v = { .flags = ESP_VNET_F_NEEDS_CSUM };
	struct esp_seg	s;

	o[0] = 1;
	o[1] = 8; /* timestamp */
	o[2] = 10;
	memset(o + 3, 0x5a, 8);
	o[11] = 1;
	o[12] = 2; /* MSS */
	o[13] = 4;
	set16(o + 14, mss);
	o[16] = 4; /* SACK permitted */
	o[17] = 2;
	o[18] = 1;
	o[19] = 0; /* end of options */
	v.csum_start = (uint16_t)l3;
	v.csum_offset = 16;
	assert_int_equal(esp_seg_init(&s, &v, p, len, 1400), 0); /* finish the checksum */
	assert_true(l4_ok(p, len));
	return len;
}

static void
test_mss_clamp(void **state)
{
	size_t len;
	size_t mss_at;

	/* IPv4 SYN 1460 -> 1350 */
	len = mk_syn(in, true, 1460, 0x02);
	mss_at = 20 + 20 + 14;
	assert_true(esp_mss_clamp(in, len, 1350, 1400));
	assert_int_equal(be16(in + mss_at), 1350);
	assert_true(l4_ok(in, len));
	/* SYN-ACK too */
	len = mk_syn(in, true, 1460, 0x12);
	assert_true(esp_mss_clamp(in, len, 1350, 1400));
	assert_int_equal(be16(in + mss_at), 1350);
	assert_true(l4_ok(in, len));
	/* smaller already: untouched */
	len = mk_syn(in, true, 1200, 0x02);
	memcpy(out, in, len);
	assert_false(esp_mss_clamp(in, len, 1350, 1400));
	assert_memory_equal(in, out, len);
	/* not a SYN: untouched */
	len = mk_syn(in, true, 1460, 0x10);
	memcpy(out, in, len);
	assert_false(esp_mss_clamp(in, len, 1350, 1400));
	assert_memory_equal(in, out, len);
	/* IPv6: the MTU bounds it tighter (1400 - 60) */
	len = mk_syn(in, false, 1440, 0x02);
	mss_at = 40 + 20 + 14;
	assert_true(esp_mss_clamp(in, len, 1350, 1400));
	assert_int_equal(be16(in + mss_at), 1340);
	assert_true(l4_ok(in, len));
	/* IPv4 at a small MTU */
	len = mk_syn(in, true, 1460, 0x02);
	assert_true(esp_mss_clamp(in, len, 1350, 1300));
	assert_int_equal(be16(in + 54), 1260);
	assert_true(l4_ok(in, len));
	/* every truncation: no change beyond the buffer, no crash */
	len = mk_syn(in, true, 1460, 0x02);
	for (size_t n = 0; n < len; n++) {
		memcpy(out, in, len);
		assert_false(esp_mss_clamp(out, n, 1350, 1400));
		assert_memory_equal(out, in, len);
	}
	/* a broken option length stops the walk */
	len = mk_syn(in, true, 1460, 0x02);
	in[20 + 20 + 1] = 0;
	assert_false(esp_mss_clamp(in, len, 1350, 1400));
	/* UDP is not touched */
	len = mk_pkt(in, true, IPPROTO_UDP, 40, 0, 0, true);
	assert_false(esp_mss_clamp(in, len, 1350, 1400));
}

static void
test_icmp_too_big(void **state)
{
	size_t len;
	int    n;

	/* IPv4, DF: type 3 code 4 with the MTU, quoting 548 bytes */
	len = mk_pkt(in, true, IPPROTO_TCP, 1460, 0x10, 0, true);
	assert_true(esp_may_frag_report(in, len));
	n = esp_icmp_too_big(in, len, 1400, out, sizeof(out));
	assert_int_equal(n, 576);
	assert_int_equal(out[0], 0x45);
	assert_int_equal(be16(out + 2), 576);
	assert_int_equal(out[9], IPPROTO_ICMP);
	assert_memory_equal(out + 12, DST4, 4);
	assert_memory_equal(out + 16, SRC4, 4);
	assert_true(ip4_hdr_ok(out));
	assert_int_equal(out[20], 3);
	assert_int_equal(out[21], 4);
	assert_int_equal(be16(out + 26), 1400);
	assert_int_equal(ref_sum(out + 20, 556, 0), 0xffff);
	assert_memory_equal(out + 28, in, 548);
	/* a short packet is quoted whole */
	len = mk_pkt(in, true, IPPROTO_UDP, 10, 0, 0, true);
	n = esp_icmp_too_big(in, len, 1400, out, sizeof(out));
	assert_int_equal(n, 28 + len);
	assert_int_equal(ref_sum(out + 20, 8 + len, 0), 0xffff);
	/* not DF, a non-first fragment, about an ICMP error: no report */
	len = mk_pkt(in, true, IPPROTO_TCP, 1460, 0x10, 0, false);
	assert_false(esp_may_frag_report(in, len));
	len = mk_pkt(in, true, IPPROTO_TCP, 1460, 0x10, 0, true);
	set16(in + 6, 0x4010);
	assert_false(esp_may_frag_report(in, len));
	len = mk_pkt(in, true, IPPROTO_ICMP, 1460, 0, 0, true);
	in[20] = 3;
	assert_false(esp_may_frag_report(in, len));
	in[20] = 8; /* an echo request is fine */
	assert_true(esp_may_frag_report(in, len));
	in[12] = 224; /* multicast source */
	assert_false(esp_may_frag_report(in, len));
	/* IPv6: type 2 with a 32-bit MTU, quoting up to 1280 in all */
	len = mk_pkt(in, false, IPPROTO_TCP, 1500, 0x10, 0, true);
	assert_true(esp_may_frag_report(in, len));
	n = esp_icmp_too_big(in, len, 1400, out, sizeof(out));
	assert_int_equal(n, 1280);
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(be16(out + 4), 1240);
	assert_int_equal(out[6], IPPROTO_ICMPV6);
	assert_memory_equal(out + 8, DST6, 16);
	assert_memory_equal(out + 24, SRC6, 16);
	assert_int_equal(out[40], 2);
	assert_int_equal(be32(out + 44), 1400);
	assert_true(l4_ok(out, (size_t)n));
	assert_memory_equal(out + 48, in, 1232);
	len = mk_pkt(in, false, IPPROTO_ICMPV6, 1500, 0, 0, true);
	in[40] = 1; /* an error */
	assert_false(esp_may_frag_report(in, len));
	in[40] = 128;
	assert_true(esp_may_frag_report(in, len));
	/* truncations never read past the end */
	len = mk_pkt(in, true, IPPROTO_TCP, 100, 0x10, 0, true);
	for (size_t k = 0; k < 20; k++) {
		assert_false(esp_may_frag_report(in, k));
		assert_int_equal(esp_icmp_too_big(in, k, 1400, out, sizeof(out)), -EINVAL);
	}
	assert_int_equal(esp_icmp_too_big(in, len, 1400, out, 100), -EMSGSIZE);
}

/* RFC 6040 Figure 4, every cell, both families; the IPv4 header checksum
 * stays right. */
static void
test_ecn_decap(void **state)
{
	/* [inner][outer] -> result; -1: drop */
	static const int want[4][4] = {
		/* outer:  Not-ECT ECT(1) ECT(0) CE */
		/* Not-ECT */ { 0, 0, 0, -1 },
		/* ECT(1)  */ { 1, 1, 1, 3 },
		/* ECT(0)  */ { 2, 1, 2, 3 },
		/* CE      */ { 3, 3, 3, 3 },
	};

	for (int v4 = 0; v4 < 2; v4++)
		for (int ie = 0; ie < 4; ie++)
			for (int oe = 0; oe < 4; oe++) {
				size_t	len = mk_pkt(in, v4, IPPROTO_UDP, 20, 0, 0, true);
				uint8_t tos = (uint8_t)(0xb8 | ie); /* EF + ECN */
				bool	ok;

				if (v4) {
					in[1] = tos;
					set16(in + 10, 0);
					set16(in + 10, (uint16_t)~ref_sum(in, 20, 0));
				} else {
					in[0] = (uint8_t)(0x60 | tos >> 4);
					in[1] = (uint8_t)(tos << 4);
				}
				assert_int_equal(esp_inner_tos(in, len), tos);
				ok = esp_ecn_decap(in, len, (uint8_t)(0x28 | oe));
				if (want[ie][oe] < 0) {
					assert_false(ok);
					continue;
				}
				assert_true(ok);
				/* the DSCP is the inner one's; only ECN may change */
				assert_int_equal(esp_inner_tos(in, len), (0xb8 | want[ie][oe]));
				if (v4)
					assert_true(ip4_hdr_ok(in));
			}
	assert_int_equal(esp_inner_tos(in, 1), 0);
	assert_true(esp_ecn_decap(in, 1, 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_lib),
		cmocka_unit_test(test_tso4),
		cmocka_unit_test(test_tso6),
		cmocka_unit_test(test_uso),
		cmocka_unit_test(test_gso_refused),
		cmocka_unit_test(test_csum_completion),
		cmocka_unit_test(test_mss_clamp),
		cmocka_unit_test(test_icmp_too_big),
		cmocka_unit_test(test_ecn_decap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
