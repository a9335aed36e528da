/* northbound/nb_chan.c - encode and decode the messages between hybridgwd and hybridgw-netconf (pure decoder, fuzzed). */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_chan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ decoding */

enum nb_chan_err
nb_chan_hdr_peek(struct wire_rd rd, uint32_t *body_len)
{
	if (!wire_get_u32(&rd, body_len) || wire_left(&rd) < NB_CHAN_HDR_LEN - 4)
		return NB_CHAN_ERR_SHORT;
	return NB_CHAN_OK;
}

/* A string field: bounded, no NUL (it becomes a C string). */
static enum nb_chan_err
get_str(struct wire_rd *r, struct wire_rd *s)
{
	uint32_t n;

	if (!wire_get_u32(r, &n) || n > NB_CHAN_MAX_STR || !wire_get_sub(r, n, s))
		return NB_CHAN_ERR_FIELD;
	if (n && memchr(s->p, '\0', n))
		return NB_CHAN_ERR_STRING;
	return NB_CHAN_OK;
}

static enum nb_chan_err
get_blob(struct wire_rd *r, struct wire_rd *b)
{
	uint32_t n;

	if (!wire_get_u32(r, &n) || !wire_get_sub(r, n, b))
		return NB_CHAN_ERR_FIELD;
	return NB_CHAN_OK;
}

/* A text for libyang: its NUL last and nowhere else. */
static enum nb_chan_err
get_text(struct wire_rd *r, struct wire_rd *t)
{
	enum nb_chan_err e;

	if ((e = get_blob(r, t)) != NB_CHAN_OK)
		return e;
	if (wire_left(t) == 0 || t->p[wire_left(t) - 1] != '\0' ||
	    memchr(t->p, '\0', wire_left(t) - 1))
		return NB_CHAN_ERR_STRING;
	return NB_CHAN_OK;
}

static enum nb_chan_err
get_who(struct wire_rd *r, struct nb_chan_who *w)
{
	enum nb_chan_err e;

	if (!wire_get_u32(r, &w->sid))
		return NB_CHAN_ERR_FIELD;
	if ((e = get_str(r, &w->user)) != NB_CHAN_OK)
		return e;
	return get_str(r, &w->host);
}

/* The flags each type may carry, and whether it travels toward routing. */
static const struct {
	uint16_t flags;
	bool	 request;
	bool	 known;
} chan_types[NB_CHAN_NOTIFY + 1] = {
	[NB_CHAN_HELLO] = { 0, true, true },
	[NB_CHAN_COMMIT] = { NB_CHAN_F_CONFIRMED | NB_CHAN_F_PERSIST | NB_CHAN_F_PERSIST_ID |
		NB_CHAN_F_CC | NB_CHAN_F_DIFF | NB_CHAN_F_PATCH,
	    true, true },
	[NB_CHAN_CHECK] = { 0, true, true },
	[NB_CHAN_CANCEL] = { NB_CHAN_F_PERSIST_ID, true, true },
	[NB_CHAN_STATE] = { NB_CHAN_F_BULK, true, true },
	[NB_CHAN_RPC] = { 0, true, true },
	[NB_CHAN_STARTUP_GET] = { 0, true, true },
	[NB_CHAN_STARTUP_SET] = { NB_CHAN_F_RUNNING, true, true },
	[NB_CHAN_STARTUP_DEL] = { 0, true, true },
	[NB_CHAN_SESSION_END] = { 0, true, true },
	[NB_CHAN_BIND] = { 0, true, true },
	[NB_CHAN_RESULT] = { 0, false, true },
	[NB_CHAN_DATA] = { 0, false, true },
	[NB_CHAN_RUNNING] = { NB_CHAN_F_YOURS, false, true },
	[NB_CHAN_CONFIRM] = { NB_CHAN_F_PENDING | NB_CHAN_F_PERSISTENT, false, true },
	[NB_CHAN_NOTIFY] = { NB_CHAN_F_REPLAY, false, true },
};

static enum nb_chan_err
decode_request(struct wire_rd *b, struct nb_chan_msg *m)
{
	enum nb_chan_err e = NB_CHAN_OK;

	switch (m->type) {
	case NB_CHAN_HELLO:
		if (!wire_get_u32(b, &m->version))
			return NB_CHAN_ERR_FIELD;
		return m->version == NB_CHAN_VERSION ? NB_CHAN_OK : NB_CHAN_ERR_VALUE;
	case NB_CHAN_COMMIT:
		if ((e = get_who(b, &m->who)) != NB_CHAN_OK)
			return e;
		if (!wire_get_u32(b, &m->timeout))
			return NB_CHAN_ERR_FIELD;
		/* a persistent or confirmed commit only as the <commit> operation */
		if ((m->flags &
			(NB_CHAN_F_CONFIRMED | NB_CHAN_F_PERSIST | NB_CHAN_F_PERSIST_ID)) &&
		    !(m->flags & NB_CHAN_F_CC))
			return NB_CHAN_ERR_FLAGS;
		if ((m->flags & NB_CHAN_F_PERSIST) && !(m->flags & NB_CHAN_F_CONFIRMED))
			return NB_CHAN_ERR_FLAGS;
		if ((m->flags & NB_CHAN_F_PERSIST) &&
		    (e = get_str(b, &m->persist)) != NB_CHAN_OK)
			return e;
		if ((m->flags & NB_CHAN_F_PERSIST_ID) &&
		    (e = get_str(b, &m->persist_id)) != NB_CHAN_OK)
			return e;
		if (m->flags & NB_CHAN_F_PATCH) {
			struct wire_rd walk, path;

			if (!wire_get_u64(b, &m->base) || !wire_get_u32(b, &m->npaths) ||
			    m->npaths == 0 || m->npaths > NB_CHAN_MAX_PATHS)
				return NB_CHAN_ERR_FIELD;
			m->paths = *b;
			walk = *b;
			for (uint32_t i = 0; i < m->npaths; i++)
				if ((e = get_str(&walk, &path)) != NB_CHAN_OK)
					return e;
			m->paths.len -= wire_left(&walk);
			*b = walk;
		}
		return get_text(b, &m->blob);
	case NB_CHAN_CHECK:
		return get_text(b, &m->blob);
	case NB_CHAN_CANCEL:
		if ((e = get_who(b, &m->who)) != NB_CHAN_OK)
			return e;
		if (m->flags & NB_CHAN_F_PERSIST_ID)
			return get_str(b, &m->persist_id);
		return NB_CHAN_OK;
	case NB_CHAN_STATE:
		return get_str(b, &m->hint);
	case NB_CHAN_RPC:
		if ((e = get_who(b, &m->who)) != NB_CHAN_OK)
			return e;
		return get_text(b, &m->blob);
	case NB_CHAN_STARTUP_GET:
		return NB_CHAN_OK;
	case NB_CHAN_STARTUP_SET:
		if ((e = get_who(b, &m->who)) != NB_CHAN_OK)
			return e;
		if ((e = get_text(b, &m->blob)) != NB_CHAN_OK)
			return e;
		/* the running config is the routing process's own: no text */
		if ((m->flags & NB_CHAN_F_RUNNING) && wire_left(&m->blob) != 1)
			return NB_CHAN_ERR_FIELD;
		return NB_CHAN_OK;
	case NB_CHAN_STARTUP_DEL:
		return get_who(b, &m->who);
	case NB_CHAN_SESSION_END:
		return wire_get_u32(b, &m->sid) ? NB_CHAN_OK : NB_CHAN_ERR_FIELD;
	case NB_CHAN_BIND:
		if (!wire_get_u8(b, &m->family) || !wire_get_u16(b, &m->port) ||
		    !wire_get_bytes(b, m->addr, sizeof(m->addr)))
			return NB_CHAN_ERR_FIELD;
		if ((m->family != 4 && m->family != 6) || m->port == 0)
			return NB_CHAN_ERR_VALUE;
		return NB_CHAN_OK;
	}
	return NB_CHAN_ERR_TYPE;
}

static enum nb_chan_err
decode_answer(struct wire_rd *b, struct nb_chan_msg *m)
{
	enum nb_chan_err e = NB_CHAN_OK;
	uint32_t	 rc;

	switch (m->type) {
	case NB_CHAN_RESULT:
		if (!wire_get_u32(b, &rc) || !wire_get_u16(b, &m->tag))
			return NB_CHAN_ERR_FIELD;
		m->rc = (int32_t)rc;
		if (m->tag > NB_CHAN_TAG_LAST || (m->rc == 0) != (m->tag == NB_CHAN_TAG_NONE) ||
		    m->rc > 0)
			return NB_CHAN_ERR_VALUE;
		if ((e = get_str(b, &m->path)) != NB_CHAN_OK ||
		    (e = get_str(b, &m->text)) != NB_CHAN_OK)
			return e;
		return get_str(b, &m->app_tag);
	case NB_CHAN_DATA: {
		struct wire_rd walk;

		if ((e = get_blob(b, &m->blob)) != NB_CHAN_OK)
			return e;
		if (!wire_get_u32(b, &m->npieces) || m->npieces > NB_CHAN_MAX_PIECES)
			return NB_CHAN_ERR_FIELD;
		m->pieces = *b;
		walk = *b;
		for (uint32_t i = 0; i < m->npieces; i++) {
			struct nb_chan_piece p;

			if ((e = get_str(&walk, &p.parent)) != NB_CHAN_OK ||
			    (e = get_str(&walk, &p.list)) != NB_CHAN_OK ||
			    (e = get_text(&walk, &p.text)) != NB_CHAN_OK)
				return e;
		}
		*b = walk;
		return NB_CHAN_OK;
	}
	case NB_CHAN_RUNNING:
		if (!wire_get_u64(b, &m->gen))
			return NB_CHAN_ERR_FIELD;
		if ((e = get_blob(b, &m->blob)) != NB_CHAN_OK)
			return e;
		return (m->flags & NB_CHAN_F_YOURS) && !wire_empty(&m->blob) ?
		    NB_CHAN_ERR_FIELD :
		    NB_CHAN_OK;
	case NB_CHAN_CONFIRM:
		if (!wire_get_u32(b, &m->sid))
			return NB_CHAN_ERR_FIELD;
		if ((m->flags & NB_CHAN_F_PERSISTENT) && !(m->flags & NB_CHAN_F_PENDING))
			return NB_CHAN_ERR_FLAGS;
		return NB_CHAN_OK;
	case NB_CHAN_NOTIFY:
		if (!wire_get_u64(b, &m->sec) || !wire_get_u32(b, &m->nsec))
			return NB_CHAN_ERR_FIELD;
		if (m->nsec >= 1000000000u)
			return NB_CHAN_ERR_VALUE;
		return get_blob(b, &m->blob);
	}
	return NB_CHAN_ERR_TYPE;
}

enum nb_chan_err
nb_chan_decode(struct wire_rd msg, bool to_routing, struct nb_chan_msg *m)
{
	struct wire_rd	 body;
	uint32_t	 len;
	enum nb_chan_err e;

	memset(m, 0, sizeof(*m));
	if (!wire_get_u32(&msg, &len) || !wire_get_u16(&msg, &m->type) ||
	    !wire_get_u16(&msg, &m->flags) || !wire_get_u32(&msg, &m->id))
		return NB_CHAN_ERR_SHORT;
	if (len > (to_routing ? NB_CHAN_MAX_REQ : NB_CHAN_MAX_REPLY))
		return NB_CHAN_ERR_LEN;
	if (!wire_get_sub(&msg, len, &body))
		return NB_CHAN_ERR_SHORT;
	if (!wire_empty(&msg))
		return NB_CHAN_ERR_FIELD;
	if (m->type >= sizeof(chan_types) / sizeof(chan_types[0]) ||
	    !chan_types[m->type].known || chan_types[m->type].request != to_routing)
		return NB_CHAN_ERR_TYPE;
	if (m->flags & ~chan_types[m->type].flags)
		return NB_CHAN_ERR_FLAGS;
	/* requests and their answers carry an id, events none */
	if ((m->id != 0) !=
	    (to_routing || m->type == NB_CHAN_RESULT || m->type == NB_CHAN_DATA))
		return NB_CHAN_ERR_ID;
	e = to_routing ? decode_request(&body, m) : decode_answer(&body, m);
	if (e != NB_CHAN_OK)
		return e;
	return wire_empty(&body) ? NB_CHAN_OK : NB_CHAN_ERR_FIELD;
}

bool
nb_chan_piece_next(struct wire_rd *pieces, struct nb_chan_piece *p)
{
	return get_str(pieces, &p->parent) == NB_CHAN_OK &&
	    get_str(pieces, &p->list) == NB_CHAN_OK && get_text(pieces, &p->text) == NB_CHAN_OK;
}

bool
nb_chan_path_next(struct wire_rd *paths, struct wire_rd *path)
{
	return get_str(paths, path) == NB_CHAN_OK;
}

const char *
nb_chan_err_str(enum nb_chan_err e)
{
	switch (e) {
	case NB_CHAN_OK:
		return "ok";
	case NB_CHAN_ERR_SHORT:
		return "message cut short";
	case NB_CHAN_ERR_LEN:
		return "message too long";
	case NB_CHAN_ERR_TYPE:
		return "unknown message type";
	case NB_CHAN_ERR_ID:
		return "bad request id";
	case NB_CHAN_ERR_FLAGS:
		return "bad flags";
	case NB_CHAN_ERR_FIELD:
		return "bad field";
	case NB_CHAN_ERR_STRING:
		return "bad string";
	case NB_CHAN_ERR_VALUE:
		return "value out of range";
	}
	return "bad message";
}

const char *
nb_chan_type_str(uint16_t t)
{
	/* clang-format off */
	static const char *const names[] = {
		[NB_CHAN_HELLO] = "hello", [NB_CHAN_COMMIT] = "commit", [NB_CHAN_CHECK] = "check",
		[NB_CHAN_CANCEL] = "cancel-commit", [NB_CHAN_STATE] = "state",
		[NB_CHAN_RPC] = "rpc", [NB_CHAN_STARTUP_GET] = "startup-get",
		[NB_CHAN_STARTUP_SET] = "startup-set", [NB_CHAN_STARTUP_DEL] = "startup-delete",
		[NB_CHAN_SESSION_END] = "session-end", [NB_CHAN_BIND] = "bind",
		[NB_CHAN_RESULT] = "result", [NB_CHAN_DATA] = "data", [NB_CHAN_RUNNING] = "running",
		[NB_CHAN_CONFIRM] = "confirm", [NB_CHAN_NOTIFY] = "notify",
	};
	/* clang-format on */

	if (t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	return "?";
}

const char *
nb_chan_str(const struct wire_rd *s, char *buf, size_t len)
{
	size_t n = wire_left(s) < len - 1 ? wire_left(s) : len - 1;

	if (n)
		memcpy(buf, s->p, n);
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------ encoding */

static bool
out_room(struct nb_chan_out *o, size_t n)
{
	size_t	 cap;
	uint8_t *p;

	if (o->err)
		return false;
	if (o->len + n <= o->cap)
		return true;
	if (o->len + n > NB_CHAN_HDR_LEN + (size_t)NB_CHAN_MAX_REPLY) {
		o->err = -EMSGSIZE;
		return false;
	}
	for (cap = o->cap ? o->cap : 256; cap < o->len + n; cap *= 2)
		;
	if (!(p = realloc(o->p, cap))) {
		o->err = -ENOMEM;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

/* Through lib/wire over the part of the buffer grown for it. */
static void
out_put(struct nb_chan_out *o, size_t n, void (*fn)(struct wire_wr *, uint64_t), uint64_t v)
{
	struct wire_wr w;

	if (!out_room(o, n))
		return;
	w = wire_wr_init(o->p + o->len, n);
	fn(&w, v);
	o->len += wire_wr_len(&w);
}

static void
put8(struct wire_wr *w, uint64_t v)
{
	wire_put_u8(w, (uint8_t)v);
}
static void
put16(struct wire_wr *w, uint64_t v)
{
	wire_put_u16(w, (uint16_t)v);
}
static void
put32(struct wire_wr *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t)v);
}
static void
put64(struct wire_wr *w, uint64_t v)
{
	wire_put_u64(w, v);
}

void
nb_chan_put_u8(struct nb_chan_out *o, uint8_t v)
{
	out_put(o, 1, put8, v);
}

void
nb_chan_put_u16(struct nb_chan_out *o, uint16_t v)
{
	out_put(o, 2, put16, v);
}

void
nb_chan_put_u32(struct nb_chan_out *o, uint32_t v)
{
	out_put(o, 4, put32, v);
}

void
nb_chan_put_u64(struct nb_chan_out *o, uint64_t v)
{
	out_put(o, 8, put64, v);
}

void
nb_chan_put_bytes(struct nb_chan_out *o, const void *p, size_t n)
{
	struct wire_wr w;

	if (!out_room(o, n))
		return;
	w = wire_wr_init(o->p + o->len, n);
	wire_put_bytes(&w, p, n);
	o->len += wire_wr_len(&w);
}

void
nb_chan_begin(struct nb_chan_out *o, uint16_t type, uint16_t flags, uint32_t id)
{
	memset(o, 0, sizeof(*o));
	nb_chan_put_u32(o, 0); /* the length, patched by nb_chan_end() */
	nb_chan_put_u16(o, type);
	nb_chan_put_u16(o, flags);
	nb_chan_put_u32(o, id);
}

void
nb_chan_put_blob(struct nb_chan_out *o, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		o->err = -EMSGSIZE;
		return;
	}
	nb_chan_put_u32(o, (uint32_t)n);
	nb_chan_put_bytes(o, p, n);
}

void
nb_chan_put_str(struct nb_chan_out *o, const char *s)
{
	size_t n = s ? strnlen(s, NB_CHAN_MAX_STR) : 0;

	nb_chan_put_blob(o, s, n); /* cut to what the decoder takes */
}

void
nb_chan_put_text(struct nb_chan_out *o, const char *s)
{
	nb_chan_put_blob(o, s ? s : "", (s ? strlen(s) : 0) + 1);
}

void
nb_chan_put_who(struct nb_chan_out *o, uint32_t sid, const char *user, const char *host)
{
	nb_chan_put_u32(o, sid);
	nb_chan_put_str(o, user);
	nb_chan_put_str(o, host);
}

int
nb_chan_end(struct nb_chan_out *o)
{
	struct wire_wr w;

	if (!o->err && (o->len < NB_CHAN_HDR_LEN || o->len - NB_CHAN_HDR_LEN > UINT32_MAX))
		o->err = -EMSGSIZE;
	if (o->err) {
		free(o->p);
		o->p = NULL;
		o->len = o->cap = 0;
		return o->err;
	}
	w = wire_wr_init(o->p, 4);
	wire_put_u32(&w, (uint32_t)(o->len - NB_CHAN_HDR_LEN));
	return 0;
}
