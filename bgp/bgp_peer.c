/* bgp/bgp_peer.c - BGP peer objects: config, sockets (MD5, GTSM, binding), framing, write queue. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp/bgp_local.h"
#include "lib/sockaddr.h"
#include "lib/log.h"
#include "lib/wire.h"

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

#define BGP_RBUF_SIZE (256 * 1024)
#define BGP_OCHUNK    (64 * 1024) /* hand to libuv past this */
#define BGP_LINGER_MS 1000

uint32_t bgp_ms_per_sec = 1000;

void
bgp_peer_log_error(struct bgp_peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	log_info(LOG_MOD_BGP, "peer %s: %s", p->cfg.name, p->last_error);
}

/* ---- addresses and socket options ---- */

void
bgp_sockaddr_from(struct sockaddr_storage *ss, const struct ipaddr *a, uint16_t port,
    const char *ifname)
{
	ipaddr_to_sockaddr(ss, a, port,
	    ifname && ifname[0] && ipaddr_is_link_local6(a) ? if_nametoindex(ifname) : 0);
}

/* RFC 2385: install (key != "") or remove (key == "") the key for addr on fd. */
int
bgp_sock_md5(int fd, const struct ipaddr *addr, const struct secret *key)
{
	struct tcp_md5sig md;
	size_t		  klen = key ? secret_len(key) : 0;
	int		  rc = 0;

	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	memset(&md, 0, sizeof(md));
	bgp_sockaddr_from(&md.tcpm_addr, addr, 0, NULL);
	md.tcpm_keylen = (uint16_t)klen;
	if (klen)
		memcpy(md.tcpm_key, secret_data(key), klen);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md, sizeof(md)) < 0) {
		rc = -errno;
		/* removing a key that was never there is fine */
		if (!klen && rc == -ENOENT)
			rc = 0;
	}
	explicit_bzero(&md, sizeof(md));
	return rc;
}

/* RFC 5082: send with TTL 255, accept only TTL >= 256 - hops. */
int
bgp_sock_gtsm(int fd, uint8_t family, uint8_t hops)
{
	int ttl = 255, min = 256 - (hops ? hops : 1);

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof(min)) < 0)
			return -errno;
	} else {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof(min)) < 0)
			return -errno;
	}
	return 0;
}

/* ---- connection lifecycle ---- */

static void
conn_handle_closed(uv_handle_t *h)
{
	struct bgp_conn *c = h->data;

	if (--c->handles > 0)
		return;
	free(c->rbuf);
	free(c->ow);
	free(c);
}

struct bgp_conn *
bgp_conn_new(struct bgp *bgp, bool outgoing, uint8_t family)
{
	struct bgp_conn *c;

	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->bgp = bgp;
	c->outgoing = outgoing;
	if (uv_timer_init(bgp->loop, &c->linger) != 0) {
		free(c);
		return NULL;
	}
	c->linger.data = c;
	c->handles = 1;
	if (uv_timer_init(bgp->loop, &c->resume) != 0) {
		uv_close((uv_handle_t *)&c->linger, conn_handle_closed);
		return NULL;
	}
	c->resume.data = c;
	c->handles++;
	if (uv_tcp_init_ex(bgp->loop, &c->tcp, family ? family : AF_UNSPEC) != 0) {
		uv_close((uv_handle_t *)&c->linger, conn_handle_closed);
		uv_close((uv_handle_t *)&c->resume, conn_handle_closed);
		return NULL;
	}
	c->tcp.data = c;
	c->handles++;
	return c;
}

static void
conn_close_handles(struct bgp_conn *c)
{
	if (c->lprev) {
		if ((*c->lprev = c->lnext))
			c->lnext->lprev = c->lprev;
		c->lprev = NULL;
	}
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&c->linger))
		uv_close((uv_handle_t *)&c->linger, conn_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&c->resume))
		uv_close((uv_handle_t *)&c->resume, conn_handle_closed);
}

static void
conn_linger_done(uv_timer_t *t)
{
	conn_close_handles(t->data);
}

static void
conn_shutdown_done(uv_shutdown_t *req, int status)
{
	conn_close_handles(req->data);
}

/*
 * Detach the connection from its peer and close it. With linger, what is
 * queued (a NOTIFICATION) gets up to BGP_LINGER_MS to leave first.
 */
void
bgp_conn_detach_close(struct bgp_conn *c, bool linger)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	c->peer = NULL;
	if (c->connected && linger) {
		bgp_conn_flush(c);
		uv_read_stop((uv_stream_t *)&c->tcp);
		if (c->inflight) {
			c->sreq.data = c;
			if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, conn_shutdown_done) ==
			    0) {
				uv_timer_start(&c->linger, conn_linger_done, BGP_LINGER_MS, 0);
				if ((c->lnext = c->bgp->lingering))
					c->lnext->lprev = &c->lnext;
				c->bgp->lingering = c;
				c->lprev = &c->bgp->lingering;
				return;
			}
		}
	}
	conn_close_handles(c);
}

/* The speaker goes away: stop waiting for NOTIFICATIONs to leave. */
void
bgp_conn_close_lingering(struct bgp *bgp)
{
	while (bgp->lingering)
		conn_close_handles(bgp->lingering);
}

/* ---- writing ---- */

static void
conn_write_done(uv_write_t *req, int status)
{
	struct bgp_wreq *w = (struct bgp_wreq *)req;
	struct bgp_conn *c = w->conn;

	c->inflight -= w->len;
	free(w);
	if (c->peer && c->peer->conn == c && c->peer->state == BGP_ST_ESTABLISHED &&
	    status == 0)
		bgp_adj_out_kick(c->peer);
}

size_t
bgp_conn_backlog(const struct bgp_conn *c)
{
	return c->inflight + c->olen;
}

uint8_t *
bgp_conn_reserve(struct bgp_conn *c, size_t len)
{
	if (c->ow && c->olen + len > c->ocap)
		bgp_conn_flush(c);
	if (c->ow && c->olen + len > c->ocap) {
		/* flush could not hand it over (not connected yet): grow */
		size_t		 ncap = (c->olen + len) * 2;
		struct bgp_wreq *nw = realloc(c->ow, sizeof(*nw) + ncap);

		if (!nw)
			return NULL;
		c->ow = nw;
		c->ocap = ncap;
	}
	if (!c->ow) {
		size_t cap =
		    len > BGP_OCHUNK + BGP_MAX_EXT_MSG ? len : BGP_OCHUNK + BGP_MAX_EXT_MSG;

		if (!(c->ow = malloc(sizeof(*c->ow) + cap)))
			return NULL;
		c->ocap = cap;
		c->olen = 0;
	}
	return c->ow->data + c->olen;
}

void
bgp_conn_commit(struct bgp_conn *c, size_t len)
{
	c->olen += len;
	if (c->olen >= BGP_OCHUNK)
		bgp_conn_flush(c);
}

int
bgp_conn_send(struct bgp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *p;

	if (c->closing)
		return -ENOTCONN;
	if (!(p = bgp_conn_reserve(c, len)))
		return -ENOMEM;
	memcpy(p, msg, len);
	bgp_conn_commit(c, len);
	return 0;
}

void
bgp_conn_flush(struct bgp_conn *c)
{
	struct bgp_wreq *w = c->ow;
	uv_buf_t	 buf;

	if (!w || !c->olen || !c->connected)
		return;
	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	w->conn = c;
	w->len = c->olen;
	c->ow = NULL;
	c->olen = c->ocap = 0;
	buf = uv_buf_init((char *)w->data, (unsigned)w->len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, conn_write_done) != 0) {
		free(w);
		return;
	}
	c->inflight += w->len;
}

/* ---- reading and framing (RFC 4271 4.1) ---- */

static void conn_resume(uv_timer_t *);

static void
conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct bgp_conn *c = h->data;

	if (!c->rbuf) {
		c->rbuf = malloc(BGP_RBUF_SIZE);
		c->rcap = c->rbuf ? BGP_RBUF_SIZE : 0;
	}
	/* no more than a turn's share at a time (see conn_read) */
	*buf = uv_buf_init((char *)c->rbuf + c->rlen,
	    (unsigned)(c->rcap - c->rlen < BGP_READ_TURN ? c->rcap - c->rlen : BGP_READ_TURN));
}

static void
conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct bgp_conn *c = s->data;
	size_t		 off = 0, maxlen;

	if (nread == 0)
		return;
	if (nread < 0) {
		if (!c->closing)
			bgp_fsm_conn_failed(c, (int)nread);
		return;
	}
	if (c->closing)
		return;
	c->rlen += (size_t)nread;
	c->turn_read += (size_t)nread;
	while (c->rlen - off >= BGP_HDR_LEN) {
		struct bgp_peer	 *p = c->peer;
		struct wire_rd	  r = wire_rd_init(c->rbuf + off, c->rlen - off);
		struct bgp_hdr	  h;
		struct bgp_notify n;

		maxlen = p && p->conn == c && p->neg.ext_msg && p->state == BGP_ST_ESTABLISHED ?
		    BGP_MAX_EXT_MSG :
		    BGP_MAX_MSG;
		if (bgp_hdr_decode(&r, maxlen, &h, &n) != 0) { /* RFC 4271 6.1 */
			if (p && p->conn == c)
				bgp_fsm_error(p, &n);
			else {
				if (p && p->coll == c)
					p->coll = NULL;
				bgp_conn_detach_close(c, false);
			}
			return;
		}
		if (c->rlen - off < h.len)
			break;
		if (!bgp_fsm_recv(c, h.type, c->rbuf + off, h.len))
			return;
		off += h.len;
		if (c->closing)
			return;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	bgp_conn_flush(c);
	/* libuv reads a readable socket up to 32 times in a row: a full table
	 * waiting in it would all be decoded before the loop does anything
	 * else (the route manager's work, so the kernel's, would wait for the
	 * whole transfer). Give the rest of the loop a turn after each share. */
	if (c->turn_read >= BGP_READ_TURN) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		uv_timer_start(&c->resume, conn_resume, 0, 0);
	}
}

int
bgp_conn_read_start(struct bgp_conn *c)
{
	c->turn_read = 0;
	return uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
}

static void
conn_resume(uv_timer_t *t)
{
	struct bgp_conn *c = t->data;
	int		 rc;

	if (!c->closing && (rc = bgp_conn_read_start(c)) != 0)
		bgp_fsm_conn_failed(c, rc);
}

static void
conn_fill_addrs(struct bgp_conn *c)
{
	struct sockaddr_storage ss;
	int			sl = sizeof(ss);

	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &sl) == 0)
		ipaddr_from_sockaddr(&c->local, NULL, (struct sockaddr *)&ss);
	sl = sizeof(ss);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0)
		ipaddr_from_sockaddr(&c->remote, &c->remote_port, (struct sockaddr *)&ss);
}

static void
conn_connected(uv_connect_t *req, int status)
{
	struct bgp_conn *c = req->data;
	struct bgp_peer *p = c->peer;

	if (c->closing || !p)
		return;
	if (status < 0) {
		bgp_fsm_conn_failed(c, status);
		return;
	}
	c->connected = true;
	conn_fill_addrs(c);
	uv_tcp_nodelay(&c->tcp, 1);
	if (bgp_conn_read_start(c) != 0) {
		bgp_fsm_conn_failed(c, -EIO);
		return;
	}
	bgp_fsm_event(p, BGP_EV_TCP_CONNECTED);
}

static uint16_t
peer_port(const struct bgp_peer *p)
{
	return p->cfg.port ? (uint16_t)p->cfg.port : 179;
}

/* Open the outgoing connection: options first, then bind, then connect. */
int
bgp_conn_connect(struct bgp_peer *p, struct bgp_conn *c)
{
	struct sockaddr_storage ss;
	uv_os_fd_t		fd;
	int			rc;

	c->peer = p;
	if ((rc = uv_fileno((uv_handle_t *)&c->tcp, &fd)) != 0)
		goto out;
	if (!secret_empty(&p->cfg.md5_key) &&
	    (rc = bgp_sock_md5(fd, &p->cfg.remote, &p->cfg.md5_key)) != 0) {
		bgp_peer_log_error(p, "cannot set TCP MD5 key: %s", strerror(-rc));
		goto out;
	}
	if (p->cfg.ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->cfg.ifname,
		(socklen_t)strlen(p->cfg.ifname)) < 0) {
		rc = -errno;
		goto out;
	}
	if (p->cfg.ttl_security &&
	    (rc = bgp_sock_gtsm(fd, p->cfg.remote.family, p->cfg.ttl_security)) != 0)
		goto out;
	if (p->cfg.local.family == p->cfg.remote.family) {
		bgp_sockaddr_from(&ss, &p->cfg.local, 0, p->cfg.ifname);
		if ((rc = uv_tcp_bind(&c->tcp, (struct sockaddr *)&ss, 0)) != 0)
			goto out;
	}
	bgp_sockaddr_from(&ss, &p->cfg.remote, peer_port(p), p->cfg.ifname);
	c->creq.data = c;
	rc = uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&ss, conn_connected);
out:
	return rc;
}

/* The TTL / hop limit of a saved SYN (IPv4 or IPv6 header first). Pure. */
int
bgp_syn_ttl(const uint8_t *hdr, size_t len, uint8_t *ttl)
{
	struct wire_rd r = wire_rd_init(hdr, len);
	uint8_t	       vers;

	if (!wire_peek_u8(&r, &vers))
		return -EINVAL;
	if (vers >> 4 == 4) /* RFC 791: TTL at octet 8 */
		return wire_skip(&r, 8) && wire_get_u8(&r, ttl) ? 0 : -EINVAL;
	if (vers >> 4 == 6) /* RFC 8200: hop limit at octet 7 */
		return wire_skip(&r, 7) && wire_get_u8(&r, ttl) ? 0 : -EINVAL;
	return -EINVAL;
}

/*
 * Per-socket settings of an accepted connection (the listener set MD5).
 * RFC 5082: the listener is shared, so IP_MINTTL can only be set once the
 * connection is accepted, when the peer's first segments may already be
 * queued: the SYN's TTL (saved by the listener, TCP_SAVE_SYN) decides.
 * Returns false when the connection must be refused.
 */
bool
bgp_conn_setup_accepted(struct bgp_peer *p, struct bgp_conn *c)
{
	uint8_t	   syn[512], ttl;
	socklen_t  sl = sizeof(syn);
	uv_os_fd_t fd;

	c->peer = p;
	uv_tcp_nodelay(&c->tcp, 1);
	if (!p->cfg.ttl_security)
		return true;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
		return false;
	bgp_sock_gtsm(fd, p->cfg.remote.family, p->cfg.ttl_security);
	if (getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &sl) != 0 ||
	    bgp_syn_ttl(syn, sl, &ttl) != 0)
		return true; /* nothing saved: rely on IP_MINTTL from now on */
	if (ttl < 256 - p->cfg.ttl_security) {
		log_info(LOG_MOD_BGP,
		    "peer %s: connection refused, TTL %u below the "
		    "GTSM minimum %u",
		    p->cfg.name, ttl, 256 - p->cfg.ttl_security);
		return false;
	}
	return true;
}

/* ---- peer objects ---- */

int
bgp_peer_cfg_check(const struct bgp_peer_cfg *cfg)
{
	if (cfg->remote.family != AF_INET && cfg->remote.family != AF_INET6)
		return -EINVAL;
	if (cfg->hold_time == 1 || cfg->hold_time == 2) /* RFC 4271 4.2 */
		return -EINVAL;
	if (cfg->remote_as == 0 || secret_len(&cfg->md5_key) > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	if (cfg->port > 65535)
		return -EINVAL;
	return 0;
}

static void
peer_cfg_defaults(struct bgp_peer_cfg *c)
{
	if (!c->connect_retry)
		c->connect_retry = 5;
	if (!c->ipv4_unicast && !c->ipv6_unicast) {
		c->ipv4_unicast = c->remote.family == AF_INET;
		c->ipv6_unicast = c->remote.family == AF_INET6;
	}
	if (!c->gr_restart_time)
		c->gr_restart_time = 120;
	if (!c->name[0])
		ipaddr_fmt(&c->remote, c->name, sizeof(c->name));
	c->name[sizeof(c->name) - 1] = '\0';
}

int
bgp_peer_add(struct bgp *bgp, const struct bgp_peer_cfg *cfg, struct bgp_peer **out)
{
	struct bgp_peer *p;
	int		 rc;

	if ((rc = bgp_peer_cfg_check(cfg)) != 0)
		return rc;
	if (bgp_peer_find(bgp, &cfg->remote))
		return -EEXIST;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	if (!(p->acct = bgp_acct_new())) {
		free(p);
		return -ENOMEM;
	}
	p->bgp = bgp;
	p->cfg = *cfg;
	peer_cfg_defaults(&p->cfg);
	p->idlehold_s = 1;
	bgp_fsm_init_timers(p);
	bgp_adj_in_init(p);
	bgp_adj_out_init(p);
	p->next = bgp->peers;
	bgp->peers = p;
	bgp_listen_md5_apply(bgp, p, true);
	log_info(LOG_MOD_BGP, "peer %s: added (AS %u%s%s%s)", p->cfg.name, p->cfg.remote_as,
	    p->cfg.passive ? ", passive" : "", !secret_empty(&p->cfg.md5_key) ? ", md5" : "",
	    p->cfg.ttl_security ? ", ttl-security" : "");
	bgp_fsm_event(p, BGP_EV_START);
	if (out)
		*out = p;
	return 0;
}

/* Parameters that are part of the session: changing one resets it. */
static bool
peer_cfg_session_changed(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b)
{
	return ipaddr_cmp(&a->remote, &b->remote) != 0 ||
	    ipaddr_cmp(&a->local, &b->local) != 0 || strcmp(a->ifname, b->ifname) != 0 ||
	    a->remote_as != b->remote_as || a->local_as != b->local_as ||
	    a->hold_time != b->hold_time || a->passive != b->passive ||
	    !secret_eq(&a->md5_key, &b->md5_key) || a->ttl_security != b->ttl_security ||
	    a->ipv4_unicast != b->ipv4_unicast || a->ipv6_unicast != b->ipv6_unicast ||
	    a->graceful_restart != b->graceful_restart ||
	    a->gr_restart_time != b->gr_restart_time || a->rib_source != b->rib_source ||
	    a->port != b->port;
}

int
bgp_peer_update(struct bgp_peer *p, const struct bgp_peer_cfg *cfg)
{
	struct bgp_peer_cfg n = *cfg;
	bool		    reset, reexport;
	int		    rc;

	if ((rc = bgp_peer_cfg_check(cfg)) != 0)
		return rc;
	peer_cfg_defaults(&n);
	reset = peer_cfg_session_changed(&p->cfg, &n);
	reexport = n.export_prepend != p->cfg.export_prepend;
	if (reset) {
		bgp_listen_md5_apply(p->bgp, p, false);
		p->cfg = n;
		secret_wipe(&n.md5_key);
		bgp_listen_md5_apply(p->bgp, p, true);
		if (p->state != BGP_ST_IDLE || !p->admin_down) {
			bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_CONFIG, NULL, 0);
			p->idlehold_s = 1;
		}
		return 0;
	}
	p->cfg = n;
	secret_wipe(&n.md5_key);
	if (p->state == BGP_ST_ESTABLISHED) {
		if (reexport)
			bgp_adj_out_resend(p);
		bgp_adj_in_limits_check(p);
	}
	return 0;
}

struct bgp_peer *
bgp_peer_find(struct bgp *bgp, const struct ipaddr *remote)
{
	struct bgp_peer *p;

	for (p = bgp->peers; p; p = p->next)
		if (!p->deleting && ipaddr_cmp(&p->cfg.remote, remote) == 0)
			return p;
	return NULL;
}

static void
peer_handle_closed(uv_handle_t *h)
{
	struct bgp_peer *p = h->data;

	if (--p->handles > 0)
		return;
	bgp_adj_in_fini(p);
	bgp_adj_out_fini(p);
	bgp_acct_put(p->acct); /* sets still alive keep it until they go */
	secret_wipe(&p->cfg.md5_key);
	free(p);
}

/* The peer is unlinked and its session gone: close its timers, then free. */
void
bgp_peer_free(struct bgp_peer *p)
{
	uv_timer_t *t[] = { &p->t_connretry, &p->t_hold, &p->t_keepalive, &p->t_idlehold,
		&p->t_gr, &p->out.mrai };
	size_t	    i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		uv_close((uv_handle_t *)t[i], peer_handle_closed);
}

void
bgp_peer_del(struct bgp_peer *p)
{
	struct bgp	 *bgp = p->bgp;
	struct bgp_peer **pp;

	p->admin_down = true;
	p->deleting = true;
	/* RFC 4486: peer de-configured, or the whole speaker shutting down */
	if (bgp->freeing && p->state == BGP_ST_ESTABLISHED && p->gr_helps_us)
		bgp_fsm_restart_close(p); /* the peer keeps our routes meanwhile */
	else if (bgp->freeing)
		bgp_fsm_shutdown(p, BGP_ERR_CEASE_SHUTDOWN, "hybridgw: speaker stopping");
	else
		bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_DECONFIG, NULL, 0);
	if (p->reported_up) { /* e.g. routes kept for a graceful restart */
		p->reported_up = false;
		if (bgp->hooks.session)
			bgp->hooks.session(bgp->hooks_arg, p->cfg.rib_source, false, false);
	}
	bgp_adj_in_flush(p);
	bgp_adj_out_session_down(p);
	bgp_listen_md5_apply(bgp, p, false);
	for (pp = &bgp->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	log_info(LOG_MOD_BGP, "peer %s: deleted", p->cfg.name);
	bgp_peer_free(p);
}

int
bgp_peer_clear(struct bgp_peer *p, bool soft)
{
	if (!soft) {
		p->admin_down = false;
		bgp_fsm_event(p, BGP_EV_RESET);
		return 0;
	}
	if (p->state != BGP_ST_ESTABLISHED)
		return -ENOTCONN;
	bgp_adj_out_resend(p);
	return bgp_adj_in_refresh(p);
}
