/* vpn/esp_local.h - private to the ESP dataplane: error codes, replay window, codec, inner-packet helpers, TUN and socket plumbing. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_ESP_LOCAL_H
#define HGW_VPN_ESP_LOCAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <openssl/evp.h>

#include "lib/secret.h"
#include "lib/wire.h"
#include "vpn/esp_sa.h"

static inline void
esp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* What went wrong with a received packet; the dataplane counts them per SA:
 * AUTH as auth_fail, REPLAY as replay_drop, DUMMY not at all, the rest as
 * decrypt_err (NO_SA and a header too short for an SPI dataplane-wide). */
enum esp_err {
	ESP_OK = 0,
	ESP_ERR_SHORT,	  /* shorter than header + IV + trailer + ICV */
	ESP_ERR_NO_SA,	  /* unknown SPI */
	ESP_ERR_LENGTH,	  /* ciphertext not a multiple of the block / 4 */
	ESP_ERR_REPLAY,	  /* seen, or older than the window */
	ESP_ERR_AUTH,	  /* integrity check value wrong */
	ESP_ERR_PAD,	  /* pad length too long, or pad bytes not 1, 2, 3... */
	ESP_ERR_NEXT_HDR, /* not 4 (IPv4) or 41 (IPv6): we only do tunnel mode */
	ESP_ERR_INNER,	  /* the inner packet is not an IP packet of its stated length */
	ESP_ERR_DUMMY,	  /* next header 59: a dummy packet, dropped silently (RFC 4303 2.6) */
	ESP_ERR_CRYPTO,	  /* the crypto library failed */
	ESP_ERR__MAX
};

const char *esp_err_str(enum esp_err);

#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59

/* --- replay window (esp_replay.c) ------------------------------------- */

#define ESP_REPLAY_WORDS 256 /* ring of 64-bit words: ESP_REPLAY_MAX + 64 bits */

/*
 * RFC 4303 3.4.3 with Appendix A2 for ESN. Thread-safe (a spin lock held for
 * a few instructions): check before the integrity check, update after it;
 * update checks again, so two threads racing with one packet accept it once.
 * Inline storage, no allocation.
 */
struct esp_replay {
	atomic_flag lock;
	bool	    esn;
	uint32_t    window; /* 0: off (ESN inference still runs) */
	uint32_t    mask;   /* ring words - 1 */
	uint64_t    top;    /* highest authenticated number; 0: none yet */
	uint64_t    bits[ESP_REPLAY_WORDS];
};

int esp_replay_init(struct esp_replay *, uint32_t window, bool esn);
/* The full number of a received low half; ESP_ERR_REPLAY if it is not new. */
enum esp_err esp_replay_check(struct esp_replay *, uint32_t seq, uint64_t *full);
/* Record an authentic packet; ESP_ERR_REPLAY if it became old meanwhile. */
enum esp_err esp_replay_update(struct esp_replay *, uint64_t full);
/* Tests and resynchronisation: forget everything but `top`, which is seen. */
void	 esp_replay_set_top(struct esp_replay *, uint64_t top);
uint64_t esp_replay_top(struct esp_replay *);

/* --- transforms and the codec (esp_codec.c) --------------------------- */

#define ESP_HDR_LEN	8 /* SPI + sequence number */
#define ESP_IV_MAX	16
#define ESP_ICV_MAX	32
#define ESP_TRAILER_MAX (15 + 2) /* padding to a 16-byte block + pad length + next header */
/* Most an ESP packet adds to its inner packet. */
#define ESP_OVERHEAD_MAX (ESP_HDR_LEN + ESP_IV_MAX + ESP_TRAILER_MAX + ESP_ICV_MAX)

/*
 * An SA's algorithms, resolved once from the IANA numbers; shared read-only
 * by every thread. Owns the fetched OpenSSL algorithm objects.
 */
struct esp_xf {
	uint32_t    spi;
	uint16_t    encr, encr_bits, integ;
	bool	    esn;
	bool	    aead;   /* GCM: integrity inside the cipher */
	uint8_t	    iv_len; /* on the wire: 8 (GCM) or 16 (CBC) */
	uint8_t	    icv_len;
	uint8_t	    align;   /* payload alignment: 4 (GCM) or 16 (CBC) */
	uint8_t	    key_len; /* cipher key bytes, without the salt */
	uint8_t	    salt[4]; /* GCM (RFC 4106 4) */
	EVP_CIPHER *cipher;
	EVP_MAC	   *mac; /* HMAC; NULL with GCM */
	const char *digest;
};

/* Resolve cfg's algorithms; -ENOTSUP for what we do not implement, -EINVAL
 * for a key of the wrong length. esp_xf_fini frees (and wipes the salt). */
int  esp_xf_init(struct esp_xf *, const struct esp_sa_cfg *);
void esp_xf_fini(struct esp_xf *);

/*
 * One thread's crypto state for one SA: the key schedule and HMAC key are
 * loaded once, only the IV changes per packet. Made by the control thread
 * when the SA is added, used by one dataplane thread at a time.
 */
struct esp_cx {
	EVP_CIPHER_CTX *c;
	EVP_MAC_CTX    *m;
};

int  esp_cx_init(struct esp_cx *, const struct esp_xf *, const struct esp_sa_cfg *,
     bool encrypt);
void esp_cx_fini(struct esp_cx *);

/* Bytes in front of the inner packet (SPI, sequence number, IV). */
static inline size_t
esp_hdr_len(const struct esp_xf *x)
{
	return ESP_HDR_LEN + x->iv_len;
}

/* Length of the ESP packet that carries `inner` bytes (RFC 4303 2.4 padding). */
size_t esp_encap_len(const struct esp_xf *, size_t inner);

/*
 * Encapsulate in place (RFC 4303 3.3, tunnel mode): buf holds the inner
 * packet at esp_hdr_len() and room up to cap; on return buf[0..*len) is the
 * ESP packet. seq is the full sequence number. iv: iv_len unpredictable
 * bytes for CBC (RFC 3602 2.1), ignored with GCM, whose IV is the sequence
 * number (RFC 4106 3.1: unique per key is all it needs).
 * Returns 0, -EMSGSIZE (no room) or -EIO (crypto failure).
 */
int esp_encap(const struct esp_xf *, struct esp_cx *, uint64_t seq, uint8_t nh,
    const uint8_t *iv, uint8_t *buf, size_t inner, size_t cap, size_t *len);

/* The SPI and low sequence number of an ESP packet (pkt starts at the SPI). */
enum esp_err esp_hdr_decode(struct wire_rd pkt, uint32_t *spi, uint32_t *seq);
/* Lengths only: would esp_decap have enough bytes, well aligned? */
enum esp_err esp_len_check(const struct esp_xf *, struct wire_rd pkt);

struct esp_inner {
	size_t	len; /* the inner IP packet, at out[0] */
	uint8_t nh;  /* ESP_NH_IPV4 or ESP_NH_IPV6 */
};

/*
 * Verify and decrypt one ESP packet whose full sequence number is seq (the
 * replay window inferred it): integrity first, in constant time (GCM: the
 * tag decides before any plaintext is looked at), then the trailer and the
 * inner packet. The plaintext goes to out (cap >= the packet's length); a
 * decoder: no allocation, no logging, no state but the crypto context.
 */
enum esp_err esp_decap(const struct esp_xf *, struct esp_cx *, uint64_t seq, struct wire_rd pkt,
    uint8_t *out, size_t cap, struct esp_inner *);

/*
 * The whole receive path of one SA for one packet: lengths, replay check,
 * esp_decap, replay update. A dummy packet (ESP_ERR_DUMMY) moves the window
 * too: it was authentic.
 */
enum esp_err esp_input(const struct esp_xf *, struct esp_cx *, struct esp_replay *,
    struct wire_rd pkt, uint8_t *out, size_t cap, struct esp_inner *, uint64_t *seq);

/* Is this a well-formed IP packet of the version nh says? Its length (TFC
 * padding after it, RFC 4303 2.7, is not part of it). */
enum esp_err esp_inner_check(struct wire_rd, uint8_t nh, size_t *ip_len);

/* --- Internet checksums (esp_csum.c) ---------------------------------- */

/*
 * A running one's-complement sum (RFC 1071) over bytes in network order,
 * kept unfolded; fold and complement once at the end. Pieces summed
 * separately must each start at an even offset of the checksummed data.
 */
uint64_t esp_csum_add(uint64_t sum, const void *, size_t);
/* The sum folded to 16 bits (network value in host order), not complemented. */
uint16_t esp_csum_fold(uint64_t sum);
/* The value for a checksum field: ~fold (host order, put with wire_put_u16). */
static inline uint16_t
esp_csum_final(uint64_t sum)
{
	return (uint16_t)~esp_csum_fold(sum);
}
/* The TCP/UDP pseudo-header sum (RFC 793 3.1, RFC 8200 8.1). src and dst
 * are 4 or 16 bytes by family. */
uint64_t esp_csum_pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    uint32_t len);

/* --- inner packets: offloads, segmentation, MSS, ICMP (esp_seg.c, esp_inner.c) */

/* struct virtio_net_hdr as TUN hands it over with IFF_VNET_HDR (little-endian
 * on the hosts we run on), decoded into host order. */
#define ESP_VNET_LEN	      10
#define ESP_VNET_F_NEEDS_CSUM 1
#define ESP_VNET_F_DATA_VALID 2
#define ESP_GSO_NONE	      0
#define ESP_GSO_TCPV4	      1
#define ESP_GSO_UDP	      3 /* UFO: never offered, refused */
#define ESP_GSO_TCPV6	      4
#define ESP_GSO_UDP_L4	      5 /* USO */
#define ESP_GSO_ECN	      0x80

struct esp_vnet {
	uint8_t	 flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

void esp_vnet_decode(const uint8_t *, struct esp_vnet *);
void esp_vnet_encode(uint8_t *, const struct esp_vnet *);

#define ESP_IP_MAXPACKET 65535

/*
 * Cuts what the TUN device handed over (one packet, or a TSO/USO
 * super-packet of up to 64 KB) into IP packets of at most the inner MTU,
 * each complete: lengths, IPv4 IDs, TCP sequence numbers and flags, and
 * every checksum fixed per segment (a packet that only needs its checksum
 * finished, csum_start/csum_offset, gets it). Reads the input through
 * lib/wire; writes only the caller's output buffers.
 */
struct esp_seg {
	const uint8_t *pkt; /* borrowed: the TUN read buffer */
	size_t	       len;
	int	       family; /* of the packet */
	uint8_t	       proto;  /* IPPROTO_TCP / UDP when gso */
	bool	       gso;
	size_t	       l3, l4; /* header lengths (gso) */
	size_t	       mss;    /* payload per segment (gso) */
	size_t	       off;    /* payload bytes done (gso) */
	unsigned       idx;    /* segments done */
	uint16_t       ip_id;
	uint32_t       tcp_seq;
	uint8_t	       tcp_flags;
};

/*
 * pkt (without the virtio header) may be changed in place (checksum
 * completion). Returns 0, -EMSGSIZE when a non-GSO packet exceeds mtu (the
 * caller answers with esp_icmp_too_big if esp_may_frag_report says so), or
 * -EINVAL for what cannot be segmented (malformed, UFO, extension headers).
 */
int esp_seg_init(struct esp_seg *, const struct esp_vnet *, uint8_t *pkt, size_t len,
    unsigned mtu);
/* Segments still to come (all of them right after init). */
unsigned esp_seg_left(const struct esp_seg *);
/* The next segment into out; its length, 0 when done, or -EMSGSIZE (cap). */
int esp_seg_next(struct esp_seg *, uint8_t *out, size_t cap);
/* The length of the next segment (0 when done), without producing it. */
size_t esp_seg_peek_len(const struct esp_seg *);

/*
 * Clamp the MSS option of a TCP SYN (IPv4 or IPv6 without extension
 * headers) to mss, and to what fits the mtu (IPv6 headers take 20 bytes
 * more), fixing the TCP checksum incrementally (RFC 1624). Returns true
 * when the packet changed. Anything else is left alone.
 */
bool esp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss, unsigned mtu);

/* Should a too-big packet be answered with "fragmentation needed" /
 * "packet too big"? (DF set or IPv6; not about an ICMP error, not a
 * non-first fragment, RFC 1812 4.3.2.7, RFC 4443 2.4.) */
bool esp_may_frag_report(const uint8_t *pkt, size_t len);
/*
 * Write the ICMP "fragmentation needed" (RFC 792, RFC 1191 4) or ICMPv6
 * "packet too big" (RFC 4443 3.2) answer to pkt into out, from pkt's
 * destination to its source, quoting as much of pkt as the rules allow
 * (576 / 1280 bytes in all). Returns its length, or -EINVAL.
 */
int esp_icmp_too_big(const uint8_t *pkt, size_t len, unsigned mtu, uint8_t *out, size_t cap);

/* The DSCP + ECN byte of an IPv4 or IPv6 packet (0 if it is neither). The
 * outer header gets it whole: DSCP copied (RFC 4301 5.1.2.1), ECN copied
 * (RFC 6040 4.1, normal mode). */
uint8_t esp_inner_tos(const uint8_t *pkt, size_t len);
/*
 * Decapsulation of ECN (RFC 6040 4.2): fold the outer ECN field into the
 * inner packet (CE, or ECT(1) over ECT(0)), fixing the IPv4 header
 * checksum. Returns false when the packet must be dropped: CE outside a
 * packet whose transport does not do ECN.
 */
bool esp_ecn_decap(uint8_t *pkt, size_t len, uint8_t outer_tos);

/* --- TUN device and outer sockets (esp_tun.c, esp_sock.c) ------------- */

/* Open one more queue of multi-queue TUN device `name` (the first creates
 * it), non-blocking, with virtio-net headers. The device goes away with its
 * last queue. */
int esp_tun_open_queue(const char *name, int *fd);
/* Checksum + TSO4/6 (+ USO4/6 where the kernel has them, *uso says). */
int esp_tun_offload(int fd, bool *uso);
/* Set the MTU and a long transmit queue, bring the device up. */
int esp_tun_up(const char *name, unsigned mtu);

/*
 * A UDP port shared by IKE and ESP (RFC 3948): the IKE socket (non-blocking;
 * reuseport index 0) and one blocking dataplane socket per worker (UDP_GRO,
 * big buffers), all bound to local:port, steered by esp_sock.c's program.
 */
int esp_udp_group_open(const struct ipaddr *local, uint16_t port, unsigned nworkers,
    int *ike_fd, int *fds);
/* A raw IP protocol 50 socket bound to local. */
int esp_raw_open(const struct ipaddr *local, int *fd);

enum esp_udp_kind {
	ESP_UDP_ESP,
	ESP_UDP_IKE,	   /* non-ESP marker: an IKE message follows */
	ESP_UDP_KEEPALIVE, /* one 0xff byte */
	ESP_UDP_MALFORMED, /* shorter than a marker */
};

/* What a datagram on the ESP-in-UDP port is (RFC 3948 2.2, 2.3). */
enum esp_udp_kind esp_udp_classify(struct wire_rd);

/* --- receive coalescing for the TUN write (esp_gro.c) ----------------- */

struct esp_buf {
	uint8_t *p;
	size_t	 len;
};

/* How many of pkts[0..n) (decrypted inner packets, in arrival order, for
 * one device) can go to TUN as one TCP super-packet led by pkts[0]: 1 when
 * pkts[0] merges with nothing. */
unsigned esp_gro_span(const struct esp_buf *pkts, unsigned n);
/* Make pkts[0..k) (k >= 2, as esp_gro_span allowed) one write: patches
 * pkts[0]'s headers, writes the virtio header into vnet, and fills iov
 * with k + 1 entries (virtio header, pkts[0], the other payloads). 0, or
 * -EINVAL when pkts[0] or pkts[k - 1] is no segment esp_gro_span() would
 * merge (nothing is written then). */
int esp_gro_build(const struct esp_buf *pkts, unsigned k, uint8_t *vnet, struct iovec *iov);

#endif
