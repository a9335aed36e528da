/* northbound/nb_netconf_ops.c - NETCONF RPC handlers (RFC 6241 7-8, 5277, 6022, 6243, 6470). */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_local.h"
#include "northbound/nb_notify.h"

/* One RPC on its way through the loop thread. */
struct op {
	struct lyd_node	  *rpc;
	struct nc_session *ncs;
	uint32_t	   sid;
	char		   user[64];
	enum nbnc_role	   role;
	struct nbnc_errs   errs;
	struct lyd_node	  *out;	 /* reply: RPC output node */
	struct lyd_node	  *data; /* get/get-config: the <data> content */
	const char	  *data_rpc;
	NC_WD_MODE	   wd;
	bool		   bulk; /* data may hold nbnc_bulk pieces */
	struct nbnc_filter flt;	 /* get/get-config: applied to data on the poll thread */
};

/* ------------------------------------------------------------ helpers */

static struct lyd_node *
in_node(const struct lyd_node *rpc, const char *path)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(rpc, path, 0, &n) != LY_SUCCESS)
		return NULL;
	return n;
}

static const char *
in_str(const struct lyd_node *rpc, const char *path)
{
	struct lyd_node *n = in_node(rpc, path);

	return n ? lyd_get_value(n) : NULL;
}

/* <target>/<source>: which datastore, or the inline <config>. */
static int
in_ds(struct op *o, const char *which, enum nbnc_ds *ds, const struct lyd_node **config)
{
	struct lyd_node *c = in_node(o->rpc, which), *ch;

	if (config)
		*config = NULL;
	if (!c || !(ch = lyd_child(c))) {
		nbnc_errs_add(&o->errs, NC_ERR_MISSING_ELEM, "", which, "<%s> is missing",
		    which);
		return -EINVAL;
	}
	for (int d = 0; d < NBNC_DS_COUNT; d++) {
		if (strcmp(ch->schema->name, nbnc_ds_names[d]) == 0) {
			*ds = (enum nbnc_ds)d;
			return 0;
		}
	}
	if (config && strcmp(ch->schema->name, "config") == 0) {
		*config = ch;
		return 0;
	}
	nbnc_errs_add(&o->errs, NC_ERR_OP_NOT_SUPPORTED, "", ch->schema->name,
	    "<%s> is not supported as %s", ch->schema->name, which);
	return -ENOTSUP;
}

static bool
may_write(struct op *o)
{
	if (o->role >= NBNC_ROLE_OPERATOR)
		return true;
	nbnc_errs_add(&o->errs, NC_ERR_ACCESS_DENIED, "", NULL,
	    "user %s (role viewer) may not change configuration", o->user);
	return false;
}

/* Refuse to touch a datastore another session holds locked (RFC 6241 7.5). */
static bool
not_locked_by_other(struct op *o, enum nbnc_ds d)
{
	uint32_t h = nbnc_ds_lock_holder(d);

	if (!h || h == o->sid)
		return true;
	nbnc_errs_add(&o->errs, NC_ERR_IN_USE, "", NULL,
	    "the %s datastore is locked by session %u", nbnc_ds_names[d], h);
	return false;
}

static int
dup_tree(const struct lyd_node *t, struct lyd_node **out)
{
	*out = NULL;
	if (!t)
		return 0;
	return lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out) ==
		LY_SUCCESS ?
	    0 :
	    -ENOMEM;
}

/* A private copy of a datastore. */
static int
ds_copy(struct op *o, enum nbnc_ds d, struct lyd_node **out)
{
	struct nb_err err = { 0 };
	int	      rc;

	switch (d) {
	case NBNC_DS_RUNNING:
		rc = dup_tree(nb_running(), out);
		break;
	case NBNC_DS_CANDIDATE:
		rc = dup_tree(nbnc_ds_candidate(), out);
		break;
	default:
		if ((rc = nbnc_ds_startup_read(out, &err)) != 0) {
			nbnc_errs_add_nb(&o->errs, NC_ERR_OP_FAILED, &err);
			return rc;
		}
		break;
	}
	if (rc != 0)
		nbnc_errs_add(&o->errs, NC_ERR_RES_DENIED, "", NULL, "out of memory");
	return rc;
}

static NC_WD_MODE
in_wd(struct op *o)
{
	const char *v = in_str(o->rpc, "ietf-netconf-with-defaults:with-defaults");

	if (!v)
		return NC_WD_EXPLICIT;
	if (strcmp(v, "report-all") == 0)
		return NC_WD_ALL;
	if (strcmp(v, "report-all-tagged") == 0)
		return NC_WD_ALL_TAG;
	if (strcmp(v, "trim") == 0)
		return NC_WD_TRIM;
	return NC_WD_EXPLICIT;
}

/* The <data> reply of get / get-config / get-schema. */
static int
reply_data(struct op *o, const char *rpcname, const char *modname, const void *value,
    LYD_ANYDATA_VALUETYPE type)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(nb_ctx(), modname);

	if (!m || lyd_new_inner(NULL, m, rpcname, 0, &o->out) != LY_SUCCESS ||
	    lyd_new_any(o->out, NULL, "data", value, 1, type, 1, NULL) != LY_SUCCESS) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL, "cannot build the reply");
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------- RFC 6022 netconf-state */

static void
mon_add(struct lyd_node *root, const char *path, const char *val)
{
	lyd_new_path(root, NULL, path, val, LYD_NEW_PATH_UPDATE, NULL);
}

static void
tfmt(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct lyd_node *
mon_state(void)
{
	const struct lys_module *ncm =
	    ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-monitoring");
	const struct lys_module *m;
	struct lyd_node		*root = NULL;
	const char	       **caps;
	char			 p[512], v[64];
	uint32_t		 idx = 0;
	uint64_t		 rpcs = 0, bad = 0, errs = 0, notifs = 0;

	if (!ncm || lyd_new_inner(NULL, ncm, "netconf-state", 0, &root) != LY_SUCCESS)
		return NULL;
	/* what the <hello> said (RFC 6022 2.1.1): YANG 1.1 modules are not in
	 * it (RFC 7950 5.6.4, they are announced through yang-library) */
	if ((caps = nc_server_get_cpblts_version(nb_ctx(), LYS_VERSION_1_0))) {
		for (size_t i = 0; caps[i]; i++) {
			lyd_new_path(root, NULL, "capabilities/capability", caps[i], 0, NULL);
			lydict_remove(nb_ctx(), caps[i]);
		}
		free(caps);
	}
	for (int d = 0; d < NBNC_DS_COUNT; d++) {
		snprintf(p, sizeof(p), "datastores/datastore[name='%s']", nbnc_ds_names[d]);
		mon_add(root, p, NULL);
		if (nbnc_ds_lock_holder(d)) {
			snprintf(p, sizeof(p),
			    "datastores/datastore[name='%s']/locks/global-lock/locked-by-session",
			    nbnc_ds_names[d]);
			snprintf(v, sizeof(v), "%u", nbnc_ds_lock_holder(d));
			mon_add(root, p, v);
			snprintf(p, sizeof(p),
			    "datastores/datastore[name='%s']/locks/global-lock/locked-time",
			    nbnc_ds_names[d]);
			tfmt(nbnc_ds_lock_time(d), v, sizeof(v));
			mon_add(root, p, v);
		}
	}
	while ((m = ly_ctx_get_module_iter(nb_ctx(), &idx))) {
		const char *rev = m->revision ? m->revision : "";

		snprintf(p, sizeof(p),
		    "schemas/schema[identifier='%s'][version='%s'][format='yang']/namespace",
		    m->name, rev);
		mon_add(root, p, m->ns);
		snprintf(p, sizeof(p),
		    "schemas/schema[identifier='%s'][version='%s'][format='yang']/location",
		    m->name, rev);
		mon_add(root, p, "NETCONF");
	}
	pthread_mutex_lock(&nbnc_sess_mtx);
	for (struct nbnc_sess *s = nbnc_sess_first(); s; s = s->next) {
		static const struct {
			const char *leaf;
			size_t	    off;
		} ctr[] = {
			{ "in-rpcs", offsetof(struct nbnc_sess, in_rpcs) },
			{ "in-bad-rpcs", offsetof(struct nbnc_sess, in_bad_rpcs) },
			{ "out-rpc-errors", offsetof(struct nbnc_sess, out_rpc_errors) },
			{ "out-notifications", offsetof(struct nbnc_sess, out_notifs) },
		};
		char base[96];

		snprintf(base, sizeof(base), "sessions/session[session-id='%u']", s->id);
		snprintf(p, sizeof(p), "%s/transport", base);
		mon_add(root, p, "ietf-netconf-monitoring:netconf-ssh");
		snprintf(p, sizeof(p), "%s/username", base);
		mon_add(root, p, s->user);
		if (s->host[0]) {
			snprintf(p, sizeof(p), "%s/source-host", base);
			mon_add(root, p, s->host);
		}
		snprintf(p, sizeof(p), "%s/login-time", base);
		tfmt(s->login, v, sizeof(v));
		mon_add(root, p, v);
		for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
			uint64_t c = *(const uint64_t *)((const char *)s + ctr[i].off);

			snprintf(p, sizeof(p), "%s/%s", base, ctr[i].leaf);
			snprintf(v, sizeof(v), "%llu",
			    (unsigned long long)(c > UINT32_MAX ? UINT32_MAX : c));
			mon_add(root, p, v);
		}
		rpcs += s->in_rpcs;
		bad += s->in_bad_rpcs;
		errs += s->out_rpc_errors;
		notifs += s->out_notifs;
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	tfmt(nbnc_start_time(), v, sizeof(v));
	mon_add(root, "statistics/netconf-start-time", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)nbnc_stat_bad_hellos());
	mon_add(root, "statistics/in-bad-hellos", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)nbnc_stat_sessions_total());
	mon_add(root, "statistics/in-sessions", v);
	/* per live session only: totals of ended sessions are not kept */
	snprintf(v, sizeof(v), "%llu", (unsigned long long)rpcs);
	mon_add(root, "statistics/in-rpcs", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)bad);
	mon_add(root, "statistics/in-bad-rpcs", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)errs);
	mon_add(root, "statistics/out-rpc-errors", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)notifs);
	mon_add(root, "statistics/out-notifications", v);
	return root;
}

static struct lyd_node *
streams_state(void)
{
	const struct lys_module *m =
	    ly_ctx_get_module_implemented(nb_ctx(), "nc-notifications");
	struct lyd_node *root = NULL;
	char		 v[64];

	if (!m || lyd_new_inner(NULL, m, "netconf", 0, &root) != LY_SUCCESS)
		return NULL;
	mon_add(root, "streams/stream[name='NETCONF']/description",
	    "hybridgw events: path switches, BGP sessions, prefix caps, NETCONF (RFC 6470)");
	mon_add(root, "streams/stream[name='NETCONF']/replaySupport", "true");
	tfmt(nbnc_notify_replay_since(), v, sizeof(v));
	mon_add(root, "streams/stream[name='NETCONF']/replayLogCreationTime", v);
	return root;
}

static void
append(struct lyd_node **all, struct lyd_node *t)
{
	if (!t)
		return;
	if (!*all)
		*all = t;
	else
		lyd_insert_sibling(*all, t, all);
}

/* ------------------------------------------------- get / get-config */

/* Replace every from with to in *s (reallocated). */
static void
nbnc_str_replace(char **s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0, len;
	char  *p, *o, *w;

	for (p = *s; (p = strstr(p, from)); p += fl)
		n++;
	if (!n)
		return;
	len = strlen(*s) + n * (tl > fl ? tl - fl : 0) + 1;
	if (!(o = malloc(len)))
		return;
	for (w = o, p = *s;;) {
		char *q = strstr(p, from);

		if (!q) {
			strcpy(w, p);
			break;
		}
		memcpy(w, p, (size_t)(q - p));
		w += q - p;
		memcpy(w, to, tl);
		w += tl;
		p = q + fl;
	}
	free(*s);
	*s = o;
}

static int
op_get_common(struct op *o, bool state, enum nbnc_ds src)
{
	struct nbnc_filter flt;
	struct lyd_node	  *all = NULL, *t = NULL;
	struct nb_err	   err = { 0 };
	uint64_t	   t0 = mono_us(), t1;
	int		   rc;

	o->wd = in_wd(o);
	if ((rc = nbnc_filter_parse(in_node(o->rpc, "filter"), &flt, &o->errs)) != 0)
		goto out;
	if (nbnc_filter_wants(&flt, "hybridgw", "gateway")) {
		if ((rc = ds_copy(o, src, &t)) != 0)
			goto out;
		append(&all, t);
	}
	if (state) {
		if (nbnc_filter_wants(&flt, "hybridgw", "gateway-state")) {
			t = NULL;
			char *hint = nbnc_filter_state_hint(&flt);

			t1 = mono_us();
			/* unfiltered: the RIB's routes as XML text (nb_netconf_bulk.c),
			 * built by hybridgwd, sent as they are */
			o->bulk = !flt.subtree && !flt.xpath && !flt.empty;
			rc = nbnc_rt_state(hint, o->bulk, &t, &err);
			free(hint);
			if (rc != 0) {
				nbnc_errs_add_nb(&o->errs, NC_ERR_OP_FAILED, &err);
				nbnc_bulk_free(all);
				goto out;
			}
			append(&all, t);
			log_debug(LOG_MOD_NB, "netconf: get: state built in %llu us",
			    (unsigned long long)(mono_us() - t1));
		}
		if (nbnc_filter_wants(&flt, "ietf-netconf-monitoring", "netconf-state"))
			append(&all, mon_state());
		if (nbnc_filter_wants(&flt, "nc-notifications", "netconf"))
			append(&all, streams_state());
		if (flt.subtree || flt.xpath) {
			if (nbnc_filter_wants(&flt, "ietf-yang-library", "yang-library") ||
			    nbnc_filter_wants(&flt, "ietf-yang-library", "modules-state")) {
				t = NULL;
				if (ly_ctx_get_yanglib_data(nb_ctx(), &t, "%u",
					ly_ctx_get_change_count(nb_ctx())) == LY_SUCCESS)
					append(&all, t);
			}
		}
	}
	/* filtered (op_filter_data) and printed (op_print_data) on the poll
	 * thread, not here: an XPath filter may take up to its time limit
	 * (nb_nc_xpath.c), and this loop thread serves every session */
	o->data = all;
	o->flt = flt;
	o->flt.request = true;
	memset(&flt, 0, sizeof(flt));
	o->data_rpc = state ? "get" : "get-config";
	log_debug(LOG_MOD_NB, "netconf: %s: data ready in %llu us", o->data_rpc,
	    (unsigned long long)(mono_us() - t0));
out:
	nbnc_filter_free(&flt);
	return rc;
}

/* On the poll thread: the data of a get/get-config, filtered. */
static void
op_filter_data(struct op *o)
{
	struct lyd_node *out = NULL;

	/* RFC 8341 3.4.5: what the user may not read goes before the filter
	 * is applied, or a content match or an XPath predicate on a secret
	 * would answer differently for right and wrong guesses */
	nbnc_secrets_strip(o->data, &o->flt, o->role == NBNC_ROLE_ADMIN);
	nbnc_filter_apply(&o->flt, o->data, &out, &o->errs); /* consumes data */
	o->data = out;
}

static int
op_get(struct op *o)
{
	return op_get_common(o, true, NBNC_DS_RUNNING);
}

static int
op_get_config(struct op *o)
{
	enum nbnc_ds d;

	if (in_ds(o, "source", &d, NULL) != 0)
		return -EINVAL;
	return op_get_common(o, false, d);
}

/* ---------------------------------------------------------- edit-config */

static int
op_edit_config(struct op *o)
{
	enum nbnc_ds	 d;
	const char	*dop = in_str(o->rpc, "default-operation");
	const char	*test = in_str(o->rpc, "test-option");
	const char	*eo = in_str(o->rpc, "error-option");
	struct lyd_node *cfg = in_node(o->rpc, "config"), *work = NULL, *edit = NULL;
	enum nbnc_erropt erropt = NBNC_ERR_STOP;
	struct nb_err	 err = { 0 };
	char		*xml = NULL;
	uint64_t	 t0, t1, t2;
	int		 rc;

	if (!may_write(o) || in_ds(o, "target", &d, NULL) != 0 || !not_locked_by_other(o, d))
		return -EPERM;
	if (!cfg) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_NOT_SUPPORTED, "", "url",
		    "only <config> is supported as edit content");
		return -ENOTSUP;
	}
	if (eo && strcmp(eo, "continue-on-error") == 0)
		erropt = NBNC_ERR_CONTINUE;
	else if (eo && strcmp(eo, "rollback-on-error") == 0)
		erropt = NBNC_ERR_ROLLBACK;
	if (!test)
		test = "test-then-set";
	if (nbnc_any_xml(cfg, &xml) != 0) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL, "cannot read <config>");
		return -ENOMEM;
	}
	t0 = mono_us();
	if (d == NBNC_DS_CANDIDATE && strcmp(test, "test-then-set") == 0) {
		/* parsed once; an edit of existing list entries runs on
		 * those entries alone (nb_netconf_fast.c) */
		if ((rc = nbnc_edit_parse(xml ? xml : "", &edit, &o->errs)) != 0)
			goto out;
		rc = nbnc_ds_candidate_edit_fast(edit, dop ? dop : "merge", erropt, &o->errs,
		    o->sid);
		if (rc != -EAGAIN) {
			log_debug(LOG_MOD_NB, "netconf: edit-config of entries %llu us",
			    (unsigned long long)(mono_us() - t0));
			goto out;
		}
	}
	if ((rc = ds_copy(o, d, &work)) != 0)
		goto out;
	t1 = mono_us();
	if (edit)
		rc = nbnc_edit_run(&work, edit, dop ? dop : "merge", erropt, &o->errs);
	else
		rc = nbnc_edit_apply(&work, xml ? xml : "", dop ? dop : "merge", erropt,
		    &o->errs);
	t2 = mono_us();
	/* stop-on-error aborts the whole edit: an invalid edit changes nothing
	 * (RFC 6241 7.2 "abort the operation"); continue-on-error keeps what
	 * went through and reports the rest. */
	if (rc != 0 && (erropt != NBNC_ERR_CONTINUE || !work)) {
		lyd_free_all(work);
		goto out;
	}
	if (strcmp(test, "set") != 0) {
		if (lyd_validate_all(&work, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) !=
		    LY_SUCCESS) {
			nbnc_errs_from_ly(&o->errs, NULL);
			nbnc_err_locate(o->errs.v[o->errs.n - 1].path,
			    sizeof(o->errs.v[0].path), o->errs.v[o->errs.n - 1].msg, work);
			lyd_free_all(work);
			rc = -EINVAL;
			goto out;
		}
		log_debug(LOG_MOD_NB,
		    "netconf: edit-config copy %llu us, edit %llu us, validate %llu us",
		    (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
		    (unsigned long long)(mono_us() - t2));
		if (strcmp(test, "test-only") == 0) {
			if (d == NBNC_DS_RUNNING && nbnc_rt_check(work, &err) != 0) {
				nbnc_errs_add_nb(&o->errs, NC_ERR_UNKNOWN, &err);
				rc = -EINVAL;
			}
			lyd_free_all(work);
			goto out;
		}
	}
	if (d == NBNC_DS_RUNNING) {
		if (nbnc_ds_commit_tree(work, o->sid, strcmp(test, "set") != 0, &err) != 0) {
			nbnc_errs_add_nb(&o->errs, NC_ERR_UNKNOWN, &err);
			rc = -EINVAL;
		}
	} else {
		nbnc_ds_candidate_set(work, o->sid, strcmp(test, "set") != 0);
	}
out:
	lyd_free_all(edit);
	free(xml);
	return rc;
}

/* ------------------------------------------- copy / delete / validate */

static int
source_tree(struct op *o, enum nbnc_ds d, const struct lyd_node *config, struct lyd_node **t)
{
	char *xml = NULL;
	int   rc;

	if (!config)
		return ds_copy(o, d, t);
	if (nbnc_any_xml(config, &xml) != 0) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL, "cannot read <config>");
		return -ENOMEM;
	}
	rc = nbnc_config_parse(xml ? xml : "", t, &o->errs);
	free(xml);
	return rc;
}

static int
op_copy_config(struct op *o)
{
	enum nbnc_ds	       src = NBNC_DS_COUNT, dst;
	const struct lyd_node *config = NULL;
	struct lyd_node	      *t = NULL;
	struct nb_err	       err = { 0 };
	int		       rc;

	if (!may_write(o) || in_ds(o, "target", &dst, NULL) != 0 ||
	    in_ds(o, "source", &src, &config) != 0 || !not_locked_by_other(o, dst))
		return -EPERM;
	if (!config && src == dst) {
		nbnc_errs_add(&o->errs, NC_ERR_INVALID_VALUE, "", NULL,
		    "source and target are the same datastore");
		return -EINVAL;
	}
	if (dst == NBNC_DS_STARTUP && src == NBNC_DS_RUNNING && !config) {
		/* hybridgwd saves its own running config */
		if ((rc = nbnc_ds_startup_write(NULL, true, o->sid, &err)) != 0)
			nbnc_errs_add_nb(&o->errs, NC_ERR_OP_FAILED, &err);
		return rc;
	}
	if ((rc = source_tree(o, src, config, &t)) != 0)
		return rc;
	switch (dst) {
	case NBNC_DS_RUNNING:
		if ((rc = nbnc_ds_commit_tree(t, o->sid, config != NULL, &err)) != 0)
			nbnc_errs_add_nb(&o->errs, NC_ERR_UNKNOWN, &err);
		break;
	case NBNC_DS_CANDIDATE:
		nbnc_ds_candidate_set(t, o->sid, config != NULL);
		break;
	default:
		if ((rc = nbnc_ds_startup_write(t, false, o->sid, &err)) != 0)
			nbnc_errs_add_nb(&o->errs, NC_ERR_OP_FAILED, &err);
		lyd_free_all(t);
		break;
	}
	return rc;
}

static int
op_delete_config(struct op *o)
{
	enum nbnc_ds  d;
	struct nb_err err = { 0 };
	int	      rc;

	if (!may_write(o) || in_ds(o, "target", &d, NULL) != 0 || !not_locked_by_other(o, d))
		return -EPERM;
	if (d != NBNC_DS_STARTUP) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_NOT_SUPPORTED, "", NULL,
		    "only the startup datastore can be deleted");
		return -ENOTSUP;
	}
	if ((rc = nbnc_ds_startup_delete(o->sid, &err)) != 0)
		nbnc_errs_add_nb(&o->errs, NC_ERR_OP_FAILED, &err);
	return rc;
}

static int
op_validate(struct op *o)
{
	enum nbnc_ds	       src = NBNC_DS_COUNT;
	const struct lyd_node *config = NULL;
	struct lyd_node	      *t = NULL;
	struct nb_err	       err = { 0 };
	int		       rc;

	if (in_ds(o, "source", &src, &config) != 0)
		return -EINVAL;
	if ((rc = source_tree(o, src, config, &t)) != 0)
		return rc;
	if (lyd_validate_all(&t, nb_ctx(), LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		nbnc_errs_from_ly(&o->errs, NULL);
		nbnc_err_locate(o->errs.v[o->errs.n - 1].path, sizeof(o->errs.v[0].path),
		    o->errs.v[o->errs.n - 1].msg, t);
		rc = -EINVAL;
	} else if ((rc = nbnc_rt_check(t, &err)) != 0) {
		nbnc_errs_add_nb(&o->errs, NC_ERR_UNKNOWN, &err);
	}
	lyd_free_all(t);
	return rc;
}

/* ------------------------------------------------------- lock / unlock */

static int
op_lock(struct op *o)
{
	enum nbnc_ds d;
	uint32_t     holder = 0;
	int	     rc;

	if (in_ds(o, "target", &d, NULL) != 0)
		return -EINVAL;
	if ((rc = nbnc_ds_lock(d, o->sid, &holder)) != 0) {
		if (rc == -EAGAIN)
			nbnc_errs_add(&o->errs, NC_ERR_LOCK_DENIED, "", NULL,
			    "the candidate holds uncommitted changes of session %u", holder);
		else if (rc == -EINPROGRESS)
			nbnc_errs_add(&o->errs, NC_ERR_LOCK_DENIED, "", NULL,
			    "a confirmed commit of session %u is pending (RFC 6241 7.5)",
			    holder);
		else
			nbnc_errs_add(&o->errs, NC_ERR_LOCK_DENIED, "", NULL,
			    "the %s datastore is locked by session %u", nbnc_ds_names[d],
			    holder);
		o->errs.v[o->errs.n - 1].sid = holder;
	}
	return rc;
}

static int
op_unlock(struct op *o)
{
	enum nbnc_ds d;
	uint32_t     holder = 0;
	int	     rc;

	if (in_ds(o, "target", &d, NULL) != 0)
		return -EINVAL;
	if ((rc = nbnc_ds_unlock(d, o->sid, &holder)) == -ENOENT)
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL,
		    "the %s datastore is not locked", nbnc_ds_names[d]);
	else if (rc != 0)
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL,
		    "the %s datastore is locked by session %u, not this one", nbnc_ds_names[d],
		    holder);
	return rc;
}

/* ------------------------------------------------ commit & candidate */

static int
op_commit(struct op *o)
{
	struct nbnc_commit_req r = { 0 };
	struct nb_err	       err = { 0 };
	const char	      *to = in_str(o->rpc, "confirm-timeout");
	NC_ERR		       tag;
	int		       rc;

	if (!may_write(o) || !not_locked_by_other(o, NBNC_DS_RUNNING) ||
	    !not_locked_by_other(o, NBNC_DS_CANDIDATE))
		return -EPERM;
	r.sid = o->sid;
	r.confirmed = in_node(o->rpc, "confirmed") != NULL;
	r.timeout = to ? (uint32_t)strtoul(to, NULL, 10) : 0;
	r.persist = in_str(o->rpc, "persist");
	r.persist_id = in_str(o->rpc, "persist-id");
	if ((rc = nbnc_ds_commit(&r, &err, &tag)) != 0)
		nbnc_errs_add_nb(&o->errs, tag == NC_ERR_OP_FAILED ? NC_ERR_UNKNOWN : tag,
		    &err);
	return rc;
}

static int
op_cancel_commit(struct op *o)
{
	struct nb_err err = { 0 };
	NC_ERR	      tag;
	int	      rc;

	if (!may_write(o))
		return -EPERM;
	if ((rc = nbnc_ds_cancel_commit(o->sid, in_str(o->rpc, "persist-id"), &err, &tag)) != 0)
		nbnc_errs_add_nb(&o->errs, tag, &err);
	return rc;
}

static int
op_discard_changes(struct op *o)
{
	if (!may_write(o) || !not_locked_by_other(o, NBNC_DS_CANDIDATE))
		return -EPERM;
	nbnc_ds_candidate_discard();
	return 0;
}

/* -------------------------------------------------- hybridgw RPCs */

/* Carried out by hybridgwd, where the module that registered it lives;
 * one nobody registered answers operation-not-supported. */
static int
op_hgw(struct op *o)
{
	struct nb_err	 err = { 0 };
	enum nb_chan_tag tag = NB_CHAN_TAG_OP_FAILED;
	int		 rc;

	if (!may_write(o))
		return -EPERM;
	if ((rc = nbnc_rt_rpc(o->rpc, o->sid, &o->out, &err, &tag)) != 0) {
		nbnc_errs_add_nb(&o->errs,
		    tag == NB_CHAN_TAG_NOT_SUPPORTED	 ? NC_ERR_OP_NOT_SUPPORTED :
			tag == NB_CHAN_TAG_INVALID_VALUE ? NC_ERR_INVALID_VALUE :
							   NC_ERR_UNKNOWN,
		    &err);
		return rc;
	}
	return 0;
}

/*
 * The <data> of get/get-config, wrapped here (a poll thread) rather than on
 * the loop thread. libnetconf2 prints the tree with the with-defaults mode
 * (one pre-printed string would leave as a single NETCONF chunk, which
 * ncclient reassembles in quadratic time; the RIB of a full <get> is
 * pre-printed in ~30 KB pieces instead, nb_netconf_bulk.c).
 * report-all-tagged is printed here: RFC 6243 6 puts the attribute in the
 * netconf:default namespace, libyang in the module's.
 */
static void
op_print_data(struct op *o)
{
	char *xml = NULL;

	if (o->wd != NC_WD_ALL_TAG) {
		if (reply_data(o, o->data_rpc, "ietf-netconf", o->data, LYD_ANYDATA_DATATREE) ==
		    0)
			o->data = NULL;
		return;
	}
	if (o->data &&
	    lyd_print_mem(&xml, o->data, LYD_XML,
		LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_ALL_TAG) !=
		LY_SUCCESS) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_FAILED, "", NULL, "cannot print the data");
		return;
	}
	if (xml)
		nbnc_str_replace(&xml, "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults",
		    "urn:ietf:params:xml:ns:netconf:default:1.0");
	else if (!(xml = strdup("")))
		return;
	if (reply_data(o, o->data_rpc, "ietf-netconf", xml, LYD_ANYDATA_XML) != 0) {
		free(xml);
		return;
	}
	o->wd = NC_WD_EXPLICIT; /* tagged above; xml is the reply's now */
}

/* ------------------------------------------------------- dispatch */

static const struct {
	const char *module;
	const char *name;
	int (*fn)(struct op *);
} nbnc_ops[] = {
	{ "ietf-netconf", "get", op_get },
	{ "ietf-netconf", "get-config", op_get_config },
	{ "ietf-netconf", "edit-config", op_edit_config },
	{ "ietf-netconf", "copy-config", op_copy_config },
	{ "ietf-netconf", "delete-config", op_delete_config },
	{ "ietf-netconf", "lock", op_lock },
	{ "ietf-netconf", "unlock", op_unlock },
	{ "ietf-netconf", "commit", op_commit },
	{ "ietf-netconf", "cancel-commit", op_cancel_commit },
	{ "ietf-netconf", "discard-changes", op_discard_changes },
	{ "ietf-netconf", "validate", op_validate },
	{ NBNC_MOD, NULL, op_hgw },
};

struct op_call {
	struct op *o;
	int (*fn)(struct op *);
};

static int
op_run_loop(void *arg)
{
	struct op_call *c = arg;

	return c->fn(c->o);
}

static struct lyd_node *
err_node(const struct nbnc_err *e)
{
	const struct ly_ctx *ctx = nb_ctx();
	struct lyd_node	    *n;
	const char	    *elem = e->bad_elem[0] ? e->bad_elem : "";

	switch (e->tag) {
	case NC_ERR_MISSING_ATTR:
	case NC_ERR_BAD_ATTR:
	case NC_ERR_UNKNOWN_ATTR:
		n = nc_err(ctx, e->tag, e->type ? e->type : NC_ERR_TYPE_PROT,
		    e->bad_attr[0] ? e->bad_attr : "operation", elem);
		break;
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_BAD_ELEM:
	case NC_ERR_UNKNOWN_ELEM:
		n = nc_err(ctx, e->tag, e->type ? e->type : NC_ERR_TYPE_APP, elem);
		break;
	case NC_ERR_UNKNOWN_NS:
		n = nc_err(ctx, e->tag, e->type ? e->type : NC_ERR_TYPE_APP, elem, e->bad_ns);
		break;
	case NC_ERR_LOCK_DENIED:
		n = nc_err(ctx, e->tag, e->sid);
		break;
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
	case NC_ERR_MALFORMED_MSG:
		n = nc_err(ctx, e->tag);
		break;
	case NC_ERR_UNKNOWN:
		n = nc_err(ctx, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP);
		break;
	default:
		n = nc_err(ctx, e->tag, e->type ? e->type : NC_ERR_TYPE_APP);
		break;
	}
	if (!n)
		return NULL;
	if (e->msg[0])
		nc_err_set_msg(n, e->msg, "en");
	if (e->path[0])
		nc_err_set_path(n, e->path);
	if (e->app_tag[0])
		nc_err_set_app_tag(n, e->app_tag);
	return n;
}

static struct nc_server_reply *
op_reply(struct op *o)
{
	struct nc_server_reply *r = NULL;

	if (o->errs.n) {
		nbnc_bulk_free(o->out);
		for (size_t i = 0; i < o->errs.n; i++) {
			struct lyd_node *e = err_node(&o->errs.v[i]);

			if (!e)
				continue;
			if (!r)
				r = nc_server_reply_err(e);
			else
				nc_server_reply_add_err(r, e);
		}
		pthread_mutex_lock(&nbnc_sess_mtx);
		struct nbnc_sess *s = nbnc_sess_find(o->sid);
		if (s)
			s->out_rpc_errors++;
		pthread_mutex_unlock(&nbnc_sess_mtx);
		return r;
	}
	if (o->out && o->bulk) {
		/* libnetconf2 must not free the pieces: after sending, we do */
		if ((r = nc_server_reply_data(o->out, o->wd, NC_PARAMTYPE_CONST)))
			nbnc_bulk_defer(o->out);
		else
			nbnc_bulk_free(o->out);
		return r;
	}
	if (o->out)
		return nc_server_reply_data(o->out, o->wd, NC_PARAMTYPE_FREE);
	return nc_server_reply_ok();
}

static void
op_init(struct op *o, struct lyd_node *rpc, struct nc_session *ncs)
{
	const char *u = nc_session_get_username(ncs);

	memset(o, 0, sizeof(*o));
	o->rpc = rpc;
	o->ncs = ncs;
	o->sid = nc_session_get_id(ncs);
	snprintf(o->user, sizeof(o->user), "%s", u ? u : "");
	o->role = nbnc_user_role(o->user);
	o->wd = NC_WD_EXPLICIT;
	pthread_mutex_lock(&nbnc_sess_mtx);
	struct nbnc_sess *s = nbnc_sess_find(o->sid);
	if (s)
		s->in_rpcs++;
	pthread_mutex_unlock(&nbnc_sess_mtx);
}

/* RFC 6241 7.9 */
static void
op_kill_session(struct op *o)
{
	const char *v = in_str(o->rpc, "session-id");
	uint32_t    id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

	if (o->role != NBNC_ROLE_ADMIN) {
		nbnc_errs_add(&o->errs, NC_ERR_ACCESS_DENIED, "", NULL,
		    "only an admin may kill sessions");
		return;
	}
	if (id == o->sid) {
		nbnc_errs_add(&o->errs, NC_ERR_INVALID_VALUE,
		    "/ietf-netconf:kill-session/session-id", NULL,
		    "a session cannot kill itself: use close-session");
		return;
	}
	if (nbnc_sess_kill(id, o->sid) != 0)
		nbnc_errs_add(&o->errs, NC_ERR_INVALID_VALUE,
		    "/ietf-netconf:kill-session/session-id", NULL, "no session %u", id);
}

/* RFC 5277 2.1.1 */
static void
op_create_subscription(struct op *o)
{
	const char	  *stream = in_str(o->rpc, "stream");
	struct nbnc_filter flt;

	if (stream && strcmp(stream, "NETCONF") != 0) {
		nbnc_errs_add(&o->errs, NC_ERR_INVALID_VALUE,
		    "/notifications:create-subscription/stream", NULL, "no stream \"%s\"",
		    stream);
		return;
	}
	if (nbnc_filter_parse(in_node(o->rpc, "filter"), &flt, &o->errs) != 0)
		return;
	if (nbnc_notify_subscribe(o->sid, &flt, in_str(o->rpc, "startTime"),
		in_str(o->rpc, "stopTime"), &o->errs) == 0)
		nc_session_inc_notif_status(o->ncs);
	nbnc_filter_free(&flt);
}

/*
 * Mandatory input present (RFC 7950 7.14.2: the input must be valid)?
 * libnetconf2 parses an RPC without validating it, so a handler would
 * otherwise meet NULL for a leaf the model promises: missing-element with
 * the leaf as bad-element (RFC 6241 App. A), before any handler runs.
 * Top-level input nodes only: deeper mandatory nodes belong to containers
 * the handlers check as they read them.
 */
static bool
op_input_present(const struct lyd_node *rpc, const struct lysc_node *l)
{
	struct lyd_node *n;

	if (l->nodetype != LYS_CHOICE)
		return lyd_find_sibling_val(lyd_child(rpc), l, NULL, 0, &n) == LY_SUCCESS;
	/* a mandatory choice: some data node of one of its cases */
	LY_LIST_FOR(lyd_child(rpc), n)
		for (const struct lysc_node *s = n->schema; s && s != rpc->schema;
		     s = s->parent)
			if (s == l)
				return true;
	return false;
}

static bool
op_input_complete(struct op *o)
{
	const struct lysc_node *in = lysc_node_child(o->rpc->schema), *c;

	for (c = in; c; c = c->next) {
		if (c->nodetype != LYS_INPUT)
			continue;
		for (const struct lysc_node *l = lysc_node_child(c); l; l = l->next) {
			if (!(l->flags & LYS_MAND_TRUE) || op_input_present(o->rpc, l))
				continue;
			nbnc_errs_add(&o->errs, NC_ERR_MISSING_ELEM, "", l->name,
			    "<%s> needs its input <%s>", o->rpc->schema->name, l->name);
			return false;
		}
	}
	return true;
}

/* The guard refused the message this <refused/> stands for (nb_nc_guard.c):
 * answer with its error. Sent by a client itself it is not an operation. */
static void
op_refused(struct op *o)
{
	struct nbnc_err e;

	if (!nbnc_guard_take_refusal(&e)) {
		nbnc_errs_add(&o->errs, NC_ERR_OP_NOT_SUPPORTED, "", NULL,
		    "<refused> is the server's own answer to a refused message, not an operation");
		return;
	}
	if (nbnc_errs_add(&o->errs, e.tag, e.path, e.bad_elem, "%s", e.msg), o->errs.n) {
		struct nbnc_err *d = &o->errs.v[o->errs.n - 1];

		snprintf(d->bad_attr, sizeof(d->bad_attr), "%s", e.bad_attr);
		snprintf(d->bad_ns, sizeof(d->bad_ns), "%s", e.bad_ns);
		d->type = e.type;
	}
	pthread_mutex_lock(&nbnc_sess_mtx);
	struct nbnc_sess *s = nbnc_sess_find(o->sid);
	if (s) {
		s->in_bad_rpcs++; /* RFC 6022: not a correct <rpc> */
		if (s->in_rpcs)
			s->in_rpcs--;
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
}

struct nc_server_reply *
nbnc_rpc_dispatch(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct op   o;
	const char *mod, *name;

	op_init(&o, rpc, ncs);
	if (!rpc || !rpc->schema) {
		nbnc_errs_add(&o.errs, NC_ERR_OP_NOT_SUPPORTED, "", NULL, "unknown operation");
		goto reply;
	}
	mod = rpc->schema->module->name;
	name = rpc->schema->name;
	if (strcmp(mod, NBNC_MOD) == 0 && strcmp(name, "refused") == 0) {
		op_refused(&o);
		goto reply;
	}
	if (!op_input_complete(&o))
		goto reply;
	if (strcmp(mod, "ietf-netconf") == 0 && strcmp(name, "kill-session") == 0) {
		op_kill_session(&o);
		goto reply;
	}
	if (strcmp(mod, "notifications") == 0 && strcmp(name, "create-subscription") == 0) {
		op_create_subscription(&o);
		goto reply;
	}
	for (size_t i = 0; i < sizeof(nbnc_ops) / sizeof(nbnc_ops[0]); i++) {
		struct op_call c = { &o, nbnc_ops[i].fn };

		if (strcmp(nbnc_ops[i].module, mod) != 0 ||
		    (nbnc_ops[i].name && strcmp(nbnc_ops[i].name, name) != 0))
			continue;
		if (loop_call(op_run_loop, &c) == -ENODEV && !o.errs.n)
			nbnc_errs_add(&o.errs, NC_ERR_OP_FAILED, "", NULL,
			    "the daemon is stopping");
		if (o.data_rpc && !o.errs.n)
			op_filter_data(&o);
		if (o.data_rpc && !o.errs.n)
			op_print_data(&o);
		nbnc_bulk_free(o.data);
		nbnc_filter_free(&o.flt);
		goto reply;
	}
	nbnc_errs_add(&o.errs, NC_ERR_OP_NOT_SUPPORTED, "", NULL, "%s:%s is not supported", mod,
	    name);
reply : {
	struct nc_server_reply *r = op_reply(&o);

	nbnc_errs_free(&o.errs);
	return r;
}
}

/* ----------------------------------------------- get-schema (RFC 6022) */

struct nc_server_reply *
nbnc_rpc_get_schema(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct op		     o;
	const char		    *id = in_str(rpc, "identifier");
	const char		    *ver = in_str(rpc, "version");
	const char		    *fmt = in_str(rpc, "format");
	const struct lys_module	    *m = NULL;
	const struct lysp_submodule *sm = NULL;
	LYS_OUTFORMAT		     of = LYS_OUT_YANG;
	struct ly_out		    *out = NULL;
	char			    *text = NULL;

	op_init(&o, rpc, ncs);
	if (fmt && strstr(fmt, "yin"))
		of = LYS_OUT_YIN;
	else if (fmt && !strstr(fmt, "yang")) {
		nbnc_errs_add(&o.errs, NC_ERR_INVALID_VALUE,
		    "/ietf-netconf-monitoring:get-schema/format", NULL,
		    "format %s is not supported", fmt);
		goto reply;
	}
	if (ver && ver[0]) {
		m = ly_ctx_get_module(nb_ctx(), id, ver);
		if (!m)
			sm = ly_ctx_get_submodule(nb_ctx(), id, ver);
	} else {
		m = ly_ctx_get_module_latest(nb_ctx(), id);
		if (!m)
			sm = ly_ctx_get_submodule_latest(nb_ctx(), id);
	}
	if (!m && !sm) {
		nbnc_errs_add(&o.errs, NC_ERR_INVALID_VALUE,
		    "/ietf-netconf-monitoring:get-schema/identifier", NULL, "no schema %s%s%s",
		    id, ver ? "@" : "", ver ? ver : "");
		goto reply;
	}
	if (ly_out_new_memory(&text, 0, &out) != LY_SUCCESS ||
	    (m ? lys_print_module(out, m, of, 0, 0) : lys_print_submodule(out, sm, of, 0, 0)) !=
		LY_SUCCESS) {
		nbnc_errs_add(&o.errs, NC_ERR_OP_FAILED, "", NULL, "cannot print schema %s",
		    id);
		ly_out_free(out, NULL, 1);
		goto reply;
	}
	ly_out_free(out, NULL, 0);
	if (reply_data(&o, "get-schema", "ietf-netconf-monitoring", text, LYD_ANYDATA_STRING) !=
	    0)
		free(text);
reply : {
	struct nc_server_reply *r = op_reply(&o);

	nbnc_errs_free(&o.errs);
	return r;
}
}

/* ------------------------------------------------ sessions (RFC 6470) */

static struct lyd_node *
sess_notif(const char *name, uint32_t sid, const char *user, const char *host)
{
	const struct lys_module *m =
	    ly_ctx_get_module_implemented(nb_ctx(), "ietf-netconf-notifications");
	struct lyd_node *n = NULL;
	char		 buf[16];

	if (!m || !nbnc_notify_active() || lyd_new_inner(NULL, m, name, 0, &n) != LY_SUCCESS)
		return NULL;
	snprintf(buf, sizeof(buf), "%u", sid);
	lyd_new_term(n, NULL, "username", user && user[0] ? user : "?", 0, NULL);
	lyd_new_term(n, NULL, "session-id", buf, 0, NULL);
	if (host && host[0])
		lyd_new_term(n, NULL, "source-host", host, 0, NULL);
	return n;
}

void
nbnc_session_started(uint32_t sid, const char *user, const char *host)
{
	struct lyd_node *n = sess_notif("netconf-session-start", sid, user, host);

	if (n)
		nb_notify_send(n);
}

/* Loop thread. */
void
nbnc_session_gone(uint32_t sid, const char *user, const char *host,
    NC_SESSION_TERM_REASON reason, uint32_t killed_by)
{
	static const char *const reasons[] = { "other", "closed", "killed", "dropped",
		"timeout", "bad-hello", "other" };
	struct lyd_node		*n;
	char			 buf[16];

	nbnc_ds_session_gone(sid);
	if (!(n = sess_notif("netconf-session-end", sid, user, host)))
		return;
	if (reason == NC_SESSION_TERM_KILLED && killed_by) {
		snprintf(buf, sizeof(buf), "%u", killed_by);
		lyd_new_term(n, NULL, "killed-by", buf, 0, NULL);
	}
	lyd_new_term(n, NULL, "termination-reason",
	    reason >= 0 && reason <= NC_SESSION_TERM_OTHER ? reasons[reason] : "other", 0,
	    NULL);
	nb_notify_send(n);
}
