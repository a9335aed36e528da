/* failover/rib.h - the route manager's public interface: sources, paths, health, export. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_RIB_H
#define HGW_FAILOVER_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/prefix.h"

/*
 * The RIB turns paths from the circuit, the VPN and the LAN into one
 * forwarding decision per prefix (DESIGN.md section 3) and programs the FIB.
 * It knows nothing of BGP wire formats: a BGP-learned path carries the few
 * attributes selection needs, plus an opaque, refcounted handle that the RIB
 * hands back to the exporter untouched. All calls happen on the loop thread.
 */
struct rib;

enum rib_class { /* the connection class a path arrived through */
	RIB_CLASS_LAN,
	RIB_CLASS_CIRCUIT,
	RIB_CLASS_VPN,
};

enum rib_vpn_role { /* for RIB_CLASS_VPN sources */
	RIB_VPN_NONE,
	RIB_VPN_CLOUD, /* backup path to the circuit's cloud */
	RIB_VPN_SITE,  /* a branch reachable only by VPN */
};

enum rib_pref_mode { RIB_PREF_CIRCUIT, RIB_PREF_VPN, RIB_PREF_ASPATH };

/* Why a source's health changed; recorded in the failover journal. */
enum rib_trigger {
	RIB_TRIG_ADMIN,
	RIB_TRIG_BGP_UP,
	RIB_TRIG_BGP_DOWN,
	RIB_TRIG_HOLD_TIMER,
	RIB_TRIG_BFD_UP,
	RIB_TRIG_BFD_DOWN,
	RIB_TRIG_LINK,
	RIB_TRIG_DPD,
	RIB_TRIG_TUNNEL_UP,
	RIB_TRIG_TUNNEL_DOWN,
	RIB_TRIG_DRAIN,
	RIB_TRIG_FAILBACK, /* a damped source's failback delay ran out */
};

/* Opaque exporter-owned attribute handle (a BGP attribute set). */
struct rib_attr;
struct rib_attr_ops {
	void (*get)(struct rib_attr *); /* take a reference */
	void (*put)(struct rib_attr *); /* drop a reference */
};

struct rib_policy {
	enum rib_pref_mode mode;
	uint32_t	   failback_delay_s;
	uint8_t		   maximum_paths;    /* 1..64 */
	bool		   allow_transit;    /* circuit/cloud routes onto the circuit */
	bool		   branch_to_branch; /* site routes to other site peers */
};

struct fib;
struct rib_cfg {
	struct fib		  *fib; /* borrowed; NULL = decide only, program nothing */
	struct rib_policy	   policy;
	const struct rib_attr_ops *attr_ops; /* may be NULL: no BGP attributes */
};

/* A source is one transport that produces paths: a circuit link's BGP
 * session, a tunnel (its BGP session and/or static prefixes), a LAN peer, the
 * configured local prefixes. Health gating applies per source. */
struct rib_source_cfg {
	const char	 *name;	      /* e.g. "circuit er1 link primary"; copied */
	const char	 *connection; /* circuit / vpn-connection name; copied */
	enum rib_class	  cls;
	enum rib_vpn_role role;
	bool		  needs_bfd;	/* eligible only while BFD is up */
	bool		  needs_bgp;	/* eligible only while BGP is Established */
	bool		  needs_tunnel; /* eligible only while the Child SA is up */
	struct ipaddr	  nexthop;	/* default forwarding next hop (static paths) */
	char		  ifname[16];	/* egress interface, "" = resolve by next hop */
	uint32_t	  outbound_cap; /* circuit: max prefixes advertised, 0 = none */
	bool		  no_fib;	/* never programmed (configured local prefixes);
						 * also implied by a path with neither a next
						 * hop nor the source's ifname */
};

/* What selection needs from a path (RFC 4271 9.1.2.2 inputs). */
struct rib_path_info {
	struct ipaddr	 nexthop;   /* forwarding next hop */
	bool		 is_static; /* configured, beats BGP within the class */
	uint32_t	 local_pref;
	bool		 has_med;
	uint32_t	 med;
	uint8_t		 origin;      /* 0 IGP, 1 EGP, 2 INCOMPLETE */
	uint16_t	 as_path_len; /* AS_SET counts 1 (RFC 4271 9.1.2.2 a) */
	uint32_t	 neighbor_as; /* leftmost AS, for MED comparison */
	bool		 ebgp;
	uint32_t	 peer_router_id;
	struct ipaddr	 peer_addr;
	struct rib_attr *attr; /* borrowed; the RIB takes its own ref */
};

typedef uint32_t rib_source_id; /* 0 is never a valid id */

struct rib *rib_new(const struct rib_cfg *); /* NULL on error */
void	    rib_free(struct rib *);
/* Replace the policy; reselects every prefix. */
void rib_policy_set(struct rib *, const struct rib_policy *);
/* Shutdown: push what is batched, then stop programming the FIB, so that
 * tearing sessions and sources down leaves the kernel as it was (the next
 * run adopts it). Selection goes on without a FIB, as with cfg.fib NULL. */
void rib_fib_detach(struct rib *);

/* Sources. A new source starts unhealthy, unless it needs nothing (no
 * needs_*: configured local prefixes), which is healthy from the start.
 * Removing one withdraws its paths. */
int rib_source_add(struct rib *, const struct rib_source_cfg *, rib_source_id *);
int rib_source_del(struct rib *, rib_source_id);
/* Transport health inputs; the RIB combines them per source (see needs_*). */
void rib_source_bgp(struct rib *, rib_source_id, bool established, enum rib_trigger);
void rib_source_bfd(struct rib *, rib_source_id, bool up);
void rib_source_tunnel(struct rib *, rib_source_id, bool up, enum rib_trigger);
/* Carrier/admin state of an interface (forward fib_events.link here): every
 * source whose ifname matches is unhealthy while it is down (trigger link).
 * Interfaces are presumed up until told otherwise. */
void rib_link(struct rib *, const char *ifname, bool up);
/* Administrative drain: the source stays up but is not preferred. */
void rib_source_drain(struct rib *, rib_source_id, bool drained);

/* Paths: one per (source, prefix); adding again replaces. */
int  rib_path_add(struct rib *, rib_source_id, const struct prefix *,
     const struct rib_path_info *);
void rib_path_del(struct rib *, rib_source_id, const struct prefix *);
/* Graceful restart / refresh support: mark all paths of a source stale, then
 * sweep those not re-added. Static paths (the source's configured prefixes,
 * not the session's) are never marked. */
void rib_source_mark_stale(struct rib *, rib_source_id);
void rib_source_sweep_stale(struct rib *, rib_source_id);

/*
 * A BGP source's paths are its session's Adj-RIB-In (the speaker keeps no
 * copy): adding a path again replaces it (implicit withdraw; an unchanged
 * one is a no-op apart from clearing its stale mark), and these read and
 * trim it. They see only the source's non-static paths (its configured
 * prefixes are not the session's). family 0 = both.
 */
uint32_t rib_source_path_count(const struct rib *, rib_source_id, uint8_t family);
/* The source's non-static paths in prefix order, with their attribute
 * handle and stale mark. cb returns non-zero to stop (returned);
 * -ENOMEM if the sort array cannot be had. cb must not change the RIB. */
typedef int (*rib_source_path_fn)(void *arg, const struct prefix *, struct rib_attr *,
    bool				stale);
int rib_source_path_walk(struct rib *, rib_source_id, rib_source_path_fn, void *arg);
/* A BGP withdraw: remove the source's path for the prefix unless it is
 * static (a peer withdrawing what it never sent leaves the configuration). */
void rib_path_withdraw(struct rib *, rib_source_id, const struct prefix *);
/* Withdraw every non-static path of the source; the source stays. */
void rib_source_flush(struct rib *, rib_source_id);
/* Sweep the stale non-static paths of one family (0 = all); returns those left. */
uint32_t rib_source_sweep_stale_af(struct rib *, rib_source_id, uint8_t family);

/*
 * Export targets: each BGP peer that receives routes. The RIB computes the
 * set for the target's role (DESIGN.md 3, Advertisement) and calls announce
 * and withdraw as the set changes; attr is NULL for local/static origins.
 * attr is borrowed for the call (take a reference to keep it). announce and
 * withdraw must not call back into the RIB.
 */
enum rib_export_role { RIB_EXP_CIRCUIT, RIB_EXP_VPN_CLOUD, RIB_EXP_VPN_SITE, RIB_EXP_LAN };
struct rib_export_ops {
	void (*announce)(void *ctx, const struct prefix *, struct rib_attr *attr);
	void (*withdraw)(void *ctx, const struct prefix *);
};
struct rib_export_cfg {
	enum rib_export_role	     role;
	rib_source_id		     own_source; /* never export routes back to it */
	uint32_t		     cap; /* max prefixes, 0 = own source's outbound_cap */
	const struct rib_export_ops *ops;
	void			    *ctx;
	const char		    *name; /* for alarms and show; copied; may be NULL */
};
typedef uint32_t rib_export_id;
int		 rib_export_add(struct rib *, const struct rib_export_cfg *, rib_export_id *);
void		 rib_export_del(struct rib *, rib_export_id);
/* Replay the whole set to a target (session came up, route refresh). */
void rib_export_resync(struct rib *, rib_export_id);
/* Change a target's cap in place (0 = own source's outbound_cap): withdraws
 * what no longer fits before announcing what now does; alarm updated. */
void rib_export_cap_set(struct rib *, rib_export_id, uint32_t cap);

/*
 * Background work. Health losses are repaired at once by rewriting the
 * affected nexthop groups (O(groups)); everything per prefix (selection,
 * regrouping, export) is queued and run in chunks from a uv_idle handle on
 * loop_get(). Without a loop (unit tests) nothing runs by itself: call
 * rib_settle(). rib_settle() may also be called with a loop (e.g. at exit).
 */
void   rib_settle(struct rib *);	/* run all queued work now */
size_t rib_pending(const struct rib *); /* prefixes queued (upper bound) */
/* Tests: drive failback timers by hand. Once called, the RIB uses this
 * clock (milliseconds, monotonic) instead of mono_ms() and fires due
 * failback timers from here rather than from uv timers. */
void rib_clock_set_for_test(struct rib *, uint64_t now_ms);
/* The FIB refused a route (forward fib_events.route_error here); shown in
 * rib_route_walk() until the route is programmed again. */
void rib_fib_error(struct rib *, const struct prefix *, int err);
/* For fib_events.route_wanted and .group_back: does prefix still point at
 * FIB group fib_grp; set every route of group fib_grp again. */
bool rib_fib_route_wanted(const struct rib *, const struct prefix *, uint32_t fib_grp);
void rib_fib_group_back(struct rib *, uint32_t fib_grp);

/* Drain every source of a connection (maintenance); -ENOENT if none. */
int rib_connection_drain(struct rib *, const char *connection, bool drained);

/* ---- State for show / NETCONF (all strings borrowed for the callback) ---- */
#define RIB_NH_MAX 64
const char *rib_class_name(enum rib_class);	/* "lan" "circuit" "vpn" */
const char *rib_trigger_name(enum rib_trigger); /* YANG enum names */

struct rib_route_state {
	struct prefix  prefix;
	bool	       has_active;
	enum rib_class active_class;
	const char    *active_source; /* NULL when !has_active */
	bool	       local;	      /* active path is never programmed */
	size_t	       n_active;
	struct ipaddr  active_nh[RIB_NH_MAX];
	bool	       has_backup;
	enum rib_class backup_class;
	size_t	       n_backup;
	struct ipaddr  backup_nh[RIB_NH_MAX];
	bool	       has_backup_via; /* backup is a covering prefix's path */
	struct prefix  backup_via;
	int64_t	       since;		   /* wall clock seconds of last active change */
	uint32_t       fib_group;	   /* 0 = not programmed */
	size_t	       n_fib_nh;	   /* what that group forwards to now */
	struct ipaddr  fib_nh[RIB_NH_MAX]; /* (differs from active_nh while a
							 * failover is being cleaned up) */
	int	       fib_error;	   /* last -errno from the FIB, 0 = none */
	bool	       pending;		   /* queued for re-selection */
};
/* Walk prefixes in prefix_cmp order; filter NULL = all, else only prefixes
 * contained in filter. cb returns non-zero to stop (returned). */
typedef int (*rib_route_fn)(void *arg, const struct rib_route_state *);
int rib_route_walk(struct rib *, const struct prefix *filter, rib_route_fn, void *arg);

/* Failover journal: one entry per health change of a source that carries
 * paths, failback and drain. Kept in a ring of RIB_JOURNAL_MAX entries. */
#define RIB_JOURNAL_MAX 256
struct rib_journal_entry {
	uint64_t	 id; /* 1, 2, ...; never reused */
	const char	*connection;
	const char	*source;
	enum rib_trigger trigger;
	enum rib_class	 from_class;	 /* the source's class */
	bool		 has_to;	 /* false: nothing moved */
	enum rib_class	 to_class;	 /* where most moved prefixes went */
	int64_t		 detected_us;	 /* wall clock, microseconds since epoch */
	int64_t		 switched_us;	 /* wall clock; 0 while still in progress */
	uint32_t	 switch_time_us; /* health input -> FIB switched (monotonic) */
	uint32_t	 prefixes_moved;
	uint32_t	 groups_rewritten;
};
typedef int (*rib_journal_fn)(void *arg, const struct rib_journal_entry *);
/* Oldest first; cb returns non-zero to stop. */
int rib_journal_walk(struct rib *, rib_journal_fn, void *arg);
/* Called once per entry when its FIB switch is complete (NETCONF notification).
 * One subscriber; fn NULL unsubscribes. The return value is ignored. */
void rib_journal_subscribe(struct rib *, rib_journal_fn, void *arg);

/* Path sources as they stand: what each waits for, and whether a failback
 * delay is running (the source is healthy again but not yet preferred). */
struct rib_source_state {
	const char    *name, *connection;
	enum rib_class cls;
	bool	       healthy;	       /* every input it needs is up */
	bool	       bgp_down;       /* needs BGP, not Established */
	bool	       bfd_down;       /* needs BFD, not Up */
	bool	       tunnel_down;    /* needs a tunnel, no Child SA */
	bool	       link_down;      /* its interface lost carrier */
	bool	       damped;	       /* healthy, failback delay running */
	uint32_t       failback_in_ms; /* damped: until it may be preferred */
	bool	       drained;
	size_t	       paths;
};
typedef int (*rib_source_fn)(void *arg, const struct rib_source_state *);
/* In the order the sources were added; cb returns non-zero to stop. */
int rib_source_walk(struct rib *, rib_source_fn, void *arg);

/* Outbound cap alarms: one per export target whose wanted set exceeds its cap. */
struct rib_alarm {
	rib_export_id	     target;
	const char	    *name; /* export cfg name or "" */
	enum rib_export_role role;
	uint32_t	     wanted, cap; /* withheld = wanted - cap */
	bool		     raised;	  /* walk: always true; subscriber: raised or cleared */
};
typedef int (*rib_alarm_fn)(void *arg, const struct rib_alarm *);
int rib_alarm_walk(struct rib *, rib_alarm_fn, void *arg);
/* Called when a target's alarm is raised or cleared (NETCONF notification).
 * One subscriber; fn NULL unsubscribes. The return value is ignored. */
void rib_alarm_subscribe(struct rib *, rib_alarm_fn, void *arg);

/* What-if: the prefixes whose active path would change if every source of
 * connection failed now (selection only; nothing changes). has_to false:
 * the prefix would have no path left. Returns the count or -ENOENT. */
struct rib_whatif {
	struct prefix  prefix;
	enum rib_class from_class;
	bool	       has_to;
	enum rib_class to_class;
	size_t	       n_nh;
	struct ipaddr  nh[RIB_NH_MAX];
};
typedef int (*rib_whatif_fn)(void *arg, const struct rib_whatif *);
int rib_whatif(struct rib *, const char *connection, rib_whatif_fn, void *arg);

struct rib_stats {
	uint64_t prefixes, paths, groups, nexthops, pending;
	uint64_t switches, groups_rewritten_total;
	uint64_t active[3]; /* prefixes by active class (enum rib_class) */
};
void rib_stats_get(const struct rib *, struct rib_stats *);

#endif
