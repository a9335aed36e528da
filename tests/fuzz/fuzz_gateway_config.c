/* tests/fuzz/fuzz_gateway_config.c - fuzz what a loaded config means: the gateway's build and checks (gw_conf_build_checked). */
/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gw_local.h"
#include "northbound/northbound.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nb_err err = { 0 };

	if (nb_init(HGW_YANG_DIR, &err) != 0) {
		fprintf(stderr, "YANG context: %s %s\n", err.path, err.msg);
		abort();
	}
	return 0;
}

/*
 * libyang is not instrumented, so fuzzing the parser alone steers by our
 * thin wrapper only (fuzz_northbound_config). Here every tree libyang
 * accepts goes on through the gateway's own code - specs per path, key
 * handling, the cross-checks a commit's validate phase runs - which is
 * instrumented, so the fuzzer learns the configs that reach deep into it.
 * First octet: 0 XML, 1 JSON, else guessed.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const LYD_FORMAT fmts[] = { LYD_XML, LYD_JSON, LYD_UNKNOWN };
	struct lyd_node	       *tree = NULL;
	struct gw_conf	       *c = NULL;
	struct nb_err		err;
	char		       *text;
	int			rc;

	if (size < 1 || !(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&err, 0, sizeof(err));
	if (nb_config_parse_mem(text, fmts[data[0] % 3], &tree, &err) == 0) {
		memset(&err, 0, sizeof(err));
		rc = gw_conf_build_checked(tree, &c, &err);
		if (rc == 0 && c == NULL)
			abort();
		if (rc != 0 && !err.msg[0])
			abort(); /* a refusal always says why */
		gw_conf_free(c);
		gw_conf_memo_free();
	}
	lyd_free_all(tree);
	free(text);
	return 0;
}
