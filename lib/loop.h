/* lib/loop.h - the control-plane event loop (libuv) and cross-thread calls into it. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_LOOP_H
#define HGW_LIB_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/*
 * One control-plane thread runs the loop; every module arms its own uv handles
 * on loop_get(). Other threads (NETCONF, ESP dataplane) never touch module
 * state directly: they hand work to the loop thread with loop_call(), a
 * call through lib/mailbox (the caller waits for the result).
 */
int	   loop_init(void); /* 0 or -errno */
uv_loop_t *loop_get(void);
int	   loop_run(void);  /* until loop_stop() */
void	   loop_stop(void); /* from the loop thread */
void	   loop_fini(void); /* closes every handle, then the loop */

/* Milliseconds on CLOCK_MONOTONIC; safe from any thread. */
uint64_t mono_ms(void);
uint64_t mono_us(void);

/* Run fn(arg) on the loop thread and wait until it returned; returns its
 * result. Called from the loop thread itself, it runs fn directly. */
typedef int (*loop_fn)(void *arg);
int loop_call(loop_fn fn, void *arg);
/* Is the caller the loop thread? */
bool loop_in_thread(void);

#endif
