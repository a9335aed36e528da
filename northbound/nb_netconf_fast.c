/* northbound/nb_netconf_fast.c - <edit-config> of a few list entries without copying or validating the whole candidate. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"
#include "northbound/nb_fast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "northbound/nb_local.h"

/*
 * An edit that only changes existing entries of the lists right under
 * /gateway (circuit, vpn-connection) - no entry created or deleted - and
 * anything else under gateway runs on a scratch tree: gateway with its
 * other children and only the entries the edit names. The scratch is
 * validated, then its content moves into the candidate (each entry keeps
 * its place). nb_fast.c says why that is the whole-tree edit and
 * validation, and when; otherwise every edit takes the whole-tree path
 * (nbnc_fast_edit() says -EAGAIN, as it does for any edit of another
 * shape).
 */

static bool
fast_op_keeps(const char *op)
{
	return op && (strcmp(op, "merge") == 0 || strcmp(op, "none") == 0);
}

/* Move the children of from (not its keys; not the big-list entries when
 * gw is given) under to, in their order. */
static int
fast_move_children(struct lyd_node *to, struct lyd_node *from, bool skip_keys,
    const struct lyd_node *gw)
{
	struct lyd_node *c, *next;

	for (c = skip_keys ? lyd_child_no_keys(from) : lyd_child(from); c; c = next) {
		next = c->next;
		if (gw && nbnc_fast_big(c, gw))
			continue;
		lyd_unlink_tree(c);
		if (lyd_insert_child(to, c) != LY_SUCCESS) {
			lyd_free_tree(c);
			return -EINVAL;
		}
	}
	return 0;
}

static void
nbnc_touched_add(struct nbnc_touched *t, const struct lyd_node *entry)
{
	char **np, *p;

	if (!t->valid)
		return;
	if (t->n >= 256) {
		t->valid = false; /* too many to patch one by one */
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
	struct lyd_node	      *bg = nbnc_fast_gateway(base), *sg = NULL, *top = NULL, *c, *t;
	const struct lyd_node *e;
	const char	      *gop;
	struct lyd_node	     **matched = NULL;
	size_t		       nmatched = 0, before = errs->n, nbig = 0;
	int		       rc = -EAGAIN;

	if (!bg || !edit || edit->next || edit->prev != edit || edit->schema != bg->schema ||
	    !nbnc_fast_enabled(bg->schema) || !fast_op_keeps(gop = nbnc_edit_op(edit, dop)))
		return -EAGAIN;
	/* the entries it names must exist and stay */
	LY_LIST_FOR(lyd_child(edit), e) {
		struct lyd_node **nm;
		bool		  dup = false;

		if (!e->schema)
			goto out; /* opaque: the whole-tree path explains */
		if (!nbnc_fast_big(e, bg))
			continue;
		if (!fast_op_keeps(nbnc_edit_op(e, gop)) ||
		    lyd_find_sibling_first(lyd_child(bg), e, &t) != LY_SUCCESS || !t)
			goto out;
		for (size_t i = 0; i < nmatched; i++)
			dup |= matched[i] == t;
		if (dup)
			continue;
		/* on failure matched stays, for out: to free */
		if (!(nm = realloc(matched, (nmatched + 1) * sizeof(*matched))))
			goto out;
		matched = nm;
		matched[nmatched++] = t;
	}
	/* the scratch: gateway, its other children, the named entries */
	if (lyd_dup_single(bg, NULL, LYD_DUP_WITH_FLAGS, &sg) != LY_SUCCESS)
		goto out;
	LY_LIST_FOR(lyd_child(bg), c) {
		struct lyd_node *d = NULL;
		bool		 want = !nbnc_fast_big(c, bg);

		for (size_t i = 0; i < nmatched && !want; i++)
			want = matched[i] == c;
		if (!want)
			continue;
		if (lyd_dup_single(c, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &d) !=
			LY_SUCCESS ||
		    lyd_insert_child(sg, d) != LY_SUCCESS) {
			lyd_free_tree(d);
			goto out;
		}
	}
	top = sg;
	if ((rc = nbnc_edit_run(&top, edit, dop, erropt, errs)) != 0 &&
	    erropt != NBNC_ERR_CONTINUE)
		goto out; /* reported; the candidate is untouched */
	/* still the same entries: nothing created, nothing deleted */
	rc = -EAGAIN;
	if (top != sg || sg->next)
		goto out;
	LY_LIST_FOR(lyd_child(sg), c)
		nbig += nbnc_fast_big(c, bg);
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
		before = errs->n; /* reported */
		goto out;
	}
	/* validation may add other modules' implicit top-level nodes: the
	 * scratch gateway is what counts */
	sg = nbnc_fast_gateway(top);
	/* into the candidate: gateway's other children, each entry's content */
	nbnc_fast_free_children(bg, false, bg);
	if ((rc = fast_move_children(bg, sg, false, bg)) != 0)
		goto broken;
	for (size_t i = 0; i < nmatched; i++) {
		if (lyd_find_sibling_first(lyd_child(sg), matched[i], &t) != LY_SUCCESS || !t) {
			rc = -EINVAL;
			goto broken;
		}
		nbnc_fast_free_children(matched[i], true, NULL);
		if ((rc = fast_move_children(matched[i], t, true, NULL)) != 0)
			goto broken;
		nbnc_touched_add(touched, matched[i]);
	}
	rc = 0;
	before = errs->n;
	goto out;
broken:
	/* cannot happen with a valid scratch; the candidate is now partial */
	log_err(LOG_MOD_NB, "netconf: edit of the candidate failed half-way: %s",
	    strerror(-rc));
	nbnc_errs_add(errs, NC_ERR_OP_FAILED, "", NULL, "internal error applying the edit");
	before = errs->n;
	rc = -EIO;
out:
	if (rc == -EAGAIN)
		errs->n = before; /* the whole-tree path runs it again */
	lyd_free_all(top ? top : sg);
	free(matched);
	return rc;
}
