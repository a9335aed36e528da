/* lib/loop.c - the libuv loop shared by all control-plane modules, plus loop_call(). */
/* SPDX-License-Identifier: ISC */
#include "lib/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "lib/mailbox.h"

struct loop_job {
	struct mailbox_msg msg;
	loop_fn		   fn;
	void		  *arg;
};

static uv_loop_t       the_loop;
static bool	       loop_ready;
static struct mailbox *loop_mb; /* other threads -> the loop thread */
static pthread_t       loop_thread;

int
loop_init(void)
{
	int rc;

	if (loop_ready)
		return 0;
	if ((rc = uv_loop_init(&the_loop)) != 0)
		return rc;
	if ((loop_mb = mailbox_new(0)) == NULL) {
		uv_loop_close(&the_loop);
		return -ENOMEM;
	}
	if ((rc = mailbox_attach(loop_mb, &the_loop, true)) != 0) {
		mailbox_detach(loop_mb);
		uv_run(&the_loop, UV_RUN_NOWAIT); /* the close completes */
		mailbox_free(loop_mb);
		loop_mb = NULL;
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
	mailbox_close(loop_mb); /* a caller still waiting gets -EPIPE */
	uv_walk(&the_loop, loop_close_one, NULL);
	uv_run(&the_loop, UV_RUN_DEFAULT);
	uv_loop_close(&the_loop);
	mailbox_free(loop_mb);
	loop_mb = NULL;
	loop_ready = false;
}

uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
mono_ms(void)
{
	return mono_us() / 1000u;
}

static int
loop_job_run(struct mailbox_msg *m, void *arg)
{
	struct loop_job *j = mailbox_entry(m, struct loop_job, msg);

	return j->fn(j->arg);
}

int
loop_call(loop_fn fn, void *arg)
{
	struct loop_job j = { .msg = { .fn = loop_job_run }, .fn = fn, .arg = arg };

	if (!loop_ready)
		return -ENODEV;
	if (pthread_equal(pthread_self(), loop_thread))
		return fn(arg);
	return mailbox_call(loop_mb, &j.msg);
}

bool
loop_in_thread(void)
{
	return loop_ready && pthread_equal(pthread_self(), loop_thread);
}
