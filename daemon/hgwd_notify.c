/* daemon/hgwd_notify.c - sd_notify(3): READY, RELOADING, STOPPING, STATUS and the watchdog for systemd. */
/* SPDX-License-Identifier: ISC */
#include "daemon/hgwd.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "lib/log.h"
#include "lib/loop.h"

static uv_timer_t *notify_wd; /* heap: closed asynchronously */
static bool	   notify_wd_checked;

static void
notify_wd_ping(uv_timer_t *t)
{
	sd_notify(0, "WATCHDOG=1");
}

static void
notify_wd_closed(uv_handle_t *h)
{
	free(h);
}

/* WatchdogSec= of the unit: ping at half the interval from the loop, so
 * that a control-plane loop that stops turning is noticed. */
static void
notify_wd_start(void)
{
	uint64_t usec = 0;

	if (notify_wd_checked)
		return;
	notify_wd_checked = true;
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec < 2000 || !loop_get())
		return;
	if (!(notify_wd = malloc(sizeof(*notify_wd))))
		return;
	uv_timer_init(loop_get(), notify_wd);
	uv_timer_start(notify_wd, notify_wd_ping, usec / 2000, usec / 2000);
	uv_unref((uv_handle_t *)notify_wd); /* never keeps the loop alive */
	log_info(LOG_MOD_CORE, "systemd watchdog: every %llu ms",
	    (unsigned long long)(usec / 2000));
}

void
hgwd_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
	notify_wd_start();
}

/* systemd 253+ wants the monotonic time with RELOADING (Type=notify-reload);
 * older ones ignore it. */
void
hgwd_notify_reloading(void)
{
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=%llu",
	    (unsigned long long)mono_us());
}

void
hgwd_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	if (notify_wd) {
		uv_timer_stop(notify_wd);
		uv_close((uv_handle_t *)notify_wd, notify_wd_closed);
		notify_wd = NULL;
	}
}

void
hgwd_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}
