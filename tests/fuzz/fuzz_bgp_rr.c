/* tests/fuzz/fuzz_bgp_rr.c - fuzz the ROUTE-REFRESH decoder. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_rr	  rr, d;
	struct bgp_notify n;
	uint8_t		  buf[32];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;

	if (bgp_rr_decode(wire_rd_init(data, size), &rr, &n) != 0) {
		if (n.code != BGP_ERR_ROUTE_REFRESH || n.data_len != size)
			abort();
		return 0;
	}
	if (size < 4 || (rr.subtype != BGP_RR_NORMAL && size != 4))
		abort();
	if (bgp_rr_encode(&w, &rr) != 0)
		abort();
	s = wire_rd_init(buf, wire_wr_len(&w));
	if (bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &n) != 0 ||
	    bgp_rr_decode(body, &d, &n) != 0 || d.afi != rr.afi || d.safi != rr.safi ||
	    d.subtype != rr.subtype)
		abort();
	return 0;
}
