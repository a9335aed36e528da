/* northbound/nb_confirm.h - commits from NETCONF in the routing process: confirmed commit (RFC 6241 8.4) and its timer. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_CONFIRM_H
#define HGW_NB_CONFIRM_H

#include <stdbool.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "northbound/nb_chan.h"
#include "northbound/northbound.h"

/* Loop thread only (the channel's requests run there). */

/* The NETCONF session behind a request (strings borrowed). */
struct nb_who {
	uint32_t    sid;
	const char *user, *host;
};

struct nb_commit_req {
	struct nb_who	  who;
	bool		  cc; /* the <commit> operation: RFC 6241 8.4 rules */
	bool		  confirmed;
	uint32_t	  timeout;    /* seconds; 0 = 600 */
	const char	 *persist;    /* make it persistent with this id */
	const char	 *persist_id; /* confirm or extend a persistent one */
	bool		  diff;	      /* the config-change event lists the edits */
	struct lyd_node **old;	      /* non-NULL: the running tree replaced comes
					 * back here (NULL when kept to roll back to) */
};

/* Commit tree (consumed, also on failure; NULL = empty) as r says. 0, or
 * -errno with err and *tag filled. */
int nb_confirm_commit(struct lyd_node *tree, const struct nb_commit_req *r, struct nb_err *err,
    enum nb_chan_tag *tag);
int nb_confirm_cancel(const struct nb_who *, const char *persist_id, struct nb_err *,
    enum nb_chan_tag *tag);
/* A NETCONF session ended: its non-persistent confirmed commit rolls back. */
void nb_confirm_session_gone(uint32_t sid);
/* The NETCONF process ended (all its sessions did). */
void nb_confirm_netconf_gone(void);
bool nb_confirm_pending(uint32_t *sid, bool *persistent);
/* fn runs whenever the pending state (or its session) changes. */
void nb_confirm_watch(void (*fn)(void));
/* RFC 6470 netconf-config-change for a datastore (who NULL: the server). */
void nb_confirm_notify_change(const struct nb_who *who, const char *datastore,
    const struct lyd_node *diff);
void nb_confirm_fini(void);

#endif
