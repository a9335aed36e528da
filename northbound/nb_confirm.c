/* northbound/nb_confirm.c - commits from NETCONF in the routing process: confirmed commit (RFC 6241 8.4), its timer, RFC 6470 change events. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_confirm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_local.h"
#include "northbound/nb_notify.h"

/*
 * The routing process holds the running configuration, so it holds the
 * confirmed commit too: what to go back to, the timer, the persist id. A
 * crash of the NETCONF process ends its sessions, and RFC 6241 8.4 rolls
 * back a non-persistent confirmed commit whose session ended; a persistent
 * one outlives every session and can be confirmed or cancelled by its
 * persist-id from a session of the next NETCONF process.
 */
static struct {
	bool		 pending;
	struct lyd_node *backup;       /* running before the confirmed commit */
	bool		 backup_empty; /* running was empty before */
	uint32_t	 sid;	       /* 0: no live session owns it */
	char		*persist;      /* persist id, or NULL */
	uv_timer_t	 timer;
	bool		 timer_init;
	void (*changed)(void); /* the pending state changed */
} cc;

void
nb_confirm_watch(void (*fn)(void))
{
	cc.changed = fn;
}

bool
nb_confirm_pending(uint32_t *sid, bool *persistent)
{
	if (sid)
		*sid = cc.sid;
	if (persistent)
		*persistent = cc.persist != NULL;
	return cc.pending;
}

static void
who_leaves(struct lyd_node *parent, const struct nb_who *who)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", who->sid);
	lyd_new_term(parent, NULL, "username", who->user && who->user[0] ? who->user : "?", 0,
	    NULL);
	lyd_new_term(parent, NULL, "session-id", buf, 0, NULL);
	if (who->host && who->host[0])
		lyd_new_term(parent, NULL, "source-host", who->host, 0, NULL);
}

/* RFC 6470 netconf-config-change: who, which datastore, one edit per
 * topmost changed node of diff (bounded). who NULL: the server. */
void
nb_confirm_notify_change(const struct nb_who *who, const char *datastore,
    const struct lyd_node *diff)
{
	const struct lys_module *mod;
	struct lyd_node		*n = NULL, *cb = NULL;
	int			 edits = 0;

	if (!nb_notify_enabled() ||
	    !(mod = ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-notifications")))
		return;
	if (lyd_new_inner(NULL, mod, "netconf-config-change", 0, &n) != LY_SUCCESS ||
	    lyd_new_inner(n, NULL, "changed-by", 0, &cb) != LY_SUCCESS)
		goto fail;
	if (who && who->sid)
		who_leaves(cb, who);
	else
		lyd_new_term(cb, NULL, "server", NULL, 0, NULL);
	lyd_new_term(n, NULL, "datastore", datastore, 0, NULL);
	for (const struct lyd_node *top = diff; top && edits < 64; top = top->next) {
		const struct lyd_node *d;

		LYD_TREE_DFS_BEGIN(top, d) {
			struct lyd_meta *m = lyd_find_meta(d->meta, NULL, "yang:operation");
			const char	*op = m ? lyd_get_meta_value(m) : NULL;

			if (op && strcmp(op, "none") != 0 && edits < 64) {
				char		*p = lyd_path(d, LYD_PATH_STD, NULL, 0);
				struct lyd_node *e = NULL;
				const char	*ncop = strcmp(op, "create") == 0 ? "create" :
					 strcmp(op, "delete") == 0		  ? "delete" :
										    "replace";

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

/* RFC 6470 netconf-confirmed-commit. */
static void
notify_confirmed(const char *event, const struct nb_who *who, uint32_t timeout)
{
	const struct lys_module *mod;
	struct lyd_node		*n = NULL;
	char			 buf[16];

	if (!nb_notify_enabled() ||
	    !(mod = ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-notifications")) ||
	    lyd_new_inner(NULL, mod, "netconf-confirmed-commit", 0, &n) != LY_SUCCESS)
		return;
	if (who && who->sid) {
		snprintf(buf, sizeof(buf), "%u", who->sid);
		lyd_new_term(n, NULL, "username", who->user && who->user[0] ? who->user : "?",
		    0, NULL);
		lyd_new_term(n, NULL, "session-id", buf, 0, NULL);
	}
	lyd_new_term(n, NULL, "confirm-event", event, 0, NULL);
	if (timeout) {
		snprintf(buf, sizeof(buf), "%u", timeout);
		lyd_new_term(n, NULL, "timeout", buf, 0, NULL);
	}
	nb_notify_send(n);
}

static void
cc_clear(void)
{
	bool was = cc.pending;

	if (cc.timer_init)
		uv_timer_stop(&cc.timer);
	lyd_free_all(cc.backup);
	cc.backup = NULL;
	cc.backup_empty = false;
	free(cc.persist);
	cc.persist = NULL;
	cc.pending = false;
	cc.sid = 0;
	if (was && cc.changed)
		cc.changed();
}

/* Commit tree (consumed) to running; the config-change event when asked
 * (its diff costs a walk of both trees). *old: the replaced running tree,
 * when the caller wants it. */
static int
commit_tree(struct lyd_node *tree, const struct nb_who *who, bool diff_wanted,
    struct lyd_node **old, struct nb_err *err)
{
	struct lyd_node *diff = NULL, *prev = NULL;
	int		 rc;

	if (diff_wanted)
		lyd_diff_siblings(nb_running(), tree, 0, &diff);
	if ((rc = nb_commit_swap(tree, &prev, err)) != 0) {
		lyd_free_all(tree);
		lyd_free_all(diff);
		return rc;
	}
	if (old)
		*old = prev;
	else
		nb_tree_free_later(prev);
	log_info(LOG_MOD_NB, "netconf: running configuration changed by session %u (%s)",
	    who ? who->sid : 0, who && who->user ? who->user : "server");
	nb_confirm_notify_change(who, "running", diff);
	lyd_free_all(diff);
	return 0;
}

/* Put running back as it was before the confirmed commit. */
static int
cc_rollback(const char *why, struct nb_err *err)
{
	struct lyd_node *back = cc.backup;
	bool		 empty = cc.backup_empty;
	int		 rc;

	cc.backup = NULL;
	cc_clear();
	log_warn(LOG_MOD_NB,
	    "netconf: confirmed commit %s: restoring the previous configuration", why);
	if (empty)
		rc = nb_commit(NULL, err);
	else
		rc = commit_tree(back, NULL, true, NULL, err);
	if (rc != 0)
		log_err(LOG_MOD_NB, "netconf: rollback failed: %s", err->msg);
	return rc;
}

static void
cc_timeout(uv_timer_t *t)
{
	struct nb_err err = { 0 };

	notify_confirmed("timeout", NULL, 0);
	cc_rollback("timed out", &err);
}

static int
cc_arm(uint32_t timeout)
{
	if (!cc.timer_init) {
		if (uv_timer_init(loop_get(), &cc.timer) != 0)
			return -ENOMEM;
		cc.timer_init = true;
	}
	return uv_timer_start(&cc.timer, cc_timeout, (uint64_t)timeout * 1000, 0);
}

int
nb_confirm_commit(struct lyd_node *tree, const struct nb_commit_req *r, struct nb_err *err,
    enum nb_chan_tag *tag)
{
	uint32_t	 timeout = r->timeout ? r->timeout : 600;
	bool		 follow_up = false;
	struct lyd_node *old = NULL;
	int		 rc;

	*tag = NB_CHAN_TAG_APP_FAILED;
	if (r->old)
		*r->old = NULL;
	if (!r->cc) {
		/* edit-config or copy-config of running: no confirmed-commit rules */
		return commit_tree(tree, &r->who, r->diff, r->old, err);
	}
	if (cc.pending) {
		/* A confirming or follow-up commit: a persistent confirmed
		 * commit is continued by persist-id from any session, another
		 * one only by its own session (RFC 6241 8.4.5.1). */
		if (cc.persist) {
			if (!r->persist_id || strcmp(r->persist_id, cc.persist) != 0) {
				*tag = NB_CHAN_TAG_INVALID_VALUE;
				nb_err_set(err, "/ietf-netconf:commit/persist-id", "%s",
				    r->persist_id ?
					"persist-id does not match the pending confirmed commit" :
					"a persistent confirmed commit is pending: give its persist-id");
				lyd_free_all(tree);
				return -EPERM;
			}
		} else if (r->who.sid != cc.sid) {
			*tag = NB_CHAN_TAG_IN_USE;
			nb_err_set(err, "", "a confirmed commit of session %u is pending",
			    cc.sid);
			lyd_free_all(tree);
			return -EPERM;
		}
		follow_up = true;
	} else if (r->persist_id) {
		*tag = NB_CHAN_TAG_INVALID_VALUE;
		nb_err_set(err, "/ietf-netconf:commit/persist-id",
		    "no persistent confirmed commit is pending");
		lyd_free_all(tree);
		return -EINVAL;
	}
	if ((rc = commit_tree(tree, &r->who, r->diff, &old, err)) != 0)
		return rc;
	if (r->confirmed && !follow_up) {
		/* what to go back to: the tree running just replaced */
		cc.backup = old;
		cc.backup_empty = old == NULL;
		old = NULL;
	}
	if (r->old)
		*r->old = old;
	else
		nb_tree_free_later(old);
	if (r->confirmed) {
		cc.pending = true;
		cc.sid = r->who.sid;
		free(cc.persist);
		cc.persist = r->persist ? strdup(r->persist) : NULL;
		cc_arm(timeout);
		notify_confirmed(follow_up ? "extend" : "start", &r->who, timeout);
		log_info(LOG_MOD_NB,
		    "netconf: confirmed commit by session %u, %u s to confirm%s", r->who.sid,
		    timeout, cc.persist ? " (persistent)" : "");
		if (cc.changed)
			cc.changed();
	} else if (follow_up) {
		cc_clear();
		notify_confirmed("complete", &r->who, 0);
		log_info(LOG_MOD_NB, "netconf: confirmed commit confirmed by session %u",
		    r->who.sid);
	}
	return 0;
}

/* RFC 6241 8.4.4.1 */
int
nb_confirm_cancel(const struct nb_who *who, const char *persist_id, struct nb_err *err,
    enum nb_chan_tag *tag)
{
	*tag = NB_CHAN_TAG_OP_FAILED;
	if (!cc.pending) {
		nb_err_set(err, "", "no confirmed commit is pending");
		return -ENOENT;
	}
	if (cc.persist) {
		if (!persist_id || strcmp(persist_id, cc.persist) != 0) {
			*tag = NB_CHAN_TAG_INVALID_VALUE;
			nb_err_set(err, "/ietf-netconf:cancel-commit/persist-id",
			    "persist-id does not match the pending confirmed commit");
			return -EPERM;
		}
	} else if (persist_id) {
		*tag = NB_CHAN_TAG_INVALID_VALUE;
		nb_err_set(err, "/ietf-netconf:cancel-commit/persist-id",
		    "the pending confirmed commit is not persistent");
		return -EINVAL;
	} else if (who->sid != cc.sid) {
		*tag = NB_CHAN_TAG_IN_USE;
		nb_err_set(err, "", "the pending confirmed commit belongs to session %u",
		    cc.sid);
		return -EPERM;
	}
	notify_confirmed("cancel", who, 0);
	return cc_rollback("cancelled", err);
}

/* RFC 6241 8.4: a non-persistent confirmed commit whose session ends is
 * rolled back. */
void
nb_confirm_session_gone(uint32_t sid)
{
	struct nb_err err = { 0 };

	if (!cc.pending || cc.persist || !sid || cc.sid != sid)
		return;
	notify_confirmed("cancel", NULL, 0);
	cc_rollback("abandoned: its session ended", &err);
}

void
nb_confirm_netconf_gone(void)
{
	struct nb_err err = { 0 };

	if (!cc.pending)
		return;
	if (!cc.persist) {
		notify_confirmed("cancel", NULL, 0);
		cc_rollback("abandoned: the NETCONF process ended its session", &err);
		return;
	}
	/* persistent: it waits for its persist-id; no session owns it now */
	cc.sid = 0;
	if (cc.changed)
		cc.changed();
}

void
nb_confirm_fini(void)
{
	cc.changed = NULL;
	cc_clear();
	if (cc.timer_init) {
		uv_close((uv_handle_t *)&cc.timer, NULL);
		cc.timer_init = false;
	}
}
