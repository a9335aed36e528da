/* gateway/gw_metrics.c - the gateway's Prometheus metrics: the endpoint's config and what a scrape reads. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fib.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "metrics/metrics.h"
#include "northbound/nb_monitor.h"

/*
 * /hybridgw:gateway/metrics starts a metrics/ server; every scrape runs
 * gw_metrics_collect() on the loop thread (the server's HTTP thread only
 * sends the text). What a scrape cannot read from the modules' counters -
 * latencies of failovers as they happen - is observed here, from the
 * hooks gateway.c and gw_legs.c call.
 */

/* Detection: the last BFD packet from the peer -> the session declared
 * down (microseconds): a multiplier of the negotiated interval. */
static const uint64_t gw_detect_bounds[] = {
	10000,
	25000,
	50000,
	100000,
	150000,
	250000,
	500000,
	1000000,
	3000000,
	10000000,
	30000000,
	90000000,
	180000000,
};
/* Switch: the health input -> the FIB rewritten (journal switch-time). */
static const uint64_t gw_switch_bounds[] = {
	100,
	250,
	500,
	1000,
	2500,
	5000,
	10000,
	25000,
	50000,
	100000,
	250000,
	1000000,
	5000000,
};
#define NBOUNDS(a) (sizeof(a) / sizeof((a)[0]))

#define GW_TRIG_N (RIB_TRIG_FAILBACK + 1)

static struct {
	bool		       init;
	struct metrics_server *srv;
	char		       addr[64];
	uint16_t	       port;
	struct histo	       detect, sw;
	uint64_t	       switches[GW_TRIG_N]; /* journal entries by trigger */
} gwm;

static void
gw_metrics_init(void)
{
	if (gwm.init)
		return;
	(void)histo_init(&gwm.detect, gw_detect_bounds, NBOUNDS(gw_detect_bounds));
	(void)histo_init(&gwm.sw, gw_switch_bounds, NBOUNDS(gw_switch_bounds));
	gwm.init = true;
}

void
gw_metrics_journal(const struct rib_journal_entry *e)
{
	gw_metrics_init();
	if ((unsigned)e->trigger < GW_TRIG_N)
		gwm.switches[e->trigger]++;
	if (e->has_to)
		histo_add(&gwm.sw, e->switch_time_us);
}

void
gw_metrics_bfd_down(const struct bfd_session_state *st)
{
	gw_metrics_init();
	/* AdminDown from the peer or a session that never got a packet
	 * detected nothing */
	if (st->last_rx_us && st->changed_us > st->last_rx_us)
		histo_add(&gwm.detect, st->changed_us - st->last_rx_us);
}

/* ------------------------------------------------------------ collect */

struct gw_mwalk {
	FILE *f;
	int   pass;
};

static const char *const gw_bgp_states[] = {
	"Idle",
	"Connect",
	"Active",
	"OpenSent",
	"OpenConfirm",
	"Established",
};

static int
gw_metrics_peer(struct bgp_peer *peer, void *arg)
{
	struct gw_mwalk	     *w = arg;
	struct bgp_peer_state st;
	char		      addr[IPADDR_STRLEN], l[256], ls[320];
	bool		      up;

	bgp_peer_state_get(peer, &st);
	up = st.state && strcmp(st.state, "Established") == 0;
	metrics_labels(l, sizeof(l), "neighbor", ipaddr_fmt(&st.remote, addr, sizeof(addr)),
	    "name", st.name ? st.name : "", NULL);
	switch (w->pass) {
	case 0:
		metrics_sample_u64(w->f, "hybridgw_bgp_session_up", l, up);
		break;
	case 1:
		for (size_t i = 0; i < NBOUNDS(gw_bgp_states); i++) {
			metrics_labels(ls, sizeof(ls), "neighbor", addr, "name",
			    st.name ? st.name : "", "state", gw_bgp_states[i], NULL);
			metrics_sample_u64(w->f, "hybridgw_bgp_session_state", ls,
			    st.state && strcmp(st.state, gw_bgp_states[i]) == 0);
		}
		break;
	case 2:
		metrics_sample_u64(w->f, "hybridgw_bgp_session_flaps_total", l, st.flaps);
		break;
	case 3:
		metrics_sample_u64(w->f, "hybridgw_bgp_prefixes_received", l, st.pfx_received);
		break;
	case 4:
		metrics_sample_u64(w->f, "hybridgw_bgp_prefixes_accepted", l, st.pfx_accepted);
		break;
	case 5:
		metrics_sample_u64(w->f, "hybridgw_bgp_prefixes_advertised", l,
		    st.pfx_advertised);
		break;
	case 6:
		metrics_sample_u64(w->f, "hybridgw_bgp_messages_received_total", l, st.msgs_in);
		break;
	case 7:
		metrics_sample_u64(w->f, "hybridgw_bgp_messages_sent_total", l, st.msgs_out);
		break;
	case 8:
		metrics_sample_u64(w->f, "hybridgw_bgp_updates_received_total", l,
		    st.updates_in);
		break;
	case 9:
		metrics_sample_u64(w->f, "hybridgw_bgp_updates_sent_total", l, st.updates_out);
		break;
	case 10:
		metrics_sample(w->f, "hybridgw_bgp_session_established_seconds", l,
		    up && st.established_at_ms ?
			(double)(mono_ms() - st.established_at_ms) / 1e3 :
			0);
		break;
	}
	return 0;
}

/* A metric family: what each pass of a walk samples. */
struct gw_family {
	const char *name, *type, *help;
};

/* clang-format off */
static const struct gw_family gw_bgp_families[] = {
	{ "hybridgw_bgp_session_up", "gauge", "1 while the BGP session is Established." },
	{ "hybridgw_bgp_session_state", "gauge", "BGP FSM state (RFC 4271 8.2.2), 1 for the current one." },
	{ "hybridgw_bgp_session_flaps_total", "counter", "Times the session left Established." },
	{ "hybridgw_bgp_prefixes_received", "gauge", "Prefixes in the Adj-RIB-In." },
	{ "hybridgw_bgp_prefixes_accepted", "gauge", "Received prefixes accepted (not treat-as-withdraw)." },
	{ "hybridgw_bgp_prefixes_advertised", "gauge", "Prefixes in the Adj-RIB-Out." },
	{ "hybridgw_bgp_messages_received_total", "counter", "BGP messages received." },
	{ "hybridgw_bgp_messages_sent_total", "counter", "BGP messages sent." },
	{ "hybridgw_bgp_updates_received_total", "counter", "BGP UPDATE messages received." },
	{ "hybridgw_bgp_updates_sent_total", "counter", "BGP UPDATE messages sent." },
	{ "hybridgw_bgp_session_established_seconds", "gauge", "Time since the session reached Established, 0 while down." },
};
/* clang-format on */

static int
gw_metrics_bfd(struct bfd_session *s, void *arg)
{
	struct gw_mwalk		*w = arg;
	struct bfd_session_state st;
	char			 peer[IPADDR_STRLEN], l[256];
	bool			 up;

	bfd_session_state_get(s, &st);
	up = st.state && strcmp(st.state, "Up") == 0;
	metrics_labels(l, sizeof(l), "peer", ipaddr_fmt(&st.peer, peer, sizeof(peer)),
	    "interface", st.ifname ? st.ifname : "", NULL);
	switch (w->pass) {
	case 0:
		metrics_sample_u64(w->f, "hybridgw_bfd_session_up", l, up);
		break;
	case 1:
		metrics_sample_u64(w->f, "hybridgw_bfd_session_up_transitions_total", l,
		    st.up_transitions);
		break;
	case 2: /* a flap: a session that was Up went down */
		metrics_sample_u64(w->f, "hybridgw_bfd_session_flaps_total", l,
		    st.up_transitions - (up && st.up_transitions ? 1 : 0));
		break;
	case 3:
		metrics_sample_u64(w->f, "hybridgw_bfd_packets_received_total", l, st.pkts_in);
		break;
	case 4:
		metrics_sample_u64(w->f, "hybridgw_bfd_packets_sent_total", l, st.pkts_out);
		break;
	case 5:
		metrics_sample_u64(w->f, "hybridgw_bfd_packets_dropped_total", l,
		    st.pkts_dropped);
		break;
	case 6:
		metrics_sample(w->f, "hybridgw_bfd_detect_time_seconds", l,
		    (double)st.detect_time_ms / 1e3);
		break;
	}
	return 0;
}

static const struct gw_family gw_bfd_families[] = {
	{ "hybridgw_bfd_session_up", "gauge", "1 while the BFD session is Up." },
	{ "hybridgw_bfd_session_up_transitions_total", "counter",
	    "Times the session reached Up." },
	{ "hybridgw_bfd_session_flaps_total", "counter",
	    "Times the session went down from Up." },
	{ "hybridgw_bfd_packets_received_total", "counter", "BFD control packets taken." },
	{ "hybridgw_bfd_packets_sent_total", "counter", "BFD control packets sent." },
	{ "hybridgw_bfd_packets_dropped_total", "counter",
	    "BFD control packets dropped (RFC 5880 6.8.6)." },
	{ "hybridgw_bfd_detect_time_seconds", "gauge", "Negotiated detection time." },
};

/* Each path source's health (gateway-state/failover/source): what an
 * alert on "the circuit is down" or "failback pending" reads. */
static const char *const gw_src_states[] = { "down", "failback-pending", "up" };

static int
gw_metrics_source(void *arg, const struct rib_source_state *st)
{
	struct gw_mwalk *w = arg;
	const char	*cls = rib_class_name(st->cls);
	const char	*now = !st->healthy ? "down" : st->damped ? "failback-pending" : "up";
	char		 l[320], ls[384];

	metrics_labels(l, sizeof(l), "source", st->name, "connection", st->connection, "class",
	    cls, NULL);
	switch (w->pass) {
	case 0:
		for (size_t i = 0; i < NBOUNDS(gw_src_states); i++) {
			metrics_labels(ls, sizeof(ls), "source", st->name, "connection",
			    st->connection, "class", cls, "state", gw_src_states[i], NULL);
			metrics_sample_u64(w->f, "hybridgw_path_source_state", ls,
			    strcmp(now, gw_src_states[i]) == 0);
		}
		break;
	case 1:
		metrics_sample(w->f, "hybridgw_path_source_failback_seconds", l,
		    st->damped ? (double)st->failback_in_ms / 1e3 : 0);
		break;
	case 2:
		metrics_sample_u64(w->f, "hybridgw_path_source_drained", l, st->drained);
		break;
	case 3:
		metrics_sample_u64(w->f, "hybridgw_path_source_paths", l, st->paths);
		break;
	}
	return 0;
}

static const struct gw_family gw_src_families[] = {
	{ "hybridgw_path_source_state", "gauge",
	    "Path source health (down, failback-pending, up), 1 for the current one." },
	{ "hybridgw_path_source_failback_seconds", "gauge",
	    "Time until a failback-pending source may be preferred again, 0 otherwise." },
	{ "hybridgw_path_source_drained", "gauge", "1 while the source is drained." },
	{ "hybridgw_path_source_paths", "gauge", "Paths the source holds in the RIB." },
};

/*
 * Per-connection VPN traffic, once the state tree has it: every counter
 * leaf named bytes-in/out or packets-in/out under /gateway-state/vpn,
 * labelled with the names (keys) of the list entries above it. Read from
 * the state tree so that this file needs no vpn/ API.
 */
/* The labels of leaf n: the key of every keyed list above it, outermost
 * first (connection="x",tunnel="t1"). */
static void
gw_vpn_labels(const struct lyd_node *n, char *l, size_t len)
{
	const struct lyd_node *lists[8];
	size_t		       nl = 0, off = 0;

	l[0] = '\0';
	for (const struct lyd_node *up = lyd_parent(n); up && nl < 8; up = lyd_parent(up))
		if (up->schema->nodetype == LYS_LIST && lyd_child(up) &&
		    lysc_is_key(lyd_child(up)->schema))
			lists[nl++] = up;
	while (nl > 0 && off + 2 < len) {
		const struct lyd_node *up = lists[--nl];

		if (off)
			l[off++] = ',';
		metrics_labels(l + off, len - off, up->schema->name,
		    lyd_get_value(lyd_child(up)), NULL);
		off += strlen(l + off);
		if (l[off - 1] == ',') /* the pair did not fit */
			l[--off] = '\0';
	}
}

static void
gw_vpn_walk(FILE *f, const struct lyd_node *n, const char *leaf, const char *family,
    bool *announced)
{
	char l[256];

	for (; n; n = n->next) {
		if (n->schema && n->schema->nodetype == LYS_LEAF &&
		    strcmp(n->schema->name, leaf) == 0) {
			if (!*announced) {
				metrics_family(f, family, "counter",
				    strncmp(leaf, "bytes", 5) == 0 ?
					"Bytes through the VPN tunnel." :
					"Packets through the VPN tunnel.");
				*announced = true;
			}
			gw_vpn_labels(n, l, sizeof(l));
			metrics_sample(f, family, l, strtod(lyd_get_value(n), NULL));
		}
		gw_vpn_walk(f, lyd_child(n), leaf, family, announced);
	}
}

/*
 * Per-connection VPN traffic, once the state tree has it: every counter
 * leaf named bytes-in/out or packets-in/out under /gateway-state/vpn,
 * labelled with the keys of the list entries above it. Read from the
 * state tree so that this file needs no vpn/ API.
 */
static void
gw_metrics_vpn(FILE *f)
{
	static const char *const leaves[][2] = {
		{ "bytes-in", "hybridgw_vpn_bytes_in_total" },
		{ "bytes-out", "hybridgw_vpn_bytes_out_total" },
		{ "packets-in", "hybridgw_vpn_packets_in_total" },
		{ "packets-out", "hybridgw_vpn_packets_out_total" },
	};
	struct lyd_node *st = NULL;
	struct nb_err	 e = { 0 };

	if (!lys_find_path(nb_ctx(), NULL, "/hybridgw:gateway-state/vpn", 0) ||
	    nb_state_get("/hybridgw:gateway-state/vpn", &st, &e) != 0 || !st)
		return;
	/* a family's samples must be together: one walk per leaf name */
	for (size_t i = 0; i < 4; i++) {
		bool announced = false;

		gw_vpn_walk(f, st, leaves[i][0], leaves[i][1], &announced);
	}
	lyd_free_all(st);
}

static int
gw_metrics_collect(FILE *f, void *arg)
{
	struct rib_stats rs;
	struct fib_stats fs;
	struct nb_stats	 ns;
	struct gw_mwalk	 w = { f, 0 };
	char		 l[64];

	gw_metrics_init();
	metrics_family(f, "hybridgw_build_info", "gauge", "hybridgw version.");
	metrics_sample_u64(f, "hybridgw_build_info",
	    metrics_labels(l, sizeof(l), "version", HGW_VERSION, NULL), 1);
	metrics_family(f, "hybridgw_uptime_seconds", "gauge", "Time since the daemon started.");
	metrics_sample(f, "hybridgw_uptime_seconds", NULL,
	    (double)(mono_ms() - gw.started_ms) / 1e3);
	for (w.pass = 0; gw.bgp && w.pass < (int)NBOUNDS(gw_bgp_families); w.pass++) {
		metrics_family(f, gw_bgp_families[w.pass].name, gw_bgp_families[w.pass].type,
		    gw_bgp_families[w.pass].help);
		bgp_peer_foreach(gw.bgp, gw_metrics_peer, &w);
	}
	for (w.pass = 0; gw.bfd && w.pass < (int)NBOUNDS(gw_bfd_families); w.pass++) {
		metrics_family(f, gw_bfd_families[w.pass].name, gw_bfd_families[w.pass].type,
		    gw_bfd_families[w.pass].help);
		bfd_session_foreach(gw.bfd, gw_metrics_bfd, &w);
	}
	if (gw.rib) {
		rib_stats_get(gw.rib, &rs);
		metrics_family(f, "hybridgw_routes", "gauge",
		    "Prefixes by the class of their active path (lan, circuit, vpn).");
		for (int c = RIB_CLASS_LAN; c <= RIB_CLASS_VPN; c++)
			metrics_sample_u64(f, "hybridgw_routes",
			    metrics_labels(l, sizeof(l), "class", rib_class_name(c), NULL),
			    rs.active[c]);
		metrics_family(f, "hybridgw_rib_prefixes", "gauge", "Prefixes in the RIB.");
		metrics_sample_u64(f, "hybridgw_rib_prefixes", NULL, rs.prefixes);
		metrics_family(f, "hybridgw_rib_paths", "gauge", "Paths in the RIB.");
		metrics_sample_u64(f, "hybridgw_rib_paths", NULL, rs.paths);
		metrics_family(f, "hybridgw_rib_nexthop_groups", "gauge",
		    "Shared (active, backup) nexthop groups.");
		metrics_sample_u64(f, "hybridgw_rib_nexthop_groups", NULL, rs.groups);
		metrics_family(f, "hybridgw_rib_pending", "gauge",
		    "Prefixes queued for background re-selection.");
		metrics_sample_u64(f, "hybridgw_rib_pending", NULL, rs.pending);
		metrics_family(f, "hybridgw_failovers_total", "counter",
		    "Path switches (health changes that moved prefixes).");
		metrics_sample_u64(f, "hybridgw_failovers_total", NULL, rs.switches);
		metrics_family(f, "hybridgw_fib_groups_rewritten_total", "counter",
		    "Nexthop groups rewritten in place by failovers.");
		metrics_sample_u64(f, "hybridgw_fib_groups_rewritten_total", NULL,
		    rs.groups_rewritten_total);
		for (int p = 0; p < (int)NBOUNDS(gw_src_families); p++) {
			struct gw_mwalk sw = { f, p };

			metrics_family(f, gw_src_families[p].name, gw_src_families[p].type,
			    gw_src_families[p].help);
			rib_source_walk(gw.rib, gw_metrics_source, &sw);
		}
	}
	metrics_family(f, "hybridgw_journal_events_total", "counter",
	    "Failover journal entries by trigger.");
	for (int t = 0; t < GW_TRIG_N; t++)
		metrics_sample_u64(f, "hybridgw_journal_events_total",
		    metrics_labels(l, sizeof(l), "trigger", rib_trigger_name(t), NULL),
		    gwm.switches[t]);
	metrics_family(f, "hybridgw_failover_detection_seconds", "histogram",
	    "BFD detection latency: last packet from the peer to the session declared down.");
	metrics_histo(f, "hybridgw_failover_detection_seconds", NULL, &gwm.detect);
	metrics_family(f, "hybridgw_failover_switch_seconds", "histogram",
	    "Health input to FIB switched, per failover journal entry that moved prefixes.");
	metrics_histo(f, "hybridgw_failover_switch_seconds", NULL, &gwm.sw);
	if (gw.fib) {
		fib_stats_get(gw.fib, &fs);
		metrics_family(f, "hybridgw_fib_queue_depth", "gauge",
		    "Netlink requests queued or awaiting the kernel's ack.");
		metrics_sample_u64(f, "hybridgw_fib_queue_depth", NULL, fs.requests_pending);
		metrics_family(f, "hybridgw_fib_requests_unsent", "gauge",
		    "Queued netlink requests not handed to the kernel yet.");
		metrics_sample_u64(f, "hybridgw_fib_requests_unsent", NULL, fs.requests_unsent);
		metrics_family(f, "hybridgw_fib_refusals_total", "counter",
		    "Requests the kernel refused.");
		metrics_sample_u64(f, "hybridgw_fib_refusals_total", NULL, fs.errors);
		metrics_family(f, "hybridgw_fib_retries_total", "counter",
		    "Refused requests tried again.");
		metrics_sample_u64(f, "hybridgw_fib_retries_total", NULL, fs.retries);
		metrics_family(f, "hybridgw_fib_routes_pending_retry", "gauge",
		    "Routes waiting for a retry after a refusal.");
		metrics_sample_u64(f, "hybridgw_fib_routes_pending_retry", NULL,
		    fs.routes_pending_retry);
		metrics_family(f, "hybridgw_fib_routes_set_total", "counter", "Routes set.");
		metrics_sample_u64(f, "hybridgw_fib_routes_set_total", NULL, fs.routes_set);
		metrics_family(f, "hybridgw_fib_routes_deleted_total", "counter",
		    "Routes deleted.");
		metrics_sample_u64(f, "hybridgw_fib_routes_deleted_total", NULL, fs.routes_del);
		metrics_family(f, "hybridgw_fib_nexthop_objects", "gauge",
		    "Kernel nexthop objects held.");
		metrics_sample_u64(f, "hybridgw_fib_nexthop_objects", NULL, fs.nh_objects);
	}
	nb_stats_get(&ns);
	metrics_family(f, "hybridgw_netconf_sessions", "gauge", "NETCONF sessions open.");
	metrics_sample_u64(f, "hybridgw_netconf_sessions", NULL, ns.netconf_sessions);
	metrics_family(f, "hybridgw_netconf_sessions_opened_total", "counter",
	    "NETCONF sessions opened since start.");
	metrics_sample_u64(f, "hybridgw_netconf_sessions_opened_total", NULL,
	    ns.netconf_sessions_total);
	metrics_family(f, "hybridgw_config_commit_failures_total", "counter",
	    "Commits refused (validation or prepare failed; running unchanged).");
	metrics_sample_u64(f, "hybridgw_config_commit_failures_total", NULL,
	    ns.commit_failures);
	metrics_family(f, "hybridgw_config_commit_seconds", "histogram",
	    "Latency of the commits that applied (diff, validate, prepare, apply).");
	metrics_histo(f, "hybridgw_config_commit_seconds", NULL, ns.commit_latency);
	metrics_family(f, "hybridgw_monitors", "gauge", "hybridgwctl monitor streams open.");
	metrics_sample_u64(f, "hybridgw_monitors", NULL, nb_monitor_count());
	metrics_family(f, "hybridgw_monitor_events_dropped_total", "counter",
	    "Events not sent to monitors that read too slowly.");
	metrics_sample_u64(f, "hybridgw_monitor_events_dropped_total", NULL,
	    nb_monitor_dropped());
	gw_metrics_vpn(f);
	return 0;
}

/* ------------------------------------------------------------ config */

struct gw_mcfg {
	bool	 on;
	char	 addr[64];
	uint16_t port;
};

static void
gw_mcfg_read(const struct lyd_node *cfg, struct gw_mcfg *c)
{
	struct lyd_node *m = NULL, *l = NULL;

	memset(c, 0, sizeof(*c));
	if (!cfg || lyd_find_path(cfg, "metrics", 0, &m) != LY_SUCCESS || !m)
		return;
	c->on = true;
	snprintf(c->addr, sizeof(c->addr), "%s",
	    lyd_find_path(m, "address", 0, &l) == LY_SUCCESS && l ? lyd_get_value(l) :
								    "127.0.0.1");
	c->port = lyd_find_path(m, "port", 0, &l) == LY_SUCCESS && l ?
	    (uint16_t)strtoul(lyd_get_value(l), NULL, 10) :
	    9179;
}

/* What prepare decided: keep (NULL ctx), stop, or a new server to install. */
struct gw_mtxn {
	bool		       stop;
	struct metrics_server *srv;
	struct gw_mcfg	       cfg;
};

static const struct lyd_node *
gw_metrics_gateway(const struct lyd_node *cfg)
{
	for (const struct lyd_node *n = cfg; n; n = n->next)
		if (n->schema && strcmp(n->schema->name, "gateway") == 0)
			return n;
	return NULL;
}

static int
gw_metrics_prepare(const struct nb_txn *t, void **ctx)
{
	struct gw_mcfg	c;
	struct gw_mtxn *x;
	int		rc;

	*ctx = NULL;
	if (!gw.rib) /* a config check (hybridgwd --check): bind nothing */
		return 0;
	gw_mcfg_read(gw_metrics_gateway(t->new_cfg), &c);
	if (c.on == (gwm.srv != NULL) &&
	    (!c.on || (c.port == gwm.port && strcmp(c.addr, gwm.addr) == 0)))
		return 0;
	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	x->cfg = c;
	x->stop = !c.on;
	if (c.on &&
	    (rc = metrics_server_new(c.addr, c.port, gw_metrics_collect, NULL, &x->srv)) != 0) {
		nb_err_set(t->err, "/hybridgw:gateway/metrics",
		    "cannot serve metrics on %s port %u: %s", c.addr, c.port, strerror(-rc));
		free(x);
		return rc;
	}
	*ctx = x;
	return 0;
}

static void
gw_metrics_abort(const struct nb_txn *t, void *ctx)
{
	struct gw_mtxn *x = ctx;

	if (!x)
		return;
	metrics_server_free(x->srv);
	free(x);
}

static void
gw_metrics_apply(const struct nb_txn *t, void *ctx)
{
	struct gw_mtxn *x = ctx;

	if (!x)
		return;
	metrics_server_free(gwm.srv);
	gwm.srv = x->srv;
	snprintf(gwm.addr, sizeof(gwm.addr), "%s", x->cfg.addr);
	gwm.port = gwm.srv ? metrics_server_port(gwm.srv) : 0;
	if (gwm.srv)
		log_info(LOG_MOD_CORE, "metrics: http://%s%s%s:%u/metrics",
		    strchr(gwm.addr, ':') ? "[" : "", gwm.addr,
		    strchr(gwm.addr, ':') ? "]" : "", gwm.port);
	else
		log_info(LOG_MOD_CORE, "metrics: endpoint closed");
	free(x);
}

static const struct nb_module gw_metrics_module = {
	.name = "metrics",
	.prepare = gw_metrics_prepare,
	.apply = gw_metrics_apply,
	.abort = gw_metrics_abort,
	.no_diff = true,
};

void
gw_metrics_register(void)
{
	gw_metrics_init();
	nb_module_register(&gw_metrics_module);
}

void
gw_metrics_fini(void)
{
	metrics_server_free(gwm.srv);
	gwm.srv = NULL;
	gwm.port = 0;
	gwm.addr[0] = '\0';
}
