/* vpn/vpn_local.h - private to the IKE engine: the instance, tunnels, IKE and Child SAs, and the calls between the exchange files. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_VPN_LOCAL_H
#define HGW_VPN_VPN_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <uv.h>

#include "lib/hash.h"
#include "lib/mailbox.h"
#include "vpn/esp_sa.h"
#include "vpn/ike_cert.h"
#include "vpn/ike_codec.h"
#include "vpn/ike_crypto.h"
#include "vpn/ike_proposal.h"
#include "vpn/vpn.h"

/*
 * Who owns what:
 * - struct vpn owns its tunnels (a list in creation order), every IKE SA
 *   (found by our SPI in vpn->by_spi; half-open responder SAs also by
 *   source in vpn->half_open), the IKE sockets (refcounted by the tunnels
 *   whose addresses they serve), the TUN devices (struct vpn_dev,
 *   refcounted by tunnels and preps, so a device survives a commit that
 *   replaces its tunnel), and the ESP backend.
 * - An IKE SA belongs to one tunnel and owns its Child SAs, its timers, its
 *   outstanding request and cached response, and its keys (struct secret,
 *   wiped in ike_sa_free). A Child SA owns its ESP keys only until they
 *   are installed: the backend keeps its own copy.
 * - Freeing: an IKE SA is unlinked at once and freed when libuv has closed
 *   its timers (ike_sa_destroy); nothing may touch it after destroy.
 * Everything here runs on the loop thread.
 */

#define VPN_MSG_BUF	     (IKE_MSG_MAX + 8) /* a datagram with the non-ESP marker */
#define VPN_NONCE_LEN	     32		       /* what we send (RFC 7296 2.10) */
#define VPN_FRAG_SIZE	     1280	       /* fragment messages above (RFC 7383 2.5.1) */
#define VPN_FRAG_MAX	     IKE_FRAG_MAX
#define VPN_REKEY_MARGIN_PCT 10	   /* rekey this long before a lifetime ends */
#define VPN_REKEY_JITTER_PCT 5	   /* ... minus up to this much, at random */
#define VPN_HALF_OPEN_TTL_MS 30000 /* a half-open SA waits this long for AUTH */
#define VPN_SETUP_TIMEOUT_MS 30000 /* an exchange before AUTH gives up after */
#define VPN_RTX_FIRST_MS     1000  /* RFC 7296 2.4: first retransmission */
#define VPN_RTX_MAX_MS	     8000
#define VPN_KEEPALIVE_MS     20000 /* RFC 3948 4 */
#define VPN_RETRY_FIRST_MS   1000  /* a failed tunnel re-initiates after */
#define VPN_RETRY_MAX_MS     60000
#define VPN_OLD_IN_GRACE_MS  2000 /* an inbound SA outlives its rekey by */
#define VPN_TS_MAXN	     (2 * VPN_TS_MAX)

/* ------------------------------------------------------------- sockets */

/* One IKE socket: a local address and port (500, or 4500 shared with ESP
 * through esp_ike_socket()). */
struct ike_sock {
	struct vpn	*vpn;
	struct ike_sock *next;
	struct ipaddr	 local;
	uint16_t	 port;
	bool		 natt; /* 4500: the non-ESP marker is ours to add */
	int		 fd;
	unsigned	 refs;
	uv_poll_t	 poll;
	bool		 polling;
};

/* ----------------------------------------------------------- devices */

struct vpn_dev {
	struct hash_node   hnode; /* vpn->devs, by name */
	char		   name[16];
	uint32_t	   esp_id; /* the backend's tunnel */
	unsigned	   refs;   /* tunnels and preps using it */
	struct vpn_tunnel *owner;  /* whose SAs it carries now */
	struct ipaddr	   addr;   /* the inside address on it; family 0: none */
	uint8_t		   addr_len;
	bool		   gone; /* the backend reported it deleted */
};

/* -------------------------------------------------------- Child SAs */

struct child_sa {
	struct child_sa *next; /* the IKE SA's list */
	struct ike_sa	*ike;
	uint32_t	 spi_in, spi_out; /* spi_out: the peer's, 0 until known */
	struct ike_suite suite;
	enum vpn_sa_st	 st;
	bool		 we_initiated; /* of the exchange that made it (key order) */
	bool		 in_installed, out_installed, out_active;
	bool		 udp_encap;
	bool		 replaced; /* a new SA took over: its inbound SA lingers */
	uint64_t	 established_ms, rekey_at_ms, expire_at_ms;
	uint64_t	 drop_in_at_ms; /* rekeyed: the inbound SA goes then; 0: not yet */
	struct child_sa *replaces;	/* the SA this one rekeys (until it is gone) */
	struct child_sa *peer_rekey;	/* the peer rekeyed this one into that SA */
	uint8_t		 ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX]; /* collisions, RFC 7296 2.8.1 */
	uint16_t	 ni_len, nr_len;
	uint8_t		 ntsi, ntsr;
	struct ike_ts	 tsi[VPN_TS_MAXN], tsr[VPN_TS_MAXN];
	struct vpn_counters last; /* its counters when last read */
};

/* ------------------------------------------------------------ IKE SAs */

enum ike_state {
	IKE_ST_INIT_SENT, /* initiator: IKE_SA_INIT request out */
	IKE_ST_AUTH_SENT, /* initiator: IKE_AUTH request out */
	IKE_ST_HALF_OPEN, /* responder: IKE_SA_INIT answered, waiting for AUTH */
	IKE_ST_ESTABLISHED,
	IKE_ST_REKEYING, /* made by a CREATE_CHILD_SA not yet complete */
	IKE_ST_REKEYED,	 /* replaced by a new IKE SA: only its deletion remains */
	IKE_ST_DELETING, /* our Delete is out */
	IKE_ST_DEAD,	 /* unlinked, freed when its timers are closed */
};

/* Exchanges we initiate on an established SA, one at a time (window 1). */
enum ike_task_kind {
	IKE_T_NONE,
	IKE_T_CHILD_NEW,    /* CREATE_CHILD_SA: a Child SA (after the peer deleted ours) */
	IKE_T_CHILD_REKEY,  /* CREATE_CHILD_SA with REKEY_SA */
	IKE_T_IKE_REKEY,    /* CREATE_CHILD_SA for the IKE SA */
	IKE_T_CHILD_DELETE, /* INFORMATIONAL: Delete ESP */
	IKE_T_IKE_DELETE,   /* INFORMATIONAL: Delete IKE */
	IKE_T_DPD,	    /* INFORMATIONAL, empty (RFC 7296 2.4) */
};

struct ike_task {
	enum ike_task_kind kind;
	struct child_sa	  *child;	  /* rekeyed / deleted SA, or the new one */
	uint32_t	   del_spi;	  /* CHILD_DELETE: our inbound SPI */
	uint16_t	   dh_group;	  /* INVALID_KE_PAYLOAD: the group it wants */
	uint64_t	   not_before_ms; /* TEMPORARY_FAILURE: retry later */
};
#define IKE_TASKS_MAX 8

/* A message as sent: one datagram, or its fragments (RFC 7383). */
struct ike_out {
	uint8_t *buf; /* heap: every datagram, back to back */
	size_t	 len;
	uint16_t n;
	uint16_t dlen[VPN_FRAG_MAX];
};

/* What an exchange we initiate needs between request and response. */
struct ike_pending {
	enum ike_task_kind kind; /* NONE: the SA's own INIT/AUTH */
	uint8_t		   exchange;
	uint32_t	   msgid;
	struct ike_out	   out;
	uint64_t	   started_ms, deadline_ms;
	unsigned	   tries;
	struct child_sa	  *child;   /* the new Child SA being made */
	struct child_sa	  *old;	    /* rekeyed / deleted */
	struct ike_sa	  *new_ike; /* IKE rekey: the SA being made */
	struct ike_dh	  *dh;
	uint8_t		   nonce[VPN_NONCE_LEN];
	uint32_t	   del_spi;
};

struct ike_sa {
	struct vpn	  *vpn;
	struct vpn_tunnel *tun;
	struct ike_sa	  *next;     /* the tunnel's IKE SAs */
	struct hash_node   spi_node; /* vpn->by_spi, by our SPI */
	struct hash_node   ho_node;  /* vpn->half_open, by the peer's address */
	bool		   in_by_spi, in_half_open, cookie_proved;
	uint64_t	   ispi, rspi;
	bool		   initiator; /* original initiator (RFC 7296 2.2) */
	enum ike_state	   st;
	uint64_t	   created_ms, established_ms, rekey_at_ms, expire_at_ms;
	uint64_t	   last_rx_ms;	/* an authenticated message from the peer */
	uint64_t	   last_dpd_ms; /* a liveness exchange answered */
	uint64_t	   keepalive_at_ms;

	/* where: the socket and the peer's address and port now */
	struct ike_sock *sock;
	struct ipaddr	 remote;
	uint16_t	 rport;
	bool		 nat_local, nat_remote, natt; /* natt: on 4500 */

	/* crypto */
	struct ike_suite suite;
	uint16_t	 dh_group; /* our KE's group */
	struct ike_dh	*dh;	   /* until the keys are made */
	struct secret	 sk_d, sk_pi, sk_pr;
	struct ike_sk	 sk;
	bool		 keys; /* sk_* are set */
	uint8_t		 ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	uint16_t	 ni_len, nr_len;
	uint8_t		*init_req, *init_resp; /* IKE_SA_INIT as sent: AUTH covers them */
	size_t		 init_req_len, init_resp_len;
	uint8_t		 cookie[64]; /* initiator: the responder's COOKIE to echo */
	uint8_t		 cookie_len;
	uint8_t		 ke_retries;   /* INVALID_KE_PAYLOAD / COOKIE answers taken */
	bool		 peer_frag;    /* IKEV2_FRAGMENTATION_SUPPORTED both ways */
	uint32_t	 peer_sighash; /* SIGNATURE_HASH_ALGORITHMS, a mask */
	struct ike_id	 peer_id;
	char		 peer_auth[16];
	bool		 initial_contact; /* responder: the peer sent it */

	/* message IDs (RFC 7296 2.2): our requests, the peer's */
	uint32_t	   msgid_out, msgid_in;
	struct ike_pending pend; /* pend.out.buf != NULL: a request is out */
	bool		   pend_active;
	struct ike_task	   tasks[IKE_TASKS_MAX];
	unsigned	   ntasks;
	struct ike_out	   resp; /* answer to the peer's last request */
	uint32_t	   resp_msgid;
	bool		   resp_valid;
	struct ike_frag	  *frag; /* reassembly, made when a fragment comes */

	/* rekeying of this IKE SA (RFC 7296 2.18) */
	struct ike_sa *rekeyed_to; /* the new SA that replaced this one */
	struct ike_sa *peer_rekey; /* the peer's new SA, for collisions */
	struct ike_sa *parent;	   /* REKEYING: the SA being replaced */

	struct child_sa *children;

	uv_timer_t rtx_timer; /* retransmission of pend */
	uv_timer_t evt_timer; /* lifetimes, DPD, keepalives, child timers */
	unsigned   open_handles;
};

/* ------------------------------------------------------------ tunnels */

/* What prepare took for a tunnel (consumed by start / update). */
struct vpn_prep {
	struct vpn	     *vpn;
	struct vpn_tunnel_cfg cfg;
	struct vpn_dev	     *dev;		/* a reference */
	struct ike_sock	     *sock, *sock_natt; /* references */
	struct ike_proposal   ike[IKE_PROP_MAX], esp[IKE_PROP_MAX];
	uint8_t		      nike, nesp;
	struct ike_id	      local_id, remote_id;
	X509		     *cert;
	EVP_PKEY	     *key;
	X509_STORE	     *ca;
	uint8_t		      ca_keyid[IKE_CA_KEYID_LEN];
};

struct vpn_tunnel {
	struct vpn	   *vpn;
	struct vpn_tunnel  *next, *prev; /* vpn->tuns, creation order */
	struct hash_node    addr_node;	 /* vpn->by_addr, by (local, remote) */
	void		   *ctx;
	struct vpn_prep	    p; /* configuration, device, sockets, credentials */
	enum vpn_tunnel_st  st;
	enum vpn_reason	    last_reason;
	char		    last_detail[128];
	bool		    up; /* tunnel_up was reported */
	bool		    deleting;
	uint64_t	    up_ms;
	uint32_t	    ups;
	uint64_t	    last_dpd_ms;
	struct ike_sa	   *ikes;	/* its IKE SAs, newest first */
	struct vpn_counters gone;	/* counters of Child SAs that are gone */
	struct ipaddr	    esp_remote; /* the ESP path now (esp_tunnel_peer_set) */
	uint16_t	    esp_rport;
	bool		    esp_udp, esp_path_set;
	uint32_t	    retry_ms; /* next back-off */
	uv_timer_t	    retry_timer;
	bool		    retry_armed;
};

/* ------------------------------------------------------------- the instance */

struct vpn {
	struct vpn_cfg	    cfg;
	uv_loop_t	   *loop;
	struct esp_backend *be;
	struct mailbox	   *mb; /* dataplane events to the loop */
	struct vpn_tunnel  *tuns, *tuns_tail;
	struct hash	    by_addr;   /* tunnels by (local, remote) */
	struct hash	    by_spi;    /* IKE SAs by our SPI */
	struct hash	    half_open; /* responder SAs before AUTH, by source */
	uint32_t	    n_half_open;
	struct hash	    spis; /* our inbound ESP SPIs (struct vpn_spi) */
	struct hash	    devs; /* struct vpn_dev by name */
	struct ike_sock	   *socks;
	/* COOKIE secrets (RFC 7296 2.6): the current and the one before */
	uint8_t	 cookie_secret[2][32];
	uint8_t	 cookie_ver;
	uint64_t cookie_rotated_ms;
	uint64_t rx_dropped, rx_bad, cookies_sent, half_open_refused;
	uint8_t *rx, *plain, *tx; /* scratch buffers, VPN_MSG_BUF each */
	uint8_t *whole;		  /* a reassembled message, IKE_FRAG_BUF */
	uint32_t hash_seed;	  /* for addresses a peer chooses */
	bool	 freeing;
};

/* --------------------------------------------------------------- calls */

/* vpn.c */
uint64_t vpn_now(void);
void	 vpn_random(void *, size_t);
/* An inbound ESP SPI of ours, unique in the instance (>= 256); released
 * with vpn_spi_put. 0 on out-of-memory. */
uint32_t vpn_spi_get(struct vpn *);
void	 vpn_spi_put(struct vpn *, uint32_t);
int	 vpn_backend(struct vpn *); /* made on first use; 0 or -errno */

/* ike_socket.c */
int  ike_sock_get(struct vpn *, const struct ipaddr *local, bool natt, struct ike_sock **);
void ike_sock_put(struct ike_sock *);
/* Send one IKE datagram from s to (remote, port); the marker is added on
 * 4500. 0 or -errno (logged by the caller at most once per exchange). */
int ike_sock_send(struct ike_sock *, const struct ipaddr *remote, uint16_t port,
    const uint8_t *msg, size_t len);
int ike_sock_keepalive(struct ike_sock *, const struct ipaddr *remote, uint16_t port);
/* The message (no marker) that arrived on s from (remote, port). */
void ike_input(struct vpn *, struct ike_sock *, const uint8_t *msg, size_t len,
    const struct ipaddr *remote, uint16_t port);

/* ike_cookie.c */
/* Does a new IKE_SA_INIT from `remote` need a COOKIE (RFC 7296 2.6), and
 * may it have state at all? *need_cookie: answer with one unless m
 * carries a valid one (*proved). 0: go on; -EBUSY: drop silently. */
int ike_cookie_check(struct vpn *, const struct ike_msg *m, const struct ipaddr *remote,
    bool *need_cookie, bool *proved);
/* The COOKIE notify data for m from remote; returns its length. */
size_t ike_cookie_make(struct vpn *, const struct ike_msg *m, const struct ipaddr *remote,
    uint8_t *out, size_t cap);
void   ike_half_open_add(struct vpn *, struct ike_sa *);
void   ike_half_open_del(struct vpn *, struct ike_sa *);
struct ike_sa *ike_half_open_find(struct vpn *, const struct ipaddr *remote, uint64_t ispi);

/* ike_sa.c */
struct ike_sa *ike_sa_new(struct vpn_tunnel *, bool initiator);
/* Take sa down now: Child SAs out of the backend, out of every table;
 * freed once its timers are closed. */
void	       ike_sa_destroy(struct ike_sa *);
struct ike_sa *ike_sa_find(struct vpn *, uint64_t our_spi);
void	       ike_sa_spi_set(struct ike_sa *, uint64_t ispi, uint64_t rspi);
/* Send a request we built (hdr msgid = sa->msgid_out) and keep it for
 * retransmission; the SA's msgid_out advances on its response. */
int ike_sa_request(struct ike_sa *, struct ike_pending *);
/* The request is answered or given up: free it, run the next task. */
void ike_sa_request_done(struct ike_sa *);
/* Send (and cache) the answer to the peer's request msgid. */
int ike_sa_respond(struct ike_sa *, struct ike_out *, uint32_t msgid);
/* Protect an encoder's message with the SA's keys: one datagram, or the
 * fragments when it is bigger than VPN_FRAG_SIZE and the peer takes them.
 * e has an SK payload open. */
int ike_sa_seal(struct ike_sa *, struct ike_enc *, struct wire_wr *, const struct ike_hdr *,
    struct ike_out *);
/* A header for a message of ours on sa. */
void ike_sa_hdr(const struct ike_sa *, struct ike_hdr *, uint8_t exchange, bool response,
    uint32_t msgid);
void ike_out_free(struct ike_out *);
int  ike_out_copy(struct ike_out *, const uint8_t *buf, size_t len);
int  ike_sa_send_out(struct ike_sa *, const struct ike_out *);
/* Queue an exchange (duplicates of the same kind and child merge). */
void ike_task_add(struct ike_sa *, enum ike_task_kind, struct child_sa *, uint32_t spi);
void ike_task_run(struct ike_sa *);
/* c goes: nothing of sa (tasks, the request, other Child SAs) points at it. */
void ike_sa_child_forget(struct ike_sa *, struct child_sa *);
/* Re-arm the event timer for the earliest deadline of the SA and its children. */
void ike_sa_schedule(struct ike_sa *);
/* It is up: timers, the tunnel told. */
void ike_sa_established(struct ike_sa *);
/* Tell the peer (Delete IKE) and go; reason is the tunnel's if this
 * was its last SA. */
void ike_sa_delete(struct ike_sa *, enum vpn_reason, const char *detail);
/* Gone without a word (peer gone, INITIAL_CONTACT, failed setup). */
void ike_sa_fail(struct ike_sa *, enum vpn_reason, const char *detail);
/* An unprotected answer to an IKE_SA_INIT request (one notify). */
void	    ike_send_init_notify(struct vpn *, struct ike_sock *, const struct ipaddr *remote,
	   uint16_t port, const struct ike_hdr *req, uint16_t type, const void *data, size_t len);
const char *ike_exchange_name(uint8_t);
const char *ike_notify_name(uint16_t);
/* Log prefix: "vpn CONN tunnel T: IKE SA 0123abcd..." */
const char *ike_sa_name(const struct ike_sa *);
void	    ike_keys_set(struct ike_sa *, const struct ike_keys *);

/* ike_x_init.c: IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.23) */
int  ike_init_start(struct ike_sa *);
void ike_init_request(struct vpn *, struct ike_sock *, struct ike_msg *,
    const struct ipaddr *remote, uint16_t port);
void ike_init_response(struct ike_sa *, struct ike_msg *, const struct ipaddr *remote,
    uint16_t port);
/* NAT_DETECTION_*_IP hash (RFC 7296 2.23). */
void ike_natd_hash(uint64_t ispi, uint64_t rspi, const struct ipaddr *a, uint16_t port,
    uint8_t out[20]);

/* ike_x_auth.c: IKE_AUTH (RFC 7296 1.2, 2.15, 2.9) */
int  ike_auth_start(struct ike_sa *);
void ike_auth_request(struct ike_sa *, struct ike_msg *);
void ike_auth_response(struct ike_sa *, struct ike_msg *);
/* Traffic selectors: ours as payloads, and narrowing (RFC 7296 2.9). */
size_t ike_ts_ours(const struct vpn_tunnel *, bool local, struct ike_ts *, size_t cap);
/* The part of got that ours allows; the count (0: TS_UNACCEPTABLE). */
size_t ike_ts_narrow(const struct ike_ts *ours, size_t nours, const struct ike_ts_pl *got,
    struct ike_ts *out, size_t cap);
/* Does every selector of got lie inside ours? */
bool ike_ts_within(const struct ike_ts *ours, size_t nours, const struct ike_ts_pl *got);

/* ike_x_child.c: CREATE_CHILD_SA (RFC 7296 1.3, 2.8) and Child SAs */
struct child_sa *child_sa_new(struct ike_sa *, bool we_initiated);
/* Keys from the exchange, into the backend: inbound at once, outbound
 * installed (and made active when activate). 0 or -errno (logged). */
int  child_sa_install(struct child_sa *, const struct secret *g_ir, const uint8_t *ni,
     size_t ni_len, const uint8_t *nr, size_t nr_len, bool activate);
void child_sa_activate(struct child_sa *);
/* Out of the backend and freed (counters folded into the tunnel's); the
 * caller took it out of its IKE SA's list. */
void child_sa_free(struct child_sa *);
/* Out of the list and freed. */
void child_unlink_free(struct child_sa *);
/* Only its outbound SA out of the backend (it sends no more). */
void		 child_out_remove(struct child_sa *);
struct child_sa *child_sa_by_out(struct ike_sa *, uint32_t spi_out);
struct child_sa *child_sa_by_in(struct ike_sa *, uint32_t spi_in);
void		 child_sa_stats(struct child_sa *, struct vpn_counters *);
void		 ike_child_start(struct ike_sa *, const struct ike_task *);
void		 ike_child_request(struct ike_sa *, struct ike_msg *);
void		 ike_child_response(struct ike_sa *, struct ike_msg *);
/* Child timers (rekey, expiry, the old inbound SA's grace). */
void	 child_sa_tick(struct child_sa *, uint64_t now);
uint64_t child_sa_next_event(const struct child_sa *);
/* Rekey and expiry times for a new SA: lifetime minus margin and jitter. */
void vpn_lifetimes(uint32_t lifetime_s, uint64_t now, uint64_t *rekey_at, uint64_t *expire_at);

/* ike_x_info.c: INFORMATIONAL (RFC 7296 1.4, 2.4) */
void ike_info_start(struct ike_sa *, const struct ike_task *);
void ike_info_request(struct ike_sa *, struct ike_msg *);
void ike_info_response(struct ike_sa *, struct ike_msg *);
/* A Delete for the IKE SA, sent once and not waited for (the SA goes). */
void ike_info_goodbye(struct ike_sa *);
/* Liveness: start a check when the peer has been silent long enough;
 * called from the SA's event timer. */
void	 ike_dpd_tick(struct ike_sa *, uint64_t now);
uint64_t ike_dpd_next(const struct ike_sa *);
uint64_t ike_peer_last_seen(struct ike_sa *);

/* vpn_tunnel.c */
struct vpn_tunnel *vpn_tunnel_by_addr(struct vpn *, const struct ipaddr *local,
    const struct ipaddr *remote);
/* The tunnel's first Child SA is in: report up (once). */
void vpn_tunnel_child_up(struct vpn_tunnel *, struct child_sa *);
/* An IKE SA or Child SA of the tunnel went; when nothing carries traffic
 * any more, report down and plan the next try. */
void vpn_tunnel_sa_gone(struct vpn_tunnel *, enum vpn_reason, const char *detail);
/* The IKE SA became the tunnel's (others are deleted). */
void vpn_tunnel_ike_up(struct vpn_tunnel *, struct ike_sa *);
/* Point the ESP tunnel at where the peer is (NAT-T). */
void	    vpn_tunnel_esp_path(struct vpn_tunnel *, const struct ike_sa *);
uint32_t    vpn_tunnel_esp_id(const struct vpn_tunnel *);
void	    vpn_tunnel_tun_gone(struct vpn *, uint32_t esp_id);
const char *vpn_tunnel_name(const struct vpn_tunnel *);
/* The tunnel wants an IKE SA now (initiate mode, or the peer deleted ours). */
void	 vpn_tunnel_initiate(struct vpn_tunnel *);
void	 vpn_tunnel_retry(struct vpn_tunnel *);
uint32_t vpn_tunnel_dpd_ms(const struct vpn_tunnel *);

/* vpn_cfg.c: proposals of a config (ours, defaults filled in). */
int  vpn_cfg_props(const struct vpn_tunnel_cfg *, struct ike_proposal *ike, uint8_t *nike,
     struct ike_proposal *esp, uint8_t *nesp, struct vpn_cfg_err *);
int  vpn_cfg_creds(const struct vpn_tunnel_cfg *, struct vpn_prep *, struct vpn_cfg_err *);
void vpn_prep_release(struct vpn_prep *);

/* Small helpers */
static inline uint64_t
ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->ispi : sa->rspi;
}

static inline bool
ike_sa_up(const struct ike_sa *sa)
{
	return sa->st == IKE_ST_ESTABLISHED;
}

#define VPN_NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
