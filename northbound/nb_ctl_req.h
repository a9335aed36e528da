/* northbound/nb_ctl_req.h - the hybridgwctl request decoder (pure, fuzzed). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_CTL_REQ_H
#define HGW_NB_CTL_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "lib/wire.h"

/*
 * A request is one line of words separated by spaces or tabs, ended by a
 * newline (a trailing CR is allowed), then an optional body (a config
 * file's text) up to EOF. Nothing of it is trusted: the socket is mode
 * 0660, and what a member of its group sends must never crash the routing
 * process. The decoder is pure: it returns views into the request (never
 * owns, copies or allocates), and refuses instead of truncating.
 */
#define NB_CTL_MAX_WORDS 16
#define NB_CTL_MAX_LINE	 4096
#define NB_CTL_MAX_REQ	 (64u << 20) /* line + body: a big config file */

enum nb_ctl_err {
	NB_CTL_OK = 0,
	NB_CTL_ERR_EMPTY,    /* no words */
	NB_CTL_ERR_TOO_LONG, /* the request or its line is over the limit */
	NB_CTL_ERR_NO_EOL,   /* the line is not ended by a newline */
	NB_CTL_ERR_WORDS,    /* more than NB_CTL_MAX_WORDS words */
	NB_CTL_ERR_BYTE,     /* a control character in the line, a NUL anywhere */
};

struct nb_ctl_req {
	struct wire_rd word[NB_CTL_MAX_WORDS]; /* borrowed from the request */
	int	       nw;
	struct wire_rd body; /* may be empty */
};

enum nb_ctl_err nb_ctl_req_decode(struct wire_rd req, struct nb_ctl_req *);
const char     *nb_ctl_err_str(enum nb_ctl_err);

#endif
