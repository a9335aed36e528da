/* bgp/bgp.h - the BGP-4 speaker's public interface: instance, peers, export, state. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_BGP_BGP_H
#define HGW_BGP_BGP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/prefix.h"
#include "lib/secret.h"

/*
 * The speaker knows nothing of the kernel or of YANG. Paths it learns go to
 * the route manager through the hooks given at bgp_new(); what it advertises
 * comes from bgp_export_*() calls the route manager makes (DESIGN.md 2).
 * All calls on the loop thread. bgp_attrs are interned and refcounted; the
 * route manager sees them only as struct rib_attr (same pointer).
 */
struct bgp;
struct bgp_peer;
struct bgp_attrs;

/* What the route manager needs from a received path (mirrors rib_path_info). */
struct bgp_path_info {
	struct ipaddr	  nexthop;
	uint32_t	  local_pref;
	bool		  has_med;
	uint32_t	  med;
	uint8_t		  origin;
	uint16_t	  as_path_len;
	uint32_t	  neighbor_as;
	bool		  ebgp;
	uint32_t	  peer_router_id;
	struct ipaddr	  peer_addr;
	struct bgp_attrs *attrs; /* borrowed for the duration of the call */
};

/*
 * Hook semantics (bgp/bgp_fsm.c, bgp_adj_in.c):
 * - path_add is called only when a path is new or changed (the same UPDATE
 *   again is silent), and for a stale path that is received again (GR).
 * - session(false) comes before the path_del calls of a lost session. With
 *   graceful restart (RFC 4724: the TCP session dropped without a
 *   NOTIFICATION and both sides have the capability) it is deferred:
 *   stale(mark) comes instead and the paths stay; if the peer is back in
 *   time, End-of-RIB sweeps what it did not resend (path_del each, then
 *   stale(sweep)); otherwise the restart time ends with path_del for each,
 *   stale(sweep), then session(false).
 * - bgp_peer_del() and bgp_free() call session(false) and path_del for every
 *   path of the peer before returning: remove the route source afterwards.
 * - export_sync runs inside the transition to Established; the speaker
 *   sends End-of-RIB once what it announced has been packed and sent.
 * - With the adj_in_* hooks set (all four), the route manager's paths of the
 *   source ARE the Adj-RIB-In and the speaker keeps no prefix table of its
 *   own: path_add then comes for every received path, unchanged ones too
 *   (the route manager ignores a repeat and clears its stale mark), a path
 *   to be replaced is simply added again (implicit withdraw), path_del may
 *   name a prefix the source does not have, a lost session without GR calls
 *   adj_in_flush instead of path_del per path, and GR sweeps call
 *   adj_in_sweep per family before stale(sweep). Without them (unit tests,
 *   the bgp-ingest bench) the speaker keeps its own table.
 */
typedef int (*bgp_adj_in_fn)(const struct prefix *, struct bgp_attrs *, bool stale, void *arg);
struct bgp_hooks {
	void (*path_add)(void *arg, uint32_t rib_source, const struct prefix *,
	    const struct bgp_path_info *);
	void (*path_del)(void *arg, uint32_t rib_source, const struct prefix *);
	/* Established (true) or left it (false); reason is a short text. */
	void (*session)(void *arg, uint32_t rib_source, bool established, bool hold_expired);
	/* Graceful restart: paths of the source are stale / stale ones to sweep. */
	void (*stale)(void *arg, uint32_t rib_source, bool mark /* false = sweep */);
	/* Session is Established and wants the full export set (EoR follows). */
	void (*export_sync)(void *arg, uint32_t rib_source);
	/* Adj-RIB-In kept by the route manager (optional, see above). */
	uint32_t (*adj_in_count)(void *arg, uint32_t rib_source, uint8_t family /* 0 = all */);
	/* In prefix order; fn returns non-zero to stop (returned). */
	int (*adj_in_walk)(void *arg, uint32_t rib_source, bgp_adj_in_fn fn, void *fn_arg);
	void (*adj_in_flush)(void *arg, uint32_t rib_source);
	/* Remove the stale paths of family (0 = all); returns stale paths left. */
	uint32_t (*adj_in_sweep)(void *arg, uint32_t rib_source, uint8_t family);
	/* Is addr one of this gateway's own addresses (RFC 4271 6.3)? Optional:
	 * without it no next hop is checked. Called per UPDATE and family. */
	bool (*nexthop_local)(void *arg, const struct ipaddr *addr);
};

struct bgp_global_cfg {
	uint32_t local_as;
	uint32_t router_id; /* host order */
};

enum bgp_maxpfx_action { BGP_MAXPFX_TEARDOWN, BGP_MAXPFX_WARNING };

/* The speaker copies the config it is given (bgp_peer_add/update) and wipes
 * its copy of the key when the peer goes; the caller wipes its own. */
struct bgp_peer_cfg {
	char		       name[64]; /* for logs and show */
	struct ipaddr	       remote;
	struct ipaddr	       local;	   /* source address to bind; family 0 = any */
	char		       ifname[16]; /* bind to device (link-local peers); "" none */
	uint32_t	       remote_as;
	uint32_t	       local_as;      /* 0 = the global AS */
	uint16_t	       hold_time;     /* 0 or 3..65535, default 90 */
	uint16_t	       connect_retry; /* seconds, default 5 */
	bool		       passive;
	struct secret	       md5_key;	     /* RFC 2385; empty = none; never logged */
	uint8_t		       ttl_security; /* GTSM: 0 off, else max hops (1 = direct) */
	uint32_t	       max_prefix;   /* both families together; 0 = unlimited */
	uint32_t	       max_prefix4;  /* IPv4 unicast alone; 0 = unlimited */
	uint32_t	       max_prefix6;  /* IPv6 unicast alone; 0 = unlimited */
	enum bgp_maxpfx_action max_prefix_action;
	uint16_t	       max_prefix_restart; /* seconds before reconnect after teardown */
	/* Memory the peer's routes and the attribute sets it created may pin
	 * (bytes, an estimate: bgp_peer_pinned()); above it Cease/8 (out of
	 * resources) and a reconnect after max_prefix_restart. 0 = unlimited. */
	uint64_t max_memory;
	bool	 ipv4_unicast, ipv6_unicast;
	bool	 graceful_restart;
	uint16_t gr_restart_time; /* seconds */
	uint32_t mrai_ms;	  /* minimum route advertisement interval */
	uint8_t	 export_prepend;  /* extra own-AS copies on export */
	uint32_t rib_source;	  /* route manager source id for this peer */
	uint32_t port;		  /* 0 = 179; tests may use another */
};

struct bgp *bgp_new(uv_loop_t *, const struct bgp_global_cfg *, const struct bgp_hooks *,
    void *hooks_arg);
void	    bgp_free(struct bgp *);	  /* sends CEASE to every peer */
void	    bgp_stop_begin(struct bgp *); /* peers deleted from now on end as at bgp_free */
int	    bgp_global_set(struct bgp *, const struct bgp_global_cfg *);
/* Listen on port (0 = 179) on all addresses of the namespace:
 * bgp_listener_open + bgp_listener_install; -EALREADY when listening. */
int bgp_listen(struct bgp *, uint16_t port);
/*
 * The same in two steps, for a config transaction: open (may fail: the
 * port is taken) in its prepare phase, install (cannot fail; the previous
 * listener, if any, is closed and the peers' TCP MD5 keys are set on the
 * new one) in apply, or free in abort. Open succeeds when at least one
 * family listens. Nothing is accepted before install.
 */
struct bgp_listener;
int  bgp_listener_open(struct bgp *, uint16_t port, struct bgp_listener **);
void bgp_listener_install(struct bgp *, struct bgp_listener *); /* ownership taken */
void bgp_listener_free(struct bgp_listener *);

int bgp_peer_add(struct bgp *, const struct bgp_peer_cfg *, struct bgp_peer **);
/* Apply a changed config; resets the session only when a session parameter changed. */
int		 bgp_peer_update(struct bgp_peer *, const struct bgp_peer_cfg *);
void		 bgp_peer_del(struct bgp_peer *); /* CEASE, then free */
struct bgp_peer *bgp_peer_find(struct bgp *, const struct ipaddr *remote);
/* Clear: hard (CEASE/admin reset, reconnect) or soft (ROUTE-REFRESH in, resend out). */
int bgp_peer_clear(struct bgp_peer *, bool soft);

/* Export (called by the route manager). attrs NULL = locally originated
 * (ORIGIN IGP, empty AS_PATH). Updates are packed and paced by MRAI. */
void bgp_export_announce(struct bgp_peer *, const struct prefix *, struct bgp_attrs *);
void bgp_export_withdraw(struct bgp_peer *, const struct prefix *);

/* An address of the gateway appeared (added) or vanished: received routes
 * whose next hop is addr are ignored from now on, or accepted again
 * (RFC 4271 6.3). Call after nexthop_local answers the new way. */
void bgp_local_addr_changed(struct bgp *, const struct ipaddr *addr, bool added);

void bgp_attrs_get(struct bgp_attrs *);
void bgp_attrs_put(struct bgp_attrs *);

/* State, for show and the YANG operational tree. */
struct bgp_peer_state {
	const char   *name;
	struct ipaddr remote, local;
	uint32_t      remote_as, local_as;
	const char   *state;		 /* "Idle", "Connect", ..., "Established" */
	uint64_t      established_at_ms; /* mono_ms(), 0 if not */
	uint32_t      remote_router_id;
	uint16_t      hold_time, keepalive; /* negotiated */
	char	      last_error[96];	    /* e.g. "sent NOTIFICATION 6/2 (admin shutdown)" */
	uint64_t      msgs_in, msgs_out, updates_in, updates_out;
	uint32_t      pfx_received, pfx_accepted, pfx_advertised;
	uint64_t      mem_pinned; /* bgp_peer_pinned() */
	uint32_t      flaps;
	bool	      four_octet_as, route_refresh, graceful_restart, ext_msg;
};
void bgp_peer_state_get(const struct bgp_peer *, struct bgp_peer_state *);
/* The memory the peer pins, as max_memory counts it: its received routes
 * (a fixed cost each) and the attribute sets its UPDATEs created. */
uint64_t bgp_peer_pinned(const struct bgp_peer *);
typedef int (*bgp_peer_fn)(struct bgp_peer *, void *arg);
int bgp_peer_foreach(struct bgp *, bgp_peer_fn, void *arg);

/* Adj-RIB-In / Adj-RIB-Out walks for "show bgp neighbor X received|advertised". */
struct bgp_route_view {
	const struct prefix *prefix;
	struct ipaddr	     nexthop;
	const char	    *as_path; /* "65001 65002 {65003}" */
	uint32_t	     local_pref, med;
	bool		     has_med;
	uint8_t		     origin;
	bool		     stale;
	bool		     accepted; /* false: treat-as-withdraw or filtered */
};
typedef int (*bgp_route_fn)(const struct bgp_route_view *, void *arg);
int bgp_peer_adj_in_walk(struct bgp_peer *, bgp_route_fn, void *arg);
int bgp_peer_adj_out_walk(struct bgp_peer *, bgp_route_fn, void *arg);

#endif
