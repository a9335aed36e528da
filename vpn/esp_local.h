/* vpn/esp_local.h - private to the ESP dataplane: error codes, replay window, codec, inner-packet helpers, TUN and socket plumbing. */
#ifndef HGW_VPN_ESP_LOCAL_H
#define HGW_VPN_ESP_LOCAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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

/* What went wrong with a received packet; the dataplane counts them per SA
 * (esp_err_counter() says where). */
enum esp_err {
	ESP_OK = 0,
	ESP_ERR_SHORT,		/* shorter than header + IV + trailer + ICV */
	ESP_ERR_NO_SA,		/* unknown SPI */
	ESP_ERR_LENGTH,		/* ciphertext not a multiple of the block / 4 */
	ESP_ERR_REPLAY,		/* seen, or older than the window */
	ESP_ERR_AUTH,		/* integrity check value wrong */
	ESP_ERR_PAD,		/* pad length too long, or pad bytes not 1, 2, 3... */
	ESP_ERR_NEXT_HDR,	/* not 4 (IPv4) or 41 (IPv6): we only do tunnel mode */
	ESP_ERR_INNER,		/* the inner packet is not an IP packet of its stated length */
	ESP_ERR_DUMMY,		/* next header 59: a dummy packet, dropped silently (RFC 4303 2.6) */
	ESP_ERR_CRYPTO,		/* the crypto library failed */
	ESP_ERR__MAX
};

const char	*esp_err_str(enum esp_err);

#define ESP_NH_IPV4	4
#define ESP_NH_IPV6	41
#define ESP_NH_NONE	59

/* --- replay window (esp_replay.c) ------------------------------------- */

#define ESP_REPLAY_WORDS	256	/* ring of 64-bit words: ESP_REPLAY_MAX + 64 bits */

/*
 * RFC 4303 3.4.3 with Appendix A2 for ESN. Thread-safe (a spin lock held for
 * a few instructions): check before the integrity check, update after it;
 * update checks again, so two threads racing with one packet accept it once.
 * Inline storage, no allocation.
 */
struct esp_replay {
	atomic_flag	 lock;
	bool		 esn;
	uint32_t	 window;	/* 0: off (ESN inference still runs) */
	uint32_t	 mask;		/* ring words - 1 */
	uint64_t	 top;		/* highest authenticated number; 0: none yet */
	uint64_t	 bits[ESP_REPLAY_WORDS];
};

int		esp_replay_init(struct esp_replay *, uint32_t window, bool esn);
/* The full number of a received low half; ESP_ERR_REPLAY if it is not new. */
enum esp_err	esp_replay_check(struct esp_replay *, uint32_t seq, uint64_t *full);
/* Record an authentic packet; ESP_ERR_REPLAY if it became old meanwhile. */
enum esp_err	esp_replay_update(struct esp_replay *, uint64_t full);
/* Tests and resynchronisation: forget everything but `top`, which is seen. */
void		esp_replay_set_top(struct esp_replay *, uint64_t top);
uint64_t	esp_replay_top(struct esp_replay *);

/* --- transforms and the codec (esp_codec.c) --------------------------- */

#define ESP_HDR_LEN	8		/* SPI + sequence number */
#define ESP_IV_MAX	16
#define ESP_ICV_MAX	32
#define ESP_TRAILER_MAX	(15 + 2)	/* padding to a 16-byte block + pad length + next header */
/* Most an ESP packet adds to its inner packet. */
#define ESP_OVERHEAD_MAX (ESP_HDR_LEN + ESP_IV_MAX + ESP_TRAILER_MAX + ESP_ICV_MAX)

/*
 * An SA's algorithms, resolved once from the IANA numbers; shared read-only
 * by every thread. Owns the fetched OpenSSL algorithm objects.
 */
struct esp_xf {
	uint32_t	 spi;
	uint16_t	 encr, encr_bits, integ;
	bool		 esn;
	bool		 aead;		/* GCM: integrity inside the cipher */
	uint8_t		 iv_len;	/* on the wire: 8 (GCM) or 16 (CBC) */
	uint8_t		 icv_len;
	uint8_t		 align;		/* payload alignment: 4 (GCM) or 16 (CBC) */
	uint8_t		 key_len;	/* cipher key bytes, without the salt */
	uint8_t		 salt[4];	/* GCM (RFC 4106 4) */
	EVP_CIPHER	*cipher;
	EVP_MAC		*mac;		/* HMAC; NULL with GCM */
	const char	*digest;
};

/* Resolve cfg's algorithms; -ENOTSUP for what we do not implement, -EINVAL
 * for a key of the wrong length. esp_xf_fini frees (and wipes the salt). */
int	esp_xf_init(struct esp_xf *, const struct esp_sa_cfg *);
void	esp_xf_fini(struct esp_xf *);

/*
 * One thread's crypto state for one SA: the key schedule and HMAC key are
 * loaded once, only the IV changes per packet. Made by the control thread
 * when the SA is added, used by one dataplane thread at a time.
 */
struct esp_cx {
	EVP_CIPHER_CTX	*c;
	EVP_MAC_CTX	*m;
};

int	esp_cx_init(struct esp_cx *, const struct esp_xf *, const struct esp_sa_cfg *,
	    bool encrypt);
void	esp_cx_fini(struct esp_cx *);

/* Bytes in front of the inner packet (SPI, sequence number, IV). */
static inline size_t
esp_hdr_len(const struct esp_xf *x)
{
	return ESP_HDR_LEN + x->iv_len;
}

/* Length of the ESP packet that carries `inner` bytes (RFC 4303 2.4 padding). */
size_t	esp_encap_len(const struct esp_xf *, size_t inner);

/*
 * Encapsulate in place (RFC 4303 3.3, tunnel mode): buf holds the inner
 * packet at esp_hdr_len() and room up to cap; on return buf[0..*len) is the
 * ESP packet. seq is the full sequence number. iv: iv_len unpredictable
 * bytes for CBC (RFC 3602 2.1), ignored with GCM, whose IV is the sequence
 * number (RFC 4106 3.1: unique per key is all it needs).
 * Returns 0, -EMSGSIZE (no room) or -EIO (crypto failure).
 */
int	esp_encap(const struct esp_xf *, struct esp_cx *, uint64_t seq, uint8_t nh,
	    const uint8_t *iv, uint8_t *buf, size_t inner, size_t cap, size_t *len);

/* The SPI and low sequence number of an ESP packet (pkt starts at the SPI). */
enum esp_err	esp_hdr_decode(struct wire_rd pkt, uint32_t *spi, uint32_t *seq);
/* Lengths only: would esp_decap have enough bytes, well aligned? */
enum esp_err	esp_len_check(const struct esp_xf *, struct wire_rd pkt);

struct esp_inner {
	size_t		 len;		/* the inner IP packet, at out[0] */
	uint8_t		 nh;		/* ESP_NH_IPV4 or ESP_NH_IPV6 */
};

/*
 * Verify and decrypt one ESP packet whose full sequence number is seq (the
 * replay window inferred it): integrity first, in constant time (GCM: the
 * tag decides before any plaintext is looked at), then the trailer and the
 * inner packet. The plaintext goes to out (cap >= the packet's length); a
 * decoder: no allocation, no logging, no state but the crypto context.
 */
enum esp_err	esp_decap(const struct esp_xf *, struct esp_cx *, uint64_t seq,
		    struct wire_rd pkt, uint8_t *out, size_t cap, struct esp_inner *);

/*
 * The whole receive path of one SA for one packet: lengths, replay check,
 * esp_decap, replay update. A dummy packet (ESP_ERR_DUMMY) moves the window
 * too: it was authentic.
 */
enum esp_err	esp_input(const struct esp_xf *, struct esp_cx *, struct esp_replay *,
		    struct wire_rd pkt, uint8_t *out, size_t cap, struct esp_inner *,
		    uint64_t *seq);

/* Is this a well-formed IP packet of the version nh says? Its length (TFC
 * padding after it, RFC 4303 2.7, is not part of it). */
enum esp_err	esp_inner_check(struct wire_rd, uint8_t nh, size_t *ip_len);

#endif
