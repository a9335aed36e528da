/* bgp/bgp_codec_local.h - helpers shared by the codec files only (not for the FSM). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_BGP_BGP_CODEC_LOCAL_H
#define HGW_BGP_BGP_CODEC_LOCAL_H

#include "bgp/bgp_codec.h"

#define BGP_ASSEG_HDR(type, count) ((uint32_t)(type) << 8 | (uint32_t)(count))
#define BGP_ASSEG_TYPE(w)	   ((uint8_t)((w) >> 8))
#define BGP_ASSEG_COUNT(w)	   ((uint8_t)(w))

/*
 * Parse an AS_PATH / AS4_PATH value with asn_size 2 or 4 octets into words
 * (see struct bgp_attrs). Pure. Returns the number of words, or -EBADMSG
 * when malformed (RFC 7606 7.2: bad segment type, zero length, overrun,
 * underrun; RFC 7607: AS 0; confed segments when !allow_confed).
 */
int bgp_aspath_parse(struct wire_rd v, unsigned asn_size, bool allow_confed, uint32_t *out,
    size_t cap);
/* Path length by RFC 6793 4.2.3 / RFC 4271 9.1.2.2 rules over words. */
unsigned bgp_aspath_words_len(const uint32_t *w, size_t n);
/*
 * RFC 6793 4.2.3: merge AS_PATH (as received from a 2-octet peer, AS_TRANS
 * included) with AS4_PATH into out (cap words). Returns words written.
 */
size_t bgp_aspath_merge(const uint32_t *as, size_t nas, const uint32_t *as4, size_t nas4,
    uint32_t *out, size_t cap);
/*
 * Write the value of an AS path with prepend_n copies of prepend_as in
 * front, ASNs as asn_size octets (2: AS_TRANS for those above 65535).
 * Leading confederation segments are dropped when strip_confed (AS4_PATH)
 * or when prepending (leaving for another AS).
 */
void bgp_aspath_put(struct wire_wr *w, const uint32_t *words, size_t n, uint32_t prepend_as,
    unsigned prepend_n, unsigned asn_size, bool strip_confed);
/* Does the path (plus prepends) hold an ASN above 65535 (needs AS4_PATH)? */
bool bgp_aspath_needs_as4(const uint32_t *words, size_t n, uint32_t prepend_as,
    unsigned prepend_n);

/* Attribute writer: flags/type/length(2) now, length patched (and shrunk to
 * one octet when it fits) by bgp_attr_end(). */
size_t bgp_attr_begin(struct wire_wr *w, uint8_t flags, uint8_t type);
void   bgp_attr_end(struct wire_wr *w, size_t at);

/* Validate an NLRI field of family (RFC 4271 4.3; RFC 7606 5.3). */
bool bgp_nlri_valid(struct wire_rd r, uint8_t family);

#endif
