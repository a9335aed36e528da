/* vpn/ike_codec.h - the IKEv2 message codec: header, payload chain, every payload (pure, no allocation). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_IKE_CODEC_H
#define HGW_VPN_IKE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire.h"
#include "vpn/ipsec_ids.h"

/*
 * Ownership in one paragraph:
 * - Decoders are pure: no SA state, no allocation, no logging. struct
 *   ike_msg is filled by value (caller-owned, usually on the stack); every
 *   struct wire_rd inside it is BORROWED from the datagram (or from the
 *   decrypted buffer for inner payloads) and valid only while those bytes
 *   are untouched.
 * - The encoder writes into a caller-owned struct wire_wr and never
 *   allocates. IKE_MSG_MAX bytes always hold what we send.
 *
 * An exchange reads naturally with it:
 *	err = ike_msg_decode(wire_rd_init(buf, n), &m);    header + outer chain
 *	ike_sk_open(...) ; ike_msg_decode_inner(&m, ...);   after decryption
 *	ike_enc_init(&e, &w, &hdr); ike_enc_nonce(&e, ...); ike_enc_end(&e);
 */

#define IKE_HDR_LEN	     28	   /* RFC 7296 3.1 */
#define IKE_PL_HDR_LEN	     4	   /* RFC 7296 3.2 */
#define IKE_MSG_MAX	     65535 /* the header length field we accept */
#define IKE_PL_FLAG_CRITICAL 0x80
#define IKE_NONCE_MIN	     16 /* RFC 7296 3.9 */
#define IKE_NONCE_MAX	     256

/*
 * What a decoder tells its caller (RFC 7296 2.21, 3.10.1): IKE_OK, a notify
 * error type to answer with, or IKE_ERR_DROP (discard without an answer).
 * INVALID_SYNTAX may only be sent inside a protected message (3.10.1):
 * for IKE_SA_INIT the caller drops instead. Nothing is ever answered to a
 * response; that too is the caller's call, since it knows the R flag.
 */
enum ike_err {
	IKE_OK = 0,
	IKE_ERR_UNSUPPORTED_CRITICAL = IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
	IKE_ERR_MAJOR_VERSION = IKE_N_INVALID_MAJOR_VERSION,
	IKE_ERR_SYNTAX = IKE_N_INVALID_SYNTAX,
	IKE_ERR_NO_PROPOSAL = IKE_N_NO_PROPOSAL_CHOSEN,
	IKE_ERR_INVALID_KE = IKE_N_INVALID_KE_PAYLOAD,
	IKE_ERR_AUTH_FAILED = IKE_N_AUTHENTICATION_FAILED,
	IKE_ERR_DROP = 0x10000, /* not a notify type */
};

/* Bounds of struct ike_msg: a message with more of one kind is refused
 * with INVALID_SYNTAX (no real peer comes close). */
#define IKE_MAX_PROPOSALS 32  /* per SA payload */
#define IKE_MAX_XFORMS	  160 /* per SA payload, all proposals */
#define IKE_MAX_NOTIFY	  16
#define IKE_MAX_CERT	  8
#define IKE_MAX_CERTREQ	  8
#define IKE_MAX_DELETE	  8
#define IKE_MAX_VENDOR	  16
#define IKE_MAX_TS	  16 /* per TS payload */

/* RFC 7296 3.1. SPIs are host-order integers of the 8 wire bytes. */
struct ike_hdr {
	uint64_t ispi, rspi;
	uint8_t	 next;	   /* first payload */
	uint8_t	 version;  /* IKE_VERSION_2 when sending */
	uint8_t	 exchange; /* enum ike_exchange */
	uint8_t	 flags;	   /* IKE_FLAG_* */
	uint32_t msgid;
	uint32_t length; /* filled by decode and by ike_enc_end */
};

/* RFC 7296 3.3.2, 3.3.5: a transform as carried; keylen 0 = no Key Length
 * attribute. unknown_attr: an attribute we do not understand was present,
 * so the transform can never be selected (3.3.6). */
struct ike_xform_pl {
	uint8_t	 type; /* enum ike_xform_type */
	bool	 unknown_attr;
	uint16_t id;
	uint16_t keylen; /* bits */
};

/* RFC 7296 3.3.1. Its transforms are sa->xf[first .. first + nxf). */
struct ike_prop_pl {
	uint8_t	 num;
	uint8_t	 proto;	   /* enum ipsec_proto */
	uint8_t	 spi_size; /* 0, 4 or 8 */
	uint8_t	 nxf;
	uint16_t first;
	uint64_t spi;
};

struct ike_sa_pl {
	uint8_t		    nprop;
	uint16_t	    nxf;
	struct ike_prop_pl  prop[IKE_MAX_PROPOSALS];
	struct ike_xform_pl xf[IKE_MAX_XFORMS];
};

struct ike_ke_pl { /* RFC 7296 3.4 */
	uint16_t       group;
	struct wire_rd data;
};

struct ike_id_pl {	     /* RFC 7296 3.5 */
	uint8_t	       type; /* enum ike_id_type */
	struct wire_rd data;
	struct wire_rd body; /* type .. data: IDi'/IDr' of 2.15 */
};

struct ike_cert_pl { /* RFC 7296 3.6, 3.7 (CERT and CERTREQ) */
	uint8_t	       encoding;
	struct wire_rd data;
};

struct ike_auth_pl {	       /* RFC 7296 3.8 */
	uint8_t	       method; /* enum ike_auth_method */
	struct wire_rd data;
};

struct ike_notify_pl { /* RFC 7296 3.10 */
	uint8_t	       proto;
	uint8_t	       spi_size;
	uint16_t       type; /* enum ike_notify */
	struct wire_rd spi;
	struct wire_rd data;
};

struct ike_delete_pl { /* RFC 7296 3.11 */
	uint8_t	       proto;
	uint8_t	       spi_size; /* 0 for IKE, 4 for ESP/AH */
	uint16_t       nspi;
	struct wire_rd spis; /* nspi * spi_size bytes */
};

/* RFC 7296 3.13.1. Addresses are 4 (IPv4) or 16 bytes, at the start of
 * start/end. Ports 65535..0 is OPAQUE (RFC 4301). */
struct ike_ts {
	uint8_t	 type;	  /* enum ike_ts_type */
	uint8_t	 ipproto; /* 0 = any */
	uint16_t sport, eport;
	uint8_t	 start[16], end[16];
};

struct ike_ts_pl {
	uint8_t	      n;
	uint8_t	      skipped; /* selectors of a type we do not know */
	struct ike_ts ts[IKE_MAX_TS];
};

/* RFC 7296 3.14 / RFC 7383 2.5: the protected body (IV | ciphertext |
 * ICV) of the last payload; first names the first inner payload (0 in
 * fragments other than the first). The bytes before body in the message
 * (header, earlier payloads, SK header) are what the ICV and AAD cover. */
struct ike_sk_pl {
	uint8_t	       first;
	uint16_t       frag_num, frag_total; /* SKF only; 1/1 for SK */
	struct wire_rd body;
};

struct ike_msg {
	struct ike_hdr hdr;
	struct wire_rd raw;	    /* the whole message */
	uint8_t	       count[64];   /* payloads seen, by type */
	uint8_t	       err_payload; /* UNSUPPORTED_CRITICAL_PAYLOAD data */
	bool	       inner_done;  /* ike_msg_decode_inner ran */

	struct ike_sa_pl   sa;
	struct ike_ke_pl   ke;
	struct ike_id_pl   idi, idr;
	struct ike_auth_pl auth;
	struct wire_rd	   nonce;
	struct ike_ts_pl   tsi, tsr;
	struct wire_rd	   cp, eap; /* carried, not interpreted */
	struct ike_sk_pl   sk;	    /* SK or SKF */

	uint8_t		     ncert, ncertreq, nnotify, ndelete, nvendor;
	struct ike_cert_pl   cert[IKE_MAX_CERT];
	struct ike_cert_pl   certreq[IKE_MAX_CERTREQ];
	struct ike_notify_pl notify[IKE_MAX_NOTIFY];
	struct ike_delete_pl del[IKE_MAX_DELETE];
	struct wire_rd	     vendor[IKE_MAX_VENDOR];
};

/* Decode the 28-byte header only (RFC 7296 3.1): DROP when shorter, when
 * the length field is not the datagram's length or the initiator SPI is
 * zero; MAJOR_VERSION for a major version other than 2 (h is filled so
 * the caller can answer). Minor version and reserved flags are ignored. */
enum ike_err ike_hdr_decode(struct wire_rd dgram, struct ike_hdr *h);

/* Header and outer payload chain of one datagram (no non-ESP marker).
 * An SK/SKF payload must be the last one; its inner chain waits for
 * ike_msg_decode_inner(). On UNSUPPORTED_CRITICAL m->err_payload is the
 * payload type to return in the notify. */
enum ike_err ike_msg_decode(struct wire_rd dgram, struct ike_msg *m);

/* The inner chain of a decrypted SK payload (or a reassembled SKF set),
 * added to m with the same table; first is m->sk.first (of fragment 1).
 * SK/SKF inside SK is INVALID_SYNTAX. */
enum ike_err ike_msg_decode_inner(struct ike_msg *m, uint8_t first, struct wire_rd inner);

/* Decode one SA payload body (RFC 7296 3.3); also what ike_msg_decode
 * uses. Exposed for the fuzzer and tests. */
enum ike_err ike_sa_decode(struct wire_rd body, struct ike_sa_pl *sa);

static inline bool
ike_msg_has(const struct ike_msg *m, uint8_t type)
{
	return type < 64 && m->count[type] > 0;
}

/* The first notify of that type, or NULL. Borrowed from m. */
const struct ike_notify_pl *ike_msg_notify(const struct ike_msg *m, uint16_t type);
/* The first error notify (type 1..16383) in m, or NULL. */
const struct ike_notify_pl *ike_msg_notify_error(const struct ike_msg *m);

/* ---- encoder ---- */

/*
 * Writes a message into w from its current offset (a caller on port 4500
 * puts the non-ESP marker first). Each ike_enc_* call writes one whole
 * payload and links it into the chain (the previous next-payload field is
 * patched); payloads written after ike_enc_sk_begin() go inside the SK
 * payload, which ike_sk_seal() (vpn/ike_crypto.h) closes. All calls are
 * no-ops after w overflowed; ike_enc_end() reports it.
 */
struct ike_enc {
	struct wire_wr *w;
	size_t		start; /* offset of the IKE header in w */
	size_t		np_at; /* next-payload field to patch */
	uint8_t		np_lo; /* the byte after it, rewritten as is */
	bool		in_sk;
	size_t		sk_at;	 /* SK/SKF generic header */
	size_t		sk_iv;	 /* where its IV starts */
	uint8_t		sk_type; /* IKE_PL_SK or IKE_PL_SKF */
	bool		failed;	 /* a misuse (sticky, like overflow) */
};

void ike_enc_init(struct ike_enc *e, struct wire_wr *w, const struct ike_hdr *h);
/* Patch the header's length; 0, or -EMSGSIZE on overflow / misuse. With
 * an SK payload open, call ike_sk_seal() instead (it ends the message). */
int ike_enc_end(struct ike_enc *e);

void ike_enc_sa(struct ike_enc *e, const struct ike_sa_pl *sa);
void ike_enc_ke(struct ike_enc *e, uint16_t group, const void *data, size_t len);
/* type is IKE_PL_IDI or IKE_PL_IDR. */
void ike_enc_id(struct ike_enc *e, uint8_t type, uint8_t id_type, const void *data, size_t len);
void ike_enc_cert(struct ike_enc *e, uint8_t encoding, const void *data, size_t len);
void ike_enc_certreq(struct ike_enc *e, uint8_t encoding, const void *data, size_t len);
void ike_enc_auth(struct ike_enc *e, uint8_t method, const void *data, size_t len);
void ike_enc_nonce(struct ike_enc *e, const void *data, size_t len);
/* spi is spi_size bytes (0, 4 or 8), in wire order. */
void ike_enc_notify(struct ike_enc *e, uint8_t proto, uint16_t type, const void *spi,
    uint8_t spi_size, const void *data, size_t len);
/* spis holds nspi * spi_size bytes in wire order. */
void ike_enc_delete(struct ike_enc *e, uint8_t proto, uint8_t spi_size, uint16_t nspi,
    const void *spis);
void ike_enc_vendor(struct ike_enc *e, const void *data, size_t len);
/* type is IKE_PL_TSI or IKE_PL_TSR; n >= 1. */
void ike_enc_ts(struct ike_enc *e, uint8_t type, const struct ike_ts *ts, size_t n);
/* Any payload from its body bytes (CP, or a type the table lacks). */
void ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical, const void *body, size_t len);

/* Open the SK payload (RFC 7296 3.14) with iv_len zero bytes reserved
 * for the IV; the following ike_enc_* calls are its inner payloads. */
void ike_enc_sk_begin(struct ike_enc *e, size_t iv_len);
/* Open an SKF payload (RFC 7383 2.5); the caller then writes this
 * fragment's share of the inner chain with ike_enc_bytes(). first is the
 * first inner payload's type in fragment 1 and 0 in the others. */
void ike_enc_skf_begin(struct ike_enc *e, size_t iv_len, uint8_t first, uint16_t num,
    uint16_t total);
void ike_enc_bytes(struct ike_enc *e, const void *p, size_t len);
/* For ike_sk_seal(): close the open SK/SKF payload at the current end of
 * w and patch its length and the message's; 0 or -EMSGSIZE / -EINVAL. */
int ike_enc_close_sk(struct ike_enc *e);

#endif
