/* tests/fuzz/fuzz_vpn_ike.c - fuzz the IKEv2 codec: message, every payload decoder, SK/SKF views, SA and TS round trips. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "vpn/ike_cert.h"
#include "vpn/ike_codec.h"
#include "vpn/ike_crypto.h"
#include "vpn/ike_proposal.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ike_proposal ours_ike[IKE_PROP_MAX], ours_esp[IKE_PROP_MAX];
static int		   nike, nesp;
static struct ike_sk_dir   gcm, cbc; /* fixed keys: exercise the checks */
static struct ike_frag	   frag;

static void
init_once(void)
{
	static int done;
	uint8_t	   k[64];

	if (done)
		return;
	done = 1;
	nike = ike_prop_defaults(IPSEC_PROTO_IKE, ours_ike, IKE_PROP_MAX);
	nesp = ike_prop_defaults(IPSEC_PROTO_ESP, ours_esp, IKE_PROP_MAX);
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	gcm.encr = IKE_ENCR_AES_GCM_16;
	gcm.keylen = 128;
	secret_set(&gcm.ek, k, 20);
	cbc.encr = IKE_ENCR_AES_CBC;
	cbc.keylen = 128;
	cbc.integ = IKE_INTEG_HMAC_SHA2_256_128;
	secret_set(&cbc.ek, k, 16);
	secret_set(&cbc.ak, k, 32);
}

/* A decoded SA payload written again decodes to the same proposals
 * (attributes we do not know are not written back). */
static void
sa_roundtrip(const struct ike_sa_pl *sa)
{
	static struct ike_msg m2;
	uint8_t		      buf[8192];
	struct wire_wr	      w = wire_wr_init(buf, sizeof(buf));
	struct ike_enc	      e;
	struct ike_hdr	      h = { .ispi = 1, .exchange = IKE_SA_INIT };

	ike_enc_init(&e, &w, &h);
	ike_enc_sa(&e, sa);
	if (ike_enc_end(&e) != 0)
		abort();
	if (ike_msg_decode(wire_rd_init(buf, wire_wr_len(&w)), &m2) != IKE_OK)
		abort();
	if (m2.sa.nprop != sa->nprop || m2.sa.nxf != sa->nxf)
		abort();
	for (unsigned i = 0; i < sa->nprop; i++)
		if (m2.sa.prop[i].num != sa->prop[i].num ||
		    m2.sa.prop[i].spi != sa->prop[i].spi ||
		    m2.sa.prop[i].nxf != sa->prop[i].nxf ||
		    m2.sa.prop[i].proto != sa->prop[i].proto)
			abort();
	for (unsigned i = 0; i < sa->nxf; i++)
		if (m2.sa.xf[i].type != sa->xf[i].type || m2.sa.xf[i].id != sa->xf[i].id ||
		    m2.sa.xf[i].keylen != sa->xf[i].keylen)
			abort();
}

static void
ts_roundtrip(uint8_t type, const struct ike_ts_pl *tp)
{
	static struct ike_msg	m2;
	uint8_t			buf[2048];
	struct wire_wr		w = wire_wr_init(buf, sizeof(buf));
	struct ike_enc		e;
	struct ike_hdr		h = { .ispi = 1, .exchange = IKE_AUTH };
	const struct ike_ts_pl *t2;

	if (tp->n == 0) /* only unknown selectors: nothing to write */
		return;
	ike_enc_init(&e, &w, &h);
	ike_enc_ts(&e, type, tp->ts, tp->n);
	if (ike_enc_end(&e) != 0 ||
	    ike_msg_decode(wire_rd_init(buf, wire_wr_len(&w)), &m2) != IKE_OK)
		abort();
	t2 = type == IKE_PL_TSI ? &m2.tsi : &m2.tsr;
	if (t2->n != tp->n || memcmp(t2->ts, tp->ts, tp->n * sizeof(tp->ts[0])) != 0)
		abort();
}

static void
payload_users(struct ike_msg *m)
{
	struct ike_suite s;
	struct ike_id	 id;
	char		 text[4096];
	uint32_t	 mask;

	if (m->count[IKE_PL_SA]) {
		sa_roundtrip(&m->sa);
		(void)ike_prop_select(ours_ike, (size_t)nike, &m->sa, 0, &s);
		(void)ike_prop_select(ours_esp, (size_t)nesp, &m->sa, IKE_SEL_NO_DH, &s);
		(void)ike_prop_check_reply(ours_ike, (size_t)nike, &m->sa, 0, &s);
	}
	if (m->count[IKE_PL_TSI])
		ts_roundtrip(IKE_PL_TSI, &m->tsi);
	if (m->count[IKE_PL_TSR])
		ts_roundtrip(IKE_PL_TSR, &m->tsr);
	if (m->count[IKE_PL_IDI] && ike_id_from_payload(&m->idi, &id) == 0)
		(void)ike_id_print(&id, text, sizeof(text));
	if (m->count[IKE_PL_IDR] && ike_id_from_payload(&m->idr, &id) == 0)
		(void)ike_id_print(&id, text, sizeof(text));
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == IKE_N_SIGNATURE_HASH_ALGORITHMS)
			(void)ike_sighash_decode(m->notify[i].data, &mask);
	for (unsigned i = 0; i < m->ncertreq; i++) {
		uint8_t kid[IKE_CA_KEYID_LEN] = { 0 };

		(void)ike_certreq_has(m->certreq[i].data, kid);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ike_msg	m;
	static struct ike_sa_pl sa;
	static uint8_t		plain[65536];
	struct wire_rd		inner;
	enum ike_err		err;

	init_once();

	/* the SA body decoder alone */
	if (ike_sa_decode(wire_rd_init(data, len), &sa) == IKE_OK)
		sa_roundtrip(&sa);

	/* the input as an inner chain: first byte names the first payload */
	if (len > 0) {
		memset(&m, 0, sizeof(m));
		if (ike_msg_decode_inner(&m, data[0], wire_rd_init(data + 1, len - 1)) ==
		    IKE_OK)
			payload_users(&m);
	}

	/* the input as a datagram */
	err = ike_msg_decode(wire_rd_init(data, len), &m);
	if (err == IKE_ERR_UNSUPPORTED_CRITICAL && m.err_payload == 0)
		abort();
	if (err != IKE_OK)
		return 0;
	if (m.hdr.length != len || m.nnotify > IKE_MAX_NOTIFY || m.sa.nprop > IKE_MAX_PROPOSALS)
		abort();
	payload_users(&m);
	if (m.count[IKE_PL_SK] || m.count[IKE_PL_SKF]) {
		static struct ike_msg m2;

		/* every length check before the crypto, both kinds; an ICV
		 * that verifies under these fixed keys is not expected, but
		 * would only lead to the inner decoder */
		m2 = m;
		if (ike_sk_open(&gcm, &m, plain, sizeof(plain), &inner) == 0 &&
		    ike_msg_decode_inner(&m2, m2.sk.first, inner) == IKE_OK)
			payload_users(&m2);
		m2 = m;
		if (ike_sk_open(&cbc, &m, plain, sizeof(plain), &inner) == 0 &&
		    ike_msg_decode_inner(&m2, m2.sk.first, inner) == IKE_OK)
			payload_users(&m2);
		/* and the encrypted body as if it were the plain inner chain */
		m2 = m;
		if (ike_msg_decode_inner(&m2, m2.sk.first, m2.sk.body) == IKE_OK)
			payload_users(&m2);
		/* or a fragment's decrypted bytes, twice (a duplicate) */
		if (m.count[IKE_PL_SKF]) {
			struct wire_rd whole;
			uint8_t	       first;
			int	       rc;

			ike_frag_reset(&frag);
			(void)ike_frag_add(&frag, &m, m.sk.body, plain, sizeof(plain), &whole,
			    &first);
			rc = ike_frag_add(&frag, &m, m.sk.body, plain, sizeof(plain), &whole,
			    &first);
			if (rc == 1 && (m.sk.frag_total != 1 || whole.len != m.sk.body.len))
				abort();
		}
	}
	return 0;
}
