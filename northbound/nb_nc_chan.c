/* northbound/nb_nc_chan.c - hybridgw-netconf's end of the channel: requests to hybridgwd, and what it sends on its own. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_chan.h"
#include "northbound/nb_local.h"
#include "northbound/nb_notify.h"

/*
 * Everything here runs on this process's loop thread, where every NETCONF
 * operation runs (the poll threads hand them over with loop_call()): one
 * request at a time, written whole and answered in order, so a request
 * just waits for its answer. What hybridgwd sends on its own (the running
 * configuration, the confirmed-commit state, notifications) is applied as
 * it is read, whether idle (uv_poll) or while waiting for an answer: in
 * the order hybridgwd sent it, which is the order things happened there.
 * Nothing applied that way calls back into the channel.
 *
 * hybridgwd is trusted here (it started this process); its messages are
 * still decoded by nb_chan_decode(). When the channel ends, so does this
 * process: without hybridgwd it has nothing to serve.
 */

#define CHAN_READ     (256 * 1024)
#define CHAN_IDLE_CAP (1024 * 1024) /* the buffer kept between messages */

static struct {
	int	  fd;
	uv_poll_t poll;
	bool	  poll_on;
	uint8_t	 *in;
	size_t	  len, cap;
	uint32_t  next_id;
	bool	  in_call;
	bool	  in_event;
	/* the confirmed commit hybridgwd holds */
	bool	 cc_pending, cc_persistent;
	uint32_t cc_sid;
	uint64_t gen; /* hybridgwd's generation of running */
} ch = { .fd = -1 };

static _Noreturn void
chan_gone(const char *why)
{
	log_info(LOG_MOD_NB, "netconf: channel to hybridgwd %s: exiting", why);
	/* sessions and threads are still up: no clean-up races them */
	_exit(0);
}

/* Read what is there (wait when block); grow for a whole message. */
static void
chan_read(bool block)
{
	uint32_t blen;
	size_t	 want = CHAN_READ;
	ssize_t	 n;

	if (nb_chan_hdr_peek(wire_rd_init(ch.in, ch.len), &blen) == NB_CHAN_OK) {
		if (blen > NB_CHAN_MAX_REPLY)
			chan_gone("sent a message too long");
		if (NB_CHAN_HDR_LEN + (size_t)blen > ch.len)
			want = NB_CHAN_HDR_LEN + (size_t)blen - ch.len;
	}
	if (ch.cap - ch.len < want) {
		size_t	 cap = ch.len + want;
		uint8_t *p = realloc(ch.in, cap);

		if (!p)
			chan_gone("out of memory");
		ch.in = p;
		ch.cap = cap;
	}
	for (;;) {
		struct pollfd pfd = { .fd = ch.fd, .events = POLLIN };

		/* the socket is nonblocking (uv_poll): a wait is a poll() */
		if (block && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			chan_gone(strerror(errno));
		n = recv(ch.fd, ch.in + ch.len, ch.cap - ch.len, MSG_DONTWAIT);
		if (n > 0) {
			ch.len += (size_t)n;
			return;
		}
		if (n == 0)
			chan_gone("closed");
		if (errno == EINTR || (errno == EAGAIN && block))
			continue;
		if (errno == EAGAIN)
			return;
		chan_gone(strerror(errno));
	}
}

/* The message at the front of the buffer, when it is whole. */
static bool
chan_next(struct wire_rd *msg)
{
	uint32_t blen;

	if (nb_chan_hdr_peek(wire_rd_init(ch.in, ch.len), &blen) != NB_CHAN_OK ||
	    ch.len < NB_CHAN_HDR_LEN + (size_t)blen)
		return false;
	*msg = wire_rd_init(ch.in, NB_CHAN_HDR_LEN + (size_t)blen);
	return true;
}

static void
chan_consume(size_t n)
{
	memmove(ch.in, ch.in + n, ch.len - n);
	ch.len -= n;
	if (ch.len == 0 && ch.cap > CHAN_IDLE_CAP) {
		free(ch.in);
		ch.in = NULL;
		ch.cap = 0;
	}
}

/* ---------------------------------------------- what hybridgwd sends */

/* A tree sent as LYB (an empty blob: no tree). */
static int
lyb_parse(const struct wire_rd *blob, uint32_t parse_opts, uint32_t val_opts,
    struct lyd_node **out)
{
	struct ly_in *in = NULL;
	LY_ERR	      e;

	*out = NULL;
	if (wire_empty(blob))
		return 0;
	if (ly_in_new_memory((const char *)blob->p, &in) != LY_SUCCESS)
		return -ENOMEM;
	e = lyd_parse_data(nb_ctx(), NULL, in, LYD_LYB, parse_opts, val_opts, out);
	ly_in_free(in, 0);
	if (e != LY_SUCCESS) {
		lyd_free_all(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static void
chan_running(const struct nb_chan_msg *m)
{
	struct lyd_node *tree = NULL;
	struct nb_err	 err = { 0 };

	if (m->flags & NB_CHAN_F_YOURS) {
		/* our commit: the tree sent is running here when it returns */
		ch.gen = m->gen;
		return;
	}
	if (lyb_parse(&m->blob, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE,
		&tree) != 0)
		chan_gone("sent a running configuration that does not parse");
	ch.gen = m->gen;
	/* running here follows hybridgwd's: the users and the endpoint
	 * follow it through this process's own module (nb_netconf.c) */
	if (nb_commit(tree, &err) != 0) {
		log_err(LOG_MOD_NB,
		    "netconf: running configuration of hybridgwd refused: %s: %s", err.path,
		    err.msg);
		chan_gone("out of step");
	}
}

static void
chan_notify(const struct nb_chan_msg *m)
{
	struct lyd_node *n = NULL, *op = NULL;
	struct ly_in	*in = NULL;
	struct timespec	 ts = { .tv_sec = (time_t)m->sec, .tv_nsec = (long)m->nsec };

	if (wire_empty(&m->blob) ||
	    ly_in_new_memory((const char *)m->blob.p, &in) != LY_SUCCESS)
		return;
	if (lyd_parse_op(nb_ctx(), NULL, in, LYD_LYB, LYD_TYPE_NOTIF_YANG, &n, &op) ==
	    LY_SUCCESS)
		nbnc_notify_post(n, &ts, m->flags & NB_CHAN_F_REPLAY);
	else
		lyd_free_all(n);
	ly_in_free(in, 0);
}

/* An event from hybridgwd (id 0). */
static void
chan_event(const struct nb_chan_msg *m)
{
	switch (m->type) {
	case NB_CHAN_RUNNING:
		chan_running(m);
		break;
	case NB_CHAN_CONFIRM:
		ch.cc_pending = m->flags & NB_CHAN_F_PENDING;
		ch.cc_persistent = m->flags & NB_CHAN_F_PERSISTENT;
		ch.cc_sid = m->sid;
		break;
	case NB_CHAN_NOTIFY:
		chan_notify(m);
		break;
	}
}

/* Decode and take every whole message; stop at the answer to id (kept at
 * the front, *ans set) when id != 0. */
static bool
chan_drain(uint32_t id, struct wire_rd *ans)
{
	struct wire_rd	   msg;
	struct nb_chan_msg m;
	enum nb_chan_err   e;

	while (chan_next(&msg)) {
		if ((e = nb_chan_decode(msg, false, &m)) != NB_CHAN_OK) {
			log_err(LOG_MOD_NB, "netconf: hybridgwd sent a bad %s message: %s",
			    nb_chan_type_str(m.type), nb_chan_err_str(e));
			chan_gone("out of step");
		}
		if (m.id) {
			if (m.id != id)
				chan_gone("answered a request not asked");
			*ans = msg;
			return true;
		}
		ch.in_event = true;
		chan_event(&m);
		ch.in_event = false;
		chan_consume(wire_left(&msg));
	}
	return false;
}

static void
chan_poll_cb(uv_poll_t *h, int status, int events)
{
	if (ch.in_call)
		return; /* the call reads */
	chan_read(false);
	chan_drain(0, NULL);
}

/* ---------------------------------------------------------- requests */

/* Write the whole request (fd: passed along, -1 none), reading meanwhile:
 * hybridgwd never waits for us, but the socket buffers are finite. */
static void
chan_write(const uint8_t *p, size_t n, int fd)
{
	size_t off = 0;

	while (off < n) {
		struct pollfd pfd = { .fd = ch.fd, .events = POLLOUT | POLLIN };
		struct msghdr mh = { 0 };
		struct iovec  iov = { (void *)(p + off), n - off };
		union {
			struct cmsghdr h;
			char	       b[CMSG_SPACE(sizeof(int))];
		} cm;
		ssize_t w;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			chan_gone(strerror(errno));
		}
		if (pfd.revents & POLLIN)
			chan_read(false);
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (fd >= 0 && off == 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.b;
			mh.msg_controllen = sizeof(cm.b);
			CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
			CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
			CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &fd, sizeof(int));
		}
		w = sendmsg(ch.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			chan_gone(strerror(errno));
		}
		off += (size_t)w;
	}
}

/* Send the request in o (freed) and wait for its answer; fn(m, arg)
 * takes it (views valid only then). Returns fn's result. */
typedef int (*chan_answer_fn)(const struct nb_chan_msg *, void *);

static int
chan_call(struct nb_chan_out *o, int fd, chan_answer_fn fn, void *arg)
{
	struct wire_rd	   ans;
	struct nb_chan_msg m;
	int		   rc;

	if (ch.fd < 0) {
		free(o->p);
		return -ENOTCONN;
	}
	if (ch.in_call)
		chan_gone("asked while waiting (a bug)");
	if (nb_chan_end(o) != 0)
		return -ENOMEM;
	ch.in_call = true;
	chan_write(o->p, o->len, fd);
	free(o->p);
	while (!chan_drain(ch.next_id, &ans))
		chan_read(true);
	ch.in_call = false;
	nb_chan_decode(ans, false, &m); /* chan_drain() decoded it already */
	rc = fn(&m, arg);
	chan_consume(wire_left(&ans));
	/* events that came after the answer, before the caller goes on */
	chan_drain(0, NULL);
	return rc;
}

static void
chan_begin(struct nb_chan_out *o, uint16_t type, uint16_t flags)
{
	if (++ch.next_id == 0)
		ch.next_id = 1;
	nb_chan_begin(o, type, flags, ch.next_id);
}

/* Who the session is, for hybridgwd's logs and notifications. */
static void
chan_put_who(struct nb_chan_out *o, uint32_t sid)
{
	struct nbnc_sess *s;
	char		  user[64] = "", host[64] = "";

	pthread_mutex_lock(&nbnc_sess_mtx);
	if (sid && (s = nbnc_sess_find(sid))) {
		snprintf(user, sizeof(user), "%s", s->user);
		snprintf(host, sizeof(host), "%s", s->host);
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	nb_chan_put_who(o, sid, user, host);
}

struct chan_result {
	struct nb_err	 *err;
	enum nb_chan_tag *tag;
};

static int
ans_result(const struct nb_chan_msg *m, void *arg)
{
	struct chan_result *r = arg;

	if (m->type != NB_CHAN_RESULT)
		chan_gone("answered with data, not a result");
	if (r->tag)
		*r->tag = (enum nb_chan_tag)m->tag;
	if (m->rc != 0 && r->err) {
		char path[sizeof(r->err->path)];

		nb_chan_str(&m->path, path, sizeof(path));
		nb_chan_str(&m->text, r->err->msg, sizeof(r->err->msg));
		snprintf(r->err->path, sizeof(r->err->path), "%s", path);
		nb_chan_str(&m->app_tag, r->err->app_tag, sizeof(r->err->app_tag));
	}
	return m->rc;
}

/* A config as XML text for hybridgwd (the NUL is sent too). */
static int
tree_text(const struct lyd_node *tree, char **xml)
{
	*xml = NULL;
	if (tree &&
	    lyd_print_mem(xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) !=
		LY_SUCCESS)
		return -ENOMEM;
	return 0;
}

static int
chan_commit(const char *xml, const struct nbnc_commit_req *r, bool plain,
    const struct nbnc_touched *t, struct nb_err *err, enum nb_chan_tag *tag)
{
	struct nb_chan_out o;
	struct chan_result res = { err, tag };
	uint16_t	   f = 0;

	if (!plain) {
		f |= NB_CHAN_F_CC;
		f |= r->confirmed ? NB_CHAN_F_CONFIRMED : 0;
		f |= r->confirmed && r->persist ? NB_CHAN_F_PERSIST : 0;
		f |= r->persist_id ? NB_CHAN_F_PERSIST_ID : 0;
	}
	if (nbnc_notify_has_subscribers())
		f |= NB_CHAN_F_DIFF;
	if (t)
		f |= NB_CHAN_F_PATCH;
	chan_begin(&o, NB_CHAN_COMMIT, f);
	chan_put_who(&o, r->sid);
	nb_chan_put_u32(&o, plain ? 0 : r->timeout);
	if (f & NB_CHAN_F_PERSIST)
		nb_chan_put_str(&o, r->persist);
	if (f & NB_CHAN_F_PERSIST_ID)
		nb_chan_put_str(&o, r->persist_id);
	if (t) {
		nb_chan_put_u64(&o, ch.gen);
		nb_chan_put_u32(&o, (uint32_t)t->n);
		for (size_t i = 0; i < t->n; i++)
			nb_chan_put_str(&o, t->paths[i]);
	}
	nb_chan_put_text(&o, xml);
	return chan_call(&o, -1, ans_result, &res);
}

int
nbnc_rt_commit(const struct lyd_node *tree, const struct nbnc_commit_req *r, bool plain,
    const struct nbnc_touched *t, struct nb_err *err, enum nb_chan_tag *tag)
{
	struct lyd_node *scratch = NULL;
	char		*xml = NULL;
	int		 rc;

	*tag = NB_CHAN_TAG_OP_FAILED;
	/* a few entries changed: only they (and gateway's other children)
	 * cross, if hybridgwd's running is still the one they change */
	if (t && t->valid && t->n > 0 && t->n <= NB_CHAN_MAX_PATHS &&
	    nbnc_fast_possible(tree) && nbnc_fast_scratch(tree, t, &scratch) == 0) {
		rc = tree_text(scratch, &xml);
		lyd_free_all(scratch);
		if (rc == 0) {
			rc = chan_commit(xml ? xml : "", r, plain, t, err, tag);
			free(xml);
			if (rc != -ESTALE)
				return rc;
			memset(err, 0, sizeof(*err));
		}
	}
	if (tree_text(tree, &xml) != 0) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	rc = chan_commit(xml, r, plain, NULL, err, tag);
	free(xml);
	return rc;
}

int
nbnc_rt_check(const struct lyd_node *tree, struct nb_err *err)
{
	struct nb_chan_out o;
	struct chan_result res = { err, NULL };
	char		  *xml;

	if (tree_text(tree, &xml) != 0) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	chan_begin(&o, NB_CHAN_CHECK, 0);
	nb_chan_put_text(&o, xml);
	free(xml);
	return chan_call(&o, -1, ans_result, &res);
}

int
nbnc_rt_cancel(uint32_t sid, const char *persist_id, struct nb_err *err, enum nb_chan_tag *tag)
{
	struct nb_chan_out o;
	struct chan_result res = { err, tag };

	chan_begin(&o, NB_CHAN_CANCEL, persist_id ? NB_CHAN_F_PERSIST_ID : 0);
	chan_put_who(&o, sid);
	if (persist_id)
		nb_chan_put_str(&o, persist_id);
	return chan_call(&o, -1, ans_result, &res);
}

struct chan_data {
	struct nb_err	 *err;
	enum nb_chan_tag *tag;
	struct lyd_node **out;
	enum { DATA_CONFIG, DATA_STATE, DATA_REPLY } kind;
};

/* The pieces of a DATA answer under their parents (nb_netconf_bulk.c). */
static int
data_pieces(const struct nb_chan_msg *m, struct lyd_node *tree)
{
	struct wire_rd	     walk = m->pieces;
	struct nb_chan_piece p;
	char		     parent[NB_CHAN_MAX_STR + 1], list[NB_CHAN_MAX_STR + 1];

	for (uint32_t i = 0; i < m->npieces; i++) {
		struct lyd_node *pn = NULL;

		if (!nb_chan_piece_next(&walk, &p))
			return -EINVAL;
		nb_chan_str(&p.parent, parent, sizeof(parent));
		nb_chan_str(&p.list, list, sizeof(list));
		if (lyd_find_path(tree, parent, 0, &pn) != LY_SUCCESS || !pn)
			return -EINVAL;
		if (nbnc_bulk_attach(pn, list, (const char *)p.text.p,
			wire_left(&p.text) - 1) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
ans_data(const struct nb_chan_msg *m, void *arg)
{
	struct chan_data  *d = arg;
	struct chan_result res = { d->err, d->tag };
	struct lyd_node	  *tree = NULL, *op = NULL;
	struct ly_in	  *in = NULL;
	int		   rc = 0;

	if (m->type == NB_CHAN_RESULT)
		return ans_result(m, &res) ?: -EINVAL;
	*d->out = NULL;
	switch (d->kind) {
	case DATA_CONFIG:
		rc = lyb_parse(&m->blob, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
		    LYD_VALIDATE_NO_STATE, &tree);
		break;
	case DATA_STATE:
		rc = lyb_parse(&m->blob, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree);
		if (rc == 0 && m->npieces && (!tree || (rc = data_pieces(m, tree)) != 0))
			rc = rc ?: -EINVAL;
		break;
	case DATA_REPLY:
		if (wire_empty(&m->blob))
			break;
		if (ly_in_new_memory((const char *)m->blob.p, &in) != LY_SUCCESS ||
		    lyd_parse_op(nb_ctx(), NULL, in, LYD_LYB, LYD_TYPE_REPLY_YANG, &tree,
			&op) != LY_SUCCESS)
			rc = -EINVAL;
		ly_in_free(in, 0);
		break;
	}
	if (rc != 0) {
		nbnc_bulk_free(tree);
		nb_err_set(d->err, "", "cannot read the answer of hybridgwd");
		if (d->tag)
			*d->tag = NB_CHAN_TAG_OP_FAILED;
		return rc;
	}
	*d->out = tree;
	return 0;
}

int
nbnc_rt_state(const char *hint, bool bulk, struct lyd_node **out, struct nb_err *err)
{
	struct nb_chan_out o;
	struct chan_data   d = { err, NULL, out, DATA_STATE };

	*out = NULL;
	chan_begin(&o, NB_CHAN_STATE, bulk ? NB_CHAN_F_BULK : 0);
	/* a hint only narrows what is built: without one, all of it is */
	nb_chan_put_str(&o, hint && strlen(hint) <= NB_CHAN_MAX_STR ? hint : "");
	return chan_call(&o, -1, ans_data, &d);
}

int
nbnc_rt_rpc(const struct lyd_node *rpc, uint32_t sid, struct lyd_node **out, struct nb_err *err,
    enum nb_chan_tag *tag)
{
	struct nb_chan_out o;
	struct chan_data   d = { err, tag, out, DATA_REPLY };
	char		  *xml = NULL;

	*out = NULL;
	*tag = NB_CHAN_TAG_OP_FAILED;
	if (lyd_print_mem(&xml, rpc, LYD_XML, LYD_PRINT_SHRINK) != LY_SUCCESS || !xml) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	chan_begin(&o, NB_CHAN_RPC, 0);
	chan_put_who(&o, sid);
	nb_chan_put_text(&o, xml);
	free(xml);
	return chan_call(&o, -1, ans_data, &d);
}

int
nbnc_rt_startup_get(struct lyd_node **out, struct nb_err *err)
{
	struct nb_chan_out o;
	struct chan_data   d = { err, NULL, out, DATA_CONFIG };

	*out = NULL;
	chan_begin(&o, NB_CHAN_STARTUP_GET, 0);
	return chan_call(&o, -1, ans_data, &d);
}

int
nbnc_rt_startup_set(const struct lyd_node *tree, bool from_running, uint32_t sid,
    struct nb_err *err)
{
	struct nb_chan_out o;
	struct chan_result res = { err, NULL };
	char		  *xml = NULL;

	if (!from_running && tree_text(tree, &xml) != 0) {
		nb_err_set(err, "", "out of memory");
		return -ENOMEM;
	}
	chan_begin(&o, NB_CHAN_STARTUP_SET, from_running ? NB_CHAN_F_RUNNING : 0);
	chan_put_who(&o, sid);
	nb_chan_put_text(&o, xml);
	free(xml);
	return chan_call(&o, -1, ans_result, &res);
}

int
nbnc_rt_startup_del(uint32_t sid, struct nb_err *err)
{
	struct nb_chan_out o;
	struct chan_result res = { err, NULL };

	chan_begin(&o, NB_CHAN_STARTUP_DEL, 0);
	chan_put_who(&o, sid);
	return chan_call(&o, -1, ans_result, &res);
}

void
nbnc_rt_session_end(uint32_t sid)
{
	struct nb_chan_out o;
	struct chan_result res = { NULL, NULL };

	chan_begin(&o, NB_CHAN_SESSION_END, 0);
	nb_chan_put_u32(&o, sid);
	chan_call(&o, -1, ans_result, &res);
}

int
nbnc_rt_bind(int fd, uint8_t family, uint16_t port, const uint8_t addr[16])
{
	struct nb_chan_out o;
	struct nb_err	   err = { 0 };
	struct chan_result res = { &err, NULL };
	int		   rc;

	if (!loop_get() || !loop_in_thread() || nbnc_chan_busy())
		return -EACCES;
	chan_begin(&o, NB_CHAN_BIND, 0);
	nb_chan_put_u8(&o, family);
	nb_chan_put_u16(&o, port);
	nb_chan_put_bytes(&o, addr, 16);
	if ((rc = chan_call(&o, fd, ans_result, &res)) != 0)
		log_warn(LOG_MOD_NB, "netconf: hybridgwd did not bind port %u: %s", port,
		    err.msg);
	return rc;
}

bool
nbnc_chan_busy(void)
{
	return ch.in_call || ch.in_event;
}

bool
nbnc_rt_confirm_pending(uint32_t *sid)
{
	if (sid)
		*sid = ch.cc_sid;
	return ch.cc_pending;
}

/* ---------------------------------------------------------- lifecycle */

static int
ans_hello(const struct nb_chan_msg *m, void *arg)
{
	struct chan_result res = { NULL, NULL };

	return ans_result(m, &res);
}

int
nbnc_chan_open(int fd)
{
	struct nb_chan_out o;
	int		   rc;

	ch.fd = fd;
	/* nonblocking for the idle reads; requests wait in poll() */
	if ((rc = uv_poll_init(loop_get(), &ch.poll, fd)) != 0) {
		ch.fd = -1;
		return rc;
	}
	ch.poll_on = true;
	chan_begin(&o, NB_CHAN_HELLO, 0);
	nb_chan_put_u32(&o, NB_CHAN_VERSION);
	/* the running configuration, the confirmed commit and the events
	 * logged so far come before the answer */
	if ((rc = chan_call(&o, -1, ans_hello, NULL)) != 0)
		return rc;
	return uv_poll_start(&ch.poll, UV_READABLE, chan_poll_cb);
}

void
nbnc_chan_close(void)
{
	if (ch.poll_on && !uv_is_closing((uv_handle_t *)&ch.poll))
		uv_close((uv_handle_t *)&ch.poll, NULL);
	ch.poll_on = false;
	if (ch.fd >= 0)
		close(ch.fd);
	ch.fd = -1;
	free(ch.in);
	ch.in = NULL;
	ch.len = ch.cap = 0;
}
