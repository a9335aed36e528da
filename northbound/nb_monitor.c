/* northbound/nb_monitor.c - live event streams to control-socket clients, bounded so the loop never waits. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Unsent bytes a monitor may have queued before events are dropped for
 * it: hundreds of lines, a burst of failovers and session changes. */
#define MON_QUEUE_MAX (256u * 1024)

struct nb_monitor_sub {
	struct nb_monitor_sub *next;
	uv_stream_t	      *s;
	bool		       json;
	bool		       closing;
	uint64_t	       dropped; /* not yet reported in its stream */
	void (*close_fn)(void *);
	void *arg;
};

struct mon_write {
	uv_write_t	       req;
	struct nb_monitor_sub *sub; /* alive: a close calls this first */
	char		       buf[];
};

static struct nb_monitor_sub *mon_subs;
static uint64_t		      mon_dropped_total;

static void
mon_close(struct nb_monitor_sub *sub)
{
	if (sub->closing)
		return;
	sub->closing = true;
	sub->close_fn(sub->arg);
}

static void
mon_written(uv_write_t *w, int status)
{
	struct mon_write *mw = (struct mon_write *)w;

	if (status < 0 && status != UV_ECANCELED)
		mon_close(mw->sub);
	free(mw);
}

static void
mon_send(struct nb_monitor_sub *sub, const char *line, size_t len)
{
	struct mon_write *mw;
	uv_buf_t	  b;

	if (!(mw = malloc(sizeof(*mw) + len))) {
		sub->dropped++;
		mon_dropped_total++;
		return;
	}
	memcpy(mw->buf, line, len);
	mw->sub = sub;
	b = uv_buf_init(mw->buf, (unsigned)len);
	if (uv_write(&mw->req, sub->s, &b, 1, mon_written) != 0) {
		free(mw);
		mon_close(sub);
	}
}

/* RFC 8259 7: the characters a JSON string must escape. */
static void
mon_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
mon_time(char *buf, size_t len, bool iso)
{
	struct timeval tv;
	struct tm      tm;

	gettimeofday(&tv, NULL);
	if (iso) {
		gmtime_r(&tv.tv_sec, &tm);
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (long)tv.tv_usec);
	} else {
		localtime_r(&tv.tv_sec, &tm);
		snprintf(buf, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (long)tv.tv_usec / 1000);
	}
}

/* The line for one subscriber's format; malloc'd. */
static char *
mon_line(bool json, const char *kind, const char *text, const struct nb_event_field *fl,
    size_t n, size_t *len)
{
	char *buf = NULL, ts[128];
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	mon_time(ts, sizeof(ts), json);
	if (!json)
		fprintf(f, "%s %-8s %s\n", ts, kind, text);
	else {
		fprintf(f, "{\"time\":\"%s\",\"event\":", ts);
		mon_json_str(f, kind);
		for (size_t i = 0; i < n; i++) {
			if (!fl[i].value)
				continue;
			fputc(',', f);
			mon_json_str(f, fl[i].name);
			fputc(':', f);
			if (fl[i].number)
				fputs(fl[i].value, f);
			else
				mon_json_str(f, fl[i].value);
		}
		fputs(",\"text\":", f);
		mon_json_str(f, text);
		fputs("}\n", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void
nb_monitor_emit(const char *kind, const char *text, const struct nb_event_field *fl, size_t n)
{
	char  *line[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };

	for (struct nb_monitor_sub *sub = mon_subs; sub; sub = sub->next) {
		int j = sub->json;

		if (sub->closing)
			continue;
		if (uv_stream_get_write_queue_size(sub->s) > MON_QUEUE_MAX) {
			sub->dropped++;
			mon_dropped_total++;
			continue;
		}
		if (sub->dropped) {
			char		      num[24], msg[80];
			struct nb_event_field df = { "count", num, true };
			size_t		      dl;
			char		     *d;

			snprintf(num, sizeof(num), "%llu", (unsigned long long)sub->dropped);
			snprintf(msg, sizeof(msg),
			    "%s events dropped: this monitor read too slowly", num);
			if ((d = mon_line(sub->json, "dropped", msg, &df, 1, &dl))) {
				mon_send(sub, d, dl);
				free(d);
				sub->dropped = 0;
			}
		}
		if (!line[j] && !(line[j] = mon_line(sub->json, kind, text, fl, n, &len[j]))) {
			sub->dropped++;
			mon_dropped_total++;
			continue;
		}
		mon_send(sub, line[j], len[j]);
	}
	free(line[0]);
	free(line[1]);
}

int
nb_monitor_sub_add(uv_stream_t *s, bool json, void (*close_fn)(void *), void *arg,
    struct nb_monitor_sub **out)
{
	struct nb_monitor_sub *sub;
	static const char      hello_text[] = "0monitoring hybridgwd: failover journal, BGP "
					      "sessions, BFD sessions, alarms (Ctrl-C ends)\n";

	if (!(sub = calloc(1, sizeof(*sub))))
		return -ENOMEM;
	sub->s = s;
	sub->json = json;
	sub->close_fn = close_fn;
	sub->arg = arg;
	sub->next = mon_subs;
	mon_subs = sub;
	*out = sub;
	/* the control protocol's status byte; JSON streams carry only objects */
	mon_send(sub, hello_text, json ? 1 : sizeof(hello_text) - 1);
	return 0;
}

void
nb_monitor_sub_free(struct nb_monitor_sub *sub)
{
	struct nb_monitor_sub **pp;

	if (!sub)
		return;
	for (pp = &mon_subs; *pp; pp = &(*pp)->next)
		if (*pp == sub) {
			*pp = sub->next;
			break;
		}
	free(sub);
}

uint64_t
nb_monitor_dropped(void)
{
	return mon_dropped_total;
}

size_t
nb_monitor_count(void)
{
	size_t n = 0;

	for (struct nb_monitor_sub *sub = mon_subs; sub; sub = sub->next)
		n++;
	return n;
}
