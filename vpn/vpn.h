/* vpn/vpn.h - the VPN module's public header: IPsec tunnels (IKEv2 + ESP) configured, run and reported for the gateway. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_VPN_H
#define HGW_VPN_VPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "lib/prefix.h"
#include "lib/secret.h"
#include "vpn/esp_sa.h"

/*
 * One struct vpn per process (the gateway makes it). It owns the ESP
 * backend (made on first use through vpn_cfg.backend_new), the IKE sockets
 * and every tunnel. A tunnel is one configured IPsec tunnel: a TUN device
 * (its interface), one IKE SA at a time (two while it is rekeyed) and one
 * Child SA at a time carrying 0.0.0.0/0 + ::/0 (route-based) or the
 * configured traffic selectors.
 *
 * Configuration follows the commit's phases:
 *	vpn_tunnel_cfg_check()		validate: no side effects (files are read)
 *	vpn_tunnel_prepare()		prepare: may fail; takes the TUN device, the
 *					IKE sockets, the certificates and keys
 *	vpn_tunnel_start() / _update()	apply: cannot fail
 *	vpn_tunnel_abort()		abort: gives back what prepare took
 *	vpn_tunnel_del()		the tunnel goes (SAs deleted, the peer told)
 *
 * Threads: every call on the loop thread given in vpn_cfg; events are
 * called there too (dataplane events are posted to it through a mailbox).
 *
 * Ownership: configs are copied (their keys too: the caller wipes its own
 * with vpn_tunnel_cfg_wipe()). Key material lives only inside vpn/, in
 * struct secret, wiped when the SA ends; nothing here returns a key and
 * nothing is logged with one. A struct vpn_tunnel belongs to the vpn and
 * lives until vpn_tunnel_del() or vpn_free(); a prep until start, update
 * or abort consumes it. State structs are plain values, caller-owned.
 */

struct vpn;
struct vpn_tunnel;
struct vpn_prep;

/* ------------------------------------------------------------ configuration */

#define VPN_NAME_MAX 64
#define VPN_PATH_MAX 256
#define VPN_ID_MAX   256 /* identity text, as configured */
#define VPN_PROP_MAX 512 /* proposal list text */
#define VPN_TS_MAX   8	 /* traffic selectors per side */

#define VPN_IKE_LIFETIME   28800	/* s */
#define VPN_CHILD_LIFETIME 27000	/* s */
#define VPN_CHILD_LIFE_KB  102400000ULL /* KB (the cloud's default) */
#define VPN_DPD_TIMEOUT	   45		/* s */

enum vpn_auth {
	VPN_AUTH_PSK,
	VPN_AUTH_CERT, /* X.509 certificate + private key, peer checked against a CA */
};

enum vpn_natt {
	VPN_NATT_AUTO,	/* RFC 7296 2.23: UDP 4500 and ESP in UDP when a NAT is seen */
	VPN_NATT_FORCE, /* always (the peer is told a NAT is there) */
	VPN_NATT_OFF,	/* never: IKE on 500, raw ESP */
};

enum vpn_initiation {
	VPN_INITIATE, /* bring the tunnel up and keep it up */
	VPN_RESPOND,  /* wait for the peer */
};

struct vpn_tunnel_cfg {
	char		    connection[VPN_NAME_MAX]; /* vpn-connection name */
	char		    tunnel[VPN_NAME_MAX];     /* tunnel name in it */
	char		    ifname[16];		      /* the TUN device hybridgw creates */
	uint16_t	    mtu;		      /* inner MTU; 0: ESP_MTU_DEFAULT */
	uint16_t	    mss;		      /* TCP MSS clamp; 0: ESP_MSS_DEFAULT */
	struct ipaddr	    inside;	   /* address put on the device; family 0: none */
	uint8_t		    inside_len;	   /* its prefix length */
	struct ipaddr	    local, remote; /* outer addresses (same family) */
	enum vpn_initiation initiation;
	enum vpn_natt	    natt;

	/* IKE SA */
	char	      ike_proposals[VPN_PROP_MAX]; /* "" = defaults */
	uint32_t      ike_lifetime_s;		   /* 0: VPN_IKE_LIFETIME */
	uint32_t      dpd_timeout_s;		   /* 0: VPN_DPD_TIMEOUT */
	enum vpn_auth auth;
	struct secret psk;		  /* VPN_AUTH_PSK */
	char	      cert[VPN_PATH_MAX]; /* VPN_AUTH_CERT: PEM files */
	char	      key[VPN_PATH_MAX];
	char	      ca[VPN_PATH_MAX];
	char	      local_id[VPN_ID_MAX];  /* "": the certificate's subject, else
						 * the local address */
	char	      remote_id[VPN_ID_MAX]; /* "": any identity (%any) */

	/* Child SA */
	char	      esp_proposals[VPN_PROP_MAX]; /* "" = defaults */
	uint16_t      pfs_group;	     /* IANA DH group added to ESP proposals; 0: none */
	uint32_t      child_lifetime_s;	     /* 0: VPN_CHILD_LIFETIME */
	uint64_t      child_lifetime_kb;     /* 0: VPN_CHILD_LIFE_KB */
	uint32_t      replay_window;	     /* packets (ESP_REPLAY_DEFAULT when not set) */
	bool	      replay_set;	     /* replay_window was configured (0: off) */
	uint8_t	      nts_local, nts_remote; /* 0: 0.0.0.0/0 and ::/0 (route-based) */
	struct prefix ts_local[VPN_TS_MAX], ts_remote[VPN_TS_MAX];
};

/* Zeroes: every default. */
void vpn_tunnel_cfg_init(struct vpn_tunnel_cfg *);
void vpn_tunnel_cfg_wipe(struct vpn_tunnel_cfg *);
void vpn_tunnel_cfg_copy(struct vpn_tunnel_cfg *dst, const struct vpn_tunnel_cfg *src);
/* Same configuration? (the key compared in constant time) */
bool vpn_tunnel_cfg_same(const struct vpn_tunnel_cfg *, const struct vpn_tunnel_cfg *);
/* The IANA number of a key exchange group by its proposal keyword
 * ("ecp256", "x25519", "modp2048", ...); 0, or -EINVAL. */
int vpn_dh_group_id(const char *name, uint16_t *id);

/* What is wrong with a configuration: field is the YANG path of the leaf
 * relative to the vpn-connection ("ike/proposal", "esp/pfs-group",
 * "ike/certificate", "tunnel/local-address", ...), msg says why (with the
 * bad token, or the file and the reason). */
struct vpn_cfg_err {
	char field[64];
	char msg[384];
};

/* Everything a commit can check without taking anything: proposals and
 * groups known, identities parseable, certificate, key and CA readable and
 * belonging together, addresses of one family. 0 or -EINVAL with err set. */
int vpn_tunnel_cfg_check(const struct vpn_tunnel_cfg *, struct vpn_cfg_err *err);

/* ------------------------------------------------------------- instance */

/* Why a tunnel is down (or went down). */
enum vpn_reason {
	VPN_R_NONE,
	VPN_R_ADMIN,	       /* configured away or changed */
	VPN_R_CONNECTING,      /* not up yet */
	VPN_R_DPD,	       /* the peer stopped answering (liveness, RFC 7296 2.4) */
	VPN_R_PEER_DELETE,     /* the peer deleted the IKE or Child SA */
	VPN_R_PEER_RESTART,    /* the peer came back (INITIAL_CONTACT) */
	VPN_R_TUN_GONE,	       /* the TUN device was deleted under us */
	VPN_R_AUTH_FAILED,     /* AUTHENTICATION_FAILED, either way */
	VPN_R_NO_PROPOSAL,     /* NO_PROPOSAL_CHOSEN, either way */
	VPN_R_TS_UNACCEPTABLE, /* TS_UNACCEPTABLE, either way */
	VPN_R_TIMEOUT,	       /* the peer never answered the setup */
	VPN_R_EXPIRED,	       /* a lifetime ran out before a rekey */
	VPN_R_PEER_ERROR,      /* another error notify from the peer */
	VPN_R_INTERNAL,	       /* a local failure (logged) */
};
const char *vpn_reason_name(enum vpn_reason); /* "dpd", "auth-failed", ... */

struct vpn_events {
	/* The first Child SA is installed: traffic flows through ifname. */
	void (*tunnel_up)(void *arg, struct vpn_tunnel *, const char *ifname);
	/* The last Child SA went (detail: a human sentence, may be ""). */
	void (*tunnel_down)(void *arg, struct vpn_tunnel *, enum vpn_reason,
	    const char		 *detail);
	void *arg;
};

/* Denial-of-service limits (RFC 7296 2.6). 0: the default. */
struct vpn_dos_cfg {
	uint32_t cookie_threshold;  /* half-open SAs before COOKIE is demanded (30) */
	uint32_t half_open_per_src; /* half-open SAs one source may hold (5; COOKIE
						 * proved sources: 4x) */
	uint32_t half_open_max;	    /* in all (4096) */
};

struct vpn_cfg {
	uv_loop_t *loop;
	/* Make the ESP backend with the events given (the gateway: esp_dp_new).
	 * Called once, at the first tunnel's prepare; the vpn owns what it
	 * returns. */
	int (*backend_new)(void *arg, const struct esp_events *, struct esp_backend **);
	/* Optional: the backend's own counters (esp_dp_stats_get). */
	void (*backend_stats)(struct esp_backend *, struct esp_dp_stats *);
	void		  *backend_arg;
	struct vpn_events  ev;
	struct vpn_dos_cfg dos;
	uint16_t	   ike_port;  /* UDP port of IKE; 0: 500 (tests) */
	uint16_t	   natt_port; /* 0: 4500 */
	uint16_t	   frag_size; /* IKE messages above are fragmented (RFC
						 * 7383) when the peer takes it; 0: 1280 */
};

int vpn_new(const struct vpn_cfg *, struct vpn **);
/* Every tunnel deleted (the peers told), sockets and the backend freed. */
void vpn_free(struct vpn *);

/* ------------------------------------------------------------- tunnels */

/*
 * Prepare a tunnel (old NULL) or a new configuration of a live one (old):
 * parses and loads everything, creates the TUN device (or keeps the one of
 * the same name, which may belong to a tunnel the same commit removes),
 * binds the IKE sockets. 0, or -errno with err set.
 */
int  vpn_tunnel_prepare(struct vpn *, const struct vpn_tunnel_cfg *,
     const struct vpn_tunnel *old, struct vpn_prep **, struct vpn_cfg_err *err);
void vpn_tunnel_abort(struct vpn *, struct vpn_prep *);
/* Apply: the tunnel runs (initiates, or waits for its peer); ctx comes
 * back through vpn_tunnel_ctx(). Consumes the prep. */
struct vpn_tunnel *vpn_tunnel_start(struct vpn *, struct vpn_prep *, void *ctx);
/* Apply a new configuration: the SAs are deleted and set up again with it
 * (the device stays). Consumes the prep. */
void vpn_tunnel_update(struct vpn_tunnel *, struct vpn_prep *);
/* Delete the SAs (telling the peer), the addresses, and the device unless
 * a prepared tunnel took it over. */
void	    vpn_tunnel_del(struct vpn_tunnel *);
void	   *vpn_tunnel_ctx(const struct vpn_tunnel *);
bool	    vpn_tunnel_is_up(const struct vpn_tunnel *);
const char *vpn_tunnel_ifname(const struct vpn_tunnel *);

/* ------------------------------------------------------------- state */

enum vpn_tunnel_st {
	VPN_TS_DOWN,	   /* waiting: to retry, or for the peer */
	VPN_TS_CONNECTING, /* IKE_SA_INIT / IKE_AUTH under way */
	VPN_TS_UP,	   /* a Child SA carries traffic */
};

enum vpn_sa_st {
	VPN_SA_CONNECTING,
	VPN_SA_ESTABLISHED,
	VPN_SA_REKEYING, /* a new SA is being made to replace it */
	VPN_SA_REKEYED,	 /* replaced: it goes once the peer knows */
	VPN_SA_DELETING,
};
const char *vpn_sa_st_name(enum vpn_sa_st);

struct vpn_counters {
	uint64_t packets_in, bytes_in, packets_out, bytes_out;
	uint64_t auth_fail, replay_drop, decrypt_err, out_drop;
};

struct vpn_child_state {
	uint32_t	    spi_in, spi_out;
	enum vpn_sa_st	    state;
	char		    suite[96]; /* "aes256gcm16-noesn" */
	bool		    udp_encap;
	uint32_t	    established_s; /* ago */
	uint32_t	    rekey_in_s;	   /* 0: not scheduled */
	uint32_t	    expire_in_s;
	struct vpn_counters c; /* this SA's own */
};

#define VPN_STATE_IKE_MAX   2
#define VPN_STATE_CHILD_MAX 4

struct vpn_ike_state {
	uint64_t       spi_i, spi_r;
	bool	       initiator; /* we are its original initiator */
	enum vpn_sa_st state;
	char	       suite[96]; /* "aes256gcm16-prfsha384-ecp384" */
	char	       local_id[VPN_ID_MAX], remote_id[VPN_ID_MAX];
	char	       auth[16];      /* "psk", "rsa", "ecdsa" (what the peer used) */
	struct ipaddr  local, remote; /* outer addresses and ports now */
	uint16_t       local_port, remote_port;
	bool	       nat_local, nat_remote; /* a NAT seen in front of us / the peer */
	uint32_t       established_s;
	uint32_t       rekey_in_s, expire_in_s;
	uint64_t       last_dpd_ms; /* CLOCK_MONOTONIC of the last liveness answer; 0: none */
};

struct vpn_tunnel_state {
	char		       connection[VPN_NAME_MAX], tunnel[VPN_NAME_MAX];
	char		       ifname[16];
	enum vpn_tunnel_st     state;
	enum vpn_reason	       last_reason; /* why it last went down / is not up */
	char		       last_detail[128];
	struct ipaddr	       local, remote; /* configured outer addresses */
	uint32_t	       up_s;	      /* up for; 0 when down */
	uint32_t	       ups;	      /* times it came up */
	uint32_t	       dpd_timeout_s;
	uint64_t	       last_dpd_ms; /* last liveness answer, any IKE SA; 0: none */
	struct vpn_counters    c;	    /* every Child SA it had, summed (monotonic) */
	uint8_t		       nike, nchild;
	struct vpn_ike_state   ike[VPN_STATE_IKE_MAX];
	struct vpn_child_state child[VPN_STATE_CHILD_MAX];
};

void vpn_tunnel_state_get(const struct vpn_tunnel *, struct vpn_tunnel_state *);

/* The instance: what no tunnel can be charged with. */
struct vpn_state {
	bool		    dataplane;	 /* the ESP backend runs */
	struct esp_dp_stats dp;		 /* unknown SPIs, no outbound SA, ... */
	uint64_t	    ike_dropped; /* IKE messages for no SA, out of window */
	uint64_t	    ike_invalid; /* malformed, failed integrity */
	uint64_t	    cookies_sent;
	uint64_t	    half_open_refused;
	uint32_t	    half_open;
};
void vpn_state_get(struct vpn *, struct vpn_state *);
/* Every tunnel, in creation order; a non-zero return stops the walk. */
int vpn_tunnel_walk(struct vpn *, int (*fn)(struct vpn_tunnel *, void *), void *arg);

#endif
