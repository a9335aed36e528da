/* failover/bfd_net.c - BFD on the wire: UDP sockets (RFC 5881), keyed SHA1 (RFC 5880 6.7.4), transmit, receive, demultiplexing. */
/* SPDX-License-Identifier: ISC */
#include "failover/bfd_session_local.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sockaddr.h"

static void
bfd_rxsock_closed(uv_handle_t *h)
{
	struct bfd_rxsock *rs = h->data;

	close(rs->fd);
	free(rs);
}

static void
rxsock_poll_cb(uv_poll_t *p, int status, int events)
{
	if (status == 0 && (events & UV_READABLE))
		bfd_rxsock_read(p->data);
}

int
bfd_rxsock_get(struct bfd *b, uint8_t family, uint16_t port, struct bfd_rxsock **out)
{
	struct bfd_rxsock      *rs;
	struct sockaddr_storage ss;
	struct ipaddr		any = { .family = family };
	socklen_t		sl;
	int			fd = -1, on = 1, rc;

	LIST_FOREACH(rs, &b->rxsocks, entry) {
		if (rs->family == family && rs->port == port) {
			rs->refs++;
			*out = rs;
			return 0;
		}
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return -ENOMEM;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	/* No SO_REUSEADDR: a second BFD speaker on this port would silently
	 * take our packets; better refuse the session loudly. */
	/* RFC 5881 5: the TTL / Hop Limit of every packet is checked. */
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
			goto errno_out;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
			goto errno_out;
	}
	sl = ipaddr_to_sockaddr(&ss, &any, port, 0);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto errno_out;
	if ((rc = uv_poll_init(&b->io_loop, &rs->poll, fd)) != 0)
		goto out;
	rs->bfd = b;
	rs->fd = fd;
	rs->family = family;
	rs->port = port;
	rs->refs = 1;
	rs->poll.data = rs;
	LIST_INSERT_HEAD(&b->rxsocks, rs, entry);
	if ((rc = uv_poll_start(&rs->poll, UV_READABLE, rxsock_poll_cb)) != 0)
		log_warn(LOG_MOD_BFD, "bfd: poll on port %u: %s", port, uv_strerror(rc));
	*out = rs;
	return 0;
errno_out:
	rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(rs);
	return rc;
}

void
bfd_rxsock_put(struct bfd_rxsock *rs)
{
	if (--rs->refs > 0)
		return;
	LIST_REMOVE(rs, entry);
	rs->closing = true;
	bfd_handle_close((uv_handle_t *)&rs->poll, bfd_rxsock_closed);
}

/*
 * The transmit socket: source port 49152-65535, TTL 255 (RFC 5881 4, 5),
 * bound to the interface when one is configured. Failure is not fatal: the
 * interface or address may appear later, so the tx timer retries.
 */
int
bfd_sess_txsock_open(struct bfd_session *s)
{
	struct sockaddr_storage ss;
	socklen_t		sl;
	uint8_t			family = s->cfg.peer.family;
	int			fd, ttl = BFD_TTL, tos = BFD_TOS, on = 1, rc, i;

	if (s->cfg.ifname[0] && (s->ifindex = if_nametoindex(s->cfg.ifname)) == 0)
		return -ENODEV;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0)
			goto errno_out;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0)
			goto errno_out;
	}
	/* The local address may not be configured yet at start. */
	(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	if (s->cfg.ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->cfg.ifname,
		(socklen_t)strlen(s->cfg.ifname)) < 0)
		goto errno_out;
	for (i = 0; i < 128; i++) {
		uint16_t port = (uint16_t)(BFD_SRC_PORT_MIN +
		    bfd_rand(s->bfd) % (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1));

		sl = ipaddr_to_sockaddr(&ss,
		    s->cfg.local.family == family ? &s->cfg.local :
						    &(struct ipaddr){ .family = family },
		    port, s->ifindex);
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			break;
		if (errno != EADDRINUSE)
			goto errno_out;
	}
	if (i == 128) {
		rc = -EADDRINUSE;
		goto out;
	}
	s->txfd = fd;
	return 0;
errno_out:
	rc = -errno;
out:
	close(fd);
	return rc;
}

void
bfd_sess_txsock_close(struct bfd_session *s)
{
	if (s->txfd >= 0)
		close(s->txfd);
	s->txfd = -1;
}

/* RFC 5880 6.7.4: SHA1 over the packet with the key in the hash field. */
static int
sess_auth_digest(const struct bfd_session *s, const struct bfd_pkt *p,
    uint8_t out[BFD_SHA1_LEN])
{
	struct bfd_pkt tmp = *p;
	uint8_t	       buf[BFD_PKT_MAX];
	struct wire_wr w = wire_wr_init(buf, sizeof(buf));
	unsigned       mdlen = 0;
	int	       rc;

	memcpy(tmp.auth.data, secret_data(&s->key), BFD_SHA1_LEN);
	tmp.auth.data_len = BFD_SHA1_LEN;
	if ((rc = bfd_pkt_encode(&tmp, &w)) != 0)
		goto out;
	if (EVP_Digest(buf, wire_wr_len(&w), out, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != BFD_SHA1_LEN)
		rc = -EIO;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return rc;
}

/* RFC 5880 6.7.4 and 6.8.6 (A bit); true when the packet may be processed. */
static bool
sess_auth_check(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now, const char **why)
{
	uint8_t	 md[BFD_SHA1_LEN];
	uint32_t det;

	if (!s->auth) {
		*why = "auth present but not configured";
		return p->auth.type == BFD_AUTH_NONE;
	}
	if (p->auth.type != BFD_AUTH_KEYED_SHA1) {
		*why = p->auth.type == BFD_AUTH_NONE ? "auth missing" : "auth type mismatch";
		return false;
	}
	if (p->auth.key_id != s->cfg.auth_key_id) {
		*why = "auth key id mismatch";
		return false;
	}
	/* RFC 5880 6.8.1: forget the sequence after 2 x Detection Time of silence. */
	det = bfd_fsm_detect_us(&s->fsm);
	if (s->rcv_seq_known && (det == 0 || now - s->last_rx_us > 2ull * det))
		s->rcv_seq_known = false;
	if (s->rcv_seq_known && (uint32_t)(p->auth.seq - s->rcv_seq) > 3u * p->detect_mult) {
		*why = "auth sequence out of window";
		return false;
	}
	if (sess_auth_digest(s, p, md) != 0 ||
	    CRYPTO_memcmp(md, p->auth.data, BFD_SHA1_LEN) != 0) {
		*why = "auth digest mismatch";
		return false;
	}
	s->rcv_seq = p->auth.seq;
	s->rcv_seq_known = true;
	return true;
}

/* RFC 5880 6.8.7 */
void
bfd_sess_send(struct bfd_session *s, bool final)
{
	struct bfd_pkt		p;
	struct sockaddr_storage ss;
	uint8_t			buf[BFD_PKT_MAX];
	struct wire_wr		w = wire_wr_init(buf, sizeof(buf));
	socklen_t		sl;
	char			nm[64];
	int			rc;

	if (s->txfd < 0 && (rc = bfd_sess_txsock_open(s)) != 0) {
		if (!s->txfd_warned)
			log_warn(LOG_MOD_BFD, "bfd %s: cannot open socket: %s (retrying)",
			    bfd_sess_name(s, nm, sizeof(nm)), strerror(-rc));
		s->txfd_warned = true;
		return;
	}
	s->txfd_warned = false;
	bfd_fsm_build(&s->fsm, &p, final);
	if (s->auth) {
		p.auth.type = BFD_AUTH_KEYED_SHA1;
		p.auth.key_id = s->cfg.auth_key_id;
		p.auth.seq = ++s->xmit_seq; /* RFC 5880 6.7.4 */
		p.auth.data_len = BFD_SHA1_LEN;
		if (sess_auth_digest(s, &p, p.auth.data) != 0)
			return;
	}
	if (bfd_pkt_encode(&p, &w) != 0)
		return;
	sl = ipaddr_to_sockaddr(&ss, &s->cfg.peer, bfd_cfg_port(&s->cfg), s->ifindex);
	if (sendto(s->txfd, buf, wire_wr_len(&w), 0, (struct sockaddr *)&ss, sl) < 0) {
		rc = errno;
		log_debug(LOG_MOD_BFD, "bfd %s: send: %s", bfd_sess_name(s, nm, sizeof(nm)),
		    strerror(rc));
		/* The interface went away (or came back with another index):
		 * open a fresh socket on the next packet. */
		if (rc == ENODEV || rc == ENXIO) {
			bfd_sess_txsock_close(s);
			s->ifindex = 0;
		}
		return;
	}
	s->pkts_out++;
}

static struct bfd_session *
sess_find_peer(struct bfd *b, const struct ipaddr *src, uint16_t port, unsigned ifindex)
{
	struct bfd_session *s;

	TAILQ_FOREACH(s, &b->sessions, entry) {
		if (bfd_cfg_port(&s->cfg) != port || ipaddr_cmp(&s->cfg.peer, src) != 0)
			continue;
		if (s->cfg.ifname[0] && s->ifindex == 0)
			s->ifindex = if_nametoindex(s->cfg.ifname);
		if (s->cfg.ifname[0] && ifindex != 0 && s->ifindex != ifindex)
			continue;
		return s;
	}
	return NULL;
}

struct bfd_session *
bfd_sess_find_discr(struct bfd *b, uint32_t discr)
{
	struct bfd_session *s;

	TAILQ_FOREACH(s, &b->sessions, entry)
		if (s->fsm.local_discr == discr)
			return s;
	return NULL;
}

static void
rx_drop(struct bfd *b, struct bfd_session *s, const struct ipaddr *src, const char *why)
{
	char a[IPADDR_STRLEN];

	if (s)
		s->pkts_dropped++;
	else
		b->rx_unmatched++;
	log_debug(LOG_MOD_BFD, "bfd: dropped packet from %s: %s", ipaddr_fmt(src, a, sizeof(a)),
	    why);
}

static void
rx_packet(struct bfd_rxsock *rs, const struct ipaddr *src, int ttl, unsigned ifindex,
    const uint8_t *buf, size_t len)
{
	struct bfd	   *b = rs->bfd;
	struct bfd_session *s;
	struct bfd_pkt	    p;
	enum bfd_err	    err;
	const char	   *why = NULL;
	uint64_t	    now = mono_us();
	uint8_t		    old;

	err = bfd_pkt_decode(wire_rd_init(buf, len), &p);
	if (ttl != BFD_TTL) { /* RFC 5881 5 */
		rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src,
		    ttl < 0 ? "no TTL" : "TTL not 255");
		return;
	}
	if (err != BFD_OK) {
		rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src, bfd_err_str(err));
		return;
	}
	/* RFC 5880 6.8.6: demultiplex by Your Discriminator, else by address. */
	if (p.your_discr != 0) {
		s = bfd_sess_find_discr(b, p.your_discr);
		if (s == NULL || bfd_cfg_port(&s->cfg) != rs->port ||
		    ipaddr_cmp(&s->cfg.peer, src) != 0 ||
		    (s->ifindex && ifindex && s->ifindex != ifindex)) {
			rx_drop(b, sess_find_peer(b, src, rs->port, ifindex), src,
			    "unknown discriminator");
			return;
		}
	} else if ((s = sess_find_peer(b, src, rs->port, ifindex)) == NULL) {
		rx_drop(b, NULL, src, "no session");
		return;
	}
	if (!sess_auth_check(s, &p, now, &why)) {
		rx_drop(b, s, src, why);
		return;
	}
	s->pkts_in++;
	s->last_rx_us = now;
	old = s->fsm.state;
	bfd_sess_events(s, bfd_fsm_rx(&s->fsm, &p), old);
}

void
bfd_rxsock_read(struct bfd_rxsock *rs)
{
	int i;

	for (i = 0; i < BFD_RX_BATCH && !rs->closing; i++) {
		struct sockaddr_storage ss;
		struct ipaddr		src;
		uint8_t			buf[512];
		union {
			struct cmsghdr align;
			uint8_t	       b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				   CMSG_SPACE(sizeof(int)) + 64];
		} cbuf;
		struct iovec  iov = { buf, sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &ss,
			.msg_namelen = sizeof(ss),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf.b,
			.msg_controllen = sizeof(cbuf.b),
		};
		struct cmsghdr *c;
		unsigned	ifindex = 0;
		int		ttl = -1;
		ssize_t		n;

		n = recvmsg(rs->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			break;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned)pi.ipi_ifindex;
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			}
		}
		ipaddr_from_sockaddr(&src, NULL, (struct sockaddr *)&ss);
		if (msg.msg_flags & MSG_TRUNC) {
			rx_drop(rs->bfd, NULL, &src, "oversized datagram");
			continue;
		}
		rx_packet(rs, &src, ttl, ifindex, buf, (size_t)n);
	}
}
