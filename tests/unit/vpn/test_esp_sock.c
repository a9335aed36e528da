/* tests/unit/vpn/test_esp_sock.c - vpn/esp_sock.c: IKE and ESP share UDP 4500; the reuseport program steers each datagram to the right socket (private netns). */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "lib/sockaddr.h"
#include "vpn/esp_local.h"

static int
setup(void **state)
{
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	return system("ip link set lo up") == 0 ? 0 : -1;
}

/* Which of fds[0..n) has a datagram (exactly one must); read it. */
static int
which(const int *fds, int n, uint8_t *buf, size_t cap, ssize_t *len)
{
	struct pollfd p[8];
	int	      hit = -1;

	for (int i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	assert_true(poll(p, (nfds_t)n, 2000) > 0);
	for (int i = 0; i < n; i++)
		if (p[i].revents & POLLIN) {
			assert_int_equal(hit, -1);
			hit = i;
			*len = recv(fds[i], buf, cap, MSG_DONTWAIT);
		}
	return hit;
}

static void
steer(const char *addr, unsigned nworkers)
{
	struct ipaddr		a;
	struct sockaddr_storage ss;
	socklen_t		sl;
	int			all[8], cl;
	uint8_t			buf[256], rx[256];
	ssize_t			n;

	assert_int_equal(ipaddr_parse(addr, &a), 0);
	assert_int_equal(esp_udp_group_open(&a, 4500, nworkers, &all[0], &all[1]), 0);
	sl = ipaddr_to_sockaddr(&ss, &a, 4500, 0);
	assert_true((cl = socket(a.family, SOCK_DGRAM, 0)) >= 0);
	/* IKE after the non-ESP marker (RFC 3948 2.2): the IKE socket */
	memset(buf, 0, 4);
	memset(buf + 4, 0x21, 28);
	assert_int_equal(sendto(cl, buf, 32, 0, (struct sockaddr *)&ss, sl), 32);
	assert_int_equal(which(all, (int)nworkers + 1, rx, sizeof(rx), &n), 0);
	assert_int_equal(n, 32);
	assert_memory_equal(rx, buf, 32);
	/* a NAT-keepalive (RFC 3948 2.3): the IKE socket */
	buf[0] = 0xff;
	assert_int_equal(sendto(cl, buf, 1, 0, (struct sockaddr *)&ss, sl), 1);
	assert_int_equal(which(all, (int)nworkers + 1, rx, sizeof(rx), &n), 0);
	assert_int_equal(n, 1);
	/* shorter than a marker: the IKE socket too */
	assert_int_equal(sendto(cl, "\x01\x02", 2, 0, (struct sockaddr *)&ss, sl), 2);
	assert_int_equal(which(all, (int)nworkers + 1, rx, sizeof(rx), &n), 0);
	/* ESP: the dataplane socket its SPI picks, every time */
	for (int round = 0; round < 2; round++)
		for (uint32_t spi = 0x1000; spi < 0x1000 + 3 * nworkers; spi++) {
			buf[0] = (uint8_t)(spi >> 24);
			buf[1] = (uint8_t)(spi >> 16);
			buf[2] = (uint8_t)(spi >> 8);
			buf[3] = (uint8_t)spi;
			memset(buf + 4, 0x77, 60);
			assert_int_equal(sendto(cl, buf, 64, 0, (struct sockaddr *)&ss, sl),
			    64);
			assert_int_equal(which(all, (int)nworkers + 1, rx, sizeof(rx), &n),
			    1 + spi % nworkers);
			assert_int_equal(n, 64);
		}
	/* an SPI with the high bit set (the program's arithmetic is unsigned) */
	memcpy(buf, "\xf0\x00\x00\x05", 4);
	assert_int_equal(sendto(cl, buf, 64, 0, (struct sockaddr *)&ss, sl), 64);
	assert_int_equal(which(all, (int)nworkers + 1, rx, sizeof(rx), &n),
	    1 + 0xf0000005u % nworkers);
	/* the IKE socket is non-blocking, the dataplane ones are not */
	assert_int_equal(recv(all[0], rx, sizeof(rx), 0), -1);
	assert_int_equal(errno, EAGAIN);
	close(cl);
	for (unsigned i = 0; i <= nworkers; i++)
		close(all[i]);
}

static void
test_steer_v4(void **state)
{
	steer("127.0.0.1", 1);
	steer("127.0.0.1", 2);
	steer("127.0.0.1", 5);
}

static void
test_steer_v6(void **state)
{
	steer("::1", 1);
	steer("::1", 3);
}

static void
test_classify(void **state)
{
	static const struct {
		const char	 *bytes;
		size_t		  len;
		enum esp_udp_kind want;
	} v[] = {
		{ "\xff", 1, ESP_UDP_KEEPALIVE },
		{ "\xfe", 1, ESP_UDP_MALFORMED },
		{ "", 0, ESP_UDP_MALFORMED },
		{ "\x00\x00\x00", 3, ESP_UDP_MALFORMED },
		{ "\x00\x00\x00\x00", 4, ESP_UDP_IKE },
		{ "\x00\x00\x00\x00\x11\x22", 6, ESP_UDP_IKE },
		{ "\x00\x00\x01\x00", 4, ESP_UDP_ESP },
		{ "\xff\xff", 2, ESP_UDP_MALFORMED },
		{ "\x00\x00\x01\x00\x00\x00\x00\x01", 8, ESP_UDP_ESP },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(esp_udp_classify(wire_rd_init(v[i].bytes, v[i].len)),
		    v[i].want);
}

/* The kernel has no ESP: a raw protocol-50 socket gets the packets. */
static void
test_raw(void **state)
{
	struct ipaddr	   a;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = 0 };
	int		   r, s;
	uint8_t		   buf[64] = { 0, 0, 0x10, 0, 0, 0, 0, 1 }, rx[256];
	ssize_t		   n;

	assert_int_equal(ipaddr_parse("127.0.0.1", &a), 0);
	assert_int_equal(esp_raw_open(&a, &r), 0);
	assert_true((s = socket(AF_INET, SOCK_RAW, IPPROTO_ESP)) >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)),
	    sizeof(buf));
	n = recv(r, rx, sizeof(rx), 0);
	/* IPv4 raw sockets deliver the IP header */
	assert_int_equal(n, 20 + sizeof(buf));
	assert_int_equal(rx[9], IPPROTO_ESP);
	assert_memory_equal(rx + 20, buf, sizeof(buf));
	close(s);
	close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_steer_v4, setup),
		cmocka_unit_test_setup(test_steer_v6, setup),
		cmocka_unit_test(test_classify),
		cmocka_unit_test_setup(test_raw, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
