/* tests/unit/bgp/test_bgp_fsm.c - the session FSM driven over loopback TCP: transitions, timers, collisions. */
/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bgp_test_peer.h"

/* Nothing listens: Connect -> Active, and ConnectRetry brings it back to Connect. */
static void
test_connect_fails_then_retries(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.port = tp_free_port();
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	assert_true(tp_state_is(&e, "Connect"));
	assert_int_equal(e.peer->connects, 1);
	assert_true(tp_wait_state(&e, "Active", 500));
	/* ConnectRetry (1 s = 20 ms) expires: new attempts, about one per period */
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_connretry));
	tp_run_ms(&e.loop, 110);
	assert_in_range(e.peer->connects, 3, 7);
	assert_int_equal(e.h.up, 0);
	tp_env_fini(&e);
}

/* OPEN/KEEPALIVE exchange; hold time is the smaller one, keepalive a third. */
static void
test_establish_negotiates_hold(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct bgp_open	      o;
	struct bgp_notify     n;
	struct tp_conn	     *c;
	uint8_t		      msg[BGP_MAX_MSG];
	int		      len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	c = tp_accept_open(&e.loop, e.lfd, msg, 1500);
	assert_non_null(c);
	assert_true(tp_wait_state(&e, "OpenSent", 500));
	len = msg[16] << 8 | msg[17];
	assert_int_equal(bgp_open_decode(wire_rd_init(msg + BGP_HDR_LEN,
					     (size_t)len - BGP_HDR_LEN),
			     &o, &n),
	    0);
	assert_int_equal(o.asn, TP_LOCAL_AS);
	assert_int_equal(o.hold_time, 90);
	assert_int_equal(o.bgp_id, TP_LOCAL_ID);
	assert_true(o.caps.as4);
	assert_true(o.caps.mp_ipv4);
	assert_true(o.caps.route_refresh);
	/* the OpenSent hold timer is the large one (4 minutes) */
	assert_true(uv_timer_get_repeat(&e.peer->t_hold) == 0);
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_hold));

	tp_send_open(c, TP_REMOTE_AS, 30, 0x0a000002u, false, false, false);
	assert_true(tp_wait_state(&e, "OpenConfirm", 500));
	assert_true(tp_expect(&e.loop, c, BGP_MSG_KEEPALIVE, NULL, 500) > 0);
	tp_send_keepalive(c);
	assert_true(tp_wait_state(&e, "Established", 500));
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.hold_time, 30);
	assert_int_equal(st.keepalive, 10);
	assert_int_equal(st.remote_router_id, 0x0a000002u);
	assert_true(st.four_octet_as);
	assert_true(st.route_refresh);
	assert_int_equal(e.h.up, 1);
	assert_int_equal(e.h.sync, 1);
	/* nothing to export: End-of-RIB right away (an UPDATE of 23 octets) */
	len = tp_expect(&e.loop, c, BGP_MSG_UPDATE, msg, 500);
	assert_int_equal(len, 23);
	tp_close(c);
	/* the peer went away: Idle, then the automatic restart */
	assert_true(tp_wait_state(&e, "Idle", 500));
	assert_int_equal(e.h.down, 1);
	assert_int_equal(e.h.hold_down, 0);
	tp_env_fini(&e);
}

/* Hold timer expiry: NOTIFICATION 4/0 and the session hook says why. */
static void
test_hold_timer_expires(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	int		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 3, false, false);
	assert_non_null(c);
	/* keepalives every second (20 ms) from us meanwhile */
	assert_true(tp_expect(&e.loop, c, BGP_MSG_KEEPALIVE, NULL, 200) > 0);
	len = tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 1000);
	assert_true(len >= 21);
	assert_int_equal(msg[19], BGP_ERR_HOLD);
	assert_int_equal(msg[20], 0);
	assert_int_equal(e.h.down, 1);
	assert_int_equal(e.h.hold_down, 1);
	assert_non_null(strstr(e.peer->last_error, "hold timer expired"));
	tp_close(c);
	tp_env_fini(&e);
}

/* A loop that comes back late reads the KEEPALIVE waiting in the socket
 * before its hold timer may drop the session; a silent peer still is. */
static void
test_hold_reads_unread_first(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	int		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 3, false, false);
	assert_non_null(c);
	tp_send_keepalive(c);
	/* the loop does not run for four hold times (3 s = 60 ms each) */
	usleep((useconds_t)(4 * bgp_secs(3) * 1000));
	/* one turn: the expired hold timer first, then the socket */
	uv_run(&e.loop, UV_RUN_NOWAIT);
	uv_run(&e.loop, UV_RUN_NOWAIT);
	assert_true(tp_state_is(&e, "Established"));
	assert_int_equal(e.h.down, 0);
	/* silence from here on: the session ends as before */
	len = tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 1000);
	assert_true(len >= 21);
	assert_int_equal(msg[19], BGP_ERR_HOLD);
	assert_int_equal(e.h.hold_down, 1);
	tp_close(c);
	tp_env_fini(&e);
}

/* Our keepalives keep coming at a third of the hold time; the peer's keep us up. */
static void
test_keepalives_keep_session(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	int		    i, ka = 0;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 3, false, false);
	assert_non_null(c);
	for (i = 0; i < 10; i++) { /* 200 ms = more than three hold times */
		tp_send_keepalive(c);
		if (tp_expect(&e.loop, c, BGP_MSG_KEEPALIVE, NULL, 40) > 0)
			ka++;
	}
	assert_true(ka >= 5);
	assert_true(tp_state_is(&e, "Established"));
	assert_int_equal(e.h.down, 0);
	tp_close(c);
	tp_env_fini(&e);
}

/* A NOTIFICATION from the peer ends the session and is recorded. */
static void
test_notification_received(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	tp_send_notify(c, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN);
	assert_true(tp_wait_state(&e, "Idle", 500));
	bgp_peer_state_get(e.peer, &st);
	assert_non_null(strstr(st.last_error, "received NOTIFICATION 6/2"));
	assert_int_equal(st.flaps, 1);
	assert_int_equal(e.h.down, 1);
	/* automatic restart after the idle hold (1 s = 20 ms) */
	tp_close(c);
	c = tp_accept(&e.loop, e.lfd, 1000);
	assert_non_null(c);
	tp_close(c);
	tp_env_fini(&e);
}

/* Wrong peer AS: OPEN error 2/2, never Established. */
static void
test_bad_peer_as(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	c = tp_accept_open(&e.loop, e.lfd, NULL, 1500);
	assert_non_null(c);
	tp_send_open(c, 65099, 90, 0x0a000002u, false, false, false);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[19], BGP_ERR_OPEN);
	assert_int_equal(msg[20], BGP_ERR_OPEN_PEER_AS);
	assert_true(tp_state_is(&e, "Idle") || tp_state_is(&e, "Connect") ||
	    tp_state_is(&e, "Active"));
	assert_int_equal(e.h.up, 0);
	tp_close(c);
	tp_env_fini(&e);
}

/* UPDATE in OpenConfirm is an FSM error (RFC 6608 5/2). */
static void
test_fsm_error_in_openconfirm(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	c = tp_accept_open(&e.loop, e.lfd, NULL, 1500);
	assert_non_null(c);
	tp_send_open(c, TP_REMOTE_AS, 90, 0x0a000002u, false, false, false);
	assert_true(tp_wait_state(&e, "OpenConfirm", 500));
	len = tp_build_update(msg, sizeof(msg), NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1,
	    TP_REMOTE_AS, NULL, 0);
	tp_send(c, msg, len);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[19], BGP_ERR_FSM);
	assert_int_equal(msg[20], BGP_ERR_FSM_OPENCONFIRM);
	assert_int_equal(e.h.adds, 0);
	tp_close(c);
	tp_env_fini(&e);
}

/* Both families of port taken by plain listening sockets (fds out). */
static void
take_port(uint16_t port, int fds[2])
{
	struct sockaddr_in  sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int		    one = 1;

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(fds[1], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	assert_int_equal(bind(fds[0], (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fds[0], 1), 0);
	if (bind(fds[1], (struct sockaddr *)&sin6, sizeof(sin6)) != 0 ||
	    listen(fds[1], 1) != 0) {
		close(fds[1]); /* no IPv6 here: the IPv4 one decides */
		fds[1] = -1;
	}
}

/*
 * The listener in two steps (a commit's prepare and apply): open fails on a
 * taken port, an opened one accepts nothing until installed and leaves the
 * port free again when dropped (abort), installing another moves the
 * speaker to its port.
 */
static void
test_listener_two_steps(void **state)
{
	struct tp_env	     e;
	struct bgp_peer_cfg  cfg;
	struct bgp_listener *l = NULL, *l2 = NULL;
	struct tp_conn	    *c;
	uint16_t	     a = tp_free_port(), b = tp_free_port();
	int		     fds[2];

	tp_env_init(&e);
	take_port(a, fds);
	assert_int_not_equal(bgp_listener_open(e.bgp, a, &l), 0);
	assert_null(l);
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	/* opened and dropped: the speaker never listened, the port is free */
	assert_int_equal(bgp_listener_open(e.bgp, a, &l), 0);
	assert_non_null(l);
	assert_null(e.bgp->lsn);
	bgp_listener_free(l);
	tp_run_ms(&e.loop, 5);
	take_port(a, fds); /* asserts the bind works */
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	/* installed on a, then moved to b */
	assert_int_equal(bgp_listener_open(e.bgp, a, &l), 0);
	bgp_listener_install(e.bgp, l);
	assert_ptr_equal(e.bgp->lsn, l);
	assert_int_equal(bgp_listen(e.bgp, a), -EALREADY);
	assert_int_equal(bgp_listener_open(e.bgp, b, &l2), 0);
	tp_peer_cfg(&e, &cfg);
	cfg.passive = true;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	bgp_listener_install(e.bgp, l2);
	tp_run_ms(&e.loop, 5);
	take_port(a, fds); /* a is closed: free to bind */
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	c = tp_connect(b);
	assert_true(tp_wait_state(&e, "OpenSent", 500));
	tp_close(c);
	tp_env_fini(&e);
}

/* A passive peer waits in Active and comes up on the peer's connection. */
static void
test_passive_accepts(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint16_t	    port = tp_free_port();

	tp_env_init(&e);
	assert_int_equal(bgp_listen(e.bgp, port), 0);
	tp_peer_cfg(&e, &cfg);
	cfg.passive = true;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	assert_true(tp_state_is(&e, "Active"));
	tp_run_ms(&e.loop, 60); /* no outgoing connection, ever */
	assert_true(tp_state_is(&e, "Active"));
	c = tp_connect(port);
	assert_true(tp_wait_state(&e, "OpenSent", 500));
	assert_true(tp_expect(&e.loop, c, BGP_MSG_OPEN, NULL, 500) > 0);
	tp_send_open(c, TP_REMOTE_AS, 9, 0x0a000002u, false, false, false);
	tp_send_keepalive(c);
	assert_true(tp_wait_state(&e, "Established", 500));
	tp_close(c);
	tp_env_fini(&e);
}

/*
 * Collision (RFC 4271 6.8): our connection is in OpenSent when the peer's
 * arrives. The connection opened by the higher BGP identifier survives.
 */
static void
collision(bool peer_higher)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *out, *in, *keep;
	uint16_t	    port = tp_free_port();
	uint32_t	    rid = peer_higher ? 0x0b000000u : 0x01000000u;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	assert_int_equal(bgp_listen(e.bgp, port), 0);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	out = tp_accept_open(&e.loop, e.lfd, NULL, 1500); /* the connection we opened */
	assert_non_null(out);
	in = tp_connect(port); /* and the peer's own */
	assert_true(tp_expect(&e.loop, in, BGP_MSG_OPEN, NULL, 500) > 0);
	assert_non_null(e.peer->coll);
	tp_send_open(in, TP_REMOTE_AS, 90, rid, false, false, false);
	if (peer_higher) {
		/* ours is closed with Cease/7, the peer's goes on */
		assert_true(tp_expect(&e.loop, out, BGP_MSG_NOTIFICATION, msg, 500) > 0);
		assert_int_equal(msg[19], BGP_ERR_CEASE);
		assert_int_equal(msg[20], BGP_ERR_CEASE_COLLISION);
		assert_true(tp_wait_state(&e, "OpenConfirm", 500));
		keep = in;
	} else {
		assert_true(tp_expect(&e.loop, in, BGP_MSG_NOTIFICATION, msg, 500) > 0);
		assert_int_equal(msg[20], BGP_ERR_CEASE_COLLISION);
		assert_true(tp_state_is(&e, "OpenSent"));
		tp_send_open(out, TP_REMOTE_AS, 90, rid, false, false, false);
		assert_true(tp_wait_state(&e, "OpenConfirm", 500));
		keep = out;
	}
	assert_null(e.peer->coll);
	tp_send_keepalive(keep);
	assert_true(tp_wait_state(&e, "Established", 500));
	assert_int_equal(e.h.up, 1);
	tp_close(out);
	tp_close(in);
	tp_env_fini(&e);
}

static void
test_collision_peer_higher(void **state)
{
	collision(true);
}

static void
test_collision_we_higher(void **state)
{
	collision(false);
}

/* Admin reset: Cease/4, then a new connection; admin stop: Cease/2 and stay down. */
static void
test_admin_reset_and_stop(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	assert_int_equal(bgp_peer_clear(e.peer, false), 0);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[19], BGP_ERR_CEASE);
	assert_int_equal(msg[20], BGP_ERR_CEASE_RESET);
	/* RFC 9003: a length octet, then the text */
	assert_int_equal(msg[21], strlen("hybridgw: session reset by operator"));
	assert_memory_equal(msg + 22, "hybridgw: session reset by operator", msg[21]);
	tp_close(c);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	assert_int_equal(e.h.up, 2);
	bgp_fsm_event(e.peer, BGP_EV_STOP);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[20], BGP_ERR_CEASE_SHUTDOWN);
	tp_run_ms(&e.loop, 100);
	assert_true(tp_state_is(&e, "Idle"));
	tp_close(c);
	tp_env_fini(&e);
}

/* A session parameter change resets with Cease/6; a non-session one does not. */
static void
test_config_update(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	cfg.max_prefix = 1000;
	cfg.mrai_ms = tp_scale() * 10;
	assert_int_equal(bgp_peer_update(e.peer, &cfg), 0);
	assert_true(tp_state_is(&e, "Established"));
	cfg.hold_time = 30;
	assert_int_equal(bgp_peer_update(e.peer, &cfg), 0);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[20], BGP_ERR_CEASE_CONFIG);
	tp_close(c);
	tp_env_fini(&e);
}

/* RFC 2385: the same key on both ends comes up, a different one never connects. */
static void
md5(bool same)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct ipaddr	    lo;
	struct secret	    lkey;

	tp_env_init(&e);
	ipaddr_parse("127.0.0.1", &lo);
	assert_int_equal(secret_set_str(&lkey, same ? "k3y-one" : "k3y-two"), 0);
	assert_int_equal(bgp_sock_md5(e.lfd, &lo, &lkey), 0);
	secret_wipe(&lkey);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(secret_set_str(&cfg.md5_key, "k3y-one"), 0);
	if (same) {
		c = tp_establish(&e, &cfg, 90, false, false);
		assert_non_null(c);
		tp_close(c);
	} else {
		assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
		c = tp_accept(&e.loop, e.lfd, 300);
		assert_null(c);
		assert_false(tp_state_is(&e, "OpenSent"));
		assert_int_equal(e.h.up, 0);
	}
	secret_wipe(&cfg.md5_key);
	tp_env_fini(&e);
}

static void
test_md5_same_key(void **state)
{
	md5(true);
}

static void
test_md5_other_key(void **state)
{
	md5(false);
}

/* RFC 5082: with ttl-security 1 only TTL 255 packets get in. */
static void
test_gtsm(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	int		    ttl = 255;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.ttl_security = 1;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	/* the fake peer answers with TTL 64: its SYN-ACK is dropped */
	c = tp_accept(&e.loop, e.lfd, 200);
	assert_null(c);
	assert_int_equal(e.h.up, 0);
	/* a peer that sends with TTL 255 (as GTSM asks) gets through */
	assert_int_equal(setsockopt(e.lfd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), 0);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	tp_close(c);
	tp_env_fini(&e);
}

/* GTSM on the passive side: a SYN that came with TTL 64 is refused. */
static void
test_gtsm_accept(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint16_t	    port = tp_free_port();
	int		    ttl = 255;

	tp_env_init(&e);
	assert_int_equal(bgp_listen(e.bgp, port), 0);
	tp_peer_cfg(&e, &cfg);
	cfg.passive = true;
	cfg.ttl_security = 1;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	c = tp_connect(port); /* default TTL 64 */
	assert_int_equal(tp_expect(&e.loop, c, BGP_MSG_OPEN, NULL, 150), -1);
	assert_true(tp_state_is(&e, "Active"));
	tp_close(c);
	c = calloc(1, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(setsockopt(c->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), 0);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		connect(c->fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	assert_true(tp_expect(&e.loop, c, BGP_MSG_OPEN, NULL, 500) > 0);
	assert_true(tp_state_is(&e, "OpenSent"));
	tp_close(c);
	tp_env_fini(&e);
}

static void
test_syn_ttl(void **state)
{
	uint8_t v4[20] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 61 };
	uint8_t v6[40] = { 0x60, 0, 0, 0, 0, 20, 6, 254 };
	uint8_t bad[20] = { 0x55 };
	uint8_t ttl = 0;

	assert_int_equal(bgp_syn_ttl(v4, sizeof(v4), &ttl), 0);
	assert_int_equal(ttl, 61);
	assert_int_equal(bgp_syn_ttl(v6, sizeof(v6), &ttl), 0);
	assert_int_equal(ttl, 254);
	assert_int_equal(bgp_syn_ttl(v4, 8, &ttl), -EINVAL); /* truncated */
	assert_int_equal(bgp_syn_ttl(v6, 7, &ttl), -EINVAL);
	assert_int_equal(bgp_syn_ttl(v4, 0, &ttl), -EINVAL);
	assert_int_equal(bgp_syn_ttl(bad, sizeof(bad), &ttl), -EINVAL);
}

/* A peer that stops reading: the NOTIFICATION lingers behind queued
 * UPDATEs, and freeing the speaker still releases everything. */
static void
test_free_while_lingering(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct prefix	    p = { .family = AF_INET, .len = 24 };
	uv_os_fd_t	    fd;
	int		    small = 4096, i;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	setsockopt(e.lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	assert_int_equal(uv_fileno((uv_handle_t *)&e.peer->conn->tcp, &fd), 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	for (i = 0; i < 100000; i++) {
		p.bytes[0] = (uint8_t)(20 + (i >> 16));
		p.bytes[1] = (uint8_t)(i >> 8);
		p.bytes[2] = (uint8_t)i;
		bgp_export_announce(e.peer, &p, NULL);
	}
	tp_run_ms(&e.loop, 20); /* UPDATEs pile up: nobody reads */
	assert_true(bgp_conn_backlog(e.peer->conn) > 0);
	assert_int_equal(bgp_peer_clear(e.peer, false), 0);
	assert_non_null(e.bgp->lingering);
	tp_close(c);
	tp_env_fini(&e); /* ASan: nothing leaks */
}

/* Events injected directly: which ones each state honours, and the timers after. */
static void
test_events_direct(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.hold_time = 240; /* 4.8 s scaled: no timer fires by itself */
	c = tp_establish(&e, &cfg, 240, false, false);
	assert_non_null(c);
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_hold));
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_keepalive));
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_connretry));
	assert_int_equal(uv_timer_get_due_in(&e.peer->t_hold) <= 240u * bgp_ms_per_sec, 1);
	/* ConnectRetry and IdleHold mean nothing in Established */
	bgp_fsm_event(e.peer, BGP_EV_CONNRETRY_EXPIRED);
	bgp_fsm_event(e.peer, BGP_EV_IDLEHOLD_EXPIRED);
	bgp_fsm_event(e.peer, BGP_EV_TCP_CONNECTED);
	assert_true(tp_state_is(&e, "Established"));
	/* KeepaliveTimer_Expires: a KEEPALIVE goes out now */
	bgp_fsm_event(e.peer, BGP_EV_KEEPALIVE_EXPIRED);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_KEEPALIVE, NULL, 100) > 0);
	/* HoldTimer_Expires: 4/0, Idle, session timers stopped, restart armed */
	bgp_fsm_event(e.peer, BGP_EV_HOLD_EXPIRED);
	assert_true(tp_state_is(&e, "Idle"));
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_hold));
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_keepalive));
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_idlehold));
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 200) > 0);
	assert_int_equal(msg[19], BGP_ERR_HOLD);
	assert_int_equal(e.h.hold_down, 1);
	/* Idle ignores what belongs to a session */
	bgp_fsm_event(e.peer, BGP_EV_HOLD_EXPIRED);
	bgp_fsm_event(e.peer, BGP_EV_KEEPALIVE_EXPIRED);
	assert_true(tp_state_is(&e, "Idle"));
	/* ManualStop in Idle: no automatic restart any more */
	bgp_fsm_event(e.peer, BGP_EV_STOP);
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_idlehold));
	tp_run_ms(&e.loop, 100);
	assert_true(tp_state_is(&e, "Idle"));
	/* ManualStart: Connect at once */
	bgp_fsm_event(e.peer, BGP_EV_START);
	assert_true(tp_state_is(&e, "Connect"));
	assert_true(uv_is_active((uv_handle_t *)&e.peer->t_connretry));
	tp_close(c);
	tp_env_fini(&e);
}

/* RFC 4271 4.2: a hold time of 0 from the peer means no keepalives, no hold timer. */
static void
test_hold_time_zero(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 0, false, false);
	assert_non_null(c);
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.hold_time, 0);
	assert_int_equal(st.keepalive, 0);
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_hold));
	assert_false(uv_is_active((uv_handle_t *)&e.peer->t_keepalive));
	tp_run_ms(&e.loop, 100);
	assert_true(tp_state_is(&e, "Established"));
	tp_close(c);
	tp_env_fini(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_fails_then_retries),
		cmocka_unit_test(test_listener_two_steps),
		cmocka_unit_test(test_establish_negotiates_hold),
		cmocka_unit_test(test_hold_timer_expires),
		cmocka_unit_test(test_hold_reads_unread_first),
		cmocka_unit_test(test_keepalives_keep_session),
		cmocka_unit_test(test_notification_received),
		cmocka_unit_test(test_bad_peer_as),
		cmocka_unit_test(test_fsm_error_in_openconfirm),
		cmocka_unit_test(test_passive_accepts),
		cmocka_unit_test(test_collision_peer_higher),
		cmocka_unit_test(test_collision_we_higher),
		cmocka_unit_test(test_admin_reset_and_stop),
		cmocka_unit_test(test_config_update),
		cmocka_unit_test(test_md5_same_key),
		cmocka_unit_test(test_md5_other_key),
		cmocka_unit_test(test_gtsm),
		cmocka_unit_test(test_gtsm_accept),
		cmocka_unit_test(test_syn_ttl),
		cmocka_unit_test(test_free_while_lingering),
		cmocka_unit_test(test_events_direct),
		cmocka_unit_test(test_hold_time_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
