/* tests/unit/failover/test_rib_random.c - incremental RIB vs one built from scratch, random operations. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#include "lib/log.h"

/*
 * Random path adds/withdraws, health flaps and drains are applied to one
 * RIB, settling only now and then (so work coalesces and fast switches pile
 * up). At checkpoints a second RIB is built from scratch with the final
 * inputs; both must agree on every prefix (active, backup, covering backup),
 * on the export sets (including a capped circuit target), and the first must
 * have exactly one kernel group per distinct (active, backup) next-hop set.
 */

#define NSRC 7
#define NPFX (sizeof(pfxs) / sizeof(pfxs[0]))

/* clang-format off */
static const char *const pfxs[] = {
	"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.1.0/24", "10.1.1.128/25",
	"10.1.2.0/24", "10.2.0.0/16", "10.2.3.0/24", "10.3.0.0/16", "10.3.3.0/24",
	"172.16.0.0/12", "172.16.5.0/24", "192.168.0.0/16", "192.168.7.0/24",
	"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:1::/64", "::/0",
};
/* clang-format on */

static const struct {
	const char	 *name, *conn;
	enum rib_class	  cls;
	enum rib_vpn_role role;
	const char	 *nh4, *nh6;
} srcs[NSRC] = {
	{ "er1 a", "er1", RIB_CLASS_CIRCUIT, RIB_VPN_NONE, "10.255.0.1", "fe80::1" },
	{ "er1 b", "er1", RIB_CLASS_CIRCUIT, RIB_VPN_NONE, "10.255.0.5", "fe80::5" },
	{ "vpn1 t1", "vpn1", RIB_CLASS_VPN, RIB_VPN_CLOUD, "169.254.21.1", "fe80::21" },
	{ "vpn1 t2", "vpn1", RIB_CLASS_VPN, RIB_VPN_CLOUD, "169.254.22.1", "fe80::22" },
	{ "br1 t1", "br1", RIB_CLASS_VPN, RIB_VPN_SITE, "169.254.31.1", "fe80::31" },
	{ "lan r1", "lan", RIB_CLASS_LAN, RIB_VPN_NONE, "192.168.1.1", "fe80::99" },
	{ "local", "local", RIB_CLASS_LAN, RIB_VPN_NONE, NULL, NULL },
};

struct model {
	bool		     up[NSRC], drained[NSRC];
	bool		     has[NSRC][NPFX];
	struct rib_path_info info[NSRC][NPFX];
};

static uint64_t rnd_state = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* A recorder of what a target was sent (prefix strings). */
struct rec {
	char   sent[64][PREFIX_STRLEN];
	size_t n;
};

static void
rec_announce(void *ctx, const struct prefix *p, struct rib_attr *a)
{
	struct rec *r = ctx;
	char	    b[PREFIX_STRLEN];
	size_t	    i;

	(void)a;
	prefix_fmt(p, b, sizeof(b));
	for (i = 0; i < r->n; i++)
		if (strcmp(r->sent[i], b) == 0)
			return;
	assert_true(r->n < 64);
	strcpy(r->sent[r->n++], b);
}

static void
rec_withdraw(void *ctx, const struct prefix *p)
{
	struct rec *r = ctx;
	char	    b[PREFIX_STRLEN];
	size_t	    i;

	prefix_fmt(p, b, sizeof(b));
	for (i = 0; i < r->n; i++)
		if (strcmp(r->sent[i], b) == 0) {
			if (i != --r->n)
				strcpy(r->sent[i], r->sent[r->n]);
			return;
		}
	fail_msg("withdraw of %s never announced", b);
}

static const struct rib_export_ops rec_ops = { rec_announce, rec_withdraw };

static bool
rec_has(const struct rec *r, const char *s)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->sent[i], s) == 0)
			return true;
	return false;
}

struct inst {
	struct rib   *rib;
	rib_source_id id[NSRC];
	struct rec    circ, lan, site;
};

static void
inst_health(struct inst *in, int s, bool up)
{
	if (srcs[s].cls == RIB_CLASS_LAN && srcs[s].nh4 == NULL)
		return; /* local: always up */
	rib_source_bgp(in->rib, in->id[s], up, up ? RIB_TRIG_BGP_UP : RIB_TRIG_BGP_DOWN);
}

static void
inst_new(struct inst *in, enum rib_pref_mode mode)
{
	struct rib_export_cfg ec;
	rib_export_id	      eid;
	struct rib_source_cfg c;
	struct rib_cfg	      cfg;
	int		      s;

	memset(in, 0, sizeof(*in));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy.mode = mode;
	cfg.policy.maximum_paths = 2;
	in->rib = rib_new(&cfg);
	assert_non_null(in->rib);
	for (s = 0; s < NSRC; s++) {
		memset(&c, 0, sizeof(c));
		c.name = srcs[s].name;
		c.connection = srcs[s].conn;
		c.cls = srcs[s].cls;
		c.role = srcs[s].role;
		c.needs_bgp = srcs[s].nh4 != NULL;
		c.no_fib = srcs[s].nh4 == NULL;
		assert_int_equal(rib_source_add(in->rib, &c, &in->id[s]), 0);
	}
	memset(&ec, 0, sizeof(ec));
	ec.ops = &rec_ops;
	ec.role = RIB_EXP_CIRCUIT;
	ec.own_source = in->id[0];
	ec.cap = 5;
	ec.ctx = &in->circ;
	assert_int_equal(rib_export_add(in->rib, &ec, &eid), 0);
	ec.role = RIB_EXP_LAN;
	ec.own_source = in->id[5];
	ec.cap = 0;
	ec.ctx = &in->lan;
	assert_int_equal(rib_export_add(in->rib, &ec, &eid), 0);
	ec.role = RIB_EXP_VPN_SITE;
	ec.own_source = in->id[4];
	ec.ctx = &in->site;
	assert_int_equal(rib_export_add(in->rib, &ec, &eid), 0);
}

static void
inst_path(struct inst *in, int s, int k, const struct rib_path_info *info)
{
	struct prefix p = P(pfxs[k]);

	assert_int_equal(rib_path_add(in->rib, in->id[s], &p, info), 0);
}

static struct rib_path_info
rnd_info(int s, int k)
{
	struct rib_path_info i;
	bool		     v6 = strchr(pfxs[k], ':') != NULL;

	memset(&i, 0, sizeof(i));
	if (srcs[s].nh4 == NULL) {
		i.is_static = true;
		return i;
	}
	assert_int_equal(ipaddr_parse(v6 ? srcs[s].nh6 : srcs[s].nh4, &i.nexthop), 0);
	if (rnd(4) == 0) /* a second next hop on the same session */
		i.nexthop.bytes[v6 ? 15 : 3] += 100;
	if (rnd(4) == 0) {
		i.is_static = true; /* configured prefix of the source */
		return i;
	}
	i.local_pref = rnd(3) ? 100 : 200;
	i.as_path_len = (uint16_t)(1 + rnd(3));
	i.origin = (uint8_t)rnd(2);
	i.has_med = rnd(2);
	i.med = rnd(3) * 10;
	i.neighbor_as = 65000 + rnd(2);
	i.ebgp = rnd(5) != 0;
	i.peer_router_id = 100 + (uint32_t)s;
	i.peer_addr = i.nexthop;
	return i;
}

/* Compare two instances on every prefix and on their export sets. */
struct cmp_arg {
	struct inst *other;
	size_t	     n;
	/* (active set, backup set) -> group id, for the one-group-per-key check */
	char	 keys[64][512];
	uint32_t gids[64];
	size_t	 nkeys;
};

static void
nh_fmt(char *out, size_t len, const struct ipaddr *v, size_t n)
{
	char   b[IPADDR_STRLEN], tmp[64][IPADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < n; i++)
		ipaddr_fmt(&v[i], tmp[i], sizeof(tmp[i]));
	for (i = 1; i < n; i++) /* sort for comparison */
		for (j = i; j > 0 && strcmp(tmp[j - 1], tmp[j]) > 0; j--) {
			strcpy(b, tmp[j]);
			strcpy(tmp[j], tmp[j - 1]);
			strcpy(tmp[j - 1], b);
		}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(out, tmp[i], len - strlen(out) - 1);
		strncat(out, ",", len - strlen(out) - 1);
	}
}

static void
state_fmt(char *out, size_t len, const struct rib_route_state *st)
{
	char a[256], b[256], v[PREFIX_STRLEN] = "";

	nh_fmt(a, sizeof(a), st->active_nh, st->n_active);
	nh_fmt(b, sizeof(b), st->backup_nh, st->n_backup);
	if (st->has_backup_via)
		prefix_fmt(&st->backup_via, v, sizeof(v));
	snprintf(out, len, "act=%d:%s[%s] local=%d bak=%d[%s] via=%s grp=%d",
	    st->has_active ? (int)st->active_class : -1,
	    st->active_source ? st->active_source : "", a, st->local,
	    st->has_backup ? (int)st->backup_class : -1, b, v, st->fib_group != 0);
}

static int
cmp_cb(void *arg, const struct rib_route_state *st)
{
	struct cmp_arg	*c = arg;
	struct t_route_q q;
	char		 sa[1024], sb[1024], pb[PREFIX_STRLEN], key[512], a[256], b[256];
	size_t		 i;

	c->n++;
	assert_false(st->pending);
	memset(&q, 0, sizeof(q));
	q.want = st->prefix;
	rib_route_walk(c->other->rib, &q.want, t_route_cb, &q);
	if (!q.found)
		fail_msg("%s only in the incremental RIB",
		    prefix_fmt(&st->prefix, pb, sizeof(pb)));
	state_fmt(sa, sizeof(sa), st);
	state_fmt(sb, sizeof(sb), &q.st);
	if (strcmp(sa, sb) != 0)
		fail_msg("%s: incremental %s, scratch %s",
		    prefix_fmt(&st->prefix, pb, sizeof(pb)), sa, sb);
	if (st->fib_group == 0)
		return 0;
	nh_fmt(a, sizeof(a), st->active_nh, st->n_active);
	nh_fmt(b, sizeof(b), st->fib_nh, st->n_fib_nh);
	if (strcmp(a, b) != 0) /* settled: the group forwards to the active set */
		fail_msg("%s: active %s, group %u forwards to %s",
		    prefix_fmt(&st->prefix, pb, sizeof(pb)), a, st->fib_group, b);
	nh_fmt(b, sizeof(b), st->backup_nh, st->n_backup);
	snprintf(key, sizeof(key), "%s|%s", a, b);
	for (i = 0; i < c->nkeys; i++) {
		if (strcmp(c->keys[i], key) == 0) {
			if (c->gids[i] != st->fib_group)
				fail_msg("%s: key %s in groups %u and %u",
				    prefix_fmt(&st->prefix, pb, sizeof(pb)), key, c->gids[i],
				    st->fib_group);
			return 0;
		}
		if (c->gids[i] == st->fib_group)
			fail_msg("group %u shared by keys %s and %s", st->fib_group, c->keys[i],
			    key);
	}
	assert_true(c->nkeys < 64);
	strcpy(c->keys[c->nkeys], key);
	c->gids[c->nkeys++] = st->fib_group;
	return 0;
}

static void
rec_same(const struct rec *a, const struct rec *b, const char *what)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!rec_has(b, a->sent[i]))
			fail_msg("%s: %s sent incrementally only", what, a->sent[i]);
	if (a->n != b->n)
		fail_msg("%s: %zu vs %zu prefixes", what, a->n, b->n);
}

static void
check(struct inst *a, const struct model *m, enum rib_pref_mode mode)
{
	struct inst	 b;
	struct cmp_arg	*c = calloc(1, sizeof(*c));
	struct rib_stats sa, sb;
	int		 s;
	size_t		 k;

	assert_non_null(c);
	inst_new(&b, mode);
	for (s = 0; s < NSRC; s++) {
		inst_health(&b, s, m->up[s]);
		if (m->drained[s])
			rib_source_drain(b.rib, b.id[s], true);
		for (k = 0; k < NPFX; k++)
			if (m->has[s][k])
				inst_path(&b, s, (int)k, &m->info[s][k]);
	}
	rib_settle(a->rib);
	rib_settle(b.rib);
	c->other = &b;
	rib_route_walk(a->rib, NULL, cmp_cb, c);
	rib_stats_get(a->rib, &sa);
	rib_stats_get(b.rib, &sb);
	assert_int_equal(c->n, sb.prefixes);
	assert_int_equal(sa.prefixes, sb.prefixes);
	assert_int_equal(sa.paths, sb.paths);
	assert_int_equal(sa.groups, c->nkeys); /* one group per key, none left over */
	assert_int_equal(sb.groups, c->nkeys);
	assert_int_equal(sa.nexthops, sb.nexthops);
	rec_same(&a->circ, &b.circ, "circuit");
	rec_same(&a->lan, &b.lan, "lan");
	rec_same(&a->site, &b.site, "site");
	assert_true(a->circ.n <= 5);
	rib_free(b.rib);
	free(c);
}

static void
run_random(enum rib_pref_mode mode, unsigned steps)
{
	struct inst   a;
	struct model *m = calloc(1, sizeof(*m));
	unsigned      i;
	int	      s, k;

	assert_non_null(m);
	inst_new(&a, mode);
	m->up[6] = true;
	for (i = 1; i <= steps; i++) {
		s = (int)rnd(NSRC);
		k = (int)rnd(NPFX);
		switch (rnd(10)) {
		case 0:
		case 1:
		case 2:
		case 3:
			m->info[s][k] = rnd_info(s, k);
			m->has[s][k] = true;
			inst_path(&a, s, k, &m->info[s][k]);
			break;
		case 4:
		case 5:
			m->has[s][k] = false;
			t_del(a.rib, a.id[s], pfxs[k]);
			break;
		case 6:
		case 7:
			if (s == 6)
				break;
			m->up[s] = !m->up[s];
			inst_health(&a, s, m->up[s]);
			break;
		case 8:
			m->drained[s] = !m->drained[s];
			rib_source_drain(a.rib, a.id[s], m->drained[s]);
			break;
		case 9:
			rib_settle(a.rib);
			break;
		}
		if (i % 97 == 0)
			check(&a, m, mode);
	}
	check(&a, m, mode);
	rib_free(a.rib);
	free(m);
}

static void
test_random_circuit(void **state)
{
	(void)state;
	run_random(RIB_PREF_CIRCUIT, 6000);
}

static void
test_random_vpn(void **state)
{
	(void)state;
	run_random(RIB_PREF_VPN, 3000);
}

static void
test_random_aspath(void **state)
{
	(void)state;
	run_random(RIB_PREF_ASPATH, 3000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_circuit),
		cmocka_unit_test(test_random_vpn),
		cmocka_unit_test(test_random_aspath),
	};

	log_init("test_rib_random", LOG_LVL_ERR, true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
