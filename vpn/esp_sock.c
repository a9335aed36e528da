/* vpn/esp_sock.c - outer sockets: ESP in UDP sharing port 4500 with IKE (SO_REUSEPORT steered by classic BPF), and raw IP protocol 50. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>

#include "lib/sockaddr.h"

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define ESP_SOCK_BUF (8 << 20)

/*
 * The steering program. For a reuseport group the kernel runs it with the
 * UDP payload at offset 0 and takes its answer as the index of the socket
 * to deliver to (an index out of range falls back to the flow hash). RFC
 * 3948 2.2: four zero bytes (the non-ESP marker) start an IKE message, a
 * single 0xff byte is a NAT-keepalive (2.3); both, and anything shorter
 * than a marker, go to the IKE socket, index 0. ESP goes to a dataplane
 * socket chosen by its SPI, so one SA is always received by one thread.
 */
static int
steer_attach(int fd, unsigned nworkers)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, IKE_NON_ESP_MARKER_LEN, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, nworkers),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog;

	memset(&prog, 0, sizeof(prog)); /* the padding goes to the kernel too */
	prog.len = sizeof(f) / sizeof(f[0]);
	prog.filter = f;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/* The outer TOS comes with each receive: its ECN field is folded into
 * the inner packet (RFC 6040 4.2). */
static void
esp_sock_recvtos(int s, int family)
{
	int one = 1;

	if (family == AF_INET)
		(void)setsockopt(s, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	else
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one));
}

static int
udp_bind(const struct ipaddr *local, uint16_t port, bool dataplane, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, local, port, 0);
	int			s, one = 1, buf = ESP_SOCK_BUF, rc = 0;
	int flags = SOCK_DGRAM | SOCK_CLOEXEC | (dataplane ? 0 : SOCK_NONBLOCK);
	int pmtu;

	if ((s = socket(local->family, flags, 0)) < 0)
		return -errno;
	/* Free bind: the address may still be tentative (IPv6 DAD) or come
	 * up after the tunnel is made. */
	(void)setsockopt(s, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    (local->family == AF_INET6 &&
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)) {
		rc = -errno;
		goto out;
	}
	if (dataplane) {
		/* Big buffers (a 64 KB GRO/GSO datagram is one skb); the
		 * outer packets may be fragmented on a narrow path rather
		 * than dropped (the inner MTU is what the hosts see). GRO
		 * hands us many datagrams of one flow per receive. */
		if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
			(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
			(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		if (local->family == AF_INET) {
			pmtu = IP_PMTUDISC_DONT;
			(void)setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		} else {
			pmtu = IPV6_PMTUDISC_DONT;
			(void)setsockopt(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu,
			    sizeof(pmtu));
		}
		(void)setsockopt(s, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
		esp_sock_recvtos(s, local->family);
	}
	if (bind(s, (struct sockaddr *)&ss, sl) < 0) {
		rc = -errno;
		goto out;
	}
	*fd = s;
out:
	if (rc != 0)
		close(s);
	return rc;
}

int
esp_udp_group_open(const struct ipaddr *local, uint16_t port, unsigned nworkers, int *ike_fd,
    int *fds)
{
	unsigned i = 0;
	int	 ike = -1, rc;

	/* The IKE socket binds first: it is index 0 of the group. The
	 * program is attached before the others join, so that an ESP
	 * packet can only ever be mis-steered to it (the flow-hash fallback
	 * while the group is short), never IKE to a dataplane socket. */
	if ((rc = udp_bind(local, port, false, &ike)) != 0)
		return rc;
	if ((rc = steer_attach(ike, nworkers)) != 0)
		goto out;
	for (i = 0; i < nworkers; i++)
		if ((rc = udp_bind(local, port, true, &fds[i])) != 0)
			goto out;
	*ike_fd = ike;
out:
	if (rc != 0) {
		while (i-- > 0)
			close(fds[i]);
		close(ike);
	}
	return rc;
}

int
esp_raw_open(const struct ipaddr *local, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, local, 0, 0);
	int			s, buf = ESP_SOCK_BUF, one = 1, pmtu, rc = 0;

	/* The kernel here has no ESP: a raw socket is handed every ESP
	 * packet to our address (IPv4 with its IP header, IPv6 without). */
	if ((s = socket(local->family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ESP)) < 0)
		return -errno;
	(void)setsockopt(s, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (local->family == AF_INET) {
		pmtu = IP_PMTUDISC_DONT;
		(void)setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	} else {
		pmtu = IPV6_PMTUDISC_DONT;
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	}
	esp_sock_recvtos(s, local->family);
	if (bind(s, (struct sockaddr *)&ss, sl) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

enum esp_udp_kind
esp_udp_classify(struct wire_rd d)
{
	uint8_t	 b;
	uint32_t w;

	/* RFC 3948 2.2, 2.3 */
	if (wire_left(&d) == 1 && wire_peek_u8(&d, &b) && b == 0xff)
		return ESP_UDP_KEEPALIVE;
	if (!wire_get_u32(&d, &w))
		return ESP_UDP_MALFORMED;
	if (w == 0)
		return ESP_UDP_IKE;
	return ESP_UDP_ESP;
}
