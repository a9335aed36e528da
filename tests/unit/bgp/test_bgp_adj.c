/* tests/unit/bgp/test_bgp_adj.c - Adj-RIB-In/Out over loopback TCP: routes, RFC 7606, max-prefix, GR, refresh, packing, MRAI. */
/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bgp_test_peer.h"

/* ---- the prefix table itself ---- */

static void
test_ptab_random(void **state)
{
	struct bgp_ptab	  t;
	struct bgp_pt_ref ref;
	enum { N = 20000 };
	static struct prefix v[N];
	size_t		     count = 0, i, r;
	bool		     isnew;
	void		    *val;

	bgp_ptab_init(&t, AF_INET);
	srand(7);
	for (i = 0; i < N; i++) {
		uint32_t a = (uint32_t)rand() << 1 ^ (uint32_t)rand();

		memset(&v[i], 0, sizeof(v[i]));
		v[i].family = AF_INET;
		v[i].len = (uint8_t)(8 + i % 25);
		memcpy(v[i].bytes, &a, 4);
		prefix_mask(&v[i]);
	}
	for (r = 0; r < 4 * N; r++) {
		i = (size_t)rand() % N;
		if (rand() % 3) {
			assert_int_equal(bgp_ptab_put(&t, &v[i], &ref, &isnew), 0);
			if (isnew) {
				*ref.val = &v[i];
				count++;
			}
		} else if (bgp_ptab_del(&t, &v[i], &val, NULL)) {
			count--;
			assert_true(prefix_equal(val, &v[i]));
		}
		assert_int_equal(t.count, count);
	}
	/* everything present is found, with its own key */
	for (i = 0; i < N; i++)
		if (bgp_ptab_get(&t, &v[i], &ref))
			assert_true(prefix_equal(*ref.val, &v[i]));
	while (t.count) {
		for (i = 0; i < N; i++)
			bgp_ptab_del(&t, &v[i], NULL, NULL);
	}
	for (i = 0; i < N; i++)
		assert_false(bgp_ptab_get(&t, &v[i], &ref));
	bgp_ptab_fini(&t);
}

/* Big enough for the separately mapped slot array (> 2 MB): grow, find, empty. */
static void
test_ptab_big(void **state)
{
	struct bgp_ptab	  t;
	struct bgp_pt_ref ref;
	struct prefix	  p = { .family = AF_INET, .len = 24 };
	uint32_t	  i, n = 300000;
	bool		  isnew;

	bgp_ptab_init(&t, AF_INET);
	for (i = 0; i < n; i++) {
		p.bytes[0] = (uint8_t)(1 + (i >> 16));
		p.bytes[1] = (uint8_t)(i >> 8);
		p.bytes[2] = (uint8_t)i;
		assert_int_equal(bgp_ptab_put(&t, &p, &ref, &isnew), 0);
		assert_true(isnew);
		*ref.val = &t;
	}
	assert_int_equal(t.count, n);
	assert_true(((size_t)1 << t.bits) * sizeof(struct bgp_pt4_ent) > (2u << 20));
	for (i = 0; i < n; i += 7) {
		p.bytes[0] = (uint8_t)(1 + (i >> 16));
		p.bytes[1] = (uint8_t)(i >> 8);
		p.bytes[2] = (uint8_t)i;
		assert_true(bgp_ptab_get(&t, &p, &ref));
		assert_true(bgp_ptab_del(&t, &p, NULL, NULL));
		assert_false(bgp_ptab_get(&t, &p, &ref));
	}
	assert_int_equal(t.count, n - (n + 6) / 7);
	bgp_ptab_fini(&t);
}

/* ---- received routes ---- */

struct walk_acc {
	int  n;
	char first[PREFIX_STRLEN];
	char nh[IPADDR_STRLEN];
	char aspath[64];
	int  stale;
};

static int
walk_cb(const struct bgp_route_view *v, void *arg)
{
	struct walk_acc *w = arg;

	if (!w->n++) {
		prefix_fmt(v->prefix, w->first, sizeof(w->first));
		ipaddr_fmt(&v->nexthop, w->nh, sizeof(w->nh));
		snprintf(w->aspath, sizeof(w->aspath), "%s", v->as_path);
	}
	w->stale += v->stale;
	return 0;
}

static void
send_update(struct tp_conn *c, const char **wd, int nwd, const char **nlri, int n,
    const uint8_t *extra, size_t extra_len)
{
	uint8_t msg[BGP_MAX_MSG];
	size_t	len =
	    tp_build_update(msg, sizeof(msg), wd, nwd, nlri, n, TP_REMOTE_AS, extra, extra_len);

	tp_send(c, msg, len);
}

struct adds_ctx {
	struct tp_env *e;
	int	       adds, dels;
};

static bool
adds_cond(void *arg)
{
	struct adds_ctx *a = arg;

	return a->e->h.adds >= a->adds && a->e->h.dels >= a->dels;
}

static bool
wait_hooks(struct tp_env *e, int adds, int dels)
{
	struct adds_ctx a = { e, adds, dels };

	return tp_run_until(&e->loop, adds_cond, &a, 1000);
}

/* The speaker stops as hybridgwd stops it (bgp_stop_begin, then each peer
 * deleted): a peer that advertised graceful restart, even with no address
 * family (RFC 4724 3: it helps a restarting speaker but keeps no forwarding
 * state of its own), sees the TCP session close without a NOTIFICATION, so
 * that it keeps our routes; a peer without GR gets Cease/2. */
static void
test_stop_graceful(void **state)
{
	for (int gr = 0; gr <= 1; gr++) {
		struct tp_env	    e;
		struct bgp_peer_cfg cfg;
		struct tp_conn	   *c;
		uint8_t		    m[BGP_MAX_MSG];
		int		    t, notifications = 0;

		tp_env_init(&e);
		tp_peer_cfg(&e, &cfg);
		cfg.graceful_restart = true;
		tp_gr_afs = 0;
		c = tp_establish(&e, &cfg, 90, gr, false);
		tp_gr_afs = 1;
		assert_non_null(c);
		bgp_stop_begin(e.bgp);
		bgp_peer_del(e.peer);
		e.peer = NULL;
		while ((t = tp_recv(&e.loop, c, m, NULL, 300)) >= 0)
			if (t == BGP_MSG_NOTIFICATION) {
				notifications++;
				assert_int_equal(m[19], BGP_ERR_CEASE);
				assert_int_equal(m[20], BGP_ERR_CEASE_SHUTDOWN);
			}
		assert_true(c->eof);
		assert_int_equal(notifications, gr ? 0 : 1);
		tp_close(c);
		tp_env_fini(&e);
	}
}

/* Loop turns that read UPDATEs, and the most one of them read. */
struct turn_count {
	struct tp_env *e;
	uint64_t       last_in, most;
	int	       turns_reading;
};

static void
turn_cb(uv_check_t *h)
{
	struct turn_count    *t = h->data;
	struct bgp_peer_state st;

	bgp_peer_state_get(t->e->peer, &st);
	if (st.updates_in != t->last_in) {
		t->turns_reading++;
		if (st.updates_in - t->last_in > t->most)
			t->most = st.updates_in - t->last_in;
		t->last_in = st.updates_in;
	}
}

/* A burst waiting in the socket (here ~100 KB, a full table in real life)
 * is read a share per loop turn (BGP_READ_TURN, a read at most), so the route
 * manager's work and the timers run in between; every route still arrives. */
static void
test_read_share_per_turn(void **state)
{
	enum { MSGS = 28, PER = 1000 };
	static char	      names[PER][24];
	const char	     *nlri[PER];
	uint8_t		      msg[BGP_MAX_MSG];
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct tp_conn	     *c;
	struct turn_count     t = { 0 };
	struct bgp_peer_state st;
	uv_check_t	      chk;
	size_t		      len, total = 0;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	for (int m = 0; m < MSGS; m++) {
		for (int i = 0; i < PER; i++) {
			snprintf(names[i], sizeof(names[i]), "10.%d.%d.0/24", m * 4 + i / 256,
			    i % 256);
			nlri[i] = names[i];
		}
		len = tp_build_update(msg, sizeof(msg), NULL, 0, nlri, PER, TP_REMOTE_AS, NULL,
		    0);
		assert_true(len > 4000);
		tp_send(c, msg, len); /* the speaker reads none of it yet */
		total += len;
	}
	assert_true(total > 3 * BGP_READ_TURN);
	t.e = &e;
	bgp_peer_state_get(e.peer, &st);
	t.last_in = st.updates_in;
	uv_check_init(&e.loop, &chk);
	chk.data = &t;
	uv_check_start(&chk, turn_cb);
	assert_true(wait_hooks(&e, MSGS * PER, 0));
	assert_int_equal(e.h.adds, MSGS * PER);
	/* one turn would have read it all (libuv reads until the socket is dry) */
	/* each UPDATE is over 4,000 bytes: a share holds at most 8 of them and
	 * the start of a 9th, which the next share completes */
	assert_true(t.most <= BGP_READ_TURN / 4000 + 1);
	assert_true(t.turns_reading >= 3);
	uv_close((uv_handle_t *)&chk, NULL);
	tp_close(c);
	tp_env_fini(&e);
}

static void
test_receive_and_withdraw(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;
	struct walk_acc	      w = { 0 };

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0,
	    (const char *[]){ "192.0.2.0/24", "198.51.100.0/25", "10.0.0.0/8" }, 3, NULL, 0);
	assert_true(wait_hooks(&e, 3, 0));
	assert_int_equal(e.h.last_pi.neighbor_as, TP_REMOTE_AS);
	assert_int_equal(e.h.last_pi.as_path_len, 1);
	assert_true(e.h.last_pi.ebgp);
	assert_int_equal(e.h.last_pi.peer_router_id, 0x0a000002u);
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 3);
	assert_int_equal(bgp_peer_adj_in_walk(e.peer, walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.first, "10.0.0.0/8");
	assert_string_equal(w.nh, "10.0.0.2");
	assert_string_equal(w.aspath, "65002");
	/* the same UPDATE again changes nothing: no hook */
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1, NULL, 0);
	tp_run_ms(&e.loop, 30);
	assert_int_equal(e.h.adds, 3);
	send_update(c, (const char *[]){ "192.0.2.0/24", "203.0.113.0/24" }, 2, NULL, 0, NULL,
	    0);
	assert_true(wait_hooks(&e, 3, 1));
	tp_run_ms(&e.loop, 20);
	assert_int_equal(e.h.dels, 1); /* unknown prefix withdrawn: no hook */
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 2);
	/* session loss without GR: every route goes */
	tp_close(c);
	assert_true(wait_hooks(&e, 3, 3));
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 0);
	tp_env_fini(&e);
}

/* RFC 7606: a bad ORIGIN value is treat-as-withdraw; the session stays. */
static void
test_malformed_treat_as_withdraw(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;
	struct wire_wr	    w;
	size_t		    start, m;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1, NULL, 0);
	assert_true(wait_hooks(&e, 1, 0));
	/* the same prefix with ORIGIN 7 */
	w = wire_wr_init(msg, sizeof(msg));
	start = bgp_msg_begin(&w, BGP_MSG_UPDATE);
	wire_put_u16(&w, 0);
	m = wire_mark_len16(&w);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 1, 1, 7 }, 4);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 2, 6, 2, 1, 0, 0, 0xfe, 0x4a }, 9);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 3, 4, 10, 0, 0, 2 }, 7);
	wire_patch_len16(&w, m);
	wire_put_bytes(&w, (const uint8_t[]){ 24, 192, 0, 2 }, 4);
	bgp_msg_finish(&w, start);
	len = wire_wr_len(&w);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 1, 1));
	assert_true(tp_state_is(&e, "Established"));
	assert_int_equal(bgp_adj_in_count(e.peer), 0);
	/* a loop (our own AS in the path) is not accepted either */
	len = tp_build_update(msg, sizeof(msg), NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1,
	    TP_LOCAL_AS, NULL, 0);
	tp_send(c, msg, len);
	tp_run_ms(&e.loop, 30);
	assert_int_equal(bgp_adj_in_count(e.peer), 0);
	assert_true(tp_state_is(&e, "Established"));
	tp_close(c);
	tp_env_fini(&e);
}

static void
test_max_prefix_teardown(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.max_prefix = 2;
	cfg.max_prefix_action = BGP_MAXPFX_TEARDOWN;
	cfg.max_prefix_restart = 5; /* 100 ms */
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0,
	    (const char *[]){ "192.0.2.0/24", "192.0.3.0/24", "192.0.4.0/24" }, 3, NULL, 0);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[19], BGP_ERR_CEASE);
	assert_int_equal(msg[20], BGP_ERR_CEASE_MAXPFX);
	assert_true(tp_state_is(&e, "Idle"));
	assert_int_equal(bgp_adj_in_count(e.peer), 0);
	assert_int_equal(e.h.down, 1);
	tp_close(c);
	/* not before the restart time... */
	tp_run_ms(&e.loop, 50);
	assert_true(tp_state_is(&e, "Idle"));
	/* ...but after it */
	c = tp_accept(&e.loop, e.lfd, 500);
	assert_non_null(c);
	tp_close(c);
	tp_env_fini(&e);
}

static void
test_max_prefix_warning(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.max_prefix = 2;
	cfg.max_prefix_action = BGP_MAXPFX_WARNING;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	send_update(c, NULL, 0,
	    (const char *[]){ "192.0.2.0/24", "192.0.3.0/24", "192.0.4.0/24" }, 3, NULL, 0);
	assert_true(wait_hooks(&e, 3, 0));
	tp_run_ms(&e.loop, 30);
	assert_true(tp_state_is(&e, "Established"));
	assert_int_equal(bgp_adj_in_count(e.peer), 3);
	assert_true(e.peer->maxpfx_warned);
	tp_close(c);
	tp_env_fini(&e);
}

/* Per-family limits count their family only; the teardown names it (RFC 4486 4). */
static void
test_max_prefix_per_family(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.max_prefix4 = 2;
	cfg.max_prefix6 = 1;
	cfg.max_prefix_restart = 5;
	c = tp_establish_dual(&e, &cfg);
	assert_non_null(c);
	/* two IPv4 and one IPv6: at both limits, over neither */
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24", "192.0.3.0/24" }, 2, NULL, 0);
	len = tp_build_update6(msg, sizeof(msg), "2001:db8::2", NULL,
	    (const char *[]){ "2001:db8:1::/48" }, 1);
	assert_true(len > 0);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 3, 0));
	assert_int_equal(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 60), -1);
	assert_true(tp_state_is(&e, "Established"));
	/* a second IPv6 prefix crosses the IPv6 limit */
	len = tp_build_update6(msg, sizeof(msg), "2001:db8::2", NULL,
	    (const char *[]){ "2001:db8:2::/48" }, 1);
	tp_send(c, msg, len);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	assert_int_equal(msg[19], BGP_ERR_CEASE);
	assert_int_equal(msg[20], BGP_ERR_CEASE_MAXPFX);
	assert_int_equal(msg[21] << 8 | msg[22], BGP_AFI_IPV6);
	assert_int_equal(msg[23], BGP_SAFI_UNICAST);
	assert_int_equal(msg[27], 1);
	assert_true(tp_state_is(&e, "Idle"));
	tp_close(c);
	tp_env_fini(&e);
}

/* A peer that creates many big attribute sets hits its memory cap: Cease/8,
 * routes flushed, and what it pinned is given back. */
static void
test_memory_cap(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;
	uint8_t		      msg[BGP_MAX_MSG], ext[4 + 800];
	size_t		      before = bgp_attrs_intern_count();
	char		      pfx[32];
	const char	     *nlri[1] = { pfx };
	int		      i, k;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.max_memory = 64 * 1024;
	cfg.max_prefix_restart = 50;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	/* COMMUNITIES of 200 values (extended length), distinct per route:
	 * about 1 KB a set */
	ext[0] = 0xd0;
	ext[1] = 8;
	ext[2] = 800 >> 8;
	ext[3] = 800 & 0xff;
	for (i = 0; i < 200; i++) {
		snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", i / 256, i % 256);
		for (k = 0; k < 200; k++) {
			ext[4 + 4 * k] = 0xfd;
			ext[5 + 4 * k] = 0xea;
			ext[6 + 4 * k] = (uint8_t)(i >> 8);
			ext[7 + 4 * k] = (uint8_t)(i + k);
		}
		send_update(c, NULL, 0, nlri, 1, ext, sizeof(ext));
		if (tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 5) > 0)
			break;
	}
	if (i == 200)
		assert_true(tp_expect(&e.loop, c, BGP_MSG_NOTIFICATION, msg, 500) > 0);
	/* about 64 KiB / (~850 + 64) bytes a route: well before 200 */
	assert_true(i < 150);
	assert_int_equal(msg[19], BGP_ERR_CEASE);
	assert_int_equal(msg[20], BGP_ERR_CEASE_RESOURCES);
	assert_true(tp_state_is(&e, "Idle"));
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_received, 0);
	assert_int_equal(st.mem_pinned, 0);
	assert_non_null(strstr(st.last_error, "6/8"));
	assert_int_equal(bgp_attrs_intern_count(), before);
	tp_close(c);
	tp_env_fini(&e);
}

/* RFC 4724 helper: routes stay (stale) across the restart, End-of-RIB sweeps. */
static void
test_graceful_restart(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct walk_acc	    w = { 0 };

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.graceful_restart = true;
	cfg.gr_restart_time = 120;
	c = tp_establish(&e, &cfg, 90, true, true);
	assert_non_null(c);
	assert_true(e.peer->gr_helper);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24", "198.51.100.0/24" }, 2, NULL,
	    0);
	assert_true(wait_hooks(&e, 2, 0));
	tp_close(c); /* the peer restarts: TCP goes, no NOTIFICATION */
	assert_true(tp_wait_state(&e, "Idle", 500) || tp_state_is(&e, "Connect") ||
	    tp_state_is(&e, "Active"));
	tp_run_ms(&e.loop, 5);
	assert_int_equal(e.h.stale_mark, 1);
	assert_int_equal(e.h.down, 0); /* routes stay usable */
	assert_int_equal(e.h.dels, 0);
	assert_int_equal(bgp_peer_adj_in_walk(e.peer, walk_cb, &w), 0);
	assert_int_equal(w.stale, 2);
	/* it comes back within the restart time (10 s = 200 ms) */
	c = tp_establish(&e, &cfg, 90, true, true);
	assert_non_null(c);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1, NULL, 0);
	assert_true(wait_hooks(&e, 3, 0));
	tp_send_eor(c);
	assert_true(wait_hooks(&e, 3, 1));
	assert_string_equal(prefix_fmt(&e.h.last_del, w.first, sizeof(w.first)),
	    "198.51.100.0/24");
	assert_int_equal(e.h.stale_sweep, 1);
	assert_int_equal(bgp_adj_in_count(e.peer), 1);
	assert_int_equal(e.h.down, 0);

	/* second restart, and this time it does not come back in time */
	tp_close(c);
	tp_run_ms(&e.loop, 10);
	assert_int_equal(e.h.stale_mark, 2);
	bgp_fsm_event(e.peer, BGP_EV_STOP); /* no reconnection */
	tp_run_ms(&e.loop, 100);
	assert_int_equal(e.h.stale_sweep, 1); /* still within the restart time */
	tp_run_ms(&e.loop, 200);
	assert_int_equal(e.h.stale_sweep, 2);
	assert_int_equal(e.h.dels, 2);
	assert_int_equal(e.h.down, 1);
	assert_int_equal(bgp_adj_in_count(e.peer), 0);
	tp_env_fini(&e);
}

/* GR without the F bit on the new session: stale routes go at once. */
static void
test_graceful_restart_no_forwarding(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.graceful_restart = true;
	c = tp_establish(&e, &cfg, 90, true, true);
	assert_non_null(c);
	send_update(c, NULL, 0, (const char *[]){ "192.0.2.0/24" }, 1, NULL, 0);
	assert_true(wait_hooks(&e, 1, 0));
	tp_close(c);
	tp_run_ms(&e.loop, 5);
	assert_int_equal(e.h.stale_mark, 1);
	c = tp_establish(&e, &cfg, 90, true, false);
	assert_non_null(c);
	assert_true(wait_hooks(&e, 1, 1));
	assert_int_equal(e.h.stale_sweep, 1);
	tp_close(c);
	tp_run_ms(&e.loop, 5);
	assert_int_equal(e.h.stale_mark, 2); /* kept again... */
	assert_int_equal(e.h.down, 0);
	bgp_peer_del(e.peer); /* ...until the peer is deleted */
	assert_int_equal(e.h.down, 1);
	e.peer = NULL;
	tp_env_fini(&e);
}

/* ---- Adj-RIB-Out ---- */

struct nlri_count {
	int updates, announced, withdrawn, eor;
};

/* Count what a run of UPDATEs carries (IPv4 only, no MP). */
static void
count_update(const uint8_t *msg, size_t len, struct nlri_count *n)
{
	struct wire_rd r = wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN), wd, at;
	uint16_t       wl, al;
	struct prefix  p;

	wire_get_u16(&r, &wl);
	wire_get_sub(&r, wl, &wd);
	wire_get_u16(&r, &al);
	wire_get_sub(&r, al, &at);
	if (!wl && !al && wire_empty(&r)) {
		n->eor++;
		return;
	}
	n->updates++;
	while (bgp_nlri_next(&wd, AF_INET, &p))
		n->withdrawn++;
	while (bgp_nlri_next(&r, AF_INET, &p))
		n->announced++;
}

static void
read_updates(struct tp_env *e, struct tp_conn *c, struct nlri_count *n, unsigned ms)
{
	uint8_t msg[BGP_MAX_EXT_MSG];
	int	len;

	while ((len = tp_expect(&e->loop, c, BGP_MSG_UPDATE, msg, ms)) > 0)
		count_update(msg, (size_t)len, n);
}

static void
test_export_packing_and_eor(void **state)
{
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct bgp_peer_state st;
	struct tp_conn	     *c;
	struct nlri_count     n = { 0 };
	struct walk_acc	      w = { 0 };
	struct prefix	      p;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	e.h.export_n = 250;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	e.h.export_peer = e.peer;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 100);
	/* 250 /24s, one attribute set: one UPDATE of 4096 octets at most holds them */
	assert_int_equal(n.announced, 250);
	assert_int_equal(n.updates, 1);
	assert_int_equal(n.eor, 1);
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_advertised, 250);
	assert_int_equal(bgp_peer_adj_out_walk(e.peer, walk_cb, &w), 0);
	assert_int_equal(w.n, 250);
	assert_string_equal(w.first, "10.99.0.0/24");
	assert_string_equal(w.nh, "127.0.0.1");
	assert_string_equal(w.aspath, "65001");
	/* a withdrawal and an announce in the same turn */
	prefix_parse("10.99.3.0/24", &p);
	bgp_export_withdraw(e.peer, &p);
	prefix_parse("10.98.0.0/16", &p);
	bgp_export_announce(e.peer, &p, NULL);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 100);
	assert_int_equal(n.withdrawn, 1);
	assert_int_equal(n.announced, 1);
	assert_int_equal(n.eor, 0);
	bgp_peer_state_get(e.peer, &st);
	assert_int_equal(st.pfx_advertised, 250);
	/* announce then withdraw before it left: nothing is sent */
	prefix_parse("10.97.0.0/16", &p);
	bgp_export_announce(e.peer, &p, NULL);
	bgp_export_withdraw(e.peer, &p);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.updates, 0);
	tp_close(c);
	tp_env_fini(&e);
}

/* RFC 1997 on export: NO_ADVERTISE goes to nobody, NO_EXPORT and
 * NO_EXPORT_SUBCONFED to no eBGP peer (the test peer is eBGP); a route that
 * gains NO_EXPORT while advertised is withdrawn. */
static void
test_export_well_known_communities(void **state)
{
	static const uint32_t noadv[] = { BGP_COMM_NO_ADVERTISE };
	static const uint32_t noexp[] = { 0xfde80001u, BGP_COMM_NO_EXPORT };
	static const uint32_t subconf[] = { BGP_COMM_NO_EXPORT_SUBCONFED };
	static const uint32_t other[] = { 0xfde80001u };
	struct tp_env	      e;
	struct bgp_peer_cfg   cfg;
	struct tp_conn	     *c;
	struct nlri_count     n = { 0 };
	struct bgp_attrs      tmp = { .flags = BGP_ATTRS_ORIGIN | BGP_ATTRS_NEXT_HOP,
		     .nexthop4 = { 127, 0, 0, 1 } };
	struct bgp_attrs     *a_adv, *a_exp, *a_sub, *a_ok;
	struct prefix	      p;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 100); /* End-of-RIB */
	tmp.comm = noadv, tmp.ncomm = 1;
	a_adv = bgp_attrs_intern(&tmp);
	tmp.comm = noexp, tmp.ncomm = 2;
	a_exp = bgp_attrs_intern(&tmp);
	tmp.comm = subconf, tmp.ncomm = 1;
	a_sub = bgp_attrs_intern(&tmp);
	tmp.comm = other, tmp.ncomm = 1;
	a_ok = bgp_attrs_intern(&tmp);
	assert_true(a_adv && a_exp && a_sub && a_ok);
	prefix_parse("10.90.0.0/16", &p);
	bgp_export_announce(e.peer, &p, a_adv);
	prefix_parse("10.91.0.0/16", &p);
	bgp_export_announce(e.peer, &p, a_exp);
	prefix_parse("10.92.0.0/16", &p);
	bgp_export_announce(e.peer, &p, a_sub);
	prefix_parse("10.93.0.0/16", &p);
	bgp_export_announce(e.peer, &p, a_ok);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 100);
	assert_int_equal(n.announced, 1); /* only 10.93.0.0/16 */
	assert_int_equal(n.withdrawn, 0);
	/* the advertised one gains NO_EXPORT: withdrawn */
	bgp_export_announce(e.peer, &p, a_exp);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 100);
	assert_int_equal(n.announced, 0);
	assert_int_equal(n.withdrawn, 1);
	bgp_attrs_put(a_adv);
	bgp_attrs_put(a_exp);
	bgp_attrs_put(a_sub);
	bgp_attrs_put(a_ok);
	tp_close(c);
	tp_env_fini(&e);
}

static void
send_route_refresh(struct tp_conn *c)
{
	uint8_t	       buf[64];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));
	struct bgp_rr  rr = { BGP_AFI_IPV4, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	bgp_rr_encode(&w, &rr);
	tp_send(c, buf, wire_wr_len(&w));
}

/* ROUTE-REFRESH in: Adj-RIB-Out resent; soft clear: ROUTE-REFRESH out. */
static void
test_route_refresh(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct nlri_count   n = { 0 };
	uint8_t		    msg[BGP_MAX_MSG];

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	e.h.export_n = 5;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	e.h.export_peer = e.peer;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.announced, 5);
	send_route_refresh(c);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.announced, 5);
	assert_int_equal(bgp_peer_clear(e.peer, true), 0);
	assert_true(tp_expect(&e.loop, c, BGP_MSG_ROUTE_REFRESH, msg, 200) > 0);
	assert_int_equal(msg[19] << 8 | msg[20], BGP_AFI_IPV4);
	assert_true(tp_state_is(&e, "Established"));
	tp_close(c);
	tp_env_fini(&e);
}

/* A changed export prepend resends the Adj-RIB-Out, no session reset. */
static void
test_export_prepend_change(void **state)
{
	struct tp_env	     e;
	struct bgp_peer_cfg  cfg;
	struct tp_conn	    *c;
	struct nlri_count    n = { 0 };
	struct walk_acc	     w = { 0 };
	static const uint8_t aspath3[] = { 2, 3, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd,
		0xe9 };
	uint8_t		     msg[BGP_MAX_EXT_MSG];
	int		     len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	e.h.export_n = 3;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	e.h.export_peer = e.peer;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.announced, 3);
	cfg.export_prepend = 2;
	assert_int_equal(bgp_peer_update(e.peer, &cfg), 0);
	memset(&n, 0, sizeof(n));
	len = tp_expect(&e.loop, c, BGP_MSG_UPDATE, msg, 100);
	assert_true(len > 0);
	/* on the wire: AS_SEQUENCE of three 4-octet 65001 */
	assert_non_null(memmem(msg, (size_t)len, aspath3, sizeof(aspath3)));
	count_update(msg, (size_t)len, &n);
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.announced, 3);
	assert_true(tp_state_is(&e, "Established"));
	assert_int_equal(bgp_peer_adj_out_walk(e.peer, walk_cb, &w), 0);
	assert_string_equal(w.aspath, "65001 65001 65001");
	tp_close(c);
	tp_env_fini(&e);
}

/*
 * RFC 4724 4.1 at startup: with a configured peer still down, End-of-RIB
 * waits (10 s = 200 ms here) but routes do not.
 */
static void
test_startup_eor_deferral(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg, cfg2;
	struct bgp_peer	   *down;
	struct tp_conn	   *c;
	struct nlri_count   n = { 0 };
	struct prefix	    p;
	uint64_t	    t0;

	tp_env_init(&e);
	t0 = mono_ms();
	tp_peer_cfg(&e, &cfg);
	cfg2 = cfg;
	ipaddr_parse("127.0.0.2", &cfg2.remote);
	cfg2.port = tp_free_port();
	assert_int_equal(bgp_peer_add(e.bgp, &cfg2, &down), 0);
	e.h.export_n = 2;
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	e.h.export_peer = e.peer;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 60);
	assert_int_equal(n.announced, 2);
	assert_int_equal(n.eor, 0);
	prefix_parse("10.1.0.0/16", &p); /* a change meanwhile is not held */
	bgp_export_announce(e.peer, &p, NULL);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 30);
	assert_int_equal(n.announced, 1);
	assert_int_equal(n.eor, 0);
	memset(&n, 0, sizeof(n));
	read_updates(&e, c, &n, 300);
	assert_int_equal(n.eor, 1);
	assert_true(mono_ms() - t0 >= 190 * tp_scale());
	tp_close(c);
	tp_env_fini(&e);
}

/* MRAI: a second change waits for the interval. */
static void
test_mrai(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct nlri_count   n = { 0 };
	struct prefix	    p;
	uint8_t		    msg[BGP_MAX_MSG];
	uint64_t	    t0;
	int		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	cfg.mrai_ms = tp_scale() * 150;
	c = tp_establish(&e, &cfg, 90, false, false);
	assert_non_null(c);
	read_updates(&e, c, &n, 30); /* End-of-RIB */
	assert_int_equal(n.eor, 1);
	prefix_parse("10.1.0.0/16", &p);
	t0 = mono_ms();
	bgp_export_announce(e.peer, &p, NULL);
	len = tp_expect(&e.loop, c, BGP_MSG_UPDATE, msg, 400);
	assert_true(len > 0);
	/* the EoR flush started the interval: this one waited for it */
	assert_true(mono_ms() - t0 >= 100 * tp_scale());
	tp_close(c);
	tp_env_fini(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptab_random),
		cmocka_unit_test(test_ptab_big),
		cmocka_unit_test(test_receive_and_withdraw),
		cmocka_unit_test(test_read_share_per_turn),
		cmocka_unit_test(test_stop_graceful),
		cmocka_unit_test(test_malformed_treat_as_withdraw),
		cmocka_unit_test(test_max_prefix_teardown),
		cmocka_unit_test(test_max_prefix_warning),
		cmocka_unit_test(test_max_prefix_per_family),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_graceful_restart),
		cmocka_unit_test(test_graceful_restart_no_forwarding),
		cmocka_unit_test(test_export_packing_and_eor),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_export_prepend_change),
		cmocka_unit_test(test_export_well_known_communities),
		cmocka_unit_test(test_startup_eor_deferral),
		cmocka_unit_test(test_mrai),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
