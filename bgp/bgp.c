/* bgp/bgp.c - the BGP speaker instance: listen sockets, accepting connections, peer list. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_local.h"
#include "lib/sockaddr.h"
#include "lib/log.h"
#include "lib/loop.h"

struct bgp *
bgp_new(uv_loop_t *loop, const struct bgp_global_cfg *cfg, const struct bgp_hooks *hooks,
    void *hooks_arg)
{
	struct bgp *bgp;

	if (!(bgp = calloc(1, sizeof(*bgp))))
		return NULL;
	if (!(bgp->scratch = malloc(sizeof(*bgp->scratch)))) {
		free(bgp);
		return NULL;
	}
	bgp->loop = loop;
	bgp->started_ms = mono_ms();
	bgp->cfg = *cfg;
	if (hooks)
		bgp->hooks = *hooks;
	bgp->hooks_arg = hooks_arg;
	return bgp;
}

static void
bgp_lsn_closed(uv_handle_t *h)
{
	struct bgp_listener *l = h->data;

	if (--l->open == 0)
		free(l);
}

void
bgp_listener_free(struct bgp_listener *l)
{
	int i;

	if (!l)
		return;
	if (l->open == 0) {
		free(l);
		return;
	}
	for (i = 0; i < 2; i++)
		if (l->on[i]) {
			l->on[i] = false;
			uv_close((uv_handle_t *)&l->tcp[i],
			    bgp_lsn_closed); /* the last frees l */
		}
}

void
bgp_free(struct bgp *bgp)
{
	if (!bgp)
		return;
	bgp->freeing = true;
	while (bgp->peers)
		bgp_peer_del(bgp->peers);
	bgp_conn_close_lingering(bgp);
	/* the listener's handles close on the loop; they no longer name bgp */
	bgp_listener_free(bgp->lsn);
	bgp->lsn = NULL;
	free(bgp->scratch);
	free(bgp);
}

/* The speaker is going away, its peers one by one first (hybridgwd takes
 * down each path in turn): they end as at bgp_free(), a graceful-restart
 * helper's session closed without NOTIFICATION so that it keeps our routes,
 * the others with Cease/2; no new connection is accepted. */
void
bgp_stop_begin(struct bgp *bgp)
{
	if (bgp)
		bgp->freeing = true;
}

int
bgp_global_set(struct bgp *bgp, const struct bgp_global_cfg *cfg)
{
	bool changed =
	    cfg->local_as != bgp->cfg.local_as || cfg->router_id != bgp->cfg.router_id;
	struct bgp_peer *p;

	bgp->cfg = *cfg;
	if (!changed)
		return 0;
	/* AS or identifier change: every session must be renegotiated */
	for (p = bgp->peers; p; p = p->next)
		if (p->state != BGP_ST_IDLE || !p->admin_down)
			bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_CONFIG, NULL, 0);
	return 0;
}

/* RFC 2385: keys live on the listen socket, one per peer address. */
void
bgp_listen_md5_apply(struct bgp *bgp, const struct bgp_peer *p, bool add)
{
	int	   i = p->cfg.remote.family == AF_INET6 ? 1 : 0;
	uv_os_fd_t fd;
	int	   rc;

	if (!bgp->lsn || !bgp->lsn->on[i] || secret_empty(&p->cfg.md5_key))
		return;
	if (uv_fileno((uv_handle_t *)&bgp->lsn->tcp[i], &fd) != 0)
		return;
	rc = bgp_sock_md5(fd, &p->cfg.remote, add ? &p->cfg.md5_key : NULL);
	if (rc)
		log_warn(LOG_MOD_BGP, "peer %s: TCP MD5 on the listen socket: %s", p->cfg.name,
		    strerror(-rc));
}

static void
bgp_on_accept(uv_stream_t *s, int status)
{
	struct bgp_listener    *l = s->data;
	struct bgp	       *bgp = l->bgp;
	struct bgp_conn	       *c;
	struct bgp_peer	       *p;
	struct sockaddr_storage ss;
	int			sl = sizeof(ss);
	char			abuf[IPADDR_STRLEN];

	/* not installed yet (a transaction between prepare and apply) */
	if (status < 0 || bgp->lsn != l || bgp->freeing)
		return;
	if (!(c = bgp_conn_new(bgp, false, 0)))
		return;
	if (uv_accept(s, (uv_stream_t *)&c->tcp) != 0) {
		bgp_conn_detach_close(c, false);
		return;
	}
	c->connected = true;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0)
		ipaddr_from_sockaddr(&c->remote, &c->remote_port, (struct sockaddr *)&ss);
	sl = sizeof(ss);
	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &sl) == 0)
		ipaddr_from_sockaddr(&c->local, NULL, (struct sockaddr *)&ss);
	p = bgp_peer_find(bgp, &c->remote);
	if (!p) {
		log_info(LOG_MOD_BGP, "connection from unknown %s refused",
		    ipaddr_fmt(&c->remote, abuf, sizeof(abuf)));
		bgp_conn_detach_close(c, false);
		return;
	}
	if (!bgp_conn_setup_accepted(p, c)) {
		bgp_conn_detach_close(c, false);
		return;
	}
	bgp_fsm_accepted(p, c);
}

static int
bgp_listen_one(struct bgp_listener *l, int i, uint16_t port)
{
	struct sockaddr_storage ss;
	struct ipaddr		any = { .family = i ? AF_INET6 : AF_INET };
	uv_os_fd_t		fd;
	int			rc, one = 1;

	bgp_sockaddr_from(&ss, &any, port, NULL);
	if ((rc = uv_tcp_init_ex(l->bgp->loop, &l->tcp[i], any.family)) != 0)
		return rc;
	l->tcp[i].data = l;
	l->on[i] = true;
	l->open++;
	if ((rc = uv_tcp_bind(&l->tcp[i], (struct sockaddr *)&ss, i ? UV_TCP_IPV6ONLY : 0)) !=
		0 ||
	    (rc = uv_listen((uv_stream_t *)&l->tcp[i], 64, bgp_on_accept)) != 0) {
		l->on[i] = false;
		uv_close((uv_handle_t *)&l->tcp[i], bgp_lsn_closed);
		return rc;
	}
	/* keep each SYN's headers: the GTSM check reads its TTL (RFC 5082) */
	if (uv_fileno((uv_handle_t *)&l->tcp[i], &fd) == 0)
		setsockopt(fd, IPPROTO_TCP, TCP_SAVE_SYN, &one, sizeof(one));
	return 0;
}

int
bgp_listener_open(struct bgp *bgp, uint16_t port, struct bgp_listener **out)
{
	struct bgp_listener *l;
	int		     rc4, rc6;

	*out = NULL;
	if (!port)
		port = BGP_PORT;
	if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	l->bgp = bgp;
	l->port = port;
	rc4 = bgp_listen_one(l, 0, port);
	rc6 = bgp_listen_one(l, 1, port);
	if (rc4 && rc6) {
		log_err(LOG_MOD_BGP, "cannot listen on port %u: %s", port, uv_strerror(rc4));
		bgp_listener_free(l); /* freed once its closing handles are */
		return rc4;
	}
	if (rc6)
		log_info(LOG_MOD_BGP, "no IPv6 listener on port %u: %s", port,
		    uv_strerror(rc6));
	*out = l;
	return 0;
}

void
bgp_listener_install(struct bgp *bgp, struct bgp_listener *l)
{
	struct bgp_peer *p;

	bgp_listener_free(bgp->lsn);
	bgp->lsn = l;
	if (!l)
		return;
	bgp->port = l->port;
	/* RFC 2385: every peer's key on the listen socket of its family */
	for (p = bgp->peers; p; p = p->next)
		bgp_listen_md5_apply(bgp, p, true);
}

int
bgp_listen(struct bgp *bgp, uint16_t port)
{
	struct bgp_listener *l;
	int		     rc;

	if (bgp->lsn)
		return -EALREADY;
	if ((rc = bgp_listener_open(bgp, port, &l)) != 0)
		return rc;
	bgp_listener_install(bgp, l);
	return 0;
}

int
bgp_peer_foreach(struct bgp *bgp, bgp_peer_fn fn, void *arg)
{
	struct bgp_peer *p, *next;
	int		 rc;

	for (p = bgp->peers; p; p = next) {
		next = p->next;
		if ((rc = fn(p, arg)) != 0)
			return rc;
	}
	return 0;
}
