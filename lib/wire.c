/* lib/wire.c - the one bounds-checked reader/writer that every codec goes through. */
/* SPDX-License-Identifier: ISC */
#include "lib/wire.h"

#include <string.h>

/* n == 0 leaves p alone: an empty view may be NULL, and NULL + 0 is UB in C. */
static inline void
wire_advance(struct wire_rd *r, size_t n)
{
	if (n > 0) {
		r->p += n;
		r->len -= n;
	}
}

bool
wire_get_bytes(struct wire_rd *r, void *out, size_t n)
{
	if (r->len < n)
		return false;
	if (n > 0)
		memcpy(out, r->p, n);
	wire_advance(r, n);
	return true;
}

static bool
wire_get_be(struct wire_rd *r, size_t n, uint64_t *v)
{
	uint64_t acc = 0;

	if (r->len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		acc = (acc << 8) | r->p[i];
	wire_advance(r, n);
	*v = acc;
	return true;
}

bool
wire_get_u8(struct wire_rd *r, uint8_t *v)
{
	uint64_t x;

	if (!wire_get_be(r, 1, &x))
		return false;
	*v = (uint8_t)x;
	return true;
}

bool
wire_get_u16(struct wire_rd *r, uint16_t *v)
{
	uint64_t x;

	if (!wire_get_be(r, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

bool
wire_get_u24(struct wire_rd *r, uint32_t *v)
{
	uint64_t x;

	if (!wire_get_be(r, 3, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool
wire_get_u32(struct wire_rd *r, uint32_t *v)
{
	uint64_t x;

	if (!wire_get_be(r, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool
wire_get_u64(struct wire_rd *r, uint64_t *v)
{
	return wire_get_be(r, 8, v);
}

bool
wire_get_sub(struct wire_rd *r, size_t n, struct wire_rd *sub)
{
	if (r->len < n)
		return false;
	sub->p = r->p;
	sub->len = n;
	wire_advance(r, n);
	return true;
}

bool
wire_skip(struct wire_rd *r, size_t n)
{
	if (r->len < n)
		return false;
	wire_advance(r, n);
	return true;
}

bool
wire_peek_u8(const struct wire_rd *r, uint8_t *v)
{
	if (r->len < 1)
		return false;
	*v = r->p[0];
	return true;
}

static void
wire_put_be(struct wire_wr *w, uint64_t v, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w->p[w->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->off += n;
}

void
wire_put_u8(struct wire_wr *w, uint8_t v)
{
	wire_put_be(w, v, 1);
}
void
wire_put_u16(struct wire_wr *w, uint16_t v)
{
	wire_put_be(w, v, 2);
}
void
wire_put_u24(struct wire_wr *w, uint32_t v)
{
	wire_put_be(w, v & 0xffffff, 3);
}
void
wire_put_u32(struct wire_wr *w, uint32_t v)
{
	wire_put_be(w, v, 4);
}
void
wire_put_u64(struct wire_wr *w, uint64_t v)
{
	wire_put_be(w, v, 8);
}

void
wire_put_bytes(struct wire_wr *w, const void *p, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->off, p, n);
	w->off += n;
}

void
wire_put_zero(struct wire_wr *w, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return;
	}
	if (n > 0)
		memset(w->p + w->off, 0, n);
	w->off += n;
}

size_t
wire_mark_len8(struct wire_wr *w)
{
	size_t at = w->off;

	wire_put_u8(w, 0);
	return at;
}

size_t
wire_mark_len16(struct wire_wr *w)
{
	size_t at = w->off;

	wire_put_u16(w, 0);
	return at;
}

void
wire_patch_len8(struct wire_wr *w, size_t mark)
{
	size_t n;

	if (w->overflow)
		return;
	n = w->off - mark - 1;
	if (n > UINT8_MAX) {
		w->overflow = true;
		return;
	}
	w->p[mark] = (uint8_t)n;
}

void
wire_patch_len16(struct wire_wr *w, size_t mark)
{
	size_t n;

	if (w->overflow)
		return;
	n = w->off - mark - 2;
	if (n > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	wire_patch_u16(w, mark, (uint16_t)n);
}

void
wire_patch_u16(struct wire_wr *w, size_t at, uint16_t v)
{
	if (w->overflow || at > w->off || w->off - at < 2) { /* no wrap-around */
		w->overflow = true;
		return;
	}
	w->p[at] = (uint8_t)(v >> 8);
	w->p[at + 1] = (uint8_t)v;
}
