/* bgp/bgp_local.h - private structures of the BGP speaker (sessions, FSM, Adj-RIBs). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_BGP_BGP_LOCAL_H
#define HGW_BGP_BGP_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "bgp/bgp.h"
#include "bgp/bgp_codec.h"
#include "lib/prefix.h"

/* RFC 4271 8.2.2 */
enum bgp_fsm_state {
	BGP_ST_IDLE,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
};

/* RFC 4271 8.1 events that carry no message (messages go through bgp_fsm_recv). */
enum bgp_fsm_event {
	BGP_EV_START, /* Manual/AutomaticStart (passive per config) */
	BGP_EV_STOP,  /* ManualStop: Cease/2 admin shutdown */
	BGP_EV_RESET, /* admin reset: Cease/4, then start again */
	BGP_EV_CONNRETRY_EXPIRED,
	BGP_EV_HOLD_EXPIRED,
	BGP_EV_KEEPALIVE_EXPIRED,
	BGP_EV_IDLEHOLD_EXPIRED, /* automatic restart after an error */
	BGP_EV_TCP_CONNECTED,	 /* Tcp_CR_Acked (outgoing) */
	BGP_EV_TCP_FAILS,	 /* TcpConnectionFails / closed by the peer */
};

/* Address families we speak: index into per-family arrays. */
enum bgp_fam { BGP_FAM_V4, BGP_FAM_V6, BGP_FAM_COUNT };

/*
 * Timer durations are configured in seconds; unit tests shrink them. Every
 * duration goes through bgp_secs() so that one knob scales them all.
 */
extern uint32_t bgp_ms_per_sec;
static inline uint64_t
bgp_secs(uint32_t s)
{
	return (uint64_t)s * bgp_ms_per_sec;
}

/* A write in flight: owns its bytes until libuv is done with them. */
struct bgp_wreq {
	uv_write_t	 req;
	struct bgp_conn *conn;
	size_t		 len;
	uint8_t		 data[];
};

#define BGP_READ_TURN (32 * 1024) /* bytes a connection reads per loop turn */

/*
 * One TCP connection. A peer has a main connection and, during collision
 * detection (RFC 4271 6.8), possibly a second, incoming one. The conn is
 * freed once its libuv handles are closed; conn->peer is NULL from the
 * moment it is detached.
 */
struct bgp_conn {
	struct bgp_peer *peer;
	struct bgp	*bgp;
	uv_tcp_t	 tcp;
	uv_connect_t	 creq;
	uv_timer_t	 linger;    /* bounds the wait for a NOTIFICATION to leave */
	uv_timer_t	 resume;    /* reading again after a loop turn's share */
	size_t		 turn_read; /* bytes read since reading (re)started */
	uv_shutdown_t	 sreq;
	int		 handles;	 /* open libuv handles; freed at 0 */
	struct bgp_conn *lnext, **lprev; /* on bgp->lingering while it lingers */
	bool		 outgoing;
	bool		 connected;
	bool		 closing;
	bool		 open_sent;
	struct ipaddr	 local, remote;
	uint16_t	 remote_port;
	/* reading: one buffer, whole messages parsed in place */
	uint8_t *rbuf;
	size_t	 rlen, rcap;
	/* writing: messages appended to ow->data, handed to libuv in chunks */
	struct bgp_wreq *ow;
	size_t		 olen, ocap;
	size_t		 inflight; /* bytes given to libuv, not yet written */
};

/* Compact open-addressing prefix tables (no per-entry allocation). */
struct bgp_pt4_ent {
	uint32_t addr; /* host order */
	uint8_t	 len;
	uint8_t	 flags;
	uint16_t spare;
	void	*val; /* NULL = empty slot */
};
struct bgp_pt6_ent {
	uint8_t addr[16];
	uint8_t len;
	uint8_t flags;
	uint8_t spare[6];
	void   *val;
};
struct bgp_ptab {
	uint8_t	 family;
	uint32_t bits; /* size = 1 << bits, 0 = nothing allocated */
	size_t	 count;
	void	*slots;
};

/* A slot handle: what the tables hand out (valid until the next insert/delete). */
struct bgp_pt_ref {
	uint8_t *flags;
	void   **val;
};

/* Adj-RIB-In entry flags */
#define BGP_ADJIN_STALE 0x01

/* Adj-RIB-Out entry: what was sent and what is to be sent. attrs NULL with
 * the matching flag set means locally originated. */
#define BGP_OUT_SENT	0x01 /* advertised to the peer */
#define BGP_OUT_WANT	0x02 /* should be advertised */
#define BGP_OUT_PENDING 0x04 /* on the pending list */
struct bgp_adj_out_ent {
	struct prefix		prefix;
	uint8_t			flags;
	struct bgp_attrs       *sent; /* reference held while SENT */
	struct bgp_attrs       *want; /* reference held while WANT */
	struct bgp_adj_out_ent *pend_next;
};

struct bgp_adj_out {
	struct bgp_ptab		tab[BGP_FAM_COUNT]; /* prefix -> bgp_adj_out_ent */
	struct bgp_adj_out_ent *pend_head, **pend_tail;
	size_t			pend_count;
	uint32_t		advertised;
	uv_timer_t		mrai; /* owned by the peer */
	uint64_t		last_flush_ms;
	bool			eor_due; /* End-of-RIB after the initial sync */
	bool			eor_sent;
	struct bgp_export	ex;  /* export transformations for this session */
	uint8_t		       *buf; /* UPDATE build buffer (BGP_MAX_EXT_MSG) */
};

struct bgp_peer {
	struct bgp	   *bgp;
	struct bgp_peer	   *next;
	struct bgp_peer_cfg cfg;
	enum bgp_fsm_state  state;
	bool		    admin_down; /* stopped: no automatic restart */
	bool		    deleting;
	struct bgp_conn	   *conn;	 /* main connection */
	struct bgp_conn	   *coll;	 /* incoming connection during collision */
	struct bgp_open	    ropen;	 /* the peer's OPEN, valid from OpenConfirm */
	struct bgp_neg	    neg;	 /* negotiated, valid from OpenConfirm */
	uint16_t	    keepalive;	 /* seconds */
	bool		    gr_helper;	 /* peer is GR capable: retain on session loss */
	bool		    gr_helps_us; /* peer retains our routes if we restart */
	uv_timer_t	    t_connretry;
	uv_timer_t	    t_hold;
	uint8_t		    hold_defers; /* expiries put off for unread bytes */
	uv_timer_t	    t_keepalive;
	uv_timer_t	    t_idlehold;
	uv_timer_t	    t_gr;	 /* restart time, then stale-path time */
	int		    handles;	 /* timers still open; freed at 0 */
	uint32_t	    idlehold_s;	 /* next automatic restart delay */
	bool		    reported_up; /* hooks->session(true) sent */
	bool		    gr_stale;	 /* Adj-RIB-In holds stale routes */
	bool		    maxpfx_warned;
	/* counters and state for show */
	uint64_t established_at_ms;
	uint64_t msgs_in, msgs_out, updates_in, updates_out;
	uint32_t flaps;
	uint32_t connects; /* outgoing attempts */
	char	 last_error[96];
	/* Adj-RIBs */
	struct bgp_ptab	   adj_in[BGP_FAM_COUNT]; /* prefix -> interned attrs */
	uint32_t	   adj_in_stale;
	struct bgp_ptab	   nhself[BGP_FAM_COUNT]; /* ignored, RFC 4271 6.3: -> attrs */
	struct bgp_acct	  *acct;		  /* attribute sets our UPDATEs created */
	bool		   eor_rcvd[BGP_FAM_COUNT];
	struct bgp_adj_out out;
};

/* Listen sockets of one port, both families; freed with their last handle. */
struct bgp_listener {
	struct bgp *bgp;
	uv_tcp_t    tcp[2]; /* IPv4, IPv6 */
	bool	    on[2];
	int	    open; /* handles not yet closed */
	uint16_t    port;
};

struct bgp {
	uv_loop_t	       *loop;
	struct bgp_global_cfg	cfg;
	struct bgp_hooks	hooks;
	void		       *hooks_arg;
	struct bgp_peer	       *peers;
	struct bgp_listener    *lsn; /* installed; NULL = not listening */
	uint16_t		port;
	bool			freeing;
	struct bgp_upd_scratch *scratch;   /* UPDATE decode memory, shared */
	struct bgp_conn	       *lingering; /* detached, flushing a NOTIFICATION */
	uint64_t		started_ms;
	bool			eor_released; /* startup End-of-RIB deferral over */
};

/* bgp.c */
void bgp_accept_dispatch(struct bgp *, struct bgp_conn *);
void bgp_listen_md5_apply(struct bgp *, const struct bgp_peer *, bool add);

/* bgp_peer.c: connections and sockets */
struct bgp_conn *bgp_conn_new(struct bgp *, bool outgoing, uint8_t family);
int		 bgp_conn_connect(struct bgp_peer *, struct bgp_conn *);
int		 bgp_conn_read_start(struct bgp_conn *);
void		 bgp_conn_detach_close(struct bgp_conn *, bool linger);
void		 bgp_conn_close_lingering(struct bgp *);
uint8_t		*bgp_conn_reserve(struct bgp_conn *, size_t len);
void		 bgp_conn_commit(struct bgp_conn *, size_t len);
int		 bgp_conn_send(struct bgp_conn *, const uint8_t *msg, size_t len);
void		 bgp_conn_flush(struct bgp_conn *);
size_t		 bgp_conn_backlog(const struct bgp_conn *);
/* Set (key not empty) or remove (NULL or empty) the RFC 2385 key for addr. */
int  bgp_sock_md5(int fd, const struct ipaddr *, const struct secret *key);
int  bgp_sock_gtsm(int fd, uint8_t family, uint8_t hops);
void bgp_sockaddr_from(struct sockaddr_storage *, const struct ipaddr *, uint16_t port,
    const char *ifname);
void bgp_peer_free(struct bgp_peer *);
int  bgp_peer_cfg_check(const struct bgp_peer_cfg *);
bool bgp_conn_setup_accepted(struct bgp_peer *, struct bgp_conn *);
int  bgp_syn_ttl(const uint8_t *hdr, size_t len, uint8_t *ttl);

/* bgp_fsm.c */
const char *bgp_state_name(enum bgp_fsm_state);
void	    bgp_fsm_event(struct bgp_peer *, enum bgp_fsm_event);
void	    bgp_fsm_accepted(struct bgp_peer *, struct bgp_conn *);
void	    bgp_fsm_conn_failed(struct bgp_conn *, int err);
/* One whole message (header included) received on conn. Returns false when
 * the connection went away (stop parsing). */
bool bgp_fsm_recv(struct bgp_conn *, uint8_t type, const uint8_t *msg, size_t len);
void bgp_fsm_notify(struct bgp_peer *, uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t len);
void bgp_fsm_error(struct bgp_peer *, const struct bgp_notify *);
void bgp_fsm_shutdown(struct bgp_peer *, uint8_t subcode, const char *text);
void bgp_fsm_restart_close(struct bgp_peer *);
void bgp_fsm_init_timers(struct bgp_peer *);
void bgp_fsm_maxpfx(struct bgp_peer *);
void bgp_fsm_resources(struct bgp_peer *, uint64_t pinned);

/* bgp_adj_in.c */
void bgp_ptab_init(struct bgp_ptab *, uint8_t family);
void bgp_ptab_fini(struct bgp_ptab *);
bool bgp_ptab_get(struct bgp_ptab *, const struct prefix *, struct bgp_pt_ref *);
/* Insert an empty slot (val NULL) or find the existing one; -ENOMEM. */
int  bgp_ptab_put(struct bgp_ptab *, const struct prefix *, struct bgp_pt_ref *, bool *isnew);
bool bgp_ptab_del(struct bgp_ptab *, const struct prefix *, void **val, uint8_t *flags);
typedef int (*bgp_ptab_fn)(const struct prefix *, void **val, uint8_t *flags, void *arg);
/* Unordered walk; the callback may not insert or delete. */
int bgp_ptab_walk(struct bgp_ptab *, bgp_ptab_fn, void *arg);
/* Walk in prefix order (allocates a sort array). */
int bgp_ptab_walk_sorted(struct bgp_ptab *, bgp_ptab_fn, void *arg);

void	 bgp_adj_in_init(struct bgp_peer *);
void	 bgp_adj_in_fini(struct bgp_peer *);
uint32_t bgp_adj_in_count(const struct bgp_peer *);
/* Received routes of one family, ignored ones included (max-prefix). */
uint32_t bgp_adj_in_count_af(const struct bgp_peer *, uint8_t family);
/* What one received route costs in bgp_peer_pinned(): a route manager path
 * and its share of the prefix trie (or a slot here), rounded up. */
#define BGP_ROUTE_COST 64
/* Received path / withdraw, with the per-update info already filled. */
void bgp_adj_in_update(struct bgp_peer *, const struct prefix *, struct bgp_attrs *,
    const struct bgp_path_info *);
void bgp_adj_in_withdraw(struct bgp_peer *, const struct prefix *);
void bgp_adj_in_eor(struct bgp_peer *, int fam);
/* Process one decoded UPDATE (RFC 7606 actions applied here). */
void bgp_adj_in_process(struct bgp_peer *, struct bgp_update *);
/* Session lost: keep stale (GR helper) or flush everything. */
void bgp_adj_in_session_down(struct bgp_peer *, bool keep_stale);
void bgp_adj_in_flush(struct bgp_peer *);
void bgp_adj_in_sweep_stale(struct bgp_peer *, int af /* -1 = all */);
void bgp_adj_in_gr_expired(struct bgp_peer *);
int  bgp_adj_in_refresh(struct bgp_peer *); /* send ROUTE-REFRESH */
/* max-prefix (and the memory cap) after routes arrived. */
void bgp_adj_in_limits_check(struct bgp_peer *);

/* bgp_nhself.c: routes whose next hop is ours (RFC 4271 6.3), kept aside. */
void bgp_nhself_init(struct bgp_peer *);
void bgp_nhself_flush(struct bgp_peer *);
/* Is the family's next hop in a one of our addresses (bgp_hooks.nexthop_local)?
 * which (may be NULL) gets the address that is ours. */
bool bgp_nhself_match(const struct bgp_peer *, const struct bgp_attrs *, uint8_t family,
    struct ipaddr *which);
/* Ignore the route: withdraw what was accepted for pfx, keep it aside (a ref taken). */
void	 bgp_nhself_hold(struct bgp_peer *, const struct prefix *, struct bgp_attrs *);
void	 bgp_nhself_forget(struct bgp_peer *, const struct prefix *);
uint32_t bgp_nhself_count(const struct bgp_peer *);
uint32_t bgp_nhself_count_af(const struct bgp_peer *, uint8_t family);
/* In prefix order, per family; the value is the interned attrs. */
int bgp_nhself_walk(struct bgp_peer *, bgp_ptab_fn, void *arg);

/* bgp_adj_out.c */
void bgp_adj_out_init(struct bgp_peer *);
void bgp_adj_out_fini(struct bgp_peer *);
void bgp_adj_out_session_up(struct bgp_peer *);
void bgp_adj_out_session_down(struct bgp_peer *);
void bgp_adj_out_resend(struct bgp_peer *); /* route refresh received */
void bgp_adj_out_kick(struct bgp_peer *);   /* write room again: continue */
void bgp_adj_out_flush_now(struct bgp_peer *);
/* A peer sent End-of-RIB: End-of-RIBs held back at startup may go now. */
void bgp_adj_out_eor_check(struct bgp *);

/* helpers shared by the files */
static inline int
bgp_af_of(uint8_t family)
{
	return family == AF_INET6 ? BGP_FAM_V6 : BGP_FAM_V4;
}
void bgp_peer_log_error(struct bgp_peer *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
