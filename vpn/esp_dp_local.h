/* vpn/esp_dp_local.h - private to the userspace dataplane (esp_dp.c control side, esp_worker.c packet side): its objects and how they are shared. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_ESP_DP_LOCAL_H
#define HGW_VPN_ESP_DP_LOCAL_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "vpn/esp_local.h"

/*
 * Sharing. The control thread (whoever calls the esp_backend ops, under
 * dp->lock) creates and frees every object; worker threads only read them
 * and write their own per-worker counters. Objects a worker can reach are
 * published with release stores (the inbound SPI table, a tunnel's active
 * outbound SA, epoll registrations) and unpublished before they are freed;
 * esp_dp_sync() then waits until every worker has passed a quiescent point
 * (the top of its loop, between two epoll_wait batches; a blocked worker is
 * woken) so that none can still hold them (quiescent-state-based
 * reclamation): no lock and no reference count on the per-packet path.
 */

/* Batches. A UDP receive with GRO brings up to 64 KB of one flow. */
#define ESP_RX_UDP_SLOTS    16
#define ESP_RX_UDP_SLOT	    65536
#define ESP_RX_RAW_SLOTS    64
#define ESP_RX_RAW_SLOT	    16384
#define ESP_RX_AREA	    (ESP_RX_UDP_SLOTS * ESP_RX_UDP_SLOT)
#define ESP_RX_PKTS	    1024 /* ESP packets per receive batch, most */
#define ESP_TX_AREA	    (768 * 1024)
#define ESP_TX_PKTS	    512 /* ESP packets per send batch, most */
#define ESP_TX_READS	    8	/* TUN reads per batch, most */
#define ESP_TUNBUF	    (ESP_VNET_LEN + ESP_IP_MAXPACKET + 1)
#define ESP_GSO_SEGS	    64	  /* UDP_SEGMENT: segments per datagram */
#define ESP_GSO_BYTES	    65000 /* and bytes (the IP length field bounds it) */
#define ESP_IVPOOL	    4096
#define ESP_MTU_MIN	    576
#define ESP_MTU_MAX	    9000
#define ESP_SEQ_WRAP_MARGIN (1ULL << 24) /* warn this many packets before the end */

enum esp_pe_kind {
	ESP_PE_WAKE,
	ESP_PE_TUN,
	ESP_PE_UDP,
	ESP_PE_RAW,
	ESP_PE_IKE,
};

/* What an epoll event points at. */
struct esp_pe {
	uint8_t kind;
	void   *obj; /* struct esp_tun or struct esp_ep */
};

/* One worker's counters for one SA: written by that worker only (relaxed
 * atomic stores), summed by the control thread (relaxed loads). */
struct esp_ctr {
	uint64_t pkts, bytes;
	uint64_t auth, replay, decrypt, out_drop;
	uint64_t last_ms;
};

struct esp_sa_pw {
	struct esp_cx  cx;
	struct esp_ctr c;
} __attribute__((aligned(64)));

#define ESP_FIRED_SOFT 1u
#define ESP_FIRED_HARD 2u
#define ESP_FIRED_WRAP 4u

struct esp_tun;

struct esp_dsa {
	struct esp_xf	  xf;
	uint32_t	  spi;
	enum esp_dir	  dir;
	struct esp_tun	 *tun;
	uint64_t	  soft_bytes, hard_bytes, soft_pkts, hard_pkts;
	_Atomic uint64_t  seq; /* outbound: the last number used */
	_Atomic uint64_t  life_bytes, life_pkts;
	_Atomic unsigned  fired; /* ESP_FIRED_*: each event once */
	_Atomic bool	  dead;	 /* hard lifetime: carries nothing */
	struct esp_replay rp;	 /* inbound */
	struct esp_dsa	 *next;	 /* the tunnel's SAs (control thread) */
	unsigned	  nw;
	struct esp_sa_pw  pw[]; /* one per worker */
};

/* An outer endpoint: a local address (and UDP port) shared by tunnels. */
struct esp_ep {
	struct ipaddr		local;
	uint16_t		port; /* 0: raw ESP */
	bool			udp;
	int			ike_fd;		     /* UDP: reuseport index 0 */
	bool			ike_claimed;	     /* handed to IKE: no longer polled here */
	int			fd[ESP_WORKERS_MAX]; /* UDP: one per worker; raw: [0] */
	unsigned		raw_worker;	     /* raw: the worker that receives */
	_Atomic bool		no_gso;		     /* the path refused a UDP GSO send */
	struct sockaddr_storage lss;
	socklen_t		lsl;
	struct esp_pe		pe[ESP_WORKERS_MAX], ike_pe;
	struct esp_ep	       *next;
};

/* Where a tunnel's ESP goes: the local endpoint and the peer. Replaced
 * whole (esp_tunnel_peer_set: NAT-T moved the tunnel to UDP, or the NAT's
 * mapping changed) and read once per batch. */
struct esp_out {
	struct esp_ep	       *ep;
	struct sockaddr_storage peer;
	socklen_t		peerlen;
};

struct esp_tun {
	uint32_t		  id;
	char			  ifname[IFNAMSIZ];
	unsigned		  mtu;
	uint16_t		  mss;
	_Atomic(struct esp_out *) path;
	int			  qfd[ESP_WORKERS_MAX];
	struct esp_pe		  pe[ESP_WORKERS_MAX];
	_Atomic(struct esp_dsa *) out; /* the active outbound SA */
	_Atomic bool		  gone;
	struct esp_dsa		 *sas; /* all its SAs (control thread) */
	struct esp_tun		 *next;
};

/* Inbound SAs by SPI: open addressing, replaced whole on every change. */
struct esp_spi_tab {
	uint32_t	mask;
	struct esp_dsa *slot[];
};

static inline uint32_t
esp_spi_hash(uint32_t spi)
{
	return spi * 0x9e3779b1u;
}

static inline struct esp_dsa *
esp_spi_lookup(const struct esp_spi_tab *t, uint32_t spi)
{
	struct esp_dsa *sa;

	for (uint32_t i = esp_spi_hash(spi) & t->mask;; i = (i + 1) & t->mask) {
		if (!(sa = t->slot[i]) || sa->spi == spi)
			return sa;
	}
}

struct esp_dp;

/* Lifetime accounting gathered over a batch, applied once. */
struct esp_acct {
	struct esp_dsa *sa;
	uint64_t	pkts, bytes;
};
#define ESP_ACCT_MAX 8

struct esp_worker {
	struct esp_dp	       *dp;
	unsigned		idx;
	pthread_t		th;
	bool			started;
	int			epfd, evfd;
	struct esp_pe		wake_pe;
	_Atomic uint64_t	qs; /* the epoch at its last quiescent point; 0: ended */
	struct esp_dp_stats	st; /* relaxed stores by this worker */
	uint8_t		       *rx, *plain, *tx, *tunbuf;
	struct mmsghdr		rmsg[ESP_RX_RAW_SLOTS];
	struct iovec		riov[ESP_RX_RAW_SLOTS];
	struct sockaddr_storage rname[ESP_RX_RAW_SLOTS];
	union {
		char	       buf[CMSG_SPACE(sizeof(int)) * 2]; /* GRO size, TOS */
		struct cmsghdr align;
	} rctl[ESP_RX_RAW_SLOTS];
	struct mmsghdr smsg[ESP_TX_PKTS];
	struct iovec   siov[ESP_TX_PKTS];
	union {
		char	       buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} sctl[ESP_TX_PKTS];	    /* segment size, TOS */
	uint16_t sseg[ESP_TX_PKTS]; /* segment size per message */
	uint16_t snseg[ESP_TX_PKTS];
	uint8_t	 stos[ESP_TX_PKTS]; /* outer DSCP + ECN per message */
	/* decrypted packets waiting for their device, and which device */
	struct esp_buf	tb[ESP_RX_PKTS];
	struct esp_tun *tt[ESP_RX_PKTS];
	struct iovec	wiov[ESP_GSO_SEGS + 2];
	uint8_t		wvnet[ESP_VNET_LEN];
	struct esp_acct acct[ESP_ACCT_MAX];
	unsigned	nacct;
	uint8_t		ivpool[ESP_IVPOOL];
	size_t		ivpos;
};

/* Memory unpublished on the setup path (an SPI table replaced, an ESP
 * path moved) that a worker may still read: freed once every worker has
 * passed a quiescent point at or after epoch. The control thread does
 * not wait for that (the workers may not be scheduled for a while on a
 * busy machine); it frees what is ripe at its next call. */
struct esp_retired {
	struct esp_retired *next;
	uint64_t	    epoch;
	void		   *p;
};
#define ESP_RETIRED_MAX 64 /* more waiting: one esp_dp_sync() and all go */

struct esp_dp {
	struct esp_backend	      be; /* first: the ops table */
	struct esp_events	      ev;
	pthread_mutex_t		      lock; /* control calls */
	unsigned		      nw;
	_Atomic uint64_t	      epoch;
	_Atomic(struct esp_spi_tab *) in_tab;
	_Atomic bool		      stop;
	struct esp_tun		     *tuns;
	struct esp_ep		     *eps;
	uint32_t		      next_id;
	struct esp_retired	     *retired; /* under lock */
	unsigned		      nretired;
	struct esp_worker	     *w[ESP_WORKERS_MAX];
};

/* esp_worker.c */
void *esp_worker_main(void *);
int   esp_worker_alloc(struct esp_dp *, unsigned idx, struct esp_worker **);
void  esp_worker_free(struct esp_worker *);
bool  esp_worker_self(const struct esp_dp *);

/* esp_dp.c: wait until no worker can hold what was unpublished before. */
void esp_dp_sync(struct esp_dp *);

/* Tests: set an outbound SA's last sequence number (wrap and hard limits). */
int esp_dp_sa_seq_set(struct esp_backend *, uint32_t tunnel, uint32_t spi, uint64_t seq);

static inline void
esp_ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static inline uint64_t
esp_ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif
