/* failover/bfd_session_local.h - the BFD session layer's private types, shared by bfd_session.c and bfd_net.c. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_BFD_SESSION_LOCAL_H
#define HGW_FAILOVER_BFD_SESSION_LOCAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "failover/bfd.h"
#include "failover/bfd_local.h"
#include "lib/mailbox.h"
#include "lib/secret.h"

/*
 * bfd_session.c: the public calls, the BFD thread and its mailboxes,
 * timers and the events of the state machine. bfd_net.c: sockets, keyed
 * SHA1, transmit, receive and demultiplexing. Everything here runs on the
 * BFD thread (or on the owner's while it waits in a call).
 */
#define BFD_RX_BATCH 64	  /* datagrams read per wakeup */
#define BFD_TOS	     0xc0 /* CS6, network control */

struct bfd_rxsock {
	LIST_ENTRY(bfd_rxsock) entry;
	struct bfd *bfd;
	uv_poll_t   poll; /* closed by bfd_rxsock_put() */
	int	    fd;
	uint8_t	    family;
	uint16_t    port;
	unsigned    refs; /* sessions using it */
	bool	    closing;
};

struct bfd_session {
	TAILQ_ENTRY(bfd_session) entry;
	struct bfd	      *bfd;
	struct bfd_session_cfg cfg;	/* auth_key wiped here: kept in key */
	unsigned	       ifindex; /* of cfg.ifname; 0 = not resolved/none */
	struct bfd_fsm	       fsm;
	struct bfd_rxsock     *rx;
	int		       txfd; /* -1 until the socket could be opened */
	bool		       txfd_warned;
	uv_timer_t	       tx_timer, detect_timer; /* closed by sess_destroy() */
	uint64_t	       tx_next_us; /* deadline of the next periodic packet */
	uint64_t	       last_rx_us;
	bfd_state_fn	       cb;
	void		      *cb_arg;
	/* RFC 5880 6.7.4 keyed SHA1; never logged */
	bool	      auth;
	struct secret key; /* at most BFD_SHA1_LEN, zero padded */
	uint32_t      xmit_seq, rcv_seq;
	bool	      rcv_seq_known;
	uint64_t      pkts_in, pkts_out, pkts_dropped;
	uint64_t      changed_us; /* last Up/Down change */
	int	      open_handles;
	bool	      dead; /* deleted; memory goes with the last close */
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
	uv_loop_t *loop;    /* the owner's: callbacks run there */
	uv_loop_t  io_loop; /* BFD's own, run by io_thread */
	/* Both directions are lib/mailbox, whose wakeup is an eventfd polled
	 * on the receiving loop, not a uv_async_t: libuv 1.44's async receiver
	 * spins (pause, sched_yield) while a sender is between its two steps;
	 * the SCHED_FIFO BFD thread receiving calls, having preempted the
	 * sender on the same CPU, spun until the RT throttle (~1 s) - a
	 * priority inversion. An eventfd has no such window. */
	struct mailbox *cmds; /* owner -> BFD thread (calls), on io_loop */
	struct mailbox *evts; /* BFD thread -> owner (posts), on loop */
	pthread_t	io_thread;
	bool		closing;
	/* The BFD thread's alone, or the owner's while it waits in bfd_call().
	 * Only bfd_call()ed functions add or remove sessions, so the owner may
	 * walk the list between calls. */
	TAILQ_HEAD(, bfd_session) sessions;
	LIST_HEAD(, bfd_rxsock) rxsocks;
	uint64_t rng;
	uint64_t rx_unmatched; /* dropped before a session was known */
};

/* bfd_session.c */
uint32_t    bfd_rand(struct bfd *);
const char *bfd_sess_name(const struct bfd_session *, char *buf, size_t len);
uint16_t    bfd_cfg_port(const struct bfd_session_cfg *);
/* Act on what the fsm reported (old_state: before the call). */
void bfd_sess_events(struct bfd_session *, unsigned ev, uint8_t old_state);
/* Close a handle we own; one closed already (loop_fini) counts as done. */
void bfd_handle_close(uv_handle_t *, uv_close_cb);

/* bfd_net.c */
/* The shared receive socket of (family, port), with a reference. */
int  bfd_rxsock_get(struct bfd *, uint8_t family, uint16_t port, struct bfd_rxsock **);
void bfd_rxsock_put(struct bfd_rxsock *);
/* Read what is queued (a bounded batch) and process each packet. */
void bfd_rxsock_read(struct bfd_rxsock *);
int  bfd_sess_txsock_open(struct bfd_session *);
void bfd_sess_txsock_close(struct bfd_session *);
/* One control packet now (final: with F, answering a Poll). */
void		    bfd_sess_send(struct bfd_session *, bool final);
struct bfd_session *bfd_sess_find_discr(struct bfd *, uint32_t discr);

#endif
