/* gateway/gw_local.h - the gateway's private types: config specs, live paths, their legs, the reconcile. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_GATEWAY_GW_LOCAL_H
#define HGW_GATEWAY_GW_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "failover/bfd.h"
#include "failover/rib.h"
#include "lib/hash.h"
#include "northbound/northbound.h"
#include "vpn/vpn.h"

/* What the config says about one transport (circuit link, tunnel, LAN peer,
 * local). Holds keys: gw_spec_clear/gw_spec_move wipe them. */
struct gw_spec {
	char key[160];	/* "circuit/er1/primary", "vpn/x/t1", "lan/core1", "local" */
	char name[160]; /* human name for logs and state */
	char connection[64];
	struct rib_source_cfg  src; /* name/connection point into this spec */
	bool		       has_bgp;
	struct bgp_peer_cfg    bgp;
	bool		       has_bfd;
	struct bfd_session_cfg bfd;
	enum rib_export_role   exp_role;
	uint32_t	       exp_cap;
	struct prefix	      *statics; /* owned */
	size_t		       nstatic;
	bool		       has_tunnel; /* vpn/ runs it: the connection has ike */
	struct vpn_tunnel_cfg  vpn;	   /* its key wiped with the spec's */
};

struct gw_conf {
	uint32_t	  as, router_id, kernel_table;
	bool		  pic;
	uint16_t	  port;
	struct rib_policy policy;
	struct gw_spec	 *specs;
	size_t		  nspecs, cap;
};

/*
 * The legs a path may hold, each a resource of another module. The
 * reconcile brings them up in the order of gw_leg_up[] (the route source,
 * then the tunnel the sessions run inside, then BGP, export, BFD), and
 * takes them down (or updates them) in the order of gw_leg_down[]: the BGP
 * session ends before BFD says AdminDown, the tunnel after both, the route
 * source last.
 */
enum gw_leg {
	GW_LEG_SOURCE, /* route manager source (+ the path's static prefixes) */
	GW_LEG_BGP,    /* BGP peer */
	GW_LEG_EXPORT, /* route manager export target (what the peer is sent) */
	GW_LEG_BFD,    /* BFD session */
	GW_LEG_TUNNEL, /* vpn/ tunnel: its health gates the source */
	GW_LEG_N
};
extern const enum gw_leg gw_leg_up[GW_LEG_N];
extern const enum gw_leg gw_leg_down[GW_LEG_N];

/* A live path: its spec and the handles of its legs. */
struct gw_path {
	struct gw_spec	    spec;
	struct hash_node    knode; /* in gw_paths.bykey, by spec.key */
	struct hash_node    snode; /* in gw.by_src, by src, while in_by_src */
	bool		    in_by_src;
	rib_source_id	    src; /* 0: none */
	struct bgp_peer	   *peer;
	struct bfd_session *bfd;
	rib_export_id	    exp;
	bool		    has_exp;
	bool		    statics_in; /* every static was added to the RIB */
	void		   *tunnel;	/* the tunnel leg's (vpn/: struct vpn_tunnel) */
	bool		    gone;	/* a prepared plan tears it down */
};

/*
 * One kind of leg. prepare (optional) runs in the transaction's prepare
 * phase for a leg about to be created (old NULL) or changed: it takes what
 * may fail (a socket, a device) into *res, or returns -errno and the commit
 * is refused; abort gives back what prepare took. create, update and
 * destroy run in apply and cannot fail: a refusal is logged and leaves the
 * leg down (create and update own res). ctx is the reconcile's.
 */
struct gw_leg_ops {
	const char *name;
	bool (*wanted)(const struct gw_spec *);
	int (*prepare)(void *ctx, const struct gw_spec *spec, const struct gw_spec *old,
	    void **res, struct nb_err *err);
	void (*abort)(void *ctx, void *res);
	void (*create)(void *ctx, struct gw_path *, void *res);
	/* p->spec is the new spec already */
	void (*update)(void *ctx, struct gw_path *, const struct gw_spec *old, void *res);
	void (*destroy)(void *ctx, struct gw_path *);
};

/* The live paths and the legs that change them. */
struct gw_paths {
	const struct gw_leg_ops *legs[GW_LEG_N]; /* NULL: leg not wired */
	void			*ctx;
	/* Optional: p leaves the live set, before its legs go down (taking a
	 * BGP peer down runs hooks that look paths up: they must not find it). */
	void (*detach)(void *ctx, struct gw_path *);
	struct gw_path **v; /* in creation order */
	size_t		 n, cap;
	struct hash	 bykey; /* keys are unique among live paths */
};

/*
 * gw_reconcile.c: live paths against the specs of a new config, by key.
 * prepare plans it (which path is updated in place, created or torn down)
 * and runs the legs' prepare; apply carries it out (an unchanged path is
 * not touched, a changed one is updated in place, a removed or
 * incompatible one is torn down); abort gives back what prepare took and
 * changes nothing. The conf is the plan's on success (apply moves its
 * specs into the paths and frees it, abort frees it), the caller's on
 * failure.
 */
struct gw_plan;
int  gw_reconcile_prepare(struct gw_paths *, struct gw_conf *, struct gw_plan **,
     struct nb_err *);
void gw_reconcile_apply(struct gw_paths *, struct gw_plan *);
void gw_reconcile_abort(struct gw_paths *, struct gw_plan *);
/* Every path down (gw_leg_down order, last created first); the table is
 * empty and usable again. */
void		gw_paths_clear(struct gw_paths *);
struct gw_path *gw_paths_find(const struct gw_paths *, const char *key);

/* The running gateway (gateway.c). */
struct gw {
	struct fib	   *fib;
	struct rib	   *rib;
	struct bgp	   *bgp;
	struct bfd	   *bfd;
	struct vpn	   *vpn;
	uint32_t	    kernel_table, conf_as, conf_router_id;
	bool		    pic;	/* nexthop_compat_mode=0 */
	bool		    configured; /* first commit applied */
	bool		    stopping;	/* gateway_fini() under way */
	bool		    adopting;	/* adopted routes wait for fib_reconcile */
	size_t		    adopted;
	uint64_t	    started_ms;
	uv_timer_t	   *settle_timer; /* heap: closed asynchronously at fini */
	uint16_t	    port;
	struct rib_policy   policy;
	struct gw_paths	    paths;
	struct hash	    by_src; /* paths by route source */
	struct gw_vpn_acct *acct;   /* per vpn-connection traffic (gw_vpn.c) */
};
extern struct gw gw;

/* gateway.c */
struct gw_path *gw_path_by_source(uint32_t src);
/* gw_paths.detach of the live gateway: out of the by-source index. */
void gw_path_detach(void *ctx, struct gw_path *);
/* Reconcile adopted kernel routes once the sessions settled. */
void gw_settle_check(void);

/* gw_legs.c: the legs wired to bgp/ and failover/ (ctx: unused, gw global). */
extern const struct gw_leg_ops *const gw_legs[GW_LEG_N];

/* gw_conf.c */
int gw_conf_check(const struct lyd_node *old_cfg, const struct lyd_node *new_cfg,
    struct nb_err *);
int gw_conf_build(const struct lyd_node *cfg, struct gw_conf *, struct nb_err *);
/* gw_conf_build + the checks of gw_conf_check; *out allocated on success. */
int  gw_conf_build_checked(const struct lyd_node *new_cfg, struct gw_conf **out,
     struct nb_err *);
void gw_conf_free(struct gw_conf *);
/* Drop the per-connection memo of gw_conf_build (it holds dictionary
 * strings of the YANG context: the northbound calls it before the context
 * goes, as the gateway module's release). */
void gw_conf_memo_free(void);
void gw_spec_move(struct gw_spec *dst, struct gw_spec *src); /* src left empty */
void gw_spec_clear(struct gw_spec *);
/* Same parameters (keys compared in constant time)? */
bool gw_bgp_cfg_same(const struct bgp_peer_cfg *, const struct bgp_peer_cfg *);
bool gw_bfd_cfg_same(const struct bfd_session_cfg *, const struct bfd_session_cfg *);
/* Can a live path with spec a be updated in place to spec b? */
bool gw_spec_compatible(const struct gw_spec *a, const struct gw_spec *b);

/* gw_alarms.c, gw_state.c: the gateway's parts of the gateway-state tree */
int gw_alarms_state(struct lyd_node *root, const char *xpath, struct nb_err *);
int gw_state(struct lyd_node *root, const char *xpath, struct nb_err *);

/* gw_metrics.c: the Prometheus endpoint (a northbound module of its own)
 * and the latencies it observes from the hooks. */
void gw_metrics_register(void);
void gw_metrics_fini(void);
void gw_metrics_journal(const struct rib_journal_entry *);
void gw_metrics_bfd_down(const struct bfd_session_state *);

/* gw_events.c: events for "hybridgwctl monitor" (northbound/nb_monitor.h). */
void gw_event_journal(const struct rib_journal_entry *);
void gw_event_session(const char *neighbor, const char *name, bool up, const char *reason);
void gw_event_bfd(const char *name, const struct bfd_session_state *, bool up, uint8_t diag);
void gw_event_alarm(const char *connection, bool raised, uint32_t cap, uint32_t wanted);

/* gw_rpc.c: operational actions, as NETCONF RPCs and hybridgwctl commands */
extern const struct nb_rpc gw_rpcs[];
extern const struct nb_cmd gw_cmds[];

/* gw_vpn.c: the vpn part of the gateway-state tree, show vpn [sa], and
 * the per-connection accounting: a tunnel about to be deleted hands its
 * counters to its connection (gw_vpn_retire), so the connection's sums stay
 * monotonic when a commit re-creates its tunnels; gw_vpn_acct_free() at
 * the end frees them (gw.acct owns the list). */
struct gw_vpn_acct;
void gw_vpn_retire(const struct vpn_tunnel *);
void gw_vpn_acct_free(void);
int  gw_vpn_state(struct lyd_node *root, const char *xpath, struct nb_err *);
int  gw_show_vpn(FILE *f, const struct lyd_node *st, int nw, char **w);

/* gw_show.c: hybridgwctl show bgp|routes|bfd|failover|vpn */
extern const struct nb_show gw_shows[];
/* Reading the state tree for the tables (gw_show.c, gw_vpn.c): a leaf's
 * value at path under n ("" when absent), the first instance of list name
 * under parent, seconds as "hh:mm:ss" or "NdHHh" in buf ("-" when empty). */
const char	*gw_leaf(const struct lyd_node *n, const char *path);
struct lyd_node *gw_first(const struct lyd_node *parent, const char *name);
const char	*gw_age(const char *secs, char *buf, size_t len);
/* Instances of one list are contiguous siblings in libyang trees. */
#define GW_FOR_EACH_NAMED(parent, nm, it)                                                    \
	for ((it) = gw_first((parent), (nm)); (it);                                          \
	     (it) = (it)->next && strcmp((it)->next->schema->name, (nm)) == 0 ? (it)->next : \
										NULL)

#endif
