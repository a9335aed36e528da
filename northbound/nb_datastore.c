/* northbound/nb_datastore.c - hybridgw-netconf: the candidate, locks, and commits handed to hybridgwd (loop thread). */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_local.h"
#include "northbound/nb_chan.h"

const char *const nbnc_ds_names[NBNC_DS_COUNT] = { "running", "candidate", "startup" };

/*
 * The candidate is lazy: while nobody changed it, it *is* running (so a
 * commit made elsewhere, e.g. hybridgwctl, shows through). The first edit
 * takes a private copy; commit and discard-changes drop it again.
 */
static struct {
	struct lyd_node *cand;
	bool		 cand_dirty;
	bool		 cand_valid;
	uint32_t	 cand_by;
	uint32_t	 lock[NBNC_DS_COUNT];
	time_t		 lock_time[NBNC_DS_COUNT];

	/* A copy of running (commit spare_gen), made or patched at a commit,
	 * taken as the candidate by the next edit; touched: what edits of
	 * the entries alone changed in the candidate since it was running
	 * (commit cand_gen). */
	struct lyd_node	   *spare;
	uint64_t	    spare_gen;
	struct nbnc_touched touched;
	uint64_t	    cand_gen;
} ds;

const struct lyd_node *
nbnc_ds_candidate(void)
{
	return ds.cand_dirty ? ds.cand : nb_running();
}

bool
nbnc_ds_candidate_dirty(uint32_t *by)
{
	if (by)
		*by = ds.cand_by;
	return ds.cand_dirty;
}

void
nbnc_ds_candidate_set(struct lyd_node *tree, uint32_t sid, bool validated)
{
	ds.touched.valid = false; /* changed some other way */
	if (ds.cand != tree)
		lyd_free_all(ds.cand);
	ds.cand = tree;
	ds.cand_dirty = true;
	ds.cand_valid = validated;
	ds.cand_by = sid;
}

int
nbnc_ds_candidate_edit_fast(const struct lyd_node *edit, const char *dop,
    enum nbnc_erropt erropt, struct nbnc_errs *errs, uint32_t sid)
{
	struct lyd_node *base;
	int		 rc;

	if (ds.cand_dirty) {
		if (!ds.cand || !ds.cand_valid)
			return -EAGAIN;
		base = ds.cand;
	} else {
		if (ds.spare && ds.spare_gen != nb_running_gen()) {
			lyd_free_all(ds.spare);
			ds.spare = NULL;
		}
		if (!ds.spare) {
			if (!nb_running() ||
			    lyd_dup_siblings(nb_running(), NULL,
				LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				&ds.spare) != LY_SUCCESS)
				return -EAGAIN;
			ds.spare_gen = nb_running_gen();
		}
		base = ds.spare;
		nbnc_touched_clear(&ds.touched);
		ds.touched.valid = true;
	}
	rc = nbnc_fast_edit(base, edit, dop, erropt, errs, &ds.touched);
	if (rc == -EAGAIN)
		return rc;
	if (rc == -EIO) {
		/* half applied (cannot happen with a valid scratch) */
		if (base == ds.spare) {
			lyd_free_all(ds.spare);
			ds.spare = NULL;
		} else {
			ds.cand_valid = false;
			ds.touched.valid = false;
		}
		return rc;
	}
	if (rc != 0)
		return rc; /* refused: nothing changed */
	if (base == ds.spare) {
		ds.cand = ds.spare;
		ds.cand_gen = ds.spare_gen;
		ds.spare = NULL;
		ds.cand_dirty = true;
		ds.cand_valid = true;
	}
	ds.cand_by = sid;
	return rc;
}

void
nbnc_ds_candidate_discard(void)
{
	nbnc_touched_clear(&ds.touched);
	lyd_free_all(ds.cand);
	ds.cand = NULL;
	ds.cand_dirty = false;
	ds.cand_by = 0;
}

/* ----------------------------------------------------------- startup */

/* The startup datastore is hybridgwd's (its file, root's): read and
 * written over the channel. */
int
nbnc_ds_startup_read(struct lyd_node **out, struct nb_err *err)
{
	return nbnc_rt_startup_get(out, err);
}

int
nbnc_ds_startup_write(const struct lyd_node *tree, bool from_running, uint32_t who,
    struct nb_err *err)
{
	return nbnc_rt_startup_set(tree, from_running, who, err);
}

int
nbnc_ds_startup_delete(uint32_t who, struct nb_err *err)
{
	return nbnc_rt_startup_del(who, err);
}

/* ------------------------------------------------------------- locks */

uint32_t
nbnc_ds_lock_holder(enum nbnc_ds d)
{
	return ds.lock[d];
}

time_t
nbnc_ds_lock_time(enum nbnc_ds d)
{
	return ds.lock_time[d];
}

/* RFC 6241 7.5: no lock while another holds one; no candidate lock while
 * the candidate holds changes of another session; no running lock while
 * another session's confirmed commit is pending. */
int
nbnc_ds_lock(enum nbnc_ds d, uint32_t sid, uint32_t *holder)
{
	uint32_t cc_sid = 0;

	if (ds.lock[d]) {
		*holder = ds.lock[d];
		return -EBUSY;
	}
	if (d == NBNC_DS_CANDIDATE && ds.cand_dirty && ds.cand_by != sid) {
		*holder = ds.cand_by;
		return -EAGAIN;
	}
	if (d == NBNC_DS_RUNNING && nbnc_rt_confirm_pending(&cc_sid) && cc_sid != sid) {
		*holder = cc_sid; /* 0: persistent, no live session owns it */
		return -EINPROGRESS;
	}
	ds.lock[d] = sid;
	ds.lock_time[d] = time(NULL);
	return 0;
}

int
nbnc_ds_unlock(enum nbnc_ds d, uint32_t sid, uint32_t *holder)
{
	if (!ds.lock[d])
		return -ENOENT;
	if (ds.lock[d] != sid) {
		*holder = ds.lock[d];
		return -EPERM;
	}
	ds.lock[d] = 0;
	return 0;
}

/* ------------------------------------------------------------ commit */

static NC_ERR
nbnc_tag(enum nb_chan_tag t)
{
	switch (t) {
	case NB_CHAN_TAG_APP_FAILED:
		return NC_ERR_UNKNOWN; /* operation-failed, type application */
	case NB_CHAN_TAG_INVALID_VALUE:
		return NC_ERR_INVALID_VALUE;
	case NB_CHAN_TAG_IN_USE:
		return NC_ERR_IN_USE;
	case NB_CHAN_TAG_MISSING_ELEM:
		return NC_ERR_MISSING_ELEM;
	case NB_CHAN_TAG_NOT_SUPPORTED:
		return NC_ERR_OP_NOT_SUPPORTED;
	default:
		return NC_ERR_OP_FAILED;
	}
}

/*
 * hybridgwd commits (validating the tree again, it trusts nothing from
 * here) and this process then takes the same tree as its running copy.
 * keep: a validated tree stays the caller's when the commit fails.
 */
static int
nbnc_ds_commit_do(struct lyd_node *tree, const struct nbnc_commit_req *r, bool plain,
    bool validated, bool keep, struct nb_err *err, NC_ERR *tag)
{
	enum nb_chan_tag ctag = NB_CHAN_TAG_OP_FAILED;
	uint64_t	 t0 = mono_us(), t1, t2;
	bool		 patch;
	int		 rc;

	*tag = NC_ERR_OP_FAILED;
	if (!validated &&
	    lyd_validate_all(&tree, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		nb_err_from_ly(err, NULL);
		nbnc_err_locate(err->path, sizeof(err->path), err->msg, tree);
		if (!keep)
			lyd_free_all(tree);
		*tag = NC_ERR_UNKNOWN;
		return -EINVAL;
	}
	t1 = mono_us();
	/* the candidate made of edits of entries alone, on the running copy
	 * it started from: hybridgwd needs only those entries */
	patch = keep && ds.touched.valid && tree == ds.cand && ds.cand_gen == nb_running_gen();
	if ((rc = nbnc_rt_commit(tree, r, plain, patch ? &ds.touched : NULL, err, &ctag)) !=
	    0) {
		*tag = nbnc_tag(ctag);
		if (!keep)
			lyd_free_all(tree);
		return rc;
	}
	t2 = mono_us();
	if (keep && ds.touched.valid && tree == ds.cand && ds.cand_gen == nb_running_gen()) {
		/* the running tree replaced, patched with what the edits
		 * changed, is a copy of the new one: the next candidate */
		struct lyd_node *old = NULL;

		if ((rc = nb_commit_swap(tree, &old, err)) == 0) {
			lyd_free_all(ds.spare);
			ds.spare = NULL;
			if (old && nbnc_fast_patch(old, tree, &ds.touched) == 0) {
				ds.spare = old;
				ds.spare_gen = nb_running_gen();
			} else
				nb_tree_free_later(old);
		}
	} else
		rc = keep ? nb_commit_keep(tree, err) : nb_commit(tree, err);
	if (rc != 0) {
		/* hybridgwd has it, this copy could not follow: start afresh */
		log_err(LOG_MOD_NB, "netconf: cannot follow the commit: %s", err->msg);
		_exit(1);
	}
	log_debug(LOG_MOD_NB,
	    "netconf: commit validate %llu us, hybridgwd %llu us, here %llu us",
	    (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
	    (unsigned long long)(mono_us() - t2));
	return 0;
}

int
nbnc_ds_commit_tree(struct lyd_node *tree, uint32_t who, bool validated, struct nb_err *err)
{
	struct nbnc_commit_req r = { .sid = who };
	NC_ERR		       tag;

	return nbnc_ds_commit_do(tree, &r, true, validated, false, err, &tag);
}

bool
nbnc_ds_confirm_pending(void)
{
	return nbnc_rt_confirm_pending(NULL);
}

/* Commit the candidate to running (RFC 6241 8.3.4.1, 8.4.5.1): the
 * confirmed-commit rules are hybridgwd's, which holds the timer. */
int
nbnc_ds_commit(const struct nbnc_commit_req *r, struct nb_err *err, NC_ERR *tag)
{
	struct lyd_node *tree = NULL;
	int		 rc;

	*tag = NC_ERR_OP_FAILED;
	if (ds.cand_dirty && ds.cand_valid && ds.cand) {
		/* committed as it is: running takes the candidate tree itself
		 * (it stays the candidate's when the commit fails) */
		tree = ds.cand;
	} else if (ds.cand_dirty) {
		if (lyd_dup_siblings(ds.cand, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
			&tree) != LY_SUCCESS) {
			nb_err_set(err, "", "out of memory");
			return -ENOMEM;
		}
	} else if (nb_running() &&
	    lyd_dup_siblings(nb_running(), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
		&tree) != LY_SUCCESS) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	if (tree && tree == ds.cand)
		rc = nbnc_ds_commit_do(tree, r, false, true, true, err, tag);
	else
		rc = nbnc_ds_commit_do(tree, r, false, !ds.cand_dirty || ds.cand_valid, false,
		    err, tag);
	if (rc != 0)
		return rc;
	if (tree && tree == ds.cand)
		ds.cand = NULL; /* now running */
	nbnc_ds_candidate_discard();
	return 0;
}

/* RFC 6241 8.4.4.1 */
int
nbnc_ds_cancel_commit(uint32_t sid, const char *persist_id, struct nb_err *err, NC_ERR *tag)
{
	enum nb_chan_tag ctag = NB_CHAN_TAG_OP_FAILED;
	int		 rc;

	if ((rc = nbnc_rt_cancel(sid, persist_id, err, &ctag)) != 0)
		*tag = nbnc_tag(ctag);
	return rc;
}

/* A session ended: its locks go; a candidate it held locked is discarded
 * (RFC 6241 7.5); hybridgwd rolls back its non-persistent confirmed
 * commit (8.4). */
void
nbnc_ds_session_gone(uint32_t sid)
{
	if (ds.lock[NBNC_DS_CANDIDATE] == sid)
		nbnc_ds_candidate_discard();
	for (int d = 0; d < NBNC_DS_COUNT; d++)
		if (ds.lock[d] == sid)
			ds.lock[d] = 0;
	nbnc_rt_session_end(sid);
}

void
nbnc_ds_fini(void)
{
	nbnc_ds_candidate_discard();
	lyd_free_all(ds.spare);
	ds.spare = NULL;
	memset(ds.lock, 0, sizeof(ds.lock));
}
