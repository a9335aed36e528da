/* northbound/nb_show.c - hybridgwctl requests: show tables and JSON from one YANG state tree, config ops. */
#include "northbound/nb_local.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "failover/rib.h"

/* A growing output buffer (open_memstream keeps it simple). */
struct out {
	FILE	*f;
	char	*buf;
	size_t	 len;
};

static int
out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f ? 0 : -ENOMEM;
}

static char *
out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

static char *
strdupf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

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

static int
print_tree_json(struct lyd_node *tree, char **out)
{
	char	*s = NULL;

	if (lyd_print_mem(&s, tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
		return -ENOMEM;
	*out = s ? s : strdup("{}\n");
	return 0;
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
show_bgp_table(struct out *o, struct lyd_node *st)
{
	struct lyd_node	*bgp = first_child_named(st, "bgp"), *nb;
	char		 age[32];

	fprintf(o->f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n", "Neighbor", "AS",
	    "State", "Up/Down", "PfxRcd", "PfxAcc", "PfxAdv", "Name");
	FOR_EACH_NAMED(bgp, "neighbor", nb) {
		fprintf(o->f, "%-26s %-10s %-12s %-10s %8s %8s %8s  %s\n",
		    leaf(nb, "address"), leaf(nb, "peer-as"), leaf(nb, "state"),
		    fmt_age(leaf(nb, "uptime"), age, sizeof(age)),
		    leaf(nb, "counters/prefixes-received"),
		    leaf(nb, "counters/prefixes-accepted"),
		    leaf(nb, "counters/prefixes-advertised"), leaf(nb, "name"));
	}
}

static struct lyd_node *
find_neighbor(struct lyd_node *st, const char *addr)
{
	struct lyd_node	*bgp = first_child_named(st, "bgp"), *nb;

	FOR_EACH_NAMED(bgp, "neighbor", nb)
		if (strcmp(leaf(nb, "address"), addr) == 0)
			return nb;
	return NULL;
}

static void
show_bgp_neighbor(struct out *o, struct lyd_node *nb)
{
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
	char	 age[32];

	fprintf(o->f, "BGP neighbor %s, up for %s\n", leaf(nb, "address"),
	    fmt_age(leaf(nb, "uptime"), age, sizeof(age)));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i][1] && strncmp(rows[i][0], "Messages", 8) == 0)
			fprintf(o->f, "  %-20s %s/%s\n", rows[i][0],
			    leaf(nb, "counters/messages-in"), leaf(nb, "counters/messages-out"));
		else if (!rows[i][1])
			fprintf(o->f, "  %-20s %s/%s\n", rows[i][0],
			    leaf(nb, "counters/updates-in"), leaf(nb, "counters/updates-out"));
		else if (leaf(nb, rows[i][1])[0])
			fprintf(o->f, "  %-20s %s\n", rows[i][0], leaf(nb, rows[i][1]));
	}
}

static void
show_bgp_routes(struct out *o, struct lyd_node *nb, const char *dir)
{
	struct lyd_node	*r;
	size_t		 n = 0;

	fprintf(o->f, "%-20s %-26s %8s %8s %-6s %s\n", "Prefix", "Next hop", "LocPrf",
	    "MED", "Origin", "AS path");
	FOR_EACH_NAMED(nb, "route", r) {
		if (strcmp(leaf(r, "direction"), dir) != 0)
			continue;
		fprintf(o->f, "%-20s %-26s %8s %8s %-6s %s%s%s\n", leaf(r, "prefix"),
		    leaf(r, "next-hop"), leaf(r, "local-pref"), leaf(r, "med"),
		    leaf(r, "origin"), leaf(r, "as-path"),
		    strcmp(leaf(r, "stale"), "true") == 0 ? " (stale)" : "",
		    strcmp(leaf(r, "accepted"), "false") == 0 ? " (not accepted)" : "");
		n++;
	}
	fprintf(o->f, "%zu routes %s\n", n, dir);
}

static void
show_routes_table(struct out *o, struct lyd_node *st)
{
	struct lyd_node	*rib = first_child_named(st, "rib"), *r;
	char		 a[256], b[256];
	size_t		 n = 0;

	fprintf(o->f, "%-20s %-8s %-32s %-8s %-32s %s\n", "Prefix", "Active", "Next hops",
	    "Backup", "Backup next hops", "Since");
	FOR_EACH_NAMED(rib, "route", r) {
		const char	*via = leaf(r, "backup-via");
		char		 bk[300];

		snprintf(bk, sizeof(bk), "%s%s%s", leaflist(r, "backup-next-hop", b, sizeof(b)),
		    via[0] ? " via " : "", via);
		fprintf(o->f, "%-20s %-8s %-32s %-8s %-32s %s%s%s\n", leaf(r, "prefix"),
		    leaf(r, "active-class")[0] ? leaf(r, "active-class") : "none",
		    leaflist(r, "active-next-hop", a, sizeof(a)),
		    leaf(r, "backup-class")[0] ? leaf(r, "backup-class") : "none", bk,
		    leaf(r, "since"), leaf(r, "fib-error")[0] ? "  FIB error: " : "",
		    leaf(r, "fib-error"));
		n++;
	}
	fprintf(o->f, "%zu prefixes\n", n);
}

static void
show_bfd_table(struct out *o, struct lyd_node *st)
{
	struct lyd_node	*bfd = first_child_named(st, "bfd"), *s;

	fprintf(o->f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", "Peer", "Local", "State",
	    "Remote", "TX ms", "Detect ms", "Last diagnostic");
	FOR_EACH_NAMED(bfd, "session", s) {
		fprintf(o->f, "%-26s %-26s %-10s %-10s %8s %10s  %s\n", leaf(s, "peer-address"),
		    leaf(s, "local-address"), leaf(s, "state"), leaf(s, "remote-state"),
		    leaf(s, "negotiated-tx"), leaf(s, "detect-time"),
		    leaf(s, "last-diagnostic"));
	}
}

static void
show_failover_table(struct out *o, struct lyd_node *st)
{
	struct lyd_node	*fo = first_child_named(st, "failover"), *e;
	struct lyd_node	*al = first_child_named(st, "alarms"), *a;

	FOR_EACH_NAMED(al, "outbound-prefix-limit", a)
		fprintf(o->f, "ALARM outbound prefix limit: %s wants %s prefixes, limit %s, "
		    "%s withheld\n", leaf(a, "target"), leaf(a, "wanted"), leaf(a, "limit"),
		    leaf(a, "withheld"));

	fprintf(o->f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s\n", "ID", "Connection",
	    "Trigger", "Switch", "Detected", "Switch us", "Prefixes", "Groups");
	FOR_EACH_NAMED(fo, "event", e) {
		char	 sw[40];

		snprintf(sw, sizeof(sw), "%s -> %s",
		    leaf(e, "from-class")[0] ? leaf(e, "from-class") : "none",
		    leaf(e, "to-class")[0] ? leaf(e, "to-class") : "none");
		fprintf(o->f, "%-5s %-14s %-11s %-17s %-28s %10s %9s %7s\n", leaf(e, "id"),
		    leaf(e, "connection"), leaf(e, "trigger"), sw, leaf(e, "detected"),
		    leaf(e, "switch-time"), leaf(e, "prefixes-moved"),
		    leaf(e, "groups-rewritten"));
	}
}

static bool
has_flag(int nw, char **w, const char *flag)
{
	for (int i = 0; i < nw; i++)
		if (strcmp(w[i], flag) == 0)
			return true;
	return false;
}

/* Drop flags (--x) so positional words line up. */
static int
strip_flags(int nw, char **w)
{
	int	 n = 0;

	for (int i = 0; i < nw; i++)
		if (strncmp(w[i], "--", 2) != 0)
			w[n++] = w[i];
	return n;
}

static int
err_out(char **out, const struct nb_err *e)
{
	*out = e->path[0] ? strdupf("%s: %s\n", e->path, e->msg) : strdupf("%s\n", e->msg);
	return -EINVAL;
}

static int
show_config(bool json, bool secrets, char **out)
{
	struct lyd_node	*dup = NULL;
	char		*s = NULL;
	int		 rc = 0;

	if (nb_running() &&
	    lyd_dup_siblings(nb_running(), NULL, LYD_DUP_RECURSIVE, &dup) != LY_SUCCESS)
		return -ENOMEM;
	if (!secrets)
		nb_tree_strip_secrets(dup);
	if (lyd_print_mem(&s, dup, json ? LYD_JSON : LYD_XML, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
		rc = -ENOMEM;
	lyd_free_all(dup);
	*out = s ? s : strdup(json ? "{}\n" : "");
	return rc;
}

static int
show_state(int nw, char **w, bool json, char **out)
{
	struct lyd_node	*st = NULL, *nb = NULL;
	struct nb_err	 e = { 0 };
	struct out	 o;
	char		 xp[512];
	const char	*what = w[1];
	int		 rc;

	/* The xpath tells state builders how much to fill (e.g. one
	 * neighbor's Adj-RIB) - the same convention NETCONF <get> uses. */
	if (strcmp(what, "bgp") == 0 && nw >= 4 && strcmp(w[2], "neighbor") == 0)
		snprintf(xp, sizeof(xp),
		    "/hybridgw:gateway-state/bgp/neighbor[address='%s']/route[direction='%s']",
		    w[3], nw >= 5 ? w[4] : "none");
	else if (strcmp(what, "routes") == 0 && nw >= 3)
		snprintf(xp, sizeof(xp), "/hybridgw:gateway-state/rib/route[prefix='%s']", w[2]);
	else
		snprintf(xp, sizeof(xp), "/hybridgw:gateway-state/%s",
		    strcmp(what, "routes") == 0 ? "rib" : what);
	if ((rc = nb_state_get(xp, &st, &e)) != 0)
		return err_out(out, &e);
	if (json && strcmp(what, "bgp") == 0 && nw >= 4) {
		/* Only the neighbor asked for. */
		struct lyd_node	*bgp = first_child_named(st, "bgp"), *n, *next;

		for (n = bgp ? first_child_named(bgp, "neighbor") : NULL; n; n = next) {
			next = n->next && strcmp(n->next->schema->name, "neighbor") == 0 ?
			    n->next : NULL;
			if (strcmp(leaf(n, "address"), w[3]) != 0)
				lyd_free_tree(n);
		}
	}
	if (json) {
		rc = print_tree_json(st, out);
		lyd_free_all(st);
		return rc;
	}
	if (out_open(&o) != 0) {
		lyd_free_all(st);
		return -ENOMEM;
	}
	if (strcmp(what, "bgp") == 0 && nw >= 4) {
		if (!(nb = find_neighbor(st, w[3])))
			fprintf(o.f, "%% no BGP neighbor %s\n", w[3]), rc = -ENOENT;
		else if (nw >= 5 && (strcmp(w[4], "received") == 0 ||
		    strcmp(w[4], "advertised") == 0))
			show_bgp_routes(&o, nb, w[4]);
		else if (nw >= 5)
			fprintf(o.f, "%% expected received or advertised\n"), rc = -EINVAL;
		else
			show_bgp_neighbor(&o, nb);
	} else if (strcmp(what, "bgp") == 0)
		show_bgp_table(&o, st);
	else if (strcmp(what, "routes") == 0)
		show_routes_table(&o, st);
	else if (strcmp(what, "bfd") == 0)
		show_bfd_table(&o, st);
	else if (strcmp(what, "failover") == 0)
		show_failover_table(&o, st);
	else
		fprintf(o.f, "hybridgw %s, up %s s\n", leaf(st, "version"), leaf(st, "uptime"));
	*out = out_close(&o);
	lyd_free_all(st);
	return rc;
}

static int
config_op(const char *op, const char *body, char **out)
{
	struct lyd_node	*tree = NULL, *diff = NULL;
	struct nb_err	 e = { 0 };
	char		*s = NULL;
	int		 rc;

	if (strcmp(op, "save") == 0) {
		if ((rc = nb_startup_save(&e)) != 0)
			return err_out(out, &e);
		*out = strdupf("running configuration saved to %s\n", nb_startup_path());
		return 0;
	}
	if ((rc = nb_config_parse_mem(body, LYD_UNKNOWN, &tree, &e)) != 0)
		return err_out(out, &e);
	if (strcmp(op, "validate") == 0) {
		rc = nb_check(tree, &e);
		lyd_free_all(tree);
		if (rc != 0)
			return err_out(out, &e);
		*out = strdup("configuration is valid\n");
		return 0;
	}
	if (strcmp(op, "apply") == 0) {
		if ((rc = nb_commit(tree, &e)) != 0)
			return err_out(out, &e);
		log_info(LOG_MOD_NB, "configuration applied through the control socket");
		*out = strdup("configuration applied\n");
		return 0;
	}
	if (strcmp(op, "diff") == 0) {
		if (lyd_diff_siblings(nb_running(), tree, 0, &diff) != LY_SUCCESS) {
			lyd_free_all(tree);
			nb_err_from_ly(&e, "diff");
			return err_out(out, &e);
		}
		nb_tree_strip_secrets(diff);
		lyd_print_mem(&s, diff, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		lyd_free_all(diff);
		lyd_free_all(tree);
		*out = s ? s : strdup("no changes\n");
		return 0;
	}
	*out = strdupf("unknown config operation '%s' (validate, apply, diff, save)\n", op);
	return -EINVAL;
}

struct whatif_print {
	struct out	*o;
	uint32_t	 moved, lost;
};

static int
whatif_print(void *arg, const struct rib_whatif *w)
{
	struct whatif_print	*a = arg;
	char			 pfx[PREFIX_STRLEN], nh[IPADDR_STRLEN];

	fprintf(a->o->f, "%-20s %-8s -> %-8s", prefix_fmt(&w->prefix, pfx, sizeof(pfx)),
	    rib_class_name(w->from_class), w->has_to ? rib_class_name(w->to_class) : "none");
	for (size_t i = 0; i < w->n_nh; i++)
		fprintf(a->o->f, "%s%s", i ? "," : " via ", ipaddr_fmt(&w->nh[i], nh, sizeof(nh)));
	fputc('\n', a->o->f);
	if (w->has_to)
		a->moved++;
	else
		a->lost++;
	return 0;
}

static int
ops_request(int nw, char **w, char **out)
{
	struct nb_err	 e = { 0 };
	uint32_t	 moved = 0;
	int		 rc;

	if (strcmp(w[0], "what-if") == 0) {
		struct out		 o;
		struct whatif_print	 a = { &o, 0, 0 };

		if (out_open(&o) != 0)
			return -ENOMEM;
		fprintf(o.f, "If %s failed now:\n%-20s %-8s    %-8s\n", w[1], "Prefix", "From", "To");
		rc = nb_gw_whatif(w[1], whatif_print, &a, &e);
		fprintf(o.f, "%u prefixes would move, %u would have no path\n", a.moved, a.lost);
		*out = out_close(&o);
		if (rc != 0) {
			free(*out);
			return err_out(out, &e);
		}
		return 0;
	}
	if ((rc = nb_gw_drain(w[1], strcmp(w[0], "drain") == 0, &moved, &e)) != 0)
		return err_out(out, &e);
	*out = strcmp(w[0], "drain") == 0 ?
	    strdupf("circuit %s drained: %u prefixes moved off it (see show failover)\n", w[1],
	    moved) : strdupf("circuit %s restored\n", w[1]);
	return 0;
}

int
nb_show_request(int nw, char **w, const char *body, char **out)
{
	bool	 json = has_flag(nw, w, "--json");
	bool	 secrets = has_flag(nw, w, "--with-secrets");

	*out = NULL;
	nw = strip_flags(nw, w);
	if (nw >= 2 && strcmp(w[0], "show") == 0) {
		if (strcmp(w[1], "config") == 0)
			return show_config(json, secrets, out);
		if (strcmp(w[1], "version") == 0 || strcmp(w[1], "bgp") == 0 ||
		    strcmp(w[1], "routes") == 0 || strcmp(w[1], "bfd") == 0 ||
		    strcmp(w[1], "failover") == 0)
			return show_state(nw, w, json, out);
	} else if (nw >= 2 && strcmp(w[0], "config") == 0)
		return config_op(w[1], body, out);
	else if (nw >= 3 && strcmp(w[0], "clear") == 0 && strcmp(w[1], "bgp") == 0) {
		struct nb_err	 e = { 0 };
		bool		 soft = nw >= 4 && strcmp(w[3], "soft") == 0;

		if (nb_gw_clear_bgp(w[2], soft, &e) != 0)
			return err_out(out, &e);
		*out = strdupf("BGP neighbor %s cleared (%s)\n", w[2], soft ? "soft" : "hard");
		return 0;
	} else if (nw == 2 && (strcmp(w[0], "drain") == 0 || strcmp(w[0], "restore") == 0 ||
	    strcmp(w[0], "what-if") == 0))
		return ops_request(nw, w, out);
	else if (nw == 2 && strcmp(w[0], "debug") == 0) {
		if (log_set_debug(w[1]) != 0) {
			*out = strdupf("unknown debug module in '%s'\n", w[1]);
			return -EINVAL;
		}
		*out = strdupf("debug: %s\n", w[1]);
		return 0;
	}
	*out = strdup("unknown command; try: show version|config|bgp|routes|bfd|failover, "
	    "config validate|apply|diff|save, clear bgp ADDR [soft], drain|restore CIRCUIT, "
	    "what-if CONNECTION, debug LIST\n");
	return -EINVAL;
}
