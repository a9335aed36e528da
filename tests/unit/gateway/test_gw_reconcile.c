/* tests/unit/gateway/test_gw_reconcile.c - the reconcile through fake legs: what is created, updated, torn down, and a failed prepare that changes nothing. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gw_local.h"

/*
 * Fake legs count every call per leg and operation and record their order;
 * the tunnel leg (wanted by specs with src.needs_tunnel) takes a heap
 * resource in prepare, so that ASan sees any resource abort or apply fails
 * to give back, and can be told to refuse one path's prepare.
 */
enum op { OP_PREPARE, OP_ABORT, OP_CREATE, OP_UPDATE, OP_DESTROY, OP_N };

struct fake {
	int	    calls[GW_LEG_N][OP_N];
	char	    log[64][200]; /* "create bgp circuit/er1/a" */
	int	    nlog;
	const char *fail_key; /* the tunnel prepare of this key fails */
	int	    res_live; /* tunnel resources not yet freed */
};

static const char *const leg_names[GW_LEG_N] = { "source", "bgp", "export", "bfd", "tunnel" };
static const char *const op_names[OP_N] = { "prepare", "abort", "create", "update", "destroy" };

static void
note(struct fake *f, enum gw_leg l, enum op o, const char *key)
{
	f->calls[l][o]++;
	if (f->nlog < 64)
		snprintf(f->log[f->nlog++], sizeof(f->log[0]), "%s %s %s", op_names[o],
		    leg_names[l], key);
}

static int
count(const struct fake *f, enum op o)
{
	int n = 0;

	for (int l = 0; l < GW_LEG_N; l++)
		n += f->calls[l][o];
	return n;
}

static bool
w_always(const struct gw_spec *s)
{
	return true;
}
static bool
w_bgp(const struct gw_spec *s)
{
	return s->has_bgp;
}
static bool
w_bfd(const struct gw_spec *s)
{
	return s->has_bfd;
}
static bool
w_tunnel(const struct gw_spec *s)
{
	return s->src.needs_tunnel;
}

#define FAKE_LEG(L, fn)                                                              \
	static void fn##_create(void *c, struct gw_path *p, void *res)               \
	{                                                                            \
		note(c, L, OP_CREATE, p->spec.key);                                  \
	}                                                                            \
	static void fn##_update(void *c, struct gw_path *p, const struct gw_spec *o, \
	    void *res)                                                               \
	{                                                                            \
		note(c, L, OP_UPDATE, p->spec.key);                                  \
	}                                                                            \
	static void fn##_destroy(void *c, struct gw_path *p)                         \
	{                                                                            \
		note(c, L, OP_DESTROY, p->spec.key);                                 \
	}
FAKE_LEG(GW_LEG_SOURCE, src)
FAKE_LEG(GW_LEG_BGP, bgp)
FAKE_LEG(GW_LEG_EXPORT, exp)
FAKE_LEG(GW_LEG_BFD, bfd)

static int
tun_prepare(void *c, const struct gw_spec *s, const struct gw_spec *old, void **res,
    struct nb_err *err)
{
	struct fake *f = c;

	if (f->fail_key && strcmp(s->key, f->fail_key) == 0)
		return -EADDRINUSE;
	note(f, GW_LEG_TUNNEL, OP_PREPARE, s->key);
	*res = strdup(s->key); /* a resource only abort or apply frees */
	f->res_live++;
	return 0;
}

static void
tun_abort(void *c, void *res)
{
	struct fake *f = c;

	note(f, GW_LEG_TUNNEL, OP_ABORT, res);
	free(res);
	f->res_live--;
}

static void
tun_create(void *c, struct gw_path *p, void *res)
{
	note(c, GW_LEG_TUNNEL, OP_CREATE, p->spec.key);
	p->tunnel = res; /* the path owns it now */
}

static void
tun_update(void *c, struct gw_path *p, const struct gw_spec *o, void *res)
{
	struct fake *f = c;

	note(f, GW_LEG_TUNNEL, OP_UPDATE, p->spec.key);
	free(p->tunnel);
	f->res_live--;
	p->tunnel = res;
}

static void
tun_destroy(void *c, struct gw_path *p)
{
	struct fake *f = c;

	note(f, GW_LEG_TUNNEL, OP_DESTROY, p->spec.key);
	free(p->tunnel);
	f->res_live--;
	p->tunnel = NULL;
}

static void
fake_detach(void *c, struct gw_path *p)
{
	struct fake *f = c;

	if (f->nlog < 64)
		snprintf(f->log[f->nlog++], sizeof(f->log[0]), "detach %s", p->spec.key);
}

static const struct gw_leg_ops fake_src = { "source", w_always, NULL, NULL, src_create,
	src_update, src_destroy };
static const struct gw_leg_ops fake_bgp = { "bgp", w_bgp, NULL, NULL, bgp_create, bgp_update,
	bgp_destroy };
static const struct gw_leg_ops fake_exp = { "export", w_bgp, NULL, NULL, exp_create, exp_update,
	exp_destroy };
static const struct gw_leg_ops fake_bfd = { "bfd", w_bfd, NULL, NULL, bfd_create, bfd_update,
	bfd_destroy };
static const struct gw_leg_ops fake_tun = { "tunnel", w_tunnel, tun_prepare, tun_abort,
	tun_create, tun_update, tun_destroy };

/* ---- specs ---- */

struct sp {
	const char *key;
	const char *peer; /* NULL: no BGP */
	bool	    bfd, tunnel;
	uint16_t    hold;
};

static struct gw_conf *
conf_of(const struct sp *v, size_t n)
{
	struct gw_conf *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->specs = calloc(n ? n : 1, sizeof(*c->specs));
	assert_non_null(c->specs);
	c->nspecs = c->cap = n;
	for (size_t i = 0; i < n; i++) {
		struct gw_spec *s = &c->specs[i];

		snprintf(s->key, sizeof(s->key), "%s", v[i].key);
		snprintf(s->name, sizeof(s->name), "path %s", v[i].key);
		s->src.cls = strncmp(v[i].key, "vpn/", 4) == 0 ? RIB_CLASS_VPN :
		    strncmp(v[i].key, "circuit/", 8) == 0      ? RIB_CLASS_CIRCUIT :
								 RIB_CLASS_LAN;
		s->src.needs_tunnel = v[i].tunnel;
		if (v[i].peer) {
			s->has_bgp = s->src.needs_bgp = true;
			assert_int_equal(ipaddr_parse(v[i].peer, &s->bgp.remote), 0);
			s->src.nexthop = s->bgp.remote;
			s->bgp.hold_time = v[i].hold ? v[i].hold : 90;
			assert_int_equal(secret_set_str(&s->bgp.md5_key, "k"), 0);
		}
		if (v[i].bfd)
			s->has_bfd = s->src.needs_bfd = true;
	}
	return c;
}

struct env {
	struct fake	f;
	struct gw_paths ps;
};

static void
env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->ps.legs[GW_LEG_SOURCE] = &fake_src;
	e->ps.legs[GW_LEG_BGP] = &fake_bgp;
	e->ps.legs[GW_LEG_EXPORT] = &fake_exp;
	e->ps.legs[GW_LEG_BFD] = &fake_bfd;
	e->ps.legs[GW_LEG_TUNNEL] = &fake_tun;
	e->ps.ctx = &e->f;
	e->ps.detach = fake_detach;
}

static void
env_fini(struct env *e)
{
	gw_paths_clear(&e->ps);
	assert_int_equal(e->f.res_live, 0); /* every tunnel resource given back */
}

/* prepare + apply; the counters start from zero. */
static void
commit(struct env *e, const struct sp *v, size_t n)
{
	struct gw_conf *c = conf_of(v, n);
	struct gw_plan *pl = NULL;
	struct nb_err	err = { 0 };

	memset(&e->f.calls, 0, sizeof(e->f.calls));
	e->f.nlog = 0;
	assert_int_equal(gw_reconcile_prepare(&e->ps, c, &pl, &err), 0);
	assert_non_null(pl);
	gw_reconcile_apply(&e->ps, pl);
}

static const struct sp base[] = {
	{ "circuit/er1/a", "172.16.1.2", true, false, 0 },
	{ "lan/core1", "10.0.0.2", false, false, 0 },
	{ "local", NULL, false, false, 0 },
};

static void
test_create_then_unchanged(void **state)
{
	struct env	e;
	struct gw_path *before[3];

	env_init(&e);
	commit(&e, base, 3);
	assert_int_equal(e.ps.n, 3);
	assert_int_equal(e.f.calls[GW_LEG_SOURCE][OP_CREATE], 3);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_CREATE], 2);
	assert_int_equal(e.f.calls[GW_LEG_EXPORT][OP_CREATE], 2);
	assert_int_equal(e.f.calls[GW_LEG_BFD][OP_CREATE], 1);
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_CREATE], 0);
	assert_int_equal(count(&e.f, OP_UPDATE) + count(&e.f, OP_DESTROY), 0);
	/* a path's legs come up in leg order */
	assert_string_equal(e.f.log[0], "create source circuit/er1/a");
	assert_string_equal(e.f.log[1], "create bgp circuit/er1/a");
	assert_string_equal(e.f.log[2], "create export circuit/er1/a");
	assert_string_equal(e.f.log[3], "create bfd circuit/er1/a");
	for (size_t i = 0; i < 3; i++) {
		before[i] = gw_paths_find(&e.ps, base[i].key);
		assert_non_null(before[i]);
		assert_string_equal(before[i]->spec.key, base[i].key);
		assert_ptr_equal(before[i]->spec.src.name, before[i]->spec.name);
	}
	/* the same config again: the same paths, nothing created or taken down */
	commit(&e, base, 3);
	assert_int_equal(e.ps.n, 3);
	assert_int_equal(count(&e.f, OP_CREATE) + count(&e.f, OP_DESTROY), 0);
	assert_int_equal(e.f.calls[GW_LEG_SOURCE][OP_UPDATE], 3); /* each leg looks */
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_UPDATE], 2);
	for (size_t i = 0; i < 3; i++)
		assert_ptr_equal(gw_paths_find(&e.ps, base[i].key), before[i]);
	env_fini(&e);
}

static void
test_change_remove_add(void **state)
{
	struct env	e;
	struct gw_path *lan, *local;
	/* clang-format off */
	const struct sp	 next[] = {
		{ "lan/core1", "10.0.0.2", false, false, 30 },	/* changed in place */
		{ "vpn/azure/t1", "169.254.21.1", false, true, 0 },	/* new */
		{ "local", NULL, false, false, 0 },
	};					/* circuit/er1/a: removed */
	/* clang-format on */

	env_init(&e);
	commit(&e, base, 3);
	lan = gw_paths_find(&e.ps, "lan/core1");
	local = gw_paths_find(&e.ps, "local");
	commit(&e, next, 3);
	assert_int_equal(e.ps.n, 3);
	assert_null(gw_paths_find(&e.ps, "circuit/er1/a"));
	assert_ptr_equal(gw_paths_find(&e.ps, "lan/core1"), lan);
	assert_ptr_equal(gw_paths_find(&e.ps, "local"), local);
	assert_int_equal(lan->spec.bgp.hold_time, 30);
	/* prepare took the new tunnel; in apply the removed path left the live
	 * set, then went down first, in the down order */
	assert_string_equal(e.f.log[0], "prepare tunnel vpn/azure/t1");
	assert_string_equal(e.f.log[1], "detach circuit/er1/a");
	assert_string_equal(e.f.log[2], "destroy export circuit/er1/a");
	assert_string_equal(e.f.log[3], "destroy bgp circuit/er1/a");
	assert_string_equal(e.f.log[4], "destroy bfd circuit/er1/a");
	assert_string_equal(e.f.log[5], "destroy source circuit/er1/a");
	assert_int_equal(count(&e.f, OP_DESTROY), 4);
	/* the new one: prepared (its tunnel), then created with all its legs */
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_PREPARE], 1);
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_CREATE], 1);
	assert_int_equal(e.f.calls[GW_LEG_SOURCE][OP_CREATE], 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_CREATE], 1);
	assert_int_equal(e.f.res_live, 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_UPDATE], 1); /* lan */
	/* the tunnel again, changed: a new resource replaces the old one */
	commit(&e, next, 3);
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_PREPARE], 1);
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_UPDATE], 1);
	assert_int_equal(e.f.res_live, 1);
	env_fini(&e);
}

/* Same key, incompatible spec (another peer address): replaced, not updated. */
static void
test_incompatible_replaced(void **state)
{
	struct env	e;
	struct gw_path *old;
	const struct sp moved[] = {
		{ "circuit/er1/a", "172.16.9.2", true, false, 0 },
		{ "lan/core1", "10.0.0.2", false, false, 0 },
		{ "local", NULL, false, false, 0 },
	};

	env_init(&e);
	commit(&e, base, 3);
	old = gw_paths_find(&e.ps, "circuit/er1/a");
	commit(&e, moved, 3);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_DESTROY], 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_CREATE], 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_UPDATE], 1); /* lan only */
	assert_non_null(gw_paths_find(&e.ps, "circuit/er1/a"));
	assert_int_equal(gw_paths_find(&e.ps, "circuit/er1/a")->spec.bgp.remote.bytes[2], 9);
	(void)old;
	env_fini(&e);
}

/* Two specs of one key make one path, the later updating it. */
static void
test_duplicate_key(void **state)
{
	struct env	e;
	const struct sp dup[] = {
		{ "lan/x", "10.0.0.2", false, false, 10 },
		{ "lan/x", "10.0.0.2", false, false, 20 },
	};

	env_init(&e);
	commit(&e, dup, 2);
	assert_int_equal(e.ps.n, 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_CREATE], 1);
	assert_int_equal(e.f.calls[GW_LEG_BGP][OP_UPDATE], 1);
	assert_int_equal(gw_paths_find(&e.ps, "lan/x")->spec.bgp.hold_time, 20);
	env_fini(&e);
}

/* A refused prepare: every resource taken is given back, the live paths are
 * untouched, the error names the path, the conf stays the caller's. */
static void
test_prepare_failure_changes_nothing(void **state)
{
	struct env	e;
	struct gw_path *before[3];
	struct gw_conf *c;
	struct gw_plan *pl = NULL;
	struct nb_err	err = { 0 };
	const struct sp next[] = {
		{ "vpn/a/t1", "169.254.1.1", false, true, 0 },
		{ "vpn/b/t1", "169.254.2.1", false, true, 0 },
		{ "vpn/c/t1", "169.254.3.1", false, true, 0 }, /* refused */
		{ "local", NULL, false, false, 0 },
	};

	env_init(&e);
	commit(&e, base, 3);
	for (size_t i = 0; i < 3; i++)
		before[i] = e.ps.v[i];
	memset(&e.f.calls, 0, sizeof(e.f.calls));
	e.f.fail_key = "vpn/c/t1";
	c = conf_of(next, 4);
	assert_int_equal(gw_reconcile_prepare(&e.ps, c, &pl, &err), -EADDRINUSE);
	assert_null(pl);
	assert_non_null(strstr(err.msg, "path vpn/c/t1"));
	assert_non_null(strstr(err.msg, "tunnel"));
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_PREPARE], 2);
	assert_int_equal(e.f.calls[GW_LEG_TUNNEL][OP_ABORT], 2);
	assert_int_equal(e.f.res_live, 0);
	assert_int_equal(count(&e.f, OP_CREATE) + count(&e.f, OP_UPDATE) +
		count(&e.f, OP_DESTROY),
	    0);
	assert_int_equal(e.ps.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_ptr_equal(e.ps.v[i], before[i]);
		assert_false(e.ps.v[i]->gone); /* marked by the plan, unmarked */
	}
	gw_conf_free(c);
	/* the same prepare succeeding, then aborted: also nothing changes */
	e.f.fail_key = NULL;
	c = conf_of(next, 4);
	assert_int_equal(gw_reconcile_prepare(&e.ps, c, &pl, &err), 0);
	assert_int_equal(e.f.res_live, 3);
	gw_reconcile_abort(&e.ps, pl); /* frees c */
	assert_int_equal(e.f.res_live, 0);
	assert_int_equal(e.ps.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_ptr_equal(e.ps.v[i], before[i]);
		assert_false(e.ps.v[i]->gone);
		assert_ptr_equal(gw_paths_find(&e.ps, base[i].key), before[i]);
	}
	assert_int_equal(count(&e.f, OP_CREATE) + count(&e.f, OP_DESTROY), 0);
	env_fini(&e);
}

/* A tunnel path: its tunnel comes up before the BGP session and BFD that
 * run inside it, and goes after them (the route source first and last). */
static void
test_tunnel_leg_order(void **state)
{
	struct env	e;
	const struct sp vpn[] = {
		{ "vpn/azure/t1", "169.254.21.1", true, true, 0 },
	};

	env_init(&e);
	commit(&e, vpn, 1);
	assert_string_equal(e.f.log[0], "prepare tunnel vpn/azure/t1");
	assert_string_equal(e.f.log[1], "create source vpn/azure/t1");
	assert_string_equal(e.f.log[2], "create tunnel vpn/azure/t1");
	assert_string_equal(e.f.log[3], "create bgp vpn/azure/t1");
	assert_string_equal(e.f.log[4], "create export vpn/azure/t1");
	assert_string_equal(e.f.log[5], "create bfd vpn/azure/t1");
	assert_int_equal(e.f.nlog, 6);
	commit(&e, NULL, 0);
	assert_string_equal(e.f.log[0], "detach vpn/azure/t1");
	assert_string_equal(e.f.log[1], "destroy export vpn/azure/t1");
	assert_string_equal(e.f.log[2], "destroy bgp vpn/azure/t1");
	assert_string_equal(e.f.log[3], "destroy bfd vpn/azure/t1");
	assert_string_equal(e.f.log[4], "destroy tunnel vpn/azure/t1");
	assert_string_equal(e.f.log[5], "destroy source vpn/azure/t1");
	assert_int_equal(e.ps.n, 0);
	env_fini(&e);
}

/* Everything down at the end, last created first, each in the down order. */
static void
test_clear(void **state)
{
	struct env e;

	env_init(&e);
	commit(&e, base, 3);
	memset(&e.f.calls, 0, sizeof(e.f.calls));
	e.f.nlog = 0;
	gw_paths_clear(&e.ps);
	assert_int_equal(e.ps.n, 0);
	assert_null(gw_paths_find(&e.ps, "local"));
	assert_string_equal(e.f.log[0], "detach local");
	assert_string_equal(e.f.log[1], "destroy source local");
	assert_string_equal(e.f.log[2], "detach lan/core1");
	assert_string_equal(e.f.log[3], "destroy export lan/core1");
	assert_int_equal(e.f.calls[GW_LEG_SOURCE][OP_DESTROY], 3);
	assert_int_equal(e.f.calls[GW_LEG_BFD][OP_DESTROY], 1);
	env_fini(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_then_unchanged),
		cmocka_unit_test(test_change_remove_add),
		cmocka_unit_test(test_incompatible_replaced),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_prepare_failure_changes_nothing),
		cmocka_unit_test(test_tunnel_leg_order),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
