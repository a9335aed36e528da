/* vpn/ike_frag.c - RFC 7383: reassembling SKF fragments in bounded memory, and sizing the fragments we send. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_crypto.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#define SKF_FIELDS 4 /* Fragment Number, Total Fragments */

void
ike_frag_reset(struct ike_frag *f)
{
	/* the pieces are decrypted payloads (AUTH data, identities) */
	OPENSSL_cleanse(f->buf, f->used < sizeof(f->buf) ? f->used : sizeof(f->buf));
	f->active = false;
	f->exchange = f->first = 0;
	f->msgid = 0;
	f->total = f->have = 0;
	f->seen = 0;
	f->used = 0;
}

static void
frag_start(struct ike_frag *f, const struct ike_msg *m)
{
	ike_frag_reset(f);
	f->active = true;
	f->msgid = m->hdr.msgid;
	f->exchange = m->hdr.exchange;
	f->total = m->sk.frag_total;
}

int
ike_frag_add(struct ike_frag *f, const struct ike_msg *m, struct wire_rd plain, uint8_t *out,
    size_t cap, struct wire_rd *whole, uint8_t *first)
{
	uint16_t num = m->sk.frag_num, total = m->sk.frag_total;
	uint64_t bit;
	size_t	 n = 0;

	*whole = wire_rd_init(out, 0);
	*first = 0;
	if (!ike_msg_has(m, IKE_PL_SKF) || num == 0 || num > total)
		return 0; /* the decoder drops these already */
	if (total > IKE_FRAG_MAX) {
		ike_frag_reset(f);
		return -EMSGSIZE;
	}
	/* RFC 7383 2.6: a new message, or the same one fragmented again
	 * with more (smaller) pieces, starts over; fewer pieces are late
	 * fragments of an earlier try */
	if (!f->active || f->msgid != m->hdr.msgid || f->exchange != m->hdr.exchange)
		frag_start(f, m);
	else if (total > f->total)
		frag_start(f, m);
	else if (total < f->total)
		return 0;
	bit = 1ULL << (num - 1);
	if (f->seen & bit)
		return 0; /* a retransmitted piece */
	if (wire_left(&plain) > sizeof(f->buf) - f->used) {
		ike_frag_reset(f);
		return -EMSGSIZE;
	}
	f->off[num - 1] = (uint16_t)f->used;
	f->len[num - 1] = (uint16_t)wire_left(&plain);
	(void)wire_get_bytes(&plain, f->buf + f->used, wire_left(&plain));
	f->used += f->len[num - 1];
	f->seen |= bit;
	f->have++;
	if (num == 1)
		f->first = m->sk.first;
	if (f->have < f->total)
		return 0;
	/* complete: the pieces in number order */
	if (cap < f->used) {
		ike_frag_reset(f);
		return -EMSGSIZE;
	}
	for (unsigned i = 0; i < f->total; i++) {
		memcpy(out + n, f->buf + f->off[i], f->len[i]);
		n += f->len[i];
	}
	*whole = wire_rd_init(out, n);
	*first = f->first;
	ike_frag_reset(f);
	return 1;
}

size_t
ike_frag_chunk_len(const struct ike_sk_dir *d, size_t msg_max)
{
	size_t fixed = IKE_HDR_LEN + IKE_PL_HDR_LEN + SKF_FIELDS + ike_sk_iv_len(d);
	size_t icv = ike_sk_overhead(d) - IKE_PL_HDR_LEN - ike_sk_iv_len(d) -
	    ike_encr_block_len(d->encr); /* the ICV alone */
	size_t block = ike_encr_block_len(d->encr), room;

	if (block == 0 || msg_max <= fixed + icv + block)
		return 0;
	/* ciphertext = inner + padding + pad length, whole blocks */
	room = (msg_max - fixed - icv) / block * block;
	return room - 1;
}
