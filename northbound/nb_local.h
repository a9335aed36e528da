/* northbound/nb_local.h - helpers shared inside the northbound module. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NORTHBOUND_LOCAL_H
#define HGW_NORTHBOUND_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "northbound/northbound.h"

/* tmp file + fsync + rename + fsync(dir). Returns 0 or -errno. */
int nb_file_write_atomic(const char *path, const char *data, size_t len);
/* Remove every secret leaf from a data tree (siblings included). */
void nb_tree_strip_secrets(struct lyd_node *);
/* ... except those whose schema node is in allowed (NULL: none). */
void nb_tree_strip_secrets_except(struct lyd_node *, const struct ly_set *allowed);

/* nb_commit() that leaves new_cfg to the caller when it fails. */
int nb_commit_keep(struct lyd_node *new_cfg, struct nb_err *);
/* The same, handing the replaced running tree to the caller (*old). */
int nb_commit_swap(struct lyd_node *new_cfg, struct lyd_node **old, struct nb_err *);
/* Counts the commits: running changed when it differs. */
uint64_t nb_running_gen(void);
/* Free a tree on the next loop turn (after the reply). */
void nb_tree_free_later(struct lyd_node *);

/* nb_stats.c: a commit attempt and, when ok, how long it took. */
void nb_stats_commit(bool ok, uint64_t us);

/* nb_show.c: one control-socket request (words + optional body) -> text. */
int nb_show_request(int nw, char **words, const char *body, char **out);

/* nb_core.c: the registered modules in order (NULL past the last). */
const struct nb_module *nb_module_at(size_t i);
/* nb_core.c: set while nb_netconf_ops builds a whole <get> (nb_state_bulk). */
void nb_state_bulk_set(bool on);

#endif
