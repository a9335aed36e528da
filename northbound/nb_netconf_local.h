/* northbound/nb_netconf_local.h - private interfaces between the NETCONF server files. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_NETCONF_LOCAL_H
#define HGW_NB_NETCONF_LOCAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <nc_server.h> /* libnetconf2 with SSH (defines NC_ENABLED_SSH) */

#include "northbound/nb_bulk.h"
#include "northbound/nb_chan.h"
#include "northbound/nb_fast.h"
#include "northbound/nb_nc_users.h"
#include "northbound/nb_netconf.h"

/* One NETCONF session (nb_netconf.c keeps the table). */
struct nbnc_sess {
	uint32_t	   id;
	struct nc_session *nc;
	char		   user[64];
	char		   host[64];
	time_t		   login;
	int		   refs; /* nbnc_sess_get() holders */
	uint64_t	   in_rpcs, in_bad_rpcs, out_rpc_errors, out_notifs;
	struct nbnc_sess  *next;
};

/* nb_netconf.c: session table; hold the mutex while using any entry. */
extern pthread_mutex_t nbnc_sess_mtx;
struct nbnc_sess      *nbnc_sess_first(void);	    /* under nbnc_sess_mtx */
struct nbnc_sess      *nbnc_sess_find(uint32_t id); /* under nbnc_sess_mtx */
/* A reference that keeps the session (and its nc_session) alive without
 * the mutex, e.g. while sending a notification. NULL when gone. */
struct nbnc_sess *nbnc_sess_get(uint32_t id);
void		  nbnc_sess_put(struct nbnc_sess *);
enum nbnc_role	  nbnc_user_role(const char *user);
uint64_t	  nbnc_stat_bad_hellos(void);
uint64_t	  nbnc_stat_sessions_total(void);
time_t		  nbnc_start_time(void);
/* Kill a session (not the caller's): 0, -ENOENT. Called on a poll thread. */
int nbnc_sess_kill(uint32_t id, uint32_t by);

/* nb_netconf_ops.c: RPCs (poll threads) and session end (loop thread). */
struct nc_server_reply *nbnc_rpc_dispatch(struct lyd_node *rpc, struct nc_session *);
struct nc_server_reply *nbnc_rpc_get_schema(struct lyd_node *rpc, struct nc_session *);
void nbnc_session_gone(uint32_t sid, const char *user, const char *host, NC_SESSION_TERM_REASON,
    uint32_t killed_by);
void nbnc_session_started(uint32_t sid, const char *user, const char *host);

/* nb_datastore.c: candidate, locks, commits (hybridgwd's), startup (hybridgwd's);
 * loop thread only. */
enum nbnc_ds { NBNC_DS_RUNNING, NBNC_DS_CANDIDATE, NBNC_DS_STARTUP, NBNC_DS_COUNT };
extern const char *const nbnc_ds_names[NBNC_DS_COUNT];
const struct lyd_node	*nbnc_ds_candidate(void);
bool			 nbnc_ds_candidate_dirty(uint32_t *by);
/* validated: the tree passed lyd_validate_all() (commit need not repeat it) */
void nbnc_ds_candidate_set(struct lyd_node *tree, uint32_t sid, bool validated);
void nbnc_ds_candidate_discard(void);
int  nbnc_ds_startup_read(struct lyd_node **out, struct nb_err *);
/* who: the session, for the RFC 6470 config-change notification;
 * from_running: copy hybridgwd's running config (the tree is not sent) */
int	 nbnc_ds_startup_write(const struct lyd_node *, bool from_running, uint32_t who,
	 struct nb_err *);
int	 nbnc_ds_startup_delete(uint32_t who, struct nb_err *);
uint32_t nbnc_ds_lock_holder(enum nbnc_ds);
time_t	 nbnc_ds_lock_time(enum nbnc_ds);
/* 0, -EBUSY (held: *holder), -EAGAIN (candidate modified by *holder). */
int nbnc_ds_lock(enum nbnc_ds, uint32_t sid, uint32_t *holder);
/* 0, -ENOENT (not locked), -EPERM (locked by *holder). */
int nbnc_ds_unlock(enum nbnc_ds, uint32_t sid, uint32_t *holder);
/* Validate (libyang) and commit tree to running; ownership taken. who: the
 * session (0 = server) for the config-change notification. */
int nbnc_ds_commit_tree(struct lyd_node *tree, uint32_t who, bool validated, struct nb_err *);

/* RFC 6241 8.4 confirmed commit. */
struct nbnc_commit_req {
	uint32_t    sid;
	bool	    confirmed;
	uint32_t    timeout;	/* seconds; 0 = 600 */
	const char *persist;	/* make it persistent with this id */
	const char *persist_id; /* confirm / extend a persistent one */
};
/* 0, -EINVAL/-EPERM (err filled; *tag set). */
int  nbnc_ds_commit(const struct nbnc_commit_req *, struct nb_err *, NC_ERR *tag);
int  nbnc_ds_cancel_commit(uint32_t sid, const char *persist_id, struct nb_err *, NC_ERR *tag);
bool nbnc_ds_confirm_pending(void);
void nbnc_ds_session_gone(uint32_t sid);
void nbnc_ds_fini(void);

/* nb_edit.c: <edit-config> on a working copy (RFC 6241 7.2). */
enum nbnc_erropt { NBNC_ERR_STOP, NBNC_ERR_CONTINUE, NBNC_ERR_ROLLBACK };
struct nbnc_err {
	NC_ERR	    tag;
	char	    path[256];
	char	    msg[512];
	char	    app_tag[64];
	char	    bad_elem[64];
	char	    bad_attr[64]; /* *-attribute errors; "" = "operation" */
	char	    bad_ns[256];  /* unknown-namespace */
	NC_ERR_TYPE type;	  /* 0: the tag's usual type */
	uint32_t    sid;	  /* lock-denied: the holder */
};
struct nbnc_errs {
	struct nbnc_err *v;
	size_t		 n, cap;
};
/*
 * nb_nc_chan.c: the channel to hybridgwd (loop thread only). Each request
 * waits for its answer: 0, or -errno with err (and *tag) filled. Trees
 * given are printed and sent (not consumed); trees returned are the
 * caller's.
 */
int  nbnc_chan_open(int fd); /* hello: running, confirmed commit, event log */
void nbnc_chan_close(void);
/* Is a request waiting, or an event of hybridgwd being applied? (No
 * request may be made then.) */
bool nbnc_chan_busy(void);
/* plain: edit-config/copy-config of running (no confirmed-commit rules);
 * t: when not NULL, tree is running with these entries (and gateway's
 * other children) changed: only they are sent when they can be (nb_fast.h) */
int nbnc_rt_commit(const struct lyd_node *tree, const struct nbnc_commit_req *, bool plain,
    const struct nbnc_touched *t, struct nb_err *, enum nb_chan_tag *);
int nbnc_rt_check(const struct lyd_node *tree, struct nb_err *);
int nbnc_rt_cancel(uint32_t sid, const char *persist_id, struct nb_err *, enum nb_chan_tag *);
/* The gateway state (hint: as nb_state_get()); bulk: a whole <get>, the
 * big lists as pieces (free with nbnc_bulk_free()). */
int nbnc_rt_state(const char *hint, bool bulk, struct lyd_node **out, struct nb_err *);
/* A module's RPC: *out the RPC node with its output (NULL: none). */
int  nbnc_rt_rpc(const struct lyd_node *rpc, uint32_t sid, struct lyd_node **out,
     struct nb_err *, enum nb_chan_tag *);
int  nbnc_rt_startup_get(struct lyd_node **out, struct nb_err *);
int  nbnc_rt_startup_set(const struct lyd_node *tree, bool from_running, uint32_t sid,
     struct nb_err *);
int  nbnc_rt_startup_del(uint32_t sid, struct nb_err *);
void nbnc_rt_session_end(uint32_t sid);
/* Ask hybridgwd to bind fd (the endpoint's port below 1024). */
int nbnc_rt_bind(int fd, uint8_t family, uint16_t port, const uint8_t addr[16]);
/* hybridgwd's confirmed commit: pending? *sid: its session (0: none). */
bool nbnc_rt_confirm_pending(uint32_t *sid);

/* nb_nc_guard.c: is the framing guard in front of libnetconf2 (exported
 * by the executable)? How many messages it refused, sessions it closed. */
bool	      nbnc_guard_active(void);
unsigned long nbnc_guard_refused(void);
unsigned long nbnc_guard_closed(void);
/* The refusal the guard delivered as <refused/> on this thread (the poll
 * thread that reads a message dispatches it): taken once. */
bool nbnc_guard_take_refusal(struct nbnc_err *);
/* Did this thread's last read find the transport gone (RFC 6470 dropped)? Taken once. */
bool nbnc_guard_take_dropped(void);

/* nb_nc_check.c: check a complete client message (its text, unframed) the
 * way libnetconf2 is about to parse it. 0: pass it on; -EINVAL: refuse with
 * *e, the rpc's message-id (if any, escaped for an XML attribute) in msgid. */
#define NBNC_MSGID_MAX 256
int nbnc_msg_check(const char *xml, size_t len, struct nbnc_err *e,
    char msgid[NBNC_MSGID_MAX * 6 + 1], bool *has_msgid);

void nbnc_errs_add(struct nbnc_errs *, NC_ERR, const char *path, const char *bad_elem,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void nbnc_errs_add_nb(struct nbnc_errs *, NC_ERR, const struct nb_err *);
void nbnc_errs_free(struct nbnc_errs *);
/* Apply the edit in xml (content of <config>) to *tree. default_op: "merge",
 * "replace" or "none". Returns 0 when something may have changed and no
 * error stops it; errors are appended to errs. */
int nbnc_edit_apply(struct lyd_node **tree, const char *xml, const char *default_op,
    enum nbnc_erropt, struct nbnc_errs *);
/* nbnc_edit_apply() in two steps: parse the edit (opaque nodes allowed),
 * run it on *tree. */
int nbnc_edit_parse(const char *xml, struct lyd_node **edit, struct nbnc_errs *);
int nbnc_edit_run(struct lyd_node **tree, const struct lyd_node *edit, const char *default_op,
    enum nbnc_erropt, struct nbnc_errs *);
/* The operation of edit node e given the inherited one: "none", "merge",
 * "replace", "create", "delete", "remove", or NULL (invalid). */
const char *nbnc_edit_op(const struct lyd_node *e, const char *inherit);
/* Does libyang's 'Invalid enumeration value "x".' come from an nc:operation
 * attribute with value x in xml? (bad-attribute, not invalid-value) */
bool nbnc_bad_operation(const char *msg, const char *xml);
/* Parse <config> content as a complete, validated configuration. */
int nbnc_config_parse(const char *xml, struct lyd_node **tree, struct nbnc_errs *);
/* The XML text of an anyxml/anydata value (keeps empty containers:
 * libyang's lyd_any_value_str() drops them). Caller frees. */
int nbnc_any_xml(const struct lyd_node *any, char **xml);
/* A missing mandatory node: turn its schema path into the instance path. */
void nbnc_err_locate(char *path, size_t len, const char *msg, const struct lyd_node *tree);
/* Map libyang's last error to a NETCONF error. */
void nbnc_errs_from_ly(struct nbnc_errs *, const char *what);

/* nb_netconf_fast.c: an edit of existing list entries under /gateway run
 * on those entries alone (nb_fast.h). 0 (applied to base, validated),
 * -EAGAIN (not of that shape: nothing changed, nothing reported), other:
 * errors reported (base unchanged but for -EIO). */
int nbnc_fast_edit(struct lyd_node *base, const struct lyd_node *edit, const char *dop,
    enum nbnc_erropt, struct nbnc_errs *, struct nbnc_touched *);
/* nb_datastore.c: nbnc_fast_edit() on the candidate; -EAGAIN as there. */
int nbnc_ds_candidate_edit_fast(const struct lyd_node *edit, const char *dop, enum nbnc_erropt,
    struct nbnc_errs *, uint32_t					 sid);

/* A reply tree holding pieces, handed to libnetconf2 as CONST: freed by
 * nbnc_bulk_sent(), which the poll thread calls after each nc_ps_poll(). */
void nbnc_bulk_defer(struct lyd_node *);
void nbnc_bulk_sent(void);

/* nb_filter.c: subtree (RFC 6241 6) and XPath filters, secrets. */
struct nbnc_filter {
	struct lyd_node *subtree; /* parsed filter content (opaque allowed) */
	char		*xpath;	  /* module-name prefixed XPath */
	bool		 empty;	  /* <filter/>: select nothing */
	struct ly_set	*allowed; /* secret schema nodes the filter named */
	bool		 request; /* a <get>'s, not a subscription's: see nbnc_xpath_select */
};
/* From a <filter> anyxml node (its type/select metadata). 0 or -EINVAL. */
int  nbnc_filter_parse(const struct lyd_node *filter, struct nbnc_filter *, struct nbnc_errs *);
void nbnc_filter_free(struct nbnc_filter *);
/* May the filter select anything in this top-level module / node? */
bool nbnc_filter_wants(const struct nbnc_filter *, const char *module, const char *top);
/* What part of the gateway state the filter needs, as the xpath hint of
 * nb_state_get() (which fills Adj-RIB routes only when asked): NULL =
 * build everything (but no Adj-RIB routes). Caller frees. */
char *nbnc_filter_state_hint(const struct nbnc_filter *);
/* Filter the siblings in data (consumed) into *out. 0, or an error of
 * nbnc_xpath_select() (XPath filters), with errs saying why. An XPath
 * filter may take up to its time limit: not on the loop thread. */
int nbnc_filter_apply(struct nbnc_filter *, struct lyd_node *data, struct lyd_node **out,
    struct nbnc_errs *);
/* Drop secrets unless allowed (admin and explicitly named by the filter). */
void nbnc_secrets_strip(struct lyd_node *tree, const struct nbnc_filter *, bool admin);

/* nb_nc_xpath.c: evaluate a client's XPath over the siblings at data (and
 * below): in a child process within the time limit, unless it is simple.
 * The nodes it selects in *set (caller frees). 0; -EINVAL: the XPath is
 * wrong; -ETIMEDOUT: it ran out of time; -ECHILD: the evaluation crashed;
 * -EBUSY: a request's, while as many requests' children run as there are
 * slots (a notification's waits for none); -errno. errs says why. */
#define NBNC_XPATH_LIMIT_MS 5000
int  nbnc_xpath_select(const struct lyd_node *data, const char *xpath, bool request,
     struct ly_set **set, struct nbnc_errs *);
void nbnc_xpath_set_limit(unsigned ms); /* 0: NBNC_XPATH_LIMIT_MS */
void nbnc_xpath_set_slots(unsigned n);	/* requests' children at a time (2) */
/* Is the expression one that cannot take long, evaluated in-process? */
bool nbnc_xpath_is_simple(const char *xpath);

/* nb_nc_notify.c */
int nbnc_notify_start(void);
/* An event at its time; replay_only: into the log, to no subscriber. */
int  nbnc_notify_post(struct lyd_node *notif, const struct timespec *when, bool replay_only);
void nbnc_notify_stop(void);
bool nbnc_notify_active(void);
bool nbnc_notify_has_subscribers(void);
/* RFC 5277 create-subscription for the session (filter consumed on
 * success). start/stop: date-and-time strings or NULL. 0, -EINVAL, -EBUSY. */
int    nbnc_notify_subscribe(uint32_t sid, struct nbnc_filter *, const char *start,
       const char *stop, struct nbnc_errs *);
bool   nbnc_notify_replay_supported(void);
time_t nbnc_notify_replay_since(void);
/* Forget a session (its subscription) before it is freed. */
void nbnc_notify_session_gone(uint32_t sid);

#endif
