/* gateway/gateway.h - the composition root: configuration in, running paths (BGP, BFD, RIB, FIB, later VPN) out. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_GATEWAY_H
#define HGW_GATEWAY_H

#include <libyang/libyang.h>

#include "northbound/northbound.h"

/*
 * The gateway turns each configured transport into a path (circuit link,
 * VPN tunnel, LAN peer, the local prefixes) and wires its legs: the route
 * manager's source and export target, the BGP peer, the BFD session (and,
 * with vpn/, the tunnel). It is the one module that knows bgp/ and
 * failover/ both; the northbound knows it only through what it registers.
 *
 * Order in main():
 *	nb_init();
 *	gateway_register();		the northbound can now check configs
 *	nb_check(config);		(hybridgwd --check stops here)
 *	gateway_start(config);		FIB, RIB, BGP, BFD come up empty
 *	nb_commit(config);		the paths come up
 *	loop_run();
 *	gateway_fini();			before nb_fini()
 * Everything on the loop thread.
 */

/* Register the gateway's northbound modules (config apply, state, alarms,
 * RPCs, hybridgwctl commands and views). Touches nothing outside the
 * process: enough for nb_check() of a config. */
void gateway_register(void);
/* What gateway_start() would need root for, for a daemon about to drop it
 * (daemon/hgwd_priv.c): the namespace settings of the FIB boot_cfg asks for. */
void gateway_prepare_root(const struct lyd_node *boot_cfg);
/* Create the routing modules. What the kernel side needs first
 * (kernel-table, prefix-independent-convergence) is read from boot_cfg
 * and fixed for the life of the process. 0, or -errno with err filled. */
int gateway_start(const struct lyd_node *boot_cfg, struct nb_err *);
/* Take every path down as a restart (routes stay in the kernel, BGP
 * helpers keep ours) and free the routing modules. */
void gateway_fini(void);

#endif
