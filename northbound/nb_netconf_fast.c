/* northbound/nb_netconf_fast.c - <edit-config> of a few list entries without copying or validating the whole candidate. */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "northbound/nb_local.h"

/*
 * Copying a candidate of 1,000 vpn-connections costs about 10 ms and
 * validating it with libyang 15 ms, for an edit that changes one leaf. An
 * edit that only changes existing entries of the lists right under
 * /gateway (circuit, vpn-connection) - no entry created or deleted - and
 * anything else under gateway runs instead on a scratch tree: gateway with
 * its other children and only the entries the edit names. The scratch is
 * validated, then its content moves into the candidate (each entry keeps
 * its place). That is the whole-tree edit + validation as long as every
 * constraint of the model stays inside one list entry: no must, when,
 * leafref, instance-identifier or unique, no min/max-elements on those
 * lists. The schema is checked once; otherwise every edit takes the
 * whole-tree path (nbnc_fast_edit() says -EAGAIN, as it does for any edit
 * of another shape).
 */

static struct {
	bool		 checked, ok;
	uint32_t	 changes;
} fast_schema;

static bool
fast_type_ok(const struct lysc_type *t)
{
	LY_ARRAY_COUNT_TYPE	 i;

	if (t->basetype == LY_TYPE_LEAFREF || t->basetype == LY_TYPE_INST)
		return false;
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union	*u = (const struct lysc_type_union *)t;

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
	const struct lysc_node	*s;
	bool			 ok = true;

	LYSC_TREE_DFS_BEGIN(root, s) {
		if (LY_ARRAY_COUNT(lysc_node_musts(s)) || LY_ARRAY_COUNT(lysc_node_when(s)))
			ok = false;
		if ((s->nodetype & LYD_NODE_TERM) &&
		    !fast_type_ok(((const struct lysc_node_leaf *)s)->type))
			ok = false;
		if (s->nodetype == LYS_LIST && LY_ARRAY_COUNT(((const struct lysc_node_list *)s)->uniques))
			ok = false;
		if (s->nodetype == LYS_LIST && s->parent == root &&
		    (((const struct lysc_node_list *)s)->min != 0 ||
		    ((const struct lysc_node_list *)s)->max != UINT32_MAX))
			ok = false;
		LYSC_TREE_DFS_END(root, s);
	}
	return ok;
}

static bool
fast_enabled(const struct lysc_node *gws)
{
	uint32_t	 changes = ly_ctx_get_change_count(nb_ctx());

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
static bool
fast_big(const struct lyd_node *n, const struct lyd_node *gw)
{
	return n->schema && n->schema->nodetype == LYS_LIST && n->schema->parent == gw->schema;
}

static struct lyd_node *
fast_gateway(const struct lyd_node *tree)
{
	for (const struct lyd_node *t = tree ? lyd_first_sibling(tree) : NULL; t; t = t->next)
		if (t->schema && !t->schema->parent && strcmp(t->schema->name, "gateway") == 0 &&
		    strcmp(t->schema->module->name, "hybridgw") == 0)
			return (struct lyd_node *)t;
	return NULL;
}

static bool
fast_op_keeps(const char *op)
{
	return op && (strcmp(op, "merge") == 0 || strcmp(op, "none") == 0);
}

static void
fast_free_children(struct lyd_node *parent, bool keep_keys, const struct lyd_node *gw)
{
	struct lyd_node	*c, *next;

	for (c = keep_keys ? lyd_child_no_keys(parent) : lyd_child(parent); c; c = next) {
		next = c->next;
		if (!gw || !fast_big(c, gw))
			lyd_free_tree(c);
	}
}

/* Move the children of from (not its keys; not the big-list entries when
 * gw is given) under to, in their order. */
static int
fast_move_children(struct lyd_node *to, struct lyd_node *from, bool skip_keys,
    const struct lyd_node *gw)
{
	struct lyd_node	*c, *next;

	for (c = skip_keys ? lyd_child_no_keys(from) : lyd_child(from); c; c = next) {
		next = c->next;
		if (gw && fast_big(c, gw))
			continue;
		lyd_unlink_tree(c);
		if (lyd_insert_child(to, c) != LY_SUCCESS) {
			lyd_free_tree(c);
			return -EINVAL;
		}
	}
	return 0;
}

void
nbnc_touched_clear(struct nbnc_touched *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->paths[i]);
	free(t->paths);
	memset(t, 0, sizeof(*t));
}

static void
nbnc_touched_add(struct nbnc_touched *t, const struct lyd_node *entry)
{
	char	**np, *p;

	if (!t->valid)
		return;
	if (t->n >= 256) {
		t->valid = false;	/* too many to patch one by one */
		return;
	}
	if (!(p = lyd_path(entry, LYD_PATH_STD, NULL, 0)) ||
	    !(np = realloc(t->paths, (t->n + 1) * sizeof(*np)))) {
		free(p);
		t->valid = false;
		return;
	}
	t->paths = np;
	t->paths[t->n++] = p;
}

int
nbnc_fast_edit(struct lyd_node *base, const struct lyd_node *edit, const char *dop,
    enum nbnc_erropt erropt, struct nbnc_errs *errs, struct nbnc_touched *touched)
{
	struct lyd_node		*bg = fast_gateway(base), *sg = NULL, *top = NULL, *c, *t;
	const struct lyd_node	*e;
	const char		*gop;
	struct lyd_node		**matched = NULL;
	size_t			 nmatched = 0, before = errs->n, nbig = 0;
	int			 rc = -EAGAIN;

	if (!bg || !edit || edit->next || edit->prev != edit || edit->schema != bg->schema ||
	    !fast_enabled(bg->schema) || !fast_op_keeps(gop = nbnc_edit_op(edit, dop)))
		return -EAGAIN;
	/* the entries it names must exist and stay */
	LY_LIST_FOR(lyd_child(edit), e) {
		bool	 dup = false;

		if (!e->schema)
			goto out;	/* opaque: the whole-tree path explains */
		if (!fast_big(e, bg))
			continue;
		if (!fast_op_keeps(nbnc_edit_op(e, gop)) ||
		    lyd_find_sibling_first(lyd_child(bg), e, &t) != LY_SUCCESS || !t)
			goto out;
		for (size_t i = 0; i < nmatched; i++)
			dup |= matched[i] == t;
		if (dup)
			continue;
		if (!(matched = realloc(matched, (nmatched + 1) * sizeof(*matched))))
			goto out;
		matched[nmatched++] = t;
	}
	/* the scratch: gateway, its other children, the named entries */
	if (lyd_dup_single(bg, NULL, LYD_DUP_WITH_FLAGS, &sg) != LY_SUCCESS)
		goto out;
	LY_LIST_FOR(lyd_child(bg), c) {
		struct lyd_node	*d = NULL;
		bool		 want = !fast_big(c, bg);

		for (size_t i = 0; i < nmatched && !want; i++)
			want = matched[i] == c;
		if (!want)
			continue;
		if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &d) != LY_SUCCESS ||
		    lyd_insert_child(sg, d) != LY_SUCCESS) {
			lyd_free_tree(d);
			goto out;
		}
	}
	top = sg;
	if ((rc = nbnc_edit_run(&top, edit, dop, erropt, errs)) != 0 &&
	    erropt != NBNC_ERR_CONTINUE)
		goto out;	/* reported; the candidate is untouched */
	/* still the same entries: nothing created, nothing deleted */
	rc = -EAGAIN;
	if (top != sg || sg->next)
		goto out;
	LY_LIST_FOR(lyd_child(sg), c)
		nbig += fast_big(c, bg);
	if (nbig != nmatched)
		goto out;
	for (size_t i = 0; i < nmatched; i++)
		if (lyd_find_sibling_first(lyd_child(sg), matched[i], &t) != LY_SUCCESS || !t)
			goto out;
	if (lyd_validate_all(&top, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		nbnc_errs_from_ly(errs, NULL);
		nbnc_err_locate(errs->v[errs->n - 1].path, sizeof(errs->v[0].path),
		    errs->v[errs->n - 1].msg, top);
		rc = -EINVAL;
		before = errs->n;	/* reported */
		goto out;
	}
	/* validation may add other modules' implicit top-level nodes: the
	 * scratch gateway is what counts */
	sg = fast_gateway(top);
	/* into the candidate: gateway's other children, each entry's content */
	fast_free_children(bg, false, bg);
	if ((rc = fast_move_children(bg, sg, false, bg)) != 0)
		goto broken;
	for (size_t i = 0; i < nmatched; i++) {
		if (lyd_find_sibling_first(lyd_child(sg), matched[i], &t) != LY_SUCCESS || !t) {
			rc = -EINVAL;
			goto broken;
		}
		fast_free_children(matched[i], true, NULL);
		if ((rc = fast_move_children(matched[i], t, true, NULL)) != 0)
			goto broken;
		nbnc_touched_add(touched, matched[i]);
	}
	rc = 0;
	before = errs->n;
	goto out;
broken:
	/* cannot happen with a valid scratch; the candidate is now partial */
	log_err(LOG_MOD_NB, "netconf: edit of the candidate failed half-way");
	nbnc_errs_add(errs, NC_ERR_OP_FAILED, "", NULL, "internal error applying the edit");
	before = errs->n;
	rc = -EIO;
out:
	if (rc == -EAGAIN)
		errs->n = before;	/* the whole-tree path runs it again */
	lyd_free_all(top ? top : sg);
	free(matched);
	return rc;
}

/* Make dst (running before a commit) equal to src (running after it),
 * src being dst with the touched entries and gateway's other children
 * changed. 0, or -EINVAL: dst is then to be freed. */
int
nbnc_fast_patch(struct lyd_node *dst, const struct lyd_node *src, const struct nbnc_touched *t)
{
	struct lyd_node	*dg = fast_gateway(dst), *sgw = fast_gateway(src), *c;

	if (!t->valid || !dg || !sgw)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++) {
		struct lyd_node	*d = NULL, *s = NULL;

		if (lyd_find_path(dg, t->paths[i], 0, &d) != LY_SUCCESS || !d ||
		    lyd_find_path(sgw, t->paths[i], 0, &s) != LY_SUCCESS || !s)
			return -EINVAL;
		fast_free_children(d, true, NULL);
		LY_LIST_FOR(lyd_child_no_keys(s), c) {
			struct lyd_node	*n = NULL;

			if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &n) !=
			    LY_SUCCESS || lyd_insert_child(d, n) != LY_SUCCESS) {
				lyd_free_tree(n);
				return -EINVAL;
			}
		}
	}
	fast_free_children(dg, false, dg);
	LY_LIST_FOR(lyd_child(sgw), c) {
		struct lyd_node	*n = NULL;

		if (fast_big(c, sgw))
			continue;
		if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &n) != LY_SUCCESS ||
		    lyd_insert_child(dg, n) != LY_SUCCESS) {
			lyd_free_tree(n);
			return -EINVAL;
		}
	}
	return 0;
}
