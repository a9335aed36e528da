/* lib/loop.c - the libuv loop shared by all control-plane modules, plus loop_call(). */
#include "lib/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct loop_job {
	loop_fn		 fn;
	void		*arg;
	int		 ret;
	bool		 done;
	struct loop_job	*next;
};

static uv_loop_t	 the_loop;
static bool		 loop_ready;
static uv_async_t	 wakeup;
static pthread_t	 loop_thread;
static pthread_mutex_t	 jobs_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 jobs_cv = PTHREAD_COND_INITIALIZER;
static struct loop_job	*jobs_head, **jobs_tail = &jobs_head;

static void
loop_drain_jobs(uv_async_t *a)
{
	struct loop_job	*j;

	for (;;) {
		pthread_mutex_lock(&jobs_mtx);
		j = jobs_head;
		if (j) {
			jobs_head = j->next;
			if (!jobs_head)
				jobs_tail = &jobs_head;
		}
		pthread_mutex_unlock(&jobs_mtx);
		if (!j)
			break;
		j->ret = j->fn(j->arg);
		pthread_mutex_lock(&jobs_mtx);
		j->done = true;
		pthread_cond_broadcast(&jobs_cv);
		pthread_mutex_unlock(&jobs_mtx);
	}
}

int
loop_init(void)
{
	int	 rc;

	if (loop_ready)
		return 0;
	if ((rc = uv_loop_init(&the_loop)) != 0)
		return rc;
	if ((rc = uv_async_init(&the_loop, &wakeup, loop_drain_jobs)) != 0) {
		uv_loop_close(&the_loop);
		return rc;
	}
	loop_thread = pthread_self();
	loop_ready = true;
	return 0;
}

uv_loop_t *
loop_get(void)
{
	return loop_ready ? &the_loop : NULL;
}

int
loop_run(void)
{
	return uv_run(&the_loop, UV_RUN_DEFAULT);
}

void
loop_stop(void)
{
	uv_stop(&the_loop);
}

static void
loop_close_one(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void
loop_fini(void)
{
	if (!loop_ready)
		return;
	uv_walk(&the_loop, loop_close_one, NULL);
	uv_run(&the_loop, UV_RUN_DEFAULT);
	uv_loop_close(&the_loop);
	loop_ready = false;
}

uint64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
mono_ms(void)
{
	return mono_us() / 1000u;
}

int
loop_call(loop_fn fn, void *arg)
{
	struct loop_job	 j = { fn, arg, 0, false, NULL };

	if (!loop_ready)
		return -ENODEV;
	if (pthread_equal(pthread_self(), loop_thread))
		return fn(arg);
	pthread_mutex_lock(&jobs_mtx);
	*jobs_tail = &j;
	jobs_tail = &j.next;
	pthread_mutex_unlock(&jobs_mtx);
	uv_async_send(&wakeup);
	pthread_mutex_lock(&jobs_mtx);
	while (!j.done)
		pthread_cond_wait(&jobs_cv, &jobs_mtx);
	pthread_mutex_unlock(&jobs_mtx);
	return j.ret;
}
