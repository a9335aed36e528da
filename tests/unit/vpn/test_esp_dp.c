/* tests/unit/vpn/test_esp_dp.c - the userspace dataplane against a peer played by the test (private netns): both directions, errors and their counters, IKE demux, make-before-break rekey, lifetimes, sequence wrap, MSS clamp, USO, device loss. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lib/sockaddr.h"
#include "tests/unit/include/test_time.h"
#include "vpn/esp_dp_local.h"

#define DEV	  "esptest0"
#define DP_PORT	  4600
#define PEER_PORT 5000
#define SPI_IN	  0x2000 /* peer -> dataplane */
#define SPI_OUT	  0x3000 /* dataplane -> peer */
/* How long a packet that must arrive may take (times test_time_scale()): it
 * returns on arrival. Under ASan on a loaded 2-core host the first packets
 * through a fresh namespace took over 2 s now and then. */
#define WAIT_MS 10000

/* --- what the callbacks saw (they run on dataplane threads) ----------- */

static struct {
	_Atomic int	    soft, hard, wrap, gone, ike;
	_Atomic uint32_t    last_spi;
	_Atomic int	    ike_len;
	_Atomic int	    reentry_rc;
	struct esp_backend *be;
} seen;

static void
ev_soft(void *a, uint32_t t, uint32_t spi, enum esp_dir d)
{
	seen.last_spi = spi;
	seen.soft++;
}

static void
ev_hard(void *a, uint32_t t, uint32_t spi, enum esp_dir d)
{
	seen.last_spi = spi;
	seen.hard++;
}

static void
ev_wrap(void *a, uint32_t t, uint32_t spi)
{
	seen.wrap++;
}

static void
ev_gone(void *a, uint32_t t)
{
	seen.gone++;
}

static void
ev_ike(void *a, const uint8_t *m, size_t len, const struct sockaddr *from,
    const struct sockaddr *to)
{
	seen.ike_len = (int)len;
	/* calls back into the backend from here are refused, not deadlocked */
	seen.reentry_rc = esp_sa_del(seen.be, 1, SPI_IN, ESP_IN);
	seen.ike++;
}

static const struct esp_events events = { ev_soft, ev_hard, ev_wrap, ev_gone, ev_ike, NULL };

/* --- the peer --------------------------------------------------------- */

struct psa {
	struct esp_sa_cfg cfg;
	struct esp_xf	  xf;
	struct esp_cx	  cx;
	struct esp_replay rp;
	uint64_t	  seq;
	bool		  used;
};

static struct {
	struct esp_backend     *be;
	uint32_t		tun;
	int			sock; /* the peer's outer socket */
	bool			raw;
	struct sockaddr_storage dp; /* the dataplane's outer address */
	socklen_t		dplen;
	struct psa		tx[4], rx[4]; /* peer's outbound / inbound SAs */
	int			u4, u6;	      /* host sockets on the tunnel device */
} pr;

static int     tscale;
static uint8_t peer_tos; /* outer TOS of the last ESP packet the peer got (IPv4) */
static bool    esn;	 /* every SA of this test uses ESN */

static void
key_for(struct esp_sa_cfg *c, uint32_t spi)
{
	uint8_t k[20];

	for (int i = 0; i < 20; i++)
		k[i] = (uint8_t)(spi * 7 + i);
	esp_sa_cfg_init(c);
	c->spi = spi;
	c->encr = IKE_ENCR_AES_GCM_16;
	c->encr_bits = 128;
	c->esn = esn;
	assert_int_equal(secret_set(&c->encr_key, k, sizeof(k)), 0);
}

static struct psa *
psa_add(struct psa *set, uint32_t spi, bool encrypt)
{
	for (int i = 0; i < 4; i++)
		if (!set[i].used) {
			struct psa *p = &set[i];

			key_for(&p->cfg, spi);
			assert_int_equal(esp_xf_init(&p->xf, &p->cfg), 0);
			assert_int_equal(esp_cx_init(&p->cx, &p->xf, &p->cfg, encrypt), 0);
			assert_int_equal(esp_replay_init(&p->rp, 0, esn), 0);
			p->seq = 0;
			p->used = true;
			return p;
		}
	fail();
	return NULL;
}

static struct psa *
psa_find(struct psa *set, uint32_t spi)
{
	for (int i = 0; i < 4; i++)
		if (set[i].used && set[i].cfg.spi == spi)
			return &set[i];
	return NULL;
}

static void
psa_clear(struct psa *set)
{
	for (int i = 0; i < 4; i++)
		if (set[i].used) {
			esp_cx_fini(&set[i].cx);
			esp_xf_fini(&set[i].xf);
			esp_sa_cfg_wipe(&set[i].cfg);
			set[i].used = false;
		}
}

/* The SA as the dataplane gets it (same keys as the peer's). */
static void
dp_sa(uint32_t spi, enum esp_dir d, void (*tweak)(struct esp_sa_cfg *))
{
	struct esp_sa_cfg c;

	key_for(&c, spi);
	if (tweak)
		tweak(&c);
	assert_int_equal(d == ESP_IN ? esp_sa_add_in(pr.be, pr.tun, &c) :
				       esp_sa_add_out(pr.be, pr.tun, &c),
	    0);
	esp_sa_cfg_wipe(&c);
}

static uint16_t
csum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* An inner UDP packet from the far side (10.99.0.2 / fd99::2) to the
 * host's socket on the device (port 7000). */
static size_t
mk_udp(uint8_t *p, bool v4, const void *data, size_t dlen)
{
	size_t	 l3 = v4 ? 20 : 40, len = l3 + 8 + dlen;
	uint8_t *u = p + l3, ph[40];
	uint16_t c;

	memset(p, 0, l3 + 8);
	if (v4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[6] = 0x40;
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		inet_pton(AF_INET, "10.99.0.2", p + 12);
		inet_pton(AF_INET, "10.99.0.1", p + 16);
		c = (uint16_t)~csum16(p, 20, 0);
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
		memcpy(ph, p + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_UDP;
		ph[10] = (uint8_t)((8 + dlen) >> 8);
		ph[11] = (uint8_t)(8 + dlen);
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((8 + dlen) >> 8);
		p[5] = (uint8_t)(8 + dlen);
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		inet_pton(AF_INET6, "fd99::2", p + 8);
		inet_pton(AF_INET6, "fd99::1", p + 24);
		memcpy(ph, p + 8, 32);
		memset(ph + 32, 0, 8);
		ph[34] = (uint8_t)((8 + dlen) >> 8);
		ph[35] = (uint8_t)(8 + dlen);
		ph[39] = IPPROTO_UDP;
	}
	u[0] = 0x04;
	u[1] = 0xd2; /* 1234 */
	u[2] = 0x1b;
	u[3] = 0x58; /* 7000 */
	u[4] = (uint8_t)((8 + dlen) >> 8);
	u[5] = (uint8_t)(8 + dlen);
	memcpy(u + 8, data, dlen);
	c = (uint16_t)~csum16(u, 8 + dlen, csum16(ph, v4 ? 12 : 40, 0));
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)(c ? c : 0xffff);
	if (!c)
		u[6] = 0xff;
	return len;
}

static uint8_t esp_buf[70000];

/* Encapsulate inner with the peer's SA spi and send it to the dataplane;
 * returns the ESP length (the bytes are left in esp_buf for replays). */
static size_t
peer_send(uint32_t spi, const uint8_t *inner, size_t len)
{
	struct psa *p = psa_find(pr.tx, spi);
	size_t	    n;

	assert_non_null(p);
	memcpy(esp_buf + esp_hdr_len(&p->xf), inner, len);
	assert_int_equal(esp_encap(&p->xf, &p->cx, ++p->seq, inner[0] >> 4 == 4 ? 4 : 41, NULL,
			     esp_buf, len, sizeof(esp_buf), &n),
	    0);
	assert_int_equal(sendto(pr.sock, esp_buf, n, 0, (struct sockaddr *)&pr.dp, pr.dplen),
	    (ssize_t)n);
	return n;
}

static void
peer_send_raw(const void *b, size_t n)
{
	assert_int_equal(sendto(pr.sock, b, n, 0, (struct sockaddr *)&pr.dp, pr.dplen),
	    (ssize_t)n);
}

/*
 * The next ESP packet from the dataplane whose inner packet is UDP to port
 * `port` (the kernel sends its own packets through the device too, IPv6
 * neighbour discovery and the like: skipped). Decrypted into inner. Returns
 * its length, 0 on timeout.
 */
static size_t
peer_recv(int ms, uint16_t port, uint8_t proto, uint8_t *inner, uint32_t *spi_out)
{
	static uint8_t	b[70000];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd	 p = { pr.sock, POLLIN, 0 };
		struct esp_inner res;
		struct psa	*sa;
		uint32_t	 spi, lo;
		uint64_t	 seq;
		ssize_t		 n;
		struct wire_rd	 d;
		size_t		 l3;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		int left = ms * tscale -
		    (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		{
			struct iovec iov = { b, sizeof(b) };
			union {
				char	       buf[64];
				struct cmsghdr align;
			} ctl;
			struct msghdr m = { .msg_iov = &iov,
				.msg_iovlen = 1,
				.msg_control = ctl.buf,
				.msg_controllen = sizeof(ctl.buf) };

			if ((n = recvmsg(pr.sock, &m, 0)) <= 0)
				continue;
			peer_tos = 0;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
					peer_tos = *CMSG_DATA(c);
		}
		d = wire_rd_init(b, (size_t)n);
		/* an IPv4 raw socket hands over the IP header, IPv6 does not */
		if (pr.raw && pr.dp.ss_family == AF_INET && !wire_skip(&d, (b[0] & 0xfu) * 4))
			continue;
		assert_int_equal(esp_hdr_decode(d, &spi, &lo), ESP_OK);
		assert_non_null(sa = psa_find(pr.rx, spi));
		assert_int_equal(esp_input(&sa->xf, &sa->cx, &sa->rp, d, inner, sizeof(b), &res,
				     &seq),
		    ESP_OK);
		l3 = res.nh == 4 ? (size_t)(inner[0] & 0xf) * 4 : 40;
		if ((res.nh == 4 ? inner[9] : inner[6]) != proto || res.len < l3 + 4 ||
		    (inner[l3 + 2] << 8 | inner[l3 + 3]) != port)
			continue;
		if (spi_out)
			*spi_out = spi;
		return res.len;
	}
}

/* Read what reached the host socket (0 on timeout). */
static ssize_t
host_recv(int fd, int ms, void *buf, size_t cap)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, ms * tscale) <= 0)
		return 0;
	return recv(fd, buf, cap, 0);
}

static void
host_send(bool v4, uint16_t port, const void *data, size_t len)
{
	struct sockaddr_storage ss;
	struct ipaddr		a;
	socklen_t		sl;

	assert_int_equal(ipaddr_parse(v4 ? "10.99.0.2" : "fd99::2", &a), 0);
	sl = ipaddr_to_sockaddr(&ss, &a, port, 0);
	assert_int_equal(sendto(v4 ? pr.u4 : pr.u6, data, len, 0, (struct sockaddr *)&ss, sl),
	    (ssize_t)len);
}

static int
host_sock(bool v4)
{
	struct sockaddr_storage ss;
	struct ipaddr		a;
	socklen_t		sl;
	int			s, buf = 4 << 20;

	assert_int_equal(ipaddr_parse(v4 ? "10.99.0.1" : "fd99::1", &a), 0);
	sl = ipaddr_to_sockaddr(&ss, &a, 7000, 0);
	assert_true((s = socket(a.family, SOCK_DGRAM, 0)) >= 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)), 0);
	assert_int_equal(bind(s, (struct sockaddr *)&ss, sl), 0);
	return s;
}

static struct esp_sa_stats
sa_stats(uint32_t spi, enum esp_dir d)
{
	struct esp_sa_stats st;

	assert_int_equal(esp_sa_stats_get(pr.be, pr.tun, spi, d, &st), 0);
	return st;
}

/* Wait (bounded) for a condition the dataplane threads bring about. */
#define WAIT_FOR(cond)                                               \
	do {                                                         \
		for (int _i = 0; _i < 400 * tscale && !(cond); _i++) \
			usleep(5000);                                \
		assert_true(cond);                                   \
	} while (0)

static struct esp_tunnel_cfg tun_cfg; /* the tunnel as added */

/* A fresh netns, a dataplane with two threads, one tunnel, SAs both ways;
 * the outer side over IPv4 or IPv6 (the peer on another address of lo). */
static int
setup_mode(bool raw, bool v6)
{
	struct esp_dp_cfg	dc = { .workers = 2 };
	struct esp_tunnel_cfg	tc;
	struct ipaddr		pa;
	struct sockaddr_storage ss;
	socklen_t		sl;
	int			buf = 8 << 20;
	const char	       *local = v6 ? "::1" : "127.0.0.1";
	const char *peer = v6 ? (raw ? "fd00::2" : "::1") : (raw ? "127.0.0.2" : "127.0.0.1");

	tscale = (int)test_time_scale();
	memset(&seen, 0, sizeof(seen));
	memset(&pr, 0, sizeof(pr));
	if (unshare(CLONE_NEWNET) < 0 ||
	    system("ip link set lo up && "
		   "ip addr add fd00::2/128 dev lo nodad") != 0)
		return -1;
	if (esp_dp_new(&dc, &events, &pr.be) != 0)
		return -1;
	seen.be = pr.be;
	memset(&tc, 0, sizeof(tc));
	snprintf(tc.ifname, sizeof(tc.ifname), DEV);
	(void)ipaddr_parse(local, &tc.local);
	(void)ipaddr_parse(peer, &tc.remote);
	tc.udp_encap = !raw;
	tc.local_port = DP_PORT;
	tc.remote_port = PEER_PORT;
	if (esp_tunnel_add(pr.be, &tc, &pr.tun) != 0)
		return -1;
	tun_cfg = tc;
	if (system("ip addr add 10.99.0.1/24 dev " DEV " && ip -6 addr add fd99::1/64 dev " DEV
		   " nodad") != 0)
		return -1;
	pr.raw = raw;
	pr.sock = socket(tc.local.family, raw ? SOCK_RAW : SOCK_DGRAM, raw ? IPPROTO_ESP : 0);
	(void)ipaddr_parse(peer, &pa);
	pr.dplen = ipaddr_to_sockaddr(&pr.dp, &tc.local, raw ? 0 : DP_PORT, 0);
	sl = ipaddr_to_sockaddr(&ss, &pa, raw ? 0 : PEER_PORT, 0);
	if (pr.sock < 0 || bind(pr.sock, (struct sockaddr *)&ss, sl) < 0)
		return -1;
	(void)setsockopt(pr.sock, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (!v6)
		(void)setsockopt(pr.sock, IPPROTO_IP, IP_RECVTOS, &(int){ 1 }, sizeof(int));
	dp_sa(SPI_IN, ESP_IN, NULL);
	dp_sa(SPI_OUT, ESP_OUT, NULL);
	psa_add(pr.tx, SPI_IN, true);
	psa_add(pr.rx, SPI_OUT, false);
	pr.u4 = host_sock(true);
	pr.u6 = host_sock(false);
	return 0;
}

static int
setup(void **state)
{
	esn = false;
	return setup_mode(false, false);
}

static int
setup_raw(void **state)
{
	esn = false;
	return setup_mode(true, false);
}

/* IPv6 outside, with ESN: the sockets, the raw IPv6 path (no IP header
 * handed over) and 64-bit sequence numbers through the whole dataplane. */
static int
setup_v6_esn(void **state)
{
	esn = true;
	return setup_mode(false, true);
}

static int
setup_v6_raw(void **state)
{
	esn = false;
	return setup_mode(true, true);
}

static int
teardown(void **state)
{
	esp_backend_free(pr.be);
	psa_clear(pr.tx);
	psa_clear(pr.rx);
	close(pr.sock);
	close(pr.u4);
	close(pr.u6);
	return 0;
}

/* --- tests ------------------------------------------------------------ */

static void
roundtrip(void)
{
	uint8_t	 inner[2048], got[2048];
	size_t	 n;
	uint32_t spi;

	for (int v4 = 1; v4 >= 0; v4--) {
		size_t l3 = v4 ? 20 : 40;

		/* host -> device -> ESP -> peer */
		host_send(v4, 9, "hello", 5);
		n = peer_recv(WAIT_MS, 9, IPPROTO_UDP, inner, &spi);
		assert_int_equal(n, l3 + 8 + 5);
		assert_int_equal(spi, SPI_OUT);
		assert_memory_equal(inner + l3 + 8, "hello", 5);
		/* peer -> ESP -> device -> host */
		n = mk_udp(inner, v4, "world!", 6);
		peer_send(SPI_IN, inner, n);
		assert_int_equal(host_recv(v4 ? pr.u4 : pr.u6, WAIT_MS, got, sizeof(got)), 6);
		assert_memory_equal(got, "world!", 6);
	}
	/* counters: two packets in, exactly; bytes are inner bytes */
	WAIT_FOR(sa_stats(SPI_IN, ESP_IN).packets_in == 2);
	assert_int_equal(sa_stats(SPI_IN, ESP_IN).bytes_in, (20 + 8 + 6) + (40 + 8 + 6));
	assert_true(sa_stats(SPI_IN, ESP_IN).last_in_ms > 0);
	assert_true(sa_stats(SPI_OUT, ESP_OUT).packets_out >= 2);
	assert_int_equal(sa_stats(SPI_IN, ESP_IN).auth_fail, 0);
}

static void
test_roundtrip_udp(void **state)
{
	roundtrip();
}

static void
test_roundtrip_raw(void **state)
{
	roundtrip();
}

/* Two tunnels on one endpoint: each SA's packets come out of its own
 * device, in one receive batch or several. */
static void
test_two_tunnels(void **state)
{
	struct esp_tunnel_cfg tc;
	struct esp_sa_cfg     c;
	struct sockaddr_in    sa = { .sin_family = AF_INET, .sin_port = htons(7000) };
	uint32_t	      t2;
	uint8_t		      inner[256], got[256];
	size_t		      n;
	int		      u2;

	memset(&tc, 0, sizeof(tc));
	snprintf(tc.ifname, sizeof(tc.ifname), "esptest1");
	(void)ipaddr_parse("127.0.0.1", &tc.local);
	(void)ipaddr_parse("127.0.0.1", &tc.remote);
	tc.udp_encap = true;
	tc.local_port = DP_PORT;
	tc.remote_port = PEER_PORT;
	assert_int_equal(esp_tunnel_add(pr.be, &tc, &t2), 0);
	assert_int_equal(system("ip addr add 10.98.0.1/24 dev esptest1"), 0);
	key_for(&c, 0x4000);
	assert_int_equal(esp_sa_add_in(pr.be, t2, &c), 0);
	esp_sa_cfg_wipe(&c);
	psa_add(pr.tx, 0x4000, true);
	inet_pton(AF_INET, "10.98.0.1", &sa.sin_addr);
	assert_true((u2 = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	assert_int_equal(bind(u2, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* interleaved, back to back: one batch may hold both tunnels' packets */
	for (int i = 0; i < 20; i++) {
		n = mk_udp(inner, true, "one", 3);
		peer_send(SPI_IN, inner, n);
		n = mk_udp(inner, true, "two", 3);
		inner[13] = inner[17] = 98; /* 10.98.0.2 -> 10.98.0.1 */
		inner[10] = inner[11] = 0;
		{
			uint16_t ck = (uint16_t)~csum16(inner, 20, 0);

			inner[10] = (uint8_t)(ck >> 8);
			inner[11] = (uint8_t)ck;
		}
		inner[26] = inner[27] = 0; /* (UDP checksum optional over IPv4) */
		peer_send(0x4000, inner, n);
	}
	for (int i = 0; i < 20; i++) {
		assert_int_equal(host_recv(pr.u4, WAIT_MS, got, sizeof(got)), 3);
		assert_memory_equal(got, "one", 3);
		assert_int_equal(host_recv(u2, WAIT_MS, got, sizeof(got)), 3);
		assert_memory_equal(got, "two", 3);
	}
	assert_int_equal(sa_stats(SPI_IN, ESP_IN).packets_in, 20);
	{
		struct esp_sa_stats st;

		assert_int_equal(esp_sa_stats_get(pr.be, t2, 0x4000, ESP_IN, &st), 0);
		assert_int_equal(st.packets_in, 20);
	}
	close(u2);
	assert_int_equal(esp_tunnel_del(pr.be, t2), 0);
}

static void
test_errors_counted(void **state)
{
	uint8_t		    inner[256], got[256];
	size_t		    n = mk_udp(inner, true, "x", 1), e;
	struct esp_dp_stats ds;

	/* a good one, then the same bytes again: a replay */
	e = peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, got, sizeof(got)), 1);
	peer_send_raw(esp_buf, e);
	WAIT_FOR(sa_stats(SPI_IN, ESP_IN).replay_drop == 1);
	/* a flipped byte: authentication fails, nothing is delivered */
	e = peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, got, sizeof(got)), 1);
	esp_buf[e - 3] ^= 0x40;
	esp_buf[7] += 1; /* a fresh sequence number, so not a replay */
	peer_send_raw(esp_buf, e);
	WAIT_FOR(sa_stats(SPI_IN, ESP_IN).auth_fail == 1);
	/* truncated below the ICV */
	peer_send_raw(esp_buf, 20);
	WAIT_FOR(sa_stats(SPI_IN, ESP_IN).decrypt_err == 1);
	assert_int_equal(host_recv(pr.u4, 100, got, sizeof(got)), 0);
	/* unknown SPI, and a runt */
	esp_buf[2] = 0x77;
	peer_send_raw(esp_buf, e);
	peer_send_raw("\x00\x00\x30", 3 + 4 * 0);
	WAIT_FOR((esp_dp_stats_get(pr.be, &ds), ds.rx_no_sa == 1));
	WAIT_FOR((esp_dp_stats_get(pr.be, &ds), ds.rx_malformed == 1));
	assert_int_equal(sa_stats(SPI_IN, ESP_IN).packets_in, 2);
	/* a NAT-keepalive reaches the unclaimed IKE socket, counted there */
	peer_send_raw("\xff", 1);
	WAIT_FOR((esp_dp_stats_get(pr.be, &ds), ds.rx_keepalive == 1));
}

static void
test_ike_demux(void **state)
{
	uint8_t		    msg[64], got[128];
	struct ipaddr	    a;
	struct esp_dp_stats ds;
	int		    fd;
	struct pollfd	    p;
	uint8_t		    inner[256];
	size_t		    n;

	memset(msg, 0, 4);
	memset(msg + 4, 0x2e, 60);
	/* nobody took the IKE socket yet: the dataplane hands it up */
	peer_send_raw(msg, sizeof(msg));
	WAIT_FOR(seen.ike == 1);
	assert_int_equal(seen.ike_len, 60);
	assert_int_equal(seen.reentry_rc, -EDEADLK);
	esp_dp_stats_get(pr.be, &ds);
	assert_int_equal(ds.rx_ike, 1);
	/* now IKE takes it: datagrams with the marker go to IKE's fd */
	assert_int_equal(ipaddr_parse("127.0.0.1", &a), 0);
	assert_int_equal(esp_ike_socket(pr.be, &a, DP_PORT, &fd), 0);
	peer_send_raw(msg, sizeof(msg));
	p.fd = fd;
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 2000 * tscale), 1);
	assert_int_equal(recv(fd, got, sizeof(got), 0), sizeof(msg));
	assert_memory_equal(got, msg, sizeof(msg));
	/* and keepalives too; ESP still flows to the dataplane */
	peer_send_raw("\xff", 1);
	assert_int_equal(poll(&p, 1, 2000 * tscale), 1);
	assert_int_equal(recv(fd, got, sizeof(got), 0), 1);
	n = mk_udp(inner, true, "esp", 3);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, got, sizeof(got)), 3);
	assert_int_equal(seen.ike, 1);
	close(fd);
}

/* Make-before-break under traffic: nothing lost, nothing sent on the old
 * outbound SA once the new one is in, the old SAs deleted while busy. */
struct flood {
	unsigned	 n;
	_Atomic unsigned sent, received;
	_Atomic bool	 stop; /* the receiver gave up */
};

/* Keeps at most 32 datagrams in flight, however slow the machine (or
 * valgrind) is: the device's queue never overflows, so any loss is ours. */
static void *
flood_main(void *arg)
{
	struct flood *f = arg;
	uint32_t      i;

	for (i = 0; i < f->n; i++) {
		while (i >= f->received + 32 && !f->stop)
			usleep(100);
		if (f->stop)
			break;
		host_send(true, 9, &i, sizeof(i));
		f->sent = i + 1;
	}
	return NULL;
}

static void
test_rekey_make_before_break(void **state)
{
	static bool  got[4000];
	struct flood f = { 4000, 0, 0, false };
	pthread_t    th;
	uint8_t	     inner[2048], rx[256];
	unsigned     count = 0;
	bool	     switched = false, new_seen = false;
	uint32_t     spi;
	size_t	     n;

	memset(got, 0, sizeof(got));
	assert_int_equal(pthread_create(&th, NULL, flood_main, &f), 0);
	while (count < f.n) {
		uint32_t v;

		if (!(n = peer_recv(3000, 9, IPPROTO_UDP, inner, &spi)))
			break;
		memcpy(&v, inner + 28, sizeof(v));
		assert_true(v < f.n);
		assert_false(got[v]);
		got[v] = true;
		count++;
		f.received = count;
		/* once the new SA is seen, the old one is never used again */
		if (spi == SPI_OUT + 1)
			new_seen = true;
		else
			assert_false(new_seen);
		if (count == 1000 && !switched) {
			/* the peer and we install the new pair; we switch */
			psa_add(pr.rx, SPI_OUT + 1, false);
			dp_sa(SPI_IN + 1, ESP_IN, NULL);
			dp_sa(SPI_OUT + 1, ESP_OUT, NULL);
			psa_add(pr.tx, SPI_IN + 1, true);
			assert_int_equal(esp_sa_switch_out(pr.be, pr.tun, SPI_OUT + 1), 0);
			assert_int_equal(esp_sa_del(pr.be, pr.tun, SPI_OUT, ESP_OUT), 0);
			switched = true;
		}
	}
	f.stop = true;
	pthread_join(th, NULL);
	assert_int_equal(count, f.n);
	assert_true(new_seen);
	assert_int_equal(esp_sa_stats_get(pr.be, pr.tun, SPI_OUT, ESP_OUT,
			     &(struct esp_sa_stats){ 0 }),
	    -ENOENT);
	/* inbound: both the old and the new SA are accepted until the old goes */
	n = mk_udp(inner, true, "old", 3);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, rx, sizeof(rx)), 3);
	n = mk_udp(inner, true, "new", 3);
	peer_send(SPI_IN + 1, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, rx, sizeof(rx)), 3);
	assert_int_equal(esp_sa_del(pr.be, pr.tun, SPI_IN, ESP_IN), 0);
	n = mk_udp(inner, true, "old", 3);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, 200, rx, sizeof(rx)), 0);
	n = mk_udp(inner, true, "new", 3);
	peer_send(SPI_IN + 1, inner, n);
	assert_int_equal(host_recv(pr.u4, WAIT_MS, rx, sizeof(rx)), 3);
}

/*
 * The setup path's churn while traffic flows: inbound SAs added (each
 * replaces the SPI table, whose old copy is freed later, without waiting
 * for the workers) and the ESP path set again and again (the old path
 * likewise), 300 times, more than ESP_RETIRED_MAX (when the workers lag
 * behind, the waiting fallback runs). Nothing is lost or misrouted (and ASan sees no use after
 * free), the SAs are all there, and deleting them (which waits) leaves
 * the first SA working.
 */
static void
test_setup_churn_under_traffic(void **state)
{
	static bool  got[4000];
	struct flood f = { 4000, 0, 0, false };
	pthread_t    th;
	uint8_t	     inner[2048], rx[256];
	unsigned     count = 0, added = 0;
	uint32_t     spi;
	size_t	     n;

	memset(got, 0, sizeof(got));
	assert_int_equal(pthread_create(&th, NULL, flood_main, &f), 0);
	while (count < f.n) {
		uint32_t v;

		if (!(n = peer_recv(3000, 9, IPPROTO_UDP, inner, &spi)))
			break;
		memcpy(&v, inner + 28, sizeof(v));
		assert_true(v < f.n);
		assert_false(got[v]);
		assert_int_equal(spi, SPI_OUT);
		got[v] = true;
		count++;
		f.received = count;
		if (count % 20 == 0 && added < 150) {
			dp_sa(0x10000 + added++, ESP_IN, NULL);
			assert_int_equal(esp_tunnel_peer_set(pr.be, pr.tun, &tun_cfg), 0);
		}
	}
	f.stop = true;
	pthread_join(th, NULL);
	assert_int_equal(count, f.n);
	assert_int_equal(added, 150);
	for (uint32_t k = 0; k < added; k++)
		assert_int_equal(esp_sa_stats_get(pr.be, pr.tun, 0x10000 + k, ESP_IN,
				     &(struct esp_sa_stats){ 0 }),
		    0);
	n = mk_udp(inner, true, "one", 3);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, 2000, rx, sizeof(rx)), 3);
	for (uint32_t k = 0; k < added; k++)
		assert_int_equal(esp_sa_del(pr.be, pr.tun, 0x10000 + k, ESP_IN), 0);
	n = mk_udp(inner, true, "two", 3);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, 2000, rx, sizeof(rx)), 3);
}

static void
lifetimes_out(struct esp_sa_cfg *c)
{
	c->soft_packets = 5;
	c->hard_packets = 10;
}

static void
lifetimes_in(struct esp_sa_cfg *c)
{
	c->soft_bytes = 100;
	c->hard_packets = 3;
}

static void
test_lifetimes(void **state)
{
	uint8_t	 inner[2048], rx[256];
	unsigned got = 0;
	size_t	 n;
	uint32_t spi;

	psa_add(pr.rx, 0x3333, false);
	dp_sa(0x3333, ESP_OUT, lifetimes_out);
	assert_int_equal(esp_sa_switch_out(pr.be, pr.tun, 0x3333), 0);
	for (uint32_t i = 0; i < 12; i++) {
		host_send(true, 9, &i, sizeof(i));
		if (peer_recv(i < 10 ? 2000 : 200, 9, IPPROTO_UDP, inner, &spi)) {
			assert_int_equal(spi, 0x3333);
			got++;
		}
	}
	/* (the kernel's own packets through the device count too, so the
	 * tenth number may be used up before our tenth datagram) */
	assert_true(got <= 10 && got >= 8);
	assert_int_equal(sa_stats(0x3333, ESP_OUT).packets_out, 10);
	assert_true(sa_stats(0x3333, ESP_OUT).out_drop >= 2);
	WAIT_FOR(seen.soft == 1 && seen.hard == 1);
	assert_int_equal(seen.last_spi, 0x3333);
	/* inbound: the third packet is the last */
	psa_add(pr.tx, 0x2222, true);
	dp_sa(0x2222, ESP_IN, lifetimes_in);
	for (int i = 0; i < 5; i++) {
		n = mk_udp(inner, true, "0123456789012345678901234567890123456789", 40);
		peer_send(0x2222, inner, n);
		assert_int_equal(host_recv(pr.u4, i < 3 ? 2000 : 200, rx, sizeof(rx)),
		    i < 3 ? 40 : 0);
	}
	WAIT_FOR(seen.soft == 2 && seen.hard == 2);
	assert_int_equal(sa_stats(0x2222, ESP_IN).packets_in, 3);
}

static void
test_seq_never_wraps(void **state)
{
	uint8_t	 inner[2048];
	unsigned got = 0;
	uint32_t spi;

	/* the peer's window must accept numbers near the end */
	esp_replay_set_top(&psa_find(pr.rx, SPI_OUT)->rp, 0);
	assert_int_equal(esp_dp_sa_seq_set(pr.be, pr.tun, SPI_OUT, 0xfffffffdULL), 0);
	for (uint32_t i = 0; i < 5; i++) {
		host_send(true, 9, &i, sizeof(i));
		if (peer_recv(got < 2 ? 2000 : 200, 9, IPPROTO_UDP, inner, &spi))
			got++;
	}
	/* RFC 4303 3.3.3: 0xfffffffe and 0xffffffff are the last; then the
	 * SA stops (hard), after warning (wrap) */
	assert_true(got <= 2);
	WAIT_FOR(seen.wrap == 1 && seen.hard == 1);
	assert_true(sa_stats(SPI_OUT, ESP_OUT).out_drop >= 3);
	assert_true(sa_stats(SPI_OUT, ESP_OUT).packets_out >= 2);
}

/* DSCP and ECN: copied out (RFC 4301 5.1.2.1, RFC 6040 normal mode), and an
 * outer CE folded in, or the packet dropped if its transport has no ECN. */
static void
test_tos_and_ecn(void **state)
{
	uint8_t	     inner[2048], got[256];
	int	     tos = 0xb8 | 0x02, one = 1; /* EF, ECT(0) */
	size_t	     n;
	struct iovec iov = { got, sizeof(got) };
	union {
		char	       buf[64];
		struct cmsghdr align;
	} ctl;
	struct msghdr	    m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd	    p = { pr.u4, POLLIN, 0 };
	uint8_t		    seen_tos = 0xff;
	struct esp_dp_stats ds;

	/* out: the host's TOS is the outer TOS */
	assert_int_equal(setsockopt(pr.u4, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
	host_send(true, 9, "tos", 3);
	assert_true(peer_recv(WAIT_MS, 9, IPPROTO_UDP, inner, NULL) > 0);
	assert_int_equal(inner[1], 0xba);
	assert_int_equal(peer_tos, 0xba);
	/* in: outer CE over inner ECT(0) arrives as CE */
	assert_int_equal(setsockopt(pr.u4, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	tos = 0x03;
	assert_int_equal(setsockopt(pr.sock, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
	n = mk_udp(inner, true, "ce", 2);
	inner[1] = 0x02;
	inner[10] = inner[11] = 0;
	{
		uint16_t ck = (uint16_t)~csum16(inner, 20, 0);

		inner[10] = (uint8_t)(ck >> 8);
		inner[11] = (uint8_t)ck;
	}
	peer_send(SPI_IN, inner, n);
	assert_int_equal(poll(&p, 1, 2000 * tscale), 1);
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	assert_int_equal(recvmsg(pr.u4, &m, 0), 2);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
			seen_tos = *CMSG_DATA(c);
	assert_int_equal(seen_tos, 0x03);
	/* outer CE over a not-ECT packet: dropped and counted (RFC 6040 4.2) */
	n = mk_udp(inner, true, "no", 2);
	peer_send(SPI_IN, inner, n);
	assert_int_equal(host_recv(pr.u4, 200, got, sizeof(got)), 0);
	WAIT_FOR((esp_dp_stats_get(pr.be, &ds), ds.rx_ecn_drop == 1));
}

/* A TCP SYN through the tunnel leaves with its MSS clamped, in both directions. */
static void
test_mss_clamp(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80) };
	uint8_t		   inner[2048];
	size_t		   n;
	int		   s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int		   mss = 1460;

	inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
	/* the host would offer 1360 on a 1400 device; ask for more to be sure */
	(void)setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	(void)connect(s, (struct sockaddr *)&to, sizeof(to));
	assert_true((n = peer_recv(WAIT_MS, 80, IPPROTO_TCP, inner, NULL)) >= 44);
	assert_int_equal(inner[33] & 0x02, 0x02); /* SYN */
	/* the first option is the MSS (Linux puts it first) */
	assert_int_equal(inner[40], 2);
	assert_int_equal(inner[42] << 8 | inner[43], 1350);
	{
		uint8_t ph[12];

		memcpy(ph, inner + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_TCP;
		ph[10] = (uint8_t)((n - 20) >> 8);
		ph[11] = (uint8_t)(n - 20);
		assert_int_equal(csum16(inner + 20, n - 20, csum16(ph, 12, 0)), 0xffff);
	}
	close(s);
}

/* One UDP GSO send of 5 x 1000 bytes: the device hands us one super-packet
 * (USO) or five; either way five ESP packets of one datagram each leave. */
static void
test_udp_gso_segmented(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	static uint8_t	   big[5000], inner[2048];
	int		   seg = 1000;
	unsigned	   got = 0;

	inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i / 1000 + 1);
	assert_int_equal(setsockopt(pr.u4, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
	assert_int_equal(sendto(pr.u4, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)),
	    sizeof(big));
	while (got < 5) {
		size_t n = peer_recv(WAIT_MS, 9, IPPROTO_UDP, inner, NULL);

		if (n == 0)
			break;
		assert_int_equal(n, 20 + 8 + 1000);
		assert_int_equal(inner[28], got + 1);
		got++;
	}
	assert_int_equal(got, 5);
}

static void
test_device_gone(void **state)
{
	assert_int_equal(system("ip link del " DEV), 0);
	WAIT_FOR(seen.gone == 1);
	assert_int_equal(esp_tunnel_del(pr.be, pr.tun), 0);
	assert_int_equal(esp_tunnel_del(pr.be, pr.tun), -ENOENT);
}

static void
test_refusals(void **state)
{
	struct esp_tunnel_cfg tc;
	struct esp_sa_cfg     c;
	uint32_t	      id;

	memset(&tc, 0, sizeof(tc));
	snprintf(tc.ifname, sizeof(tc.ifname), "esptest1");
	(void)ipaddr_parse("127.0.0.1", &tc.local);
	(void)ipaddr_parse("::1", &tc.remote);
	assert_int_equal(esp_tunnel_add(pr.be, &tc, &id), -EINVAL); /* families */
	(void)ipaddr_parse("127.0.0.3", &tc.remote);
	tc.mtu = 100;
	assert_int_equal(esp_tunnel_add(pr.be, &tc, &id), -EINVAL);
	tc.mtu = 0;
	tc.ifname[0] = 0;
	assert_int_equal(esp_tunnel_add(pr.be, &tc, &id), -EINVAL);
	key_for(&c, 200); /* reserved SPI (RFC 4303 2.1) */
	assert_int_equal(esp_sa_add_in(pr.be, pr.tun, &c), -EINVAL);
	c.spi = SPI_IN;
	assert_int_equal(esp_sa_add_in(pr.be, pr.tun, &c), -EEXIST);
	c.spi = 0x9999;
	assert_int_equal(esp_sa_add_in(pr.be, 77, &c), -ENOENT);
	c.encr = IKE_ENCR_3DES;
	assert_int_equal(esp_sa_add_in(pr.be, pr.tun, &c), -ENOTSUP);
	c.encr = IKE_ENCR_AES_GCM_16;
	c.replay_window = ESP_REPLAY_MAX + 1;
	assert_int_equal(esp_sa_add_in(pr.be, pr.tun, &c), -EINVAL);
	assert_int_equal(esp_sa_switch_out(pr.be, pr.tun, 0x9999), -ENOENT);
	assert_int_equal(esp_sa_del(pr.be, pr.tun, 0x9999, ESP_OUT), -ENOENT);
	/* an outbound SPI may repeat an inbound one (they are per peer) */
	c.spi = SPI_IN;
	c.replay_window = 0;
	assert_int_equal(esp_sa_add_out(pr.be, pr.tun, &c), 0);
	assert_int_equal(esp_sa_add_out(pr.be, pr.tun, &c), -EEXIST);
	esp_sa_cfg_wipe(&c);
	/* a second tunnel on the same endpoint, and its deletion */
	tc.mtu = 1280;
	snprintf(tc.ifname, sizeof(tc.ifname), "esptest1");
	tc.udp_encap = true;
	tc.local_port = DP_PORT;
	assert_int_equal(esp_tunnel_add(pr.be, &tc, &id), 0);
	assert_int_not_equal(id, pr.tun);
	assert_int_equal(esp_tunnel_del(pr.be, id), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_raw, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_udp, setup_v6_esn, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_raw, setup_v6_raw, teardown),
		cmocka_unit_test_setup_teardown(test_two_tunnels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ike_demux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_make_before_break, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_churn_under_traffic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_setup_churn_under_traffic, setup_raw,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lifetimes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_never_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mss_clamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tos_and_ecn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_gso_segmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
