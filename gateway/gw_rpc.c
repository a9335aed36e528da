/* gateway/gw_rpc.c - operational actions: clear BGP, drain a circuit, what-if (NETCONF RPCs and hybridgwctl commands). */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* ------------------------------------------------------------ the actions */

static bool
is_connection(const char *name)
{
	for (size_t i = 0; i < gw.paths.n; i++)
		if (strcmp(gw.paths.v[i]->spec.connection, name) == 0)
			return true;
	return false;
}

static int
gw_clear_bgp(const char *addr, bool soft, struct nb_err *err)
{
	struct ipaddr	 a;
	struct bgp_peer *p;

	if (ipaddr_parse(addr, &a) != 0) {
		nb_err_set(err, "", "'%s' is not an IP address", addr);
		return -EINVAL;
	}
	if (!gw.bgp || !(p = bgp_peer_find(gw.bgp, &a))) {
		nb_err_set(err, "", "no BGP neighbor %s", addr);
		return -ENOENT;
	}
	return bgp_peer_clear(p, soft);
}

static int
clear_one(struct bgp_peer *p, void *arg)
{
	bool *soft = arg;

	bgp_peer_clear(p, *soft);
	return 0;
}

static int
gw_clear_all(bool soft, uint32_t *n)
{
	*n = 0;
	for (size_t i = 0; i < gw.paths.n; i++)
		if (gw.paths.v[i]->peer)
			(*n)++;
	return gw.bgp ? bgp_peer_foreach(gw.bgp, clear_one, &soft) : 0;
}

static int
gw_whatif(const char *connection, rib_whatif_fn fn, void *arg, struct nb_err *err)
{
	int rc;

	if (!connection) {
		nb_err_set(err, "", "which connection? (none named)");
		return -EINVAL;
	}
	if (!gw.rib || !is_connection(connection)) {
		nb_err_set(err, "", "no connection named '%s'", connection);
		return -ENOENT;
	}
	rc = rib_whatif(gw.rib, connection, fn, arg);
	return rc < 0 && rc != -ENOENT ? rc : 0;
}

struct whatif_arg {
	struct lyd_node *out; /* NULL: count only */
	uint32_t	 moved, unreachable;
	bool		 ok;
};

static int
whatif_cb(void *arg, const struct rib_whatif *w)
{
	struct whatif_arg *a = arg;
	struct lyd_node	  *r = NULL;
	char		   pfx[PREFIX_STRLEN];

	if (w->has_to)
		a->moved++;
	else
		a->unreachable++;
	if (!a->out)
		return 0;
	if (lyd_new_list(a->out, NULL, "route", 1, &r,
		prefix_fmt(&w->prefix, pfx, sizeof(pfx))) != LY_SUCCESS ||
	    lyd_new_term(r, NULL, "from-class", rib_class_name(w->from_class), 1, NULL) !=
		LY_SUCCESS ||
	    (w->has_to &&
		lyd_new_term(r, NULL, "to-class", rib_class_name(w->to_class), 1, NULL) !=
		    LY_SUCCESS)) {
		a->ok = false;
		return 1;
	}
	return 0;
}

/* Drain: traffic leaves the circuit (the journal records trigger 'drain')
 * while its sessions stay up, so the engineer can verify the VPN carries it
 * before the maintenance starts. Operational state: not kept across restarts. */
static int
gw_drain(const char *circuit, bool drain, uint32_t *moved, struct nb_err *err)
{
	struct whatif_arg a = { NULL, 0, 0, true };
	bool		  found = false;
	int		  rc;

	if (!circuit) {
		nb_err_set(err, "", "which circuit? (none named)");
		return -EINVAL;
	}
	for (size_t i = 0; i < gw.paths.n; i++)
		if (gw.paths.v[i]->spec.src.cls == RIB_CLASS_CIRCUIT &&
		    strcmp(gw.paths.v[i]->spec.connection, circuit) == 0)
			found = true;
	if (!found) {
		nb_err_set(err, "", "no circuit named '%s'", circuit);
		return -ENOENT;
	}
	if (drain)
		rib_whatif(gw.rib, circuit, whatif_cb, &a);
	if ((rc = rib_connection_drain(gw.rib, circuit, drain)) != 0) {
		nb_err_set(err, "", "cannot %s circuit '%s': %s", drain ? "drain" : "restore",
		    circuit, strerror(-rc));
		return rc;
	}
	log_info(LOG_MOD_FAILOVER, "circuit %s %s by the operator", circuit,
	    drain ? "drained" : "restored");
	*moved = a.moved;
	return 0;
}

/* ------------------------------------------------------------ NETCONF RPCs */

static const char *
in_leaf(const struct lyd_node *input, const char *name)
{
	struct lyd_node *l = NULL;

	if (lyd_find_path(input, name, 0, &l) != LY_SUCCESS || !l)
		return NULL;
	return lyd_get_value(l);
}

static int
rpc_clear(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	const char *addr = in_leaf(in, "address"), *soft = in_leaf(in, "soft");
	bool	    s = soft && strcmp(soft, "true") == 0;
	uint32_t    n = 1;
	char	    buf[16];
	int	    rc;

	if (addr)
		rc = gw_clear_bgp(addr, s, err);
	else
		rc = gw_clear_all(s, &n);
	if (rc != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%u", n);
	return lyd_new_term(out, NULL, "cleared", buf, 1, NULL) == LY_SUCCESS ? 0 : -ENOMEM;
}

static int
rpc_whatif(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	struct whatif_arg a = { out, 0, 0, true };
	char		  buf[16];
	int		  rc;

	if ((rc = gw_whatif(in_leaf(in, "fail"), whatif_cb, &a, err)) != 0)
		return rc;
	if (!a.ok)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%u", a.moved);
	if (lyd_new_term(out, NULL, "prefixes-moved", buf, 1, NULL) != LY_SUCCESS)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%u", a.unreachable);
	return lyd_new_term(out, NULL, "prefixes-unreachable", buf, 1, NULL) == LY_SUCCESS ?
	    0 :
	    -ENOMEM;
}

static int
rpc_drain(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	const char *d = in_leaf(in, "drain");
	uint32_t    moved = 0;
	char	    buf[16];
	int	    rc;

	if ((rc = gw_drain(in_leaf(in, "name"), !d || strcmp(d, "true") == 0, &moved, err)) !=
	    0)
		return rc;
	snprintf(buf, sizeof(buf), "%u", moved);
	return lyd_new_term(out, NULL, "prefixes-moved", buf, 1, NULL) == LY_SUCCESS ? 0 :
										       -ENOMEM;
}

const struct nb_rpc gw_rpcs[] = {
	{ "clear-bgp-neighbor", rpc_clear },
	{ "drain-circuit", rpc_drain },
	{ "what-if", rpc_whatif },
	{ NULL, NULL },
};

/* ------------------------------------------------------------ hybridgwctl */

static int
err_text(char **out, const struct nb_err *e, int rc)
{
	*out =
	    e->path[0] ? nb_strdupf("%s: %s\n", e->path, e->msg) : nb_strdupf("%s\n", e->msg);
	return rc;
}

/* clear bgp ADDR [soft] */
static int
cmd_clear(int nw, char **w, char **out)
{
	struct nb_err e = { 0 };
	bool	      soft = nw >= 4 && strcmp(w[3], "soft") == 0;

	if (strcmp(w[1], "bgp") != 0) {
		*out = nb_strdupf("clear what? (clear bgp ADDR [soft])\n");
		return -EINVAL;
	}
	if (gw_clear_bgp(w[2], soft, &e) != 0)
		return err_text(out, &e, -EINVAL);
	*out = nb_strdupf("BGP neighbor %s cleared (%s)\n", w[2], soft ? "soft" : "hard");
	return 0;
}

/* drain|restore CIRCUIT */
static int
cmd_drain(int nw, char **w, char **out)
{
	struct nb_err e = { 0 };
	bool	      drain = strcmp(w[0], "drain") == 0;
	uint32_t      moved = 0;

	if (gw_drain(w[1], drain, &moved, &e) != 0)
		return err_text(out, &e, -EINVAL);
	*out = drain ?
	    nb_strdupf("circuit %s drained: %u prefixes moved off it (see show failover)\n",
		w[1], moved) :
	    nb_strdupf("circuit %s restored\n", w[1]);
	return 0;
}

struct whatif_print {
	FILE	*f;
	uint32_t moved, lost;
};

static int
whatif_print(void *arg, const struct rib_whatif *w)
{
	struct whatif_print *a = arg;
	char		     pfx[PREFIX_STRLEN], nh[IPADDR_STRLEN];

	fprintf(a->f, "%-20s %-8s -> %-8s", prefix_fmt(&w->prefix, pfx, sizeof(pfx)),
	    rib_class_name(w->from_class), w->has_to ? rib_class_name(w->to_class) : "none");
	for (size_t i = 0; i < w->n_nh; i++)
		fprintf(a->f, "%s%s", i ? "," : " via ", ipaddr_fmt(&w->nh[i], nh, sizeof(nh)));
	fputc('\n', a->f);
	if (w->has_to)
		a->moved++;
	else
		a->lost++;
	return 0;
}

/* what-if CONNECTION */
static int
cmd_whatif(int nw, char **w, char **out)
{
	struct nb_err	    e = { 0 };
	struct whatif_print a = { NULL, 0, 0 };
	char		   *buf = NULL;
	size_t		    len = 0;
	int		    rc;

	if (!(a.f = open_memstream(&buf, &len)))
		return -ENOMEM;
	fprintf(a.f, "If %s failed now:\n%-20s %-8s    %-8s\n", w[1], "Prefix", "From", "To");
	rc = gw_whatif(w[1], whatif_print, &a, &e);
	fprintf(a.f, "%u prefixes would move, %u would have no path\n", a.moved, a.lost);
	fclose(a.f);
	if (rc != 0) {
		free(buf);
		return err_text(out, &e, -EINVAL);
	}
	*out = buf;
	return 0;
}

const struct nb_cmd gw_cmds[] = {
	{ "clear", "clear bgp ADDR [soft]", 3, 16, cmd_clear },
	{ "drain", "drain|restore CIRCUIT", 2, 2, cmd_drain },
	{ "restore", NULL, 2, 2, cmd_drain },
	{ "what-if", "what-if CONNECTION", 2, 2, cmd_whatif },
	{ NULL, NULL, 0, 0, NULL },
};
