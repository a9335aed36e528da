/* gateway/gw_conf.c - config tree -> path specs, with the checks YANG cannot express. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"
#include "lib/secret.h"
#include "lib/sockaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AS_TRANS 23456 /* RFC 6793 */

/* The first descendant along path ("bgp", "max-prefix/limit"): the same
 * node lyd_find_path() finds, without parsing the path for each lookup
 * (a commit of a large config makes tens of thousands of them). */
static struct lyd_node *
child(const struct lyd_node *n, const char *path)
{
	struct lyd_node *c = (struct lyd_node *)n;

	while (c && *path) {
		size_t len = strcspn(path, "/");

		LY_LIST_FOR(lyd_child(c), c)
			if (c->schema && strncmp(c->schema->name, path, len) == 0 &&
			    c->schema->name[len] == '\0')
				break;
		path += len;
		if (*path == '/')
			path++;
	}
	return c;
}

static const char *
cv(const struct lyd_node *n, const char *path)
{
	struct lyd_node *l = n ? child(n, path) : NULL;

	return l ? lyd_get_value(l) : NULL;
}

static uint32_t
cu(const struct lyd_node *n, const char *path, uint32_t dflt)
{
	const char *v = cv(n, path);

	return v ? (uint32_t)strtoul(v, NULL, 10) : dflt;
}

static bool
cb(const struct lyd_node *n, const char *path, bool dflt)
{
	const char *v = cv(n, path);

	return v ? strcmp(v, "true") == 0 : dflt;
}

static void
node_path(const struct lyd_node *n, const char *leaf, char *buf, size_t len)
{
	char *p = lyd_path(n, LYD_PATH_STD, NULL, 0);

	snprintf(buf, len, "%s%s%s", p ? p : "", leaf ? "/" : "", leaf ? leaf : "");
	free(p);
}

static int bad(struct nb_err *, const struct lyd_node *, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct nb_err *err, const struct lyd_node *n, const char *leaf, const char *fmt, ...)
{
	char	path[256], msg[256];
	va_list ap;

	node_path(n, leaf, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nb_err_set(err, path, "%s", msg);
	return -EINVAL;
}

/* The keys are wiped wherever a spec ends: the memo, the live paths and
 * the transaction's copies are each one place that holds them. */
void
gw_spec_clear(struct gw_spec *s)
{
	free(s->statics);
	secret_wipe(&s->bgp.md5_key);
	secret_wipe(&s->bfd.auth_key);
	vpn_tunnel_cfg_wipe(&s->vpn);
	memset(s, 0, sizeof(*s));
}

void
gw_spec_move(struct gw_spec *dst, struct gw_spec *src)
{
	*dst = *src;
	dst->src.name = dst->name; /* they point into the spec */
	dst->src.connection = dst->connection;
	secret_wipe(&src->bgp.md5_key);
	secret_wipe(&src->bfd.auth_key);
	vpn_tunnel_cfg_wipe(&src->vpn);
	memset(src, 0, sizeof(*src));
}

/* Equal session parameters: the key in constant time, the rest as bytes
 * (specs are built in zeroed memory, so padding compares equal). */
bool
gw_bgp_cfg_same(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b)
{
	const size_t k = offsetof(struct bgp_peer_cfg, md5_key);
	const size_t e = k + sizeof(a->md5_key);

	return memcmp(a, b, k) == 0 && secret_eq(&a->md5_key, &b->md5_key) &&
	    memcmp((const char *)a + e, (const char *)b + e, sizeof(*a) - e) == 0;
}

bool
gw_bfd_cfg_same(const struct bfd_session_cfg *a, const struct bfd_session_cfg *b)
{
	const size_t k = offsetof(struct bfd_session_cfg, auth_key);
	const size_t e = k + sizeof(a->auth_key);

	return memcmp(a, b, k) == 0 && secret_eq(&a->auth_key, &b->auth_key) &&
	    memcmp((const char *)a + e, (const char *)b + e, sizeof(*a) - e) == 0;
}

/* The outbound cap is not part of it: gw_path_update re-adds the export
 * with the new cap (no session reset when outbound-prefix-limit changes). */
bool
gw_spec_compatible(const struct gw_spec *a, const struct gw_spec *b)
{
	return a->src.cls == b->src.cls && a->src.role == b->src.role &&
	    a->src.needs_bfd == b->src.needs_bfd && a->src.needs_bgp == b->src.needs_bgp &&
	    a->src.needs_tunnel == b->src.needs_tunnel &&
	    ipaddr_cmp(&a->src.nexthop, &b->src.nexthop) == 0 &&
	    strcmp(a->src.ifname, b->src.ifname) == 0 && a->has_bgp == b->has_bgp &&
	    a->has_tunnel == b->has_tunnel &&
	    (!a->has_bgp || ipaddr_cmp(&a->bgp.remote, &b->bgp.remote) == 0);
}

void
gw_conf_free(struct gw_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nspecs; i++)
		gw_spec_clear(&c->specs[i]);
	free(c->specs);
	free(c);
}

static struct gw_spec *
spec_new(struct gw_conf *c)
{
	if (c->nspecs == c->cap) {
		size_t		ncap = c->cap ? c->cap * 2 : 16;
		struct gw_spec *n = realloc(c->specs, ncap * sizeof(*n));

		if (!n)
			return NULL;
		c->specs = n;
		c->cap = ncap;
	}
	memset(&c->specs[c->nspecs], 0, sizeof(c->specs[0]));
	return &c->specs[c->nspecs++];
}

static int
spec_add_prefix(struct gw_spec *s, const struct lyd_node *leaf, struct nb_err *err)
{
	struct prefix p, *n;

	if (prefix_parse(lyd_get_value(leaf), &p) != 0)
		return bad(err, leaf, NULL, "'%s' is not a prefix (host bits set?)",
		    lyd_get_value(leaf));
	if (!(n = realloc(s->statics, (s->nstatic + 1) * sizeof(*n))))
		return -ENOMEM;
	s->statics = n;
	s->statics[s->nstatic++] = p;
	return 0;
}

static int
addr_of(const struct lyd_node *n, const char *path, struct ipaddr *a, struct nb_err *err)
{
	const char *v = cv(n, path);
	char	    buf[IPADDR_STRLEN + 8], *slash;

	memset(a, 0, sizeof(*a));
	if (!v)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	if ((slash = strchr(buf, '/'))) /* inside-address is a prefix: keep the address */
		*slash = '\0';
	if ((slash = strchr(buf, '%'))) /* zone: carried by the interface instead */
		*slash = '\0';
	if (ipaddr_parse(buf, a) != 0)
		return bad(err, n, path, "'%s' is not an IP address", v);
	return 0;
}

/* Fill a BGP session from a bgp-session-config container. */
static int
spec_bgp(struct gw_conf *c, struct gw_spec *s, const struct lyd_node *b,
    const struct ipaddr *local, const char *ifname, struct nb_err *err)
{
	struct bgp_peer_cfg *p = &s->bgp;
	const char	    *v;
	int		     rc;

	s->has_bgp = true;
	snprintf(p->name, sizeof(p->name), "%.63s", s->name);
	if ((rc = addr_of(b, "peer-address", &p->remote, err)) != 0)
		return rc;
	p->local = *local;
	if (local->family && local->family != p->remote.family)
		return bad(err, b, "peer-address",
		    "address family differs from the local address (%s)", "");
	if (ifname && ipaddr_is_link_local6(&p->remote))
		snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->remote_as = cu(b, "peer-as", 0);
	p->local_as = cu(b, "local-as", 0);
	if (p->remote_as == 0 || p->remote_as == AS_TRANS)
		return bad(err, b, "peer-as", "AS %s is reserved", cv(b, "peer-as"));
	if (cv(b, "local-as") && (p->local_as == 0 || p->local_as == AS_TRANS))
		return bad(err, b, "local-as", "AS %s is reserved", cv(b, "local-as"));
	p->hold_time = (uint16_t)cu(b, "hold-time", 180);
	p->connect_retry = (uint16_t)cu(b, "connect-retry", 5);
	p->passive = cb(b, "passive", false);
	if ((v = cv(b, "md5-key")) && secret_set_str(&p->md5_key, v) != 0)
		return bad(err, b, "md5-key", "the key is longer than %s bytes", "512");
	p->ttl_security = (uint8_t)cu(b, "ttl-security", 0);
	p->graceful_restart = cb(b, "graceful-restart", true);
	p->gr_restart_time = 120;
	p->mrai_ms = cu(b, "advertisement-interval", 0);
	p->max_prefix = cu(b, "max-prefix/limit", 0);
	p->max_prefix4 = cu(b, "max-prefix/ipv4-limit", 0);
	p->max_prefix6 = cu(b, "max-prefix/ipv6-limit", 0);
	p->max_memory = (uint64_t)cu(b, "max-memory", 524288) * 1024;
	v = cv(b, "max-prefix/action");
	p->max_prefix_action =
	    v && strcmp(v, "warning-only") == 0 ? BGP_MAXPFX_WARNING : BGP_MAXPFX_TEARDOWN;
	p->max_prefix_restart = (uint16_t)cu(b, "max-prefix/restart-time", 60);
	p->ipv4_unicast = p->ipv6_unicast = true;
	p->port = c->port;
	s->src.needs_bgp = true;
	s->src.nexthop = p->remote;
	return 0;
}

static int
spec_bfd(struct gw_spec *s, const struct lyd_node *bfd, const char *ifname, struct nb_err *err)
{
	const char *v;

	if (!bfd)
		return 0;
	if (!s->has_bgp)
		return bad(err, bfd, NULL, "BFD needs the BGP peer address of this path%s", "");
	s->has_bfd = true;
	s->src.needs_bfd = true;
	s->bfd.peer = s->bgp.remote;
	s->bfd.local = s->bgp.local;
	if (ifname)
		snprintf(s->bfd.ifname, sizeof(s->bfd.ifname), "%s", ifname);
	s->bfd.min_tx_ms = cu(bfd, "min-tx", 300);
	s->bfd.min_rx_ms = cu(bfd, "min-rx", 300);
	s->bfd.multiplier = (uint8_t)cu(bfd, "multiplier", 3);
	if ((v = cv(bfd, "auth-key"))) {
		if (secret_set_str(&s->bfd.auth_key, v) != 0)
			return bad(err, bfd, "auth-key", "the key is longer than %s bytes",
			    "512");
		s->bfd.auth_key_id = 1;
	}
	if (bfd_session_cfg_check(&s->bfd) != 0)
		return bad(err, bfd, NULL,
		    "BFD session parameters refused (intervals, multiplier, "
		    "key length or address families)%s",
		    "");
	return 0;
}

#define FOR_EACH_CHILD(parent, nm, it)     \
	LY_LIST_FOR(lyd_child(parent), it) \
		if (strcmp((it)->schema->name, (nm)) == 0)

static int
conf_circuits(struct gw_conf *c, const struct lyd_node *gwn, struct nb_err *err)
{
	struct lyd_node *ci, *ln;
	int		 rc;

	FOR_EACH_CHILD(gwn, "circuit", ci) {
		const char *cname = cv(ci, "name");
		uint32_t    cap = cu(ci, "outbound-prefix-limit", 4000);

		FOR_EACH_CHILD(ci, "link", ln) {
			struct gw_spec *s = spec_new(c);
			const char     *lname = cv(ln, "name"), *ifn = cv(ln, "interface");
			struct ipaddr	local;

			if (!s)
				return -ENOMEM;
			snprintf(s->key, sizeof(s->key), "circuit/%s/%s", cname, lname);
			snprintf(s->name, sizeof(s->name), "circuit %s link %s", cname, lname);
			snprintf(s->connection, sizeof(s->connection), "%s", cname);
			s->src.cls = RIB_CLASS_CIRCUIT;
			s->src.outbound_cap = cap;
			if (ifn)
				snprintf(s->src.ifname, sizeof(s->src.ifname), "%s", ifn);
			if ((rc = addr_of(ln, "local-address", &local, err)) != 0 ||
			    (rc = spec_bgp(c, s, child(ln, "bgp"), &local, ifn, err)) != 0)
				return rc;
			s->exp_role = RIB_EXP_CIRCUIT;
			s->exp_cap = cap;
			if ((rc = spec_bfd(s, child(ln, "bfd"), ifn, err)) != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * The specs of a vpn-connection depend only on its subtree, bgp-port and
 * vpn-prepend: a commit that changes one connection of a thousand rebuilds
 * that one. The memo keeps, per connection, its subtree as (schema node,
 * value) pairs in depth-first order and the specs built from it; the
 * values are held in libyang's dictionary, so an equal pointer is an equal
 * string. Entries not seen by a build are dropped; a change of the YANG
 * context (recompiled schema) drops all.
 */
/* One node of a memoised subtree: its schema node and its value, either a
 * dictionary string (canonical) or, for a union, the original text with
 * what decides how it resolves (reading a union's canonical value means
 * printing it again after every validation). */
struct vc_fp {
	const void *schema;
	const char *str; /* NULL for inner nodes */
	size_t	    len; /* raw: bytes at str */
	uint32_t    hints;
	uint8_t	    raw;    /* 0: dictionary string; else 1 + format */
	bool	    secret; /* a key: compared in constant time */
};

struct vc_memo {
	struct hash_node hnode; /* in vc_memo_tab.byname */
	char		*name;
	struct vc_fp	*fp;
	size_t		 nfp;
	struct gw_spec	*specs;
	size_t		 nspecs;
};

struct vc_memo_tab {
	struct hash byname; /* struct vc_memo */
	uint16_t    port;
	uint8_t	    prepend;
	uint32_t    ctx_changes;
};

static struct vc_memo_tab vc_memo;

static void
memo_entry_free(struct vc_memo *m)
{
	for (size_t i = 0; i < m->nfp; i++) {
		if (m->fp[i].raw)
			free((char *)m->fp[i].str);
		else if (m->fp[i].str)
			lydict_remove(nb_ctx(), m->fp[i].str);
	}
	for (size_t i = 0; i < m->nspecs; i++)
		gw_spec_clear(&m->specs[i]);
	free(m->specs);
	free(m->fp);
	free(m->name);
	free(m);
}

static int
memo_free_one(struct hash_node *n, void *arg)
{
	memo_entry_free(hash_entry(n, struct vc_memo, hnode));
	return 0;
}

static void
memo_tab_free(struct vc_memo_tab *t)
{
	hash_walk(&t->byname, memo_free_one, NULL);
	hash_fini(&t->byname);
	memset(t, 0, sizeof(*t));
}

/* The subtree of n, depth first, into *fp (grown as needed); the strings
 * point into the tree. */
static int
memo_fp(const struct lyd_node *n, struct vc_fp **fp, size_t *nfp, size_t *cap)
{
	const struct lyd_node *c;
	struct vc_fp	      *e;
	int		       rc;

	if (*nfp == *cap) {
		size_t	      ncap = *cap ? *cap * 2 : 64;
		struct vc_fp *nv = realloc(*fp, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*fp = nv;
		*cap = ncap;
	}
	e = &(*fp)[(*nfp)++];
	memset(e, 0, sizeof(*e));
	e->schema = n->schema;
	e->secret = n->schema && nb_schema_is_secret(n->schema);
	if (n->schema && (n->schema->nodetype & LYD_NODE_TERM)) {
		const struct lyd_value *v = &((const struct lyd_node_term *)n)->value;

		if (v->realtype->basetype == LY_TYPE_UNION && v->subvalue &&
		    v->subvalue->original) {
			const struct lyd_value_union *u = v->subvalue;
			LY_DATA_TYPE		      bt =
			     u->value.realtype ? u->value.realtype->basetype : LY_TYPE_UNKNOWN;

			/* prefixed values resolve by the prefix data too */
			if (bt == LY_TYPE_IDENT || bt == LY_TYPE_INST || bt == LY_TYPE_UNKNOWN)
				return -ENOTSUP;
			e->str = u->original;
			e->len = u->orig_len;
			e->hints = u->hints;
			e->raw = (uint8_t)(1 + u->format);
		} else if (!(e->str = lyd_get_value(n)))
			return -ENOTSUP;
	}
	LY_LIST_FOR(lyd_child(n), c)
		if ((rc = memo_fp(c, fp, nfp, cap)) != 0)
			return rc;
	return 0;
}

static struct vc_memo *
memo_find(const struct vc_memo_tab *t, const char *name)
{
	struct hash_node *n;

	if (!name)
		return NULL;
	HASH_FOREACH_MATCH(&t->byname, hash_str(name), n) {
		struct vc_memo *m = hash_entry(n, struct vc_memo, hnode);

		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

/* Two key values, equal? In constant time, as every key comparison. */
static bool
memo_secret_same(const struct vc_fp *a, const struct vc_fp *b)
{
	struct secret x, y;
	bool	      same;

	same = secret_set(&x, a->str, a->raw ? a->len : strlen(a->str)) == 0 &&
	    secret_set(&y, b->str, b->raw ? b->len : strlen(b->str)) == 0 && secret_eq(&x, &y);
	secret_wipe(&x);
	secret_wipe(&y);
	return same;
}

static bool
memo_same(const struct vc_memo *m, const struct vc_fp *fp, size_t nfp)
{
	if (m->nfp != nfp)
		return false;
	for (size_t i = 0; i < nfp; i++) {
		const struct vc_fp *a = &m->fp[i], *b = &fp[i];

		if (a->schema != b->schema || a->raw != b->raw)
			return false;
		if (a->secret && a->str && b->str) {
			if (a->hints != b->hints || !memo_secret_same(a, b))
				return false;
		} else if (a->raw) {
			if (a->len != b->len || a->hints != b->hints ||
			    (a->len &&
				(!a->str || !b->str || memcmp(a->str, b->str, a->len) != 0)))
				return false;
		} else if (a->str != b->str &&
		    (!a->str || !b->str || strcmp(a->str, b->str) != 0))
			return false;
	}
	return true;
}

/* Move m from the table it is in (if any) into t; on failure m is freed. */
static void
memo_move(struct vc_memo_tab *from, struct vc_memo_tab *t, struct vc_memo *m)
{
	if (from)
		hash_del(&from->byname, &m->hnode);
	if (hash_add(&t->byname, &m->hnode, hash_str(m->name)) != 0)
		memo_entry_free(m); /* a lost memo costs a rebuild, nothing else */
}

/* A new entry: the strings copied out of the tree (dictionary references
 * or own copies), the specs copied. */
static int
memo_add(struct vc_memo_tab *t, const char *name, const struct vc_fp *fp, size_t nfp,
    const struct gw_spec *specs, size_t nspecs)
{
	struct vc_memo *m;
	size_t		i;

	if (!(m = calloc(1, sizeof(*m))))
		return -ENOMEM;
	if (!(m->name = strdup(name)) || !(m->fp = calloc(nfp ? nfp : 1, sizeof(*m->fp))) ||
	    (nspecs && !(m->specs = calloc(nspecs, sizeof(*m->specs)))))
		goto nomem;
	for (i = 0; i < nfp; i++, m->nfp++) {
		m->fp[i] = fp[i];
		m->fp[i].str = NULL;
		if (!fp[i].str)
			continue;
		if (fp[i].raw) {
			char *d = malloc(fp[i].len ? fp[i].len : 1);

			if (!d)
				goto nomem;
			memcpy(d, fp[i].str, fp[i].len);
			m->fp[i].str = d;
		} else if (lydict_insert(nb_ctx(), fp[i].str, 0, &m->fp[i].str) != LY_SUCCESS)
			goto nomem;
	}
	for (i = 0; i < nspecs; i++, m->nspecs++) {
		m->specs[i] = specs[i];
		m->specs[i].statics = NULL;
		if (specs[i].nstatic &&
		    !(m->specs[i].statics = malloc(specs[i].nstatic * sizeof(struct prefix))))
			goto nomem;
		if (specs[i].nstatic)
			memcpy(m->specs[i].statics, specs[i].statics,
			    specs[i].nstatic * sizeof(struct prefix));
	}
	memo_move(NULL, t, m);
	return 0;
nomem:
	memo_entry_free(m);
	return -ENOMEM;
}

void
gw_conf_memo_free(void)
{
	memo_tab_free(&vc_memo);
}

/* Copy the memo's specs to the end of c. */
static int
memo_use(struct gw_conf *c, const struct vc_memo *m)
{
	for (size_t i = 0; i < m->nspecs; i++) {
		struct gw_spec *s = spec_new(c);

		if (!s)
			return -ENOMEM;
		*s = m->specs[i];
		s->statics = NULL;
		if (m->specs[i].nstatic) {
			if (!(s->statics =
				    malloc(m->specs[i].nstatic * sizeof(struct prefix)))) {
				s->nstatic = 0;
				return -ENOMEM;
			}
			memcpy(s->statics, m->specs[i].statics,
			    m->specs[i].nstatic * sizeof(struct prefix));
		}
	}
	return 0;
}

static int conf_vpn_one(struct gw_conf *, const struct lyd_node *vc, uint8_t prepend,
    struct nb_err *);

static int
conf_vpns(struct gw_conf *c, const struct lyd_node *gwn, uint8_t prepend, struct nb_err *err)
{
	struct vc_memo_tab nt = { 0 };
	struct lyd_node	  *vc;
	struct vc_fp	  *fp = NULL;
	size_t		   fpcap = 0;
	uint32_t	   changes = ly_ctx_get_change_count(nb_ctx());
	bool		   usable;
	int		   rc = 0;

	usable = vc_memo.port == c->port && vc_memo.prepend == prepend &&
	    vc_memo.ctx_changes == changes;
	FOR_EACH_CHILD(gwn, "vpn-connection", vc) {
		const char     *cname = cv(vc, "name");
		struct vc_memo *m = usable ? memo_find(&vc_memo, cname) : NULL;
		size_t		nfp = 0, first = c->nspecs;

		if (!cname || (rc = memo_fp(vc, &fp, &nfp, &fpcap)) != 0) {
			/* not memoised: built every time */
			if (rc == -ENOMEM || (rc = conf_vpn_one(c, vc, prepend, err)) != 0)
				goto out;
			continue;
		}
		if (m && memo_same(m, fp, nfp)) {
			if ((rc = memo_use(c, m)) != 0)
				goto out;
			/* the entry moves to the new table as it is */
			memo_move(&vc_memo, &nt, m);
			continue;
		}
		if ((rc = conf_vpn_one(c, vc, prepend, err)) != 0)
			goto out;
		/* a failed memo costs a rebuild next time, nothing else */
		memo_add(&nt, cname, fp, nfp, &c->specs[first], c->nspecs - first);
	}
out:
	free(fp);
	if (rc != 0) {
		memo_tab_free(&nt);
		return rc;
	}
	memo_tab_free(&vc_memo);
	vc_memo = nt; /* the table moves: its buckets point at entries, not at it */
	vc_memo.port = c->port;
	vc_memo.prepend = prepend;
	vc_memo.ctx_changes = changes;
	return 0;
}

/* Copy a leaf's text into a fixed field; too long is an error. */
static int
cstr(const struct lyd_node *n, const char *path, char *dst, size_t len, struct nb_err *err)
{
	const char *v = cv(n, path);

	dst[0] = '\0';
	if (!v)
		return 0;
	if (strlen(v) >= len)
		return bad(err, n, path, "longer than %s characters",
		    len == 256 ? "255" : "511");
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
ts_list(const struct lyd_node *esp, const char *name, struct prefix *out, uint8_t *n,
    struct nb_err *err)
{
	struct lyd_node *l;

	*n = 0;
	FOR_EACH_CHILD(esp, name, l) {
		if (*n == VPN_TS_MAX)
			return bad(err, l, NULL, "at most %s traffic selectors", "8");
		if (prefix_parse(lyd_get_value(l), &out[*n]) != 0)
			return bad(err, l, NULL, "'%s' is not a prefix (host bits set?)",
			    lyd_get_value(l));
		(*n)++;
	}
	return 0;
}

/*
 * A tunnel hybridgw runs (its connection has ike): the vpn/ configuration,
 * checked by vpn/ itself (proposals, identities, certificate files) so
 * that a bad one is refused at commit with the leaf and the reason.
 */
static int
spec_vpn(struct gw_spec *s, const struct lyd_node *vc, const struct lyd_node *tn,
    const struct lyd_node *ike, struct nb_err *err)
{
	struct vpn_tunnel_cfg *c = &s->vpn;
	const struct lyd_node *esp = child(vc, "esp");
	struct vpn_cfg_err     ve;
	const char	      *v;
	char		       buf[IPADDR_STRLEN + 8], *slash;
	int		       rc;

	s->has_tunnel = true;
	/* The tunnel is the path's transport: eligible only while a Child SA
	 * carries it (DESIGN.md 3, Selection 1); its BGP session, when there
	 * is one, gates it as well (needs_bgp). */
	s->src.needs_tunnel = true;
	vpn_tunnel_cfg_init(c);
	/* list keys: never NULL, but gcc -O2 cannot know it */
	snprintf(c->connection, sizeof(c->connection), "%s", (v = cv(vc, "name")) ? v : "");
	snprintf(c->tunnel, sizeof(c->tunnel), "%s", (v = cv(tn, "name")) ? v : "");
	if ((v = cv(tn, "interface")))
		snprintf(c->ifname, sizeof(c->ifname), "%s", v);
	c->mtu = (uint16_t)cu(tn, "mtu", 1400);
	c->mss = (uint16_t)cu(tn, "mss", 1350);
	if ((rc = addr_of(tn, "local-address", &c->local, err)) != 0 ||
	    (rc = addr_of(tn, "remote-address", &c->remote, err)) != 0)
		return rc;
	if ((v = cv(tn, "inside-address"))) {
		snprintf(buf, sizeof(buf), "%s", v);
		if ((slash = strchr(buf, '/')))
			*slash = '\0';
		if (ipaddr_parse(buf, &c->inside) != 0)
			return bad(err, tn, "inside-address", "'%s' is not an address", v);
		c->inside_len = (uint8_t)(slash	    ? atoi(slash + 1) :
			c->inside.family == AF_INET ? 32 :
						      128);
	}
	v = cv(ike, "initiation");
	c->initiation = v && strcmp(v, "respond") == 0 ? VPN_RESPOND : VPN_INITIATE;
	v = cv(ike, "nat-traversal");
	c->natt = !v || strcmp(v, "auto") == 0 ? VPN_NATT_AUTO :
	    strcmp(v, "force") == 0	       ? VPN_NATT_FORCE :
						 VPN_NATT_OFF;
	c->ike_lifetime_s = cu(ike, "lifetime", VPN_IKE_LIFETIME);
	c->dpd_timeout_s = cu(ike, "dpd-timeout", VPN_DPD_TIMEOUT);
	if ((rc = cstr(ike, "proposal", c->ike_proposals, sizeof(c->ike_proposals), err)) !=
		0 ||
	    (rc = cstr(ike, "certificate", c->cert, sizeof(c->cert), err)) != 0 ||
	    (rc = cstr(ike, "private-key", c->key, sizeof(c->key), err)) != 0 ||
	    (rc = cstr(ike, "ca-certificate", c->ca, sizeof(c->ca), err)) != 0 ||
	    (rc = cstr(ike, "local-id", c->local_id, sizeof(c->local_id), err)) != 0 ||
	    (rc = cstr(ike, "remote-id", c->remote_id, sizeof(c->remote_id), err)) != 0)
		return rc;
	if ((v = cv(ike, "pre-shared-key"))) {
		if (c->cert[0])
			return bad(err, ike, "pre-shared-key",
			    "a pre-shared-key or a "
			    "certificate, not both%s",
			    "");
		if (secret_set_str(&c->psk, v) != 0)
			return bad(err, ike, "pre-shared-key",
			    "the key is longer than %s bytes", "512");
		c->auth = VPN_AUTH_PSK;
	} else if (c->cert[0] || c->key[0] || c->ca[0])
		c->auth = VPN_AUTH_CERT;
	else
		return bad(err, ike, NULL,
		    "IKE needs a pre-shared-key, or certificate, "
		    "private-key and ca-certificate%s",
		    "");
	if (esp) {
		if ((rc = cstr(esp, "proposal", c->esp_proposals, sizeof(c->esp_proposals),
			 err)) != 0)
			return rc;
		v = cv(esp, "pfs-group");
		if (v && strcmp(v, "none") != 0 && vpn_dh_group_id(v, &c->pfs_group) != 0)
			return bad(err, esp, "pfs-group", "group '%s' is not supported", v);
		c->child_lifetime_s = cu(esp, "lifetime", VPN_CHILD_LIFETIME);
		v = cv(esp, "lifetime-kilobytes");
		c->child_lifetime_kb = v ? strtoull(v, NULL, 10) : VPN_CHILD_LIFE_KB;
		c->replay_window = cu(esp, "replay-window", ESP_REPLAY_DEFAULT);
		c->replay_set = true;
		if ((rc = ts_list(esp, "local-traffic-selector", c->ts_local, &c->nts_local,
			 err)) != 0 ||
		    (rc = ts_list(esp, "remote-traffic-selector", c->ts_remote, &c->nts_remote,
			 err)) != 0)
			return rc;
	}
	if (vpn_tunnel_cfg_check(c, &ve) != 0) {
		/* the leaf vpn/ names, under the tunnel or the connection */
		if (strncmp(ve.field, "tunnel/", 7) == 0)
			return bad(err, tn, ve.field + 7, "%s", ve.msg);
		return bad(err, vc, ve.field, "%s", ve.msg);
	}
	return 0;
}

/* The tunnels of one vpn-connection. */
static int
conf_vpn_one(struct gw_conf *c, const struct lyd_node *vc, uint8_t prepend, struct nb_err *err)
{
	struct lyd_node *tn, *pf;
	int		 rc;

	{
		const char *cname = cv(vc, "name"), *role = cv(vc, "role");
		bool	    site = role && strcmp(role, "site") == 0;

		struct lyd_node *ike = child(vc, "ike");

		FOR_EACH_CHILD(vc, "tunnel", tn) {
			struct gw_spec	*s = spec_new(c);
			const char	*tname = cv(tn, "name"), *ifn = cv(tn, "interface");
			struct lyd_node *b = child(tn, "bgp");
			struct ipaddr	 inside;

			if (!s)
				return -ENOMEM;
			snprintf(s->key, sizeof(s->key), "vpn/%s/%s", cname, tname);
			snprintf(s->name, sizeof(s->name), "vpn %s tunnel %s", cname, tname);
			snprintf(s->connection, sizeof(s->connection), "%s", cname);
			s->src.cls = RIB_CLASS_VPN;
			s->src.role = site ? RIB_VPN_SITE : RIB_VPN_CLOUD;
			if (ifn)
				snprintf(s->src.ifname, sizeof(s->src.ifname), "%s", ifn);
			if ((rc = addr_of(tn, "inside-address", &inside, err)) != 0)
				return rc;
			if (b && (rc = spec_bgp(c, s, b, &inside, ifn, err)) != 0)
				return rc;
			s->exp_role = site ? RIB_EXP_VPN_SITE : RIB_EXP_VPN_CLOUD;
			if (!site)
				s->bgp.export_prepend = prepend;
			if ((rc = spec_bfd(s, child(tn, "bfd"), ifn, err)) != 0)
				return rc;
			FOR_EACH_CHILD(vc, "remote-prefix", pf)
				if ((rc = spec_add_prefix(s, pf, err)) != 0)
					return rc;
			if (s->nstatic && !s->src.ifname[0] && !s->has_bgp)
				return bad(err, tn, "interface",
				    "static remote prefixes need the tunnel's interface%s", "");
			if (ike && (rc = spec_vpn(s, vc, tn, ike, err)) != 0)
				return rc;
		}
	}
	return 0;
}

static int
conf_lan(struct gw_conf *c, const struct lyd_node *gwn, struct nb_err *err)
{
	struct lyd_node *lan = child(gwn, "lan"), *pe, *pf;
	struct gw_spec	*s;
	int		 rc;

	if (!lan)
		return 0;
	FOR_EACH_CHILD(lan, "peer", pe) {
		struct ipaddr local;

		if (!(s = spec_new(c)))
			return -ENOMEM;
		snprintf(s->key, sizeof(s->key), "lan/%s", cv(pe, "name"));
		snprintf(s->name, sizeof(s->name), "lan peer %s", cv(pe, "name"));
		snprintf(s->connection, sizeof(s->connection), "lan");
		s->src.cls = RIB_CLASS_LAN;
		if ((rc = addr_of(pe, "local-address", &local, err)) != 0 ||
		    (rc = spec_bgp(c, s, child(pe, "bgp"), &local, NULL, err)) != 0)
			return rc;
		s->exp_role = RIB_EXP_LAN;
	}
	if (!(s = spec_new(c)))
		return -ENOMEM;
	snprintf(s->key, sizeof(s->key), "local");
	snprintf(s->name, sizeof(s->name), "local prefixes");
	snprintf(s->connection, sizeof(s->connection), "local");
	s->src.cls = RIB_CLASS_LAN;
	s->src.no_fib = true; /* advertised, never forwarded by us */
	FOR_EACH_CHILD(lan, "local-prefix", pf)
		if ((rc = spec_add_prefix(s, pf, err)) != 0)
			return rc;
	return 0;
}

static const struct gw_conf *peer_sort_conf;

/* By peer address, then by spec index. */
static int
peer_idx_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int    c = ipaddr_cmp(&peer_sort_conf->specs[i].bgp.remote,
	       &peer_sort_conf->specs[j].bgp.remote);

	return c ? c : i < j ? -1 : i > j;
}

/* Every BGP peer address once: the speaker keys peers by it. Sorted, so
 * the pair named is the one a scan in spec order meets first: the lowest
 * index that has a duplicate, with its next duplicate. */
static int
conf_unique_peers(const struct gw_conf *c, const struct lyd_node *gwn, struct nb_err *err)
{
	size_t *idx, n = 0, bi = SIZE_MAX, bj = 0;
	char	a[IPADDR_STRLEN];

	for (size_t i = 0; i < c->nspecs; i++)
		n += c->specs[i].has_bgp;
	if (n < 2)
		return 0;
	if (!(idx = malloc(n * sizeof(*idx))))
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < c->nspecs; i++)
		if (c->specs[i].has_bgp)
			idx[n++] = i;
	peer_sort_conf = c;
	qsort(idx, n, sizeof(*idx), peer_idx_cmp);
	for (size_t k = 1; k < n; k++) {
		/* k - 1 is the first of its group when it differs from k - 2 */
		if (ipaddr_cmp(&c->specs[idx[k - 1]].bgp.remote,
			&c->specs[idx[k]].bgp.remote) != 0 ||
		    (k >= 2 &&
			ipaddr_cmp(&c->specs[idx[k - 2]].bgp.remote,
			    &c->specs[idx[k - 1]].bgp.remote) == 0))
			continue;
		if (idx[k - 1] < bi) {
			bi = idx[k - 1];
			bj = idx[k];
		}
	}
	free(idx);
	if (bi == SIZE_MAX)
		return 0;
	nb_err_set(err, "/hybridgw:gateway", "BGP peer address %s is used by both %s and %s",
	    ipaddr_fmt(&c->specs[bi].bgp.remote, a, sizeof(a)), c->specs[bi].name,
	    c->specs[bj].name);
	return -EINVAL;
}

/* Tunnels hybridgw runs: one device each, and one tunnel per pair of
 * outer addresses (an IKE_SA_INIT is matched to its tunnel by them). */
static int
conf_unique_tunnels(const struct gw_conf *c, struct nb_err *err)
{
	for (size_t i = 0; i < c->nspecs; i++) {
		const struct gw_spec *a = &c->specs[i];
		char		      x[IPADDR_STRLEN], y[IPADDR_STRLEN];

		if (!a->has_tunnel)
			continue;
		for (size_t j = i + 1; j < c->nspecs; j++) {
			const struct gw_spec *b = &c->specs[j];

			if (!b->has_tunnel)
				continue;
			if (strcmp(a->vpn.ifname, b->vpn.ifname) == 0) {
				nb_err_set(err, "/hybridgw:gateway",
				    "interface %s is used by both "
				    "%s and %s",
				    a->vpn.ifname, a->name, b->name);
				return -EINVAL;
			}
			if (ipaddr_cmp(&a->vpn.local, &b->vpn.local) == 0 &&
			    ipaddr_cmp(&a->vpn.remote, &b->vpn.remote) == 0) {
				nb_err_set(err, "/hybridgw:gateway",
				    "%s and %s have the same outer "
				    "addresses (%s to %s): IKE could not tell them apart",
				    a->name, b->name, ipaddr_fmt(&a->vpn.local, x, sizeof(x)),
				    ipaddr_fmt(&a->vpn.remote, y, sizeof(y)));
				return -EINVAL;
			}
		}
	}
	return 0;
}

int
gw_conf_build(const struct lyd_node *cfg, struct gw_conf *c, struct nb_err *err)
{
	const struct lyd_node *gwn = NULL, *it;
	struct lyd_node	      *pol;
	struct in_addr	       rid;
	const char	      *v;
	int		       rc;

	LY_LIST_FOR(cfg, it)
		if (it->schema && strcmp(it->schema->name, "gateway") == 0)
			gwn = it;
	c->policy.mode = RIB_PREF_CIRCUIT;
	c->policy.failback_delay_s = 60;
	c->policy.maximum_paths = 2;
	c->port = 179;
	c->kernel_table = 254;
	c->pic = true;
	if (!gwn)
		return 0; /* empty config: nothing runs */
	c->as = cu(gwn, "as", 0);
	if (c->as == 0 || c->as == AS_TRANS)
		return bad(err, gwn, "as", "AS %s is reserved", cv(gwn, "as"));
	if (!(v = cv(gwn, "router-id")) || inet_pton(AF_INET, v, &rid) != 1 || rid.s_addr == 0)
		return bad(err, gwn, "router-id", "router-id %s is not usable",
		    v ? v : "(none)");
	c->router_id = ntohl(rid.s_addr);
	c->kernel_table = cu(gwn, "kernel-table", 254);
	c->pic = cb(gwn, "prefix-independent-convergence", true);
	c->port = (uint16_t)cu(gwn, "bgp-port", 179);
	if ((pol = child(gwn, "policy"))) {
		v = cv(pol, "preference");
		c->policy.mode = !v || strcmp(v, "circuit") == 0 ? RIB_PREF_CIRCUIT :
		    strcmp(v, "vpn") == 0			 ? RIB_PREF_VPN :
								   RIB_PREF_ASPATH;
		c->policy.failback_delay_s = cu(pol, "failback-delay", 60);
		c->policy.maximum_paths = (uint8_t)cu(pol, "maximum-paths", 2);
		c->policy.allow_transit = cb(pol, "allow-transit", false);
		c->policy.branch_to_branch = cb(pol, "branch-to-branch", false);
	}
	if ((rc = conf_circuits(c, gwn, err)) != 0 ||
	    (rc = conf_vpns(c, gwn, (uint8_t)cu(pol, "vpn-prepend", 3), err)) != 0 ||
	    (rc = conf_lan(c, gwn, err)) != 0 || (rc = conf_unique_peers(c, gwn, err)) != 0 ||
	    (rc = conf_unique_tunnels(c, err)) != 0)
		return rc;
	return 0;
}

/* Build the specs of new_cfg and check what cannot change at runtime.
 * On success *out holds the specs (caller frees). */
int
gw_conf_build_checked(const struct lyd_node *new_cfg, struct gw_conf **out, struct nb_err *err)
{
	struct gw_conf *c = calloc(1, sizeof(*c));
	int		rc;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	rc = gw_conf_build(new_cfg, c, err);
	if (rc == 0 && gw.rib && c->pic != gw.pic) {
		nb_err_set(err, "/hybridgw:gateway/prefix-independent-convergence",
		    "prefix-independent-convergence cannot change while hybridgwd runs; restart it");
		rc = -EINVAL;
	}
	if (rc == 0 && gw.rib && c->kernel_table != gw.kernel_table) {
		nb_err_set(err, "/hybridgw:gateway/kernel-table",
		    "kernel-table cannot change while hybridgwd runs (%u -> %u); restart it",
		    gw.kernel_table, c->kernel_table);
		rc = -EINVAL;
	}
	if (rc != 0)
		gw_conf_free(c);
	else
		*out = c;
	return rc;
}

int
gw_conf_check(const struct lyd_node *old_cfg, const struct lyd_node *new_cfg,
    struct nb_err *err)
{
	struct gw_conf *c;
	int		rc = gw_conf_build_checked(new_cfg, &c, err);

	gw_conf_free(c);
	return rc;
}
