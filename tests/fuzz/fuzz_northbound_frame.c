/* tests/fuzz/fuzz_northbound_frame.c - fuzz the NETCONF framing checker: any byte stream, any split, the same verdict. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_nc_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ncf whole, split;
	int	   a, b = 0;
	size_t	   i = 0, step;

	if (size < 1)
		return 0;
	/* the first byte picks the transport's read size */
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	ncf_init(&whole);
	whole.max = 4096;
	a = ncf_feed(&whole, data, size);
	ncf_init(&split);
	split.max = 4096;
	while (i < size && b == 0) {
		size_t n = size - i < step ? size - i : step;

		b = ncf_feed(&split, data + i, n);
		i += n;
	}
	if (a != b || whole.messages != split.messages || (a != 0) != (whole.err != NULL))
		abort();
	if (a == 0 && whole.msg_len > whole.max + 6)
		abort();
	return 0;
}
