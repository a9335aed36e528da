/* vpn/esp_gro.c - coalesce consecutive decrypted TCP segments of one flow into one TUN write (a GSO super-packet), as receive offload does in the kernel. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/*
 * Writing each decrypted packet to TUN costs the kernel a whole trip up the
 * stack per packet (routing, forwarding, the receiver's TCP). Segments that
 * the sender's TSO cut from one burst arrive back to back: handed to TUN as
 * one packet with a virtio GSO header, the kernel forwards and receives
 * them as one, and resegments only if some hop needs it. The rules follow
 * what kernel GRO merges: one TCP flow, contiguous sequence numbers, equal
 * headers but for the lengths and checksums (options included), only ACK
 * (PSH on the last), equal segment sizes but for a shorter last one, and
 * every checksum right (what we merge is no longer checked by the kernel).
 */

#define TCP_ACK	     0x10
#define TCP_PSH	     0x08
#define GRO_MAX_SEGS 64

struct gro_tcp {
	int	 family;
	size_t	 l3, l4, plen;
	uint32_t seq;
	uint8_t	 flags;
};

/* Is b a TCP segment we could merge (IPv4 without options or fragments, DF
 * set; IPv6 without extension headers; ACK or ACK|PSH; some payload)? */
static bool
gro_parse(const struct esp_buf *b, struct gro_tcp *t)
{
	struct wire_rd r = wire_rd_init(b->p, b->len);
	uint8_t	       vihl, proto, doff;
	uint16_t       frag;

	if (!wire_peek_u8(&r, &vihl))
		return false;
	if (vihl == 0x45) {
		t->family = AF_INET;
		t->l3 = 20;
		if (!wire_skip(&r, 6) || !wire_get_u16(&r, &frag) || frag != 0x4000 ||
		    !wire_skip(&r, 1) || !wire_get_u8(&r, &proto) || !wire_skip(&r, 10))
			return false;
	} else if (vihl >> 4 == 6) {
		t->family = AF_INET6;
		t->l3 = 40;
		if (!wire_skip(&r, 6) || !wire_get_u8(&r, &proto) || !wire_skip(&r, 33))
			return false;
	} else
		return false;
	if (proto != IPPROTO_TCP || !wire_skip(&r, 4) || !wire_get_u32(&r, &t->seq) ||
	    !wire_skip(&r, 4) || !wire_get_u8(&r, &doff) || !wire_get_u8(&r, &t->flags))
		return false;
	t->l4 = (size_t)(doff >> 4) * 4;
	if (t->l4 < 20 || b->len <= t->l3 + t->l4)
		return false;
	t->plen = b->len - t->l3 - t->l4;
	return t->flags == TCP_ACK || t->flags == (TCP_ACK | TCP_PSH);
}

/* The header bytes that must be equal in every merged segment: for IPv4
 * TOS, flags, TTL, protocol, addresses; for IPv6 class, flow, next header,
 * hop limit, addresses; for TCP ports, ACK number, data offset, window and
 * the options. */
static bool
gro_same(const struct esp_buf *a, const struct esp_buf *b, const struct gro_tcp *t)
{
	const uint8_t *x = a->p, *y = b->p;
	size_t	       l3 = t->l3;

	if (t->family == AF_INET) {
		if (x[1] != y[1] || memcmp(x + 6, y + 6, 4) != 0 ||
		    memcmp(x + 12, y + 12, 8) != 0)
			return false;
	} else if (memcmp(x, y, 4) != 0 || memcmp(x + 6, y + 6, 34) != 0)
		return false;
	return memcmp(x + l3, y + l3, 4) == 0 && memcmp(x + l3 + 8, y + l3 + 8, 5) == 0 &&
	    memcmp(x + l3 + 14, y + l3 + 14, 2) == 0 &&
	    memcmp(x + l3 + 20, y + l3 + 20, t->l4 - 20) == 0;
}

static bool
gro_csum_ok(const struct esp_buf *b, const struct gro_tcp *t)
{
	size_t	 alen = t->family == AF_INET ? 4 : 16;
	size_t	 src = t->family == AF_INET ? 12 : 8;
	uint64_t sum;

	sum = esp_csum_pseudo(t->family, b->p + src, b->p + src + alen, IPPROTO_TCP,
	    (uint32_t)(t->l4 + t->plen));
	return esp_csum_fold(esp_csum_add(sum, b->p + t->l3, t->l4 + t->plen)) == 0xffff;
}

unsigned
esp_gro_span(const struct esp_buf *pkts, unsigned n)
{
	struct gro_tcp h, p;
	size_t	       total;
	uint32_t       next;
	unsigned       k;

	if (n < 2 || !gro_parse(&pkts[0], &h) || h.flags != TCP_ACK)
		return 1;
	total = h.l3 + h.l4 + h.plen;
	next = h.seq + (uint32_t)h.plen;
	for (k = 1; k < n && k < GRO_MAX_SEGS; k++) {
		if (!gro_parse(&pkts[k], &p) || p.family != h.family || p.l4 != h.l4 ||
		    p.seq != next || p.plen > h.plen || total + p.plen > ESP_IP_MAXPACKET ||
		    !gro_same(&pkts[0], &pkts[k], &h) || !gro_csum_ok(&pkts[k], &p))
			break;
		if (k == 1 && !gro_csum_ok(&pkts[0], &h))
			return 1;
		total += p.plen;
		next += (uint32_t)p.plen;
		/* A short segment or a push ends the burst. */
		if (p.plen < h.plen || p.flags != TCP_ACK) {
			k++;
			break;
		}
	}
	return k;
}

static void
put16(uint8_t *b, size_t at, uint16_t v)
{
	struct wire_wr w = wire_wr_init(b + at, 2);

	wire_put_u16(&w, v);
}

int
esp_gro_build(const struct esp_buf *pkts, unsigned k, uint8_t *vnet, struct iovec *iov)
{
	struct gro_tcp	h, last;
	struct esp_vnet v = { 0 };
	uint8_t	       *p = pkts[0].p;
	size_t		sum_payload = 0, alen, src;
	uint64_t	ps;

	/* what esp_gro_span() accepted parses again; anything else is a
	 * caller's mistake, refused before a byte is patched */
	if (k < 2 || !gro_parse(&pkts[0], &h) || !gro_parse(&pkts[k - 1], &last))
		return -EINVAL;
	alen = h.family == AF_INET ? 4 : 16;
	src = h.family == AF_INET ? 12 : 8;
	iov[0].iov_base = vnet;
	iov[0].iov_len = ESP_VNET_LEN;
	iov[1].iov_base = p;
	iov[1].iov_len = pkts[0].len;
	for (unsigned i = 1; i < k; i++) {
		iov[i + 1].iov_base = pkts[i].p + h.l3 + h.l4;
		iov[i + 1].iov_len = pkts[i].len - h.l3 - h.l4;
		sum_payload += iov[i + 1].iov_len;
	}
	sum_payload += h.plen;
	if (h.family == AF_INET) {
		put16(p, 2, (uint16_t)(h.l3 + h.l4 + sum_payload));
		put16(p, 10, 0);
		put16(p, 10, esp_csum_final(esp_csum_add(0, p, h.l3)));
	} else
		put16(p, 4, (uint16_t)(h.l4 + sum_payload));
	p[h.l3 + 13] = last.flags; /* PSH, if the last had it */
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, uncomplemented;
	 * whoever segments or delivers it finishes the sum. */
	ps = esp_csum_pseudo(h.family, p + src, p + src + alen, IPPROTO_TCP,
	    (uint32_t)(h.l4 + sum_payload));
	put16(p, h.l3 + 16, esp_csum_fold(ps));
	v.flags = ESP_VNET_F_NEEDS_CSUM;
	v.gso_type = h.family == AF_INET ? ESP_GSO_TCPV4 : ESP_GSO_TCPV6;
	v.hdr_len = (uint16_t)(h.l3 + h.l4);
	v.gso_size = (uint16_t)h.plen;
	v.csum_start = (uint16_t)h.l3;
	v.csum_offset = 16;
	esp_vnet_encode(vnet, &v);
	return 0;
}
