/* vpn/ike_x_auth.c - the IKE_AUTH exchange, both roles: identities, PSK and certificate AUTH, INITIAL_CONTACT, the first Child SA, traffic selectors (RFC 7296 1.2, 2.9, 2.15). */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/log.h"

#define VPN_CERT_DER_MAX 8192

/* --------------------------------------------------------- traffic selectors */

static void
ts_from_prefix(const struct prefix *p, struct ike_ts *ts)
{
	size_t alen = p->family == AF_INET ? 4 : 16;

	memset(ts, 0, sizeof(*ts));
	ts->type = p->family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	ts->sport = 0;
	ts->eport = 65535;
	memcpy(ts->start, p->bytes, alen);
	memcpy(ts->end, p->bytes, alen);
	for (unsigned i = p->len; i < alen * 8; i++)
		ts->end[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

size_t
ike_ts_ours(const struct vpn_tunnel *t, bool local, struct ike_ts *out, size_t cap)
{
	const struct vpn_tunnel_cfg *c = &t->p.cfg;
	const struct prefix	    *p = local ? c->ts_local : c->ts_remote;
	size_t			     n = local ? c->nts_local : c->nts_remote, i;

	if (n == 0) {
		/* route-based: everything, both families */
		struct prefix any4 = { .family = AF_INET }, any6 = { .family = AF_INET6 };

		if (cap < 2)
			return 0;
		ts_from_prefix(&any4, &out[0]);
		ts_from_prefix(&any6, &out[1]);
		return 2;
	}
	for (i = 0; i < n && i < cap; i++)
		ts_from_prefix(&p[i], &out[i]);
	return i;
}

static size_t
ts_alen(const struct ike_ts *t)
{
	return t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

/* a within b? */
static bool
ts_inside(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t n = ts_alen(a);

	return a->type == b->type && (b->ipproto == 0 || a->ipproto == b->ipproto) &&
	    a->sport >= b->sport && a->eport <= b->eport &&
	    memcmp(a->start, b->start, n) >= 0 && memcmp(a->end, b->end, n) <= 0 &&
	    memcmp(a->start, a->end, n) <= 0;
}

size_t
ike_ts_narrow(const struct ike_ts *ours, size_t nours, const struct ike_ts_pl *got,
    struct ike_ts *out, size_t cap)
{
	size_t n = 0;

	/* RFC 7296 2.9: the intersection of what the peer proposed with what
	 * our policy allows, selector by selector */
	for (unsigned i = 0; i < got->n; i++) {
		const struct ike_ts *g = &got->ts[i];
		size_t		     alen = ts_alen(g);

		if (g->sport > g->eport || memcmp(g->start, g->end, alen) > 0)
			continue; /* OPAQUE or empty: nothing we route */
		for (size_t j = 0; j < nours && n < cap; j++) {
			const struct ike_ts *o = &ours[j];
			struct ike_ts	     x;

			if (o->type != g->type)
				continue;
			if (o->ipproto && g->ipproto && o->ipproto != g->ipproto)
				continue;
			memset(&x, 0, sizeof(x));
			x.type = g->type;
			x.ipproto = o->ipproto ? o->ipproto : g->ipproto;
			x.sport = g->sport > o->sport ? g->sport : o->sport;
			x.eport = g->eport < o->eport ? g->eport : o->eport;
			memcpy(x.start,
			    memcmp(g->start, o->start, alen) > 0 ? g->start : o->start, alen);
			memcpy(x.end, memcmp(g->end, o->end, alen) < 0 ? g->end : o->end, alen);
			if (x.sport > x.eport || memcmp(x.start, x.end, alen) > 0)
				continue;
			out[n++] = x;
		}
	}
	return n;
}

bool
ike_ts_within(const struct ike_ts *ours, size_t nours, const struct ike_ts_pl *got)
{
	if (got->n == 0)
		return false;
	for (unsigned i = 0; i < got->n; i++) {
		bool ok = false;

		for (size_t j = 0; j < nours && !ok; j++)
			ok = ts_inside(&got->ts[i], &ours[j]);
		if (!ok)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ AUTH */

/* Our AUTH payload for sa (initiator: SK_pi over our IKE_SA_INIT request
 * and Nr; responder: SK_pr over our response and Ni; RFC 7296 2.15). */
static int
auth_make(struct ike_sa *sa, const uint8_t *idbody, size_t idlen, uint8_t *method, uint8_t *out,
    size_t cap, size_t *len)
{
	struct vpn_tunnel   *t = sa->tun;
	struct ike_auth_data ad = {
		.prf = sa->suite.prf,
		.sk_p = sa->initiator ? &sa->sk_pi : &sa->sk_pr,
		.msg = sa->initiator ? wire_rd_init(sa->init_req, sa->init_req_len) :
				       wire_rd_init(sa->init_resp, sa->init_resp_len),
		.nonce = sa->initiator ? wire_rd_init(sa->nr, sa->nr_len) :
					 wire_rd_init(sa->ni, sa->ni_len),
		.id = wire_rd_init(idbody, idlen),
	};
	uint16_t hash;

	if (t->p.cfg.auth == VPN_AUTH_PSK) {
		*method = IKE_AUTH_PSK;
		return ike_auth_psk(&ad, &t->p.cfg.psk, out, cap, len);
	}
	/* RFC 7427: signatures with a hash both sides know */
	hash = ike_auth_hash_pick(t->p.key,
	    sa->peer_sighash ? sa->peer_sighash : 1u << IKE_HASH_SHA2_256);
	if (!hash)
		return -ENOTSUP;
	*method = IKE_AUTH_DIGITAL_SIG;
	return ike_auth_sign(&ad, t->p.key, IKE_AUTH_DIGITAL_SIG, hash, 0, out, cap, len);
}

/* Check the peer's identity and AUTH; 0 or -EACCES with why in err. */
static int
auth_verify(struct ike_sa *sa, const struct ike_msg *m, const struct ike_id_pl *idpl, char *err,
    size_t errlen)
{
	struct vpn_tunnel   *t = sa->tun;
	struct ike_auth_data ad = {
		.prf = sa->suite.prf,
		.sk_p = sa->initiator ? &sa->sk_pr : &sa->sk_pi,
		.msg = sa->initiator ? wire_rd_init(sa->init_resp, sa->init_resp_len) :
				       wire_rd_init(sa->init_req, sa->init_req_len),
		.nonce = sa->initiator ? wire_rd_init(sa->ni, sa->ni_len) :
					 wire_rd_init(sa->nr, sa->nr_len),
		.id = idpl->body,
	};
	struct ike_id id;
	X509	     *cert = NULL;
	char	      a[IKE_ID_MAX * 2], b[IKE_ID_MAX * 2];
	int	      rc = -EACCES;

	if (!ike_msg_has(m, IKE_PL_AUTH)) {
		snprintf(err, errlen, "no AUTH payload (EAP is not supported)");
		return -EACCES;
	}
	if (ike_id_from_payload(idpl, &id) != 0) {
		snprintf(err, errlen, "malformed identity");
		return -EACCES;
	}
	sa->peer_id = id;
	ike_id_print(&id, a, sizeof(a));
	if (!ike_id_match(&t->p.remote_id, &id)) {
		ike_id_print(&t->p.remote_id, b, sizeof(b));
		snprintf(err, errlen, "identity '%.200s' is not the remote-id '%.200s'", a, b);
		return -EACCES;
	}
	if (t->p.cfg.auth == VPN_AUTH_PSK) {
		if (m->auth.method != IKE_AUTH_PSK) {
			snprintf(err, errlen,
			    "'%.200s' authenticates with method %u, we expect a "
			    "pre-shared key",
			    a, m->auth.method);
			return -EACCES;
		}
		if (ike_auth_psk_verify(&ad, &t->p.cfg.psk, m->auth.data) != 0) {
			snprintf(err, errlen, "'%.200s': pre-shared key mismatch", a);
			return -EACCES;
		}
		snprintf(sa->peer_auth, sizeof(sa->peer_auth), "psk");
		return 0;
	}
	if (m->auth.method == IKE_AUTH_PSK || m->ncert == 0 ||
	    m->cert[0].encoding != IKE_CERT_X509_SIGNATURE) {
		snprintf(err, errlen, "'%.200s' sent no certificate (method %u)", a,
		    m->auth.method);
		return -EACCES;
	}
	{
		struct wire_rd chain[IKE_MAX_CERT];
		size_t	       nchain = 0;

		for (unsigned i = 1; i < m->ncert; i++)
			if (m->cert[i].encoding == IKE_CERT_X509_SIGNATURE)
				chain[nchain++] = m->cert[i].data;
		if (ike_cert_verify(t->p.ca, m->cert[0].data, chain, nchain, &cert, b,
			sizeof(b)) != 0) {
			snprintf(err, errlen, "'%.200s': certificate refused: %.250s", a, b);
			return -EACCES;
		}
	}
	if (ike_id_cert_check(&id, cert) != 0) {
		snprintf(err, errlen, "'%.200s' is not in the peer's certificate", a);
		rc = -EACCES;
	} else if (ike_auth_verify(&ad, X509_get0_pubkey(cert), m->auth.method, m->auth.data,
		       0) != 0) {
		snprintf(err, errlen, "'%.200s': signature (method %u) does not verify", a,
		    m->auth.method);
		rc = -EACCES;
	} else {
		snprintf(sa->peer_auth, sizeof(sa->peer_auth), "%s",
		    EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) == EVP_PKEY_EC ? "ecdsa" :
										  "rsa");
		rc = 0;
	}
	X509_free(cert);
	return rc;
}

/* IDx, [CERT], AUTH into e (inside SK). */
static int
auth_payloads(struct ike_sa *sa, struct ike_enc *e)
{
	struct vpn_tunnel *t = sa->tun;
	uint8_t		   body[4 + IKE_ID_MAX], auth[IKE_AUTH_MAX], *der = NULL;
	size_t		   blen, alen = 0, dlen = 0;
	uint8_t		   method = 0;
	int		   rc;

	if (!(blen = ike_id_body(&t->p.local_id, body, sizeof(body))))
		return -EINVAL;
	if ((rc = auth_make(sa, body, blen, &method, auth, sizeof(auth), &alen)) != 0)
		return rc;
	ike_enc_id(e, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, t->p.local_id.type,
	    t->p.local_id.data, t->p.local_id.len);
	if (t->p.cfg.auth == VPN_AUTH_CERT) {
		if (!(der = malloc(VPN_CERT_DER_MAX)))
			return -ENOMEM;
		if ((rc = ike_cert_der(t->p.cert, der, VPN_CERT_DER_MAX, &dlen)) != 0) {
			free(der);
			return rc;
		}
		ike_enc_cert(e, IKE_CERT_X509_SIGNATURE, der, dlen);
		free(der);
	}
	ike_enc_auth(e, method, auth, alen);
	return 0;
}

/* ------------------------------------------------------------ initiator */

int
ike_auth_start(struct ike_sa *sa)
{
	struct vpn_tunnel *t = sa->tun;
	struct vpn	  *v = sa->vpn;
	struct wire_wr	   w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_pending p;
	struct ike_sa_pl  *sapl = NULL;
	struct ike_ts	   tsi[VPN_TS_MAXN], tsr[VPN_TS_MAXN];
	struct child_sa	  *c = NULL;
	struct ike_hdr	   h;
	struct ike_enc	   e;
	bool		   first = true;
	int		   rc;

	memset(&p, 0, sizeof(p));
	if (!(c = child_sa_new(sa, true)) || !(sapl = malloc(sizeof(*sapl)))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = ike_prop_to_sa(t->p.esp, t->p.nesp, 4, c->spi_in, IKE_SEL_NO_DH, sapl)) != 0)
		goto out;
	for (struct ike_sa *o = t->ikes; o; o = o->next)
		if (o != sa && (o->st == IKE_ST_ESTABLISHED || o->st == IKE_ST_REKEYED))
			first = false;
	ike_sa_hdr(sa, &h, IKE_AUTH, false, sa->msgid_out);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	if ((rc = auth_payloads(sa, &e)) != 0)
		goto out;
	if (t->p.cfg.auth == VPN_AUTH_CERT)
		ike_enc_certreq(&e, IKE_CERT_X509_SIGNATURE, t->p.ca_keyid, IKE_CA_KEYID_LEN);
	/* RFC 7296 2.4: no other SA with the peer: what it remembers of us
	 * is stale */
	if (first)
		ike_enc_notify(&e, 0, IKE_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike_enc_sa(&e, sapl);
	ike_enc_ts(&e, IKE_PL_TSI, tsi, ike_ts_ours(t, true, tsi, VPN_TS_MAXN));
	ike_enc_ts(&e, IKE_PL_TSR, tsr, ike_ts_ours(t, false, tsr, VPN_TS_MAXN));
	if ((rc = ike_sa_seal(sa, &e, &w, &h, &p.out)) != 0)
		goto out;
	p.exchange = IKE_AUTH;
	p.msgid = sa->msgid_out;
	p.child = c;
	c = NULL;
	p.deadline_ms = sa->pend.deadline_ms;
	rc = ike_sa_request(sa, &p);
	memset(&p, 0, sizeof(p));
out:
	ike_out_free(&p.out);
	if (c)
		child_sa_free(c);
	free(sapl);
	if (rc != 0)
		log_err(LOG_MOD_VPN, "%s: cannot build IKE_AUTH: %s", ike_sa_name(sa),
		    strerror(-rc));
	return rc;
}

static enum vpn_reason
child_err_reason(uint16_t type)
{
	switch (type) {
	case IKE_N_NO_PROPOSAL_CHOSEN:
		return VPN_R_NO_PROPOSAL;
	case IKE_N_TS_UNACCEPTABLE:
		return VPN_R_TS_UNACCEPTABLE;
	case IKE_N_AUTHENTICATION_FAILED:
		return VPN_R_AUTH_FAILED;
	}
	return VPN_R_PEER_ERROR;
}

void
ike_auth_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel	   *t = sa->tun;
	const struct ike_notify_pl *n;
	struct child_sa		   *c;
	struct ike_suite	    cs;
	struct ike_ts		    ours[VPN_TS_MAXN];
	size_t			    nl, nr;
	char			    err[512], buf[128];

	if (sa->st != IKE_ST_AUTH_SENT)
		return;
	if (!ike_msg_has(m, IKE_PL_AUTH)) {
		n = ike_msg_notify_error(m);
		if (n && n->type == IKE_N_AUTHENTICATION_FAILED) {
			log_err(LOG_MOD_VPN,
			    "%s: the peer refused our authentication "
			    "(AUTHENTICATION_FAILED): check the pre-shared key or certificate and "
			    "the identities",
			    ike_sa_name(sa));
			ike_sa_fail(sa, VPN_R_AUTH_FAILED,
			    "the peer refused our authentication");
		} else {
			log_err(LOG_MOD_VPN, "%s: IKE_AUTH refused by the peer: %s",
			    ike_sa_name(sa), n ? ike_notify_name(n->type) : "no AUTH");
			ike_sa_fail(sa, n ? child_err_reason(n->type) : VPN_R_PEER_ERROR,
			    n ? ike_notify_name(n->type) : "no AUTH in the answer");
		}
		return;
	}
	if (!ike_msg_has(m, IKE_PL_IDR) || auth_verify(sa, m, &m->idr, err, sizeof(err)) != 0) {
		if (!ike_msg_has(m, IKE_PL_IDR))
			snprintf(err, sizeof(err), "no identity");
		log_err(LOG_MOD_VPN, "%s: the peer's authentication failed: %s",
		    ike_sa_name(sa), err);
		ike_sa_fail(sa, VPN_R_AUTH_FAILED, err);
		return;
	}
	/* the Child SA moves out of the request before it is cleared */
	c = sa->pend.child;
	sa->pend.child = NULL;
	ike_sa_request_done(sa);
	ike_sa_established(sa);
	ike_id_print(&sa->peer_id, err, sizeof(err));
	log_info(LOG_MOD_VPN, "%s: established with '%s' (%s, %s)", ike_sa_name(sa), err,
	    sa->peer_auth, (ike_suite_print(&sa->suite, buf, sizeof(buf)), buf));
	/* the first Child SA (RFC 7296 1.2): refused by the peer alone, the
	 * IKE SA stays up (2.21.3); we have no use for it without one */
	if ((n = ike_msg_notify_error(m))) {
		log_err(LOG_MOD_VPN, "%s: the peer refused the Child SA: %s", ike_sa_name(sa),
		    ike_notify_name(n->type));
		child_sa_free(c);
		ike_sa_delete(sa, child_err_reason(n->type), ike_notify_name(n->type));
		return;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSI) ||
	    !ike_msg_has(m, IKE_PL_TSR) ||
	    ike_prop_check_reply(t->p.esp, t->p.nesp, &m->sa, IKE_SEL_NO_DH, &cs) != IKE_OK ||
	    cs.spi_size != 4 || cs.spi < 256) {
		log_err(LOG_MOD_VPN, "%s: the peer's Child SA is not one we proposed",
		    ike_sa_name(sa));
		child_sa_free(c);
		ike_sa_delete(sa, VPN_R_NO_PROPOSAL,
		    "the peer chose an ESP proposal we did not offer");
		return;
	}
	nl = ike_ts_ours(t, true, ours, VPN_TS_MAXN);
	nr = ike_ts_ours(t, false, ours + nl, VPN_TS_MAXN - nl);
	if (!ike_ts_within(ours, nl, &m->tsi) || !ike_ts_within(ours + nl, nr, &m->tsr)) {
		log_err(LOG_MOD_VPN, "%s: the peer's traffic selectors are not within ours",
		    ike_sa_name(sa));
		child_sa_free(c);
		ike_sa_delete(sa, VPN_R_TS_UNACCEPTABLE, "traffic selectors outside ours");
		return;
	}
	c->spi_out = (uint32_t)cs.spi;
	c->suite = cs;
	c->ntsi = m->tsi.n;
	c->ntsr = m->tsr.n;
	memcpy(c->tsi, m->tsi.ts, m->tsi.n * sizeof(c->tsi[0]));
	memcpy(c->tsr, m->tsr.ts, m->tsr.n * sizeof(c->tsr[0]));
	c->next = sa->children;
	sa->children = c;
	vpn_tunnel_esp_path(t, sa);
	if (child_sa_install(c, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len, true) != 0) {
		ike_sa_delete(sa, VPN_R_INTERNAL, "the dataplane refused the Child SA");
		return;
	}
	vpn_tunnel_child_up(t, c);
	vpn_tunnel_ike_up(t, sa);
	if (sa->st != IKE_ST_DEAD)
		ike_sa_schedule(sa);
}

/* ------------------------------------------------------------ responder */

/* The answer when authentication failed: only the notify (RFC 7296 2.21.2). */
static void
auth_refuse(struct ike_sa *sa, const struct ike_msg *m, uint16_t type)
{
	struct vpn    *v = sa->vpn;
	struct wire_wr w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out o = { 0 };
	struct ike_hdr h;
	struct ike_enc e;

	ike_sa_hdr(sa, &h, IKE_AUTH, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	ike_enc_notify(&e, 0, type, NULL, 0, NULL, 0);
	if (ike_sa_seal(sa, &e, &w, &h, &o) == 0)
		(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	ike_out_free(&o);
}

void
ike_auth_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct vpn_tunnel *t = sa->tun;
	struct vpn	  *v = sa->vpn;
	struct wire_wr	   w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out	   o = { 0 };
	struct ike_ts	  ol[VPN_TS_MAXN], orr[VPN_TS_MAXN], tsi[VPN_TS_MAXN], tsr[VPN_TS_MAXN];
	struct ike_sa_pl *sapl = NULL;
	struct child_sa	 *c = NULL;
	struct ike_suite  cs;
	struct ike_hdr	  h;
	struct ike_enc	  e;
	size_t		  nol, nor, ntsi = 0, ntsr = 0;
	uint16_t	  child_err = 0;
	char		  err[512], buf[128], a[IPADDR_STRLEN];

	if (sa->st != IKE_ST_HALF_OPEN)
		return;
	if (!ike_msg_has(m, IKE_PL_IDI) || auth_verify(sa, m, &m->idi, err, sizeof(err)) != 0) {
		if (!ike_msg_has(m, IKE_PL_IDI))
			snprintf(err, sizeof(err), "no identity");
		log_err(LOG_MOD_VPN,
		    "%s: IKE_AUTH from %s refused with AUTHENTICATION_FAILED: %s",
		    ike_sa_name(sa), ipaddr_fmt(&sa->remote, a, sizeof(a)), err);
		auth_refuse(sa, m, IKE_N_AUTHENTICATION_FAILED);
		t->last_reason = VPN_R_AUTH_FAILED;
		snprintf(t->last_detail, sizeof(t->last_detail), "%.120s", err);
		ike_sa_destroy(sa);
		return;
	}
	sa->initial_contact = ike_msg_notify(m, IKE_N_INITIAL_CONTACT) != NULL;
	/* The Child SA: proposal, selectors (narrowed to ours), SPIs. */
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSI) ||
	    !ike_msg_has(m, IKE_PL_TSR))
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	else if (ike_prop_select(t->p.esp, t->p.nesp, &m->sa, IKE_SEL_NO_DH, &cs) != IKE_OK ||
	    cs.spi_size != 4 || cs.spi < 256) {
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		log_err(LOG_MOD_VPN,
		    "%s: the peer's ESP proposals match none of ours: "
		    "Child SA refused with NO_PROPOSAL_CHOSEN",
		    ike_sa_name(sa));
	} else {
		nol = ike_ts_ours(t, true, ol, VPN_TS_MAXN);
		nor = ike_ts_ours(t, false, orr, VPN_TS_MAXN);
		ntsi = ike_ts_narrow(orr, nor, &m->tsi, tsi, VPN_TS_MAXN);
		ntsr = ike_ts_narrow(ol, nol, &m->tsr, tsr, VPN_TS_MAXN);
		if (!ntsi || !ntsr) {
			child_err = IKE_N_TS_UNACCEPTABLE;
			log_err(LOG_MOD_VPN,
			    "%s: the peer's traffic selectors are outside ours: "
			    "Child SA refused with TS_UNACCEPTABLE",
			    ike_sa_name(sa));
		}
	}
	if (!child_err && !(c = child_sa_new(sa, false)))
		child_err = IKE_N_TEMPORARY_FAILURE;
	ike_sa_hdr(sa, &h, IKE_AUTH, true, m->hdr.msgid);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &sa->sk.out);
	if (auth_payloads(sa, &e) != 0) {
		log_err(LOG_MOD_VPN, "%s: cannot make our AUTH", ike_sa_name(sa));
		auth_refuse(sa, m, IKE_N_AUTHENTICATION_FAILED);
		goto fail;
	}
	if (!child_err) {
		c->spi_out = (uint32_t)cs.spi;
		c->suite = cs;
		c->ntsi = (uint8_t)ntsi;
		c->ntsr = (uint8_t)ntsr;
		memcpy(c->tsi, tsi, ntsi * sizeof(tsi[0]));
		memcpy(c->tsr, tsr, ntsr * sizeof(tsr[0]));
		if (!(sapl = malloc(sizeof(*sapl)))) {
			child_err = IKE_N_TEMPORARY_FAILURE;
		} else {
			ike_suite_to_sa(&cs, 4, c->spi_in, sapl);
			ike_enc_sa(&e, sapl);
			ike_enc_ts(&e, IKE_PL_TSI, tsi, ntsi);
			ike_enc_ts(&e, IKE_PL_TSR, tsr, ntsr);
		}
	}
	if (child_err)
		ike_enc_notify(&e, 0, child_err, NULL, 0, NULL, 0);
	if (ike_sa_seal(sa, &e, &w, &h, &o) != 0)
		goto fail;
	ike_sa_established(sa);
	ike_id_print(&sa->peer_id, err, sizeof(err));
	log_info(LOG_MOD_VPN, "%s: established with '%s' (%s, %s)%s", ike_sa_name(sa), err,
	    sa->peer_auth, (ike_suite_print(&sa->suite, buf, sizeof(buf)), buf),
	    sa->initial_contact ? ", initial contact" : "");
	if (c) {
		c->next = sa->children;
		sa->children = c;
		vpn_tunnel_esp_path(t, sa);
		if (child_sa_install(c, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len, true) !=
		    0) {
			/* answered with the SA regardless: the peer will see it dead */
			sa->children = c->next;
			child_sa_free(c);
			c = NULL;
		}
	}
	(void)ike_sa_respond(sa, &o, m->hdr.msgid);
	vpn_tunnel_ike_up(t, sa);
	if (sa->st != IKE_ST_DEAD && c) {
		vpn_tunnel_child_up(t, c);
		ike_sa_schedule(sa);
	} else if (sa->st != IKE_ST_DEAD && child_err) {
		t->last_reason = child_err == IKE_N_TS_UNACCEPTABLE ? VPN_R_TS_UNACCEPTABLE :
								      VPN_R_NO_PROPOSAL;
		snprintf(t->last_detail, sizeof(t->last_detail), "Child SA refused: %s",
		    ike_notify_name(child_err));
	}
	goto out;
fail:
	if (c)
		child_sa_free(c);
	ike_sa_destroy(sa);
out:
	ike_out_free(&o);
	free(sapl);
}
