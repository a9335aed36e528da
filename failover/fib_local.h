/* failover/fib_local.h - private state shared by fib_nl.c, fib_nh.c, fib_route.c, fib_events.c. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_FIB_LOCAL_H
#define HGW_FAILOVER_FIB_LOCAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "failover/fib.h"
#include "lib/hash.h"
#include "lib/prefix.h"

/*
 * How it fits together:
 * - fib_nl.c: one non-blocking request socket. Every request (nexthop,
 *   group, route, delete) is serialized into one queue buffer with a
 *   consecutive sequence number. Requests whose success matters (objects,
 *   routes in back-off) and the last one of every batch ask for an ack
 *   (NLM_F_ACK); the others are only answered when refused. rtnetlink
 *   answers in order, so an ack also settles every unanswered request before
 *   it as accepted. Answers are matched by sequence and dispatched to
 *   fib_obj_ack / fib_rt_ack. Refusals are logged (capped), counted and
 *   retried with exponential back-off.
 * - fib_send.c: the sender thread. A batch (one sendmsg) goes through the
 *   kernel there while the loop builds the next; fib_flush() waits for it.
 * - fib_nh.c: objects keyed by id. A request carries the object's
 *   generation: acks of superseded requests are ignored. GONE = the kernel
 *   does not have it (refused, or flushed with its link): groups leave such
 *   members out, a group left with none is removed, and everything is sent
 *   again when a member comes back.
 * - fib_route.c: an entry per prefix with a story only (adopted at start,
 *   refused, in back-off): group id, generation, flags. A route that goes
 *   in leaves no state here; its owner knows it (route_wanted, group_back).
 * - fib_events.c: libnl cache manager for links and addresses; feeds the
 *   interface resolution and the link-flush bookkeeping above.
 */
struct nl_sock;
struct nl_msg;
struct nl_cache;
struct nl_cache_mngr;
struct nl_cb;
struct fib_sender;

/* Our nexthop id space: far above what iproute2 users and other daemons pick. */
#define FIB_ID_BASE 0x10000000u
#define FIB_ID_LAST 0xfffffff0u

/* Batching: a sendmsg carries at most this many requests / bytes. The
 * sender thread holds at most FIB_SENDER_BATCHES batches (the loop waits
 * once as many again are queued), and at most FIB_UNACKED_BATCHES batches
 * await the loop reading their answers (rtnetlink answers within sendmsg,
 * on the sender thread). Every answer is one skb in the receive buffer:
 * after an overflow, batches shrink and go one at a time. */
#define FIB_BATCH_MSGS	    2048
#define FIB_BATCH_BYTES	    (192u * 1024u)
#define FIB_SENDER_BATCHES  4
#define FIB_UNACKED_BATCHES 16
#define FIB_SOCKBUF	    (64 * 1024 * 1024)
#define FIB_ACK_TIMEOUT_MS  2000u
/* The request queue keeps at most this much buffer once it is empty. */
#define FIB_Q_KEEP_BYTES (4u * 1024u * 1024u)

/* Exponential back-off for refused requests. */
#define FIB_RETRY_MIN_MS 200u
#define FIB_RETRY_MAX_MS 30000u

enum fib_req_kind {
	FIB_REQ_ROUTE_SET,
	FIB_REQ_ROUTE_DEL,
	FIB_REQ_NH_SET, /* single nexthop, group or blackhole */
	FIB_REQ_NH_DEL,
};

/* One request, queued or awaiting its ack. Its bytes live in fib_q.buf. */
struct fib_req {
	uint32_t      seq;
	uint32_t      off, len; /* in fib_q.buf */
	uint32_t      id;	/* nexthop / group id */
	uint16_t      gen;	/* object generation when queued */
	uint8_t	      kind;	/* enum fib_req_kind */
	bool	      watch;	/* success matters too (clears a back-off) */
	bool	      ack;	/* NLM_F_ACK: answered even on success */
	struct prefix pfx;	/* routes */
};

/* The request queue: [head, sent) are in flight, [sent, n) not sent yet.
 * Sequence numbers are consecutive from reqs[head].seq. */
struct fib_q {
	uint8_t	       *buf;
	size_t		blen, bcap;
	struct fib_req *reqs;
	size_t		head, sent, n, cap;
};

/* Route state, one per prefix adopted, refused or in back-off: a slot of an
 * open-addressing table per family (fib_rtab), the address bytes (4 or 16)
 * right after this header: 12 bytes per IPv4 route, 24 per IPv6 route. */
#define FIB_RT_FAILED	 0x01 /* refused; a retry is scheduled */
#define FIB_RT_ADOPTED	 0x02 /* found at start, not set since */
#define FIB_RT_EMPTY	 0xff /* len of a free slot */
#define FIB_RT_ATT_SHIFT 2    /* flags >> shift = attempts (saturates at 63) */
struct fib_rt {
	uint32_t grp;
	uint16_t gen;
	uint8_t	 len;	/* FIB_RT_EMPTY = free slot */
	uint8_t	 flags; /* FIB_RT_* | attempts << FIB_RT_ATT_SHIFT */
};
struct fib_rtab {
	uint8_t *slots;
	size_t	 cap; /* slots (0 = none yet) */
	size_t	 count;
	uint32_t esize; /* header + address bytes */
	uint8_t	 family;
	uint8_t	 alen; /* 4 or 16 */
};

/* A kernel nexthop object we own: a single nexthop, a group, or the shared
 * blackhole member of empty groups. */
enum fib_obj_type { FIB_OBJ_NH, FIB_OBJ_GROUP, FIB_OBJ_BLACKHOLE };
#define FIB_OBJ_FAILED 0x01 /* refused; a retry is scheduled */
#define FIB_OBJ_GONE   0x02 /* not in the kernel (link down, refused) */
#define FIB_OBJ_SENT   0x04 /* requested at least once */
#define FIB_OBJ_LIVE   0x08 /* the kernel accepted it and still has it */
struct fib_obj {
	struct hash_node hnode; /* in fib->obj_hash, by id */
	struct fib_obj	*lnext; /* list of all objects */
	uint32_t	 id;
	uint32_t	 refcnt; /* NH: fib_nh_get users */
	uint8_t		 type;	 /* enum fib_obj_type */
	uint8_t		 flags;
	uint8_t		 attempts;
	uint16_t	 gen;
	int		 ifindex;	      /* NH: resolved when last sent, 0 = none */
	struct ipaddr	 gw;		      /* NH */
	char		 ifname[IF_NAMESIZE]; /* NH, "" = by gateway */
	uint32_t	*members;	      /* GROUP: desired member ids */
	size_t		 nmembers;
};

/* A retry to run when due (routes by prefix, objects by id). */
struct fib_retry {
	uint64_t      due_ms;
	struct prefix pfx;
	uint32_t      id;
	uint8_t	      kind; /* FIB_REQ_ROUTE_SET / FIB_REQ_NH_SET / *_DEL */
};

struct fib_link {
	int  ifindex;
	bool up;
};

struct fib {
	struct fib_cfg		 cfg;
	char			 netns[64];
	const struct fib_events *ev;
	struct fib_events	 evcopy;
	void			*arg;

	/* request socket (non-blocking, acks) and dump socket (blocking) */
	struct nl_sock	  *sk;
	int		   sk_fd;
	struct fib_sender *sender; /* NULL: batches go out on the loop thread */
	struct nl_sock	  *dump_sk;
	struct nl_cb	  *cb; /* sk's callbacks (acks) */
	uv_poll_t	   poll;
	bool		   poll_on;
	struct fib_q	   q;
	size_t		   batch_max; /* requests per sendmsg */
	bool		   overrun;   /* answers overran the receive buffer once */
	uint32_t	   next_seq;
	bool		   q_watch;   /* for the next fib_q_add */
	int		   flush_err; /* first error seen by the current flush */
	bool		   in_flush;
	unsigned	   logged_errors; /* per flush, to cap log volume */
	unsigned	   quiet_errors;

	/* retries */
	uv_timer_t	  retry_timer;
	uv_timer_t	  ack_timer;	   /* acks overdue: resend */
	uint64_t	  ack_progress_ms; /* the oldest in-flight request last settled */
	uint64_t	  retry_due;	   /* when the timer fires, UINT64_MAX = idle */
	struct fib_retry *retries;
	size_t		  nretries, cretries;

	/* routes */
	struct fib_rtab rt4, rt6;
	size_t		rt_adopted;

	/* nexthop objects */
	struct hash	obj_hash; /* struct fib_obj by id */
	struct fib_obj *objs;	  /* list of all */
	uint32_t	next_id;
	uint32_t	blackhole_id; /* 0 until needed */
	uint32_t       *foreign_ids;  /* ids present at start (sorted) */
	size_t		nforeign;
	uint32_t       *stale_ids; /* our protocol's ids present at start */
	size_t		nstale;

	/* events: links and addresses (libnl cache manager) */
	struct nl_cache_mngr *mngr;
	struct nl_cache	     *link_cache;
	struct nl_cache	     *addr_cache;
	uv_poll_t	      ev_poll;
	bool		      ev_poll_init;
	struct fib_link	     *links;
	size_t		      nlinks, clinks;

	struct fib_stats stats;
	bool		 closing;
	int		 open_handles; /* uv handles still closing */
};

/* fib_nl.c */
int  fib_q_add(struct fib *, struct nl_msg *, enum fib_req_kind, uint32_t id, uint16_t gen,
     const struct prefix *);
int  fib_q_add_raw(struct fib *, const void *msg, size_t msglen, enum fib_req_kind, uint32_t id,
     uint16_t gen, const struct prefix *);
int  fib_nl_kick(struct fib *);
void fib_retry_add(struct fib *, enum fib_req_kind, uint32_t id, const struct prefix *,
    unsigned attempts);
void fib_retry_now(struct fib *);
const char *fib_pfx_str(const struct prefix *, char *, size_t);
const char *fib_addr_str(const struct ipaddr *, char *, size_t);
bool	    fib_pfx_has_addr(uint8_t family, const uint8_t *bytes, unsigned len,
	   const struct ipaddr *);
int fib_dump(struct fib *, struct nl_msg *, int (*fn)(struct nl_msg *, void *), void *arg);

/* fib_send.c */
int	 fib_send_start(struct fib *);
void	 fib_send_stop(struct fib *);
int	 fib_send_submit(struct fib *, const uint8_t *buf, size_t len, size_t nreq);
int	 fib_send_direct(const struct fib *, const uint8_t *buf, size_t len);
int	 fib_send_wait(struct fib *);
int	 fib_send_wait_below(struct fib *, unsigned max);
unsigned fib_send_busy(const struct fib *, size_t *reqs);
int	 fib_send_error(struct fib *);

/* fib_nh.c */
int		fib_nh_init(struct fib *);
void		fib_nh_fini(struct fib *);
struct fib_obj *fib_obj_find(const struct fib *, uint32_t id);
void		fib_obj_ack(struct fib *, const struct fib_req *, int err, const char *why);
void		fib_obj_retry(struct fib *, uint32_t id, enum fib_req_kind);
void		fib_nh_link_change(struct fib *, int ifindex, bool up);
void		fib_nh_addr_added(struct fib *);
int		fib_nh_reconcile(struct fib *);
int		fib_nh_prune(struct fib *, uint32_t *used, size_t nused);
bool		fib_id_is_stale(const struct fib *, uint32_t id);

/* fib_route.c */
int  fib_rt_init(struct fib *);
void fib_rt_fini(struct fib *);
void fib_rt_ack(struct fib *, const struct fib_req *, int err, const char *why);
void fib_rt_retry(struct fib *, const struct prefix *, enum fib_req_kind);
void fib_rt_group_back(struct fib *, uint32_t grp, bool failed_only);

/* fib_events.c */
int  fib_ev_init(struct fib *);
void fib_ev_fini(struct fib *);
int  fib_ev_ifindex(struct fib *, const char *ifname);
int  fib_ev_ifindex_for(struct fib *, const struct ipaddr *gw);
bool fib_ev_link_up(struct fib *, int ifindex);

#endif
