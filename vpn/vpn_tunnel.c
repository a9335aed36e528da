/* vpn/vpn_tunnel.c - a configured tunnel: its device and addresses, its IKE and Child SAs, up and down, re-initiation with back-off, its state. */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

/*
 * A tunnel is up while one of its Child SAs carries traffic. When the last
 * goes (DPD, a Delete from the peer, a lifetime, the device), the gateway
 * hears why, and a tunnel that initiates tries again: at once for a new
 * Child SA over a live IKE SA, else a new IKE SA, backing off from 1 s to
 * 60 s (with jitter) while attempts fail. A responder waits for its peer.
 *
 * The TUN device belongs to the vpn, not to the tunnel: a commit that
 * replaces a tunnel (new addresses, say) hands the device to the new one,
 * so routes and BGP sessions on it are not torn down with it.
 */

struct in6_ifreq_hgw { /* <linux/ipv6.h>'s in6_ifreq, which clashes with libc */
	struct in6_addr addr;
	uint32_t	prefixlen;
	int		ifindex;
};

const char *
vpn_tunnel_name(const struct vpn_tunnel *t)
{
	static char buf[2 * VPN_NAME_MAX + 16];

	snprintf(buf, sizeof(buf), "vpn %s tunnel %s", t->p.cfg.connection, t->p.cfg.tunnel);
	return buf;
}

uint32_t
vpn_tunnel_dpd_ms(const struct vpn_tunnel *t)
{
	return (t->p.cfg.dpd_timeout_s ? t->p.cfg.dpd_timeout_s : VPN_DPD_TIMEOUT) * 1000;
}

uint32_t
vpn_tunnel_esp_id(const struct vpn_tunnel *t)
{
	return t->p.dev ? t->p.dev->esp_id : 0;
}

void *
vpn_tunnel_ctx(const struct vpn_tunnel *t)
{
	return t->ctx;
}

bool
vpn_tunnel_is_up(const struct vpn_tunnel *t)
{
	return t->up;
}

const char *
vpn_tunnel_ifname(const struct vpn_tunnel *t)
{
	return t->p.cfg.ifname;
}

static uint32_t
addr_key(const struct vpn *v, const struct ipaddr *l, const struct ipaddr *r)
{
	return hash_bytes(r->bytes, 16, hash_bytes(l->bytes, 16, v->hash_seed ^ l->family));
}

struct vpn_tunnel *
vpn_tunnel_by_addr(struct vpn *v, const struct ipaddr *local, const struct ipaddr *remote)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&v->by_addr, addr_key(v, local, remote), n) {
		struct vpn_tunnel *t = hash_entry(n, struct vpn_tunnel, addr_node);

		if (!t->deleting && ipaddr_cmp(&t->p.cfg.local, local) == 0 &&
		    ipaddr_cmp(&t->p.cfg.remote, remote) == 0)
			return t;
	}
	return NULL;
}

/* ------------------------------------------------------------- devices */

static struct vpn_dev *
dev_find(struct vpn *v, const char *name)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&v->devs, hash_str(name), n) {
		struct vpn_dev *d = hash_entry(n, struct vpn_dev, hnode);

		if (strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

static int
dev_get(struct vpn *v, const struct vpn_tunnel_cfg *c, struct vpn_dev **out)
{
	struct esp_tunnel_cfg tc;
	struct vpn_dev	     *d = dev_find(v, c->ifname);
	int		      rc;

	if (d && !d->gone) {
		d->refs++;
		*out = d;
		return 0;
	}
	if (d) /* deleted under us: a new one of that name */
		return -EBUSY;
	if (!(d = calloc(1, sizeof(*d))))
		return -ENOMEM;
	memset(&tc, 0, sizeof(tc));
	snprintf(tc.ifname, sizeof(tc.ifname), "%s", c->ifname);
	tc.mtu = c->mtu;
	tc.mss = c->mss;
	tc.local = c->local;
	tc.remote = c->remote;
	tc.udp_encap = c->natt != VPN_NATT_OFF;
	tc.local_port = tc.remote_port = v->cfg.natt_port;
	if ((rc = esp_tunnel_add(v->be, &tc, &d->esp_id)) != 0) {
		free(d);
		return rc;
	}
	snprintf(d->name, sizeof(d->name), "%s", c->ifname);
	d->refs = 1;
	if (hash_add(&v->devs, &d->hnode, hash_str(d->name)) != 0) {
		(void)esp_tunnel_del(v->be, d->esp_id);
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

static void
dev_put(struct vpn *v, struct vpn_dev *d)
{
	if (!d || --d->refs > 0)
		return;
	hash_del(&v->devs, &d->hnode);
	if (v->be)
		(void)esp_tunnel_del(v->be, d->esp_id); /* its addresses go with it */
	free(d);
}

/* Put (add) or take (del) the inside address on the device. */
static int
dev_addr(const char *ifname, const struct ipaddr *a, uint8_t len, bool add)
{
	struct ifreq ifr;
	int	     s, rc = 0;

	if (!a->family)
		return 0;
	if ((s = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		uint32_t	    mask = len ? htonl(~0u << (32 - len)) : 0;

		sin->sin_family = AF_INET;
		if (add)
			memcpy(&sin->sin_addr, a->bytes, 4);
		/* setting 0.0.0.0 removes the address */
		if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
			rc = -errno;
			goto out;
		}
		if (add) {
			sin->sin_addr.s_addr = mask;
			if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
				rc = -errno;
		}
	} else {
		struct in6_ifreq_hgw r6;

		if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
			rc = -errno;
			goto out;
		}
		memset(&r6, 0, sizeof(r6));
		memcpy(&r6.addr, a->bytes, 16);
		r6.prefixlen = len;
		r6.ifindex = ifr.ifr_ifindex;
		if (ioctl(s, add ? SIOCSIFADDR : SIOCDIFADDR, &r6) < 0 &&
		    (add || errno != EADDRNOTAVAIL))
			rc = -errno;
	}
out:
	close(s);
	return rc;
}

static void
dev_addr_set(struct vpn_tunnel *t)
{
	struct vpn_dev		    *d = t->p.dev;
	const struct vpn_tunnel_cfg *c = &t->p.cfg;
	char			     a[IPADDR_STRLEN];
	int			     rc;

	if (!d)
		return;
	if (d->addr.family &&
	    (ipaddr_cmp(&d->addr, &c->inside) != 0 || d->addr_len != c->inside_len)) {
		(void)dev_addr(d->name, &d->addr, d->addr_len, false);
		memset(&d->addr, 0, sizeof(d->addr));
	}
	if (!c->inside.family || d->addr.family)
		return;
	if ((rc = dev_addr(d->name, &c->inside, c->inside_len, true)) != 0 && rc != -EEXIST) {
		log_err(LOG_MOD_VPN, "%s: cannot put %s/%u on %s: %s", vpn_tunnel_name(t),
		    ipaddr_fmt(&c->inside, a, sizeof(a)), c->inside_len, d->name,
		    strerror(-rc));
		return;
	}
	d->addr = c->inside;
	d->addr_len = c->inside_len;
}

/* ---------------------------------------------------------- up and down */

static bool
tunnel_carrying(const struct vpn_tunnel *t)
{
	for (const struct ike_sa *sa = t->ikes; sa; sa = sa->next) {
		if (sa->st == IKE_ST_DEAD || sa->st == IKE_ST_DELETING)
			continue;
		for (const struct child_sa *c = sa->children; c; c = c->next)
			if (c->out_active)
				return true;
	}
	return false;
}

void
vpn_tunnel_child_up(struct vpn_tunnel *t, struct child_sa *c)
{
	struct vpn *v = t->vpn;
	char	    s[96];

	if (t->up || !c->out_active)
		return;
	t->up = true;
	t->st = VPN_TS_UP;
	t->up_ms = vpn_now();
	t->ups++;
	t->retry_ms = 0;
	t->last_reason = VPN_R_NONE;
	t->last_detail[0] = '\0';
	ike_suite_print(&c->suite, s, sizeof(s));
	log_info(LOG_MOD_VPN, "%s: up on %s (Child SA %08x/%08x, %s%s)", vpn_tunnel_name(t),
	    t->p.cfg.ifname, c->spi_in, c->spi_out, s, t->esp_udp ? ", ESP in UDP" : "");
	if (v->cfg.ev.tunnel_up)
		v->cfg.ev.tunnel_up(v->cfg.ev.arg, t, t->p.cfg.ifname);
}

static void
retry_fired(uv_timer_t *h)
{
	struct vpn_tunnel *t = h->data;

	t->retry_armed = false;
	vpn_tunnel_initiate(t);
}

void
vpn_tunnel_retry(struct vpn_tunnel *t)
{
	uint32_t r, delay;

	if (t->deleting || t->retry_armed || t->p.cfg.initiation != VPN_INITIATE)
		return;
	t->retry_ms = t->retry_ms ? t->retry_ms * 2 : VPN_RETRY_FIRST_MS;
	if (t->retry_ms > VPN_RETRY_MAX_MS)
		t->retry_ms = VPN_RETRY_MAX_MS;
	vpn_random(&r, sizeof(r));
	delay = t->retry_ms + r % (t->retry_ms / 4 + 1);
	t->retry_armed = true;
	uv_timer_start(&t->retry_timer, retry_fired, delay, 0);
}

void
vpn_tunnel_sa_gone(struct vpn_tunnel *t, enum vpn_reason r, const char *detail)
{
	struct vpn *v = t->vpn;
	bool	    ike_alive = false;

	if (t->deleting || tunnel_carrying(t))
		return;
	if (r != VPN_R_NONE) {
		t->last_reason = r;
		snprintf(t->last_detail, sizeof(t->last_detail), "%s", detail ? detail : "");
	}
	if (t->up) {
		t->up = false;
		t->st = VPN_TS_DOWN;
		log_warn(LOG_MOD_VPN, "%s: down (%s%s%s)", vpn_tunnel_name(t),
		    vpn_reason_name(t->last_reason), t->last_detail[0] ? ": " : "",
		    t->last_detail);
		if (v->cfg.ev.tunnel_down)
			v->cfg.ev.tunnel_down(v->cfg.ev.arg, t, t->last_reason, t->last_detail);
	}
	for (struct ike_sa *sa = t->ikes; sa; sa = sa->next)
		if (sa->st == IKE_ST_ESTABLISHED || sa->st == IKE_ST_INIT_SENT ||
		    sa->st == IKE_ST_AUTH_SENT || sa->st == IKE_ST_HALF_OPEN)
			ike_alive = true;
	t->st = ike_alive ? VPN_TS_CONNECTING : VPN_TS_DOWN;
	if (t->p.dev && t->p.dev->gone)
		return; /* nothing to carry traffic on: until configured again */
	vpn_tunnel_retry(t);
}

void
vpn_tunnel_initiate(struct vpn_tunnel *t)
{
	struct ike_sa *sa;

	if (t->deleting || tunnel_carrying(t) || t->p.cfg.initiation != VPN_INITIATE ||
	    (t->p.dev && t->p.dev->gone))
		return;
	for (sa = t->ikes; sa; sa = sa->next) {
		if (sa->st == IKE_ST_ESTABLISHED) {
			/* a live IKE SA without a Child SA (the peer deleted it) */
			bool making = sa->pend_active && sa->pend.kind == IKE_T_CHILD_NEW;

			for (unsigned i = 0; i < sa->ntasks; i++)
				making |= sa->tasks[i].kind == IKE_T_CHILD_NEW;
			if (!making)
				ike_task_add(sa, IKE_T_CHILD_NEW, NULL, 0);
			vpn_tunnel_retry(t); /* in case that fails too */
			return;
		}
		if (sa->st == IKE_ST_INIT_SENT || sa->st == IKE_ST_AUTH_SENT ||
		    sa->st == IKE_ST_HALF_OPEN)
			return;
	}
	t->st = VPN_TS_CONNECTING;
	if (!(sa = ike_sa_new(t, true))) {
		vpn_tunnel_retry(t);
		return;
	}
	if (ike_init_start(sa) != 0) {
		ike_sa_destroy(sa);
		vpn_tunnel_retry(t);
	}
}

void
vpn_tunnel_ike_up(struct vpn_tunnel *t, struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	/* One IKE SA per tunnel: an older one goes (RFC 7296 2.4: silently
	 * when the peer says it remembers nothing, INITIAL_CONTACT) */
	for (o = t->ikes; o; o = next) {
		next = o->next;
		if (o == sa || o->st == IKE_ST_DEAD || o->st == IKE_ST_REKEYED ||
		    o->st == IKE_ST_REKEYING || o->st == IKE_ST_DELETING)
			continue;
		if (sa->initial_contact) {
			log_info(LOG_MOD_VPN, "%s: the peer restarted: old SA dropped",
			    ike_sa_name(o));
			ike_sa_destroy(o);
		} else
			ike_sa_delete(o, VPN_R_PEER_RESTART, "replaced by a new IKE SA");
		next = t->ikes; /* the list changed under us */
	}
}

void
vpn_tunnel_esp_path(struct vpn_tunnel *t, const struct ike_sa *sa)
{
	struct vpn	     *v = t->vpn;
	struct esp_tunnel_cfg c;
	int		      rc;

	if (!v->be || !t->p.dev)
		return;
	if (t->esp_path_set && t->esp_udp == sa->natt &&
	    ipaddr_cmp(&t->esp_remote, &sa->remote) == 0 &&
	    (!sa->natt || t->esp_rport == sa->rport))
		return;
	memset(&c, 0, sizeof(c));
	c.local = t->p.cfg.local;
	c.remote = sa->remote;
	c.udp_encap = sa->natt;
	c.local_port = v->cfg.natt_port;
	c.remote_port = sa->rport;
	if ((rc = esp_tunnel_peer_set(v->be, t->p.dev->esp_id, &c)) != 0) {
		log_err(LOG_MOD_VPN, "%s: cannot point ESP at the peer: %s", vpn_tunnel_name(t),
		    strerror(-rc));
		return;
	}
	t->esp_path_set = true;
	t->esp_udp = sa->natt;
	t->esp_remote = sa->remote;
	t->esp_rport = sa->rport;
}

void
vpn_tunnel_tun_gone(struct vpn *v, uint32_t esp_id)
{
	for (struct vpn_tunnel *t = v->tuns; t; t = t->next) {
		if (!t->p.dev || t->p.dev->esp_id != esp_id)
			continue;
		t->p.dev->gone = true;
		log_err(LOG_MOD_VPN,
		    "%s: device %s deleted under us: tunnel down until it is "
		    "configured again",
		    vpn_tunnel_name(t), t->p.cfg.ifname);
		while (t->ikes) {
			struct ike_sa *sa = t->ikes;

			if (sa->st == IKE_ST_ESTABLISHED) {
				ike_sa_delete(sa, VPN_R_TUN_GONE, "the device was deleted");
				if (t->ikes == sa && sa->st != IKE_ST_DEAD)
					break; /* its Delete is out */
			} else
				ike_sa_fail(sa, VPN_R_TUN_GONE, "the device was deleted");
		}
		vpn_tunnel_sa_gone(t, VPN_R_TUN_GONE, "the device was deleted");
	}
}

/* ------------------------------------------------------------ configuration */

static int
prep_ids(struct vpn_prep *p, struct vpn_cfg_err *err)
{
	const struct vpn_tunnel_cfg *c = &p->cfg;
	char			     msg[256];

	if (c->local_id[0]) {
		if (ike_id_parse(c->local_id, &p->local_id, msg, sizeof(msg)) != 0)
			goto bad_local;
	} else if (c->auth == VPN_AUTH_CERT) {
		if (ike_id_from_cert(p->cert, &p->local_id) != 0) {
			snprintf(msg, sizeof(msg), "no subject in %.200s", c->cert);
			goto bad_local;
		}
	} else {
		memset(&p->local_id, 0, sizeof(p->local_id));
		p->local_id.type =
		    c->local.family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		p->local_id.len = c->local.family == AF_INET ? 4 : 16;
		memcpy(p->local_id.data, c->local.bytes, p->local_id.len);
	}
	if (c->remote_id[0]) {
		if (ike_id_parse(c->remote_id, &p->remote_id, msg, sizeof(msg)) != 0) {
			snprintf(err->field, sizeof(err->field), "ike/remote-id");
			snprintf(err->msg, sizeof(err->msg), "%.300s", msg);
			return -EINVAL;
		}
	} else {
		memset(&p->remote_id, 0, sizeof(p->remote_id));
		p->remote_id.type = IKE_ID_ANY;
	}
	return 0;
bad_local:
	snprintf(err->field, sizeof(err->field), "ike/local-id");
	snprintf(err->msg, sizeof(err->msg), "%.300s", msg);
	return -EINVAL;
}

int
vpn_tunnel_prepare(struct vpn *v, const struct vpn_tunnel_cfg *cfg,
    const struct vpn_tunnel *old, struct vpn_prep **out, struct vpn_cfg_err *err)
{
	struct vpn_prep *p;
	int		 rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->vpn = v;
	vpn_tunnel_cfg_copy(&p->cfg, cfg);
	if ((rc = vpn_cfg_props(&p->cfg, p->ike, &p->nike, p->esp, &p->nesp, err)) != 0 ||
	    (rc = vpn_cfg_creds(&p->cfg, p, err)) != 0 || (rc = prep_ids(p, err)) != 0)
		goto out;
	if ((rc = vpn_backend(v)) != 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot start the ESP dataplane: %s",
		    strerror(-rc));
		goto out;
	}
	if ((rc = ike_sock_get(v, &p->cfg.local, false, &p->sock)) != 0) {
		snprintf(err->field, sizeof(err->field), "tunnel/local-address");
		snprintf(err->msg, sizeof(err->msg), "cannot bind IKE to UDP %u: %s",
		    v->cfg.ike_port, strerror(-rc));
		goto out;
	}
	if ((rc = ike_sock_get(v, &p->cfg.local, true, &p->sock_natt)) != 0) {
		snprintf(err->field, sizeof(err->field), "tunnel/local-address");
		snprintf(err->msg, sizeof(err->msg), "cannot bind IKE to UDP %u: %s",
		    v->cfg.natt_port, strerror(-rc));
		goto out;
	}
	if ((rc = dev_get(v, &p->cfg, &p->dev)) != 0) {
		snprintf(err->field, sizeof(err->field), "tunnel/interface");
		snprintf(err->msg, sizeof(err->msg), "cannot create the tunnel device %s: %s",
		    p->cfg.ifname, strerror(-rc));
		goto out;
	}
	*out = p;
	(void)old;
out:
	if (rc != 0)
		vpn_tunnel_abort(v, p);
	return rc;
}

static void
prep_free_parts(struct vpn *v, struct vpn_prep *p)
{
	vpn_prep_release(p);
	ike_sock_put(p->sock);
	ike_sock_put(p->sock_natt);
	dev_put(v, p->dev);
	p->sock = p->sock_natt = NULL;
	p->dev = NULL;
}

void
vpn_tunnel_abort(struct vpn *v, struct vpn_prep *p)
{
	if (!p)
		return;
	prep_free_parts(v, p);
	free(p);
}

static void
tunnel_hash(struct vpn_tunnel *t)
{
	struct vpn *v = t->vpn;

	if (hash_add(&v->by_addr, &t->addr_node,
		addr_key(v, &t->p.cfg.local, &t->p.cfg.remote)) != 0)
		abort(); /* the table is only missing buckets: out of memory */
}

struct vpn_tunnel *
vpn_tunnel_start(struct vpn *v, struct vpn_prep *p, void *ctx)
{
	struct vpn_tunnel *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->vpn = v;
	t->ctx = ctx;
	t->p = *p; /* the prep's resources are the tunnel's now */
	free(p);
	t->st = VPN_TS_DOWN;
	t->last_reason = VPN_R_CONNECTING;
	uv_timer_init(v->loop, &t->retry_timer);
	t->retry_timer.data = t;
	t->prev = v->tuns_tail;
	if (v->tuns_tail)
		v->tuns_tail->next = t;
	else
		v->tuns = t;
	v->tuns_tail = t;
	tunnel_hash(t);
	t->p.dev->owner = t;
	dev_addr_set(t);
	log_info(LOG_MOD_VPN, "%s: configured on %s (%s)", vpn_tunnel_name(t), t->p.cfg.ifname,
	    t->p.cfg.initiation == VPN_INITIATE ? "initiates" : "responds");
	vpn_tunnel_initiate(t);
	return t;
}

/* Every SA of t goes now, the peer told (once, best effort). */
static void
tunnel_sas_down(struct vpn_tunnel *t)
{
	while (t->ikes) {
		struct ike_sa *sa = t->ikes;

		if (sa->st == IKE_ST_ESTABLISHED || sa->st == IKE_ST_REKEYED ||
		    sa->st == IKE_ST_DELETING)
			ike_info_goodbye(sa);
		ike_sa_destroy(sa);
	}
}

void
vpn_tunnel_update(struct vpn_tunnel *t, struct vpn_prep *p)
{
	struct vpn     *v = t->vpn;
	struct vpn_dev *old_dev = t->p.dev;

	log_info(LOG_MOD_VPN, "%s: configuration changed: SAs set up again",
	    vpn_tunnel_name(t));
	tunnel_sas_down(t);
	hash_del(&v->by_addr, &t->addr_node);
	if (t->up) {
		t->up = false;
		t->st = VPN_TS_DOWN;
		if (v->cfg.ev.tunnel_down)
			v->cfg.ev.tunnel_down(v->cfg.ev.arg, t, VPN_R_ADMIN,
			    "configuration changed");
	}
	t->p.dev = NULL; /* the new prep holds its own reference */
	prep_free_parts(v, &t->p);
	dev_put(v, old_dev);
	t->p = *p;
	free(p);
	t->esp_path_set = false;
	t->retry_ms = 0;
	if (t->retry_armed) {
		uv_timer_stop(&t->retry_timer);
		t->retry_armed = false;
	}
	tunnel_hash(t);
	t->p.dev->owner = t;
	dev_addr_set(t);
	vpn_tunnel_initiate(t);
}

static void
tunnel_closed(uv_handle_t *h)
{
	free(h->data);
}

void
vpn_tunnel_del(struct vpn_tunnel *t)
{
	struct vpn *v;

	if (!t)
		return;
	v = t->vpn;
	log_info(LOG_MOD_VPN, "%s: deleted", vpn_tunnel_name(t));
	/* The peer hears of it (a Delete, not retransmitted: the tunnel and
	 * its sockets go now). */
	t->deleting = true;
	tunnel_sas_down(t);
	hash_del(&v->by_addr, &t->addr_node);
	if (t->prev)
		t->prev->next = t->next;
	else
		v->tuns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		v->tuns_tail = t->prev;
	if (t->p.dev) {
		if (t->p.dev->owner == t)
			t->p.dev->owner = NULL;
		/* the device stays for a tunnel that took it over, and so does
		 * the address until that one says otherwise (dev_addr_set) */
	}
	prep_free_parts(v, &t->p);
	uv_timer_stop(&t->retry_timer);
	uv_close((uv_handle_t *)&t->retry_timer, tunnel_closed);
}

/* ------------------------------------------------------------------ state */

static uint32_t
secs_until(uint64_t at, uint64_t now)
{
	return at > now ? (uint32_t)((at - now + 999) / 1000) : 0;
}

static enum vpn_sa_st
ike_st_public(enum ike_state s)
{
	switch (s) {
	case IKE_ST_ESTABLISHED:
		return VPN_SA_ESTABLISHED;
	case IKE_ST_REKEYING:
		return VPN_SA_REKEYING;
	case IKE_ST_REKEYED:
		return VPN_SA_REKEYED;
	case IKE_ST_DELETING:
	case IKE_ST_DEAD:
		return VPN_SA_DELETING;
	default:
		return VPN_SA_CONNECTING;
	}
}

void
vpn_tunnel_state_get(const struct vpn_tunnel *ct, struct vpn_tunnel_state *s)
{
	struct vpn_tunnel *t = (struct vpn_tunnel *)ct; /* counters are read */
	uint64_t	   now = vpn_now();

	memset(s, 0, sizeof(*s));
	snprintf(s->connection, sizeof(s->connection), "%s", t->p.cfg.connection);
	snprintf(s->tunnel, sizeof(s->tunnel), "%s", t->p.cfg.tunnel);
	snprintf(s->ifname, sizeof(s->ifname), "%s", t->p.cfg.ifname);
	s->state = t->up ? VPN_TS_UP : t->st;
	s->last_reason = t->last_reason;
	snprintf(s->last_detail, sizeof(s->last_detail), "%s", t->last_detail);
	s->local = t->p.cfg.local;
	s->remote = t->p.cfg.remote;
	s->up_s = t->up ? (uint32_t)((now - t->up_ms) / 1000) : 0;
	s->ups = t->ups;
	s->dpd_timeout_s = vpn_tunnel_dpd_ms(t) / 1000;
	s->last_dpd_ms = t->last_dpd_ms;
	s->c = t->gone;
	for (struct ike_sa *sa = t->ikes; sa; sa = sa->next) {
		if (sa->st == IKE_ST_DEAD)
			continue;
		if (s->nike < VPN_STATE_IKE_MAX) {
			struct vpn_ike_state *i = &s->ike[s->nike++];

			i->spi_i = sa->ispi;
			i->spi_r = sa->rspi;
			i->initiator = sa->initiator;
			i->state = ike_st_public(sa->st);
			if (sa->keys)
				ike_suite_print(&sa->suite, i->suite, sizeof(i->suite));
			ike_id_print(&t->p.local_id, i->local_id, sizeof(i->local_id));
			if (sa->peer_id.len || sa->peer_id.type)
				ike_id_print(&sa->peer_id, i->remote_id, sizeof(i->remote_id));
			snprintf(i->auth, sizeof(i->auth), "%s", sa->peer_auth);
			i->local = sa->sock ? sa->sock->local : t->p.cfg.local;
			i->local_port = sa->sock ? sa->sock->port : 0;
			i->remote = sa->remote;
			i->remote_port = sa->rport;
			i->nat_local = sa->nat_local;
			i->nat_remote = sa->nat_remote;
			i->established_s = sa->established_ms ?
			    (uint32_t)((now - sa->established_ms) / 1000) :
			    0;
			i->rekey_in_s =
			    sa->st == IKE_ST_ESTABLISHED ? secs_until(sa->rekey_at_ms, now) : 0;
			i->expire_in_s = sa->st == IKE_ST_ESTABLISHED ?
			    secs_until(sa->expire_at_ms, now) :
			    0;
			i->last_dpd_ms = sa->last_dpd_ms;
		}
		for (struct child_sa *c = sa->children; c; c = c->next) {
			struct vpn_counters k;

			child_sa_stats(c, &k);
			s->c.packets_in += k.packets_in;
			s->c.bytes_in += k.bytes_in;
			s->c.packets_out += k.packets_out;
			s->c.bytes_out += k.bytes_out;
			s->c.auth_fail += k.auth_fail;
			s->c.replay_drop += k.replay_drop;
			s->c.decrypt_err += k.decrypt_err;
			s->c.out_drop += k.out_drop;
			if (s->nchild < VPN_STATE_CHILD_MAX) {
				struct vpn_child_state *cs = &s->child[s->nchild++];

				cs->spi_in = c->spi_in;
				cs->spi_out = c->spi_out;
				cs->state = c->st;
				ike_suite_print(&c->suite, cs->suite, sizeof(cs->suite));
				cs->udp_encap = c->udp_encap;
				cs->established_s = c->established_ms ?
				    (uint32_t)((now - c->established_ms) / 1000) :
				    0;
				cs->rekey_in_s = c->st == VPN_SA_ESTABLISHED ?
				    secs_until(c->rekey_at_ms, now) :
				    0;
				cs->expire_in_s = secs_until(c->expire_at_ms, now);
				cs->c = k;
			}
		}
	}
}
