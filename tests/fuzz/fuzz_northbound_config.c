/* tests/fuzz/fuzz_northbound_config.c - fuzz the config loader (nb_config_parse_mem): XML and JSON, then print and parse back. */
/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * The first octet picks the format the caller names: XML, JSON, or unknown
 * (guessed from the text, as hybridgwctl's files are). Whatever loads must
 * print in both formats and load back to the same tree: a config the
 * daemon accepted is saved as the startup datastore and read at the next
 * start, so a tree that does not survive the trip would not come back.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const LYD_FORMAT fmts[] = { LYD_XML, LYD_JSON, LYD_UNKNOWN };
	struct lyd_node	       *tree = NULL, *back = NULL;
	struct nb_err		err;
	char		       *text, *out = NULL;
	int			rc, i;

	if (size < 1 || !(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&err, 0, sizeof(err));
	rc = nb_config_parse_mem(text, fmts[data[0] % 3], &tree, &err);
	if (rc != 0) {
		if (rc != -22 || tree != NULL)
			abort(); /* refused: -EINVAL, nothing handed out */
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if (lyd_print_mem(&out, tree, fmts[i], LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
			abort();
		if (nb_config_parse_mem(out ? out : "", fmts[i], &back, &err) != 0)
			abort();
		if (lyd_compare_siblings(tree, back, LYD_COMPARE_FULL_RECURSION) != LY_SUCCESS)
			abort();
		lyd_free_all(back);
		back = NULL;
		free(out);
		out = NULL;
	}
out:
	lyd_free_all(tree);
	free(text);
	return 0;
}
