/* gateway/gw_vpn.c - the IPsec tunnels in the gateway-state tree (gateway-state/vpn) and hybridgwctl show vpn [sa]. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/loop.h"

/*
 * vpn/ hands out plain state structs (vpn_tunnel_state_get); they become
 * the YANG tree here, and the tables of show vpn are printed from that
 * tree, so the table, --json and NETCONF say the same. Nothing here can
 * reach a key: vpn/ never hands one out.
 *
 * Accounting: a tunnel's counters are monotonic across rekeys (vpn/ sums
 * every Child SA it had). A connection's are its live tunnels' plus what
 * its tunnels deleted before had carried (a commit that re-creates a
 * tunnel must not make the bill go backwards): one record per connection
 * name, kept for the daemon's life, listed while the connection has a
 * tunnel.
 */

struct gw_vpn_acct {
	struct gw_vpn_acct *next;
	char		    name[VPN_NAME_MAX];
	struct vpn_counters retired;	 /* tunnels deleted */
	struct vpn_counters sum;	 /* scratch of one state build */
	uint8_t		    tunnels, up; /* likewise */
};

static void
counters_add(struct vpn_counters *d, const struct vpn_counters *s)
{
	d->packets_in += s->packets_in;
	d->bytes_in += s->bytes_in;
	d->packets_out += s->packets_out;
	d->bytes_out += s->bytes_out;
	d->auth_fail += s->auth_fail;
	d->replay_drop += s->replay_drop;
	d->decrypt_err += s->decrypt_err;
	d->out_drop += s->out_drop;
}

/* The record of a connection, made on first use; NULL without memory
 * (accounting is then partial, never wrong in a way that crashes). */
static struct gw_vpn_acct *
acct_get(const char *name)
{
	struct gw_vpn_acct *a, **tail = &gw.acct;

	for (a = gw.acct; a; a = a->next) {
		if (strcmp(a->name, name) == 0)
			return a;
		tail = &a->next;
	}
	if (!(a = calloc(1, sizeof(*a))))
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name);
	*tail = a;
	return a;
}

void
gw_vpn_retire(const struct vpn_tunnel *t)
{
	struct vpn_tunnel_state *s;
	struct gw_vpn_acct	*a;

	if (gw.stopping || !(s = malloc(sizeof(*s))))
		return;
	vpn_tunnel_state_get(t, s);
	if ((a = acct_get(s->connection)))
		counters_add(&a->retired, &s->c);
	free(s);
}

void
gw_vpn_acct_free(void)
{
	while (gw.acct) {
		struct gw_vpn_acct *a = gw.acct;

		gw.acct = a->next;
		free(a);
	}
}

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

static bool
counters(struct lyd_node *parent, const struct vpn_counters *c)
{
	struct lyd_node *n = NULL;
	bool		 ok;

	if (lyd_new_inner(parent, NULL, "counters", 0, &n) != LY_SUCCESS)
		return false;
	ok = term(n, "packets-in", "%" PRIu64, c->packets_in);
	ok &= term(n, "bytes-in", "%" PRIu64, c->bytes_in);
	ok &= term(n, "packets-out", "%" PRIu64, c->packets_out);
	ok &= term(n, "bytes-out", "%" PRIu64, c->bytes_out);
	ok &= term(n, "auth-failures", "%" PRIu64, c->auth_fail);
	ok &= term(n, "replay-drops", "%" PRIu64, c->replay_drop);
	ok &= term(n, "decrypt-errors", "%" PRIu64, c->decrypt_err);
	ok &= term(n, "out-drops", "%" PRIu64, c->out_drop);
	return ok;
}

static const char *const tunnel_st[] = { "down", "connecting", "up" };

static bool
ike_sa_add(struct lyd_node *tn, const struct vpn_ike_state *i)
{
	struct lyd_node *n = NULL;
	char		 si[24], sr[24], a[IPADDR_STRLEN];
	bool		 ok = true;

	snprintf(si, sizeof(si), "%016" PRIx64, i->spi_i);
	snprintf(sr, sizeof(sr), "%016" PRIx64, i->spi_r);
	if (lyd_new_list(tn, NULL, "ike-sa", 0, &n, si, sr) != LY_SUCCESS)
		return false;
	ok &= term(n, "role", "%s", i->initiator ? "initiator" : "responder");
	ok &= term(n, "state", "%s", vpn_sa_st_name(i->state));
	if (i->suite[0])
		ok &= term(n, "algorithms", "%s", i->suite);
	if (i->local_id[0])
		ok &= term(n, "local-id", "%s", i->local_id);
	if (i->remote_id[0])
		ok &= term(n, "remote-id", "%s", i->remote_id);
	if (i->auth[0])
		ok &= term(n, "authentication", "%s", i->auth);
	if (i->local_port)
		ok &= term(n, "local-port", "%u", i->local_port);
	if (i->remote.family)
		ok &= term(n, "remote-address", "%s", ipaddr_fmt(&i->remote, a, sizeof(a)));
	if (i->remote_port)
		ok &= term(n, "remote-port", "%u", i->remote_port);
	ok &= term(n, "nat-local", "%s", i->nat_local ? "true" : "false");
	ok &= term(n, "nat-remote", "%s", i->nat_remote ? "true" : "false");
	ok &= term(n, "established", "%u", i->established_s);
	ok &= term(n, "rekey-in", "%u", i->rekey_in_s);
	ok &= term(n, "lifetime-remaining", "%u", i->expire_in_s);
	return ok;
}

static bool
child_sa_add(struct lyd_node *tn, const struct vpn_child_state *c)
{
	struct lyd_node *n = NULL;
	char		 si[16];
	bool		 ok = true;

	snprintf(si, sizeof(si), "%08x", c->spi_in);
	if (lyd_new_list(tn, NULL, "child-sa", 0, &n, si) != LY_SUCCESS)
		return false;
	ok &= term(n, "spi-out", "%08x", c->spi_out);
	ok &= term(n, "state", "%s", vpn_sa_st_name(c->state));
	ok &= term(n, "algorithms", "%s", c->suite);
	ok &= term(n, "udp-encapsulation", "%s", c->udp_encap ? "true" : "false");
	ok &= term(n, "established", "%u", c->established_s);
	ok &= term(n, "rekey-in", "%u", c->rekey_in_s);
	ok &= term(n, "lifetime-remaining", "%u", c->expire_in_s);
	ok &= counters(n, &c->c);
	return ok;
}

struct vpn_state_arg {
	struct lyd_node *vpn;
	bool		 ok;
};

static int
tunnel_add(struct vpn_tunnel *t, void *arg)
{
	struct vpn_state_arg   *a = arg;
	struct vpn_tunnel_state s;
	struct lyd_node	       *n = NULL;
	char			buf[IPADDR_STRLEN];
	bool			ok = true;

	vpn_tunnel_state_get(t, &s);
	{
		struct gw_vpn_acct *ac = acct_get(s.connection);

		if (ac) {
			counters_add(&ac->sum, &s.c);
			ac->tunnels++;
			ac->up += s.state == VPN_TS_UP;
		}
	}
	if (lyd_new_list(a->vpn, NULL, "tunnel", 0, &n, s.connection, s.tunnel) != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	ok &= term(n, "interface", "%s", s.ifname);
	ok &= term(n, "state", "%s", tunnel_st[s.state <= VPN_TS_UP ? s.state : 0]);
	if (s.state != VPN_TS_UP && s.last_reason != VPN_R_NONE)
		ok &= term(n, "reason", "%s", vpn_reason_name(s.last_reason));
	if (s.state != VPN_TS_UP && s.last_detail[0])
		ok &= term(n, "detail", "%s", s.last_detail);
	ok &= term(n, "local-address", "%s", ipaddr_fmt(&s.local, buf, sizeof(buf)));
	ok &= term(n, "remote-address", "%s", ipaddr_fmt(&s.remote, buf, sizeof(buf)));
	ok &= term(n, "uptime", "%u", s.up_s);
	ok &= term(n, "up-count", "%u", s.ups);
	ok &= term(n, "dpd-timeout", "%u", s.dpd_timeout_s);
	if (s.last_dpd_ms)
		ok &= term(n, "last-dpd", "%" PRIu64, (mono_ms() - s.last_dpd_ms) / 1000);
	ok &= counters(n, &s.c);
	for (unsigned i = 0; i < s.nike; i++)
		ok &= ike_sa_add(n, &s.ike[i]);
	for (unsigned i = 0; i < s.nchild; i++)
		ok &= child_sa_add(n, &s.child[i]);
	a->ok &= ok;
	return ok ? 0 : 1;
}

int
gw_vpn_state(struct lyd_node *root, const char *xpath, struct nb_err *err)
{
	struct vpn_state_arg a = { NULL, true };

	if (!gw.vpn)
		return 0;
	if (lyd_new_inner(root, NULL, "vpn", 0, &a.vpn) != LY_SUCCESS) {
		nb_err_from_ly(err, "state");
		return -ENOMEM;
	}
	for (struct gw_vpn_acct *ac = gw.acct; ac; ac = ac->next) {
		memset(&ac->sum, 0, sizeof(ac->sum));
		ac->tunnels = ac->up = 0;
	}
	vpn_tunnel_walk(gw.vpn, tunnel_add, &a);
	for (struct gw_vpn_acct *ac = gw.acct; ac && a.ok; ac = ac->next) {
		struct lyd_node *n = NULL;

		if (!ac->tunnels) /* not configured (now) */
			continue;
		counters_add(&ac->sum, &ac->retired);
		if (lyd_new_list(a.vpn, NULL, "connection", 0, &n, ac->name) != LY_SUCCESS) {
			a.ok = false;
			break;
		}
		a.ok &= term(n, "tunnels", "%u", ac->tunnels);
		a.ok &= term(n, "tunnels-up", "%u", ac->up);
		a.ok &= counters(n, &ac->sum);
	}
	{
		struct vpn_state vs;
		struct lyd_node *n = NULL;

		vpn_state_get(gw.vpn, &vs);
		if (lyd_new_inner(a.vpn, NULL, "dataplane", 0, &n) != LY_SUCCESS)
			a.ok = false;
		else {
			a.ok &= term(n, "running", "%s", vs.dataplane ? "true" : "false");
			a.ok &= term(n, "unknown-spi", "%" PRIu64, vs.dp.rx_no_sa);
			a.ok &= term(n, "malformed", "%" PRIu64, vs.dp.rx_malformed);
			a.ok &= term(n, "keepalives", "%" PRIu64, vs.dp.rx_keepalive);
			a.ok &= term(n, "ecn-drops", "%" PRIu64, vs.dp.rx_ecn_drop);
			a.ok &= term(n, "no-outbound-sa", "%" PRIu64, vs.dp.tx_no_sa);
			a.ok &= term(n, "unparsable", "%" PRIu64, vs.dp.tx_bad);
			a.ok &= term(n, "too-big", "%" PRIu64, vs.dp.tx_icmp);
			a.ok &= term(n, "send-errors", "%" PRIu64, vs.dp.tx_err);
		}
		if (lyd_new_inner(a.vpn, NULL, "ike", 0, &n) != LY_SUCCESS)
			a.ok = false;
		else {
			a.ok &= term(n, "dropped", "%" PRIu64, vs.ike_dropped);
			a.ok &= term(n, "invalid", "%" PRIu64, vs.ike_invalid);
			a.ok &= term(n, "cookies-sent", "%" PRIu64, vs.cookies_sent);
			a.ok &= term(n, "half-open", "%u", vs.half_open);
			a.ok &= term(n, "half-open-refused", "%" PRIu64, vs.half_open_refused);
		}
	}
	if (!a.ok) {
		nb_err_from_ly(err, "state");
		return -ENOMEM;
	}
	return 0;
}

/* ---------------------------------------------------------------- tables */

static int
vpn_table(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	struct lyd_node *vpn = gw_first(st, "vpn"), *t;
	char		 up[32], name[112], dpd[32];

	fprintf(f, "%-24s %-12s %-10s %-18s %-10s %12s %14s %12s %14s %-8s %s\n", "Tunnel",
	    "Interface", "State", "Remote", "Up", "Packets in", "Bytes in", "Packets out",
	    "Bytes out", "DPD", "Reason");
	GW_FOR_EACH_NAMED(vpn, "tunnel", t)
	{
		snprintf(name, sizeof(name), "%s/%s", gw_leaf(t, "connection"),
		    gw_leaf(t, "name"));
		snprintf(dpd, sizeof(dpd), "%s%s",
		    gw_leaf(t, "last-dpd")[0] ? gw_leaf(t, "last-dpd") : "-",
		    gw_leaf(t, "last-dpd")[0] ? "s ago" : "");
		fprintf(f, "%-24s %-12s %-10s %-18s %-10s %12s %14s %12s %14s %-8s %s%s%s\n",
		    name, gw_leaf(t, "interface"), gw_leaf(t, "state"),
		    gw_leaf(t, "remote-address"),
		    strcmp(gw_leaf(t, "state"), "up") == 0 ?
			gw_age(gw_leaf(t, "uptime"), up, sizeof(up)) :
			"-",
		    gw_leaf(t, "counters/packets-in"), gw_leaf(t, "counters/bytes-in"),
		    gw_leaf(t, "counters/packets-out"), gw_leaf(t, "counters/bytes-out"), dpd,
		    gw_leaf(t, "reason"), gw_leaf(t, "detail")[0] ? ": " : "",
		    gw_leaf(t, "detail"));
	}
	if (!gw_first(vpn, "connection"))
		return 0;
	fprintf(f, "\n%-24s %-8s %12s %16s %12s %16s\n", "Connection", "Up", "Packets in",
	    "Bytes in", "Packets out", "Bytes out");
	GW_FOR_EACH_NAMED(vpn, "connection", t)
	{
		snprintf(up, sizeof(up), "%s/%s", gw_leaf(t, "tunnels-up"),
		    gw_leaf(t, "tunnels"));
		fprintf(f, "%-24s %-8s %12s %16s %12s %16s\n", gw_leaf(t, "name"), up,
		    gw_leaf(t, "counters/packets-in"), gw_leaf(t, "counters/bytes-in"),
		    gw_leaf(t, "counters/packets-out"), gw_leaf(t, "counters/bytes-out"));
	}
	return 0;
}

static int
vpn_sa_table(FILE *f, const struct lyd_node *st)
{
	struct lyd_node *vpn = gw_first(st, "vpn"), *t, *sa;
	char		 a[32];

	GW_FOR_EACH_NAMED(vpn, "tunnel", t)
	{
		fprintf(f, "%s/%s (%s): %s%s%s\n", gw_leaf(t, "connection"), gw_leaf(t, "name"),
		    gw_leaf(t, "interface"), gw_leaf(t, "state"),
		    gw_leaf(t, "reason")[0] ? ", " : "", gw_leaf(t, "reason"));
		GW_FOR_EACH_NAMED(t, "ike-sa", sa)
		{
			fprintf(f, "  IKE   %s_%s %s %s %s\n", gw_leaf(sa, "initiator-spi"),
			    gw_leaf(sa, "responder-spi"), gw_leaf(sa, "role"),
			    gw_leaf(sa, "state"), gw_leaf(sa, "algorithms"));
			fprintf(f,
			    "        %s <-> %s [%s] %s:%s%s%s, rekey in %ss, expires in "
			    "%ss, up %s\n",
			    gw_leaf(sa, "local-id"), gw_leaf(sa, "remote-id"),
			    gw_leaf(sa, "authentication"), gw_leaf(sa, "remote-address"),
			    gw_leaf(sa, "remote-port"),
			    strcmp(gw_leaf(sa, "nat-local"), "true") == 0 ? " NAT(local)" : "",
			    strcmp(gw_leaf(sa, "nat-remote"), "true") == 0 ? " NAT(remote)" :
									     "",
			    gw_leaf(sa, "rekey-in"), gw_leaf(sa, "lifetime-remaining"),
			    gw_age(gw_leaf(sa, "established"), a, sizeof(a)));
		}
		GW_FOR_EACH_NAMED(t, "child-sa", sa)
		{
			fprintf(f, "  Child %s/%s %s %s%s\n", gw_leaf(sa, "spi-in"),
			    gw_leaf(sa, "spi-out"), gw_leaf(sa, "state"),
			    gw_leaf(sa, "algorithms"),
			    strcmp(gw_leaf(sa, "udp-encapsulation"), "true") == 0 ? " UDP" :
										    "");
			fprintf(f,
			    "        in %s pkts %s bytes, out %s pkts %s bytes, errors "
			    "%s/%s/%s, rekey in %ss, expires in %ss\n",
			    gw_leaf(sa, "counters/packets-in"),
			    gw_leaf(sa, "counters/bytes-in"),
			    gw_leaf(sa, "counters/packets-out"),
			    gw_leaf(sa, "counters/bytes-out"),
			    gw_leaf(sa, "counters/auth-failures"),
			    gw_leaf(sa, "counters/replay-drops"),
			    gw_leaf(sa, "counters/decrypt-errors"), gw_leaf(sa, "rekey-in"),
			    gw_leaf(sa, "lifetime-remaining"));
		}
	}
	return 0;
}

int
gw_show_vpn(FILE *f, const struct lyd_node *st, int nw, char **w)
{
	if (nw >= 2 && strcmp(w[1], "sa") == 0)
		return vpn_sa_table(f, st);
	if (nw >= 2) {
		fprintf(f, "%% expected: show vpn [sa]\n");
		return -EINVAL;
	}
	return vpn_table(f, st, nw, w);
}
