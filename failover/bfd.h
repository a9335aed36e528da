/* failover/bfd.h - BFD (RFC 5880/5881 single-hop asynchronous) sessions for path health. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_BFD_H
#define HGW_FAILOVER_BFD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/prefix.h"
#include "lib/secret.h"

/*
 * One bfd instance owns the UDP sockets (port 3784, TTL 255 both ways,
 * RFC 5881) and every session. A session reports Up/Down through the
 * callback given at bfd_session_add(); the route manager turns that into
 * rib_source_bfd(). All calls on the loop thread.
 *
 * Internally the sessions run on a thread and loop of their own, so that a
 * busy control-plane loop cannot delay a packet or a detection; calls wait
 * for that thread (microseconds), and the callback runs on the loop given to
 * bfd_new(), soon after the change (it never runs inside a bfd_* call).
 */
struct bfd;
struct bfd_session;

/* bfd_session_add/update copy the key into the session (wiped when it goes);
 * the caller wipes its own cfg's. */
struct bfd_session_cfg {
	struct ipaddr peer;
	struct ipaddr local;	  /* source address; family 0 = any */
	char	      ifname[16]; /* bind to device; "" = none */
	uint32_t      min_tx_ms;  /* desired min TX interval */
	uint32_t      min_rx_ms;  /* required min RX interval */
	uint8_t	      multiplier;
	struct secret auth_key; /* keyed SHA1 (RFC 5880 6.7.4); empty = none; never logged */
	uint8_t	      auth_key_id;
	uint16_t      port; /* 0 = 3784; tests may use another */
};

/* up: session reached Up (true) or left Up (false); diag is RFC 5880 4.1. */
typedef void (*bfd_state_fn)(void *arg, struct bfd_session *, bool up, uint8_t diag);

/* What bfd_session_add/update would refuse, for a config validate phase:
 * 0, or -EINVAL (no peer, families differ, multiplier or min_tx 0, an
 * interval above 4294967 ms, auth_key longer than 20 bytes - the keyed SHA1
 * key field, RFC 5880 4.4). */
int bfd_session_cfg_check(const struct bfd_session_cfg *);

struct bfd *bfd_new(uv_loop_t *);
void	    bfd_free(struct bfd *); /* AdminDown to every peer, then close */
int  bfd_session_add(struct bfd *, const struct bfd_session_cfg *, bfd_state_fn, void *arg,
     struct bfd_session **);
int  bfd_session_update(struct bfd_session *, const struct bfd_session_cfg *);
void bfd_session_del(struct bfd_session *); /* AdminDown, then free */
void bfd_session_admin(struct bfd_session *, bool admin_down);

struct bfd_session_state {
	struct ipaddr peer, local;
	const char   *ifname;
	const char   *state; /* "AdminDown" "Down" "Init" "Up" */
	const char   *remote_state;
	uint32_t      local_discr, remote_discr;
	uint32_t      tx_interval_ms; /* negotiated */
	uint32_t      detect_time_ms;
	uint8_t	      last_diag;
	const char   *last_diag_str;
	uint32_t      up_transitions;
	uint64_t      pkts_in, pkts_out, pkts_dropped;
	uint64_t      changed_us; /* mono_us() of the last Up/Down change; 0 = none */
	uint64_t      last_rx_us; /* mono_us() of the last packet taken; 0 = none */
};
void bfd_session_state_get(const struct bfd_session *, struct bfd_session_state *);
/* fn may delete the session it is given; a non-zero return stops the walk. */
typedef int (*bfd_session_fn)(struct bfd_session *, void *arg);
int bfd_session_foreach(struct bfd *, bfd_session_fn, void *arg);

#endif
