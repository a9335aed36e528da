/* failover/fib_send.c - the FIB's sender thread: one batch goes through the kernel while the loop builds the next. */
/* SPDX-License-Identifier: ISC */
#include "failover/fib_local.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "lib/log.h"
#include "lib/mailbox.h"

/*
 * rtnetlink handles a request inside the sender's sendmsg: installing a full
 * table is about as much kernel time (fib_table_insert, route notifications)
 * as loop time (UPDATE decoding, selection, grouping, building the requests).
 * A dedicated thread makes the two overlap on a second core. It only calls
 * sendto() on the request socket: the answers (errors, and the acks of the
 * requests that ask for one) land in that socket's receive queue, which the
 * loop reads as before, in order, by sequence number. Batches are sent in
 * the order they were submitted, so the kernel sees requests in queue order
 * (a nexthop before the group that uses it, the group before its routes).
 * The thread owns nothing but the copies it was handed, which reach it
 * through a lib/mailbox it blocks on; a batch counts as busy (with its
 * requests as weight) until its sendto returned.
 */

struct fib_job {
	struct mailbox_msg msg; /* weight: requests in data */
	size_t		   len;
	uint8_t		   data[];
};

struct fib_sender {
	pthread_t	thread;
	struct mailbox *jobs; /* the loop -> this thread, in order */
	int		fd;
	_Atomic int	err; /* first sendto failure not yet collected */
};

static void *
fib_send_main(void *arg)
{
	struct fib_sender  *s = arg;
	struct sockaddr_nl  kernel = { .nl_family = AF_NETLINK };
	struct mailbox_msg *m;

	/* NULL: stopping, and every batch is out */
	while ((m = mailbox_take(s->jobs, true)) != NULL) {
		struct fib_job *j = mailbox_entry(m, struct fib_job, msg);
		ssize_t rc = sendto(s->fd, j->data, j->len, 0, (struct sockaddr *)&kernel,
		    sizeof(kernel));
		int	none = 0;

		if (rc < 0)
			atomic_compare_exchange_strong(&s->err, &none, -errno);
		/* a waiter may want fewer, not none: it is woken either way */
		mailbox_done(s->jobs, m, 0);
		free(j);
	}
	return NULL;
}

int
fib_send_start(struct fib *f)
{
	struct fib_sender *s;
	int		   rc;

	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->fd = f->sk_fd;
	if (!(s->jobs = mailbox_new(0))) {
		free(s);
		return -ENOMEM;
	}
	if ((rc = pthread_create(&s->thread, NULL, fib_send_main, s)) != 0) {
		mailbox_free(s->jobs);
		free(s);
		return -rc;
	}
	pthread_setname_np(s->thread, "hgw-fib");
	f->sender = s;
	return 0;
}

/* Every batch already submitted still goes out; then the thread ends. */
void
fib_send_stop(struct fib *f)
{
	struct fib_sender *s = f->sender;

	if (!s)
		return;
	mailbox_close(s->jobs);
	pthread_join(s->thread, NULL);
	mailbox_free(s->jobs);
	free(s);
	f->sender = NULL;
}

/* A batch sent from the calling thread (fib_flush, or no sender thread):
 * the kernel has been through it when this returns. Only once the thread
 * is idle (fib_send_wait), or the kernel could see requests out of order. */
int
fib_send_direct(const struct fib *f, const uint8_t *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(f->sk_fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

int
fib_send_submit(struct fib *f, const uint8_t *buf, size_t len, size_t nreq)
{
	struct fib_sender *s = f->sender;
	struct fib_job	  *j;
	int		   rc;

	if (!s)
		return fib_send_direct(f, buf, len);
	if (!(j = malloc(sizeof(*j) + len)))
		return -ENOMEM;
	memset(&j->msg, 0, sizeof(j->msg));
	j->msg.weight = nreq;
	j->len = len;
	memcpy(j->data, buf, len);
	if ((rc = mailbox_post(s->jobs, &j->msg)) != 0) /* unbounded: only once stopped */
		free(j);
	return rc;
}

/* Wait until the thread holds fewer than max batches; with max 1, until the
 * kernel has been through every submitted batch (their answers are then in
 * the socket). Returns the first send failure since the last call, or 0. */
int
fib_send_wait_below(struct fib *f, unsigned max)
{
	struct fib_sender *s = f->sender;

	if (!s)
		return 0;
	mailbox_wait_below(s->jobs, max);
	return atomic_exchange(&s->err, 0);
}

int
fib_send_wait(struct fib *f)
{
	return fib_send_wait_below(f, 1);
}

/* Batches the thread holds (queued or being sent), and the requests in them. */
unsigned
fib_send_busy(const struct fib *f, size_t *reqs)
{
	struct fib_sender *s = f->sender;

	if (reqs)
		*reqs = 0;
	if (!s)
		return 0;
	return (unsigned)mailbox_busy(s->jobs, reqs);
}

/* The same without waiting: a failure reported so far, or 0. */
int
fib_send_error(struct fib *f)
{
	struct fib_sender *s = f->sender;

	if (!s)
		return 0;
	return atomic_exchange(&s->err, 0);
}
