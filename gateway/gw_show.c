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

const char *
gw_leaf(const struct lyd_node *n, const char *path)
{
	struct lyd_node *l = NULL;

	if (!n || lyd_find_path(n, path, 0, &l) != LY_SUCCESS || !l)
		return "";
	return lyd_get_value(l);
}

/* Join the values of a leaf-list under n into buf, comma separated. */
static const char *
leaflist(const struct lyd_node *n, const char *name, char *buf, size_t len)
{
	struct lyd_node *c;
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

const char *
gw_age(const char *secs, char *buf, size_t len)
{
	unsigned long s = strtoul(secs, NULL, 10);

	if (!secs[0])
		return "-";
	if (s >= 86400)
		snprintf(buf, len, "%lud%02luh", s / 86400, (s / 3600) % 24);
	else
		snprintf(buf, len, "%02lu:%02lu:%02lu", s / 3600, (s / 60) % 60, s % 60);
	return buf;
}

/* The list instances under state root at a schema path ("bgp/neighbor"). */
struct lyd_node *
gw_first(const struct lyd_node *parent, const char *name)
{
	struct lyd_node *c;

	LY_LIST_FOR(lyd_child(parent), c)
		if (strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

static void
show_bgp_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node *bgp = gw_first(st, "bgp"), *nb;
	char		 age[32];

	fprintf(f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n", "Neighbor", "AS", "State",
	    "Up/Down", "PfxRcd", "PfxAcc", "PfxAdv", "Name");
	GW_FOR_EACH_NAMED(bgp, "neighbor", nb)
	{
		fprintf(f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n", gw_leaf(nb, "address"),
		    gw_leaf(nb, "peer-as"), gw_leaf(nb, "state"),
		    gw_age(gw_leaf(nb, "uptime"), age, sizeof(age)),
		    gw_leaf(nb, "counters/prefixes-received"),
		    gw_leaf(nb, "counters/prefixes-accepted"),
		    gw_leaf(nb, "counters/prefixes-advertised"), gw_leaf(nb, "name"));
	}
}

static struct lyd_node *
find_neighbor(const struct lyd_node *st, const char *addr)
{
	struct lyd_node *bgp = gw_first(st, "bgp"), *nb;

	GW_FOR_EACH_NAMED(bgp, "neighbor", nb)
	if (strcmp(gw_leaf(nb, "address"), addr) == 0)
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
	char age[32];

	fprintf(f, "BGP neighbor %s, up for %s\n", gw_leaf(nb, "address"),
	    gw_age(gw_leaf(nb, "uptime"), age, sizeof(age)));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i][1] && strncmp(rows[i][0], "Messages", 8) == 0)
			fprintf(f, "  %-20s %s/%s\n", rows[i][0],
			    gw_leaf(nb, "counters/messages-in"),
			    gw_leaf(nb, "counters/messages-out"));
		else if (!rows[i][1])
			fprintf(f, "  %-20s %s/%s\n", rows[i][0],
			    gw_leaf(nb, "counters/updates-in"),
			    gw_leaf(nb, "counters/updates-out"));
		else if (gw_leaf(nb, rows[i][1])[0])
			fprintf(f, "  %-20s %s\n", rows[i][0], gw_leaf(nb, rows[i][1]));
	}
}

static void
show_bgp_routes(FILE *f, struct lyd_node *nb, const char *dir)
{
	struct lyd_node *r;
	size_t		 n = 0;

	fprintf(f, "%-20s %-26s %8s %8s %-6s %s\n", "Prefix", "Next hop", "LocPrf", "MED",
	    "Origin", "AS path");
	GW_FOR_EACH_NAMED(nb, "route", r)
	{
		if (strcmp(gw_leaf(r, "direction"), dir) != 0)
			continue;
		fprintf(f, "%-20s %-26s %8s %8s %-6s %s%s%s\n", gw_leaf(r, "prefix"),
		    gw_leaf(r, "next-hop"), gw_leaf(r, "local-pref"), gw_leaf(r, "med"),
		    gw_leaf(r, "origin"), gw_leaf(r, "as-path"),
		    strcmp(gw_leaf(r, "stale"), "true") == 0 ? " (stale)" : "",
		    strcmp(gw_leaf(r, "accepted"), "false") == 0 ? " (not accepted)" : "");
		n++;
	}
	fprintf(f, "%zu routes %s\n", n, dir);
}

static void
show_routes_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node *rib = gw_first(st, "rib"), *r;
	char		 a[256], b[256];
	size_t		 n = 0;

	fprintf(f, "%-20s %-8s %-32s %-8s %-32s %s\n", "Prefix", "Active", "Next hops",
	    "Backup", "Backup next hops", "Since");
	GW_FOR_EACH_NAMED(rib, "route", r)
	{
		const char *via = gw_leaf(r, "backup-via");
		char	    bk[300];

		snprintf(bk, sizeof(bk), "%s%s%s", leaflist(r, "backup-next-hop", b, sizeof(b)),
		    via[0] ? " via " : "", via);
		fprintf(f, "%-20s %-8s %-32s %-8s %-32s %s%s%s\n", gw_leaf(r, "prefix"),
		    gw_leaf(r, "active-class")[0] ? gw_leaf(r, "active-class") : "none",
		    leaflist(r, "active-next-hop", a, sizeof(a)),
		    gw_leaf(r, "backup-class")[0] ? gw_leaf(r, "backup-class") : "none", bk,
		    gw_leaf(r, "since"), gw_leaf(r, "fib-error")[0] ? "  FIB error: " : "",
		    gw_leaf(r, "fib-error"));
		n++;
	}
	fprintf(f, "%zu prefixes\n", n);
}

static void
show_bfd_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node *bfd = gw_first(st, "bfd"), *s;

	fprintf(f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", "Peer", "Local", "State", "Remote",
	    "TX ms", "Detect ms", "Last diagnostic");
	GW_FOR_EACH_NAMED(bfd, "session", s)
	{
		fprintf(f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", gw_leaf(s, "peer-address"),
		    gw_leaf(s, "local-address"), gw_leaf(s, "state"),
		    gw_leaf(s, "remote-state"), gw_leaf(s, "negotiated-tx"),
		    gw_leaf(s, "detect-time"), gw_leaf(s, "last-diagnostic"));
	}
}

static void
show_failover_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node *fo = gw_first(st, "failover"), *e;
	struct lyd_node *al = gw_first(st, "alarms"), *a;

	GW_FOR_EACH_NAMED(al, "outbound-prefix-limit", a)
	fprintf(f,
	    "ALARM outbound prefix limit: %s wants %s prefixes, limit %s, "
	    "%s withheld\n",
	    gw_leaf(a, "target"), gw_leaf(a, "wanted"), gw_leaf(a, "limit"),
	    gw_leaf(a, "withheld"));

	fprintf(f, "%-32s %-14s %-8s %-17s %-12s %-7s %5s\n", "Source", "Connection", "Class",
	    "State", "Waiting for", "Drained", "Paths");
	GW_FOR_EACH_NAMED(fo, "source", e)
	{
		char		 state[40], wait[48] = "";
		struct lyd_node *w;

		snprintf(state, sizeof(state), "%s", gw_leaf(e, "state"));
		if (gw_leaf(e, "failback-in")[0])
			snprintf(state, sizeof(state), "failback in %.1fs",
			    atof(gw_leaf(e, "failback-in")) / 1000.0);
		GW_FOR_EACH_NAMED(e, "waiting-for", w)
		{
			size_t n = strlen(wait);

			snprintf(wait + n, sizeof(wait) - n, "%s%s", n ? "," : "",
			    lyd_get_value(w));
		}
		fprintf(f, "%-32s %-14s %-8s %-17s %-12s %-7s %5s\n", gw_leaf(e, "name"),
		    gw_leaf(e, "connection"), gw_leaf(e, "class"), state, wait[0] ? wait : "-",
		    strcmp(gw_leaf(e, "drained"), "true") == 0 ? "yes" : "no",
		    gw_leaf(e, "paths"));
	}
	fputc('\n', f);
	fprintf(f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s  %s\n", "ID", "Connection",
	    "Trigger", "Switch", "Detected", "Switch us", "Prefixes", "Groups", "Source");
	GW_FOR_EACH_NAMED(fo, "event", e)
	{
		char sw[40];

		snprintf(sw, sizeof(sw), "%s -> %s",
		    gw_leaf(e, "from-class")[0] ? gw_leaf(e, "from-class") : "none",
		    gw_leaf(e, "to-class")[0] ? gw_leaf(e, "to-class") : "none");
		fprintf(f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s  %s\n", gw_leaf(e, "id"),
		    gw_leaf(e, "connection"), gw_leaf(e, "trigger"), sw, gw_leaf(e, "detected"),
		    gw_leaf(e, "switch-time"), gw_leaf(e, "prefixes-moved"),
		    gw_leaf(e, "groups-rewritten"), gw_leaf(e, "source"));
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
	struct lyd_node *bgp = gw_first(st, "bgp"), *n, *next;

	if (nw < 3)
		return;
	for (n = bgp ? gw_first(bgp, "neighbor") : NULL; n; n = next) {
		next =
		    n->next && strcmp(n->next->schema->name, "neighbor") == 0 ? n->next : NULL;
		if (strcmp(gw_leaf(n, "address"), w[2]) != 0)
			lyd_free_tree(n);
	}
}

static int
bgp_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	struct lyd_node *nb;

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
