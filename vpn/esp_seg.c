/* vpn/esp_seg.c - segment the TSO/USO super-packets TUN hands over into inner-MTU packets, and finish offloaded checksums. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

void
esp_vnet_decode(const uint8_t *p, struct esp_vnet *v)
{
	uint16_t f[4];

	v->flags = p[0];
	v->gso_type = p[1];
	memcpy(f, p + 2, sizeof(f));
	v->hdr_len = le16toh(f[0]);
	v->gso_size = le16toh(f[1]);
	v->csum_start = le16toh(f[2]);
	v->csum_offset = le16toh(f[3]);
}

void
esp_vnet_encode(uint8_t *p, const struct esp_vnet *v)
{
	uint16_t f[4] = { htole16(v->hdr_len), htole16(v->gso_size), htole16(v->csum_start),
		htole16(v->csum_offset) };

	p[0] = v->flags;
	p[1] = v->gso_type;
	memcpy(p + 2, f, sizeof(f));
}

/* Overwrite a big-endian field of a packet we are building. */
static void
put16(uint8_t *b, size_t at, uint16_t v)
{
	struct wire_wr w = wire_wr_init(b + at, 2);

	wire_put_u16(&w, v);
}

static void
put32(uint8_t *b, size_t at, uint32_t v)
{
	struct wire_wr w = wire_wr_init(b + at, 4);

	wire_put_u32(&w, v);
}

/* A packet that only needs its checksum finished: the field holds the
 * pseudo-header sum, the rest is summed from csum_start to the end. */
static int
seg_finish_csum(const struct esp_vnet *v, uint8_t *pkt, size_t len)
{
	struct wire_rd r = wire_rd_init(pkt, len), data;
	size_t	       at = (size_t)v->csum_start + v->csum_offset;
	uint16_t       c;

	if (at + 2 > len || !wire_skip(&r, v->csum_start) ||
	    !wire_get_sub(&r, wire_left(&r), &data))
		return -EINVAL;
	c = esp_csum_final(esp_csum_add(0, data.p, wire_left(&data)));
	if (c == 0 && v->csum_offset == 6)
		c = 0xffff; /* UDP: zero would mean "no checksum" (RFC 768) */
	put16(pkt, at, c);
	return 0;
}

int
esp_seg_init(struct esp_seg *s, const struct esp_vnet *v, uint8_t *pkt, size_t len,
    unsigned mtu)
{
	struct wire_rd r = wire_rd_init(pkt, len);
	uint8_t	       vihl, doff;
	uint16_t       frag;
	uint8_t	       gso = v->gso_type & (uint8_t)~ESP_GSO_ECN;
	int	       rc;

	memset(s, 0, sizeof(*s));
	s->pkt = pkt;
	s->len = len;
	if (!wire_peek_u8(&r, &vihl))
		return -EINVAL;
	s->family = vihl >> 4 == 4 ? AF_INET : vihl >> 4 == 6 ? AF_INET6 : 0;
	if (s->family == 0)
		return -EINVAL;
	if (gso == ESP_GSO_NONE) {
		if ((v->flags & ESP_VNET_F_NEEDS_CSUM) &&
		    (rc = seg_finish_csum(v, pkt, len)) != 0)
			return rc;
		return len > mtu ? -EMSGSIZE : 0;
	}
	if (gso != ESP_GSO_TCPV4 && gso != ESP_GSO_TCPV6 && gso != ESP_GSO_UDP_L4)
		return -EINVAL;
	s->gso = true;
	if (s->family == AF_INET) {
		/* RFC 791 3.1: no options limit here, but no fragments. */
		s->l3 = (size_t)(vihl & 0xf) * 4;
		if (s->l3 < 20 || !wire_skip(&r, 4) || !wire_get_u16(&r, &s->ip_id) ||
		    !wire_get_u16(&r, &frag) || (frag & 0x3fff) != 0 || !wire_skip(&r, 1) ||
		    !wire_get_u8(&r, &s->proto) || !wire_skip(&r, s->l3 - 10))
			return -EINVAL;
		if (gso == ESP_GSO_TCPV6)
			return -EINVAL;
	} else {
		/* Extension headers would need walking; TUN's TSO6/USO6
		 * packets from the stack carry none. */
		s->l3 = 40;
		if (!wire_skip(&r, 6) || !wire_get_u8(&r, &s->proto) || !wire_skip(&r, 33))
			return -EINVAL;
		if (gso == ESP_GSO_TCPV4)
			return -EINVAL;
	}
	if (gso == ESP_GSO_UDP_L4) {
		if (s->proto != IPPROTO_UDP || !wire_skip(&r, 8))
			return -EINVAL;
		s->l4 = 8;
	} else {
		if (s->proto != IPPROTO_TCP || !wire_skip(&r, 4) ||
		    !wire_get_u32(&r, &s->tcp_seq) || !wire_skip(&r, 4) ||
		    !wire_get_u8(&r, &doff) || !wire_get_u8(&r, &s->tcp_flags))
			return -EINVAL;
		s->l4 = (size_t)(doff >> 4) * 4;
		if (s->l4 < 20 || !wire_skip(&r, s->l4 - 14))
			return -EINVAL;
	}
	if (wire_empty(&r) || v->gso_size == 0)
		return -EINVAL;
	s->mss = v->gso_size;
	if (s->l3 + s->l4 + s->mss > mtu) {
		/* TCP may be cut finer; a UDP datagram's size is the sender's. */
		if (s->proto != IPPROTO_TCP || s->l3 + s->l4 >= mtu)
			return -EINVAL;
		s->mss = mtu - s->l3 - s->l4;
	}
	return 0;
}

static size_t
seg_payload(const struct esp_seg *s)
{
	return s->len - s->l3 - s->l4;
}

unsigned
esp_seg_left(const struct esp_seg *s)
{
	if (!s->gso)
		return s->idx == 0 ? 1 : 0;
	return (unsigned)((seg_payload(s) - s->off + s->mss - 1) / s->mss);
}

size_t
esp_seg_peek_len(const struct esp_seg *s)
{
	size_t n;

	if (!s->gso)
		return s->idx == 0 ? s->len : 0;
	if (s->off >= seg_payload(s))
		return 0;
	n = seg_payload(s) - s->off;
	return s->l3 + s->l4 + (n < s->mss ? n : s->mss);
}

int
esp_seg_next(struct esp_seg *s, uint8_t *out, size_t cap)
{
	struct wire_rd r = wire_rd_init(s->pkt, s->len);
	size_t	       hdrs = s->l3 + s->l4, n, total = esp_seg_peek_len(s);
	bool	       last;
	uint8_t	       flags;
	uint16_t       c;
	uint64_t       sum;
	size_t	       alen = s->family == AF_INET ? 4 : 16;
	size_t	       src = s->family == AF_INET ? 12 : 8;

	if (total == 0)
		return 0;
	if (total > cap)
		return -EMSGSIZE;
	if (!s->gso) {
		if (!wire_get_bytes(&r, out, s->len))
			return -EINVAL;
		s->idx++;
		return (int)s->len;
	}
	n = total - hdrs;
	last = s->off + n == seg_payload(s);
	if (!wire_get_bytes(&r, out, hdrs) || !wire_skip(&r, s->off) ||
	    !wire_get_bytes(&r, out + hdrs, n))
		return -EINVAL;
	if (s->family == AF_INET) {
		put16(out, 2, (uint16_t)total);
		put16(out, 4, (uint16_t)(s->ip_id + s->idx));
		put16(out, 10, 0);
		put16(out, 10, esp_csum_final(esp_csum_add(0, out, s->l3)));
	} else
		put16(out, 4, (uint16_t)(total - 40));
	if (s->proto == IPPROTO_TCP) {
		/* RFC 793 3.1 per segment; FIN and PSH end the burst, CWR
		 * (RFC 3168 6.1.2) belongs to its first segment only. */
		flags = s->tcp_flags;
		if (!last)
			flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (s->idx > 0)
			flags &= (uint8_t)~TCP_CWR;
		put32(out, s->l3 + 4, s->tcp_seq + (uint32_t)s->off);
		out[s->l3 + 13] = flags;
		put16(out, s->l3 + 16, 0);
		sum = esp_csum_pseudo(s->family, out + src, out + src + alen, IPPROTO_TCP,
		    (uint32_t)(s->l4 + n));
		put16(out, s->l3 + 16,
		    esp_csum_final(esp_csum_add(sum, out + s->l3, s->l4 + n)));
	} else {
		put16(out, s->l3 + 4, (uint16_t)(8 + n));
		put16(out, s->l3 + 6, 0);
		sum = esp_csum_pseudo(s->family, out + src, out + src + alen, IPPROTO_UDP,
		    (uint32_t)(8 + n));
		c = esp_csum_final(esp_csum_add(sum, out + s->l3, 8 + n));
		put16(out, s->l3 + 6, c == 0 ? 0xffff : c);
	}
	s->off += n;
	s->idx++;
	return (int)total;
}
