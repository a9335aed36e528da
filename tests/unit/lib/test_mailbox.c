/* tests/unit/lib/test_mailbox.c - lib/mailbox.c: posts and calls into a loop, a blocking receiver thread, depth, bound, purge, close. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mailbox.h"

#define NSENDERS 4
#define NPOSTS	 500

struct note {
	struct mailbox_msg msg;
	int		   sender, seq;
};

/* Receiver-side state: touched by the receiving loop's thread only. */
struct rx {
	pthread_t  thread;
	int	   next_seq[NSENDERS];
	int	   got, bad;
	uv_loop_t *loop;
	int	   want;
};

static int
note_run(struct mailbox_msg *m, void *arg)
{
	struct rx   *rx = arg;
	struct note *n = mailbox_entry(m, struct note, msg);

	/* each sender's posts arrive in its order, on the receiving thread */
	if (!pthread_equal(pthread_self(), rx->thread) || n->seq != rx->next_seq[n->sender])
		rx->bad++;
	rx->next_seq[n->sender] = n->seq + 1;
	if (++rx->got == rx->want)
		uv_stop(rx->loop);
	free(n);
	return 0;
}

struct sender {
	pthread_t	tid;
	struct mailbox *mb;
	struct rx      *rx;
	int		id, failed;
};

static void *
sender_main(void *arg)
{
	struct sender *s = arg;

	for (int i = 0; i < NPOSTS; i++) {
		struct note *n = calloc(1, sizeof(*n));

		n->msg.fn = note_run;
		n->msg.arg = s->rx;
		n->sender = s->id;
		n->seq = i;
		if (mailbox_post(s->mb, &n->msg) != 0) {
			free(n);
			s->failed++;
		}
	}
	return NULL;
}

/* Many threads post, one libuv loop receives everything, in order per sender. */
static void
test_posts_into_loop(void **state)
{
	uv_loop_t	loop;
	struct mailbox *mb = mailbox_new(0);
	struct rx rx = { .thread = pthread_self(), .loop = &loop, .want = NSENDERS * NPOSTS };
	struct sender s[NSENDERS];

	assert_non_null(mb);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(mailbox_attach(mb, &loop, true), 0);
	for (int i = 0; i < NSENDERS; i++) {
		s[i] = (struct sender){ .mb = mb, .rx = &rx, .id = i };
		assert_int_equal(pthread_create(&s[i].tid, NULL, sender_main, &s[i]), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT); /* until the last note stops it */
	for (int i = 0; i < NSENDERS; i++) {
		pthread_join(s[i].tid, NULL);
		assert_int_equal(s[i].failed, 0);
		assert_int_equal(rx.next_seq[i], NPOSTS);
	}
	assert_int_equal(rx.got, NSENDERS * NPOSTS);
	assert_int_equal(rx.bad, 0);
	assert_int_equal(mailbox_busy(mb, NULL), 0);
	mailbox_detach(mb);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&loop), 0);
	mailbox_free(mb);
}

/* ---- calls ---- */

struct call {
	struct mailbox_msg msg;
	int		   in;
	pthread_t	   ran_on;
};

static long loop_only_counter; /* no lock: right only if calls run on one thread */

static int
call_run(struct mailbox_msg *m, void *arg)
{
	struct call *c = mailbox_entry(m, struct call, msg);

	c->ran_on = pthread_self();
	loop_only_counter++;
	return c->in * 3;
}

struct caller {
	pthread_t	tid;
	struct mailbox *mb;
	pthread_t	loop_thread;
	int		id, bad;
};

static void *
caller_main(void *arg)
{
	struct caller *c = arg;

	for (int i = 0; i < 200; i++) {
		struct call k = { .msg = { .fn = call_run }, .in = c->id * 1000 + i };

		if (mailbox_call(c->mb, &k.msg) != k.in * 3 ||
		    !pthread_equal(k.ran_on, c->loop_thread))
			c->bad++;
	}
	return NULL;
}

static int
stop_run(struct mailbox_msg *m, void *arg)
{
	uv_stop(arg);
	return 5;
}

struct stopper {
	pthread_t	tid;
	struct caller  *callers;
	struct mailbox *mb;
	uv_loop_t      *loop;
	int		ret;
};

static void *
stopper_main(void *arg)
{
	struct stopper	  *st = arg;
	struct mailbox_msg m = { .fn = stop_run, .arg = st->loop };

	for (int i = 0; i < NSENDERS; i++)
		pthread_join(st->callers[i].tid, NULL);
	st->ret = mailbox_call(st->mb, &m);
	return NULL;
}

/* Callers wait for their result; each call ran on the loop's thread. */
static void
test_calls_into_loop(void **state)
{
	uv_loop_t	loop;
	struct mailbox *mb = mailbox_new(0);
	struct caller	c[NSENDERS];
	struct stopper	st = { .callers = c, .mb = mb, .loop = &loop };

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(mailbox_attach(mb, &loop, true), 0);
	loop_only_counter = 0;
	for (int i = 0; i < NSENDERS; i++) {
		c[i] = (struct caller){ .mb = mb, .loop_thread = pthread_self(), .id = i };
		assert_int_equal(pthread_create(&c[i].tid, NULL, caller_main, &c[i]), 0);
	}
	assert_int_equal(pthread_create(&st.tid, NULL, stopper_main, &st), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	pthread_join(st.tid, NULL);
	assert_int_equal(st.ret, 5);
	for (int i = 0; i < NSENDERS; i++)
		assert_int_equal(c[i].bad, 0);
	assert_int_equal(loop_only_counter, NSENDERS * 200);
	mailbox_detach(mb);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&loop), 0);
	mailbox_free(mb);
}

/* ---- a plain receiver thread (as the FIB sender) ---- */

struct job {
	struct mailbox_msg msg;
	int		   seq;
};

struct worker {
	pthread_t	tid;
	struct mailbox *mb;
	pthread_mutex_t gate; /* held by the test: the worker waits on it */
	int		done, bad;
};

static void *
worker_main(void *arg)
{
	struct worker	   *w = arg;
	struct mailbox_msg *m;

	while ((m = mailbox_take(w->mb, true)) != NULL) {
		struct job *j = mailbox_entry(m, struct job, msg);

		pthread_mutex_lock(&w->gate);
		pthread_mutex_unlock(&w->gate);
		if (j->seq != w->done)
			w->bad++;
		w->done++;
		mailbox_done(w->mb, m, 0);
		free(j);
	}
	return NULL;
}

static void
test_thread_receiver_depth_and_close(void **state)
{
	struct worker w = { .mb = mailbox_new(0) };
	size_t	      weight;

	assert_non_null(w.mb);
	pthread_mutex_init(&w.gate, NULL);
	pthread_mutex_lock(&w.gate); /* the worker stalls on its first job */
	assert_int_equal(pthread_create(&w.tid, NULL, worker_main, &w), 0);
	for (int i = 0; i < 10; i++) {
		struct job *j = calloc(1, sizeof(*j));

		j->seq = i;
		j->msg.weight = 100 + (size_t)i;
		assert_int_equal(mailbox_post(w.mb, &j->msg), 0);
	}
	/* nothing can be handled yet: all ten are busy, with their weights */
	assert_int_equal(mailbox_busy(w.mb, &weight), 10);
	assert_int_equal(weight, 10 * 100 + 45);
	pthread_mutex_unlock(&w.gate);
	mailbox_wait_below(w.mb, 4);
	assert_true(mailbox_busy(w.mb, NULL) < 4);
	mailbox_wait_below(w.mb, 1); /* all handled */
	assert_int_equal(mailbox_busy(w.mb, &weight), 0);
	assert_int_equal(weight, 0);
	assert_int_equal(w.done, 10);
	/* posts queued before close still go to the receiver; then it ends */
	pthread_mutex_lock(&w.gate);
	for (int i = 10; i < 15; i++) {
		struct job *j = calloc(1, sizeof(*j));

		j->seq = i;
		assert_int_equal(mailbox_post(w.mb, &j->msg), 0);
	}
	mailbox_close(w.mb);
	{
		struct job late = { .seq = 99 };

		assert_int_equal(mailbox_post(w.mb, &late.msg), -EPIPE);
		assert_int_equal(mailbox_call(w.mb, &late.msg), -EPIPE);
	}
	pthread_mutex_unlock(&w.gate);
	pthread_join(w.tid, NULL);
	assert_int_equal(w.done, 15);
	assert_int_equal(w.bad, 0);
	assert_null(mailbox_take(w.mb, true)); /* closed and empty: no wait */
	pthread_mutex_destroy(&w.gate);
	mailbox_free(w.mb);
}

/* ---- bound, purge, close with a caller waiting ---- */

static int
never_run(struct mailbox_msg *m, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static bool
job_is_odd(const struct mailbox_msg *m, void *arg)
{
	return mailbox_entry(m, struct job, msg)->seq & 1;
}

static int dropped;

static void
job_drop(struct mailbox_msg *m)
{
	dropped++;
	free(mailbox_entry(m, struct job, msg));
}

static void
test_bound_and_purge(void **state)
{
	struct mailbox *mb = mailbox_new(3);
	struct job     *j[4];
	int		ran = 0;

	for (int i = 0; i < 4; i++) {
		j[i] = calloc(1, sizeof(*j[i]));
		j[i]->seq = i;
		j[i]->msg.fn = never_run;
		j[i]->msg.arg = &ran;
	}
	assert_int_equal(mailbox_post(mb, &j[0]->msg), 0);
	assert_int_equal(mailbox_post(mb, &j[1]->msg), 0);
	assert_int_equal(mailbox_post(mb, &j[2]->msg), 0);
	assert_int_equal(mailbox_post(mb, &j[3]->msg), -ENOBUFS); /* bound reached */
	dropped = 0;
	assert_int_equal(mailbox_purge(mb, job_is_odd, NULL, job_drop), 1); /* seq 1 */
	assert_int_equal(dropped, 1);
	assert_int_equal(mailbox_busy(mb, NULL), 2);
	assert_int_equal(mailbox_post(mb, &j[3]->msg), 0);		    /* room again */
	assert_int_equal(mailbox_purge(mb, job_is_odd, NULL, job_drop), 1); /* seq 3 */
	/* the rest run in order: 0 then 2 */
	assert_ptr_equal(mailbox_take(mb, false), &j[0]->msg);
	mailbox_done(mb, &j[0]->msg, 0);
	free(j[0]);
	assert_int_equal(mailbox_run(mb, 0), 1);
	assert_int_equal(ran, 1);
	free(j[2]); /* never_run does not free */
	assert_null(mailbox_take(mb, false));
	assert_int_equal(mailbox_busy(mb, NULL), 0);
	mailbox_free(mb);
}

struct waiting_call {
	pthread_t	tid;
	struct mailbox *mb;
	int		ret;
};

static void *
waiting_call_main(void *arg)
{
	struct waiting_call *w = arg;
	struct mailbox_msg   m = { .fn = never_run };

	w->ret = mailbox_call(w->mb, &m);
	return NULL;
}

/* A call nobody will run ends with -EPIPE when the mailbox closes. */
static void
test_close_fails_waiting_call(void **state)
{
	struct waiting_call w = { .mb = mailbox_new(0), .ret = 1 };
	struct pollfd	    pfd;

	pfd.fd = mailbox_fd(w.mb); /* someone polls: posts write the eventfd */
	pfd.events = POLLIN;
	assert_int_equal(pthread_create(&w.tid, NULL, waiting_call_main, &w), 0);
	/* the call is queued once the eventfd says so (bounded wait) */
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(mailbox_busy(w.mb, NULL), 1);
	mailbox_close(w.mb);
	pthread_join(w.tid, NULL);
	assert_int_equal(w.ret, -EPIPE);
	assert_int_equal(mailbox_busy(w.mb, NULL), 0);
	mailbox_free(w.mb);
}

/* One wakeup runs a bounded share, then comes back for the rest. */
static void
test_turn_share(void **state)
{
	uv_loop_t	loop;
	struct mailbox *mb = mailbox_new(0);
	int		ran = 0;
	struct job	j[200];

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(mailbox_attach(mb, &loop, true), 0);
	for (int i = 0; i < 200; i++) {
		j[i] = (struct job){ .msg = { .fn = never_run, .arg = &ran }, .seq = i };
		assert_int_equal(mailbox_post(mb, &j[i].msg), 0);
	}
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_true(ran > 0 && ran < 200); /* a share, not everything */
	for (int i = 0; i < 10 && ran < 200; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(ran, 200);
	mailbox_free(mb); /* open handle: freed once closed */
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
timer_noop(uv_timer_t *t)
{
}

/* keep_alive false: the mailbox alone does not keep the loop running. */
static void
test_unref(void **state)
{
	uv_loop_t	   loop;
	struct mailbox	  *mb = mailbox_new(0);
	struct mailbox_msg m = { .fn = never_run };
	int		   ran = 0;

	m.arg = &ran;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(mailbox_attach(mb, &loop, false), 0);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0); /* returns: nothing alive */
	assert_int_equal(mailbox_post(mb, &m), 0);
	/* a loop kept alive by something else does receive it */
	{
		uv_timer_t t;

		uv_timer_init(&loop, &t);
		uv_timer_start(&t, timer_noop, 10000, 0);
		uv_run(&loop, UV_RUN_ONCE);
		uv_close((uv_handle_t *)&t, NULL);
	}
	assert_int_equal(ran, 1);
	mailbox_free(mb);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posts_into_loop),
		cmocka_unit_test(test_calls_into_loop),
		cmocka_unit_test(test_thread_receiver_depth_and_close),
		cmocka_unit_test(test_bound_and_purge),
		cmocka_unit_test(test_close_fails_waiting_call),
		cmocka_unit_test(test_turn_share),
		cmocka_unit_test(test_unref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
