/* northbound/nb_fast.h - configs that differ in a few list entries: the scratch, the patch (nb_fast.c). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_FAST_H
#define HGW_NB_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include <libyang/libyang.h>

/* The entries an edit changed, by path ("/hybridgw:gateway/vpn-connection
 * [name='x']"): paths are malloc'd, freed by nbnc_touched_clear(). */
struct nbnc_touched {
	char **paths;
	size_t n;
	bool   valid; /* false: changes not known, copy */
};
void nbnc_touched_clear(struct nbnc_touched *);

/* Does the reasoning of nb_fast.c hold for the model of this gateway
 * node's schema (checked once per context)? */
bool nbnc_fast_enabled(const struct lysc_node *gateway);
/* ... for this config (it has a gateway)? */
bool		 nbnc_fast_possible(const struct lyd_node *tree);
struct lyd_node *nbnc_fast_gateway(const struct lyd_node *tree);
/* Is n an entry of a list right under gw? */
bool nbnc_fast_big(const struct lyd_node *n, const struct lyd_node *gw);
/* Free parent's children (keys kept when asked; the big-list entries kept
 * when gw is given). */
void nbnc_fast_free_children(struct lyd_node *parent, bool keep_keys,
    const struct lyd_node *gw);

/* Make dst equal to src, src being dst with the touched entries and
 * gateway's other children changed; every path must name an entry of a
 * list right under gateway in both. 0, or -EINVAL: dst is then to be
 * freed. */
int nbnc_fast_patch(struct lyd_node *dst, const struct lyd_node *src,
    const struct nbnc_touched *);
/* What turns a config into tree that way: gateway, its other children, the
 * touched entries (a valid config by itself). Caller frees. */
int nbnc_fast_scratch(const struct lyd_node *tree, const struct nbnc_touched *,
    struct lyd_node			   **out);

#endif
