/* gateway/gw_events.c - what "hybridgwctl monitor" sees: journal entries, BGP and BFD changes, alarms. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "northbound/nb_monitor.h"

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static void
gw_event_time(int64_t us, char *buf, size_t len)
{
	time_t	  s = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(us % 1000000));
}

/* A failover journal entry once its FIB switch is complete. */
void
gw_event_journal(const struct rib_journal_entry *e)
{
	char	    id[24], moved[16], groups[16], sw[16], det[128], fib[128], text[640];
	const char *to = e->has_to ? rib_class_name(e->to_class) : NULL;
	/* clang-format off */
	struct nb_event_field	 f[] = {
		{ "id", id, true }, { "connection", e->connection, false },
		{ "source", e->source, false }, { "trigger", rib_trigger_name(e->trigger), false },
		{ "from-class", rib_class_name(e->from_class), false }, { "to-class", to, false },
		{ "detected", det, false }, { "fib-switched", fib, false },
		{ "switch-time-us", sw, true }, { "prefixes-moved", moved, true },
		{ "groups-rewritten", groups, true },
	};
	/* clang-format on */

	snprintf(id, sizeof(id), "%" PRIu64, e->id);
	snprintf(moved, sizeof(moved), "%u", e->prefixes_moved);
	snprintf(groups, sizeof(groups), "%u", e->groups_rewritten);
	snprintf(sw, sizeof(sw), "%u", e->switch_time_us);
	gw_event_time(e->detected_us, det, sizeof(det));
	gw_event_time(e->switched_us, fib, sizeof(fib));
	if (to)
		snprintf(text, sizeof(text),
		    "#%s %s (%s): %s detected %s, FIB switched %s "
		    "(%u us): %u prefixes moved to %s, %u groups rewritten",
		    id, e->connection, e->source, rib_trigger_name(e->trigger), det, fib,
		    e->switch_time_us, e->prefixes_moved, to, e->groups_rewritten);
	else
		snprintf(text, sizeof(text), "#%s %s (%s): %s detected %s: nothing moved", id,
		    e->connection, e->source, rib_trigger_name(e->trigger), det);
	nb_monitor_emit("failover", text, f, NF(f));
}

void
gw_event_session(const char *neighbor, const char *name, bool up, const char *reason)
{
	char		      text[320];
	struct nb_event_field f[] = {
		{ "neighbor", neighbor, false },
		{ "name", name, false },
		{ "state", up ? "established" : "down", false },
		{ "reason", reason, false },
	};

	snprintf(text, sizeof(text), "neighbor %s (%s) %s%s%s", neighbor, name,
	    up ? "Established" : "down", reason ? ": " : "", reason ? reason : "");
	nb_monitor_emit("bgp", text, f, NF(f));
}

void
gw_event_bfd(const char *name, const struct bfd_session_state *st, bool up, uint8_t diag)
{
	char peer[IPADDR_STRLEN], d[8], text[320];
	/* clang-format off */
	struct nb_event_field	 f[] = {
		{ "peer", peer, false }, { "interface", st->ifname && st->ifname[0] ?
		    st->ifname : NULL, false }, { "name", name, false },
		{ "state", up ? "up" : "down", false }, { "diagnostic", d, true },
		{ "diagnostic-text", up ? NULL : st->last_diag_str, false },
	};
	/* clang-format on */

	ipaddr_fmt(&st->peer, peer, sizeof(peer));
	snprintf(d, sizeof(d), "%u", diag);
	snprintf(text, sizeof(text), "peer %s%s%s (%s) %s%s%s", peer,
	    st->ifname && st->ifname[0] ? " on " : "", st->ifname ? st->ifname : "", name,
	    up ? "Up" : "Down", up ? "" : ": ",
	    up ? "" : (st->last_diag_str ? st->last_diag_str : ""));
	nb_monitor_emit("bfd", text, f, NF(f));
}

void
gw_event_alarm(const char *connection, bool raised, uint32_t cap, uint32_t wanted)
{
	char		      c[16], w[16], text[256];
	struct nb_event_field f[] = {
		{ "connection", connection, false },
		{ "alarm", "outbound-prefix-limit", false },
		{ "state", raised ? "raised" : "cleared", false },
		{ "limit", c, true },
		{ "wanted", w, true },
	};

	snprintf(c, sizeof(c), "%u", cap);
	snprintf(w, sizeof(w), "%u", wanted);
	snprintf(text, sizeof(text), "%s: outbound prefix limit %s (%u wanted, limit %u)",
	    connection, raised ? "raised" : "cleared", wanted, cap);
	nb_monitor_emit("alarm", text, f, NF(f));
}
