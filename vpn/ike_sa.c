/* vpn/ike_sa.c - the IKE SA state machine: SAs by SPI, message-ID windows, retransmission, the response cache, protection and fragments, tasks and timers (RFC 7296 2.1-2.4). */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/log.h"

/*
 * Message IDs (RFC 7296 2.2): our requests count up from 0 in msgid_out
 * and one is outstanding at a time (window 1: we never send
 * SET_WINDOW_SIZE); the peer's requests are expected in msgid_in. A
 * request whose ID is the one before is a retransmission: the cached answer
 * goes again (2.1). A response is matched to the outstanding request by
 * ID; anything else is dropped. Retransmissions back off exponentially
 * (2.4) until the request's deadline: the setup timeout before the SA is
 * up, the DPD timeout after.
 */

/* ------------------------------------------------------------- names */

const char *
ike_exchange_name(uint8_t x)
{
	switch (x) {
	case IKE_SA_INIT:
		return "IKE_SA_INIT";
	case IKE_AUTH:
		return "IKE_AUTH";
	case IKE_CREATE_CHILD_SA:
		return "CREATE_CHILD_SA";
	case IKE_INFORMATIONAL:
		return "INFORMATIONAL";
	}
	return "exchange?";
}

const char *
ike_notify_name(uint16_t t)
{
	static const struct {
		uint16_t    t;
		const char *n;
	} names[] = {
		{ IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
		{ IKE_N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
		{ IKE_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
		{ IKE_N_INVALID_SYNTAX, "INVALID_SYNTAX" },
		{ IKE_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
		{ IKE_N_INVALID_SPI, "INVALID_SPI" },
		{ IKE_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
		{ IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
		{ IKE_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
		{ IKE_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
		{ IKE_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
		{ IKE_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
		{ IKE_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
		{ IKE_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
		{ IKE_N_INVALID_SELECTORS, "INVALID_SELECTORS" },
		{ IKE_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
		{ IKE_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
		{ IKE_N_COOKIE, "COOKIE" },
	};

	for (size_t i = 0; i < VPN_NITEMS(names); i++)
		if (names[i].t == t)
			return names[i].n;
	return t <= IKE_N_ERROR_MAX ? "error notify" : "status notify";
}

const char *
ike_sa_name(const struct ike_sa *sa)
{
	static char buf[192];

	snprintf(buf, sizeof(buf), "%s: IKE SA %016" PRIx64 "_%016" PRIx64,
	    sa->tun ? vpn_tunnel_name(sa->tun) : "vpn", sa->ispi, sa->rspi);
	return buf;
}

/* ------------------------------------------------------------ lifecycle */

static void sa_timer_fired(uv_timer_t *t);
static void sa_rtx_fired(uv_timer_t *t);

struct ike_sa *
ike_sa_new(struct vpn_tunnel *t, bool initiator)
{
	struct vpn    *v = t->vpn;
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->vpn = v;
	sa->tun = t;
	sa->initiator = initiator;
	sa->created_ms = vpn_now();
	sa->remote = t->p.cfg.remote;
	sa->rport = v->cfg.ike_port;
	sa->sock = t->p.sock;
	uv_timer_init(v->loop, &sa->rtx_timer);
	uv_timer_init(v->loop, &sa->evt_timer);
	sa->rtx_timer.data = sa;
	sa->evt_timer.data = sa;
	sa->open_handles = 2;
	sa->next = t->ikes;
	t->ikes = sa;
	return sa;
}

struct ike_sa *
ike_sa_find(struct vpn *v, uint64_t spi)
{
	struct hash_node *n;

	if (spi == 0)
		return NULL;
	HASH_FOREACH_MATCH(&v->by_spi, hash_mix(0, spi), n) {
		struct ike_sa *sa = hash_entry(n, struct ike_sa, spi_node);

		if (ike_sa_our_spi(sa) == spi)
			return sa;
	}
	return NULL;
}

/* Set the SPIs; ours goes into the table (once: it never changes). */
void
ike_sa_spi_set(struct ike_sa *sa, uint64_t ispi, uint64_t rspi)
{
	sa->ispi = ispi;
	sa->rspi = rspi;
	if (!sa->in_by_spi && ike_sa_our_spi(sa) != 0 &&
	    hash_add(&sa->vpn->by_spi, &sa->spi_node, hash_mix(0, ike_sa_our_spi(sa))) == 0)
		sa->in_by_spi = true;
}

void
ike_out_free(struct ike_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int
ike_out_copy(struct ike_out *o, const uint8_t *buf, size_t len)
{
	uint8_t *n;

	if (o->n == VPN_FRAG_MAX || !(n = realloc(o->buf, o->len + len)))
		return -ENOMEM;
	memcpy(n + o->len, buf, len);
	o->buf = n;
	o->len += len;
	o->dlen[o->n++] = (uint16_t)len;
	return 0;
}

static void
pend_clear(struct ike_pending *p)
{
	ike_out_free(&p->out);
	ike_dh_free(p->dh);
	OPENSSL_cleanse(p->nonce, sizeof(p->nonce));
	memset(p, 0, sizeof(*p));
}

static void
sa_handle_closed(uv_handle_t *h)
{
	struct ike_sa *sa = h->data;

	if (--sa->open_handles == 0)
		free(sa);
}

void
ike_sa_destroy(struct ike_sa *sa)
{
	struct vpn	  *v;
	struct vpn_tunnel *t;

	if (!sa || sa->st == IKE_ST_DEAD)
		return;
	v = sa->vpn;
	t = sa->tun;
	sa->st = IKE_ST_DEAD;
	if (sa->in_by_spi)
		hash_del(&v->by_spi, &sa->spi_node);
	sa->in_by_spi = false;
	ike_half_open_del(v, sa);
	if (t) {
		for (struct ike_sa **pp = &t->ikes; *pp; pp = &(*pp)->next)
			if (*pp == sa) {
				*pp = sa->next;
				break;
			}
		/* nothing may point at it any more */
		for (struct ike_sa *o = t->ikes; o; o = o->next) {
			if (o->rekeyed_to == sa)
				o->rekeyed_to = NULL;
			if (o->peer_rekey == sa)
				o->peer_rekey = NULL;
			if (o->parent == sa)
				o->parent = NULL;
			if (o->pend.new_ike == sa)
				o->pend.new_ike = NULL;
		}
	}
	while (sa->children) {
		struct child_sa *c = sa->children;

		sa->children = c->next;
		child_sa_free(c);
	}
	if (sa->pend.child)
		child_sa_free(sa->pend.child);
	sa->pend.child = NULL;
	if (sa->pend.new_ike) /* an IKE SA rekey under way dies with it */
		ike_sa_destroy(sa->pend.new_ike);
	pend_clear(&sa->pend);
	ike_out_free(&sa->resp);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (sa->frag) {
		ike_frag_reset(sa->frag);
		free(sa->frag);
		sa->frag = NULL;
	}
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	secret_wipe(&sa->sk_d);
	secret_wipe(&sa->sk_pi);
	secret_wipe(&sa->sk_pr);
	ike_sk_wipe(&sa->sk);
	OPENSSL_cleanse(sa->ni, sizeof(sa->ni));
	OPENSSL_cleanse(sa->nr, sizeof(sa->nr));
	uv_close((uv_handle_t *)&sa->rtx_timer, sa_handle_closed);
	uv_close((uv_handle_t *)&sa->evt_timer, sa_handle_closed);
}

void
ike_keys_set(struct ike_sa *sa, const struct ike_keys *k)
{
	secret_copy(&sa->sk_d, &k->d);
	secret_copy(&sa->sk_pi, &k->pi);
	secret_copy(&sa->sk_pr, &k->pr);
	sa->keys = true;
}

/* --------------------------------------------------------------- sending */

void
ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
    uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->ispi = sa->ispi;
	h->rspi = sa->rspi;
	h->version = IKE_VERSION_2;
	h->exchange = exchange;
	h->flags =
	    (sa->initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	h->msgid = msgid;
}

int
ike_sa_send_out(struct ike_sa *sa, const struct ike_out *o)
{
	size_t off = 0;
	int    rc = 0, r;

	for (unsigned i = 0; i < o->n; i++) {
		if ((r = ike_sock_send(sa->sock, &sa->remote, sa->rport, o->buf + off,
			 o->dlen[i])) != 0)
			rc = r;
		off += o->dlen[i];
	}
	return rc;
}

int
ike_sa_seal(struct ike_sa *sa, struct ike_enc *e, struct wire_wr *w, const struct ike_hdr *h,
    struct ike_out *out)
{
	struct ike_sk_dir *d = &sa->sk.out;
	size_t		   ivl = ike_sk_iv_len(d);
	size_t		   inner_at = e->sk_iv + ivl, inner_len, chunk, nfrag;
	size_t		   fsize = sa->vpn->cfg.frag_size;
	uint8_t		  *inner = NULL, *fbuf = NULL, first;
	int		   rc;

	if (w->overflow || e->failed || w->off < inner_at)
		return -EMSGSIZE;
	inner_len = w->off - inner_at;
	/* RFC 7383 2.5.1: fragment what would not fit a datagram of the
	 * path, when the peer said it takes fragments */
	if (!sa->peer_frag || w->off - e->start + ike_sk_overhead(d) <= fsize) {
		if ((rc = ike_sk_seal(d, e)) != 0)
			return rc;
		return ike_out_copy(out, w->p + e->start, w->off - e->start);
	}
	first = w->p[e->sk_at];
	chunk = ike_frag_chunk_len(d, fsize);
	if (chunk == 0 || (nfrag = (inner_len + chunk - 1) / chunk) > VPN_FRAG_MAX)
		return -EMSGSIZE;
	if (!(inner = malloc(inner_len ? inner_len : 1)) || !(fbuf = malloc(fsize + 64))) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(inner, w->p + inner_at, inner_len);
	for (size_t i = 0; i < nfrag; i++) {
		struct wire_wr fw = wire_wr_init(fbuf, fsize + 64);
		struct ike_enc fe;
		size_t take = inner_len - i * chunk < chunk ? inner_len - i * chunk : chunk;

		ike_enc_init(&fe, &fw, h);
		ike_enc_skf_begin(&fe, ivl, i == 0 ? first : 0, (uint16_t)(i + 1),
		    (uint16_t)nfrag);
		ike_enc_bytes(&fe, inner + i * chunk, take);
		if ((rc = ike_sk_seal(d, &fe)) != 0 ||
		    (rc = ike_out_copy(out, fbuf, fw.off)) != 0)
			goto out;
	}
	rc = 0;
out:
	if (inner)
		OPENSSL_cleanse(inner, inner_len);
	free(inner);
	free(fbuf);
	return rc;
}

static uint64_t
rtx_interval(unsigned tries)
{
	uint64_t ms = VPN_RTX_FIRST_MS;

	for (unsigned i = 1; i < tries && ms < VPN_RTX_MAX_MS; i++)
		ms *= 2;
	return ms < VPN_RTX_MAX_MS ? ms : VPN_RTX_MAX_MS;
}

int
ike_sa_request(struct ike_sa *sa, struct ike_pending *p)
{
	uint64_t now = vpn_now();
	int	 rc;

	if (sa->pend_active && &sa->pend != p)
		return -EBUSY;
	if (&sa->pend != p)
		sa->pend = *p;
	sa->pend_active = true;
	sa->pend.started_ms = now;
	sa->pend.tries = 1;
	if (!sa->pend.deadline_ms)
		sa->pend.deadline_ms = now +
		    (ike_sa_up(sa) || sa->st == IKE_ST_REKEYED || sa->st == IKE_ST_DELETING ?
			    vpn_tunnel_dpd_ms(sa->tun) :
			    VPN_SETUP_TIMEOUT_MS);
	if ((rc = ike_sa_send_out(sa, &sa->pend.out)) != 0)
		log_debug(LOG_MOD_VPN, "%s: %s request: %s", ike_sa_name(sa),
		    ike_exchange_name(sa->pend.exchange), strerror(-rc));
	uv_timer_start(&sa->rtx_timer, sa_rtx_fired, rtx_interval(1), 0);
	return 0;
}

void
ike_sa_request_done(struct ike_sa *sa)
{
	uv_timer_stop(&sa->rtx_timer);
	if (!sa->pend_active)
		return;
	if (sa->pend.child)
		child_sa_free(sa->pend.child);
	sa->pend.child = NULL;
	pend_clear(&sa->pend);
	sa->pend_active = false;
	sa->msgid_out++;
	if (sa->st != IKE_ST_DEAD)
		ike_task_run(sa);
}

/* The peer did not answer in time. */
static void
sa_rtx_fired(uv_timer_t *t)
{
	struct ike_sa *sa = t->data;
	uint64_t       now = vpn_now();
	uint64_t       next;

	if (!sa->pend_active)
		return;
	if (now >= sa->pend.deadline_ms &&
	    (sa->pend.kind == IKE_T_IKE_DELETE || sa->st == IKE_ST_DELETING ||
		sa->st == IKE_ST_REKEYED)) {
		/* gone either way: the peer may be gone too */
		ike_sa_fail(sa, sa->tun ? sa->tun->last_reason : VPN_R_ADMIN,
		    sa->tun ? sa->tun->last_detail : "");
		return;
	}
	if (now >= sa->pend.deadline_ms) {
		bool setup = sa->st == IKE_ST_INIT_SENT || sa->st == IKE_ST_AUTH_SENT;

		log_warn(LOG_MOD_VPN, "%s: no answer to %s from the peer in %" PRIu64 " s%s",
		    ike_sa_name(sa), ike_exchange_name(sa->pend.exchange),
		    (now - sa->pend.started_ms) / 1000,
		    setup ? "" : ": the peer is dead (RFC 7296 2.4)");
		ike_sa_fail(sa, setup ? VPN_R_TIMEOUT : VPN_R_DPD,
		    setup ? "no answer from the peer" : "the peer stopped answering");
		return;
	}
	sa->pend.tries++;
	(void)ike_sa_send_out(sa, &sa->pend.out);
	next = rtx_interval(sa->pend.tries);
	if (now + next > sa->pend.deadline_ms)
		next = sa->pend.deadline_ms - now;
	uv_timer_start(&sa->rtx_timer, sa_rtx_fired, next ? next : 1, 0);
}

int
ike_sa_respond(struct ike_sa *sa, struct ike_out *o, uint32_t msgid)
{
	int rc;

	ike_out_free(&sa->resp);
	sa->resp = *o;
	memset(o, 0, sizeof(*o));
	sa->resp_msgid = msgid;
	sa->resp_valid = true;
	sa->msgid_in = msgid + 1;
	if ((rc = ike_sa_send_out(sa, &sa->resp)) != 0)
		log_debug(LOG_MOD_VPN, "%s: answer: %s", ike_sa_name(sa), strerror(-rc));
	return rc;
}

void
ike_send_init_notify(struct vpn *v, struct ike_sock *s, const struct ipaddr *remote,
    uint16_t port, const struct ike_hdr *req, uint16_t type, const void *data, size_t len)
{
	struct wire_wr w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_hdr h;
	struct ike_enc e;

	memset(&h, 0, sizeof(h));
	h.ispi = req->ispi;
	h.rspi = 0; /* RFC 7296 2.6: no state, no SPI */
	h.version = IKE_VERSION_2;
	h.exchange = req->exchange;
	h.flags = IKE_FLAG_RESPONSE;
	h.msgid = req->msgid;
	ike_enc_init(&e, &w, &h);
	ike_enc_notify(&e, 0, type, NULL, 0, data, len);
	if (ike_enc_end(&e) == 0)
		(void)ike_sock_send(s, remote, port, v->tx, w.off);
}

/* --------------------------------------------------------------- tasks */

void
ike_task_add(struct ike_sa *sa, enum ike_task_kind kind, struct child_sa *c, uint32_t spi)
{
	for (unsigned i = 0; i < sa->ntasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].child == c &&
		    sa->tasks[i].del_spi == spi)
			goto run;
	if (sa->pend_active && sa->pend.kind == kind && sa->pend.old == c &&
	    kind != IKE_T_DPD && kind != IKE_T_CHILD_NEW)
		goto run; /* under way already */
	if (sa->ntasks == IKE_TASKS_MAX) {
		log_warn(LOG_MOD_VPN, "%s: too many exchanges queued", ike_sa_name(sa));
		return;
	}
	/* Deleting the IKE SA makes everything else moot: it goes first. */
	if (kind == IKE_T_IKE_DELETE) {
		memmove(&sa->tasks[1], &sa->tasks[0], sa->ntasks * sizeof(sa->tasks[0]));
		sa->tasks[0] = (struct ike_task){ .kind = kind };
		sa->ntasks++;
	} else
		sa->tasks[sa->ntasks++] =
		    (struct ike_task){ .kind = kind, .child = c, .del_spi = spi };
run:
	ike_task_run(sa);
}

/* A Child SA goes: tasks about it go too (a Delete keeps its SPI). */
void
ike_sa_child_forget(struct ike_sa *sa, struct child_sa *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sa->ntasks; i++)
		if (sa->tasks[i].child != c || sa->tasks[i].kind == IKE_T_CHILD_DELETE)
			sa->tasks[n++] = sa->tasks[i];
	sa->ntasks = n;
	for (unsigned i = 0; i < n; i++)
		if (sa->tasks[i].child == c)
			sa->tasks[i].child = NULL;
	if (sa->pend.old == c)
		sa->pend.old = NULL;
	if (sa->pend.child == c)
		sa->pend.child = NULL;
	for (struct ike_sa *o = sa->tun ? sa->tun->ikes : sa; o; o = sa->tun ? o->next : NULL)
		for (struct child_sa *x = o->children; x; x = x->next) {
			if (x->replaces == c)
				x->replaces = NULL;
			if (x->peer_rekey == c)
				x->peer_rekey = NULL;
		}
}

void
ike_task_run(struct ike_sa *sa)
{
	uint64_t	now = vpn_now();
	struct ike_task t;
	unsigned	i;

	if (sa->pend_active || sa->st == IKE_ST_DEAD)
		return;
	if (sa->st != IKE_ST_ESTABLISHED && sa->st != IKE_ST_REKEYED)
		return;
	for (i = 0; i < sa->ntasks; i++) {
		/* a replaced SA only deletes (itself, or SAs it still holds) */
		if (sa->st == IKE_ST_REKEYED && sa->tasks[i].kind != IKE_T_IKE_DELETE &&
		    sa->tasks[i].kind != IKE_T_CHILD_DELETE)
			continue;
		if (sa->tasks[i].not_before_ms <= now)
			break;
	}
	if (i == sa->ntasks) {
		ike_sa_schedule(sa); /* a delayed task needs the timer */
		return;
	}
	t = sa->tasks[i];
	memmove(&sa->tasks[i], &sa->tasks[i + 1], (sa->ntasks - i - 1) * sizeof(sa->tasks[0]));
	sa->ntasks--;
	switch (t.kind) {
	case IKE_T_CHILD_NEW:
	case IKE_T_CHILD_REKEY:
	case IKE_T_IKE_REKEY:
		ike_child_start(sa, &t);
		break;
	case IKE_T_CHILD_DELETE:
	case IKE_T_IKE_DELETE:
	case IKE_T_DPD:
		ike_info_start(sa, &t);
		break;
	case IKE_T_NONE:
		break;
	}
}

/* --------------------------------------------------------------- timers */

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

void
ike_sa_schedule(struct ike_sa *sa)
{
	uint64_t at = 0, now = vpn_now();

	if (sa->st == IKE_ST_DEAD)
		return;
	if (sa->st == IKE_ST_HALF_OPEN)
		at = sa->created_ms + VPN_HALF_OPEN_TTL_MS;
	if (sa->st == IKE_ST_ESTABLISHED) {
		at = earliest(at, sa->rekey_at_ms);
		at = earliest(at, sa->expire_at_ms);
		at = earliest(at, ike_dpd_next(sa));
	}
	if (sa->st == IKE_ST_REKEYED)
		at = earliest(at, sa->rekey_at_ms); /* the deadline for its deletion */
	if (sa->nat_local && sa->keepalive_at_ms)
		at = earliest(at, sa->keepalive_at_ms);
	for (struct child_sa *c = sa->children; c; c = c->next)
		at = earliest(at, child_sa_next_event(c));
	for (unsigned i = 0; i < sa->ntasks; i++)
		if (sa->tasks[i].not_before_ms > now)
			at = earliest(at, sa->tasks[i].not_before_ms);
	if (!at) {
		uv_timer_stop(&sa->evt_timer);
		return;
	}
	uv_timer_start(&sa->evt_timer, sa_timer_fired, at > now ? at - now : 0, 0);
}

static void
sa_timer_fired(uv_timer_t *t)
{
	struct ike_sa *sa = t->data;
	uint64_t       now = vpn_now();

	if (sa->st == IKE_ST_HALF_OPEN && now >= sa->created_ms + VPN_HALF_OPEN_TTL_MS) {
		log_info(LOG_MOD_VPN, "%s: no IKE_AUTH within %u s: half-open SA dropped",
		    ike_sa_name(sa), VPN_HALF_OPEN_TTL_MS / 1000);
		ike_sa_destroy(sa);
		return;
	}
	if (sa->st == IKE_ST_REKEYED && sa->rekey_at_ms && now >= sa->rekey_at_ms) {
		/* the peer should have deleted it by now */
		log_info(LOG_MOD_VPN, "%s: replaced SA not deleted by the peer: dropped",
		    ike_sa_name(sa));
		ike_sa_destroy(sa);
		return;
	}
	if (sa->nat_local && sa->keepalive_at_ms && now >= sa->keepalive_at_ms) {
		/* RFC 3948 4: keep the NAT's mapping for ESP in UDP alive */
		if (sa->natt)
			(void)ike_sock_keepalive(sa->sock, &sa->remote, sa->rport);
		sa->keepalive_at_ms = now + VPN_KEEPALIVE_MS;
	}
	if (sa->st == IKE_ST_ESTABLISHED) {
		if (sa->expire_at_ms && now >= sa->expire_at_ms) {
			log_warn(LOG_MOD_VPN, "%s: lifetime over before a rekey: deleted",
			    ike_sa_name(sa));
			ike_sa_delete(sa, VPN_R_EXPIRED, "the IKE SA's lifetime ran out");
			return;
		}
		if (sa->rekey_at_ms && now >= sa->rekey_at_ms) {
			sa->rekey_at_ms = 0;
			ike_task_add(sa, IKE_T_IKE_REKEY, NULL, 0);
			if (sa->st == IKE_ST_DEAD)
				return;
		}
		ike_dpd_tick(sa, now);
		if (sa->st == IKE_ST_DEAD)
			return;
	}
	for (struct child_sa *c = sa->children, *n; c; c = n) {
		n = c->next;
		child_sa_tick(c, now);
		if (sa->st == IKE_ST_DEAD)
			return;
	}
	ike_task_run(sa);
	if (sa->st != IKE_ST_DEAD)
		ike_sa_schedule(sa);
}

/* ------------------------------------------------------- up and down */

void
ike_sa_established(struct ike_sa *sa)
{
	struct vpn_tunnel *t = sa->tun;
	uint64_t	   now = vpn_now();

	sa->st = IKE_ST_ESTABLISHED;
	sa->established_ms = now;
	sa->last_rx_ms = now;
	ike_half_open_del(sa->vpn, sa);
	vpn_lifetimes(t->p.cfg.ike_lifetime_s ? t->p.cfg.ike_lifetime_s : VPN_IKE_LIFETIME, now,
	    &sa->rekey_at_ms, &sa->expire_at_ms);
	/* the responder only rekeys when the initiator did not (RFC 7296
	 * 2.8: either may; jitter makes a collision rare) */
	if (!sa->initiator)
		sa->rekey_at_ms += (sa->expire_at_ms - sa->rekey_at_ms) / 2;
	if (sa->nat_local)
		sa->keepalive_at_ms = now + VPN_KEEPALIVE_MS;
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	ike_sa_schedule(sa);
}

void
ike_sa_fail(struct ike_sa *sa, enum vpn_reason r, const char *detail)
{
	struct vpn_tunnel *t = sa->tun;

	ike_sa_destroy(sa);
	if (t)
		vpn_tunnel_sa_gone(t, r, detail);
}

void
ike_sa_delete(struct ike_sa *sa, enum vpn_reason r, const char *detail)
{
	struct vpn_tunnel *t = sa->tun;

	/* Children out of the dataplane at once: the tunnel is down now,
	 * not when the peer answers. */
	while (sa->children) {
		struct child_sa *c = sa->children;

		sa->children = c->next;
		child_sa_free(c);
	}
	if (sa->st == IKE_ST_ESTABLISHED || sa->st == IKE_ST_REKEYED) {
		ike_task_add(sa, IKE_T_IKE_DELETE, NULL, 0);
		if (sa->st != IKE_ST_DEAD)
			sa->st = IKE_ST_DELETING;
	} else
		ike_sa_destroy(sa);
	if (t)
		vpn_tunnel_sa_gone(t, r, detail);
}

/* -------------------------------------------------------------- input */

/* RFC 7296 2.23: an authenticated message from a new address or port of
 * a peer behind a NAT moves the SA (and its ESP) there. */
static void
sa_peer_moved(struct ike_sa *sa, const struct ipaddr *remote, uint16_t port)
{
	if (!sa->nat_remote || !sa->natt)
		return;
	if (ipaddr_cmp(&sa->remote, remote) == 0 && sa->rport == port)
		return;
	sa->remote = *remote;
	sa->rport = port;
	log_info(LOG_MOD_VPN, "%s: the peer's NAT mapping moved", ike_sa_name(sa));
	if (sa->children)
		vpn_tunnel_esp_path(sa->tun, sa);
}

static void
sa_answer_syntax(struct ike_sa *sa, const struct ike_hdr *req, uint16_t type, uint8_t pl)
{
	struct vpn    *v = sa->vpn;
	struct wire_wr w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out o = { 0 };
	struct ike_hdr h;
	struct ike_enc e;

	/* RFC 7296 3.10.1: INVALID_SYNTAX only inside protection */
	ike_sa_hdr(sa, &h, req->exchange, true, req->msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_notify(&e, 0, type, NULL, 0, &pl, type == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	if (ike_sa_seal(sa, &e, &w, &h, &o) == 0)
		(void)ike_sa_respond(sa, &o, req->msgid);
	ike_out_free(&o);
}

void
ike_input(struct vpn *v, struct ike_sock *s, const uint8_t *msg, size_t len,
    const struct ipaddr *remote, uint16_t port)
{
	struct ike_msg m;
	struct ike_sa *sa;
	struct wire_rd inner;
	enum ike_err   err;
	uint64_t       our;
	bool	       resp, from_orig;
	uint8_t	       first;
	int	       rc;

	err = ike_msg_decode(wire_rd_init(msg, len), &m);
	resp = m.hdr.flags & IKE_FLAG_RESPONSE;
	if (err == IKE_ERR_MAJOR_VERSION) {
		/* RFC 7296 2.5: tell the sender, on a request, our version */
		if (!resp && m.hdr.exchange == IKE_SA_INIT)
			ike_send_init_notify(v, s, remote, port, &m.hdr,
			    IKE_N_INVALID_MAJOR_VERSION, NULL, 0);
		v->rx_bad++;
		return;
	}
	if (err != IKE_OK) {
		if (err == IKE_ERR_UNSUPPORTED_CRITICAL && !resp &&
		    m.hdr.exchange == IKE_SA_INIT)
			ike_send_init_notify(v, s, remote, port, &m.hdr,
			    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &m.err_payload, 1);
		v->rx_bad++;
		return;
	}
	from_orig = m.hdr.flags & IKE_FLAG_INITIATOR;
	if (m.hdr.exchange == IKE_SA_INIT) {
		if (!resp) {
			if (m.hdr.rspi != 0 || m.hdr.msgid != 0 || !from_orig) {
				v->rx_bad++;
				return;
			}
			ike_init_request(v, s, &m, remote, port);
			return;
		}
		sa = ike_sa_find(v, m.hdr.ispi);
		if (!sa || !sa->initiator || from_orig || sa->st != IKE_ST_INIT_SENT ||
		    m.hdr.msgid != 0) {
			v->rx_dropped++;
			return;
		}
		ike_init_response(sa, &m, remote, port);
		return;
	}
	our = from_orig ? m.hdr.rspi : m.hdr.ispi;
	if (!(sa = ike_sa_find(v, our)) || sa->initiator == from_orig ||
	    (from_orig ? sa->ispi != m.hdr.ispi : sa->rspi != m.hdr.rspi) || !sa->keys ||
	    sa->st == IKE_ST_DEAD) {
		v->rx_dropped++;
		return;
	}
	if (!ike_msg_has(&m, IKE_PL_SK) && !ike_msg_has(&m, IKE_PL_SKF)) {
		v->rx_dropped++; /* after IKE_SA_INIT everything is protected */
		return;
	}
	if (resp) {
		if (!sa->pend_active || m.hdr.msgid != sa->pend.msgid ||
		    m.hdr.exchange != sa->pend.exchange) {
			v->rx_dropped++;
			return;
		}
	} else if (m.hdr.msgid != sa->msgid_in) {
		/* RFC 7296 2.1: the request before is answered again (once
		 * its integrity is checked); anything else is dropped */
		if (m.hdr.msgid + 1 == sa->msgid_in && sa->resp_valid &&
		    sa->resp_msgid == m.hdr.msgid &&
		    ike_sk_open(&sa->sk.in, &m, v->plain, VPN_MSG_BUF, &inner) == 0 &&
		    (!ike_msg_has(&m, IKE_PL_SKF) || m.sk.frag_num == 1))
			(void)ike_sa_send_out(sa, &sa->resp);
		else
			v->rx_dropped++;
		return;
	}
	if (ike_sk_open(&sa->sk.in, &m, v->plain, VPN_MSG_BUF, &inner) != 0) {
		v->rx_bad++;
		log_debug(LOG_MOD_VPN, "%s: %s failed its integrity check: dropped",
		    ike_sa_name(sa), ike_exchange_name(m.hdr.exchange));
		return;
	}
	first = m.sk.first;
	if (ike_msg_has(&m, IKE_PL_SKF)) {
		if (!sa->frag && !(sa->frag = calloc(1, sizeof(*sa->frag))))
			return;
		rc = ike_frag_add(sa->frag, &m, inner, v->whole, IKE_FRAG_BUF, &inner, &first);
		if (rc <= 0)
			return; /* more to come, or too big (dropped) */
	}
	err = ike_msg_decode_inner(&m, first, inner);
	if (err != IKE_OK) {
		v->rx_bad++;
		if (!resp && err != IKE_ERR_DROP)
			sa_answer_syntax(sa, &m.hdr, (uint16_t)err, m.err_payload);
		else if (resp && sa->st == IKE_ST_AUTH_SENT)
			ike_sa_fail(sa, VPN_R_PEER_ERROR,
			    "the peer's IKE_AUTH answer is malformed");
		return;
	}
	sa->last_rx_ms = vpn_now();
	if (s != sa->sock) {
		/* RFC 7296 2.23: the peer moved to port 4500; answers go
		 * back where requests come from */
		sa->sock = s;
		sa->natt = s->natt;
		sa->rport = port;
	}
	sa_peer_moved(sa, remote, port);
	switch (m.hdr.exchange) {
	case IKE_AUTH:
		if (resp)
			ike_auth_response(sa, &m);
		else
			ike_auth_request(sa, &m);
		break;
	case IKE_CREATE_CHILD_SA:
		if (resp)
			ike_child_response(sa, &m);
		else
			ike_child_request(sa, &m);
		break;
	case IKE_INFORMATIONAL:
		if (resp)
			ike_info_response(sa, &m);
		else
			ike_info_request(sa, &m);
		break;
	default:
		/* an exchange type we do not know: nothing to answer with */
		v->rx_dropped++;
		break;
	}
}
