/* failover/bfd_session.c - BFD sessions on their own loop and thread: the public calls, timers, events (RFC 5880). */
/* SPDX-License-Identifier: ISC */
#include "failover/bfd_session_local.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/mailbox.h"
#include "lib/sockaddr.h"

/* A state change on its way to the owner's loop (posted, heap). */
struct bfd_evt {
	struct mailbox_msg  msg;
	struct bfd_session *s;
	bool		    up;
	uint8_t		    diag;
};

/* A call of the owner's, run on the BFD thread while the owner waits. */
struct bfd_cmd {
	struct mailbox_msg msg;
	struct bfd	  *bfd;
	int (*fn)(struct bfd *, void *);
	void *arg;
};

static void sess_tx_cb(uv_timer_t *);
static void sess_detect_cb(uv_timer_t *);

/* xorshift64*: jitter and discriminators need spread, not secrecy. */
uint32_t
bfd_rand(struct bfd *b)
{
	uint64_t x = b->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

const char *
bfd_sess_name(const struct bfd_session *s, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	ipaddr_fmt(&s->cfg.peer, a, sizeof(a));
	if (s->cfg.ifname[0])
		snprintf(buf, len, "%s%%%s", a, s->cfg.ifname);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

uint16_t
bfd_cfg_port(const struct bfd_session_cfg *c)
{
	return c->port ? c->port : BFD_DEFAULT_PORT;
}

/* ------------------------------------------------------------ threads */

static int
bfd_cmd_run(struct mailbox_msg *m, void *arg)
{
	struct bfd_cmd *c = mailbox_entry(m, struct bfd_cmd, msg);

	return c->fn(c->bfd, c->arg);
}

/* Run fn on the BFD thread and wait for its result. */
static int
bfd_call(struct bfd *b, int (*fn)(struct bfd *, void *), void *arg)
{
	struct bfd_cmd c = { .msg = { .fn = bfd_cmd_run }, .bfd = b, .fn = fn, .arg = arg };

	if (pthread_equal(pthread_self(), b->io_thread))
		return fn(b, arg);
	return mailbox_call(b->cmds, &c.msg);
}

/* The owner's thread: deliver what happened, in order. */
static int
bfd_evt_deliver(struct mailbox_msg *m, void *arg)
{
	struct bfd     *b = arg;
	struct bfd_evt *e = mailbox_entry(m, struct bfd_evt, msg);

	/* Sessions are freed only by calls from this thread: e->s lives. */
	if (!b->closing)
		e->s->cb(e->s->cb_arg, e->s, e->up, e->diag);
	free(e);
	return 0;
}

/* The BFD thread: tell the owner, on its loop, that s went up or down. */
static void
bfd_evt_post(struct bfd_session *s, bool up, uint8_t diag)
{
	struct bfd     *b = s->bfd;
	struct bfd_evt *e;

	if (s->cb == NULL)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		abort();
	e->msg.fn = bfd_evt_deliver;
	e->msg.arg = b;
	e->s = s;
	e->up = up;
	e->diag = diag;
	if (mailbox_post(b->evts, &e->msg) != 0) /* unbounded: only once closed */
		free(e);
}

static bool
bfd_evt_of(const struct mailbox_msg *m, void *s)
{
	return s == NULL || mailbox_entry(m, struct bfd_evt, msg)->s == s;
}

static void
bfd_evt_drop(struct mailbox_msg *m)
{
	free(mailbox_entry(m, struct bfd_evt, msg));
}

/* The BFD thread, s going away: drop what it had still to tell. */
static void
bfd_evt_purge(struct bfd *b, const struct bfd_session *s)
{
	mailbox_purge(b->evts, bfd_evt_of, (void *)s, bfd_evt_drop);
}

static void *
bfd_io_main(void *arg)
{
	struct bfd *b = arg;

	struct sched_param sp = { .sched_priority = 10 };

	/*
	 * Ahead of everything else on the machine: a busy host (a full table
	 * arriving, other daemons) must not delay a 50 ms BFD packet, or the
	 * far end declares a healthy circuit dead. The thread does little per
	 * wakeup, so real-time priority cannot starve the system; without the
	 * privilege, fall back to a high nice value.
	 */
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), -10);
	uv_run(&b->io_loop, UV_RUN_DEFAULT);
	return NULL;
}

/* ------------------------------------------------------------ handles */

static void
sess_handle_closed(uv_handle_t *h)
{
	struct bfd_session *s = h->data;

	if (--s->open_handles == 0) {
		secret_wipe(&s->key);
		free(s);
	}
}

/* Close a handle we own; one closed already (loop_fini) counts as done. */
void
bfd_handle_close(uv_handle_t *h, uv_close_cb cb)
{
	if (uv_is_closing(h))
		cb(h);
	else
		uv_close(h, cb);
}

/* ------------------------------------------------------------ transmit */

/* Arm a timer for an absolute CLOCK_MONOTONIC deadline (us). */
static void
timer_arm_at(uv_timer_t *t, uv_timer_cb cb, uint64_t deadline_us)
{
	uint64_t now, ms = 0;

	uv_update_time(t->loop);
	now = mono_us();
	if (deadline_us > now)
		ms = (deadline_us - now + 999) / 1000;
	uv_timer_start(t, cb, ms, 0);
}

static uint32_t
sess_jitter(struct bfd_session *s, uint32_t interval)
{
	return bfd_fsm_jitter_us(interval, s->fsm.detect_mult, bfd_rand(s->bfd));
}

/* Schedule the next periodic packet `from` a packet just sent. */
static void
sess_tx_schedule(struct bfd_session *s, uint64_t from)
{
	uint32_t iv = bfd_fsm_tx_interval_us(&s->fsm);

	if (iv == 0) {
		uv_timer_stop(&s->tx_timer);
		return;
	}
	s->tx_next_us = from + sess_jitter(s, iv);
	timer_arm_at(&s->tx_timer, sess_tx_cb, s->tx_next_us);
}

static void
sess_tx_cb(uv_timer_t *t)
{
	struct bfd_session *s = t->data;
	uint64_t	    now = mono_us(), next, floor;
	uint32_t	    iv = bfd_fsm_tx_interval_us(&s->fsm);

	bfd_sess_send(s, false);
	if (iv == 0)
		return;
	/*
	 * Deadlines follow each other, not the moment the timer fired, so a
	 * late wakeup does not stretch every later interval (no drift); but
	 * two packets are never closer than 75 % of the interval (RFC 5880
	 * 6.8.7), so catching up after a stall takes a few packets.
	 */
	next = s->tx_next_us + sess_jitter(s, iv);
	floor = now + (uint64_t)iv * 3 / 4;
	s->tx_next_us = next > floor ? next : floor;
	timer_arm_at(&s->tx_timer, sess_tx_cb, s->tx_next_us);
}

/* ------------------------------------------------------------ events */

static void
sess_detect_arm(struct bfd_session *s)
{
	uint32_t det = bfd_fsm_detect_us(&s->fsm);

	if (det == 0 || s->fsm.state == BFD_STATE_ADMIN_DOWN) {
		uv_timer_stop(&s->detect_timer);
		return;
	}
	timer_arm_at(&s->detect_timer, sess_detect_cb, s->last_rx_us + det);
}

/* Act on what the fsm reported; the owner hears of Up and Down later. */
void
bfd_sess_events(struct bfd_session *s, unsigned ev, uint8_t old_state)
{
	uint64_t now = mono_us();
	char	 nm[64];

	if (ev & BFD_EV_STATE)
		log_info(LOG_MOD_BFD, "bfd %s: %s -> %s (%s)", bfd_sess_name(s, nm, sizeof(nm)),
		    bfd_state_str(old_state), bfd_state_str(s->fsm.state),
		    bfd_diag_str(s->fsm.local_diag));
	/* A Final goes out at once (RFC 5880 6.8.6); a state change too, so
	 * the peer follows without waiting for the next interval. */
	if (ev & (BFD_EV_FINAL | BFD_EV_STATE)) {
		bfd_sess_send(s, (ev & BFD_EV_FINAL) != 0);
		sess_tx_schedule(s, now);
	} else if (ev & BFD_EV_TIMERS) {
		uint32_t iv = bfd_fsm_tx_interval_us(&s->fsm);

		if (iv == 0)
			uv_timer_stop(&s->tx_timer);
		else if (!uv_is_active((uv_handle_t *)&s->tx_timer) || now + iv < s->tx_next_us)
			sess_tx_schedule(s, now);
	}
	if (ev & BFD_EV_RESET)
		uv_timer_stop(&s->detect_timer);
	if (ev & BFD_EV_DETECT)
		sess_detect_arm(s);
	else if ((ev & BFD_EV_TIMERS) && uv_is_active((uv_handle_t *)&s->detect_timer))
		sess_detect_arm(s);
	if (s->fsm.state == BFD_STATE_ADMIN_DOWN)
		uv_timer_stop(&s->detect_timer);
	if (ev & (BFD_EV_UP | BFD_EV_DOWN))
		s->changed_us = now;
	if (ev & BFD_EV_UP)
		bfd_evt_post(s, true, BFD_DIAG_NONE);
	else if (ev & BFD_EV_DOWN)
		bfd_evt_post(s, false, s->fsm.last_down_diag);
}

static void
sess_detect_cb(uv_timer_t *t)
{
	struct bfd_session *s = t->data;
	uint32_t	    det;
	uint8_t		    old = s->fsm.state;

	/*
	 * A busy loop may run this timer before reading a packet that is
	 * already queued: read first, so only real silence brings us down.
	 */
	bfd_rxsock_read(s->rx);
	if (s->dead)
		return;
	det = bfd_fsm_detect_us(&s->fsm);
	if (det != 0 && s->last_rx_us + det > mono_us() + 500) {
		sess_detect_arm(s);
		return;
	}
	bfd_sess_events(s, bfd_fsm_expire(&s->fsm), old);
}

/* ------------------------------------------------------------ public API */

struct bfd *
bfd_new(uv_loop_t *loop)
{
	struct bfd *b;

	if (loop == NULL || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->loop = loop;
	TAILQ_INIT(&b->sessions);
	LIST_INIT(&b->rxsocks);
	if (getrandom(&b->rng, sizeof(b->rng), 0) != sizeof(b->rng))
		b->rng = mono_us();
	b->rng |= 1;
	if (uv_loop_init(&b->io_loop) != 0) {
		free(b);
		return NULL;
	}
	if ((b->cmds = mailbox_new(0)) == NULL || (b->evts = mailbox_new(0)) == NULL ||
	    mailbox_attach(b->cmds, &b->io_loop, true) != 0 ||
	    mailbox_attach(b->evts, loop, false) !=
		0) /* does not keep the owner's loop alive */
		goto fail;
	if (pthread_create(&b->io_thread, NULL, bfd_io_main, b) != 0)
		goto fail;
	pthread_setname_np(b->io_thread, "hgw-bfd");
	return b;
fail:
	if (b->cmds) {
		mailbox_detach(b->cmds);
		uv_run(&b->io_loop, UV_RUN_NOWAIT);
	}
	uv_loop_close(&b->io_loop);
	mailbox_free(b->cmds);
	mailbox_free(b->evts); /* closed on the owner's loop when attached */
	free(b);
	return NULL;
}

int
bfd_session_cfg_check(const struct bfd_session_cfg *c)
{
	if (c->peer.family != AF_INET && c->peer.family != AF_INET6)
		return -EINVAL;
	if (c->local.family != 0 && c->local.family != c->peer.family)
		return -EINVAL;
	if (c->multiplier == 0 || c->min_tx_ms == 0 || c->min_tx_ms > UINT32_MAX / 1000 ||
	    c->min_rx_ms > UINT32_MAX / 1000)
		return -EINVAL;
	if (memchr(c->ifname, '\0', sizeof(c->ifname)) == NULL)
		return -EINVAL;
	if (secret_len(&c->auth_key) > BFD_SHA1_LEN) /* the key field is 20 bytes */
		return -EINVAL;
	return 0;
}

/* Take the key out of the stored cfg so that only s->key holds it. */
static void
sess_key_set(struct bfd_session *s, const struct bfd_session_cfg *c)
{
	if (!secret_eq(&s->key, &c->auth_key)) /* another key: a new sequence */
		s->rcv_seq_known = false;
	secret_copy(&s->key, &c->auth_key);
	s->auth = !secret_empty(&s->key);
	secret_wipe(&s->cfg.auth_key);
}

static uint32_t
bfd_discr_new(struct bfd *b)
{
	uint32_t d;

	do
		d = bfd_rand(b);
	while (d == 0 || bfd_sess_find_discr(b, d) != NULL);
	return d;
}

struct sess_add_args {
	const struct bfd_session_cfg *cfg;
	bfd_state_fn		      cb;
	void			     *arg;
	struct bfd_session	    **out;
};

static int
sess_add_io(struct bfd *b, void *v)
{
	struct sess_add_args	     *a = v;
	const struct bfd_session_cfg *cfg = a->cfg;
	struct bfd_session	     *s;
	char			      nm[64];
	int			      rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->bfd = b;
	s->cfg = *cfg;
	s->txfd = -1;
	s->cb = a->cb;
	s->cb_arg = a->arg;
	sess_key_set(s, cfg);
	s->xmit_seq = bfd_rand(b); /* RFC 5880 6.8.1: random start */
	if ((rc = bfd_rxsock_get(b, cfg->peer.family, bfd_cfg_port(cfg), &s->rx)) != 0) {
		secret_wipe(&s->key);
		free(s);
		return rc;
	}
	bfd_fsm_init(&s->fsm, bfd_discr_new(b), cfg->min_tx_ms * 1000, cfg->min_rx_ms * 1000,
	    cfg->multiplier);
	uv_timer_init(&b->io_loop, &s->tx_timer);
	uv_timer_init(&b->io_loop, &s->detect_timer);
	s->tx_timer.data = s->detect_timer.data = s;
	s->open_handles = 2;
	TAILQ_INSERT_TAIL(&b->sessions, s, entry);
	if ((rc = bfd_sess_txsock_open(s)) != 0)
		log_warn(LOG_MOD_BFD, "bfd %s: cannot open socket: %s (retrying)",
		    bfd_sess_name(s, nm, sizeof(nm)), strerror(-rc));
	s->txfd_warned = rc != 0;
	/* First packet at once: nothing to wait for in Down. */
	s->tx_next_us = mono_us();
	timer_arm_at(&s->tx_timer, sess_tx_cb, s->tx_next_us);
	log_info(LOG_MOD_BFD, "bfd %s: session added (tx %u ms, rx %u ms, x%u%s)",
	    bfd_sess_name(s, nm, sizeof(nm)), cfg->min_tx_ms, cfg->min_rx_ms, cfg->multiplier,
	    s->auth ? ", keyed SHA1" : "");
	if (a->out)
		*a->out = s;
	return 0;
}

int
bfd_session_add(struct bfd *b, const struct bfd_session_cfg *cfg, bfd_state_fn cb, void *arg,
    struct bfd_session **out)
{
	struct sess_add_args a = { cfg, cb, arg, out };
	int		     rc;

	if ((rc = bfd_session_cfg_check(cfg)) != 0)
		return rc;
	return bfd_call(b, sess_add_io, &a);
}

/* Tell the peer we are going away (RFC 5880 6.8.16), then release it all. */
static void
sess_destroy(struct bfd_session *s)
{
	struct bfd *b = s->bfd;

	if (s->dead)
		return;
	bfd_fsm_admin(&s->fsm, true);
	bfd_sess_send(s, false);
	s->dead = true;
	TAILQ_REMOVE(&b->sessions, s, entry);
	bfd_evt_purge(b, s);
	bfd_sess_txsock_close(s);
	bfd_rxsock_put(s->rx);
	uv_timer_stop(&s->tx_timer);
	uv_timer_stop(&s->detect_timer);
	bfd_handle_close((uv_handle_t *)&s->tx_timer, sess_handle_closed);
	bfd_handle_close((uv_handle_t *)&s->detect_timer, sess_handle_closed);
}

static int
sess_del_io(struct bfd *b, void *v)
{
	struct bfd_session *s = v;
	char		    nm[64];

	if (s->dead)
		return 0;
	log_info(LOG_MOD_BFD, "bfd %s: session deleted", bfd_sess_name(s, nm, sizeof(nm)));
	sess_destroy(s);
	return 0;
}

void
bfd_session_del(struct bfd_session *s)
{
	if (s != NULL)
		bfd_call(s->bfd, sess_del_io, s);
}

static int
bfd_free_io(struct bfd *b, void *v)
{
	while (!TAILQ_EMPTY(&b->sessions))
		sess_destroy(TAILQ_FIRST(&b->sessions));
	/* With its last handle closing, the BFD thread's loop ends. */
	mailbox_detach(b->cmds);
	return 0;
}

void
bfd_free(struct bfd *b)
{
	if (b == NULL)
		return;
	bfd_call(b, bfd_free_io, NULL);
	pthread_join(b->io_thread, NULL);
	uv_loop_close(&b->io_loop);
	mailbox_free(b->cmds);
	b->closing = true;
	bfd_evt_purge(b, NULL);
	/* Its poll handle closes on the owner's loop (or was, by loop_fini). */
	mailbox_free(b->evts);
	free(b);
}

struct sess_update_args {
	struct bfd_session	     *s;
	const struct bfd_session_cfg *cfg;
};

static int
sess_update_io(struct bfd *b, void *v)
{
	struct sess_update_args	     *a = v;
	struct bfd_session	     *s = a->s;
	const struct bfd_session_cfg *cfg = a->cfg;
	struct bfd_rxsock	     *rx;
	bool			      ident;
	uint8_t			      old = s->fsm.state;
	unsigned		      ev = 0;
	int			      rc;

	ident = ipaddr_cmp(&cfg->peer, &s->cfg.peer) != 0 ||
	    ipaddr_cmp(&cfg->local, &s->cfg.local) != 0 ||
	    strcmp(cfg->ifname, s->cfg.ifname) != 0 ||
	    bfd_cfg_port(cfg) != bfd_cfg_port(&s->cfg);
	if (ident) {
		/* Another path: say goodbye on the old one, start over. */
		if ((rc = bfd_rxsock_get(b, cfg->peer.family, bfd_cfg_port(cfg), &rx)) != 0)
			return rc;
		if (s->fsm.state != BFD_STATE_ADMIN_DOWN) {
			ev |= bfd_fsm_admin(&s->fsm, true);
			bfd_sess_send(s, false);
		}
		bfd_sess_txsock_close(s);
		bfd_rxsock_put(s->rx);
		s->rx = rx;
	}
	s->cfg = *cfg;
	s->ifindex = 0;
	sess_key_set(s, cfg);
	if (ident) {
		s->rcv_seq_known = false;
		if (bfd_sess_txsock_open(s) != 0)
			s->txfd_warned = false;
		bfd_fsm_expire(&s->fsm);
		ev |= bfd_fsm_admin(&s->fsm, false);
		uv_timer_stop(&s->detect_timer);
	} else if (s->cfg.ifname[0]) {
		s->ifindex = if_nametoindex(s->cfg.ifname);
	}
	ev |= bfd_fsm_set_params(&s->fsm, cfg->min_tx_ms * 1000, cfg->min_rx_ms * 1000,
	    cfg->multiplier);
	bfd_sess_events(s, ev, old);
	return 0;
}

int
bfd_session_update(struct bfd_session *s, const struct bfd_session_cfg *cfg)
{
	struct sess_update_args a = { s, cfg };
	int			rc;

	if ((rc = bfd_session_cfg_check(cfg)) != 0)
		return rc;
	return bfd_call(s->bfd, sess_update_io, &a);
}

struct sess_admin_args {
	struct bfd_session *s;
	bool		    down;
};

static int
sess_admin_io(struct bfd *b, void *v)
{
	struct sess_admin_args *a = v;
	uint8_t			old = a->s->fsm.state;

	bfd_sess_events(a->s, bfd_fsm_admin(&a->s->fsm, a->down), old);
	return 0;
}

void
bfd_session_admin(struct bfd_session *s, bool admin_down)
{
	struct sess_admin_args a = { s, admin_down };

	bfd_call(s->bfd, sess_admin_io, &a);
}

struct sess_state_args {
	const struct bfd_session *s;
	struct bfd_session_state *st;
};

static int
sess_state_io(struct bfd *b, void *v)
{
	struct sess_state_args	 *a = v;
	const struct bfd_session *s = a->s;
	struct bfd_session_state *st = a->st;

	memset(st, 0, sizeof(*st));
	st->peer = s->cfg.peer;
	st->local = s->cfg.local;
	st->ifname = s->cfg.ifname;
	st->state = bfd_state_str(s->fsm.state);
	st->remote_state = bfd_state_str(s->fsm.remote_state);
	st->local_discr = s->fsm.local_discr;
	st->remote_discr = s->fsm.remote_discr;
	st->tx_interval_ms = bfd_fsm_tx_interval_us(&s->fsm) / 1000;
	st->detect_time_ms = bfd_fsm_detect_us(&s->fsm) / 1000;
	st->last_diag = s->fsm.last_down_diag;
	st->last_diag_str = bfd_diag_str(s->fsm.last_down_diag);
	st->up_transitions = s->fsm.up_transitions;
	st->pkts_in = s->pkts_in;
	st->pkts_out = s->pkts_out;
	st->pkts_dropped = s->pkts_dropped;
	st->changed_us = s->changed_us;
	st->last_rx_us = s->last_rx_us;
	return 0;
}

void
bfd_session_state_get(const struct bfd_session *s, struct bfd_session_state *st)
{
	struct sess_state_args a = { s, st };

	bfd_call(s->bfd, sess_state_io, &a);
}

int
bfd_session_foreach(struct bfd *b, bfd_session_fn fn, void *arg)
{
	struct bfd_session *s, *next;
	int		    rc;

	/* On the owner's thread: membership changes only inside bfd_call(). */
	for (s = TAILQ_FIRST(&b->sessions); s; s = next) {
		next = TAILQ_NEXT(s, entry);
		if ((rc = fn(s, arg)) != 0)
			return rc;
	}
	return 0;
}
