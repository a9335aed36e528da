/* lib/wire.h - bounds-checked readers and writers for every wire format. No allocation. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_WIRE_H
#define HGW_LIB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A reader is a borrowed view: it never owns the bytes. Every get either
 * consumes exactly what it asks for and returns true, or consumes nothing and
 * returns false; a decoder chains gets and ends with wire_empty().
 */
struct wire_rd {
	const uint8_t *p;
	size_t	       len; /* bytes left */
};

static inline struct wire_rd
wire_rd_init(const void *p, size_t len)
{
	struct wire_rd r = { p, len };
	return r;
}
static inline bool
wire_empty(const struct wire_rd *r)
{
	return r->len == 0;
}
static inline size_t
wire_left(const struct wire_rd *r)
{
	return r->len;
}

bool wire_get_u8(struct wire_rd *, uint8_t *);
bool wire_get_u16(struct wire_rd *, uint16_t *); /* from network order */
bool wire_get_u24(struct wire_rd *, uint32_t *);
bool wire_get_u32(struct wire_rd *, uint32_t *);
bool wire_get_u64(struct wire_rd *, uint64_t *);
bool wire_get_bytes(struct wire_rd *, void *, size_t);	       /* copy out */
bool wire_get_sub(struct wire_rd *, size_t, struct wire_rd *); /* carve a sub-view */
bool wire_skip(struct wire_rd *, size_t);
bool wire_peek_u8(const struct wire_rd *, uint8_t *);

/*
 * A writer fills a caller-owned buffer. Overflow is sticky: puts after the
 * first overflow do nothing, and the caller checks wire_wr_ok() once before
 * sending.
 */
struct wire_wr {
	uint8_t *p;
	size_t	 cap, off;
	bool	 overflow;
};

static inline struct wire_wr
wire_wr_init(void *p, size_t cap)
{
	struct wire_wr w = { p, cap, 0, false };
	return w;
}
static inline bool
wire_wr_ok(const struct wire_wr *w)
{
	return !w->overflow;
}
static inline size_t
wire_wr_len(const struct wire_wr *w)
{
	return w->off;
}
static inline size_t
wire_wr_room(const struct wire_wr *w)
{
	return w->overflow ? 0 : w->cap - w->off;
}

void wire_put_u8(struct wire_wr *, uint8_t);
void wire_put_u16(struct wire_wr *, uint16_t); /* to network order */
void wire_put_u24(struct wire_wr *, uint32_t);
void wire_put_u32(struct wire_wr *, uint32_t);
void wire_put_u64(struct wire_wr *, uint64_t);
void wire_put_bytes(struct wire_wr *, const void *, size_t);
void wire_put_zero(struct wire_wr *, size_t);

/* Reserve a length field now and fill it once what it covers is written;
 * the length counts the bytes after the field. A value too big for the field
 * sets overflow. */
size_t wire_mark_len8(struct wire_wr *);
size_t wire_mark_len16(struct wire_wr *);
void   wire_patch_len8(struct wire_wr *, size_t mark);
void   wire_patch_len16(struct wire_wr *, size_t mark);
/* Overwrite a u16 at an absolute offset already written (e.g. a header length). */
void wire_patch_u16(struct wire_wr *, size_t at, uint16_t);

#endif
