/* northbound/northbound.h - config datastores, transactions and state for NETCONF and hybridgwctl. */
#ifndef HGW_NORTHBOUND_H
#define HGW_NORTHBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libyang/libyang.h>

/*
 * The northbound owns the libyang context, the running configuration and the
 * transactions that change it. A commit computes the libyang diff of running
 * and the new tree and drives every registered apply module through
 * validate -> prepare (may fail) -> apply (cannot fail), or abort: it happens
 * whole or not at all. Everything here runs on the loop thread; the NETCONF
 * threads reach it through loop_call().
 */

/* A precise error for the user: the data path and the reason. */
struct nb_err {
	char	 path[256];	/* e.g. /hybridgw:gateway/circuit[name='er1']/link[name='a'] */
	char	 msg[512];
	char	 app_tag[64];	/* optional NETCONF error-app-tag */
};
void	nb_err_set(struct nb_err *, const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

int		 nb_init(const char *yang_dir, struct nb_err *);	/* loads every module */
void		 nb_fini(void);
struct ly_ctx	*nb_ctx(void);

/* Parse and fully validate a config file (XML or JSON by extension or content).
 * On error returns -EINVAL and fills err; *tree untouched. Caller frees tree. */
int		 nb_config_parse_file(const char *path, struct lyd_node **tree, struct nb_err *);
int		 nb_config_parse_mem(const char *data, LYD_FORMAT, struct lyd_node **tree,
		     struct nb_err *);

/* The running configuration (owned by the northbound; NULL = empty). */
const struct lyd_node *nb_running(void);
/* Replace running with new_cfg (ownership taken, freed on failure too).
 * Returns 0, or -EINVAL with err filled; running is then unchanged. */
int		 nb_commit(struct lyd_node *new_cfg, struct nb_err *);
/* Validate only (validate + prepare + abort); new_cfg is not consumed. */
int		 nb_check(const struct lyd_node *new_cfg, struct nb_err *);

/* Where the running config came from and is persisted (startup datastore). */
void		 nb_startup_path_set(const char *path);
const char	*nb_startup_path(void);
/* Write running to the startup file atomically (tmp, fsync, rename). */
int		 nb_startup_save(struct nb_err *);

/* Operational state: build the gateway-state tree (or the part under xpath,
 * NULL = all). Caller frees. */
int		 nb_state_get(const char *xpath, struct lyd_node **out, struct nb_err *);

/*
 * Apply modules, one per configuration subtree (circuits, vpn, lan, policy,
 * ...). Each gets the whole old and new config and the diff; ctx carries
 * what prepare allocated to apply or abort.
 */
struct nb_txn {
	const struct lyd_node	*old_cfg;	/* may be NULL */
	const struct lyd_node	*new_cfg;	/* may be NULL */
	const struct lyd_node	*diff;		/* lyd_diff_siblings(old, new); NULL when
						 * every module says no_diff */
	struct nb_err		*err;
};
struct nb_module {
	const char	*name;
	int		(*validate)(const struct nb_txn *);		/* no side effects */
	int		(*prepare)(const struct nb_txn *, void **ctx);	/* may fail, allocates */
	void		(*apply)(const struct nb_txn *, void *ctx);	/* cannot fail */
	void		(*abort)(const struct nb_txn *, void *ctx);	/* frees ctx */
	/* add this module's part of the gateway-state tree */
	int		(*state)(struct lyd_node *state_root, const char *xpath, struct nb_err *);
	/* does not read txn->diff (a module without transaction callbacks
	 * needs none either): no diff of the whole trees when none needs it */
	bool		 no_diff;
};
void		 nb_module_register(const struct nb_module *);

/* The hybridgwctl control socket (mode 0660). */
int		 nb_ctl_start(const char *path);
void		 nb_ctl_stop(void);

/* Register the apply module that wires configuration into the routing
 * modules (and the operational RPCs). Touches nothing outside the process:
 * enough for nb_check() of a config. */
void		 nb_gateway_register(void);
/* Create the routing modules (FIB, RIB, BGP, BFD). What the kernel side
 * needs first (kernel-table, prefix-independent-convergence) is read from
 * boot_cfg and fixed for the life of the process. */
int		 nb_gateway_start(const struct lyd_node *boot_cfg, struct nb_err *);
void		 nb_gateway_fini(void);

#endif
