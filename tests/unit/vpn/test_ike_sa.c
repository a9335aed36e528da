/* tests/unit/vpn/test_ike_sa.c - two IKE engines on one loop over loopback sockets (private netns), a recording ESP backend: setup, failures, rekeys without a gap, collisions, DPD, deletes, restarts, cookies, fragments, certificates. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sockaddr.h"
#include "tests/unit/include/test_time.h"
#include "tests/unit/vpn/vpn_test_pki.h"
#include "vpn/vpn_local.h"

/* ------------------------------------------------- a recording ESP backend */

#define FB_SAS	512
#define FB_TUNS 16

struct fb_sa {
	uint32_t	  tunnel, spi;
	enum esp_dir	  dir;
	bool		  live;
	struct esp_sa_cfg cfg;
};

struct fb {
	struct esp_backend    be;
	struct fb_sa	      sa[FB_SAS];
	unsigned	      nsa;
	uint32_t	      ntun;
	bool		      tun_live[FB_TUNS];
	char		      tun_name[FB_TUNS][16];
	uint32_t	      active[FB_TUNS]; /* active outbound SPI */
	struct esp_tunnel_cfg path[FB_TUNS];   /* where ESP goes */
	unsigned	      peer_sets;
	struct esp_events     ev;
};

static struct fb *
fb_of(struct esp_backend *be)
{
	return (struct fb *)be;
}

static int
fb_tunnel_add(struct esp_backend *be, const struct esp_tunnel_cfg *c, uint32_t *id)
{
	struct fb *f = fb_of(be);

	if (f->ntun + 1 >= FB_TUNS)
		return -ENOSPC;
	for (uint32_t i = 1; i <= f->ntun; i++)
		if (f->tun_live[i] && strcmp(f->tun_name[i], c->ifname) == 0)
			return -EEXIST;
	*id = ++f->ntun;
	f->tun_live[*id] = true;
	snprintf(f->tun_name[*id], sizeof(f->tun_name[*id]), "%s", c->ifname);
	f->path[*id] = *c;
	return 0;
}

static struct fb_sa *
fb_find(struct fb *f, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < f->nsa; i++)
		if (f->sa[i].live && f->sa[i].tunnel == tunnel && f->sa[i].spi == spi &&
		    f->sa[i].dir == dir)
			return &f->sa[i];
	return NULL;
}

static int
fb_sa_del(struct esp_backend *be, uint32_t tunnel, uint32_t spi, enum esp_dir dir)
{
	struct fb    *f = fb_of(be);
	struct fb_sa *s = fb_find(f, tunnel, spi, dir);

	if (!s)
		return -ENOENT;
	s->live = false;
	esp_sa_cfg_wipe(&s->cfg);
	if (dir == ESP_OUT && f->active[tunnel] == spi)
		f->active[tunnel] = 0;
	return 0;
}

static int
fb_tunnel_del(struct esp_backend *be, uint32_t id)
{
	struct fb *f = fb_of(be);

	if (id >= FB_TUNS || !f->tun_live[id])
		return -ENOENT;
	for (unsigned i = 0; i < f->nsa; i++)
		if (f->sa[i].live && f->sa[i].tunnel == id)
			(void)fb_sa_del(be, id, f->sa[i].spi, f->sa[i].dir);
	f->tun_live[id] = false;
	return 0;
}

static int
fb_peer_set(struct esp_backend *be, uint32_t id, const struct esp_tunnel_cfg *c)
{
	struct fb *f = fb_of(be);

	if (id >= FB_TUNS || !f->tun_live[id])
		return -ENOENT;
	f->path[id].remote = c->remote;
	f->path[id].udp_encap = c->udp_encap;
	f->path[id].remote_port = c->remote_port;
	f->peer_sets++;
	return 0;
}

static int
fb_sa_add(struct esp_backend *be, uint32_t tunnel, const struct esp_sa_cfg *c, enum esp_dir d)
{
	struct fb    *f = fb_of(be);
	struct fb_sa *s;

	if (tunnel >= FB_TUNS || !f->tun_live[tunnel])
		return -ENOENT;
	if (fb_find(f, tunnel, c->spi, d))
		return -EEXIST;
	if (f->nsa == FB_SAS)
		return -ENOSPC;
	s = &f->sa[f->nsa++];
	memset(s, 0, sizeof(*s));
	s->tunnel = tunnel;
	s->spi = c->spi;
	s->dir = d;
	s->live = true;
	s->cfg = *c;
	secret_copy(&s->cfg.encr_key, &c->encr_key);
	secret_copy(&s->cfg.integ_key, &c->integ_key);
	if (d == ESP_OUT && !f->active[tunnel])
		f->active[tunnel] = c->spi; /* the first is used at once */
	return 0;
}

static int
fb_sa_add_in(struct esp_backend *be, uint32_t t, const struct esp_sa_cfg *c)
{
	return fb_sa_add(be, t, c, ESP_IN);
}

static int
fb_sa_add_out(struct esp_backend *be, uint32_t t, const struct esp_sa_cfg *c)
{
	return fb_sa_add(be, t, c, ESP_OUT);
}

static int
fb_switch(struct esp_backend *be, uint32_t t, uint32_t spi)
{
	struct fb *f = fb_of(be);

	if (!fb_find(f, t, spi, ESP_OUT))
		return -ENOENT;
	f->active[t] = spi;
	return 0;
}

static int
fb_stats(struct esp_backend *be, uint32_t t, uint32_t spi, enum esp_dir d,
    struct esp_sa_stats *st)
{
	memset(st, 0, sizeof(*st));
	return fb_find(fb_of(be), t, spi, d) ? 0 : -ENOENT;
}

static int
fb_ike_socket(struct esp_backend *be, const struct ipaddr *local, uint16_t port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, local, port, 0);
	int			s = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&ss, sl) < 0) {
		close(s);
		return -errno;
	}
	*fd = s;
	return 0;
}

static void
fb_free(struct esp_backend *be)
{
	struct fb *f = fb_of(be);

	for (unsigned i = 0; i < f->nsa; i++)
		esp_sa_cfg_wipe(&f->sa[i].cfg);
	free(f);
}

static const struct esp_backend_ops fb_ops = {
	.tunnel_add = fb_tunnel_add,
	.tunnel_del = fb_tunnel_del,
	.tunnel_peer_set = fb_peer_set,
	.sa_add_in = fb_sa_add_in,
	.sa_add_out = fb_sa_add_out,
	.sa_switch_out = fb_switch,
	.sa_del = fb_sa_del,
	.sa_stats = fb_stats,
	.ike_socket = fb_ike_socket,
	.free = fb_free,
};

static int
fb_new(void *arg, const struct esp_events *ev, struct esp_backend **out)
{
	struct fb *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->be.ops = &fb_ops;
	f->ev = *ev;
	*(struct fb **)arg = f;
	*out = &f->be;
	return 0;
}

/* ------------------------------------------------------------ two ends */

struct end {
	struct vpn	     *v;
	struct fb	     *fb;
	struct vpn_tunnel    *t;
	struct vpn_tunnel_cfg cfg;
	unsigned	      ups, downs;
	enum vpn_reason	      last;
};

static struct end A, B;
static uv_loop_t *loop;
static unsigned	  gaps; /* make-before-break violations seen */
static bool	  check_gaps;

static void
ev_up(void *arg, struct vpn_tunnel *t, const char *ifname)
{
	struct end *e = arg;

	e->ups++;
}

static void
ev_down(void *arg, struct vpn_tunnel *t, enum vpn_reason r, const char *detail)
{
	struct end *e = arg;

	e->downs++;
	e->last = r;
}

static void
end_new(struct end *e, const struct vpn_dos_cfg *dos, uint16_t frag)
{
	struct vpn_cfg c = {
		.loop = loop,
		.backend_new = fb_new,
		.backend_arg = &e->fb,
		.ev = { ev_up, ev_down, e },
	};

	if (dos)
		c.dos = *dos;
	c.frag_size = frag;
	assert_int_equal(vpn_new(&c, &e->v), 0);
}

static void
cfg_psk(struct vpn_tunnel_cfg *c, const char *local, const char *remote, const char *psk,
    bool initiate)
{
	vpn_tunnel_cfg_init(c);
	snprintf(c->connection, sizeof(c->connection), "conn");
	snprintf(c->tunnel, sizeof(c->tunnel), "t%c", local[8]);
	snprintf(c->ifname, sizeof(c->ifname), "ipsec%c", local[8]);
	assert_int_equal(ipaddr_parse(local, &c->local), 0);
	assert_int_equal(ipaddr_parse(remote, &c->remote), 0);
	assert_int_equal(secret_set_str(&c->psk, psk), 0);
	c->auth = VPN_AUTH_PSK;
	c->initiation = initiate ? VPN_INITIATE : VPN_RESPOND;
	c->dpd_timeout_s = 30;
}

static struct vpn_tunnel *
tunnel_start(struct end *e)
{
	struct vpn_prep	  *p = NULL;
	struct vpn_cfg_err err;
	int		   rc;

	assert_int_equal(vpn_tunnel_cfg_check(&e->cfg, &err), 0);
	rc = vpn_tunnel_prepare(e->v, &e->cfg, NULL, &p, &err);
	if (rc != 0)
		fail_msg("prepare: %s: %s", err.field, err.msg);
	e->t = vpn_tunnel_start(e->v, p, e);
	return e->t;
}

/* Both ends' keys agree: what one sends on, the other receives on. */
static bool
sa_pair_ok(const struct end *x, const struct end *y)
{
	uint32_t      tx = vpn_tunnel_esp_id(x->t), ty = vpn_tunnel_esp_id(y->t);
	uint32_t      spi = x->fb->active[tx];
	struct fb_sa *o = spi ? fb_find(x->fb, tx, spi, ESP_OUT) : NULL;
	struct fb_sa *i = spi ? fb_find(y->fb, ty, spi, ESP_IN) : NULL;

	return o && i && secret_eq(&o->cfg.encr_key, &i->cfg.encr_key) &&
	    secret_eq(&o->cfg.integ_key, &i->cfg.integ_key) && o->cfg.encr == i->cfg.encr &&
	    o->cfg.encr_bits == i->cfg.encr_bits && o->cfg.integ == i->cfg.integ;
}

static void
gap_check(uv_check_t *h)
{
	if (check_gaps && (!sa_pair_ok(&A, &B) || !sa_pair_ok(&B, &A)))
		gaps++;
}

static void
wake(uv_timer_t *h)
{
}

/* Run the loop until cond() holds, at most ms (scaled). */
static bool
run_until(bool (*cond)(void), uint64_t ms)
{
	uv_timer_t t;
	uint64_t   end = mono_ms() + ms * test_time_scale();
	bool	   ok;

	uv_timer_init(loop, &t);
	uv_timer_start(&t, wake, 10, 10);
	while (!(ok = cond()) && mono_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_timer_stop(&t);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return ok;
}

static void
run_for(uint64_t ms)
{
	uv_timer_t t;
	uint64_t   end = mono_ms() + ms;

	uv_timer_init(loop, &t);
	uv_timer_start(&t, wake, 10, 10);
	while (mono_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_timer_stop(&t);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

static bool
both_up(void)
{
	return A.t && B.t && vpn_tunnel_is_up(A.t) && vpn_tunnel_is_up(B.t) &&
	    sa_pair_ok(&A, &B) && sa_pair_ok(&B, &A);
}

static bool
a_down(void)
{
	return A.downs > 0;
}

static unsigned
live_sas(const struct end *e)
{
	unsigned n = 0;

	for (unsigned i = 0; e->fb && i < e->fb->nsa; i++)
		n += e->fb->sa[i].live;
	return n;
}

static uv_check_t checker;

static int
setup(void **state)
{
	static bool netns;

	if (!netns) {
		if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0)
			return -1;
		netns = true;
	}
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	gaps = 0;
	check_gaps = false;
	loop = loop_get();
	uv_check_init(loop, &checker);
	uv_check_start(&checker, gap_check);
	return 0;
}

static int
teardown(void **state)
{
	vpn_free(A.v);
	vpn_free(B.v);
	vpn_tunnel_cfg_wipe(&A.cfg);
	vpn_tunnel_cfg_wipe(&B.cfg);
	uv_check_stop(&checker);
	uv_close((uv_handle_t *)&checker, NULL);
	run_for(50);
	return 0;
}

static void
pair_psk(const char *psk_a, const char *psk_b)
{
	end_new(&A, NULL, 0);
	end_new(&B, NULL, 0);
	cfg_psk(&A.cfg, "127.0.0.1", "127.0.0.2", psk_a, true);
	cfg_psk(&B.cfg, "127.0.0.2", "127.0.0.1", psk_b, false);
}

/* ---------------------------------------------------------------- tests */

static void
test_psk_up(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("secret-one", "secret-one");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	assert_int_equal(A.ups, 1);
	assert_int_equal(B.ups, 1);
	vpn_tunnel_state_get(A.t, &s);
	assert_int_equal(s.state, VPN_TS_UP);
	assert_int_equal(s.nike, 1);
	assert_true(s.ike[0].initiator);
	assert_int_equal(s.ike[0].state, VPN_SA_ESTABLISHED);
	assert_int_equal(s.nchild, 1);
	assert_string_equal(s.ike[0].auth, "psk");
	assert_true(s.ike[0].rekey_in_s > 0 && s.ike[0].rekey_in_s < VPN_IKE_LIFETIME);
	vpn_tunnel_state_get(B.t, &s);
	assert_false(s.ike[0].initiator);
	assert_string_equal(s.ike[0].remote_id, "127.0.0.1");
	/* no NAT here: raw ESP, IKE stayed on 500 */
	assert_false(s.ike[0].nat_local || s.ike[0].nat_remote);
	assert_int_equal(s.ike[0].local_port, IKE_PORT);
}

static void
test_wrong_psk(void **state)
{
	pair_psk("secret-one", "secret-two");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 3000) == false);
	/* nothing installed on either side, A knows why */
	assert_int_equal(live_sas(&A), 0);
	assert_int_equal(live_sas(&B), 0);
	assert_int_equal(A.ups, 0);
	{
		struct vpn_tunnel_state s;

		vpn_tunnel_state_get(A.t, &s);
		assert_int_equal(s.last_reason, VPN_R_AUTH_FAILED);
		vpn_tunnel_state_get(B.t, &s);
		assert_int_equal(s.last_reason, VPN_R_AUTH_FAILED);
	}
}

static void
test_no_proposal(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	snprintf(A.cfg.ike_proposals, sizeof(A.cfg.ike_proposals), "aes128-sha256-modp2048");
	snprintf(B.cfg.ike_proposals, sizeof(B.cfg.ike_proposals),
	    "aes256gcm16-prfsha384-ecp384");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_false(run_until(both_up, 2000));
	vpn_tunnel_state_get(A.t, &s);
	assert_int_equal(s.last_reason, VPN_R_NO_PROPOSAL);
	vpn_tunnel_state_get(B.t, &s);
	assert_int_equal(s.last_reason, VPN_R_NO_PROPOSAL);
	assert_int_equal(live_sas(&A), 0);
}

/* RFC 7296 1.2: the responder wants the initiator's second group. */
static void
test_invalid_ke(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	snprintf(A.cfg.ike_proposals, sizeof(A.cfg.ike_proposals),
	    "aes128-sha256-modp2048-ecp256");
	snprintf(B.cfg.ike_proposals, sizeof(B.cfg.ike_proposals), "aes128-sha256-ecp256");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	assert_string_equal(s.ike[0].suite, "aes128-sha256-prfsha256-ecp256");
}

static uint32_t first_spi_a;

static bool
rekeyed_child(void)
{
	struct vpn_tunnel_state s;

	if (!both_up())
		return false;
	vpn_tunnel_state_get(A.t, &s);
	return s.nchild == 1 && s.child[0].spi_in != first_spi_a &&
	    s.child[0].state == VPN_SA_ESTABLISHED;
}

/* Every suite of a cloud policy both sides run, with PFS. */
static void
test_esp_suites_pfs(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	snprintf(A.cfg.esp_proposals, sizeof(A.cfg.esp_proposals), "aes256-sha512");
	snprintf(B.cfg.esp_proposals, sizeof(B.cfg.esp_proposals), "aes128gcm16,aes256-sha512");
	A.cfg.pfs_group = B.cfg.pfs_group = IKE_DH_CURVE25519;
	A.cfg.child_lifetime_s = B.cfg.child_lifetime_s = 5 * test_time_scale();
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	/* IKE_AUTH has no key exchange: PFS starts with the first rekey */
	assert_string_equal(s.child[0].suite, "aes256-sha512-noesn");
	first_spi_a = s.child[0].spi_in;
	assert_true(run_until(rekeyed_child, 10000));
	vpn_tunnel_state_get(A.t, &s);
	assert_string_equal(s.child[0].suite, "aes256-sha512-x25519-noesn");
}

static struct ike_sa *b_sa;
static uint32_t	      b_msgid_in;

static bool
b_answered(void)
{
	return b_sa->msgid_in != b_msgid_in;
}

/* RFC 7296 3.4: a CREATE_CHILD_SA whose KE is not the group's length is
 * answered TEMPORARY_FAILURE, and the Child SA made for it goes again
 * with its SPI (it used to stay, unlinked, with the SPI reserved). */
static void
test_child_bad_ke(void **state)
{
	static uint8_t	 buf[4096];
	struct wire_wr	 w = wire_wr_init(buf, sizeof(buf));
	struct ike_sa	*a;
	struct child_sa *ca;
	struct ike_sa_pl sapl;
	struct ike_out	 o = { 0 };
	struct ike_hdr	 h;
	struct ike_enc	 e;
	uint8_t		 nonce[32], ke[5] = { 1, 2, 3, 4, 5 };
	size_t		 spis, sas;

	pair_psk("k", "k");
	A.cfg.pfs_group = B.cfg.pfs_group = IKE_DH_CURVE25519;
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	a = A.t->ikes;
	ca = a->children;
	b_sa = B.t->ikes;
	assert_non_null(ca);
	assert_false(a->pend_active);
	b_msgid_in = b_sa->msgid_in;
	spis = B.v->spis.count;
	sas = live_sas(&B);
	/* A's next request, built by hand: a new Child SA with PFS whose
	 * x25519 value is 5 bytes instead of 32 */
	memset(nonce, 0x5a, sizeof(nonce));
	assert_int_equal(ike_prop_to_sa(A.t->p.esp, A.t->p.nesp, 4, 0x12345678, 0, &sapl), 0);
	ike_sa_hdr(a, &h, IKE_CREATE_CHILD_SA, false, a->msgid_out);
	ike_enc_init(&e, &w, &h);
	ike_sk_begin(&e, &a->sk.out);
	ike_enc_sa(&e, &sapl);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_ke(&e, IKE_DH_CURVE25519, ke, sizeof(ke));
	ike_enc_ts(&e, IKE_PL_TSI, ca->tsi, ca->ntsi);
	ike_enc_ts(&e, IKE_PL_TSR, ca->tsr, ca->ntsr);
	assert_int_equal(ike_sa_seal(a, &e, &w, &h, &o), 0);
	assert_int_equal(ike_sa_send_out(a, &o), 0);
	ike_out_free(&o);
	assert_true(run_until(b_answered, 3000));
	/* nothing of the refused Child SA is left at B */
	assert_int_equal(B.v->spis.count, spis);
	assert_int_equal(live_sas(&B), sas);
	assert_non_null(b_sa->children);
	assert_null(b_sa->children->next);
	assert_int_equal(B.downs, 0);
}

/* A Child SA rekey (with PFS) never leaves a moment where one end sends
 * on an SA the other cannot receive. */
static void
test_child_rekey_no_gap(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	A.cfg.child_lifetime_s = B.cfg.child_lifetime_s = 6 * test_time_scale();
	A.cfg.pfs_group = B.cfg.pfs_group = IKE_DH_ECP256;
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	first_spi_a = s.child[0].spi_in;
	check_gaps = true;
	assert_true(run_until(rekeyed_child, 15000));
	run_for(3000); /* the old inbound SAs' grace ends */
	check_gaps = false;
	assert_int_equal(gaps, 0);
	assert_int_equal(A.downs + B.downs, 0);
	/* one pair each way left */
	assert_int_equal(live_sas(&A), 2);
	assert_int_equal(live_sas(&B), 2);
}

static uint64_t first_ike_spi;

static bool
rekeyed_ike(void)
{
	struct vpn_tunnel_state s;

	if (!both_up())
		return false;
	vpn_tunnel_state_get(A.t, &s);
	return s.nike == 1 && s.ike[0].spi_i != first_ike_spi &&
	    s.ike[0].state == VPN_SA_ESTABLISHED;
}

static void
test_ike_rekey(void **state)
{
	struct vpn_tunnel_state s, sb;

	pair_psk("k", "k");
	/* a lifetime is protocol time: stretched with the machine (valgrind),
	 * the rekey still fits in its last 10 % */
	A.cfg.ike_lifetime_s = B.cfg.ike_lifetime_s = 6 * test_time_scale();
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	first_ike_spi = s.ike[0].spi_i;
	check_gaps = true;
	assert_true(run_until(rekeyed_ike, 15000));
	run_for(500);
	check_gaps = false;
	assert_int_equal(gaps, 0);
	vpn_tunnel_state_get(A.t, &s);
	vpn_tunnel_state_get(B.t, &sb);
	assert_int_equal(s.nike, 1);
	assert_int_equal(sb.nike, 1);
	assert_true(s.ike[0].spi_i == sb.ike[0].spi_i && s.ike[0].spi_r == sb.ike[0].spi_r);
	/* the Child SA moved to the new IKE SA unchanged */
	assert_int_equal(s.nchild, 1);
	assert_int_equal(A.downs + B.downs, 0);
	/* the new IKE SA works: a Child SA rekey over it */
	first_spi_a = s.child[0].spi_in;
	assert_int_equal(s.child[0].spi_in, sb.child[0].spi_out);
	{
		struct ike_sa *sa = A.t->ikes;

		ike_task_add(sa, IKE_T_CHILD_REKEY, sa->children, 0);
	}
	assert_true(run_until(rekeyed_child, 5000));
}

/* RFC 7296 2.8.1: both ends rekey the same Child SA at once. */
static void
test_child_rekey_collision(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	first_spi_a = s.child[0].spi_in;
	check_gaps = true;
	ike_task_add(A.t->ikes, IKE_T_CHILD_REKEY, A.t->ikes->children, 0);
	ike_task_add(B.t->ikes, IKE_T_CHILD_REKEY, B.t->ikes->children, 0);
	assert_true(run_until(rekeyed_child, 5000));
	run_for(3500);
	check_gaps = false;
	assert_int_equal(gaps, 0);
	/* one survivor, the redundant SA and the old one deleted */
	assert_int_equal(live_sas(&A), 2);
	assert_int_equal(live_sas(&B), 2);
	assert_true(both_up());
}

static bool
rekeyed_ike_any(void)
{
	struct vpn_tunnel_state s, sb;

	if (!both_up())
		return false;
	vpn_tunnel_state_get(A.t, &s);
	vpn_tunnel_state_get(B.t, &sb);
	return s.nike == 1 && sb.nike == 1 && s.ike[0].spi_i != first_ike_spi &&
	    s.ike[0].spi_i == sb.ike[0].spi_i;
}

static void
test_ike_rekey_collision(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	first_ike_spi = s.ike[0].spi_i;
	check_gaps = true;
	ike_task_add(A.t->ikes, IKE_T_IKE_REKEY, NULL, 0);
	ike_task_add(B.t->ikes, IKE_T_IKE_REKEY, NULL, 0);
	assert_true(run_until(rekeyed_ike_any, 8000));
	check_gaps = false;
	assert_int_equal(gaps, 0);
	assert_int_equal(A.downs + B.downs, 0);
}

/* The peer goes silent: DPD takes the tunnel down within the timeout. */
static void
test_dpd(void **state)
{
	uint64_t t0;

	pair_psk("k", "k");
	A.cfg.dpd_timeout_s = B.cfg.dpd_timeout_s = 3;
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	/* B stops reading its sockets: nothing it receives is answered */
	for (struct ike_sock *k = B.v->socks; k; k = k->next)
		uv_poll_stop(&k->poll);
	t0 = mono_ms();
	assert_true(run_until(a_down, 10000));
	assert_int_equal(A.last, VPN_R_DPD);
	assert_true(mono_ms() - t0 <= (3000 + 1500) * test_time_scale());
	assert_int_equal(live_sas(&A), 0);
}

static bool
a_up_again(void)
{
	return A.ups >= 2 && both_up();
}

/* The peer deletes the Child SA (and later the tunnel): A goes down with
 * the reason and makes a new one. */
static void
test_peer_delete_child(void **state)
{
	pair_psk("k", "k");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	ike_task_add(B.t->ikes, IKE_T_CHILD_DELETE, B.t->ikes->children,
	    B.t->ikes->children->spi_in);
	assert_true(run_until(a_down, 3000));
	assert_int_equal(A.last, VPN_R_PEER_DELETE);
	/* A initiates: a new Child SA over the same IKE SA */
	assert_true(run_until(a_up_again, 8000));
	assert_int_equal(A.t->ikes->next == NULL, true);
}

static bool
b_gone_a_down(void)
{
	return A.downs > 0;
}

/* B is restarted (a new instance): its first IKE_AUTH carries
 * INITIAL_CONTACT and A drops what it had. */
static void
test_peer_restart(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	/* B dies without a word: its sockets close, nothing is sent */
	for (struct ike_sock *k = B.v->socks; k; k = k->next)
		uv_poll_stop(&k->poll);
	while (B.t->ikes)
		ike_sa_destroy(B.t->ikes);
	vpn_free(B.v);
	memset(&B.v, 0, sizeof(B.v));
	B.t = NULL;
	B.fb = NULL;
	run_for(100);
	/* it comes back, initiating this time */
	end_new(&B, NULL, 0);
	B.cfg.initiation = VPN_INITIATE;
	tunnel_start(&B);
	assert_true(run_until(both_up, 8000));
	vpn_tunnel_state_get(A.t, &s);
	assert_int_equal(s.nike, 1); /* the old SA went */
	assert_false(s.ike[0].initiator);
	(void)b_gone_a_down;
}

/* Past the threshold a new IKE_SA_INIT must echo a COOKIE; A does. */
static void
test_cookie(void **state)
{
	struct vpn_dos_cfg    dos = { .cookie_threshold = 1 };
	struct vpn_tunnel_cfg c3;
	struct vpn_prep	     *p;
	struct vpn_cfg_err    err;
	struct end	      C;

	memset(&C, 0, sizeof(C));
	end_new(&A, NULL, 0);
	end_new(&B, &dos, 0);
	cfg_psk(&A.cfg, "127.0.0.1", "127.0.0.2", "k", true);
	cfg_psk(&B.cfg, "127.0.0.2", "127.0.0.1", "k", false);
	/* a half-open SA at B from a third end that never authenticates */
	end_new(&C, NULL, 0);
	cfg_psk(&C.cfg, "127.0.0.3", "127.0.0.2", "wrong", true);
	tunnel_start(&B);
	{
		struct vpn_tunnel_cfg b3;
		struct vpn_tunnel    *t3;

		cfg_psk(&b3, "127.0.0.2", "127.0.0.3", "other", false);
		snprintf(b3.ifname, sizeof(b3.ifname), "ipsec3");
		snprintf(b3.tunnel, sizeof(b3.tunnel), "t3");
		assert_int_equal(vpn_tunnel_prepare(B.v, &b3, NULL, &p, &err), 0);
		t3 = vpn_tunnel_start(B.v, p, NULL);
		(void)t3;
		vpn_tunnel_cfg_wipe(&b3);
	}
	c3 = C.cfg;
	assert_int_equal(vpn_tunnel_prepare(C.v, &c3, NULL, &p, &err), 0);
	/* C's IKE_SA_INIT goes out as it starts; it never reads the answer */
	C.t = vpn_tunnel_start(C.v, p, &C);
	for (struct ike_sock *k = C.v->socks; k; k = k->next)
		uv_poll_stop(&k->poll);
	run_until(both_up, 300);
	assert_int_equal(B.v->n_half_open, 1);
	tunnel_start(&A);
	assert_true(run_until(both_up, 8000));
	assert_true(B.v->cookies_sent >= 1);
	vpn_free(C.v);
	vpn_tunnel_cfg_wipe(&C.cfg);
}

/* Certificates (RSA one end, ECDSA the other) in fragments. */
static void
test_certs_fragmented(void **state)
{
	char	  dir[64], path[8][128];
	EVP_PKEY *cak = pki_key("P-256"), *ka = pki_key("RSA"), *kb = pki_key("P-384");
	X509	 *ca = pki_cert(cak, "C=CH,O=test,CN=ca", NULL, NULL, true, NULL, -1, 30);
	X509	 *ca2 = pki_cert(ka, "C=CH,O=test,CN=a.example.net", ca, cak, false,
		"DNS:a.example.net", -1, 30);
	X509	 *cb = pki_cert(kb, "C=CH,O=test,CN=b.example.net", ca, cak, false,
		"DNS:b.example.net", -1, 30);
	struct vpn_tunnel_state s;

	pki_tmp(dir, sizeof(dir));
	for (int i = 0; i < 5; i++)
		snprintf(path[i], sizeof(path[i]), "%s/f%d.pem", dir, i);
	pki_write_cert(path[0], ca);
	pki_write_cert(path[1], ca2);
	pki_write_key(path[2], ka);
	pki_write_cert(path[3], cb);
	pki_write_key(path[4], kb);
	end_new(&A, NULL, 300);
	end_new(&B, NULL, 300);
	cfg_psk(&A.cfg, "127.0.0.1", "127.0.0.2", "x", true);
	cfg_psk(&B.cfg, "127.0.0.2", "127.0.0.1", "x", false);
	A.cfg.auth = B.cfg.auth = VPN_AUTH_CERT;
	snprintf(A.cfg.cert, sizeof(A.cfg.cert), "%s", path[1]);
	snprintf(A.cfg.key, sizeof(A.cfg.key), "%s", path[2]);
	snprintf(B.cfg.cert, sizeof(B.cfg.cert), "%s", path[3]);
	snprintf(B.cfg.key, sizeof(B.cfg.key), "%s", path[4]);
	snprintf(A.cfg.ca, sizeof(A.cfg.ca), "%s", path[0]);
	snprintf(B.cfg.ca, sizeof(B.cfg.ca), "%s", path[0]);
	snprintf(A.cfg.local_id, sizeof(A.cfg.local_id), "a.example.net");
	snprintf(A.cfg.remote_id, sizeof(A.cfg.remote_id), "b.example.net");
	snprintf(B.cfg.local_id, sizeof(B.cfg.local_id), "b.example.net");
	snprintf(B.cfg.remote_id, sizeof(B.cfg.remote_id), "*.example.net");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 8000));
	vpn_tunnel_state_get(A.t, &s);
	assert_string_equal(s.ike[0].auth, "ecdsa");
	assert_string_equal(s.ike[0].remote_id, "b.example.net");
	vpn_tunnel_state_get(B.t, &s);
	assert_string_equal(s.ike[0].auth, "rsa");
	pki_tmp_clean(dir);
	X509_free(ca);
	X509_free(ca2);
	X509_free(cb);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

/* A certificate the CA did not sign: AUTHENTICATION_FAILED. */
static void
test_cert_untrusted(void **state)
{
	char	  dir[64], path[4][128];
	EVP_PKEY *cak = pki_key("P-256"), *other = pki_key("P-256"), *k = pki_key("P-256");
	X509	 *ca = pki_cert(cak, "CN=ca", NULL, NULL, true, NULL, -1, 30);
	X509	 *rogue = pki_cert(other, "CN=rogue", NULL, NULL, true, NULL, -1, 30);
	X509	 *c = pki_cert(k, "CN=x", rogue, other, false, "DNS:x", -1, 30);
	struct vpn_tunnel_state s;

	pki_tmp(dir, sizeof(dir));
	for (int i = 0; i < 4; i++)
		snprintf(path[i], sizeof(path[i]), "%s/f%d.pem", dir, i);
	pki_write_cert(path[0], ca);
	pki_write_cert(path[1], c);
	pki_write_key(path[2], k);
	pki_write_cert(path[3], rogue);
	pair_psk("k", "k");
	A.cfg.auth = B.cfg.auth = VPN_AUTH_CERT;
	snprintf(A.cfg.cert, sizeof(A.cfg.cert), "%s", path[1]);
	snprintf(A.cfg.key, sizeof(A.cfg.key), "%s", path[2]);
	snprintf(A.cfg.ca, sizeof(A.cfg.ca), "%s", path[0]);
	snprintf(B.cfg.cert, sizeof(B.cfg.cert), "%s", path[1]);
	snprintf(B.cfg.key, sizeof(B.cfg.key), "%s", path[2]);
	snprintf(B.cfg.ca, sizeof(B.cfg.ca), "%s", path[0]);
	tunnel_start(&B);
	tunnel_start(&A);
	assert_false(run_until(both_up, 2000));
	vpn_tunnel_state_get(B.t, &s);
	assert_int_equal(s.last_reason, VPN_R_AUTH_FAILED);
	assert_int_equal(live_sas(&B), 0);
	pki_tmp_clean(dir);
	X509_free(ca);
	X509_free(rogue);
	X509_free(c);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(other);
	EVP_PKEY_free(k);
}

/* NAT-T forced: IKE moves to 4500 and ESP into UDP at both ends. */
static void
test_natt_force(void **state)
{
	struct vpn_tunnel_state s;
	uint32_t		id;

	pair_psk("k", "k");
	A.cfg.natt = VPN_NATT_FORCE;
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_state_get(A.t, &s);
	assert_int_equal(s.ike[0].local_port, IKE_NATT_PORT);
	assert_true(s.child[0].udp_encap);
	vpn_tunnel_state_get(B.t, &s);
	assert_true(s.ike[0].nat_remote); /* it believes A is behind a NAT */
	id = vpn_tunnel_esp_id(B.t);
	assert_true(B.fb->path[id].udp_encap);
	assert_int_equal(B.fb->path[id].remote_port, IKE_NATT_PORT);
}

/* Narrower selectors: B allows one subnet each way, A asks for more. */
static void
test_ts_narrowing(void **state)
{
	struct ike_sa *sa;

	pair_psk("k", "k");
	B.cfg.nts_local = B.cfg.nts_remote = 1;
	assert_int_equal(prefix_parse("10.2.0.0/16", &B.cfg.ts_local[0]), 0);
	assert_int_equal(prefix_parse("10.1.0.0/16", &B.cfg.ts_remote[0]), 0);
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	sa = B.t->ikes;
	assert_int_equal(sa->children->ntsi, 1);
	assert_int_equal(sa->children->tsi[0].start[1], 1); /* 10.1.0.0 */
	assert_int_equal(sa->children->tsi[0].end[2], 255);
}

static void
test_ts_unacceptable(void **state)
{
	struct vpn_tunnel_state s;

	pair_psk("k", "k");
	A.cfg.nts_local = A.cfg.nts_remote = 1;
	assert_int_equal(prefix_parse("10.9.0.0/16", &A.cfg.ts_local[0]), 0);
	assert_int_equal(prefix_parse("10.8.0.0/16", &A.cfg.ts_remote[0]), 0);
	B.cfg.nts_local = B.cfg.nts_remote = 1;
	assert_int_equal(prefix_parse("10.2.0.0/16", &B.cfg.ts_local[0]), 0);
	assert_int_equal(prefix_parse("10.1.0.0/16", &B.cfg.ts_remote[0]), 0);
	tunnel_start(&B);
	tunnel_start(&A);
	assert_false(run_until(both_up, 2000));
	vpn_tunnel_state_get(A.t, &s);
	assert_int_equal(s.last_reason, VPN_R_TS_UNACCEPTABLE);
	assert_int_equal(live_sas(&A), 0);
}

/* Deleting the tunnel tells the peer. */
static void
test_admin_delete(void **state)
{
	pair_psk("k", "k");
	tunnel_start(&B);
	tunnel_start(&A);
	assert_true(run_until(both_up, 5000));
	vpn_tunnel_del(B.t);
	B.t = NULL;
	assert_true(run_until(a_down, 3000));
	assert_int_equal(A.last, VPN_R_PEER_DELETE);
	assert_int_equal(live_sas(&B), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_psk_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_proposal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_ke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_esp_suites_pfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_bad_ke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_rekey_no_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ike_rekey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_rekey_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ike_rekey_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_delete_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_certs_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_natt_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_narrowing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_unacceptable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_delete, setup, teardown),
	};

	log_init("test_ike_sa", getenv("HGW_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN, true);
	if (getenv("HGW_TEST_DEBUG"))
		log_set_debug("vpn");
	if (loop_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
