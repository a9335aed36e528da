/* tests/fuzz/fuzz_bgp_notify.c - fuzz the NOTIFICATION decoder and its shutdown-message reader. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_notify n, d;
	char		  msg[300];
	static uint8_t	  buf[BGP_MAX_EXT_MSG];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;

	if (bgp_notify_decode(wire_rd_init(data, size), &n) != 0)
		return 0;
	if (bgp_notify_shutdown_msg(&n, msg, sizeof(msg)) == 0 && strlen(msg) > 255)
		abort();
	(void)bgp_notify_str(n.code, n.subcode);
	if (bgp_notify_encode(&w, &n, BGP_MAX_MSG) != 0)
		abort();
	s = wire_rd_init(buf, wire_wr_len(&w));
	if (bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &d) != 0)
		abort();
	if (bgp_notify_decode(body, &d) != 0 || d.code != n.code || d.subcode != n.subcode ||
	    (n.data_len <= BGP_MAX_MSG - 21 &&
		(d.data_len != n.data_len || memcmp(d.data, n.data, n.data_len) != 0)))
		abort();
	return 0;
}
