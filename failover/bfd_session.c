/* failover/bfd_session.c - BFD sessions on their own loop and thread: sockets, timers, auth (RFC 5880/5881). */
#include "failover/bfd.h"
#include "failover/bfd_local.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/mailbox.h"
#include "lib/sockaddr.h"

#define BFD_RX_BATCH	64	/* datagrams read per wakeup */
#define BFD_TOS		0xc0	/* CS6, network control */

struct bfd_rxsock {
	LIST_ENTRY(bfd_rxsock)	 entry;
	struct bfd		*bfd;
	uv_poll_t		 poll;	/* closed by rxsock_put() */
	int			 fd;
	uint8_t			 family;
	uint16_t		 port;
	unsigned		 refs;	/* sessions using it */
	bool			 closing;
};

struct bfd_session {
	TAILQ_ENTRY(bfd_session) entry;
	struct bfd		*bfd;
	struct bfd_session_cfg	 cfg;	/* auth_key wiped here: kept in key */
	unsigned		 ifindex;	/* of cfg.ifname; 0 = not resolved/none */
	struct bfd_fsm		 fsm;
	struct bfd_rxsock	*rx;
	int			 txfd;	/* -1 until the socket could be opened */
	bool			 txfd_warned;
	uv_timer_t		 tx_timer, detect_timer;	/* closed by sess_destroy() */
	uint64_t		 tx_next_us;	/* deadline of the next periodic packet */
	uint64_t		 last_rx_us;
	bfd_state_fn		 cb;
	void			*cb_arg;
	/* RFC 5880 6.7.4 keyed SHA1; never logged */
	bool			 auth;
	struct secret		 key;	/* at most BFD_SHA1_LEN, zero padded */
	uint32_t		 xmit_seq, rcv_seq;
	bool			 rcv_seq_known;
	uint64_t		 pkts_in, pkts_out, pkts_dropped;
	uint64_t		 changed_us;	/* last Up/Down change */
	int			 open_handles;
	bool			 dead;	/* deleted; memory goes with the last close */
};

/* A state change on its way to the owner's loop (posted, heap). */
struct bfd_evt {
	struct mailbox_msg	 msg;
	struct bfd_session	*s;
	bool			 up;
	uint8_t			 diag;
};

/* A call of the owner's, run on the BFD thread while the owner waits. */
struct bfd_cmd {
	struct mailbox_msg	 msg;
	struct bfd		*bfd;
	int			(*fn)(struct bfd *, void *);
	void			*arg;
};

/*
 * Sessions, sockets and timers run on a loop of their own in a thread of
 * their own (as BIRD runs BFD): a control plane busy with a large table or
 * with FIB work must not hold back a 50 ms packet or a detection. The
 * owner's thread queues calls and waits for them (bfd_call), and hears of
 * state changes on its own loop (evts), so for the owner every call and
 * callback still happens on its loop thread.
 */
struct bfd {
	uv_loop_t		*loop;		/* the owner's: callbacks run there */
	uv_loop_t		 io_loop;	/* BFD's own, run by io_thread */
	/* Both directions are lib/mailbox, whose wakeup is an eventfd polled
	 * on the receiving loop, not a uv_async_t: libuv 1.44's async receiver
	 * spins (pause, sched_yield) while a sender is between its two steps;
	 * the SCHED_FIFO BFD thread receiving calls, having preempted the
	 * sender on the same CPU, spun until the RT throttle (~1 s) - a
	 * priority inversion. An eventfd has no such window. */
	struct mailbox		*cmds;		/* owner -> BFD thread (calls), on io_loop */
	struct mailbox		*evts;		/* BFD thread -> owner (posts), on loop */
	pthread_t		 io_thread;
	bool			 closing;
	/* The BFD thread's alone, or the owner's while it waits in bfd_call().
	 * Only bfd_call()ed functions add or remove sessions, so the owner may
	 * walk the list between calls. */
	TAILQ_HEAD(, bfd_session) sessions;
	LIST_HEAD(, bfd_rxsock)	 rxsocks;
	uint64_t		 rng;
	uint64_t		 rx_unmatched;	/* dropped before a session was known */
};

static void	sess_tx_cb(uv_timer_t *);
static void	sess_detect_cb(uv_timer_t *);
static void	rxsock_read(struct bfd_rxsock *);

/* xorshift64*: jitter and discriminators need spread, not secrecy. */
static uint32_t
bfd_rand(struct bfd *b)
{
	uint64_t	 x = b->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static const char *
sess_name(const struct bfd_session *s, char *buf, size_t len)
{
	char	 a[IPADDR_STRLEN];

	ipaddr_fmt(&s->cfg.peer, a, sizeof(a));
	if (s->cfg.ifname[0])
		snprintf(buf, len, "%s%%%s", a, s->cfg.ifname);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

static uint16_t
cfg_port(const struct bfd_session_cfg *c)
{
	return c->port ? c->port : BFD_DEFAULT_PORT;
}

/* ------------------------------------------------------------ threads */

static int
bfd_cmd_run(struct mailbox_msg *m, void *arg)
{
	struct bfd_cmd	*c = mailbox_entry(m, struct bfd_cmd, msg);

	return c->fn(c->bfd, c->arg);
}

/* Run fn on the BFD thread and wait for its result. */
static int
bfd_call(struct bfd *b, int (*fn)(struct bfd *, void *), void *arg)
{
	struct bfd_cmd	 c = { .msg = { .fn = bfd_cmd_run }, .bfd = b, .fn = fn, .arg = arg };

	if (pthread_equal(pthread_self(), b->io_thread))
		return fn(b, arg);
	return mailbox_call(b->cmds, &c.msg);
}

/* The owner's thread: deliver what happened, in order. */
static int
bfd_evt_deliver(struct mailbox_msg *m, void *arg)
{
	struct bfd	*b = arg;
	struct bfd_evt	*e = mailbox_entry(m, struct bfd_evt, msg);

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
	struct bfd	*b = s->bfd;
	struct bfd_evt	*e;

	if (s->cb == NULL)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		abort();
	e->msg.fn = bfd_evt_deliver;
	e->msg.arg = b;
	e->s = s;
	e->up = up;
	e->diag = diag;
	if (mailbox_post(b->evts, &e->msg) != 0)	/* unbounded: only once closed */
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
	struct bfd	*b = arg;

	struct sched_param	 sp = { .sched_priority = 10 };

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
	struct bfd_session	*s = h->data;

	if (--s->open_handles == 0) {
		secret_wipe(&s->key);
		free(s);
	}
}

static void
rxsock_closed(uv_handle_t *h)
{
	struct bfd_rxsock	*rs = h->data;

	close(rs->fd);
	free(rs);
}

/* Close a handle we own; one closed already (loop_fini) counts as done. */
static void
bfd_handle_close(uv_handle_t *h, uv_close_cb cb)
{
	if (uv_is_closing(h))
		cb(h);
	else
		uv_close(h, cb);
}

/* ------------------------------------------------------------ sockets */

static void
rxsock_poll_cb(uv_poll_t *p, int status, int events)
{
	if (status == 0 && (events & UV_READABLE))
		rxsock_read(p->data);
}

static int
rxsock_get(struct bfd *b, uint8_t family, uint16_t port, struct bfd_rxsock **out)
{
	struct bfd_rxsock	*rs;
	struct sockaddr_storage	 ss;
	struct ipaddr		 any = { .family = family };
	socklen_t		 sl;
	int			 fd = -1, on = 1, rc;

	LIST_FOREACH(rs, &b->rxsocks, entry) {
		if (rs->family == family && rs->port == port) {
			rs->refs++;
			*out = rs;
			return 0;
		}
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return -ENOMEM;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	/* No SO_REUSEADDR: a second BFD speaker on this port would silently
	 * take our packets; better refuse the session loudly. */
	/* RFC 5881 5: the TTL / Hop Limit of every packet is checked. */
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
			goto errno_out;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
			goto errno_out;
	}
	sl = ipaddr_to_sockaddr(&ss, &any, port, 0);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto errno_out;
	if ((rc = uv_poll_init(&b->io_loop, &rs->poll, fd)) != 0)
		goto out;
	rs->bfd = b;
	rs->fd = fd;
	rs->family = family;
	rs->port = port;
	rs->refs = 1;
	rs->poll.data = rs;
	LIST_INSERT_HEAD(&b->rxsocks, rs, entry);
	if ((rc = uv_poll_start(&rs->poll, UV_READABLE, rxsock_poll_cb)) != 0)
		log_warn(LOG_MOD_BFD, "bfd: poll on port %u: %s", port, uv_strerror(rc));
	*out = rs;
	return 0;
errno_out:
	rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(rs);
	return rc;
}

static void
rxsock_put(struct bfd_rxsock *rs)
{
	if (--rs->refs > 0)
		return;
	LIST_REMOVE(rs, entry);
	rs->closing = true;
	bfd_handle_close((uv_handle_t *)&rs->poll, rxsock_closed);
}

/*
 * The transmit socket: source port 49152-65535, TTL 255 (RFC 5881 4, 5),
 * bound to the interface when one is configured. Failure is not fatal: the
 * interface or address may appear later, so the tx timer retries.
 */
static int
sess_txsock_open(struct bfd_session *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	uint8_t			 family = s->cfg.peer.family;
	int			 fd, ttl = BFD_TTL, tos = BFD_TOS, on = 1, rc, i;

	if (s->cfg.ifname[0] && (s->ifindex = if_nametoindex(s->cfg.ifname)) == 0)
		return -ENODEV;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0)
			goto errno_out;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0)
			goto errno_out;
	}
	/* The local address may not be configured yet at start. */
	(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	if (s->cfg.ifname[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
	    s->cfg.ifname, (socklen_t)strlen(s->cfg.ifname)) < 0)
		goto errno_out;
	for (i = 0; i < 128; i++) {
		uint16_t port = (uint16_t)(BFD_SRC_PORT_MIN + bfd_rand(s->bfd) %
		    (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1));

		sl = ipaddr_to_sockaddr(&ss, s->cfg.local.family == family ? &s->cfg.local :
		    &(struct ipaddr){ .family = family }, port, s->ifindex);
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			break;
		if (errno != EADDRINUSE)
			goto errno_out;
	}
	if (i == 128) {
		rc = -EADDRINUSE;
		goto out;
	}
	s->txfd = fd;
	return 0;
errno_out:
	rc = -errno;
out:
	close(fd);
	return rc;
}

static void
sess_txsock_close(struct bfd_session *s)
{
	if (s->txfd >= 0)
		close(s->txfd);
	s->txfd = -1;
}

/* ------------------------------------------------------------ auth */

/* RFC 5880 6.7.4: SHA1 over the packet with the key in the hash field. */
static int
sess_auth_digest(const struct bfd_session *s, const struct bfd_pkt *p,
    uint8_t out[BFD_SHA1_LEN])
{
	struct bfd_pkt	 tmp = *p;
	uint8_t		 buf[BFD_PKT_MAX];
	struct wire_wr	 w = wire_wr_init(buf, sizeof(buf));
	unsigned	 mdlen = 0;
	int		 rc;

	memcpy(tmp.auth.data, secret_data(&s->key), BFD_SHA1_LEN);
	tmp.auth.data_len = BFD_SHA1_LEN;
	if ((rc = bfd_pkt_encode(&tmp, &w)) != 0)
		goto out;
	if (EVP_Digest(buf, wire_wr_len(&w), out, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != BFD_SHA1_LEN)
		rc = -EIO;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return rc;
}

/* RFC 5880 6.7.4 and 6.8.6 (A bit); true when the packet may be processed. */
static bool
sess_auth_check(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now,
    const char **why)
{
	uint8_t		 md[BFD_SHA1_LEN];
	uint32_t	 det;

	if (!s->auth) {
		*why = "auth present but not configured";
		return p->auth.type == BFD_AUTH_NONE;
	}
	if (p->auth.type != BFD_AUTH_KEYED_SHA1) {
		*why = p->auth.type == BFD_AUTH_NONE ? "auth missing" : "auth type mismatch";
		return false;
	}
	if (p->auth.key_id != s->cfg.auth_key_id) {
		*why = "auth key id mismatch";
		return false;
	}
	/* RFC 5880 6.8.1: forget the sequence after 2 x Detection Time of silence. */
	det = bfd_fsm_detect_us(&s->fsm);
	if (s->rcv_seq_known && (det == 0 || now - s->last_rx_us > 2ull * det))
		s->rcv_seq_known = false;
	if (s->rcv_seq_known &&
	    (uint32_t)(p->auth.seq - s->rcv_seq) > 3u * p->detect_mult) {
		*why = "auth sequence out of window";
		return false;
	}
	if (sess_auth_digest(s, p, md) != 0 ||
	    CRYPTO_memcmp(md, p->auth.data, BFD_SHA1_LEN) != 0) {
		*why = "auth digest mismatch";
		return false;
	}
	s->rcv_seq = p->auth.seq;
	s->rcv_seq_known = true;
	return true;
}

/* ------------------------------------------------------------ transmit */

static void
sess_send(struct bfd_session *s, bool final)
{
	struct bfd_pkt		 p;
	struct sockaddr_storage	 ss;
	uint8_t			 buf[BFD_PKT_MAX];
	struct wire_wr		 w = wire_wr_init(buf, sizeof(buf));
	socklen_t		 sl;
	char			 nm[64];
	int			 rc;

	if (s->txfd < 0 && (rc = sess_txsock_open(s)) != 0) {
		if (!s->txfd_warned)
			log_warn(LOG_MOD_BFD, "bfd %s: cannot open socket: %s (retrying)",
			    sess_name(s, nm, sizeof(nm)), strerror(-rc));
		s->txfd_warned = true;
		return;
	}
	s->txfd_warned = false;
	bfd_fsm_build(&s->fsm, &p, final);
	if (s->auth) {
		p.auth.type = BFD_AUTH_KEYED_SHA1;
		p.auth.key_id = s->cfg.auth_key_id;
		p.auth.seq = ++s->xmit_seq;	/* RFC 5880 6.7.4 */
		p.auth.data_len = BFD_SHA1_LEN;
		if (sess_auth_digest(s, &p, p.auth.data) != 0)
			return;
	}
	if (bfd_pkt_encode(&p, &w) != 0)
		return;
	sl = ipaddr_to_sockaddr(&ss, &s->cfg.peer, cfg_port(&s->cfg), s->ifindex);
	if (sendto(s->txfd, buf, wire_wr_len(&w), 0, (struct sockaddr *)&ss, sl) < 0) {
		rc = errno;
		log_debug(LOG_MOD_BFD, "bfd %s: send: %s", sess_name(s, nm, sizeof(nm)),
		    strerror(rc));
		/* The interface went away (or came back with another index):
		 * open a fresh socket on the next packet. */
		if (rc == ENODEV || rc == ENXIO) {
			sess_txsock_close(s);
			s->ifindex = 0;
		}
		return;
	}
	s->pkts_out++;
}

/* Arm a timer for an absolute CLOCK_MONOTONIC deadline (us). */
static void
timer_arm_at(uv_timer_t *t, uv_timer_cb cb, uint64_t deadline_us)
{
	uint64_t	 now, ms = 0;

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
	uint32_t	 iv = bfd_fsm_tx_interval_us(&s->fsm);

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
	struct bfd_session	*s = t->data;
	uint64_t		 now = mono_us(), next, floor;
	uint32_t		 iv = bfd_fsm_tx_interval_us(&s->fsm);

	sess_send(s, false);
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
	uint32_t	 det = bfd_fsm_detect_us(&s->fsm);

	if (det == 0 || s->fsm.state == BFD_STATE_ADMIN_DOWN) {
		uv_timer_stop(&s->detect_timer);
		return;
	}
	timer_arm_at(&s->detect_timer, sess_detect_cb, s->last_rx_us + det);
}

/* Act on what the fsm reported; the owner hears of Up and Down later. */
static void
sess_events(struct bfd_session *s, unsigned ev, uint8_t old_state)
{
	uint64_t	 now = mono_us();
	char		 nm[64];

	if (ev & BFD_EV_STATE)
		log_info(LOG_MOD_BFD, "bfd %s: %s -> %s (%s)", sess_name(s, nm, sizeof(nm)),
		    bfd_state_str(old_state), bfd_state_str(s->fsm.state),
		    bfd_diag_str(s->fsm.local_diag));
	/* A Final goes out at once (RFC 5880 6.8.6); a state change too, so
	 * the peer follows without waiting for the next interval. */
	if (ev & (BFD_EV_FINAL | BFD_EV_STATE)) {
		sess_send(s, (ev & BFD_EV_FINAL) != 0);
		sess_tx_schedule(s, now);
	} else if (ev & BFD_EV_TIMERS) {
		uint32_t iv = bfd_fsm_tx_interval_us(&s->fsm);

		if (iv == 0)
			uv_timer_stop(&s->tx_timer);
		else if (!uv_is_active((uv_handle_t *)&s->tx_timer) ||
		    now + iv < s->tx_next_us)
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
	struct bfd_session	*s = t->data;
	uint32_t		 det;
	uint8_t			 old = s->fsm.state;

	/*
	 * A busy loop may run this timer before reading a packet that is
	 * already queued: read first, so only real silence brings us down.
	 */
	rxsock_read(s->rx);
	if (s->dead)
		return;
	det = bfd_fsm_detect_us(&s->fsm);
	if (det != 0 && s->last_rx_us + det > mono_us() + 500) {
		sess_detect_arm(s);
		return;
	}
	sess_events(s, bfd_fsm_expire(&s->fsm), old);
}

/* ------------------------------------------------------------ receive */

static struct bfd_session *
sess_find_peer(struct bfd *b, const struct ipaddr *src, uint16_t port, unsigned ifindex)
{
	struct bfd_session	*s;

	TAILQ_FOREACH(s, &b->sessions, entry) {
		if (cfg_port(&s->cfg) != port || ipaddr_cmp(&s->cfg.peer, src) != 0)
			continue;
		if (s->cfg.ifname[0] && s->ifindex == 0)
			s->ifindex = if_nametoindex(s->cfg.ifname);
		if (s->cfg.ifname[0] && ifindex != 0 && s->ifindex != ifindex)
			continue;
		return s;
	}
	return NULL;
}

static struct bfd_session *
sess_find_discr(struct bfd *b, uint32_t discr)
{
	struct bfd_session	*s;

	TAILQ_FOREACH(s, &b->sessions, entry)
		if (s->fsm.local_discr == discr)
			return s;
	return NULL;
}

static void
rx_drop(struct bfd *b, struct bfd_session *s, const struct ipaddr *src, const char *why)
{
	char	 a[IPADDR_STRLEN];

	if (s)
		s->pkts_dropped++;
	else
		b->rx_unmatched++;
	log_debug(LOG_MOD_BFD, "bfd: dropped packet from %s: %s",
	    ipaddr_fmt(src, a, sizeof(a)), why);
}

static void
rx_packet(struct bfd_rxsock *rs, const struct ipaddr *src, int ttl, unsigned ifindex,
    const uint8_t *buf, size_t len)
{
	struct bfd		*b = rs->bfd;
	struct bfd_session	*s;
	struct bfd_pkt		 p;
	enum bfd_err		 err;
	const char		*why = NULL;
	uint64_t		 now = mono_us();
	uint8_t			 old;

	err = bfd_pkt_decode(wire_rd_init(buf, len), &p);
	if (ttl != BFD_TTL) {		/* RFC 5881 5 */
		rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src,
		    ttl < 0 ? "no TTL" : "TTL not 255");
		return;
	}
	if (err != BFD_OK) {
		rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src, bfd_err_str(err));
		return;
	}
	/* RFC 5880 6.8.6: demultiplex by Your Discriminator, else by address. */
	if (p.your_discr != 0) {
		s = sess_find_discr(b, p.your_discr);
		if (s == NULL || cfg_port(&s->cfg) != rs->port ||
		    ipaddr_cmp(&s->cfg.peer, src) != 0 ||
		    (s->ifindex && ifindex && s->ifindex != ifindex)) {
			rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src,
			    "unknown discriminator");
			return;
		}
	} else if ((s = sess_find_peer(b, src, rs->port, ifindex)) == NULL) {
		rx_drop(b, NULL, src, "no session");
		return;
	}
	if (!sess_auth_check(s, &p, now, &why)) {
		rx_drop(b, s, src, why);
		return;
	}
	s->pkts_in++;
	s->last_rx_us = now;
	old = s->fsm.state;
	sess_events(s, bfd_fsm_rx(&s->fsm, &p), old);
}

static void
rxsock_read(struct bfd_rxsock *rs)
{
	int	 i;

	for (i = 0; i < BFD_RX_BATCH && !rs->closing; i++) {
		struct sockaddr_storage	 ss;
		struct ipaddr		 src;
		uint8_t			 buf[512];
		union {
			struct cmsghdr	 align;
			uint8_t		 b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
					    CMSG_SPACE(sizeof(int)) + 64];
		} cbuf;
		struct iovec		 iov = { buf, sizeof(buf) };
		struct msghdr		 msg = {
			.msg_name = &ss, .msg_namelen = sizeof(ss),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
		};
		struct cmsghdr		*c;
		unsigned		 ifindex = 0;
		int			 ttl = -1;
		ssize_t			 n;

		n = recvmsg(rs->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			break;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned)pi.ipi_ifindex;
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			}
		}
		ipaddr_from_sockaddr(&src, NULL, (struct sockaddr *)&ss);
		if (msg.msg_flags & MSG_TRUNC) {
			rx_drop(rs->bfd, NULL, &src, "oversized datagram");
			continue;
		}
		rx_packet(rs, &src, ttl, ifindex, buf, (size_t)n);
	}
}

/* ------------------------------------------------------------ public API */

struct bfd *
bfd_new(uv_loop_t *loop)
{
	struct bfd	*b;

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
	    mailbox_attach(b->evts, loop, false) != 0)	/* does not keep the owner's loop alive */
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
	mailbox_free(b->evts);	/* closed on the owner's loop when attached */
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
	if (c->multiplier == 0 || c->min_tx_ms == 0 ||
	    c->min_tx_ms > UINT32_MAX / 1000 || c->min_rx_ms > UINT32_MAX / 1000)
		return -EINVAL;
	if (memchr(c->ifname, '\0', sizeof(c->ifname)) == NULL)
		return -EINVAL;
	if (secret_len(&c->auth_key) > BFD_SHA1_LEN)	/* the key field is 20 bytes */
		return -EINVAL;
	return 0;
}

/* Take the key out of the stored cfg so that only s->key holds it. */
static void
sess_key_set(struct bfd_session *s, const struct bfd_session_cfg *c)
{
	if (!secret_eq(&s->key, &c->auth_key))	/* another key: a new sequence */
		s->rcv_seq_known = false;
	secret_copy(&s->key, &c->auth_key);
	s->auth = !secret_empty(&s->key);
	secret_wipe(&s->cfg.auth_key);
}

static uint32_t
bfd_discr_new(struct bfd *b)
{
	uint32_t	 d;

	do
		d = bfd_rand(b);
	while (d == 0 || sess_find_discr(b, d) != NULL);
	return d;
}

struct sess_add_args {
	const struct bfd_session_cfg	*cfg;
	bfd_state_fn			 cb;
	void				*arg;
	struct bfd_session		**out;
};

static int
sess_add_io(struct bfd *b, void *v)
{
	struct sess_add_args		*a = v;
	const struct bfd_session_cfg	*cfg = a->cfg;
	struct bfd_session		*s;
	char				 nm[64];
	int				 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->bfd = b;
	s->cfg = *cfg;
	s->txfd = -1;
	s->cb = a->cb;
	s->cb_arg = a->arg;
	sess_key_set(s, cfg);
	s->xmit_seq = bfd_rand(b);	/* RFC 5880 6.8.1: random start */
	if ((rc = rxsock_get(b, cfg->peer.family, cfg_port(cfg), &s->rx)) != 0) {
		secret_wipe(&s->key);
		free(s);
		return rc;
	}
	bfd_fsm_init(&s->fsm, bfd_discr_new(b), cfg->min_tx_ms * 1000,
	    cfg->min_rx_ms * 1000, cfg->multiplier);
	uv_timer_init(&b->io_loop, &s->tx_timer);
	uv_timer_init(&b->io_loop, &s->detect_timer);
	s->tx_timer.data = s->detect_timer.data = s;
	s->open_handles = 2;
	TAILQ_INSERT_TAIL(&b->sessions, s, entry);
	if ((rc = sess_txsock_open(s)) != 0)
		log_warn(LOG_MOD_BFD, "bfd %s: cannot open socket: %s (retrying)",
		    sess_name(s, nm, sizeof(nm)), strerror(-rc));
	s->txfd_warned = rc != 0;
	/* First packet at once: nothing to wait for in Down. */
	s->tx_next_us = mono_us();
	timer_arm_at(&s->tx_timer, sess_tx_cb, s->tx_next_us);
	log_info(LOG_MOD_BFD, "bfd %s: session added (tx %u ms, rx %u ms, x%u%s)",
	    sess_name(s, nm, sizeof(nm)), cfg->min_tx_ms, cfg->min_rx_ms,
	    cfg->multiplier, s->auth ? ", keyed SHA1" : "");
	if (a->out)
		*a->out = s;
	return 0;
}

int
bfd_session_add(struct bfd *b, const struct bfd_session_cfg *cfg, bfd_state_fn cb,
    void *arg, struct bfd_session **out)
{
	struct sess_add_args	 a = { cfg, cb, arg, out };
	int			 rc;

	if ((rc = bfd_session_cfg_check(cfg)) != 0)
		return rc;
	return bfd_call(b, sess_add_io, &a);
}

/* Tell the peer we are going away (RFC 5880 6.8.16), then release it all. */
static void
sess_destroy(struct bfd_session *s)
{
	struct bfd	*b = s->bfd;

	if (s->dead)
		return;
	bfd_fsm_admin(&s->fsm, true);
	sess_send(s, false);
	s->dead = true;
	TAILQ_REMOVE(&b->sessions, s, entry);
	bfd_evt_purge(b, s);
	sess_txsock_close(s);
	rxsock_put(s->rx);
	uv_timer_stop(&s->tx_timer);
	uv_timer_stop(&s->detect_timer);
	bfd_handle_close((uv_handle_t *)&s->tx_timer, sess_handle_closed);
	bfd_handle_close((uv_handle_t *)&s->detect_timer, sess_handle_closed);
}

static int
sess_del_io(struct bfd *b, void *v)
{
	struct bfd_session	*s = v;
	char			 nm[64];

	if (s->dead)
		return 0;
	log_info(LOG_MOD_BFD, "bfd %s: session deleted", sess_name(s, nm, sizeof(nm)));
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
	struct bfd_session		*s;
	const struct bfd_session_cfg	*cfg;
};

static int
sess_update_io(struct bfd *b, void *v)
{
	struct sess_update_args		*a = v;
	struct bfd_session		*s = a->s;
	const struct bfd_session_cfg	*cfg = a->cfg;
	struct bfd_rxsock		*rx;
	bool				 ident;
	uint8_t				 old = s->fsm.state;
	unsigned			 ev = 0;
	int				 rc;

	ident = ipaddr_cmp(&cfg->peer, &s->cfg.peer) != 0 ||
	    ipaddr_cmp(&cfg->local, &s->cfg.local) != 0 ||
	    strcmp(cfg->ifname, s->cfg.ifname) != 0 || cfg_port(cfg) != cfg_port(&s->cfg);
	if (ident) {
		/* Another path: say goodbye on the old one, start over. */
		if ((rc = rxsock_get(b, cfg->peer.family, cfg_port(cfg), &rx)) != 0)
			return rc;
		if (s->fsm.state != BFD_STATE_ADMIN_DOWN) {
			ev |= bfd_fsm_admin(&s->fsm, true);
			sess_send(s, false);
		}
		sess_txsock_close(s);
		rxsock_put(s->rx);
		s->rx = rx;
	}
	s->cfg = *cfg;
	s->ifindex = 0;
	sess_key_set(s, cfg);
	if (ident) {
		s->rcv_seq_known = false;
		if ((rc = sess_txsock_open(s)) != 0)
			s->txfd_warned = false;
		bfd_fsm_expire(&s->fsm);
		ev |= bfd_fsm_admin(&s->fsm, false);
		uv_timer_stop(&s->detect_timer);
	} else if (s->cfg.ifname[0]) {
		s->ifindex = if_nametoindex(s->cfg.ifname);
	}
	ev |= bfd_fsm_set_params(&s->fsm, cfg->min_tx_ms * 1000, cfg->min_rx_ms * 1000,
	    cfg->multiplier);
	sess_events(s, ev, old);
	return 0;
}

int
bfd_session_update(struct bfd_session *s, const struct bfd_session_cfg *cfg)
{
	struct sess_update_args	 a = { s, cfg };
	int			 rc;

	if ((rc = bfd_session_cfg_check(cfg)) != 0)
		return rc;
	return bfd_call(s->bfd, sess_update_io, &a);
}

struct sess_admin_args {
	struct bfd_session	*s;
	bool			 down;
};

static int
sess_admin_io(struct bfd *b, void *v)
{
	struct sess_admin_args	*a = v;
	uint8_t			 old = a->s->fsm.state;

	sess_events(a->s, bfd_fsm_admin(&a->s->fsm, a->down), old);
	return 0;
}

void
bfd_session_admin(struct bfd_session *s, bool admin_down)
{
	struct sess_admin_args	 a = { s, admin_down };

	bfd_call(s->bfd, sess_admin_io, &a);
}

struct sess_state_args {
	const struct bfd_session	*s;
	struct bfd_session_state	*st;
};

static int
sess_state_io(struct bfd *b, void *v)
{
	struct sess_state_args		*a = v;
	const struct bfd_session	*s = a->s;
	struct bfd_session_state	*st = a->st;

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
	return 0;
}

void
bfd_session_state_get(const struct bfd_session *s, struct bfd_session_state *st)
{
	struct sess_state_args	 a = { s, st };

	bfd_call(s->bfd, sess_state_io, &a);
}

int
bfd_session_foreach(struct bfd *b, bfd_session_fn fn, void *arg)
{
	struct bfd_session	*s, *next;
	int			 rc;

	/* On the owner's thread: membership changes only inside bfd_call(). */
	for (s = TAILQ_FIRST(&b->sessions); s; s = next) {
		next = TAILQ_NEXT(s, entry);
		if ((rc = fn(s, arg)) != 0)
			return rc;
	}
	return 0;
}
