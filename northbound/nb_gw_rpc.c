/* northbound/nb_gw_rpc.c - operational actions: clear BGP, drain a circuit, what-if (NETCONF RPCs and hybridgwctl). */
#include "northbound/nb_gw_local.h"
#include "northbound/nb_local.h"
#include "northbound/nb_netconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static const char *
in_leaf(const struct lyd_node *input, const char *name)
{
	struct lyd_node	*l = NULL;

	if (lyd_find_path(input, name, 0, &l) != LY_SUCCESS || !l)
		return NULL;
	return lyd_get_value(l);
}

static bool
is_connection(const char *name)
{
	for (size_t i = 0; i < gw.npaths; i++)
		if (strcmp(gw.paths[i]->spec.connection, name) == 0)
			return true;
	return false;
}

static int
clear_one(struct bgp_peer *p, void *arg)
{
	bool	*soft = arg;

	bgp_peer_clear(p, *soft);
	return 0;
}

int
nb_gw_clear_all(bool soft, uint32_t *n)
{
	*n = 0;
	for (size_t i = 0; i < gw.npaths; i++)
		if (gw.paths[i]->peer)
			(*n)++;
	return bgp_peer_foreach(gw.bgp, clear_one, &soft);
}

static int
rpc_clear(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	const char	*addr = in_leaf(in, "address"), *soft = in_leaf(in, "soft");
	bool		 s = soft && strcmp(soft, "true") == 0;
	uint32_t	 n = 1;
	char		 buf[16];
	int		 rc;

	if (addr)
		rc = nb_gw_clear_bgp(addr, s, err);
	else
		rc = nb_gw_clear_all(s, &n);
	if (rc != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%u", n);
	return lyd_new_term(out, NULL, "cleared", buf, 1, NULL) == LY_SUCCESS ? 0 : -ENOMEM;
}

struct whatif_arg {
	struct lyd_node	*out;		/* NULL: count only */
	uint32_t	 moved, unreachable;
	bool		 ok;
};

static int
whatif_cb(void *arg, const struct rib_whatif *w)
{
	struct whatif_arg	*a = arg;
	struct lyd_node		*r = NULL;
	char			 pfx[PREFIX_STRLEN];

	if (w->has_to)
		a->moved++;
	else
		a->unreachable++;
	if (!a->out)
		return 0;
	if (lyd_new_list(a->out, NULL, "route", 1, &r, prefix_fmt(&w->prefix, pfx,
	    sizeof(pfx))) != LY_SUCCESS ||
	    lyd_new_term(r, NULL, "from-class", rib_class_name(w->from_class), 1, NULL) !=
	    LY_SUCCESS ||
	    (w->has_to && lyd_new_term(r, NULL, "to-class", rib_class_name(w->to_class), 1,
	    NULL) != LY_SUCCESS)) {
		a->ok = false;
		return 1;
	}
	return 0;
}

int
nb_gw_whatif(const char *connection, rib_whatif_fn fn, void *arg, struct nb_err *err)
{
	int	 rc;

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

static int
rpc_whatif(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	struct whatif_arg	 a = { out, 0, 0, true };
	char			 buf[16];
	int			 rc;

	if ((rc = nb_gw_whatif(in_leaf(in, "fail"), whatif_cb, &a, err)) != 0)
		return rc;
	if (!a.ok)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%u", a.moved);
	if (lyd_new_term(out, NULL, "prefixes-moved", buf, 1, NULL) != LY_SUCCESS)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%u", a.unreachable);
	return lyd_new_term(out, NULL, "prefixes-unreachable", buf, 1, NULL) == LY_SUCCESS ?
	    0 : -ENOMEM;
}

/* Drain: traffic leaves the circuit (the journal records trigger 'drain')
 * while its sessions stay up, so the engineer can verify the VPN carries it
 * before the maintenance starts. Operational state: not kept across restarts. */
int
nb_gw_drain(const char *circuit, bool drain, uint32_t *moved, struct nb_err *err)
{
	struct whatif_arg	 a = { NULL, 0, 0, true };
	bool			 found = false;
	int			 rc;

	if (!circuit) {
		nb_err_set(err, "", "which circuit? (none named)");
		return -EINVAL;
	}
	for (size_t i = 0; i < gw.npaths; i++)
		if (gw.paths[i]->spec.src.cls == RIB_CLASS_CIRCUIT &&
		    strcmp(gw.paths[i]->spec.connection, circuit) == 0)
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

static int
rpc_drain(const struct lyd_node *in, struct lyd_node *out, struct nb_err *err)
{
	const char	*d = in_leaf(in, "drain");
	uint32_t	 moved = 0;
	char		 buf[16];
	int		 rc;

	if ((rc = nb_gw_drain(in_leaf(in, "name"), !d || strcmp(d, "true") == 0, &moved,
	    err)) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%u", moved);
	return lyd_new_term(out, NULL, "prefixes-moved", buf, 1, NULL) == LY_SUCCESS ?
	    0 : -ENOMEM;
}

void
gw_rpc_register(void)
{
	nb_rpc_register("clear-bgp-neighbor", rpc_clear);
	nb_rpc_register("drain-circuit", rpc_drain);
	nb_rpc_register("what-if", rpc_whatif);
}
