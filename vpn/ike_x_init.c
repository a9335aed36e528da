/* vpn/ike_x_init.c - the IKE_SA_INIT exchange, both roles: proposals, Diffie-Hellman, nonces, INVALID_KE_PAYLOAD (RFC 7296 1.2), COOKIE (2.6), NAT detection (2.23). */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/log.h"

#define VPN_INIT_RETRIES 3 /* COOKIE / INVALID_KE_PAYLOAD answers taken */

void
ike_natd_hash(uint64_t ispi, uint64_t rspi, const struct ipaddr *a, uint16_t port,
    uint8_t out[20])
{
	uint8_t	 buf[8 + 8 + 16 + 2];
	size_t	 n = 0, alen = a->family == AF_INET ? 4 : 16;
	unsigned len = 0;

	/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | Port), network order */
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t)(ispi >> (8 * i));
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t)(rspi >> (8 * i));
	memcpy(buf + n, a->bytes, alen);
	n += alen;
	buf[n++] = (uint8_t)(port >> 8);
	buf[n++] = (uint8_t)port;
	if (EVP_Digest(buf, n, out, &len, EVP_sha1(), NULL) != 1 || len != 20)
		memset(out, 0, 20);
}

/* Our NAT_DETECTION_* notifies. force: a source hash that cannot match,
 * so the peer sees a NAT and both sides use UDP 4500 (what strongSwan's
 * force_encap does). */
static void
natd_put(struct ike_enc *e, const struct ike_sa *sa, uint64_t rspi, bool force)
{
	uint8_t h[20];

	if (force)
		vpn_random(h, sizeof(h));
	else
		ike_natd_hash(sa->ispi, rspi, &sa->sock->local, sa->sock->port, h);
	ike_enc_notify(e, 0, IKE_N_NAT_DETECTION_SOURCE_IP, NULL, 0, h, sizeof(h));
	ike_natd_hash(sa->ispi, rspi, &sa->remote, sa->rport, h);
	ike_enc_notify(e, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, h, sizeof(h));
}

/* What the peer's NAT_DETECTION notifies say (rspi as in its message):
 * false when it sent none (it does not do NAT-T). */
static bool
natd_check(const struct ike_msg *m, uint64_t ispi, uint64_t rspi, const struct ipaddr *local,
    uint16_t lport, const struct ipaddr *remote, uint16_t rport, bool *nat_local,
    bool *nat_remote)
{
	uint8_t src[20], dst[20];
	bool	any_src = false, any_dst = false, src_ok = false, dst_ok = false;

	ike_natd_hash(ispi, rspi, remote, rport, src);
	ike_natd_hash(ispi, rspi, local, lport, dst);
	for (unsigned i = 0; i < m->nnotify; i++) {
		const struct ike_notify_pl *n = &m->notify[i];

		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			src_ok |= n->data.len == 20 && CRYPTO_memcmp(n->data.p, src, 20) == 0;
		} else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			any_dst = true;
			dst_ok |= n->data.len == 20 && CRYPTO_memcmp(n->data.p, dst, 20) == 0;
		}
	}
	*nat_remote = any_src && !src_ok;
	*nat_local = any_dst && !dst_ok;
	return any_src && any_dst;
}

static void
peer_caps(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify_pl *n;

	sa->peer_frag = ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if ((n = ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS)) &&
	    ike_sighash_decode(n->data, &sa->peer_sighash) != IKE_OK)
		sa->peer_sighash = 0;
}

/* The peer's offer as text, strongSwan's syntax, for a refusal's log line. */
static void
offer_print(const struct ike_sa_pl *sa, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sa->nprop && off < len; i++) {
		const struct ike_prop_pl *p = &sa->prop[i];

		off += (size_t)snprintf(buf + off, len - off, "%s", i ? "," : "");
		for (unsigned j = 0; j < p->nxf && off < len; j++) {
			const struct ike_xform_pl *x = &sa->xf[p->first + j];
			const char		  *n = ike_alg_name(x->type, x->id, x->keylen);
			char			   unk[24];

			if (!n) {
				snprintf(unk, sizeof(unk), "%u:%u", x->type, x->id);
				n = unk;
			}
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
			    j ? "-" : "", n);
		}
	}
}

static void
ours_print(const struct ike_proposal *p, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s", i ? "," : "");
		if (off < len)
			off += (size_t)ike_prop_print(&p[i], buf + off, len - off);
	}
}

static bool
group_offered(const struct ike_proposal *p, size_t n, uint16_t g)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned j = 0; j < p[i].n[IKE_XF_DH]; j++)
			if (p[i].alg[IKE_XF_DH][j].id == g)
				return true;
	return false;
}

/* ------------------------------------------------------------ initiator */

int
ike_init_start(struct ike_sa *sa)
{
	struct vpn_tunnel *t = sa->tun;
	struct vpn	  *v = sa->vpn;
	struct wire_wr	   w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_pending p;
	struct ike_sa_pl  *sapl = NULL;
	struct ike_hdr	   h;
	struct ike_enc	   e;
	uint8_t		   ke[1024], sh[16];
	size_t		   kelen;
	int		   rc;

	memset(&p, 0, sizeof(p));
	if (!sa->ispi) {
		uint64_t spi;

		do
			vpn_random(&spi, sizeof(spi));
		while (spi == 0 || ike_sa_find(v, spi));
		ike_sa_spi_set(sa, spi, 0);
	}
	if (!sa->dh_group)
		sa->dh_group = t->p.ike[0].alg[IKE_XF_DH][0].id;
	if (!sa->dh && (rc = ike_dh_new(sa->dh_group, &sa->dh)) != 0)
		goto out;
	if (!sa->ni_len) {
		vpn_random(sa->ni, VPN_NONCE_LEN);
		sa->ni_len = VPN_NONCE_LEN;
	}
	if ((rc = ike_dh_public(sa->dh, ke, sizeof(ke), &kelen)) != 0)
		goto out;
	if (!(sapl = malloc(sizeof(*sapl)))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = ike_prop_to_sa(t->p.ike, t->p.nike, 0, 0, 0, sapl)) != 0)
		goto out;
	sa->st = IKE_ST_INIT_SENT;
	sa->sock = t->p.sock;
	sa->rport = v->cfg.ike_port;
	sa->natt = false;
	ike_sa_hdr(sa, &h, IKE_SA_INIT, false, 0);
	ike_enc_init(&e, &w, &h);
	if (sa->cookie_len) /* RFC 7296 2.6: first, the rest unchanged */
		ike_enc_notify(&e, 0, IKE_N_COOKIE, NULL, 0, sa->cookie, sa->cookie_len);
	ike_enc_sa(&e, sapl);
	ike_enc_ke(&e, sa->dh_group, ke, kelen);
	ike_enc_nonce(&e, sa->ni, sa->ni_len);
	if (t->p.cfg.natt != VPN_NATT_OFF)
		natd_put(&e, sa, 0, t->p.cfg.natt == VPN_NATT_FORCE);
	ike_enc_notify(&e, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	ike_enc_notify(&e, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, sh,
	    ike_sighash_encode(sh, sizeof(sh), 0));
	if ((rc = ike_enc_end(&e)) != 0)
		goto out;
	free(sa->init_req);
	if (!(sa->init_req = malloc(w.off))) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(sa->init_req, w.p, w.off);
	sa->init_req_len = w.off;
	p.exchange = IKE_SA_INIT;
	p.msgid = 0;
	if ((rc = ike_out_copy(&p.out, w.p, w.off)) != 0)
		goto out;
	rc = ike_sa_request(sa, &p);
	memset(&p, 0, sizeof(p)); /* the SA's now */
	log_debug(LOG_MOD_VPN, "%s: IKE_SA_INIT to the peer (group %u)", ike_sa_name(sa),
	    sa->dh_group);
out:
	ike_out_free(&p.out);
	free(sapl);
	if (rc != 0)
		log_err(LOG_MOD_VPN, "%s: cannot start IKE_SA_INIT: %s", ike_sa_name(sa),
		    strerror(-rc));
	return rc;
}

/* Start over after a COOKIE or INVALID_KE_PAYLOAD answer (no state at the
 * responder: message ID 0 again). */
static void
init_again(struct ike_sa *sa)
{
	sa->pend_active = false;
	uv_timer_stop(&sa->rtx_timer);
	ike_out_free(&sa->pend.out);
	memset(&sa->pend, 0, sizeof(sa->pend));
	if (ike_init_start(sa) != 0)
		ike_sa_fail(sa, VPN_R_INTERNAL, "cannot start IKE_SA_INIT");
}

void
ike_init_response(struct ike_sa *sa, struct ike_msg *m, const struct ipaddr *remote,
    uint16_t port)
{
	struct vpn_tunnel	   *t = sa->tun;
	const struct ike_notify_pl *n;
	struct ike_suite	    s;
	struct ike_keys		    k;
	struct secret		    gir;
	char			    buf[512];

	memset(&k, 0, sizeof(k));
	memset(&gir, 0, sizeof(gir));
	if ((n = ike_msg_notify(m, IKE_N_COOKIE))) {
		/* RFC 7296 2.6 */
		if (n->data.len < 1 || n->data.len > sizeof(sa->cookie) ||
		    sa->ke_retries++ >= VPN_INIT_RETRIES)
			return;
		memcpy(sa->cookie, n->data.p, n->data.len);
		sa->cookie_len = (uint8_t)n->data.len;
		log_debug(LOG_MOD_VPN, "%s: the peer asks for a COOKIE", ike_sa_name(sa));
		init_again(sa);
		return;
	}
	if ((n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD))) {
		struct wire_rd d = n->data;
		uint16_t       g;

		/* RFC 7296 1.2: the group it wants, if we offered it */
		if (!wire_get_u16(&d, &g) || sa->ke_retries++ >= VPN_INIT_RETRIES)
			return;
		if (!group_offered(t->p.ike, t->p.nike, g) || g == sa->dh_group) {
			log_warn(LOG_MOD_VPN,
			    "%s: the peer wants DH group %u, which we do not "
			    "offer",
			    ike_sa_name(sa), g);
			ike_sa_fail(sa, VPN_R_NO_PROPOSAL,
			    "the peer wants a group we do not offer");
			return;
		}
		log_info(LOG_MOD_VPN, "%s: the peer wants DH group %u instead of %u: again",
		    ike_sa_name(sa), g, sa->dh_group);
		ike_dh_free(sa->dh);
		sa->dh = NULL;
		sa->dh_group = g;
		init_again(sa);
		return;
	}
	if ((n = ike_msg_notify_error(m))) {
		ours_print(t->p.ike, t->p.nike, buf, sizeof(buf));
		if (n->type == IKE_N_NO_PROPOSAL_CHOSEN) {
			log_err(LOG_MOD_VPN,
			    "%s: the peer refused our IKE proposals with "
			    "NO_PROPOSAL_CHOSEN (we offered %s)",
			    ike_sa_name(sa), buf);
			ike_sa_fail(sa, VPN_R_NO_PROPOSAL,
			    "the peer refused our IKE proposals");
		} else {
			log_err(LOG_MOD_VPN, "%s: IKE_SA_INIT refused by the peer: %s (%u)",
			    ike_sa_name(sa), ike_notify_name(n->type), n->type);
			ike_sa_fail(sa, VPN_R_PEER_ERROR, ike_notify_name(n->type));
		}
		return;
	}
	if (m->hdr.rspi == 0 || !ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE))
		return; /* not an answer: the request stays out */
	if (ike_prop_check_reply(t->p.ike, t->p.nike, &m->sa, 0, &s) != IKE_OK ||
	    s.dh != sa->dh_group || m->ke.group != sa->dh_group) {
		offer_print(&m->sa, buf, sizeof(buf));
		log_err(LOG_MOD_VPN, "%s: the peer chose a proposal we did not offer (%s)",
		    ike_sa_name(sa), buf);
		ike_sa_fail(sa, VPN_R_NO_PROPOSAL,
		    "the peer chose a proposal we did not offer");
		return;
	}
	if (m->nonce.len < IKE_NONCE_MIN || m->nonce.len > IKE_NONCE_MAX)
		return;
	if (ike_dh_derive(sa->dh, m->ke.data.p, m->ke.data.len, &gir) != 0) {
		log_err(LOG_MOD_VPN, "%s: the peer's key exchange value is invalid",
		    ike_sa_name(sa));
		ike_sa_fail(sa, VPN_R_PEER_ERROR, "invalid key exchange value");
		goto out;
	}
	memcpy(sa->nr, m->nonce.p, m->nonce.len);
	sa->nr_len = (uint16_t)m->nonce.len;
	sa->suite = s;
	ike_sa_spi_set(sa, sa->ispi, m->hdr.rspi);
	if (ike_keys_from_dh(&s, &gir, wire_rd_init(sa->ni, sa->ni_len),
		wire_rd_init(sa->nr, sa->nr_len), sa->ispi, sa->rspi, &k) != 0 ||
	    ike_sk_init(&sa->sk, &s, &k, true) != 0) {
		ike_sa_fail(sa, VPN_R_INTERNAL, "key derivation failed");
		goto out;
	}
	ike_keys_set(sa, &k);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	peer_caps(sa, m);
	if (t->p.cfg.natt != VPN_NATT_OFF &&
	    natd_check(m, sa->ispi, sa->rspi, &sa->sock->local, sa->sock->port, remote, port,
		&sa->nat_local, &sa->nat_remote) &&
	    (sa->nat_local || sa->nat_remote || t->p.cfg.natt == VPN_NATT_FORCE)) {
		/* RFC 7296 2.23: on to port 4500 from IKE_AUTH on */
		sa->sock = t->p.sock_natt;
		sa->rport = sa->vpn->cfg.natt_port;
		sa->natt = true;
		log_info(LOG_MOD_VPN, "%s: NAT %s: IKE and ESP on UDP %u", ike_sa_name(sa),
		    sa->nat_local      ? "in front of us" :
			sa->nat_remote ? "in front of the peer" :
					 "forced",
		    sa->rport);
	}
	free(sa->init_resp);
	if (!(sa->init_resp = malloc(m->raw.len))) {
		ike_sa_fail(sa, VPN_R_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(sa->init_resp, m->raw.p, m->raw.len);
	sa->init_resp_len = m->raw.len;
	ike_sa_request_done(sa);
	sa->st = IKE_ST_AUTH_SENT;
	if (ike_auth_start(sa) != 0)
		ike_sa_fail(sa, VPN_R_INTERNAL, "cannot build IKE_AUTH");
out:
	ike_keys_wipe(&k);
	secret_wipe(&gir);
}

/* ------------------------------------------------------------ responder */

void
ike_init_request(struct vpn *v, struct ike_sock *s, struct ike_msg *m,
    const struct ipaddr *remote, uint16_t port)
{
	struct vpn_tunnel *t;
	struct ike_sa	  *sa = NULL;
	struct ike_suite   su;
	struct ike_keys	   k;
	struct secret	   gir;
	struct ike_sa_pl  *sapl = NULL;
	struct wire_wr	   w = wire_wr_init(v->tx, VPN_MSG_BUF);
	struct ike_out	   out = { 0 };
	struct ike_hdr	   h;
	struct ike_enc	   e;
	uint8_t		   ke[1024], cookie[64], sh[16];
	size_t		   kelen;
	char		   a[IPADDR_STRLEN], buf[512], ours[512];
	bool		   need_cookie, proved, natd;
	uint64_t	   rspi;

	memset(&k, 0, sizeof(k));
	memset(&gir, 0, sizeof(gir));
	/* RFC 7296 2.1: a retransmission gets the same answer */
	if ((sa = ike_half_open_find(v, remote, m->hdr.ispi))) {
		if (sa->resp_valid && sa->resp_msgid == 0)
			(void)ike_sa_send_out(sa, &sa->resp);
		return;
	}
	if (!(t = vpn_tunnel_by_addr(v, &s->local, remote))) {
		v->rx_dropped++;
		log_debug(LOG_MOD_VPN, "IKE_SA_INIT from %s: no tunnel configured for it",
		    ipaddr_fmt(remote, a, sizeof(a)));
		return;
	}
	/* Both ends initiating at once: the one with the lower address goes
	 * on as initiator, the other answers (one IKE SA, not two). */
	for (struct ike_sa *o = t->ikes; o; o = o->next) {
		if (!o->initiator || (o->st != IKE_ST_INIT_SENT && o->st != IKE_ST_AUTH_SENT))
			continue;
		if (ipaddr_cmp(&s->local, remote) < 0) {
			log_debug(LOG_MOD_VPN, "%s: both ends initiate; ours goes on",
			    vpn_tunnel_name(t));
			return;
		}
		log_debug(LOG_MOD_VPN, "%s: both ends initiate; the peer's goes on",
		    vpn_tunnel_name(t));
		ike_sa_destroy(o);
		break;
	}
	if (ike_cookie_check(v, m, remote, &need_cookie, &proved) != 0) {
		log_debug(LOG_MOD_VPN, "%s: too many half-open SAs from %s: dropped",
		    vpn_tunnel_name(t), ipaddr_fmt(remote, a, sizeof(a)));
		return;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || m->nonce.len < IKE_NONCE_MIN) {
		v->rx_bad++;
		return;
	}
	if (need_cookie) {
		size_t n = ike_cookie_make(v, m, remote, cookie, sizeof(cookie));

		if (n)
			ike_send_init_notify(v, s, remote, port, &m->hdr, IKE_N_COOKIE, cookie,
			    n);
		v->cookies_sent++;
		return;
	}
	if (ike_prop_select(t->p.ike, t->p.nike, &m->sa, 0, &su) != IKE_OK) {
		offer_print(&m->sa, buf, sizeof(buf));
		ours_print(t->p.ike, t->p.nike, ours, sizeof(ours));
		log_err(LOG_MOD_VPN,
		    "%s: IKE_SA_INIT from %s refused with NO_PROPOSAL_CHOSEN: "
		    "the peer offered %s, we accept %s",
		    vpn_tunnel_name(t), ipaddr_fmt(remote, a, sizeof(a)), buf, ours);
		ike_send_init_notify(v, s, remote, port, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		t->last_reason = VPN_R_NO_PROPOSAL;
		snprintf(t->last_detail, sizeof(t->last_detail),
		    "the peer's IKE proposals "
		    "match none of ours");
		return;
	}
	if (m->ke.group != su.dh) {
		uint8_t g[2] = { (uint8_t)(su.dh >> 8), (uint8_t)su.dh };

		/* RFC 7296 1.2: the group we chose; nothing is kept */
		ike_send_init_notify(v, s, remote, port, &m->hdr, IKE_N_INVALID_KE_PAYLOAD, g,
		    2);
		return;
	}
	do
		vpn_random(&rspi, sizeof(rspi));
	while (rspi == 0 || ike_sa_find(v, rspi));
	if (!(sa = ike_sa_new(t, false)))
		return;
	sa->remote = *remote;
	sa->rport = port;
	sa->sock = s;
	sa->natt = s->natt;
	sa->cookie_proved = proved;
	sa->st = IKE_ST_HALF_OPEN;
	ike_sa_spi_set(sa, m->hdr.ispi, rspi);
	ike_half_open_add(v, sa);
	sa->suite = su;
	sa->dh_group = su.dh;
	memcpy(sa->ni, m->nonce.p, m->nonce.len);
	sa->ni_len = (uint16_t)m->nonce.len;
	vpn_random(sa->nr, VPN_NONCE_LEN);
	sa->nr_len = VPN_NONCE_LEN;
	if (ike_dh_new(su.dh, &sa->dh) != 0 ||
	    ike_dh_public(sa->dh, ke, sizeof(ke), &kelen) != 0)
		goto fail;
	if (ike_dh_derive(sa->dh, m->ke.data.p, m->ke.data.len, &gir) != 0) {
		log_info(LOG_MOD_VPN, "%s: invalid key exchange value from %s: dropped",
		    vpn_tunnel_name(t), ipaddr_fmt(remote, a, sizeof(a)));
		goto fail;
	}
	if (ike_keys_from_dh(&su, &gir, wire_rd_init(sa->ni, sa->ni_len),
		wire_rd_init(sa->nr, sa->nr_len), sa->ispi, sa->rspi, &k) != 0 ||
	    ike_sk_init(&sa->sk, &su, &k, false) != 0)
		goto fail;
	ike_keys_set(sa, &k);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	peer_caps(sa, m);
	/* RFC 7296 2.23: the request's hashes use a zero responder SPI */
	natd = t->p.cfg.natt != VPN_NATT_OFF &&
	    natd_check(m, sa->ispi, 0, &s->local, s->port, remote, port, &sa->nat_local,
		&sa->nat_remote);
	if (!natd)
		sa->nat_local = sa->nat_remote = false;
	if (!(sapl = malloc(sizeof(*sapl))))
		goto fail;
	ike_suite_to_sa(&su, 0, 0, sapl);
	ike_sa_hdr(sa, &h, IKE_SA_INIT, true, 0);
	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sapl);
	ike_enc_ke(&e, su.dh, ke, kelen);
	ike_enc_nonce(&e, sa->nr, sa->nr_len);
	if (natd)
		natd_put(&e, sa, sa->rspi, t->p.cfg.natt == VPN_NATT_FORCE);
	if (t->p.cfg.auth == VPN_AUTH_CERT)
		ike_enc_certreq(&e, IKE_CERT_X509_SIGNATURE, t->p.ca_keyid, IKE_CA_KEYID_LEN);
	if (sa->peer_frag)
		ike_enc_notify(&e, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	if (ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS) ||
	    t->p.cfg.auth == VPN_AUTH_CERT)
		ike_enc_notify(&e, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, sh,
		    ike_sighash_encode(sh, sizeof(sh), 0));
	if (ike_enc_end(&e) != 0 || !(sa->init_req = malloc(m->raw.len)) ||
	    !(sa->init_resp = malloc(w.off)))
		goto fail;
	memcpy(sa->init_req, m->raw.p, m->raw.len);
	sa->init_req_len = m->raw.len;
	memcpy(sa->init_resp, w.p, w.off);
	sa->init_resp_len = w.off;
	if (ike_out_copy(&out, w.p, w.off) != 0)
		goto fail;
	(void)ike_sa_respond(sa, &out, 0);
	ike_sa_schedule(sa);
	log_debug(LOG_MOD_VPN, "%s: IKE_SA_INIT answered (%s)", ike_sa_name(sa),
	    (ike_suite_print(&su, buf, sizeof(buf)), buf));
	goto out;
fail:
	if (sa)
		ike_sa_destroy(sa);
out:
	ike_out_free(&out);
	free(sapl);
	ike_keys_wipe(&k);
	secret_wipe(&gir);
}
