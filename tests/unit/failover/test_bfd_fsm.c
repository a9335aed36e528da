/* tests/unit/failover/test_bfd_fsm.c - failover/bfd_fsm.c: RFC 5880 states, diags, timers, polls. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "failover/bfd_local.h"

#define LOCAL  0x1111
#define REMOTE 0x2222
#define MS     1000u

/* A packet from the peer in `state`, with its timers. */
static struct bfd_pkt
peer_pkt(uint8_t state, uint32_t tx_us, uint32_t rx_us, uint8_t mult)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.state = state;
	p.detect_mult = mult;
	p.my_discr = REMOTE;
	p.your_discr = state == BFD_STATE_DOWN || state == BFD_STATE_ADMIN_DOWN ? 0 : LOCAL;
	p.desired_min_tx_us = tx_us;
	p.required_min_rx_us = rx_us;
	return p;
}

static unsigned
rx(struct bfd_fsm *f, uint8_t state)
{
	/* A peer outside Up uses the slow start rate, like FRR and us. */
	uint32_t       tx = state == BFD_STATE_UP ? 50 * MS : 1000 * MS;
	struct bfd_pkt p = peer_pkt(state, tx, 50 * MS, 3);

	return bfd_fsm_rx(f, &p);
}

/* Down -> Init -> Up with 50 ms x 3 on both sides. */
static void
bring_up(struct bfd_fsm *f)
{
	bfd_fsm_init(f, LOCAL, 50 * MS, 50 * MS, 3);
	rx(f, BFD_STATE_DOWN);
	assert_int_equal(f->state, BFD_STATE_INIT);
	rx(f, BFD_STATE_UP);
	assert_int_equal(f->state, BFD_STATE_UP);
}

static void
test_init(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;

	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_int_equal(f.remote_discr, 0);
	assert_int_equal(f.remote_min_rx_us, 1);
	/* RFC 5880 6.8.3 slow start: 1 s while not Up */
	assert_int_equal(f.desired_tx_us, 1000 * MS);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 1000 * MS);
	assert_int_equal(bfd_fsm_detect_us(&f), 0);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_int_equal(p.my_discr, LOCAL);
	assert_int_equal(p.your_discr, 0);
	assert_int_equal(p.desired_min_tx_us, 1000 * MS);
	assert_int_equal(p.required_min_rx_us, 50 * MS);
	assert_int_equal(p.detect_mult, 3);
	assert_false(p.poll);
	assert_false(p.final);

	/* a slow configured rate stays as it is */
	bfd_fsm_init(&f, LOCAL, 2000 * MS, 50 * MS, 3);
	assert_int_equal(f.desired_tx_us, 2000 * MS);
}

static void
test_three_way(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;
	unsigned       ev;

	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	ev = rx(&f, BFD_STATE_DOWN);
	assert_int_equal(f.state, BFD_STATE_INIT);
	assert_true(ev & BFD_EV_STATE);
	assert_true(ev & BFD_EV_DETECT);
	assert_false(ev & (BFD_EV_UP | BFD_EV_DOWN));
	assert_int_equal(f.remote_discr, REMOTE);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.state, BFD_STATE_INIT);
	assert_int_equal(p.your_discr, REMOTE);

	ev = rx(&f, BFD_STATE_UP);
	assert_int_equal(f.state, BFD_STATE_UP);
	assert_true(ev & BFD_EV_UP);
	assert_int_equal(f.up_transitions, 1);
	/* leaving slow start: faster at once, announced by a Poll */
	assert_int_equal(f.desired_tx_us, 50 * MS);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 50 * MS);
	assert_true(f.poll);
	bfd_fsm_build(&f, &p, false);
	assert_true(p.poll);
	assert_int_equal(p.desired_min_tx_us, 50 * MS);

	/* the Final ends the Poll Sequence */
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	p.final = true;
	bfd_fsm_rx(&f, &p);
	assert_false(f.poll);
	bfd_fsm_build(&f, &p, false);
	assert_false(p.poll);

	/* further Up packets change nothing */
	ev = rx(&f, BFD_STATE_UP);
	assert_int_equal(ev & (BFD_EV_STATE | BFD_EV_UP | BFD_EV_DOWN), 0);
	assert_true(ev & BFD_EV_DETECT);
}

static void
test_down_to_up_on_init(void **state)
{
	struct bfd_fsm f;
	unsigned       ev;

	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	ev = rx(&f, BFD_STATE_INIT); /* Down + Init -> Up directly */
	assert_int_equal(f.state, BFD_STATE_UP);
	assert_true(ev & BFD_EV_UP);

	/* Down ignores Up: the peer must see us Down first */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	ev = rx(&f, BFD_STATE_UP);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_false(ev & BFD_EV_STATE);

	/* Init stays in Init on Down */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	rx(&f, BFD_STATE_DOWN);
	ev = rx(&f, BFD_STATE_DOWN);
	assert_int_equal(f.state, BFD_STATE_INIT);
	assert_false(ev & BFD_EV_STATE);
	/* Init + Init -> Up */
	ev = rx(&f, BFD_STATE_INIT);
	assert_int_equal(f.state, BFD_STATE_UP);
	assert_true(ev & BFD_EV_UP);
}

static void
test_neighbor_down(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;
	unsigned       ev;

	bring_up(&f);
	ev = rx(&f, BFD_STATE_DOWN);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_true(ev & BFD_EV_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(f.last_down_diag, BFD_DIAG_NEIGHBOR_DOWN);
	/* back to slow start */
	assert_int_equal(f.desired_tx_us, 1000 * MS);
	assert_false(f.poll);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(p.state, BFD_STATE_DOWN);

	/* and up again: diag cleared, second transition counted */
	rx(&f, BFD_STATE_INIT);
	assert_int_equal(f.state, BFD_STATE_UP);
	assert_int_equal(f.local_diag, BFD_DIAG_NONE);
	assert_int_equal(f.last_down_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(f.up_transitions, 2);
}

static void
test_peer_admin_down(void **state)
{
	struct bfd_fsm f;
	unsigned       ev;

	bring_up(&f);
	ev = rx(&f, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_true(ev & BFD_EV_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(f.remote_state, BFD_STATE_ADMIN_DOWN);

	/* Down stays Down, without an event */
	ev = rx(&f, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_false(ev & BFD_EV_STATE);

	/* Init -> Down */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	rx(&f, BFD_STATE_DOWN);
	ev = rx(&f, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_true(ev & BFD_EV_STATE);
	assert_false(ev & BFD_EV_DOWN);
}

static void
test_local_admin_down(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;
	unsigned       ev;

	bring_up(&f);
	ev = bfd_fsm_admin(&f, true);
	assert_int_equal(f.state, BFD_STATE_ADMIN_DOWN);
	assert_true(ev & BFD_EV_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_ADMIN_DOWN);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_ADMIN_DOWN);
	/* twice is a no-op */
	assert_int_equal(bfd_fsm_admin(&f, true), 0);

	/* packets are discarded: no state change, no detection restart */
	ev = rx(&f, BFD_STATE_DOWN);
	assert_int_equal(f.state, BFD_STATE_ADMIN_DOWN);
	assert_false(ev & (BFD_EV_DETECT | BFD_EV_STATE | BFD_EV_FINAL));
	/* nor does the detection time bring it anywhere */
	ev = bfd_fsm_expire(&f);
	assert_int_equal(f.state, BFD_STATE_ADMIN_DOWN);
	assert_false(ev & BFD_EV_STATE);

	/* enabled again: Down, and the session comes up as usual */
	ev = bfd_fsm_admin(&f, false);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_true(ev & BFD_EV_STATE);
	assert_int_equal(f.local_diag, BFD_DIAG_NONE);
	assert_int_equal(f.last_down_diag, BFD_DIAG_ADMIN_DOWN);
	assert_int_equal(bfd_fsm_admin(&f, false), 0);
	rx(&f, BFD_STATE_INIT);
	assert_int_equal(f.state, BFD_STATE_UP);

	/* AdminDown from Down reports no Down event */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	ev = bfd_fsm_admin(&f, true);
	assert_true(ev & BFD_EV_STATE);
	assert_false(ev & BFD_EV_DOWN);
}

static void
test_detection_timeout(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;
	unsigned       ev;

	bring_up(&f);
	/* RFC 5880 6.8.4: 3 x max(50 ms, 50 ms) */
	assert_int_equal(bfd_fsm_detect_us(&f), 150 * MS);
	ev = bfd_fsm_expire(&f);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_true(ev & BFD_EV_DOWN);
	assert_true(ev & BFD_EV_RESET);
	assert_int_equal(f.local_diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(f.last_down_diag, BFD_DIAG_DETECT_EXPIRED);
	/* the remote is forgotten */
	assert_int_equal(f.remote_discr, 0);
	assert_int_equal(f.remote_state, BFD_STATE_DOWN);
	assert_int_equal(f.remote_min_rx_us, 1);
	assert_int_equal(bfd_fsm_detect_us(&f), 0);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 1000 * MS);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(p.your_discr, 0);

	/* in Init: Down with diag 1, but it was never Up */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	rx(&f, BFD_STATE_DOWN);
	ev = bfd_fsm_expire(&f);
	assert_int_equal(f.state, BFD_STATE_DOWN);
	assert_false(ev & BFD_EV_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_DETECT_EXPIRED);

	/* in Down: no state change */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	ev = bfd_fsm_expire(&f);
	assert_false(ev & BFD_EV_STATE);
	assert_int_equal(f.local_diag, BFD_DIAG_NONE);
}

static void
test_poll_answered(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;
	unsigned       ev;

	bring_up(&f);
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	p.poll = true;
	ev = bfd_fsm_rx(&f, &p);
	assert_true(ev & BFD_EV_FINAL);
	assert_true(f.send_final);
	/* our own Poll is running too, but P and F never go together */
	assert_true(f.poll);
	bfd_fsm_build(&f, &p, true);
	assert_true(p.final);
	assert_false(p.poll);
	assert_false(f.send_final);
	bfd_fsm_build(&f, &p, false);
	assert_true(p.poll);
	assert_false(p.final);
}

static void
test_negotiation(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;

	bring_up(&f);
	/* the peer wants 300 ms between our packets: TX = max(50, 300) */
	p = peer_pkt(BFD_STATE_UP, 200 * MS, 300 * MS, 5);
	assert_true(bfd_fsm_rx(&f, &p) & BFD_EV_TIMERS);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 300 * MS);
	/* detection = remote mult x max(our RX 50, its TX 200) */
	assert_int_equal(bfd_fsm_detect_us(&f), 5 * 200 * MS);

	/* our RX slower than its TX */
	p = peer_pkt(BFD_STATE_UP, 10 * MS, 300 * MS, 2);
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_detect_us(&f), 2 * 50 * MS);

	/* a peer that wants nothing: no periodic TX (RFC 5880 6.8.7) */
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 0, 3);
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 0);

	/* Demand mode peer, both Up: no periodic TX either */
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	p.demand = true;
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 0);
	p.demand = false;
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 50 * MS);
}

/* RFC 5880 6.8.3: slower TX / faster RX wait for the Final. */
static void
test_poll_sequence_timers(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p, fin;
	unsigned       ev;

	bring_up(&f);
	fin = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	fin.final = true;
	bfd_fsm_rx(&f, &fin);
	assert_false(f.poll);

	/* 50 -> 300 ms TX: advertised now, used after the Final */
	ev = bfd_fsm_set_params(&f, 300 * MS, 50 * MS, 3);
	assert_true(ev & BFD_EV_TIMERS);
	assert_true(f.poll);
	bfd_fsm_build(&f, &p, false);
	assert_true(p.poll);
	assert_int_equal(p.desired_min_tx_us, 300 * MS);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 50 * MS);
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	bfd_fsm_rx(&f, &p); /* no F yet */
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 50 * MS);
	ev = bfd_fsm_rx(&f, &fin);
	assert_true(ev & BFD_EV_TIMERS);
	assert_false(f.poll);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 300 * MS);

	/* RX 50 -> 300: longer detection at once */
	ev = bfd_fsm_set_params(&f, 300 * MS, 300 * MS, 3);
	assert_true(f.poll);
	assert_int_equal(bfd_fsm_detect_us(&f), 900 * MS);
	bfd_fsm_rx(&f, &fin);
	assert_false(f.poll);

	/* RX 300 -> 50: the old, longer detection until the Final */
	bfd_fsm_set_params(&f, 300 * MS, 50 * MS, 3);
	assert_true(f.poll);
	assert_int_equal(bfd_fsm_detect_us(&f), 900 * MS);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.required_min_rx_us, 50 * MS);
	bfd_fsm_rx(&f, &fin);
	assert_int_equal(bfd_fsm_detect_us(&f), 150 * MS);

	/* TX 300 -> 50: faster at once */
	bfd_fsm_set_params(&f, 50 * MS, 50 * MS, 3);
	assert_int_equal(bfd_fsm_tx_interval_us(&f), 50 * MS);

	/* the same values again: nothing to do */
	bfd_fsm_rx(&f, &fin);
	assert_int_equal(bfd_fsm_set_params(&f, 50 * MS, 50 * MS, 3), 0);
	assert_false(f.poll);

	/* a new multiplier is announced by a Poll too */
	assert_true(bfd_fsm_set_params(&f, 50 * MS, 50 * MS, 5) & BFD_EV_TIMERS);
	assert_true(f.poll);
	bfd_fsm_build(&f, &p, false);
	assert_int_equal(p.detect_mult, 5);

	/* not Up: effective at once, no Poll */
	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	bfd_fsm_set_params(&f, 2000 * MS, 20 * MS, 4);
	assert_false(f.poll);
	assert_int_equal(f.desired_tx_us, 2000 * MS);
	assert_int_equal(f.rx_eff_us, 20 * MS);
}

/* A peer's Poll lowering its TX: keep its old TX for detection until it
 * stops polling, so a lost Final cannot cause a false detection. */
static void
test_peer_poll_lowers_tx(void **state)
{
	struct bfd_fsm f;
	struct bfd_pkt p;

	bfd_fsm_init(&f, LOCAL, 50 * MS, 50 * MS, 3);
	rx(&f, BFD_STATE_DOWN);
	p = peer_pkt(BFD_STATE_UP, 1000 * MS, 50 * MS, 3);
	bfd_fsm_rx(&f, &p);
	assert_int_equal(f.state, BFD_STATE_UP);
	assert_int_equal(bfd_fsm_detect_us(&f), 3000 * MS);
	p = peer_pkt(BFD_STATE_UP, 50 * MS, 50 * MS, 3);
	p.poll = true;
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_detect_us(&f), 3000 * MS);
	p.poll = false;
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_detect_us(&f), 150 * MS);
	/* a Poll raising its TX counts at once */
	p = peer_pkt(BFD_STATE_UP, 500 * MS, 50 * MS, 3);
	p.poll = true;
	bfd_fsm_rx(&f, &p);
	assert_int_equal(bfd_fsm_detect_us(&f), 1500 * MS);
}

static void
test_jitter(void **state)
{
	uint32_t rnd = 12345, lo = UINT32_MAX, hi = 0, v;

	for (int i = 0; i < 100000; i++) {
		rnd = rnd * 1103515245u + 12345u;
		v = bfd_fsm_jitter_us(50 * MS, 3, rnd);
		assert_true(v >= 37500 && v <= 50000);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		v = bfd_fsm_jitter_us(50 * MS, 1, rnd);
		assert_true(v >= 37500 && v <= 45000); /* <= 90 % with mult 1 */
	}
	/* the whole range is used */
	assert_true(lo < 38000);
	assert_true(hi > 49500);
	assert_int_equal(bfd_fsm_jitter_us(UINT32_MAX, 3, 250), UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_three_way),
		cmocka_unit_test(test_down_to_up_on_init),
		cmocka_unit_test(test_neighbor_down),
		cmocka_unit_test(test_peer_admin_down),
		cmocka_unit_test(test_local_admin_down),
		cmocka_unit_test(test_detection_timeout),
		cmocka_unit_test(test_poll_answered),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_poll_sequence_timers),
		cmocka_unit_test(test_peer_poll_lowers_tx),
		cmocka_unit_test(test_jitter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
