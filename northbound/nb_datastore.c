/* northbound/nb_datastore.c - NETCONF candidate and startup datastores, locks, confirmed commit (loop thread). */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_local.h"
#include "northbound/nb_notify.h"

const char *const nbnc_ds_names[NBNC_DS_COUNT] = { "running", "candidate", "startup" };

/*
 * The candidate is lazy: while nobody changed it, it *is* running (so a
 * commit made elsewhere, e.g. hybridgwctl, shows through). The first edit
 * takes a private copy; commit and discard-changes drop it again.
 */
static struct {
	struct lyd_node	*cand;
	bool		 cand_dirty;
	bool		 cand_valid;
	uint32_t	 cand_by;
	uint32_t	 lock[NBNC_DS_COUNT];
	time_t		 lock_time[NBNC_DS_COUNT];

	/* RFC 6241 8.4 confirmed commit in progress */
	bool		 cc_pending;
	struct lyd_node	*cc_backup;	/* running before the confirmed commit */
	uint32_t	 cc_sid;
	char		*cc_persist;	/* persist id, or NULL */
	uv_timer_t	 cc_timer;
	bool		 cc_timer_init;

	/* A copy of running (commit spare_gen), made or patched at a commit,
	 * taken as the candidate by the next edit; touched: what edits of
	 * the entries alone changed in the candidate since it was running
	 * (commit cand_gen). */
	struct lyd_node	*spare;
	uint64_t	 spare_gen;
	struct nbnc_touched touched;
	uint64_t	 cand_gen;
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
	ds.touched.valid = false;	/* changed some other way */
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
	struct lyd_node	*base;
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
			if (!nb_running() || lyd_dup_siblings(nb_running(), NULL,
			    LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &ds.spare) != LY_SUCCESS)
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
		return rc;	/* refused: nothing changed */
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

int
nbnc_ds_startup_read(struct lyd_node **out, struct nb_err *err)
{
	const char	*path = nb_startup_path();

	*out = NULL;
	if (!path) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	if (access(path, F_OK) != 0)
		return 0;	/* deleted startup: empty */
	return nb_config_parse_file(path, out, err);
}

static void nbnc_notify_config_change(uint32_t who, const char *datastore,
    const struct lyd_node *diff);

int
nbnc_ds_startup_write(const struct lyd_node *tree, uint32_t who, struct nb_err *err)
{
	const char	*path = nb_startup_path();
	char		*data = NULL;
	LYD_FORMAT	 fmt;
	size_t		 n;
	int		 rc;

	if (!path) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	n = strlen(path);
	fmt = n > 5 && strcmp(path + n - 5, ".json") == 0 ? LYD_JSON : LYD_XML;
	if (lyd_print_mem(&data, tree, fmt, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS) {
		nb_err_from_ly(err, "print");
		return -EINVAL;
	}
	rc = nb_file_write_atomic(path, data ? data : "", data ? strlen(data) : 0);
	free(data);
	if (rc != 0)
		nb_err_set(err, path, "cannot write the startup file: %s", strerror(-rc));
	else
		nbnc_notify_config_change(who, "startup", NULL);
	return rc;
}

int
nbnc_ds_startup_delete(uint32_t who, struct nb_err *err)
{
	const char	*path = nb_startup_path();

	if (!path) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		nb_err_set(err, path, "cannot delete the startup file: %s", strerror(errno));
		return -errno;
	}
	nbnc_notify_config_change(who, "startup", NULL);
	return 0;
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
	if (ds.lock[d]) {
		*holder = ds.lock[d];
		return -EBUSY;
	}
	if (d == NBNC_DS_CANDIDATE && ds.cand_dirty && ds.cand_by != sid) {
		*holder = ds.cand_by;
		return -EAGAIN;
	}
	if (d == NBNC_DS_RUNNING && ds.cc_pending && ds.cc_sid != sid) {
		*holder = ds.cc_sid;
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

static void
nbnc_notify_config_change(uint32_t who, const char *datastore, const struct lyd_node *diff)
{
	const struct lys_module	*mod;
	struct lyd_node		*n = NULL, *cb = NULL;
	struct nbnc_sess	*s;
	char			 buf[16];
	int			 edits = 0;

	if (!nbnc_notify_active() ||
	    !(mod = ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-notifications")))
		return;
	if (lyd_new_inner(NULL, mod, "netconf-config-change", 0, &n) != LY_SUCCESS ||
	    lyd_new_inner(n, NULL, "changed-by", 0, &cb) != LY_SUCCESS)
		goto fail;
	pthread_mutex_lock(&nbnc_sess_mtx);
	s = who ? nbnc_sess_find(who) : NULL;
	if (s) {
		snprintf(buf, sizeof(buf), "%u", who);
		lyd_new_term(cb, NULL, "username", s->user, 0, NULL);
		lyd_new_term(cb, NULL, "session-id", buf, 0, NULL);
		if (s->host[0])
			lyd_new_term(cb, NULL, "source-host", s->host, 0, NULL);
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	if (!s)
		lyd_new_term(cb, NULL, "server", NULL, 0, NULL);
	lyd_new_term(n, NULL, "datastore", datastore, 0, NULL);
	/* One edit per topmost changed node (the diff marks it with an
	 * operation; its subtree inherits it), bounded. */
	for (const struct lyd_node *top = diff; top && edits < 64; top = top->next) {
		const struct lyd_node	*d;

		LYD_TREE_DFS_BEGIN(top, d) {
			struct lyd_meta	*m = lyd_find_meta(d->meta, NULL, "yang:operation");
			const char	*op = m ? lyd_get_meta_value(m) : NULL;

			if (op && strcmp(op, "none") != 0 && edits < 64) {
				char		*p = lyd_path(d, LYD_PATH_STD, NULL, 0);
				struct lyd_node	*e = NULL;
				const char	*ncop = strcmp(op, "create") == 0 ? "create" :
				    strcmp(op, "delete") == 0 ? "delete" : "replace";

				if (p && lyd_new_list(n, NULL, "edit", 0, &e) == LY_SUCCESS) {
					lyd_new_term(e, NULL, "target", p, 0, NULL);
					lyd_new_term(e, NULL, "operation", ncop, 0, NULL);
					edits++;
				}
				free(p);
				LYD_TREE_DFS_continue = 1;
			}
			LYD_TREE_DFS_END(top, d);
		}
	}
	nb_notify_send(n);
	return;
fail:
	lyd_free_all(n);
}

/* keep: a validated tree stays the caller's when the commit fails. */
static int
nbnc_ds_commit_do(struct lyd_node *tree, uint32_t who, bool validated, bool keep,
    struct nb_err *err)
{
	struct lyd_node	*diff = NULL;
	uint64_t	 t0 = mono_us(), t1, t2;
	int		 rc;

	if (!validated &&
	    lyd_validate_all(&tree, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		nb_err_from_ly(err, NULL);
		nbnc_err_locate(err->path, sizeof(err->path), err->msg, tree);
		lyd_free_all(tree);
		return -EINVAL;
	}
	t1 = mono_us();
	if (nbnc_notify_has_subscribers())	/* the edit list of the notification */
		lyd_diff_siblings(nb_running(), tree, 0, &diff);
	t2 = mono_us();
	if (keep && ds.touched.valid && tree == ds.cand && ds.cand_gen == nb_running_gen()) {
		/* the running tree replaced, patched with what the edits
		 * changed, is a copy of the new one: the next candidate */
		struct lyd_node	*old = NULL;

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
	log_debug(LOG_MOD_NB, "netconf: commit validate %llu us, diff %llu us, transaction %llu us",
	    (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
	    (unsigned long long)(mono_us() - t2));
	if (rc == 0) {
		/* A clean candidate follows running by itself. */
		log_info(LOG_MOD_NB, "netconf: running configuration changed by session %u", who);
		nbnc_notify_config_change(who, "running", diff);
	}
	lyd_free_all(diff);
	return rc;
}

int
nbnc_ds_commit_tree(struct lyd_node *tree, uint32_t who, bool validated, struct nb_err *err)
{
	return nbnc_ds_commit_do(tree, who, validated, false, err);
}

static void
nbnc_notify_confirmed(const char *event, uint32_t sid, uint32_t timeout)
{
	const struct lys_module	*mod;
	struct lyd_node		*n = NULL;
	struct nbnc_sess	*s;
	char			 buf[16];

	if (!nbnc_notify_active() ||
	    !(mod = ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-notifications")))
		return;
	if (lyd_new_inner(NULL, mod, "netconf-confirmed-commit", 0, &n) != LY_SUCCESS)
		return;
	pthread_mutex_lock(&nbnc_sess_mtx);
	s = sid ? nbnc_sess_find(sid) : NULL;
	if (s && strcmp(event, "timeout") != 0) {
		snprintf(buf, sizeof(buf), "%u", sid);
		lyd_new_term(n, NULL, "username", s->user, 0, NULL);
		lyd_new_term(n, NULL, "session-id", buf, 0, NULL);
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	lyd_new_term(n, NULL, "confirm-event", event, 0, NULL);
	if (timeout) {
		snprintf(buf, sizeof(buf), "%u", timeout);
		lyd_new_term(n, NULL, "timeout", buf, 0, NULL);
	}
	nb_notify_send(n);
}

static void
nbnc_cc_clear(void)
{
	if (ds.cc_timer_init)
		uv_timer_stop(&ds.cc_timer);
	lyd_free_all(ds.cc_backup);
	ds.cc_backup = NULL;
	free(ds.cc_persist);
	ds.cc_persist = NULL;
	ds.cc_pending = false;
	ds.cc_sid = 0;
}

/* Put running back as it was before the confirmed commit. */
static int
nbnc_cc_rollback(const char *why, struct nb_err *err)
{
	struct lyd_node	*back = ds.cc_backup;
	int		 rc;

	ds.cc_backup = NULL;
	nbnc_cc_clear();
	log_warn(LOG_MOD_NB, "netconf: confirmed commit %s: restoring the previous configuration",
	    why);
	if (!back) {
		/* Running was empty before; an empty config cannot be committed
		 * through validation, so hand it over as is. */
		rc = nb_commit(NULL, err);
	} else {
		rc = nbnc_ds_commit_tree(back, 0, false, err);
	}
	if (rc != 0)
		log_err(LOG_MOD_NB, "netconf: rollback failed: %s", err->msg);
	return rc;
}

static void
nbnc_cc_timeout(uv_timer_t *t)
{
	struct nb_err	 err = { 0 };

	nbnc_notify_confirmed("timeout", 0, 0);
	nbnc_cc_rollback("timed out", &err);
}

bool
nbnc_ds_confirm_pending(void)
{
	return ds.cc_pending;
}

static int
nbnc_cc_arm(uint32_t timeout)
{
	if (!ds.cc_timer_init) {
		if (uv_timer_init(loop_get(), &ds.cc_timer) != 0)
			return -ENOMEM;
		ds.cc_timer_init = true;
	}
	return uv_timer_start(&ds.cc_timer, nbnc_cc_timeout, (uint64_t)timeout * 1000, 0);
}

/* Commit the candidate to running (RFC 6241 8.3.4.1, 8.4.5.1). */
int
nbnc_ds_commit(const struct nbnc_commit_req *r, struct nb_err *err, NC_ERR *tag)
{
	struct lyd_node	*tree = NULL;
	uint32_t	 timeout = r->timeout ? r->timeout : 600;
	bool		 follow_up = false;
	int		 rc;

	*tag = NC_ERR_OP_FAILED;
	if (ds.cc_pending) {
		/* A confirming or follow-up commit: a persistent confirmed
		 * commit is continued by persist-id from any session, another
		 * one only by its own session. */
		if (ds.cc_persist) {
			if (!r->persist_id || strcmp(r->persist_id, ds.cc_persist) != 0) {
				*tag = NC_ERR_INVALID_VALUE;
				nb_err_set(err, "/ietf-netconf:commit/persist-id", "%s",
				    r->persist_id ? "persist-id does not match the pending confirmed commit" :
				    "a persistent confirmed commit is pending: give its persist-id");
				return -EPERM;
			}
		} else if (r->sid != ds.cc_sid) {
			*tag = NC_ERR_IN_USE;
			nb_err_set(err, "", "a confirmed commit of session %u is pending", ds.cc_sid);
			return -EPERM;
		}
		follow_up = true;
	} else if (r->persist_id) {
		*tag = NC_ERR_INVALID_VALUE;
		nb_err_set(err, "/ietf-netconf:commit/persist-id",
		    "no persistent confirmed commit is pending");
		return -EINVAL;
	}
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
	} else if (nb_running() && lyd_dup_siblings(nb_running(), NULL,
	    LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &tree) != LY_SUCCESS) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	if (r->confirmed && !follow_up) {
		/* Keep what to go back to before running changes. */
		lyd_free_all(ds.cc_backup);
		ds.cc_backup = NULL;
		if (nb_running() && lyd_dup_siblings(nb_running(), NULL,
		    LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &ds.cc_backup) != LY_SUCCESS) {
			lyd_free_all(tree);
			nb_err_set(err, "", "out of memory");
			return -ENOMEM;
		}
	}
	if (tree && tree == ds.cand)
		rc = nbnc_ds_commit_do(tree, r->sid, true, true, err);
	else
		rc = nbnc_ds_commit_tree(tree, r->sid, !ds.cand_dirty || ds.cand_valid, err);
	if (rc != 0) {
		if (r->confirmed && !follow_up) {
			lyd_free_all(ds.cc_backup);
			ds.cc_backup = NULL;
		}
		*tag = NC_ERR_OP_FAILED;
		return rc;
	}
	if (tree && tree == ds.cand)
		ds.cand = NULL;		/* now running */
	nbnc_ds_candidate_discard();
	if (r->confirmed) {
		ds.cc_pending = true;
		ds.cc_sid = r->sid;
		free(ds.cc_persist);
		ds.cc_persist = r->persist ? strdup(r->persist) : NULL;
		nbnc_cc_arm(timeout);
		nbnc_notify_confirmed(follow_up ? "extend" : "start", r->sid, timeout);
		log_info(LOG_MOD_NB, "netconf: confirmed commit by session %u, %u s to confirm%s",
		    r->sid, timeout, ds.cc_persist ? " (persistent)" : "");
	} else if (follow_up) {
		nbnc_cc_clear();
		nbnc_notify_confirmed("complete", r->sid, 0);
		log_info(LOG_MOD_NB, "netconf: confirmed commit confirmed by session %u", r->sid);
	}
	return 0;
}

/* RFC 6241 8.4.4.1 */
int
nbnc_ds_cancel_commit(uint32_t sid, const char *persist_id, struct nb_err *err, NC_ERR *tag)
{
	*tag = NC_ERR_OP_FAILED;
	if (!ds.cc_pending) {
		nb_err_set(err, "", "no confirmed commit is pending");
		return -ENOENT;
	}
	if (ds.cc_persist) {
		if (!persist_id || strcmp(persist_id, ds.cc_persist) != 0) {
			*tag = NC_ERR_INVALID_VALUE;
			nb_err_set(err, "/ietf-netconf:cancel-commit/persist-id",
			    "persist-id does not match the pending confirmed commit");
			return -EPERM;
		}
	} else if (persist_id) {
		*tag = NC_ERR_INVALID_VALUE;
		nb_err_set(err, "/ietf-netconf:cancel-commit/persist-id",
		    "the pending confirmed commit is not persistent");
		return -EINVAL;
	} else if (sid != ds.cc_sid) {
		*tag = NC_ERR_IN_USE;
		nb_err_set(err, "", "the pending confirmed commit belongs to session %u", ds.cc_sid);
		return -EPERM;
	}
	nbnc_notify_confirmed("cancel", sid, 0);
	return nbnc_cc_rollback("cancelled", err);
}

/* A session ended: its locks go; a candidate it held locked is discarded
 * (RFC 6241 7.5); its non-persistent confirmed commit is rolled back (8.4). */
void
nbnc_ds_session_gone(uint32_t sid)
{
	struct nb_err	 err = { 0 };

	if (ds.lock[NBNC_DS_CANDIDATE] == sid)
		nbnc_ds_candidate_discard();
	for (int d = 0; d < NBNC_DS_COUNT; d++)
		if (ds.lock[d] == sid)
			ds.lock[d] = 0;
	if (ds.cc_pending && !ds.cc_persist && ds.cc_sid == sid) {
		nbnc_notify_confirmed("cancel", 0, 0);
		nbnc_cc_rollback("abandoned: its session ended", &err);
	}
}

void
nbnc_ds_fini(void)
{
	nbnc_cc_clear();
	if (ds.cc_timer_init) {
		uv_close((uv_handle_t *)&ds.cc_timer, NULL);
		ds.cc_timer_init = false;
	}
	nbnc_ds_candidate_discard();
	lyd_free_all(ds.spare);
	ds.spare = NULL;
	memset(ds.lock, 0, sizeof(ds.lock));
}
