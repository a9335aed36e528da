/* northbound/nb_monitor.h - live events for "hybridgwctl monitor": journal entries, BGP and BFD changes. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_MONITOR_H
#define HGW_NB_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/*
 * A monitor is a control-socket connection kept open after its request:
 * every event is written to it as one line (text, or a JSON object with
 * --json). Writes never block the loop: a subscriber whose unsent bytes
 * exceed a bound loses events (counted, and said in its stream once it
 * catches up) rather than slowing anything down. Loop thread only.
 */

/* One field of an event; number: written unquoted in JSON. */
struct nb_event_field {
	const char *name;
	const char *value;
	bool	    number;
};

/* An event to every monitor. kind: "failover", "bgp", "bfd", "alarm";
 * text: the line for people (without time and kind). Copied. */
void nb_monitor_emit(const char *kind, const char *text, const struct nb_event_field *,
    size_t nfields);

/* Subscribers (nb_ctl.c): the stream stays the caller's; close_fn(arg) is
 * called when the monitor wants the connection gone (the client left);
 * nb_monitor_sub_free() once it is closed. */
struct nb_monitor_sub;
int  nb_monitor_sub_add(uv_stream_t *, bool json, void (*close_fn)(void *), void *arg,
     struct nb_monitor_sub **);
void nb_monitor_sub_free(struct nb_monitor_sub *);
/* Events dropped for slow monitors since start, and monitors connected. */
uint64_t nb_monitor_dropped(void);
size_t	 nb_monitor_count(void);

#endif
