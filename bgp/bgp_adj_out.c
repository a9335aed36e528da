/* bgp/bgp_adj_out.c - Adj-RIB-Out per peer: pending changes packed into UPDATEs, MRAI, End-of-RIB. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_local.h"
#include "lib/sockaddr.h"
#include "lib/log.h"
#include "lib/loop.h"

#define BGP_OUT_HIGH_WATER (4u << 20) /* stop packing above this backlog */

void
bgp_adj_out_init(struct bgp_peer *p)
{
	bgp_ptab_init(&p->out.tab[BGP_FAM_V4], AF_INET);
	bgp_ptab_init(&p->out.tab[BGP_FAM_V6], AF_INET6);
	p->out.pend_head = NULL;
	p->out.pend_tail = &p->out.pend_head;
}

static int
out_free_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct bgp_adj_out_ent *e = *val;

	if (e->flags & BGP_OUT_SENT && e->sent)
		bgp_attrs_put(e->sent);
	if (e->flags & BGP_OUT_WANT && e->want)
		bgp_attrs_put(e->want);
	free(e);
	return 0;
}

static void
out_clear(struct bgp_peer *p)
{
	int f;

	for (f = 0; f < BGP_FAM_COUNT; f++) {
		bgp_ptab_walk(&p->out.tab[f], out_free_one, NULL);
		bgp_ptab_fini(&p->out.tab[f]);
	}
	p->out.pend_head = NULL;
	p->out.pend_tail = &p->out.pend_head;
	p->out.pend_count = 0;
	p->out.advertised = 0;
}

void
bgp_adj_out_fini(struct bgp_peer *p)
{
	out_clear(p);
	free(p->out.buf);
	p->out.buf = NULL;
}

void
bgp_adj_out_session_down(struct bgp_peer *p)
{
	uv_timer_stop(&p->out.mrai);
	out_clear(p);
	p->out.eor_due = false;
}

/* Our next hops toward this peer: the session's local address, and the other
 * family's addresses on the same interface (RFC 4760 next hop for MP). */
static void
out_nexthops(struct bgp_peer *p)
{
	struct bgp_export   *ex = &p->out.ex;
	const struct ipaddr *loc = &p->conn->local;
	struct ifaddrs	    *ifa0, *ifa;
	char		     ifname[IF_NAMESIZE] = "";
	bool		     have4 = false, have6 = false, havell = false;

	if (loc->family == AF_INET) {
		memcpy(ex->nh4, loc->bytes, 4);
		have4 = true;
	} else if (loc->family == AF_INET6) {
		if (loc->bytes[0] == 0xfe && (loc->bytes[1] & 0xc0) == 0x80) {
			memcpy(ex->nh6_ll, loc->bytes, 16);
			havell = true;
		} else {
			memcpy(ex->nh6, loc->bytes, 16);
			have6 = true;
		}
	}
	if (getifaddrs(&ifa0) != 0)
		return;
	for (ifa = ifa0; ifa; ifa = ifa->ifa_next) {
		struct ipaddr a;

		if (!ifa->ifa_addr)
			continue;
		ipaddr_from_sockaddr(&a, NULL, ifa->ifa_addr);
		if (a.family && ipaddr_cmp(&a, loc) == 0) {
			snprintf(ifname, sizeof(ifname), "%s", ifa->ifa_name);
			break;
		}
	}
	for (ifa = ifa0; ifname[0] && ifa; ifa = ifa->ifa_next) {
		struct ipaddr a;

		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		ipaddr_from_sockaddr(&a, NULL, ifa->ifa_addr);
		if (a.family == AF_INET && !have4) {
			memcpy(ex->nh4, a.bytes, 4);
			have4 = true;
		} else if (a.family == AF_INET6) {
			bool ll = a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;

			if (ll && !havell) {
				memcpy(ex->nh6_ll, a.bytes, 16);
				havell = true;
			} else if (!ll && !have6) {
				memcpy(ex->nh6, a.bytes, 16);
				have6 = true;
			}
		}
	}
	freeifaddrs(ifa0);
	/* RFC 2545 3: the global address is the next hop; the link-local one
	 * goes alone when there is no global one. Not both: peers that cannot
	 * tell the interface (FRR without zebra) withdraw such routes. */
	if (!have6 && havell)
		memcpy(ex->nh6, ex->nh6_ll, 16);
	memset(ex->nh6_ll, 0, 16);
}

static bool
out_family_ok(const struct bgp_peer *p, uint8_t family)
{
	static const uint8_t zero[16];

	if (family == AF_INET)
		return p->neg.ipv4 && memcmp(p->out.ex.nh4, zero, 4) != 0;
	return p->neg.ipv6 && memcmp(p->out.ex.nh6, zero, 16) != 0;
}

static void out_schedule(struct bgp_peer *);

void
bgp_adj_out_session_up(struct bgp_peer *p)
{
	struct bgp *bgp = p->bgp;

	out_clear(p);
	memset(&p->out.ex, 0, sizeof(p->out.ex));
	p->out.ex.nexthop_self = true;
	p->out.ex.prepend = p->cfg.export_prepend;
	out_nexthops(p);
	if (!p->out.buf && !(p->out.buf = malloc(BGP_MAX_EXT_MSG))) {
		bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_RESOURCES, NULL, 0);
		return;
	}
	p->out.eor_due = true;
	p->out.eor_sent = false;
	p->out.last_flush_ms = 0;
	/* the route manager replays its export set now, End-of-RIB follows */
	if (bgp->hooks.export_sync)
		bgp->hooks.export_sync(bgp->hooks_arg, p->cfg.rib_source);
	if (p->state == BGP_ST_ESTABLISHED)
		out_schedule(p);
}

/* ---- recording changes ---- */

static void
out_pend(struct bgp_peer *p, struct bgp_adj_out_ent *e)
{
	if (e->flags & BGP_OUT_PENDING)
		return;
	e->flags |= BGP_OUT_PENDING;
	e->pend_next = NULL;
	*p->out.pend_tail = e;
	p->out.pend_tail = &e->pend_next;
	p->out.pend_count++;
	out_schedule(p);
}

void
bgp_export_announce(struct bgp_peer *p, const struct prefix *pfx, struct bgp_attrs *a)
{
	struct bgp_pt_ref	ref;
	struct bgp_adj_out_ent *e;
	bool			isnew;

	if (p->state != BGP_ST_ESTABLISHED)
		return; /* replayed by export_sync when the session comes up */
	if (!(pfx->family == AF_INET ? p->cfg.ipv4_unicast : p->cfg.ipv6_unicast))
		return;
	/* RFC 1997 well-known communities: NO_ADVERTISE keeps the route from
	 * every peer, NO_EXPORT (and NO_EXPORT_SUBCONFED, we have no
	 * confederation) from every eBGP peer. The route still forwards. */
	if (bgp_attrs_no_advertise(a) ||
	    (p->neg.ebgp && (bgp_attrs_no_export(a) || bgp_attrs_no_export_subconfed(a)))) {
		bgp_export_withdraw(p, pfx);
		return;
	}
	if (bgp_ptab_put(&p->out.tab[bgp_af_of(pfx->family)], pfx, &ref, &isnew) != 0)
		return;
	if (isnew) {
		if (!(e = calloc(1, sizeof(*e)))) {
			bgp_ptab_del(&p->out.tab[bgp_af_of(pfx->family)], pfx, NULL, NULL);
			return;
		}
		e->prefix = *pfx;
		*ref.val = e;
	}
	e = *ref.val;
	if (a)
		bgp_attrs_get(a);
	if (e->flags & BGP_OUT_WANT && e->want)
		bgp_attrs_put(e->want);
	e->want = a;
	e->flags |= BGP_OUT_WANT;
	out_pend(p, e);
}

void
bgp_export_withdraw(struct bgp_peer *p, const struct prefix *pfx)
{
	struct bgp_pt_ref	ref;
	struct bgp_adj_out_ent *e;

	if (p->state != BGP_ST_ESTABLISHED)
		return;
	if (!bgp_ptab_get(&p->out.tab[bgp_af_of(pfx->family)], pfx, &ref))
		return;
	e = *ref.val;
	if (!(e->flags & BGP_OUT_WANT))
		return;
	if (e->want)
		bgp_attrs_put(e->want);
	e->want = NULL;
	e->flags &= (uint8_t)~BGP_OUT_WANT;
	out_pend(p, e);
}

/* Route refresh from the peer, or our export changed: send everything again. */
static int
out_mark_resend(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct bgp_peer	       *p = arg;
	struct bgp_adj_out_ent *e = *val;

	if (!(e->flags & BGP_OUT_SENT))
		return 0;
	if (e->sent)
		bgp_attrs_put(e->sent);
	e->sent = NULL;
	e->flags &= (uint8_t)~BGP_OUT_SENT;
	p->out.advertised--;
	out_pend(p, e);
	return 0;
}

void
bgp_adj_out_resend(struct bgp_peer *p)
{
	int f;

	if (p->state != BGP_ST_ESTABLISHED)
		return;
	p->out.ex.prepend = p->cfg.export_prepend;
	for (f = 0; f < BGP_FAM_COUNT; f++)
		bgp_ptab_walk(&p->out.tab[f], out_mark_resend, p);
	out_schedule(p);
}

/* ---- packing and sending ---- */

static int
pend_cmp(const void *x, const void *y)
{
	const struct bgp_adj_out_ent *a = *(struct bgp_adj_out_ent *const *)x;
	const struct bgp_adj_out_ent *b = *(struct bgp_adj_out_ent *const *)y;
	int wa = !!(a->flags & BGP_OUT_WANT), wb = !!(b->flags & BGP_OUT_WANT);

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if (wa != wb)
		return wa - wb; /* withdrawals first (RFC 4271 9.2 ordering) */
	if (a->want != b->want)
		return (uintptr_t)a->want < (uintptr_t)b->want ? -1 : 1;
	return prefix_cmp(&a->prefix, &b->prefix);
}

static void
out_send_msg(struct bgp_peer *p, size_t len)
{
	if (!len)
		return;
	p->msgs_out++;
	p->updates_out++;
	bgp_conn_send(p->conn, p->out.buf, len);
}

/* Pack a run of entries sharing family and attribute set (or all withdrawals). */
static void
out_pack_run(struct bgp_peer *p, struct bgp_adj_out_ent **v, size_t n, bool withdraw)
{
	struct bgp_upd_builder b;
	uint8_t		       fam = v[0]->prefix.family;
	size_t		       cap = bgp_neg_max_msg(&p->neg), i;
	int		       rc;

	rc = withdraw ?
	    bgp_upd_start_withdraw(&b, p->out.buf, cap, &p->neg, fam) :
	    bgp_upd_start(&b, p->out.buf, cap, &p->neg, &p->out.ex, v[0]->want, fam);
	if (rc != 0) {
		log_warn(LOG_MOD_BGP, "peer %s: cannot build UPDATE: %s", p->cfg.name,
		    strerror(-rc));
		return;
	}
	for (i = 0; i < n; i++) {
		if (bgp_upd_add(&b, &v[i]->prefix) == -ENOSPC) {
			out_send_msg(p, bgp_upd_finish(&b));
			rc = withdraw ?
			    bgp_upd_start_withdraw(&b, p->out.buf, cap, &p->neg, fam) :
			    bgp_upd_start(&b, p->out.buf, cap, &p->neg, &p->out.ex, v[0]->want,
				fam);
			if (rc != 0 || bgp_upd_add(&b, &v[i]->prefix) != 0)
				return;
		}
	}
	out_send_msg(p, bgp_upd_finish(&b));
}

static void
out_send_eor(struct bgp_peer *p)
{
	uint8_t	       buf[64];
	struct wire_wr w;
	uint8_t	       fams[2] = { AF_INET, AF_INET6 };
	int	       i;

	for (i = 0; i < 2; i++) {
		if (!(fams[i] == AF_INET ? p->neg.ipv4 : p->neg.ipv6))
			continue;
		w = wire_wr_init(buf, sizeof(buf));
		if (bgp_eor_encode(&w, fams[i]) == 0) {
			p->msgs_out++;
			p->updates_out++;
			bgp_conn_send(p->conn, buf, wire_wr_len(&w));
		}
	}
	p->out.eor_due = false;
	p->out.eor_sent = true;
}

/* Apply the outcome to the entries of the run: sent state follows want. */
static void
out_settle(struct bgp_peer *p, struct bgp_adj_out_ent *e, bool skipped)
{
	e->flags &= (uint8_t)~BGP_OUT_PENDING;
	if (skipped)
		goto out;
	if (e->flags & BGP_OUT_SENT) {
		if (e->sent)
			bgp_attrs_put(e->sent);
		e->sent = NULL;
		e->flags &= (uint8_t)~BGP_OUT_SENT;
		p->out.advertised--;
	}
	if (e->flags & BGP_OUT_WANT) {
		e->sent = e->want;
		if (e->sent)
			bgp_attrs_get(e->sent);
		e->flags |= BGP_OUT_SENT;
		p->out.advertised++;
	}
out:
	if (!(e->flags & (BGP_OUT_WANT | BGP_OUT_SENT))) {
		bgp_ptab_del(&p->out.tab[bgp_af_of(e->prefix.family)], &e->prefix, NULL, NULL);
		free(e);
	}
}

static void out_mrai_cb(uv_timer_t *);

/*
 * RFC 4724 4.1, restarting speaker: our End-of-RIB tells a helper peer to
 * drop what it kept from us, so at startup it waits until the routes that
 * other sessions bring are in: until every configured peer is up and has
 * sent its own End-of-RIB (peers without the GR capability, or restarting
 * themselves, excepted), at most BGP_EOR_DEFER_S. We cannot tell a restart
 * from a first start; on a first start only the End-of-RIB is later.
 * Returns 0 when End-of-RIB may go, else the ms left at most.
 */
#define BGP_EOR_DEFER_S 10

static uint64_t
out_eor_wait_ms(struct bgp *bgp)
{
	uint64_t	 end = bgp->started_ms + bgp_secs(BGP_EOR_DEFER_S), now;
	struct bgp_peer *q;

	if (bgp->eor_released)
		return 0;
	now = mono_ms();
	if (now >= end)
		goto release;
	for (q = bgp->peers; q; q = q->next) {
		if (q->admin_down || q->deleting)
			continue;
		if (q->state != BGP_ST_ESTABLISHED)
			return end - now;
		if (!q->ropen.caps.gr || (q->ropen.caps.gr_flags & BGP_GR_F_RESTART))
			continue;
		if ((q->neg.ipv4 && !q->eor_rcvd[BGP_FAM_V4]) ||
		    (q->neg.ipv6 && !q->eor_rcvd[BGP_FAM_V6]))
			return end - now;
	}
release:
	bgp->eor_released = true;
	return 0;
}

void
bgp_adj_out_eor_check(struct bgp *bgp)
{
	struct bgp_peer *q;

	if (bgp->eor_released || out_eor_wait_ms(bgp))
		return;
	for (q = bgp->peers; q; q = q->next)
		if (q->state == BGP_ST_ESTABLISHED && q->out.eor_due) {
			uv_timer_stop(&q->out.mrai);
			out_schedule(q);
		}
}

void
bgp_adj_out_flush_now(struct bgp_peer *p)
{
	struct bgp_adj_out_ent **v, **run, *e;
	size_t			 n = 0, i, j;

	if (p->state != BGP_ST_ESTABLISHED || !p->conn || !p->out.buf)
		return;
	if (bgp_conn_backlog(p->conn) > BGP_OUT_HIGH_WATER)
		return; /* bgp_adj_out_kick() resumes when the socket drains */
	if (p->out.pend_count) {
		if (!(v = malloc(2 * p->out.pend_count * sizeof(*v))))
			return;
		run = v + p->out.pend_count;
		for (e = p->out.pend_head; e; e = e->pend_next)
			v[n++] = e;
		p->out.pend_head = NULL;
		p->out.pend_tail = &p->out.pend_head;
		p->out.pend_count = 0;
		qsort(v, n, sizeof(*v), pend_cmp);
		for (i = 0; i < n; i = j) {
			bool   want = v[i]->flags & BGP_OUT_WANT;
			bool   ok = out_family_ok(p, v[i]->prefix.family);
			size_t k, m = 0;

			for (j = i + 1; j < n && v[j]->prefix.family == v[i]->prefix.family &&
			     !!(v[j]->flags & BGP_OUT_WANT) == want &&
			     (!want || v[j]->want == v[i]->want);
			     j++)
				;
			/* only what changes goes out: unchanged and never-sent drop out */
			for (k = i; k < j; k++) {
				e = v[k];
				if (want ? (e->flags & BGP_OUT_SENT && e->sent == e->want) :
					   !(e->flags & BGP_OUT_SENT))
					continue;
				run[m++] = e;
			}
			if (ok && m)
				out_pack_run(p, run, m, !want);
			for (k = i; k < j; k++)
				out_settle(p, v[k], !ok);
		}
		free(v);
	}
	if (p->out.eor_due) {
		uint64_t wait = out_eor_wait_ms(p->bgp);

		if (!wait)
			out_send_eor(p);
		else /* look again when the deferral ends (or a peer's EoR comes) */
			uv_timer_start(&p->out.mrai, out_mrai_cb, wait, 0);
	}
	p->out.last_flush_ms = mono_ms();
	bgp_conn_flush(p->conn);
}

static void
out_mrai_cb(uv_timer_t *t)
{
	bgp_adj_out_flush_now(t->data);
}

/* RFC 4271 9.2.1.1: changes wait for the MRAI; with 0 they go on the next
 * loop turn, so a burst of export calls still packs into few UPDATEs. */
static void
out_schedule(struct bgp_peer *p)
{
	uint64_t now, due = 0;

	if (p->state != BGP_ST_ESTABLISHED)
		return;
	if (p->cfg.mrai_ms && p->out.last_flush_ms) {
		now = mono_ms();
		if (p->out.last_flush_ms + p->cfg.mrai_ms > now)
			due = p->out.last_flush_ms + p->cfg.mrai_ms - now;
	}
	/* armed already, and not later than needed (it may be waiting for the
	 * startup End-of-RIB deferral, which must not hold routes back) */
	if (uv_is_active((uv_handle_t *)&p->out.mrai) &&
	    uv_timer_get_due_in(&p->out.mrai) <= due)
		return;
	uv_timer_start(&p->out.mrai, out_mrai_cb, due, 0);
}

void
bgp_adj_out_kick(struct bgp_peer *p)
{
	if (p->out.pend_count || p->out.eor_due)
		out_schedule(p);
}
