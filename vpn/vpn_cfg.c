/* vpn/vpn_cfg.c - a tunnel's configuration: defaults, copies, comparison, the commit-time checks, proposals and credentials. */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

static int cfg_bad(struct vpn_cfg_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cfg_bad(struct vpn_cfg_err *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		snprintf(err->field, sizeof(err->field), "%s", field);
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void
vpn_tunnel_cfg_init(struct vpn_tunnel_cfg *c)
{
	memset(c, 0, sizeof(*c));
}

void
vpn_tunnel_cfg_wipe(struct vpn_tunnel_cfg *c)
{
	secret_wipe(&c->psk);
}

void
vpn_tunnel_cfg_copy(struct vpn_tunnel_cfg *dst, const struct vpn_tunnel_cfg *src)
{
	const size_t k = offsetof(struct vpn_tunnel_cfg, psk);

	/* everything but the key as bytes, the key as a secret */
	memcpy(dst, src, k);
	secret_copy(&dst->psk, &src->psk);
	memcpy((char *)dst + k + sizeof(dst->psk), (const char *)src + k + sizeof(src->psk),
	    sizeof(*dst) - k - sizeof(dst->psk));
}

/* Configs are built in zeroed memory (vpn_tunnel_cfg_init), so padding and
 * the unused ends of strings compare equal. */
bool
vpn_tunnel_cfg_same(const struct vpn_tunnel_cfg *a, const struct vpn_tunnel_cfg *b)
{
	const size_t k = offsetof(struct vpn_tunnel_cfg, psk);
	const size_t e = k + sizeof(a->psk);

	return memcmp(a, b, k) == 0 && secret_eq(&a->psk, &b->psk) &&
	    memcmp((const char *)a + e, (const char *)b + e, sizeof(*a) - e) == 0;
}

int
vpn_cfg_props(const struct vpn_tunnel_cfg *c, struct ike_proposal *ike, uint8_t *nike,
    struct ike_proposal *esp, uint8_t *nesp, struct vpn_cfg_err *err)
{
	char msg[256];
	int  n;

	msg[0] = '\0';
	if (c->ike_proposals[0])
		n = ike_prop_parse_list(c->ike_proposals, IPSEC_PROTO_IKE, ike, IKE_PROP_MAX,
		    msg, sizeof(msg));
	else
		n = ike_prop_defaults(IPSEC_PROTO_IKE, ike, IKE_PROP_MAX);
	if (n <= 0)
		return cfg_bad(err, "ike/proposal", "%s", msg[0] ? msg : "no usable proposal");
	for (int i = 0; i < n; i++)
		if (ike[i].n[IKE_XF_DH] == 0)
			return cfg_bad(err, "ike/proposal",
			    "proposal %d names no key exchange "
			    "group (IKE needs one)",
			    i + 1);
	*nike = (uint8_t)n;
	if (c->esp_proposals[0])
		n = ike_prop_parse_list(c->esp_proposals, IPSEC_PROTO_ESP, esp, IKE_PROP_MAX,
		    msg, sizeof(msg));
	else
		n = ike_prop_defaults(IPSEC_PROTO_ESP, esp, IKE_PROP_MAX);
	if (n <= 0)
		return cfg_bad(err, "esp/proposal", "%s", msg[0] ? msg : "no usable proposal");
	for (int i = 0; i < n; i++) {
		struct ike_proposal *p = &esp[i];

		/* what the dataplane runs (vpn/esp_sa.h) */
		for (unsigned j = 0; j < p->n[IKE_XF_ENCR]; j++) {
			const struct ike_alg *a = &p->alg[IKE_XF_ENCR][j];

			if (a->id != IKE_ENCR_AES_GCM_16 && a->id != IKE_ENCR_AES_CBC)
				return cfg_bad(err, "esp/proposal", "ESP cannot run '%s'",
				    ike_alg_name(IKE_XF_ENCR, a->id, a->keylen));
		}
		if (p->n[IKE_XF_ESN] == 0) { /* RFC 7296 3.3.3: ESP names ESN */
			p->alg[IKE_XF_ESN][0] = (struct ike_alg){ IKE_ESN_NO, 0 };
			p->n[IKE_XF_ESN] = 1;
		}
		/* PFS: the configured group where the proposal names none */
		if (c->pfs_group && p->n[IKE_XF_DH] == 0) {
			p->alg[IKE_XF_DH][0] = (struct ike_alg){ c->pfs_group, 0 };
			p->n[IKE_XF_DH] = 1;
		}
	}
	*nesp = (uint8_t)n;
	return 0;
}

/* Load what certificate authentication needs into p (its owner frees). */
int
vpn_cfg_creds(const struct vpn_tunnel_cfg *c, struct vpn_prep *p, struct vpn_cfg_err *err)
{
	char msg[256];

	if (c->auth != VPN_AUTH_CERT)
		return 0;
	msg[0] = '\0';
	if (!c->cert[0] || !c->key[0] || !c->ca[0])
		return cfg_bad(err,
		    !c->cert[0]	   ? "ike/certificate" :
			!c->key[0] ? "ike/private-key" :
				     "ike/ca-certificate",
		    "certificate authentication needs certificate, private-key and "
		    "ca-certificate");
	if (ike_cred_load(c->cert, c->key, &p->cert, &p->key, msg, sizeof(msg)) != 0)
		return cfg_bad(err, strstr(msg, c->key) ? "ike/private-key" : "ike/certificate",
		    "%s", msg);
	if (ike_ca_load(c->ca, &p->ca, msg, sizeof(msg)) != 0)
		return cfg_bad(err, "ike/ca-certificate", "%s", msg);
	{
		/* the CA our CERTREQ names (RFC 7296 3.7): the first in the file */
		STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(p->ca);
		X509 *ca = NULL;

		for (int i = 0; objs && i < sk_X509_OBJECT_num(objs) && !ca; i++)
			ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (ca)
			(void)ike_ca_keyid(ca, p->ca_keyid);
	}
	return 0;
}

void
vpn_prep_release(struct vpn_prep *p)
{
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
	X509_STORE_free(p->ca);
	p->cert = NULL;
	p->key = NULL;
	p->ca = NULL;
	vpn_tunnel_cfg_wipe(&p->cfg);
}

int
vpn_dh_group_id(const char *name, uint16_t *id)
{
	struct ike_proposal p;
	char		    buf[64];

	/* a proposal of the group alone says what the keyword is */
	snprintf(buf, sizeof(buf), "aes128gcm16-%s", name);
	if (strchr(name, '-') || strchr(name, ',') ||
	    ike_prop_parse(buf, IPSEC_PROTO_ESP, &p, NULL, 0) != 0 || p.n[IKE_XF_DH] != 1)
		return -EINVAL;
	*id = p.alg[IKE_XF_DH][0].id;
	return 0;
}

static bool
ts_family_ok(const struct prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].family != AF_INET && p[i].family != AF_INET6)
			return false;
	return true;
}

int
vpn_tunnel_cfg_check(const struct vpn_tunnel_cfg *c, struct vpn_cfg_err *err)
{
	struct ike_proposal ike[IKE_PROP_MAX], esp[IKE_PROP_MAX];
	struct vpn_prep	    p;
	struct ike_id	    id;
	uint8_t		    ni, ne;
	char		    msg[256];
	int		    rc;

	if (!c->ifname[0])
		return cfg_bad(err, "tunnel/interface",
		    "hybridgw runs IKE for this tunnel "
		    "(the connection has ike): it needs the interface to create");
	if (c->inside.family && c->inside_len > (c->inside.family == AF_INET ? 32 : 128))
		return cfg_bad(err, "tunnel/inside-address", "bad prefix length%s", "");
	if (!c->local.family || c->local.family != c->remote.family)
		return cfg_bad(err, "tunnel/remote-address",
		    "the outer addresses must be of "
		    "one family");
	if ((rc = vpn_cfg_props(c, ike, &ni, esp, &ne, err)) != 0)
		return rc;
	if (c->pfs_group && (!ike_dh_supported(c->pfs_group)))
		return cfg_bad(err, "esp/pfs-group", "group %u is not supported", c->pfs_group);
	if (c->auth == VPN_AUTH_PSK && secret_empty(&c->psk))
		return cfg_bad(err, "ike/pre-shared-key",
		    "IKE needs a pre-shared-key or a "
		    "certificate");
	if (c->local_id[0] && ike_id_parse(c->local_id, &id, msg, sizeof(msg)) != 0)
		return cfg_bad(err, "ike/local-id", "%s", msg);
	if (c->local_id[0] && id.type == IKE_ID_ANY)
		return cfg_bad(err, "ike/local-id", "%%any is not an identity to send%s", "");
	if (c->remote_id[0] && ike_id_parse(c->remote_id, &id, msg, sizeof(msg)) != 0)
		return cfg_bad(err, "ike/remote-id", "%s", msg);
	if (c->replay_window > ESP_REPLAY_MAX)
		return cfg_bad(err, "esp/replay-window", "at most %u packets", ESP_REPLAY_MAX);
	if (c->nts_local > VPN_TS_MAX || c->nts_remote > VPN_TS_MAX ||
	    !ts_family_ok(c->ts_local, c->nts_local) ||
	    !ts_family_ok(c->ts_remote, c->nts_remote))
		return cfg_bad(err, "esp/local-traffic-selector",
		    "at most %u selectors per side", VPN_TS_MAX);
	if ((c->nts_local == 0) != (c->nts_remote == 0))
		return cfg_bad(err,
		    c->nts_local ? "esp/remote-traffic-selector" : "esp/local-traffic-selector",
		    "traffic selectors are configured for both "
		    "sides or for neither (route-based)%s",
		    "");
	memset(&p, 0, sizeof(p));
	rc = vpn_cfg_creds(c, &p, err);
	if (rc == 0 && c->auth == VPN_AUTH_CERT && c->local_id[0]) {
		/* what we claim must be in our certificate (RFC 7296 3.5) */
		if (ike_id_parse(c->local_id, &id, NULL, 0) == 0 &&
		    ike_id_cert_check(&id, p.cert) != 0)
			rc = cfg_bad(err, "ike/local-id",
			    "'%s' is not in %s (subject or "
			    "subjectAltName)",
			    c->local_id, c->cert);
	}
	X509_free(p.cert);
	EVP_PKEY_free(p.key);
	X509_STORE_free(p.ca);
	return rc;
}
