/* vpn/esp_inner.c - what the tunnel does to inner packets besides carrying them: TCP MSS clamping and "too big" answers. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define TCP_SYN	   0x02
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

#define ICMP_UNREACH	      3
#define ICMP_UNREACH_NEEDFRAG 4	   /* RFC 1191 4 */
#define ICMP6_PACKET_TOO_BIG  2	   /* RFC 4443 3.2 */
#define ICMP4_QUOTE_TOTAL     576  /* RFC 1812 4.3.2.3 */
#define ICMP6_QUOTE_TOTAL     1280 /* RFC 4443 2.4 (c) */

/* Where the TCP header starts, if pkt is an unfragmented IPv4 or plain
 * IPv6 TCP packet; 0 otherwise. */
static size_t
inner_tcp_off(struct wire_rd r, int *family)
{
	uint8_t	 vihl, proto;
	uint16_t frag;

	if (!wire_peek_u8(&r, &vihl))
		return 0;
	if (vihl >> 4 == 4) {
		*family = AF_INET;
		if ((vihl & 0xf) < 5 || !wire_skip(&r, 6) || !wire_get_u16(&r, &frag) ||
		    (frag & 0x1fff) != 0 || !wire_skip(&r, 1) || !wire_get_u8(&r, &proto) ||
		    proto != IPPROTO_TCP)
			return 0;
		return (size_t)(vihl & 0xf) * 4;
	}
	if (vihl >> 4 == 6) {
		*family = AF_INET6;
		if (!wire_skip(&r, 6) || !wire_get_u8(&r, &proto) || proto != IPPROTO_TCP)
			return 0;
		return 40;
	}
	return 0;
}

bool
esp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss, unsigned mtu)
{
	struct wire_rd r = wire_rd_init(pkt, len), opts;
	struct wire_wr w;
	int	       family = 0;
	size_t	       off = inner_tcp_off(r, &family), at;
	uint8_t	       doff, flags, kind, olen;
	uint16_t       old, check;
	unsigned       fit;
	uint64_t       sum;

	if (off == 0 || !wire_skip(&r, off + 12) || !wire_get_u8(&r, &doff) ||
	    !wire_get_u8(&r, &flags) || !(flags & TCP_SYN) || (doff >> 4) < 5 ||
	    !wire_skip(&r, 2) || !wire_get_u16(&r, &check) || !wire_skip(&r, 2) ||
	    !wire_get_sub(&r, (size_t)(doff >> 4) * 4 - 20, &opts))
		return false;
	fit = mtu - (family == AF_INET ? 40 : 60);
	if (mss > fit)
		mss = (uint16_t)fit;
	/* RFC 9293 3.2: walk the options for kind 2. */
	while (!wire_empty(&opts)) {
		if (!wire_get_u8(&opts, &kind) || kind == TCPOPT_EOL)
			return false;
		if (kind == TCPOPT_NOP)
			continue;
		if (!wire_get_u8(&opts, &olen) || olen < 2)
			return false;
		if (kind != TCPOPT_MSS || olen != 4) {
			if (!wire_skip(&opts, olen - 2u))
				return false;
			continue;
		}
		at = len - wire_left(&opts); /* the option's value */
		if (!wire_get_u16(&opts, &old) || old <= mss)
			return false;
		w = wire_wr_init(pkt + at, 2);
		wire_put_u16(&w, mss);
		/* RFC 1624 3: HC' = ~(~HC + ~m + m') */
		sum = (uint16_t)~check;
		sum += (uint16_t)~old;
		sum += mss;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		w = wire_wr_init(pkt + off + 16, 2);
		wire_put_u16(&w, (uint16_t)~sum);
		return true;
	}
	return false;
}

static bool
addr4_unicast(struct wire_rd a)
{
	uint8_t b[4];

	if (!wire_get_bytes(&a, b, 4))
		return false;
	return !(b[0] == 0 || b[0] >= 224 || b[0] == 127);
}

bool
esp_may_frag_report(const uint8_t *pkt, size_t len)
{
	struct wire_rd r = wire_rd_init(pkt, len), src;
	uint8_t	       vihl, proto, type;
	uint16_t       frag;

	if (!wire_peek_u8(&r, &vihl))
		return false;
	if (vihl >> 4 == 4) {
		if ((vihl & 0xf) < 5 || !wire_skip(&r, 6) || !wire_get_u16(&r, &frag) ||
		    !wire_skip(&r, 1) || !wire_get_u8(&r, &proto) || !wire_skip(&r, 2) ||
		    !wire_get_sub(&r, 4, &src) || !wire_skip(&r, (vihl & 0xf) * 4u - 16))
			return false;
		/* RFC 1191 3: only DF packets; RFC 1812 4.3.2.7: never about
		 * a non-first fragment, an ICMP error or a non-unicast source. */
		if (!(frag & 0x4000) || (frag & 0x1fff) != 0 || !addr4_unicast(src))
			return false;
		if (proto == IPPROTO_ICMP &&
		    (!wire_get_u8(&r, &type) ||
			!(type == 0 || type == 8 || (type >= 13 && type <= 18))))
			return false;
		return true;
	}
	if (vihl >> 4 == 6) {
		uint8_t s0;

		if (!wire_skip(&r, 6) || !wire_get_u8(&r, &proto) || !wire_skip(&r, 1) ||
		    !wire_get_sub(&r, 16, &src) || !wire_skip(&r, 16) ||
		    !wire_peek_u8(&src, &s0))
			return false;
		/* RFC 4443 2.4 (e): not to a multicast or unspecified source. */
		if (s0 == 0xff)
			return false;
		{
			uint8_t z[16] = { 0 }, a[16];

			if (!wire_get_bytes(&src, a, 16) || memcmp(a, z, 16) == 0)
				return false;
		}
		if (proto == IPPROTO_ICMPV6 && (!wire_get_u8(&r, &type) || type < 128))
			return false; /* RFC 4443 2.4 (e.1): not about an error */
		return true;
	}
	return false;
}

int
esp_icmp_too_big(const uint8_t *pkt, size_t len, unsigned mtu, uint8_t *out, size_t cap)
{
	struct wire_rd r = wire_rd_init(pkt, len);
	struct wire_wr w = wire_wr_init(out, cap);
	uint8_t	       vihl, src[16], dst[16];
	size_t	       quote;
	uint64_t       sum;

	if (!wire_peek_u8(&r, &vihl))
		return -EINVAL;
	if (vihl >> 4 == 4) {
		if (!wire_skip(&r, 12) || !wire_get_bytes(&r, src, 4) ||
		    !wire_get_bytes(&r, dst, 4))
			return -EINVAL;
		quote = len < ICMP4_QUOTE_TOTAL - 28 ? len : ICMP4_QUOTE_TOTAL - 28;
		wire_put_u8(&w, 0x45);
		wire_put_u8(&w, 0);
		wire_put_u16(&w, (uint16_t)(28 + quote));
		wire_put_u32(&w, 0); /* id, flags, offset */
		wire_put_u8(&w, 64);
		wire_put_u8(&w, IPPROTO_ICMP);
		wire_put_u16(&w, 0);	    /* checksum, below */
		wire_put_bytes(&w, dst, 4); /* from the unreachable destination */
		wire_put_bytes(&w, src, 4);
		wire_put_u8(&w, ICMP_UNREACH);
		wire_put_u8(&w, ICMP_UNREACH_NEEDFRAG);
		wire_put_u16(&w, 0);
		wire_put_u16(&w, 0);		 /* unused */
		wire_put_u16(&w, (uint16_t)mtu); /* next-hop MTU, RFC 1191 4 */
		wire_put_bytes(&w, pkt, quote);
		if (!wire_wr_ok(&w))
			return -EMSGSIZE;
		wire_patch_u16(&w, 10, esp_csum_final(esp_csum_add(0, out, 20)));
		wire_patch_u16(&w, 22, esp_csum_final(esp_csum_add(0, out + 20, 8 + quote)));
		return (int)wire_wr_len(&w);
	}
	if (vihl >> 4 == 6) {
		if (!wire_skip(&r, 8) || !wire_get_bytes(&r, src, 16) ||
		    !wire_get_bytes(&r, dst, 16))
			return -EINVAL;
		quote = len < ICMP6_QUOTE_TOTAL - 48 ? len : ICMP6_QUOTE_TOTAL - 48;
		wire_put_u32(&w, 0x60000000);
		wire_put_u16(&w, (uint16_t)(8 + quote));
		wire_put_u8(&w, IPPROTO_ICMPV6);
		wire_put_u8(&w, 64);
		wire_put_bytes(&w, dst, 16);
		wire_put_bytes(&w, src, 16);
		wire_put_u8(&w, ICMP6_PACKET_TOO_BIG);
		wire_put_u8(&w, 0);
		wire_put_u16(&w, 0);
		wire_put_u32(&w, mtu);
		wire_put_bytes(&w, pkt, quote);
		if (!wire_wr_ok(&w))
			return -EMSGSIZE;
		sum =
		    esp_csum_pseudo(AF_INET6, dst, src, IPPROTO_ICMPV6, (uint32_t)(8 + quote));
		wire_patch_u16(&w, 42, esp_csum_final(esp_csum_add(sum, out + 40, 8 + quote)));
		return (int)wire_wr_len(&w);
	}
	return -EINVAL;
}

#define ECN_MASK    0x03
#define ECN_NOT_ECT 0x00
#define ECN_ECT1    0x01
#define ECN_ECT0    0x02
#define ECN_CE	    0x03

uint8_t
esp_inner_tos(const uint8_t *pkt, size_t len)
{
	struct wire_rd r = wire_rd_init(pkt, len);
	uint8_t	       b0, b1;

	if (!wire_get_u8(&r, &b0) || !wire_get_u8(&r, &b1))
		return 0;
	if (b0 >> 4 == 4)
		return b1;
	if (b0 >> 4 == 6) /* traffic class straddles the first two bytes */
		return (uint8_t)(b0 << 4 | b1 >> 4);
	return 0;
}

bool
esp_ecn_decap(uint8_t *pkt, size_t len, uint8_t outer_tos)
{
	struct wire_rd r = wire_rd_init(pkt, len);
	struct wire_wr w;
	uint8_t	       b0, in, out = outer_tos & ECN_MASK, to;
	uint16_t       old, check;
	uint64_t       sum;

	if (out != ECN_CE && out != ECN_ECT1)
		return true; /* nothing to carry in (RFC 6040 Figure 4) */
	if (!wire_peek_u8(&r, &b0) || len < 2)
		return true;
	in = esp_inner_tos(pkt, len) & ECN_MASK;
	if (out == ECN_CE) {
		if (in == ECN_NOT_ECT)
			return false; /* congestion the endpoints cannot be told of */
		to = ECN_CE;
	} else if (in == ECN_ECT0)
		to = ECN_ECT1;
	else
		return true;
	if (to == in)
		return true;
	if (b0 >> 4 == 4) {
		if (len < 20 || !wire_get_u16(&r, &old) || !wire_skip(&r, 8) ||
		    !wire_get_u16(&r, &check))
			return true;
		w = wire_wr_init(pkt + 1, 1);
		wire_put_u8(&w, (uint8_t)((pkt[1] & ~ECN_MASK) | to));
		/* RFC 1624 3: the header checksum, incrementally */
		sum = (uint16_t)~check;
		sum += (uint16_t)~old;
		sum += (uint16_t)(old & ~ECN_MASK) | to;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		w = wire_wr_init(pkt + 10, 2);
		wire_put_u16(&w, (uint16_t)~sum);
	} else if (b0 >> 4 == 6) {
		/* the ECN bits are the low two of the traffic class: bits 4-5
		 * of the second byte */
		w = wire_wr_init(pkt + 1, 1);
		wire_put_u8(&w, (uint8_t)((pkt[1] & ~(ECN_MASK << 4)) | to << 4));
	}
	return true;
}
