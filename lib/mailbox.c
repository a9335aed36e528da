/* lib/mailbox.c - MPSC message queue with call-and-wait, depth accounting and an eventfd wakeup. */
/* SPDX-License-Identifier: ISC */
#include "lib/mailbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* A loop turn handles at most this many messages, then lets the loop run
 * its other handles: a flood of posts cannot starve timers and sockets. */
#define MAILBOX_TURN 64

struct mailbox {
	pthread_mutex_t	    mu;
	pthread_cond_t	    done_cv; /* a message was handled (calls, depth) */
	pthread_cond_t	    take_cv; /* a message came (mailbox_take) */
	struct mailbox_msg *head, **tail;
	size_t		    queued; /* in the list */
	size_t		    busy;   /* queued or being handled */
	size_t		    weight; /* of the busy ones */
	size_t		    max_posts;
	unsigned	    takers; /* threads asleep in mailbox_take */
	bool		    closed;
	bool		    wake_fd; /* someone polls efd: write it */
	int		    efd;
	bool		    attached;
	uv_poll_t	    poll;
};

struct mailbox *
mailbox_new(size_t max_posts)
{
	struct mailbox *mb;

	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return NULL;
	if ((mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(mb);
		return NULL;
	}
	pthread_mutex_init(&mb->mu, NULL);
	pthread_cond_init(&mb->done_cv, NULL);
	pthread_cond_init(&mb->take_cv, NULL);
	mb->tail = &mb->head;
	mb->max_posts = max_posts;
	return mb;
}

static void
mailbox_release(struct mailbox *mb)
{
	close(mb->efd);
	pthread_cond_destroy(&mb->take_cv);
	pthread_cond_destroy(&mb->done_cv);
	pthread_mutex_destroy(&mb->mu);
	free(mb);
}

static void
mailbox_closed_cb(uv_handle_t *h)
{
	mailbox_release(h->data);
}

void
mailbox_free(struct mailbox *mb)
{
	if (mb == NULL)
		return;
	/* A handle closed already (mailbox_detach, or loop_fini walking the
	 * loop) is done with the memory once its loop turned. */
	if (mb->attached && !uv_is_closing((uv_handle_t *)&mb->poll))
		uv_close((uv_handle_t *)&mb->poll, mailbox_closed_cb);
	else
		mailbox_release(mb);
}

static void
mailbox_wake(struct mailbox *mb)
{
	uint64_t one = 1;

	/* Fails only with the counter at its maximum: a wakeup is pending. */
	(void)!write(mb->efd, &one, sizeof(one));
}

static void
mailbox_poll_cb(uv_poll_t *p, int status, int events)
{
	struct mailbox *mb = p->data;
	uint64_t	n;

	/* Drain the counter first: a post that lands after this read writes
	 * it again, so no message can wait for a wakeup that never comes. */
	while (read(mb->efd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
	if (mailbox_run(mb, MAILBOX_TURN) == MAILBOX_TURN) {
		pthread_mutex_lock(&mb->mu);
		if (mb->head)
			mailbox_wake(mb); /* the rest on the next turn */
		pthread_mutex_unlock(&mb->mu);
	}
}

int
mailbox_attach(struct mailbox *mb, uv_loop_t *loop, bool keep_alive)
{
	int rc;

	if ((rc = uv_poll_init(loop, &mb->poll, mb->efd)) != 0)
		return rc;
	mb->poll.data = mb;
	mb->attached = true;
	pthread_mutex_lock(&mb->mu);
	mb->wake_fd = true;
	pthread_mutex_unlock(&mb->mu);
	/* On failure the handle stays (not polling) for mailbox_detach/free
	 * to close: its memory must outlive the close. */
	if ((rc = uv_poll_start(&mb->poll, UV_READABLE, mailbox_poll_cb)) != 0)
		return rc;
	if (!keep_alive)
		uv_unref((uv_handle_t *)&mb->poll);
	return 0;
}

void
mailbox_detach(struct mailbox *mb)
{
	if (mb->attached && !uv_is_closing((uv_handle_t *)&mb->poll))
		uv_close((uv_handle_t *)&mb->poll, NULL);
}

int
mailbox_fd(struct mailbox *mb)
{
	pthread_mutex_lock(&mb->mu);
	mb->wake_fd = true;
	pthread_mutex_unlock(&mb->mu);
	return mb->efd;
}

/* With mu held: append m; true when the receiver must be woken. */
static bool
mailbox_queue(struct mailbox *mb, struct mailbox_msg *m)
{
	bool was_empty = mb->head == NULL;

	m->next = NULL;
	*mb->tail = m;
	mb->tail = &m->next;
	mb->queued++;
	mb->busy++;
	mb->weight += m->weight;
	if (mb->takers)
		pthread_cond_signal(&mb->take_cv);
	return was_empty && mb->wake_fd;
}

int
mailbox_post(struct mailbox *mb, struct mailbox_msg *m)
{
	bool wake;

	m->is_call = false;
	pthread_mutex_lock(&mb->mu);
	if (mb->closed) {
		pthread_mutex_unlock(&mb->mu);
		return -EPIPE;
	}
	if (mb->max_posts && mb->queued >= mb->max_posts) {
		pthread_mutex_unlock(&mb->mu);
		return -ENOBUFS;
	}
	wake = mailbox_queue(mb, m);
	pthread_mutex_unlock(&mb->mu);
	if (wake)
		mailbox_wake(mb);
	return 0;
}

int
mailbox_call(struct mailbox *mb, struct mailbox_msg *m)
{
	bool wake;
	int  ret;

	m->is_call = true;
	m->done = false;
	m->ret = 0;
	pthread_mutex_lock(&mb->mu);
	if (mb->closed) {
		pthread_mutex_unlock(&mb->mu);
		return -EPIPE;
	}
	wake = mailbox_queue(mb, m);
	pthread_mutex_unlock(&mb->mu);
	if (wake)
		mailbox_wake(mb);
	pthread_mutex_lock(&mb->mu);
	while (!m->done)
		pthread_cond_wait(&mb->done_cv, &mb->mu);
	ret = m->ret;
	pthread_mutex_unlock(&mb->mu);
	return ret;
}

/* With mu held: the head out of the list. */
static struct mailbox_msg *
mailbox_pop(struct mailbox *mb)
{
	struct mailbox_msg *m = mb->head;

	if (m == NULL)
		return NULL;
	if ((mb->head = m->next) == NULL)
		mb->tail = &mb->head;
	m->next = NULL;
	mb->queued--;
	return m;
}

/* With mu held: m (weight w) is handled; a call learns its result. */
static void
mailbox_settle(struct mailbox *mb, struct mailbox_msg *m, bool is_call, size_t w, int ret)
{
	if (is_call) {
		m->ret = ret;
		m->done = true; /* the caller's again: not touched after this */
	}
	mb->busy--;
	mb->weight -= w;
	pthread_cond_broadcast(&mb->done_cv);
}

size_t
mailbox_run(struct mailbox *mb, size_t max)
{
	struct mailbox_msg *m;
	size_t		    n = 0, w;
	bool		    is_call;
	int		    ret;

	while (max == 0 || n < max) {
		pthread_mutex_lock(&mb->mu);
		m = mailbox_pop(mb);
		pthread_mutex_unlock(&mb->mu);
		if (m == NULL)
			break;
		/* a posted message may be freed by its fn: read it first */
		is_call = m->is_call;
		w = m->weight;
		ret = m->fn ? m->fn(m, m->arg) : 0;
		pthread_mutex_lock(&mb->mu);
		mailbox_settle(mb, m, is_call, w, ret);
		pthread_mutex_unlock(&mb->mu);
		n++;
	}
	return n;
}

struct mailbox_msg *
mailbox_take(struct mailbox *mb, bool wait)
{
	struct mailbox_msg *m;

	pthread_mutex_lock(&mb->mu);
	while (mb->head == NULL && !mb->closed && wait) {
		mb->takers++;
		pthread_cond_wait(&mb->take_cv, &mb->mu);
		mb->takers--;
	}
	m = mailbox_pop(mb);
	pthread_mutex_unlock(&mb->mu);
	return m;
}

void
mailbox_done(struct mailbox *mb, struct mailbox_msg *m, int ret)
{
	pthread_mutex_lock(&mb->mu);
	mailbox_settle(mb, m, m->is_call, m->weight, ret);
	pthread_mutex_unlock(&mb->mu);
}

void
mailbox_close(struct mailbox *mb)
{
	struct mailbox_msg **pp, *m;

	pthread_mutex_lock(&mb->mu);
	mb->closed = true;
	/* Nobody will run the calls still queued: their callers get -EPIPE.
	 * Posts stay for the receiver (or mailbox_purge). */
	for (pp = &mb->head; (m = *pp) != NULL;) {
		if (!m->is_call) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		mb->queued--;
		mailbox_settle(mb, m, true, m->weight, -EPIPE);
	}
	mb->tail = pp;
	pthread_cond_broadcast(&mb->take_cv);
	pthread_mutex_unlock(&mb->mu);
}

size_t
mailbox_purge(struct mailbox *mb, bool (*match)(const struct mailbox_msg *, void *), void *arg,
    void (*drop)(struct mailbox_msg *))
{
	struct mailbox_msg **pp, *m, *gone = NULL, **gtail = &gone;
	size_t		     n = 0;

	pthread_mutex_lock(&mb->mu);
	for (pp = &mb->head; (m = *pp) != NULL;) {
		if (match && !match(m, arg)) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		mb->queued--;
		n++;
		if (m->is_call) { /* the caller waits: it learns, nothing is freed */
			mailbox_settle(mb, m, true, m->weight, -ECANCELED);
			continue;
		}
		mailbox_settle(mb, m, false, m->weight, 0);
		m->next = NULL;
		*gtail = m;
		gtail = &m->next;
	}
	mb->tail = pp;
	pthread_mutex_unlock(&mb->mu);
	while ((m = gone) != NULL) {
		gone = m->next;
		if (drop)
			drop(m);
	}
	return n;
}

size_t
mailbox_busy(struct mailbox *mb, size_t *weight)
{
	size_t n;

	pthread_mutex_lock(&mb->mu);
	n = mb->busy;
	if (weight)
		*weight = mb->weight;
	pthread_mutex_unlock(&mb->mu);
	return n;
}

void
mailbox_wait_below(struct mailbox *mb, size_t max)
{
	pthread_mutex_lock(&mb->mu);
	while (mb->busy >= max)
		pthread_cond_wait(&mb->done_cv, &mb->mu);
	pthread_mutex_unlock(&mb->mu);
}
