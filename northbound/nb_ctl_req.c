/* northbound/nb_ctl_req.c - decode a hybridgwctl request: its words and its body, refusing rather than truncating. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_ctl_req.h"

#include <stdbool.h>

static bool
ctl_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

enum nb_ctl_err
nb_ctl_req_decode(struct wire_rd req, struct nb_ctl_req *r)
{
	struct wire_rd line, rest;
	size_t	       eol;
	uint8_t	       c;

	r->nw = 0;
	r->body = wire_rd_init(NULL, 0);
	if (wire_left(&req) > NB_CTL_MAX_REQ)
		return NB_CTL_ERR_TOO_LONG;
	/* the line: up to the first newline */
	for (eol = 0; eol < wire_left(&req) && req.p[eol] != '\n'; eol++)
		if (eol == NB_CTL_MAX_LINE)
			return NB_CTL_ERR_TOO_LONG;
	if (eol == wire_left(&req))
		return NB_CTL_ERR_NO_EOL;
	if (!wire_get_sub(&req, eol, &line) || !wire_skip(&req, 1))
		return NB_CTL_ERR_NO_EOL;
	rest = req;
	if (wire_left(&line) > 0 && line.p[wire_left(&line) - 1] == '\r')
		line.len--;
	while (!wire_empty(&line)) {
		struct wire_rd w = line;
		size_t	       n = 0;

		if (!wire_peek_u8(&line, &c))
			break;
		if (ctl_blank(c)) {
			wire_skip(&line, 1);
			continue;
		}
		while (wire_get_u8(&line, &c) && !ctl_blank(c)) {
			if (c < 0x20 || c == 0x7f)
				return NB_CTL_ERR_BYTE;
			n++;
		}
		if (r->nw == NB_CTL_MAX_WORDS)
			return NB_CTL_ERR_WORDS;
		w.len = n;
		r->word[r->nw++] = w;
	}
	if (r->nw == 0)
		return NB_CTL_ERR_EMPTY;
	/* the body is text for libyang's parser: no NUL may cut it short */
	for (size_t i = 0; i < wire_left(&rest); i++)
		if (rest.p[i] == '\0')
			return NB_CTL_ERR_BYTE;
	r->body = rest;
	return NB_CTL_OK;
}

const char *
nb_ctl_err_str(enum nb_ctl_err e)
{
	switch (e) {
	case NB_CTL_OK:
		return "ok";
	case NB_CTL_ERR_EMPTY:
		return "empty request";
	case NB_CTL_ERR_TOO_LONG:
		return "request too long";
	case NB_CTL_ERR_NO_EOL:
		return "request line not ended by a newline";
	case NB_CTL_ERR_WORDS:
		return "too many words in the request";
	case NB_CTL_ERR_BYTE:
		return "control character or NUL byte in the request";
	}
	return "bad request";
}
