/* bgp/bgp_codec.h - internal BGP-4 message and path attribute codec (pure: no sockets, no FSM). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_BGP_BGP_CODEC_H
#define HGW_BGP_BGP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/hash.h"
#include "lib/prefix.h"
#include "lib/wire.h"

/*
 * Ownership in one paragraph:
 * - Decoders are pure: they never allocate and never log. Every pointer or
 *   wire_rd they hand back is BORROWED from the message bytes the caller
 *   passed in, or from the caller-owned struct bgp_upd_scratch; it is valid
 *   only while those are untouched.
 * - Encoders write into a caller-owned buffer through struct wire_wr and
 *   never allocate. A buffer of BGP_MAX_EXT_MSG bytes is always enough.
 * - struct bgp_attrs returned by bgp_attrs_intern() is shared and
 *   refcounted: the caller owns one reference and drops it with
 *   bgp_attrs_put(). Interned sets are immutable. A "tmp" bgp_attrs (from
 *   the UPDATE decoder or built by hand) is never passed to get/put.
 * All functions run on the loop thread (the intern table is not locked).
 */

#define BGP_PORT	179
#define BGP_MARKER_LEN	16
#define BGP_HDR_LEN	19
#define BGP_MAX_MSG	4096  /* RFC 4271 4.1 */
#define BGP_MAX_EXT_MSG 65535 /* RFC 8654 */
#define BGP_VERSION	4
#define BGP_AS_TRANS	23456 /* RFC 6793 */

#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* NOTIFICATION error codes (RFC 4271 4.5) and subcodes. */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 */
};
enum bgp_err_header_sub {
	BGP_ERR_HDR_SYNC = 1,
	BGP_ERR_HDR_LEN = 2,
	BGP_ERR_HDR_TYPE = 3,
};
enum bgp_err_open_sub {
	BGP_ERR_OPEN_UNSPEC = 0,
	BGP_ERR_OPEN_VERSION = 1,
	BGP_ERR_OPEN_PEER_AS = 2,
	BGP_ERR_OPEN_BGPID = 3,
	BGP_ERR_OPEN_OPTPARAM = 4,
	BGP_ERR_OPEN_HOLDTIME = 6,
	BGP_ERR_OPEN_CAPABILITY = 7, /* RFC 5492 */
	BGP_ERR_OPEN_ROLE = 11,	     /* RFC 9234 */
};
enum bgp_err_update_sub {
	BGP_ERR_UPD_ATTR_LIST = 1,
	BGP_ERR_UPD_WELLKNOWN = 2, /* unrecognized well-known attribute */
	BGP_ERR_UPD_MISSING = 3,   /* missing well-known attribute */
	BGP_ERR_UPD_FLAGS = 4,
	BGP_ERR_UPD_LENGTH = 5,
	BGP_ERR_UPD_ORIGIN = 6,
	BGP_ERR_UPD_NEXTHOP = 8,
	BGP_ERR_UPD_OPTIONAL = 9,
	BGP_ERR_UPD_NETWORK = 10,
	BGP_ERR_UPD_ASPATH = 11,
};
enum bgp_err_cease_sub {
	BGP_ERR_CEASE_MAXPFX = 1,
	BGP_ERR_CEASE_SHUTDOWN = 2,
	BGP_ERR_CEASE_DECONFIG = 3,
	BGP_ERR_CEASE_RESET = 4,
	BGP_ERR_CEASE_REJECTED = 5,
	BGP_ERR_CEASE_CONFIG = 6,
	BGP_ERR_CEASE_COLLISION = 7,
	BGP_ERR_CEASE_RESOURCES = 8,
	BGP_ERR_CEASE_HARD_RESET = 9, /* RFC 8538 */
	BGP_ERR_CEASE_BFD_DOWN = 10,  /* RFC 9384 */
};
enum bgp_err_fsm_sub { /* RFC 6608 */
	BGP_ERR_FSM_UNSPEC = 0,
	BGP_ERR_FSM_OPENSENT = 1,
	BGP_ERR_FSM_OPENCONFIRM = 2,
	BGP_ERR_FSM_ESTABLISHED = 3,
};
#define BGP_ERR_RR_LEN 1 /* RFC 7313: invalid ROUTE-REFRESH length */

/*
 * A NOTIFICATION to send or one received. The data goes on the wire as
 * inl[0..inl_len) followed by data[0..data_len). data is BORROWED (from the
 * decoded message, or from a caller's buffer when encoding). Decoders that
 * fail fill one of these with what the FSM should send.
 */
struct bgp_notify {
	uint8_t	       code, subcode;
	uint8_t	       inl_len;
	uint8_t	       inl[6];
	const uint8_t *data;
	size_t	       data_len;
};

/* Set n to code/subcode with no data. */
void bgp_notify_set(struct bgp_notify *n, uint8_t code, uint8_t subcode);
/* Cease subcode (Administrative Shutdown or Reset) carrying an RFC 9003
 * shutdown communication: text (UTF-8, cut to 255 octets) is copied into
 * buf (caller's, at least 256 bytes, must outlive the encode) and n->data
 * points at it. */
void bgp_notify_set_shutdown(struct bgp_notify *n, uint8_t subcode, const char *text,
    uint8_t *buf, size_t buflen);
/* "Cease/Administrative Shutdown" etc.; never NULL. */
const char *bgp_notify_str(uint8_t code, uint8_t subcode);
/* RFC 8203/9003 shutdown communication of a received Cease 2 or 4, copied
 * into buf as a NUL-terminated string, control characters replaced by '?'
 * (UTF-8 kept).
 * Returns 0, or -ENOENT when there is none or it is malformed. */
int bgp_notify_shutdown_msg(const struct bgp_notify *, char *buf, size_t len);

/* --- Message header (RFC 4271 4.1) --- */

struct bgp_hdr {
	uint16_t len;  /* whole message, header included */
	uint8_t	 type; /* enum bgp_msg_type */
};

/*
 * Decode the first BGP_HDR_LEN bytes of r (r may hold more; only the header
 * is consumed). max_len is BGP_MAX_MSG, or BGP_MAX_EXT_MSG once extended
 * messages are negotiated (RFC 8654). Checks the marker, the length against
 * max_len and the per-type minimum/exact sizes, and the type.
 * Returns 0, -EAGAIN if fewer than BGP_HDR_LEN bytes are in r (nothing
 * consumed, n untouched), or -EBADMSG with n filled (Message Header Error).
 */
int bgp_hdr_decode(struct wire_rd *r, size_t max_len, struct bgp_hdr *h, struct bgp_notify *n);
/*
 * Frame the next whole message of a byte stream: on 0, *body is a borrowed
 * view of its body and *stream has advanced past it; -EAGAIN when the
 * message is not complete yet (nothing consumed); -EBADMSG with n filled
 * on a header error (bgp_hdr_decode()).
 */
int bgp_msg_frame(struct wire_rd *stream, size_t max_len, struct bgp_hdr *h,
    struct wire_rd *body, struct bgp_notify *n);
/* Write a header with a zero length; returns the offset of the message start
 * for bgp_msg_finish(), which patches the length. */
size_t bgp_msg_begin(struct wire_wr *w, uint8_t type);
void   bgp_msg_finish(struct wire_wr *w, size_t start);

/* --- OPEN and capabilities (RFC 4271 4.2, RFC 5492) --- */

enum bgp_cap_code {
	BGP_CAP_MP = 1,		   /* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2, /* RFC 2918 */
	BGP_CAP_EXT_NEXTHOP = 5,   /* RFC 8950 (not supported, parsed as unknown) */
	BGP_CAP_EXT_MSG = 6,	   /* RFC 8654 */
	BGP_CAP_GR = 64,	   /* RFC 4724 */
	BGP_CAP_AS4 = 65,	   /* RFC 6793 */
	BGP_CAP_ENHANCED_RR = 70,  /* RFC 7313 */
	BGP_CAP_RR_OLD = 128,	   /* pre-standard Cisco route refresh */
};

#define BGP_GR_F_RESTART       0x8  /* restart flags (4 bits): R */
#define BGP_GR_F_NOTIFICATION  0x4  /* N, RFC 8538 */
#define BGP_GR_AF_F_FORWARDING 0x80 /* per-AFI flags: F */
#define BGP_GR_MAX_AF	       4

struct bgp_gr_af {
	uint16_t afi;
	uint8_t	 safi;
	uint8_t	 flags; /* BGP_GR_AF_F_* */
};

/* Capabilities advertised (encode input) or received (decode output). */
struct bgp_caps {
	bool		 mp_ipv4;	/* MP ipv4/unicast */
	bool		 mp_ipv6;	/* MP ipv6/unicast */
	bool		 mp_seen;	/* any MP capability received (else IPv4 implied) */
	bool		 route_refresh; /* code 2 (or 128 received) */
	bool		 enhanced_rr;	/* RFC 7313 */
	bool		 as4;
	uint32_t	 as4_asn; /* the 4-octet AS in the capability */
	bool		 ext_msg;
	bool		 gr;
	uint8_t		 gr_flags; /* BGP_GR_F_* (4 bits) */
	uint16_t	 gr_time;  /* 12 bits, seconds */
	uint8_t		 gr_af_count;
	struct bgp_gr_af gr_af[BGP_GR_MAX_AF];
	uint16_t	 unknown_count; /* received caps we ignore (kept count only) */
	uint8_t		 unknown_first; /* code of the first one, for show/logs */
};

struct bgp_open {
	uint8_t		version;
	uint16_t	my_as; /* the 2-octet field (AS_TRANS for 4-octet ASes) */
	uint16_t	hold_time;
	uint32_t	bgp_id; /* host order */
	struct bgp_caps caps;
	uint32_t	asn; /* effective AS: caps.as4_asn if caps.as4 else my_as */
};

/*
 * Decode an OPEN body (after the header). RFC 4271 6.2, RFC 5492, RFC 9072
 * (extended optional parameters length). Returns 0, or -EBADMSG with n
 * filled: version (2/1, data = our version as 2 octets), hold time 1 or 2
 * (2/6), BGP identifier 0 (2/3), AS 0 (2/2), optional parameter other than
 * capabilities (2/4), malformed capability (2/0), malformed lengths (2/0).
 */
int bgp_open_decode(struct wire_rd body, struct bgp_open *o, struct bgp_notify *n);

/*
 * Check a decoded OPEN against the session's expectations (RFC 4271 6.2 as
 * updated by RFC 6286 2.2): expected_as (0 = any) vs o->asn (2/2); a BGP
 * identifier equal to local_id from an internal peer (o->asn == local_as)
 * (2/3); families: when neither want->mp_ipv4 nor want->mp_ipv6 is also
 * offered by the peer (no MP capability at all implies IPv4), 2/7 with our
 * first wanted MP capability as data. Returns 0 or -EBADMSG with n filled.
 */
int bgp_open_check(const struct bgp_open *o, uint32_t expected_as, uint32_t local_as,
    uint32_t local_id, const struct bgp_caps *want, struct bgp_notify *n);

/* Write a whole OPEN message (header included). o->asn is our full AS (the
 * 2-octet field becomes AS_TRANS above 65535); o->version/my_as are ignored.
 * Returns 0 or -ENOSPC. */
int bgp_open_encode(struct wire_wr *w, const struct bgp_open *o);

/*
 * What the session agreed on, plus the peer facts the codec needs. Filled
 * by the FSM with bgp_neg_init() after OPENs are exchanged, read by the
 * UPDATE decoder and encoders.
 */
struct bgp_neg {
	bool	 as4;	     /* both sides 4-octet AS capable */
	bool	 ext_msg;    /* both sides: max message 65535 */
	bool	 ipv4, ipv6; /* unicast families negotiated */
	bool	 route_refresh, enhanced_rr;
	bool	 gr; /* peer advertised graceful restart */
	bool	 ebgp;
	bool	 enforce_first_as; /* eBGP: first AS must be peer_as (RFC 4271 6.3) */
	uint32_t local_as, peer_as;
	uint16_t hold_time; /* min of both; 0 = no keepalives */
};
/* Derive neg from our caps and the peer's OPEN. hold = min(local_hold, peer's). */
void bgp_neg_init(struct bgp_neg *neg, const struct bgp_caps *local, uint16_t local_hold,
    const struct bgp_open *peer, uint32_t local_as);
static inline size_t
bgp_neg_max_msg(const struct bgp_neg *neg)
{
	return neg->ext_msg ? BGP_MAX_EXT_MSG : BGP_MAX_MSG;
}

/* --- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH --- */

int bgp_keepalive_encode(struct wire_wr *w); /* 0 or -ENOSPC */

/* Decode a NOTIFICATION body: code, subcode, data borrowed. 0 or -EBADMSG. */
int bgp_notify_decode(struct wire_rd body, struct bgp_notify *n);
/* Write a whole NOTIFICATION; data is truncated to fit max_len. 0 or -ENOSPC. */
int bgp_notify_encode(struct wire_wr *w, const struct bgp_notify *n, size_t max_len);

enum bgp_rr_subtype {
	BGP_RR_NORMAL = 0,
	BGP_RR_BORR = 1, /* RFC 7313 begin of route refresh */
	BGP_RR_EORR = 2, /* RFC 7313 end of route refresh */
};
struct bgp_rr {
	uint16_t afi;
	uint8_t	 subtype; /* the FSM ignores subtypes it does not know */
	uint8_t	 safi;
};
/* Decode a ROUTE-REFRESH body (RFC 2918 3, RFC 7313 5). Subtype 0 may carry
 * trailing ORF data (ignored); subtypes 1 and 2 must be exactly 4 octets.
 * Returns 0, or -EBADMSG with n = 7/1 (data = the whole body, borrowed). */
int bgp_rr_decode(struct wire_rd body, struct bgp_rr *rr, struct bgp_notify *n);
int bgp_rr_encode(struct wire_wr *w, const struct bgp_rr *rr); /* 0 or -ENOSPC */

/* --- Path attributes --- */

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH_NLRI = 14,
	BGP_ATTR_MP_UNREACH_NLRI = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

/* Attribute flags octet (RFC 4271 4.3). */
#define BGP_AF_OPTIONAL	  0x80
#define BGP_AF_TRANSITIVE 0x40
#define BGP_AF_PARTIAL	  0x20
#define BGP_AF_EXTLEN	  0x10

enum bgp_origin { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };

/* AS_PATH segment types (RFC 4271 4.3, RFC 5065). */
#define BGP_ASSEG_SET	     1
#define BGP_ASSEG_SEQUENCE   2
#define BGP_ASSEG_CONFED_SEQ 3
#define BGP_ASSEG_CONFED_SET 4

/* Well-known communities (RFC 1997, RFC 3765). */
#define BGP_COMM_NO_EXPORT	     0xffffff01u
#define BGP_COMM_NO_ADVERTISE	     0xffffff02u
#define BGP_COMM_NO_EXPORT_SUBCONFED 0xffffff03u
#define BGP_COMM_NO_PEER	     0xffffff04u

struct bgp_lcomm { /* RFC 8092 */
	uint32_t global, local1, local2;
};

/* Presence bits in bgp_attrs.flags. */
#define BGP_ATTRS_ORIGIN     0x0001
#define BGP_ATTRS_AS_PATH    0x0002
#define BGP_ATTRS_NEXT_HOP   0x0004 /* nexthop4 valid */
#define BGP_ATTRS_MED	     0x0008
#define BGP_ATTRS_LOCAL_PREF 0x0010
#define BGP_ATTRS_ATOMIC_AGG 0x0020
#define BGP_ATTRS_AGGREGATOR 0x0040
#define BGP_ATTRS_MP_NH	     0x0080 /* nh6_global (and maybe nh6_ll) valid */
#define BGP_ATTRS_NH6_LL     0x0100 /* nh6_ll valid */

/*
 * A decoded path attribute set. AS paths are stored as AS4 segments in an
 * array of host-order words: one header word (type << 8 | count) followed by
 * count ASNs, per segment. Communities in host order. unknown holds the
 * optional transitive attributes we do not interpret, in wire form (flags,
 * type, length, value), already with the Partial bit set when we did not
 * recognize them (RFC 4271 5): the encoder copies them verbatim.
 *
 * In a tmp set the arrays are borrowed (scratch or caller memory); in an
 * interned set they live in the same allocation as the struct.
 */
/*
 * Memory an owner (a peer) has pinned by creating interned sets: each new
 * set is charged to the account of the UPDATE that created it, until the
 * set is freed. Refcounted: the owner and every set charged hold one.
 */
struct bgp_acct {
	uint32_t refs;
	uint64_t bytes;
};

struct bgp_attrs {
	/* intern bookkeeping: not part of the value */
	struct hash_node hnode; /* in the intern table; hnode.hash */
	uint32_t	 refcnt;
	uint32_t	 size; /* bytes of the allocation (interned) */
	struct bgp_acct *acct; /* charged for it, or NULL */

	uint16_t flags;	      /* BGP_ATTRS_* */
	uint8_t	 origin;      /* enum bgp_origin */
	uint8_t	 nexthop4[4]; /* network order */
	uint8_t	 nh6_global[16];
	uint8_t	 nh6_ll[16];
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as;
	uint32_t aggregator_id; /* host order */

	uint16_t		aspath_words;
	uint16_t		ncomm;
	uint16_t		nlcomm;
	uint16_t		unknown_len;
	const uint32_t	       *aspath;
	const uint32_t	       *comm;
	const struct bgp_lcomm *lcomm;
	const uint8_t	       *unknown;
};

/* Hash-consing: returns a reference to the one shared set equal to tmp
 * (tmp's bookkeeping fields are ignored), creating it if needed. The caller
 * owns the returned reference. NULL on out-of-memory. */
struct bgp_attrs *bgp_attrs_intern(const struct bgp_attrs *tmp);
/* The same, a set created now charged to acct (may be NULL). */
struct bgp_attrs *bgp_attrs_intern_acct(const struct bgp_attrs *tmp, struct bgp_acct *acct);
struct bgp_acct	 *bgp_acct_new(void);
void		  bgp_acct_put(struct bgp_acct *);
/* bgp_attrs_get()/bgp_attrs_put() are declared in bgp/bgp.h; put frees at zero. */
bool	 bgp_attrs_equal(const struct bgp_attrs *, const struct bgp_attrs *);
uint32_t bgp_attrs_hash(const struct bgp_attrs *);
size_t	 bgp_attrs_intern_count(void); /* live interned sets (tests, show) */

/* Well-known community helpers. */
bool bgp_attrs_has_comm(const struct bgp_attrs *, uint32_t comm);
static inline bool
bgp_attrs_no_export(const struct bgp_attrs *a)
{
	return a != NULL && bgp_attrs_has_comm(a, BGP_COMM_NO_EXPORT);
}
static inline bool
bgp_attrs_no_advertise(const struct bgp_attrs *a)
{
	return a != NULL && bgp_attrs_has_comm(a, BGP_COMM_NO_ADVERTISE);
}
static inline bool
bgp_attrs_no_export_subconfed(const struct bgp_attrs *a)
{
	return a != NULL && bgp_attrs_has_comm(a, BGP_COMM_NO_EXPORT_SUBCONFED);
}
static inline bool
bgp_attrs_no_peer(const struct bgp_attrs *a)
{
	return a != NULL && bgp_attrs_has_comm(a, BGP_COMM_NO_PEER);
}

/* --- AS paths (bgp_aspath.c) --- */

/* Path length for best-path selection (RFC 4271 9.1.2.2 a): an AS_SET
 * counts 1, confederation segments 0. a NULL = empty path. */
unsigned bgp_aspath_len(const struct bgp_attrs *a);
/* Leftmost AS of the first AS_SEQUENCE, 0 if none. */
uint32_t bgp_aspath_first(const struct bgp_attrs *a);
/* Does the path contain asn anywhere (loop detection)? */
bool bgp_aspath_contains(const struct bgp_attrs *a, uint32_t asn);
/* "65001 65002 {65003,65004}" ("" for empty; confed segments in "( )"/"[ ]").
 * Always NUL-terminates; returns the length it needed (like snprintf). */
size_t bgp_aspath_fmt(const struct bgp_attrs *a, char *buf, size_t len);

/* --- UPDATE decode (RFC 4271 4.3, 6.3; RFC 7606) --- */

/* Caller-owned working memory for the UPDATE decoder; big enough for any
 * message of BGP_MAX_EXT_MSG. Allocate one (heap, ~0.6 MB) per speaker and
 * reuse it: the decoder is pure, and the tmp attrs it returns borrow it. */
#define BGP_SCRATCH_ASPATH_WORDS (BGP_MAX_EXT_MSG / 2 + 8)
struct bgp_upd_scratch {
	uint32_t	 aspath[BGP_SCRATCH_ASPATH_WORDS];
	uint32_t	 as4path[BGP_SCRATCH_ASPATH_WORDS];
	uint32_t	 comm[BGP_MAX_EXT_MSG / 4 + 1];
	struct bgp_lcomm lcomm[BGP_MAX_EXT_MSG / 12 + 1];
	uint8_t		 unknown[BGP_MAX_EXT_MSG + 4];
	uint32_t	 merged[BGP_SCRATCH_ASPATH_WORDS + 16]; /* AS_PATH + AS4_PATH */
};

/* What the FSM does with an UPDATE (RFC 7606 2). */
enum bgp_upd_action {
	BGP_UPD_OK = 0,
	BGP_UPD_ATTR_DISCARD,	   /* some attributes dropped; attrs and NLRI usable */
	BGP_UPD_TREAT_AS_WITHDRAW, /* withdraw every prefix of nlri AND mp_reach_nlri,
				    * process withdrawn/mp_unreach normally */
	BGP_UPD_SESSION_RESET,	   /* send notify, drop the session */
};

/*
 * A decoded UPDATE. All wire_rd fields are borrowed views of NLRI fields that
 * the decoder has already validated (unless action is SESSION_RESET): walk
 * them with bgp_nlri_next(), which then cannot fail. No allocation per NLRI.
 */
struct bgp_update {
	enum bgp_upd_action action;
	/* SESSION_RESET: what to send. TREAT_AS_WITHDRAW / ATTR_DISCARD: the
	 * (last) error, for logs; never sent. */
	struct bgp_notify notify;
	uint8_t		  err_attr; /* attribute type behind the error, 0 if none */

	struct wire_rd withdrawn;	/* IPv4 unicast */
	struct wire_rd nlri;		/* IPv4 unicast */
	uint8_t	       mp_reach_family; /* AF_INET6/AF_INET; 0 = none or ignored */
	struct wire_rd mp_reach_nlri;
	uint8_t	       mp_unreach_family;
	struct wire_rd mp_unreach_nlri;
	bool	       mp_ignored; /* MP attr of an AFI/SAFI not negotiated, skipped */

	/* End-of-RIB (RFC 4724 2): family AF_INET / AF_INET6, 0 = not an EoR. */
	uint8_t eor_family;

	/* The attribute set for the announced prefixes (flags == 0 when the
	 * message carries no attributes). tmp: borrows scratch and the message;
	 * intern it before keeping it. Not meaningful (do not intern) when
	 * action is TREAT_AS_WITHDRAW or SESSION_RESET. */
	struct bgp_attrs attrs;
	uint16_t	 discarded; /* attributes dropped (ATTR_DISCARD) */
};

/* Decode an UPDATE body with the session's negotiated parameters. Always
 * fills u; returns 0 when u->action is OK/ATTR_DISCARD/TREAT_AS_WITHDRAW,
 * -EBADMSG when it is SESSION_RESET. */
int bgp_update_decode(struct wire_rd body, const struct bgp_neg *neg,
    struct bgp_upd_scratch *scratch, struct bgp_update *u);

/* Iterate a validated NLRI field: returns true and fills p, or false at the
 * end (or on a malformed entry: use on validated fields only). */
bool bgp_nlri_next(struct wire_rd *r, uint8_t family, struct prefix *p);
/* Count prefixes in a validated field (e.g. to size an array up front). */
size_t bgp_nlri_count(struct wire_rd r, uint8_t family);

/*
 * Decode one path attributes field (the "Path Attributes" of an UPDATE) into
 * attrs; used by bgp_update_decode() and by the attribute fuzzer. mp_* of u
 * are filled from MP_REACH/MP_UNREACH. has_nlri says whether the message
 * carries IPv4 NLRI (for mandatory attribute checks). u must be zeroed
 * (bgp_update_decode() does it) apart from what the caller framed.
 * Returns the action.
 */
enum bgp_upd_action bgp_attrs_decode(struct wire_rd attrs, bool has_nlri,
    const struct bgp_neg *neg, struct bgp_upd_scratch *scratch, struct bgp_update *u);

/* --- UPDATE encode --- */

/*
 * Export transformations, applied while encoding (never stored in attrs):
 * eBGP prepends local_as (1 + prepend copies), uses our nexthop, drops
 * LOCAL_PREF, and drops MED unless send_med; iBGP keeps LOCAL_PREF (or
 * default_local_pref when the set has none) and MED, and next hop unless
 * nexthop_self. attrs NULL = locally originated (ORIGIN IGP, empty AS_PATH,
 * our next hop).
 */
struct bgp_export {
	bool	 nexthop_self;	     /* forced true for eBGP */
	bool	 send_med;	     /* eBGP: pass MED on (default false) */
	uint8_t	 prepend;	     /* extra copies of local_as (eBGP) */
	uint32_t default_local_pref; /* iBGP, 0 = 100 */
	uint8_t	 nh4[4];	     /* our IPv4 next hop (network order) */
	uint8_t	 nh6[16];	     /* our IPv6 global next hop */
	uint8_t	 nh6_ll[16];	     /* our link-local, all-zero = none; only for a
					 * peer on the same link (RFC 2545 3); note
					 * FRR's bgpd without zebra (-Z) refuses
					 * link-local next hops */
};

/*
 * An UPDATE being built in a caller buffer: start (attributes written once),
 * add prefixes until bgp_upd_add() returns -ENOSPC, finish, send, start
 * again for the rest. IPv4 goes in the NLRI field, IPv6 in MP_REACH_NLRI
 * (encoded as the first attribute, RFC 7606 5.1). Withdrawals use the same
 * builder (bgp_upd_start_withdraw), IPv6 in MP_UNREACH_NLRI.
 */
struct bgp_upd_builder {
	struct wire_wr w;
	size_t	       max;		  /* message limit: 4096 or 65535 */
	size_t	       limit;		  /* NLRI may grow up to here */
	size_t	       attr_len_at;	  /* Total Path Attribute Length */
	size_t	       wd_len_at;	  /* Withdrawn Routes Length */
	size_t	       mp_len_at;	  /* MP_(UN)REACH length, 0 = none */
	size_t	       tail_at, tail_len; /* other attrs parked at the end (IPv6) */
	uint8_t	       family;
	bool	       withdraw;
	uint32_t       count; /* prefixes added */
};

/* Start an announcement of attrs toward a peer. buf must hold
 * bgp_neg_max_msg(neg) bytes. Returns 0, -EINVAL (family not negotiated),
 * -ENOSPC (attributes alone do not fit). */
int bgp_upd_start(struct bgp_upd_builder *b, void *buf, size_t cap, const struct bgp_neg *neg,
    const struct bgp_export *ex, const struct bgp_attrs *attrs, uint8_t family);
int bgp_upd_start_withdraw(struct bgp_upd_builder *b, void *buf, size_t cap,
    const struct bgp_neg *neg, uint8_t family);
/* Add one prefix: 0, or -ENOSPC when full (the prefix was not added). */
int bgp_upd_add(struct bgp_upd_builder *b, const struct prefix *p);
/* Patch the lengths; returns the message length (0 if nothing was added). */
size_t bgp_upd_finish(struct bgp_upd_builder *b);

/* End-of-RIB marker for family (RFC 4724 2). 0 or -ENOSPC. */
int bgp_eor_encode(struct wire_wr *w, uint8_t family);

/*
 * Encode the path attributes of attrs as sent to a peer (all but
 * MP_REACH/MP_UNREACH, NEXT_HOP only for family AF_INET), applying ex; for
 * a peer without as4: AS_PATH with AS_TRANS plus AS4_PATH/AS4_AGGREGATOR
 * (RFC 6793 4.2.2). Returns 0 or -ENOSPC.
 */
int bgp_attrs_encode(struct wire_wr *w, const struct bgp_attrs *attrs,
    const struct bgp_neg *neg, const struct bgp_export *ex, uint8_t family);

/* --- For the route manager --- */

/* Fill pi from an interned set (pi->attrs = a, borrowed) and the peer:
 * family selects NEXT_HOP or the MP next hop. */
void bgp_path_info_fill(struct bgp_path_info *pi, struct bgp_attrs *a, uint8_t family,
    const struct bgp_neg *neg, uint32_t peer_router_id, const struct ipaddr *peer_addr);

#endif
