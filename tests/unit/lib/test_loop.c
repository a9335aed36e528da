/* tests/unit/lib/test_loop.c - lib/loop.c: loop_call() from other threads runs on the loop thread. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <cmocka.h>

#include "lib/loop.h"

static pthread_t main_thread;

struct job {
	int	  in;
	pthread_t ran_on;
	int	  calls;
};

static int
job_fn(void *arg)
{
	struct job *j = arg;

	j->ran_on = pthread_self();
	j->calls++;
	return j->in * 2 + 1;
}

static int
stop_fn(void *arg)
{
	loop_stop();
	return 7;
}

#define NTHREADS 4
#define NCALLS	 200

struct worker {
	pthread_t  tid;
	int	   id;
	int	   bad; /* wrong results or wrong thread */
	struct job jobs[NCALLS];
};

/* Loop-thread-only state: the jobs below increment it without a lock, which
 * is only correct if they really all run on the one loop thread. */
static long loop_counter;

static int
count_fn(void *arg)
{
	loop_counter++;
	return (int)loop_counter;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < NCALLS; i++) {
		struct job *j = &w->jobs[i];

		j->in = w->id * 1000 + i;
		if (loop_call(job_fn, j) != j->in * 2 + 1 || j->calls != 1 ||
		    !pthread_equal(j->ran_on, main_thread))
			w->bad++;
		if (loop_call(count_fn, NULL) <= 0)
			w->bad++;
	}
	return NULL;
}

struct stopper {
	pthread_t      tid;
	struct worker *workers;
	int	       rc;
};

static void *
stopper_main(void *arg)
{
	struct stopper *s = arg;

	for (int i = 0; i < NTHREADS; i++)
		pthread_join(s->workers[i].tid, NULL);
	s->rc = loop_call(stop_fn, NULL);
	return NULL;
}

static void
test_call_from_threads(void **state)
{
	struct worker  w[NTHREADS];
	struct stopper s = { .workers = w };
	struct job     direct = { .in = 20 };

	main_thread = pthread_self();
	assert_int_equal(loop_call(job_fn, &direct), -ENODEV); /* no loop yet */
	assert_int_equal(direct.calls, 0);
	assert_int_equal(loop_init(), 0);
	assert_non_null(loop_get());
	/* from the loop thread itself: runs directly */
	assert_int_equal(loop_call(job_fn, &direct), 41);
	assert_int_equal(direct.calls, 1);

	memset(w, 0, sizeof(w));
	for (int i = 0; i < NTHREADS; i++) {
		w[i].id = i + 1;
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&s.tid, NULL, stopper_main, &s), 0);
	/* returns once the stopper's loop_call ran loop_stop() here */
	loop_run();
	assert_int_equal(pthread_join(s.tid, NULL), 0);
	assert_int_equal(s.rc, 7);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].bad, 0);
	assert_int_equal(loop_counter, NTHREADS * NCALLS);
	loop_fini();
	assert_null(loop_get());
	assert_int_equal(loop_call(job_fn, &direct), -ENODEV);
}

static void
test_clock(void **state)
{
	uint64_t	a = mono_us(), b, ms = mono_ms();
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	b = mono_us();
	assert_true(b >= a + 20000);
	assert_true(b < a + 5 * 1000 * 1000); /* and not wildly off */
	assert_true(mono_ms() >= ms + 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_call_from_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
