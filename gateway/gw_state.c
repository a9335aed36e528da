/* gateway/gw_state.c - the gateway-state tree: BGP neighbors, RIB, BFD, path sources, failover journal (the VPN's part is gw_vpn.c). */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/loop.h"
#include "northbound/nb_bulk.h"

/* Add a leaf from a printf format; LY errors are folded into one flag. */
static bool term(struct lyd_node *parent, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
term(struct lyd_node *parent, const char *name, const char *fmt, ...)
{
	char	buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return lyd_new_term(parent, NULL, name, buf, 0, NULL) == LY_SUCCESS;
}

static struct lyd_node *
inner(struct lyd_node *parent, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_new_inner(parent, NULL, name, 0, &n) != LY_SUCCESS)
		return NULL;
	return n;
}

static const char *
bool_str(bool b)
{
	return b ? "true" : "false";
}

static void
fmt_time(int64_t us, char *buf, size_t len)
{
	time_t	  s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(us % 1000000));
}

/* ---------------------------------------------------------------- BGP */

struct bgp_walk {
	struct lyd_node *list; /* the neighbor entry */
	const char	*dir;
	bool		 ok;
};

static const char *const origin_names[] = { "igp", "egp", "incomplete" };

static int
bgp_route_add(const struct bgp_route_view *v, void *arg)
{
	struct bgp_walk *w = arg;
	struct lyd_node *r = NULL;
	char		 pfx[PREFIX_STRLEN], nh[IPADDR_STRLEN];

	prefix_fmt(v->prefix, pfx, sizeof(pfx));
	if (lyd_new_list(w->list, NULL, "route", 0, &r, pfx, w->dir) != LY_SUCCESS) {
		w->ok = false;
		return 1;
	}
	if (v->nexthop.family)
		w->ok &= term(r, "next-hop", "%s", ipaddr_fmt(&v->nexthop, nh, sizeof(nh)));
	w->ok &= term(r, "as-path", "%s", v->as_path ? v->as_path : "");
	w->ok &= term(r, "local-pref", "%u", v->local_pref);
	if (v->has_med)
		w->ok &= term(r, "med", "%u", v->med);
	w->ok &= term(r, "origin", "%s", origin_names[v->origin < 3 ? v->origin : 2]);
	w->ok &= term(r, "stale", "%s", bool_str(v->stale));
	w->ok &= term(r, "accepted", "%s", bool_str(v->accepted));
	return w->ok ? 0 : 1;
}

struct bgp_state_arg {
	struct lyd_node *bgp;
	const char	*xpath;
	bool		 ok;
};

static const char *
state_yang(const char *fsm)
{
	static const char *const map[][2] = {
		{ "Idle", "idle" },
		{ "Connect", "connect" },
		{ "Active", "active" },
		{ "OpenSent", "open-sent" },
		{ "OpenConfirm", "open-confirm" },
		{ "Established", "established" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (fsm && strcmp(fsm, map[i][0]) == 0)
			return map[i][1];
	return "idle";
}

/* Does the request ask for this neighbor's routes in direction dir? */
static bool
wants_routes(const char *xpath, const char *addr, const char *dir)
{
	char want[128];

	if (!xpath || !strstr(xpath, "/route"))
		return false;
	snprintf(want, sizeof(want), "[address='%s']", addr);
	if (strstr(xpath, "neighbor[") && !strstr(xpath, want))
		return false;
	if (strstr(xpath, "[direction='") &&
	    !strstr(xpath, strcmp(dir, "received") == 0 ? "'received'" : "'advertised'"))
		return false;
	return true;
}

static int
bgp_neighbor_add(struct bgp_peer *peer, void *arg)
{
	struct bgp_state_arg *a = arg;
	struct bgp_peer_state s;
	struct lyd_node	     *n = NULL, *c;
	char		      addr[IPADDR_STRLEN], buf[IPADDR_STRLEN];
	bool		      ok = true;

	bgp_peer_state_get(peer, &s);
	ipaddr_fmt(&s.remote, addr, sizeof(addr));
	if (lyd_new_list(a->bgp, NULL, "neighbor", 0, &n, addr) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	ok &= term(n, "name", "%s", s.name ? s.name : "");
	if (s.local.family)
		ok &= term(n, "local-address", "%s", ipaddr_fmt(&s.local, buf, sizeof(buf)));
	ok &= term(n, "peer-as", "%u", s.remote_as);
	ok &= term(n, "local-as", "%u", s.local_as);
	ok &= term(n, "state", "%s", state_yang(s.state));
	ok &= term(n, "uptime", "%llu",
	    s.established_at_ms ?
		(unsigned long long)((mono_ms() - s.established_at_ms) / 1000) :
		0ULL);
	if (s.remote_router_id)
		ok &= term(n, "peer-router-id", "%u.%u.%u.%u", s.remote_router_id >> 24,
		    (s.remote_router_id >> 16) & 255, (s.remote_router_id >> 8) & 255,
		    s.remote_router_id & 255);
	ok &= term(n, "hold-time", "%u", s.hold_time);
	ok &= term(n, "keepalive", "%u", s.keepalive);
	if (s.last_error[0])
		ok &= term(n, "last-error", "%s", s.last_error);
	ok &= term(n, "flaps", "%u", s.flaps);
	if ((c = inner(n, "capabilities"))) {
		ok &= term(c, "four-octet-as", "%s", bool_str(s.four_octet_as));
		ok &= term(c, "route-refresh", "%s", bool_str(s.route_refresh));
		ok &= term(c, "graceful-restart", "%s", bool_str(s.graceful_restart));
		ok &= term(c, "extended-message", "%s", bool_str(s.ext_msg));
	} else
		ok = false;
	if ((c = inner(n, "counters"))) {
		ok &= term(c, "messages-in", "%llu", (unsigned long long)s.msgs_in);
		ok &= term(c, "messages-out", "%llu", (unsigned long long)s.msgs_out);
		ok &= term(c, "updates-in", "%llu", (unsigned long long)s.updates_in);
		ok &= term(c, "updates-out", "%llu", (unsigned long long)s.updates_out);
		ok &= term(c, "prefixes-received", "%u", s.pfx_received);
		ok &= term(c, "prefixes-accepted", "%u", s.pfx_accepted);
		ok &= term(c, "prefixes-advertised", "%u", s.pfx_advertised);
		ok &= term(c, "memory-pinned", "%llu", (unsigned long long)s.mem_pinned);
	} else
		ok = false;
	if (ok && wants_routes(a->xpath, addr, "received")) {
		struct bgp_walk w = { n, "received", true };

		bgp_peer_adj_in_walk(peer, bgp_route_add, &w);
		ok &= w.ok;
	}
	if (ok && wants_routes(a->xpath, addr, "advertised")) {
		struct bgp_walk w = { n, "advertised", true };

		bgp_peer_adj_out_walk(peer, bgp_route_add, &w);
		ok &= w.ok;
	}
	a->ok &= ok;
	return ok ? 0 : 1;
}

/* ---------------------------------------------------------------- RIB */

struct rib_state_arg {
	struct lyd_node *rib;
	bool		 ok;
};

static int
rib_route_add(void *arg, const struct rib_route_state *r)
{
	struct rib_state_arg *a = arg;
	struct lyd_node	     *n = NULL;
	char		      pfx[PREFIX_STRLEN], nh[IPADDR_STRLEN], t[64];
	bool		      ok = true;

	prefix_fmt(&r->prefix, pfx, sizeof(pfx));
	if (lyd_new_list(a->rib, NULL, "route", 0, &n, pfx) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	if (r->has_active) {
		ok &= term(n, "active-class", "%s", rib_class_name(r->active_class));
		for (size_t i = 0; i < r->n_active; i++)
			ok &= term(n, "active-next-hop", "%s",
			    ipaddr_fmt(&r->active_nh[i], nh, sizeof(nh)));
		if (r->active_source)
			ok &= term(n, "active-source", "%s", r->active_source);
	}
	if (r->has_backup) {
		ok &= term(n, "backup-class", "%s", rib_class_name(r->backup_class));
		for (size_t i = 0; i < r->n_backup; i++)
			ok &= term(n, "backup-next-hop", "%s",
			    ipaddr_fmt(&r->backup_nh[i], nh, sizeof(nh)));
		if (r->has_backup_via)
			ok &= term(n, "backup-via", "%s",
			    prefix_fmt(&r->backup_via, pfx, sizeof(pfx)));
	}
	if (r->since) {
		fmt_time(r->since * 1000000, t, sizeof(t));
		ok &= term(n, "since", "%s", t);
	}
	if (r->fib_group)
		ok &= term(n, "fib-group", "%u", r->fib_group);
	if (r->fib_error)
		ok &= term(n, "fib-error", "%s", strerror(-r->fib_error));
	a->ok &= ok;
	return ok ? 0 : 1;
}

/*
 * The same routes as XML text (nb_netconf_bulk.c) for a full NETCONF <get>:
 * building 110,000 list entries in libyang and printing them back costs
 * more than the rest of the reply together. What rib_route_add() builds,
 * as libyang prints it: leaves in schema order, canonical values (inet
 * types are inet_ntop()'s text, as libyang's; date-and-time is asked of
 * libyang once per distinct value).
 */
#define RIB_XML_SINCE_CACHE 256 /* direct-mapped by the value */

struct rib_xml_arg {
	struct nbnc_bulk	b;
	const struct lysc_node *since;
	struct {
		int64_t key;
		char	str[48]; /* "" = empty slot */
	} since_cache[RIB_XML_SINCE_CACHE];
	bool ok;
};

/* libyang's canonical text of a since value (its time zone rendering),
 * asked once per distinct value in the cache. */
static const char *
rib_xml_since(struct rib_xml_arg *a, int64_t since)
{
	const char *canon = NULL;
	char	    t[64];
	size_t	    slot = (size_t)((uint64_t)since % RIB_XML_SINCE_CACHE);

	if (a->since_cache[slot].str[0] && a->since_cache[slot].key == since)
		return a->since_cache[slot].str;
	fmt_time(since * 1000000, t, sizeof(t));
	if (lyd_value_validate(nb_ctx(), a->since, t, strlen(t), NULL, NULL, &canon) !=
		LY_SUCCESS ||
	    !canon || strlen(canon) >= sizeof(a->since_cache[0].str)) {
		if (canon)
			lydict_remove(nb_ctx(), canon);
		a->ok = false;
		return "";
	}
	snprintf(a->since_cache[slot].str, sizeof(a->since_cache[slot].str), "%s", canon);
	lydict_remove(nb_ctx(), canon);
	a->since_cache[slot].key = since;
	return a->since_cache[slot].str;
}

/* Decimal, as printf's %u (snprintf was a tenth of the whole <get>). */
static char *
u32_fmt(uint32_t v, char *end)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10));
	return end;
}

/* IPv4 as inet_ntop() writes it; IPv6 through inet_ntop() (ipaddr_fmt). */
static const char *
addr_fmt(uint8_t family, const uint8_t *bytes, int len, char *buf, size_t size)
{
	char num[12], *p = buf;

	if (family != AF_INET) {
		struct ipaddr a = { .family = family };
		struct prefix pf = { .family = family, .len = (uint8_t)len };

		memcpy(a.bytes, bytes, sizeof(a.bytes));
		memcpy(pf.bytes, bytes, sizeof(pf.bytes));
		return len < 0 ? ipaddr_fmt(&a, buf, size) : prefix_fmt(&pf, buf, size);
	}
	for (int i = 0; i < 4; i++) {
		const char *d = u32_fmt(bytes[i], num + sizeof(num));

		if (i)
			*p++ = '.';
		while (*d)
			*p++ = *d++;
	}
	if (len >= 0) {
		const char *d = u32_fmt((uint32_t)len, num + sizeof(num));

		*p++ = '/';
		while (*d)
			*p++ = *d++;
	}
	*p = '\0';
	return buf;
}

static int
rib_route_xml(void *arg, const struct rib_route_state *r)
{
	struct rib_xml_arg  *a = arg;
	struct nbnc_bulk    *b = &a->b;
	char		     buf[PREFIX_STRLEN > 64 ? PREFIX_STRLEN : 64];
	const struct prefix *p = &r->prefix;
	bool		     bad;

	nbnc_bulk_entry_begin(b);
	addr_fmt(p->family, p->bytes, p->len, buf, sizeof(buf));
	bad = buf[0] == '-'; /* not an address: rib_route_add() fails there */
	nbnc_bulk_leaf(b, "prefix", buf);
	if (r->has_active) {
		nbnc_bulk_leaf(b, "active-class", rib_class_name(r->active_class));
		for (size_t i = 0; i < r->n_active; i++) {
			addr_fmt(r->active_nh[i].family, r->active_nh[i].bytes, -1, buf,
			    sizeof(buf));
			bad |= buf[0] == '-';
			nbnc_bulk_leaf(b, "active-next-hop", buf);
		}
		if (r->active_source)
			nbnc_bulk_leaf(b, "active-source", r->active_source);
	}
	if (r->has_backup) {
		nbnc_bulk_leaf(b, "backup-class", rib_class_name(r->backup_class));
		for (size_t i = 0; i < r->n_backup; i++) {
			addr_fmt(r->backup_nh[i].family, r->backup_nh[i].bytes, -1, buf,
			    sizeof(buf));
			bad |= buf[0] == '-';
			nbnc_bulk_leaf(b, "backup-next-hop", buf);
		}
		if (r->has_backup_via)
			nbnc_bulk_leaf(b, "backup-via",
			    addr_fmt(r->backup_via.family, r->backup_via.bytes,
				r->backup_via.len, buf, sizeof(buf)));
	}
	if (r->since)
		nbnc_bulk_leaf(b, "since", rib_xml_since(a, r->since));
	if (r->fib_group)
		nbnc_bulk_leaf(b, "fib-group", u32_fmt(r->fib_group, buf + sizeof(buf)));
	if (r->fib_error)
		nbnc_bulk_leaf(b, "fib-error", strerror(-r->fib_error));
	nbnc_bulk_entry_end(b);
	if (b->err || bad)
		a->ok = false;
	return a->ok ? 0 : 1;
}

static bool
rib_state_bulk(struct lyd_node *rib)
{
	struct rib_xml_arg *a = calloc(1, sizeof(*a));
	bool		    ok;

	if (!a)
		return false;
	a->ok = true;
	a->since = lys_find_path(nb_ctx(), NULL, "/hybridgw:gateway-state/rib/route/since", 0);
	if (!a->since || nbnc_bulk_init(&a->b, rib, "route") != 0) {
		free(a);
		return false;
	}
	rib_route_walk(gw.rib, NULL, rib_route_xml, a);
	ok = nbnc_bulk_finish(&a->b) == 0 && a->ok;
	if (!ok)
		nbnc_bulk_drop(&a->b); /* nb_state_get() frees the tree */
	free(a);
	return ok;
}

/* ---------------------------------------------------------------- BFD */

static const char *
bfd_state_yang(const char *s)
{
	if (!s)
		return "down";
	if (strcmp(s, "AdminDown") == 0)
		return "admin-down";
	if (strcmp(s, "Up") == 0)
		return "up";
	if (strcmp(s, "Init") == 0)
		return "init";
	return "down";
}

struct bfd_state_arg {
	struct lyd_node *bfd;
	bool		 ok;
};

static int
bfd_session_add_state(struct bfd_session *sess, void *arg)
{
	struct bfd_state_arg	*a = arg;
	struct bfd_session_state s;
	struct lyd_node		*n = NULL;
	char			 buf[IPADDR_STRLEN];
	bool			 ok = true;

	bfd_session_state_get(sess, &s);
	if (lyd_new_list(a->bfd, NULL, "session", 0, &n,
		ipaddr_fmt(&s.peer, buf, sizeof(buf))) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	if (s.local.family)
		ok &= term(n, "local-address", "%s", ipaddr_fmt(&s.local, buf, sizeof(buf)));
	if (s.ifname && s.ifname[0])
		ok &= term(n, "interface", "%s", s.ifname);
	ok &= term(n, "state", "%s", bfd_state_yang(s.state));
	ok &= term(n, "remote-state", "%s", s.remote_state ? s.remote_state : "");
	ok &= term(n, "local-discriminator", "%u", s.local_discr);
	ok &= term(n, "remote-discriminator", "%u", s.remote_discr);
	ok &= term(n, "negotiated-tx", "%u", s.tx_interval_ms);
	ok &= term(n, "detect-time", "%u", s.detect_time_ms);
	ok &= term(n, "last-diagnostic", "%s", s.last_diag_str ? s.last_diag_str : "");
	ok &= term(n, "up-transitions", "%u", s.up_transitions);
	ok &= term(n, "packets-in", "%llu", (unsigned long long)s.pkts_in);
	ok &= term(n, "packets-out", "%llu", (unsigned long long)s.pkts_out);
	ok &= term(n, "packets-dropped", "%llu", (unsigned long long)s.pkts_dropped);
	a->ok &= ok;
	return ok ? 0 : 1;
}

/* ---------------------------------------------------------- journal */

struct failover_arg {
	struct lyd_node *fo;
	bool		 ok;
};

static int
journal_add(void *arg, const struct rib_journal_entry *e)
{
	struct failover_arg *a = arg;
	struct lyd_node	    *n = NULL;
	char		     id[24], t[64];
	bool		     ok = true;

	snprintf(id, sizeof(id), "%llu", (unsigned long long)e->id);
	if (lyd_new_list(a->fo, NULL, "event", 0, &n, id) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	ok &= term(n, "connection", "%s", e->connection ? e->connection : "");
	if (e->source && e->source[0])
		ok &= term(n, "source", "%s", e->source);
	ok &= term(n, "trigger", "%s", rib_trigger_name(e->trigger));
	ok &= term(n, "from-class", "%s", rib_class_name(e->from_class));
	if (e->has_to)
		ok &= term(n, "to-class", "%s", rib_class_name(e->to_class));
	fmt_time(e->detected_us, t, sizeof(t));
	ok &= term(n, "detected", "%s", t);
	if (e->switched_us) {
		fmt_time(e->switched_us, t, sizeof(t));
		ok &= term(n, "fib-switched", "%s", t);
	}
	ok &= term(n, "switch-time", "%u", e->switch_time_us);
	ok &= term(n, "prefixes-moved", "%u", e->prefixes_moved);
	ok &= term(n, "groups-rewritten", "%u", e->groups_rewritten);
	a->ok &= ok;
	return ok ? 0 : 1;
}

/* ---------------------------------------------------------- sources */

static int
source_add(void *arg, const struct rib_source_state *st)
{
	struct failover_arg *a = arg;
	struct lyd_node	    *n = NULL;
	bool		     ok = true;

	if (lyd_new_list(a->fo, NULL, "source", 0, &n, st->name) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	ok &= term(n, "connection", "%s", st->connection);
	ok &= term(n, "class", "%s", rib_class_name(st->cls));
	ok &= term(n, "state", "%s",
	    !st->healthy   ? "down" :
		st->damped ? "failback-pending" :
			     "up");
	if (st->bgp_down)
		ok &= term(n, "waiting-for", "bgp");
	if (st->bfd_down)
		ok &= term(n, "waiting-for", "bfd");
	if (st->tunnel_down)
		ok &= term(n, "waiting-for", "tunnel");
	if (st->link_down)
		ok &= term(n, "waiting-for", "link");
	if (st->damped) /* damped implies healthy */
		ok &= term(n, "failback-in", "%u", st->failback_in_ms);
	ok &= term(n, "drained", "%s", bool_str(st->drained));
	ok &= term(n, "paths", "%zu", st->paths);
	a->ok &= ok;
	return ok ? 0 : 1;
}

/* Is part (e.g. "bgp") inside what xpath asks for? NULL xpath = everything. */
static bool
wants(const char *xpath, const char *part)
{
	char seg[64];

	if (!xpath || strcmp(xpath, "/hybridgw:gateway-state") == 0 || strcmp(xpath, "/") == 0)
		return true;
	snprintf(seg, sizeof(seg), "gateway-state/%s", part);
	return strstr(xpath, seg) != NULL;
}

int
gw_state(struct lyd_node *root, const char *xpath, struct nb_err *err)
{
	if (!gw.rib)
		return 0;
	if (wants(xpath, "bgp")) {
		struct bgp_state_arg a = { inner(root, "bgp"), xpath, true };

		if (!a.bgp || (bgp_peer_foreach(gw.bgp, bgp_neighbor_add, &a), !a.ok))
			goto lyerr;
	}
	if (wants(xpath, "rib")) {
		struct rib_state_arg a = { inner(root, "rib"), true };
		struct prefix	     filter, *f = NULL;
		const char	    *k = xpath ? strstr(xpath, "route[prefix='") : NULL;

		if (k) {
			char buf[PREFIX_STRLEN];

			snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(k + 14, "'"), k + 14);
			if (prefix_parse(buf, &filter) != 0) {
				nb_err_set(err, "", "'%s' is not a prefix", buf);
				return -EINVAL;
			}
			f = &filter;
		}
		if (!a.rib)
			goto lyerr;
		if (nb_state_bulk() && !f) {
			if (!rib_state_bulk(a.rib)) {
				nb_err_set(err, "", "cannot print the RIB");
				return -ENOMEM;
			}
		} else if ((rib_route_walk(gw.rib, f, rib_route_add, &a), !a.ok))
			goto lyerr;
	}
	if (wants(xpath, "bfd")) {
		struct bfd_state_arg a = { inner(root, "bfd"), true };

		if (!a.bfd || (bfd_session_foreach(gw.bfd, bfd_session_add_state, &a), !a.ok))
			goto lyerr;
	}
	if (wants(xpath, "failover")) {
		struct failover_arg a = { inner(root, "failover"), true };

		if (!a.fo || (rib_source_walk(gw.rib, source_add, &a), !a.ok) ||
		    (rib_journal_walk(gw.rib, journal_add, &a), !a.ok))
			goto lyerr;
	}
	if (wants(xpath, "vpn"))
		return gw_vpn_state(root, xpath, err);
	return 0;
lyerr:
	nb_err_from_ly(err, "state");
	return -ENOMEM;
}
