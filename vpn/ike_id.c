/* vpn/ike_id.c - IKE identities (RFC 7296 3.5): strongSwan-style text, ID payloads, matching remote-ids and certificates. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_cert.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define NITEMS(a)   (sizeof(a) / sizeof((a)[0]))
#define ID_TEXT_MAX 1024

static __attribute__((format(printf, 3, 4))) int
ierr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error();
	return -EINVAL;
}

static int
id_set(struct ike_id *id, uint8_t type, const void *p, size_t len)
{
	if (len > IKE_ID_MAX)
		return -EMSGSIZE;
	id->type = type;
	id->len = (uint16_t)len;
	memcpy(id->data, p, len);
	return 0;
}

/* A host name: labels of letters, digits, '-' and '_', dots between;
 * a leading "*" (or "*.") marks a configured wildcard. */
static bool
fqdn_ok(const char *s, bool allow_star)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	if (allow_star && s[0] == '*')
		s++;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool
email_ok(const char *s, bool allow_star)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || at[1] == '\0' || (at == s && !allow_star))
		return false;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return false;
	return fqdn_ok(at + 1, false);
}

/* Attribute names people write in DNs, beyond what OpenSSL knows. */
static int
dn_attr_nid(const char *name)
{
	static const struct {
		const char *name;
		int	    nid;
	} alias[] = {
		{ "E", NID_pkcs9_emailAddress },
		{ "Email", NID_pkcs9_emailAddress },
		{ "S", NID_stateOrProvinceName },
		{ "SN", NID_surname },
		{ "serialNumber", NID_serialNumber },
	};
	ASN1_OBJECT *o;
	int	     nid;

	for (size_t i = 0; i < NITEMS(alias); i++)
		if (strcasecmp(alias[i].name, name) == 0)
			return alias[i].nid;
	if ((nid = OBJ_txt2nid(name)) != NID_undef)
		return nid;
	/* dotted OIDs too, if OpenSSL has a name for them */
	if ((o = OBJ_txt2obj(name, 1)) != NULL) {
		nid = OBJ_obj2nid(o);
		ASN1_OBJECT_free(o);
	}
	return nid;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * "C=CH, O=ex, CN=gw" in the order written (the order of the DER, as
 * strongSwan reads it). ',' separates RDNs, '\' escapes the next
 * character. A value "*" is a wildcard for matching.
 */
static int
dn_parse(const char *s, struct ike_id *id, char *err, size_t errlen)
{
	/* zeroed: trim() never meets a byte the copy below did not write */
	char	    buf[ID_TEXT_MAX] = "", *rdn, *w, *eq, *name, *val;
	const char *r;
	X509_NAME  *n = X509_NAME_new();
	uint8_t	   *der = NULL;
	int	    len, rc = -EINVAL, count = 0;
	bool	    end = false;

	if (n == NULL)
		return -ENOMEM;
	id->wildcard = false;
	for (r = s; !end;) {
		/* copy one RDN, unescaping, up to an unescaped ',' */
		w = buf;
		for (; *r != '\0' && *r != ','; r++) {
			if (*r == '\\' && r[1] != '\0')
				r++;
			if (w - buf >= (long)sizeof(buf) - 1) {
				rc = ierr(err, errlen, "DN '%s' too long", s);
				goto out;
			}
			*w++ = *r;
		}
		*w = '\0';
		end = *r == '\0';
		if (!end)
			r++;
		rdn = trim(buf);
		if ((eq = strchr(rdn, '=')) == NULL) {
			rc =
			    ierr(err, errlen, "'%s' in DN '%s' is not attribute=value", rdn, s);
			goto out;
		}
		*eq = '\0';
		name = trim(rdn);
		val = trim(eq + 1);
		if (*name == '\0' || *val == '\0') {
			rc = ierr(err, errlen, "empty %s in DN '%s'",
			    *name ? "value" : "attribute", s);
			goto out;
		}
		if (dn_attr_nid(name) == NID_undef) {
			rc = ierr(err, errlen, "unknown attribute '%s' in DN '%s'", name, s);
			goto out;
		}
		if (strcmp(val, "*") == 0)
			id->wildcard = true;
		if (!X509_NAME_add_entry_by_NID(n, dn_attr_nid(name), MBSTRING_UTF8,
			(const unsigned char *)val, -1, -1, 0)) {
			rc = ierr(err, errlen,
			    "value '%s' of %s in DN '%s' is not allowed there", val, name, s);
			goto out;
		}
		count++;
	}
	if (count == 0 || (len = i2d_X509_NAME(n, &der)) <= 0) {
		rc = ierr(err, errlen, "empty DN '%s'", s);
		goto out;
	}
	if ((rc = id_set(id, IKE_ID_DER_ASN1_DN, der, (size_t)len)) != 0)
		rc = ierr(err, errlen, "DN '%s' too long", s);
out:
	OPENSSL_free(der);
	X509_NAME_free(n);
	return rc;
}

static int
hex_parse(const char *s, struct ike_id *id)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0 || n / 2 > IKE_ID_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned x;

		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) || sscanf(s + 2 * i, "%2x", &x) != 1)
			return -EINVAL;
		id->data[i] = (uint8_t)x;
	}
	id->len = (uint16_t)(n / 2);
	return 0;
}

static const struct {
	const char *prefix;
	uint8_t	    type;
} id_prefix[] = {
	{ "ipv4:", IKE_ID_IPV4_ADDR },
	{ "ipv6:", IKE_ID_IPV6_ADDR },
	{ "fqdn:", IKE_ID_FQDN },
	{ "dns:", IKE_ID_FQDN },
	{ "email:", IKE_ID_RFC822_ADDR },
	{ "rfc822:", IKE_ID_RFC822_ADDR },
	{ "userfqdn:", IKE_ID_RFC822_ADDR },
	{ "asn1dn:", IKE_ID_DER_ASN1_DN },
	{ "dn:", IKE_ID_DER_ASN1_DN },
	{ "keyid:", IKE_ID_KEY_ID },
};

/* Parse text known to be of type. */
static int
id_parse_typed(const char *s, uint8_t type, struct ike_id *id, char *err, size_t errlen)
{
	uint8_t a[16];

	switch (type) {
	case IKE_ID_IPV4_ADDR:
		if (inet_pton(AF_INET, s, a) != 1)
			return ierr(err, errlen, "'%s' is not an IPv4 address", s);
		return id_set(id, type, a, 4);
	case IKE_ID_IPV6_ADDR:
		if (inet_pton(AF_INET6, s, a) != 1)
			return ierr(err, errlen, "'%s' is not an IPv6 address", s);
		return id_set(id, type, a, 16);
	case IKE_ID_FQDN:
		if (!fqdn_ok(s, true))
			return ierr(err, errlen, "'%s' is not a host name", s);
		id->wildcard = s[0] == '*';
		return id_set(id, type, s, strlen(s));
	case IKE_ID_RFC822_ADDR:
		if (!email_ok(s, true))
			return ierr(err, errlen, "'%s' is not an e-mail address", s);
		id->wildcard = s[0] == '*';
		return id_set(id, type, s, strlen(s));
	case IKE_ID_DER_ASN1_DN:
		return dn_parse(s, id, err, errlen);
	case IKE_ID_KEY_ID:
		id->type = type;
		if (s[0] == '#') {
			if (hex_parse(s + 1, id) != 0)
				return ierr(err, errlen, "'%s' is not a hex key id", s);
			return 0;
		}
		if (*s == '\0')
			return ierr(err, errlen, "empty key id");
		return id_set(id, type, s, strlen(s));
	}
	return ierr(err, errlen, "unsupported identity type %u", type);
}

int
ike_id_parse(const char *str, struct ike_id *id, char *err, size_t errlen)
{
	char	buf[ID_TEXT_MAX], *s;
	uint8_t a[16];
	int	rc;

	memset(id, 0, sizeof(*id));
	if (strlen(str) >= sizeof(buf))
		return ierr(err, errlen, "identity too long (%zu characters)", strlen(str));
	strcpy(buf, str);
	s = trim(buf);
	if (*s == '\0')
		return ierr(err, errlen, "empty identity");
	if (strcmp(s, "%any") == 0 || strcmp(s, "*") == 0) {
		id->type = IKE_ID_ANY;
		return 0;
	}
	for (size_t i = 0; i < NITEMS(id_prefix); i++)
		if (strncasecmp(s, id_prefix[i].prefix, strlen(id_prefix[i].prefix)) == 0) {
			rc = id_parse_typed(trim(s + strlen(id_prefix[i].prefix)),
			    id_prefix[i].type, id, err, errlen);
			goto out;
		}
	/* strongSwan's '@' forms: @@ e-mail, @# key id, @ FQDN */
	if (strncmp(s, "@@", 2) == 0)
		rc = id_parse_typed(s + 2, IKE_ID_RFC822_ADDR, id, err, errlen);
	else if (strncmp(s, "@#", 2) == 0)
		rc = id_parse_typed(s + 1, IKE_ID_KEY_ID, id, err, errlen);
	else if (s[0] == '@')
		rc = id_parse_typed(s + 1, IKE_ID_FQDN, id, err, errlen);
	else if (inet_pton(AF_INET, s, a) == 1)
		rc = id_set(id, IKE_ID_IPV4_ADDR, a, 4);
	else if (inet_pton(AF_INET6, s, a) == 1)
		rc = id_set(id, IKE_ID_IPV6_ADDR, a, 16);
	else if (strchr(s, '=') != NULL)
		rc = id_parse_typed(s, IKE_ID_DER_ASN1_DN, id, err, errlen);
	else if (strchr(s, '@') != NULL)
		rc = id_parse_typed(s, IKE_ID_RFC822_ADDR, id, err, errlen);
	else
		rc = id_parse_typed(s, IKE_ID_FQDN, id, err, errlen);
out:
	if (rc == -EMSGSIZE)
		rc = ierr(err, errlen, "identity '%s' too long", s);
	if (rc != 0)
		memset(id, 0, sizeof(*id));
	return rc;
}

/* DER DN to an X509_NAME, the whole buffer or nothing. */
static X509_NAME *
dn_decode(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509_NAME     *n;
	uint8_t	      *re = NULL;
	int	       rl;

	if (len == 0 || (n = d2i_X509_NAME(NULL, &p, (long)len)) == NULL)
		return NULL;
	/* nothing may follow the name: its own encoding is as long */
	rl = i2d_X509_NAME(n, &re);
	OPENSSL_free(re);
	if (rl != (int)len) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int
dn_print(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	X509_NAME *n = dn_decode(der, len);
	BIO	  *b = BIO_new(BIO_s_mem());
	char	  *p;
	long	   pl;
	int	   rc;
	/* "C=CH, O=ex, CN=gw": RFC 2253 escaping, DER order, short names */
	unsigned long flags =
	    (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC;

	if (n == NULL || b == NULL || X509_NAME_print_ex(b, n, 0, flags) < 0) {
		rc = snprintf(buf, cap, "(invalid DN)");
		goto out;
	}
	pl = BIO_get_mem_data(b, &p);
	rc = snprintf(buf, cap, "%.*s", (int)pl, p);
out:
	BIO_free(b);
	X509_NAME_free(n);
	ERR_clear_error();
	return rc;
}

/* Text identities may hold anything a peer sent: print safely. */
static int
text_print(const char *prefix, const uint8_t *d, size_t len, char *buf, size_t cap)
{
	char   t[IKE_ID_MAX * 4 + 1];
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (isprint(d[i]) && d[i] != '\\')
			t[o++] = (char)d[i];
		else
			o += (size_t)snprintf(t + o, sizeof(t) - o, "\\x%02x", d[i]);
	}
	t[o] = '\0';
	return snprintf(buf, cap, "%s%s", prefix, t);
}

int
ike_id_print(const struct ike_id *id, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (id->type) {
	case IKE_ID_ANY:
		return snprintf(buf, len, "%%any");
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (id->len != (id->type == IKE_ID_IPV4_ADDR ? 4 : 16) ||
		    inet_ntop(id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data, a,
			sizeof(a)) == NULL)
			return snprintf(buf, len, "(invalid address)");
		return snprintf(buf, len, "%s", a);
	case IKE_ID_FQDN:
		return text_print("", id->data, id->len, buf, len);
	case IKE_ID_RFC822_ADDR:
		return text_print("", id->data, id->len, buf, len);
	case IKE_ID_DER_ASN1_DN:
		return dn_print(id->data, id->len, buf, len);
	case IKE_ID_KEY_ID: {
		char h[IKE_ID_MAX * 2 + 1];

		for (size_t i = 0; i < id->len; i++)
			snprintf(h + 2 * i, 3, "%02x", id->data[i]);
		h[2 * id->len] = '\0';
		return snprintf(buf, len, "keyid:#%s", h);
	}
	}
	return snprintf(buf, len, "(identity type %u, %u bytes)", id->type, id->len);
}

int
ike_id_from_payload(const struct ike_id_pl *pl, struct ike_id *id)
{
	X509_NAME *n;

	memset(id, 0, sizeof(*id));
	if (pl->data.len == 0 || pl->data.len > IKE_ID_MAX)
		return -EBADMSG;
	switch (pl->type) {
	case IKE_ID_IPV4_ADDR:
		if (pl->data.len != 4)
			return -EBADMSG;
		break;
	case IKE_ID_IPV6_ADDR:
		if (pl->data.len != 16)
			return -EBADMSG;
		break;
	case IKE_ID_DER_ASN1_DN:
		if ((n = dn_decode(pl->data.p, pl->data.len)) == NULL) {
			ERR_clear_error();
			return -EBADMSG;
		}
		X509_NAME_free(n);
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
	case IKE_ID_KEY_ID:
	case IKE_ID_DER_ASN1_GN:
		break;
	default: /* RFC 7296 3.5: no other types are defined */
		return -EBADMSG;
	}
	return id_set(id, pl->type, pl->data.p, pl->data.len);
}

int
ike_id_from_cert(X509 *cert, struct ike_id *id)
{
	uint8_t *der = NULL;
	int	 len, rc;

	memset(id, 0, sizeof(*id));
	if ((len = i2d_X509_NAME(X509_get_subject_name(cert), &der)) <= 0)
		return -EINVAL;
	rc = id_set(id, IKE_ID_DER_ASN1_DN, der, (size_t)len);
	OPENSSL_free(der);
	return rc;
}

size_t
ike_id_body(const struct ike_id *id, uint8_t *buf, size_t cap)
{
	struct wire_wr w = wire_wr_init(buf, cap);

	wire_put_u8(&w, id->type);
	wire_put_zero(&w, 3);
	wire_put_bytes(&w, id->data, id->len);
	return wire_wr_ok(&w) ? wire_wr_len(&w) : 0;
}

static bool
text_eq_nocase(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	if (al != bl)
		return false;
	for (size_t i = 0; i < al; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

/* "*.example.net" / "*@example.net": what follows the '*' ends got, and
 * something stands in for the '*'. */
static bool
text_wild(const struct ike_id *want, const struct ike_id *got)
{
	size_t sl = want->len - 1u;

	return got->len > sl &&
	    text_eq_nocase(want->data + 1, sl, got->data + got->len - sl, sl);
}

/* UTF-8 text of a name entry's value, for comparing wildcard DNs. */
static bool
entry_eq(X509_NAME_ENTRY *a, X509_NAME_ENTRY *b)
{
	unsigned char *ua = NULL, *ub = NULL;
	int	       la, lb;
	bool	       eq;

	la = ASN1_STRING_to_UTF8(&ua, X509_NAME_ENTRY_get_data(a));
	lb = ASN1_STRING_to_UTF8(&ub, X509_NAME_ENTRY_get_data(b));
	eq = la >= 0 && lb >= 0 && text_eq_nocase(ua, (size_t)la, ub, (size_t)lb);
	OPENSSL_free(ua);
	OPENSSL_free(ub);
	return eq;
}

/* Same RDNs in the same order; a wanted value "*" takes any value. */
static bool
dn_match(const struct ike_id *want, const uint8_t *got, size_t got_len)
{
	X509_NAME *w = dn_decode(want->data, want->len), *g = dn_decode(got, got_len);
	bool	   ok = false;
	int	   n;

	if (w == NULL || g == NULL)
		goto out;
	if (!want->wildcard) {
		/* canonical comparison: case and spacing of values do not
		 * matter, nor PrintableString vs UTF8String (RFC 5280 7.1) */
		ok = X509_NAME_cmp(w, g) == 0;
		goto out;
	}
	if ((n = X509_NAME_entry_count(w)) != X509_NAME_entry_count(g))
		goto out;
	for (int i = 0; i < n; i++) {
		X509_NAME_ENTRY *ew = X509_NAME_get_entry(w, i),
				*eg = X509_NAME_get_entry(g, i);
		ASN1_STRING *v = X509_NAME_ENTRY_get_data(ew);

		if (OBJ_cmp(X509_NAME_ENTRY_get_object(ew), X509_NAME_ENTRY_get_object(eg)) !=
		    0)
			goto out;
		if (ASN1_STRING_length(v) == 1 && ASN1_STRING_get0_data(v)[0] == '*')
			continue;
		if (!entry_eq(ew, eg))
			goto out;
	}
	ok = true;
out:
	X509_NAME_free(w);
	X509_NAME_free(g);
	ERR_clear_error();
	return ok;
}

bool
ike_id_match(const struct ike_id *want, const struct ike_id *got)
{
	if (want->type == IKE_ID_ANY)
		return true;
	if (want->type != got->type)
		return false;
	switch (want->type) {
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		if (want->wildcard)
			return text_wild(want, got);
		return text_eq_nocase(want->data, want->len, got->data, got->len);
	case IKE_ID_DER_ASN1_DN:
		return dn_match(want, got->data, got->len);
	default: /* addresses, key ids: the bytes */
		return want->len == got->len && memcmp(want->data, got->data, want->len) == 0;
	}
}

int
ike_id_cert_check(const struct ike_id *id, X509 *cert)
{
	const unsigned flags =
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS;
	X509_NAME *n;
	int	   rc = -EACCES;

	switch (id->type) {
	case IKE_ID_DER_ASN1_DN:
		if ((n = dn_decode(id->data, id->len)) != NULL &&
		    X509_NAME_cmp(n, X509_get_subject_name(cert)) == 0)
			rc = 0;
		X509_NAME_free(n);
		break;
	case IKE_ID_FQDN:
		/* OpenSSL refuses names with a NUL inside: never a match */
		if (X509_check_host(cert, (const char *)id->data, id->len, flags, NULL) == 1)
			rc = 0;
		break;
	case IKE_ID_RFC822_ADDR:
		if (X509_check_email(cert, (const char *)id->data, id->len, flags) == 1)
			rc = 0;
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (X509_check_ip(cert, id->data, id->len, 0) == 1)
			rc = 0;
		break;
	}
	ERR_clear_error();
	return rc;
}
