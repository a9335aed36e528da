/* vpn/ike_cookie.c - denial of service (RFC 7296 2.6): COOKIEs past a threshold of half-open SAs, a cap per source, nothing kept for a peer that has not answered. */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/*
 * A half-open SA is a responder's SA between its IKE_SA_INIT answer and
 * the peer's IKE_AUTH: the only state an unauthenticated peer can make us
 * hold. They are counted in all and per source address (the SAs of one
 * source share a chain of vpn->half_open, found by the address's hash, so
 * counting them allocates nothing). Past cookie_threshold every new
 * request must echo a COOKIE (answered statelessly): a forged source never
 * sees it. A source may hold half_open_per_src SAs (four times that once
 * it proved its address with a COOKIE); past that, or past half_open_max in
 * all, requests are dropped without an answer.
 *
 * Cookie = <version> | SHA-256(Ni | IPi | SPIi | <secret>) (RFC 7296 2.6);
 * the secret changes every VPN_COOKIE_ROTATE_MS and the previous one is
 * still accepted, so an answer in flight across a change is good.
 */

#define VPN_COOKIE_ROTATE_MS 120000
#define VPN_COOKIE_LEN	     (1 + 32)
#define VPN_PROVED_FACTOR    4

/* Seeded: the addresses are the peers' choice (lib/hash.h). */
static uint32_t
addr_hash(const struct vpn *v, const struct ipaddr *a)
{
	return hash_bytes(a->bytes, a->family == AF_INET ? 4 : 16, v->hash_seed ^ a->family);
}

static void
cookie_rotate(struct vpn *v)
{
	uint64_t now = vpn_now();

	if (now - v->cookie_rotated_ms < VPN_COOKIE_ROTATE_MS)
		return;
	memcpy(v->cookie_secret[1], v->cookie_secret[0], sizeof(v->cookie_secret[0]));
	vpn_random(v->cookie_secret[0], sizeof(v->cookie_secret[0]));
	v->cookie_ver++;
	v->cookie_rotated_ms = now;
}

static int
cookie_hash(const uint8_t secret[32], const struct ike_msg *m, const struct ipaddr *remote,
    uint8_t out[32])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	uint8_t	    spi[8];
	unsigned    len = 0;
	int	    rc = -EIO;

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(m->hdr.ispi >> (56 - 8 * i));
	if (x && EVP_DigestInit_ex(x, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(x, m->nonce.p, m->nonce.len) == 1 &&
	    EVP_DigestUpdate(x, remote->bytes, remote->family == AF_INET ? 4 : 16) == 1 &&
	    EVP_DigestUpdate(x, spi, sizeof(spi)) == 1 &&
	    EVP_DigestUpdate(x, secret, 32) == 1 && EVP_DigestFinal_ex(x, out, &len) == 1 &&
	    len == 32)
		rc = 0;
	EVP_MD_CTX_free(x);
	return rc;
}

size_t
ike_cookie_make(struct vpn *v, const struct ike_msg *m, const struct ipaddr *remote,
    uint8_t *out, size_t cap)
{
	cookie_rotate(v);
	if (cap < VPN_COOKIE_LEN || cookie_hash(v->cookie_secret[0], m, remote, out + 1) != 0)
		return 0;
	out[0] = v->cookie_ver;
	return VPN_COOKIE_LEN;
}

/* Is the COOKIE m carries (it must come first, RFC 7296 2.6) ours? */
static bool
cookie_valid(struct vpn *v, const struct ike_msg *m, const struct ipaddr *remote)
{
	const struct ike_notify_pl *n = ike_msg_notify(m, IKE_N_COOKIE);
	uint8_t			    want[32], ver;
	int			    which;

	if (!n || n->data.len != VPN_COOKIE_LEN || !wire_peek_u8(&n->data, &ver))
		return false;
	if (ver == v->cookie_ver)
		which = 0;
	else if (ver == (uint8_t)(v->cookie_ver - 1))
		which = 1;
	else
		return false;
	if (cookie_hash(v->cookie_secret[which], m, remote, want) != 0)
		return false;
	return CRYPTO_memcmp(want, n->data.p + 1, sizeof(want)) == 0;
}

static uint32_t
src_count(struct vpn *v, const struct ipaddr *remote, bool *proved)
{
	struct hash_node *n;
	uint32_t	  c = 0;

	*proved = false;
	HASH_FOREACH_MATCH(&v->half_open, addr_hash(v, remote), n) {
		struct ike_sa *sa = hash_entry(n, struct ike_sa, ho_node);

		if (ipaddr_cmp(&sa->remote, remote) == 0) {
			c++;
			*proved |= sa->cookie_proved;
		}
	}
	return c;
}

int
ike_cookie_check(struct vpn *v, const struct ike_msg *m, const struct ipaddr *remote,
    bool *need_cookie, bool *proved)
{
	uint32_t cap = v->cfg.dos.half_open_per_src;
	bool	 had_proof;
	uint32_t n = src_count(v, remote, &had_proof);

	cookie_rotate(v);
	*proved = ike_msg_has(m, IKE_PL_NOTIFY) && cookie_valid(v, m, remote);
	*need_cookie = !*proved && v->n_half_open >= v->cfg.dos.cookie_threshold;
	if (*proved || had_proof)
		cap *= VPN_PROVED_FACTOR;
	if (v->n_half_open >= v->cfg.dos.half_open_max || n >= cap) {
		v->half_open_refused++;
		return -EBUSY;
	}
	return 0;
}

void
ike_half_open_add(struct vpn *v, struct ike_sa *sa)
{
	if (sa->in_half_open)
		return;
	if (hash_add(&v->half_open, &sa->ho_node, addr_hash(v, &sa->remote)) != 0)
		return; /* uncounted: the cap errs on the side of the peer */
	sa->in_half_open = true;
	v->n_half_open++;
}

void
ike_half_open_del(struct vpn *v, struct ike_sa *sa)
{
	if (!sa->in_half_open)
		return;
	hash_del(&v->half_open, &sa->ho_node);
	sa->in_half_open = false;
	v->n_half_open--;
}

struct ike_sa *
ike_half_open_find(struct vpn *v, const struct ipaddr *remote, uint64_t ispi)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&v->half_open, addr_hash(v, remote), n) {
		struct ike_sa *sa = hash_entry(n, struct ike_sa, ho_node);

		if (sa->ispi == ispi && ipaddr_cmp(&sa->remote, remote) == 0)
			return sa;
	}
	return NULL;
}
