/* tests/fuzz/fuzz_vpn_tun.c - libFuzzer harness for what the TUN device hands the dataplane: virtio header + packet -> checksum completion, segmentation, MSS clamp, ICMP too-big. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/esp_local.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Input: two bytes of MTU (clamped to 576..9000), the 10-byte virtio
 * header, then the packet. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t	pkt[70000], seg[10000], icmp[2000];
	struct esp_vnet v;
	struct esp_seg	s;
	unsigned	mtu, left;
	size_t		n, total = 0;
	int		rc, got;

	if (len < 2 + ESP_VNET_LEN || len - 2 - ESP_VNET_LEN > ESP_IP_MAXPACKET)
		return 0;
	mtu = 576 + ((unsigned)data[0] << 8 | data[1]) % (9000 - 576 + 1);
	esp_vnet_decode(data + 2, &v);
	n = len - 2 - ESP_VNET_LEN;
	memcpy(pkt, data + 2 + ESP_VNET_LEN, n);
	rc = esp_seg_init(&s, &v, pkt, n, mtu);
	if (rc == -EMSGSIZE) {
		if (esp_may_frag_report(pkt, n) &&
		    (got = esp_icmp_too_big(pkt, n, mtu, icmp, sizeof(icmp))) > 0 &&
		    (got > 1280 ||
			esp_inner_check(wire_rd_init(icmp, (size_t)got),
			    icmp[0] >> 4 == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6, &n) != ESP_OK))
			abort();
		return 0;
	}
	if (rc != 0)
		return 0;
	left = esp_seg_left(&s);
	while ((got = esp_seg_next(&s, seg, sizeof(seg))) > 0) {
		if (s.gso && (unsigned)got > mtu)
			abort();
		(void)esp_mss_clamp(seg, (size_t)got, 1350, mtu);
		total += (size_t)got;
		if (left-- == 0)
			abort();
	}
	if (left != 0 || got < 0 || (!s.gso && total != n))
		abort();
	return 0;
}
