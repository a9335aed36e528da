/* lib/log.c - leveled logging to stderr or syslog, with per-module debug flags. */
/* SPDX-License-Identifier: ISC */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static const char *const mod_names[LOG_MOD_COUNT] = {
	[LOG_MOD_CORE] = "core",
	[LOG_MOD_BGP] = "bgp",
	[LOG_MOD_FAILOVER] = "failover",
	[LOG_MOD_BFD] = "bfd",
	[LOG_MOD_FIB] = "fib",
	[LOG_MOD_VPN] = "vpn",
	[LOG_MOD_NB] = "nb",
};
static const char *const lvl_names[] = { "error", "warning", "info", "debug" };

static enum log_level cur_level = LOG_LVL_INFO;
static bool	      use_stderr = true;
static char	      stderr_tag[32]; /* which process, when several share stderr */
static bool	      debug_on[LOG_MOD_COUNT];

void
log_init(const char *ident, enum log_level lvl, bool to_stderr)
{
	cur_level = lvl;
	use_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_tag(const char *tag)
{
	snprintf(stderr_tag, sizeof(stderr_tag), "%s%s", tag ? tag : "", tag ? " " : "");
}

void
log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}
enum log_level
log_get_level(void)
{
	return cur_level;
}
const char *
log_mod_name(enum log_mod m)
{
	return m < LOG_MOD_COUNT ? mod_names[m] : "?";
}
bool
log_debug_on(enum log_mod m)
{
	return m < LOG_MOD_COUNT && debug_on[m];
}

void
log_debug_enable(enum log_mod m, bool on)
{
	if (m < LOG_MOD_COUNT)
		debug_on[m] = on;
}

int
log_set_debug(const char *list)
{
	bool want[LOG_MOD_COUNT] = { false };
	char buf[256], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int m;

		if (strcmp(tok, "all") == 0) {
			for (m = 0; m < LOG_MOD_COUNT; m++)
				want[m] = true;
			continue;
		}
		for (m = 0; m < LOG_MOD_COUNT; m++)
			if (strcmp(tok, mod_names[m]) == 0)
				break;
		if (m == LOG_MOD_COUNT)
			return -EINVAL;
		want[m] = true;
	}
	memcpy(debug_on, want, sizeof(debug_on));
	return 0;
}

void
log_msg(enum log_level lvl, enum log_mod m, const char *fmt, ...)
{
	static const int sysprio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char		 line[1024];
	va_list		 ap;

	if (lvl > cur_level && !(lvl == LOG_LVL_DEBUG && log_debug_on(m)))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (use_stderr) {
		struct timespec ts;
		struct tm	tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s%s: %s\n", tm.tm_hour, tm.tm_min,
		    tm.tm_sec, ts.tv_nsec / 1000000, lvl_names[lvl], stderr_tag,
		    log_mod_name(m), line);
	} else
		syslog(sysprio[lvl], "%s: %s", log_mod_name(m), line);
}
