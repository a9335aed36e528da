/* tests/fuzz/fuzz_failover_bfd.c - libFuzzer harness for the BFD control packet decoder. */
/* SPDX-License-Identifier: ISC */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failover/bfd_codec.h"
#include "failover/bfd_local.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct bfd_pkt p, q;
	struct bfd_fsm f;
	uint8_t	       out[BFD_PKT_MAX];
	struct wire_wr w = wire_wr_init(out, sizeof(out));
	struct wire_rd r;

	if (bfd_pkt_decode(wire_rd_init(data, len), &p) != BFD_OK)
		return 0;
	/* Whatever decodes re-encodes to the same Length bytes and decodes again. */
	if (bfd_pkt_encode(&p, &w) != 0)
		abort();
	if (wire_wr_len(&w) > len || memcmp(out, data, wire_wr_len(&w)) != 0)
		abort();
	r = wire_rd_init(out, wire_wr_len(&w));
	if (bfd_pkt_decode(r, &q) != BFD_OK)
		abort();
	/* And the state machine takes any valid packet in any state. */
	bfd_fsm_init(&f, 1, 50000, 50000, 3);
	for (int i = 0; i < 4; i++) {
		bfd_fsm_rx(&f, &p);
		(void)bfd_fsm_tx_interval_us(&f);
		(void)bfd_fsm_detect_us(&f);
		bfd_fsm_build(&f, &q, (i & 1) != 0);
		if (f.state > BFD_STATE_UP || (q.poll && q.final))
			abort();
	}
	bfd_fsm_expire(&f);
	return 0;
}
