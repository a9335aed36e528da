/* vpn/ike_socket.c - IKE's UDP sockets: port 500, port 4500 shared with ESP (non-ESP marker), NAT keepalives. */
/* SPDX-License-Identifier: ISC */
#include "vpn/vpn_local.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/sockaddr.h"

/*
 * One socket per (local address, port), shared by the tunnels of that
 * address. Port 500 is ours alone. Port 4500 carries ESP in UDP too
 * (RFC 3948): the dataplane owns the port and steers IKE (non-ESP marker)
 * and keepalives to the descriptor esp_ike_socket() gives us, so IKE is
 * never stuck behind a queue of ESP. Sockets are free-bound: the address
 * may come up after the commit.
 */

#define IKE_RX_BURST 64 /* datagrams per wake-up, then the loop goes on */

static void
sock_rx(uv_poll_t *h, int status, int events)
{
	struct ike_sock *s = h->data;
	struct vpn	*v = s->vpn;

	if (status < 0)
		return;
	for (int i = 0; i < IKE_RX_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t		sl = sizeof(ss);
		struct ipaddr		from;
		uint16_t		port;
		ssize_t			n;
		const uint8_t	       *msg = v->rx;

		n = recvfrom(s->fd, v->rx, VPN_MSG_BUF, MSG_DONTWAIT, (struct sockaddr *)&ss,
		    &sl);
		if (n < 0)
			break;
		ipaddr_from_sockaddr(&from, &port, (struct sockaddr *)&ss);
		if (s->natt) {
			/* RFC 3948 2.2, 2.3: a keepalive is one 0xff byte;
			 * IKE follows four zero bytes */
			if (n == 1 && v->rx[0] == 0xff)
				continue;
			if (n < IKE_NON_ESP_MARKER_LEN + IKE_HDR_LEN || v->rx[0] || v->rx[1] ||
			    v->rx[2] || v->rx[3]) {
				v->rx_bad++;
				continue;
			}
			msg += IKE_NON_ESP_MARKER_LEN;
			n -= IKE_NON_ESP_MARKER_LEN;
		}
		/* a socket goes only with its tunnels, never from input */
		ike_input(v, s, msg, (size_t)n, &from, port);
	}
}

static int
sock_open_500(const struct ipaddr *local, uint16_t port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, local, port, 0);
	int			s, one = 1, rc = 0;

	if ((s = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	(void)setsockopt(s, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (local->family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		rc = -errno;
		goto out;
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

static void
sock_closed(uv_handle_t *h)
{
	struct ike_sock *s = h->data;

	close(s->fd);
	free(s);
}

int
ike_sock_get(struct vpn *v, const struct ipaddr *local, bool natt, struct ike_sock **out)
{
	struct ike_sock *s;
	uint16_t	 port = natt ? v->cfg.natt_port : v->cfg.ike_port;
	int		 rc;

	for (s = v->socks; s; s = s->next)
		if (s->natt == natt && ipaddr_cmp(&s->local, local) == 0) {
			s->refs++;
			*out = s;
			return 0;
		}
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->vpn = v;
	s->local = *local;
	s->port = port;
	s->natt = natt;
	s->fd = -1;
	if (natt) {
		if ((rc = vpn_backend(v)) == 0)
			rc = esp_ike_socket(v->be, local, port, &s->fd);
	} else
		rc = sock_open_500(local, port, &s->fd);
	if (rc != 0)
		goto out;
	if ((rc = uv_poll_init(v->loop, &s->poll, s->fd)) != 0)
		goto out;
	s->poll.data = s;
	if ((rc = uv_poll_start(&s->poll, UV_READABLE, sock_rx)) != 0) {
		uv_close((uv_handle_t *)&s->poll, sock_closed); /* closes and frees */
		return rc;					/* a libuv error: -errno */
	}
	s->polling = true;
	s->refs = 1;
	s->next = v->socks;
	v->socks = s;
	*out = s;
	return 0;
out:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return rc < 0 ? rc : -EIO;
}

void
ike_sock_put(struct ike_sock *s)
{
	struct vpn *v;

	if (!s || --s->refs > 0)
		return;
	v = s->vpn;
	for (struct ike_sock **pp = &v->socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, sock_closed);
}

int
ike_sock_send(struct ike_sock *s, const struct ipaddr *remote, uint16_t port,
    const uint8_t *msg, size_t len)
{
	static const uint8_t	marker[IKE_NON_ESP_MARKER_LEN];
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, remote, port, 0);
	struct iovec		iov[2];
	struct msghdr		mh;
	int			n = 0;

	if (s->natt) {
		iov[n].iov_base = (void *)marker;
		iov[n++].iov_len = sizeof(marker);
	}
	iov[n].iov_base = (void *)msg;
	iov[n++].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = sl;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int
ike_sock_keepalive(struct ike_sock *s, const struct ipaddr *remote, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t		sl = ipaddr_to_sockaddr(&ss, remote, port, 0);
	uint8_t			ka = 0xff; /* RFC 3948 2.3 */

	if (sendto(s->fd, &ka, 1, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}
