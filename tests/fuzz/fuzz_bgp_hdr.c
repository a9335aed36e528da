/* tests/fuzz/fuzz_bgp_hdr.c - fuzz BGP message framing (bgp_hdr_decode / bgp_msg_frame) over a byte stream. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_rd	  s, body;
	struct bgp_hdr	  h;
	struct bgp_notify n;
	size_t		  max;
	int		  rc;

	if (size < 1)
		return 0;
	max = (data[0] & 1) ? BGP_MAX_EXT_MSG : BGP_MAX_MSG;
	s = wire_rd_init(data + 1, size - 1);
	while ((rc = bgp_msg_frame(&s, max, &h, &body, &n)) == 0) {
		if (h.len < BGP_HDR_LEN || h.len > max ||
		    wire_left(&body) != (size_t)h.len - BGP_HDR_LEN)
			abort();
	}
	if (rc != -EAGAIN && rc != -EBADMSG)
		abort();
	if (rc == -EBADMSG && n.code != BGP_ERR_HEADER)
		abort();
	return 0;
}
