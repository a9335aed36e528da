/* vpn/esp_dp.c - the userspace ESP backend, control side: tunnels, SAs, endpoints, the SPI table and safe reclamation; the packets move in esp_worker.c. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_dp_local.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/sockaddr.h"

static const struct esp_backend_ops dp_ops;

static struct esp_dp *
dp_of(struct esp_backend *be)
{
	return (struct esp_dp *)be; /* be is the first member */
}

void
esp_dp_sync(struct esp_dp *dp)
{
	uint64_t	e = atomic_fetch_add(&dp->epoch, 1) + 1, one = 1;
	struct timespec ts = { 0, 20000 };

	for (unsigned i = 0; i < dp->nw; i++) {
		struct esp_worker *w = dp->w[i];
		bool		   woken = false;

		if (!w || !w->started)
			continue;
		for (;;) {
			uint64_t q = atomic_load(&w->qs);

			if (q == 0 || q >= e) /* 0: the thread has ended */
				break;
			if (!woken) {
				/* Blocked in epoll_wait, it would wait for traffic. */
				(void)!write(w->evfd, &one, sizeof(one));
				woken = true;
			}
			nanosleep(&ts, NULL);
		}
	}
}

/* Free what every worker has moved past, or everything (all: no worker
 * runs, or esp_dp_sync() just ran). The lock held. */
static void
dp_reap(struct esp_dp *dp, bool all)
{
	struct esp_retired **pp, *r;
	uint64_t	     min = UINT64_MAX;

	for (unsigned i = 0; i < dp->nw && !all; i++) {
		struct esp_worker *w = dp->w[i];
		uint64_t	   q;

		if (w && w->started && (q = atomic_load(&w->qs)) != 0 && q < min)
			min = q;
	}
	for (pp = &dp->retired; (r = *pp);) {
		if (all || r->epoch <= min) {
			*pp = r->next;
			free(r->p);
			free(r);
			dp->nretired--;
		} else
			pp = &r->next;
	}
}

/* p was unpublished: free it once no worker can hold it, without waiting
 * for the workers (esp_dp_sync() would: two such waits were most of an
 * IKE_AUTH's time on the loop thread under load). The lock held. */
static void
dp_retire(struct esp_dp *dp, void *p)
{
	struct esp_retired *r;
	uint64_t	    e, one = 1;

	if (!p)
		return;
	if (dp->nretired >= ESP_RETIRED_MAX || !(r = malloc(sizeof(*r)))) {
		esp_dp_sync(dp);
		dp_reap(dp, true);
		free(p);
		return;
	}
	e = atomic_fetch_add(&dp->epoch, 1) + 1;
	r->epoch = e;
	r->p = p;
	r->next = dp->retired;
	dp->retired = r;
	dp->nretired++;
	/* A worker blocked in epoll_wait passes its quiescent point only
	 * when woken: wake it, but do not wait. */
	for (unsigned i = 0; i < dp->nw; i++) {
		struct esp_worker *w = dp->w[i];
		uint64_t	   q;

		if (w && w->started && (q = atomic_load(&w->qs)) != 0 && q < e)
			(void)!write(w->evfd, &one, sizeof(one));
	}
	dp_reap(dp, false);
}

/* --- the SPI table ---------------------------------------------------- */

/* A new table holding the current one's SAs, minus `drop`, plus `add`. */
static int
tab_rebuild(struct esp_dp *dp, struct esp_dsa *add, struct esp_dsa *drop)
{
	struct esp_spi_tab *old = atomic_load(&dp->in_tab), *t;
	uint32_t	    n = add ? 1 : 0, cap = 16;

	for (uint32_t i = 0; i <= old->mask; i++)
		if (old->slot[i] && old->slot[i] != drop)
			n++;
	while (cap < 2 * n)
		cap <<= 1;
	if (!(t = calloc(1, sizeof(*t) + cap * sizeof(t->slot[0]))))
		return -ENOMEM;
	t->mask = cap - 1;
	for (uint32_t i = 0; i <= old->mask + 1; i++) {
		struct esp_dsa *sa = i <= old->mask ? old->slot[i] : add;
		uint32_t	j;

		if (!sa || sa == drop)
			continue;
		for (j = esp_spi_hash(sa->spi) & t->mask; t->slot[j]; j = (j + 1) & t->mask)
			;
		t->slot[j] = sa;
	}
	atomic_store_explicit(&dp->in_tab, t, memory_order_release);
	if (!drop) {
		dp_retire(dp, old); /* no SA goes: only the old table waits */
		return 0;
	}
	esp_dp_sync(dp); /* drop is freed by the caller */
	dp_reap(dp, true);
	free(old);
	return 0;
}

/* --- SAs -------------------------------------------------------------- */

static void
sa_free(struct esp_dsa *sa)
{
	if (!sa)
		return;
	for (unsigned i = 0; i < sa->nw; i++)
		esp_cx_fini(&sa->pw[i].cx);
	esp_xf_fini(&sa->xf);
	explicit_bzero(&sa->rp, sizeof(sa->rp));
	free(sa);
}

static int
sa_new(struct esp_dp *dp, struct esp_tun *t, const struct esp_sa_cfg *c, enum esp_dir dir,
    struct esp_dsa **out)
{
	struct esp_dsa *sa;
	size_t		sz = sizeof(*sa) + dp->nw * sizeof(sa->pw[0]);
	int		rc;

	/* RFC 4303 2.1: 1-255 are reserved, 0 is for local use. */
	if (c->spi < 256 || c->replay_window > ESP_REPLAY_MAX)
		return -EINVAL;
	if (!(sa = aligned_alloc(64, (sz + 63) / 64 * 64)))
		return -ENOMEM;
	memset(sa, 0, sz);
	sa->spi = c->spi;
	sa->dir = dir;
	sa->tun = t;
	sa->soft_bytes = c->soft_bytes;
	sa->hard_bytes = c->hard_bytes;
	sa->soft_pkts = c->soft_packets;
	sa->hard_pkts = c->hard_packets;
	if ((rc = esp_xf_init(&sa->xf, c)) != 0) {
		free(sa);
		return rc;
	}
	if ((rc = esp_replay_init(&sa->rp, c->replay_window, c->esn)) != 0)
		goto out;
	for (unsigned i = 0; i < dp->nw; i++) {
		if ((rc = esp_cx_init(&sa->pw[i].cx, &sa->xf, c, dir == ESP_OUT)) != 0)
			goto out;
		sa->nw = i + 1;
	}
	*out = sa;
out:
	if (rc != 0)
		sa_free(sa);
	return rc;
}

static struct esp_tun *
tun_find(struct esp_dp *dp, uint32_t id)
{
	for (struct esp_tun *t = dp->tuns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static struct esp_dsa *
sa_find(struct esp_tun *t, uint32_t spi, enum esp_dir dir, struct esp_dsa ***link)
{
	for (struct esp_dsa **pp = &t->sas; *pp; pp = &(*pp)->next)
		if ((*pp)->spi == spi && (*pp)->dir == dir) {
			if (link)
				*link = pp;
			return *pp;
		}
	return NULL;
}

static int
dp_sa_add(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c, enum esp_dir dir)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_dsa *sa = NULL;
	int		rc;

	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, tunnel))) {
		rc = -ENOENT;
		goto out;
	}
	if (dir == ESP_IN ? esp_spi_lookup(atomic_load(&dp->in_tab), c->spi) != NULL :
			    sa_find(t, c->spi, dir, NULL) != NULL) {
		rc = -EEXIST;
		goto out;
	}
	if ((rc = sa_new(dp, t, c, dir, &sa)) != 0)
		goto out;
	if (dir == ESP_IN && (rc = tab_rebuild(dp, sa, NULL)) != 0)
		goto out;
	sa->next = t->sas;
	t->sas = sa;
	if (dir == ESP_OUT && atomic_load(&t->out) == NULL)
		atomic_store_explicit(&t->out, sa, memory_order_release);
	sa = NULL;
out:
	pthread_mutex_unlock(&dp->lock);
	sa_free(sa);
	return rc;
}

static int
dp_sa_add_in(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c)
{
	return dp_sa_add(be, tunnel, c, ESP_IN);
}

static int
dp_sa_add_out(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c)
{
	return dp_sa_add(be, tunnel, c, ESP_OUT);
}

static int
dp_sa_switch_out(struct esp_backend *be, uint32_t tunnel, uint32_t spi)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_dsa *sa;
	int		rc = 0;

	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, tunnel)) || !(sa = sa_find(t, spi, ESP_OUT, NULL)))
		rc = -ENOENT;
	else
		atomic_store_explicit(&t->out, sa, memory_order_release);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

/* Unpublish and free one SA of t (the lock held). */
static int
sa_remove(struct esp_dp *dp, struct esp_tun *t, struct esp_dsa *sa, struct esp_dsa **link)
{
	int rc = 0;

	if (sa->dir == ESP_IN) {
		if ((rc = tab_rebuild(dp, NULL, sa)) != 0)
			return rc;
	} else {
		if (atomic_load(&t->out) == sa)
			atomic_store_explicit(&t->out, NULL, memory_order_release);
		esp_dp_sync(dp);
	}
	*link = sa->next;
	sa_free(sa);
	return 0;
}

static int
dp_sa_del(struct esp_backend *be, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_dsa *sa, **link;
	int		rc;

	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, tunnel)) || !(sa = sa_find(t, spi, dir, &link)))
		rc = -ENOENT;
	else
		rc = sa_remove(dp, t, sa, link);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

static int
dp_sa_stats(struct esp_backend *be, uint32_t tunnel, uint32_t spi, enum esp_dir dir,
    struct esp_sa_stats *st)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_dsa *sa;
	int		rc = 0;

	memset(st, 0, sizeof(*st));
	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, tunnel)) || !(sa = sa_find(t, spi, dir, NULL))) {
		rc = -ENOENT;
		goto out;
	}
	for (unsigned i = 0; i < sa->nw; i++) {
		const struct esp_ctr *c = &sa->pw[i].c;
		uint64_t	      last = esp_ctr_get(&c->last_ms);

		if (dir == ESP_IN) {
			st->packets_in += esp_ctr_get(&c->pkts);
			st->bytes_in += esp_ctr_get(&c->bytes);
		} else {
			st->packets_out += esp_ctr_get(&c->pkts);
			st->bytes_out += esp_ctr_get(&c->bytes);
		}
		st->auth_fail += esp_ctr_get(&c->auth);
		st->replay_drop += esp_ctr_get(&c->replay);
		st->decrypt_err += esp_ctr_get(&c->decrypt);
		st->out_drop += esp_ctr_get(&c->out_drop);
		if (last > st->last_in_ms)
			st->last_in_ms = last;
	}
out:
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int
esp_dp_sa_seq_set(struct esp_backend *be, uint32_t tunnel, uint32_t spi, uint64_t seq)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_dsa *sa;
	int		rc = 0;

	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, tunnel)) || !(sa = sa_find(t, spi, ESP_OUT, NULL)))
		rc = -ENOENT;
	else
		atomic_store(&sa->seq, seq);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

/* --- endpoints -------------------------------------------------------- */

static int
ep_watch(struct esp_dp *dp, unsigned worker, int fd, struct esp_pe *pe, bool add)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = pe };

	if (epoll_ctl(dp->w[worker]->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void
ep_free(struct esp_dp *dp, struct esp_ep *ep)
{
	unsigned n = ep->udp ? dp->nw : 1;

	for (unsigned i = 0; i < n; i++)
		if (ep->fd[i] >= 0)
			close(ep->fd[i]);
	if (ep->ike_fd >= 0)
		close(ep->ike_fd);
	free(ep);
}

/* The endpoint for (local, port), made on first use; it lives as long as
 * the dataplane (endpoints are few, and an IKE socket handed out stays
 * valid). */
static int
ep_get(struct esp_dp *dp, const struct ipaddr *local, bool udp, uint16_t port,
    struct esp_ep **out)
{
	struct esp_ep *ep;
	unsigned       neps = 0;
	int	       rc;

	for (ep = dp->eps; ep; ep = ep->next, neps++)
		if (ep->udp == udp && ep->port == port && ep->local.family == local->family &&
		    memcmp(ep->local.bytes, local->bytes, sizeof(local->bytes)) == 0) {
			*out = ep;
			return 0;
		}
	if (!(ep = calloc(1, sizeof(*ep))))
		return -ENOMEM;
	ep->local = *local;
	ep->udp = udp;
	ep->port = port;
	ep->ike_fd = -1;
	for (unsigned i = 0; i < ESP_WORKERS_MAX; i++)
		ep->fd[i] = -1;
	ep->lsl = ipaddr_to_sockaddr(&ep->lss, local, port, 0);
	if (udp)
		rc = esp_udp_group_open(local, port, dp->nw, &ep->ike_fd, ep->fd);
	else
		rc = esp_raw_open(local, &ep->fd[0]);
	if (rc != 0)
		goto out;
	if (udp) {
		for (unsigned i = 0; i < dp->nw && rc == 0; i++) {
			ep->pe[i].kind = ESP_PE_UDP;
			ep->pe[i].obj = ep;
			rc = ep_watch(dp, i, ep->fd[i], &ep->pe[i], true);
		}
		/* Until IKE takes its socket, what reaches it is handed up
		 * through ike_rx by the first worker. */
		ep->ike_pe.kind = ESP_PE_IKE;
		ep->ike_pe.obj = ep;
		if (rc == 0)
			rc = ep_watch(dp, 0, ep->ike_fd, &ep->ike_pe, true);
	} else {
		ep->raw_worker = neps % dp->nw;
		ep->pe[0].kind = ESP_PE_RAW;
		ep->pe[0].obj = ep;
		rc = ep_watch(dp, ep->raw_worker, ep->fd[0], &ep->pe[0], true);
	}
	if (rc != 0)
		goto out;
	ep->next = dp->eps;
	dp->eps = ep;
	*out = ep;
out:
	if (rc != 0) {
		esp_dp_sync(dp); /* a worker may have seen an event already */
		ep_free(dp, ep); /* closing the fds drops their epoll entries */
	}
	return rc;
}

static int
dp_ike_socket(struct esp_backend *be, const struct ipaddr *local, uint16_t port, int *fd)
{
	struct esp_dp *dp = dp_of(be);
	struct esp_ep *ep;
	int	       rc;

	if (esp_worker_self(dp))
		return -EDEADLK;
	if (local->family != AF_INET && local->family != AF_INET6)
		return -EINVAL;
	pthread_mutex_lock(&dp->lock);
	if ((rc = ep_get(dp, local, true, port ? port : ESP_UDP_PORT, &ep)) != 0)
		goto out;
	if ((*fd = fcntl(ep->ike_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		rc = -errno;
		goto out;
	}
	if (!ep->ike_claimed) {
		ep->ike_claimed = true;
		(void)ep_watch(dp, 0, ep->ike_fd, &ep->ike_pe, false);
		esp_dp_sync(dp); /* worker 0 is done with it */
	}
out:
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

/* --- tunnels ---------------------------------------------------------- */

static void
tun_close(struct esp_dp *dp, struct esp_tun *t)
{
	for (unsigned i = 0; i < dp->nw; i++)
		if (t->qfd[i] >= 0)
			close(t->qfd[i]);
	free(atomic_load(&t->path));
	free(t);
}

/* The outer path of c: its endpoint (made on first use) and the peer.
 * dp->lock held. */
static int
path_new(struct esp_dp *dp, const struct esp_tunnel_cfg *c, struct esp_out **out)
{
	struct esp_out *o;
	uint16_t	port = c->remote_port ? c->remote_port : ESP_UDP_PORT;
	int		rc;

	if (c->local.family != c->remote.family ||
	    (c->local.family != AF_INET && c->local.family != AF_INET6))
		return -EINVAL;
	if (!(o = calloc(1, sizeof(*o))))
		return -ENOMEM;
	o->peerlen = ipaddr_to_sockaddr(&o->peer, &c->remote, c->udp_encap ? port : 0, 0);
	if ((rc = ep_get(dp, &c->local, c->udp_encap,
		 c->udp_encap ? (c->local_port ? c->local_port : ESP_UDP_PORT) : 0, &o->ep)) !=
	    0) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

static int
dp_tunnel_add(struct esp_backend *be, const struct esp_tunnel_cfg *c, uint32_t *id)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_out *o;
	bool		uso;
	int		rc = 0;

	if (esp_worker_self(dp))
		return -EDEADLK;
	if (c->local.family != c->remote.family ||
	    (c->local.family != AF_INET && c->local.family != AF_INET6) ||
	    (c->mtu != 0 && (c->mtu < ESP_MTU_MIN || c->mtu > ESP_MTU_MAX)) ||
	    strnlen(c->ifname, sizeof(c->ifname)) == 0 ||
	    strnlen(c->ifname, sizeof(c->ifname)) >= IFNAMSIZ)
		return -EINVAL;
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	for (unsigned i = 0; i < ESP_WORKERS_MAX; i++)
		t->qfd[i] = -1;
	memcpy(t->ifname, c->ifname, strnlen(c->ifname, sizeof(c->ifname)));
	t->mtu = c->mtu ? c->mtu : ESP_MTU_DEFAULT;
	t->mss = c->mss ? c->mss : ESP_MSS_DEFAULT;
	pthread_mutex_lock(&dp->lock);
	if ((rc = path_new(dp, c, &o)) != 0)
		goto out;
	atomic_store(&t->path, o);
	for (unsigned i = 0; i < dp->nw; i++)
		if ((rc = esp_tun_open_queue(t->ifname, &t->qfd[i])) != 0)
			goto out;
	if ((rc = esp_tun_offload(t->qfd[0], &uso)) != 0 ||
	    (rc = esp_tun_up(t->ifname, t->mtu)) != 0)
		goto out;
	t->id = ++dp->next_id;
	for (unsigned i = 0; i < dp->nw; i++) {
		t->pe[i].kind = ESP_PE_TUN;
		t->pe[i].obj = t;
		if ((rc = ep_watch(dp, i, t->qfd[i], &t->pe[i], true)) != 0)
			goto out;
	}
	t->next = dp->tuns;
	dp->tuns = t;
	*id = t->id;
out:
	if (rc != 0) {
		for (unsigned i = 0; i < dp->nw; i++)
			if (t->qfd[i] >= 0)
				(void)ep_watch(dp, i, t->qfd[i], &t->pe[i], false);
		esp_dp_sync(dp); /* a worker may have seen an event already */
		tun_close(dp, t);
	}
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

static int
dp_tunnel_del(struct esp_backend *be, uint32_t id)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t, **pp;
	int		rc = 0;

	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	for (pp = &dp->tuns; *pp && (*pp)->id != id; pp = &(*pp)->next)
		;
	if (!(t = *pp)) {
		rc = -ENOENT;
		goto out;
	}
	/* Unpublish everything a worker could reach, wait once, free. */
	for (unsigned i = 0; i < dp->nw; i++)
		(void)ep_watch(dp, i, t->qfd[i], &t->pe[i], false);
	while (t->sas) {
		if ((rc = sa_remove(dp, t, t->sas, &t->sas)) != 0)
			goto out;
	}
	atomic_store(&t->out, NULL);
	*pp = t->next;
	esp_dp_sync(dp);
	tun_close(dp, t);
out:
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

static int
dp_tunnel_peer_set(struct esp_backend *be, uint32_t id, const struct esp_tunnel_cfg *c)
{
	struct esp_dp  *dp = dp_of(be);
	struct esp_tun *t;
	struct esp_out *o = NULL;
	int		rc;

	if (esp_worker_self(dp))
		return -EDEADLK;
	pthread_mutex_lock(&dp->lock);
	if (!(t = tun_find(dp, id))) {
		rc = -ENOENT;
		goto out;
	}
	if ((rc = path_new(dp, c, &o)) != 0)
		goto out;
	/* A batch in flight finishes on the old path, which is freed once
	 * every worker has moved on. */
	o = atomic_exchange_explicit(&t->path, o, memory_order_acq_rel);
	dp_retire(dp, o);
	o = NULL;
out:
	pthread_mutex_unlock(&dp->lock);
	free(o);
	return rc;
}

/* --- the dataplane ---------------------------------------------------- */

static void
dp_free(struct esp_backend *be)
{
	struct esp_dp *dp = dp_of(be);

	atomic_store(&dp->stop, true);
	for (unsigned i = 0; i < dp->nw; i++) {
		uint64_t one = 1;

		if (dp->w[i] && dp->w[i]->started) {
			(void)!write(dp->w[i]->evfd, &one, sizeof(one));
			pthread_join(dp->w[i]->th, NULL);
			dp->w[i]->started = false;
		}
	}
	while (dp->tuns)
		(void)dp_tunnel_del(be, dp->tuns->id);
	while (dp->eps) {
		struct esp_ep *ep = dp->eps;

		dp->eps = ep->next;
		ep_free(dp, ep);
	}
	dp_reap(dp, true); /* the workers have ended */
	for (unsigned i = 0; i < dp->nw; i++)
		esp_worker_free(dp->w[i]);
	free(atomic_load(&dp->in_tab));
	pthread_mutex_destroy(&dp->lock);
	free(dp);
}

void
esp_dp_stats_get(struct esp_backend *be, struct esp_dp_stats *st)
{
	struct esp_dp *dp = dp_of(be);

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < dp->nw; i++) {
		const struct esp_dp_stats *s = &dp->w[i]->st;

		st->rx_no_sa += esp_ctr_get(&s->rx_no_sa);
		st->rx_malformed += esp_ctr_get(&s->rx_malformed);
		st->rx_keepalive += esp_ctr_get(&s->rx_keepalive);
		st->rx_ike += esp_ctr_get(&s->rx_ike);
		st->rx_ecn_drop += esp_ctr_get(&s->rx_ecn_drop);
		st->tx_no_sa += esp_ctr_get(&s->tx_no_sa);
		st->tx_bad += esp_ctr_get(&s->tx_bad);
		st->tx_icmp += esp_ctr_get(&s->tx_icmp);
		st->tx_err += esp_ctr_get(&s->tx_err);
	}
}

int
esp_dp_new(const struct esp_dp_cfg *cfg, const struct esp_events *ev, struct esp_backend **out)
{
	struct esp_dp	   *dp;
	struct esp_spi_tab *tab;
	long		    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nw = cfg && cfg->workers ? cfg->workers : ncpu > 0 ? (unsigned)ncpu : 1;
	int	 rc = 0;

	if (nw > ESP_WORKERS_MAX)
		nw = ESP_WORKERS_MAX;
	if (!(dp = calloc(1, sizeof(*dp))))
		return -ENOMEM;
	dp->be.ops = &dp_ops;
	if (ev)
		dp->ev = *ev;
	dp->nw = nw;
	atomic_store(&dp->epoch, 1);
	pthread_mutex_init(&dp->lock, NULL);
	if (!(tab = calloc(1, sizeof(*tab) + 16 * sizeof(tab->slot[0])))) {
		rc = -ENOMEM;
		goto out;
	}
	tab->mask = 15;
	atomic_store(&dp->in_tab, tab);
	for (unsigned i = 0; i < nw; i++)
		if ((rc = esp_worker_alloc(dp, i, &dp->w[i])) != 0)
			goto out;
	for (unsigned i = 0; i < nw; i++) {
		if ((rc = -pthread_create(&dp->w[i]->th, NULL, esp_worker_main, dp->w[i])) != 0)
			goto out;
		dp->w[i]->started = true;
	}
	*out = &dp->be;
out:
	if (rc != 0)
		dp_free(&dp->be);
	return rc;
}

static const struct esp_backend_ops dp_ops = {
	.tunnel_add = dp_tunnel_add,
	.tunnel_del = dp_tunnel_del,
	.tunnel_peer_set = dp_tunnel_peer_set,
	.sa_add_in = dp_sa_add_in,
	.sa_add_out = dp_sa_add_out,
	.sa_switch_out = dp_sa_switch_out,
	.sa_del = dp_sa_del,
	.sa_stats = dp_sa_stats,
	.ike_socket = dp_ike_socket,
	.free = dp_free,
};
