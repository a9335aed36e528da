/* northbound/nb_bulk.h - big state lists as XML text pieces for libyang's printer (a whole NETCONF <get>). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_BULK_H
#define HGW_NB_BULK_H

#include <stddef.h>

#include <libyang/libyang.h>

/*
 * A module's state callback may, while nb_state_bulk() holds, put the
 * entries of a big list (the RIB's routes) into the tree as XML text
 * instead of libyang nodes: building and printing 100,000 list entries
 * costs more than the rest of the reply together. The tree they go in is
 * for printing only (the northbound frees it knowing the pieces).
 */
/* nb_netconf_bulk.c. Per entry: nbnc_bulk_entry_begin(), its leaves in
 * schema order (canonical values), nbnc_bulk_entry_end(). */
struct nbnc_bulk {
	struct lyd_node	       *parent; /* the container holding the list */
	const struct lysc_node *snode;	/* the list's anyxml twin */
	const char	       *list;
	char		       *buf;
	size_t			len, cap, sep_len;
	size_t			entries; /* in the current piece */
	size_t			pieces;
	int			err; /* sticky */
};
int  nbnc_bulk_init(struct nbnc_bulk *, struct lyd_node *parent, const char *list);
void nbnc_bulk_put(struct nbnc_bulk *, const char *s, size_t n);
void nbnc_bulk_text(struct nbnc_bulk *, const char *s); /* escaped */
void nbnc_bulk_leaf(struct nbnc_bulk *, const char *name, const char *value);
void nbnc_bulk_entry_begin(struct nbnc_bulk *);
void nbnc_bulk_entry_end(struct nbnc_bulk *);
/* The last piece; 0 or -errno (the pieces are dropped: free the tree). */
int nbnc_bulk_finish(struct nbnc_bulk *);
/* Take the pieces made so far out of the tree again. */
void nbnc_bulk_drop(struct nbnc_bulk *);

/* Free a tree that may hold pieces (lyd_free_all() must not see them). */
void nbnc_bulk_free(struct lyd_node *);

/*
 * Across the channel: hybridgwd takes the pieces out of a state tree
 * (their parents' paths, in order) and sends the rest as LYB, the NETCONF
 * process puts them back under the same parents. The pieces' strings are
 * the caller's (nbnc_bulk_pieces_free()); list points into the schema.
 */
struct nbnc_bulk_piece {
	char	   *parent;
	const char *list;
	char	   *text;
};
int  nbnc_bulk_take(struct lyd_node *tree, struct nbnc_bulk_piece **v, size_t *n);
void nbnc_bulk_pieces_free(struct nbnc_bulk_piece *v, size_t n);
/* A piece of len bytes of text (copied) as the last child of parent. */
int nbnc_bulk_attach(struct lyd_node *parent, const char *list, const char *text, size_t len);

#endif
