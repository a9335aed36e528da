/* vpn/ike_proposal.c - proposal keywords, parsing and printing, our defaults, selection and reply checks. */
/* SPDX-License-Identifier: ISC */
#include "vpn/ike_proposal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vpn/ike_crypto.h"

#define NITEMS(a)    (sizeof(a) / sizeof((a)[0]))
#define PROP_STR_MAX 512

/*
 * The keywords network engineers know from strongSwan and cloud policies.
 * The first row of an (type, id, keylen) is its printed name; later rows
 * are aliases. Only algorithms we can run have a name: anything else is
 * refused when the configuration is parsed, not when a peer offers it.
 */
/* clang-format off */
static const struct alg_kw {
	const char	*name;
	uint8_t		 type;
	uint16_t	 id, keylen;
} alg_kw[] = {
	{ "aes128gcm16",	IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16",	IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16",	IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm",		IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm",		IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm",		IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16, 256 },
	{ "aes128",		IKE_XF_ENCR,	IKE_ENCR_AES_CBC, 128 },
	{ "aes192",		IKE_XF_ENCR,	IKE_ENCR_AES_CBC, 192 },
	{ "aes256",		IKE_XF_ENCR,	IKE_ENCR_AES_CBC, 256 },
	{ "sha1",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA1_96, 0 },
	{ "sha256",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "sha2_256",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha2_384",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha2_512",		IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha1",		IKE_XF_PRF,	IKE_PRF_HMAC_SHA1, 0 },
	{ "prfsha256",		IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384",		IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512",		IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_512, 0 },
	{ "modp768",		IKE_XF_DH,	IKE_DH_MODP768, 0 },
	{ "modp1024",		IKE_XF_DH,	IKE_DH_MODP1024, 0 },
	{ "modp1536",		IKE_XF_DH,	IKE_DH_MODP1536, 0 },
	{ "modp2048",		IKE_XF_DH,	IKE_DH_MODP2048, 0 },
	{ "modp3072",		IKE_XF_DH,	IKE_DH_MODP3072, 0 },
	{ "modp4096",		IKE_XF_DH,	IKE_DH_MODP4096, 0 },
	{ "ecp256",		IKE_XF_DH,	IKE_DH_ECP256, 0 },
	{ "ecp384",		IKE_XF_DH,	IKE_DH_ECP384, 0 },
	{ "ecp521",		IKE_XF_DH,	IKE_DH_ECP521, 0 },
	{ "modp2048s256",	IKE_XF_DH,	IKE_DH_MODP2048_256, 0 },
	{ "x25519",		IKE_XF_DH,	IKE_DH_CURVE25519, 0 },
	{ "curve25519",		IKE_XF_DH,	IKE_DH_CURVE25519, 0 },
	{ "esn",		IKE_XF_ESN,	IKE_ESN_YES, 0 },
	{ "noesn",		IKE_XF_ESN,	IKE_ESN_NO, 0 },
};
/* clang-format on */

/* The PRF an integrity keyword stands for when an IKE proposal names no
 * PRF (strongSwan's rule, so configurations carry over). */
/* clang-format off */
static const struct {
	uint16_t	 integ, prf;
} integ_prf[] = {
	{ IKE_INTEG_HMAC_SHA1_96,	IKE_PRF_HMAC_SHA1 },
	{ IKE_INTEG_HMAC_SHA2_256_128,	IKE_PRF_HMAC_SHA2_256 },
	{ IKE_INTEG_HMAC_SHA2_384_192,	IKE_PRF_HMAC_SHA2_384 },
	{ IKE_INTEG_HMAC_SHA2_512_256,	IKE_PRF_HMAC_SHA2_512 },
};
/* clang-format on */

/*
 * Defaults: what the cloud's custom IKE policy lists and is not broken
 * (no SHA-1, MD5, DES, 3DES, DH 1/2/5), plus X25519; AEAD first. ESP
 * without PFS, as the cloud gateway initiates (PFS is a configured
 * proposal with a group).
 */
const char ike_prop_default_ike[] =
    "aes256gcm16-aes128gcm16-prfsha512-prfsha384-prfsha256-"
    "ecp384-ecp256-x25519-modp2048-modp2048s256-ecp521,"
    "aes256-aes192-aes128-sha512-sha384-sha256-prfsha512-prfsha384-prfsha256-"
    "ecp384-ecp256-x25519-modp2048-modp2048s256-ecp521";
const char ike_prop_default_esp[] = "aes256gcm16-aes128gcm16-noesn,"
				    "aes256-aes192-aes128-sha512-sha384-sha256-noesn";

static const char *
xf_word(uint8_t type)
{
	switch (type) {
	case IKE_XF_ENCR:
		return "encryption";
	case IKE_XF_PRF:
		return "PRF";
	case IKE_XF_INTEG:
		return "integrity";
	case IKE_XF_DH:
		return "key exchange";
	case IKE_XF_ESN:
		return "ESN";
	}
	return "transform";
}

static __attribute__((format(printf, 3, 4))) int
perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *
ike_alg_name(uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < NITEMS(alg_kw); i++)
		if (alg_kw[i].type == type && alg_kw[i].id == id &&
		    alg_kw[i].keylen == (type == IKE_XF_ENCR ? keylen : 0))
			return alg_kw[i].name;
	return NULL;
}

static bool
prop_has(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (unsigned i = 0; i < p->n[type]; i++)
		if (p->alg[type][i].id == id && p->alg[type][i].keylen == keylen)
			return true;
	return false;
}

int
ike_prop_parse(const char *s, uint8_t proto, struct ike_proposal *p, char *err, size_t errlen)
{
	char	    buf[PROP_STR_MAX], *tok, *save = NULL;
	bool	    prf_given, aead = false, cbc = false;
	const char *aead_name = NULL, *cbc_name = NULL;

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	if (proto != IPSEC_PROTO_IKE && proto != IPSEC_PROTO_ESP)
		return perr(err, errlen, "proposals are for IKE or ESP only");
	if (strlen(s) >= sizeof(buf))
		return perr(err, errlen, "proposal too long (%zu characters)", strlen(s));
	if (*s == '\0')
		return perr(err, errlen, "empty proposal");
	strcpy(buf, s);
	if (buf[0] == '-' || buf[strlen(buf) - 1] == '-' || strstr(buf, "--") != NULL)
		return perr(err, errlen, "empty algorithm name in '%s'", s);
	for (tok = strtok_r(buf, "-", &save); tok != NULL; tok = strtok_r(NULL, "-", &save)) {
		const struct alg_kw *kw = NULL;

		for (size_t i = 0; i < NITEMS(alg_kw); i++)
			if (strcasecmp(alg_kw[i].name, tok) == 0) {
				kw = &alg_kw[i];
				break;
			}
		if (kw == NULL)
			return perr(err, errlen, "unknown algorithm '%s' in '%s'", tok, s);
		if (proto == IPSEC_PROTO_ESP && kw->type == IKE_XF_PRF)
			return perr(err, errlen,
			    "'%s' is a PRF: ESP proposals have none (in '%s')", tok, s);
		if (proto == IPSEC_PROTO_IKE && kw->type == IKE_XF_ESN)
			return perr(err, errlen, "'%s' is for ESP proposals only (in '%s')",
			    tok, s);
		if (prop_has(p, kw->type, kw->id, kw->keylen))
			return perr(err, errlen, "'%s' named twice in '%s'", tok, s);
		if (p->n[kw->type] == IKE_PROP_MAX_ALG)
			return perr(err, errlen, "more than %d %s algorithms in '%s'",
			    IKE_PROP_MAX_ALG, xf_word(kw->type), s);
		if (kw->type == IKE_XF_ENCR) {
			if (ike_encr_is_aead(kw->id)) {
				aead = true;
				aead_name = kw->name;
			} else {
				cbc = true;
				cbc_name = kw->name;
			}
		}
		p->alg[kw->type][p->n[kw->type]++] = (struct ike_alg){ kw->id, kw->keylen };
	}

	if (p->n[IKE_XF_ENCR] == 0)
		return perr(err, errlen, "no encryption algorithm in '%s'", s);
	/* one proposal is either AEAD or cipher + integrity (RFC 7296 3.3) */
	if (aead && cbc)
		return perr(err, errlen,
		    "'%s' (AEAD) and '%s' (not AEAD) in one proposal '%s': "
		    "make them two proposals, separated by a comma",
		    aead_name, cbc_name, s);

	prf_given = p->n[IKE_XF_PRF] > 0;
	if (proto == IPSEC_PROTO_IKE && !prf_given) {
		for (unsigned i = 0; i < p->n[IKE_XF_INTEG]; i++)
			for (size_t j = 0; j < NITEMS(integ_prf); j++)
				if (integ_prf[j].integ == p->alg[IKE_XF_INTEG][i].id)
					p->alg[IKE_XF_PRF][p->n[IKE_XF_PRF]++] =
					    (struct ike_alg){ integ_prf[j].prf, 0 };
		if (p->n[IKE_XF_PRF] == 0)
			return perr(err, errlen, "no PRF in '%s' (add e.g. prfsha256)", s);
		/* with AEAD, the integrity words only named the PRFs */
		if (aead)
			p->n[IKE_XF_INTEG] = 0;
	}
	if (aead && p->n[IKE_XF_INTEG] > 0)
		return perr(err, errlen,
		    "integrity algorithm '%s' with AEAD cipher '%s' in '%s'",
		    ike_alg_name(IKE_XF_INTEG, p->alg[IKE_XF_INTEG][0].id, 0), aead_name, s);
	if (!aead && p->n[IKE_XF_INTEG] == 0)
		return perr(err, errlen, "no integrity algorithm for '%s' in '%s'", cbc_name,
		    s);
	if (proto == IPSEC_PROTO_IKE && p->n[IKE_XF_DH] == 0)
		return perr(err, errlen, "no key exchange group in '%s' (add e.g. ecp256)", s);
	if (proto == IPSEC_PROTO_ESP && p->n[IKE_XF_ESN] == 0)
		p->alg[IKE_XF_ESN][p->n[IKE_XF_ESN]++] = (struct ike_alg){ IKE_ESN_NO, 0 };
	return 0;
}

int
ike_prop_parse_list(const char *s, uint8_t proto, struct ike_proposal *out, size_t max,
    char *err, size_t errlen)
{
	char   buf[PROP_STR_MAX * 2], *tok, *save = NULL;
	size_t n = 0;
	int    rc;

	if (strlen(s) >= sizeof(buf))
		return perr(err, errlen, "proposal list too long (%zu characters)", strlen(s));
	strcpy(buf, s);
	if (buf[0] == ',' || (buf[0] != '\0' && buf[strlen(buf) - 1] == ',') ||
	    strstr(buf, ",,") != NULL)
		return perr(err, errlen, "empty proposal in '%s'", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (n == max) {
			perr(err, errlen, "more than %zu proposals in '%s'", max, s);
			return -E2BIG;
		}
		if ((rc = ike_prop_parse(tok, proto, &out[n], err, errlen)) != 0)
			return rc;
		n++;
	}
	if (n == 0)
		return perr(err, errlen, "empty proposal list");
	return (int)n;
}

/* Append "-word" (no dash first) to buf at *off, snprintf-style. */
static void
print_word(char *buf, size_t len, size_t *off, const char *word)
{
	int n = snprintf(*off < len ? buf + *off : NULL, *off < len ? len - *off : 0, "%s%s",
	    *off ? "-" : "", word);

	if (n > 0)
		*off += (size_t)n;
}

static void
print_alg(char *buf, size_t len, size_t *off, uint8_t type, uint16_t id, uint16_t keylen)
{
	/* clang-format off */
	static const char *const prefix[IKE_XF_MAX + 1] = {
		"xf0", "encr", "prf", "integ", "dh", "esn" };
	const char	*name = ike_alg_name(type, id, keylen);
	char		 tmp[32];

	/* nameless only in a hand-built proposal or a peer's: "encr3" */
	if (name == NULL) {
		if (keylen != 0)
			snprintf(tmp, sizeof(tmp), "%s%u/%u", type <= IKE_XF_MAX ?
			    prefix[type] : "xf", id, keylen);
		else
			snprintf(tmp, sizeof(tmp), "%s%u", type <= IKE_XF_MAX ?
			    prefix[type] : "xf", id);
		name = tmp;
	}
	print_word(buf, len, off, name);
}

/* strongSwan's order: encryption, integrity, PRF, key exchange, ESN */
static const uint8_t print_order[] = {
	IKE_XF_ENCR, IKE_XF_INTEG, IKE_XF_PRF, IKE_XF_DH, IKE_XF_ESN,
};

int
ike_prop_print(const struct ike_proposal *p, char *buf, size_t len)
{
	size_t	 off = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t t = 0; t < NITEMS(print_order); t++) {
		uint8_t	 type = print_order[t];

		for (unsigned i = 0; i < p->n[type] && i < IKE_PROP_MAX_ALG; i++)
			print_alg(buf, len, &off, type, p->alg[type][i].id,
			    p->alg[type][i].keylen);
	}
	return (int)off;
}

int
ike_suite_print(const struct ike_suite *s, char *buf, size_t len)
{
	size_t	 off = 0;

	if (len > 0)
		buf[0] = '\0';
	print_alg(buf, len, &off, IKE_XF_ENCR, s->encr, s->encr_keylen);
	if (s->integ != IKE_INTEG_NONE)
		print_alg(buf, len, &off, IKE_XF_INTEG, s->integ, 0);
	if (s->proto == IPSEC_PROTO_IKE)
		print_alg(buf, len, &off, IKE_XF_PRF, s->prf, 0);
	if (s->dh != IKE_DH_NONE)
		print_alg(buf, len, &off, IKE_XF_DH, s->dh, 0);
	if (s->proto == IPSEC_PROTO_ESP)
		print_alg(buf, len, &off, IKE_XF_ESN, s->esn, 0);
	return (int)off;
}

int
ike_prop_defaults(uint8_t proto, struct ike_proposal *out, size_t max)
{
	const char	*s = proto == IPSEC_PROTO_IKE ? ike_prop_default_ike :
			    ike_prop_default_esp;

	return ike_prop_parse_list(s, proto, out, max, NULL, 0);
}

/* ---- selection ---- */

/* Fill a suite field from the transform chosen for type. */
static void
suite_set(struct ike_suite *s, uint8_t type, const struct ike_alg *a)
{
	switch (type) {
	case IKE_XF_ENCR:
		s->encr = a->id;
		s->encr_keylen = a->keylen;
		break;
	case IKE_XF_PRF:	s->prf = a->id; break;
	case IKE_XF_INTEG:	s->integ = a->id; break;
	case IKE_XF_DH:		s->dh = a->id; break;
	case IKE_XF_ESN:	s->esn = a->id; break;
	}
}

/* RFC 7296 3.3.6: a proposal with a transform type we do not know is
 * rejected whole. */
static bool
prop_types_known(const struct ike_sa_pl *sa, const struct ike_prop_pl *pp)
{
	for (unsigned i = 0; i < pp->nxf; i++) {
		uint8_t	 t = sa->xf[pp->first + i].type;

		if (t < IKE_XF_ENCR || t > IKE_XF_MAX)
			return false;
	}
	return true;
}

/*
 * Our first algorithm of this type that the peer's proposal lists. When
 * we list none (integrity with AEAD, DH for ESP without PFS), the peer
 * must list none either, or NONE among them (RFC 7296 3.3.3).
 */
static bool
pick(const struct ike_proposal *ours, uint8_t type, const struct ike_sa_pl *sa,
    const struct ike_prop_pl *pp, struct ike_alg *out)
{
	bool	 peer_any = false, peer_none = false;

	for (unsigned j = 0; j < pp->nxf; j++) {
		const struct ike_xform_pl	*x = &sa->xf[pp->first + j];

		if (x->type != type)
			continue;
		peer_any = true;
		if (x->id == 0 && !x->unknown_attr)
			peer_none = true;
	}
	if (ours->n[type] == 0) {
		*out = (struct ike_alg){ 0, 0 };
		return !peer_any || peer_none;
	}
	for (unsigned i = 0; i < ours->n[type]; i++)
		for (unsigned j = 0; j < pp->nxf; j++) {
			const struct ike_xform_pl	*x = &sa->xf[pp->first + j];

			if (x->type == type && x->id == ours->alg[type][i].id &&
			    x->keylen == ours->alg[type][i].keylen && !x->unknown_attr) {
				*out = ours->alg[type][i];
				return true;
			}
		}
	return false;
}

/* Integrity absent with AEAD, present otherwise (RFC 7296 3.3.3, RFC 5282 8). */
static bool
suite_consistent(const struct ike_suite *s)
{
	if (ike_encr_is_aead(s->encr))
		return s->integ == IKE_INTEG_NONE;
	return s->integ != IKE_INTEG_NONE;
}

enum ike_err
ike_prop_select(const struct ike_proposal *ours, size_t nours, const struct ike_sa_pl *offer,
    unsigned flags, struct ike_suite *out)
{
	memset(out, 0, sizeof(*out));
	/* RFC 7296 3.3.1: an offer numbers its proposals from 1 */
	if (offer->nprop == 0 || offer->prop[0].num != 1)
		return IKE_ERR_SYNTAX;
	for (size_t i = 0; i < nours; i++) {
		for (unsigned j = 0; j < offer->nprop; j++) {
			const struct ike_prop_pl	*pp = &offer->prop[j];
			struct ike_suite		 s = { 0 };
			bool				 ok = true;

			if (pp->proto != ours[i].proto || !prop_types_known(offer, pp))
				continue;
			for (uint8_t t = IKE_XF_ENCR; t <= IKE_XF_MAX && ok; t++) {
				struct ike_alg	 a;

				if (t == IKE_XF_DH && (flags & IKE_SEL_NO_DH))
					continue;
				if ((ok = pick(&ours[i], t, offer, pp, &a)))
					suite_set(&s, t, &a);
			}
			s.proto = pp->proto;
			if (!ok || !suite_consistent(&s))
				continue;
			s.peer_num = pp->num;
			s.spi_size = pp->spi_size;
			s.spi = pp->spi;
			*out = s;
			return IKE_OK;
		}
	}
	return IKE_ERR_NO_PROPOSAL;
}

enum ike_err
ike_prop_check_reply(const struct ike_proposal *ours, size_t nours,
    const struct ike_sa_pl *reply, unsigned flags, struct ike_suite *out)
{
	const struct ike_prop_pl	*pp;
	const struct ike_proposal	*p;
	struct ike_suite		 s = { 0 };
	uint8_t				 seen[IKE_XF_MAX + 1] = { 0 };

	memset(out, 0, sizeof(*out));
	/* RFC 7296 2.7: the answer is one proposal, one transform per type */
	if (reply->nprop != 1)
		return IKE_ERR_NO_PROPOSAL;
	pp = &reply->prop[0];
	if (pp->num == 0 || pp->num > nours)
		return IKE_ERR_NO_PROPOSAL;
	p = &ours[pp->num - 1];
	if (pp->proto != p->proto || !prop_types_known(reply, pp))
		return IKE_ERR_NO_PROPOSAL;
	for (unsigned j = 0; j < pp->nxf; j++) {
		const struct ike_xform_pl	*x = &reply->xf[pp->first + j];
		struct ike_alg			 a = { x->id, x->keylen };

		if (x->unknown_attr || seen[x->type]++ > 0)
			return IKE_ERR_NO_PROPOSAL;
		if (x->type == IKE_XF_DH && (flags & IKE_SEL_NO_DH))
			continue;
		/* NONE is fine where we asked for nothing of that type */
		if (!prop_has(p, x->type, x->id, x->keylen) &&
		    !(x->id == 0 && p->n[x->type] == 0))
			return IKE_ERR_NO_PROPOSAL;
		suite_set(&s, x->type, &a);
	}
	for (uint8_t t = IKE_XF_ENCR; t <= IKE_XF_MAX; t++) {
		if (t == IKE_XF_DH && (flags & IKE_SEL_NO_DH))
			continue;
		if (p->n[t] > 0 && seen[t] == 0)	/* a type we required */
			return IKE_ERR_NO_PROPOSAL;
	}
	s.proto = pp->proto;
	if (!suite_consistent(&s))
		return IKE_ERR_NO_PROPOSAL;
	s.peer_num = pp->num;
	s.spi_size = pp->spi_size;
	s.spi = pp->spi;
	*out = s;
	return IKE_OK;
}

int
ike_prop_to_sa(const struct ike_proposal *ours, size_t nours, uint8_t spi_size, uint64_t spi,
    unsigned flags, struct ike_sa_pl *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (nours == 0 || nours > IKE_MAX_PROPOSALS)
		return -E2BIG;
	for (size_t i = 0; i < nours; i++) {
		struct ike_prop_pl	*pp = &sa->prop[i];

		pp->num = (uint8_t)(i + 1);
		pp->proto = ours[i].proto;
		pp->spi_size = spi_size;
		pp->spi = spi;
		pp->first = sa->nxf;
		for (uint8_t t = IKE_XF_ENCR; t <= IKE_XF_MAX; t++) {
			if (t == IKE_XF_DH && (flags & IKE_SEL_NO_DH))
				continue;
			for (unsigned k = 0; k < ours[i].n[t]; k++) {
				if (sa->nxf == IKE_MAX_XFORMS || pp->nxf == UINT8_MAX)
					return -E2BIG;
				sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = t,
				    .id = ours[i].alg[t][k].id,
				    .keylen = ours[i].alg[t][k].keylen };
				pp->nxf++;
			}
		}
		sa->nprop++;
	}
	return 0;
}

void
ike_suite_to_sa(const struct ike_suite *s, uint8_t spi_size, uint64_t spi, struct ike_sa_pl *sa)
{
	struct ike_prop_pl	*pp = &sa->prop[0];

	memset(sa, 0, sizeof(*sa));
	sa->nprop = 1;
	pp->num = s->peer_num;
	pp->proto = s->proto;
	pp->spi_size = spi_size;
	pp->spi = spi;
	sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_ENCR, .id = s->encr,
	    .keylen = s->encr_keylen };
	if (s->proto == IPSEC_PROTO_IKE)
		sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_PRF, .id = s->prf };
	if (s->integ != IKE_INTEG_NONE)
		sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_INTEG, .id = s->integ };
	if (s->dh != IKE_DH_NONE)
		sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_DH, .id = s->dh };
	if (s->proto == IPSEC_PROTO_ESP)
		sa->xf[sa->nxf++] = (struct ike_xform_pl){ .type = IKE_XF_ESN, .id = s->esn };
	pp->nxf = (uint8_t)sa->nxf;
}

/* clang-format on */