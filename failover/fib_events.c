/* failover/fib_events.c - links and addresses (libnl cache manager) -> fib_events callbacks. */
/* SPDX-License-Identifier: ISC */
#include "failover/fib_local.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "lib/log.h"
#include "lib/loop.h"

/* Up as the nexthop code sees it: the kernel flushes nexthops of a device
 * that is admin down or has neither carrier nor operational state. */
static bool
fib_ev_flags_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & (IFF_RUNNING | IFF_LOWER_UP));
}

static struct fib_link *
fib_ev_link_find(struct fib *f, int ifindex)
{
	size_t i;

	for (i = 0; i < f->nlinks; i++)
		if (f->links[i].ifindex == ifindex)
			return &f->links[i];
	return NULL;
}

static struct fib_link *
fib_ev_link_add(struct fib *f, int ifindex, bool up)
{
	struct fib_link *l;

	if ((l = fib_ev_link_find(f, ifindex)))
		return l;
	if (f->nlinks == f->clinks) {
		size_t		 nc = f->clinks ? f->clinks * 2 : 16;
		struct fib_link *nl = realloc(f->links, nc * sizeof(*nl));

		if (!nl)
			return NULL;
		f->links = nl;
		f->clinks = nc;
	}
	l = &f->links[f->nlinks++];
	l->ifindex = ifindex;
	l->up = up;
	return l;
}

bool
fib_ev_link_up(struct fib *f, int ifindex)
{
	struct fib_link *l = fib_ev_link_find(f, ifindex);

	return l && l->up;
}

int
fib_ev_ifindex(struct fib *f, const char *ifname)
{
	if (!f->link_cache)
		return (int)if_nametoindex(ifname);
	return rtnl_link_name2i(f->link_cache, ifname);
}

static bool
fib_ev_addr_get(struct rtnl_addr *a, struct ipaddr *out)
{
	struct nl_addr *l = rtnl_addr_get_local(a);
	unsigned	len;

	if (!l)
		return false;
	len = nl_addr_get_len(l);
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)nl_addr_get_family(l);
	if ((out->family == AF_INET && len != 4) || (out->family == AF_INET6 && len != 16) ||
	    (out->family != AF_INET && out->family != AF_INET6))
		return false;
	memcpy(out->bytes, nl_addr_get_binary_addr(l), len);
	return true;
}

/* The interface whose connected prefix holds gw (longest match), or 0. */
int
fib_ev_ifindex_for(struct fib *f, const struct ipaddr *gw)
{
	struct nl_object *o;
	int		  best = 0, bestlen = -1;

	if (!f->addr_cache)
		return 0;
	for (o = nl_cache_get_first(f->addr_cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ipaddr	  local;
		int		  plen = rtnl_addr_get_prefixlen(a);

		if (!fib_ev_addr_get(a, &local) ||
		    plen >= (int)prefix_family_bits(local.family))
			continue;
		if (fib_pfx_has_addr(local.family, local.bytes, (unsigned)plen, gw) &&
		    plen > bestlen) {
			best = rtnl_addr_get_ifindex(a);
			bestlen = plen;
		}
	}
	return best;
}

/* RFC 4271 6.3 for the BGP speaker: is addr on one of the namespace's
 * interfaces? The cache follows address events; a few entries per host. */
bool
fib_addr_is_local(struct fib *f, const struct ipaddr *addr)
{
	struct nl_object *o;
	struct ipaddr	  local;

	if (!f->addr_cache)
		return false;
	for (o = nl_cache_get_first(f->addr_cache); o; o = nl_cache_get_next(o))
		if (fib_ev_addr_get((struct rtnl_addr *)o, &local) &&
		    local.family == addr->family &&
		    memcmp(local.bytes, addr->bytes, addr->family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static void
fib_ev_link_cb(struct nl_cache *c, struct nl_object *obj, int action, void *arg)
{
	struct fib	 *f = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	int		  ifindex = rtnl_link_get_ifindex(link);
	const char	 *name = rtnl_link_get_name(link);
	bool up = action != NL_ACT_DEL && fib_ev_flags_up(rtnl_link_get_flags(link));
	struct fib_link *l = fib_ev_link_find(f, ifindex);

	if (f->closing)
		return;
	if (l && l->up == up && action != NL_ACT_DEL)
		return;
	if (!l && !(l = fib_ev_link_add(f, ifindex, up)))
		return;
	l->up = up;
	log_info(LOG_MOD_FIB, "link %s (%d) %s", name ? name : "?", ifindex,
	    action == NL_ACT_DEL ? "removed" :
		up		 ? "up" :
				   "down");
	fib_nh_link_change(f, ifindex, up);
	if (action == NL_ACT_DEL)
		*l = f->links[--f->nlinks];
	if (f->ev->link)
		f->ev->link(f->arg, ifindex, name ? name : "", up);
}

static void
fib_ev_addr_cb(struct nl_cache *c, struct nl_object *obj, int action, void *arg)
{
	struct fib	 *f = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct ipaddr	  ip;

	if (f->closing || (action != NL_ACT_NEW && action != NL_ACT_DEL) ||
	    !fib_ev_addr_get(a, &ip))
		return;
	if (action == NL_ACT_NEW)
		fib_nh_addr_added(f);
	if (f->ev->addr)
		f->ev->addr(f->arg, rtnl_addr_get_ifindex(a), &ip, action == NL_ACT_NEW);
}

static void
fib_ev_poll_cb(uv_poll_t *h, int status, int events)
{
	struct fib *f = h->data;
	int	    rc;

	if (f->closing || !f->mngr)
		return;
	rc = nl_cache_mngr_data_ready(f->mngr);
	if (rc < 0 && rc != -NLE_AGAIN) {
		/* most likely ENOBUFS: notifications were lost; resync both
		 * caches, which replays the differences through the callbacks */
		log_warn(LOG_MOD_FIB, "link/address notifications: %s; resyncing",
		    nl_geterror(rc));
		nl_cache_resync(f->dump_sk, f->link_cache, fib_ev_link_cb, f);
		nl_cache_resync(f->dump_sk, f->addr_cache, fib_ev_addr_cb, f);
	}
}

int
fib_ev_init(struct fib *f)
{
	struct nl_object *o;
	int		  fd, rc, sz = 8 * 1024 * 1024;

	if ((rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &f->mngr)) < 0) {
		log_err(LOG_MOD_FIB, "netlink cache manager: %s", nl_geterror(rc));
		return -EIO;
	}
	if ((rc = nl_cache_mngr_add(f->mngr, "route/link", fib_ev_link_cb, f, &f->link_cache)) <
		0 ||
	    (rc = nl_cache_mngr_add(f->mngr, "route/addr", fib_ev_addr_cb, f, &f->addr_cache)) <
		0) {
		log_err(LOG_MOD_FIB, "netlink link/address caches: %s", nl_geterror(rc));
		return -EIO;
	}
	fd = nl_cache_mngr_get_fd(f->mngr);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (o = nl_cache_get_first(f->link_cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		fib_ev_link_add(f, rtnl_link_get_ifindex(l),
		    fib_ev_flags_up(rtnl_link_get_flags(l)));
	}
	if ((rc = uv_poll_init_socket(loop_get(), &f->ev_poll, fd)) < 0)
		return rc;
	f->ev_poll.data = f;
	f->ev_poll_init = true;
	uv_poll_start(&f->ev_poll, UV_READABLE, fib_ev_poll_cb);
	return 0;
}

void
fib_ev_fini(struct fib *f)
{
	if (f->ev_poll_init)
		uv_poll_stop(&f->ev_poll);
	if (f->mngr)
		nl_cache_mngr_free(f->mngr); /* frees the caches it manages */
	f->mngr = NULL;
	f->link_cache = f->addr_cache = NULL;
	free(f->links);
	f->links = NULL;
	f->nlinks = f->clinks = 0;
}
