/* failover/rib_local.h - the route manager's private structures shared by rib*.c. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_RIB_LOCAL_H
#define HGW_FAILOVER_RIB_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "failover/journal.h"
#include "failover/rib.h"
#include "lib/hash.h"
#include "lib/pool.h"
#include "lib/trie.h"

#define RIB_CLASS_N	3
#define RIB_CLS_NONE	0x0f  /* fits the 4-bit class fields of a dest */
#define RIB_WORK_CHUNK	4096  /* prefixes per background slice */
#define RIB_SWEEP_CHUNK 65536 /* paths queued per background slice */
#define RIB_FIB_AHEAD	16384 /* requests the kernel has yet to take before work waits */
#define RIB_FIB_WAIT_MS 2
#define RIB_FIB_LOW	8192 /* fewer in the kernel's hands: build more before reading on */
#define RIB_FEED_SLICES 8    /* at most, per loop turn */

struct rib;
struct rib_dest;

/* One transport. Eligible = healthy; demoted = eligible but least preferred
 * (drained, or damped while its failback delay runs). */
struct rib_source {
	struct rib	     *rib;
	rib_source_id	      id;
	char		     *name, *connection;
	struct rib_source_cfg cfg; /* name/connection point at the copies */
	bool		      bgp_up, bfd_up, tunnel_up, drained;
	bool		      link_down;     /* its interface lost carrier */
	bool		      eligible;	     /* cached health gate */
	bool		      was_eligible;  /* has ever been eligible: failback damps */
	bool		      damped;	     /* eligible, failback delay running */
	uint64_t	      damp_until_ms; /* failback deadline (rib_now_ms) */
	uv_timer_t	     *timer;	     /* NULL without a loop */
	uint32_t	      paths;	     /* every path of the source (src_next) */
	size_t		      n_paths;
	uint32_t	      n_adj[2]; /* of those, not static (BGP): IPv4, IPv6 */
	/* deferred queueing of the source's prefixes (keeps health calls O(groups)) */
	bool		   sweeping;
	struct rib_source *sweep_next;
	uint32_t	   sweep_cursor; /* a path */
	struct rib_pinfo  *pi_last;	 /* its record rib_pinfo_get returned last */
};

#define RIB_PATH_ACTIVE 0x01
#define RIB_PATH_BACKUP 0x02
#define RIB_PATH_STALE	0x04

/*
 * What selection, grouping and export read from a path, interned: the paths
 * of one source that share an attribute set and next hop (nearly all of a
 * BGP session's, since the speaker interns attributes) share one record.
 * The key runs from src to the end, compared with memcmp; it is built in a
 * zeroed struct so padding is zero (were it not, equal keys would only get
 * two records).
 */
struct rib_pinfo {
	struct hash_node hnode;	 /* in rib->phash */
	uint32_t	 self;	 /* pool index */
	uint32_t	 refcnt; /* paths */
	/* key */
	struct rib_source *src;
	struct rib_attr	  *attr;    /* own reference (one per record) */
	struct ipaddr	   nexthop; /* resolved: path's, else the source's */
	struct ipaddr	   peer_addr;
	uint32_t	   local_pref, med, neighbor_as, router_id;
	uint16_t	   as_path_len;
	uint8_t		   origin;
	bool		   is_static, has_med, ebgp, no_fib;
};
#define RIB_PINFO_KEY_OFF offsetof(struct rib_pinfo, src)

/* One per (source, prefix): 20 bytes from a pool (lib/pool.h), no malloc
 * header. Paths and dests link to each other by pool index (rib_path_at,
 * rib_dest_at; 0 = none): half the size of a pointer. */
#define RIB_DEST_MAX ((1u << 29) - 1) /* dest indices fit 29 bits */
struct rib_path {
	uint32_t next;		     /* in the dest */
	uint32_t src_next, src_prev; /* in the source */
	uint32_t dest : 29;
	uint32_t flags : 3; /* RIB_PATH_* */
	uint32_t pinfo;	    /* pinfo pool index; own reference */
};

/* Kernel nexthop object of one source: (source, gateway) -> fib nexthop id. */
struct rib_leg {
	struct hash_node hnode;	 /* in rib->lhash */
	rib_source_id	 src_id; /* the source may be gone: look it up */
	uint8_t		 cls;
	struct ipaddr	 gw;
	uint32_t	 nh_id; /* 0 when the FIB refused or no FIB */
	uint32_t	 refcnt;
};

/*
 * Prefixes sharing (active legs, backup legs) share one group. cur is what
 * the group forwards to now: the active legs, or after a fast switch the
 * survivors/backup. A switched group is retired from the hash (no prefix
 * joins it) until background re-selection re-keys it or empties it.
 */
struct rib_group {
	struct hash_node  hnode;       /* in rib->ghash while hashed */
	uint32_t	  self;	       /* group pool index (what a dest holds) */
	struct rib_group *next, *prev; /* every group */
	uint32_t	  hash;	       /* of the key (act, bak) */
	uint32_t	  id;	       /* fib group id (synthetic without FIB) */
	uint32_t	  refcnt;      /* prefixes pointing at it */
	uint32_t	  dirty_cnt;   /* of those, queued for re-selection */
	bool		  hashed;
	bool		  switched; /* cur != act */
	bool		  on_bak;   /* cur is (part of) the backup legs */
	uint8_t		  n_act, n_bak, n_cur;
	struct rib_leg	**act, **bak, **cur; /* one allocation */
	uint32_t	  members;	     /* the prefixes (dest gnext) */
	uint64_t	  check_epoch;	     /* members compared once per epoch */
};

/* One per prefix: 32 bytes from a pool. The prefix itself is the trie's
 * (node names it, rib_dest_prefix() spells it out) and so is the dest's own
 * pool index (the node's value, rib_dest_idx()): no copies here. */
struct rib_dest {
	uint32_t grp; /* group pool index, 0 = none */
	uint32_t paths;
	uint32_t gnext, gprev;	  /* in grp->members */
	uint32_t dirty_next : 29; /* a dest index (RIB_DEST_MAX) */
	uint32_t v6 : 1;	  /* in rib->t6 */
	uint32_t dirty : 1;
	uint32_t local : 1; /* active set is never programmed */
	uint32_t node : 28; /* in the trie of its family (2^28 nodes) */
	uint32_t cover : 1; /* has an eligible non-default circuit path */
	uint32_t has_via : 1;
	uint32_t spare : 2;
	uint32_t since;			   /* wall seconds */
	uint8_t	 act_cls : 4, bak_cls : 4; /* RIB_CLS_NONE = none */
	uint8_t	 n_paths;
	uint8_t	 via_len;   /* has_via: backup from prefix/via_len */
	uint8_t	 fib_errno; /* last error from the FIB (positive), 0 = none */
};

/* Selection result for one prefix. */
struct rib_sel {
	uint8_t		 act_cls, bak_cls;
	size_t		 n_act, n_bak;
	struct rib_path *act[RIB_NH_MAX], *bak[RIB_NH_MAX];
	struct rib_dest *via;	  /* backup from this covering prefix */
	uint8_t		 via_len; /* its length */
	bool		 local;	  /* active contains a no-FIB path */
};

struct rib_export;
struct rib_open_event {
	uint64_t id;
	uint64_t detect_mono_us;
	uint32_t moved;
	uint32_t groups; /* rewritten in place */
	uint32_t to_count[RIB_CLASS_N];
};

struct rib {
	struct rib_cfg cfg;
	uv_loop_t     *loop; /* NULL: manual mode (rib_settle) */
	uv_idle_t     *idle;
	uv_timer_t    *pace; /* waits for the kernel to catch up */
	bool	       idle_on;
	bool	       test_clock;
	uint64_t       now_ms;
	struct trie   *t4, *t6;
	uint64_t       n_dests, n_paths;
	uint32_t       n_cls_paths[RIB_CLASS_N]; /* paths per source class */
	uint32_t       n_via; /* prefixes whose backup is a covering prefix's */
	struct pool    dest_pool, path_pool, pinfo_pool, group_pool;
	/* interned path records */
	struct hash phash;
	/* sources by id - 1 */
	struct rib_source **src;
	size_t		    n_src, cap_src;
	/* sources whose prefixes still have to be queued */
	struct rib_source *sweep_head;
	/* dirty queue (FIFO) */
	struct rib_dest *q_head, *q_tail;
	size_t		 q_len;
	/* groups and legs */
	struct hash	  ghash; /* hashed groups by key */
	size_t		  n_groups;
	struct rib_group *groups;
	struct hash	  lhash; /* legs by (source, gateway) */
	uint32_t	  next_group_id;
	/* exports */
	struct rib_export **exp;
	size_t		    n_exp;
	/* journal */
	struct journal	     *journal;
	struct rib_open_event open_ev; /* the latest background event */
	bool		      ev_open;
	rib_journal_fn	      notify;
	void		     *notify_arg;
	rib_alarm_fn	      alarm_notify;
	void		     *alarm_arg;
	uint64_t	      switches, rewrites_total;
	uint64_t	      n_active[RIB_CLASS_N]; /* prefixes by selected active class */
	uint64_t	      epoch;		     /* +1 each time the work queue drains */
	bool		      in_work;
};

static inline struct rib_path *
rib_path_at(const struct rib *rib, uint32_t i)
{
	return pool_item_at(&rib->path_pool, i);
}

static inline struct rib_dest *
rib_dest_at(const struct rib *rib, uint32_t i)
{
	return pool_item_at(&rib->dest_pool, i);
}

static inline const struct rib_pinfo *
rib_path_pi(const struct rib *rib, const struct rib_path *p)
{
	return pool_item_at(&rib->pinfo_pool, p->pinfo);
}

static inline struct rib_group *
rib_group_at(const struct rib *rib, uint32_t i)
{
	return pool_item_at(&rib->group_pool, i);
}

static inline struct rib_group *
rib_dest_grp(const struct rib *rib, const struct rib_dest *d)
{
	return rib_group_at(rib, d->grp);
}

static inline uint8_t
rib_dest_family(const struct rib_dest *d)
{
	return d->v6 ? AF_INET6 : AF_INET;
}

static inline struct trie *
rib_dest_trie(const struct rib *rib, const struct rib_dest *d)
{
	return d->v6 ? rib->t6 : rib->t4;
}

/* The dest's own pool index, from its trie node. */
static inline uint32_t
rib_dest_idx(const struct rib *rib, const struct rib_dest *d)
{
	return trie_node_val(rib_dest_trie(rib, d), d->node);
}

static inline void
rib_dest_fib_err_set(struct rib_dest *d, int err)
{
	d->fib_errno = (uint8_t)(err >= 0 ? 0 : -err > 255 ? 255 : -err);
}

/* The dest's prefix, from its trie node. */
static inline struct prefix
rib_dest_prefix(const struct rib *rib, const struct rib_dest *d)
{
	struct prefix p;

	trie_node_prefix(rib_dest_trie(rib, d), d->node, &p);
	return p;
}

/* rib.c */
uint64_t	   rib_now_ms(const struct rib *);
struct rib_source *rib_source_get(const struct rib *, rib_source_id);
void		   rib_dest_dirty(struct rib *, struct rib_dest *);
struct rib_dest	  *rib_dest_find(const struct rib *, const struct prefix *);
struct trie	  *rib_trie(const struct rib *, uint8_t family);
bool		   rib_path_demoted(const struct rib *, const struct rib_path *);
bool		   rib_path_eligible(const struct rib *, const struct rib_path *);
/* The interned record equal to key (padding zeroed), with a reference;
 * NULL on out-of-memory. put drops the reference. */
const struct rib_pinfo *rib_pinfo_get(struct rib *, const struct rib_pinfo *key);
void			rib_pinfo_put(struct rib *, const struct rib_pinfo *);
/* Queue every prefix of s for re-selection (in the background). */
void rib_source_dirty(struct rib *, struct rib_source *);
/* Take s off the queue of sources whose prefixes await queueing. */
void rib_sweep_unlink(struct rib *, struct rib_source *);
/* Free a source that has no path left (its timer closes on the loop). */
void rib_source_release(struct rib *, struct rib_source *);
/* A journal event for the background work that follows a health change. */
void rib_event_open(struct rib *, struct rib_source *, enum rib_trigger);

/* rib_source.c */
void rib_damp_stop(struct rib_source *);

/* rib_path.c */
void rib_path_unlink(struct rib *, struct rib_path *);

/* rib_select.c: excl_conn (may be NULL) treats that connection as failed. */
void rib_select(const struct rib *, const struct rib_dest *, const char *excl_conn,
    struct rib_sel *);

/* rib_group.c */
int  rib_group_init(struct rib *);
void rib_group_fini(struct rib *);
/* Point dest at the group for sel (creating/re-keying); programs the route. */
void rib_group_assign(struct rib *, struct rib_dest *, const struct rib_sel *);
/* Drop the dest's group and route. */
void rib_group_release(struct rib *, struct rib_dest *);
/* Fast switch after a health loss: rewrite every group forwarding over an
 * ineligible source. Returns the groups rewritten; *moved gets prefixes. */
uint32_t rib_group_failover(struct rib *, uint32_t *moved, uint32_t to_count[RIB_CLASS_N]);

/* rib_export.c */
void rib_export_dest(struct rib *, struct rib_dest *, const struct rib_sel *);
void rib_export_forget(struct rib *, const struct prefix *);
void rib_export_flush(struct rib *); /* cap recomputation */
void rib_export_fini(struct rib *);

#endif
