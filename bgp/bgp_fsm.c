/* bgp/bgp_fsm.c - the RFC 4271 section 8 session state machine, timers and collision detection. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bgp/bgp_local.h"
#include "lib/log.h"
#include "lib/loop.h"

#define BGP_OPENSENT_HOLD_S 240 /* RFC 4271 8.2.2: "large value", 4 minutes */
#define BGP_STALEPATH_S	    360 /* how long stale routes wait for End-of-RIB */
#define BGP_IDLEHOLD_MAX_S  60

static const char *const state_names[] = {
	[BGP_ST_IDLE] = "Idle",
	[BGP_ST_CONNECT] = "Connect",
	[BGP_ST_ACTIVE] = "Active",
	[BGP_ST_OPENSENT] = "OpenSent",
	[BGP_ST_OPENCONFIRM] = "OpenConfirm",
	[BGP_ST_ESTABLISHED] = "Established",
};

const char *
bgp_state_name(enum bgp_fsm_state s)
{
	return s <= BGP_ST_ESTABLISHED ? state_names[s] : "?";
}

static void
fsm_set_state(struct bgp_peer *p, enum bgp_fsm_state s)
{
	if (p->state == s)
		return;
	log_debug(LOG_MOD_BGP, "peer %s: %s -> %s", p->cfg.name, state_names[p->state],
	    state_names[s]);
	if (s == BGP_ST_ESTABLISHED || p->state == BGP_ST_ESTABLISHED)
		log_info(LOG_MOD_BGP, "peer %s: %s -> %s", p->cfg.name, state_names[p->state],
		    state_names[s]);
	p->state = s;
}

static uint32_t
peer_local_as(const struct bgp_peer *p)
{
	return p->cfg.local_as ? p->cfg.local_as : p->bgp->cfg.local_as;
}

/* ---- timers ---- */

static void
t_connretry_cb(uv_timer_t *t)
{
	bgp_fsm_event(t->data, BGP_EV_CONNRETRY_EXPIRED);
}

/*
 * The hold timer measures the peer's silence (RFC 4271 4.4). When the loop
 * was busy (a large commit, a full table, a starved machine), libuv runs the
 * expired timer before it reads the sockets, while the peer's KEEPALIVEs
 * already wait unread: the peer was not silent. Let the next loop turn read
 * them (a message restarts the timer) and expire only when nothing waits.
 * Reading drains the socket, so this is put off a few times at most; the
 * bound keeps a peer that trickles a never-finished message from holding
 * the session up.
 */
#define BGP_HOLD_DEFER_MS  50
#define BGP_HOLD_DEFER_MAX 8

static void
t_hold_cb(uv_timer_t *t)
{
	struct bgp_peer *p = t->data;
	uv_os_fd_t	 fd;
	int		 unread = 0;

	if (p->conn && p->conn->connected && p->hold_defers < BGP_HOLD_DEFER_MAX &&
	    uv_fileno((const uv_handle_t *)&p->conn->tcp, &fd) == 0 &&
	    ioctl(fd, FIONREAD, &unread) == 0 && unread > 0) {
		if (p->hold_defers++ == 0)
			log_warn(LOG_MOD_BGP,
			    "peer %s: hold timer ran out with %d bytes unread: "
			    "the loop was late, reading them first",
			    p->cfg.name, unread);
		uv_timer_start(&p->t_hold, t_hold_cb, BGP_HOLD_DEFER_MS, 0);
		return;
	}
	bgp_fsm_event(p, BGP_EV_HOLD_EXPIRED);
}

static void
t_keepalive_cb(uv_timer_t *t)
{
	bgp_fsm_event(t->data, BGP_EV_KEEPALIVE_EXPIRED);
}

static void
t_idlehold_cb(uv_timer_t *t)
{
	bgp_fsm_event(t->data, BGP_EV_IDLEHOLD_EXPIRED);
}

static void
t_gr_cb(uv_timer_t *t)
{
	bgp_adj_in_gr_expired(t->data);
}

void
bgp_fsm_init_timers(struct bgp_peer *p)
{
	uv_timer_t *t[] = { &p->t_connretry, &p->t_hold, &p->t_keepalive, &p->t_idlehold,
		&p->t_gr, &p->out.mrai };
	size_t	    i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uv_timer_init(p->bgp->loop, t[i]);
		t[i]->data = p;
	}
	p->handles = (int)(sizeof(t) / sizeof(t[0]));
}

static void
hold_restart(struct bgp_peer *p)
{
	p->hold_defers = 0;
	if (p->neg.hold_time)
		uv_timer_start(&p->t_hold, t_hold_cb, bgp_secs(p->neg.hold_time), 0);
}

static void
connretry_start(struct bgp_peer *p)
{
	uv_timer_start(&p->t_connretry, t_connretry_cb, bgp_secs(p->cfg.connect_retry), 0);
}

/* ---- sending ---- */

static int
conn_send_keepalive(struct bgp_conn *c)
{
	uint8_t	       buf[BGP_HDR_LEN];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));
	int	       rc;

	if ((rc = bgp_keepalive_encode(&w)) != 0)
		return rc;
	if (c->peer)
		c->peer->msgs_out++;
	return bgp_conn_send(c, buf, wire_wr_len(&w));
}

/* The capabilities we offer this peer (RFC 5492). */
static void
peer_local_caps(const struct bgp_peer *p, struct bgp_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->mp_ipv4 = p->cfg.ipv4_unicast;
	caps->mp_ipv6 = p->cfg.ipv6_unicast;
	caps->route_refresh = true;
	caps->as4 = true;
	caps->as4_asn = peer_local_as(p);
	caps->ext_msg = true;
	/*
	 * RFC 4724 3. F: the daemon keeps (adopts) its kernel routes across a
	 * restart, so forwarding state is preserved and helpers may keep our
	 * routes until our End-of-RIB.
	 */
	if (p->cfg.graceful_restart) {
		caps->gr = true;
		caps->gr_time = p->cfg.gr_restart_time > 4095 ? 4095 : p->cfg.gr_restart_time;
		if (p->cfg.ipv4_unicast)
			caps->gr_af[caps->gr_af_count++] = (struct bgp_gr_af){ BGP_AFI_IPV4,
				BGP_SAFI_UNICAST, BGP_GR_AF_F_FORWARDING };
		if (p->cfg.ipv6_unicast)
			caps->gr_af[caps->gr_af_count++] = (struct bgp_gr_af){ BGP_AFI_IPV6,
				BGP_SAFI_UNICAST, BGP_GR_AF_F_FORWARDING };
	}
}

static int
conn_send_open(struct bgp_peer *p, struct bgp_conn *c)
{
	uint8_t		buf[BGP_MAX_MSG];
	struct wire_wr	w = wire_wr_init(buf, sizeof(buf));
	struct bgp_open o;
	int		rc;

	memset(&o, 0, sizeof(o));
	o.asn = peer_local_as(p);
	o.hold_time = p->cfg.hold_time;
	o.bgp_id = p->bgp->cfg.router_id;
	peer_local_caps(p, &o.caps);
	if ((rc = bgp_open_encode(&w, &o)) != 0)
		return rc;
	c->open_sent = true;
	p->msgs_out++;
	rc = bgp_conn_send(c, buf, wire_wr_len(&w));
	bgp_conn_flush(c);
	return rc;
}

static void
conn_send_notify(struct bgp_peer *p, struct bgp_conn *c, const struct bgp_notify *n)
{
	uint8_t	       buf[BGP_MAX_MSG];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));

	if (bgp_notify_encode(&w, n, BGP_MAX_MSG) != 0)
		return;
	p->msgs_out++;
	bgp_conn_send(c, buf, wire_wr_len(&w));
	bgp_conn_flush(c);
}

/* ---- leaving a session ---- */

enum drop_why {
	DROP_ERROR,	 /* we sent a NOTIFICATION (or had nothing to send) */
	DROP_NOTIF_RCVD, /* the peer sent a NOTIFICATION */
	DROP_TCP,	 /* the connection failed or was closed */
	DROP_HOLD,	 /* hold timer expired */
};

/* Go to Idle: close everything, deal with the routes, arm the automatic restart. */
static void
fsm_drop(struct bgp_peer *p, enum drop_why why, bool linger)
{
	bool was_est = p->state == BGP_ST_ESTABLISHED;
	bool keep;

	uv_timer_stop(&p->t_connretry);
	uv_timer_stop(&p->t_hold);
	uv_timer_stop(&p->t_keepalive);
	if (p->conn) {
		bgp_conn_detach_close(p->conn, linger);
		p->conn = NULL;
	}
	if (p->coll) {
		bgp_conn_detach_close(p->coll, false);
		p->coll = NULL;
	}
	fsm_set_state(p, BGP_ST_IDLE);
	if (was_est) {
		p->flaps++;
		p->established_at_ms = 0;
		bgp_adj_out_session_down(p);
		/* RFC 4724 4.2: retain the routes when the TCP session just went
		 * away from a GR-capable peer (a NOTIFICATION ends GR). */
		keep = why == DROP_TCP && p->gr_helper && !p->deleting;
		if (!keep && p->reported_up) {
			p->reported_up = false;
			if (p->bgp->hooks.session)
				p->bgp->hooks.session(p->bgp->hooks_arg, p->cfg.rib_source,
				    false, why == DROP_HOLD);
		}
		bgp_adj_in_session_down(p, keep);
		if (keep) {
			uint16_t t = p->ropen.caps.gr_time;

			uv_timer_start(&p->t_gr, t_gr_cb, bgp_secs(t), 0);
			log_info(LOG_MOD_BGP,
			    "peer %s: graceful restart, routes kept stale "
			    "for %u s",
			    p->cfg.name, t);
		}
		p->idlehold_s = 1;
	} else if (p->idlehold_s < BGP_IDLEHOLD_MAX_S) {
		p->idlehold_s = p->idlehold_s ? p->idlehold_s * 2 : 1;
	}
	if (!p->admin_down && !p->deleting)
		uv_timer_start(&p->t_idlehold, t_idlehold_cb, bgp_secs(p->idlehold_s), 0);
}

/* Send a NOTIFICATION (when a session is far enough along) and drop. */
static void
fsm_notify_n(struct bgp_peer *p, const struct bgp_notify *n)
{
	bool sent = false;

	if (p->conn && p->conn->connected && p->state >= BGP_ST_OPENSENT) {
		conn_send_notify(p, p->conn, n);
		sent = true;
		bgp_peer_log_error(p, "sent NOTIFICATION %u/%u (%s)", n->code, n->subcode,
		    bgp_notify_str(n->code, n->subcode));
	}
	/* a deleted peer does not linger: the loop may be closing every handle */
	if (p->state != BGP_ST_IDLE || p->conn || p->coll)
		fsm_drop(p, n->code == BGP_ERR_HOLD ? DROP_HOLD : DROP_ERROR,
		    sent && !p->deleting && !p->bgp->freeing);
}

void
bgp_fsm_notify(struct bgp_peer *p, uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t len)
{
	struct bgp_notify n;

	bgp_notify_set(&n, code, subcode);
	n.data = data;
	n.data_len = len;
	fsm_notify_n(p, &n);
}

/* Cease/2 or Cease/4 with an RFC 9003 shutdown communication. */
void
bgp_fsm_shutdown(struct bgp_peer *p, uint8_t subcode, const char *text)
{
	struct bgp_notify n;
	uint8_t		  buf[256];

	bgp_notify_set_shutdown(&n, subcode, text, buf, sizeof(buf));
	fsm_notify_n(p, &n);
}

/*
 * The speaker stops and will be back: RFC 4724 4 - a restarting speaker's
 * peers keep its routes (we advertise forwarding preserved: the kernel keeps
 * forwarding while hybridgwd restarts) only when the session ends without a
 * NOTIFICATION, which would end graceful restart at the helper.
 */
void
bgp_fsm_restart_close(struct bgp_peer *p)
{
	bgp_peer_log_error(p, "closed without NOTIFICATION: graceful restart");
	if (p->state != BGP_ST_IDLE || p->conn || p->coll)
		fsm_drop(p, DROP_TCP, false);
}

/* What a decoder said to send (its inline octets and borrowed data both go). */
void
bgp_fsm_error(struct bgp_peer *p, const struct bgp_notify *n)
{
	fsm_notify_n(p, n);
}

/* ---- starting ---- */

static void
fsm_connect(struct bgp_peer *p)
{
	struct bgp_conn *c;
	int		 rc;

	if (!(c = bgp_conn_new(p->bgp, true, p->cfg.remote.family))) {
		fsm_set_state(p, BGP_ST_ACTIVE);
		return;
	}
	p->conn = c;
	p->connects++;
	if ((rc = bgp_conn_connect(p, c)) != 0) {
		bgp_peer_log_error(p, "connect: %s", uv_strerror(rc));
		p->conn = NULL;
		bgp_conn_detach_close(c, false);
		fsm_set_state(p, BGP_ST_ACTIVE);
		return;
	}
	fsm_set_state(p, BGP_ST_CONNECT);
}

static void
fsm_start(struct bgp_peer *p)
{
	uv_timer_stop(&p->t_idlehold);
	if (p->cfg.passive) { /* RFC 4271 8.1.1: passive TCP establishment */
		fsm_set_state(p, BGP_ST_ACTIVE);
		return;
	}
	connretry_start(p);
	fsm_connect(p);
}

/* A connection (ours or the peer's) is up and becomes the main one: send OPEN. */
static void
fsm_conn_up(struct bgp_peer *p, struct bgp_conn *c)
{
	uv_timer_stop(&p->t_connretry);
	if (conn_send_open(p, c) != 0) {
		fsm_drop(p, DROP_ERROR, false);
		return;
	}
	p->neg.hold_time = 0;
	p->hold_defers = 0;
	uv_timer_start(&p->t_hold, t_hold_cb, bgp_secs(BGP_OPENSENT_HOLD_S), 0);
	fsm_set_state(p, BGP_ST_OPENSENT);
}

void
bgp_fsm_event(struct bgp_peer *p, enum bgp_fsm_event ev)
{
	switch (ev) {
	case BGP_EV_START:
		p->admin_down = false;
		if (p->state == BGP_ST_IDLE)
			fsm_start(p);
		break;
	case BGP_EV_STOP:
		p->admin_down = true;
		uv_timer_stop(&p->t_idlehold);
		bgp_fsm_shutdown(p, BGP_ERR_CEASE_SHUTDOWN, "hybridgw: session shut down");
		break;
	case BGP_EV_RESET:
		p->admin_down = false;
		bgp_fsm_shutdown(p, BGP_ERR_CEASE_RESET, "hybridgw: session reset by operator");
		/* Reconnect after a 1 s idle hold, not at once: the peer must read
		 * our NOTIFICATION before our next OPEN (to a graceful-restart
		 * helper a new connection racing it looks like a restart, and the
		 * NOTIFICATION is lost). Also cuts short a long back-off. */
		p->idlehold_s = 1;
		uv_timer_start(&p->t_idlehold, t_idlehold_cb, bgp_secs(1), 0);
		break;
	case BGP_EV_CONNRETRY_EXPIRED:
		if (p->state == BGP_ST_CONNECT || p->state == BGP_ST_ACTIVE) {
			if (p->conn) {
				bgp_conn_detach_close(p->conn, false);
				p->conn = NULL;
			}
			connretry_start(p);
			fsm_connect(p);
		}
		break;
	case BGP_EV_HOLD_EXPIRED:
		if (p->state >= BGP_ST_OPENSENT) {
			bgp_fsm_notify(p, BGP_ERR_HOLD, 0, NULL, 0);
			bgp_peer_log_error(p, "hold timer expired, sent NOTIFICATION 4/0");
		}
		break;
	case BGP_EV_KEEPALIVE_EXPIRED:
		if ((p->state == BGP_ST_OPENCONFIRM || p->state == BGP_ST_ESTABLISHED) &&
		    p->conn) {
			conn_send_keepalive(p->conn);
			bgp_conn_flush(p->conn);
			if (p->keepalive)
				uv_timer_start(&p->t_keepalive, t_keepalive_cb,
				    bgp_secs(p->keepalive), 0);
		}
		break;
	case BGP_EV_IDLEHOLD_EXPIRED:
		if (p->state == BGP_ST_IDLE && !p->admin_down && !p->deleting)
			fsm_start(p);
		break;
	case BGP_EV_TCP_CONNECTED:
		if (p->state == BGP_ST_CONNECT && p->conn)
			fsm_conn_up(p, p->conn);
		break;
	case BGP_EV_TCP_FAILS:
		if (p->state == BGP_ST_CONNECT || p->state == BGP_ST_OPENSENT) {
			/* RFC 4271 8.2.2: back to Active, ConnectRetry decides */
			if (p->conn) {
				bgp_conn_detach_close(p->conn, false);
				p->conn = NULL;
			}
			uv_timer_stop(&p->t_hold);
			if (p->state == BGP_ST_OPENSENT ||
			    !uv_is_active((uv_handle_t *)&p->t_connretry))
				connretry_start(p);
			fsm_set_state(p, BGP_ST_ACTIVE);
		} else if (p->state >= BGP_ST_OPENCONFIRM) {
			fsm_drop(p, DROP_TCP, false);
		}
		break;
	}
}

void
bgp_fsm_conn_failed(struct bgp_conn *c, int err)
{
	struct bgp_peer *p = c->peer;

	if (!p) {
		bgp_conn_detach_close(c, false);
		return;
	}
	if (c == p->coll) {
		p->coll = NULL;
		bgp_conn_detach_close(c, false);
		return;
	}
	if (c != p->conn) {
		bgp_conn_detach_close(c, false);
		return;
	}
	if (err == UV_EOF)
		bgp_peer_log_error(p, "connection closed by the peer");
	else
		bgp_peer_log_error(p, "connection %s: %s", c->connected ? "lost" : "failed",
		    uv_strerror(err));
	bgp_fsm_event(p, BGP_EV_TCP_FAILS);
}

/* RFC 4271 6.8 / 8.2.2: an incoming connection. */
void
bgp_fsm_accepted(struct bgp_peer *p, struct bgp_conn *c)
{
	char abuf[IPADDR_STRLEN];

	if (p->admin_down || p->deleting || p->state == BGP_ST_IDLE ||
	    (p->state == BGP_ST_ESTABLISHED && !p->gr_helper)) {
		log_debug(LOG_MOD_BGP, "peer %s: connection from %s refused in %s", p->cfg.name,
		    ipaddr_fmt(&c->remote, abuf, sizeof(abuf)), state_names[p->state]);
		bgp_conn_detach_close(c, false);
		return;
	}
	if (bgp_conn_read_start(c) != 0) {
		bgp_conn_detach_close(c, false);
		return;
	}
	if (p->state == BGP_ST_CONNECT || p->state == BGP_ST_ACTIVE) {
		if (p->conn) { /* our own attempt is still connecting */
			bgp_conn_detach_close(p->conn, false);
			p->conn = NULL;
		}
		p->conn = c;
		fsm_conn_up(p, c);
		return;
	}
	/* OpenSent, OpenConfirm or Established: keep it aside until its OPEN */
	if (p->coll)
		bgp_conn_detach_close(p->coll, false);
	p->coll = c;
	if (conn_send_open(p, c) != 0) {
		p->coll = NULL;
		bgp_conn_detach_close(c, false);
	}
}

/* ---- receiving ---- */

static void
fsm_fsm_error(struct bgp_peer *p)
{
	uint8_t sub = p->state == BGP_ST_OPENSENT ? BGP_ERR_FSM_OPENSENT :
	    p->state == BGP_ST_OPENCONFIRM	  ? BGP_ERR_FSM_OPENCONFIRM :
						    BGP_ERR_FSM_ESTABLISHED;

	bgp_fsm_notify(p, BGP_ERR_FSM, sub, NULL, 0); /* RFC 6608 */
}

/* Decode and check an OPEN for this peer. 0 or -EBADMSG with n filled. */
static int
open_check(struct bgp_peer *p, const uint8_t *msg, size_t len, struct bgp_open *o,
    struct bgp_notify *n)
{
	struct bgp_caps want;
	int		rc;

	if ((rc = bgp_open_decode(wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN), o, n)))
		return rc;
	peer_local_caps(p, &want);
	return bgp_open_check(o, p->cfg.remote_as, peer_local_as(p), p->bgp->cfg.router_id,
	    &want, n);
}

/* The OPEN on the main connection is good: negotiate, KEEPALIVE, OpenConfirm. */
static void
fsm_open_accept(struct bgp_peer *p, const struct bgp_open *o)
{
	struct bgp_caps local;
	unsigned	i;

	p->ropen = *o;
	peer_local_caps(p, &local);
	bgp_neg_init(&p->neg, &local, p->cfg.hold_time, o, peer_local_as(p));
	/* RFC 4271 4.2: keepalive one third of the hold time */
	p->keepalive = p->neg.hold_time / 3;
	p->gr_helper = false;
	/* RFC 4724 3: the capability even without address families says the
	 * peer retains the routes of a speaker that restarts (ours has them) */
	p->gr_helps_us = p->cfg.graceful_restart && o->caps.gr;
	if (p->cfg.graceful_restart && o->caps.gr)
		for (i = 0; i < o->caps.gr_af_count; i++)
			if (o->caps.gr_af[i].safi == BGP_SAFI_UNICAST &&
			    ((o->caps.gr_af[i].afi == BGP_AFI_IPV4 && p->neg.ipv4) ||
				(o->caps.gr_af[i].afi == BGP_AFI_IPV6 && p->neg.ipv6)))
				p->gr_helper = true;
	conn_send_keepalive(p->conn);
	bgp_conn_flush(p->conn);
	uv_timer_stop(&p->t_hold);
	hold_restart(p);
	if (p->keepalive)
		uv_timer_start(&p->t_keepalive, t_keepalive_cb, bgp_secs(p->keepalive), 0);
	fsm_set_state(p, BGP_ST_OPENCONFIRM);
}

/* RFC 4724 4.2: which stale families survive the new session's OPEN. */
static void
fsm_gr_reestablished(struct bgp_peer *p)
{
	int	 fam;
	unsigned i;

	if (!p->gr_stale)
		return;
	for (fam = 0; fam < BGP_FAM_COUNT; fam++) {
		bool keep = false;

		for (i = 0; i < p->ropen.caps.gr_af_count; i++) {
			const struct bgp_gr_af *a = &p->ropen.caps.gr_af[i];

			if (a->safi == BGP_SAFI_UNICAST &&
			    (a->flags & BGP_GR_AF_F_FORWARDING) &&
			    a->afi == (fam == BGP_FAM_V4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6))
				keep = true;
		}
		if (!keep || !p->ropen.caps.gr)
			bgp_adj_in_sweep_stale(p, fam);
	}
	if (p->gr_stale) /* wait for End-of-RIB, but not forever */
		uv_timer_start(&p->t_gr, t_gr_cb, bgp_secs(BGP_STALEPATH_S), 0);
	else
		uv_timer_stop(&p->t_gr);
}

static void
fsm_established(struct bgp_peer *p)
{
	struct bgp *bgp = p->bgp;

	fsm_set_state(p, BGP_ST_ESTABLISHED);
	p->established_at_ms = mono_ms();
	p->idlehold_s = 1;
	p->last_error[0] = '\0';
	memset(p->eor_rcvd, 0, sizeof(p->eor_rcvd));
	hold_restart(p);
	fsm_gr_reestablished(p);
	if (!p->reported_up) {
		p->reported_up = true;
		if (bgp->hooks.session)
			bgp->hooks.session(bgp->hooks_arg, p->cfg.rib_source, true, false);
	}
	if (p->state == BGP_ST_ESTABLISHED)
		bgp_adj_out_session_up(p);
}

/* An OPEN on the collision connection: RFC 4271 6.8 decides which one stays. */
static void
fsm_collision_open(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *msg, size_t len)
{
	struct bgp_open	  o;
	struct bgp_notify n;
	bool		  keep_new;

	if (open_check(p, msg, len, &o, &n) != 0) {
		conn_send_notify(p, c, &n);
		p->coll = NULL;
		bgp_conn_detach_close(c, true);
		return;
	}
	if (p->state == BGP_ST_ESTABLISHED) {
		/* RFC 4724 4.2: the peer restarted; the old session is gone */
		bgp_peer_log_error(p, "new connection while Established: peer restarted");
		p->coll = NULL;
		fsm_drop(p, DROP_TCP, false);
		uv_timer_stop(&p->t_idlehold);
		keep_new = true;
	} else {
		/* the connection initiated by the higher BGP Identifier stays */
		keep_new = !p->conn->outgoing || p->bgp->cfg.router_id < o.bgp_id;
		if (keep_new) {
			bgp_notify_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
			conn_send_notify(p, p->conn, &n);
			bgp_conn_detach_close(p->conn, true);
			p->conn = NULL;
			p->coll = NULL;
		}
	}
	if (!keep_new) {
		bgp_notify_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
		conn_send_notify(p, c, &n);
		p->coll = NULL;
		bgp_conn_detach_close(c, true);
		return;
	}
	log_debug(LOG_MOD_BGP, "peer %s: collision resolved for the incoming connection",
	    p->cfg.name);
	uv_timer_stop(&p->t_connretry);
	uv_timer_stop(&p->t_keepalive);
	p->conn = c;
	fsm_set_state(p, BGP_ST_OPENSENT);
	fsm_open_accept(p, &o);
}

static bool
recv_update(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	struct bgp_update u;

	p->updates_in++;
	bgp_update_decode(wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN), &p->neg,
	    p->bgp->scratch, &u);
	if (u.action == BGP_UPD_SESSION_RESET) {
		bgp_fsm_error(p, &u.notify);
		return false;
	}
	if (u.action == BGP_UPD_TREAT_AS_WITHDRAW || u.action == BGP_UPD_ATTR_DISCARD)
		log_info(LOG_MOD_BGP,
		    "peer %s: malformed UPDATE (%s, attribute %u): %s "
		    "(RFC 7606)",
		    p->cfg.name, bgp_notify_str(u.notify.code, u.notify.subcode), u.err_attr,
		    u.action == BGP_UPD_TREAT_AS_WITHDRAW ? "treated as withdraw" :
							    "attribute discarded");
	bgp_adj_in_process(p, &u);
	return p->state == BGP_ST_ESTABLISHED;
}

static void
recv_notification(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	struct bgp_notify n;
	char		  txt[64];

	if (bgp_notify_decode(wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN), &n) != 0)
		bgp_notify_set(&n, 0, 0);
	if (bgp_notify_shutdown_msg(&n, txt, sizeof(txt)) == 0)
		bgp_peer_log_error(p, "received NOTIFICATION %u/%u (%s) \"%s\"", n.code,
		    n.subcode, bgp_notify_str(n.code, n.subcode), txt);
	else
		bgp_peer_log_error(p, "received NOTIFICATION %u/%u (%s)", n.code, n.subcode,
		    bgp_notify_str(n.code, n.subcode));
	fsm_drop(p, DROP_NOTIF_RCVD, false);
}

static void
recv_route_refresh(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	struct bgp_rr	  rr;
	struct bgp_notify n;

	if (bgp_rr_decode(wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN), &rr, &n)) {
		bgp_fsm_error(p, &n);
		return;
	}
	if (rr.subtype != BGP_RR_NORMAL || rr.safi != BGP_SAFI_UNICAST)
		return;
	if ((rr.afi == BGP_AFI_IPV4 && p->neg.ipv4) ||
	    (rr.afi == BGP_AFI_IPV6 && p->neg.ipv6)) {
		log_info(LOG_MOD_BGP, "peer %s: ROUTE-REFRESH received, resending",
		    p->cfg.name);
		bgp_adj_out_resend(p);
	}
}

bool
bgp_fsm_recv(struct bgp_conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
	struct bgp_peer	 *p = c->peer;
	struct bgp_open	  o;
	struct bgp_notify n;

	if (!p)
		return false;
	if (c == p->coll) {
		if (type == BGP_MSG_OPEN)
			fsm_collision_open(p, c, msg, len);
		else { /* NOTIFICATION or out of order: this one goes */
			p->coll = NULL;
			bgp_conn_detach_close(c, false);
		}
		return c->peer == p && !c->closing;
	}
	if (c != p->conn)
		return false;
	p->msgs_in++;
	switch (type) {
	case BGP_MSG_OPEN:
		if (p->state != BGP_ST_OPENSENT) {
			fsm_fsm_error(p);
			return false;
		}
		if (open_check(p, msg, len, &o, &n) != 0) {
			bgp_fsm_error(p, &n);
			return false;
		}
		fsm_open_accept(p, &o);
		break;
	case BGP_MSG_KEEPALIVE:
		if (p->state == BGP_ST_OPENCONFIRM)
			fsm_established(p);
		else if (p->state == BGP_ST_ESTABLISHED)
			hold_restart(p);
		else {
			fsm_fsm_error(p);
			return false;
		}
		break;
	case BGP_MSG_UPDATE:
		if (p->state != BGP_ST_ESTABLISHED) {
			fsm_fsm_error(p);
			return false;
		}
		hold_restart(p);
		if (!recv_update(p, msg, len))
			return false;
		break;
	case BGP_MSG_NOTIFICATION:
		recv_notification(p, msg, len);
		return false;
	case BGP_MSG_ROUTE_REFRESH:
		if (p->state != BGP_ST_ESTABLISHED) {
			fsm_fsm_error(p);
			return false;
		}
		hold_restart(p);
		recv_route_refresh(p, msg, len);
		break;
	default:
		bgp_fsm_notify(p, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, &type, 1);
		return false;
	}
	return c->peer == p && p->conn == c && !c->closing;
}

/* RFC 4271 8 / RFC 4486: too many prefixes from the peer. */
/* After a teardown for a limit: back after the restart time, or never. */
static void
fsm_restart_later(struct bgp_peer *p)
{
	uv_timer_stop(&p->t_idlehold);
	if (p->cfg.max_prefix_restart)
		uv_timer_start(&p->t_idlehold, t_idlehold_cb,
		    bgp_secs(p->cfg.max_prefix_restart), 0);
	else
		p->admin_down = true;
}

void
bgp_fsm_maxpfx(struct bgp_peer *p)
{
	uint32_t    count = 0, limit = 0;
	uint8_t	    data[7], afi = 0;
	const char *what = "";

	/* RFC 4486 4: the AFI of the limit crossed; the old limit counts both
	 * families and names IPv4 when it is negotiated */
	if (p->cfg.max_prefix &&
	    (count = bgp_adj_in_count(p) + bgp_nhself_count(p)) > p->cfg.max_prefix) {
		limit = p->cfg.max_prefix;
		afi = p->neg.ipv4 || !p->neg.ipv6 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
	} else if (p->cfg.max_prefix4 &&
	    (count = bgp_adj_in_count_af(p, AF_INET)) > p->cfg.max_prefix4) {
		limit = p->cfg.max_prefix4;
		afi = BGP_AFI_IPV4;
		what = " IPv4";
	} else if (p->cfg.max_prefix6 &&
	    (count = bgp_adj_in_count_af(p, AF_INET6)) > p->cfg.max_prefix6) {
		limit = p->cfg.max_prefix6;
		afi = BGP_AFI_IPV6;
		what = " IPv6";
	}
	if (!limit) {
		p->maxpfx_warned = false;
		return;
	}
	if (p->cfg.max_prefix_action == BGP_MAXPFX_WARNING) {
		if (!p->maxpfx_warned)
			log_warn(LOG_MOD_BGP, "peer %s: %u%s prefixes exceed the limit of %u",
			    p->cfg.name, count, what, limit);
		p->maxpfx_warned = true;
		return;
	}
	data[0] = 0;
	data[1] = afi;
	data[2] = BGP_SAFI_UNICAST;
	data[3] = (uint8_t)(limit >> 24);
	data[4] = (uint8_t)(limit >> 16);
	data[5] = (uint8_t)(limit >> 8);
	data[6] = (uint8_t)limit;
	log_warn(LOG_MOD_BGP, "peer %s: %u%s prefixes exceed the limit of %u, tearing down",
	    p->cfg.name, count, what, limit);
	bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_MAXPFX, data, sizeof(data));
	snprintf(p->last_error, sizeof(p->last_error),
	    "sent NOTIFICATION 6/1 (maximum%s prefixes %u reached)", what, limit);
	fsm_restart_later(p);
}

/*
 * A peer pins more memory than it may (bgp_peer_cfg.max_memory): many
 * distinct attribute sets, or huge ones, with its routes. Cease/8 (RFC 4486
 * 4, "Out of Resources"), routes flushed with the session, and the same
 * wait as a max-prefix teardown before trying again: a peer that does it
 * again is not let to churn the route manager every second.
 */
void
bgp_fsm_resources(struct bgp_peer *p, uint64_t pinned)
{
	log_err(LOG_MOD_BGP,
	    "peer %s: pins %llu KiB of routes and attribute sets, over its "
	    "cap of %llu KiB: out of resources, tearing down",
	    p->cfg.name, (unsigned long long)(pinned / 1024),
	    (unsigned long long)(p->cfg.max_memory / 1024));
	bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_RESOURCES, NULL, 0);
	snprintf(p->last_error, sizeof(p->last_error),
	    "sent NOTIFICATION 6/8 (out of resources: over %llu KiB)",
	    (unsigned long long)(p->cfg.max_memory / 1024));
	fsm_restart_later(p);
}
