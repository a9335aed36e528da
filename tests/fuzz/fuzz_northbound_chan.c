/* tests/fuzz/fuzz_northbound_chan.c - fuzz the channel decoder hybridgwd runs on every request of hybridgw-netconf (nb_chan.c). */
/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const struct wire_rd *v, const uint8_t *data, size_t size)
{
	if (v->len && (v->p < data || v->p + v->len > data + size))
		abort(); /* every view points into the message */
}

/* A text field the routing side hands to libyang as a C string. */
static void
text(const struct wire_rd *t, const uint8_t *data, size_t size)
{
	inside(t, data, size);
	if (t->len == 0 || t->p[t->len - 1] != '\0' || strlen((const char *)t->p) != t->len - 1)
		abort();
}

static void
check(const struct nb_chan_msg *m, const uint8_t *data, size_t size)
{
	const struct wire_rd *v[] = { &m->who.user, &m->who.host, &m->persist, &m->persist_id,
		&m->hint, &m->blob, &m->path, &m->text, &m->app_tag, &m->pieces };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		inside(v[i], data, size);
		if (v[i] != &m->blob && v[i] != &m->pieces && v[i]->len &&
		    memchr(v[i]->p, '\0', v[i]->len))
			abort(); /* strings never hold a NUL */
	}
	switch (m->type) {
	case NB_CHAN_COMMIT:
	case NB_CHAN_CHECK:
	case NB_CHAN_RPC:
	case NB_CHAN_STARTUP_SET:
		text(&m->blob, data, size);
		break;
	case NB_CHAN_DATA: {
		struct wire_rd	     walk = m->pieces;
		struct nb_chan_piece p;

		for (uint32_t i = 0; i < m->npieces; i++) {
			if (!nb_chan_piece_next(&walk, &p))
				abort(); /* the decoder checked them all */
			text(&p.text, data, size);
		}
		if (!wire_empty(&walk))
			abort();
		break;
	}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_chan_msg m;
	uint32_t	   blen;

	if (nb_chan_decode(wire_rd_init(data, size), true, &m) == NB_CHAN_OK) {
		if (m.type == 0 || m.type > NB_CHAN_REQ_LAST || m.id == 0)
			abort(); /* only requests, with an id, reach the routing side */
		if (nb_chan_hdr_peek(wire_rd_init(data, size), &blen) != NB_CHAN_OK ||
		    (size_t)blen + NB_CHAN_HDR_LEN != size)
			abort();
		check(&m, data, size);
	}
	if (nb_chan_decode(wire_rd_init(data, size), false, &m) == NB_CHAN_OK) {
		if (m.type <= NB_CHAN_REQ_LAST)
			abort();
		check(&m, data, size);
	}
	return 0;
}
