/* northbound/nb_nc_frame.h - NETCONF message framing checker (RFC 6242 4): every byte a client sends passes it first. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NORTHBOUND_NC_FRAME_H
#define HGW_NORTHBOUND_NC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * libnetconf2 2.0.24 dies on some malformed chunk headers and hangs a
 * session on others (docs/northbound.md). So the stream from each client is
 * checked here before the library reads it: the <hello> and base:1.0
 * sessions end messages with "]]>]]>" (4.3), and once both sides announced
 * base:1.1 every message is chunked (4.2):
 *
 *	Chunked-Message = 1*chunk end-of-chunks
 *	chunk           = LF HASH chunk-size LF chunk-data
 *	chunk-size      = 1*DIGIT1 0*DIGIT	(1..4294967295)
 *	end-of-chunks   = LF HASH HASH LF
 *
 * A message may be no longer than NCF_MSG_MAX bytes (its chunk data; for
 * end-of-message framing the text before the marker; ncf.max). Pure: no allocation,
 * no I/O, no logging.
 */
#define NCF_MSG_MAX   (64u << 20)
#define NCF_CHUNK_MAX 4294967295ull

struct ncf {
	uint8_t	    state;
	bool	    hello_done;
	bool	    chunked;   /* base:1.1 announced by the client */
	uint8_t	    eom;       /* bytes of "]]>]]>" matched */
	uint8_t	    cap;       /* bytes of the base:1.1 URI matched */
	bool	    any_chunk; /* this message has a chunk */
	uint32_t    ndigits;
	uint64_t    size; /* chunk-size being read / data left */
	uint64_t    msg_len;
	uint64_t    messages; /* complete messages seen */
	uint64_t    max;      /* message size limit: NCF_MSG_MAX by ncf_init */
	bool	    last_eom; /* the last message ended with "]]>]]>" */
	const char *err;      /* why the stream was refused (static text) */
};

typedef void (*ncf_sink)(void *arg, const uint8_t *p, size_t n);

void ncf_init(struct ncf *);
/*
 * Scan p[0..n) up to the end of the current message at most. The content
 * (chunk data; for end-of-message framing every byte, the marker too: take
 * NCF_EOM_LEN off the content when such a message ends) goes to sink when
 * one is given. Returns the bytes consumed, *end telling whether the last
 * of them ended a message; or -EPROTO with f->err set, and every later call
 * fails the same way (the session must end).
 */
#define NCF_EOM_LEN 6
long ncf_scan(struct ncf *, const uint8_t *p, size_t n, bool *end, ncf_sink sink, void *arg);
/* The whole of p, across message ends: 0 or -EPROTO. */
int ncf_feed(struct ncf *, const uint8_t *p, size_t n);
/* Did the message that just ended use end-of-message framing? */
static inline bool
ncf_last_eom(const struct ncf *f)
{
	return f->last_eom;
}
/* The framing the server must answer in: chunked once the client's hello
 * announced base:1.1. */
static inline bool
ncf_chunked(const struct ncf *f)
{
	return f->hello_done && f->chunked;
}

#endif
