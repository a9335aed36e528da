/* vpn/ike_x_child.c - Child SAs in the ESP backend and the CREATE_CHILD_SA exchange: new Child SA, Child SA rekey, IKE SA rekey, PFS, collisions (RFC 7296 1.3, 2.8, 2.18, 2.25). */
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
 * Make before break. A rekeyed Child SA never leaves a gap:
 *  - the initiator of the rekey installs the new pair when the answer
 *    comes, sends on the new SA at once, then deletes the old one;
 *  - the responder installs the new inbound and outbound SAs when it
 *    answers, but keeps sending on the old SA until the initiator deletes
 *    it (the initiator may not have the new inbound SA yet before that);
 *  - an old inbound SA outlives its deletion by VPN_OLD_IN_GRACE_MS for
 *    the packets still in flight.
 * Collisions (2.8.1): when both ends rekey the same SA, both exchanges
 * complete; the new SA made with the lowest of the four nonces is
 * redundant and is deleted by whoever initiated it, the other replaces
 * the old SA (which the winner's initiator deletes).
 */

/* --------------------------------------------------------------- lifetimes */

void
vpn_lifetimes(uint32_t lifetime_s, uint64_t now, uint64_t *rekey_at, uint64_t *expire_at)
{
	uint64_t life = (uint64_t)lifetime_s * 1000;
	uint64_t margin = life * VPN_REKEY_MARGIN_PCT / 100;
	uint32_t r;

	vpn_random(&r, sizeof(r));
	margin += (uint64_t)r % (life * VPN_REKEY_JITTER_PCT / 100 + 1);
	*expire_at = now + life;
	*rekey_at = now + life - margin;
}

/* ------------------------------------------------------------- Child SAs */

struct child_sa *
child_sa_new(struct ike_sa *sa, bool we_initiated)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ike = sa;
	c->we_initiated = we_initiated;
	c->st = VPN_SA_CONNECTING;
	if (!(c->spi_in = vpn_spi_get(sa->vpn))) {
		free(c);
		return NULL;
	}
	return c;
}

static void
stats_read(struct child_sa *c, struct vpn_counters *o)
{
	struct vpn	   *v = c->ike->vpn;
	struct esp_sa_stats in, out;
	uint32_t	    id = vpn_tunnel_esp_id(c->ike->tun);

	memset(o, 0, sizeof(*o));
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (!v->be)
		return;
	if (c->in_installed)
		(void)esp_sa_stats_get(v->be, id, c->spi_in, ESP_IN, &in);
	if (c->out_installed)
		(void)esp_sa_stats_get(v->be, id, c->spi_out, ESP_OUT, &out);
	o->packets_in = in.packets_in;
	o->bytes_in = in.bytes_in;
	o->packets_out = out.packets_out;
	o->bytes_out = out.bytes_out;
	o->auth_fail = in.auth_fail;
	o->replay_drop = in.replay_drop;
	o->decrypt_err = in.decrypt_err;
	o->out_drop = out.out_drop;
	if (in.last_in_ms > c->ike->last_rx_ms)
		c->ike->last_rx_ms = in.last_in_ms;
}

/* The counters are monotonic while the SA lives: c->last is what was
 * read last, and what it had when it went is added to the tunnel. */
void
child_sa_stats(struct child_sa *c, struct vpn_counters *o)
{
	stats_read(c, o);
	c->last = *o;
}

static void
counters_add(struct vpn_counters *a, const struct vpn_counters *b)
{
	a->packets_in += b->packets_in;
	a->bytes_in += b->bytes_in;
	a->packets_out += b->packets_out;
	a->bytes_out += b->bytes_out;
	a->auth_fail += b->auth_fail;
	a->replay_drop += b->replay_drop;
	a->decrypt_err += b->decrypt_err;
	a->out_drop += b->out_drop;
}

void
child_out_remove(struct child_sa *c)
{
	struct vpn	   *v = c->ike->vpn;
	struct esp_sa_stats st;
	uint32_t	    id = vpn_tunnel_esp_id(c->ike->tun);

	if (!c->out_installed)
		return;
	if (esp_sa_stats_get(v->be, id, c->spi_out, ESP_OUT, &st) == 0) {
		struct vpn_counters k = { .packets_out = st.packets_out,
			.bytes_out = st.bytes_out,
			.out_drop = st.out_drop };

		counters_add(&c->ike->tun->gone, &k);
		c->last.packets_out = c->last.bytes_out = c->last.out_drop = 0;
	}
	(void)esp_sa_del(v->be, id, c->spi_out, ESP_OUT);
	c->out_installed = c->out_active = false;
}

static void
child_in_remove(struct child_sa *c)
{
	struct vpn	   *v = c->ike->vpn;
	struct esp_sa_stats st;
	uint32_t	    id = vpn_tunnel_esp_id(c->ike->tun);

	if (!c->in_installed)
		return;
	if (esp_sa_stats_get(v->be, id, c->spi_in, ESP_IN, &st) == 0) {
		struct vpn_counters k = { .packets_in = st.packets_in,
			.bytes_in = st.bytes_in,
			.auth_fail = st.auth_fail,
			.replay_drop = st.replay_drop,
			.decrypt_err = st.decrypt_err };

		counters_add(&c->ike->tun->gone, &k);
	}
	(void)esp_sa_del(v->be, id, c->spi_in, ESP_IN);
	c->in_installed = false;
}

void
child_sa_free(struct child_sa *c)
{
	struct ike_sa *sa;

	if (!c)
		return;
	sa = c->ike;
	child_out_remove(c);
	child_in_remove(c);
	ike_sa_child_forget(sa, c);
	vpn_spi_put(sa->vpn, c->spi_in);
	OPENSSL_cleanse(c->ni, sizeof(c->ni));
	OPENSSL_cleanse(c->nr, sizeof(c->nr));
	free(c);
}

/* Take c out of its IKE SA's list (if it is there) and free it. */
void
child_unlink_free(struct child_sa *c)
{
	for (struct child_sa **pp = &c->ike->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	child_sa_free(c);
}

struct child_sa *
child_sa_by_out(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

struct child_sa *
child_sa_by_in(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

static void
esp_cfg_of(const struct child_sa *c, const struct vpn_tunnel_cfg *tc, struct esp_sa_cfg *e)
{
	uint64_t kb = tc->child_lifetime_kb ? tc->child_lifetime_kb : VPN_CHILD_LIFE_KB;
	uint32_t r;

	esp_sa_cfg_init(e);
	e->encr = c->suite.encr;
	e->encr_bits = c->suite.encr_keylen;
	e->integ = c->suite.integ;
	e->esn = c->suite.esn == IKE_ESN_YES;
	if (tc->replay_set)
		e->replay_window = tc->replay_window;
	/* RFC 4301 4.4.2.1: hard at the limit, soft (rekey) before it with
	 * jitter, so that the two ends do not rekey at once */
	vpn_random(&r, sizeof(r));
	e->hard_bytes = kb * 1024;
	e->soft_bytes =
	    e->hard_bytes - e->hard_bytes / 10 - (uint64_t)r % (e->hard_bytes / 20 + 1);
}

int
child_sa_install(struct child_sa *c, const struct secret *g_ir, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, bool activate)
{
	struct ike_sa	     *sa = c->ike;
	struct vpn_tunnel    *t = sa->tun;
	struct vpn	     *v = sa->vpn;
	struct ike_child_keys k;
	struct esp_sa_cfg     in, out;
	uint32_t	      id = vpn_tunnel_esp_id(t);
	uint64_t	      now = vpn_now();
	int		      rc;

	memset(&k, 0, sizeof(k));
	esp_cfg_of(c, &t->p.cfg, &in);
	esp_cfg_of(c, &t->p.cfg, &out);
	if (!v->be) {
		rc = -ENODEV;
		goto out;
	}
	if ((rc = ike_child_keys_derive(sa->suite.prf, &sa->sk_d, g_ir,
		 wire_rd_init(ni, ni_len), wire_rd_init(nr, nr_len), &c->suite, &k)) != 0)
		goto out;
	/* RFC 7296 2.17: ei/ai protect what the exchange's initiator sends */
	in.spi = c->spi_in;
	out.spi = c->spi_out;
	secret_copy(&in.encr_key, c->we_initiated ? &k.er : &k.ei);
	secret_copy(&in.integ_key, c->we_initiated ? &k.ar : &k.ai);
	secret_copy(&out.encr_key, c->we_initiated ? &k.ei : &k.er);
	secret_copy(&out.integ_key, c->we_initiated ? &k.ai : &k.ar);
	if ((rc = esp_sa_add_in(v->be, id, &in)) != 0)
		goto out;
	c->in_installed = true;
	if ((rc = esp_sa_add_out(v->be, id, &out)) != 0)
		goto out;
	c->out_installed = true;
	if (activate)
		child_sa_activate(c);
	c->udp_encap = t->esp_udp;
	c->st = VPN_SA_ESTABLISHED;
	c->established_ms = now;
	memcpy(c->ni, ni, ni_len);
	c->ni_len = (uint16_t)ni_len;
	memcpy(c->nr, nr, nr_len);
	c->nr_len = (uint16_t)nr_len;
	vpn_lifetimes(t->p.cfg.child_lifetime_s ? t->p.cfg.child_lifetime_s :
						  VPN_CHILD_LIFETIME,
	    now, &c->rekey_at_ms, &c->expire_at_ms);
	/* the end that did not make it rekeys only if the other did not */
	if (!c->we_initiated)
		c->rekey_at_ms += (c->expire_at_ms - c->rekey_at_ms) / 2;
out:
	if (rc != 0) {
		char buf[96];

		ike_suite_print(&c->suite, buf, sizeof(buf));
		log_err(LOG_MOD_VPN, "%s: cannot install Child SA %08x/%08x (%s): %s",
		    ike_sa_name(sa), c->spi_in, c->spi_out, buf, strerror(-rc));
		child_out_remove(c);
		child_in_remove(c);
	}
	ike_child_keys_wipe(&k);
	esp_sa_cfg_wipe(&in);
	esp_sa_cfg_wipe(&out);
	return rc;
}

void
child_sa_activate(struct child_sa *c)
{
	struct vpn *v = c->ike->vpn;
	int	    rc;

	if (!c->out_installed || c->out_active)
		return;
	if ((rc = esp_sa_switch_out(v->be, vpn_tunnel_esp_id(c->ike->tun), c->spi_out)) != 0) {
		log_err(LOG_MOD_VPN, "%s: cannot switch to Child SA %08x: %s",
		    ike_sa_name(c->ike), c->spi_out, strerror(-rc));
		return;
	}
	/* only one outbound SA is active per tunnel */
	for (struct ike_sa *sa = c->ike->tun->ikes; sa; sa = sa->next)
		for (struct child_sa *o = sa->children; o; o = o->next)
			if (o != c)
				o->out_active = false;
	c->out_active = true;
}

uint64_t
child_sa_next_event(const struct child_sa *c)
{
	uint64_t at = c->drop_in_at_ms;

	if (c->st == VPN_SA_ESTABLISHED && c->rekey_at_ms && (!at || c->rekey_at_ms < at))
		at = c->rekey_at_ms;
	if ((c->st == VPN_SA_ESTABLISHED || c->st == VPN_SA_REKEYING) && c->expire_at_ms &&
	    (!at || c->expire_at_ms < at))
		at = c->expire_at_ms;
	return at;
}

void
child_sa_tick(struct child_sa *c, uint64_t now)
{
	struct ike_sa *sa = c->ike;

	if (c->drop_in_at_ms && now >= c->drop_in_at_ms) {
		child_unlink_free(c); /* the grace of a replaced SA is over */
		return;
	}
	if ((c->st == VPN_SA_ESTABLISHED || c->st == VPN_SA_REKEYING) && c->expire_at_ms &&
	    now >= c->expire_at_ms) {
		log_warn(LOG_MOD_VPN, "%s: Child SA %08x/%08x expired before a rekey",
		    ike_sa_name(sa), c->spi_in, c->spi_out);
		c->st = VPN_SA_DELETING;
		c->expire_at_ms = 0;
		child_out_remove(c);
		ike_task_add(sa, IKE_T_CHILD_DELETE, c, c->spi_in);
		vpn_tunnel_sa_gone(sa->tun, VPN_R_EXPIRED, "the Child SA's lifetime ran out");
		return;
	}
	if (c->st == VPN_SA_ESTABLISHED && c->rekey_at_ms && now >= c->rekey_at_ms) {
		c->rekey_at_ms = 0;
		ike_task_add(sa, IKE_T_CHILD_REKEY, c, 0);
	}
}

/* ------------------------------------------------------------ exchanges */

/* Which nonce is lowest (RFC 7296 2.8.1)? true: a's pair holds it. */
static bool
nonce_lowest_in(const uint8_t *a1, size_t l1, const uint8_t *a2, size_t l2, const uint8_t *b1,
    size_t m1, const uint8_t *b2, size_t m2)
{
	const uint8_t *n[4] = { a1, a2, b1, b2 };
	size_t	       l[4] = { l1, l2, m1, m2 };
	unsigned       lo = 0;

	for (unsigned i = 1; i < 4; i++) {
		size_t k = l[i] < l[lo] ? l[i] : l[lo];
		int    c = memcmp(n[i], n[lo], k);

		if (c < 0 || (c == 0 && l[i] < l[lo]))
			lo = i;
	}
	return lo < 2;
}

static uint16_t
esp_pfs_group(const struct vpn_tunnel *t)
{
	return t->p.esp[0].n[IKE_XF_DH] ? t->p.esp[0].alg[IKE_XF_DH][0].id : 0;
}

/*
 * The proposals of an IKE SA rekey. RFC 7296 2.18 derives the new keys
 * with the new SA's PRF, but strongSwan 5.x uses the old SA's PRF for
 * prf+ as well: the two agree only when the PRF stays. So a rekey offers
 * the SA's own suite first and then our proposals that can keep its PRF
 * (their PRF list cut to it); as responder we pick from the same list
 * and fall back to everything only when that fails.
 */
static uint8_t
ike_rekey_props(const struct ike_sa *sa, struct ike_proposal *out, bool with_suite)
{
	const struct vpn_tunnel *t = sa->tun;
	const struct ike_suite	*s = &sa->suite;
	uint8_t			 n = 0;

	if (with_suite) {
		struct ike_proposal *p = &out[n++];

		memset(p, 0, sizeof(*p));
		p->proto = IPSEC_PROTO_IKE;
		p->alg[IKE_XF_ENCR][p->n[IKE_XF_ENCR]++] =
		    (struct ike_alg){ s->encr, s->encr_keylen };
		p->alg[IKE_XF_PRF][p->n[IKE_XF_PRF]++] = (struct ike_alg){ s->prf, 0 };
		if (s->integ)
			p->alg[IKE_XF_INTEG][p->n[IKE_XF_INTEG]++] =
			    (struct ike_alg){ s->integ, 0 };
		p->alg[IKE_XF_DH][p->n[IKE_XF_DH]++] = (struct ike_alg){ s->dh, 0 };
	}
	for (unsigned i = 0; i < t->p.nike && n < IKE_PROP_MAX; i++) {
		const struct ike_proposal *q = &t->p.ike[i];
		bool			   has = false;

		for (unsigned j = 0; j < q->n[IKE_XF_PRF]; j++)
			has |= q->alg[IKE_XF_PRF][j].id == s->prf;
		if (!has)
			continue;
		out[n] = *q;
		out[n].n[IKE_XF_PRF] = 1;
		out[n].alg[IKE_XF_PRF][0] = (struct ike_alg){ s->prf, 0 };
		n++;
	}
	return n;
}

void
ike_child_start(struct ike_sa *sa, const struct ike_task *task)
{
	struct vpn_tunnel  *t = sa->tun;
	struct vpn	   *v = sa->vpn;
	struct wire_wr	    w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_pending  p;
	struct ike_sa_pl   *sapl = NULL;
	struct ike_ts	    tsi[VPN_TS_MAXN], tsr[VPN_TS_MAXN];
	size_t		    ntsi, ntsr;
	struct child_sa	   *old = task->child;
	struct ike_sa	   *ns = NULL;
	struct ike_hdr	    h;
	struct ike_enc	    e;
	uint8_t		    ke[1024], spi[4];
	size_t		    kelen = 0;
	uint16_t	    group;
	struct ike_proposal rk[IKE_PROP_MAX];
	uint8_t		    nrk;
	int		    rc = -ENOMEM;

	memset(&p, 0, sizeof(p));
	if (task->kind == IKE_T_CHILD_REKEY && (!old || old->st != VPN_SA_ESTABLISHED)) {
		ike_task_run(sa); /* gone or rekeyed by the peer meanwhile */
		return;
	}
	if (!(sapl = malloc(sizeof(*sapl))))
		goto out;
	vpn_random(p.nonce, sizeof(p.nonce));
	p.kind = task->kind;
	p.exchange = IKE_CREATE_CHILD_SA;
	p.msgid = sa->msgid_out;
	p.old = old;
	if (task->kind == IKE_T_IKE_REKEY) {
		uint64_t nspi;

		group = task->dh_group ? task->dh_group : sa->suite.dh;
		if (!(ns = ike_sa_new(t, true)))
			goto out;
		do
			vpn_random(&nspi, sizeof(nspi));
		while (nspi == 0 || ike_sa_find(v, nspi));
		ike_sa_spi_set(ns, nspi, 0);
		ns->st = IKE_ST_REKEYING;
		ns->parent = sa;
		nrk = ike_rekey_props(sa, rk, true);
		if ((rc = ike_prop_to_sa(rk, nrk, 8, nspi, 0, sapl)) != 0)
			goto out;
		p.new_ike = ns;
	} else {
		group = task->dh_group ? task->dh_group : esp_pfs_group(t);
		if (!(p.child = child_sa_new(sa, true)))
			goto out;
		if ((rc = ike_prop_to_sa(t->p.esp, t->p.nesp, 4, p.child->spi_in, 0, sapl)) !=
		    0)
			goto out;
	}
	if (group &&
	    ((rc = ike_dh_new(group, &p.dh)) != 0 ||
		(rc = ike_dh_public(p.dh, ke, sizeof(ke), &kelen)) != 0))
		goto out;
	ike_sa_hdr(sa, &h, IKE_CREATE_CHILD_SA, false, sa->msgid_out);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	if (task->kind == IKE_T_CHILD_REKEY) {
		/* RFC 7296 1.3.3: the SA being replaced, by our inbound SPI */
		for (int i = 0; i < 4; i++)
			spi[i] = (uint8_t)(old->spi_in >> (24 - 8 * i));
		ike_enc_notify(&e, IPSEC_PROTO_ESP, IKE_N_REKEY_SA, spi, 4, NULL, 0);
	}
	ike_enc_sa(&e, sapl);
	ike_enc_nonce(&e, p.nonce, sizeof(p.nonce));
	if (group)
		ike_enc_ke(&e, group, ke, kelen);
	if (task->kind != IKE_T_IKE_REKEY) {
		if (old) { /* the same selectors as the SA it replaces */
			memcpy(tsi, old->tsi, old->ntsi * sizeof(tsi[0]));
			memcpy(tsr, old->tsr, old->ntsr * sizeof(tsr[0]));
			ntsi = old->ntsi;
			ntsr = old->ntsr;
		} else {
			ntsi = ike_ts_ours(t, true, tsi, VPN_TS_MAXN);
			ntsr = ike_ts_ours(t, false, tsr, VPN_TS_MAXN);
		}
		ike_enc_ts(&e, IKE_PL_TSI, tsi, ntsi);
		ike_enc_ts(&e, IKE_PL_TSR, tsr, ntsr);
	}
	if ((rc = ike_sa_seal(sa, &e, &w, &h, &p.out)) != 0)
		goto out;
	if (old)
		old->st = VPN_SA_REKEYING;
	rc = ike_sa_request(sa, &p);
	log_debug(LOG_MOD_VPN, "%s: CREATE_CHILD_SA (%s)", ike_sa_name(sa),
	    task->kind == IKE_T_IKE_REKEY ? "IKE SA rekey" :
		old			  ? "Child SA rekey" :
					    "new Child SA");
	memset(&p, 0, sizeof(p));
	ns = NULL;
out:
	free(sapl);
	if (rc != 0) {
		log_err(LOG_MOD_VPN, "%s: cannot build CREATE_CHILD_SA: %s", ike_sa_name(sa),
		    strerror(-rc));
		if (p.child)
			child_sa_free(p.child);
		ike_dh_free(p.dh);
		ike_out_free(&p.out);
		if (ns)
			ike_sa_destroy(ns);
	}
}

/* Move every Child SA of from to to (an IKE SA rekey). */
static void
children_move(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children) {
		struct child_sa *c = from->children;

		from->children = c->next;
		ike_sa_child_forget(from, c);
		c->ike = to;
		c->next = to->children;
		to->children = c;
	}
}

/* What the new IKE SA inherits from the one it replaces. */
static void
ike_inherit(struct ike_sa *ns, const struct ike_sa *sa)
{
	ns->sock = sa->sock;
	ns->remote = sa->remote;
	ns->rport = sa->rport;
	ns->natt = sa->natt;
	ns->nat_local = sa->nat_local;
	ns->nat_remote = sa->nat_remote;
	ns->peer_frag = sa->peer_frag;
	ns->peer_sighash = sa->peer_sighash;
	ns->peer_id = sa->peer_id;
	memcpy(ns->peer_auth, sa->peer_auth, sizeof(ns->peer_auth));
	ns->last_dpd_ms = sa->last_dpd_ms;
}

/* The keys of an IKE SA made by rekeying sa (RFC 7296 2.18). */
static int
ike_rekey_keys(struct ike_sa *ns, const struct ike_sa *sa, const struct ike_suite *s,
    const struct secret *gir, const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl)
{
	struct secret	seed;
	struct ike_keys k;
	int		rc;

	memset(&k, 0, sizeof(k));
	memset(&seed, 0, sizeof(seed));
	if ((rc = ike_skeyseed_rekey(sa->suite.prf, &sa->sk_d, gir, wire_rd_init(ni, nil),
		 wire_rd_init(nr, nrl), &seed)) == 0 &&
	    (rc = ike_keys_derive(s, &seed, wire_rd_init(ni, nil), wire_rd_init(nr, nrl),
		 ns->ispi, ns->rspi, &k)) == 0 &&
	    (rc = ike_sk_init(&ns->sk, s, &k, ns->initiator)) == 0) {
		ike_keys_set(ns, &k);
		ns->suite = *s;
		memcpy(ns->ni, ni, nil);
		ns->ni_len = (uint16_t)nil;
		memcpy(ns->nr, nr, nrl);
		ns->nr_len = (uint16_t)nrl;
	}
	ike_keys_wipe(&k);
	secret_wipe(&seed);
	return rc;
}

static void
retry_later(struct ike_sa *sa, enum ike_task_kind kind, struct child_sa *c, uint16_t group,
    uint64_t min_ms, uint64_t spread_ms)
{
	uint32_t r;

	vpn_random(&r, sizeof(r));
	if (sa->ntasks == IKE_TASKS_MAX)
		return;
	sa->tasks[sa->ntasks++] = (struct ike_task){ .kind = kind,
		.child = c,
		.dh_group = group,
		.not_before_ms = vpn_now() + min_ms + r % (spread_ms + 1) };
}

/* The answer to our CREATE_CHILD_SA. */
void
ike_child_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel	   *t = sa->tun;
	struct ike_pending	   *p = &sa->pend;
	const struct ike_notify_pl *n;
	enum ike_task_kind	    kind = p->kind;
	struct child_sa		   *c = p->child, *old = p->old;
	struct ike_sa		   *ns = p->new_ike;
	struct ike_suite	    s;
	struct secret		    gir;
	uint8_t			    ni[VPN_NONCE_LEN];
	struct ike_ts		    ours[VPN_TS_MAXN];
	size_t			    nl, nr;
	enum ike_err		    err;

	memset(&gir, 0, sizeof(gir));
	memcpy(ni, p->nonce, sizeof(ni));
	p->child = NULL; /* ours from here on */
	p->new_ike = NULL;
	if (old && old->st == VPN_SA_REKEYING)
		old->st = VPN_SA_ESTABLISHED;
	if ((n = ike_msg_notify_error(m))) {
		uint16_t       g = 0;
		struct wire_rd d = n->data;

		log_info(LOG_MOD_VPN, "%s: CREATE_CHILD_SA refused by the peer: %s",
		    ike_sa_name(sa), ike_notify_name(n->type));
		if (n->type == IKE_N_INVALID_KE_PAYLOAD && wire_get_u16(&d, &g))
			retry_later(sa, kind, old, g, 0, 0); /* RFC 7296 1.3: its group */
		else if (n->type == IKE_N_TEMPORARY_FAILURE)
			retry_later(sa, kind, old, 0, 1000, 4000); /* 2.25: later */
		else if (n->type == IKE_N_CHILD_SA_NOT_FOUND && old) {
			/* the peer has no such SA: ours is of no use (2.25) */
			old->st = VPN_SA_DELETING;
			child_out_remove(old);
			child_unlink_free(old);
			old = NULL;
			vpn_tunnel_sa_gone(t, VPN_R_PEER_DELETE, "the peer lost the Child SA");
		} else if (kind == IKE_T_CHILD_NEW)
			vpn_tunnel_sa_gone(t,
			    n->type == IKE_N_TS_UNACCEPTABLE	    ? VPN_R_TS_UNACCEPTABLE :
				n->type == IKE_N_NO_PROPOSAL_CHOSEN ? VPN_R_NO_PROPOSAL :
								      VPN_R_PEER_ERROR,
			    ike_notify_name(n->type));
		else /* a rekey: the SA goes on; try again in a while */
			retry_later(sa, kind, old, 0, 30000, 30000);
		goto fail;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    m->nonce.len < IKE_NONCE_MIN)
		goto bad;
	if (kind == IKE_T_IKE_REKEY) {
		struct ike_proposal rk[IKE_PROP_MAX];
		uint8_t		    nrk = ike_rekey_props(sa, rk, true);

		if (!ns || ike_prop_check_reply(rk, nrk, &m->sa, 0, &s) != IKE_OK ||
		    s.spi_size != 8 || s.spi == 0 || !ike_msg_has(m, IKE_PL_KE) ||
		    m->ke.group != s.dh || !p->dh || ike_dh_group(p->dh) != s.dh ||
		    ike_dh_derive(p->dh, m->ke.data.p, m->ke.data.len, &gir) != 0)
			goto bad;
		ike_sa_spi_set(ns, ns->ispi, s.spi);
		if (ike_rekey_keys(ns, sa, &s, &gir, ni, sizeof(ni), m->nonce.p,
			m->nonce.len) != 0)
			goto bad;
		ike_inherit(ns, sa);
		ike_sa_request_done(sa); /* sa's message IDs go on until it is deleted */
		ike_sa_established(ns);
		ns->parent = NULL;
		if (sa->peer_rekey &&
		    nonce_lowest_in(ns->ni, ns->ni_len, ns->nr, ns->nr_len, sa->peer_rekey->ni,
			sa->peer_rekey->ni_len, sa->peer_rekey->nr, sa->peer_rekey->nr_len)) {
			/* ours is redundant: the peer's replaces sa, ours goes */
			log_info(LOG_MOD_VPN, "%s: IKE SA rekey collision: the peer's SA wins",
			    ike_sa_name(sa));
			children_move(sa, sa->peer_rekey);
			sa->rekeyed_to = sa->peer_rekey;
			sa->st = IKE_ST_REKEYED;
			sa->rekey_at_ms = vpn_now() + VPN_SETUP_TIMEOUT_MS;
			ike_task_add(ns, IKE_T_IKE_DELETE, NULL, 0);
			ns->st = IKE_ST_DELETING;
		} else {
			if (sa->peer_rekey)
				log_info(LOG_MOD_VPN, "%s: IKE SA rekey collision: ours wins",
				    ike_sa_name(sa));
			children_move(sa, ns);
			sa->rekeyed_to = ns;
			sa->st = IKE_ST_REKEYED;
			ike_task_add(sa, IKE_T_IKE_DELETE, NULL, 0);
		}
		log_info(LOG_MOD_VPN, "%s: rekeyed", ike_sa_name(ns));
		ike_sa_schedule(ns);
		goto out;
	}
	/* a Child SA: new or a rekey */
	err = ike_prop_check_reply(t->p.esp, t->p.nesp, &m->sa, 0, &s);
	if (err != IKE_OK || s.spi_size != 4 || s.spi < 256 || !c)
		goto bad;
	if (s.dh &&
	    (!p->dh || ike_dh_group(p->dh) != s.dh || !ike_msg_has(m, IKE_PL_KE) ||
		m->ke.group != s.dh ||
		ike_dh_derive(p->dh, m->ke.data.p, m->ke.data.len, &gir) != 0))
		goto bad;
	nl = ike_ts_ours(t, true, ours, VPN_TS_MAXN);
	nr = ike_ts_ours(t, false, ours + nl, VPN_TS_MAXN - nl);
	if (!ike_msg_has(m, IKE_PL_TSI) || !ike_msg_has(m, IKE_PL_TSR) ||
	    !ike_ts_within(ours, nl, &m->tsi) || !ike_ts_within(ours + nl, nr, &m->tsr))
		goto bad;
	c->spi_out = (uint32_t)s.spi;
	c->suite = s;
	c->ntsi = m->tsi.n;
	c->ntsr = m->tsr.n;
	memcpy(c->tsi, m->tsi.ts, m->tsi.n * sizeof(c->tsi[0]));
	memcpy(c->tsr, m->tsr.ts, m->tsr.n * sizeof(c->tsr[0]));
	c->next = sa->children;
	sa->children = c;
	if (child_sa_install(c, s.dh ? &gir : NULL, ni, sizeof(ni), m->nonce.p, m->nonce.len,
		false) != 0) {
		sa->children = c->next;
		child_sa_free(c);
		c = NULL;
		ike_sa_request_done(sa);
		if (kind == IKE_T_CHILD_NEW)
			vpn_tunnel_sa_gone(t, VPN_R_INTERNAL,
			    "the dataplane refused the Child SA");
		goto out;
	}
	ike_sa_request_done(sa);
	if (kind == IKE_T_CHILD_REKEY && old && old->peer_rekey &&
	    nonce_lowest_in(c->ni, c->ni_len, c->nr, c->nr_len, old->peer_rekey->ni,
		old->peer_rekey->ni_len, old->peer_rekey->nr, old->peer_rekey->nr_len)) {
		/* 2.8.1: ours is redundant; the peer's replaces old and the
		 * peer deletes old */
		log_info(LOG_MOD_VPN, "%s: Child SA rekey collision: the peer's SA wins",
		    ike_sa_name(sa));
		c->st = VPN_SA_DELETING;
		ike_task_add(sa, IKE_T_CHILD_DELETE, c, c->spi_in);
		goto out;
	}
	child_sa_activate(c);
	if (kind == IKE_T_CHILD_REKEY && old) {
		if (old->peer_rekey)
			log_info(LOG_MOD_VPN, "%s: Child SA rekey collision: ours wins",
			    ike_sa_name(sa));
		c->replaces = old;
		old->st = VPN_SA_REKEYED;
		old->replaced = true;
		ike_task_add(sa, IKE_T_CHILD_DELETE, old, old->spi_in);
		log_info(LOG_MOD_VPN, "%s: Child SA %08x/%08x rekeyed to %08x/%08x",
		    ike_sa_name(sa), old->spi_in, old->spi_out, c->spi_in, c->spi_out);
	} else
		vpn_tunnel_child_up(t, c);
	if (sa->st != IKE_ST_DEAD)
		ike_sa_schedule(sa);
	goto out;
bad:
	log_warn(LOG_MOD_VPN, "%s: the peer's CREATE_CHILD_SA answer is not acceptable",
	    ike_sa_name(sa));
	if (kind == IKE_T_CHILD_NEW)
		vpn_tunnel_sa_gone(t, VPN_R_NO_PROPOSAL, "unacceptable Child SA answer");
	else
		retry_later(sa, kind, old, 0, 30000, 30000);
fail:
	if (c)
		child_sa_free(c);
	if (ns)
		ike_sa_destroy(ns);
	ike_sa_request_done(sa);
out:
	secret_wipe(&gir);
	OPENSSL_cleanse(ni, sizeof(ni));
}

/* ------------------------------------------------------------ responder */

static void
child_answer(struct ike_sa *sa, const struct ike_msg *m, uint8_t proto, uint16_t type,
    const void *spi, uint8_t spi_size, const void *data, size_t len)
{
	struct vpn    *v = sa->vpn;
	struct wire_wr w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out o = { 0 };
	struct ike_hdr h;
	struct ike_enc e;

	ike_sa_hdr(sa, &h, IKE_CREATE_CHILD_SA, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_notify(&e, proto, type, spi, spi_size, data, len);
	if (ike_sa_seal(sa, &e, &w, &h, &o) == 0)
		(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	ike_out_free(&o);
}

static void
child_answer_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type, const void *data,
    size_t len)
{
	child_answer(sa, m, 0, type, NULL, 0, data, len);
}

static void
ike_rekey_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel  *t = sa->tun;
	struct vpn	   *v = sa->vpn;
	struct wire_wr	    w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out	    o = { 0 };
	struct ike_sa_pl   *sapl = NULL;
	struct ike_sa	   *ns = NULL;
	struct ike_dh	   *dh = NULL;
	struct ike_suite    s;
	struct secret	    gir;
	struct ike_hdr	    h;
	struct ike_enc	    e;
	uint8_t		    ke[1024], nr[VPN_NONCE_LEN];
	struct ike_proposal rk[IKE_PROP_MAX];
	uint8_t		    nrk;
	size_t		    kelen;
	uint64_t	    rspi;

	memset(&gir, 0, sizeof(gir));
	nrk = ike_rekey_props(sa, rk, true);
	if ((nrk == 0 || ike_prop_select(rk, nrk, &m->sa, 0, &s) != IKE_OK) &&
	    ike_prop_select(t->p.ike, t->p.nike, &m->sa, 0, &s) != IKE_OK)
		s.spi_size = 0;
	if (s.spi_size != 8 || s.spi == 0) {
		child_answer_notify(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (!ike_msg_has(m, IKE_PL_KE) || m->ke.group != s.dh) {
		uint8_t g[2] = { (uint8_t)(s.dh >> 8), (uint8_t)s.dh };

		child_answer_notify(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	do
		vpn_random(&rspi, sizeof(rspi));
	while (rspi == 0 || ike_sa_find(v, rspi));
	vpn_random(nr, sizeof(nr));
	if (!(sapl = malloc(sizeof(*sapl))) || !(ns = ike_sa_new(t, false)) ||
	    ike_dh_new(s.dh, &dh) != 0 || ike_dh_public(dh, ke, sizeof(ke), &kelen) != 0 ||
	    ike_dh_derive(dh, m->ke.data.p, m->ke.data.len, &gir) != 0)
		goto fail;
	ike_sa_spi_set(ns, s.spi, rspi);
	if (ike_rekey_keys(ns, sa, &s, &gir, m->nonce.p, m->nonce.len, nr, sizeof(nr)) != 0)
		goto fail;
	ike_inherit(ns, sa);
	ike_suite_to_sa(&s, 8, rspi, sapl);
	ike_sa_hdr(sa, &h, IKE_CREATE_CHILD_SA, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_sa(&e, sapl);
	ike_enc_nonce(&e, nr, sizeof(nr));
	ike_enc_ke(&e, s.dh, ke, kelen);
	if (ike_sa_seal(sa, &e, &w, &h, &o) != 0)
		goto fail;
	(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	ike_sa_established(ns);
	if (sa->pend_active && sa->pend.kind == IKE_T_IKE_REKEY) {
		/* both rekey at once (2.8.1): decided when our answer comes */
		sa->peer_rekey = ns;
	} else {
		children_move(sa, ns);
		sa->rekeyed_to = ns;
		sa->st = IKE_ST_REKEYED;
		/* the peer deletes sa; if it does not, sa goes after this */
		sa->rekey_at_ms = vpn_now() + VPN_SETUP_TIMEOUT_MS;
		ike_sa_schedule(sa);
	}
	log_info(LOG_MOD_VPN, "%s: rekeyed by the peer", ike_sa_name(ns));
	goto out;
fail:
	child_answer_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
	if (ns)
		ike_sa_destroy(ns);
out:
	ike_out_free(&o);
	ike_dh_free(dh);
	free(sapl);
	secret_wipe(&gir);
	OPENSSL_cleanse(nr, sizeof(nr));
}

void
ike_child_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel	   *t = sa->tun;
	struct vpn		   *v = sa->vpn;
	struct wire_wr		    w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out		    o = { 0 };
	const struct ike_notify_pl *rk;
	struct ike_sa_pl	   *sapl = NULL;
	struct child_sa		   *old = NULL, *c = NULL;
	struct ike_dh		   *dh = NULL;
	struct ike_suite	    s;
	struct secret		    gir;
	struct ike_ts  ol[VPN_TS_MAXN], orr[VPN_TS_MAXN], tsi[VPN_TS_MAXN], tsr[VPN_TS_MAXN];
	size_t	       nol, nor, ntsi, ntsr, kelen = 0;
	uint8_t	       ke[1024], nr[VPN_NONCE_LEN];
	struct ike_hdr h;
	struct ike_enc e;
	bool	       ike_rekey;

	memset(&gir, 0, sizeof(gir));
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    m->nonce.len < IKE_NONCE_MIN || m->sa.nprop == 0) {
		child_answer_notify(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	ike_rekey = m->sa.prop[0].proto == IPSEC_PROTO_IKE;
	/* RFC 7296 2.25: not now, when it would cross an exchange of ours
	 * it cannot be combined with, or the SA is going */
	if (sa->st != IKE_ST_ESTABLISHED ||
	    (sa->pend_active && (sa->pend.kind == IKE_T_IKE_REKEY) != ike_rekey &&
		sa->pend.exchange == IKE_CREATE_CHILD_SA) ||
	    (sa->pend_active && sa->pend.kind == IKE_T_IKE_DELETE)) {
		child_answer_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (ike_rekey) {
		ike_rekey_request(sa, m);
		return;
	}
	if ((rk = ike_msg_notify(m, IKE_N_REKEY_SA))) {
		struct wire_rd d = rk->spi;
		uint32_t       spi;

		if (rk->spi_size != 4 || !wire_get_u32(&d, &spi) ||
		    !(old = child_sa_by_out(sa, spi)) || old->st == VPN_SA_REKEYED ||
		    old->st == VPN_SA_DELETING) {
			/* RFC 7296 2.25: with the SPI it named */
			child_answer(sa, m, rk->proto, IKE_N_CHILD_SA_NOT_FOUND, rk->spi.p,
			    rk->spi_size == 4 ? 4 : 0, NULL, 0);
			return;
		}
	}
	if (ike_prop_select(t->p.esp, t->p.nesp, &m->sa, 0, &s) != IKE_OK || s.spi_size != 4 ||
	    s.spi < 256) {
		log_warn(LOG_MOD_VPN,
		    "%s: CREATE_CHILD_SA: the peer's ESP proposals match none "
		    "of ours",
		    ike_sa_name(sa));
		child_answer_notify(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (s.dh && (!ike_msg_has(m, IKE_PL_KE) || m->ke.group != s.dh)) {
		uint8_t g[2] = { (uint8_t)(s.dh >> 8), (uint8_t)s.dh };

		child_answer_notify(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	nol = ike_ts_ours(t, true, ol, VPN_TS_MAXN);
	nor = ike_ts_ours(t, false, orr, VPN_TS_MAXN);
	if (!ike_msg_has(m, IKE_PL_TSI) || !ike_msg_has(m, IKE_PL_TSR) ||
	    !(ntsi = ike_ts_narrow(orr, nor, &m->tsi, tsi, VPN_TS_MAXN)) ||
	    !(ntsr = ike_ts_narrow(ol, nol, &m->tsr, tsr, VPN_TS_MAXN))) {
		child_answer_notify(sa, m, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	vpn_random(nr, sizeof(nr));
	if (!(sapl = malloc(sizeof(*sapl))) || !(c = child_sa_new(sa, false)))
		goto fail;
	if (s.dh &&
	    (ike_dh_new(s.dh, &dh) != 0 || ike_dh_public(dh, ke, sizeof(ke), &kelen) != 0 ||
		ike_dh_derive(dh, m->ke.data.p, m->ke.data.len, &gir) != 0))
		goto fail;
	c->spi_out = (uint32_t)s.spi;
	c->suite = s;
	c->ntsi = (uint8_t)ntsi;
	c->ntsr = (uint8_t)ntsr;
	memcpy(c->tsi, tsi, ntsi * sizeof(tsi[0]));
	memcpy(c->tsr, tsr, ntsr * sizeof(tsr[0]));
	c->next = sa->children;
	sa->children = c;
	/* A rekey's new SA receives from now on but sends only once the
	 * peer deletes the old one (it may not have the keys yet). */
	if (child_sa_install(c, s.dh ? &gir : NULL, m->nonce.p, m->nonce.len, nr, sizeof(nr),
		!old) != 0) {
		sa->children = c->next;
		child_sa_free(c);
		c = NULL;
		goto fail;
	}
	ike_suite_to_sa(&s, 4, c->spi_in, sapl);
	ike_sa_hdr(sa, &h, IKE_CREATE_CHILD_SA, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_sa(&e, sapl);
	ike_enc_nonce(&e, nr, sizeof(nr));
	if (s.dh)
		ike_enc_ke(&e, s.dh, ke, kelen);
	ike_enc_ts(&e, IKE_PL_TSI, tsi, ntsi);
	ike_enc_ts(&e, IKE_PL_TSR, tsr, ntsr);
	if (ike_sa_seal(sa, &e, &w, &h, &o) != 0) {
		sa->children = c->next;
		child_sa_free(c);
		c = NULL;
		goto fail;
	}
	(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	if (old) {
		old->peer_rekey = c;
		old->replaced = true;
		c->replaces = old;
		log_info(LOG_MOD_VPN, "%s: Child SA %08x/%08x rekeyed by the peer to %08x/%08x",
		    ike_sa_name(sa), old->spi_in, old->spi_out, c->spi_in, c->spi_out);
	} else
		vpn_tunnel_child_up(t, c);
	ike_sa_schedule(sa);
	goto out;
fail:
	/* c, when set, is not in sa->children yet: it goes with its SPI */
	child_sa_free(c);
	child_answer_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
out:
	ike_out_free(&o);
	ike_dh_free(dh);
	free(sapl);
	secret_wipe(&gir);
	OPENSSL_cleanse(nr, sizeof(nr));
}
