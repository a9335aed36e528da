/* tests/bench/ike-setup/ike_setup.c - IKEv2 setup load generator: N tunnels (IKE SA + first Child SA, PSK, ECDH P-256) initiated against one responder with hybridgw's own IKE code. */
/* SPDX-License-Identifier: ISC */

/*
 * usage: ike_setup -s SERVER -b SRC_BASE -n N -k PSK [-w WINDOW] [-p PORT]
 *		    [-t TIMEOUT_S]
 *
 * Tunnel i comes from source address SRC_BASE + i (every one must be an
 * address of this host; one UDP socket sends with IP_PKTINFO), so each is
 * a distinct IKE SA and a distinct peer for the responder. At most WINDOW
 * (default 8) setups are in flight at once; each runs IKE_SA_INIT then
 * IKE_AUTH (RFC 7296 1.2) with:
 *	IKE	aes128gcm16-prfsha256-ecp256 (one proposal, group 19 KE)
 *	ESP	aes128gcm16 (no ESN), SPI of ours per tunnel
 *	IDi	FQDN i<n>.bench, AUTH PSK (RFC 7296 2.15)
 *	TSi	10.200.0.0 + i + 1 /32, TSr 10.100.0.0/16
 * NAT detection (RFC 7296 2.23) is offered; when the responder reports a
 * NAT (both responders here are told to force UDP encapsulation, because
 * strongSwan's kernel-libipsec only runs ESP in UDP), IKE_AUTH goes to
 * port 4500 with the non-ESP marker, as a real initiator's would.
 * A COOKIE answer (RFC 7296 2.6) is followed once; a lost message is sent
 * again after 1 s, three times at most.
 *
 * Everything a real initiator computes is computed: the key pair and the
 * shared secret (ike_dh), SKEYSEED and the seven keys (ike_keys_from_dh),
 * the SK payload sealed and the answer's integrity checked and decrypted
 * (ike_sk), our AUTH made and the responder's verified (ike_auth_psk*),
 * the responder's proposal checked against ours, and the Child SA's keys
 * derived (ike_child_keys_derive). The Child SA is not installed anywhere
 * on this side (no dataplane here), and the IKE SAs are left to the
 * responder when we exit (no Delete is sent).
 *
 * Output: one line per failure kind, then
 *	DONE n=N ok=K fail=F seconds=S per_s=R
 * seconds runs from the first IKE_SA_INIT sent to the last IKE_AUTH
 * answer verified; per_s = K / seconds. Exit 0 when all N came up.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/secret.h"
#include "lib/wire.h"
#include "vpn/ike_codec.h"
#include "vpn/ike_crypto.h"
#include "vpn/ike_proposal.h"
#include "vpn/vpn_local.h" /* ike_natd_hash */

#define BENCH_IKE_PROP	"aes128gcm16-prfsha256-ecp256"
#define BENCH_ESP_PROP	"aes128gcm16"
#define BENCH_NONCE_LEN 32
#define BENCH_RTX_MS	1000
#define BENCH_TRIES	4
#define BENCH_MSG	4096

enum tun_st {
	T_IDLE,
	T_INIT_SENT,
	T_AUTH_SENT,
	T_DONE,
	T_FAILED,
};

/* Failure kinds, counted and printed at the end. */
enum fail_kind {
	F_TIMEOUT_INIT,
	F_TIMEOUT_AUTH,
	F_NOTIFY_INIT,
	F_NOTIFY_AUTH,
	F_BAD_INIT,
	F_BAD_AUTH,
	F_AUTH_VERIFY,
	F_SEND,
	F_MAX,
};

static const char *fail_names[F_MAX] = {
	"timeout-ike-sa-init",
	"timeout-ike-auth",
	"error-notify-ike-sa-init",
	"error-notify-ike-auth",
	"bad-ike-sa-init-answer",
	"bad-ike-auth-answer",
	"auth-verify-failed",
	"send-failed",
};

/*
 * One tunnel being set up. The buffers are heap copies of what AUTH
 * covers (RFC 7296 2.15) and of the request in flight; the keys live in
 * struct secret and are wiped when the tunnel is done or failed.
 */
struct tun {
	enum tun_st	 st;
	uint32_t	 src; /* network order */
	uint64_t	 ispi, rspi;
	uint32_t	 spi_in;
	bool		 natt; /* IKE_AUTH on 4500 */
	struct ike_dh	*dh;
	uint8_t		 ni[BENCH_NONCE_LEN];
	uint8_t		 nr[IKE_NONCE_MAX];
	size_t		 nr_len;
	uint8_t		 cookie[64];
	size_t		 cookie_len;
	uint8_t		*init_req, *init_resp, *req;
	size_t		 init_req_len, init_resp_len, req_len;
	uint64_t	 sent_ms;
	unsigned	 tries;
	struct ike_suite suite;
	struct ike_keys	 keys;
	struct ike_sk	 sk;
};

struct bench {
	int		    fd, fd_natt;
	struct sockaddr_in  server, server_natt;
	struct secret	    psk;
	struct ike_proposal ike, esp;
	struct tun	   *t;
	size_t		    n, window, inflight, next, ok, failed;
	unsigned	    fails[F_MAX];
	unsigned	    cookies, rtx;
	uint64_t	    first_us, last_us;
	uint8_t		    plain[BENCH_MSG];
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
now_ms(void)
{
	return now_us() / 1000;
}

static void
tun_wipe(struct tun *t)
{
	ike_dh_free(t->dh);
	t->dh = NULL;
	ike_keys_wipe(&t->keys);
	ike_sk_wipe(&t->sk);
	free(t->init_req);
	free(t->init_resp);
	free(t->req);
	t->init_req = t->init_resp = t->req = NULL;
	OPENSSL_cleanse(t->ni, sizeof(t->ni));
	OPENSSL_cleanse(t->nr, sizeof(t->nr));
}

static void
tun_end(struct bench *b, struct tun *t, enum tun_st st, int why)
{
	tun_wipe(t);
	t->st = st;
	b->inflight--;
	if (st == T_DONE) {
		b->ok++;
		b->last_us = now_us();
	} else {
		b->failed++;
		b->fails[why]++;
	}
}

/* Send t->req from t's own address (IP_PKTINFO picks the source). */
static int
tun_send(struct bench *b, struct tun *t)
{
	union {
		char	       buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} c;
	struct iovec	  iov = { t->req, t->req_len };
	struct msghdr	  mh;
	struct cmsghdr	 *cm;
	struct in_pktinfo pi;

	memset(&mh, 0, sizeof(mh));
	memset(&c, 0, sizeof(c));
	mh.msg_name = t->natt ? &b->server_natt : &b->server;
	mh.msg_namelen = sizeof(b->server);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = c.buf;
	mh.msg_controllen = sizeof(c.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst.s_addr = t->src;
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	t->sent_ms = now_ms();
	if (sendmsg(t->natt ? b->fd_natt : b->fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

static int
keep(uint8_t **dst, size_t *dlen, const void *src, size_t len)
{
	uint8_t *p;

	if (!(p = malloc(len)))
		return -ENOMEM;
	memcpy(p, src, len);
	free(*dst);
	*dst = p;
	*dlen = len;
	return 0;
}

static void
v4(struct ipaddr *a, uint32_t addr)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->bytes, &addr, 4);
}

/* RFC 7296 1.2, 2.23: HDR, [N(COOKIE),] SAi1, KEi, Ni, N(NAT_DETECTION_*). */
static int
init_build(struct bench *b, struct tun *t)
{
	uint8_t		 buf[BENCH_MSG], ke[256], natd[20];
	struct wire_wr	 w = wire_wr_init(buf, sizeof(buf));
	struct ipaddr	 a;
	struct ike_sa_pl sa;
	struct ike_hdr	 h;
	struct ike_enc	 e;
	size_t		 kelen;
	int		 rc;

	memset(&h, 0, sizeof(h));
	h.ispi = t->ispi;
	h.version = IKE_VERSION_2;
	h.exchange = IKE_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	if ((rc = ike_dh_public(t->dh, ke, sizeof(ke), &kelen)) != 0)
		return rc;
	if ((rc = ike_prop_to_sa(&b->ike, 1, 0, 0, 0, &sa)) != 0)
		return rc;
	ike_enc_init(&e, &w, &h);
	if (t->cookie_len) /* RFC 7296 2.6: the COOKIE first */
		ike_enc_notify(&e, 0, IKE_N_COOKIE, NULL, 0, t->cookie, t->cookie_len);
	ike_enc_sa(&e, &sa);
	ike_enc_ke(&e, IKE_DH_ECP256, ke, kelen);
	ike_enc_nonce(&e, t->ni, sizeof(t->ni));
	v4(&a, t->src);
	ike_natd_hash(t->ispi, 0, &a, ntohs(b->server.sin_port), natd);
	ike_enc_notify(&e, 0, IKE_N_NAT_DETECTION_SOURCE_IP, NULL, 0, natd, sizeof(natd));
	v4(&a, b->server.sin_addr.s_addr);
	ike_natd_hash(t->ispi, 0, &a, ntohs(b->server.sin_port), natd);
	ike_enc_notify(&e, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, natd, sizeof(natd));
	if ((rc = ike_enc_end(&e)) != 0)
		return rc;
	if ((rc = keep(&t->init_req, &t->init_req_len, buf, wire_wr_len(&w))) != 0)
		return rc;
	return keep(&t->req, &t->req_len, buf, wire_wr_len(&w));
}

static int
tun_start(struct bench *b, size_t i)
{
	struct tun *t = &b->t[i];
	uint32_t    r;
	int	    rc;

	if (RAND_bytes((uint8_t *)&r, sizeof(r)) != 1 ||
	    RAND_bytes(t->ni, sizeof(t->ni)) != 1 ||
	    RAND_bytes((uint8_t *)&t->spi_in, sizeof(t->spi_in)) != 1)
		return -EIO;
	t->spi_in |= 0x100;
	/* The index in the low half finds the tunnel of an answer. */
	t->ispi = ((uint64_t)(r | 1) << 32) | (uint64_t)(i + 1);
	if ((rc = ike_dh_new(IKE_DH_ECP256, &t->dh)) != 0)
		return rc;
	if ((rc = init_build(b, t)) != 0)
		return rc;
	t->st = T_INIT_SENT;
	t->tries = 1;
	b->inflight++;
	if (!b->first_us)
		b->first_us = now_us();
	if (tun_send(b, t) != 0)
		tun_end(b, t, T_FAILED, F_SEND);
	return 0;
}

static void
ts_v4(struct ike_ts *ts, uint32_t start, uint32_t end)
{
	memset(ts, 0, sizeof(*ts));
	ts->type = IKE_TS_IPV4_ADDR_RANGE;
	ts->eport = 65535;
	memcpy(ts->start, &start, 4);
	memcpy(ts->end, &end, 4);
}

/* The ID payload body IDi' of RFC 7296 2.15: type, 3 reserved, data. */
static size_t
id_body(size_t i, uint8_t *buf, size_t cap, char *name, size_t namecap)
{
	int n = snprintf(name, namecap, "i%zu.bench", i);

	if (n < 0 || (size_t)n + 4 > cap)
		return 0;
	buf[0] = IKE_ID_FQDN;
	buf[1] = buf[2] = buf[3] = 0;
	memcpy(buf + 4, name, (size_t)n);
	return (size_t)n + 4;
}

/* RFC 7296 1.2: HDR, SK {IDi, AUTH, SAi2, TSi, TSr}. */
static int
auth_build(struct bench *b, struct tun *t, size_t i)
{
	uint8_t		     buf[BENCH_MSG], idb[64], auth[IKE_AUTH_MAX];
	struct wire_wr	     w = wire_wr_init(buf, sizeof(buf));
	struct ike_auth_data ad;
	struct ike_sa_pl     sa;
	struct ike_ts	     tsi, tsr;
	struct ike_hdr	     h;
	struct ike_enc	     e;
	char		     name[32];
	size_t		     idlen, alen;
	int		     rc;

	if (!(idlen = id_body(i, idb, sizeof(idb), name, sizeof(name))))
		return -EINVAL;
	memset(&ad, 0, sizeof(ad));
	ad.prf = t->suite.prf;
	ad.sk_p = &t->keys.pi;
	ad.msg = wire_rd_init(t->init_req, t->init_req_len);
	ad.nonce = wire_rd_init(t->nr, t->nr_len);
	ad.id = wire_rd_init(idb, idlen);
	if ((rc = ike_auth_psk(&ad, &b->psk, auth, sizeof(auth), &alen)) != 0)
		return rc;
	if ((rc = ike_prop_to_sa(&b->esp, 1, 4, t->spi_in, IKE_SEL_NO_DH, &sa)) != 0)
		goto out;
	ts_v4(&tsi, htonl(0x0ac80000u + (uint32_t)i + 1), htonl(0x0ac80000u + (uint32_t)i + 1));
	ts_v4(&tsr, htonl(0x0a640000u), htonl(0x0a64ffffu));

	memset(&h, 0, sizeof(h));
	h.ispi = t->ispi;
	h.rspi = t->rspi;
	h.version = IKE_VERSION_2;
	h.exchange = IKE_AUTH;
	h.flags = IKE_FLAG_INITIATOR;
	h.msgid = 1;
	if (t->natt)
		wire_put_u32(&w, 0); /* RFC 3948 2.2: non-ESP marker */
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &t->sk.out);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, idb + 4, idlen - 4);
	ike_enc_auth(&e, IKE_AUTH_PSK, auth, alen);
	ike_enc_sa(&e, &sa);
	ike_enc_ts(&e, IKE_PL_TSI, &tsi, 1);
	ike_enc_ts(&e, IKE_PL_TSR, &tsr, 1);
	if ((rc = ike_sk_seal(&t->sk.out, &e)) != 0)
		goto out;
	rc = keep(&t->req, &t->req_len, buf, wire_wr_len(&w));
out:
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

/* RFC 7296 2.23: does the responder's NAT detection say there is a NAT
 * between us (either hash not what we see)? No notifies: no NAT-T. */
static bool
natd_nat(const struct bench *b, const struct tun *t, const struct ike_msg *m)
{
	uint8_t	      src[20], dst[20];
	struct ipaddr a;
	bool	      nat = false;

	v4(&a, b->server.sin_addr.s_addr);
	ike_natd_hash(t->ispi, m->hdr.rspi, &a, ntohs(b->server.sin_port), src);
	v4(&a, t->src);
	ike_natd_hash(t->ispi, m->hdr.rspi, &a, ntohs(b->server.sin_port), dst);
	for (unsigned k = 0; k < m->nnotify; k++) {
		const struct ike_notify_pl *n = &m->notify[k];

		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP)
			nat |= n->data.len != 20 || CRYPTO_memcmp(n->data.p, src, 20) != 0;
		else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP)
			nat |= n->data.len != 20 || CRYPTO_memcmp(n->data.p, dst, 20) != 0;
	}
	return nat;
}

static void
init_answer(struct bench *b, struct tun *t, size_t i, struct ike_msg *m)
{
	const struct ike_notify_pl *n;
	struct secret		    gir;
	int			    rc;

	if ((n = ike_msg_notify(m, IKE_N_COOKIE))) {
		/* RFC 7296 2.6: the same request again, the COOKIE first */
		if (t->cookie_len || n->data.len == 0 || n->data.len > sizeof(t->cookie)) {
			tun_end(b, t, T_FAILED, F_BAD_INIT);
			return;
		}
		memcpy(t->cookie, n->data.p, n->data.len);
		t->cookie_len = n->data.len;
		b->cookies++;
		if (init_build(b, t) != 0 || tun_send(b, t) != 0)
			tun_end(b, t, T_FAILED, F_SEND);
		return;
	}
	if ((n = ike_msg_notify_error(m))) {
		fprintf(stderr, "tunnel %zu: IKE_SA_INIT answered with notify %u\n", i,
		    n->type);
		tun_end(b, t, T_FAILED, F_NOTIFY_INIT);
		return;
	}
	if (!m->hdr.rspi || !ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || m->nonce.len < IKE_NONCE_MIN ||
	    m->nonce.len > IKE_NONCE_MAX || m->ke.group != IKE_DH_ECP256 ||
	    ike_prop_check_reply(&b->ike, 1, &m->sa, 0, &t->suite) != IKE_OK) {
		tun_end(b, t, T_FAILED, F_BAD_INIT);
		return;
	}
	t->rspi = m->hdr.rspi;
	t->natt = natd_nat(b, t, m);
	memcpy(t->nr, m->nonce.p, m->nonce.len);
	t->nr_len = m->nonce.len;
	memset(&gir, 0, sizeof(gir));
	rc = ike_dh_derive(t->dh, m->ke.data.p, m->ke.data.len, &gir);
	if (rc == 0)
		rc = ike_keys_from_dh(&t->suite, &gir, wire_rd_init(t->ni, sizeof(t->ni)),
		    wire_rd_init(t->nr, t->nr_len), t->ispi, t->rspi, &t->keys);
	secret_wipe(&gir);
	ike_dh_free(t->dh);
	t->dh = NULL;
	if (rc != 0) {
		tun_end(b, t, T_FAILED, F_BAD_INIT);
		return;
	}
	if (keep(&t->init_resp, &t->init_resp_len, m->raw.p, m->raw.len) != 0 ||
	    ike_sk_init(&t->sk, &t->suite, &t->keys, true) != 0 || auth_build(b, t, i) != 0) {
		tun_end(b, t, T_FAILED, F_BAD_INIT);
		return;
	}
	t->st = T_AUTH_SENT;
	t->tries = 1;
	if (tun_send(b, t) != 0)
		tun_end(b, t, T_FAILED, F_SEND);
}

static void
auth_answer(struct bench *b, struct tun *t, size_t i, struct ike_msg *m)
{
	const struct ike_notify_pl *n;
	struct ike_child_keys	    ck;
	struct ike_auth_data	    ad;
	struct ike_suite	    cs;
	struct wire_rd		    inner;

	if (!ike_msg_has(m, IKE_PL_SK) || m->hdr.rspi != t->rspi)
		return; /* not protected: not from this SA */
	if (m->sk.body.len > sizeof(b->plain) ||
	    ike_sk_open(&t->sk.in, m, b->plain, sizeof(b->plain), &inner) != 0)
		return; /* RFC 7296 2.21.1: integrity failed, dropped */
	if (ike_msg_decode_inner(m, m->sk.first, inner) != IKE_OK) {
		tun_end(b, t, T_FAILED, F_BAD_AUTH);
		return;
	}
	if ((n = ike_msg_notify_error(m))) {
		fprintf(stderr, "tunnel %zu: IKE_AUTH answered with notify %u\n", i, n->type);
		tun_end(b, t, T_FAILED, F_NOTIFY_AUTH);
		return;
	}
	if (!ike_msg_has(m, IKE_PL_IDR) || !ike_msg_has(m, IKE_PL_AUTH) ||
	    m->auth.method != IKE_AUTH_PSK) {
		tun_end(b, t, T_FAILED, F_BAD_AUTH);
		return;
	}
	memset(&ad, 0, sizeof(ad));
	ad.prf = t->suite.prf;
	ad.sk_p = &t->keys.pr;
	ad.msg = wire_rd_init(t->init_resp, t->init_resp_len);
	ad.nonce = wire_rd_init(t->ni, sizeof(t->ni));
	ad.id = m->idr.body;
	if (ike_auth_psk_verify(&ad, &b->psk, m->auth.data) != 0) {
		tun_end(b, t, T_FAILED, F_AUTH_VERIFY);
		return;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSI) ||
	    !ike_msg_has(m, IKE_PL_TSR) ||
	    ike_prop_check_reply(&b->esp, 1, &m->sa, IKE_SEL_NO_DH, &cs) != IKE_OK) {
		tun_end(b, t, T_FAILED, F_BAD_AUTH);
		return;
	}
	/* RFC 7296 2.17: the first Child SA's keys, as a real initiator would
	 * hand them to its dataplane (there is none here). */
	memset(&ck, 0, sizeof(ck));
	if (ike_child_keys_derive(t->suite.prf, &t->keys.d, NULL,
		wire_rd_init(t->ni, sizeof(t->ni)), wire_rd_init(t->nr, t->nr_len), &cs,
		&ck) != 0) {
		ike_child_keys_wipe(&ck);
		tun_end(b, t, T_FAILED, F_BAD_AUTH);
		return;
	}
	ike_child_keys_wipe(&ck);
	tun_end(b, t, T_DONE, 0);
}

static void
input(struct bench *b, const uint8_t *buf, size_t len)
{
	struct ike_msg *m;
	struct ike_hdr	h;
	struct tun     *t;
	size_t		i;

	if (ike_hdr_decode(wire_rd_init(buf, len), &h) != IKE_OK ||
	    !(h.flags & IKE_FLAG_RESPONSE) || (h.flags & IKE_FLAG_INITIATOR))
		return; /* requests (liveness checks) are not answered */
	i = (size_t)(h.ispi & 0xffffffffu);
	if (i == 0 || i > b->n)
		return;
	t = &b->t[--i];
	if (t->ispi != h.ispi)
		return;
	if (!(m = malloc(sizeof(*m))))
		return;
	if (ike_msg_decode(wire_rd_init(buf, len), m) != IKE_OK)
		goto out;
	if (t->st == T_INIT_SENT && h.exchange == IKE_SA_INIT && h.msgid == 0)
		init_answer(b, t, i, m);
	else if (t->st == T_AUTH_SENT && h.exchange == IKE_AUTH && h.msgid == 1)
		auth_answer(b, t, i, m);
out:
	free(m);
}

static void
timers(struct bench *b)
{
	uint64_t now = now_ms();

	for (size_t i = 0; i < b->next; i++) {
		struct tun *t = &b->t[i];

		if (t->st != T_INIT_SENT && t->st != T_AUTH_SENT)
			continue;
		if (now - t->sent_ms < BENCH_RTX_MS)
			continue;
		if (t->tries >= BENCH_TRIES) {
			tun_end(b, t, T_FAILED,
			    t->st == T_INIT_SENT ? F_TIMEOUT_INIT : F_TIMEOUT_AUTH);
			continue;
		}
		t->tries++;
		b->rtx++;
		if (tun_send(b, t) != 0)
			tun_end(b, t, T_FAILED, F_SEND);
	}
}

static int
bench_setup(struct bench *b, const char *server, uint16_t port, uint16_t natt_port,
    const char *base, const char *psk)
{
	struct sockaddr_in me;
	struct in_addr	   a;
	char		   err[256];
	int		   on = 1, rc;

	memset(&b->server, 0, sizeof(b->server));
	b->server.sin_family = AF_INET;
	b->server.sin_port = htons(port);
	if (inet_pton(AF_INET, server, &b->server.sin_addr) != 1 ||
	    inet_pton(AF_INET, base, &a) != 1) {
		fprintf(stderr, "bad address\n");
		return -EINVAL;
	}
	if (secret_set_str(&b->psk, psk) != 0)
		return -EINVAL;
	if (ike_prop_parse(BENCH_IKE_PROP, IPSEC_PROTO_IKE, &b->ike, err, sizeof(err)) != 0 ||
	    ike_prop_parse(BENCH_ESP_PROP, IPSEC_PROTO_ESP, &b->esp, err, sizeof(err)) != 0) {
		fprintf(stderr, "proposal: %s\n", err);
		return -EINVAL;
	}
	if (!(b->t = calloc(b->n, sizeof(*b->t))))
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		b->t[i].src = htonl(ntohl(a.s_addr) + (uint32_t)i);
	if ((b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	rc = 4 << 20;
	(void)setsockopt(b->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rc, sizeof(rc));
	(void)setsockopt(b->fd, SOL_SOCKET, SO_SNDBUFFORCE, &rc, sizeof(rc));
	(void)setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons(port);
	if (bind(b->fd, (struct sockaddr *)&me, sizeof(me)) != 0)
		return -errno;
	b->server_natt = b->server;
	b->server_natt.sin_port = htons(natt_port);
	if ((b->fd_natt = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	rc = 4 << 20;
	(void)setsockopt(b->fd_natt, SOL_SOCKET, SO_RCVBUFFORCE, &rc, sizeof(rc));
	me.sin_port = htons(natt_port);
	if (bind(b->fd_natt, (struct sockaddr *)&me, sizeof(me)) != 0)
		return -errno;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ike_setup -s SERVER -b SRC_BASE -n N -k PSK [-w WINDOW] "
	    "[-p PORT] [-t TIMEOUT_S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct bench b;
	const char	   *server = NULL, *base = NULL, *psk = NULL;
	uint16_t	    port = 500;
	unsigned	    timeout_s = 600;
	uint64_t	    deadline;
	uint8_t		    buf[BENCH_MSG];
	double		    secs;
	int		    c;

	b.window = 8;
	while ((c = getopt(argc, argv, "s:b:n:k:w:p:t:")) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'n':
			b.n = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			psk = optarg;
			break;
		case 'w':
			b.window = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!server || !base || !psk || b.n == 0 || b.n > 65000 || b.window == 0)
		usage();
	if (bench_setup(&b, server, port, port == 500 ? 4500 : port + 1, base, psk) != 0) {
		perror("setup");
		return 1;
	}
	deadline = now_ms() + (uint64_t)timeout_s * 1000;
	while (b.ok + b.failed < b.n && now_ms() < deadline) {
		struct pollfd pfd[2] = { { b.fd, POLLIN, 0 }, { b.fd_natt, POLLIN, 0 } };
		ssize_t	      len;

		while (b.inflight < b.window && b.next < b.n) {
			if (tun_start(&b, b.next) != 0) {
				fprintf(stderr, "tunnel %zu: could not start\n", b.next);
				return 1;
			}
			b.next++;
		}
		if (poll(pfd, 2, 20) < 0 && errno != EINTR)
			break;
		while ((len = recv(b.fd, buf, sizeof(buf), 0)) > 0)
			input(&b, buf, (size_t)len);
		/* 4500: IKE behind the non-ESP marker (anything else is ESP) */
		while ((len = recv(b.fd_natt, buf, sizeof(buf), 0)) > 0)
			if (len > 4 && !buf[0] && !buf[1] && !buf[2] && !buf[3])
				input(&b, buf + 4, (size_t)len - 4);
		timers(&b);
	}
	for (size_t i = 0; i < b.n; i++)
		tun_wipe(&b.t[i]);
	secret_wipe(&b.psk);
	for (int k = 0; k < F_MAX; k++)
		if (b.fails[k])
			printf("FAIL %s=%u\n", fail_names[k], b.fails[k]);
	secs = b.last_us > b.first_us ? (double)(b.last_us - b.first_us) / 1e6 : 0.0;
	printf("DONE n=%zu ok=%zu fail=%zu unfinished=%zu cookies=%u retransmits=%u "
	       "seconds=%.3f per_s=%.1f\n",
	    b.n, b.ok, b.failed, b.n - b.ok - b.failed, b.cookies, b.rtx, secs,
	    secs > 0 ? (double)b.ok / secs : 0.0);
	fflush(stdout);
	free(b.t);
	close(b.fd);
	close(b.fd_natt);
	return b.ok == b.n ? 0 : 1;
}
