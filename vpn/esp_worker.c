/* vpn/esp_worker.c - the dataplane threads: TUN -> segment -> ESP -> UDP/raw socket, and back, in batches, without locks or allocation per packet. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_dp_local.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static __thread const struct esp_dp *tls_dp; /* set on worker threads */

static const uint8_t vnet_zero[ESP_VNET_LEN];

bool
esp_worker_self(const struct esp_dp *dp)
{
	return tls_dp == dp;
}

/* --- events ----------------------------------------------------------- */

static void
sa_fire(struct esp_worker *w, struct esp_dsa *sa, unsigned bit)
{
	const struct esp_events *ev = &w->dp->ev;

	if (atomic_fetch_or(&sa->fired, bit) & bit)
		return;
	if (bit == ESP_FIRED_SOFT && ev->sa_soft)
		ev->sa_soft(ev->arg, sa->tun->id, sa->spi, sa->dir);
	else if (bit == ESP_FIRED_HARD && ev->sa_hard)
		ev->sa_hard(ev->arg, sa->tun->id, sa->spi, sa->dir);
	else if (bit == ESP_FIRED_WRAP && ev->sa_seq_wrap)
		ev->sa_seq_wrap(ev->arg, sa->tun->id, sa->spi);
}

static void
sa_expire(struct esp_worker *w, struct esp_dsa *sa)
{
	atomic_store(&sa->dead, true);
	sa_fire(w, sa, ESP_FIRED_HARD);
}

static void
tun_gone(struct esp_worker *w, struct esp_tun *t)
{
	const struct esp_events *ev = &w->dp->ev;

	/* Stop polling our queue (its EPOLLERR would wake us forever). */
	(void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, t->qfd[w->idx], NULL);
	if (!atomic_exchange(&t->gone, true) && ev->tun_gone)
		ev->tun_gone(ev->arg, t->id);
}

/* Lifetimes (RFC 4301 4.4.2.1) are counted per batch: one atomic add per
 * SA per batch, not per packet. */
static void
sa_acct_flush(struct esp_worker *w)
{
	for (unsigned i = 0; i < w->nacct; i++) {
		struct esp_acct *a = &w->acct[i];
		struct esp_dsa	*sa = a->sa;
		uint64_t	 p = atomic_fetch_add(&sa->life_pkts, a->pkts) + a->pkts;
		uint64_t	 b = atomic_fetch_add(&sa->life_bytes, a->bytes) + a->bytes;

		if ((sa->soft_pkts && p >= sa->soft_pkts) ||
		    (sa->soft_bytes && b >= sa->soft_bytes))
			sa_fire(w, sa, ESP_FIRED_SOFT);
		if ((sa->hard_pkts && p >= sa->hard_pkts) ||
		    (sa->hard_bytes && b >= sa->hard_bytes))
			sa_expire(w, sa);
	}
	w->nacct = 0;
}

static void
sa_acct(struct esp_worker *w, struct esp_dsa *sa, uint64_t pkts, uint64_t bytes)
{
	unsigned i;

	for (i = 0; i < w->nacct && w->acct[i].sa != sa; i++)
		;
	if (i == w->nacct) {
		if (w->nacct == ESP_ACCT_MAX) {
			sa_acct_flush(w);
			i = 0;
		}
		w->acct[i].sa = sa;
		w->acct[i].pkts = w->acct[i].bytes = 0;
		w->nacct = i + 1;
	}
	w->acct[i].pkts += pkts;
	w->acct[i].bytes += bytes;
}

/* --- transmit: TUN -> ESP --------------------------------------------- */

/* A send batch: ESP packets laid end to end in w->tx; consecutive ones of
 * one size form a UDP GSO message (the last may be shorter). */
struct txb {
	size_t	 pos;
	unsigned nmsg;
	bool	 open; /* the last message may grow */
	uint64_t segs;
};

static const uint8_t *
iv_take(struct esp_worker *w, size_t n)
{
	const uint8_t *p;

	if (w->ivpos + n > ESP_IVPOOL) {
		/* Unpredictable CBC IVs (RFC 3602 2.1), drawn in bulk. */
		if (RAND_bytes(w->ivpool, ESP_IVPOOL) != 1)
			return NULL;
		w->ivpos = 0;
	}
	p = w->ivpool + w->ivpos;
	w->ivpos += n;
	return p;
}

static void
tx_split(struct esp_worker *w, int fd, const struct esp_out *o, unsigned m)
{
	const uint8_t *base = w->siov[m].iov_base;
	size_t	       left = w->siov[m].iov_len, seg = w->sseg[m];

	/* The path would not take GSO: the datagrams one by one. */
	while (left > 0) {
		size_t n = left < seg ? left : seg;

		if (sendto(fd, base, n, 0, (const struct sockaddr *)&o->peer, o->peerlen) < 0)
			esp_ctr_add(&w->st.tx_err, 1);
		base += n;
		left -= n;
	}
}

static void
tx_flush(struct esp_worker *w, const struct esp_out *o, struct txb *b)
{
	struct esp_ep *ep = o->ep;
	int	       fd = ep->udp ? ep->fd[w->idx] : ep->fd[0];
	unsigned       sent = 0;

	for (unsigned m = 0; m < b->nmsg; m++) {
		struct msghdr  *h = &w->smsg[m].msg_hdr;
		struct cmsghdr *c;
		int		tos = w->stos[m];

		memset(h, 0, sizeof(*h));
		h->msg_name = (void *)&o->peer;
		h->msg_namelen = o->peerlen;
		h->msg_iov = &w->siov[m];
		h->msg_iovlen = 1;
		if (w->snseg[m] < 2 && tos == 0)
			continue;
		h->msg_control = w->sctl[m].buf;
		h->msg_controllen = sizeof(w->sctl[m].buf);
		c = CMSG_FIRSTHDR(h);
		if (w->snseg[m] > 1) {
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			memcpy(CMSG_DATA(c), &w->sseg[m], sizeof(uint16_t));
			if (tos == 0) {
				h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
				continue;
			}
			c = CMSG_NXTHDR(h, c);
		} else
			h->msg_controllen = CMSG_SPACE(sizeof(int));
		/* The inner DSCP and ECN, outside (RFC 4301 5.1.2.1, RFC 6040). */
		c->cmsg_level = ep->local.family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
		c->cmsg_type = ep->local.family == AF_INET ? IP_TOS : IPV6_TCLASS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &tos, sizeof(int));
	}
	while (sent < b->nmsg) {
		int r = sendmmsg(fd, w->smsg + sent, b->nmsg - sent, 0);

		if (r > 0) {
			sent += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && w->snseg[sent] > 1 &&
		    (errno == EINVAL || errno == EMSGSIZE || errno == EIO)) {
			atomic_store(&ep->no_gso, true);
			tx_split(w, fd, o, sent++);
			continue;
		}
		for (unsigned m = sent; m < b->nmsg; m++)
			esp_ctr_add(&w->st.tx_err, w->snseg[m]);
		break;
	}
	b->pos = 0;
	b->nmsg = 0;
	b->open = false;
}

static void
tx_add(struct esp_worker *w, const struct esp_out *o, struct txb *b, size_t elen, uint8_t tos)
{
	unsigned m = b->nmsg - 1;
	bool gso = o->ep->udp && !atomic_load_explicit(&o->ep->no_gso, memory_order_relaxed);

	if (gso && b->nmsg > 0 && b->open && elen <= w->sseg[m] && tos == w->stos[m] &&
	    w->snseg[m] < ESP_GSO_SEGS && w->siov[m].iov_len + elen <= ESP_GSO_BYTES) {
		w->siov[m].iov_len += elen;
		w->snseg[m]++;
		if (elen < w->sseg[m])
			b->open = false; /* only the last segment may be short */
	} else {
		m = b->nmsg++;
		w->siov[m].iov_base = w->tx + b->pos;
		w->siov[m].iov_len = elen;
		w->sseg[m] = (uint16_t)elen;
		w->snseg[m] = 1;
		w->stos[m] = tos;
		b->open = true;
	}
	b->pos += elen;
}

static void
tx_icmp(struct esp_worker *w, struct esp_tun *t, const uint8_t *pkt, size_t len)
{
	struct iovec iov[2];
	int	     n = esp_icmp_too_big(pkt, len, t->mtu, w->plain, ESP_RX_AREA);

	if (n <= 0)
		return;
	iov[0].iov_base = (void *)vnet_zero;
	iov[0].iov_len = ESP_VNET_LEN;
	iov[1].iov_base = w->plain;
	iov[1].iov_len = (size_t)n;
	if (writev(t->qfd[w->idx], iov, 2) > 0)
		esp_ctr_add(&w->st.tx_icmp, 1);
}

/* Reserve n sequence numbers of sa; how many may be sent (RFC 4303 3.3.3:
 * never wrap, the SA dies first; a hard packet limit ends it likewise). */
static unsigned
tx_seq(struct esp_worker *w, struct esp_dsa *sa, unsigned n, uint64_t *first)
{
	uint64_t end = sa->xf.esn ? UINT64_MAX : UINT32_MAX, limit = end;
	uint64_t f, avail;

	if (sa->hard_pkts && sa->hard_pkts < limit)
		limit = sa->hard_pkts;
	f = atomic_fetch_add(&sa->seq, n) + 1;
	if (f - 1 + n >= end - ESP_SEQ_WRAP_MARGIN)
		sa_fire(w, sa, ESP_FIRED_WRAP);
	*first = f;
	if (f > limit || f == 0) {
		sa_expire(w, sa);
		return 0;
	}
	avail = limit - f + 1;
	if (avail <= n) {
		sa_expire(w, sa); /* this batch uses the last numbers */
		return (unsigned)avail;
	}
	return n;
}

static void
tx_pkt(struct esp_worker *w, struct esp_tun *t, const struct esp_out *o, struct esp_dsa *sa,
    struct txb *b, size_t n)
{
	struct esp_vnet v;
	struct esp_seg	s;
	uint8_t	       *pkt = w->tunbuf + ESP_VNET_LEN;
	size_t		len = n - ESP_VNET_LEN, hdr;
	unsigned	nseg, ok;
	uint64_t	seq, bytes = 0;
	int		rc;

	esp_vnet_decode(w->tunbuf, &v);
	rc = esp_seg_init(&s, &v, pkt, len, t->mtu);
	if (rc == -EMSGSIZE && esp_may_frag_report(pkt, len)) {
		tx_icmp(w, t, pkt, len);
		return;
	}
	/* Too big without DF: it goes as it is, and the outer packet is
	 * fragmented on the way (the outer sockets do not set DF). */
	if (rc != 0 && rc != -EMSGSIZE) {
		esp_ctr_add(&w->st.tx_bad, 1);
		return;
	}
	nseg = esp_seg_left(&s);
	if (!sa) {
		esp_ctr_add(&w->st.tx_no_sa, nseg);
		return;
	}
	if (atomic_load_explicit(&sa->dead, memory_order_relaxed)) {
		esp_ctr_add(&sa->pw[w->idx].c.out_drop, nseg);
		return;
	}
	ok = tx_seq(w, sa, nseg, &seq);
	hdr = esp_hdr_len(&sa->xf);
	for (unsigned i = 0; i < ok; i++, seq++) {
		size_t	       ilen = esp_seg_peek_len(&s), elen;
		uint8_t	      *slot, ver, tos;
		const uint8_t *iv = NULL;
		struct wire_rd r;
		int	       got;

		elen = esp_encap_len(&sa->xf, ilen);
		if (b->pos + elen > ESP_TX_AREA || b->nmsg == ESP_TX_PKTS)
			tx_flush(w, o, b);
		slot = w->tx + b->pos;
		if ((got = esp_seg_next(&s, slot + hdr, ESP_TX_AREA - b->pos - hdr)) <= 0)
			break;
		if (!s.gso)
			(void)esp_mss_clamp(slot + hdr, (size_t)got, t->mss, t->mtu);
		r = wire_rd_init(slot + hdr, (size_t)got);
		tos = esp_inner_tos(slot + hdr, (size_t)got);
		if (!wire_peek_u8(&r, &ver) ||
		    (!sa->xf.aead && !(iv = iv_take(w, sa->xf.iv_len))) ||
		    esp_encap(&sa->xf, &sa->pw[w->idx].cx, seq,
			ver >> 4 == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6, iv, slot, (size_t)got,
			ESP_TX_AREA - b->pos, &elen) != 0) {
			esp_ctr_add(&sa->pw[w->idx].c.out_drop, 1);
			continue;
		}
		tx_add(w, o, b, elen, tos);
		bytes += (size_t)got;
		b->segs++;
	}
	if (ok < nseg)
		esp_ctr_add(&sa->pw[w->idx].c.out_drop, nseg - ok);
	esp_ctr_add(&sa->pw[w->idx].c.pkts, b->segs);
	esp_ctr_add(&sa->pw[w->idx].c.bytes, bytes);
	sa_acct(w, sa, b->segs, bytes);
	b->segs = 0;
}

static void
wk_tx(struct esp_worker *w, struct esp_tun *t)
{
	struct esp_dsa *sa = atomic_load_explicit(&t->out, memory_order_acquire);
	struct esp_out *o = atomic_load_explicit(&t->path, memory_order_acquire);
	struct txb	b = { 0 };

	for (unsigned r = 0; r < ESP_TX_READS; r++) {
		ssize_t n;

		/* Room for a whole super-packet's segments, or send first. */
		if (ESP_TX_AREA - b.pos <
		    ESP_IP_MAXPACKET + ESP_GSO_SEGS * ESP_OVERHEAD_MAX * 2)
			break;
		if ((n = read(t->qfd[w->idx], w->tunbuf, ESP_TUNBUF)) < 0) {
			if (errno == EBADFD || errno == EIO || errno == ENODEV)
				tun_gone(w, t);
			break;
		}
		if ((size_t)n <= ESP_VNET_LEN) {
			esp_ctr_add(&w->st.tx_bad, 1);
			continue;
		}
		tx_pkt(w, t, o, sa, &b, (size_t)n);
	}
	tx_flush(w, o, &b);
	sa_acct_flush(w);
}

/* --- receive: socket -> ESP -> TUN ------------------------------------ */

struct rxb {
	size_t	 ppos; /* plaintext written to w->plain */
	unsigned ntw;  /* pending device writes */
	uint64_t now_ms;
};

static void
rx_write(struct esp_worker *w, struct esp_tun *t, struct iovec *iov, int n)
{
	if (writev(t->qfd[w->idx], iov, n) < 0 &&
	    (errno == EBADFD || errno == EIO || errno == ENODEV))
		tun_gone(w, t);
}

/* Hand the batch's decrypted packets to their devices, runs of one TCP
 * flow coalesced (esp_gro.c). */
static void
rx_flush(struct esp_worker *w, struct rxb *b)
{
	struct iovec one[2];
	unsigned     i = 0, j, k;

	one[0].iov_base = (void *)vnet_zero;
	one[0].iov_len = ESP_VNET_LEN;
	while (i < b->ntw) {
		struct esp_tun *t = w->tt[i];

		for (j = i + 1; j < b->ntw && w->tt[j] == t; j++)
			;
		for (; i < j; i += k) {
			if (atomic_load_explicit(&t->gone, memory_order_relaxed)) {
				i = j;
				break;
			}
			k = esp_gro_span(&w->tb[i], j - i);
			if (k > 1 && esp_gro_build(&w->tb[i], k, w->wvnet, w->wiov) == 0) {
				rx_write(w, t, w->wiov, (int)k + 1);
				continue;
			}
			k = 1;
			one[1].iov_base = w->tb[i].p;
			one[1].iov_len = w->tb[i].len;
			rx_write(w, t, one, 2);
		}
	}
	b->ntw = 0;
	b->ppos = 0;
}

static void
rx_one(struct esp_worker *w, struct esp_ep *ep, struct wire_rd d, const struct sockaddr *from,
    uint8_t tos, struct rxb *b)
{
	const struct esp_events *ev = &w->dp->ev;
	struct esp_spi_tab	*tab;
	struct esp_dsa		*sa;
	struct esp_inner	 res;
	struct esp_ctr		*c;
	uint32_t		 spi, lo;
	uint64_t		 seq;
	uint8_t			*out;
	enum esp_err		 e;

	if (ep->udp) {
		switch (esp_udp_classify(d)) {
		case ESP_UDP_KEEPALIVE:
			esp_ctr_add(&w->st.rx_keepalive, 1);
			return;
		case ESP_UDP_MALFORMED:
			esp_ctr_add(&w->st.rx_malformed, 1);
			return;
		case ESP_UDP_IKE:
			esp_ctr_add(&w->st.rx_ike, 1);
			if (ev->ike_rx && wire_skip(&d, IKE_NON_ESP_MARKER_LEN))
				ev->ike_rx(ev->arg, d.p, wire_left(&d), from,
				    (const struct sockaddr *)&ep->lss);
			return;
		case ESP_UDP_ESP:
			break;
		}
	}
	if (esp_hdr_decode(d, &spi, &lo) != ESP_OK) {
		esp_ctr_add(&w->st.rx_malformed, 1);
		return;
	}
	tab = atomic_load_explicit(&w->dp->in_tab, memory_order_acquire);
	if (!(sa = esp_spi_lookup(tab, spi)) ||
	    atomic_load_explicit(&sa->dead, memory_order_relaxed)) {
		esp_ctr_add(&w->st.rx_no_sa, 1);
		return;
	}
	if (b->ntw == ESP_RX_PKTS || b->ppos + wire_left(&d) + 64 > ESP_RX_AREA)
		rx_flush(w, b);
	c = &sa->pw[w->idx].c;
	out = w->plain + b->ppos;
	e = esp_input(&sa->xf, &sa->pw[w->idx].cx, &sa->rp, d, out, ESP_RX_AREA - b->ppos, &res,
	    &seq);
	switch (e) {
	case ESP_OK:
		break;
	case ESP_ERR_AUTH:
		esp_ctr_add(&c->auth, 1);
		return;
	case ESP_ERR_REPLAY:
		esp_ctr_add(&c->replay, 1);
		return;
	case ESP_ERR_DUMMY:
		return;
	default:
		esp_ctr_add(&c->decrypt, 1);
		return;
	}
	if (!esp_ecn_decap(out, res.len, tos)) {
		esp_ctr_add(&w->st.rx_ecn_drop, 1);
		return;
	}
	(void)esp_mss_clamp(out, res.len, sa->tun->mss, sa->tun->mtu);
	w->tt[b->ntw] = sa->tun;
	w->tb[b->ntw].p = out;
	w->tb[b->ntw].len = res.len;
	b->ntw++;
	b->ppos += (res.len + 63) & ~(size_t)63;
	esp_ctr_add(&c->pkts, 1);
	esp_ctr_add(&c->bytes, res.len);
	if (esp_ctr_get(&c->last_ms) != b->now_ms)
		__atomic_store_n(&c->last_ms, b->now_ms, __ATOMIC_RELAXED);
	sa_acct(w, sa, 1, res.len);
}

static void
wk_rx(struct esp_worker *w, struct esp_ep *ep, int fd, bool gro)
{
	unsigned	slots = ep->udp ? ESP_RX_UDP_SLOTS : ESP_RX_RAW_SLOTS;
	size_t		ssz = ep->udp ? ESP_RX_UDP_SLOT : ESP_RX_RAW_SLOT;
	struct rxb	b = { 0 };
	struct timespec ts;
	int		n;

	for (unsigned i = 0; i < slots; i++) {
		struct msghdr *h = &w->rmsg[i].msg_hdr;

		w->riov[i].iov_base = w->rx + i * ssz;
		w->riov[i].iov_len = ssz;
		memset(h, 0, sizeof(*h));
		h->msg_name = &w->rname[i];
		h->msg_namelen = sizeof(w->rname[i]);
		h->msg_iov = &w->riov[i];
		h->msg_iovlen = 1;
		h->msg_control = w->rctl[i].buf;
		h->msg_controllen = sizeof(w->rctl[i].buf);
	}
	if ((n = recvmmsg(fd, w->rmsg, slots, MSG_DONTWAIT, NULL)) <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	b.now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &w->rmsg[i].msg_hdr;
		struct wire_rd d = wire_rd_init(w->rx + (size_t)i * ssz, w->rmsg[i].msg_len);
		size_t	       gso = 0;
		uint8_t	       vihl, tos = 0;

		if (h->msg_flags & MSG_TRUNC) {
			esp_ctr_add(&w->st.rx_malformed, 1);
			continue;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			int v;

			if (gro && c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				gso = v > 0 ? (size_t)v : 0;
			} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
				tos = *CMSG_DATA(c); /* one byte (IP_RECVTOS) */
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				tos = (uint8_t)v;
			}
		}
		/* An IPv4 raw socket hands over the IP header too (its TOS is
		 * the outer one: GRO never merges datagrams of different TOS). */
		if (!ep->udp && ep->local.family == AF_INET) {
			struct wire_rd ip = d;

			if (!wire_peek_u8(&d, &vihl) || !wire_skip(&ip, 1) ||
			    !wire_peek_u8(&ip, &tos) || !wire_skip(&d, (vihl & 0xfu) * 4)) {
				esp_ctr_add(&w->st.rx_malformed, 1);
				continue;
			}
		}
		if (gso == 0)
			gso = wire_left(&d);
		/* One GRO receive holds many datagrams of gso bytes each. */
		while (!wire_empty(&d)) {
			struct wire_rd one;
			size_t	       k = wire_left(&d) < gso ? wire_left(&d) : gso;

			(void)wire_get_sub(&d, k, &one);
			rx_one(w, ep, one, (const struct sockaddr *)&w->rname[i], tos, &b);
		}
	}
	rx_flush(w, &b);
	sa_acct_flush(w);
}

/* --- the thread ------------------------------------------------------- */

void *
esp_worker_main(void *arg)
{
	struct esp_worker *w = arg;
	struct esp_dp	  *dp = w->dp;
	struct epoll_event evs[32];
	char		   name[16];

	tls_dp = dp;
	snprintf(name, sizeof(name), "hgw-esp%u", w->idx);
	pthread_setname_np(pthread_self(), name);
	while (!atomic_load(&dp->stop)) {
		int n;

		/* The quiescent point: nothing from the last batch is held.
		 * We never count as offline while blocked, because the events
		 * epoll_wait returns may point at what was unpublished while
		 * we slept; esp_dp_sync() wakes us instead. */
		atomic_store(&w->qs, atomic_load(&dp->epoch));
		n = epoll_wait(w->epfd, evs, sizeof(evs) / sizeof(evs[0]), -1);
		for (int i = 0; i < n; i++) {
			struct esp_pe *pe = evs[i].data.ptr;
			uint64_t       v;

			switch (pe->kind) {
			case ESP_PE_WAKE:
				(void)!read(w->evfd, &v, sizeof(v));
				break;
			case ESP_PE_TUN:
				if (evs[i].events & (EPOLLERR | EPOLLHUP))
					tun_gone(w, pe->obj);
				else
					wk_tx(w, pe->obj);
				break;
			case ESP_PE_UDP:
				wk_rx(w, pe->obj, ((struct esp_ep *)pe->obj)->fd[w->idx], true);
				break;
			case ESP_PE_RAW:
				wk_rx(w, pe->obj, ((struct esp_ep *)pe->obj)->fd[0], false);
				break;
			case ESP_PE_IKE:
				wk_rx(w, pe->obj, ((struct esp_ep *)pe->obj)->ike_fd, false);
				break;
			}
		}
	}
	atomic_store(&w->qs, 0);
	return NULL;
}

int
esp_worker_alloc(struct esp_dp *dp, unsigned idx, struct esp_worker **out)
{
	struct esp_worker *w;
	struct epoll_event ev = { .events = EPOLLIN };
	int		   rc = -ENOMEM;

	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	w->dp = dp;
	w->idx = idx;
	w->epfd = w->evfd = -1;
	w->ivpos = ESP_IVPOOL;
	/* Every buffer a packet will ever touch, made now. */
	if (!(w->rx = aligned_alloc(64, ESP_RX_AREA)) ||
	    !(w->plain = aligned_alloc(64, ESP_RX_AREA)) ||
	    !(w->tx = aligned_alloc(64, ESP_TX_AREA)) ||
	    !(w->tunbuf = aligned_alloc(64, (ESP_TUNBUF + 63) / 64 * 64)))
		goto out;
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	w->wake_pe.kind = ESP_PE_WAKE;
	ev.data.ptr = &w->wake_pe;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0) {
		rc = -errno;
		goto out;
	}
	*out = w;
	return 0;
out:
	/* only failures come here: rc is not consulted to free */
	esp_worker_free(w);
	return rc;
}

void
esp_worker_free(struct esp_worker *w)
{
	if (!w)
		return;
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->evfd >= 0)
		close(w->evfd);
	free(w->rx);
	free(w->plain);
	free(w->tx);
	free(w->tunbuf);
	explicit_bzero(w->ivpool, sizeof(w->ivpool));
	free(w);
}
