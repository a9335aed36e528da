/* failover/fib_send.c - the FIB's sender thread: one batch goes through the kernel while the loop builds the next. */
#include "failover/fib_local.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "lib/log.h"

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
 * The thread owns nothing but the copies it was handed.
 */

struct fib_job {
	struct fib_job	*next;
	size_t		 len;
	size_t		 nreq;		/* requests in data */
	uint8_t		 data[];
};

struct fib_sender {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work, idle;
	struct fib_job	*head, *tail;
	unsigned	 busy;		/* jobs queued or being sent */
	size_t		 reqs;		/* requests in them */
	bool		 stop;
	int		 fd;
	int		 err;		/* first sendto failure not yet collected */
};

static void *
fib_send_main(void *arg)
{
	struct fib_sender	*s = arg;
	struct sockaddr_nl	 kernel = { .nl_family = AF_NETLINK };
	struct fib_job		*j;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->head && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (!(j = s->head))
			break;		/* stopping, and every batch is out */
		if (!(s->head = j->next))
			s->tail = NULL;
		pthread_mutex_unlock(&s->mu);

		ssize_t	 rc = sendto(s->fd, j->data, j->len, 0, (struct sockaddr *)&kernel,
		    sizeof(kernel));
		int	 err = rc < 0 ? -errno : 0;
		size_t	 nreq = j->nreq;

		free(j);
		pthread_mutex_lock(&s->mu);
		if (err && !s->err)
			s->err = err;
		s->busy--;
		s->reqs -= nreq;
		pthread_cond_broadcast(&s->idle);	/* a waiter may want fewer, not none */
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
fib_send_start(struct fib *f)
{
	struct fib_sender	*s;
	int			 rc;

	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->fd = f->sk_fd;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	if ((rc = pthread_create(&s->thread, NULL, fib_send_main, s)) != 0) {
		pthread_cond_destroy(&s->idle);
		pthread_cond_destroy(&s->work);
		pthread_mutex_destroy(&s->mu);
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
	struct fib_sender	*s = f->sender;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->idle);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s);
	f->sender = NULL;
}

/* A batch sent from the calling thread (fib_flush, or no sender thread):
 * the kernel has been through it when this returns. Only once the thread
 * is idle (fib_send_wait), or the kernel could see requests out of order. */
int
fib_send_direct(const struct fib *f, const uint8_t *buf, size_t len)
{
	struct sockaddr_nl	 kernel = { .nl_family = AF_NETLINK };

	if (sendto(f->sk_fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

int
fib_send_submit(struct fib *f, const uint8_t *buf, size_t len, size_t nreq)
{
	struct fib_sender	*s = f->sender;
	struct fib_job		*j;

	if (!s)
		return fib_send_direct(f, buf, len);
	if (!(j = malloc(sizeof(*j) + len)))
		return -ENOMEM;
	j->next = NULL;
	j->len = len;
	j->nreq = nreq;
	memcpy(j->data, buf, len);
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->busy++;
	s->reqs += nreq;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Wait until the thread holds fewer than max batches; with max 1, until the
 * kernel has been through every submitted batch (their answers are then in
 * the socket). Returns the first send failure since the last call, or 0. */
int
fib_send_wait_below(struct fib *f, unsigned max)
{
	struct fib_sender	*s = f->sender;
	int			 err;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	while (s->busy >= max)
		pthread_cond_wait(&s->idle, &s->mu);
	err = s->err;
	s->err = 0;
	pthread_mutex_unlock(&s->mu);
	return err;
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
	struct fib_sender	*s = f->sender;
	unsigned		 busy;

	if (reqs)
		*reqs = 0;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	busy = s->busy;
	if (reqs)
		*reqs = s->reqs;
	pthread_mutex_unlock(&s->mu);
	return busy;
}

/* The same without waiting: a failure reported so far, or 0. */
int
fib_send_error(struct fib *f)
{
	struct fib_sender	*s = f->sender;
	int			 err;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	err = s->err;
	s->err = 0;
	pthread_mutex_unlock(&s->mu);
	return err;
}
