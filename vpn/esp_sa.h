/* vpn/esp_sa.h - the ESP SA hand-off: tunnels, Child SAs, counters and events, as an ops table every ESP backend implements. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_ESP_SA_H
#define HGW_VPN_ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/prefix.h"
#include "lib/secret.h"
#include "vpn/ipsec_ids.h"

/*
 * The IKE control plane negotiates Child SAs; a backend carries their
 * traffic. Two backends share this interface: the userspace dataplane over
 * TUN (esp_dp_new() below; for kernels without ESP, like these machines) and,
 * later, kernel XFRM (vpn_xfrm.c). A tunnel is route-based: one virtual
 * interface, 0.0.0.0/0 and ::/0 selectors, and at any time one outbound SA and
 * any number of inbound SAs (make-before-break rekeying: the new inbound SA is
 * added while the old one still receives, the outbound side switches
 * atomically, then the old SAs are deleted).
 *
 * Threads. Every esp_* call below is made by the control plane (in the daemon:
 * the event loop thread); calls are serialised inside the backend, so two
 * threads may call, but a call must never be made from inside an esp_events
 * callback (those run on dataplane threads: post the event to the loop and
 * act there; the userspace backend answers such a call -EDEADLK). Calls return
 * 0 or -errno and never block on traffic: the longest wait is for every
 * dataplane thread to finish the batch in hand (microseconds to a few ms)
 * before an SA or tunnel is freed.
 *
 * Ownership. Configs are copied: the caller keeps (and wipes) its own keys.
 * The backend wipes its copies of the keys when the SA is deleted. A file
 * descriptor returned by ike_socket belongs to the caller.
 */

#define ESP_MTU_DEFAULT	   1400 /* inner MTU of the tunnel device */
#define ESP_MSS_DEFAULT	   1350 /* TCP MSS clamp, both directions */
#define ESP_REPLAY_DEFAULT 1024 /* anti-replay window, packets */
#define ESP_REPLAY_MAX	   8192
#define ESP_UDP_PORT	   4500 /* RFC 3948 */

enum esp_dir {
	ESP_IN,
	ESP_OUT,
};

struct esp_tunnel_cfg {
	char	      ifname[16];    /* the TUN device to create (IFNAMSIZ) */
	uint16_t      mtu;	     /* inner MTU; 0: ESP_MTU_DEFAULT */
	uint16_t      mss;	     /* clamp TCP SYNs to this MSS; 0: ESP_MSS_DEFAULT */
	struct ipaddr local, remote; /* outer addresses, same family */
	bool	      udp_encap;     /* ESP in UDP (RFC 3948), else IP protocol 50 */
	uint16_t      local_port;    /* UDP only; 0: 4500 */
	uint16_t      remote_port;   /* UDP only; 0: 4500 */
};

/*
 * One Child SA, in one direction, in the IANA numbers the proposal carried
 * (vpn/ipsec_ids.h). Supported: ENCR_AES_GCM_16 (128/256, integ NONE) and
 * ENCR_AES_CBC (128/192/256) with HMAC_SHA1_96, HMAC_SHA2_256_128,
 * HMAC_SHA2_384_192 or HMAC_SHA2_512_256. Anything else: -ENOTSUP.
 */
struct esp_sa_cfg {
	uint32_t spi;		/* inbound SPIs are unique per backend */
	uint16_t encr;		/* enum ike_encr */
	uint16_t encr_bits;	/* key length in bits */
	uint16_t integ;		/* enum ike_integ */
	bool	 esn;		/* 64-bit sequence numbers (RFC 4303 2.2.1) */
	uint32_t replay_window; /* inbound; packets, 0: off, <= ESP_REPLAY_MAX */
	/* Lifetimes, in inner bytes / packets; 0: none. */
	uint64_t      soft_bytes, hard_bytes;
	uint64_t      soft_packets, hard_packets;
	struct secret encr_key;	 /* GCM: key || 4-byte salt (RFC 4106 8.1) */
	struct secret integ_key; /* CBC: the HMAC key; GCM: empty */
};

/* Defaults: zeroes, replay window ESP_REPLAY_DEFAULT. */
void esp_sa_cfg_init(struct esp_sa_cfg *);
/* Wipe the keys (the caller's copy; the backend wipes its own). */
void esp_sa_cfg_wipe(struct esp_sa_cfg *);

/*
 * Per-SA counters, summed over the dataplane threads when read. Bytes are
 * inner IP bytes (what the SA protects), not ESP bytes.
 */
struct esp_sa_stats {
	uint64_t packets_in, bytes_in;	 /* accepted (inbound SA) */
	uint64_t packets_out, bytes_out; /* sent (outbound SA) */
	uint64_t auth_fail;		 /* integrity check failed */
	uint64_t replay_drop;		 /* duplicate or older than the window */
	uint64_t decrypt_err;		 /* bad length, padding, next header, inner packet */
	uint64_t out_drop;		 /* outbound: SA expired or send failed */
	uint64_t last_in_ms; /* CLOCK_MONOTONIC ms of the last accepted packet; 0: none */
};

/*
 * Events, called on a dataplane thread (never inside an esp_* call, never
 * with a backend lock held); each fires once per SA. Any pointer may be NULL.
 * Messages passed to ike_rx are borrowed for the call only.
 */
struct esp_events {
	/* Soft lifetime reached: rekey. */
	void (*sa_soft)(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir);
	/* Hard lifetime reached: the SA carries nothing more. */
	void (*sa_hard)(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir);
	/* The outbound sequence number nears its end (2^32 or 2^64); it is
	 * never wrapped (RFC 4303 3.3.3): rekey now. */
	void (*sa_seq_wrap)(void *arg, uint32_t tunnel, uint32_t spi);
	/* The tunnel's device went away (deleted under us). */
	void (*tun_gone)(void *arg, uint32_t tunnel);
	/* An IKE message on the shared ESP-in-UDP port (after the 4-byte
	 * non-ESP marker, RFC 3948 2.2) that reached the dataplane rather than
	 * the IKE socket: while no IKE socket was taken for that address. */
	void (*ike_rx)(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
	    const struct sockaddr *to);
	void *arg;
};

struct esp_backend;

struct esp_backend_ops {
	int (*tunnel_add)(struct esp_backend *, const struct esp_tunnel_cfg *,
	    uint32_t *tunnel);
	int (*tunnel_del)(struct esp_backend *, uint32_t tunnel);
	int (*tunnel_peer_set)(struct esp_backend *, uint32_t tunnel,
	    const struct esp_tunnel_cfg *);
	int (*sa_add_in)(struct esp_backend *, uint32_t tunnel, const struct esp_sa_cfg *);
	int (*sa_add_out)(struct esp_backend *, uint32_t tunnel, const struct esp_sa_cfg *);
	int (*sa_switch_out)(struct esp_backend *, uint32_t tunnel, uint32_t spi);
	int (*sa_del)(struct esp_backend *, uint32_t tunnel, uint32_t spi, enum esp_dir);
	int (*sa_stats)(struct esp_backend *, uint32_t tunnel, uint32_t spi, enum esp_dir,
	    struct esp_sa_stats *);
	int (*ike_socket)(struct esp_backend *, const struct ipaddr *local, uint16_t port,
	    int *fd);
	void (*free)(struct esp_backend *);
};

struct esp_backend {
	const struct esp_backend_ops *ops;
};

/*
 * Create a tunnel: its device comes up with the MTU, no addresses and no
 * routes (the caller adds those). Deleting it deletes its SAs and device.
 */
static inline int
esp_tunnel_add(struct esp_backend *be, const struct esp_tunnel_cfg *c, uint32_t *tunnel)
{
	return be->ops->tunnel_add(be, c, tunnel);
}

static inline int
esp_tunnel_del(struct esp_backend *be, uint32_t tunnel)
{
	return be->ops->tunnel_del(be, tunnel);
}

/*
 * Send the tunnel's ESP elsewhere from the next batch on: local and remote
 * address, UDP encapsulation and ports of c (the rest is ignored). For NAT
 * traversal (RFC 7296 2.23, RFC 3948): IKE found a NAT after the tunnel
 * was made and ESP moves into UDP, or the NAT's mapping of the peer
 * changed. Inbound ESP is accepted by SPI from anywhere, on every endpoint.
 */
static inline int
esp_tunnel_peer_set(struct esp_backend *be, uint32_t tunnel, const struct esp_tunnel_cfg *c)
{
	return be->ops->tunnel_peer_set(be, tunnel, c);
}

/* Receive on this SA from now on (-EEXIST: SPI in use). */
static inline int
esp_sa_add_in(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c)
{
	return be->ops->sa_add_in(be, tunnel, c);
}

/* Install an outbound SA; the tunnel's first one is used at once, later
 * ones only after esp_sa_switch_out(). */
static inline int
esp_sa_add_out(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c)
{
	return be->ops->sa_add_out(be, tunnel, c);
}

/* Send on this (installed) SA from the next packet on; atomic. */
static inline int
esp_sa_switch_out(struct esp_backend *be, uint32_t tunnel, uint32_t spi)
{
	return be->ops->sa_switch_out(be, tunnel, spi);
}

/* Delete an SA (when it is the active outbound one, the tunnel sends
 * nothing until another is switched in). -ENOENT if unknown. */
static inline int
esp_sa_del(struct esp_backend *be, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	return be->ops->sa_del(be, tunnel, spi, dir);
}

static inline int
esp_sa_stats_get(struct esp_backend *be, uint32_t tunnel, uint32_t spi, enum esp_dir dir,
    struct esp_sa_stats *st)
{
	return be->ops->sa_stats(be, tunnel, spi, dir, st);
}

/*
 * The IKE socket for UDP port `port` (normally 4500) on `local`: IKE and
 * ESP-in-UDP share the port, and the backend steers datagrams between them
 * in the kernel (the userspace backend: SO_REUSEPORT with a classic BPF
 * program, non-ESP-marker and keepalive datagrams to this socket), so that
 * IKE never waits behind ESP. The caller owns *fd (non-blocking, bound);
 * one per address and port. Datagrams on it keep the non-ESP marker. IKE
 * takes port 4500 through this call rather than binding it itself: a socket
 * of its own on the port would make tunnel_add fail with -EADDRINUSE.
 */
static inline int
esp_ike_socket(struct esp_backend *be, const struct ipaddr *local, uint16_t port, int *fd)
{
	return be->ops->ike_socket(be, local, port, fd);
}

/* Stop every thread, delete every tunnel and SA (keys wiped), free. */
static inline void
esp_backend_free(struct esp_backend *be)
{
	if (be)
		be->ops->free(be);
}

/* The userspace dataplane (ESP over TUN): vpn/esp_dp.c. */
#define ESP_WORKERS_MAX 16

struct esp_dp_cfg {
	unsigned workers; /* threads; 0: one per online CPU (<= ESP_WORKERS_MAX) */
};

/* Dataplane-wide counters (what no SA can be charged with). */
struct esp_dp_stats {
	uint64_t rx_no_sa;     /* unknown SPI */
	uint64_t rx_malformed; /* shorter than an ESP header, bad marker */
	uint64_t rx_keepalive; /* NAT-keepalives (RFC 3948 2.3) */
	uint64_t rx_ike;       /* IKE messages that reached the dataplane */
	uint64_t rx_ecn_drop;  /* CE outside, not-ECT inside (RFC 6040 4.2) */
	uint64_t tx_no_sa;     /* inner packets with no outbound SA */
	uint64_t tx_bad;       /* inner packets we could not parse or segment */
	uint64_t tx_icmp;      /* "too big" answered through the device */
	uint64_t tx_err;       /* send failures */
};

/* events is copied; it may be NULL. */
int esp_dp_new(const struct esp_dp_cfg *, const struct esp_events *, struct esp_backend **);
/* Only for a backend made by esp_dp_new(). */
void esp_dp_stats_get(struct esp_backend *, struct esp_dp_stats *);

#endif
