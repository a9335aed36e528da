/* northbound/nb_gw_local.h - the gateway wiring's private types (config specs, live paths). */
#ifndef HGW_NORTHBOUND_GW_LOCAL_H
#define HGW_NORTHBOUND_GW_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "failover/bfd.h"
#include "failover/rib.h"
#include "northbound/northbound.h"

/* What the config says about one transport (circuit link, tunnel, LAN peer, local). */
struct gw_spec {
	char			 key[160];	/* "circuit/er1/primary", "vpn/x/t1", "lan/core1", "local" */
	char			 name[160];	/* human name for logs and state */
	char			 connection[64];
	struct rib_source_cfg	 src;		/* name/connection point into this spec */
	bool			 has_bgp;
	struct bgp_peer_cfg	 bgp;
	bool			 has_bfd;
	struct bfd_session_cfg	 bfd;
	enum rib_export_role	 exp_role;
	uint32_t		 exp_cap;
	struct prefix		*statics;	/* owned */
	size_t			 nstatic;
};

struct gw_conf {
	uint32_t		 as, router_id, kernel_table;
	bool			 pic;
	uint16_t		 port;
	struct rib_policy	 policy;
	struct gw_spec		*specs;
	size_t			 nspecs, cap;
};

struct gw_path {
	struct gw_spec		 spec;
	rib_source_id		 src;
	struct bgp_peer		*peer;
	struct bfd_session	*bfd;
	rib_export_id		 exp;
	bool			 has_exp;
	bool			 statics_in;	/* every static was added to the RIB */
};

struct gw {
	struct fib		*fib;
	struct rib		*rib;
	struct bgp		*bgp;
	struct bfd		*bfd;
	uint32_t		 kernel_table, conf_as, conf_router_id;
	bool			 pic;		/* nexthop_compat_mode=0 */
	bool			 configured;	/* first commit applied */
	bool			 stopping;	/* nb_gateway_fini() under way */
	bool			 adopting;	/* adopted routes wait for fib_reconcile */
	size_t			 adopted;
	uint64_t		 started_ms;
	uv_timer_t		*settle_timer;	/* heap: closed asynchronously at fini */
	uint16_t		 port;
	struct rib_policy	 policy;
	struct gw_path		**paths;
	size_t			 npaths, cap;
};
extern struct gw	 gw;

/* nb_gw_conf.c */
int	gw_conf_check(const struct lyd_node *old_cfg, const struct lyd_node *new_cfg,
	    struct nb_err *);
int	gw_conf_build(const struct lyd_node *cfg, struct gw_conf *, struct nb_err *);
/* gw_conf_build + the checks of gw_conf_check; *out allocated on success. */
int	gw_conf_build_checked(const struct lyd_node *new_cfg, struct gw_conf **out,
	    struct nb_err *);
void	gw_conf_free(struct gw_conf *);
/* Drop the per-connection memo of gw_conf_build (it holds dictionary
 * strings of the YANG context: called by nb_fini before the context goes). */
void	gw_conf_memo_free(void);
void	gw_spec_move(struct gw_spec *dst, struct gw_spec *src);	/* src left empty */
void	gw_spec_clear(struct gw_spec *);
/* Same parameters (keys compared in constant time)? */
bool	gw_bgp_cfg_same(const struct bgp_peer_cfg *, const struct bgp_peer_cfg *);
bool	gw_bfd_cfg_same(const struct bfd_session_cfg *, const struct bfd_session_cfg *);
/* Can a live path with spec a be updated in place to spec b? */
bool	gw_spec_compatible(const struct gw_spec *a, const struct gw_spec *b);

/* nb_gateway.c: reconcile adopted kernel routes once sessions settled */
void	gw_settle_check(void);

/* nb_gw_alarms.c: raised alarms in gateway-state */
void	gw_alarms_register(void);

/* nb_gw_rpc.c: operational actions (NETCONF RPCs, hybridgwctl) */
void	gw_rpc_register(void);

/* nb_gw_state.c */
int	gw_state(struct lyd_node *root, const char *xpath, struct nb_err *);

#endif
