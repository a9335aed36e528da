/* northbound/nb_nc_users.h - NETCONF users, keys, roles and the listen endpoint, read from a configuration. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_NC_USERS_H
#define HGW_NB_NC_USERS_H

#include <stddef.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "northbound/northbound.h"

/*
 * Both processes read /gateway/hybridgw-netconf:netconf: hybridgwd checks
 * it in every commit (a key blob that is not a key is refused there, also
 * from hybridgwctl) and knows from it which endpoint hybridgw-netconf may
 * ask it to bind; hybridgw-netconf authenticates with it.
 */
#define NBNC_MOD "hybridgw-netconf"

enum nbnc_role { NBNC_ROLE_VIEWER, NBNC_ROLE_OPERATOR, NBNC_ROLE_ADMIN };

struct nbnc_key {
	char  alg[32];
	char *b64;
};

struct nbnc_user {
	char		 name[33];
	char		*hash; /* crypt(3) $6$, or NULL */
	enum nbnc_role	 role;
	struct nbnc_key *keys;
	size_t		 nkeys;
};

struct nbnc_users {
	struct nbnc_user *v;
	size_t		  n;
	char		  addr[64]; /* from config, "" = CLI */
	uint16_t	  port;	    /* from config, 0 = CLI */
	uint16_t	  idle;
};

/* The table of a configuration (NULL: none, an empty table); err names
 * the bad node. Caller frees with nbnc_users_free() (wipes the hashes). */
int	    nbnc_users_from_cfg(const struct lyd_node *cfg, struct nbnc_users **out,
	    struct nb_err *err);
void	    nbnc_users_free(struct nbnc_users *);
const char *nbnc_role_name(enum nbnc_role);

#endif
