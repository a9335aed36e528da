/* northbound/nb_notify.c - notifications of the gateway's modules, built here and handed to the process's sink. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_notify.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "northbound/northbound.h"

#define NBNC_MOD "hybridgw-netconf"

/*
 * Set once at start-up, before any thread sends: hybridgwd's sink is the
 * channel to hybridgw-netconf (nb_chan_srv.c), hybridgw-netconf's its own
 * queue to the sessions (nb_nc_notify.c).
 */
static nb_notify_sink_fn nb_sink;

void
nb_notify_sink_set(nb_notify_sink_fn fn)
{
	nb_sink = fn;
}

bool
nb_notify_enabled(void)
{
	return nb_sink != NULL;
}

int
nb_notify_send(struct lyd_node *notif)
{
	struct timespec ts;

	if (!notif)
		return -EINVAL;
	if (!nb_sink) {
		lyd_free_all(notif);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return nb_sink(notif, &ts);
}

/* ------------------------------------------- the gateway's notifications */

static struct lyd_node *
nbnc_hgw_notif(const char *name)
{
	const struct lys_module *m;
	struct lyd_node		*n = NULL;

	if (!nb_sink || !nb_ctx() || !(m = ly_ctx_get_module_implemented(nb_ctx(), NBNC_MOD)))
		return NULL;
	if (lyd_new_inner(NULL, m, name, 0, &n) != LY_SUCCESS)
		return NULL;
	return n;
}

static void
leaf_str(struct lyd_node *n, const char *name, const char *v)
{
	if (v)
		lyd_new_term(n, NULL, name, v, 0, NULL);
}

static void
leaf_u64(struct lyd_node *n, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	lyd_new_term(n, NULL, name, buf, 0, NULL);
}

void
nb_notify_path_switch(const struct nb_path_switch *ev)
{
	struct lyd_node *n = nbnc_hgw_notif("path-switch");

	if (!n)
		return;
	leaf_u64(n, "id", ev->id);
	leaf_str(n, "connection", ev->connection);
	leaf_str(n, "source", ev->source);
	leaf_str(n, "trigger", ev->trigger);
	leaf_str(n, "from-class", ev->from_class);
	leaf_str(n, "to-class", ev->to_class);
	leaf_u64(n, "prefixes-moved", ev->prefixes_moved);
	leaf_u64(n, "groups-rewritten", ev->groups_rewritten);
	leaf_u64(n, "switch-time", ev->switch_time_us);
	nb_notify_send(n);
}

void
nb_notify_bgp_session(const char *neighbor, const char *name, bool up, const char *reason)
{
	struct lyd_node *n = nbnc_hgw_notif("bgp-session-state");

	if (!n)
		return;
	if (lyd_new_term(n, NULL, "neighbor", neighbor, 0, NULL) != LY_SUCCESS) {
		lyd_free_all(n);
		return;
	}
	leaf_str(n, "name", name);
	leaf_str(n, "state", up ? "up" : "down");
	leaf_str(n, "reason", reason);
	nb_notify_send(n);
}

void
nb_notify_tunnel_state(const char *connection, const char *tunnel, const char *ifname, bool up,
    const char *reason, const char *detail)
{
	struct lyd_node *n = nbnc_hgw_notif("tunnel-state");

	if (!n)
		return;
	if (lyd_new_term(n, NULL, "connection", connection, 0, NULL) != LY_SUCCESS ||
	    lyd_new_term(n, NULL, "tunnel", tunnel, 0, NULL) != LY_SUCCESS) {
		lyd_free_all(n);
		return;
	}
	leaf_str(n, "interface", ifname);
	leaf_str(n, "state", up ? "up" : "down");
	leaf_str(n, "reason", reason);
	leaf_str(n, "detail", detail);
	nb_notify_send(n);
}

void
nb_notify_outbound_cap(const char *circuit, bool raised, uint32_t limit, uint32_t wanted,
    uint32_t withheld)
{
	struct lyd_node *n = nbnc_hgw_notif("outbound-prefix-limit");

	if (!n)
		return;
	if (lyd_new_term(n, NULL, "circuit", circuit, 0, NULL) != LY_SUCCESS) {
		lyd_free_all(n);
		return;
	}
	leaf_str(n, "state", raised ? "raised" : "cleared");
	leaf_u64(n, "limit", limit);
	leaf_u64(n, "wanted", wanted);
	leaf_u64(n, "withheld", withheld);
	nb_notify_send(n);
}
