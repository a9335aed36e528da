/* tests/fuzz/fuzz_bgp_open.c - fuzz the OPEN decoder; valid OPENs must survive encode + decode. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_open	  o, d;
	struct bgp_notify n;
	uint8_t		  buf[BGP_MAX_MSG];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;

	if (bgp_open_decode(wire_rd_init(data, size), &o, &n) != 0) {
		if (n.code != BGP_ERR_OPEN)
			abort();
		return 0;
	}
	(void)bgp_open_check(&o, 65001, 65001, 0x01020304, &o.caps, &n);
	if (bgp_open_encode(&w, &o) != 0)
		abort();
	s = wire_rd_init(buf, wire_wr_len(&w));
	if (bgp_msg_frame(&s, BGP_MAX_MSG, &h, &body, &n) != 0 || h.type != BGP_MSG_OPEN)
		abort();
	if (bgp_open_decode(body, &d, &n) != 0)
		abort();
	if (d.asn != o.asn || d.hold_time != o.hold_time || d.bgp_id != o.bgp_id ||
	    d.caps.mp_ipv4 != o.caps.mp_ipv4 || d.caps.mp_ipv6 != o.caps.mp_ipv6 ||
	    d.caps.as4 != o.caps.as4 || d.caps.ext_msg != o.caps.ext_msg ||
	    d.caps.route_refresh != o.caps.route_refresh ||
	    d.caps.enhanced_rr != o.caps.enhanced_rr || d.caps.gr != o.caps.gr ||
	    (o.caps.gr &&
		(d.caps.gr_time != o.caps.gr_time || d.caps.gr_flags != o.caps.gr_flags ||
		    d.caps.gr_af_count != o.caps.gr_af_count ||
		    memcmp(d.caps.gr_af, o.caps.gr_af,
			sizeof(o.caps.gr_af[0]) * o.caps.gr_af_count))))
		abort();
	return 0;
}
