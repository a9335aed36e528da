/* tests/unit/bgp/bgp_test_peer.h - a scripted BGP peer over loopback TCP for the session unit tests. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_BGP_TEST_PEER_H
#define HGW_TEST_BGP_TEST_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp/bgp_local.h"
#include "lib/loop.h"
#include "tests/unit/include/test_time.h"

#define TP_UNUSED __attribute__((unused))

/* What the hooks saw. */
struct tp_hooks {
	int		     up, down, hold_down, sync, stale_mark, stale_sweep;
	int		     adds, dels;
	struct prefix	     last_add, last_del;
	struct bgp_path_info last_pi;
	struct bgp_peer	    *export_peer; /* announce this on export_sync */
	int		     export_n;	  /* how many /24s under 10.99.0.0/16 */
	struct ipaddr	     local[4];	  /* "our" addresses (nexthop_local) */
	int		     nlocal;
};

static TP_UNUSED void
tp_h_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *pi)
{
	struct tp_hooks *h = arg;

	h->adds++;
	h->last_add = *p;
	h->last_pi = *pi;
}

static TP_UNUSED void
tp_h_del(void *arg, uint32_t src, const struct prefix *p)
{
	struct tp_hooks *h = arg;

	h->dels++;
	h->last_del = *p;
}

static TP_UNUSED void
tp_h_session(void *arg, uint32_t src, bool up, bool hold)
{
	struct tp_hooks *h = arg;

	if (up)
		h->up++;
	else
		h->down++;
	if (hold)
		h->hold_down++;
}

static TP_UNUSED void
tp_h_stale(void *arg, uint32_t src, bool mark)
{
	struct tp_hooks *h = arg;

	if (mark)
		h->stale_mark++;
	else
		h->stale_sweep++;
}

static TP_UNUSED void
tp_h_sync(void *arg, uint32_t src)
{
	struct tp_hooks *h = arg;
	struct prefix	 p;
	int		 i;

	h->sync++;
	for (i = 0; h->export_peer && i < h->export_n; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d.%d.%d.0/24", 10 + i / 65536,
		    (99 + i / 256) % 256, i % 256);
		prefix_parse(buf, &p);
		bgp_export_announce(h->export_peer, &p, NULL);
	}
}

static TP_UNUSED bool
tp_h_local(void *arg, const struct ipaddr *a)
{
	struct tp_hooks *h = arg;
	int		 i;

	for (i = 0; i < h->nlocal; i++)
		if (ipaddr_cmp(&h->local[i], a) == 0)
			return true;
	return false;
}

static const struct bgp_hooks tp_hooks_ops = {
	.path_add = tp_h_add,
	.path_del = tp_h_del,
	.session = tp_h_session,
	.stale = tp_h_stale,
	.export_sync = tp_h_sync,
	.nexthop_local = tp_h_local,
};

/* ---- loop driving ---- */

/*
 * Protocol time is compressed (1 configured second = 20 ms) and every wait
 * below is in compressed milliseconds. HGW_TEST_TIME_SCALE=k stretches both
 * by k (1 s = 20k ms): under valgrind's slowdown a connect must complete
 * within ConnectRetry, and the assertions keep their meaning.
 */
static TP_UNUSED unsigned
tp_scale(void)
{
	return test_time_scale();
}

static TP_UNUSED uint64_t
tp_now(void)
{
	return mono_ms();
}

/* Run the loop until cond(arg) or ms elapsed; returns cond's last value. */
static TP_UNUSED bool
tp_run_until(uv_loop_t *loop, bool (*cond)(void *), void *arg, unsigned ms)
{
	uint64_t end = tp_now() + (uint64_t)ms * tp_scale();

	for (;;) {
		uv_run(loop, UV_RUN_NOWAIT);
		if (cond && cond(arg))
			return true;
		if (tp_now() >= end)
			return cond ? cond(arg) : true;
		usleep(500);
	}
}

static TP_UNUSED void
tp_run_ms(uv_loop_t *loop, unsigned ms)
{
	tp_run_until(loop, NULL, NULL, ms);
}

/* ---- a scripted peer connection ---- */

struct tp_conn {
	int	fd;
	uint8_t buf[1 << 17];
	size_t	len;
	bool	eof;
};

static TP_UNUSED int
tp_listen(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t	   sl = sizeof(sin);
	int		   fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 8) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port nothing listens on (bound, then closed). */
static TP_UNUSED uint16_t
tp_free_port(void)
{
	uint16_t port = 0;
	int	 fd = tp_listen(&port);

	close(fd);
	return port;
}

struct tp_accept_ctx {
	int lfd, fd;
};

static TP_UNUSED bool
tp_accept_cond(void *arg)
{
	struct tp_accept_ctx *a = arg;

	if (a->fd < 0)
		a->fd = accept4(a->lfd, NULL, NULL, SOCK_NONBLOCK);
	return a->fd >= 0;
}

static TP_UNUSED struct tp_conn *
tp_accept(uv_loop_t *loop, int lfd, unsigned ms)
{
	struct tp_accept_ctx a = { lfd, -1 };
	struct tp_conn	    *c;

	if (!tp_run_until(loop, tp_accept_cond, &a, ms))
		return NULL;
	c = calloc(1, sizeof(*c));
	c->fd = a.fd;
	return c;
}

static TP_UNUSED struct tp_conn *
tp_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct tp_conn	  *c = calloc(1, sizeof(*c));

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	connect(c->fd, (struct sockaddr *)&sin, sizeof(sin));
	return c;
}

static TP_UNUSED void
tp_close(struct tp_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static TP_UNUSED void
tp_fill(struct tp_conn *c)
{
	ssize_t n = -1;

	while (c->len < sizeof(c->buf) &&
	    (n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0)) > 0)
		c->len += (size_t)n;
	if (n == 0)
		c->eof = true;
}

static TP_UNUSED bool
tp_whole_msg(const struct tp_conn *c)
{
	return c->len >= BGP_HDR_LEN && c->len >= ((size_t)c->buf[16] << 8 | c->buf[17]);
}

/* A whole message, or the end of the connection: nothing more will come. */
static TP_UNUSED bool
tp_have_msg(void *arg)
{
	struct tp_conn *c = arg;

	tp_fill(c);
	return tp_whole_msg(c) || c->eof;
}

/* Next whole message (copied to out, returns its type), or -1 on timeout or
 * when the connection ended first. */
static TP_UNUSED int
tp_recv(uv_loop_t *loop, struct tp_conn *c, uint8_t *out, size_t *outlen, unsigned ms)
{
	size_t len;
	int    type;

	if (!tp_run_until(loop, tp_have_msg, c, ms) || !tp_whole_msg(c))
		return -1;
	len = (size_t)c->buf[16] << 8 | c->buf[17];
	type = c->buf[18];
	if (out)
		memcpy(out, c->buf, len);
	if (outlen)
		*outlen = len;
	memmove(c->buf, c->buf + len, c->len - len);
	c->len -= len;
	return type;
}

/* Skip messages until one of type arrives; returns its length or -1. */
static TP_UNUSED int
tp_expect(uv_loop_t *loop, struct tp_conn *c, int type, uint8_t *out, unsigned ms)
{
	uint64_t end = tp_now() + (uint64_t)ms * tp_scale();
	uint8_t	 tmp[BGP_MAX_EXT_MSG];
	size_t	 len;
	int	 t;

	while (tp_now() < end) {
		t = tp_recv(loop, c, tmp, &len, (unsigned)((end - tp_now()) / tp_scale()) + 1);
		if (t < 0)
			return -1;
		if (t == type) {
			if (out)
				memcpy(out, tmp, len);
			return (int)len;
		}
	}
	return -1;
}

/*
 * Accept the peer's connection and read its OPEN (into out when non-NULL).
 * Its ConnectRetry is 1 s = 20 ms: on a loaded machine it can expire before
 * the first connection completes, and the speaker then closes it and
 * connects again (RFC 4271 8.2.2, Connect state), as a real peer would see.
 * So a connection that ends before its OPEN is dropped and the next one
 * accepted, all within ms.
 */
static TP_UNUSED struct tp_conn *
tp_accept_open(uv_loop_t *loop, int lfd, uint8_t *out, unsigned ms)
{
	uint64_t	end = tp_now() + (uint64_t)ms * tp_scale();
	struct tp_conn *c;

	while (tp_now() < end) {
		if (!(c = tp_accept(loop, lfd, (unsigned)((end - tp_now()) / tp_scale()) + 1)))
			return NULL;
		if (tp_expect(loop, c, BGP_MSG_OPEN, out,
			(unsigned)((end - tp_now()) / tp_scale()) + 1) > 0)
			return c;
		tp_close(c);
	}
	return NULL;
}

static TP_UNUSED void
tp_send(struct tp_conn *c, const uint8_t *m, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, m + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			usleep(200);
			continue;
		}
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* Address families in the test peer's GR capability (0: it only helps). */
static int tp_gr_afs = 1;

static TP_UNUSED void
tp_send_open(struct tp_conn *c, uint32_t asn, uint16_t hold, uint32_t id, bool v6, bool gr,
    bool gr_fwd)
{
	uint8_t		buf[BGP_MAX_MSG];
	struct wire_wr	w = wire_wr_init(buf, sizeof(buf));
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.asn = asn;
	o.hold_time = hold;
	o.bgp_id = id;
	o.caps.mp_ipv4 = true;
	o.caps.mp_ipv6 = v6;
	o.caps.route_refresh = true;
	o.caps.as4 = true;
	o.caps.as4_asn = asn;
	if (gr) {
		o.caps.gr = true;
		o.caps.gr_time = 10; /* 200 ms */
		o.caps.gr_af_count = (uint8_t)tp_gr_afs;
		o.caps.gr_af[0] = (struct bgp_gr_af){ BGP_AFI_IPV4, BGP_SAFI_UNICAST,
			gr_fwd ? BGP_GR_AF_F_FORWARDING : 0 };
	}
	bgp_open_encode(&w, &o);
	tp_send(c, buf, wire_wr_len(&w));
}

/* An IPv4 unicast End-of-RIB (RFC 4724 2). */
static TP_UNUSED void
tp_send_eor(struct tp_conn *c)
{
	uint8_t	       buf[64];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));

	bgp_eor_encode(&w, AF_INET);
	tp_send(c, buf, wire_wr_len(&w));
}

static TP_UNUSED void
tp_send_keepalive(struct tp_conn *c)
{
	uint8_t	       buf[BGP_HDR_LEN];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));

	bgp_keepalive_encode(&w);
	tp_send(c, buf, wire_wr_len(&w));
}

static TP_UNUSED void
tp_send_notify(struct tp_conn *c, uint8_t code, uint8_t sub)
{
	uint8_t		  buf[64];
	struct wire_wr	  w = wire_wr_init(buf, sizeof(buf));
	struct bgp_notify n;

	bgp_notify_set(&n, code, sub);
	bgp_notify_encode(&w, &n, BGP_MAX_MSG);
	tp_send(c, buf, wire_wr_len(&w));
}

/* A hand-written UPDATE: IPv4 NLRI with ORIGIN, AS_PATH (one AS), NEXT_HOP,
 * optional extra raw attribute bytes; withdrawn prefixes as "a.b.c.d/len". */
static TP_UNUSED size_t
tp_build_update(uint8_t *buf, size_t cap, const char **wd, int nwd, const char **nlri,
    int nnlri, uint32_t path_as, const uint8_t *extra, size_t extra_len)
{
	struct wire_wr w = wire_wr_init(buf, cap);
	size_t	       start, m;
	struct prefix  p;
	int	       i;

	start = bgp_msg_begin(&w, BGP_MSG_UPDATE);
	m = wire_mark_len16(&w);
	for (i = 0; i < nwd; i++) {
		prefix_parse(wd[i], &p);
		wire_put_u8(&w, p.len);
		wire_put_bytes(&w, p.bytes, (p.len + 7u) / 8);
	}
	wire_patch_len16(&w, m);
	m = wire_mark_len16(&w);
	if (nnlri) {
		wire_put_bytes(&w, (const uint8_t[]){ 0x40, 1, 1, 0 }, 4);    /* ORIGIN IGP */
		wire_put_bytes(&w, (const uint8_t[]){ 0x40, 2, 6, 2, 1 }, 5); /* AS_SEQ, 1 AS */
		wire_put_u32(&w, path_as);
		wire_put_bytes(&w, (const uint8_t[]){ 0x40, 3, 4, 10, 0, 0, 2 }, 7);
		if (extra_len)
			wire_put_bytes(&w, extra, extra_len);
	}
	wire_patch_len16(&w, m);
	for (i = 0; i < nnlri; i++) {
		prefix_parse(nlri[i], &p);
		wire_put_u8(&w, p.len);
		wire_put_bytes(&w, p.bytes, (p.len + 7u) / 8);
	}
	bgp_msg_finish(&w, start);
	return wire_wr_len(&w);
}

/* ---- the speaker side ---- */

struct tp_env {
	uv_loop_t	 loop;
	struct bgp	*bgp;
	struct tp_hooks	 h;
	int		 lfd;  /* our fake peer's listener */
	uint16_t	 port; /* its port */
	struct bgp_peer *peer;
};

#define TP_LOCAL_AS  65001
#define TP_REMOTE_AS 65002
#define TP_LOCAL_ID  0x0a000001u /* 10.0.0.1 */

static TP_UNUSED void
tp_env_init(struct tp_env *e)
{
	struct bgp_global_cfg g = { TP_LOCAL_AS, TP_LOCAL_ID };

	memset(e, 0, sizeof(*e));
	bgp_ms_per_sec = 20 * tp_scale(); /* 1 configured second = 20 ms */
	uv_loop_init(&e->loop);
	e->bgp = bgp_new(&e->loop, &g, &tp_hooks_ops, &e->h);
	e->lfd = tp_listen(&e->port);
}

static TP_UNUSED void
tp_peer_cfg(struct tp_env *e, struct bgp_peer_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "test");
	ipaddr_parse("127.0.0.1", &c->remote);
	c->remote_as = TP_REMOTE_AS;
	c->hold_time = 90;
	c->connect_retry = 1;
	c->ipv4_unicast = true;
	c->rib_source = 7;
	c->port = e->port;
}

static TP_UNUSED void
tp_env_fini(struct tp_env *e)
{
	bgp_free(e->bgp);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	close(e->lfd);
	if (uv_loop_close(&e->loop) != 0)
		fprintf(stderr, "loop still has handles\n");
	bgp_ms_per_sec = 1000;
}

static TP_UNUSED bool
tp_state_is(struct tp_env *e, const char *want)
{
	struct bgp_peer_state st;

	bgp_peer_state_get(e->peer, &st);
	return strcmp(st.state, want) == 0;
}

struct tp_state_ctx {
	struct tp_env *e;
	const char    *want;
};

static TP_UNUSED bool
tp_state_cond(void *arg)
{
	struct tp_state_ctx *s = arg;

	return tp_state_is(s->e, s->want);
}

static TP_UNUSED bool
tp_wait_state(struct tp_env *e, const char *want, unsigned ms)
{
	struct tp_state_ctx s = { e, want };

	return tp_run_until(&e->loop, tp_state_cond, &s, ms);
}

/* Bring a session up: add the peer, accept, exchange OPEN/KEEPALIVE. */
static TP_UNUSED struct tp_conn *
tp_establish(struct tp_env *e, struct bgp_peer_cfg *cfg, uint16_t hold, bool gr, bool gr_fwd)
{
	struct tp_conn *c;

	if (!e->peer && bgp_peer_add(e->bgp, cfg, &e->peer) != 0)
		return NULL;
	if (!(c = tp_accept_open(&e->loop, e->lfd, NULL, 3000)))
		return NULL;
	tp_send_open(c, TP_REMOTE_AS, hold, 0x0a000002u, false, gr, gr_fwd);
	tp_send_keepalive(c);
	if (!tp_wait_state(e, "Established", 1000))
		goto fail;
	return c;
fail:
	tp_close(c);
	return NULL;
}

/* An UPDATE with ORIGIN, AS_PATH and MP_REACH_NLRI for IPv6 (RFC 4760 3,
 * RFC 2545 3): next hop global, plus link-local when ll is not NULL. */
static TP_UNUSED size_t
tp_build_update6(uint8_t *buf, size_t cap, const char *global, const char *ll,
    const char **nlri, int n)
{
	struct wire_wr w = wire_wr_init(buf, cap);
	struct ipaddr  g, l;
	struct prefix  p;
	size_t	       start, m, am;
	int	       i;

	if (ipaddr_parse(global, &g) != 0 || (ll && ipaddr_parse(ll, &l) != 0))
		return 0;
	start = bgp_msg_begin(&w, BGP_MSG_UPDATE);
	wire_put_u16(&w, 0);
	m = wire_mark_len16(&w);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 1, 1, 0 }, 4);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 2, 6, 2, 1 }, 5);
	wire_put_u32(&w, TP_REMOTE_AS);
	wire_put_bytes(&w, (const uint8_t[]){ 0x90, 14 }, 2); /* optional, extended length */
	am = wire_mark_len16(&w);
	wire_put_u16(&w, BGP_AFI_IPV6);
	wire_put_u8(&w, BGP_SAFI_UNICAST);
	wire_put_u8(&w, ll ? 32 : 16);
	wire_put_bytes(&w, g.bytes, 16);
	if (ll)
		wire_put_bytes(&w, l.bytes, 16);
	wire_put_u8(&w, 0); /* reserved */
	for (i = 0; i < n; i++) {
		if (prefix_parse(nlri[i], &p) != 0)
			return 0;
		wire_put_u8(&w, p.len);
		wire_put_bytes(&w, p.bytes, (p.len + 7u) / 8);
	}
	wire_patch_len16(&w, am);
	wire_patch_len16(&w, m);
	bgp_msg_finish(&w, start);
	return wire_wr_ok(&w) ? wire_wr_len(&w) : 0;
}

/* tp_establish with IPv6 unicast negotiated too; NULL on failure. */
static TP_UNUSED struct tp_conn *
tp_establish_dual(struct tp_env *e, struct bgp_peer_cfg *cfg)
{
	struct tp_conn *c;

	cfg->ipv6_unicast = true;
	if (!e->peer && bgp_peer_add(e->bgp, cfg, &e->peer) != 0)
		return NULL;
	if (!(c = tp_accept_open(&e->loop, e->lfd, NULL, 3000)))
		return NULL;
	tp_send_open(c, TP_REMOTE_AS, 90, 0x0a000002u, true, false, false);
	tp_send_keepalive(c);
	if (!tp_wait_state(e, "Established", 1000))
		goto fail;
	return c;
fail:
	tp_close(c);
	return NULL;
}

#endif
