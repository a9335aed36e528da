/* northbound/nb_fast.c - turn a config into another that differs in a few list entries, without copying or validating the whole tree. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_fast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "northbound/northbound.h"

/*
 * Copying a config of 1,000 vpn-connections costs about 10 ms and
 * validating it with libyang 15 ms, for an edit that changes one leaf.
 * When every constraint of the model stays inside one entry of the lists
 * right under /gateway (circuit, vpn-connection) - no must, when, leafref,
 * instance-identifier or unique, no min/max-elements on those lists - a
 * config that differs from a valid one only in some of those entries and
 * in gateway's other children is valid exactly when a scratch tree of
 * gateway, its other children and those entries is. The NETCONF process
 * edits that way (nb_netconf_fast.c), and hybridgwd commits that way what
 * it sends (nb_chan_srv.c): the scratch, validated by hybridgwd, patched
 * into a copy of its own running config.
 */

static struct {
	bool	 checked, ok;
	uint32_t changes;
} fast_schema;

static bool
fast_type_ok(const struct lysc_type *t)
{
	LY_ARRAY_COUNT_TYPE i;

	if (t->basetype == LY_TYPE_LEAFREF || t->basetype == LY_TYPE_INST)
		return false;
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *u = (const struct lysc_type_union *)t;

		LY_ARRAY_FOR(u->types, i)
			if (!fast_type_ok(u->types[i]))
				return false;
	}
	return true;
}

/* No constraint of the subtree at s reaches outside its list entry. */
static bool
fast_subtree_ok(const struct lysc_node *root)
{
	const struct lysc_node *s;
	bool			ok = true;

	LYSC_TREE_DFS_BEGIN(root, s) {
		if (LY_ARRAY_COUNT(lysc_node_musts(s)) || LY_ARRAY_COUNT(lysc_node_when(s)))
			ok = false;
		if ((s->nodetype & LYD_NODE_TERM) &&
		    !fast_type_ok(((const struct lysc_node_leaf *)s)->type))
			ok = false;
		if (s->nodetype == LYS_LIST &&
		    LY_ARRAY_COUNT(((const struct lysc_node_list *)s)->uniques))
			ok = false;
		if (s->nodetype == LYS_LIST && s->parent == root &&
		    (((const struct lysc_node_list *)s)->min != 0 ||
			((const struct lysc_node_list *)s)->max != UINT32_MAX))
			ok = false;
		LYSC_TREE_DFS_END(root, s);
	}
	return ok;
}

bool
nbnc_fast_enabled(const struct lysc_node *gws)
{
	uint32_t changes = ly_ctx_get_change_count(nb_ctx());

	if (!fast_schema.checked || fast_schema.changes != changes) {
		fast_schema.ok = fast_subtree_ok(gws);
		fast_schema.checked = true;
		fast_schema.changes = changes;
		log_debug(LOG_MOD_NB, "netconf: edits of list entries %s",
		    fast_schema.ok ? "run on the entries alone" : "run on the whole candidate");
	}
	return fast_schema.ok;
}

/* An entry of a list right under gateway. */
bool
nbnc_fast_big(const struct lyd_node *n, const struct lyd_node *gw)
{
	return n->schema && n->schema->nodetype == LYS_LIST && n->schema->parent == gw->schema;
}

struct lyd_node *
nbnc_fast_gateway(const struct lyd_node *tree)
{
	for (const struct lyd_node *t = tree ? lyd_first_sibling(tree) : NULL; t; t = t->next)
		if (t->schema && !t->schema->parent &&
		    strcmp(t->schema->name, "gateway") == 0 &&
		    strcmp(t->schema->module->name, "hybridgw") == 0)
			return (struct lyd_node *)t;
	return NULL;
}

void
nbnc_fast_free_children(struct lyd_node *parent, bool keep_keys, const struct lyd_node *gw)
{
	struct lyd_node *c, *next;

	for (c = keep_keys ? lyd_child_no_keys(parent) : lyd_child(parent); c; c = next) {
		next = c->next;
		if (!gw || !nbnc_fast_big(c, gw))
			lyd_free_tree(c);
	}
}

void
nbnc_touched_clear(struct nbnc_touched *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->paths[i]);
	free(t->paths);
	memset(t, 0, sizeof(*t));
}

/* Make dst (running before a commit) equal to src (running after it),
 * src being dst with the touched entries and gateway's other children
 * changed. 0, or -EINVAL: dst is then to be freed. */
int
nbnc_fast_patch(struct lyd_node *dst, const struct lyd_node *src, const struct nbnc_touched *t)
{
	struct lyd_node *dg = nbnc_fast_gateway(dst), *sgw = nbnc_fast_gateway(src), *c;

	if (!t->valid || !dg || !sgw)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++) {
		struct lyd_node *d = NULL, *s = NULL;

		/* an entry of a list right under gateway in both (the paths may
		 * come from the other process: nothing else is patched) */
		if (lyd_find_path(dg, t->paths[i], 0, &d) != LY_SUCCESS || !d ||
		    lyd_find_path(sgw, t->paths[i], 0, &s) != LY_SUCCESS || !s ||
		    !nbnc_fast_big(d, dg) || lyd_parent(d) != dg || lyd_parent(s) != sgw ||
		    s->schema != d->schema)
			return -EINVAL;
		nbnc_fast_free_children(d, true, NULL);
		LY_LIST_FOR(lyd_child_no_keys(s), c) {
			struct lyd_node *n = NULL;

			if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				&n) != LY_SUCCESS ||
			    lyd_insert_child(d, n) != LY_SUCCESS) {
				lyd_free_tree(n);
				return -EINVAL;
			}
		}
	}
	nbnc_fast_free_children(dg, false, dg);
	LY_LIST_FOR(lyd_child(sgw), c) {
		struct lyd_node *n = NULL;

		if (nbnc_fast_big(c, sgw))
			continue;
		if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &n) !=
			LY_SUCCESS ||
		    lyd_insert_child(dg, n) != LY_SUCCESS) {
			lyd_free_tree(n);
			return -EINVAL;
		}
	}
	return 0;
}

bool
nbnc_fast_possible(const struct lyd_node *tree)
{
	struct lyd_node *gw = nbnc_fast_gateway(tree);

	return gw && nbnc_fast_enabled(gw->schema);
}

int
nbnc_fast_scratch(const struct lyd_node *tree, const struct nbnc_touched *t,
    struct lyd_node **out)
{
	struct lyd_node	      *gw = nbnc_fast_gateway(tree), *sg = NULL;
	const struct lyd_node *c;

	*out = NULL;
	if (!gw || !t->valid || lyd_dup_single(gw, NULL, LYD_DUP_WITH_FLAGS, &sg) != LY_SUCCESS)
		return -EINVAL;
	for (size_t i = 0; i <= t->n; i++) {
		/* each entry (once), then gateway's other children */
		struct lyd_node *e = NULL, *had = NULL;

		if (i < t->n &&
		    (lyd_find_path(gw, t->paths[i], 0, &e) != LY_SUCCESS || !e ||
			!nbnc_fast_big(e, gw)))
			goto fail;
		if (i < t->n && lyd_find_sibling_first(lyd_child(sg), e, &had) == LY_SUCCESS &&
		    had)
			continue;
		LY_LIST_FOR(i < t->n ? e : lyd_child(gw), c) {
			struct lyd_node *d = NULL;

			if (i == t->n && nbnc_fast_big(c, gw))
				continue;
			if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				&d) != LY_SUCCESS ||
			    lyd_insert_child(sg, d) != LY_SUCCESS) {
				lyd_free_tree(d);
				goto fail;
			}
			if (i < t->n)
				break; /* the entry alone, not its siblings */
		}
	}
	*out = sg;
	return 0;
fail:
	lyd_free_all(sg);
	return -EINVAL;
}
