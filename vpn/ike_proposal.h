/* vpn/ike_proposal.h - IKE/ESP proposals: keyword names, parse/print, defaults, selection (RFC 7296 2.7, 3.3). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_IKE_PROPOSAL_H
#define HGW_VPN_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/ike_codec.h"

/*
 * Ownership: everything here is plain values in caller-owned structs;
 * nothing allocates or keeps a pointer.
 *
 * A proposal is what one configured string ("aes256gcm16-prfsha384-ecp384")
 * says: per transform type, the algorithms in preference order. A list of
 * proposals ("a,b") is offered as numbered proposals 1, 2, ... A suite is
 * one chosen transform per type: what an SA runs with.
 */

#define IKE_XF_MAX	 5  /* highest transform type we know (ESN) */
#define IKE_PROP_MAX_ALG 16 /* algorithms per type in one proposal */
#define IKE_PROP_MAX	 8  /* proposals in one configured list */

struct ike_alg {
	uint16_t id;
	uint16_t keylen; /* bits; ENCR only, 0 otherwise */
};

struct ike_proposal {
	uint8_t	       proto;		  /* IPSEC_PROTO_IKE or _ESP */
	uint8_t	       n[IKE_XF_MAX + 1]; /* by enum ike_xform_type */
	struct ike_alg alg[IKE_XF_MAX + 1][IKE_PROP_MAX_ALG];
};

/* What was negotiated. For ESP, prf is 0; dh is 0 without PFS; integ is 0
 * (NONE) with an AEAD cipher. peer_num/spi come from the chosen proposal
 * (the peer's SPI for the SA it receives on, 0 in IKE_SA_INIT). */
struct ike_suite {
	uint8_t	 proto;
	uint8_t	 peer_num;
	uint8_t	 spi_size;
	uint16_t encr, encr_keylen; /* keylen in bits */
	uint16_t prf, integ, dh, esn;
	uint64_t spi;
};

/* Parse one proposal (no commas). proto decides which keywords are
 * allowed: PRFs only for IKE, esn/noesn only for ESP. With IKE, a missing
 * PRF list is taken from the integrity list (sha256 -> prfsha256), as
 * strongSwan does; with AEAD ciphers, integrity keywords then only name
 * PRFs. 0, or -EINVAL with a message naming the bad token in err. */
int ike_prop_parse(const char *s, uint8_t proto, struct ike_proposal *p, char *err,
    size_t errlen);
/* A comma-separated list; returns how many (>= 1) or -EINVAL / -E2BIG. */
int ike_prop_parse_list(const char *s, uint8_t proto, struct ike_proposal *out, size_t max,
    char *err, size_t errlen);
/* Print as "aes256gcm16-prfsha384-ecp384"; returns what snprintf would. */
int ike_prop_print(const struct ike_proposal *p, char *buf, size_t len);
/* One suite, e.g. "aes256gcm16-prfsha384-ecp384" / "aes128-sha256-noesn". */
int ike_suite_print(const struct ike_suite *s, char *buf, size_t len);
/* Keyword of one transform, or NULL when we have no name for it. */
const char *ike_alg_name(uint8_t type, uint16_t id, uint16_t keylen);

/* Our defaults for proto (IKE or ESP): count written (<= max). */
int		  ike_prop_defaults(uint8_t proto, struct ike_proposal *out, size_t max);
extern const char ike_prop_default_ike[];
extern const char ike_prop_default_esp[];

/* Selection flags */
#define IKE_SEL_NO_DH \
	0x1 /* IKE_AUTH: no KE, so DH transforms are
				 * ignored on both sides (RFC 7296 1.2) */

/* As responder (RFC 7296 2.7): the first of OUR proposals, in our order,
 * that one of the peer's proposals (same protocol) covers; per type our
 * first algorithm the peer also lists. 0, or IKE_ERR_NO_PROPOSAL. The
 * peer's proposal numbering must start at 1 (a request). */
enum ike_err ike_prop_select(const struct ike_proposal *ours, size_t nours,
    const struct ike_sa_pl *offer, unsigned flags, struct ike_suite *out);

/* As initiator: the responder's answer must be exactly one proposal with
 * exactly one transform of each type it needs, all from the proposal of
 * ours with that number. 0, or IKE_ERR_NO_PROPOSAL when it is not one we
 * offered (the caller then drops the SA, RFC 7296 3.3.6). */
enum ike_err ike_prop_check_reply(const struct ike_proposal *ours, size_t nours,
    const struct ike_sa_pl *reply, unsigned flags, struct ike_suite *out);

/* The SA payload offering ours as proposals 1..n with our SPI. 0 or
 * -E2BIG when it does not fit struct ike_sa_pl. */
int ike_prop_to_sa(const struct ike_proposal *ours, size_t nours, uint8_t spi_size,
    uint64_t spi, unsigned flags, struct ike_sa_pl *sa);
/* The SA payload of an answer: the chosen suite under the peer's
 * proposal number, with our SPI. */
void ike_suite_to_sa(const struct ike_suite *s, uint8_t spi_size, uint64_t spi,
    struct ike_sa_pl *sa);

#endif
