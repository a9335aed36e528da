/* northbound/nb_notify.h - NETCONF notifications (RFC 5277 stream NETCONF) sent by the gateway's modules. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_NOTIFY_H
#define HGW_NB_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>

/*
 * Cheap: the event is built and handed to the process's sink. In hybridgwd
 * (loop thread) that is the channel to hybridgw-netconf, which sends it to
 * every subscribed session and keeps it for replay (so does hybridgwd, for
 * the next NETCONF process); in hybridgw-netconf (any thread) its queue.
 * Without a sink (no NETCONF) they are dropped silently. String arguments
 * are copied; NULL leaves the leaf out.
 */
struct nb_path_switch {
	uint64_t    id; /* journal entry id */
	const char *connection;
	const char *source;	/* "vpn cloudvpn tunnel t1"; NULL: none */
	const char *trigger;	/* "bfd-down", "drain", "failback", ... */
	const char *from_class; /* "lan" | "circuit" | "vpn" | NULL */
	const char *to_class;
	uint32_t    prefixes_moved;
	uint32_t    groups_rewritten;
	uint32_t    switch_time_us;
};
void nb_notify_path_switch(const struct nb_path_switch *);
/* BGP session Established (up) or left Established (down). */
void nb_notify_bgp_session(const char *neighbor, const char *name, bool up, const char *reason);
/* A circuit's outbound prefix cap was hit (raised) or no longer is (cleared). */
void nb_notify_outbound_cap(const char *circuit, bool raised, uint32_t limit, uint32_t wanted,
    uint32_t withheld);
/* An IPsec tunnel came up or went down (reason: vpn/'s name for it). */
void nb_notify_tunnel_state(const char *connection, const char *tunnel, const char *ifname,
    bool up, const char *reason, const char *detail);
/* Any notification tree of a module in nb_ctx() (top node = the notification).
 * Ownership is taken. 0, or -EINVAL/-ENOMEM (tree freed). */
int nb_notify_send(struct lyd_node *notif);

/* The sink takes the tree (frees it, also on failure); when: eventTime. */
typedef int (*nb_notify_sink_fn)(struct lyd_node *notif, const struct timespec *when);
void nb_notify_sink_set(nb_notify_sink_fn); /* NULL: drop */
bool nb_notify_enabled(void);

#endif
