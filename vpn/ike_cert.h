/* vpn/ike_cert.h - X.509 credentials for IKE (PEM loading, chain verification) and IKE identities (parse, print, match). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_VPN_IKE_CERT_H
#define HGW_VPN_IKE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "lib/wire.h"
#include "vpn/ike_codec.h"

/*
 * Ownership: X509, EVP_PKEY and X509_STORE returned through an out
 * pointer belong to the caller, who frees them with X509_free(),
 * EVP_PKEY_free() and X509_STORE_free(); arguments are borrowed. struct
 * ike_id is a plain value. Error texts go to a caller's buffer (err,
 * errlen; err may be NULL) and name the file and what is wrong; nothing
 * here logs. These run at configuration time and in IKE_AUTH, on the
 * loop thread.
 */

/* ---- certificates and keys (vpn/ike_cert.c) ---- */

#define IKE_CA_KEYID_LEN 20 /* SHA-1, RFC 7296 3.7 */

/* One certificate from a PEM (or DER) file. 0, or -errno with err set. */
int ike_cert_load(const char *path, X509 **out, char *err, size_t errlen);
/* An unencrypted private key (RSA >= 2048 bits, or EC P-256/384/521). */
int ike_key_load(const char *path, EVP_PKEY **out, char *err, size_t errlen);
/* Our certificate and its key, checked to belong together. */
int ike_cred_load(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key,
    char *err, size_t errlen);
/* Every certificate in the file, each of which must be a CA, as a store
 * to verify peers against. */
int ike_ca_load(const char *path, X509_STORE **out, char *err, size_t errlen);

/* The peer's end-entity certificate (DER from its first CERT payload)
 * and any intermediates (the further CERT payloads), verified against
 * store at the current time. *out gets the end-entity certificate.
 * -EBADMSG when the bytes are not exactly one certificate, -EACCES when
 * it does not verify (err says why: the answer is AUTHENTICATION_FAILED). */
int ike_cert_verify(X509_STORE *store, struct wire_rd der, const struct wire_rd *chain,
    size_t nchain, X509 **out, char *err, size_t errlen);
/* DER for a CERT payload; -EMSGSIZE when cap is short. */
int ike_cert_der(X509 *cert, uint8_t *buf, size_t cap, size_t *len);
/* SHA-1 of the CA's SubjectPublicKeyInfo: what CERTREQ lists (RFC 7296 3.7). */
int ike_ca_keyid(X509 *ca, uint8_t out[IKE_CA_KEYID_LEN]);
/* Whether a CERTREQ's data names that key id. */
bool ike_certreq_has(struct wire_rd data, const uint8_t keyid[IKE_CA_KEYID_LEN]);

/* ---- identities (vpn/ike_id.c) ---- */

#define IKE_ID_ANY 0 /* "%any": matches every identity */
#define IKE_ID_MAX 512

/*
 * An identity as the ID payload carries it (RFC 7296 3.5): 4 or 16
 * address bytes, FQDN or e-mail text, or the DER of a DN. wildcard marks
 * a configured FQDN/e-mail starting with '*' or a DN with a '*' value.
 */
struct ike_id {
	uint8_t	 type; /* enum ike_id_type, or IKE_ID_ANY */
	bool	 wildcard;
	uint16_t len;
	uint8_t	 data[IKE_ID_MAX];
};

/*
 * The way strongSwan users write identities: "10.0.0.1", "2001:db8::1",
 * "gw.example.net", "user@example.net", "C=CH, O=ex, CN=gw", "%any";
 * prefixes ipv4:, ipv6:, fqdn:, dns:, email:, rfc822:, userfqdn:,
 * asn1dn:, dn:, keyid: (hex after '#', text otherwise), and "@name"
 * for an FQDN, "@@name" for an e-mail. 0, or -EINVAL with err set.
 */
int ike_id_parse(const char *s, struct ike_id *id, char *err, size_t errlen);
/* Back to text in that syntax; returns what snprintf would. */
int ike_id_print(const struct ike_id *id, char *buf, size_t len);
/* A received ID payload; -EBADMSG when the data does not fit its type
 * (address length, a DN that is not DER). */
int ike_id_from_payload(const struct ike_id_pl *pl, struct ike_id *id);
/* Our certificate's subject as a DER_ASN1_DN identity. */
int ike_id_from_cert(X509 *cert, struct ike_id *id);
/* The ID payload body (type, 3 reserved, data) that AUTH covers
 * (RFC 7296 2.15); returns its length, 0 if cap is short. */
size_t ike_id_body(const struct ike_id *id, uint8_t *buf, size_t cap);
/* Does a received identity satisfy the configured remote-id? */
bool ike_id_match(const struct ike_id *want, const struct ike_id *got);
/* Does the certificate hold this (received) identity: the subject DN
 * for DER_ASN1_DN, a subjectAltName of the same kind for addresses,
 * FQDNs and e-mail (no CN fallback, no wildcard certificates)? 0 or
 * -EACCES. */
int ike_id_cert_check(const struct ike_id *id, X509 *cert);

#endif
