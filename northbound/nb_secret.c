/* northbound/nb_secret.c - find and strip secret leaves (nacm:default-deny-all) from data trees. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_local.h"

#include <string.h>

bool
nb_schema_is_secret(const struct lysc_node *s)
{
	LY_ARRAY_COUNT_TYPE i;

	if (!s)
		return false;
	LY_ARRAY_FOR(s->exts, i) {
		const struct lysc_ext *def = s->exts[i].def;

		if (def && def->module && strcmp(def->name, "default-deny-all") == 0 &&
		    strcmp(def->module->name, "ietf-netconf-acm") == 0)
			return true;
	}
	return false;
}

void
nb_tree_strip_secrets_except(struct lyd_node *tree, const struct ly_set *allowed)
{
	struct lyd_node *top, *n;
	struct ly_set	*victims = NULL;
	uint32_t	 idx;

	if (ly_set_new(&victims) != LY_SUCCESS)
		return;
	/* Collect first: freeing during the walk would break it. */
	LY_LIST_FOR(tree, top) {
		if (!top->schema || (top->schema->flags & LYS_CONFIG_R))
			continue; /* secrets are configuration */
		LYD_TREE_DFS_BEGIN(top, n) {
			if (n->schema && nb_schema_is_secret(n->schema)) {
				if (!allowed ||
				    !ly_set_contains(allowed, (void *)n->schema, &idx))
					ly_set_add(victims, n, 1, NULL);
				LYD_TREE_DFS_continue = 1;
			}
			LYD_TREE_DFS_END(top, n);
		}
	}
	for (uint32_t i = 0; i < victims->count; i++)
		lyd_free_tree(victims->dnodes[i]);
	ly_set_free(victims, NULL);
}

void
nb_tree_strip_secrets(struct lyd_node *tree)
{
	nb_tree_strip_secrets_except(tree, NULL);
}
