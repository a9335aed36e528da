/* tests/unit/bgp/test_bgp_nhself.c - RFC 4271 6.3: routes whose NEXT_HOP is ours are logged and ignored. */
/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bgp_test_peer.h"

struct walk_acc {
	int n, accepted, ignored;
};

static int
walk_cb(const struct bgp_route_view *v, void *arg)
{
	struct walk_acc *w = arg;

	w->n++;
	if (v->accepted)
		w->accepted++;
	else
		w->ignored++;
	return 0;
}

struct hooks_ctx {
	struct tp_env *e;
	int	       adds, dels;
};

static bool
hooks_cond(void *arg)
{
	struct hooks_ctx *a = arg;

	return a->e->h.adds >= a->adds && a->e->h.dels >= a->dels;
}

static bool
wait_hooks(struct tp_env *e, int adds, int dels)
{
	struct hooks_ctx a = { e, adds, dels };

	return tp_run_until(&e->loop, hooks_cond, &a, 1000);
}

static void
local_set(struct tp_env *e, const char *addr, bool add)
{
	struct ipaddr a;
	int	      i;

	assert_int_equal(ipaddr_parse(addr, &a), 0);
	if (add) {
		e->h.local[e->h.nlocal++] = a;
	} else {
		for (i = 0; i < e->h.nlocal; i++)
			if (ipaddr_cmp(&e->h.local[i], &a) == 0)
				e->h.local[i] = e->h.local[--e->h.nlocal];
	}
	bgp_local_addr_changed(e->bgp, &a, add);
}

static void
counts(struct tp_env *e, uint32_t rcvd, uint32_t acc)
{
	struct bgp_peer_state st;

	bgp_peer_state_get(e->peer, &st);
	assert_int_equal(st.pfx_received, rcvd);
	assert_int_equal(st.pfx_accepted, acc);
}

/* An UPDATE with ORIGIN, AS_PATH and NEXT_HOP nh (IPv4 NLRI). */
static size_t
build_v4(uint8_t *buf, size_t cap, const char *nh, const char **nlri, int n)
{
	struct wire_wr w = wire_wr_init(buf, cap);
	struct ipaddr  a;
	struct prefix  p;
	size_t	       start, m;
	int	       i;

	assert_int_equal(ipaddr_parse(nh, &a), 0);
	start = bgp_msg_begin(&w, BGP_MSG_UPDATE);
	wire_put_u16(&w, 0);
	m = wire_mark_len16(&w);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 1, 1, 0 }, 4);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 2, 6, 2, 1 }, 5);
	wire_put_u32(&w, TP_REMOTE_AS);
	wire_put_bytes(&w, (const uint8_t[]){ 0x40, 3, 4 }, 3);
	wire_put_bytes(&w, a.bytes, 4);
	wire_patch_len16(&w, m);
	for (i = 0; i < n; i++) {
		assert_int_equal(prefix_parse(nlri[i], &p), 0);
		wire_put_u8(&w, p.len);
		wire_put_bytes(&w, p.bytes, (p.len + 7u) / 8);
	}
	bgp_msg_finish(&w, start);
	assert_true(wire_wr_ok(&w));
	return wire_wr_len(&w);
}

/* Nothing may come back: no NOTIFICATION, the session stays up. */
static void
assert_quiet(struct tp_env *e, struct tp_conn *c)
{
	uint8_t msg[BGP_MAX_MSG];

	assert_true(tp_expect(&e->loop, c, BGP_MSG_NOTIFICATION, msg, 60) < 0);
	assert_true(tp_state_is(e, "Established"));
}

static void
test_ipv4_nexthop_self(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	struct walk_acc	    w = { 0 };
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	local_set(&e, "192.0.2.1", true);
	c = tp_establish_dual(&e, &cfg);
	assert_non_null(c);
	/* next hop is ours: logged, ignored, no NOTIFICATION */
	len = build_v4(msg, sizeof(msg), "192.0.2.1",
	    (const char *[]){ "10.1.0.0/16", "10.2.0.0/16" }, 2);
	tp_send(c, msg, len);
	assert_quiet(&e, c);
	assert_int_equal(e.h.adds, 0);
	counts(&e, 2, 0);
	assert_int_equal(bgp_peer_adj_in_walk(e.peer, walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.ignored, 2);
	/* the same prefix with a foreign next hop replaces the ignored one */
	len = build_v4(msg, sizeof(msg), "192.0.2.9", (const char *[]){ "10.1.0.0/16" }, 1);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 1, 0));
	counts(&e, 2, 1);
	/* and back to ours: the accepted route is withdrawn (implicit withdraw) */
	len = build_v4(msg, sizeof(msg), "192.0.2.1", (const char *[]){ "10.1.0.0/16" }, 1);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 1, 1));
	assert_true(prefix_equal(&e.h.last_del, &(struct prefix){ AF_INET, 16, { 10, 1 } }));
	counts(&e, 2, 0);
	/* a withdrawal of an ignored route forgets it */
	len = tp_build_update(msg, sizeof(msg), (const char *[]){ "10.2.0.0/16" }, 1, NULL, 0,
	    TP_REMOTE_AS, NULL, 0);
	tp_send(c, msg, len);
	tp_run_ms(&e.loop, 30);
	counts(&e, 1, 0);
	/* a foreign next hop is accepted as before */
	len = build_v4(msg, sizeof(msg), "192.0.2.9", (const char *[]){ "10.3.0.0/16" }, 1);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 2, 1));
	counts(&e, 2, 1);
	assert_quiet(&e, c);
	tp_close(c);
	tp_env_fini(&e);
}

/* An address added while the session is up takes routes out; removed, it
 * gives them back, without a refresh from the peer. */
static void
test_address_added_later(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	c = tp_establish_dual(&e, &cfg);
	assert_non_null(c);
	len = build_v4(msg, sizeof(msg), "192.0.2.7",
	    (const char *[]){ "10.1.0.0/16", "10.2.0.0/16" }, 2);
	tp_send(c, msg, len);
	len = build_v4(msg, sizeof(msg), "192.0.2.8", (const char *[]){ "10.3.0.0/16" }, 1);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 3, 0));
	counts(&e, 3, 3);
	local_set(&e, "192.0.2.7", true);
	assert_int_equal(e.h.dels, 2);
	counts(&e, 3, 1);
	/* an unrelated address changes nothing */
	local_set(&e, "192.0.2.99", true);
	local_set(&e, "192.0.2.99", false);
	counts(&e, 3, 1);
	local_set(&e, "192.0.2.7", false);
	assert_int_equal(e.h.adds, 5);
	counts(&e, 3, 3);
	assert_quiet(&e, c);
	tp_close(c);
	tp_env_fini(&e);
}

/* MP_REACH next hops: the global one and the link-local one are both ours. */
static void
test_ipv6_nexthop_self(void **state)
{
	struct tp_env	    e;
	struct bgp_peer_cfg cfg;
	struct tp_conn	   *c;
	uint8_t		    msg[BGP_MAX_MSG];
	size_t		    len;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	local_set(&e, "2001:db8::1", true);
	local_set(&e, "fe80::1", true);
	c = tp_establish_dual(&e, &cfg);
	assert_non_null(c);
	len = tp_build_update6(msg, sizeof(msg), "2001:db8::1", NULL,
	    (const char *[]){ "2001:db8:1::/48" }, 1);
	tp_send(c, msg, len);
	/* foreign global, our link-local: still ours */
	len = tp_build_update6(msg, sizeof(msg), "2001:db8::2", "fe80::1",
	    (const char *[]){ "2001:db8:2::/48" }, 1);
	tp_send(c, msg, len);
	/* link-local only (global "::", RFC 2545 3), ours */
	len = tp_build_update6(msg, sizeof(msg), "::", "fe80::1",
	    (const char *[]){ "2001:db8:3::/48" }, 1);
	tp_send(c, msg, len);
	assert_quiet(&e, c);
	assert_int_equal(e.h.adds, 0);
	counts(&e, 3, 0);
	/* foreign on both: accepted */
	len = tp_build_update6(msg, sizeof(msg), "2001:db8::2", "fe80::2",
	    (const char *[]){ "2001:db8:4::/48" }, 1);
	tp_send(c, msg, len);
	assert_true(wait_hooks(&e, 1, 0));
	counts(&e, 4, 1);
	/* the link-local address goes: the two routes that named only it come back */
	local_set(&e, "fe80::1", false);
	assert_int_equal(e.h.adds, 3);
	counts(&e, 4, 3);
	/* a session lost forgets the ignored route too */
	tp_close(c);
	assert_true(tp_wait_state(&e, "Idle", 1000) || tp_wait_state(&e, "Active", 1000) ||
	    tp_wait_state(&e, "Connect", 1000));
	counts(&e, 0, 0);
	tp_env_fini(&e);
}

/* Without the hook (no owner to ask) nothing is checked. */
static void
test_match_without_hook(void **state)
{
	struct tp_env	    e;
	struct bgp_attrs    a;
	struct bgp_peer_cfg cfg;

	tp_env_init(&e);
	tp_peer_cfg(&e, &cfg);
	assert_int_equal(bgp_peer_add(e.bgp, &cfg, &e.peer), 0);
	memset(&a, 0, sizeof(a));
	a.flags = BGP_ATTRS_NEXT_HOP;
	memcpy(a.nexthop4, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
	assert_false(bgp_nhself_match(e.peer, &a, AF_INET, NULL));
	e.h.local[e.h.nlocal++] = (struct ipaddr){ AF_INET, { 192, 0, 2, 1 } };
	assert_true(bgp_nhself_match(e.peer, &a, AF_INET, NULL));
	/* an IPv6 route looks at the MP next hop only */
	assert_false(bgp_nhself_match(e.peer, &a, AF_INET6, NULL));
	e.bgp->hooks.nexthop_local = NULL;
	assert_false(bgp_nhself_match(e.peer, &a, AF_INET, NULL));
	tp_env_fini(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_nexthop_self),
		cmocka_unit_test(test_address_added_later),
		cmocka_unit_test(test_ipv6_nexthop_self),
		cmocka_unit_test(test_match_without_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
