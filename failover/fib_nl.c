/* failover/fib_nl.c - the FIB's netlink socket: batched requests, acks by sequence, retries. */
/* SPDX-License-Identifier: ISC */
#include "failover/fib_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lib/log.h"
#include "lib/loop.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define FIB_LOG_ERRORS_MAX 16 /* refusals logged one by one per flush */

static void fib_nl_recv(struct fib *);
static void fib_retry_fire(uv_timer_t *);

const char *
fib_addr_str(const struct ipaddr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, len, "none");
		return buf;
	}
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *
fib_pfx_str(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

bool
fib_pfx_has_addr(uint8_t family, const uint8_t *bytes, unsigned len, const struct ipaddr *a)
{
	unsigned full = len / 8, rest = len % 8;

	if (family != a->family || len > prefix_family_bits(family))
		return false;
	if (memcmp(bytes, a->bytes, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((bytes[full] & m) != (a->bytes[full] & m))
			return false;
	}
	return true;
}

/* --- namespaces ------------------------------------------------------ */

static int
fib_netns_enter(const char *name, int *saved)
{
	char path[128];
	int  fd, rc = 0;

	*saved = -1;
	if (!name || !*name)
		return 0;
	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
out:
	if (rc) {
		close(*saved);
		*saved = -1;
	}
	return rc;
}

static void
fib_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0)
		log_err(LOG_MOD_FIB, "cannot return to the original network namespace: %s",
		    strerror(errno));
	close(saved);
}

/* --- the request queue ----------------------------------------------- */

static size_t
fib_q_inflight(const struct fib *f)
{
	return f->q.sent - f->q.head;
}

static size_t
fib_q_unsent(const struct fib *f)
{
	return f->q.n - f->q.sent;
}

/* Drop what has been acked from the front of the queue. */
static void
fib_q_compact(struct fib *f)
{
	struct fib_q *q = &f->q;
	size_t	      boff, i;

	if (q->head == 0)
		return;
	if (q->head == q->n) {
		q->head = q->sent = q->n = 0;
		q->blen = 0;
		if (q->bcap > FIB_Q_KEEP_BYTES) { /* after a burst: give it back */
			free(q->buf);
			free(q->reqs);
			q->buf = NULL;
			q->reqs = NULL;
			q->bcap = q->cap = 0;
		}
		return;
	}
	if (q->head < q->n / 2 && q->head < 4096)
		return;
	boff = q->reqs[q->head].off;
	memmove(q->buf, q->buf + boff, q->blen - boff);
	q->blen -= boff;
	memmove(q->reqs, q->reqs + q->head, (q->n - q->head) * sizeof(*q->reqs));
	q->n -= q->head;
	q->sent -= q->head;
	q->head = 0;
	for (i = 0; i < q->n; i++)
		q->reqs[i].off -= (uint32_t)boff;
}

/* Give requests [from, n) fresh consecutive sequence numbers (after a lost ack). */
static void
fib_q_renumber(struct fib *f, size_t from)
{
	struct fib_q *q = &f->q;
	size_t	      i;

	for (i = from; i < q->n; i++) {
		struct nlmsghdr h;

		q->reqs[i].seq = f->next_seq++;
		memcpy(&h, q->buf + q->reqs[i].off, sizeof(h));
		h.nlmsg_seq = q->reqs[i].seq;
		memcpy(q->buf + q->reqs[i].off, &h, sizeof(h));
	}
}

/* Queue one request: msg is a whole netlink message (msglen bytes, header
 * included); the queue gives it its sequence number and flags. */
int
fib_q_add_raw(struct fib *f, const void *msg, size_t msglen, enum fib_req_kind kind,
    uint32_t id, uint16_t gen, const struct prefix *pfx)
{
	struct fib_q   *q = &f->q;
	size_t		len = NLMSG_ALIGN(msglen);
	struct nlmsghdr h;
	struct fib_req *r;

	fib_q_compact(f);
	if (q->blen + len > q->bcap) {
		size_t	 ncap = q->bcap ? q->bcap * 2 : 256 * 1024;
		uint8_t *nb;

		while (ncap < q->blen + len)
			ncap *= 2;
		if (!(nb = realloc(q->buf, ncap)))
			return -ENOMEM;
		q->buf = nb;
		q->bcap = ncap;
	}
	if (q->n == q->cap) {
		size_t		ncap = q->cap ? q->cap * 2 : 4096;
		struct fib_req *nr;

		if (!(nr = realloc(q->reqs, ncap * sizeof(*nr))))
			return -ENOMEM;
		q->reqs = nr;
		q->cap = ncap;
	}
	r = &q->reqs[q->n++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->gen = gen;
	r->kind = (uint8_t)kind;
	r->watch = kind != FIB_REQ_ROUTE_SET || f->q_watch;
	f->q_watch = false;
	/* a route set or delete that goes through needs no answer */
	r->ack = r->watch && kind != FIB_REQ_ROUTE_DEL;
	r->seq = f->next_seq++;
	r->off = (uint32_t)q->blen;
	r->len = (uint32_t)len;
	if (pfx)
		r->pfx = *pfx;
	memcpy(q->buf + q->blen, msg, msglen);
	memset(q->buf + q->blen + msglen, 0, len - msglen);
	memcpy(&h, q->buf + q->blen, sizeof(h));
	h.nlmsg_seq = r->seq;
	h.nlmsg_flags |= NLM_F_REQUEST | (r->ack ? NLM_F_ACK : 0);
	memcpy(q->buf + q->blen, &h, sizeof(h));
	q->blen += len;
	if (fib_q_unsent(f) >= f->batch_max)
		return fib_nl_kick(f);
	return 0;
}

int
fib_q_add(struct fib *f, struct nl_msg *msg, enum fib_req_kind kind, uint32_t id, uint16_t gen,
    const struct prefix *pfx)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int		 rc;

	rc = fib_q_add_raw(f, h, h->nlmsg_len, kind, id, gen, pfx);
	nlmsg_free(msg);
	return rc;
}

/* --- acks -------------------------------------------------------------- */

static const char *
fib_req_what(const struct fib_req *r, char *buf, size_t len)
{
	char p[PREFIX_STRLEN];

	switch (r->kind) {
	case FIB_REQ_ROUTE_SET:
		snprintf(buf, len, "route %s nhid %u", fib_pfx_str(&r->pfx, p, sizeof(p)),
		    r->id);
		break;
	case FIB_REQ_ROUTE_DEL:
		snprintf(buf, len, "route delete %s", fib_pfx_str(&r->pfx, p, sizeof(p)));
		break;
	case FIB_REQ_NH_SET:
		snprintf(buf, len, "nexthop id %u", r->id);
		break;
	default:
		snprintf(buf, len, "nexthop delete id %u", r->id);
		break;
	}
	return buf;
}

/* Decode an NLMSG_ERROR message: the error, and the extended ack's reason. */
static int
fib_nl_err_decode(struct nlmsghdr *h, int *err, uint32_t *seq, char *why, size_t whylen)
{
	struct nlattr  *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsgerr e;
	int		hdrlen = (int)sizeof(e);

	why[0] = '\0';
	if (!nlmsg_valid_hdr(h, sizeof(e)))
		return -EBADMSG;
	memcpy(&e, nlmsg_data(h), sizeof(e));
	*err = e.error;
	*seq = h->nlmsg_seq;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		hdrlen += (int)NLMSG_ALIGN(e.msg.nlmsg_len) - NLMSG_HDRLEN;
	if (nlmsg_parse(h, hdrlen, tb, NLMSGERR_ATTR_MAX, NULL) < 0)
		return 0;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(why, tb[NLMSGERR_ATTR_MSG], whylen);
	return 0;
}

static void
fib_nl_ack(struct fib *f, int err, uint32_t seq, const char *why)
{
	struct fib_q  *q = &f->q;
	struct fib_req r;
	size_t	       idx, i;
	char	       what[128];

	if (q->head == q->sent)
		return;
	idx = (uint32_t)(seq - q->reqs[q->head].seq);
	if (idx >= fib_q_inflight(f))
		return; /* stale: renumbered after a lost ack */
	/* Answers come in order. Before idx, a request that asked for no ack
	 * and got no answer was accepted; one that asked for an ack and got
	 * none lost it: it is resent after the ENOBUFS that must follow, so it
	 * stays unsettled. */
	r = q->reqs[q->head + idx];
	if (r.kind & 0x80)
		return; /* settled already */
	q->reqs[q->head + idx].kind |= 0x80;
	for (i = q->head; i < q->head + idx; i++)
		if (!q->reqs[i].ack)
			q->reqs[i].kind |= 0x80;
	if (q->reqs[q->head].kind & 0x80)
		f->ack_progress_ms = mono_ms();
	while (q->head < q->sent && (q->reqs[q->head].kind & 0x80))
		q->head++;

	if (err) {
		bool benign = (err == -ESRCH || err == -ENOENT) &&
		    (r.kind == FIB_REQ_ROUTE_DEL || r.kind == FIB_REQ_NH_DEL);

		if (!benign) {
			f->stats.errors++;
			if (!f->flush_err)
				f->flush_err = err;
			if (f->logged_errors < FIB_LOG_ERRORS_MAX) {
				f->logged_errors++;
				log_warn(LOG_MOD_FIB, "kernel refused %s: %s%s%s",
				    fib_req_what(&r, what, sizeof(what)), strerror(-err),
				    why[0] ? ": " : "", why);
			} else
				f->quiet_errors++;
		} else
			err = 0;
	}
	switch (r.kind) {
	case FIB_REQ_ROUTE_SET:
	case FIB_REQ_ROUTE_DEL:
		fib_rt_ack(f, &r, err, why);
		break;
	default:
		fib_obj_ack(f, &r, err, why);
		break;
	}
}

static int
fib_nl_msg_in(struct nl_msg *msg, void *arg)
{
	struct fib	*f = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	char		 why[256];
	uint32_t	 seq = 0;
	int		 err = 0;

	if (h->nlmsg_type != NLMSG_ERROR)
		return NL_SKIP;
	if (fib_nl_err_decode(h, &err, &seq, why, sizeof(why)) < 0)
		return NL_SKIP;
	fib_nl_ack(f, err, seq, why);
	return NL_SKIP;
}

/* Acks of the in-flight requests were lost: send them again (every request
 * is idempotent, replace or delete) under fresh sequence numbers, so that
 * late acks of the old ones are ignored. */
static void
fib_q_requeue_inflight(struct fib *f)
{
	size_t i;

	while (f->q.head < f->q.sent && (f->q.reqs[f->q.head].kind & 0x80))
		f->q.head++;
	for (i = f->q.head; i < f->q.sent; i++)
		f->q.reqs[i].kind &= 0x7f;
	f->q.sent = f->q.head;
	fib_q_renumber(f, f->q.head);
}

/* Read every ack already queued on the socket. */
static void
fib_nl_recv(struct fib *f)
{
	bool drain = false;
	int  rc;

	while (f->sk && (fib_q_inflight(f) > 0 || drain)) {
		rc = nl_recvmsgs_report(f->sk, f->cb); /* messages read, 0, or -error */
		if (rc > 0)
			continue;
		if (rc == -NLE_NOMEM) {
			/* ENOBUFS: acks were dropped (the buffer could not be
			 * forced this big?): smaller batches from now on. The
			 * kernel reports the next overrun only once the queue
			 * has been emptied: drain it (stale acks are ignored). */
			if (f->batch_max > 16)
				f->batch_max /= 2;
			f->overrun = true;
			fib_send_wait(f);
			log_warn(LOG_MOD_FIB,
			    "netlink receive buffer overrun; resending %zu requests, "
			    "batches of %zu from now on",
			    fib_q_inflight(f), f->batch_max);
			fib_q_requeue_inflight(f);
			drain = true;
			continue;
		}
		if (rc < 0 && rc != -NLE_AGAIN)
			log_warn(LOG_MOD_FIB, "netlink receive: %s", nl_geterror(rc));
		break;
	}
}

/* A safety net: acks that never come (lost without an ENOBUFS report). */
static void
fib_ack_timeout(uv_timer_t *t)
{
	struct fib *f = t->data;

	if (f->closing)
		return;
	fib_nl_recv(f);
	if (fib_q_inflight(f) == 0)
		return;
	/* a long install keeps requests in flight all along: only a queue
	 * whose oldest request has not moved for the whole delay is stuck */
	if (mono_ms() - f->ack_progress_ms < FIB_ACK_TIMEOUT_MS) {
		uv_timer_start(&f->ack_timer, fib_ack_timeout,
		    FIB_ACK_TIMEOUT_MS - (mono_ms() - f->ack_progress_ms), 0);
		return;
	}
	log_warn(LOG_MOD_FIB, "no ack for %zu requests after %u ms; resending them",
	    fib_q_inflight(f), FIB_ACK_TIMEOUT_MS);
	fib_q_requeue_inflight(f);
	fib_nl_kick(f);
}

static void
fib_ack_timer_update(struct fib *f)
{
	if (f->closing)
		return;
	if (fib_q_inflight(f) == 0)
		uv_timer_stop(&f->ack_timer);
	else if (!uv_is_active((uv_handle_t *)&f->ack_timer)) {
		f->ack_progress_ms = mono_ms();
		uv_timer_start(&f->ack_timer, fib_ack_timeout, FIB_ACK_TIMEOUT_MS, 0);
	}
}

/* The last request of a batch asks for an ack: its answer settles the batch. */
static void
fib_q_ack_last(struct fib *f, size_t i)
{
	struct fib_req *r = &f->q.reqs[i];
	struct nlmsghdr h;

	if (r->ack)
		return;
	memcpy(&h, f->q.buf + r->off, sizeof(h));
	h.nlmsg_flags |= NLM_F_ACK;
	memcpy(f->q.buf + r->off, &h, sizeof(h));
	r->ack = true;
}

/* Requests awaiting the loop's reading of their answers, at most: after a
 * receive buffer overrun, one (smaller) batch at a time, each read before
 * the next goes out. */
static size_t
fib_nl_window(const struct fib *f)
{
	return f->batch_max * (f->overrun ? 1 : FIB_UNACKED_BATCHES);
}

/* Hand queued requests to the sender thread as the windows allow (a few
 * batches in the thread, more awaiting the loop's reading of answers);
 * once as many again wait unsent, wait for the thread to take some (the
 * queue stays a few batches long however fast requests come). With wait
 * (fib_flush): once the thread has been through what it was handed, send
 * the rest from this thread (a failover's few requests do not wait for
 * another thread to be scheduled) until the queue is empty and every
 * answer is in. */
static int
fib_nl_push(struct fib *f, bool wait)
{
	struct fib_q *q = &f->q;
	int	      rc = 0;

	if (f->in_flush || !f->sk)
		return 0;
	f->in_flush = true;
	if (wait && (rc = fib_send_wait(f)) == 0)
		fib_nl_recv(f);
	while (rc == 0) {
		while (fib_q_unsent(f) > 0 && fib_q_inflight(f) < fib_nl_window(f) &&
		    (wait || fib_send_busy(f, NULL) < FIB_SENDER_BATCHES)) {
			size_t first = q->sent, last = q->sent, bytes = 0;

			while (last < q->n && last - first < f->batch_max &&
			    bytes + q->reqs[last].len <= FIB_BATCH_BYTES) {
				bytes += q->reqs[last].len;
				last++;
			}
			fib_q_ack_last(f, last - 1);
			rc = wait ? fib_send_direct(f, q->buf + q->reqs[first].off, bytes) :
				    fib_send_submit(f, q->buf + q->reqs[first].off, bytes,
					last - first);
			if (rc < 0)
				break;
			q->sent = last;
		}
		if (!wait) {
			if (rc == 0)
				rc = fib_send_error(f);
			/* Far ahead of the kernel: wait for the sender to take
			 * some rather than let the queue (and the memory it
			 * holds) grow. */
			if (rc == 0 && fib_q_unsent(f) >= f->batch_max * FIB_SENDER_BATCHES &&
			    (rc = fib_send_wait_below(f, FIB_SENDER_BATCHES)) == 0) {
				fib_nl_recv(f);
				if (fib_q_inflight(f) < fib_nl_window(f))
					continue;
			}
			break;
		}
		fib_nl_recv(f); /* every answer is in the socket by now */
		if (fib_q_unsent(f) == 0 || fib_q_inflight(f) >= fib_nl_window(f))
			break; /* done, or acks lost: the ack timer resends */
	}
	if (rc < 0) {
		/* ENOBUFS, ENOMEM: what did not go out is sent again by the
		 * next flush, or when the ack timer gives up on it */
		log_err(LOG_MOD_FIB, "netlink send: %s", strerror(-rc));
		rc = -ENOBUFS;
	}
	fib_q_compact(f);
	f->in_flush = false;
	fib_ack_timer_update(f);
	return rc;
}

int
fib_nl_kick(struct fib *f)
{
	return fib_nl_push(f, false);
}

/* Refusals are logged one by one up to a cap per round, then summed up. */
static void
fib_nl_round_begin(struct fib *f)
{
	f->flush_err = 0;
	f->logged_errors = 0;
	/* quiet_errors carries what batches sent on their own have counted */
}

static void
fib_nl_round_end(struct fib *f)
{
	if (f->quiet_errors)
		log_warn(LOG_MOD_FIB, "... and %u more refused requests", f->quiet_errors);
	f->quiet_errors = 0;
}

int
fib_flush(struct fib *f)
{
	int rc;

	fib_nl_round_begin(f);
	rc = fib_nl_push(f, true);
	fib_nl_round_end(f);
	if (rc == 0)
		rc = f->flush_err;
	return rc;
}

int
fib_push(struct fib *f)
{
	int rc;

	fib_nl_round_begin(f);
	rc = fib_nl_push(f, false);
	fib_nl_round_end(f);
	return rc;
}

static void
fib_nl_poll_cb(uv_poll_t *h, int status, int events)
{
	struct fib *f = h->data;

	if (f->closing)
		return;
	fib_nl_round_begin(f);
	fib_nl_recv(f);
	if (fib_q_inflight(f) == 0) {
		/* Drain anything unexpected so a level-triggered poll stops firing. */
		while (nl_recvmsgs_report(f->sk, f->cb) > 0)
			;
	}
	fib_nl_kick(f);
	fib_nl_round_end(f);
}

/* --- retries ------------------------------------------------------------ */

/* Arm the timer for the earliest retry (one scan, after a timer run). */
static void
fib_retry_arm(struct fib *f)
{
	uint64_t now = mono_ms(), due = UINT64_MAX;
	size_t	 i;

	if (f->closing)
		return;
	for (i = 0; i < f->nretries; i++)
		if (f->retries[i].due_ms < due)
			due = f->retries[i].due_ms;
	f->retry_due = due;
	if (due == UINT64_MAX) {
		uv_timer_stop(&f->retry_timer);
		return;
	}
	uv_timer_start(&f->retry_timer, fib_retry_fire, due > now ? due - now : 0, 0);
}

/* Bring the timer forward if a new retry is due sooner (no scan: a batch of
 * refusals adds many at once). */
static void
fib_retry_arm_one(struct fib *f, uint64_t due)
{
	uint64_t now = mono_ms();

	if (f->closing || due >= f->retry_due)
		return;
	f->retry_due = due;
	uv_timer_start(&f->retry_timer, fib_retry_fire, due > now ? due - now : 0, 0);
}

static int
fib_retry_rank(struct fib *f, const struct fib_retry *r)
{
	const struct fib_obj *o;

	switch (r->kind) {
	case FIB_REQ_NH_SET:
		o = fib_obj_find(f, r->id);
		return o && o->type == FIB_OBJ_GROUP ? 1 : 0;
	case FIB_REQ_ROUTE_SET:
		return 2;
	case FIB_REQ_ROUTE_DEL:
		return 3;
	default:
		return 4;
	}
}

static void
fib_retry_fire(uv_timer_t *t)
{
	struct fib	 *f = t->data;
	struct fib_retry *due = NULL;
	uint64_t	  now = mono_ms();
	size_t		  i, n = 0;
	int		  rank;

	if (f->closing)
		return;
	if (f->nretries && !(due = calloc(f->nretries, sizeof(*due))))
		goto rearm;
	for (i = 0; i < f->nretries;) {
		if (f->retries[i].due_ms <= now + 2) {
			due[n++] = f->retries[i];
			f->retries[i] = f->retries[--f->nretries];
		} else
			i++;
	}
	fib_nl_round_begin(f);
	/* nexthops before groups before routes: each needs the one before */
	for (rank = 0; rank <= 4; rank++) {
		for (i = 0; i < n; i++) {
			if (fib_retry_rank(f, &due[i]) != rank)
				continue;
			if (due[i].kind == FIB_REQ_ROUTE_SET ||
			    due[i].kind == FIB_REQ_ROUTE_DEL)
				fib_rt_retry(f, &due[i].pfx, due[i].kind);
			else
				fib_obj_retry(f, due[i].id, due[i].kind);
		}
	}
	free(due);
	fib_nl_kick(f);
	fib_nl_round_end(f);
rearm:
	fib_retry_arm(f);
}

void
fib_retry_add(struct fib *f, enum fib_req_kind kind, uint32_t id, const struct prefix *pfx,
    unsigned attempts)
{
	struct fib_retry *r;
	uint64_t	  delay = f->cfg.retry_min_ms;

	if (f->nretries == f->cretries) {
		size_t		  ncap = f->cretries ? f->cretries * 2 : 64;
		struct fib_retry *nr = realloc(f->retries, ncap * sizeof(*nr));

		if (!nr) {
			log_err(LOG_MOD_FIB,
			    "out of memory: a refused request will not be retried");
			return;
		}
		f->retries = nr;
		f->cretries = ncap;
	}
	while (attempts-- > 1 && delay < FIB_RETRY_MAX_MS)
		delay *= 2;
	if (delay > FIB_RETRY_MAX_MS)
		delay = f->cfg.retry_min_ms > FIB_RETRY_MAX_MS ? f->cfg.retry_min_ms :
								 FIB_RETRY_MAX_MS;
	r = &f->retries[f->nretries++];
	memset(r, 0, sizeof(*r));
	r->due_ms = mono_ms() + delay;
	r->kind = (uint8_t)kind;
	r->id = id;
	if (pfx)
		r->pfx = *pfx;
	fib_retry_arm_one(f, r->due_ms);
}

/* Something changed (link up, new address): retry everything now. */
void
fib_retry_now(struct fib *f)
{
	uint64_t now = mono_ms();
	size_t	 i;

	for (i = 0; i < f->nretries; i++)
		f->retries[i].due_ms = now;
	if (f->nretries && !f->closing) {
		f->retry_due = now;
		uv_timer_start(&f->retry_timer, fib_retry_fire, 0, 0);
	}
}

/* --- dumps (blocking socket) -------------------------------------------- */

int
fib_dump(struct fib *f, struct nl_msg *msg, int (*fn)(struct nl_msg *, void *), void *arg)
{
	int rc;

	nl_socket_modify_cb(f->dump_sk, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	rc = nl_send_auto(f->dump_sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return -EIO;
	rc = nl_recvmsgs_default(f->dump_sk);
	if (rc < 0) {
		log_warn(LOG_MOD_FIB, "netlink dump: %s", nl_geterror(rc));
		return -EIO;
	}
	return 0;
}

/* --- life cycle --------------------------------------------------------- */

static int
fib_sock_bufs(struct nl_sock *sk, int size)
{
	int fd = nl_socket_get_fd(sk);

	/* FORCE lifts rmem_max/wmem_max (we are root); fall back to the capped size. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		return nl_socket_set_buffer_size(sk, size, size) < 0 ? -EIO : 0;
	return 0;
}

/* In the FIB's namespace (the caller entered it): see fib_cfg.nh_compat_off.
 * Already 0 (set by fib_ns_prepare() before the daemon dropped root, or by
 * the unit's ExecStartPre) is fine for a process that may not write it. */
static void
fib_nh_compat_off(void)
{
	const char *path = "/proc/sys/net/ipv4/nexthop_compat_mode";
	char	    cur[8] = "";
	int	    fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t n = read(fd, cur, sizeof(cur) - 1);

		close(fd);
		if (n >= 1 && cur[0] == '0') {
			log_info(LOG_MOD_FIB,
			    "nexthop_compat_mode=0: routes show their nhid only");
			return;
		}
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0\n", 2) != 2)
		log_warn(LOG_MOD_FIB, "cannot set %s to 0: %s (group rewrites stay slower)",
		    path, strerror(errno));
	else
		log_info(LOG_MOD_FIB, "nexthop_compat_mode=0: routes show their nhid only");
	if (fd >= 0)
		close(fd);
}

void
fib_ns_prepare(const struct fib_cfg *cfg)
{
	int saved = -1;

	if (!cfg->nh_compat_off)
		return;
	if (cfg->netns && fib_netns_enter(cfg->netns, &saved) < 0)
		return;
	fib_nh_compat_off();
	fib_netns_leave(saved);
}

static int
fib_nl_open(struct fib *f)
{
	int one = 1, rc;

	if (!(f->sk = nl_socket_alloc()) || !(f->dump_sk = nl_socket_alloc()))
		return -ENOMEM;
	if (nl_connect(f->sk, NETLINK_ROUTE) < 0 || nl_connect(f->dump_sk, NETLINK_ROUTE) < 0)
		return -EIO;
	nl_socket_disable_seq_check(f->sk);
	nl_socket_disable_auto_ack(f->sk);
	nl_socket_disable_msg_peek(f->sk);
	nl_socket_set_msg_buf_size(f->sk, 8192); /* one ack per datagram */
	if ((rc = fib_sock_bufs(f->sk, FIB_SOCKBUF)) < 0)
		return rc;
	if ((rc = fib_sock_bufs(f->dump_sk, 8 * 1024 * 1024)) < 0)
		return rc;
	nl_socket_set_msg_buf_size(f->dump_sk, 256 * 1024);
	/* reason strings, and acks that do not echo the whole request */
	setsockopt(nl_socket_get_fd(f->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(f->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(f->dump_sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
	    sizeof(one));
	nl_socket_modify_cb(f->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, fib_nl_msg_in, f);
	f->cb = nl_socket_get_cb(f->sk);
	f->sk_fd = nl_socket_get_fd(f->sk);
	if (nl_socket_set_nonblocking(f->sk) < 0)
		return -EIO;
	return 0;
}

struct fib *
fib_new(const struct fib_cfg *cfg, const struct fib_events *ev, void *arg)
{
	struct fib *f;
	uv_loop_t  *loop = loop_get();
	int	    saved = -1, rc;

	if (!loop) {
		errno = ENODEV;
		return NULL;
	}
	if (!(f = calloc(1, sizeof(*f)))) {
		errno = ENOMEM;
		return NULL;
	}
	f->cfg = *cfg;
	if (!f->cfg.table)
		f->cfg.table = 254; /* RT_TABLE_MAIN */
	if (!f->cfg.retry_min_ms)
		f->cfg.retry_min_ms = FIB_RETRY_MIN_MS;
	if (cfg->netns) {
		snprintf(f->netns, sizeof(f->netns), "%s", cfg->netns);
		f->cfg.netns = f->netns;
	}
	if (ev)
		f->evcopy = *ev;
	f->ev = &f->evcopy;
	f->arg = arg;
	f->next_seq = (uint32_t)mono_us() | 1;
	f->next_id = FIB_ID_BASE;
	f->retry_due = UINT64_MAX;
	f->batch_max = FIB_BATCH_MSGS;

	if ((rc = fib_netns_enter(f->cfg.netns, &saved)) < 0) {
		log_err(LOG_MOD_FIB, "network namespace %s: %s", f->cfg.netns, strerror(-rc));
		goto out;
	}
	if (f->cfg.nh_compat_off)
		fib_nh_compat_off();
	if ((rc = fib_nl_open(f)) < 0 || (rc = fib_rt_init(f)) < 0 ||
	    (rc = fib_nh_init(f)) < 0 || (rc = fib_ev_init(f)) < 0) {
		fib_netns_leave(saved);
		log_err(LOG_MOD_FIB, "cannot open the kernel FIB: %s", strerror(-rc));
		goto out;
	}
	fib_netns_leave(saved);
	if ((rc = fib_send_start(f)) < 0)
		log_warn(LOG_MOD_FIB,
		    "no sender thread (%s): batches go out on the loop thread", strerror(-rc));

	uv_timer_init(loop, &f->retry_timer);
	f->retry_timer.data = f;
	uv_timer_init(loop, &f->ack_timer);
	f->ack_timer.data = f;
	uv_poll_init_socket(loop, &f->poll, nl_socket_get_fd(f->sk));
	f->poll.data = f;
	uv_poll_start(&f->poll, UV_READABLE, fib_nl_poll_cb);
	f->poll_on = true;
	log_info(LOG_MOD_FIB, "FIB ready: table %u, protocol %u%s%s", f->cfg.table,
	    FIB_PROTO_HYBRIDGW, f->cfg.netns ? ", netns " : "",
	    f->cfg.netns ? f->cfg.netns : "");
	return f;
out:
	fib_ev_fini(f);
	fib_nh_fini(f);
	fib_rt_fini(f);
	if (f->cb)
		nl_cb_put(f->cb);
	if (f->sk)
		nl_socket_free(f->sk);
	if (f->dump_sk)
		nl_socket_free(f->dump_sk);
	free(f);
	errno = -rc;
	return NULL;
}

static void
fib_closed(uv_handle_t *h)
{
	struct fib *f = h->data;

	/* libuv runs close callbacks in no promised order: the last one frees */
	if (--f->open_handles == 0)
		free(f);
}

void
fib_free(struct fib *f)
{
	if (!f)
		return;
	f->closing = true;
	fib_send_stop(f); /* what was handed to it still goes out */
	fib_ev_fini(f);
	f->open_handles = 3;
	if (f->ev_poll_init) {
		f->open_handles++;
		uv_close((uv_handle_t *)&f->ev_poll, fib_closed);
	}
	uv_close((uv_handle_t *)&f->poll, fib_closed);
	if (f->cb)
		nl_cb_put(f->cb);
	nl_socket_free(f->sk);
	nl_socket_free(f->dump_sk);
	f->sk = f->dump_sk = NULL;
	fib_nh_fini(f);
	fib_rt_fini(f);
	free(f->q.buf);
	free(f->q.reqs);
	free(f->retries);
	uv_timer_stop(&f->retry_timer);
	uv_close((uv_handle_t *)&f->retry_timer, fib_closed);
	uv_timer_stop(&f->ack_timer);
	uv_close((uv_handle_t *)&f->ack_timer, fib_closed);
}

void
fib_stats_get(const struct fib *f, struct fib_stats *st)
{
	size_t in_sender;

	*st = f->stats;
	st->requests_pending = (uint32_t)(f->q.n - f->q.head);
	fib_send_busy(f, &in_sender);
	st->requests_unsent = (uint32_t)(fib_q_unsent(f) + in_sender);
}
