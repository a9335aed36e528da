/* vpn/ike_x_info.c - the INFORMATIONAL exchange: deleting Child and IKE SAs, liveness checks (DPD), notifies (RFC 7296 1.4, 2.4, 2.21). */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/*
 * Liveness (RFC 7296 2.4): the peer is alive while protected traffic
 * comes from it, IKE or ESP. After a third of the DPD timeout of silence
 * we ask (an empty INFORMATIONAL request); it must answer before the
 * timeout has passed since it was last heard, else the IKE SA and its
 * Child SAs are deleted and the tunnel goes down with reason DPD.
 */

/* --------------------------------------------------------------- liveness */

uint64_t
ike_peer_last_seen(struct ike_sa *sa)
{
	struct vpn_counters k;

	/* ESP counts: reading a Child SA's counters moves last_rx_ms to its
	 * last accepted packet */
	for (struct child_sa *c = sa->children; c; c = c->next)
		child_sa_stats(c, &k);
	return sa->last_rx_ms;
}

uint64_t
ike_dpd_next(const struct ike_sa *sa)
{
	if (sa->pend_active || sa->st != IKE_ST_ESTABLISHED)
		return 0; /* a request out is a liveness check already */
	return sa->last_rx_ms + vpn_tunnel_dpd_ms(sa->tun) / 3;
}

void
ike_dpd_tick(struct ike_sa *sa, uint64_t now)
{
	uint64_t seen;

	if (sa->pend_active || sa->st != IKE_ST_ESTABLISHED)
		return;
	seen = ike_peer_last_seen(sa);
	if (now >= seen + vpn_tunnel_dpd_ms(sa->tun) / 3)
		ike_task_add(sa, IKE_T_DPD, NULL, 0);
}

/* ------------------------------------------------------------ initiator */

void
ike_info_start(struct ike_sa *sa, const struct ike_task *task)
{
	struct vpn	  *v = sa->vpn;
	struct wire_wr	   w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_pending p;
	struct ike_hdr	   h;
	struct ike_enc	   e;
	uint8_t		   spi[4];
	uint64_t	   now = vpn_now();
	int		   rc;

	memset(&p, 0, sizeof(p));
	p.kind = task->kind;
	p.exchange = IKE_INFORMATIONAL;
	p.msgid = sa->msgid_out;
	ike_sa_hdr(sa, &h, IKE_INFORMATIONAL, false, sa->msgid_out);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	switch (task->kind) {
	case IKE_T_DPD:
		if (sa->st != IKE_ST_ESTABLISHED) {
			ike_task_run(sa);
			return;
		}
		/* the answer is due a DPD timeout after the peer was last heard */
		p.deadline_ms = ike_peer_last_seen(sa) + vpn_tunnel_dpd_ms(sa->tun);
		if (p.deadline_ms < now + VPN_RTX_FIRST_MS * 2)
			p.deadline_ms = now + VPN_RTX_FIRST_MS * 2;
		break;
	case IKE_T_CHILD_DELETE:
		p.del_spi = task->child ? task->child->spi_in : task->del_spi;
		if (!p.del_spi) {
			ike_task_run(sa);
			return;
		}
		if (task->child) {
			p.old = task->child;
			/* RFC 7296 1.4.1: we send on it no more */
			if (task->child->out_active && !task->child->replaced)
				task->child->out_active = false;
			child_out_remove(task->child);
			if (task->child->st != VPN_SA_REKEYED)
				task->child->st = VPN_SA_DELETING;
		}
		for (int i = 0; i < 4; i++)
			spi[i] = (uint8_t)(p.del_spi >> (24 - 8 * i));
		ike_enc_delete(&e, IPSEC_PROTO_ESP, 4, 1, spi);
		break;
	case IKE_T_IKE_DELETE:
		ike_enc_delete(&e, IPSEC_PROTO_IKE, 0, 0, NULL);
		/* an answer may never come (the peer is gone): do not wait long */
		p.deadline_ms = now + 2 * VPN_RTX_FIRST_MS + VPN_RTX_FIRST_MS * 4;
		break;
	default:
		return;
	}
	if ((rc = ike_sa_seal(sa, &e, &w, &h, &p.out)) != 0) {
		log_err(LOG_MOD_VPN, "%s: cannot build INFORMATIONAL: %s", ike_sa_name(sa),
		    strerror(-rc));
		ike_out_free(&p.out);
		return;
	}
	(void)ike_sa_request(sa, &p);
}

void
ike_info_goodbye(struct ike_sa *sa)
{
	struct vpn    *v = sa->vpn;
	struct wire_wr w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out o = { 0 };
	struct ike_hdr h;
	struct ike_enc e;

	/* the next message ID of ours, past a request still out */
	ike_sa_hdr(sa, &h, IKE_INFORMATIONAL, false, sa->msgid_out + (sa->pend_active ? 1 : 0));
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_delete(&e, IPSEC_PROTO_IKE, 0, 0, NULL);
	if (ike_sa_seal(sa, &e, &w, &h, &o) == 0)
		(void)ike_sa_send_out(sa, &o);
	ike_out_free(&o);
}

void
ike_info_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel *t = sa->tun;
	enum ike_task_kind kind = sa->pend.kind;
	uint32_t	   spi = sa->pend.del_spi;
	uint64_t	   now = vpn_now();
	struct child_sa	  *c;

	switch (kind) {
	case IKE_T_DPD:
		sa->last_dpd_ms = now;
		if (t)
			t->last_dpd_ms = now;
		ike_sa_request_done(sa);
		break;
	case IKE_T_CHILD_DELETE:
		if ((c = child_sa_by_in(sa, spi))) {
			if (c->replaced) /* packets in flight on it: a grace */
				c->drop_in_at_ms = now + VPN_OLD_IN_GRACE_MS;
			else
				child_unlink_free(c);
		}
		ike_sa_request_done(sa);
		if (sa->st != IKE_ST_DEAD)
			ike_sa_schedule(sa);
		break;
	case IKE_T_IKE_DELETE:
		log_debug(LOG_MOD_VPN, "%s: deleted", ike_sa_name(sa));
		ike_sa_fail(sa, t ? t->last_reason : VPN_R_ADMIN, t ? t->last_detail : "");
		break;
	default:
		ike_sa_request_done(sa);
		break;
	}
}

/* ------------------------------------------------------------ responder */

void
ike_info_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel	   *t = sa->tun;
	struct vpn		   *v = sa->vpn;
	struct wire_wr		    w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out		    o = { 0 };
	struct ike_hdr		    h;
	struct ike_enc		    e;
	const struct ike_notify_pl *n;
	uint8_t			    spis[4 * 64];
	uint16_t		    nspi = 0;
	bool			    del_ike = false, lost = false;
	uint64_t		    now = vpn_now();

	for (unsigned i = 0; i < m->ndelete; i++) {
		const struct ike_delete_pl *d = &m->del[i];
		struct wire_rd		    r = d->spis;

		if (d->proto == IPSEC_PROTO_IKE) {
			del_ike = true;
			continue;
		}
		if (d->proto != IPSEC_PROTO_ESP || d->spi_size != 4)
			continue;
		for (unsigned j = 0; j < d->nspi; j++) {
			struct child_sa *c;
			uint32_t	 spi;

			if (!wire_get_u32(&r, &spi))
				break;
			if (!(c = child_sa_by_out(sa, spi)))
				continue; /* RFC 7296 1.4.1: unknown SPIs are ignored */
			if (c->st == VPN_SA_DELETING) {
				/* both deleted it at once: no Delete back (1.4.1) */
				child_out_remove(c);
				continue;
			}
			if (c->peer_rekey && c->peer_rekey->st == VPN_SA_ESTABLISHED) {
				/* the end of the peer's rekey: send on the new SA */
				child_sa_activate(c->peer_rekey);
				log_info(LOG_MOD_VPN,
				    "%s: Child SA %08x/%08x replaced by "
				    "%08x/%08x",
				    ike_sa_name(sa), c->spi_in, c->spi_out,
				    c->peer_rekey->spi_in, c->peer_rekey->spi_out);
			}
			if (nspi < sizeof(spis) / 4) {
				for (int k = 0; k < 4; k++)
					spis[4 * nspi + k] =
					    (uint8_t)(c->spi_in >> (24 - 8 * k));
				nspi++;
			}
			if (c->replaced || c->peer_rekey) {
				child_out_remove(c);
				c->st = VPN_SA_DELETING;
				c->drop_in_at_ms = now + VPN_OLD_IN_GRACE_MS;
			} else {
				log_info(LOG_MOD_VPN, "%s: the peer deleted Child SA %08x/%08x",
				    ike_sa_name(sa), c->spi_in, c->spi_out);
				child_unlink_free(c);
				lost = true;
			}
		}
	}
	for (unsigned i = 0; i < m->nnotify; i++) {
		n = &m->notify[i];
		if (n->type <= IKE_N_ERROR_MAX)
			log_warn(LOG_MOD_VPN, "%s: the peer reports %s (%u)", ike_sa_name(sa),
			    ike_notify_name(n->type), n->type);
	}
	ike_sa_hdr(sa, &h, IKE_INFORMATIONAL, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	if (nspi && !del_ike)
		ike_enc_delete(&e, IPSEC_PROTO_ESP, 4, nspi, spis);
	if (ike_sa_seal(sa, &e, &w, &h, &o) == 0)
		(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	ike_out_free(&o);
	if (del_ike) {
		/* RFC 7296 1.4.1: the IKE SA and its Child SAs are gone */
		if (sa->st == IKE_ST_REKEYED && sa->rekeyed_to) {
			log_debug(LOG_MOD_VPN, "%s: replaced SA deleted by the peer",
			    ike_sa_name(sa));
			ike_sa_destroy(sa);
			return;
		}
		log_info(LOG_MOD_VPN, "%s: the peer deleted the IKE SA", ike_sa_name(sa));
		ike_sa_fail(sa, VPN_R_PEER_DELETE, "the peer deleted the IKE SA");
		return;
	}
	if (lost)
		vpn_tunnel_sa_gone(t, VPN_R_PEER_DELETE, "the peer deleted the Child SA");
	if (sa->st != IKE_ST_DEAD)
		ike_sa_schedule(sa);
}
