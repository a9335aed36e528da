/* northbound/nb_chan_srv.c - hybridgwd's end of the channel: every request of hybridgw-netconf validated, then carried out on the loop. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_chan_srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_bulk.h"
#include "northbound/nb_chan.h"
#include "northbound/nb_confirm.h"
#include "northbound/nb_fast.h"
#include "northbound/nb_local.h"
#include "northbound/nb_nc_users.h"
#include "northbound/nb_notify.h"

/*
 * The NETCONF process is untrusted: whatever it sends is decoded by
 * nb_chan_decode() and must be exactly one of its requests, or the channel
 * is closed and the process killed (the supervisor starts a new one).
 * What a request carries is then checked as if a user had typed it: a
 * config is parsed strictly and fully validated by libyang, then by every
 * registered module (nb_commit), an RPC is parsed and validated against
 * its schema and must be one a module registered, a bind must be of the
 * NETCONF endpoint the running config names. Requests run on the loop
 * thread one at a time, in order; nothing here ever waits for the NETCONF
 * process: answers are queued (bounded) and written as it reads them.
 */

#define CS_READ	   (256 * 1024)
#define CS_WQ_MAX  ((size_t)2 << 30) /* unread answers: the process is stuck */
#define CS_LOG_MAX 1024		     /* events kept for the next process */

struct cs_wbuf {
	uint8_t	       *p;
	size_t		len, off;
	struct cs_wbuf *next;
};

struct cs_ev {
	struct timespec ts;
	uint8_t	       *lyb;
	size_t		len;
};

static struct {
	bool		 inited;
	int		 fd; /* -1: no NETCONF process */
	uv_poll_t	 poll;
	bool		 poll_on;
	int		 poll_events;
	uint8_t		*in;
	size_t		 len, cap;
	int		 passed_fd; /* came with the bytes read (BIND) */
	bool		 hello;
	struct cs_wbuf	*wq, **wq_tail;
	size_t		 wq_bytes;
	bool		 from_netconf; /* the commit running is the NETCONF process's */
	bool		 quiet;	       /* hybridgwd stops: an end changes nothing */
	struct lyd_node *spare;	       /* a copy of running of spare_gen, for a patch */
	uint64_t	 spare_gen;
	void (*dead)(void *);
	void	    *dead_arg;
	char	     cli_addr[64]; /* the endpoint of the command line */
	uint16_t     cli_port;
	struct cs_ev log[CS_LOG_MAX];
	size_t	     log_first, log_count;
} cs = { .fd = -1, .passed_fd = -1 };

static void cs_close(const char *why);
static void cs_poll_cb(uv_poll_t *, int, int);

/* ------------------------------------------------------------- writing */

static void
cs_poll_update(void)
{
	int ev = UV_READABLE | (cs.wq ? UV_WRITABLE : 0);

	if (!cs.poll_on || ev == cs.poll_events)
		return;
	cs.poll_events = ev;
	uv_poll_start(&cs.poll, ev, cs_poll_cb);
}

/* Write what the socket takes now; the rest when it is writable. */
static void
cs_flush(void)
{
	while (cs.wq) {
		struct cs_wbuf *b = cs.wq;
		ssize_t		w =
		    send(cs.fd, b->p + b->off, b->len - b->off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				cs_close(strerror(errno));
			break;
		}
		b->off += (size_t)w;
		cs.wq_bytes -= (size_t)w;
		if (b->off < b->len)
			break;
		cs.wq = b->next;
		if (!cs.wq)
			cs.wq_tail = &cs.wq;
		free(b->p);
		free(b);
	}
	cs_poll_update();
}

/* Queue a finished message (o->p taken). */
static void
cs_send(struct nb_chan_out *o)
{
	struct cs_wbuf *b;

	if (nb_chan_end(o) != 0)
		return;
	if (cs.fd < 0 || !(b = calloc(1, sizeof(*b)))) {
		free(o->p);
		return;
	}
	if (cs.wq_bytes + o->len > CS_WQ_MAX) {
		free(o->p);
		free(b);
		cs_close("does not read its answers");
		return;
	}
	b->p = o->p;
	b->len = o->len;
	*cs.wq_tail = b;
	cs.wq_tail = &b->next;
	cs.wq_bytes += o->len;
	cs_flush();
}

static void
cs_result(uint32_t id, int rc, enum nb_chan_tag tag, const struct nb_err *err)
{
	struct nb_chan_out o;

	nb_chan_begin(&o, NB_CHAN_RESULT, 0, id);
	nb_chan_put_u32(&o, (uint32_t)(rc > 0 ? -rc : rc));
	nb_chan_put_u16(&o,
	    rc == 0			? NB_CHAN_TAG_NONE :
		tag == NB_CHAN_TAG_NONE ? NB_CHAN_TAG_OP_FAILED :
					  tag);
	nb_chan_put_str(&o, rc && err ? err->path : "");
	nb_chan_put_str(&o, rc && err ? err->msg : "");
	nb_chan_put_str(&o, rc && err ? err->app_tag : "");
	cs_send(&o);
}

/* A tree as LYB (empty: no tree). 0 or -ENOMEM. */
static int
cs_lyb(const struct lyd_node *tree, uint32_t opts, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!tree)
		return 0;
	if (lyd_print_mem(out, tree, LYD_LYB, opts) != LY_SUCCESS || !*out)
		return -ENOMEM;
	*len = lyd_lyb_data_length(*out);
	return 0;
}

/* DATA: tree (not freed here) and pieces. */
static void
cs_data(uint32_t id, const struct lyd_node *tree, uint32_t opts,
    const struct nbnc_bulk_piece *pc, size_t npc)
{
	struct nb_chan_out o;
	struct nb_err	   err = { 0 };
	char		  *lyb;
	size_t		   len;

	if (cs_lyb(tree, opts, &lyb, &len) != 0) {
		nb_err_set(&err, "", "cannot print the answer");
		cs_result(id, -ENOMEM, NB_CHAN_TAG_OP_FAILED, &err);
		return;
	}
	nb_chan_begin(&o, NB_CHAN_DATA, 0, id);
	nb_chan_put_blob(&o, lyb, len);
	free(lyb);
	nb_chan_put_u32(&o, (uint32_t)npc);
	for (size_t i = 0; i < npc; i++) {
		nb_chan_put_str(&o, pc[i].parent);
		nb_chan_put_str(&o, pc[i].list);
		nb_chan_put_text(&o, pc[i].text);
	}
	cs_send(&o);
}

/* ------------------------------------------------ events: routing -> NETCONF */

static void
cs_send_running(const struct lyd_node *tree)
{
	struct nb_chan_out o;
	char		  *lyb;
	size_t		   len;

	if (cs.fd < 0 || !cs.hello)
		return;
	if (cs_lyb(tree, LYD_PRINT_WITHSIBLINGS, &lyb, &len) != 0) {
		/* it would serve a stale config: start it again instead */
		cs_close("cannot be sent the running configuration");
		return;
	}
	nb_chan_begin(&o, NB_CHAN_RUNNING, 0, 0);
	nb_chan_put_u64(&o, nb_running_gen());
	nb_chan_put_blob(&o, lyb, len);
	free(lyb);
	cs_send(&o);
}

static void
cs_send_confirm(void)
{
	struct nb_chan_out o;
	uint32_t	   sid = 0;
	bool		   persistent = false;
	bool		   pending = nb_confirm_pending(&sid, &persistent);

	if (cs.fd < 0 || !cs.hello)
		return;
	nb_chan_begin(&o, NB_CHAN_CONFIRM,
	    (pending ? NB_CHAN_F_PENDING : 0) |
		(pending && persistent ? NB_CHAN_F_PERSISTENT : 0),
	    0);
	nb_chan_put_u32(&o, pending ? sid : 0);
	cs_send(&o);
}

static void
cs_send_event(const struct cs_ev *e, bool replay)
{
	struct nb_chan_out o;

	nb_chan_begin(&o, NB_CHAN_NOTIFY, replay ? NB_CHAN_F_REPLAY : 0, 0);
	nb_chan_put_u64(&o, (uint64_t)e->ts.tv_sec);
	nb_chan_put_u32(&o, (uint32_t)e->ts.tv_nsec);
	nb_chan_put_blob(&o, e->lyb, e->len);
	cs_send(&o);
}

/* nb_notify_send() in hybridgwd: kept for the next NETCONF process (its
 * replay log must not lose the routing events when it restarts), and sent
 * to the running one. */
static int
cs_notify_loop(struct lyd_node *notif, const struct timespec *when)
{
	struct cs_ev *e;
	char	     *lyb = NULL;
	size_t	      len = 0;

	if (cs_lyb(notif, 0, &lyb, &len) != 0 || !len) {
		lyd_free_all(notif);
		free(lyb);
		return -ENOMEM;
	}
	lyd_free_all(notif);
	if (cs.log_count == CS_LOG_MAX) {
		free(cs.log[cs.log_first].lyb);
		cs.log_first = (cs.log_first + 1) % CS_LOG_MAX;
		cs.log_count--;
	}
	e = &cs.log[(cs.log_first + cs.log_count++) % CS_LOG_MAX];
	e->ts = *when;
	e->lyb = (uint8_t *)lyb;
	e->len = len;
	if (cs.fd >= 0 && cs.hello)
		cs_send_event(e, false);
	return 0;
}

struct cs_notify_arg {
	struct lyd_node	      *notif;
	const struct timespec *when;
};

static int
cs_notify_call(void *arg)
{
	struct cs_notify_arg *a = arg;

	return cs_notify_loop(a->notif, a->when);
}

static int
cs_notify_sink(struct lyd_node *notif, const struct timespec *when)
{
	struct cs_notify_arg a = { notif, when };

	if (loop_in_thread() || !loop_get())
		return cs_notify_loop(notif, when);
	return loop_call(cs_notify_call, &a);
}

/* Every commit, whoever made it: the NETCONF process follows running
 * (its own commits it adopts itself when they succeed). */
static void
cs_mod_apply(const struct nb_txn *t, void *ctx)
{
	if (!cs.from_netconf)
		cs_send_running(t->new_cfg);
}

/* The NETCONF users are checked in every commit here too: a key that is
 * not a key is refused whichever way the config comes. */
static int
cs_mod_validate(const struct nb_txn *t)
{
	struct nbnc_users *u = NULL;
	int		   rc = nbnc_users_from_cfg(t->new_cfg, &u, t->err);

	nbnc_users_free(u);
	return rc;
}

static const struct nb_module cs_module = {
	.name = "netconf-channel",
	.validate = cs_mod_validate,
	.apply = cs_mod_apply,
	.no_diff = true,
};

/* ------------------------------------------------------------ requests */

static void
who_of(const struct nb_chan_msg *m, struct nb_who *w, char *user, char *host, size_t len)
{
	w->sid = m->who.sid;
	w->user = nb_chan_str(&m->who.user, user, len);
	w->host = nb_chan_str(&m->who.host, host, len);
}

/* A config the NETCONF process sends: parsed strictly, fully validated.
 * "" is the empty config (*tree NULL). */
static int
cs_config(const struct nb_chan_msg *m, struct lyd_node **tree, struct nb_err *err)
{
	*tree = NULL;
	if (m->blob.p[0] == '\0')
		return 0;
	return nb_config_parse_mem((const char *)m->blob.p, LYD_XML, tree, err);
}

static void
req_hello(const struct nb_chan_msg *m)
{
	cs.hello = true;
	cs_send_running(nb_running());
	cs_send_confirm();
	for (size_t i = 0; i < cs.log_count; i++)
		cs_send_event(&cs.log[(cs.log_first + i) % CS_LOG_MAX], true);
	cs_result(m->id, 0, NB_CHAN_TAG_NONE, NULL);
}

/*
 * A commit of a few changed list entries (F_PATCH): the scratch sent (a
 * config of gateway, its other children and those entries) is parsed and
 * validated here, then patched into a copy of running - the spare kept
 * from the last such commit when running has not changed since, so that
 * neither the whole config is parsed nor copied (nb_fast.c says why that
 * is the whole config validated). -ESTALE when running is not the one it
 * was made against, or the model does not allow it: the NETCONF process
 * sends the whole config instead.
 */
static int
cs_patched(const struct nb_chan_msg *m, struct nbnc_touched *t, struct lyd_node **tree,
    struct nb_err *err)
{
	struct lyd_node *scratch = NULL, *base = NULL;
	struct wire_rd	 walk = m->paths, path;
	int		 rc;

	*tree = NULL;
	if (m->base != nb_running_gen() || !nb_running() || !nbnc_fast_possible(nb_running()))
		return -ESTALE;
	if (!(t->paths = calloc(m->npaths, sizeof(*t->paths))))
		return -ENOMEM;
	t->valid = true;
	for (uint32_t i = 0; i < m->npaths; i++) {
		if (!nb_chan_path_next(&walk, &path) ||
		    !(t->paths[t->n] = strndup((const char *)path.p, wire_left(&path))))
			return -ENOMEM;
		t->n++;
	}
	if ((rc = cs_config(m, &scratch, err)) != 0)
		return rc;
	if (cs.spare && cs.spare_gen == nb_running_gen()) {
		base = cs.spare;
		cs.spare = NULL;
	} else if (lyd_dup_siblings(nb_running(), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
		       &base) != LY_SUCCESS) {
		lyd_free_all(scratch);
		return -ENOMEM;
	}
	rc = nbnc_fast_patch(base, scratch, t);
	lyd_free_all(scratch);
	if (rc != 0) {
		lyd_free_all(base);
		nb_err_set(err, "", "the entries sent are not entries of this configuration");
		return -EINVAL;
	}
	*tree = base;
	return 0;
}

static void
req_commit(const struct nb_chan_msg *m)
{
	struct nb_commit_req r = { 0 };
	struct nbnc_touched  t = { 0 };
	struct lyd_node	    *tree = NULL, *old = NULL;
	struct nb_err	     err = { 0 };
	enum nb_chan_tag     tag = NB_CHAN_TAG_APP_FAILED;
	struct nb_chan_out   o;
	char		     user[64], host[64], persist[NB_CHAN_MAX_STR + 1];
	char		     pid[NB_CHAN_MAX_STR + 1];
	uint64_t	     t0 = mono_us(), t1;
	int		     rc;

	who_of(m, &r.who, user, host, sizeof(user));
	r.cc = m->flags & NB_CHAN_F_CC;
	r.confirmed = m->flags & NB_CHAN_F_CONFIRMED;
	r.timeout = m->timeout;
	r.diff = m->flags & NB_CHAN_F_DIFF;
	if (m->flags & NB_CHAN_F_PERSIST)
		r.persist = nb_chan_str(&m->persist, persist, sizeof(persist));
	if (m->flags & NB_CHAN_F_PERSIST_ID)
		r.persist_id = nb_chan_str(&m->persist_id, pid, sizeof(pid));
	if (m->flags & NB_CHAN_F_PATCH) {
		rc = cs_patched(m, &t, &tree, &err);
		r.old = &old; /* becomes the next spare */
	} else {
		rc = cs_config(m, &tree, &err);
	}
	if (rc != 0) {
		nbnc_touched_clear(&t);
		cs_result(m->id, rc,
		    rc == -ESTALE ? NB_CHAN_TAG_OP_FAILED : NB_CHAN_TAG_APP_FAILED, &err);
		return;
	}
	t1 = mono_us();
	cs.from_netconf = true;
	rc = nb_confirm_commit(tree, &r, &err, &tag);
	cs.from_netconf = false;
	if (rc == 0) {
		/* the generation the NETCONF process's copy now is */
		nb_chan_begin(&o, NB_CHAN_RUNNING, NB_CHAN_F_YOURS, 0);
		nb_chan_put_u64(&o, nb_running_gen());
		nb_chan_put_blob(&o, NULL, 0);
		cs_send(&o);
	}
	if (old) {
		/* what running replaced, patched like it, is a copy of it */
		lyd_free_all(cs.spare);
		cs.spare = NULL;
		if (nbnc_fast_patch(old, nb_running(), &t) == 0) {
			cs.spare = old;
			cs.spare_gen = nb_running_gen();
		} else {
			nb_tree_free_later(old);
		}
	}
	nbnc_touched_clear(&t);
	cs_result(m->id, rc, tag, &err);
	log_debug(LOG_MOD_NB,
	    "netconf channel: commit of %zu bytes%s: parsed and validated in "
	    "%llu us, committed in %llu us",
	    wire_left(&m->blob), m->flags & NB_CHAN_F_PATCH ? " (entries)" : "",
	    (unsigned long long)(t1 - t0), (unsigned long long)(mono_us() - t1));
}

static void
req_check(const struct nb_chan_msg *m)
{
	struct lyd_node *tree = NULL;
	struct nb_err	 err = { 0 };
	int		 rc;

	if ((rc = cs_config(m, &tree, &err)) == 0)
		rc = nb_check(tree, &err);
	lyd_free_all(tree);
	cs_result(m->id, rc, NB_CHAN_TAG_APP_FAILED, &err);
}

static void
req_cancel(const struct nb_chan_msg *m)
{
	struct nb_who	 w;
	struct nb_err	 err = { 0 };
	enum nb_chan_tag tag = NB_CHAN_TAG_OP_FAILED;
	char		 user[64], host[64], pid[NB_CHAN_MAX_STR + 1];
	int		 rc;

	who_of(m, &w, user, host, sizeof(user));
	rc = nb_confirm_cancel(&w,
	    m->flags & NB_CHAN_F_PERSIST_ID ? nb_chan_str(&m->persist_id, pid, sizeof(pid)) :
					      NULL,
	    &err, &tag);
	cs_result(m->id, rc, tag, &err);
}

static void
req_state(const struct nb_chan_msg *m)
{
	struct lyd_node	       *tree = NULL;
	struct nbnc_bulk_piece *pc = NULL;
	struct nb_err		err = { 0 };
	char			hint[NB_CHAN_MAX_STR + 1];
	size_t			npc = 0;
	uint64_t		t0 = mono_us();
	int			rc;

	nb_chan_str(&m->hint, hint, sizeof(hint));
	nb_state_bulk_set(m->flags & NB_CHAN_F_BULK);
	rc = nb_state_get(hint[0] ? hint : NULL, &tree, &err);
	nb_state_bulk_set(false);
	if (rc != 0) {
		cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
		return;
	}
	if ((rc = nbnc_bulk_take(tree, &pc, &npc)) != 0) {
		nbnc_bulk_free(tree);
		nb_err_set(&err, "", "out of memory");
		cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
		return;
	}
	cs_data(m->id, tree, LYD_PRINT_WITHSIBLINGS, pc, npc);
	lyd_free_all(tree);
	nbnc_bulk_pieces_free(pc, npc);
	log_debug(LOG_MOD_NB, "netconf channel: state built and queued in %llu us",
	    (unsigned long long)(mono_us() - t0));
}

/* An RPC of a module: parsed and validated against its schema. */
static void
req_rpc(const struct nb_chan_msg *m)
{
	struct lyd_node	       *tree = NULL, *op = NULL, *out = NULL;
	const struct nb_module *mod;
	const struct nb_rpc    *found = NULL;
	struct ly_in	       *in = NULL;
	struct nb_err		err = { 0 };
	enum nb_chan_tag	tag = NB_CHAN_TAG_INVALID_VALUE;
	int			rc = -EINVAL;

	if (ly_in_new_memory((const char *)m->blob.p, &in) != LY_SUCCESS ||
	    lyd_parse_op(nb_ctx(), NULL, in, LYD_XML, LYD_TYPE_RPC_YANG, &tree, &op) !=
		LY_SUCCESS ||
	    !op || op != tree ||
	    lyd_validate_op(tree, NULL, LYD_TYPE_RPC_YANG, NULL) != LY_SUCCESS) {
		nb_err_from_ly(&err, "rpc");
		goto out;
	}
	for (size_t i = 0; !found && (mod = nb_module_at(i)); i++)
		for (const struct nb_rpc *r = mod->rpcs; r && r->name && !found; r++)
			if (strcmp(r->name, op->schema->name) == 0 &&
			    strcmp(op->schema->module->name, NBNC_MOD) == 0)
				found = r;
	if (!found) {
		tag = NB_CHAN_TAG_NOT_SUPPORTED;
		nb_err_set(&err, "", "%s is not available in this build of hybridgwd",
		    op->schema->name);
		rc = -ENOTSUP;
		goto out;
	}
	if (lyd_new_inner(NULL, op->schema->module, op->schema->name, 0, &out) != LY_SUCCESS) {
		tag = NB_CHAN_TAG_OP_FAILED;
		nb_err_set(&err, "", "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = found->fn(op, out, &err)) != 0) {
		tag = NB_CHAN_TAG_APP_FAILED;
		goto out;
	}
	cs_data(m->id, lyd_child(out) ? out : NULL, 0, NULL, 0);
out:
	if (rc != 0)
		cs_result(m->id, rc, tag, &err);
	lyd_free_all(out);
	lyd_free_all(tree);
	ly_in_free(in, 0);
}

static void
req_startup_get(const struct nb_chan_msg *m)
{
	struct lyd_node *tree = NULL;
	struct nb_err	 err = { 0 };
	int		 rc;

	if ((rc = nb_startup_read(&tree, &err)) != 0) {
		cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
		return;
	}
	cs_data(m->id, tree, LYD_PRINT_WITHSIBLINGS, NULL, 0);
	lyd_free_all(tree);
}

static void
req_startup_set(const struct nb_chan_msg *m)
{
	struct lyd_node *tree = NULL;
	struct nb_who	 w;
	struct nb_err	 err = { 0 };
	char		 user[64], host[64];
	int		 rc;

	who_of(m, &w, user, host, sizeof(user));
	if (m->flags & NB_CHAN_F_RUNNING)
		rc = nb_startup_save(&err);
	else if ((rc = cs_config(m, &tree, &err)) == 0)
		rc = nb_startup_write(tree, &err);
	lyd_free_all(tree);
	if (rc == 0)
		nb_confirm_notify_change(&w, "startup", NULL);
	cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
}

static void
req_startup_del(const struct nb_chan_msg *m)
{
	struct nb_who w;
	struct nb_err err = { 0 };
	char	      user[64], host[64];
	int	      rc;

	who_of(m, &w, user, host, sizeof(user));
	if ((rc = nb_startup_delete(&err)) == 0)
		nb_confirm_notify_change(&w, "startup", NULL);
	cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
}

/* The endpoint the NETCONF process may listen on: the running config's,
 * else the command line's (as nb_netconf.c decides). */
static bool
cs_bind_allowed(const struct nb_chan_msg *m)
{
	struct nbnc_users *u = NULL;
	struct nb_err	   err = { 0 };
	const char	  *addr;
	uint16_t	   port;
	uint8_t		   want[16] = { 0 };
	bool		   ok;

	if (nbnc_users_from_cfg(nb_running(), &u, &err) != 0)
		return false;
	addr = u->addr[0] ? u->addr : cs.cli_addr;
	port = u->port ? u->port : cs.cli_port;
	ok = port == m->port &&
	    ((m->family == 4 && inet_pton(AF_INET, addr, want) == 1) ||
		(m->family == 6 && inet_pton(AF_INET6, addr, want) == 1)) &&
	    memcmp(want, m->addr, m->family == 4 ? 4 : 16) == 0;
	nbnc_users_free(u);
	return ok;
}

/* Bind a listening socket of the NETCONF process to a port below 1024:
 * it has no privilege, and only its endpoint is bound for it. */
static void
req_bind(const struct nb_chan_msg *m)
{
	struct sockaddr_storage ss = { 0 };
	struct nb_err		err = { 0 };
	int			fd = cs.passed_fd, type = 0, dom = 0, rc = 0;
	socklen_t		tl = sizeof(type), dl = sizeof(dom), sl;

	cs.passed_fd = -1;
	if (fd < 0) {
		nb_err_set(&err, "", "no socket came with the request");
		rc = -EBADF;
	} else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
	    type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) != 0 ||
	    dom != (m->family == 4 ? AF_INET : AF_INET6)) {
		nb_err_set(&err, "", "not a TCP socket of the address family asked");
		rc = -EINVAL;
	} else if (!cs_bind_allowed(m)) {
		nb_err_set(&err, "", "port %u is not the configured NETCONF endpoint", m->port);
		rc = -EACCES;
	} else {
		if (m->family == 4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(m->port);
			memcpy(&s4->sin_addr, m->addr, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(m->port);
			memcpy(&s6->sin6_addr, m->addr, 16);
			sl = sizeof(*s6);
		}
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
			rc = -errno;
			nb_err_set(&err, "", "bind: %s", strerror(errno));
		} else {
			log_info(LOG_MOD_NB, "netconf: bound port %u for hybridgw-netconf",
			    m->port);
		}
	}
	if (fd >= 0)
		close(fd);
	cs_result(m->id, rc, NB_CHAN_TAG_OP_FAILED, &err);
}

static void
cs_dispatch(const struct nb_chan_msg *m)
{
	if (!cs.hello && m->type != NB_CHAN_HELLO) {
		cs_close("spoke before its hello");
		return;
	}
	if (m->type != NB_CHAN_BIND && cs.passed_fd >= 0) {
		cs_close("passed a socket with another request");
		return;
	}
	switch (m->type) {
	case NB_CHAN_HELLO:
		if (cs.hello) {
			cs_close("said hello twice");
			return;
		}
		req_hello(m);
		break;
	case NB_CHAN_COMMIT:
		req_commit(m);
		break;
	case NB_CHAN_CHECK:
		req_check(m);
		break;
	case NB_CHAN_CANCEL:
		req_cancel(m);
		break;
	case NB_CHAN_STATE:
		req_state(m);
		break;
	case NB_CHAN_RPC:
		req_rpc(m);
		break;
	case NB_CHAN_STARTUP_GET:
		req_startup_get(m);
		break;
	case NB_CHAN_STARTUP_SET:
		req_startup_set(m);
		break;
	case NB_CHAN_STARTUP_DEL:
		req_startup_del(m);
		break;
	case NB_CHAN_SESSION_END:
		nb_confirm_session_gone(m->sid);
		cs_result(m->id, 0, NB_CHAN_TAG_NONE, NULL);
		break;
	case NB_CHAN_BIND:
		req_bind(m);
		break;
	}
}

/* ------------------------------------------------------------- reading */

/* recvmsg(): bytes, and a socket passed along with a BIND. */
static int
cs_recv(void)
{
	uint32_t      blen;
	size_t	      want = CS_READ;
	struct msghdr mh = { 0 };
	struct iovec  iov;
	union {
		struct cmsghdr h;
		char	       b[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	ssize_t n;

	if (nb_chan_hdr_peek(wire_rd_init(cs.in, cs.len), &blen) == NB_CHAN_OK) {
		if (blen > NB_CHAN_MAX_REQ)
			return -EMSGSIZE;
		if (NB_CHAN_HDR_LEN + (size_t)blen > cs.len)
			want = NB_CHAN_HDR_LEN + (size_t)blen - cs.len;
	}
	if (cs.cap - cs.len < want) {
		uint8_t *p = realloc(cs.in, cs.len + want);

		if (!p)
			return -ENOMEM;
		cs.in = p;
		cs.cap = cs.len + want;
	}
	iov.iov_base = cs.in + cs.len;
	iov.iov_len = cs.cap - cs.len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	n = recvmsg(cs.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	cs.len += (size_t)n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t nfd = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS ?
		    (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) :
		    0;

		for (size_t i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (cs.passed_fd >= 0 || i > 0) {
				close(fd);
				n = -1; /* one socket, for one BIND */
			} else {
				cs.passed_fd = fd;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		return -EPROTO;
	return n < 0 ? -EPROTO : 1;
}

static void
cs_poll_cb(uv_poll_t *h, int status, int events)
{
	struct wire_rd	   msg;
	struct nb_chan_msg m;
	enum nb_chan_err   e;
	uint32_t	   blen;
	int		   rc;

	if (status < 0) {
		cs_close(uv_strerror(status));
		return;
	}
	if (events & UV_WRITABLE)
		cs_flush();
	if (cs.fd < 0 || !(events & UV_READABLE))
		return;
	if ((rc = cs_recv()) < 0) {
		cs_close(rc == -EPIPE	? "closed" :
			rc == -EMSGSIZE ? "sent a request too long" :
			rc == -EPROTO	? "passed more than one socket" :
					  strerror(-rc));
		return;
	}
	while (cs.fd >= 0 &&
	    nb_chan_hdr_peek(wire_rd_init(cs.in, cs.len), &blen) == NB_CHAN_OK &&
	    blen <= NB_CHAN_MAX_REQ && cs.len >= NB_CHAN_HDR_LEN + (size_t)blen) {
		size_t n = NB_CHAN_HDR_LEN + (size_t)blen;

		msg = wire_rd_init(cs.in, n);
		if ((e = nb_chan_decode(msg, true, &m)) != NB_CHAN_OK) {
			log_warn(LOG_MOD_NB, "netconf channel: refused a %s request: %s",
			    nb_chan_type_str(m.type), nb_chan_err_str(e));
			cs_close("sent a malformed request");
			return;
		}
		cs_dispatch(&m);
		if (cs.fd < 0)
			return;
		memmove(cs.in, cs.in + n, cs.len - n);
		cs.len -= n;
	}
	if (cs.fd >= 0 && nb_chan_hdr_peek(wire_rd_init(cs.in, cs.len), &blen) == NB_CHAN_OK &&
	    blen > NB_CHAN_MAX_REQ)
		cs_close("sent a request too long");
	else if (cs.len == 0 && cs.cap > CS_READ) {
		free(cs.in);
		cs.in = NULL;
		cs.cap = 0;
	}
}

/* ---------------------------------------------------------- lifecycle */

static void
cs_confirm_changed(void)
{
	cs_send_confirm();
}

int
nb_chan_srv_init(void)
{
	if (cs.inited)
		return 0;
	cs.wq_tail = &cs.wq;
	nb_module_register(&cs_module);
	nb_notify_sink_set(cs_notify_sink);
	nb_confirm_watch(cs_confirm_changed);
	cs.inited = true;
	return 0;
}

void
nb_chan_srv_endpoint(const char *addr, uint16_t port)
{
	snprintf(cs.cli_addr, sizeof(cs.cli_addr), "%s", addr && addr[0] ? addr : "::");
	cs.cli_port = port ? port : 830;
}

int
nb_chan_srv_attach(int fd, void (*dead)(void *), void *arg)
{
	int rc;

	if (cs.fd >= 0)
		return -EBUSY;
	if ((rc = uv_poll_init(loop_get(), &cs.poll, fd)) != 0)
		return rc;
	cs.fd = fd;
	cs.poll_on = true;
	cs.poll_events = UV_READABLE;
	cs.hello = false;
	cs.dead = dead;
	cs.dead_arg = arg;
	cs.wq_tail = &cs.wq;
	if ((rc = uv_poll_start(&cs.poll, UV_READABLE, cs_poll_cb)) != 0) {
		cs.fd = -1;
		uv_close((uv_handle_t *)&cs.poll, NULL);
		cs.poll_on = false;
		return rc;
	}
	return 0;
}

bool
nb_chan_srv_ready(void)
{
	return cs.fd >= 0 && cs.hello;
}

static void
cs_poll_closed(uv_handle_t *h)
{
	close((int)(intptr_t)h->data);
}

/* The channel ends, and with it every session of the NETCONF process
 * (RFC 6241 8.4: their confirmed commits); why NULL: hybridgwd stops. */
static void
cs_close(const char *why)
{
	void (*dead)(void *) = cs.dead;

	if (cs.fd < 0)
		return;
	if (cs.quiet) {
		why = NULL;
		dead = NULL;
	}
	if (why)
		log_warn(LOG_MOD_NB, "netconf channel: hybridgw-netconf %s: closing", why);
	cs.poll.data = (void *)(intptr_t)cs.fd;
	if (cs.poll_on)
		uv_close((uv_handle_t *)&cs.poll, cs_poll_closed);
	else
		close(cs.fd);
	cs.poll_on = false;
	cs.fd = -1;
	cs.hello = false;
	cs.dead = NULL;
	while (cs.wq) {
		struct cs_wbuf *b = cs.wq;

		cs.wq = b->next;
		free(b->p);
		free(b);
	}
	cs.wq_tail = &cs.wq;
	cs.wq_bytes = 0;
	free(cs.in);
	cs.in = NULL;
	cs.len = cs.cap = 0;
	if (cs.passed_fd >= 0)
		close(cs.passed_fd);
	cs.passed_fd = -1;
	if (why)
		nb_confirm_netconf_gone();
	if (dead)
		dead(cs.dead_arg);
}

void
nb_chan_srv_quiet(void)
{
	cs.quiet = true;
}

void
nb_chan_srv_detach(void)
{
	cs.dead = NULL;
	cs_close(NULL);
}

void
nb_chan_srv_lost(const char *why)
{
	cs_close(why);
}

void
nb_chan_srv_fini(void)
{
	cs_close(NULL);
	nb_confirm_fini();
	nb_notify_sink_set(NULL);
	for (size_t i = 0; i < cs.log_count; i++)
		free(cs.log[(cs.log_first + i) % CS_LOG_MAX].lyb);
	cs.log_count = cs.log_first = 0;
	lyd_free_all(cs.spare);
	cs.spare = NULL;
}
