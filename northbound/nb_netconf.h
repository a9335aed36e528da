/* northbound/nb_netconf.h - the NETCONF server (RFC 6241 over SSH, RFC 6242) of hybridgwd. */
#ifndef HGW_NB_NETCONF_H
#define HGW_NB_NETCONF_H

#include <stdint.h>

#include <libyang/libyang.h>

#include "northbound/northbound.h"

/*
 * The server runs libnetconf2 in its own threads (one accept thread, a few
 * poll threads, one notification sender). Every RPC is carried out on the
 * loop thread through loop_call(): datastores, commits and state are only
 * touched there.
 *
 * Order in main():
 *	nb_init(yang_dir, &err);
 *	nb_netconf_init(&err);		before any config is parsed
 *	... parse + nb_commit() the config ...
 *	nb_netconf_start(&cfg);
 *	loop_run();
 *	nb_netconf_stop();		after loop_run() returned, before loop_fini()
 */
struct nb_netconf_cfg {
	const char	*address;	/* NULL = "::" (all addresses, v4 mapped) */
	uint16_t	 port;		/* 0 = 830 */
	const char	*state_dir;	/* host key lives here; created when absent */
	unsigned	 poll_threads;	/* 0 = 3 */
};

/* Load the NETCONF modules (ietf-netconf with its features, with-defaults,
 * monitoring, notifications) into nb_ctx(). Idempotent. */
int	nb_netconf_init(struct nb_err *);
/* Host key, endpoint, threads. The listen address/port in the running
 * config (/hgw:gateway/hgwnc:netconf/listen) win over cfg. 0 or -errno. */
int	nb_netconf_start(const struct nb_netconf_cfg *);
void	nb_netconf_stop(void);

/*
 * Operational RPCs of hybridgw-netconf (clear-bgp-neighbor, drain-circuit,
 * what-if) are carried out by the module that registers them (struct
 * nb_module's rpcs, or this call). An RPC nobody registered answers
 * operation-not-supported.
 */
/* name: "drain-circuit" etc. (module hybridgw-netconf). 0 or -ENOENT/-ENOSPC. */
int	nb_rpc_register(const char *name, nb_rpc_fn);

#endif
