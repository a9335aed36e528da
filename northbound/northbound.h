/* northbound/northbound.h - config datastores, transactions and state for NETCONF and hybridgwctl. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NORTHBOUND_H
#define HGW_NORTHBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libyang/libyang.h>

#include "lib/histo.h"

/*
 * The northbound owns the libyang context, the running configuration and the
 * transactions that change it. A commit computes the libyang diff of running
 * and the new tree and drives every registered apply module through
 * validate -> prepare (may fail) -> apply (cannot fail), or abort: it happens
 * whole or not at all. Everything here runs on the loop thread. In
 * hybridgwd this is the running configuration itself; hybridgw-netconf
 * keeps a copy that follows it over the channel (nb_chan.h).
 *
 * The northbound is generic: it knows YANG, datastores and the protocols
 * that reach them, never the routing modules. What the configuration means
 * is the business of the modules that register (struct nb_module): the
 * gateway (gateway/) registers its apply phases, its part of the state
 * tree, its NETCONF RPCs and its hybridgwctl commands and views.
 */

/* A precise error for the user: the data path and the reason. */
struct nb_err {
	char path[256]; /* e.g. /hybridgw:gateway/circuit[name='er1']/link[name='a'] */
	char msg[512];
	char app_tag[64]; /* optional NETCONF error-app-tag */
};
void nb_err_set(struct nb_err *, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A control-socket answer: formatted text, malloc'ed (NULL when out of
 * memory); the caller (the control socket) frees it. */
char *nb_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy libyang's last error (path + message) into err, prefixed by what. */
void nb_err_from_ly(struct nb_err *, const char *what);

int	       nb_init(const char *yang_dir, struct nb_err *); /* loads every module */
void	       nb_fini(void);
struct ly_ctx *nb_ctx(void);

/* Parse and fully validate a config file (XML or JSON by extension or content).
 * On error returns -EINVAL and fills err; *tree untouched. Caller frees tree. */
int nb_config_parse_file(const char *path, struct lyd_node **tree, struct nb_err *);
int nb_config_parse_mem(const char *data, LYD_FORMAT, struct lyd_node **tree, struct nb_err *);

/* The running configuration (owned by the northbound; NULL = empty). */
const struct lyd_node *nb_running(void);
/* Replace running with new_cfg (ownership taken, freed on failure too).
 * Returns 0, or -EINVAL with err filled; running is then unchanged. */
int nb_commit(struct lyd_node *new_cfg, struct nb_err *);
/* Validate only (validate + prepare + abort); new_cfg is not consumed. */
int nb_check(const struct lyd_node *new_cfg, struct nb_err *);

/* Where the running config came from and is persisted (startup datastore). */
void	    nb_startup_path_set(const char *path);
const char *nb_startup_path(void);
/* Write running to the startup file atomically (tmp, fsync, rename). */
int nb_startup_save(struct nb_err *);
/* The same with another tree (NULL: empty). */
int nb_startup_write(const struct lyd_node *, struct nb_err *);
/* The startup file parsed and validated (*out NULL: deleted, empty). Caller
 * frees. -ENOENT without a startup file. */
int nb_startup_read(struct lyd_node **out, struct nb_err *);
/* Delete it (a later read finds it empty). */
int nb_startup_delete(struct nb_err *);

/* Operational state: build the gateway-state tree (or the part under xpath,
 * NULL = all). Caller frees. */
int nb_state_get(const char *xpath, struct lyd_node **out, struct nb_err *);
/* True while the state tree being built is for a whole NETCONF <get>: big
 * lists may then go in as XML text pieces (northbound/nb_bulk.h). */
bool nb_state_bulk(void);
/* Is this schema node a secret (nacm:default-deny-all)? */
bool nb_schema_is_secret(const struct lysc_node *);

/* A NETCONF RPC of a module (hybridgw-netconf): runs on the loop thread,
 * reads input (the RPC node) and adds output leaves under output (the same
 * RPC node, output side: lyd_new_term(output, NULL, name, value, 1, NULL)).
 * 0, or -errno with err filled (becomes the rpc-error). */
typedef int (*nb_rpc_fn)(const struct lyd_node *input, struct lyd_node *output,
    struct nb_err *);
struct nb_rpc {
	const char *name; /* "drain-circuit"; NULL ends a table */
	nb_rpc_fn   fn;
};

/* A hybridgwctl command of a module ("clear bgp ADDR", "drain CIRCUIT"). */
struct nb_cmd {
	const char *verb;		  /* the first word; NULL ends a table */
	const char *usage;		  /* for the help text; NULL = not listed */
	int	    min_words, max_words; /* the verb included */
	/* w: the words without --flags. *out: the text for the user (malloc),
	 * also on failure. 0 or -errno. */
	int (*fn)(int nw, char **w, char **out);
};

/* A view of the state tree: "hybridgwctl show NAME ...", a table by
 * default, the tree itself as YANG JSON with --json. */
struct nb_show {
	const char *name; /* NULL ends a table */
	/* The xpath to build (w[0] = NAME); NULL: /hybridgw:gateway-state/NAME. */
	void (*xpath)(int nw, char **w, char *buf, size_t len);
	/* Optional, --json: cut the tree down to what was asked. */
	void (*json_trim)(struct lyd_node *state, int nw, char **w);
	/* The table from the tree; 0, or -errno after printing why to f. */
	int (*table)(FILE *f, const struct lyd_node *state, int nw, char **w);
};

/*
 * Apply modules, one per configuration subtree (circuits, vpn, lan, policy,
 * ...). Each gets the whole old and new config and the diff; ctx carries
 * what prepare allocated to apply or abort. Fallible resources (sockets,
 * devices) are taken in prepare, so that apply cannot fail.
 */
struct nb_txn {
	const struct lyd_node *old_cfg; /* may be NULL */
	const struct lyd_node *new_cfg; /* may be NULL */
	const struct lyd_node *diff;	/* lyd_diff_siblings(old, new); NULL when
						 * every module says no_diff */
	struct nb_err	      *err;
};
struct nb_module {
	const char *name;
	int (*validate)(const struct nb_txn *);		   /* no side effects */
	int (*prepare)(const struct nb_txn *, void **ctx); /* may fail, allocates */
	void (*apply)(const struct nb_txn *, void *ctx);   /* cannot fail */
	void (*abort)(const struct nb_txn *, void *ctx);   /* frees ctx */
	/* add this module's part of the gateway-state tree */
	int (*state)(struct lyd_node *state_root, const char *xpath, struct nb_err *);
	/* does not read txn->diff (a module without transaction callbacks
	 * needs none either): no diff of the whole trees when none needs it */
	bool		     no_diff;
	const struct nb_rpc *rpcs; /* tables ended by a NULL name; NULL = none */
				   /* (NETCONF reaches them over the channel) */
	const struct nb_cmd  *cmds;
	const struct nb_show *shows;
	/* nb_fini, before the YANG context goes: drop what holds its strings */
	void (*release)(void);
};
/* The module (and its tables) must outlive nb_fini(). */
void nb_module_register(const struct nb_module *);

/* Counters for monitoring (metrics/): commits through any door (file,
 * SIGHUP, hybridgwctl, NETCONF) and their latency (validate, prepare,
 * apply), NETCONF sessions. Loop thread. */
struct nb_stats {
	uint64_t	    commits, commit_failures;
	const struct histo *commit_latency;	    /* successful commits; borrowed */
	uint32_t	    netconf_sessions;	    /* open now */
	uint64_t	    netconf_sessions_total; /* since start */
};
void nb_stats_get(struct nb_stats *);

/* The hybridgwctl control socket (mode 0660). */
int  nb_ctl_start(const char *path);
void nb_ctl_stop(void);

#endif
