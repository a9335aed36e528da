/* failover/bfd_fsm.c - BFD session state machine and timer negotiation (RFC 5880 6.2, 6.8). */
/* SPDX-License-Identifier: ISC */
#include "failover/bfd_local.h"

#include <string.h>

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* RFC 5880 6.8.3: while not Up, Desired Min TX is at least one second. */
static uint32_t
fsm_desired_tx(const struct bfd_fsm *f, uint8_t state)
{
	return state == BFD_STATE_UP ? f->cfg_tx_us : max_u32(f->cfg_tx_us, BFD_SLOW_TX_US);
}

void
bfd_fsm_init(struct bfd_fsm *f, uint32_t local_discr, uint32_t tx_us, uint32_t rx_us,
    uint8_t mult)
{
	memset(f, 0, sizeof(*f));
	f->state = BFD_STATE_DOWN; /* RFC 5880 6.8.1 initial values */
	f->remote_state = BFD_STATE_DOWN;
	f->local_discr = local_discr;
	f->detect_mult = mult;
	f->cfg_tx_us = tx_us;
	f->cfg_rx_us = rx_us;
	f->desired_tx_us = fsm_desired_tx(f, f->state);
	f->required_rx_us = rx_us;
	f->tx_eff_us = f->desired_tx_us;
	f->rx_eff_us = f->required_rx_us;
	f->remote_min_rx_us = 1;
}

/* A Poll Sequence ends: the advertised values now govern our timers. */
static void
fsm_poll_done(struct bfd_fsm *f)
{
	f->poll = false;
	f->tx_eff_us = f->desired_tx_us;
	f->rx_eff_us = f->required_rx_us;
}

static unsigned
fsm_set_state(struct bfd_fsm *f, uint8_t state, uint8_t diag)
{
	uint8_t	 old = f->state;
	uint32_t desired;
	unsigned ev = BFD_EV_STATE | BFD_EV_TIMERS;

	if (old == state)
		return 0;
	f->state = state;
	desired = fsm_desired_tx(f, state);
	if (state == BFD_STATE_UP) {
		ev |= BFD_EV_UP;
		f->up_transitions++;
		f->local_diag = BFD_DIAG_NONE;
		/* Leaving slow start lowers Desired Min TX: effective at once,
		 * announced by a Poll Sequence (RFC 5880 6.8.3). */
		if (desired != f->desired_tx_us) {
			f->desired_tx_us = desired;
			if (desired < f->tx_eff_us)
				f->tx_eff_us = desired;
			f->poll = true;
		}
		return ev;
	}
	if (old == BFD_STATE_UP)
		ev |= BFD_EV_DOWN;
	if (state == BFD_STATE_DOWN || state == BFD_STATE_ADMIN_DOWN) {
		f->local_diag = diag;
		if (diag != BFD_DIAG_NONE)
			f->last_down_diag = diag;
	}
	/* Not Up: back to slow start, no Poll Sequence to wait for. */
	f->desired_tx_us = desired;
	fsm_poll_done(f);
	return ev;
}

unsigned
bfd_fsm_rx(struct bfd_fsm *f, const struct bfd_pkt *p)
{
	uint32_t old_tx = bfd_fsm_tx_interval_us(f);
	uint32_t old_det = bfd_fsm_detect_us(f);
	unsigned ev = 0;

	/* RFC 5880 6.8.6 */
	f->remote_discr = p->my_discr;
	f->remote_state = p->state;
	f->remote_diag = p->diag;
	f->remote_demand = p->demand;
	f->remote_min_rx_us = p->required_min_rx_us;
	f->remote_mult = p->detect_mult;
	/*
	 * A Poll that lowers the peer's Desired Min TX may still be followed by
	 * packets at the old rate until our Final reaches it: keep detecting
	 * with the old, longer interval until the peer stops polling.
	 */
	if (!(p->poll && f->remote_tx_det_us != 0 &&
		p->desired_min_tx_us < f->remote_tx_det_us))
		f->remote_tx_det_us = p->desired_min_tx_us;
	f->remote_tx_us = p->desired_min_tx_us;
	if (p->final && f->poll)
		fsm_poll_done(f);

	if (f->state == BFD_STATE_ADMIN_DOWN)
		goto out; /* discard */
	if (p->state == BFD_STATE_ADMIN_DOWN) {
		if (f->state != BFD_STATE_DOWN)
			ev |= fsm_set_state(f, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
	} else {
		switch (f->state) {
		case BFD_STATE_DOWN:
			if (p->state == BFD_STATE_DOWN)
				ev |= fsm_set_state(f, BFD_STATE_INIT, BFD_DIAG_NONE);
			else if (p->state == BFD_STATE_INIT)
				ev |= fsm_set_state(f, BFD_STATE_UP, BFD_DIAG_NONE);
			break;
		case BFD_STATE_INIT:
			if (p->state == BFD_STATE_INIT || p->state == BFD_STATE_UP)
				ev |= fsm_set_state(f, BFD_STATE_UP, BFD_DIAG_NONE);
			break;
		default: /* Up */
			if (p->state == BFD_STATE_DOWN)
				ev |= fsm_set_state(f, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
			break;
		}
	}
	ev |= BFD_EV_DETECT;
	if (p->poll) {
		f->send_final = true;
		ev |= BFD_EV_FINAL;
	}
out:
	if (bfd_fsm_tx_interval_us(f) != old_tx || bfd_fsm_detect_us(f) != old_det)
		ev |= BFD_EV_TIMERS;
	return ev;
}

unsigned
bfd_fsm_expire(struct bfd_fsm *f)
{
	unsigned ev = 0;

	/* RFC 5880 6.8.4 */
	if (f->state == BFD_STATE_INIT || f->state == BFD_STATE_UP)
		ev |= fsm_set_state(f, BFD_STATE_DOWN, BFD_DIAG_DETECT_EXPIRED);
	/* RFC 5880 6.8.1: forget the remote system. */
	f->remote_discr = 0;
	f->remote_state = BFD_STATE_DOWN;
	f->remote_min_rx_us = 1;
	f->remote_tx_us = 0;
	f->remote_tx_det_us = 0;
	f->remote_mult = 0;
	f->remote_demand = false;
	f->send_final = false;
	return ev | BFD_EV_RESET | BFD_EV_TIMERS;
}

unsigned
bfd_fsm_admin(struct bfd_fsm *f, bool down)
{
	/* RFC 5880 6.8.16 */
	if (down)
		return fsm_set_state(f, BFD_STATE_ADMIN_DOWN, BFD_DIAG_ADMIN_DOWN);
	if (f->state != BFD_STATE_ADMIN_DOWN)
		return 0;
	return fsm_set_state(f, BFD_STATE_DOWN, BFD_DIAG_NONE);
}

unsigned
bfd_fsm_set_params(struct bfd_fsm *f, uint32_t tx_us, uint32_t rx_us, uint8_t mult)
{
	uint32_t desired;
	bool	 changed;

	f->cfg_tx_us = tx_us;
	f->cfg_rx_us = rx_us;
	desired = fsm_desired_tx(f, f->state);
	changed =
	    desired != f->desired_tx_us || rx_us != f->required_rx_us || mult != f->detect_mult;
	if (!changed)
		return 0;
	f->desired_tx_us = desired;
	f->required_rx_us = rx_us;
	f->detect_mult = mult;
	if (f->state != BFD_STATE_UP) {
		fsm_poll_done(f);
		return BFD_EV_TIMERS;
	}
	/*
	 * RFC 5880 6.8.3: a faster TX and a longer RX are safe at once; a
	 * slower TX and a shorter RX wait for the Final of the Poll Sequence.
	 */
	if (desired < f->tx_eff_us)
		f->tx_eff_us = desired;
	if (rx_us > f->rx_eff_us)
		f->rx_eff_us = rx_us;
	f->poll = true;
	return BFD_EV_TIMERS;
}

void
bfd_fsm_build(struct bfd_fsm *f, struct bfd_pkt *p, bool final)
{
	/* RFC 5880 6.8.7 */
	memset(p, 0, sizeof(*p));
	p->diag = f->local_diag;
	p->state = f->state;
	p->poll = f->poll && !final; /* never P and F together */
	p->final = final;
	p->detect_mult = f->detect_mult;
	p->my_discr = f->local_discr;
	p->your_discr = f->remote_discr;
	p->desired_min_tx_us = f->desired_tx_us;
	p->required_min_rx_us = f->required_rx_us;
	p->required_min_echo_rx_us = 0; /* no Echo function */
	if (final)
		f->send_final = false;
}

uint32_t
bfd_fsm_tx_interval_us(const struct bfd_fsm *f)
{
	/* RFC 5880 6.8.7: nothing periodic when the peer wants nothing, or in
	 * Demand mode once both ends are Up. */
	if (f->remote_min_rx_us == 0)
		return 0;
	if (f->remote_demand && f->state == BFD_STATE_UP && f->remote_state == BFD_STATE_UP)
		return 0;
	return max_u32(f->tx_eff_us, f->remote_min_rx_us); /* RFC 5880 6.8.2 */
}

uint32_t
bfd_fsm_detect_us(const struct bfd_fsm *f)
{
	uint64_t t;

	if (f->remote_mult == 0)
		return 0;
	/* RFC 5880 6.8.4 (Asynchronous mode) */
	t = (uint64_t)f->remote_mult * max_u32(f->rx_eff_us, f->remote_tx_det_us);
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

uint32_t
bfd_fsm_jitter_us(uint32_t interval_us, uint8_t mult, uint32_t rnd)
{
	uint32_t permille;

	/* RFC 5880 6.8.7 */
	if (mult == 1)
		permille = 750 + rnd % 151; /* 75-90 % */
	else
		permille = 750 + rnd % 251; /* 75-100 % */
	return (uint32_t)((uint64_t)interval_us * permille / 1000);
}
