/* bgp/bgp_adj_in.c - Adj-RIB-In per peer: compact prefix tables, received paths, max-prefix, GR, refresh. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bgp/bgp_local.h"
#include "lib/log.h"

/*
 * Prefix tables: open addressing with linear probing and backward-shift
 * deletion, entries stored inline (16 bytes for IPv4, 32 for IPv6), so a
 * received route costs one slot and no allocation. Grown at 3/4 load.
 * Not lib/hash on purpose: its chained entries would cost a malloc, a next
 * pointer and a stored hash per received route (a full table's worth).
 */
#define PT_MIN_BITS 6
#define PT_HUGE	    (2u << 20) /* slot arrays this big get their own mapping */

static inline size_t
pt_esize_of(uint8_t family)
{
	return family == AF_INET ? sizeof(struct bgp_pt4_ent) : sizeof(struct bgp_pt6_ent);
}

/*
 * Big tables (a full table is 32 MB) are looked up at random: on 4 KB pages
 * nearly every lookup is a TLB miss and the first touch of each page a
 * fault. Their own mapping, with transparent huge pages asked for, avoids
 * most of both. Zeroed either way.
 */
static void *
pt_slots_alloc(uint8_t family, uint32_t bits)
{
	size_t len = ((size_t)1 << bits) * pt_esize_of(family);
	void  *p;

	if (len < PT_HUGE)
		return calloc((size_t)1 << bits, pt_esize_of(family));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

static void
pt_slots_free(uint8_t family, uint32_t bits, void *slots)
{
	size_t len = bits ? ((size_t)1 << bits) * pt_esize_of(family) : 0;

	if (!slots)
		return;
	if (len < PT_HUGE)
		free(slots);
	else
		munmap(slots, len);
}

void
bgp_ptab_init(struct bgp_ptab *t, uint8_t family)
{
	memset(t, 0, sizeof(*t));
	t->family = family;
}

void
bgp_ptab_fini(struct bgp_ptab *t)
{
	pt_slots_free(t->family, t->bits, t->slots);
	t->slots = NULL;
	t->bits = 0;
	t->count = 0;
}

static inline uint32_t
pt4_addr(const struct prefix *p)
{
	return (uint32_t)p->bytes[0] << 24 | (uint32_t)p->bytes[1] << 16 |
	    (uint32_t)p->bytes[2] << 8 | p->bytes[3];
}

static inline size_t
pt4_home(uint32_t addr, uint8_t len, uint32_t bits)
{
	uint64_t k = ((uint64_t)addr << 8 | len) * 0x9e3779b97f4a7c15ull;

	return (size_t)(k >> (64 - bits));
}

static inline size_t
pt6_home(const uint8_t *a, uint8_t len, uint32_t bits)
{
	uint64_t hi, lo, k;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	k = (hi * 0x9e3779b97f4a7c15ull) ^ (lo + len) * 0xc2b2ae3d27d4eb4full;
	k ^= k >> 29;
	k *= 0x94d049bb133111ebull;
	return (size_t)(k >> (64 - bits));
}

static inline size_t
pt_esize(const struct bgp_ptab *t)
{
	return pt_esize_of(t->family);
}

static size_t
pt_home_of_slot(const struct bgp_ptab *t, size_t i)
{
	if (t->family == AF_INET) {
		const struct bgp_pt4_ent *e = (const struct bgp_pt4_ent *)t->slots + i;

		return pt4_home(e->addr, e->len, t->bits);
	} else {
		const struct bgp_pt6_ent *e = (const struct bgp_pt6_ent *)t->slots + i;

		return pt6_home(e->addr, e->len, t->bits);
	}
}

static inline void **
pt_val(const struct bgp_ptab *t, size_t i)
{
	if (t->family == AF_INET)
		return &((struct bgp_pt4_ent *)t->slots)[i].val;
	return &((struct bgp_pt6_ent *)t->slots)[i].val;
}

static inline uint8_t *
pt_flags(const struct bgp_ptab *t, size_t i)
{
	if (t->family == AF_INET)
		return &((struct bgp_pt4_ent *)t->slots)[i].flags;
	return &((struct bgp_pt6_ent *)t->slots)[i].flags;
}

static void
pt_key(const struct bgp_ptab *t, size_t i, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = t->family;
	if (t->family == AF_INET) {
		const struct bgp_pt4_ent *e = (const struct bgp_pt4_ent *)t->slots + i;

		p->len = e->len;
		p->bytes[0] = (uint8_t)(e->addr >> 24);
		p->bytes[1] = (uint8_t)(e->addr >> 16);
		p->bytes[2] = (uint8_t)(e->addr >> 8);
		p->bytes[3] = (uint8_t)e->addr;
	} else {
		const struct bgp_pt6_ent *e = (const struct bgp_pt6_ent *)t->slots + i;

		p->len = e->len;
		memcpy(p->bytes, e->addr, 16);
	}
}

/* Find the slot of p, or the empty slot where it would go. */
static size_t
pt_find(const struct bgp_ptab *t, const struct prefix *p, bool *found)
{
	size_t mask = ((size_t)1 << t->bits) - 1, i;

	if (t->family == AF_INET) {
		const struct bgp_pt4_ent *s = t->slots;
		uint32_t		  a = pt4_addr(p);

		for (i = pt4_home(a, p->len, t->bits);; i = (i + 1) & mask) {
			if (!s[i].val) {
				*found = false;
				return i;
			}
			if (s[i].addr == a && s[i].len == p->len) {
				*found = true;
				return i;
			}
		}
	} else {
		const struct bgp_pt6_ent *s = t->slots;

		for (i = pt6_home(p->bytes, p->len, t->bits);; i = (i + 1) & mask) {
			if (!s[i].val) {
				*found = false;
				return i;
			}
			if (s[i].len == p->len && memcmp(s[i].addr, p->bytes, 16) == 0) {
				*found = true;
				return i;
			}
		}
	}
}

static void
pt_set_key(struct bgp_ptab *t, size_t i, const struct prefix *p)
{
	if (t->family == AF_INET) {
		struct bgp_pt4_ent *e = (struct bgp_pt4_ent *)t->slots + i;

		e->addr = pt4_addr(p);
		e->len = p->len;
		e->flags = 0;
		e->spare = 0;
	} else {
		struct bgp_pt6_ent *e = (struct bgp_pt6_ent *)t->slots + i;

		memcpy(e->addr, p->bytes, 16);
		e->len = p->len;
		e->flags = 0;
	}
}

static int
pt_grow(struct bgp_ptab *t)
{
	struct bgp_ptab n = *t;
	size_t		i, size = t->bits ? (size_t)1 << t->bits : 0, es = pt_esize(t);
	struct prefix	p;
	bool		found;

	n.bits = t->bits ? t->bits + 1 : PT_MIN_BITS;
	if (!(n.slots = pt_slots_alloc(t->family, n.bits)))
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		size_t j;

		if (!*pt_val(t, i))
			continue;
		pt_key(t, i, &p);
		j = pt_find(&n, &p, &found);
		memcpy((uint8_t *)n.slots + j * es, (uint8_t *)t->slots + i * es, es);
	}
	pt_slots_free(t->family, t->bits, t->slots);
	*t = n;
	return 0;
}

bool
bgp_ptab_get(struct bgp_ptab *t, const struct prefix *p, struct bgp_pt_ref *ref)
{
	bool   found;
	size_t i;

	if (!t->count || p->family != t->family)
		return false;
	i = pt_find(t, p, &found);
	if (!found)
		return false;
	ref->flags = pt_flags(t, i);
	ref->val = pt_val(t, i);
	return true;
}

int
bgp_ptab_put(struct bgp_ptab *t, const struct prefix *p, struct bgp_pt_ref *ref, bool *isnew)
{
	bool   found;
	size_t i;
	int    rc;

	if (p->family != t->family)
		return -EINVAL;
	if (!t->bits || (t->count + 1) * 4 > ((size_t)3 << t->bits))
		if ((rc = pt_grow(t)) != 0)
			return rc;
	i = pt_find(t, p, &found);
	if (!found) {
		pt_set_key(t, i, p);
		t->count++;
	}
	*isnew = !found;
	ref->flags = pt_flags(t, i);
	ref->val = pt_val(t, i);
	return 0;
}

bool
bgp_ptab_del(struct bgp_ptab *t, const struct prefix *p, void **val, uint8_t *flags)
{
	size_t mask, i, j, k, es = pt_esize(t);
	bool   found;

	if (!t->count || p->family != t->family)
		return false;
	i = pt_find(t, p, &found);
	if (!found)
		return false;
	if (val)
		*val = *pt_val(t, i);
	if (flags)
		*flags = *pt_flags(t, i);
	mask = ((size_t)1 << t->bits) - 1;
	/* backward shift: pull later members of the cluster into the hole */
	for (j = (i + 1) & mask; *pt_val(t, j); j = (j + 1) & mask) {
		k = pt_home_of_slot(t, j);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			memcpy((uint8_t *)t->slots + i * es, (uint8_t *)t->slots + j * es, es);
			i = j;
		}
	}
	memset((uint8_t *)t->slots + i * es, 0, es);
	t->count--;
	return true;
}

int
bgp_ptab_walk(struct bgp_ptab *t, bgp_ptab_fn fn, void *arg)
{
	size_t	      i, size = t->bits ? (size_t)1 << t->bits : 0;
	struct prefix p;
	int	      rc;

	for (i = 0; i < size; i++) {
		if (!*pt_val(t, i))
			continue;
		pt_key(t, i, &p);
		if ((rc = fn(&p, pt_val(t, i), pt_flags(t, i), arg)) != 0)
			return rc;
	}
	return 0;
}

static int
pt_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static int
pt_collect(const struct prefix *p, void **val, uint8_t *flags, void *arg)
{
	struct prefix **pp = arg;

	*(*pp)++ = *p;
	return 0;
}

int
bgp_ptab_walk_sorted(struct bgp_ptab *t, bgp_ptab_fn fn, void *arg)
{
	struct prefix	 *v, *cur;
	struct bgp_pt_ref ref;
	size_t		  i, n = t->count;
	int		  rc = 0;

	if (!n)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	cur = v;
	bgp_ptab_walk(t, pt_collect, &cur);
	qsort(v, n, sizeof(*v), pt_cmp);
	for (i = 0; i < n; i++) {
		if (!bgp_ptab_get(t, &v[i], &ref))
			continue;
		if ((rc = fn(&v[i], ref.val, ref.flags, arg)) != 0)
			break;
	}
	free(v);
	return rc;
}

/* ---- Adj-RIB-In ---- */

/* The route manager keeps it (bgp_hooks.adj_in_*): no table here. */
static inline bool
adj_in_ext(const struct bgp_peer *p)
{
	return p->bgp->hooks.adj_in_count != NULL;
}

void
bgp_adj_in_init(struct bgp_peer *p)
{
	bgp_ptab_init(&p->adj_in[BGP_FAM_V4], AF_INET);
	bgp_ptab_init(&p->adj_in[BGP_FAM_V6], AF_INET6);
	bgp_nhself_init(p);
}

static int
adj_in_put_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	bgp_attrs_put(*val);
	return 0;
}

void
bgp_adj_in_fini(struct bgp_peer *p)
{
	int f;

	for (f = 0; f < BGP_FAM_COUNT; f++) {
		bgp_ptab_walk(&p->adj_in[f], adj_in_put_one, NULL);
		bgp_ptab_fini(&p->adj_in[f]);
	}
	bgp_nhself_flush(p);
}

uint32_t
bgp_adj_in_count(const struct bgp_peer *p)
{
	if (adj_in_ext(p))
		return p->bgp->hooks.adj_in_count(p->bgp->hooks_arg, p->cfg.rib_source, 0);
	return (uint32_t)(p->adj_in[BGP_FAM_V4].count + p->adj_in[BGP_FAM_V6].count);
}

void
bgp_adj_in_update(struct bgp_peer *p, const struct prefix *pfx, struct bgp_attrs *a,
    const struct bgp_path_info *pi)
{
	struct bgp	 *bgp = p->bgp;
	struct bgp_pt_ref ref;
	bool		  isnew;

	if (adj_in_ext(p)) { /* the route manager drops a repeat */
		if (bgp->hooks.path_add)
			bgp->hooks.path_add(bgp->hooks_arg, p->cfg.rib_source, pfx, pi);
		return;
	}
	if (bgp_ptab_put(&p->adj_in[bgp_af_of(pfx->family)], pfx, &ref, &isnew) != 0)
		return;
	if (isnew) {
		bgp_attrs_get(a);
		*ref.val = a;
	} else {
		struct bgp_attrs *old = *ref.val;

		if (old == a && !(*ref.flags & BGP_ADJIN_STALE))
			return; /* same path again: nothing changed */
		if (*ref.flags & BGP_ADJIN_STALE) {
			*ref.flags &= (uint8_t)~BGP_ADJIN_STALE;
			p->adj_in_stale--;
		}
		if (old != a) {
			bgp_attrs_get(a);
			*ref.val = a;
			bgp_attrs_put(old);
		}
	}
	if (bgp->hooks.path_add)
		bgp->hooks.path_add(bgp->hooks_arg, p->cfg.rib_source, pfx, pi);
}

void
bgp_adj_in_withdraw(struct bgp_peer *p, const struct prefix *pfx)
{
	struct bgp *bgp = p->bgp;
	void	   *val;
	uint8_t	    flags;

	if (adj_in_ext(p)) {
		if (bgp->hooks.path_del)
			bgp->hooks.path_del(bgp->hooks_arg, p->cfg.rib_source, pfx);
		return;
	}
	if (!bgp_ptab_del(&p->adj_in[bgp_af_of(pfx->family)], pfx, &val, &flags))
		return;
	if (flags & BGP_ADJIN_STALE)
		p->adj_in_stale--;
	bgp_attrs_put(val);
	if (bgp->hooks.path_del)
		bgp->hooks.path_del(bgp->hooks_arg, p->cfg.rib_source, pfx);
}

static void
adj_in_withdraw_field(struct bgp_peer *p, struct wire_rd r, uint8_t family)
{
	struct prefix pfx;

	while (bgp_nlri_next(&r, family, &pfx)) {
		bgp_nhself_forget(p, &pfx);
		bgp_adj_in_withdraw(p, &pfx);
	}
}

static void
adj_in_announce_field(struct bgp_peer *p, struct wire_rd r, uint8_t family, struct bgp_attrs *a)
{
	struct bgp_path_info pi;
	struct prefix	     pfx;
	char		     buf[IPADDR_STRLEN];
	unsigned	     n = 0;
	uint32_t	     before;
	struct ipaddr	     ours;

	bgp_path_info_fill(&pi, a, family, &p->neg, p->ropen.bgp_id, &p->cfg.remote);
	if (bgp_nhself_match(p, a, family, &ours)) { /* RFC 4271 6.3: log, ignore */
		before = bgp_nhself_count(p);
		while (bgp_nlri_next(&r, family, &pfx)) {
			bgp_nhself_hold(p, &pfx, a);
			n++;
		}
		/* a warning when it starts, then one info line per UPDATE */
		if (n)
			log_msg(before ? LOG_LVL_INFO : LOG_LVL_WARN, LOG_MOD_BGP,
			    "peer %s: "
			    "%u routes with next hop %s, a local address, ignored "
			    "(RFC 4271 6.3)",
			    p->cfg.name, n, ipaddr_fmt(&ours, buf, sizeof(buf)));
		return;
	}
	while (bgp_nlri_next(&r, family, &pfx)) {
		bgp_nhself_forget(p, &pfx);
		bgp_adj_in_update(p, &pfx, a, &pi);
	}
}

static bool
adj_in_family_ok(const struct bgp_peer *p, uint8_t family)
{
	return family == AF_INET ? p->neg.ipv4 : family == AF_INET6 ? p->neg.ipv6 : false;
}

/* One decoded UPDATE: RFC 4271 9 (withdrawals first), RFC 7606 actions. */
void
bgp_adj_in_process(struct bgp_peer *p, struct bgp_update *u)
{
	struct bgp_attrs *a;
	bool		  reach =
	    !wire_empty(&u->nlri) || (u->mp_reach_family && !wire_empty(&u->mp_reach_nlri));
	bool withdraw_all = u->action == BGP_UPD_TREAT_AS_WITHDRAW;

	adj_in_withdraw_field(p, u->withdrawn, AF_INET);
	if (u->mp_unreach_family && adj_in_family_ok(p, u->mp_unreach_family))
		adj_in_withdraw_field(p, u->mp_unreach_nlri, u->mp_unreach_family);
	if (u->eor_family) {
		bgp_adj_in_eor(p, bgp_af_of(u->eor_family));
		return;
	}
	if (!reach)
		return;
	/* RFC 4271 9.1.2: a path carrying our own AS is a loop, not a route */
	if (!withdraw_all && p->neg.ebgp && bgp_aspath_contains(&u->attrs, p->neg.local_as))
		withdraw_all = true;
	if (withdraw_all) {
		if (adj_in_family_ok(p, AF_INET))
			adj_in_withdraw_field(p, u->nlri, AF_INET);
		if (u->mp_reach_family && adj_in_family_ok(p, u->mp_reach_family))
			adj_in_withdraw_field(p, u->mp_reach_nlri, u->mp_reach_family);
		return;
	}
	if (!(a = bgp_attrs_intern_acct(&u->attrs, p->acct))) {
		bgp_fsm_notify(p, BGP_ERR_CEASE, BGP_ERR_CEASE_RESOURCES, NULL, 0);
		return;
	}
	if (!wire_empty(&u->nlri) && adj_in_family_ok(p, AF_INET))
		adj_in_announce_field(p, u->nlri, AF_INET, a);
	if (u->mp_reach_family && adj_in_family_ok(p, u->mp_reach_family))
		adj_in_announce_field(p, u->mp_reach_nlri, u->mp_reach_family, a);
	bgp_attrs_put(a);
	bgp_adj_in_limits_check(p);
}

/* RFC 4271 8.2.2 / RFC 4486: after an UPDATE, the received routes against
 * max-prefix (ignored routes count: they are received and they pin memory),
 * then what the peer pins against its memory cap. */
void
bgp_adj_in_limits_check(struct bgp_peer *p)
{
	uint64_t pinned;

	bgp_fsm_maxpfx(p);
	if (p->state != BGP_ST_ESTABLISHED || !p->cfg.max_memory)
		return;
	if ((pinned = bgp_peer_pinned(p)) > p->cfg.max_memory)
		bgp_fsm_resources(p, pinned);
}

uint32_t
bgp_adj_in_count_af(const struct bgp_peer *p, uint8_t family)
{
	uint32_t n;

	if (adj_in_ext(p))
		n = p->bgp->hooks.adj_in_count(p->bgp->hooks_arg, p->cfg.rib_source, family);
	else
		n = (uint32_t)p->adj_in[bgp_af_of(family)].count;
	return n + bgp_nhself_count_af(p, family);
}

uint64_t
bgp_peer_pinned(const struct bgp_peer *p)
{
	uint64_t routes = (uint64_t)bgp_adj_in_count(p) + bgp_nhself_count(p);

	return routes * BGP_ROUTE_COST + (p->acct ? p->acct->bytes : 0);
}

/* ---- graceful restart (RFC 4724 4.2), helper side ---- */

static int
adj_in_mark_stale(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	*flags |= BGP_ADJIN_STALE;
	return 0;
}

static int
adj_in_flush_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct bgp_peer *p = arg;
	struct bgp	*bgp = p->bgp;

	bgp_attrs_put(*val);
	if (bgp->hooks.path_del)
		bgp->hooks.path_del(bgp->hooks_arg, p->cfg.rib_source, pfx);
	return 0;
}

/* Drop every route, telling the route manager about each. */
void
bgp_adj_in_flush(struct bgp_peer *p)
{
	int f;

	if (adj_in_ext(p))
		p->bgp->hooks.adj_in_flush(p->bgp->hooks_arg, p->cfg.rib_source);
	for (f = 0; f < BGP_FAM_COUNT; f++) {
		bgp_ptab_walk(&p->adj_in[f], adj_in_flush_one, p);
		bgp_ptab_fini(&p->adj_in[f]);
	}
	p->adj_in_stale = 0;
	if (p->gr_stale) {
		p->gr_stale = false;
		uv_timer_stop(&p->t_gr);
	}
}

void
bgp_adj_in_session_down(struct bgp_peer *p, bool keep_stale)
{
	struct bgp *bgp = p->bgp;
	int	    f;

	memset(p->eor_rcvd, 0, sizeof(p->eor_rcvd));
	bgp_nhself_flush(p); /* the peer sends them again */
	if (!keep_stale) {
		bgp_adj_in_flush(p);
		return;
	}
	if (!adj_in_ext(p)) {
		for (f = 0; f < BGP_FAM_COUNT; f++)
			bgp_ptab_walk(&p->adj_in[f], adj_in_mark_stale, NULL);
		p->adj_in_stale = bgp_adj_in_count(p);
	}
	p->gr_stale = true;
	if (bgp->hooks.stale)
		bgp->hooks.stale(bgp->hooks_arg, p->cfg.rib_source, true);
}

struct stale_ctx {
	struct prefix *v;
	size_t	       n, cap;
};

static int
adj_in_collect_stale(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct stale_ctx *sc = arg;

	/* cap is the stale count: more flagged entries would be a bug */
	if ((*flags & BGP_ADJIN_STALE) && sc->n < sc->cap)
		sc->v[sc->n++] = *pfx;
	return 0;
}

/* Delete the stale routes of one family (or all), then tell the route
 * manager to sweep once nothing stale is left. */
void
bgp_adj_in_sweep_stale(struct bgp_peer *p, int fam)
{
	struct bgp	*bgp = p->bgp;
	struct stale_ctx sc = { NULL, 0, 0 };
	size_t		 i;
	int		 f;

	if (!p->gr_stale)
		return;
	if (adj_in_ext(p)) {
		uint32_t before = bgp_adj_in_count(p), left;

		left = bgp->hooks.adj_in_sweep(bgp->hooks_arg, p->cfg.rib_source,
		    fam < 0		  ? 0 :
			fam == BGP_FAM_V4 ? AF_INET :
					    AF_INET6);
		sc.n = before - bgp_adj_in_count(p);
		p->adj_in_stale = left;
		goto swept;
	}
	if (p->adj_in_stale && !(sc.v = malloc(p->adj_in_stale * sizeof(*sc.v))))
		return;
	sc.cap = p->adj_in_stale;
	for (f = 0; f < BGP_FAM_COUNT; f++)
		if (fam < 0 || fam == f)
			bgp_ptab_walk(&p->adj_in[f], adj_in_collect_stale, &sc);
	for (i = 0; i < sc.n; i++)
		bgp_adj_in_withdraw(p, &sc.v[i]);
	free(sc.v);
swept:
	if (sc.n)
		log_info(LOG_MOD_BGP, "peer %s: %zu stale routes swept", p->cfg.name, sc.n);
	if (p->adj_in_stale == 0) {
		p->gr_stale = false;
		uv_timer_stop(&p->t_gr);
		if (bgp->hooks.stale)
			bgp->hooks.stale(bgp->hooks_arg, p->cfg.rib_source, false);
	}
}

void
bgp_adj_in_eor(struct bgp_peer *p, int fam)
{
	p->eor_rcvd[fam] = true;
	log_debug(LOG_MOD_BGP, "peer %s: End-of-RIB %s", p->cfg.name,
	    fam == BGP_FAM_V4 ? "IPv4" : "IPv6");
	if (p->gr_stale)
		bgp_adj_in_sweep_stale(p, fam);
	bgp_adj_out_eor_check(p->bgp);
}

/* Restart (or stale-path) time is over: what is still stale goes. */
void
bgp_adj_in_gr_expired(struct bgp_peer *p)
{
	struct bgp *bgp = p->bgp;

	log_info(LOG_MOD_BGP, "peer %s: graceful restart time expired", p->cfg.name);
	bgp_adj_in_sweep_stale(p, -1);
	if (p->state != BGP_ST_ESTABLISHED && p->reported_up) {
		p->reported_up = false;
		if (bgp->hooks.session)
			bgp->hooks.session(bgp->hooks_arg, p->cfg.rib_source, false, false);
	}
}

/* ---- route refresh (RFC 2918): ask the peer to send everything again ---- */

int
bgp_adj_in_refresh(struct bgp_peer *p)
{
	uint8_t	       buf[64];
	struct wire_wr w;
	struct bgp_rr  rr = { 0, BGP_RR_NORMAL, BGP_SAFI_UNICAST };
	int	       f, rc;

	if (p->state != BGP_ST_ESTABLISHED || !p->conn)
		return -ENOTCONN;
	if (!p->neg.route_refresh)
		return -ENOTSUP;
	for (f = 0; f < BGP_FAM_COUNT; f++) {
		if (!(f == BGP_FAM_V4 ? p->neg.ipv4 : p->neg.ipv6))
			continue;
		rr.afi = f == BGP_FAM_V4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
		w = wire_wr_init(buf, sizeof(buf));
		if ((rc = bgp_rr_encode(&w, &rr)) != 0)
			return rc;
		p->msgs_out++;
		bgp_conn_send(p->conn, buf, wire_wr_len(&w));
	}
	bgp_conn_flush(p->conn);
	log_info(LOG_MOD_BGP, "peer %s: ROUTE-REFRESH sent", p->cfg.name);
	return 0;
}
