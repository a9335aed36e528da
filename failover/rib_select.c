/* failover/rib_select.c - per-prefix selection: health, class order, best path, ECMP, backup. */
/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "failover/rib_local.h"

/*
 * Paths are sorted into buckets by (tier, class): tier 0 holds eligible
 * paths of normal sources, tier 1 those of drained or damped sources (still
 * usable, least preferred). Buckets are ordered by tier, then by class
 * according to the preference mode; the first bucket is active, the first
 * later bucket of another class is the backup (DESIGN.md 3, Selection).
 */
struct rib_bucket {
	uint8_t		 tier, cls;
	uint16_t	 aspath; /* as_path_len of the best path, 0 for static */
	size_t		 n;
	struct rib_path *best[RIB_NH_MAX];
};

static bool
rib_path_usable(const struct rib *rib, const struct rib_path *p, const char *excl_conn)
{
	if (!rib_path_eligible(rib, p))
		return false;
	if (excl_conn && strcmp(rib_path_pi(rib, p)->src->connection, excl_conn) == 0)
		return false;
	return true;
}

/* Tie-break order once all RFC 4271 9.1.2.2 a-d steps are equal:
 * f) lowest BGP identifier, g) lowest peer address; then the source id so
 * the result never depends on arrival order. */
static int
rib_path_tiebreak(const struct rib *rib, const struct rib_path *a, const struct rib_path *b)
{
	int c;

	if (rib_path_pi(rib, a)->is_static || rib_path_pi(rib, b)->is_static) {
		if ((c = ipaddr_cmp(&rib_path_pi(rib, a)->nexthop,
			 &rib_path_pi(rib, b)->nexthop)) != 0)
			return c;
	} else {
		if (rib_path_pi(rib, a)->router_id != rib_path_pi(rib, b)->router_id)
			return rib_path_pi(rib, a)->router_id < rib_path_pi(rib, b)->router_id ?
			    -1 :
			    1;
		if ((c = ipaddr_cmp(&rib_path_pi(rib, a)->peer_addr,
			 &rib_path_pi(rib, b)->peer_addr)) != 0)
			return c;
	}
	if (rib_path_pi(rib, a)->src->id != rib_path_pi(rib, b)->src->id)
		return rib_path_pi(rib, a)->src->id < rib_path_pi(rib, b)->src->id ? -1 : 1;
	return 0;
}

static void
rib_paths_sort(const struct rib *rib, struct rib_path **v, size_t n)
{
	size_t		 i, j;
	struct rib_path *t;

	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && rib_path_tiebreak(rib, v[j - 1], t) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

/*
 * Best paths of one bucket, in place: v[0..n) are candidates; returns how
 * many remain equal (the ECMP set, before the router-id step), sorted by the
 * remaining tie-breaks so v[0] is the single best path.
 */
static size_t
rib_bucket_best(const struct rib *rib, struct rib_path **v, size_t n)
{
	size_t	 i, j, k;
	uint32_t lp, med_i, med_j;
	uint16_t asl;
	uint8_t	 org;
	bool	 any_static = false, any_ebgp = false, worse;

	for (i = 0; i < n; i++)
		any_static |= rib_path_pi(rib, v[i])->is_static;
	if (any_static) { /* configured prefixes beat BGP within a class */
		for (i = k = 0; i < n; i++)
			if (rib_path_pi(rib, v[i])->is_static)
				v[k++] = v[i];
		n = k;
		goto out;
	}
	/* RFC 4271 9.1.1: degree of preference = LOCAL_PREF */
	lp = 0;
	for (i = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->local_pref > lp)
			lp = rib_path_pi(rib, v[i])->local_pref;
	for (i = k = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->local_pref == lp)
			v[k++] = v[i];
	n = k;
	/* RFC 4271 9.1.2.2 a: shortest AS_PATH */
	asl = UINT16_MAX;
	for (i = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->as_path_len < asl)
			asl = rib_path_pi(rib, v[i])->as_path_len;
	for (i = k = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->as_path_len == asl)
			v[k++] = v[i];
	n = k;
	/* b: lowest ORIGIN */
	org = UINT8_MAX;
	for (i = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->origin < org)
			org = rib_path_pi(rib, v[i])->origin;
	for (i = k = 0; i < n; i++)
		if (rib_path_pi(rib, v[i])->origin == org)
			v[k++] = v[i];
	n = k;
	/* c: among paths from the same neighbouring AS, lowest MED; a missing
	 * MED is the lowest possible value */
	for (i = k = 0; i < n; i++) {
		med_i = rib_path_pi(rib, v[i])->has_med ? rib_path_pi(rib, v[i])->med : 0;
		worse = false;
		for (j = 0; j < n && !worse; j++) {
			med_j =
			    rib_path_pi(rib, v[j])->has_med ? rib_path_pi(rib, v[j])->med : 0;
			if (j != i &&
			    rib_path_pi(rib, v[j])->neighbor_as ==
				rib_path_pi(rib, v[i])->neighbor_as &&
			    med_j < med_i)
				worse = true;
		}
		if (!worse)
			v[k++] = v[i];
	}
	n = k;
	/* d: eBGP over iBGP (e, IGP cost to the next hop, does not apply: all
	 * next hops are directly connected) */
	for (i = 0; i < n; i++)
		any_ebgp |= rib_path_pi(rib, v[i])->ebgp;
	if (any_ebgp) {
		for (i = k = 0; i < n; i++)
			if (rib_path_pi(rib, v[i])->ebgp)
				v[k++] = v[i];
		n = k;
	}
out:
	rib_paths_sort(rib, v, n); /* f, g */
	return n;
}

static int
rib_class_rank(enum rib_pref_mode mode, uint8_t cls)
{
	if (cls == RIB_CLASS_LAN)
		return 0;
	if (mode == RIB_PREF_VPN)
		return cls == RIB_CLASS_VPN ? 1 : 2;
	return cls == RIB_CLASS_CIRCUIT ? 1 : 2;
}

static int
rib_bucket_cmp(enum rib_pref_mode mode, const struct rib_bucket *a, const struct rib_bucket *b)
{
	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	if (a->cls == b->cls)
		return 0;
	/* as-path: LAN first still, then shortest AS_PATH; ties go to the circuit */
	if (mode == RIB_PREF_ASPATH && a->cls != RIB_CLASS_LAN && b->cls != RIB_CLASS_LAN &&
	    a->aspath != b->aspath)
		return a->aspath < b->aspath ? -1 : 1;
	return rib_class_rank(mode, a->cls) - rib_class_rank(mode, b->cls);
}

/* Fill the ordered, non-empty buckets of d; returns how many. */
static size_t
rib_buckets(const struct rib *rib, const struct rib_dest *d, const char *excl_conn,
    struct rib_bucket *bk)
{
	struct rib_path	 *cand[2][RIB_CLASS_N][256];
	size_t		  cnt[2][RIB_CLASS_N] = { { 0 } };
	struct rib_path	 *p;
	size_t		  nb = 0, i, j, n, max;
	unsigned	  tier, c;
	struct rib_bucket tmp;

	for (p = rib_path_at(rib, d->paths); p; p = rib_path_at(rib, p->next)) {
		if (!rib_path_usable(rib, p, excl_conn))
			continue;
		tier = rib_path_demoted(rib, p) ? 1 : 0;
		c = rib_path_pi(rib, p)->src->cfg.cls;
		if (c >= RIB_CLASS_N || cnt[tier][c] >= 256)
			continue;
		cand[tier][c][cnt[tier][c]++] = p;
	}
	max = rib->cfg.policy.maximum_paths;
	if (max == 0)
		max = 1;
	if (max > RIB_NH_MAX)
		max = RIB_NH_MAX;
	for (tier = 0; tier < 2; tier++) {
		for (c = 0; c < RIB_CLASS_N; c++) {
			if (cnt[tier][c] == 0)
				continue;
			n = rib_bucket_best(rib, cand[tier][c], cnt[tier][c]);
			if (n > max)
				n = max;
			bk[nb].tier = tier;
			bk[nb].cls = c;
			bk[nb].n = n;
			memcpy(bk[nb].best, cand[tier][c], n * sizeof(bk[nb].best[0]));
			bk[nb].aspath = rib_path_pi(rib, bk[nb].best[0])->is_static ?
			    0 :
			    rib_path_pi(rib, bk[nb].best[0])->as_path_len;
			nb++;
		}
	}
	for (i = 1; i < nb; i++) { /* at most 6: insertion sort */
		for (j = i;
		     j > 0 && rib_bucket_cmp(rib->cfg.policy.mode, &bk[j - 1], &bk[j]) > 0;
		     j--) {
			tmp = bk[j];
			bk[j] = bk[j - 1];
			bk[j - 1] = tmp;
		}
	}
	return nb;
}

void
rib_select(const struct rib *rib, const struct rib_dest *d, const char *excl_conn,
    struct rib_sel *sel)
{
	struct rib_bucket bk[2 * RIB_CLASS_N];
	struct rib_dest	 *c;
	struct prefix	  cur, match;
	struct trie	 *t;
	size_t		  nb, i;

	memset(sel, 0, offsetof(struct rib_sel, act));
	sel->act_cls = sel->bak_cls = RIB_CLS_NONE;
	sel->via = NULL;
	sel->local = false;
	nb = rib_buckets(rib, d, excl_conn, bk);
	if (nb == 0)
		return;
	sel->act_cls = bk[0].cls;
	sel->n_act = bk[0].n;
	memcpy(sel->act, bk[0].best, bk[0].n * sizeof(sel->act[0]));
	for (i = 0; i < sel->n_act; i++)
		sel->local |= rib_path_pi(rib, sel->act[i])->no_fib;
	/* backup: the best path of the next class */
	for (i = 1; i < nb; i++) {
		if (bk[i].cls == bk[0].cls)
			continue;
		sel->bak_cls = bk[i].cls;
		sel->n_bak = bk[i].n;
		memcpy(sel->bak, bk[i].best, bk[i].n * sizeof(sel->bak[0]));
		return;
	}
	/* or the path of the longest covering prefix that has one; none can
	 * when every path there is belongs to the active class */
	if (sel->act_cls < RIB_CLASS_N && rib->n_paths == rib->n_cls_paths[sel->act_cls])
		return;
	t = rib_dest_trie(rib, d);
	cur = rib_dest_prefix(rib, d);
	while (t && (c = rib_dest_at(rib, trie_covering(t, &cur, &match))) != NULL) {
		nb = rib_buckets(rib, c, excl_conn, bk);
		for (i = 0; i < nb; i++) {
			if (bk[i].cls == sel->act_cls)
				continue;
			sel->bak_cls = bk[i].cls;
			sel->n_bak = bk[i].n;
			memcpy(sel->bak, bk[i].best, bk[i].n * sizeof(sel->bak[0]));
			sel->via = c;
			sel->via_len = match.len;
			return;
		}
		cur = match;
	}
}
