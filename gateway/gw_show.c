/* gateway/gw_show.c - hybridgwctl show bgp|routes|bfd|failover|vpn: tables from the gateway-state tree. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every view renders the same YANG state tree NETCONF <get> serves (the
 * northbound builds it for the xpath given here and prints it as JSON with
 * --json), so the table, the JSON and NETCONF can never disagree.
 */

static const char *
leaf(const struct lyd_node *n, const char *path)
{
	struct lyd_node	*l = NULL;

	if (!n || lyd_find_path(n, path, 0, &l) != LY_SUCCESS || !l)
		return "";
	return lyd_get_value(l);
}

/* Join the values of a leaf-list under n into buf, comma separated. */
static const char *
leaflist(const struct lyd_node *n, const char *name, char *buf, size_t len)
{
	struct lyd_node	*c;
	size_t		 off = 0;

	buf[0] = '\0';
	LY_LIST_FOR(lyd_child(n), c) {
		if (strcmp(c->schema->name, name) != 0)
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
		    off ? "," : "", lyd_get_value(c));
	}
	return buf[0] ? buf : "-";
}

static const char *
fmt_age(const char *secs, char *buf, size_t len)
{
	unsigned long	 s = strtoul(secs, NULL, 10);

	if (!secs[0])
		return "-";
	if (s >= 86400)
		snprintf(buf, len, "%lud%02luh", s / 86400, (s / 3600) % 24);
	else
		snprintf(buf, len, "%02lu:%02lu:%02lu", s / 3600, (s / 60) % 60, s % 60);
	return buf;
}

/* The list instances under state root at a schema path ("bgp/neighbor"). */
static struct lyd_node *
first_child_named(const struct lyd_node *parent, const char *name)
{
	struct lyd_node	*c;

	LY_LIST_FOR(lyd_child(parent), c)
		if (strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

/* Instances of one list are contiguous siblings in libyang trees. */
#define FOR_EACH_NAMED(parent, nm, it)					\
	for ((it) = first_child_named((parent), (nm)); (it);		\
	    (it) = (it)->next && strcmp((it)->next->schema->name, (nm)) == 0 ? \
	    (it)->next : NULL)

static void
show_bgp_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node	*bgp = first_child_named(st, "bgp"), *nb;
	char		 age[32];

	fprintf(f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n", "Neighbor", "AS",
	    "State", "Up/Down", "PfxRcd", "PfxAcc", "PfxAdv", "Name");
	FOR_EACH_NAMED(bgp, "neighbor", nb) {
		fprintf(f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n",
		    leaf(nb, "address"), leaf(nb, "peer-as"), leaf(nb, "state"),
		    fmt_age(leaf(nb, "uptime"), age, sizeof(age)),
		    leaf(nb, "counters/prefixes-received"),
		    leaf(nb, "counters/prefixes-accepted"),
		    leaf(nb, "counters/prefixes-advertised"), leaf(nb, "name"));
	}
}

static struct lyd_node *
find_neighbor(const struct lyd_node *st, const char *addr)
{
	struct lyd_node	*bgp = first_child_named(st, "bgp"), *nb;

	FOR_EACH_NAMED(bgp, "neighbor", nb)
		if (strcmp(leaf(nb, "address"), addr) == 0)
			return nb;
	return NULL;
}

static void
show_bgp_neighbor(FILE *f, struct lyd_node *nb)
{
	/* clang-format off */
	static const char *const rows[][2] = {
		{ "Name", "name" }, { "Local address", "local-address" },
		{ "Peer AS", "peer-as" }, { "Local AS", "local-as" },
		{ "State", "state" }, { "Peer router-id", "peer-router-id" },
		{ "Hold time", "hold-time" }, { "Keepalive", "keepalive" },
		{ "Last error", "last-error" }, { "Flaps", "flaps" },
		{ "4-octet AS", "capabilities/four-octet-as" },
		{ "Route refresh", "capabilities/route-refresh" },
		{ "Graceful restart", "capabilities/graceful-restart" },
		{ "Extended message", "capabilities/extended-message" },
		{ "Messages in/out", NULL }, { "Updates in/out", NULL },
		{ "Prefixes received", "counters/prefixes-received" },
		{ "Prefixes accepted", "counters/prefixes-accepted" },
		{ "Prefixes advertised", "counters/prefixes-advertised" },
	};
	/* clang-format on */
	char	 age[32];

	fprintf(f, "BGP neighbor %s, up for %s\n", leaf(nb, "address"),
	    fmt_age(leaf(nb, "uptime"), age, sizeof(age)));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i][1] && strncmp(rows[i][0], "Messages", 8) == 0)
			fprintf(f, "  %-20s %s/%s\n", rows[i][0],
			    leaf(nb, "counters/messages-in"), leaf(nb, "counters/messages-out"));
		else if (!rows[i][1])
			fprintf(f, "  %-20s %s/%s\n", rows[i][0],
			    leaf(nb, "counters/updates-in"), leaf(nb, "counters/updates-out"));
		else if (leaf(nb, rows[i][1])[0])
			fprintf(f, "  %-20s %s\n", rows[i][0], leaf(nb, rows[i][1]));
	}
}

static void
show_bgp_routes(FILE *f, struct lyd_node *nb, const char *dir)
{
	struct lyd_node	*r;
	size_t		 n = 0;

	fprintf(f, "%-20s %-26s %8s %8s %-6s %s\n", "Prefix", "Next hop", "LocPrf",
	    "MED", "Origin", "AS path");
	FOR_EACH_NAMED(nb, "route", r) {
		if (strcmp(leaf(r, "direction"), dir) != 0)
			continue;
		fprintf(f, "%-20s %-26s %8s %8s %-6s %s%s%s\n", leaf(r, "prefix"),
		    leaf(r, "next-hop"), leaf(r, "local-pref"), leaf(r, "med"),
		    leaf(r, "origin"), leaf(r, "as-path"),
		    strcmp(leaf(r, "stale"), "true") == 0 ? " (stale)" : "",
		    strcmp(leaf(r, "accepted"), "false") == 0 ? " (not accepted)" : "");
		n++;
	}
	fprintf(f, "%zu routes %s\n", n, dir);
}

static void
show_routes_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node	*rib = first_child_named(st, "rib"), *r;
	char		 a[256], b[256];
	size_t		 n = 0;

	fprintf(f, "%-20s %-8s %-32s %-8s %-32s %s\n", "Prefix", "Active", "Next hops",
	    "Backup", "Backup next hops", "Since");
	FOR_EACH_NAMED(rib, "route", r) {
		const char	*via = leaf(r, "backup-via");
		char		 bk[300];

		snprintf(bk, sizeof(bk), "%s%s%s", leaflist(r, "backup-next-hop", b, sizeof(b)),
		    via[0] ? " via " : "", via);
		fprintf(f, "%-20s %-8s %-32s %-8s %-32s %s%s%s\n", leaf(r, "prefix"),
		    leaf(r, "active-class")[0] ? leaf(r, "active-class") : "none",
		    leaflist(r, "active-next-hop", a, sizeof(a)),
		    leaf(r, "backup-class")[0] ? leaf(r, "backup-class") : "none", bk,
		    leaf(r, "since"), leaf(r, "fib-error")[0] ? "  FIB error: " : "",
		    leaf(r, "fib-error"));
		n++;
	}
	fprintf(f, "%zu prefixes\n", n);
}

static void
show_bfd_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node	*bfd = first_child_named(st, "bfd"), *s;

	fprintf(f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", "Peer", "Local", "State",
	    "Remote", "TX ms", "Detect ms", "Last diagnostic");
	FOR_EACH_NAMED(bfd, "session", s) {
		fprintf(f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", leaf(s, "peer-address"),
		    leaf(s, "local-address"), leaf(s, "state"), leaf(s, "remote-state"),
		    leaf(s, "negotiated-tx"), leaf(s, "detect-time"),
		    leaf(s, "last-diagnostic"));
	}
}

static void
show_failover_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node	*fo = first_child_named(st, "failover"), *e;
	struct lyd_node	*al = first_child_named(st, "alarms"), *a;

	FOR_EACH_NAMED(al, "outbound-prefix-limit", a)
		fprintf(f, "ALARM outbound prefix limit: %s wants %s prefixes, limit %s, "
		    "%s withheld\n", leaf(a, "target"), leaf(a, "wanted"), leaf(a, "limit"),
		    leaf(a, "withheld"));

	fprintf(f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s  %s\n", "ID", "Connection",
	    "Trigger", "Switch", "Detected", "Switch us", "Prefixes", "Groups", "Source");
	FOR_EACH_NAMED(fo, "event", e) {
		char	 sw[40];

		snprintf(sw, sizeof(sw), "%s -> %s",
		    leaf(e, "from-class")[0] ? leaf(e, "from-class") : "none",
		    leaf(e, "to-class")[0] ? leaf(e, "to-class") : "none");
		fprintf(f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s  %s\n", leaf(e, "id"),
		    leaf(e, "connection"), leaf(e, "trigger"), sw, leaf(e, "detected"),
		    leaf(e, "switch-time"), leaf(e, "prefixes-moved"),
		    leaf(e, "groups-rewritten"), leaf(e, "source"));
	}
}

/* ------------------------------------------------------------ the views */

/* show bgp [neighbor ADDR [received|advertised]]: one neighbor's Adj-RIB
 * is built only when asked for. */
static void
bgp_xpath(int nw, char **w, char *buf, size_t len)
{
	if (nw >= 3 && strcmp(w[1], "neighbor") == 0)
		snprintf(buf, len,
		    "/hybridgw:gateway-state/bgp/neighbor[address='%s']/route[direction='%s']",
		    w[2], nw >= 4 ? w[3] : "none");
	else
		snprintf(buf, len, "/hybridgw:gateway-state/bgp");
}

/* --json of one neighbor: only that neighbor. */
static void
bgp_json_trim(struct lyd_node *st, int nw, char **w)
{
	struct lyd_node	*bgp = first_child_named(st, "bgp"), *n, *next;

	if (nw < 3)
		return;
	for (n = bgp ? first_child_named(bgp, "neighbor") : NULL; n; n = next) {
		next = n->next && strcmp(n->next->schema->name, "neighbor") == 0 ?
		    n->next : NULL;
		if (strcmp(leaf(n, "address"), w[2]) != 0)
			lyd_free_tree(n);
	}
}

static int
bgp_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	struct lyd_node	*nb;

	if (nw < 3) {
		show_bgp_table(f, st);
		return 0;
	}
	if (!(nb = find_neighbor(st, w[2]))) {
		fprintf(f, "%% no BGP neighbor %s\n", w[2]);
		return -ENOENT;
	}
	if (nw >= 4 && (strcmp(w[3], "received") == 0 || strcmp(w[3], "advertised") == 0))
		show_bgp_routes(f, nb, w[3]);
	else if (nw >= 4) {
		fprintf(f, "%% expected received or advertised\n");
		return -EINVAL;
	} else
		show_bgp_neighbor(f, nb);
	return 0;
}

/* show routes [PREFIX] */
static void
routes_xpath(int nw, char **w, char *buf, size_t len)
{
	if (nw >= 2)
		snprintf(buf, len, "/hybridgw:gateway-state/rib/route[prefix='%s']", w[1]);
	else
		snprintf(buf, len, "/hybridgw:gateway-state/rib");
}

static int
routes_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	show_routes_table(f, st);
	return 0;
}

static int
bfd_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	show_bfd_table(f, st);
	return 0;
}

static int
failover_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	show_failover_table(f, st);
	return 0;
}

const struct nb_show gw_shows[] = {
	{ "bgp", bgp_xpath, bgp_json_trim, bgp_table },
	{ "routes", routes_xpath, NULL, routes_table },
	{ "bfd", NULL, NULL, bfd_table },
	{ "failover", NULL, NULL, failover_table },
	{ "vpn", NULL, NULL, gw_show_vpn },
	{ NULL, NULL, NULL, NULL },
};
