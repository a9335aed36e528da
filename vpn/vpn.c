/* vpn/vpn.c - the VPN instance: the ESP backend and its events brought to the loop, inbound SPIs, names of reasons and states. */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sockaddr.h"

/*
 * The dataplane calls its events on its own threads; each is copied into
 * a mailbox message and handled here on the loop thread, where the IKE
 * state lives (vpn/esp_sa.h: no backend call from inside a callback).
 */

uint64_t
vpn_now(void)
{
	return mono_ms();
}

void
vpn_random(void *p, size_t n)
{
	/* RAND_bytes only fails when the system has no entropy at all: no
	 * SPI, nonce or IV may then be made, so stop rather than go on. */
	if (RAND_bytes(p, (int)n) != 1)
		abort();
}

/* ------------------------------------------------------------ inbound SPIs */

struct vpn_spi {
	struct hash_node hnode;
	uint32_t	 spi;
};

uint32_t
vpn_spi_get(struct vpn *v)
{
	struct vpn_spi *s;
	uint32_t	spi;

	for (;;) {
		struct hash_node *n;
		bool		  used = false;

		vpn_random(&spi, sizeof(spi));
		if (spi < 256) /* RFC 4303 2.1: 1-255 reserved */
			continue;
		HASH_FOREACH_MATCH(&v->spis, hash_mix(0, spi), n)
			used |= hash_entry(n, struct vpn_spi, hnode)->spi == spi;
		if (!used)
			break;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return 0;
	s->spi = spi;
	if (hash_add(&v->spis, &s->hnode, hash_mix(0, spi)) != 0) {
		free(s);
		return 0;
	}
	return spi;
}

void
vpn_spi_put(struct vpn *v, uint32_t spi)
{
	struct hash_node *n;

	if (spi == 0)
		return;
	HASH_FOREACH_MATCH(&v->spis, hash_mix(0, spi), n) {
		struct vpn_spi *s = hash_entry(n, struct vpn_spi, hnode);

		if (s->spi == spi) {
			hash_del(&v->spis, n);
			free(s);
			return;
		}
	}
}

/* ------------------------------------------------------- dataplane events */

enum vpn_ev_kind {
	VPN_EV_SOFT,
	VPN_EV_HARD,
	VPN_EV_WRAP,
	VPN_EV_TUN_GONE,
	VPN_EV_IKE,
};

struct vpn_ev {
	struct mailbox_msg m;
	enum vpn_ev_kind   kind;
	uint32_t	   tunnel, spi;
	enum esp_dir	   dir;
	struct ipaddr	   from, to;
	uint16_t	   from_port, to_port;
	size_t		   len;
	uint8_t		   msg[];
};

/* Find the Child SA of an ESP event by its SPI in the tunnel's SAs. */
static struct child_sa *
ev_child(struct vpn *v, uint32_t esp_id, uint32_t spi, enum esp_dir dir)
{
	for (struct vpn_tunnel *t = v->tuns; t; t = t->next) {
		if (vpn_tunnel_esp_id(t) != esp_id)
			continue;
		for (struct ike_sa *sa = t->ikes; sa; sa = sa->next) {
			struct child_sa *c =
			    dir == ESP_IN ? child_sa_by_in(sa, spi) : child_sa_by_out(sa, spi);

			if (c)
				return c;
		}
	}
	return NULL;
}

static void
ev_lifetime(struct vpn *v, struct vpn_ev *e)
{
	struct child_sa *c = ev_child(v, e->tunnel, e->spi, e->dir);
	uint64_t	 now = vpn_now();

	if (!c)
		return;
	if (e->kind == VPN_EV_HARD) {
		/* it carries nothing more: expire it now (RFC 4301 4.4.2.1) */
		c->expire_at_ms = now;
		c->rekey_at_ms = 0;
	} else if (c->st == VPN_SA_ESTABLISHED && (!c->rekey_at_ms || c->rekey_at_ms > now))
		c->rekey_at_ms = now; /* soft bytes or near the sequence end: rekey */
	ike_sa_schedule(c->ike);
}

static int
ev_run(struct mailbox_msg *m, void *arg)
{
	struct vpn_ev *e = mailbox_entry(m, struct vpn_ev, m);
	struct vpn    *v = arg;

	if (v->freeing) {
		free(e);
		return 0;
	}
	switch (e->kind) {
	case VPN_EV_SOFT:
	case VPN_EV_HARD:
	case VPN_EV_WRAP:
		ev_lifetime(v, e);
		break;
	case VPN_EV_TUN_GONE:
		vpn_tunnel_tun_gone(v, e->tunnel);
		break;
	case VPN_EV_IKE:
		for (struct ike_sock *s = v->socks; s; s = s->next)
			if (s->natt && ipaddr_cmp(&s->local, &e->to) == 0) {
				ike_input(v, s, e->msg, e->len, &e->from, e->from_port);
				break;
			}
		break;
	}
	free(e);
	return 0;
}

static void
ev_post(struct vpn *v, struct vpn_ev *e)
{
	e->m.fn = ev_run;
	e->m.arg = v;
	if (mailbox_post(v->mb, &e->m) != 0)
		free(e); /* closed or full: the event is lost, as a dropped packet */
}

static void
ev_simple(void *arg, enum vpn_ev_kind kind, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	struct vpn_ev *e = calloc(1, sizeof(*e));

	if (!e)
		return;
	e->kind = kind;
	e->tunnel = tunnel;
	e->spi = spi;
	e->dir = dir;
	ev_post(arg, e);
}

static void
esp_soft(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	ev_simple(arg, VPN_EV_SOFT, tunnel, spi, dir);
}

static void
esp_hard(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	ev_simple(arg, VPN_EV_HARD, tunnel, spi, dir);
}

static void
esp_wrap(void *arg, uint32_t tunnel, uint32_t spi)
{
	ev_simple(arg, VPN_EV_WRAP, tunnel, spi, ESP_OUT);
}

static void
esp_tun_gone(void *arg, uint32_t tunnel)
{
	ev_simple(arg, VPN_EV_TUN_GONE, tunnel, 0, ESP_IN);
}

static void
esp_ike_rx(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
    const struct sockaddr *to)
{
	struct vpn_ev *e;

	if (len > IKE_MSG_MAX || !(e = calloc(1, sizeof(*e) + len)))
		return;
	e->kind = VPN_EV_IKE;
	memcpy(e->msg, msg, len);
	e->len = len;
	ipaddr_from_sockaddr(&e->from, &e->from_port, from);
	if (to)
		ipaddr_from_sockaddr(&e->to, &e->to_port, to);
	ev_post(arg, e);
}

int
vpn_backend(struct vpn *v)
{
	struct esp_events ev = {
		.sa_soft = esp_soft,
		.sa_hard = esp_hard,
		.sa_seq_wrap = esp_wrap,
		.tun_gone = esp_tun_gone,
		.ike_rx = esp_ike_rx,
		.arg = v,
	};
	int rc;

	if (v->be)
		return 0;
	if (!v->cfg.backend_new)
		return -ENOTSUP;
	if ((rc = v->cfg.backend_new(v->cfg.backend_arg, &ev, &v->be)) != 0) {
		v->be = NULL;
		log_err(LOG_MOD_VPN, "cannot start the ESP dataplane: %s", strerror(-rc));
	}
	return rc;
}

/* ------------------------------------------------------------ the instance */

int
vpn_new(const struct vpn_cfg *cfg, struct vpn **out)
{
	struct vpn *v;
	int	    rc = -ENOMEM;

	*out = NULL;
	if (!(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	v->cfg = *cfg;
	v->loop = cfg->loop;
	if (!v->cfg.dos.cookie_threshold)
		v->cfg.dos.cookie_threshold = 30;
	if (!v->cfg.dos.half_open_per_src)
		v->cfg.dos.half_open_per_src = 5;
	if (!v->cfg.dos.half_open_max)
		v->cfg.dos.half_open_max = 4096;
	if (!v->cfg.ike_port)
		v->cfg.ike_port = IKE_PORT;
	if (!v->cfg.natt_port)
		v->cfg.natt_port = IKE_NATT_PORT;
	if (!v->cfg.frag_size)
		v->cfg.frag_size = VPN_FRAG_SIZE;
	hash_init(&v->by_addr, 16);
	hash_init(&v->by_spi, 64);
	hash_init(&v->half_open, 64);
	hash_init(&v->spis, 64);
	hash_init(&v->devs, 16);
	vpn_random(v->cookie_secret, sizeof(v->cookie_secret));
	vpn_random(&v->hash_seed, sizeof(v->hash_seed));
	v->cookie_rotated_ms = vpn_now();
	if (!(v->rx = malloc(VPN_MSG_BUF)) || !(v->plain = malloc(VPN_MSG_BUF)) ||
	    !(v->tx = malloc(VPN_MSG_BUF)) || !(v->whole = malloc(IKE_FRAG_BUF)) ||
	    !(v->mb = mailbox_new(65536)))
		goto out;
	if ((rc = mailbox_attach(v->mb, v->loop, false)) != 0)
		goto out; /* a libuv error: -errno */
	*out = v;
	return 0;
out:
	if (v->mb)
		mailbox_free(v->mb);
	free(v->rx);
	free(v->plain);
	free(v->tx);
	free(v->whole);
	free(v);
	return rc;
}

static int
spi_free_one(struct hash_node *n, void *arg)
{
	struct hash *h = arg;

	hash_del(h, n);
	free(hash_entry(n, struct vpn_spi, hnode));
	return 0;
}

void
vpn_free(struct vpn *v)
{
	if (!v)
		return;
	while (v->tuns)
		vpn_tunnel_del(v->tuns);
	/* Half-open responder SAs have no tunnel of ours left to die with. */
	while (v->half_open.count) {
		struct ike_sa *sa = NULL;

		for (size_t i = 0; i < v->half_open.nb && !sa; i++)
			if (v->half_open.b[i])
				sa = hash_entry(v->half_open.b[i], struct ike_sa, ho_node);
		ike_sa_destroy(sa);
	}
	v->freeing = true;
	/* Stop the dataplane first: no event can be posted after it. */
	esp_backend_free(v->be);
	v->be = NULL;
	/* mailbox_free closes the poll handle and frees the memory once the
	 * loop has done with it (a detach first would free it at once, under
	 * the closing handle) */
	mailbox_purge(v->mb, NULL, NULL, NULL);
	mailbox_free(v->mb);
	hash_walk(&v->spis, spi_free_one, &v->spis);
	hash_fini(&v->spis);
	hash_fini(&v->by_addr);
	hash_fini(&v->by_spi);
	hash_fini(&v->half_open);
	hash_fini(&v->devs);
	explicit_bzero(v->cookie_secret, sizeof(v->cookie_secret));
	free(v->rx);
	if (v->plain)
		explicit_bzero(v->plain, VPN_MSG_BUF); /* decrypted payloads */
	free(v->plain);
	free(v->tx);
	if (v->whole)
		explicit_bzero(v->whole, IKE_FRAG_BUF);
	free(v->whole);
	free(v);
}

void
vpn_state_get(struct vpn *v, struct vpn_state *s)
{
	memset(s, 0, sizeof(*s));
	s->dataplane = v->be != NULL;
	if (v->be && v->cfg.backend_stats)
		v->cfg.backend_stats(v->be, &s->dp);
	s->ike_dropped = v->rx_dropped;
	s->ike_invalid = v->rx_bad;
	s->cookies_sent = v->cookies_sent;
	s->half_open_refused = v->half_open_refused;
	s->half_open = v->n_half_open;
}

int
vpn_tunnel_walk(struct vpn *v, int (*fn)(struct vpn_tunnel *, void *), void *arg)
{
	int rc;

	for (struct vpn_tunnel *t = v->tuns; t; t = t->next)
		if ((rc = fn(t, arg)) != 0)
			return rc;
	return 0;
}

/* ------------------------------------------------------------------ names */

const char *
vpn_reason_name(enum vpn_reason r)
{
	/* clang-format off */
	static const char *const names[] = {
		[VPN_R_NONE] = "none", [VPN_R_ADMIN] = "admin",
		[VPN_R_CONNECTING] = "connecting", [VPN_R_DPD] = "dpd",
		[VPN_R_PEER_DELETE] = "peer-deleted", [VPN_R_PEER_RESTART] = "peer-restarted",
		[VPN_R_TUN_GONE] = "tun-gone", [VPN_R_AUTH_FAILED] = "auth-failed",
		[VPN_R_NO_PROPOSAL] = "no-proposal", [VPN_R_TS_UNACCEPTABLE] = "ts-unacceptable",
		[VPN_R_TIMEOUT] = "timeout", [VPN_R_EXPIRED] = "expired",
		[VPN_R_PEER_ERROR] = "peer-error", [VPN_R_INTERNAL] = "internal",
	};
	/* clang-format on */

	return (unsigned)r < VPN_NITEMS(names) && names[r] ? names[r] : "unknown";
}

const char *
vpn_sa_st_name(enum vpn_sa_st s)
{
	static const char *const names[] = {
		[VPN_SA_CONNECTING] = "connecting",
		[VPN_SA_ESTABLISHED] = "established",
		[VPN_SA_REKEYING] = "rekeying",
		[VPN_SA_REKEYED] = "rekeyed",
		[VPN_SA_DELETING] = "deleting",
	};

	return (unsigned)s < VPN_NITEMS(names) && names[s] ? names[s] : "unknown";
}
