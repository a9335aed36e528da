/* tests/fuzz/fuzz_northbound_ctl.c - fuzz a hybridgwctl request as the control socket takes it: decoded, then answered (nb_ctl_req.c, nb_show.c). */
/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_ctl_req.h"
#include "northbound/nb_local.h"
#include "northbound/nb_netconf.h"
#include "northbound/northbound.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nb_err err = { 0 };

	if (nb_init(HGW_YANG_DIR, &err) != 0 || nb_netconf_init(&err) != 0) {
		fprintf(stderr, "YANG context: %s %s\n", err.path, err.msg);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_ctl_req r;
	char		 *words[NB_CTL_MAX_WORDS], *w, *body, *out = NULL;
	size_t		  off = 0;

	if (nb_ctl_req_decode(wire_rd_init(data, size), &r) != NB_CTL_OK)
		return 0;
	if (r.nw < 1 || r.nw > NB_CTL_MAX_WORDS)
		abort();
	/* what nb_ctl.c hands on: NUL-terminated words and body */
	w = malloc(NB_CTL_MAX_LINE + NB_CTL_MAX_WORDS + 1);
	body = malloc(r.body.len + 1);
	if (!w || !body)
		abort();
	for (int i = 0; i < r.nw; i++) {
		if (r.word[i].len == 0 || memchr(r.word[i].p, ' ', r.word[i].len) ||
		    r.word[i].p < data || r.word[i].p + r.word[i].len > data + size)
			abort(); /* a word is a non-empty view into the request */
		words[i] = w + off;
		memcpy(words[i], r.word[i].p, r.word[i].len);
		words[i][r.word[i].len] = '\0';
		off += r.word[i].len + 1;
	}
	if (r.body.len)
		memcpy(body, r.body.p, r.body.len);
	body[r.body.len] = '\0';
	/* "debug" would turn the log on for the rest of the run; "config save"
	 * has no startup file here and refuses */
	if (strcmp(words[0], "debug") != 0)
		nb_show_request(r.nw, words, body, &out);
	free(out);
	free(body);
	free(w);
	return 0;
}
